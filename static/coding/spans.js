/* Selections made into spans worth tagging: whole words, no white space at the edges.
 *
 * Pure: works on a `charAt(cp)` function and the text's length in code points, so it is tested
 * without a page.
 */

const wordChar = /[\p{L}\p{N}\p{M}'’_-]/u;
const space = /\s/u;
// Punctuation or space at a selection's edge: a drag that starts on the full stop of the
// sentence before, or ends on a comma, should not carry it into the excerpt.
const edge = /[\p{P}\s]/u;
// Kept when right next to the words: an opening quote or bracket, and what ends a sentence or
// a quotation ("judged me." stays whole).
const opening = /[“‘"'(\[«¿¡]/u;
const closing = /[.!?…”’"')\]»]/u;

/**
 * Move the edges of [start, end) off leading and trailing punctuation and spaces, keeping
 * opening quotes and brackets on the first word and sentence-ending marks on the last.
 * A selection of nothing but punctuation is left as it is.
 */
export function trimPunctuation(charAt, start, end) {
  let i = start;
  while (i < end && edge.test(charAt(i))) i++;
  if (i === end) return [start, end];
  while (i > start && opening.test(charAt(i - 1))) i--;
  let j = end;
  while (j > i && edge.test(charAt(j - 1))) j--;
  while (j < end && closing.test(charAt(j))) j++;
  return [i, j];
}

/**
 * Keep speaker labels ("Interviewer:", "P:") out of the edges of [start, end): a start inside
 * a label moves past it, an end inside one moves back before it. A label wholly inside the
 * selection (one that crosses turns) stays. `labels` are `{start, end}` in text order.
 */
export function avoidLabels(start, end, labels) {
  for (const label of labels) {
    if (label.start > end) break;
    if (start >= label.start && start < label.end) start = label.end;
    if (end > label.start && end <= label.end) end = label.start;
  }
  return [start, Math.max(start, end)];
}

/**
 * Widen [start, end) to whole words and move its edges off punctuation when `snapWords`,
 * keep speaker labels out of its edges, then trim white space at both ends.
 */
export function snapAndTrim(charAt, cpLength, start, end, snapWords, labels = []) {
  if (snapWords) {
    while (start > 0 && wordChar.test(charAt(start)) && wordChar.test(charAt(start - 1))) start--;
    while (end < cpLength && wordChar.test(charAt(end - 1)) && wordChar.test(charAt(end))) end++;
    [start, end] = trimPunctuation(charAt, start, end);
  }
  [start, end] = avoidLabels(start, end, labels);
  while (start < end && space.test(charAt(start))) start++;
  while (end > start && space.test(charAt(end - 1))) end--;
  return [start, end];
}

export function truncate(s, n) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
