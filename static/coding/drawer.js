/* The side panel as a drawer on narrow screens: one tap opens it, Escape or Close shuts it. */

export function wireDrawer() {
  const toggle = document.getElementById("panel-toggle");
  const panel = document.getElementById("side-panel");
  const close = document.getElementById("panel-close");
  if (!toggle || !panel) return;

  function setOpen(open) {
    panel.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
    if (open) (close || panel).focus();
    else toggle.focus();
  }
  toggle.addEventListener("click", () => setOpen(!panel.classList.contains("open")));
  close?.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && panel.classList.contains("open") && !event.target.closest("select")) {
      event.preventDefault();
      setOpen(false);
    }
  });
}
