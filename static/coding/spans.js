/* Selections made into spans worth tagging: whole words, no white space at the edges.
 *
 * Pure: works on a `charAt(cp)` function and the text's length in code points, so it is tested
 * without a page.
 */

const wordChar = /[\p{L}\p{N}\p{M}'’_-]/u;
const space = /\s/u;

/** Widen [start, end) to whole words when `snapWords`, then trim white space at both ends. */
export function snapAndTrim(charAt, cpLength, start, end, snapWords) {
  if (snapWords) {
    while (start > 0 && wordChar.test(charAt(start)) && wordChar.test(charAt(start - 1))) start--;
    while (end < cpLength && wordChar.test(charAt(end - 1)) && wordChar.test(charAt(end))) end++;
  }
  while (start < end && space.test(charAt(start))) start++;
  while (end > start && space.test(charAt(end - 1))) end--;
  return [start, end];
}

export function truncate(s, n) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
