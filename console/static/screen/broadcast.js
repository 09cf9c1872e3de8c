// The broadcast panel (应急广播): alerts' proposed broadcasts to confirm or edit, a new broadcast to compose and
// preview, and the jobs with every speaker's receipt, live from /ws/broadcast, on the map and in the panel.
// Only the roles the hub lets broadcast (admin, officer) get the panel; a cadre's screen never shows it.
import { alertTitle } from "./alert-words.js";
import { api, toast } from "./api.js";
import { openAlerts } from "./alerts.js";
import * as compose from "./broadcast-compose.js";
import { clearMap, showReceipts } from "./broadcast-map.js";
import { explain, reasonText } from "./broadcast-strings.js";
import { busy } from "./broadcast-ui.js";
import { actorName, dayTime, el, hhmm } from "./format.js";
import { onLang, t, translate } from "./i18n.js";
import { deviceFeature } from "./map.js";

const RECENT = 12;
const SHELL = `
<div class="bc-head"><h2 data-i18n="bc.title"></h2>
  <button type="button" id="bc-close" class="close" data-i18n-title="bc.close">×</button></div>
<div class="bc-body">
  <section id="bc-proposals" class="bc-section bc-proposals" hidden><h3 data-i18n="bc.proposals"></h3>
    <div id="bc-proposal-list" class="bc-list"></div></section>
  <section id="bc-compose" class="bc-section bc-compose"></section>
  <section class="bc-section bc-jobs"><h3 data-i18n="bc.jobs"></h3><div id="bc-job-list" class="bc-list"></div></section>
</div>`;
const jobs = new Map(); // id → job with its summary
const receipts = new Map(); // id → Map speaker → receipt, of the job's latest run
let followed = null; // the job whose receipts the map shows
let life = null;
const $ = (id) => document.getElementById(id);
const isOpen = () => life && !$("broadcast-panel").hidden;

export function start(lifetime, setup) {
  const button = $("broadcast-open");
  button.hidden = !["admin", "officer"].includes(setup.user.role);
  if (button.hidden) return;
  life = lifetime;
  const panel = $("broadcast-panel");
  panel.innerHTML = SHELL;
  translate(panel);
  compose.build($("bc-compose"), setup.timezone);
  button.onclick = () => (panel.hidden ? open() : close());
  $("bc-close").addEventListener("click", close);
  const sent = (ev) => { keep(ev.detail); follow(ev.detail.id); };
  document.addEventListener("bc-sent", sent);
  // Escape puts the panel away, unless a dialog or the details drawer is open: those close first.
  const escape = (ev) => {
    if (ev.key === "Escape" && isOpen() && $("details").hidden && !document.querySelector("dialog[open]")) close();
  };
  document.addEventListener("keydown", escape, true); // before the page's own Escape closes the drawer
  life.add(() => {
    close();
    compose.end();
    document.removeEventListener("bc-sent", sent);
    document.removeEventListener("keydown", escape, true);
    jobs.clear();
    receipts.clear();
    followed = null;
    life = null;
    panel.replaceChildren();
    Object.assign(button, { hidden: true, onclick: null });
    $("broadcast-pending").textContent = "";
  });
  life.socket("/ws/broadcast", { onMessage: receive, onOpen: () => loadRecent().catch(() => {}) });
  life.add(onLang(() => { compose.relabel(); render(); }));
  life.on("alerts", draw); // a proposal names its alert
}

function open() {
  $("broadcast-panel").hidden = false;
  $("broadcast-open").classList.add("on");
  compose.refresh().catch((err) => toast(explain(err)));
  render();
}

function close() {
  $("broadcast-panel").hidden = true;
  $("broadcast-open").classList.remove("on");
  compose.close();
  clearMap();
}

async function loadRecent() {
  const recent = await api(`/api/broadcast/jobs?limit=${RECENT}`);
  if (!life) return;
  for (const job of recent) keep(job);
  if (followed !== null) await follow(followed);
  draw();
}

function receive(message) {
  if (message.type === "snapshot") {
    for (const job of message.jobs) keep(job);
  } else if (message.type === "job") {
    if (message.job.state === "proposed" && !jobs.has(message.job.id)) toast(t("bc.newProposal"));
    keep(message.job);
    const known = receipts.get(message.job.id);
    if (known) for (const r of message.receipts) if (r.run === message.job.run) known.set(r.speaker, r);
  } else if (message.type === "dropped") {
    loadRecent().catch(() => {});
  }
  draw();
}

