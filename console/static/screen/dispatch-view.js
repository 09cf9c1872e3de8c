// Dispatch follow-through in the drawer: each dispatch of an alert with its team, its steps and their times, the
// phone's notes and photos; on the map the scene and each team's fixes. Staff cancel, reassign and set a team's
// status from here, with the reason the hub asks for. It follows /ws/dispatch (told by the team board) and, for the
// team's shared position, which no event announces, reads again every few seconds while shown.
import { alertTitle } from "./alert-words.js";
import { api, toast } from "./api.js";
import { ask } from "./ask.js";
import { showView, showing } from "./details.js";
import { clearMarks, drawMarks, sceneOf } from "./follow-map.js";
import { actorName, el, stamp } from "./format.js";
import { onLang, t } from "./i18n.js";
import { placeOf } from "./map.js";
import { thumbnail } from "./photo-view.js";
import { teamName, teamOf } from "./teams.js";

const POLL_MS = 5000;
const SETTABLE = ["available", "returning", "unavailable"]; // the rest follow the phones
let staff = false;
let view = null;
const positions = new Map(); // team → its latest shared fix, read with each redraw

export function start(life, setup) {
  staff = ["admin", "officer"].includes(setup.user.role);
  const refresh = life.coalesce(250, () => { if (view && showing(view)) showView(view); });
  life.on("dispatch", (m) => {
    if (view && (m.dispatch?.alert_id === view.alert.id || m.type === "hello")) refresh();
  });
  life.every(POLL_MS, refresh);
  life.add(onLang(refresh));
  life.add(() => { view = null; clearMarks(); });
}

/** Show *alert*'s dispatches in the drawer and their marks on the map. */
export function followAlert(alert) {
  view = { alert, fitted: false, render: () => render(view), leave: clearMarks };
  showView(view);
}

async function render(shown) {
  const found = await api(`/api/dispatches?alert_id=${shown.alert.id}&limit=50`);
  const [dispatches, teams] = await Promise.all([Promise.all(found.map((d) => api(`/api/dispatches/${d.id}`))),
    api("/api/teams")]);
  if (!showing(shown)) return []; // the drawer went on to something else meanwhile: no marks for this
  positions.clear();
  for (const team of teams) if (team.location) positions.set(team.id, team.location);
  dispatches.sort((a, b) => Number(isOver(a)) - Number(isOver(b)) || b.id - a.id); // active first, newest first
  drawMarks(sceneOf(shown.alert), dispatches.filter((d) => !isOver(d)).map(track), !shown.fitted);
  shown.fitted = true;
  return [el("h3", "", t("follow.title")),
    el("p", "sub", `${alertTitle(shown.alert)} · ${placeOf(shown.alert)}`),
    ...(dispatches.length ? dispatches.map(card) : [el("p", "muted", t("follow.none"))])];
}

const isOver = (d) => ["cleared", "cancelled"].includes(d.state);

/** The team's fixes for this job in time order: those of its steps, those its phones shared meanwhile, and,
 *  while it is on, the team's latest position. */
function fixesOf(d) {
  const shared = [...(d.track ?? []), ...(!isOver(d) && positions.has(d.team) ? [positions.get(d.team)] : [])];
  const fixes = new Map(d.log.filter((e) => e.location).map((e) => [e.location.time, e.location]));
  for (const f of shared) if (new Date(f.time) >= new Date(d.created_at)) fixes.set(f.time, f);
  return [...fixes.values()].sort((a, b) => new Date(a.time) - new Date(b.time));
}

function track(d) {
  return { team: d.team, label: `${teamName(d.team)} · ${t(`dstate.${d.state}`)}`,
    points: fixesOf(d).map((f) => [f.lat, f.lon]) };
}

function card(d) {
  const node = el("article", `follow-dispatch dstate-${d.state}`,
    el("div", "follow-head", el("strong", "", teamName(d.team)),
      el("span", `chip dstate-${d.state}`, t(`dstate.${d.state}`)), el("span", "muted", `#${d.id}`)),
    el("p", "follow-instructions", t("follow.instructions", { text: d.instructions })),
    d.reason ? el("p", "follow-reason", t("follow.reason", { why: reasonText(d.reason) })) : null,
    el("p", "muted follow-fix-line", lastFix(d)),
    el("ol", "follow-log", ...d.log.map((e) => entry(d, e))),
    staff && !isOver(d) ? actions(d) : null);
  node.dataset.dispatch = d.id;
  return node;
}

