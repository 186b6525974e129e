/* Creating, changing and deleting excerpts, with an undo stack.
 *
 * Undoing a delete re-creates the excerpt under a new id; `idMap` follows old ids to new ones so
 * earlier undo steps still find it.
 */

import { announce, saveStatus, showError } from "./feedback.js";

export function createEditor(ctx, api, renderer, { onUndone }) {
  const undoStack = [];
  const idMap = new Map(); // ids of excerpts re-created by undo: old id -> new id
  const undoButton = document.getElementById("undo");

  const resolveId = (id) => { let x = id; while (idMap.has(x)) x = idMap.get(x); return x; };
  const findExcerpt = (id) => ctx.excerpts.find((e) => e.id === resolveId(id));
  function updateUndo() { if (undoButton) undoButton.disabled = undoStack.length === 0; }
  const saved = () => saveStatus(`Saved at ${new Date().toLocaleTimeString("en-GB")}.`);

  // Changes run one after another: a second key pressed while the first value is being saved
  // waits, then adds its value to the excerpt the first one made.
  let tail = Promise.resolve();
  let waiting = 0;
  function queue(job) {
    waiting += 1;
    const run = tail.then(job).finally(() => { waiting -= 1; });
    tail = run.catch(() => {});
    return run;
  }

  async function create(body) {
    const created = await api.createExcerpt(body);
    // The same coder tagging the same span again gets the existing excerpt back, with the new
    // values added: replace it rather than list it twice.
    ctx.excerpts = ctx.excerpts.filter((x) => x.id !== created.id);
    ctx.excerpts.push(created);
    if (!ctx.data.coders.includes(created.coder)) ctx.data.coders.push(created.coder);
    renderer.refresh([created]);
    updateUndo();
    saved();
    return created;
  }

  async function update(e, changes, recordUndo) {
    const before = { values: e.values.slice(), note: e.note };
    const updated = await api.updateExcerpt(e.id, changes);
    ctx.excerpts = ctx.excerpts.map((x) => (x.id === updated.id ? updated : x));
    if (recordUndo) undoStack.push({ type: "update", id: updated.id, before });
    renderer.refresh([e, updated]);
    updateUndo();
    saved();
    return updated;
  }

  async function remove(e, recordUndo) {
    await api.deleteExcerpt(e.id);
    ctx.excerpts = ctx.excerpts.filter((x) => x.id !== e.id);
    if (recordUndo) undoStack.push({ type: "delete", excerpt: e });
    renderer.refresh([e]);
    updateUndo();
    saved();
  }

  function recordCreate(id) {
    undoStack.push({ type: "create", id });
    updateUndo();
  }

  async function undo() {
    const step = undoStack.pop();
    updateUndo();
    if (!step) { announce("Nothing to undo."); return; }
    try {
      if (step.type === "create") {
        const e = findExcerpt(step.id);
        if (e) await remove(e, false);
        announce("Undone: the new excerpt was removed.");
      } else if (step.type === "update") {
        const e = findExcerpt(step.id);
        if (e) await update(e, step.before, false);
        announce("Undone: the excerpt is back as it was.");
      } else if (step.type === "delete") {
        const old = step.excerpt;
        const created = await create({ start: old.start, end: old.end, values: old.values, note: old.note });
        idMap.set(old.id, created.id);
        announce("Undone: the excerpt is back.");
      }
      onUndone();
    } catch (err) {
      undoStack.push(step);
      updateUndo();
      showError(err.message);
    }
  }

  const queuedUndo = () => queue(undo);
  if (undoButton) undoButton.addEventListener("click", queuedUndo);
  return {
    create, update, remove, recordCreate, undo: queuedUndo, findExcerpt, queue,
    saving: () => waiting > 0,
  };
}
