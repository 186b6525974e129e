/* The transcript's paragraphs and the mapping between DOM positions and code point offsets.
 *
 * The server renders each paragraph with `data-start`/`data-end` in code points; its text nodes
 * are indexed once. The DOM is never changed afterwards, so positions always map back to the
 * same characters.
 */

import { indexAtOrBefore } from "./segments.js";

export function indexTranscript(transcript, tables) {
  const { cpToU16, u16ToCp } = tables;
  const paras = [];
  const paraByTextEl = new Map();
  for (const el of transcript.querySelectorAll(".para")) {
    const textEl = el.querySelector(".para-text");
    const start = Number(el.dataset.start);
    const end = Number(el.dataset.end);
    const nodes = [];
    const walker = document.createTreeWalker(textEl, NodeFilter.SHOW_TEXT);
    let off = 0;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      nodes.push({ node, off, len: node.data.length });
      off += node.data.length;
    }
    // The speaker label ("Interviewer:") that opens a turn, rendered as span.speaker.
    const label = textEl.querySelector(".speaker");
    const labelEnd = label ? u16ToCp[cpToU16[start] + label.textContent.length] : start;
    const para = { el, textEl, start, end, labelEnd, u16start: cpToU16[start], len: off, nodes,
      marks: null, index: paras.length };
    paras.push(para);
    paraByTextEl.set(textEl, para);
  }

  /** The last paragraph starting at or before cp. */
  const paraIndexAtCp = (cp) => indexAtOrBefore(paras, cp);

  function offsetBeforeChild(para, child) {
    for (const n of para.nodes) {
      if (child === n.node || child.contains(n.node) ||
          (child.compareDocumentPosition(n.node) & Node.DOCUMENT_POSITION_FOLLOWING)) {
        return n.off;
      }
    }
    return para.len;
  }

  /** Map a DOM position to a code point offset of the text (null outside the transcript). */
  function domToCp(node, offset) {
    const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const textEl = el && el.closest(".para-text");
    if (textEl && paraByTextEl.has(textEl)) {
      const para = paraByTextEl.get(textEl);
      let u = para.len;
      if (node.nodeType === Node.TEXT_NODE) {
        const entry = para.nodes.find((n) => n.node === node);
        u = entry ? entry.off + Math.min(offset, entry.len) : para.len;
      } else {
        const child = node.childNodes[offset];
        u = child ? offsetBeforeChild(para, child) : para.len;
      }
      return u16ToCp[para.u16start + u];
    }
    const paraEl = el && el.closest(".para");
    if (paraEl) {
      const para = paras.find((p) => p.el === paraEl);
      const child = node.childNodes ? node.childNodes[offset] : null;
      const atStart = node === paraEl && child && child.classList?.contains("para-text");
      return atStart ? para.start : para.end;
    }
    if (node === transcript) {
      for (let i = offset; i < node.childNodes.length; i++) {
        const p = paras.find((x) => x.el === node.childNodes[i]);
        if (p) return p.start;
      }
      return paras.length ? paras[paras.length - 1].end : 0;
    }
    return null;
  }

  /** Map a code point offset to a DOM position; `atEnd` prefers the end of the previous run. */
  function cpToDom(cp, atEnd) {
    let para = paras[paraIndexAtCp(cp)];
    if (cp > para.end) {
      // In the gap between two paragraphs (a line break or blank lines).
      if (atEnd) { cp = para.end; } else if (para.index + 1 < paras.length) {
        para = paras[para.index + 1];
        cp = para.start;
      } else { cp = para.end; }
    }
    const rel = cpToU16[cp] - para.u16start;
    for (const n of para.nodes) {
      if (atEnd ? rel <= n.off + n.len : rel < n.off + n.len) {
        return [n.node, Math.max(0, rel - n.off)];
      }
    }
    const last = para.nodes[para.nodes.length - 1];
    return last ? [last.node, last.len] : [para.textEl, 0];
  }

  function rangeFor(start, end) {
    const [sn, so] = cpToDom(start, false);
    const [en, eo] = cpToDom(end, true);
    return new StaticRange({ startContainer: sn, startOffset: so, endContainer: en, endOffset: eo });
  }

  /** First and last paragraph indexes an excerpt touches. */
  function paragraphsOf(e) {
    return [paraIndexAtCp(e.start), paraIndexAtCp(Math.max(e.start, e.end - 1))];
  }

  const labels = paras.filter((p) => p.labelEnd > p.start).map((p) => ({ start: p.start, end: p.labelEnd }));

  return { paras, labels, paraIndexAtCp, domToCp, cpToDom, rangeFor, paragraphsOf };
}
