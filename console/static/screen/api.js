// REST calls with the session cookie. Any 401 means the session is gone: the screen returns to sign-in.
let onSignedOut = () => {};

/** What to do when the hub says the session is over (set once by the page). */
export function whenSignedOut(handler) { onSignedOut = handler; }

/** The session is over (a 401, or a socket closed with 4401). */
export const signedOut = (reason) => onSignedOut(reason);

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail; // FastAPI's: a sentence, or a list of {loc, type, msg} for a request it could not take
  }
}

/** JSON from *path*; throws ApiError on a refusal (after returning to sign-in on 401). */
export async function api(path, { method = "GET", body } = {}) {
  const res = await fetch(path, {
    method, credentials: "same-origin",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    onSignedOut("expired");
    throw new ApiError(401, "sign in first");
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data?.detail ?? res.statusText);
  return data;
}

/** Show a short message at the foot of the screen (the console's log, on a page without one: the call page). */
export function toast(text) {
  const box = document.getElementById("toast");
  if (!box) { console.warn(text); return; }
  box.textContent = text;
  box.hidden = false;
  clearTimeout(box.timer);
  box.timer = setTimeout(() => { box.hidden = true; }, 6000);
}
