// The broadcast panel's form: what to say (text spoken by TTS, or a recording), whom to reach (villages, grids,
// zones, area codes, or speakers and grids clicked on the map), how urgently, how often and when; the speech
// previewed before it goes. It also edits an alert's proposed broadcast before confirming it.
import { api, toast } from "./api.js";
import { showTargets } from "./broadcast-map.js";
import * as recordings from "./broadcast-recordings.js";
import { explain } from "./broadcast-strings.js";
import { busy, play, relabelAs, sayError } from "./broadcast-ui.js";
import { el } from "./format.js";
import { t, translate } from "./i18n.js";
import { deviceFeature, gridFeature, grids, pickWith, villages } from "./map.js";

const KINDS = ["villages", "grids", "zones", "area_codes", "speakers"];
const FORM = `
<h3><span data-i18n="bc.compose"></span></h3>
<p id="bc-editing" class="bc-editing" hidden><span></span><button type="button" data-i18n-title="bc.close">×</button></p>
<div class="bc-row" role="radiogroup">
  <label><input type="radio" name="bc-source" value="text" checked> <span data-i18n="bc.source.text"></span></label>
  <label><input type="radio" name="bc-source" value="recording"> <span data-i18n="bc.source.recording"></span></label>
</div>
<textarea id="bc-text" rows="3" maxlength="2000" data-i18n-placeholder="bc.textHint"></textarea>
<div id="bc-recording-box" class="bc-recording-box" hidden>
  <div class="bc-row"><select id="bc-recording"></select>
    <button type="button" id="bc-listen" data-i18n="bc.listen"></button>
    <button type="button" id="bc-forget" data-i18n="bc.forget"></button></div>
  <details class="bc-upload"><summary data-i18n="bc.newRecording"></summary>
    <div class="bc-row"><button type="button" id="bc-rec" class="bc-rec" data-i18n="bc.rec.start"></button>
      <span id="bc-rec-status" class="bc-rec-status" role="status"></span></div>
    <div class="bc-row"><input id="bc-upload-title" maxlength="100" data-i18n-placeholder="bc.uploadTitle">
      <input id="bc-upload-file" type="file" accept=".wav,audio/wav,audio/x-wav">
      <button type="button" id="bc-upload-send" data-i18n="bc.upload"></button></div>
  </details>
</div>
<h4 data-i18n="bc.targets"></h4>
<div class="bc-row bc-adders"><select id="bc-add-village"></select><select id="bc-add-grid"></select>
  <select id="bc-add-zone"></select></div>
<div class="bc-row"><input id="bc-area-code" inputmode="numeric" maxlength="12" data-i18n-placeholder="bc.areaCode">
  <button type="button" id="bc-add-area" data-i18n="bc.add"></button>
  <button type="button" id="bc-pick" class="bc-pick" data-i18n="bc.pickOnMap"></button></div>
<div id="bc-chips" class="bc-chips"></div>
<p id="bc-reach" class="bc-reach"></p>
<div class="bc-settings">
  <label><span data-i18n="bc.priority"></span><select id="bc-priority">
    <option value="routine" data-i18n="bc.priority.routine"></option>
    <option value="emergency" data-i18n="bc.priority.emergency"></option></select></label>
  <label><span data-i18n="bc.repeat"></span><input id="bc-repeat" type="number" min="1" max="20" value="1"></label>
  <label><span data-i18n="bc.volume"></span>
    <input id="bc-volume" type="number" min="0" max="100" data-i18n-placeholder="bc.volumeDefault"></label>
  <label><span data-i18n="bc.when"></span><select id="bc-when">
    <option value="now" data-i18n="bc.when.now"></option><option value="at" data-i18n="bc.when.at"></option>
    <option value="daily" data-i18n="bc.when.daily"></option></select></label>
  <label id="bc-at-box" hidden><span data-i18n="bc.when.at"></span><input id="bc-at" type="datetime-local"></label>
  <label id="bc-daily-box" hidden><span data-i18n="bc.when.daily"></span><input id="bc-daily" type="time"></label>
  <label><span data-i18n="bc.expires"></span><input id="bc-expires" type="datetime-local"></label>
</div>
<p id="bc-error" class="dialog-error" role="alert"></p>
<div class="bc-actions"><button type="button" id="bc-preview" data-i18n="bc.preview"></button>
  <audio id="bc-audio" controls hidden></audio>
  <button type="button" id="bc-send" class="primary" data-i18n="bc.send"></button></div>`;

const chosen = Object.fromEntries(KINDS.map((k) => [k, new Set()]));
let box = null;
let zone = "Asia/Shanghai";
let zones = [];
let editing = null; // the proposed job being edited, or null for a new broadcast
let reached = [];
let resolving = 0;
let resolved = Promise.resolve(); // the latest ask for the speakers a choice reaches
const $ = (id) => document.getElementById(id);

