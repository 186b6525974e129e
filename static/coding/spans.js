/* Selections made into spans worth tagging: whole words, no white space at the edges.
 *
 * Pure: works on a `charAt(cp)` function and the text's length in code points, so it is tested
 * without a page.
 */

const wordChar = /[\p{L}\p{N}\p{M}'’_-]/u;
const space = /\s/u;

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
 * Widen [start, end) to whole words when `snapWords`, keep speaker labels out of its edges,
 * then trim white space at both ends.
 */
export function snapAndTrim(charAt, cpLength, start, end, snapWords, labels = []) {
  if (snapWords) {
    while (start > 0 && wordChar.test(charAt(start)) && wordChar.test(charAt(start - 1))) start--;
    while (end < cpLength && wordChar.test(charAt(end - 1)) && wordChar.test(charAt(end))) end++;
  }
  [start, end] = avoidLabels(start, end, labels);
  while (start < end && space.test(charAt(start))) start++;
  while (end > start && space.test(charAt(end - 1))) end--;
  return [start, end];
}

export function truncate(s, n) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
