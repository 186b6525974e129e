/* Drawing the page's view of the excerpts: highlights, margin marks, the list and the counts.
 *
 * `ctx` is the page's shared state (see coding.js): the excerpts, the values, the transcript
 * index and the current view.
 */

import { segmentsOf, segmentSummary, sortExcerpts } from "./segments.js";

export function createRenderer(ctx) {
  const { data, valuesBySlug, tx } = ctx;
  const list = document.getElementById("excerpt-list");
  const listItems = new Map(); // excerpt id -> <li>
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
      const { values, coders } = segmentSummary(segment);
      const range = tx.rangeFor(segment.start, segment.end);
      add(values.length === 1 ? `v-${values[0]}` : "v-multi", range);
      if (segment.excerpts.length > 1) add("overlap", range);
      if (allCoders) add(coders.length > 1 ? "c-multi" : `c-${ctx.coderIndex(coders[0])}`, range);
    }
    for (const [name, ranges] of groups) CSS.highlights.set(name, new Highlight(...ranges));
  }

  // Margin marks: each paragraph's values as initials, so colour is never the only signal.
  const marked = new Set(); // indexes of paragraphs that hold marks

  function marksOf(para) {
    if (!para.marks) {
      para.marks = document.createElement("span");
      para.marks.className = "para-marks";
      para.marks.contentEditable = "false";
      para.marks.setAttribute("aria-hidden", "true");
      para.el.appendChild(para.marks);
    }
    return para.marks;
  }

  /** Draw the marks of all paragraphs, or only of the paragraph indexes in `only`. */
  function renderMarks(shown, only) {
    for (const i of only ? [...only] : [...marked]) {
      if (tx.paras[i].marks) tx.paras[i].marks.textContent = "";
      marked.delete(i);
    }
    const seen = new Set();
    const allCoders = ctx.currentView() !== "mine";
    for (const e of shown) {
      const [first, last] = tx.paragraphsOf(e);
      for (let i = first; i <= last; i++) {
        if (only && !only.has(i)) continue;
        for (const slug of e.values) {
          const key = `${i}|${slug}|${allCoders ? e.coder : ""}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const v = valuesBySlug.get(slug);
          const chip = document.createElement("span");
          chip.className = `mark-chip value-swatch-${slug}` + (allCoders ? ` coder-${ctx.coderIndex(e.coder)}` : "");
          chip.textContent = v ? v.initials : slug;
          chip.title = `${v ? v.name : slug}${allCoders ? ` (${e.coder})` : ""}`;
          marksOf(tx.paras[i]).appendChild(chip);
          marked.add(i);
        }
      }
    }
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

  return { render, refresh, scrollToExcerpt };
}
