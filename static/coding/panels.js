/* The two floating panels: the value picker (tag a selection) and an excerpt's details. */

import { addValueToPage } from "./codebook.js";
import { announce, showError } from "./feedback.js";
import { createQuotes } from "./quotes.js";
import { excerptsAt } from "./segments.js";
import { truncate } from "./spans.js";

/** Keep Tab and Shift+Tab inside an open panel: the focus order closes around it. */
function trapFocus(panel, event) {
  const focusable = [...panel.querySelectorAll("button, summary, input, select, textarea, [tabindex='-1']")]
    .filter((el) => !el.disabled && el.getClientRects().length > 0 && el.tabIndex >= 0);
  if (!focusable.length) return;
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
  else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
  else if (!panel.contains(document.activeElement)) { event.preventDefault(); first.focus(); }
}

/** Show `panel` next to `rect` (viewport coordinates), inside the window. */
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
  // Whatever opened it (a list item far from the text, a small screen), the panel is seen.
  panel.scrollIntoView({ block: "nearest", inline: "nearest" });
}

function setPressed(container, slugs) {
  for (const b of container.querySelectorAll("[data-value]")) {
    b.setAttribute("aria-pressed", slugs.includes(b.dataset.value) ? "true" : "false");
  }
}

export function createPanels(ctx, api, editor) {
  const { data, transcript } = ctx;
  const picker = document.getElementById("picker");
  const details = document.getElementById("details");
  const detailsNote = document.getElementById("details-note");
  // The selection being tagged: {start, end, excerptId} (the excerpt made from it, once saved).
  let pending = null;
  let detailsId = null;
  let lastFocus = null;
  const quotes = createQuotes(ctx, api);

  // ---- The value picker ----------------------------------------------------------------------
  /** Open the picker for a selection; `focus` moves focus into it (announcing the dialog). */
  function openPicker(span, focus = false) {
    if (!picker) return;
    closeDetails(false);
    pending = { start: span.start, end: span.end, excerptId: null };
    setPressed(picker, []);
    document.getElementById("picker-title").textContent =
      `Tag “${truncate(ctx.cpSlice(span.start, span.end), 60)}”`;
    place(picker, span.rect);
    if (focus) picker.querySelector(".value-button")?.focus({ preventScroll: true });
  }

  function closePicker(returnFocus) {
    if (!picker || picker.hidden) return;
    picker.hidden = true;
    pending = null;
    if (returnFocus) transcript.focus({ preventScroll: true });
  }

  /** Tag the open selection with a value; keys pressed quickly are saved one after another. */
  function pickValue(slug) {
    if (!pending) return Promise.resolve();
    const selection = pending;
    return editor.queue(() => pickNow(selection, slug));
  }

  async function pickNow(selection, slug) {
    const v = ctx.valuesBySlug.get(slug);
    try {
      if (selection.excerptId === null) {
        const body = { start: selection.start, end: selection.end, values: [slug], note: "" };
        const created = await editor.create(body);
        selection.excerptId = created.id;
        editor.recordCreate(created.id);
        announce(`Saved: ${v.name} on “${truncate(created.text, 80)}”. Press another number to add a value, Escape to finish.`);
      } else {
        const e = editor.findExcerpt(selection.excerptId);
        const values = e.values.includes(slug) ? e.values.filter((s) => s !== slug) : [...e.values, slug];
        if (!values.length) { announce("An excerpt keeps at least one value; use Undo or delete it instead."); return; }
        await editor.update(e, { values }, true);
        announce(`Saved: ${ctx.excerptLabel(editor.findExcerpt(selection.excerptId))}.`);
      }
      if (pending === selection) setPressed(picker, editor.findExcerpt(selection.excerptId).values);
    } catch (err) {
      showError(err.message);
      announce(err.message);
    }
  }

  if (picker) {
    picker.addEventListener("click", (event) => {
      const button = event.target.closest(".value-button");
      if (button) pickValue(button.dataset.value);
      if (event.target.closest(".picker-close")) closePicker(true);
    });
    // Opening "New value…" is a request to type a name: take the focus there, off the summary.
    picker.querySelector(".new-value").addEventListener("toggle", (event) => {
      if (event.target.open) document.getElementById("new-value-name").focus();
    });
    document.getElementById("new-value-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = document.getElementById("new-value-name");
      const definition = document.getElementById("new-value-definition");
      try {
        const value = await api.createValue(input.value, definition.value);
        addValueToPage(ctx, value);
        input.value = "";
        definition.value = "";
        picker.querySelector(".new-value").open = false;
        announce(value.provisional
          ? `New value “${value.name}” is yours to use now; the team will decide whether it joins the codebook.`
          : `New value “${value.name}” added to the codebook.`);
        await pickValue(value.slug);
      } catch (err) {
        showError(err.message);
        announce(err.message);
      }
    });
    picker.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { event.preventDefault(); closePicker(true); return; }
      if (event.key === "Tab") { trapFocus(picker, event); return; }
      if (event.target.closest("input, textarea")) return; // typing a new value's name or definition
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

  /** Tag with the value whose shortcut is `key`, if the picker is open; true if it was. */
  function pickByKey(key) {
    if (!picker || picker.hidden) return false;
    const button = picker.querySelector(`[aria-keyshortcuts="${key}"]`);
    if (button) pickValue(button.dataset.value);
    return true;
  }

  // ---- An excerpt's details ------------------------------------------------------------------
  function describe(e) {
    const when = (iso) => (iso ? new Date(iso).toLocaleString("en-GB") : "…");
    document.getElementById("details-meta").textContent =
      `Values: ${ctx.excerptLabel(e)}. Coder: ${e.coder}. Created ${when(e.created)}; last changed ${when(e.updated)}.`;
  }

  function openDetails(e, rect) {
    closePicker(false);
    lastFocus = document.activeElement;
    detailsId = e.id;
    document.getElementById("details-choice").hidden = true;
    document.getElementById("details-body").hidden = false;
    const mine = data.canCode && e.coder === ctx.me;
    document.getElementById("details-title").textContent = `Excerpt by ${e.coder}`;
    document.getElementById("details-quote").textContent = truncate(e.text, 400);
    describe(e);
    // A thread on this excerpt: the new-discussion page opens with it chosen.
    const discuss = document.getElementById("details-discuss-link");
    if (discuss) discuss.href = `${discuss.dataset.base}?excerpt=${encodeURIComponent(e.id)}`;
    if (e.created === undefined) {
      // The page's embedded rows leave times out; ask for them when someone looks.
      api.getExcerpt(e.id).then((full) => {
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
    quotes.show(e);
    place(details, rect || details.getBoundingClientRect());
    document.getElementById("details-title").setAttribute("tabindex", "-1");
    document.getElementById("details-title").focus({ preventScroll: true });
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
      b.textContent = `${ctx.excerptLabel(e)} · ${e.coder} · “${truncate(e.text, 50)}”`;
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

  const shownExcerpt = () => (detailsId === null ? null : editor.findExcerpt(detailsId));

  details.addEventListener("click", async (event) => {
    const toggle = event.target.closest(".value-toggle");
    const e = shownExcerpt();
    if (toggle && e && !toggle.disabled) {
      const slug = toggle.dataset.value;
      const values = e.values.includes(slug) ? e.values.filter((s) => s !== slug) : [...e.values, slug];
      if (!values.length) { announce("An excerpt keeps at least one value; delete it instead."); return; }
      try {
        const updated = await editor.queue(() => editor.update(e, { values }, true));
        if (detailsId === e.id) {
          // The panel stays open on the same excerpt: bring what it says up to date.
          detailsId = updated.id;
          setPressed(details, updated.values);
          describe(updated);
        }
        announce(`Saved: ${ctx.excerptLabel(updated)}.`);
      } catch (err) { showError(err.message); }
    }
  });
  document.getElementById("details-save").addEventListener("click", async () => {
    const e = shownExcerpt();
    if (!e) return;
    try {
      const note = detailsNote.value;
      await editor.queue(() => editor.update(e, { note }, true));
      announce("Note saved.");
    } catch (err) { showError(err.message); }
  });
  document.getElementById("details-delete").addEventListener("click", async () => {
    const e = shownExcerpt();
    if (!e) return;
    try {
      await editor.queue(() => editor.remove(e, true));
      closeDetails(false);
      transcript.focus({ preventScroll: true });
      announce("Excerpt deleted. Press Control+Z or Undo to bring it back.");
    } catch (err) { showError(err.message); }
  });
  details.querySelector(".details-close").addEventListener("click", () => closeDetails(true));
  details.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); closeDetails(true); }
    if (event.key === "Tab") trapFocus(details, event);
  });

  /** Open what is at a caret position: one excerpt's details, or a choice; the count found. */
  function showAtCaret(cp, rect) {
    const hits = excerptsAt(ctx.excerpts.filter(ctx.inView), cp);
    if (hits.length === 1) openDetails(hits[0], rect);
    else if (hits.length > 1) openChoice(hits, rect);
    return hits.length;
  }

  /** Close the panels when a press lands outside them (and outside the transcript). */
  document.addEventListener("mousedown", (event) => {
    if (picker && !picker.hidden && !picker.contains(event.target) && !transcript.contains(event.target)) closePicker(false);
    if (!details.hidden && !details.contains(event.target) && !transcript.contains(event.target) &&
        !event.target.closest("#excerpt-list")) closeDetails(false);
  });

  return {
    openPicker, closePicker, pickByKey, openDetails, closeDetails, showAtCaret,
    pickerOpen: () => Boolean(picker && !picker.hidden),
    focusPicker: () => picker?.querySelector("button")?.focus(),
  };
}
