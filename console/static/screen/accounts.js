// Accounts, for admins: the list, and one form that creates an account or changes one. The hub decides what
// is allowed; its refusals (422 saying what is wrong, 409 for an admin's own account) are shown in the form.
import { api } from "./api.js";
import { dayTime, el } from "./format.js";
import { addStrings, onLang, t } from "./i18n.js";
import { villages } from "./map.js";

addStrings(
  { "users.grids": "网格", "users.gridsHint": "网格编号，以逗号分隔，如 G19, G20", "users.link": "手机登录链接",
    "users.linkFor": "{name} 用手机扫码登录（一次有效，30分钟内）" },
  { "users.grids": "Grids",
    "users.gridsHint": "grid ids, comma-separated: G19, G20", "users.link": "Phone sign-in link",
    "users.linkFor": "{name}: scan with the phone to sign in (once, within 30 minutes)" },
);
const FIELDS = ["username", "name", "role", "village", "grids", "password", "disabled"];
const $ = (id) => document.getElementById(id);
const state = { users: [], editing: null }; // editing: the account being changed; null while creating one
const fields = () => $("user-form").elements;
const option = (value, text) => Object.assign(el("option", "", text), { value });

export function start(life) {
  $("user-new").onclick = () => openForm(null);
  $("user-cancel").onclick = closeForm;
  fields().role.onchange = syncVillage;
  $("user-form").onsubmit = (ev) => { ev.preventDefault(); save(); };
  life.add(onLang(() => { render(); label(); }));
  life.add(() => { state.users = []; closeForm(); render(); say(""); });
}

/** Read the accounts again (each time the drawer opens on them). */
export async function load() {
  try {
    state.users = await api("/api/users");
    render();
  } catch (err) {
    if (err.status !== 401) say(t("act.failed", { why: err.message }));
  }
}

const say = (text) => { $("users-status").textContent = text; };
const villageName = (id) => villages().find((v) => v.id === id)?.name ?? id ?? "—";

function render() {
  $("users-table").tBodies[0].replaceChildren(...state.users.map((u) => {
    const edit = el("button", "user-edit", t("users.edit"));
    edit.type = "button";
    edit.onclick = () => openForm(u);
    const row = el("tr", u.disabled ? "disabled" : "", el("td", "", u.username), el("td", "", u.name),
      el("td", "", t(`role.${u.role}`)), el("td", "", u.village ? villageName(u.village) : u.grids?.join("、") || "—"),
      el("td", "", t(u.disabled ? "users.off" : "users.on")), el("td", "", dayTime(u.created)),
      el("td", "", edit, u.role === "grid_worker" && !u.disabled ? linkButton(u) : ""));
    row.dataset.username = u.username;
    return row;
  }));
}

/** A grid worker's one-time sign-in link, as a QR code to scan with their phone (/gridwork/#code=…). */
function linkButton(user) {
  const button = el("button", "user-link", t("users.link"));
  button.type = "button";
  button.onclick = async () => {
    try {
      const link = await api(`/api/users/${encodeURIComponent(user.username)}/login-link`, { method: "POST" });
      const qr = el("div", "crew-qr");
      qr.innerHTML = link.qr_svg; // the hub's own SVG (segno), of the link it just made
      const url = el("input", "crew-url");
      Object.assign(url, { readOnly: true, value: link.url });
      $("user-link-box")?.remove();
      const box = el("div", "user-link-box", el("p", "", t("users.linkFor", { name: user.name })), qr, url);
      box.id = "user-link-box";
      $("users-table").after(box);
    } catch (err) {
      say(t("act.failed", { why: err.message }));
    }
  };
  return button;
}

function openForm(user) {
  state.editing = user;
  const f = fields();
  f.village.replaceChildren(option("", "—"), ...villages().map((v) => option(v.id, v.name)));
  Object.assign(f.username, { value: user?.username ?? "", readOnly: Boolean(user) });
  f.name.value = user?.name ?? "";
  f.role.value = user?.role ?? "officer";
  f.village.value = user?.village ?? "";
  f.grids.value = (user?.grids ?? []).join(", ");
  f.password.value = "";
  f.disabled.checked = user?.disabled ?? false;
  $("user-form").querySelector("[data-edit-only]").hidden = !user;
  label();
  syncVillage();
  showErrors([]);
  $("user-form").hidden = false;
  (user ? f.name : f.username).focus();
}

function closeForm() {
  state.editing = null;
  $("user-form").hidden = true;
}

function label() {
  const user = state.editing;
  $("user-form-title").textContent = user ? t("users.editTitle", { username: user.username }) : t("users.newTitle");
  $("user-password-label").textContent = t(user ? "users.newPassword" : "users.password");
}

/** Only a village cadre has a village, and only a grid worker has grids. */
function syncVillage() {
  const f = fields();
  f.village.disabled = f.role.value !== "cadre";
  if (f.village.disabled) f.village.value = "";
  f.grids.disabled = f.role.value !== "grid_worker";
  if (f.grids.disabled) f.grids.value = "";
}

const gridsOf = (f) => f.grids.value.split(/[\s,，、]+/).filter(Boolean);

function created(f) {
  return { username: f.username.value.trim(), name: f.name.value.trim(), role: f.role.value,
    village: f.village.value || null, grids: gridsOf(f), password: f.password.value };
}

/** Only what changed: the hub signs an account out when its role, village, password or state is sent. */
function changes(user, f) {
  const body = {};
  const village = f.village.value || null;
  if (f.name.value.trim() !== user.name) body.name = f.name.value.trim();
  const grids = gridsOf(f);
  if (f.role.value !== user.role || village !== user.village || grids.join() !== (user.grids ?? []).join()) {
    Object.assign(body, { role: f.role.value, village, grids });
  }
  if (f.disabled.checked !== user.disabled) body.disabled = f.disabled.checked;
  if (f.password.value) body.password = f.password.value;
  return body;
}

async function save() {
  const user = state.editing;
  const body = user ? changes(user, fields()) : created(fields());
  if (user && !Object.keys(body).length) { showErrors([{ text: t("users.noChange") }]); return; }
  $("user-save").disabled = true;
  try {
    const saved = user
      ? await api(`/api/users/${encodeURIComponent(user.username)}`, { method: "PATCH", body })
      : await api("/api/users", { method: "POST", body });
    closeForm();
    say(t(user ? "users.saved" : "users.added", { username: saved.username }));
    await load();
  } catch (err) {
    if (err.status !== 401) showErrors(refusal(err));
  } finally {
    $("user-save").disabled = false;
  }
}

/** The hub's refusal as lines, each naming its field when the hub says which. */
function refusal(err) {
  if (!Array.isArray(err.detail)) return [{ text: t("users.refused", { why: err.message }) }];
  return err.detail.map((problem) => {
    const field = FIELDS.find((name) => name === problem.loc?.at(-1));
    return { field, text: `${field ? t(`users.${field}`) : ""}${field ? "：" : ""}${explain(problem)}` };
  });
}

function explain(problem) {
  const known = { string_too_short: "valid.tooShort", string_too_long: "valid.tooLong", missing: "valid.missing",
    string_pattern_mismatch: "valid.username", enum: "valid.choice" }[problem.type];
  return known ? t(known, { n: problem.ctx?.min_length ?? problem.ctx?.max_length ?? "" }) : problem.msg;
}

function showErrors(problems) {
  const f = fields();
  for (const name of FIELDS) f[name].removeAttribute("aria-invalid");
  for (const p of problems) if (p.field) f[p.field].setAttribute("aria-invalid", "true");
  $("user-error").replaceChildren(...problems.map((p) => el("span", "", p.text)));
}
