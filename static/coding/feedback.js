/* Telling the person what happened: a polite live region and an error toast. */

export function announce(message) {
  const live = document.getElementById("live");
  live.textContent = "";
  // Cleared first and set a moment later, so a repeated message is read again.
  window.setTimeout(() => { live.textContent = message; }, 30);
}

let toastTimer = null;

export function showError(message) {
  // Once the session has ended, its own alert (with the sign-in link) says what happened.
  if (document.getElementById("signed-out")) return;
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
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => { toast.hidden = true; }, 6000);
}

/** The calm line under the toolbar that says whether changes are saved. */
export function saveStatus(message) {
  const status = document.getElementById("save-status");
  if (status) status.textContent = message;
}

export function retryMessage(delayMs) {
  const seconds = Math.max(1, Math.round(delayMs / 1000));
  return `The server did not answer. Trying again in ${seconds} second${seconds === 1 ? "" : "s"}; your change is kept until it is saved.`;
}
