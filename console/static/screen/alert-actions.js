// An alert card's one-click actions besides acknowledge, dispatch and resolve: follow its dispatches, open a case
// from it (prefilled by the hub from the alert), and start a video call with its village and nearest camera.
import { alertMessage, alertTitle } from "./alert-words.js";
import { api, toast } from "./api.js";
import { ask, reasonOf } from "./ask.js";
import { followAlert } from "./dispatch-view.js";
import { categoryName, el } from "./format.js";
import { t } from "./i18n.js";
import { placeOf } from "./map.js";
import { teamName } from "./teams.js";

const OPEN = ["raised", "acknowledged", "dispatched"];
let staff = false;
let categories = null; // read once, when the first case form opens
const active = new Map(); // dispatch id → the active dispatch, as /ws/dispatch tells staff (the team board's socket)
const boxes = new Map(); // alert id → its card's box of ours, told when a dispatch moves (the alert itself may not)

export function start(life, setup) {
  staff = ["admin", "officer"].includes(setup.user.role);
  life.add(() => { categories = null; active.clear(); boxes.clear(); });
  life.on("dispatch", keep);
  life.on("teams", relabel);
}

function keep(message) {
  if (message.type === "hello") {
    active.clear();
    for (const d of message.dispatches) active.set(d.id, d);
  } else if (message.dispatch) {
    const d = message.dispatch;
    if (["cleared", "cancelled"].includes(d.state)) active.delete(d.id); else active.set(d.id, d);
  }
  relabel();
}

/** Say again who is on each card's job: a dispatch moved, or the team board has read the teams' names. */
function relabel() {
  for (const [id, box] of boxes) {
    if (!box.isConnected) { boxes.delete(id); continue; }
    box.querySelector(".alert-dispatches")?.remove();
    const line = onTheJob(id);
    if (line) box.prepend(line);
  }
}

/** Who is on the alert's job and how far they are: "石门村志愿巡逻队 在现场", for the card. */
function onTheJob(alertId) {
  const teams = [...active.values()].filter((d) => d.alert_id === alertId)
    .map((d) => `${teamName(d.team)} ${t(`dstate.${d.state}`)}`);
  return teams.length ? el("p", "alert-dispatches", teams.join("、")) : null;
}

/** The teams on alert *a*'s job and the extra buttons for the signed-in role (null when there are none). */
export function moreActions(a) {
  const buttons = [];
  if (a.state === "dispatched") buttons.push(button("follow", "follow.open", () => followAlert(a)));
  if (staff && OPEN.includes(a.state)) {
    buttons.push(button("case", "case.open", () => openCase(a)), button("call", "call.open", () => startCall(a)));
  }
  const line = onTheJob(a.id);
  if (!buttons.length && !line) return null;
  const box = el("div", "alert-more", line, el("div", "alert-actions", ...buttons));
  boxes.set(a.id, box);
  return box;
}

function button(action, label, run) {
  const b = el("button", `act act-${action}`, t(label));
  b.type = "button";
  b.dataset.action = action;
  b.addEventListener("click", async () => {
    b.disabled = true;
    try { await run(); } catch (err) { toast(reasonOf(err)); } finally { b.disabled = false; }
  });
  return b;
}

async function openCase(a) {
  categories ??= (await api("/api/case-options")).categories;
  const options = [{ value: "", label: t("case.categoryDefault") },
    ...categories.map((c) => ({ value: c.id, label: categoryName(c) }))];
  const intro = t("case.about", { title: alertTitle(a), message: alertMessage(a), place: placeOf(a) });
  const made = await ask({ name: "case", title: t("case.title"), intro,
    fields: [{ name: "category", label: t("case.category"), kind: "select", options, value: "" },
      { name: "urgent", label: t("case.urgent"), kind: "checkbox", value: true },
      { name: "note", label: t("case.note"), kind: "textarea" }],
    submit: (v) => fromAlert(a, v) });
  if (made) caseNotice(made);
}

/** The new case, or {existing: id} when the alert became one before (the hub's 409 names it). */
async function fromAlert(a, v) {
  try {
    return await api(`/api/alerts/${a.id}/case`, { method: "POST",
      body: { category: v.category || null, urgent: v.urgent, note: v.note } });
  } catch (err) {
    const existing = err.status === 409 && /already case (\d+)/.exec(err.message);
    if (existing) return { existing: Number(existing[1]) };
    throw err;
  }
}

function caseNotice(made) {
  const id = made.existing ?? made.id;
  const link = el("a", "case-link", t("case.view"));
  Object.assign(link, { href: `/cases/#${id}`, target: "gridhub-cases" });
  const text = made.existing ? t("case.exists", { no: `#${id}` }) : t("case.made", { no: made.number });
  const close = el("button", "primary", t("dialog.ok"));
  close.type = "button";
  const dialog = el("dialog", "dialog case-notice", el("h2", "", text), el("p", "", link),
    el("div", "dialog-actions", close));
  dialog.dataset.case = id;
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove(), { once: true });
  document.body.append(dialog);
  dialog.showModal();
}

/** Open a call about the alert (the hub invites its village and shares its nearest camera) and join it. */
async function startCall(a) {
  let call;
  try {
    call = await api("/api/calls", { method: "POST", body: { alert_id: a.id, nearest_camera: true } });
  } catch (err) {
    toast(err.status === 503 ? t(/not running/.test(err.message) ? "call.off" : "call.down") : reasonOf(err));
    return;
  }
  toast(t("call.started", { id: call.id }));
  window.open(`/call/#${call.id}`, "gridhub-call");
}
