// The one sign-in of the console's pages (the big screen, the case workbench, the call page, the visitor desk):
// the form, in Chinese or English, a password sign-in that sets the session cookie, and the start-up around it.
// A page gives its title and what to do once someone is in; sign-out and an ended session bring the form back
// in place, never by reloading the page.
import { api, toast, whenSignedOut } from "./api.js";
import { onLang, t, toggleLang, translate } from "./i18n.js";
import { onLink } from "./live.js";

export const CONSOLE_ROLES = ["admin", "officer", "cadre"]; // patrol members sign in on their phones, by link
const $ = (id) => document.getElementById(id);
let message = { key: "", vars: {} };
let link = "connecting";

/**
 * Start a console page. Until someone is signed in the form (titled by the i18n key *title*) covers it;
 * then *enter* runs, and the page's `#screen` shows. *leave* ends what *enter* started, before the form
 * comes back (the header's sign-out button, `#sign-out`, or a session ended elsewhere). *roles* may sign in
 * (the register's page adds grid workers).
 */
export async function startPage({ title, enter, leave = () => {}, roles = CONSOLE_ROLES }) {
  build(title);
  translate();
  for (const button of document.querySelectorAll(".lang-toggle")) button.addEventListener("click", toggleLang);
  onLang(relabel);
  onLink(showLink);
  const out = (reason) => { leave(); show(reason); };
  whenSignedOut(out);
  const entered = () => enter().catch((err) => toast(String(err)));
  listen(entered, roles);
  $("sign-out")?.addEventListener("click", () => signOut(out).catch(() => {}));
  try {
    const { user } = await api("/api/screen/session");
    if (user && roles.includes(user.role)) await entered(); else show();
  } catch (err) {
    show("offline");
    toast(String(err));
  }
}

/** Who is signed in, as the header says it in the page's language: 值班员 张伟, Duty officer 张伟; a name that
 * carries the role already (值班员 张伟) is not given it twice. */
export function userLabel({ name, role, role_label: label }) {
  const bare = name.startsWith(label) ? name.slice(label.length).trim() : name;
  return bare ? `${t(`role.${role}`)} ${bare}` : t(`role.${role}`);
}

/** The form over the page, saying why (expired, signedOut, offline) if there is a reason. */
export function show(reason = "") {
  $("screen").hidden = true;
  $("login").hidden = false;
  $("login-password").value = "";
  say(reason ? `login.${reason}` : "");
  $("login-username").focus();
}

/** The page instead of the form. */
export function hide() {
  $("login").hidden = true;
  $("screen").hidden = false;
}

function build(title) {
  const field = (key, input) => label(key, Object.assign(document.createElement("input"), input));
  const form = Object.assign(document.createElement("form"), { id: "login-form", className: "login-box" });
  form.autocomplete = "on";
  form.append(heading(title),
    field("login.username", { id: "login-username", name: "username", autocomplete: "username", required: true,
      maxLength: 64 }),
    field("login.password", { id: "login-password", name: "password", type: "password",
      autocomplete: "current-password", required: true, maxLength: 256 }),
    Object.assign(document.createElement("p"), { id: "login-message", className: "login-message" }),
    actions());
  form.querySelector("#login-message").setAttribute("role", "alert");
  $("login").className = "login";
  $("login").replaceChildren(form);
}

function heading(key) {
  const h1 = document.createElement("h1");
  h1.dataset.i18n = key;
  return h1;
}

function label(key, input) {
  const text = document.createElement("span");
  text.dataset.i18n = key;
  const wrap = document.createElement("label");
  wrap.append(text, input);
  return wrap;
}

function actions() {
  const lang = Object.assign(document.createElement("button"), { type: "button", className: "lang-toggle" });
  lang.dataset.i18n = "header.lang";
  const submit = Object.assign(document.createElement("button"), { type: "submit", id: "login-submit",
    className: "primary" });
  submit.dataset.i18n = "login.submit";
  const box = Object.assign(document.createElement("div"), { className: "login-actions" });
  box.append(lang, submit);
  return box;
}

function say(key, vars = {}) {
  message = { key, vars };
  $("login-message").textContent = key ? t(key, vars) : "";
}

/** Re-say the current message, and the link state, in the new language. */
function relabel() {
  say(message.key, message.vars);
  showLink();
}

/** The header's 实时 / 重连中… for the page's sockets, where the page has one (`#link`). */
function showLink(state = link) {
  link = state;
  const box = $("link");
  if (!box) return;
  box.className = `link ${state}`;
  box.textContent = t(`link.${state}`);
}

function listen(entered, roles) {
  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = $("login-submit");
    button.disabled = true;
    say("login.busy");
    try {
      await attempt(entered, roles);
    } catch {
      say("login.offline");
    } finally {
      button.disabled = false;
    }
  });
}

async function attempt(entered, roles) {
  const res = await fetch("/api/auth/login", {
    method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: $("login-username").value.trim(), password: $("login-password").value }),
  });
  if (res.status === 429) { say("login.throttled", { s: res.headers.get("Retry-After") || "60" }); return; }
  if (!res.ok) { say("login.wrong"); return; }
  const { user } = await res.json();
  if (!roles.includes(user.role)) { say("login.notConsole"); return; }
  say("");
  document.dispatchEvent(new CustomEvent("console-signed-in")); // the call invite's socket, say, may connect now
  await entered();
}

async function signOut(out) {
  try {
    await api("/api/auth/logout", { method: "POST" });
  } finally {
    out("signedOut");
  }
}
