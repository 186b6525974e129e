/* Drawing the page's view of the excerpts: highlights, margin marks, the list and the counts.
 *
 * `ctx` is the page's shared state (see coding.js): the excerpts, the values, the transcript
 * index and the current view.
 */

import { assignLanes, innermost, segmentsOf, segmentSummary, sortExcerpts } from "./segments.js";
import { createStripePlacer } from "./stripes.js";

// Each coder's stripes in the all-coders view: a named pattern (colour is the value's) and the
// coder's initials, so any number of coders are told apart without colour. Beyond eight
// coders patterns come round again; the initials still differ.
export const CODER_STYLES = [
  "plain", "diagonal lines", "dots", "horizontal lines",
  "vertical lines", "crosshatch", "checks", "back diagonal lines",
];

/** A style's name in words: "plain stripes", "stripes with dots". */
export const stripesIn = (style) =>
  (style === 0 ? "plain stripes" : `stripes with ${CODER_STYLES[style]}`);

/** Initials for each coder name ("amira-h" -> "AH"), made unique with a number if they repeat. */
export function coderInitials(names) {
  const result = new Map();
  const taken = new Map();
  for (const name of names) {
    const parts = name.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    let initials = (parts.length > 1 ? parts.slice(0, 3).map((p) => [...p][0]) : [...(parts[0] || "?")].slice(0, 2))
      .join("").toUpperCase();
    const n = (taken.get(initials) || 0) + 1;
    taken.set(initials, n);
    if (n > 1) initials = `${initials}${n}`;
    result.set(name, initials);
  }
  return result;
}