/** A reason as the hub wrote it; a reassignment's ("改派T02：…") names the team it went to, in the page's language. */
function reasonText(reason) {
  const reassigned = /^改派([^：]+)：([\s\S]*)$/.exec(reason);
  return reassigned ? t("follow.reassignedTo", { team: teamName(reassigned[1]), why: reassigned[2] }) : reason;
}

function lastFix(d) {
  const latest = fixesOf(d).at(-1);
  if (!latest) return t("follow.noFix");
  return `${t("follow.lastFix", { at: stamp(latest.time) })} · ${latest.lat.toFixed(5)}, ${latest.lon.toFixed(5)}`;
}

function entry(d, e) {
  const what = t(`daction.${e.action}`);
  const accuracy = e.location?.accuracy_m;
  const caption = t("follow.photoOf", { team: teamName(d.team), step: what, at: stamp(e.time) });
  const item = el("li", `follow-entry action-${e.action}`,
    el("span", "follow-time", stamp(e.time)), el("span", "follow-what", what),
    el("span", "muted follow-actor", actorName(e.actor)),
    e.note ? el("p", "follow-note", e.action === "cancel" ? reasonText(e.note) : e.note) : null,
    accuracy != null ? el("span", "muted follow-gps", t("follow.gps", { m: Math.round(accuracy) })) : null,
    e.photo ? thumbnail(e.photo, caption) : null);
  item.dataset.seq = e.seq;
  return item;
}

function actions(d) {
  const box = el("div", "follow-actions");
  const offered = [["cancel", cancel], ["reassign", reassign], ["team-status", () => setTeamStatus(d.team)]];
  for (const [action, run] of offered) {
    const b = el("button", `act act-${action}`, t(action === "team-status" ? "follow.teamStatus" : `follow.${action}`));
    Object.assign(b, { type: "button" });
    b.dataset.action = action;
    b.addEventListener("click", () => run(d).catch((err) => toast(String(err))));
    box.append(b);
  }
  return box;
}

async function cancel(d) {
  const done = await ask({ name: "cancel", title: t("follow.cancelTitle", { team: teamName(d.team) }),
    fields: [{ name: "reason", label: t("follow.why"), kind: "textarea", required: true }],
    submit: (v) => api(`/api/dispatches/${d.id}/cancel`, { method: "POST", body: { reason: v.reason } }) });
  after(done);
}

async function reassign(d) {
  const ranked = (await api(`/api/alerts/${d.alert_id}/recommendations`)).filter((r) => r.team !== d.team);
  const eta = (r) => t("dispatch.eta", { km: r.distance_km.toFixed(1), min: Math.round(r.eta_min) });
  const options = ranked.map((r) => ({ value: r.team,
    label: `${teamName(r.team)} · ${t(`team.${r.status}`)} · ${eta(r)}` }));
  const done = await ask({ name: "reassign", title: t("follow.reassignTitle", { team: teamName(d.team) }),
    fields: [{ name: "team", label: t("follow.toTeam"), kind: "select", options, value: options[0]?.value },
      { name: "reason", label: t("follow.why"), kind: "textarea", required: true }],
    submit: (v) => api(`/api/dispatches/${d.id}/reassign`, { method: "POST", body: v }) });
  after(done);
}

/** Set *team* available, returning or off duty, with an optional note (the team board asks it too). */
export async function setTeamStatus(team) {
  const options = SETTABLE.map((s) => ({ value: s, label: t(`team.${s}`) }));
  const done = await ask({ name: "team-status", title: t("follow.statusTitle", { team: teamName(team) }),
    fields: [{ name: "status", label: t("follow.status"), kind: "select", options, value: teamOf(team)?.status },
      { name: "note", label: t("follow.note"), kind: "textarea" }],
    submit: (v) => api(`/api/teams/${encodeURIComponent(team)}/status`, { method: "PUT", body: v }) });
  after(done);
}

function after(done) {
  if (done === null) return;
  toast(t("follow.done"));
  if (view && showing(view)) showView(view);
}