function keep(job) {
  const known = jobs.get(job.id);
  if (known && new Date(job.updated_at) < new Date(known.updated_at)) return;
  if (known && known.run !== job.run) receipts.set(job.id, new Map()); // a new run: its receipts start over
  jobs.set(job.id, job);
}

/** Show *id*'s receipts, speaker by speaker, in the panel and on the map. */
async function follow(id) {
  followed = id;
  if (!receipts.has(id)) receipts.set(id, new Map()); // the feed's changes from now on land here
  const detail = await api(`/api/broadcast/jobs/${id}`);
  if (!life || followed !== id) return;
  keep(detail);
  const known = receipts.get(id);
  for (const r of detail.receipts) {
    const newer = known.get(r.speaker);
    if (!newer || newer.run !== r.run || new Date(newer.updated_at) <= new Date(r.updated_at)) known.set(r.speaker, r);
  }
  draw();
}

let drawing = false;
function draw() {
  if (drawing) return;
  drawing = true;
  requestAnimationFrame(() => { drawing = false; render(); });
}

function render() {
  if (!life) return;
  const all = [...jobs.values()].sort((a, b) => b.id - a.id);
  const proposals = all.filter((j) => j.state === "proposed");
  $("broadcast-pending").textContent = proposals.length ? t("bc.pending", { n: proposals.length }) : "";
  if (!isOpen()) return;
  $("bc-proposals").hidden = !proposals.length;
  $("bc-proposal-list").replaceChildren(...proposals.map(proposalCard));
  const rest = all.filter((j) => j.state !== "proposed");
  const shown = [...rest.filter((j) => !final(j)), ...rest.filter(final)].slice(0, RECENT);
  $("bc-job-list").replaceChildren(...(shown.length ? shown.map(jobCard) : [el("p", "empty", t("bc.jobsNone"))]));
  const states = new Map([...(receipts.get(followed)?.values() || [])].map((r) => [r.speaker, r.state]));
  showReceipts(states);
}

const final = (job) => ["done", "cancelled", "expired"].includes(job.state);
const speakerName = (id) => deviceFeature(id)?.properties.name ?? id;

function proposalCard(job) {
  const alertId = job.origin.match(/^alert:(\d+)/)?.[1];
  const alert = openAlerts().find((a) => String(a.id) === alertId);
  const from = alert ? t("bc.fromAlert", { id: alertId, title: alertTitle(alert) }) : t("bc.fromAlertGone", { id: alertId });
  const node = el("article", `bc-job bc-proposal prio-${job.priority}`,
    el("div", "bc-job-head", el("span", "chip bc-prio", t(`bc.priority.${job.priority}`)), el("strong", "", from)),
    el("p", "bc-job-text", job.text),
    el("p", "bc-job-summary", [t("bc.reach", { n: job.speakers.length }), t("bc.repeatN", { n: job.repeat }),
      job.expires_at ? t("bc.expiresAt", { at: hhmm(job.expires_at) }) : ""].filter(Boolean).join(" · ")),
    el("div", "bc-job-actions",
      button("confirm", "primary", () => confirm(job)),
      button("editConfirm", "", async () => compose.edit(job)),
      button("cancel", "", () => cancel(job))));
  node.dataset.jobId = job.id;
  return node;
}

function jobCard(job) {
  const node = el("article", `bc-job state-${job.state} prio-${job.priority}${job.id === followed ? " followed" : ""}`,
    el("div", "bc-job-head", el("strong", "", `#${job.id}`), el("span", `chip bc-state bc-state-${job.state}`,
      t(`bc.job.${job.state}`)), el("span", "chip bc-prio", t(`bc.priority.${job.priority}`)),
      job.recorded ? el("span", "chip", t("bc.recorded")) : null,
      el("span", "muted", schedule(job))),
    el("p", "bc-job-text", job.text),
    el("p", "bc-job-summary", summary(job)),
    job.id === followed ? receiptList(job) : null,
    el("div", "bc-job-actions",
      job.id === followed ? null : button("follow", "", () => follow(job.id)),
      job.id === followed && final(job) && missed(job).length ? button("retry", "", () => retry(job)) : null,
      final(job) ? null : button("cancel", "bc-cancel", () => cancel(job))));
  node.dataset.jobId = job.id;
  node.dataset.state = job.state;
  return node;
}