export function createRenderer(ctx) {
  const { data, valuesBySlug, tx, transcript } = ctx;
  const list = document.getElementById("excerpt-list");
  const listItems = new Map(); // excerpt id -> <li>
  let shownById = new Map();
  const placer = createStripePlacer(ctx, (id) => shownById.get(id));
  const initials = coderInitials(data.coders);
  const coderStyle = (coder) => Math.max(0, data.coders.indexOf(coder)) % CODER_STYLES.length;
  const listed = (e) => ctx.inView(e) && (!ctx.listFilter() || e.values.includes(ctx.listFilter()));

  function renderHighlights(shown) {
    if (!window.CSS || !CSS.highlights) return;
    CSS.highlights.clear();
    const groups = new Map();
    const add = (name, range) => {
      if (!groups.has(name)) groups.set(name, []);
      groups.get(name).push(range);
    };
    const allCoders = ctx.currentView() === "all";
    for (const segment of segmentsOf(shown)) {
      const { coders } = segmentSummary(segment);
      const range = tx.rangeFor(segment.start, segment.end);
      // The colour of the innermost excerpt's first value: neighbouring and nested excerpts
      // stay apart; the stripes in the margin name every value.
      add(`v-${innermost(segment).values[0]}`, range);
      if (segment.excerpts.length > 1) add("overlap", range);
      if (allCoders) add(coders.length > 1 ? "c-multi" : `c-${ctx.coderIndex(coders[0])}`, range);
    }
    for (const [name, ranges] of groups) CSS.highlights.set(name, new Highlight(...ranges));
  }

  // Margin stripes: one per excerpt, beside every paragraph it touches, in lanes so that
  // overlapping excerpts sit side by side (told apart by lane and pattern, not colour alone).
  // The first piece of each stripe is a button named with the excerpt's values and coder.
  const marked = new Set(); // indexes of paragraphs that hold stripes
  let lanes = new Map(); // excerpt id -> lane

  function marksOf(para) {
    if (!para.marks) {
      para.marks = document.createElement("span");
      para.marks.className = "para-marks";
      para.marks.contentEditable = "false";
      para.el.appendChild(para.marks);
    }
    return para.marks;
  }

  function stripeName(e) {
    const para = tx.paras[tx.paraIndexAtCp(e.start)];
    const quote = e.text.length > 60 ? `${e.text.slice(0, 59)}…` : e.text;
    return `${ctx.excerptLabel(e)} (${e.coder}), paragraph ${para ? para.el.dataset.n : "?"}: “${quote}”`;
  }

  function stripePiece(e, lane, head, allCoders) {
    const piece = document.createElement("span");
    const first = e.values[0];
    // Apart by lane and pattern: the lane's in one coder's view, the coder's in the others.
    piece.className = `stripe value-swatch-${first} ` +
      (allCoders ? `coder-style-${coderStyle(e.coder)}` : `pattern-${lane % 4}`);
    piece.dataset.id = String(e.id);
    // CSSOM, allowed by the Content-Security-Policy (style attributes in HTML are not).
    piece.style.left = `${lane * 1.6}rem`;
    if (head) {
      piece.classList.add("stripe-head");
      piece.tabIndex = 0;
      piece.setAttribute("role", "button");
      const label = document.createElement("span");
      label.className = "stripe-label";
      // Drawn from the attribute by CSS: the button's name (which ends with the same initials,
      // for speech input) is its only text.
      label.dataset.label = e.values.map((s) => (valuesBySlug.get(s) || { initials: s }).initials).join("+");
      const coder = allCoders ? `; ${initials.get(e.coder)}, ${stripesIn(coderStyle(e.coder))}` : "";
      piece.setAttribute("aria-label", `Excerpt: ${stripeName(e)} (${label.dataset.label}${coder})`);
      piece.title = stripeName(e);
      piece.appendChild(label);
    } else {
      piece.setAttribute("aria-hidden", "true");
    }
    return piece;
  }

  function laneItems(shown) {
    return shown.map((e) => {
      const [first, last] = tx.paragraphsOf(e);
      return { id: e.id, first, last };
    }).sort((a, b) => a.first - b.first || b.last - a.last || a.id - b.id);
  }

  /** Draw the stripes of all paragraphs, or only of the paragraph indexes in `only`. */
  function renderMarks(shown, only) {
    const items = laneItems(shown);
    const newLanes = assignLanes(items);
    if (only) {
      // Lanes of other excerpts may move when one is added or removed: redraw those too.
      for (const item of items) {
        if (lanes.get(item.id) !== newLanes.get(item.id)) {
          for (let i = item.first; i <= item.last; i++) only.add(i);
        }
      }
      // (Paragraphs of an excerpt that is gone are in `only` already: it is among the changed.)
    }
    lanes = newLanes;
    const laneCount = String(Math.max(0, ...lanes.values()) + 1);
    if (transcript.style.getPropertyValue("--lanes") !== laneCount) {
      // A wider or narrower margin leaves less or more room for the text: its lines rewrap.
      transcript.style.setProperty("--lanes", laneCount);
      placer.rewrapped();
    }
    shownById = new Map(shown.map((e) => [e.id, e]));
    const redrawn = new Set(only ? [...only] : [...marked]);
    for (const i of only ? [...only] : [...marked]) {
      if (tx.paras[i] && tx.paras[i].marks) tx.paras[i].marks.textContent = "";
      marked.delete(i);
    }
    const allCoders = ctx.currentView() !== "mine";
    const byId = new Map(shown.map((e) => [e.id, e]));
    for (const item of items) {
      const e = byId.get(item.id);
      for (let i = item.first; i <= item.last; i++) {
        if (only && !only.has(i)) continue;
        marksOf(tx.paras[i]).appendChild(stripePiece(e, lanes.get(e.id), i === item.first, allCoders));
        marked.add(i);
        redrawn.add(i);
      }
    }
    placer.changed(redrawn);
  }

  const STYLES = [
    "solid", "dashed", "dotted", "wavy", "thick solid", "thick dashed", "thick dotted", "thick wavy",
  ];

  /** In the all-coders view, name each coder's stripe pattern, initials and underline. */
  function renderLegend() {
    const legend = document.getElementById("coder-legend");
    if (!legend) return;
    legend.textContent = "";
    legend.hidden = ctx.currentView() !== "all" || data.coders.length === 0;
    if (legend.hidden) return;
    const heading = document.createElement("span");
    heading.className = "fw-semibold";
    heading.textContent = "Coders:";
    legend.appendChild(heading);
    data.coders.forEach((coder) => {
      const item = document.createElement("span");
      item.className = "legend-coder";
      const sample = document.createElement("span");
      sample.className = `legend-stripe stripe-sample coder-style-${coderStyle(coder)}`;
      sample.setAttribute("aria-hidden", "true");
      const words = document.createElement("span");
      words.className = `legend-item coder-line-${ctx.coderIndex(coder)}`;
      words.textContent = `${coder} (${initials.get(coder)}): ${stripesIn(coderStyle(coder))}, ` +
        `${STYLES[ctx.coderIndex(coder)]} underline`;
      item.append(sample, words);
      legend.appendChild(item);
    });
    const several = document.createElement("span");
    several.className = "legend-item coder-line-multi";
    several.textContent = "several coders (double underline)";
    legend.appendChild(several);
  }

  function renderCounts(shown) {
    const counts = document.getElementById("value-counts");
    const perValue = new Map();
    for (const e of shown) for (const s of e.values) perValue.set(s, (perValue.get(s) || 0) + 1);
    counts.textContent = "";
    for (const v of data.values) {
      if (!perValue.has(v.slug)) continue;
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = `swatch value-swatch-${v.slug}`;
      sw.setAttribute("aria-hidden", "true");
      sw.textContent = v.initials;
      li.append(sw, ` ${v.name}: ${perValue.get(v.slug)}`);
      counts.appendChild(li);
    }
    document.getElementById("excerpt-total").textContent = String(listItems.size);
    let empty = document.getElementById("excerpt-list-empty");
    if (!empty) {
      empty = document.createElement("p");
      empty.id = "excerpt-list-empty";
      empty.className = "small text-body-secondary mb-0";
      list.after(empty);
    }
    const others = ctx.excerpts.length - shown.length;
    empty.hidden = listItems.size > 0;
    empty.textContent = ctx.listFilter() && shown.length
      ? "No excerpts with this value in this view."
      : others > 0
        ? `No excerpts in this view yet; ${others} by other coders under “All coders”.`
        : "No excerpts yet. Select some text to start.";
  }

  function listItem(e) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "excerpt-item";
    button.dataset.id = String(e.id);
    button.id = `excerpt-${e.id}`;
    const head = document.createElement("span");
    head.className = "excerpt-head";
    const para = tx.paras[tx.paraIndexAtCp(e.start)];
    head.textContent = `¶${para ? para.el.dataset.n : "?"} · ${ctx.excerptLabel(e)} · ${e.coder}`;
    const quote = document.createElement("span");
    quote.className = "excerpt-quote";
    quote.textContent = e.text.length > 140 ? `${e.text.slice(0, 137)}…` : e.text;
    button.append(head, quote);
    li.appendChild(button);
    return li;
  }

  function renderList(shown) {
    list.textContent = "";
    listItems.clear();
    const fragment = document.createDocumentFragment();
    for (const e of shown) {
      if (!listed(e)) continue;
      const li = listItem(e);
      listItems.set(e.id, li);
      fragment.appendChild(li);
    }
    list.appendChild(fragment);
  }

  /** Bring one excerpt's list item up to date (added, changed or gone), keeping text order. */
  function syncListItem(id) {
    const old = listItems.get(id);
    const e = ctx.excerpts.find((x) => x.id === id);
    if (old) { old.remove(); listItems.delete(id); }
    if (!e || !listed(e)) return;
    const li = listItem(e);
    const index = ctx.excerpts.indexOf(e);
    let before = null;
    for (let k = index + 1; k < ctx.excerpts.length && !before; k++) before = listItems.get(ctx.excerpts[k].id) || null;
    list.insertBefore(li, before);
    listItems.set(id, li);
  }

  function render() {
    sortExcerpts(ctx.excerpts);
    const shown = ctx.excerpts.filter(ctx.inView);
    renderHighlights(shown);
    renderMarks(shown);
    renderList(shown);
    renderCounts(shown);
    renderLegend();
  }

  /** Redraw after a create, change or delete: all highlights, but only the touched marks and
   * list items, so tagging stays quick on a long transcript. */
  function refresh(changed) {
    sortExcerpts(ctx.excerpts);
    const shown = ctx.excerpts.filter(ctx.inView);
    renderHighlights(shown);
    const touched = new Set();
    for (const e of changed) {
      const [first, last] = tx.paragraphsOf(e);
      for (let i = first; i <= last; i++) touched.add(i);
    }
    renderMarks(shown, touched);
    for (const e of changed) syncListItem(e.id);
    renderCounts(shown);
  }

  /** Outline one excerpt in the text (its stripe is hovered or focused); null clears it. */
  function outline(e) {
    if (!window.CSS || !CSS.highlights) return;
    if (!e) { CSS.highlights.delete("outline"); return; }
    const highlight = new Highlight(tx.rangeFor(e.start, e.end));
    highlight.priority = 1; // above the value colours
    CSS.highlights.set("outline", highlight);
  }

  function flash(e) {
    if (!window.CSS || !CSS.highlights) return;
    CSS.highlights.set("flash", new Highlight(tx.rangeFor(e.start, e.end)));
    window.setTimeout(() => CSS.highlights.delete("flash"), 1600);
  }

  function scrollToExcerpt(e) {
    const para = tx.paras[tx.paraIndexAtCp(e.start)];
    if (para) para.el.scrollIntoView({ block: "center", behavior: "instant" });
    flash(e);
  }

  return { render, refresh, scrollToExcerpt, outline };
}
