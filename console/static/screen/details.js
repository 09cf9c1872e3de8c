// The drawer over the map: a grid (its people, alerts and devices) or a device (readings, events, picture).
import { api } from "./api.js";
import { openAlerts } from "./alerts.js";
import { dayTime, el, gridPlace, onHubClock } from "./format.js";
import { alertMessage, alertTitle, reasonName } from "./alert-words.js";
import { onLang, t } from "./i18n.js";
import { devicesIn, gridFeature, gridsOf } from "./map.js";
import { stationCommands } from "./station-commands.js";

const $ = (id) => document.getElementById(id);
let shown = null; // {grid} or {device}
let camerasRunning = false;
let staff = false; // admins and duty officers send commands to stations
let refresh = () => {};

export function start(life, setup) {
  camerasRunning = setup.cameras_running;
  staff = ["admin", "officer"].includes(setup.user.role);
  $("details-close").onclick = close;
  refresh = life.coalesce(1000, () => { if (shown) redraw().catch(() => {}); });
  life.on("readings", (items) => { if (shown?.device && items.some((r) => r.device === shown.device.id)) refresh(); });
  life.on("device-event", (e) => { if (shown?.device?.id === e.device) refresh(); });
  life.on("alerts", () => { if (shown?.grid) refresh(); });
  life.add(onLang(() => { if (shown) redraw().catch(() => {}); })); // the drawer follows the language switch
  life.add(close);
}

/** Put the drawer away (its × button, Escape, sign-out). */
export function close() {
  swap(null);
  $("details").hidden = true;
  show([]);
}

/** Put *nodes* in the drawer. A live picture left out is stopped: a removed <img> would keep its stream. */
function show(nodes) {
  for (const img of $("details-body").querySelectorAll("img.live-picture")) {
    if (!nodes.includes(img)) img.removeAttribute("src");
  }
  $("details-body").replaceChildren(...nodes);
}

/** What the drawer shows next; a panel's own view is told when it goes (to take its marks off the map). */
function swap(next) {
  if (shown?.view && shown.view !== next?.view) shown.view.leave?.();
  shown = next;
}

/** A panel's own view in the drawer: *view.render()* gives its nodes, asked again by `showView` to refresh. */
export function showView(view) {
  swap({ view });
  redraw().catch(() => {});
}

/** Whether the drawer shows *view* now. */
export const showing = (view) => shown?.view === view;

export function showGrid(feature) {
  swap({ grid: feature });
  redraw().catch(() => {});
}

export function showDevice(feature) {
  swap({ device: feature });
  redraw().catch(() => {});
}

async function redraw() {
  const what = shown;
  const body = what.view ? await what.view.render() : what.grid ? gridBody(what.grid) : await deviceBody(what.device);
  if (what !== shown) return; // another was clicked meanwhile
  show(body.filter(Boolean));
  $("details").hidden = false;
}

function contact(label, person) {
  const phone = el("a", "phone", person.phone);
  phone.href = `tel:${person.phone}`;
  return el("p", "contact", el("span", "label", label), ` ${person.name} `, phone);
}

function gridBody(feature) {
  const p = feature.properties;
  const alerts = openAlerts().filter((a) => a.wide === "town" || gridsOf(a).includes(feature.id));
  const devices = devicesIn(feature.id).map((d) => {
    const row = el("li", "device-row", el("span", `dev kind-${d.properties.kind} state-${d.properties.state}`),
      ` ${d.properties.name} · ${t(`dev.${d.properties.state}`)}`);
    row.addEventListener("click", () => showDevice(d));
    return row;
  });
  return [el("h3", "", `${feature.id} ${p.name}`),
    el("p", "sub", `${p.village_name}${p.households ? ` · ${t("details.households")} ${p.households}` : ""}`),
    contact(t("details.worker"), p.worker), contact(t("details.cadre"), p.cadre),
    el("p", "contact", el("span", "label", t("details.wechat")), ` ${p.wechat_group}`),
    el("h4", "", t("details.alerts")),
    alerts.length ? el("ul", "", ...alerts.map((a) => el("li", `sev-text-${a.severity}`, `${alertTitle(a)}: ${alertMessage(a)}`)))
      : el("p", "muted", t("details.none")),
    el("h4", "", t("details.devices")), devices.length ? el("ul", "devices", ...devices) : el("p", "muted", t("details.none"))];
}

// A device's health (last seen, gone on- or offline) runs on the hub's wall clock; a station's own reports
// (its alarm bits) carry its readings' time, which is already the hub's clock.
const HEALTH = new Set(["online", "offline"]);

async function deviceBody(feature) {
  const d = await api(`/api/devices/${encodeURIComponent(feature.id)}`);
  const grid = gridFeature(d.grid);
  const levels = feature.properties.levels;
  return [el("h3", "", `${d.id} ${d.name}`),
    el("p", "sub", `${t(`kind.${d.kind}`)} · ${grid ? gridPlace(grid.properties.village_name, grid.properties.name) : d.grid}`),
    el("p", "", el("span", `chip state-${d.state}`, t(`dev.${d.state}`)), ` ${t("details.lastSeen")} ${dayTime(onHubClock(d.last_seen))}`),
    levels ? el("p", "levels", t("details.levels", { w: levels.warning_level, g: levels.guarantee_level })) : null,
    ...(d.kind === "camera" && camerasRunning ? picture(d.id) : []),
    el("h4", "", t("details.latest")), readings(d.latest),
    el("h4", "", t("details.events")),
    d.events.length ? el("ul", "events", ...d.events.slice(0, 6).map((e) =>
      el("li", "", `${dayTime(HEALTH.has(e.kind) ? onHubClock(e.time) : e.time)} ${t(`event.${e.kind}`)}${e.reason ? ` (${reasonName(e.reason)})` : ""}`)))
      : el("p", "muted", t("details.none")),
    ...await stationCommands(d, staff, () => refresh()),
    grid ? contact(t("details.worker"), grid.properties.worker) : null];
}

/** A quantity's name; a station's statistic of one (`cod.avg_1m`, as the HJ 212 adapter names them) says which,
 *  and a code the hub could not map (`hj212:w99999`) is shown as it came. */
function quantityName(key) {
  if (t(`q.${key}`) !== `q.${key}`) return t(`q.${key}`);
  const stat = /^(\w+)\.(avg|min|max|cou)_(1m|1h|1d)$/.exec(key);
  if (!stat || t(`q.${stat[1]}`) === `q.${stat[1]}`) return key;
  return t("q.stat", { q: t(`q.${stat[1]}`), stat: t(`q.stat.${stat[2]}`), window: t(`q.window.${stat[3]}`) });
}

function readings(latest) {
  if (!latest.length) return el("p", "muted", t("details.none"));
  return el("table", "readings", ...latest.map((r) => el("tr", "",
    el("td", "", quantityName(r.quantity)), el("td", "num", `${Number(r.value.toFixed(2))} ${r.unit}`),
    el("td", "muted", dayTime(r.time)))));
}

function picture(camera) {
  // Redrawn with the same camera, the drawer keeps its <img>, so the stream is not restarted.
  let img = [...$("details-body").querySelectorAll("img.live-picture")].find((i) => i.alt === camera);
  if (!img) {
    img = el("img", "live-picture");
    img.alt = camera;
    img.src = `/api/cameras/${encodeURIComponent(camera)}/mjpeg?width=480&fps=2`;
  }
  return [el("h4", "", t("details.live")), img];
}
