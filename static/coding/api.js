/* The coding page's calls to the JSON API (coding/views/api.py).
 *
 * A save that meets a network error or a server error (5xx, 503 while the database restarts)
 * is tried again a few times with growing pauses. Excerpt POSTs carry an `Idempotency-Key`, the
 * same on every try, so a try that did reach the server is never saved twice.
 */

export const RETRY_DELAYS_MS = [400, 1200, 3000];
export const NOT_SAVED =
  "Your change was not saved: the server could not be reached. Check your connection and try again.";
export const SIGNED_OUT = 401;

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** A random version 4 UUID; `crypto.randomUUID` exists only on HTTPS and localhost. */
export function uuid4() {
  if (window.crypto.randomUUID) return window.crypto.randomUUID();
  const b = window.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const sleep = (ms) => new Promise((resolve) => { window.setTimeout(resolve, ms); });

/**
 * One JSON request; resolves to the answer's JSON (null for 204), rejects with ApiError.
 *
 * `options.key` is sent as the Idempotency-Key; `options.onRetry(delayMs)` is called before
 * each new try; `options.goneIsDone` treats a 404 after a retry as success (a DELETE whose
 * first answer was lost).
 */
export async function request(method, url, body, csrfToken, options = {}) {
  const headers = { "Content-Type": "application/json", "X-CSRFToken": csrfToken };
  if (options.key) headers["Idempotency-Key"] = options.key;
  for (let attempt = 0; ; attempt++) {
    let response = null;
    try {
      response = await fetch(url, {
        method,
        credentials: "same-origin",
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      response = null; // the network failed: no answer at all
    }
    if (response && response.status < 500) {
      if (response.status === 204) return null;
      if (response.status === 404 && attempt > 0 && options.goneIsDone) return null;
      let payload = null;
      try { payload = await response.json(); } catch { payload = null; }
      if (!response.ok) {
        const message = (payload && payload.error) || `The server could not do this (${response.status}).`;
        throw new ApiError(message, response.status);
      }
      return payload;
    }
    if (attempt >= RETRY_DELAYS_MS.length) throw new ApiError(NOT_SAVED, response ? response.status : 0);
    options.onRetry?.(RETRY_DELAYS_MS[attempt]);
    await sleep(RETRY_DELAYS_MS[attempt]);
  }
}

/**
 * The API of one interview's coding page. `hooks.onRetry(delayMs)` hears about retries;
 * `hooks.onSignedOut(action)` gets each change refused because the session ended
 * (`{method, url, body, key}`), to keep and send again after sign-in.
 */
export function createApi(interviewId, csrfToken, hooks = {}) {
  async function call(method, url, body, options = {}) {
    try {
      return await request(method, url, body, csrfToken, { onRetry: hooks.onRetry, ...options });
    } catch (err) {
      if (err.status === SIGNED_OUT && method !== "GET" && hooks.onSignedOut) {
        hooks.onSignedOut({ method, url, body, key: options.key || null });
      }
      throw err;
    }
  }
  const excerptUrl = (id) => `/api/excerpts/${id}/`;
  const progressUrl = `/api/interviews/${interviewId}/progress/`;
  return {
    /** `key` lets a caller keep one key for one action across sign-ins; new otherwise. */
    createExcerpt: (body, key = uuid4()) =>
      call("POST", `/api/interviews/${interviewId}/excerpts/`, body, { key }),
    getExcerpt: (id) => call("GET", excerptUrl(id)),
    updateExcerpt: (id, changes) => call("PATCH", excerptUrl(id), changes),
    deleteExcerpt: (id) => call("DELETE", excerptUrl(id), undefined, { goneIsDone: true }),
    createValue: (name, definition = "") =>
      call("POST", `/api/interviews/${interviewId}/values/`, { name, definition }, { key: uuid4() }),
    updateProgress: (changes) => call("PATCH", progressUrl, changes),
    getQuotes: (id) => call("GET", `${excerptUrl(id)}quotes/`),
    proposeQuote: (id, body) => call("POST", `${excerptUrl(id)}quotes/`, body),
    removeQuote: (id) => call("DELETE", `/api/quotes/${id}/`, undefined, { goneIsDone: true }),
    /** Send a change kept from before sign-in again, with its original key. */
    resend: (action) =>
      request(action.method, action.url, action.body, csrfToken, { key: action.key || undefined, goneIsDone: action.method === "DELETE" }),
  };
}
