/* The coding page: select transcript text, tag it with values, review and undo.
 *
 * This module wires the page together; the work is done in modules of their own:
 * `offsets` (code points and UTF-16), `segments` (runs between excerpt boundaries), `spans`
 * (snapping selections), `transcript` (DOM positions), `api` (the JSON API), `render`
 * (highlights, marks, list), `edits` (changes and undo), `panels` (picker and details),
 * `progress` (memo, done). Highlights use the CSS Custom Highlight API: the transcript DOM is
 * never changed, so selections always map back to the same text.
 */

import { createApi } from "./api.js";
import { wireDrawer } from "./drawer.js";
import { createEditor } from "./edits.js";
import { announce, retryMessage, saveStatus, showError } from "./feedback.js";
import { codePointTables, sliceCp } from "./offsets.js";
import { createPanels } from "./panels.js";
import { wireProgress } from "./progress.js";
import { createRenderer } from "./render.js";
import { keepUnsaved, sendUnsaved, showSignedOut } from "./session.js";
import { excerptsAt } from "./segments.js";
import { snapAndTrim } from "./spans.js";
import { indexTranscript } from "./transcript.js";

const data = JSON.parse(document.getElementById("coding-data").textContent);
const transcript = document.getElementById("transcript");
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content || "";
const tables = codePointTables(data.text);
const api = createApi(data.interviewId, csrfToken, {
  onRetry: (delayMs) => saveStatus(retryMessage(delayMs)),
  onSignedOut: (action) => {
    keepUnsaved(data.interviewId, action);
    showSignedOut();
    saveStatus("Not saved yet: your session has ended.");
  },
});

// ---- Views and filters -------------------------------------------------------------------
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

/** The page's shared state, read by the other modules. */
const ctx = {
  data,
  transcript,
  me: data.me,
  text: data.text,
  valuesBySlug: new Map(data.values.map((v) => [v.slug, v])),
  excerpts: data.excerpts.slice(),
  tx: indexTranscript(transcript, tables),
  cpSlice: (start, end) => sliceCp(data.text, tables, start, end),
  currentView,
  inView(e) {
    const view = currentView();
    if (view === "mine") return e.coder === data.me;
    if (view === "one") return e.coder === viewCoder.value;
    return true;
  },
  coderIndex: (name) => Math.max(0, data.coders.indexOf(name)) % 8, // underline styles
  listFilter: () => (valueFilter ? valueFilter.value : ""),
  excerptLabel: (e) => e.values.map((s) => (ctx.valuesBySlug.get(s) || { name: s }).name).join(", "),
};
// The page leaves excerpt texts out of its embedded data: they are spans of the text.
for (const e of ctx.excerpts) if (e.text === undefined) e.text = ctx.cpSlice(e.start, e.end);

const renderer = createRenderer(ctx);
let panels = null;
const editor = createEditor(ctx, api, renderer, {
  onUndone: () => { panels.closePicker(false); panels.closeDetails(false); },
});
panels = createPanels(ctx, api, editor);
const { tx } = ctx;

// ---- Selection -----------------------------------------------------------------------------
const snapSwitch = document.getElementById("snap-words");
if (snapSwitch) {
  snapSwitch.checked = window.localStorage.getItem("pv-snap") !== "off";
  snapSwitch.addEventListener("change", () => {
    window.localStorage.setItem("pv-snap", snapSwitch.checked ? "on" : "off");
  });
}

function selectionSpan() {
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
  const range = sel.getRangeAt(0);
  if (!transcript.contains(range.commonAncestorContainer)) return null;
  const a = tx.domToCp(range.startContainer, range.startOffset);
  const b = tx.domToCp(range.endContainer, range.endOffset);
  if (a === null || b === null) return null;
  const charAt = (cp) => ctx.cpSlice(cp, cp + 1);
  const snap = Boolean(snapSwitch && snapSwitch.checked);
  const [start, end] = snapAndTrim(charAt, tables.cpLength, Math.min(a, b), Math.max(a, b), snap, tx.labels);
  return end > start ? { start, end, rect: range.getBoundingClientRect() } : null;
}

