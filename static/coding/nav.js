/* The main menu folds behind a button on narrow screens (Bootstrap's navbar toggler classes;
 * Bootstrap's own script is not vendored, so this is the few lines it would do). */
(() => {
  const toggle = document.getElementById("nav-toggle");
  const menu = document.getElementById("main-nav");
  if (!toggle || !menu) return;
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("show", open);
  });
})();