export function build(container, timezone) {
  box = container;
  zone = timezone;
  box.innerHTML = FORM;
  translate(box);
  for (const radio of box.querySelectorAll("input[name=bc-source]")) radio.addEventListener("change", showSource);
  $("bc-when").addEventListener("change", showWhen);
  $("bc-add-village").addEventListener("change", (ev) => adder("villages", ev.target));
  $("bc-add-grid").addEventListener("change", (ev) => adder("grids", ev.target));
  $("bc-add-zone").addEventListener("change", (ev) => adder("zones", ev.target));
  $("bc-add-area").addEventListener("click", addArea);
  $("bc-pick").addEventListener("click", () => picking(!$("bc-pick").classList.contains("on")));
  $("bc-preview").addEventListener("click", () => busy($("bc-preview"), preview));
  $("bc-send").addEventListener("click", () => busy($("bc-send"), send));
  recordings.wire();
  $("bc-editing").querySelector("button").addEventListener("click", () => reset());
}

/** Fill the choices from the map and the hub; called each time the panel opens. */
export async function refresh() {
  fillSelect("bc-add-village", "bc.addVillage", villages().map((v) => [v.id, v.name]));
  fillSelect("bc-add-grid", "bc.addGrid", grids().map((g) => [g.id, gridName(g.id)]));
  [zones] = await Promise.all([api("/api/broadcast/zones"), recordings.load()]);
  fillSelect("bc-add-zone", "bc.addZone", zones.map((z) => [z.name, z.title]));
  renderChips();
}

/** Redraw what the form shows in words (after a change of language). */
export function relabel() {
  if (!box) return;
  fillSelect("bc-add-village", "bc.addVillage", villages().map((v) => [v.id, v.name]));
  fillSelect("bc-add-grid", "bc.addGrid", grids().map((g) => [g.id, gridName(g.id)]));
  fillSelect("bc-add-zone", "bc.addZone", zones.map((z) => [z.name, z.title]));
  recordings.fill();
  renderChips();
  if (editing) $("bc-editing").querySelector("span").textContent = t("bc.editing", { id: alertOf(editing) });
}

export function close() {
  picking(false);
  showTargets([], []);
}

export function end() {
  close();
  recordings.end();
  editing = null;
  for (const set of Object.values(chosen)) set.clear();
  box = null;
}

const gridName = (id) => {
  const p = gridFeature(id)?.properties;
  return p ? `${p.village_name} · ${p.name}` : id;
};
const alertOf = (job) => job.origin.match(/^alert:(\d+)/)?.[1] ?? "";

function fillSelect(id, placeholder, options) {
  const select = $(id);
  select.replaceChildren(new Option(t(placeholder), ""), ...options.map(([value, label]) => new Option(label, value)));
}

function showSource() {
  const recorded = source() === "recording";
  $("bc-text").hidden = recorded;
  $("bc-recording-box").hidden = !recorded;
  $("bc-preview").hidden = recorded;
}

const source = () => box.querySelector("input[name=bc-source]:checked").value;

function showWhen() {
  $("bc-at-box").hidden = $("bc-when").value !== "at";
  $("bc-daily-box").hidden = $("bc-when").value !== "daily";
}

function adder(kind, select) {
  if (select.value) toggle(kind, select.value, true);
  select.value = "";
}

function addArea() {
  const code = $("bc-area-code").value.trim();
  if (!/^\d{2,12}$/.test(code)) { sayError(t("bc.err.areaCode")); return; }
  $("bc-area-code").value = "";
  toggle("area_codes", code, true);
}

function toggle(kind, value, on = !chosen[kind].has(value)) {
  if (on) chosen[kind].add(value); else chosen[kind].delete(value);
  sayError("");
  renderChips();
  reresolve();
}

function picking(on) {
  $("bc-pick")?.classList.toggle("on", on);
  if ($("bc-pick")) $("bc-pick").textContent = t(on ? "bc.picking" : "bc.pickOnMap");
  pickWith(on ? pick : null);
}

function pick(layer, id) {
  if (layer === "grid") { toggle("grids", id); return true; }
  if (deviceFeature(id)?.properties.kind !== "speaker") return false;
  toggle("speakers", id);
  return true;
}

function label(kind, value) {
  if (kind === "villages") return villages().find((v) => v.id === value)?.name ?? value;
  if (kind === "grids") return gridName(value);
  if (kind === "zones") return zones.find((z) => z.name === value)?.title ?? value;
  if (kind === "speakers") return deviceFeature(value)?.properties.name ?? value;
  return value;
}

function renderChips() {
  const chips = KINDS.flatMap((kind) => [...chosen[kind]].map((value) => {
    const remove = el("button", "bc-chip-x", "×");
    Object.assign(remove, { type: "button", title: t("bc.remove") });
    remove.addEventListener("click", () => toggle(kind, value, false));
    const chip = el("span", "bc-chip", el("small", "", t(`bc.kind.${kind}`)), label(kind, value), remove);
    chip.dataset.kind = kind;
    chip.dataset.value = value;
    return chip;
  }));
  $("bc-chips").replaceChildren(...chips);
  $("bc-reach").textContent = target() ? t("bc.reach", { n: reached.length }) : t("bc.reachNone");
}

function target() {
  const found = Object.fromEntries(KINDS.filter((k) => chosen[k].size).map((k) => [k, [...chosen[k]]]));
  return Object.keys(found).length ? found : null;
}