function caretRect() {
  const sel = window.getSelection();
  if (!sel || !sel.rangeCount) return transcript.getBoundingClientRect();
  const r = sel.getRangeAt(0).getBoundingClientRect();
  return r.width || r.height ? r : transcript.getBoundingClientRect();
}

const pointRect = (event) => ({ left: event.clientX, right: event.clientX, top: event.clientY, bottom: event.clientY });

// ---- What is at the caret, for screen readers ------------------------------------------------
const caretSummary = document.getElementById("caret-summary");
let caretTimer = null;
let lastSummary = "";
document.addEventListener("selectionchange", () => {
  window.clearTimeout(caretTimer);
  caretTimer = window.setTimeout(() => {
    const sel = window.getSelection();
    if (document.activeElement !== transcript || !sel || !sel.rangeCount || !sel.isCollapsed) return;
    const cp = tx.domToCp(sel.anchorNode, sel.anchorOffset);
    if (cp === null) return;
    const hits = excerptsAt(ctx.excerpts.filter(ctx.inView), cp);
    const summary = hits.length
      ? `In ${hits.length === 1 ? "an excerpt" : `${hits.length} excerpts`}: ${hits.map((e) => `${ctx.excerptLabel(e)} (${e.coder})`).join("; ")}.`
      : "Not in an excerpt.";
    if (summary !== lastSummary) caretSummary.textContent = summary;
    lastSummary = summary;
  }, 400);
});

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
      const [sn, so] = tx.cpToDom(span.start, false);
      const [en, eo] = tx.cpToDom(span.end, true);
      window.getSelection().setBaseAndExtent(sn, so, en, eo);
    }
    // Focus moves into the picker once the selection is made: after a mouse or touch selection,
    // or when Shift is let go (not while Shift+arrows are still extending it).
    panels.openPicker(span, !event || event.type !== "keyup" || event.key === "Shift");
    return;
  }
  if (event && event.type === "mouseup") {
    const sel = window.getSelection();
    if (sel && sel.rangeCount && sel.isCollapsed) {
      const cp = tx.domToCp(sel.anchorNode, sel.anchorOffset);
      if (cp !== null) panels.showAtCaret(cp, pointRect(event));
    }
  }
}

// A press inside the current selection would start dragging that text (which the transcript
// refuses) rather than a new selection: drop the old selection first, so a drag inside or
// across existing highlights always selects anew.
transcript.addEventListener("mousedown", (event) => {
  if (event.button !== 0 || event.shiftKey || event.detail > 1) return;
  const sel = window.getSelection();
  if (sel && sel.rangeCount && !sel.isCollapsed) sel.removeAllRanges();
});

// Stripes in the margin: hovering or focusing one outlines its excerpt; activating it opens it.
const stripeExcerpt = (target) => {
  const stripe = target.closest && target.closest(".stripe");
  return stripe ? editor.findExcerpt(Number(stripe.dataset.id)) : null;
};
for (const type of ["mouseover", "focusin"]) {
  transcript.addEventListener(type, (event) => {
    const e = stripeExcerpt(event.target);
    if (e) renderer.outline(e);
  });
}
for (const type of ["mouseout", "focusout"]) {
  transcript.addEventListener(type, (event) => { if (stripeExcerpt(event.target)) renderer.outline(null); });
}
transcript.addEventListener("click", (event) => {
  const e = stripeExcerpt(event.target);
  const head = event.target.closest(".stripe-head");
  if (e && head) panels.openDetails(e, head.getBoundingClientRect());
});

