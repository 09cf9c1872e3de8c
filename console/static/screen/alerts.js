// The live alert feed (/ws/alerts): open alerts, newest transitions resumed from the last seq after a drop,
// with acknowledge, dispatch and resolve for the roles the hub allows them; grouped by rule (alert-words.js).
// Resolving an alert whose condition still holds asks first: it would come back and escalate again. A village
// cadre also gets the basin- and town-wide alerts covering the village: labelled, and without buttons, since the
// centre acts on them.
import { alertMessage, alertTitle, groupAlerts, lasting } from "./alert-words.js";
import { api, toast } from "./api.js";
import { moreActions } from "./alert-actions.js";
import { askNote, openDispatch } from "./dialogs.js";
import { actorName, ago, el, hhmm, stamp } from "./format.js";
import { onLang, t } from "./i18n.js";
import { emit } from "./live.js";

const STATE_ORDER = ["raised", "acknowledged", "dispatched", "resolved"];
const RESOLVED_SHOWN_MS = 60000; // a resolved alert stays a minute, greyed, so the officer sees it go
const FRESH_MS = 10000;
const alerts = new Map(); // id → alert
const gone = new Map(); // id → when it resolved (page clock)
const fresh = new Map(); // id → until when it is highlighted
let lastSeq = null;
let staff = false;

export function start(life, setup) {
  staff = ["admin", "officer"].includes(setup.user.role);
  lastSeq = null;
  life.add(() => { alerts.clear(); gone.clear(); fresh.clear(); render(); });
  life.socket("/ws/alerts", { query: () => (lastSeq === null ? "" : `since=${lastSeq}`), onMessage: receive });
  life.add(onLang(render));
  life.every(10000, () => { prune(); render(); });
}

/** The open alerts as the screen knows them (the map colours grids from these). */
export const openAlerts = () => [...alerts.values()].filter((a) => STATE_ORDER.indexOf(a.state) < 3);

function receive(message) {
  if (message.type === "snapshot") {
    alerts.clear();
    gone.clear();
    for (const alert of message.alerts) alerts.set(alert.id, alert);
    lastSeq = message.seq;
  } else if (message.type === "alert") {
    lastSeq = message.seq;
    if (["raise", "reopen", "severity"].includes(message.action)) fresh.set(message.alert.id, Date.now() + FRESH_MS);
    keep(message.alert);
  } else if (message.type === "alert_update") {
    if (alerts.has(message.alert.id)) keep(message.alert);
    draw(false); // a repeat: count and value only, nothing the other panels show
    return;
  } else {
    return; // "resumed": the transitions follow one by one
  }
  draw(true);
}

let drawing = null;
/** Render once per frame however many messages a burst brings; tell the other panels if states changed. */
function draw(changed) {
  if (drawing === null) {
    drawing = changed;
    requestAnimationFrame(() => {
      render();
      if (drawing) emit("alerts", openAlerts());
      drawing = null;
    });
  } else {
    drawing ||= changed;
  }
}

function keep(alert) {
  const known = alerts.get(alert.id);
  if (known && new Date(alert.updated_at) < new Date(known.updated_at)) return; // an answer overtaken by the feed
  if (alert.state === "closed") { alerts.delete(alert.id); return; }
  alerts.set(alert.id, alert);
  if (alert.state === "resolved" && !gone.has(alert.id)) gone.set(alert.id, Date.now());
}

function prune() {
  for (const [id, at] of gone) {
    if (Date.now() - at > RESOLVED_SHOWN_MS) { alerts.delete(id); gone.delete(id); }
  }
  for (const [id, until] of fresh) if (Date.now() > until) fresh.delete(id);
}

const GROUP_SHOWN = 2; // a group's worst few are shown; the rest fold, so one rule cannot fill the feed
const unfolded = new Set(); // rules whose group the officer unfolded

function render() {
  const groups = groupAlerts([...alerts.values()]);
  const open = [...alerts.values()].filter((a) => a.state !== "resolved");
  document.getElementById("alerts-count").textContent = open.length ? String(open.length) : "";
  const list = document.getElementById("alert-list");
  list.replaceChildren(...(groups.length ? groups.map(groupNode) : [el("p", "empty", t("alerts.none"))]));
}

