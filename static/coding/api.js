/* The coding page's calls to the JSON API (coding/views/api.py). */

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** One JSON request; resolves to the answer's JSON (null for 204), rejects with ApiError. */
export async function request(method, url, body, csrfToken) {
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
    throw new ApiError(message, response.status);
  }
  return payload;
}

/** The API of one interview's coding page. */
export function createApi(interviewId, csrfToken) {
  const call = (method, url, body) => request(method, url, body, csrfToken);
  const excerptUrl = (id) => `/api/excerpts/${id}/`;
  const progressUrl = `/api/interviews/${interviewId}/progress/`;
  return {
    createExcerpt: (body) => call("POST", `/api/interviews/${interviewId}/excerpts/`, body),
    getExcerpt: (id) => call("GET", excerptUrl(id)),
    updateExcerpt: (id, changes) => call("PATCH", excerptUrl(id), changes),
    deleteExcerpt: (id) => call("DELETE", excerptUrl(id)),
    createValue: (name) => call("POST", `/api/interviews/${interviewId}/values/`, { name }),
    updateProgress: (changes) => call("PATCH", progressUrl, changes),
  };
}
