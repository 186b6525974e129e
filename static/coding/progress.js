/* The coder's memo (saved as they type) and the "Mark as done" switch. */

import { announce, showError } from "./feedback.js";

export function wireProgress(api) {
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
      await api.updateProgress({ memo: value });
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
        await api.updateProgress({ done });
        doneButton.setAttribute("aria-pressed", String(done));
        doneButton.textContent = done ? "Done ✓ (click to reopen)" : "Mark as done";
        doneButton.classList.toggle("btn-success", done);
        doneButton.classList.toggle("btn-outline-success", !done);
        announce(done ? "Marked as done." : "Marked as in progress.");
      } catch (err) { showError(err.message); }
    });
  }
}
