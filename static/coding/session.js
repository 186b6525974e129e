/* An expired session on the coding page: say so, keep the unsaved change, save it after sign-in.
 *
 * Changes refused with 401 are kept in sessionStorage (this tab only, gone when it closes) with
 * their Idempotency-Key; the sign-in link returns to the same interview, where they are sent
 * again before the page is shown.
 */

import { announce } from "./feedback.js";

export const SESSION_ENDED =
  "Your session has ended, so your last change is not saved yet. Sign in again and it will be saved.";
const unsavedKey = (interviewId) => `pv-unsaved-${interviewId}`;
const savedKey = (interviewId) => `pv-saved-after-sign-in-${interviewId}`;

function read(key) {
  try { return JSON.parse(window.sessionStorage.getItem(key) || "[]"); } catch { return []; }
}

/** Keep one refused change ({method, url, body, key}) to send again after sign-in. */
export function keepUnsaved(interviewId, action) {
  const kept = read(unsavedKey(interviewId));
  kept.push(action);
  window.sessionStorage.setItem(unsavedKey(interviewId), JSON.stringify(kept));
}

/** Show, once, that the session ended, with a link that signs in and comes back here. */
export function showSignedOut() {
  if (document.getElementById("signed-out")) return;
  const loginUrl = document.querySelector('meta[name="login-url"]')?.content || "/login/";
  const here = encodeURIComponent(window.location.pathname + window.location.search).replace(/%2F/g, "/");
  const alert = document.createElement("div");
  alert.id = "signed-out";
  alert.className = "signed-out alert alert-warning shadow";
  alert.setAttribute("role", "alert");
  const link = document.createElement("a");
  link.href = `${loginUrl}?next=${here}`;
  link.className = "alert-link";
  link.textContent = "Sign in again";
  alert.append(`${SESSION_ENDED} `, link, ".");
  document.body.appendChild(alert);
}

/**
 * Send the changes kept before sign-in, in order; true when some were sent and the page should
 * be loaded afresh to show them. Changes the server refuses for another reason are dropped
 * with a message: sending them again would not help.
 */
export async function sendUnsaved(interviewId, send, onRefused) {
  const kept = read(unsavedKey(interviewId));
  if (!kept.length) {
    if (window.sessionStorage.getItem(savedKey(interviewId))) {
      window.sessionStorage.removeItem(savedKey(interviewId));
      announce("Your change from before you signed in again is saved now.");
    }
    return false;
  }
  window.sessionStorage.removeItem(unsavedKey(interviewId));
  for (const action of kept) {
    try {
      await send(action);
    } catch (err) {
      onRefused(err);
    }
  }
  window.sessionStorage.setItem(savedKey(interviewId), "1");
  return true;
}
