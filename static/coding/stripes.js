/* Where each stripe piece sits: exactly beside the lines of its excerpt's text.
 *
 * A stripe has one piece per paragraph it touches (each paragraph has its own margin, so pieces
 * survive `content-visibility` and need no page-wide layout). A piece's top and height come from
 * `Range.getClientRects()` of the excerpt's text within that paragraph, merged into one span
 * from its first line to its last. Measuring forces layout, so paragraphs are measured when they
 * come near the viewport (IntersectionObserver) and measured again when the text's width
 * changes (a resize or zoom rewraps the lines).
 */

export function createStripePlacer(ctx, excerptById) {
  const { tx, transcript } = ctx;
  const dirty = new Set(); // paragraph indexes whose pieces need measuring
  const near = new Set(); // paragraph indexes near the viewport
  let frame = 0;

  /** The span [top, bottom] of a code point range's lines, in client pixels; null if none. */
  function linesOf(start, end) {
    const [sn, so] = tx.cpToDom(start, false);
    const [en, eo] = tx.cpToDom(end, true);
    const range = document.createRange();
    range.setStart(sn, so);
    range.setEnd(en, eo);
    let top = Infinity;
    let bottom = -Infinity;
    // Empty boxes (a line break at a line's end) would stretch the span onto a line the
    // excerpt does not reach.
    for (const rect of range.getClientRects()) {
      if (rect.width < 0.5 || rect.height < 0.5) continue;
      top = Math.min(top, rect.top);
      bottom = Math.max(bottom, rect.bottom);
    }
    return top === Infinity ? null : [top, bottom];
  }

  /** Where each piece of paragraph i goes: [piece, top, height] relative to its margin. */
  function measurePara(i) {
    const para = tx.paras[i];
    dirty.delete(i);
    if (!para || !para.marks || !para.marks.firstChild) return [];
    const origin = para.marks.getBoundingClientRect().top;
    const places = [];
    for (const piece of para.marks.children) {
      const e = excerptById(Number(piece.dataset.id));
      if (!e) continue;
      const lines = linesOf(Math.max(e.start, para.start), Math.min(e.end, para.end));
      if (lines) places.push([piece, lines[0] - origin, lines[1] - lines[0]]);
    }
    return places;
  }

  // Every measurement first, then every change: one layout for the lot, not one per piece.
  function placeNear() {
    const places = [];
    for (const i of [...dirty]) if (near.has(i)) places.push(...measurePara(i));
    for (const [piece, top, height] of places) {
      // CSSOM, allowed by the Content-Security-Policy (style attributes in HTML are not).
      piece.style.top = `${top}px`;
      piece.style.height = `${height}px`;
      piece.style.bottom = "auto";
      piece.classList.add("placed");
    }
  }

  function flush() {
    frame = 0;
    placeNear();
  }

  const schedule = () => { if (!frame) frame = requestAnimationFrame(flush); };

  const seen = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const i = Number(entry.target.dataset.index);
      if (entry.isIntersecting) near.add(i); else near.delete(i);
    }
    schedule();
  }, { rootMargin: "400px 0px" });

  tx.paras.forEach((para, i) => { para.el.dataset.index = String(i); });
  const watched = new Set();

  /** The pieces of these paragraphs were drawn again: measure them when they are near. */
  function changed(indexes) {
    for (const i of indexes) {
      dirty.add(i);
      if (!watched.has(i) && tx.paras[i]) { watched.add(i); seen.observe(tx.paras[i].el); }
    }
    schedule();
  }

  /** The text's lines wrap anew: every piece is measured again (the near ones at once). */
  function rewrapped() {
    for (const i of watched) dirty.add(i);
    schedule();
  }

  // A new width (a resize, a zoom, the drawer) rewraps the lines.
  let width = transcript.clientWidth;
  new ResizeObserver(() => {
    if (transcript.clientWidth === width) return;
    width = transcript.clientWidth;
    rewrapped();
  }).observe(transcript);

  return { changed, rewrapped };
}
