/* Code points and UTF-16 code units.
 *
 * Offsets sent to and received from the server count Unicode code points of the interview text
 * (see ARCHITECTURE.md). The browser counts UTF-16 code units, so every position crosses these
 * tables, built once from the text. Pure: no DOM, tested on its own (tests/browser/test_coding_modules.py).
 */

const isHigh = (code) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code) => code >= 0xdc00 && code <= 0xdfff;

/**
 * Build the two conversion tables of `text`.
 *
 * `cpToU16[cp]` is the UTF-16 offset of code point `cp` (with one extra entry for the end);
 * `u16ToCp[u]` is the code point at UTF-16 offset `u`. An offset between the two halves of a
 * surrogate pair is never a valid boundary: it maps to the character's end.
 */
export function codePointTables(text) {
  const cpToU16 = [];
  const u16ToCp = new Uint32Array(text.length + 1);
  let cp = 0;
  for (let u = 0; u < text.length; u++) {
    const secondHalf = isLow(text.charCodeAt(u)) && u > 0 && isHigh(text.charCodeAt(u - 1));
    if (!secondHalf) {
      cpToU16.push(u);
      u16ToCp[u] = cp;
      cp += 1;
    } else {
      u16ToCp[u] = cp;
    }
  }
  cpToU16.push(text.length);
  u16ToCp[text.length] = cp;
  return { cpToU16, u16ToCp, cpLength: cpToU16.length - 1 };
}

/** The text between two code point offsets. */
export function sliceCp(text, tables, start, end) {
  return text.slice(tables.cpToU16[start], tables.cpToU16[end]);
}