transcript.addEventListener("mouseup", (event) => window.setTimeout(() => {
  if (event.target.closest && event.target.closest(".stripe")) return; // handled on click
  if (data.canCode) { afterSelection(event); return; }
  const sel = window.getSelection();
  const pos = document.caretPositionFromPoint
    ? document.caretPositionFromPoint(event.clientX, event.clientY)
    : null;
  const node = pos ? pos.offsetNode : sel && sel.anchorNode;
  const offset = pos ? pos.offset : sel && sel.anchorOffset;
  if (!node) return;
  const cp = tx.domToCp(node, offset);
  if (cp !== null) panels.showAtCaret(cp, pointRect(event));
}, 0));
transcript.addEventListener("touchend", () => window.setTimeout(afterSelection, 350));

transcript.addEventListener("keydown", (event) => {
  const head = event.target.closest && event.target.closest(".stripe-head");
  if (head && (event.key === "Enter" || event.key === " ")) {
    event.preventDefault();
    panels.openDetails(stripeExcerpt(head), head.getBoundingClientRect());
    return;
  }
  if (event.key.startsWith("Arrow") || event.key === "Home" || event.key === "End" ||
      event.key === "PageUp" || event.key === "PageDown") {
    return; // caret movement and Shift+arrow selection
  }
  if ((event.ctrlKey || event.metaKey) && ["a", "c"].includes(event.key.toLowerCase())) return;
  if (event.key === "Tab") {
    if (!event.shiftKey && panels.pickerOpen()) {
      event.preventDefault();
      panels.focusPicker();
    }
    return;
  }
  if (event.key === "Escape") {
    panels.closePicker(true);
    panels.closeDetails(true);
    return;
  }
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    const sel = window.getSelection();
    if (sel && sel.rangeCount && sel.isCollapsed) {
      const cp = tx.domToCp(sel.anchorNode, sel.anchorOffset);
      if (cp !== null && !panels.showAtCaret(cp, caretRect())) announce("There is no excerpt at the caret.");
    }
    return;
  }
  if (/^[1-9]$/.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey && panels.pickerOpen()) {
    event.preventDefault();
    panels.pickByKey(event.key);
    return;
  }
  if (!(event.ctrlKey || event.metaKey)) event.preventDefault();
});
transcript.addEventListener("keyup", (event) => {
  if (event.shiftKey || event.key === "Shift") afterSelection(event);
});

document.addEventListener("keydown", (event) => {
  const inField = event.target.closest && event.target.closest("textarea, input, select");
  if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z" && !inField && data.canCode) {
    event.preventDefault();
    editor.undo();
  }
});

document.getElementById("excerpt-list").addEventListener("click", (event) => {
  const button = event.target.closest(".excerpt-item");
  if (!button) return;
  const e = editor.findExcerpt(Number(button.dataset.id));
  if (!e) return;
  renderer.scrollToExcerpt(e);
  panels.openDetails(e, button.getBoundingClientRect());
});
for (const radio of viewRadios) radio.addEventListener("change", renderer.render);
viewCoder.addEventListener("change", () => {
  document.getElementById("view-one").checked = true;
  renderer.render();
});
valueFilter?.addEventListener("change", renderer.render);

wireProgress(api);
wireDrawer();

// ---- Start ---------------------------------------------------------------------------------
// Changes kept from before a sign-in are sent first; the page then loads afresh to show them.
const reloading = await sendUnsaved(data.interviewId, api.resend, (err) => showError(err.message));
if (reloading) {
  window.location.reload();
} else {
  renderer.render();
  if (window.location.hash.startsWith("#excerpt-")) {
    const e = editor.findExcerpt(Number(window.location.hash.slice("#excerpt-".length)));
    if (e) renderer.scrollToExcerpt(e);
  }
  transcript.dataset.ready = "true";
}
// Exposed for tests and scripts: the excerpts as the page holds them.
window.peerValues = {
  excerpts: () => ctx.excerpts.map((e) => ({ ...e })),
  saving: editor.saving,
  domToCp: tx.domToCp,
  cpToDom: tx.cpToDom,
};
