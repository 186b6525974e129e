/* The coding page: select transcript text, tag it with values, review and undo.
 *
 * Offsets sent to and received from the server count Unicode code points of the interview text
 * (see ARCHITECTURE.md). The browser counts UTF-16 code units, so every position crosses the
 * `cpToU16` / `u16ToCp` tables built once from the text. Highlights use the CSS Custom Highlight
 * API: the transcript DOM is never changed, so selections always map back to the same text.
 */
(() => {
  "use strict";

  const data = JSON.parse(document.getElementById("coding-data").textContent);
  const transcript = document.getElementById("transcript");
  const live = document.getElementById("live");
  const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const text = data.text;
  const me = data.me;
  const valuesBySlug = new Map(data.values.map((v) => [v.slug, v]));
  let excerpts = data.excerpts.slice();
  const undoStack = [];
  const idMap = new Map(); // ids of excerpts re-created by undo: old id -> new id

  // ---- Code points and UTF-16 ------------------------------------------------------------
  const cpToU16 = [];
  const u16ToCp = new Uint32Array(text.length + 1);
  {
    let cp = 0;
    for (let u = 0; u < text.length; u++) {
      const code = text.charCodeAt(u);
      const isLow = code >= 0xdc00 && code <= 0xdfff && u > 0 &&
        text.charCodeAt(u - 1) >= 0xd800 && text.charCodeAt(u - 1) <= 0xdbff;
      if (!isLow) {
        cpToU16.push(u);
        u16ToCp[u] = cp;
        cp += 1;
      } else {
        u16ToCp[u] = cp; // never a valid boundary; snaps to the character's end
      }
    }
    cpToU16.push(text.length);
    u16ToCp[text.length] = cp;
  }
  const cpLength = cpToU16.length - 1;
  const cpSlice = (start, end) => text.slice(cpToU16[start], cpToU16[end]);
  // The page leaves excerpt texts out of its embedded data: they are spans of the text.
  for (const e of excerpts) if (e.text === undefined) e.text = cpSlice(e.start, e.end);

  // ---- Paragraph index ---------------------------------------------------------------------
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
    const para = { el, textEl, start, end, u16start: cpToU16[start], len: off, nodes,
      marks: null, index: paras.length };
    paras.push(para);
    paraByTextEl.set(textEl, para);
  }

  function paraIndexAtCp(cp) {
    // The last paragraph starting at or before cp.
    let lo = 0;
    let hi = paras.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (paras[mid].start <= cp) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function offsetBeforeChild(para, child) {
    for (const n of para.nodes) {
      if (child === n.node || child.contains(n.node) ||
          (child.compareDocumentPosition(n.node) & Node.DOCUMENT_POSITION_FOLLOWING)) {
        return n.off;
      }
    }
    return para.len;
  }

  /** Map a DOM position to a code point offset of the text. */
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

  // ---- Server --------------------------------------------------------------------------------
  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return null;
    let payload = null;
    try { payload = await response.json(); } catch { payload = null; }
    if (!response.ok) {
      const message = (payload && payload.error) || `The server could not do this (${response.status}).`;
      throw new Error(message);
    }
    return payload;
  }
  const excerptsUrl = `/api/interviews/${data.interviewId}/excerpts/`;
  const excerptUrl = (id) => `/api/excerpts/${id}/`;
  const progressUrl = `/api/interviews/${data.interviewId}/progress/`;

  function announce(message) {
    live.textContent = "";
    window.setTimeout(() => { live.textContent = message; }, 30);
  }
  function showError(message) {
    let toast = document.getElementById("toast");
    if (!toast) {
      toast = document.createElement("div");
      toast.id = "toast";
      toast.className = "toast-error alert alert-danger shadow";
      toast.setAttribute("role", "alert");
      document.body.appendChild(toast);
    }
    toast.textContent = message;
    toast.hidden = false;
    window.clearTimeout(showError.timer);
    showError.timer = window.setTimeout(() => { toast.hidden = true; }, 6000);
  }

  // ---- Views and filters ------------------------------------------------------------------
  const viewRadios = document.querySelectorAll('input[name="view"]');
  const viewCoder = document.getElementById("view-coder");
  const valueFilter = document.getElementById("value-filter");
  const params = new URLSearchParams(window.location.search);
  if (params.get("coder") && data.coders.includes(params.get("coder"))) {
    document.getElementById("view-one").checked = true;
    viewCoder.value = params.get("coder");
  } else if (!data.canCode || (window.location.hash.startsWith("#excerpt-"))) {
    document.getElementById("view-all").checked = true;
  }
  if (valueFilter && params.get("value")) valueFilter.value = params.get("value");

  function currentView() {
    const checked = [...viewRadios].find((r) => r.checked);
    return checked ? checked.value : "all";
  }
  function inView(e) {
    const view = currentView();
    if (view === "mine") return e.coder === me;
    if (view === "one") return e.coder === viewCoder.value;
    return true;
  }
  const coderIndex = (name) => Math.max(0, data.coders.indexOf(name)) % 4;

  // ---- Rendering ----------------------------------------------------------------------------
  function sortExcerpts() {
    excerpts.sort((a, b) => a.start - b.start || a.end - b.end || a.id - b.id);
  }

  function renderHighlights(shown) {
    if (!window.CSS || !CSS.highlights) return;
    CSS.highlights.clear();
    const groups = new Map();
    const add = (name, range) => {
      if (!groups.has(name)) groups.set(name, []);
      groups.get(name).push(range);
    };
    const points = new Set();
    for (const e of shown) { points.add(e.start); points.add(e.end); }
    const sorted = [...points].sort((a, b) => a - b);
    const starts = [...shown].sort((a, b) => a.start - b.start);
    const activeSet = new Set();
    let next = 0;
    const allCoders = currentView() === "all";
    for (let i = 0; i < sorted.length - 1; i++) {
      const a = sorted[i];
      const b = sorted[i + 1];
      for (const e of activeSet) if (e.end <= a) activeSet.delete(e);
      while (next < starts.length && starts[next].start <= a) {
        if (starts[next].end > a) activeSet.add(starts[next]);
        next++;
      }
      if (!activeSet.size) continue;
      const slugs = new Set();
      const coders = new Set();
      for (const e of activeSet) { e.values.forEach((s) => slugs.add(s)); coders.add(e.coder); }
      const range = rangeFor(a, b);
      add(slugs.size === 1 ? `v-${[...slugs][0]}` : "v-multi", range);
      if (activeSet.size > 1) add("overlap", range);
      if (allCoders) add(coders.size > 1 ? "c-multi" : `c-${coderIndex([...coders][0])}`, range);
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

  function paragraphsOf(e) {
    const first = paraIndexAtCp(e.start);
    const last = paraIndexAtCp(Math.max(e.start, e.end - 1));
    return [first, last];
  }

  /** Draw the marks of all paragraphs, or only of the paragraph indexes in `only`. */
  function renderMarks(shown, only) {
    for (const i of only ? [...only] : [...marked]) {
      if (paras[i].marks) paras[i].marks.textContent = "";
      marked.delete(i);
    }
    const seen = new Set();
    const allCoders = currentView() !== "mine";
    for (const e of shown) {
      const [first, last] = paragraphsOf(e);
      for (let i = first; i <= last; i++) {
        if (only && !only.has(i)) continue;
        for (const slug of e.values) {
          const key = `${i}|${slug}|${allCoders ? e.coder : ""}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const v = valuesBySlug.get(slug);
          const chip = document.createElement("span");
          chip.className = `mark-chip value-swatch-${slug}` + (allCoders ? ` coder-${coderIndex(e.coder)}` : "");
          chip.textContent = v ? v.initials : slug;
          chip.title = `${v ? v.name : slug}${allCoders ? ` (${e.coder})` : ""}`;
          marksOf(paras[i]).appendChild(chip);
          marked.add(i);
        }
      }
    }
  }

  function excerptLabel(e) {
    return e.values.map((s) => (valuesBySlug.get(s) || { name: s }).name).join(", ");
  }

  const list = document.getElementById("excerpt-list");
  const listItems = new Map(); // excerpt id -> <li>
  const listFilter = () => (valueFilter ? valueFilter.value : "");
  const listed = (e) => inView(e) && (!listFilter() || e.values.includes(listFilter()));

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
    const others = excerpts.length - shown.length;
    empty.hidden = listItems.size > 0;
    empty.textContent = listFilter() && shown.length
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
    const para = paras[paraIndexAtCp(e.start)];
    head.textContent = `¶${para ? para.el.dataset.n : "?"} · ${excerptLabel(e)} · ${e.coder}`;
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
    const e = excerpts.find((x) => x.id === id);
    if (old) { old.remove(); listItems.delete(id); }
    if (!e || !listed(e)) return;
    const li = listItem(e);
    const index = excerpts.indexOf(e);
    let before = null;
    for (let k = index + 1; k < excerpts.length && !before; k++) before = listItems.get(excerpts[k].id) || null;
    list.insertBefore(li, before);
    listItems.set(id, li);
  }

  function render() {
    sortExcerpts();
    const shown = excerpts.filter(inView);
    renderHighlights(shown);
    renderMarks(shown);
    renderList(shown);
    renderCounts(shown);
  }

  /** Redraw after a create, change or delete: all highlights, but only the touched marks and
   * list items, so tagging stays quick on a long transcript. */
  function refresh(changed) {
    sortExcerpts();
    const shown = excerpts.filter(inView);
    renderHighlights(shown);
    const touched = new Set();
    for (const e of changed) {
      const [first, last] = paragraphsOf(e);
      for (let i = first; i <= last; i++) touched.add(i);
    }
    renderMarks(shown, touched);
    for (const e of changed) syncListItem(e.id);
    renderCounts(shown);
  }

  function flash(e) {
    if (!window.CSS || !CSS.highlights) return;
    CSS.highlights.set("flash", new Highlight(rangeFor(e.start, e.end)));
    window.setTimeout(() => CSS.highlights.delete("flash"), 1600);
  }

  function scrollToExcerpt(e) {
    const para = paras[paraIndexAtCp(e.start)];
    if (para) para.el.scrollIntoView({ block: "center", behavior: "instant" });
    flash(e);
  }

  // ---- Selection and the value picker --------------------------------------------------------
  const picker = document.getElementById("picker");
  const snapSwitch = document.getElementById("snap-words");
  const wordChar = /[\p{L}\p{N}\p{M}'’_-]/u;
  let pending = null; // {start, end} of the selection being tagged
  let pickerExcerptId = null; // excerpt made from it, once saved
  let lastFocus = null;

  if (snapSwitch) {
    snapSwitch.checked = window.localStorage.getItem("pv-snap") !== "off";
    snapSwitch.addEventListener("change", () => {
      window.localStorage.setItem("pv-snap", snapSwitch.checked ? "on" : "off");
    });
  }

  function charAt(cp) { return cpSlice(cp, cp + 1); }

  function snapAndTrim(start, end) {
    if (snapSwitch && snapSwitch.checked) {
      while (start > 0 && wordChar.test(charAt(start)) && wordChar.test(charAt(start - 1))) start--;
      while (end < cpLength && wordChar.test(charAt(end - 1)) && wordChar.test(charAt(end))) end++;
    }
    while (start < end && /\s/u.test(charAt(start))) start++;
    while (end > start && /\s/u.test(charAt(end - 1))) end--;
    return [start, end];
  }

  function selectionSpan() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    if (!transcript.contains(range.commonAncestorContainer)) return null;
    const a = domToCp(range.startContainer, range.startOffset);
    const b = domToCp(range.endContainer, range.endOffset);
    if (a === null || b === null) return null;
    const [start, end] = snapAndTrim(Math.min(a, b), Math.max(a, b));
    return end > start ? { start, end, rect: range.getBoundingClientRect() } : null;
  }

  function place(panel, rect) {
    panel.hidden = false;
    const width = panel.offsetWidth;
    const height = panel.offsetHeight;
    let left = window.scrollX + Math.min(rect.right + 8, window.innerWidth - width - 12);
    let top = window.scrollY + rect.bottom + 8;
    if (rect.bottom + height + 16 > window.innerHeight) top = window.scrollY + Math.max(8, rect.top - height - 8);
    left = Math.max(window.scrollX + 8, left);
    panel.style.left = `${left}px`;
    panel.style.top = `${top}px`;
  }

  function setPressed(container, slugs) {
    for (const b of container.querySelectorAll("[data-value]")) {
      b.setAttribute("aria-pressed", slugs.includes(b.dataset.value) ? "true" : "false");
    }
  }

  function openPicker(span) {
    if (!picker) return;
    closeDetails(false);
    pending = { start: span.start, end: span.end };
    pickerExcerptId = null;
    setPressed(picker, []);
    document.getElementById("picker-title").textContent =
      `Tag “${truncate(cpSlice(span.start, span.end), 60)}”`;
    place(picker, span.rect);
  }

  function closePicker(returnFocus) {
    if (!picker || picker.hidden) return;
    picker.hidden = true;
    pending = null;
    pickerExcerptId = null;
    if (returnFocus) transcript.focus({ preventScroll: true });
  }

  function truncate(s, n) { return s.length > n ? `${s.slice(0, n - 1)}…` : s; }

  async function pickValue(slug) {
    if (!pending) return;
    const v = valuesBySlug.get(slug);
    try {
      if (pickerExcerptId === null) {
        const created = await createExcerpt({ start: pending.start, end: pending.end, values: [slug], note: "" });
        pickerExcerptId = created.id;
        undoStack.push({ type: "create", id: created.id });
        announce(`Saved: ${v.name} on “${truncate(created.text, 80)}”. Press another number to add a value, Escape to finish.`);
      } else {
        const e = findExcerpt(pickerExcerptId);
        const values = e.values.includes(slug) ? e.values.filter((s) => s !== slug) : [...e.values, slug];
        if (!values.length) { announce("An excerpt keeps at least one value; use Undo or delete it instead."); return; }
        await updateExcerpt(e, { values }, true);
        announce(`Saved: ${excerptLabel(findExcerpt(pickerExcerptId))}.`);
      }
      setPressed(picker, findExcerpt(pickerExcerptId).values);
    } catch (err) {
      showError(err.message);
      announce(err.message);
    }
  }

  /** Make a value added while coding usable at once: colour, picker, details, codebook, filter. */
  function valueAdd(v) {
    data.values.push(v);
    valuesBySlug.set(v.slug, v);
    // CSSOM rules are allowed by the Content-Security-Policy, unlike new <style> elements.
    const sheet = document.getElementById("value-styles").sheet;
    sheet.insertRule(`::highlight(v-${v.slug}) { background-color: ${v.colour}; color: #212529; }`, sheet.cssRules.length);
    sheet.insertRule(`.value-swatch-${v.slug} { background-color: ${v.colour}; }`, sheet.cssRules.length);
    const swatch = (text) => {
      const span = document.createElement("span");
      span.className = `swatch value-swatch-${v.slug}`;
      span.setAttribute("aria-hidden", "true");
      span.textContent = text;
      return span;
    };
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-light value-button text-start";
    button.dataset.value = v.slug;
    button.setAttribute("aria-pressed", "false");
    if (v.shortcut) button.setAttribute("aria-keyshortcuts", v.shortcut);
    button.append(swatch(v.shortcut || v.initials), ` ${v.name}`);
    picker.querySelector(".picker-buttons").appendChild(button);
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "btn btn-sm btn-light value-toggle";
    toggle.dataset.value = v.slug;
    toggle.setAttribute("aria-pressed", "false");
    toggle.append(swatch(v.initials), ` ${v.name}`);
    document.getElementById("details-value-buttons").appendChild(toggle);
    const dt = document.createElement("dt");
    dt.append(swatch(v.initials), ` ${v.name} `);
    const badge = document.createElement("span");
    badge.className = "badge text-bg-info";
    badge.textContent = "this project";
    dt.appendChild(badge);
    const dd = document.createElement("dd");
    dd.textContent = v.definition;
    document.querySelector(".codebook").append(dt, dd);
    if (valueFilter) valueFilter.appendChild(new Option(v.name, v.slug));
  }

  // ---- Changes, with undo --------------------------------------------------------------------
  const resolveId = (id) => { let x = id; while (idMap.has(x)) x = idMap.get(x); return x; };
  const findExcerpt = (id) => excerpts.find((e) => e.id === resolveId(id));

  async function createExcerpt(body) {
    const created = await api("POST", excerptsUrl, body);
    excerpts.push(created);
    if (!data.coders.includes(created.coder)) data.coders.push(created.coder);
    refresh([created]);
    updateUndo();
    return created;
  }

  async function updateExcerpt(e, changes, recordUndo) {
    const before = { values: e.values.slice(), note: e.note };
    const updated = await api("PATCH", excerptUrl(e.id), changes);
    excerpts = excerpts.map((x) => (x.id === updated.id ? updated : x));
    if (recordUndo) undoStack.push({ type: "update", id: updated.id, before });
    refresh([e, updated]);
    updateUndo();
    return updated;
  }

  async function deleteExcerpt(e, recordUndo) {
    await api("DELETE", excerptUrl(e.id));
    excerpts = excerpts.filter((x) => x.id !== e.id);
    if (recordUndo) undoStack.push({ type: "delete", excerpt: e });
    refresh([e]);
    updateUndo();
  }

  const undoButton = document.getElementById("undo");
  function updateUndo() { if (undoButton) undoButton.disabled = undoStack.length === 0; }

  async function undo() {
    const step = undoStack.pop();
    updateUndo();
    if (!step) { announce("Nothing to undo."); return; }
    try {
      if (step.type === "create") {
        const e = findExcerpt(step.id);
        if (e) await deleteExcerpt(e, false);
        announce("Undone: the new excerpt was removed.");
      } else if (step.type === "update") {
        const e = findExcerpt(step.id);
        if (e) await updateExcerpt(e, step.before, false);
        announce("Undone: the excerpt is back as it was.");
      } else if (step.type === "delete") {
        const old = step.excerpt;
        const created = await createExcerpt({ start: old.start, end: old.end, values: old.values, note: old.note });
        idMap.set(old.id, created.id);
        announce("Undone: the excerpt is back.");
      }
      closePicker(false);
      closeDetails(false);
    } catch (err) {
      undoStack.push(step);
      updateUndo();
      showError(err.message);
    }
  }

  // ---- Details of an excerpt -----------------------------------------------------------------
  const details = document.getElementById("details");
  const detailsNote = document.getElementById("details-note");
  let detailsId = null;

  function openDetails(e, rect) {
    closePicker(false);
    lastFocus = document.activeElement;
    detailsId = e.id;
    document.getElementById("details-choice").hidden = true;
    document.getElementById("details-body").hidden = false;
    const mine = data.canCode && e.coder === me;
    document.getElementById("details-title").textContent = `Excerpt by ${e.coder}`;
    document.getElementById("details-quote").textContent = truncate(e.text, 400);
    describe(e);
    if (e.created === undefined) {
      // The page's embedded rows leave times out; ask for them when someone looks.
      api("GET", excerptUrl(e.id)).then((full) => {
        e.created = full.created;
        e.updated = full.updated;
        if (detailsId === e.id) describe(e);
      }).catch(() => {});
    }
    setPressed(details, e.values);
    for (const b of details.querySelectorAll(".value-toggle")) {
      const retiredAndUnused = b.dataset.retired === "true" && !e.values.includes(b.dataset.value);
      b.disabled = !mine || retiredAndUnused;
      b.hidden = retiredAndUnused;
    }
    detailsNote.value = e.note;
    detailsNote.readOnly = !mine;
    document.getElementById("details-actions").hidden = !mine;
    place(details, rect || details.getBoundingClientRect());
    document.getElementById("details-title").setAttribute("tabindex", "-1");
    document.getElementById("details-title").focus({ preventScroll: true });
  }

  function describe(e) {
    const when = (iso) => (iso ? new Date(iso).toLocaleString("en-GB") : "…");
    document.getElementById("details-meta").textContent =
      `Values: ${excerptLabel(e)}. Coder: ${e.coder}. Created ${when(e.created)}; last changed ${when(e.updated)}.`;
  }

  function openChoice(choices, rect) {
    closePicker(false);
    lastFocus = document.activeElement;
    document.getElementById("details-title").textContent = `${choices.length} excerpts here`;
    document.getElementById("details-choice").hidden = false;
    document.getElementById("details-body").hidden = true;
    const ul = document.getElementById("details-choice-list");
    ul.textContent = "";
    for (const e of choices) {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-sm btn-link text-start p-0";
      b.textContent = `${excerptLabel(e)} · ${e.coder} · “${truncate(e.text, 50)}”`;
      b.addEventListener("click", () => openDetails(e, rect));
      li.appendChild(b);
      ul.appendChild(li);
    }
    place(details, rect);
    ul.querySelector("button")?.focus();
  }

  function closeDetails(returnFocus) {
    if (details.hidden) return;
    details.hidden = true;
    detailsId = null;
    if (returnFocus && lastFocus && document.contains(lastFocus)) lastFocus.focus({ preventScroll: true });
  }

  details.addEventListener("click", async (event) => {
    const toggle = event.target.closest(".value-toggle");
    const e = detailsId === null ? null : findExcerpt(detailsId);
    if (toggle && e && !toggle.disabled) {
      const slug = toggle.dataset.value;
      const values = e.values.includes(slug) ? e.values.filter((s) => s !== slug) : [...e.values, slug];
      if (!values.length) { announce("An excerpt keeps at least one value; delete it instead."); return; }
      try {
        const updated = await updateExcerpt(e, { values }, true);
        detailsId = updated.id;
        setPressed(details, updated.values);
        announce(`Saved: ${excerptLabel(updated)}.`);
      } catch (err) { showError(err.message); }
    }
  });
  document.getElementById("details-save").addEventListener("click", async () => {
    const e = detailsId === null ? null : findExcerpt(detailsId);
    if (!e) return;
    try {
      await updateExcerpt(e, { note: detailsNote.value }, true);
      announce("Note saved.");
    } catch (err) { showError(err.message); }
  });
  document.getElementById("details-delete").addEventListener("click", async () => {
    const e = detailsId === null ? null : findExcerpt(detailsId);
    if (!e) return;
    try {
      await deleteExcerpt(e, true);
      closeDetails(false);
      transcript.focus({ preventScroll: true });
      announce("Excerpt deleted. Press Control+Z or Undo to bring it back.");
    } catch (err) { showError(err.message); }
  });
  details.querySelector(".details-close").addEventListener("click", () => closeDetails(true));

  function excerptsAt(cp) {
    const shown = excerpts.filter(inView);
    let hits = shown.filter((e) => e.start <= cp && cp < e.end);
    if (!hits.length) hits = shown.filter((e) => e.start < cp && cp <= e.end);
    return hits;
  }

  function caretRect() {
    const sel = window.getSelection();
    if (!sel || !sel.rangeCount) return transcript.getBoundingClientRect();
    const r = sel.getRangeAt(0).getBoundingClientRect();
    return r.width || r.height ? r : transcript.getBoundingClientRect();
  }

  function showAtCaret(cp, rect) {
    const hits = excerptsAt(cp);
    if (hits.length === 1) openDetails(hits[0], rect);
    else if (hits.length > 1) openChoice(hits, rect);
    return hits.length;
  }

  // ---- Events --------------------------------------------------------------------------------
  // The transcript is editable only so that keyboard users get a caret and Shift+arrows; no
  // input ever changes it.
  transcript.addEventListener("beforeinput", (event) => event.preventDefault());
  for (const type of ["paste", "drop", "cut", "dragstart"]) {
    transcript.addEventListener(type, (event) => event.preventDefault());
  }

  function afterSelection(event) {
    if (!data.canCode) return;
    const span = selectionSpan();
    if (span) {
      if (event && event.type !== "keyup") {
        // Show what will be tagged: the selection snapped to whole words. (Not for keyboard
        // selections, whose caret must stay where the person is extending from.)
        const [sn, so] = cpToDom(span.start, false);
        const [en, eo] = cpToDom(span.end, true);
        window.getSelection().setBaseAndExtent(sn, so, en, eo);
      }
      openPicker(span);
      return;
    }
    if (event && event.type === "mouseup") {
      const sel = window.getSelection();
      if (sel && sel.rangeCount && sel.isCollapsed) {
        const cp = domToCp(sel.anchorNode, sel.anchorOffset);
        if (cp !== null) showAtCaret(cp, { left: event.clientX, right: event.clientX, top: event.clientY, bottom: event.clientY });
      }
    }
  }

  transcript.addEventListener("mouseup", (event) => window.setTimeout(() => {
    if (data.canCode) { afterSelection(event); return; }
    const sel = window.getSelection();
    const pos = document.caretPositionFromPoint
      ? document.caretPositionFromPoint(event.clientX, event.clientY)
      : null;
    const node = pos ? pos.offsetNode : sel && sel.anchorNode;
    const offset = pos ? pos.offset : sel && sel.anchorOffset;
    if (!node) return;
    const cp = domToCp(node, offset);
    if (cp !== null) showAtCaret(cp, { left: event.clientX, right: event.clientX, top: event.clientY, bottom: event.clientY });
  }, 0));
  transcript.addEventListener("touchend", () => window.setTimeout(afterSelection, 350));

  transcript.addEventListener("keydown", (event) => {
    if (event.key.startsWith("Arrow") || event.key === "Home" || event.key === "End" ||
        event.key === "PageUp" || event.key === "PageDown") {
      return; // caret movement and Shift+arrow selection
    }
    if ((event.ctrlKey || event.metaKey) && ["a", "c"].includes(event.key.toLowerCase())) return;
    if (event.key === "Tab") {
      if (!event.shiftKey && picker && !picker.hidden) {
        event.preventDefault();
        picker.querySelector("button")?.focus();
      }
      return;
    }
    if (event.key === "Escape") {
      closePicker(true);
      closeDetails(true);
      return;
    }
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      const sel = window.getSelection();
      if (sel && sel.rangeCount && sel.isCollapsed) {
        const cp = domToCp(sel.anchorNode, sel.anchorOffset);
        if (cp !== null && !showAtCaret(cp, caretRect())) announce("There is no excerpt at the caret.");
      }
      return;
    }
    if (picker && !picker.hidden && /^[1-9]$/.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      const button = picker.querySelector(`[aria-keyshortcuts="${event.key}"]`);
      if (button) pickValue(button.dataset.value);
      return;
    }
    if (!(event.ctrlKey || event.metaKey)) event.preventDefault();
  });
  transcript.addEventListener("keyup", (event) => {
    if (event.shiftKey || event.key === "Shift") afterSelection(event);
  });

  if (picker) {
    picker.addEventListener("click", (event) => {
      const button = event.target.closest(".value-button");
      if (button) pickValue(button.dataset.value);
      if (event.target.closest(".picker-close")) closePicker(true);
    });
    document.getElementById("new-value-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = document.getElementById("new-value-name");
      try {
        const value = await api("POST", `/api/interviews/${data.interviewId}/values/`, { name: input.value });
        valueAdd(value);
        input.value = "";
        picker.querySelector(".new-value").open = false;
        announce(`New value “${value.name}” added to the codebook.`);
        await pickValue(value.slug);
      } catch (err) {
        showError(err.message);
        announce(err.message);
      }
    });
    picker.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { event.preventDefault(); closePicker(true); return; }
      if (event.target.closest("input")) return; // typing a new value's name
      if (/^[1-9]$/.test(event.key)) {
        const button = picker.querySelector(`[aria-keyshortcuts="${event.key}"]`);
        if (button) { event.preventDefault(); pickValue(button.dataset.value); }
        return;
      }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        const buttons = [...picker.querySelectorAll("button")];
        const i = buttons.indexOf(document.activeElement);
        const next = buttons[(i + (event.key === "ArrowDown" ? 1 : buttons.length - 1)) % buttons.length];
        event.preventDefault();
        next.focus();
      }
    });
  }
  details.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); closeDetails(true); }
  });

  document.addEventListener("keydown", (event) => {
    const inField = event.target.closest && event.target.closest("textarea, input, select");
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z" && !inField && data.canCode) {
      event.preventDefault();
      undo();
    }
  });
  document.addEventListener("mousedown", (event) => {
    if (picker && !picker.hidden && !picker.contains(event.target) && !transcript.contains(event.target)) closePicker(false);
    if (!details.hidden && !details.contains(event.target) && !transcript.contains(event.target) &&
        !event.target.closest("#excerpt-list")) closeDetails(false);
  });
  if (undoButton) undoButton.addEventListener("click", undo);

  list.addEventListener("click", (event) => {
    const button = event.target.closest(".excerpt-item");
    if (!button) return;
    const e = findExcerpt(Number(button.dataset.id));
    if (!e) return;
    scrollToExcerpt(e);
    openDetails(e, button.getBoundingClientRect());
  });
  for (const radio of viewRadios) radio.addEventListener("change", render);
  viewCoder.addEventListener("change", () => {
    document.getElementById("view-one").checked = true;
    render();
  });
  valueFilter?.addEventListener("change", render);

  // ---- Memo and progress -------------------------------------------------------------------
  const memo = document.getElementById("memo");
  const memoStatus = document.getElementById("memo-status");
  let memoTimer = null;
  let memoSaved = memo ? memo.value : "";
  async function saveMemo() {
    window.clearTimeout(memoTimer);
    if (!memo || memo.value === memoSaved) return;
    const value = memo.value;
    memoStatus.textContent = "Saving…";
    try {
      await api("PATCH", progressUrl, { memo: value });
      memoSaved = value;
      memoStatus.textContent = `Memo saved at ${new Date().toLocaleTimeString("en-GB")}.`;
    } catch (err) {
      memoStatus.textContent = `Not saved: ${err.message}`;
    }
  }
  if (memo) {
    memo.addEventListener("input", () => {
      window.clearTimeout(memoTimer);
      memoStatus.textContent = "Unsaved changes…";
      memoTimer = window.setTimeout(saveMemo, 800);
    });
    memo.addEventListener("blur", saveMemo);
    window.addEventListener("beforeunload", (event) => {
      if (memo.value !== memoSaved) { saveMemo(); event.preventDefault(); }
    });
  }
  const doneButton = document.getElementById("mark-done");
  if (doneButton) {
    doneButton.addEventListener("click", async () => {
      const done = doneButton.getAttribute("aria-pressed") !== "true";
      try {
        await api("PATCH", progressUrl, { done });
        doneButton.setAttribute("aria-pressed", String(done));
        doneButton.textContent = done ? "Done ✓ (click to reopen)" : "Mark as done";
        doneButton.classList.toggle("btn-success", done);
        doneButton.classList.toggle("btn-outline-success", !done);
        announce(done ? "Marked as done." : "Marked as in progress.");
      } catch (err) { showError(err.message); }
    });
  }

  // ---- Start ---------------------------------------------------------------------------------
  render();
  if (window.location.hash.startsWith("#excerpt-")) {
    const e = findExcerpt(Number(window.location.hash.slice("#excerpt-".length)));
    if (e) { scrollToExcerpt(e); }
  }
  transcript.dataset.ready = "true";
  // Exposed for tests and scripts: the excerpts as the page holds them.
  window.peerValues = { excerpts: () => excerpts.map((e) => ({ ...e })), domToCp, cpToDom };
})();