/** Ask again which speakers the choice reaches; sending waits for the answer. */
function reresolve() {
  resolved = resolve().catch(() => {});
}

async function resolve() {
  const asked = ++resolving;
  const wanted = target();
  let speakers = [];
  try {
    speakers = wanted ? (await api("/api/broadcast/resolve", { method: "POST", body: wanted })).speakers : [];
  } catch (err) {
    sayError(explain(err));
  }
  if (asked !== resolving || !box) return; // a later change asked again meanwhile
  reached = speakers;
  $("bc-reach").textContent = wanted ? t("bc.reach", { n: reached.length }) : t("bc.reachNone");
  $("bc-reach").dataset.count = String(reached.length);
  showTargets(reached, [...chosen.grids]);
}

/** Load an alert's proposed job into the form, to change it before it plays. */
export function edit(job) {
  reset();
  editing = job;
  $("bc-text").value = job.text;
  for (const kind of KINDS) for (const value of job.target[kind] || []) chosen[kind].add(value);
  $("bc-priority").value = job.priority;
  $("bc-repeat").value = String(job.repeat);
  $("bc-volume").value = job.volume ?? "";
  $("bc-editing").querySelector("span").textContent = t("bc.editing", { id: alertOf(job) });
  $("bc-editing").hidden = false;
  relabelAs($("bc-send"), "bc.confirm");
  for (const id of ["bc-when", "bc-expires"]) $(id).disabled = true; // a proposal plays now, until its own expiry
  for (const radio of box.querySelectorAll("input[name=bc-source]")) radio.disabled = true;
  renderChips();
  reresolve();
  $("bc-text").focus();
}

function reset() {
  editing = null;
  for (const set of Object.values(chosen)) set.clear();
  box.querySelector("input[name=bc-source][value=text]").checked = true;
  for (const radio of box.querySelectorAll("input[name=bc-source]")) radio.disabled = false;
  for (const id of ["bc-when", "bc-expires"]) $(id).disabled = false;
  Object.assign($("bc-text"), { value: "" });
  for (const [id, value] of [["bc-priority", "routine"], ["bc-repeat", "1"], ["bc-volume", ""], ["bc-when", "now"],
    ["bc-at", ""], ["bc-daily", ""], ["bc-expires", ""]]) $(id).value = value;
  $("bc-editing").hidden = true;
  relabelAs($("bc-send"), "bc.send");
  sayError("");
  showSource();
  showWhen();
  renderChips();
  reresolve();
}

/** The request the form stands for, or null with the reason shown. */
function request() {
  const fail = (key) => { sayError(t(key)); return null; };
  const recording = source() === "recording" ? recordings.chosen() : null;
  const text = recording ? recording.title : $("bc-text").value.trim();
  if (source() === "recording" && !recording) return fail("bc.err.recording");
  if (!text) return fail("bc.err.text");
  const wanted = target();
  if (!wanted) return fail("bc.err.target");
  if (!reached.length) return fail("bc.err.noSpeaker");
  const body = { text, target: wanted, priority: $("bc-priority").value,
    repeat: Math.min(20, Math.max(1, Number($("bc-repeat").value) || 1)) };
  if ($("bc-volume").value !== "") body.volume = Math.min(100, Math.max(0, Number($("bc-volume").value)));
  if (editing) return body;
  if (recording) body.recording = recording.key;
  const when = $("bc-when").value;
  if (when === "at" && !$("bc-at").value) return fail("bc.err.when");
  if (when === "daily" && !$("bc-daily").value) return fail("bc.err.when");
  if (when === "at") body.start_at = zonedEpoch($("bc-at").value);
  if (when === "daily") body.daily_at = $("bc-daily").value;
  if ($("bc-expires").value) body.expires_at = zonedEpoch($("bc-expires").value);
  return body;
}

async function send() {
  await resolved; // a target changed a moment ago: count its speakers first
  const body = request();
  if (!body) return;
  try {
    const job = editing
      ? await api(`/api/broadcast/jobs/${editing.id}/confirm`, { method: "POST", body })
      : await api("/api/broadcast/jobs", { method: "POST", body });
    toast(t(editing ? "bc.confirmed" : "bc.sent", { id: job.id, n: job.speakers.length }));
    document.dispatchEvent(new CustomEvent("bc-sent", { detail: job }));
    reset();
  } catch (err) {
    sayError(explain(err));
  }
}

async function preview() {
  const text = $("bc-text").value.trim();
  if (!text) { sayError(t("bc.err.text")); return; }
  sayError("");
  try {
    const speech = await api("/api/broadcast/preview", { method: "POST", body: { text } });
    play(speech.audio);
  } catch (err) {
    sayError(explain(err));
  }
}

/** Epoch seconds of a datetime-local value read in the town's time zone, whatever the screen's own. */
function zonedEpoch(value) {
  const asUtc = Date.parse(value.length === 16 ? `${value}:00Z` : `${value}Z`);
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).formatToParts(new Date(asUtc));
  const part = (type) => Number(parts.find((p) => p.type === type).value);
  const shown = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"));
  return (2 * asUtc - shown) / 1000;
}