function groupNode(g) {
  if (g.alerts.length === 1) return card(g.alerts[0]);
  const open = unfolded.has(g.rule);
  const shown = open ? g.alerts : g.alerts.slice(0, GROUP_SHOWN);
  const waiting = g.alerts.filter((a) => a.state === "raised").length;
  const fold = g.alerts.length > GROUP_SHOWN ? el("button", "group-fold",
    open ? t("alerts.group.less") : t("alerts.group.more", { n: g.alerts.length - GROUP_SHOWN })) : null;
  if (fold) {
    fold.type = "button";
    fold.onclick = () => { if (open) unfolded.delete(g.rule); else unfolded.add(g.rule); render(); };
  }
  const node = el("section", `alert-group sev-${g.alerts[0].severity}`,
    el("div", "group-head", el("span", "sev-badge", t(`sev.${g.alerts[0].severity}`)),
      el("span", "group-title", alertTitle(g.alerts[0])),
      el("span", "group-count", t("alerts.group.count", { n: g.alerts.length })),
      waiting ? el("span", "group-waiting", t("alerts.group.waiting", { n: waiting })) : null),
    ...shown.map((a) => card(a, true)), fold);
  node.dataset.rule = g.rule;
  return node;
}

function card(a, inGroup = false) {
  const node = el("article", `alert sev-${a.severity} state-${a.state}${fresh.has(a.id) ? " fresh" : ""}${inGroup ? " in-group" : ""}`,
    el("div", "alert-head", el("span", "sev-badge", t(`sev.${a.severity}`)),
      a.wide ? el("span", `wide-badge wide-${a.wide}`, t(`alerts.wide.${a.wide}`)) : null,
      inGroup ? null : el("span", "alert-title", alertTitle(a)),
      el("time", "alert-time", `${hhmm(a.raised_at)} · ${ago(a.raised_at)}`)),
    el("p", "alert-message", alertMessage(a)),
    el("p", "alert-meta", el("span", "alert-state", t(`state.${a.state}`)),
      a.count > 1 ? el("span", "alert-lasting", ` · ${lasting(a)}`) : "",
      a.state === "raised" ? ` · ${t("alerts.told", { who: t(`chain.${a.escalation_level}`) })}` : "",
      a.acknowledged_by ? ` · ${t("alerts.by", { who: actorName(a.acknowledged_by) })}` : ""),
    actions(a), moreActions(a));
  if (a.count > 1) node.querySelector(".alert-lasting").title = t("alerts.repeats", { n: a.count });
  node.dataset.alertId = a.id;
  node.addEventListener("click", (ev) => {
    if (!ev.target.closest("button")) emit("focus", a);
  });
  return node;
}

function actions(a) {
  const box = el("div", "alert-actions");
  if (!staff && a.wide) {
    if (a.state !== "resolved") box.append(el("span", "read-only", t("alerts.centreActs")));
    return box;
  }
  if (a.state === "raised") box.append(button("acknowledge", () => act(a, "acknowledge", "")));
  if (staff && ["raised", "acknowledged", "dispatched"].includes(a.state)) {
    box.append(button("dispatch", () => openDispatch(a)));
  }
  if (["raised", "acknowledged", "dispatched"].includes(a.state)) {
    box.append(button("resolve", async () => {
      // Ask the hub whether the condition still holds now: the card may be a repeat behind.
      const now = await api(`/api/alerts/${a.id}`).catch(() => alerts.get(a.id) || a);
      const note = now.active
        ? await askNote(t("resolve.activeTitle"), t("resolve.activeWarning", { at: stamp(now.last_seen_at) }),
          t("resolve.anyway"))
        : await askNote(t("note.resolve"));
      if (note !== null) await act(a, "resolve", note);
    }));
  }
  return box;
}

function button(action, run) {
  const b = el("button", `act act-${action}`, t(`act.${action}`));
  b.type = "button";
  b.dataset.action = action;
  b.addEventListener("click", async () => {
    b.disabled = true;
    try { await run(); } finally { b.disabled = false; }
  });
  return b;
}

async function act(alert, action, note) {
  try {
    keep(await api(`/api/alerts/${alert.id}/${action}`, { method: "POST", body: { note } }));
    draw(true);
  } catch (err) {
    if (err.status !== 401) toast(t("act.failed", { why: err.message }));
  }
}
