// The sign-in form over the screen: a password sign-in sets the session cookie; the screen then starts in place.
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
let message = { key: "", vars: {} };

function say(key, vars = {}) {
  message = { key, vars };
  $("login-message").textContent = key ? t(key, vars) : "";
}

/** Show the form, saying why (expired, signedOut) if there is a reason. */
export function show(reason = "") {
  $("screen").hidden = true;
  $("login").hidden = false;
  $("login-password").value = "";
  say(reason ? `login.${reason}` : "");
  $("login-username").focus();
}

export const hide = () => { $("login").hidden = true; };

/** Re-say the current message in the new language. */
export const relabel = () => say(message.key, message.vars);

/** Sign in from the form; *entered* runs once the hub has set the session. */
export function listen(entered) {
  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = $("login-submit");
    button.disabled = true;
    say("login.busy");
    try {
      await attempt(entered);
    } catch {
      say("login.offline");
    } finally {
      button.disabled = false;
    }
  });
}

async function attempt(entered) {
  const res = await fetch("/api/auth/login", {
    method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: $("login-username").value.trim(), password: $("login-password").value }),
  });
  if (res.status === 429) { say("login.throttled", { s: res.headers.get("Retry-After") || "60" }); return; }
  if (!res.ok) { say("login.wrong"); return; }
  const { user } = await res.json();
  if (!["admin", "officer", "cadre"].includes(user.role)) { say("login.notConsole"); return; }
  say("");
  await entered();
}