function schedule(job) {
  const parts = [hhmm(job.created_at), t("bc.by", { who: who(job.created_by) })];
  if (job.daily_at) parts.push(t("bc.dailyAt", { at: job.daily_at }));
  if (job.state === "scheduled" && job.next_run_at) parts.push(t("bc.nextRun", { at: dayTime(job.next_run_at) }));
  return parts.join(" · ");
}

/** Who made a job, as signed ("值班员 张伟 (zhangwei)"), with the role in the page's language. */
function who(actor) {
  return actor === "system" ? t("bc.system") : actorName(actor);
}

function summary(job) {
  const s = job.summary;
  const parts = [t("bc.summary", { played: s.played, targeted: s.targeted })];
  for (const [key, n] of [["playingN", s.playing + s.sending], ["queuedN", s.queued], ["failedN", s.failed],
    ["offlineN", s.offline], ["cancelledN", s.cancelled]]) if (n) parts.push(t(`bc.${key}`, { n }));
  return `${parts.join(" · ")} · ${t("bc.repeatN", { n: job.repeat })}`;
}

// A county-wide job reaches hundreds of speakers: the panel lists what needs eyes first and counts the rest
// (the map still rings every one).
const RECEIPTS_SHOWN = 90;
const ATTENTION = ["failed", "offline", "sending", "playing", "queued", "cancelled", "done"];

function receiptList(job) {
  const known = receipts.get(job.id) || new Map();
  const stateOf = (speaker) => known.get(speaker)?.state ?? "queued";
  const ordered = job.speakers.length <= RECEIPTS_SHOWN ? job.speakers
    : [...job.speakers].sort((a, b) => ATTENTION.indexOf(stateOf(a)) - ATTENTION.indexOf(stateOf(b)));
  const hidden = ordered.length - RECEIPTS_SHOWN;
  return el("div", "bc-receipts", ...ordered.slice(0, RECEIPTS_SHOWN).map((speaker) => {
    const state = stateOf(speaker);
    const item = el("span", `bc-receipt rc-${state}`, el("span", "bc-receipt-name", speakerName(speaker)),
      el("b", "bc-receipt-state", t(`bc.rc.${state}`)));
    item.dataset.speaker = speaker;
    item.dataset.state = state;
    const reason = known.get(speaker)?.reason;
    item.title = reason ? `${speaker} · ${reasonText(reason)}` : speaker;
    return item;
  }), hidden > 0 ? el("span", "bc-receipt bc-more", t("bc.more", { n: hidden })) : null);
}

function button(action, className, run) {
  const b = el("button", `bc-act ${className}`, t(`bc.${action}`));
  b.type = "button";
  b.dataset.action = action;
  b.addEventListener("click", () => busy(b, run));
  return b;
}

async function confirm(job) {
  try {
    keep(await api(`/api/broadcast/jobs/${job.id}/confirm`, { method: "POST" }));
    toast(t("bc.confirmed", { id: job.id }));
    await follow(job.id);
  } catch (err) {
    toast(explain(err));
  }
}

/** The speakers of a finished job's last run that never played it (failed or offline). */
const missed = (job) => [...(receipts.get(job.id)?.values() || [])]
  .filter((r) => r.state === "failed" || r.state === "offline").map((r) => r.speaker);

/** The same broadcast again, to the speakers that missed it. */
async function retry(job) {
  const body = { text: job.text, target: { speakers: missed(job) }, priority: job.priority, repeat: job.repeat };
  if (job.volume !== null) body.volume = job.volume;
  if (job.recorded) body.recording = job.audio.match(/(\w+)\.wav$/)[1];
  else if (job.audio_url) body.audio_url = job.audio_url;
  try {
    const again = await api("/api/broadcast/jobs", { method: "POST", body });
    keep(again);
    toast(t("bc.sent", { id: again.id, n: again.speakers.length }));
    await follow(again.id);
  } catch (err) {
    toast(explain(err));
  }
}

async function cancel(job) {
  try {
    keep(await api(`/api/broadcast/jobs/${job.id}/cancel`, { method: "POST" }));
    toast(t("bc.cancelled", { id: job.id }));
    if (job.id === followed) await follow(job.id);
  } catch (err) {
    toast(explain(err));
  }
  draw();
}
