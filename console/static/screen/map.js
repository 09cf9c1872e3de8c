// The town map: grid polygons coloured by their worst open alert, device markers with live status, team
// positions, and a banner for town-wide alerts (which colour no grid). No internet tiles: polygons on a plain
// background, or the town's own tile server if configured.
import * as L from "/vendor/leaflet/leaflet-src.esm.js";
import { alertTitle } from "./alert-words.js";
import { api } from "./api.js";
import { showDevice, showGrid } from "./details.js";
import { SEVERITY_ORDER, el, gridPlace, worse } from "./format.js";
import { addStrings, onLang, t } from "./i18n.js";
import { emit } from "./live.js";

const SEVERITY_FILL = { blue: "#2f7de1", yellow: "#e8c21c", orange: "#f07f13", red: "#e5322d" };
const CALM = { color: "#4d7ea8", weight: 1, fillColor: "#1b3a52", fillOpacity: 0.35 };
const EVENT_MS = 10000;
const known = { grids: new Map(), devices: new Map(), villages: new Map() }; // id → feature / {name, grids}
let map = null;
const layers = { grids: new Map(), devices: new Map(), labels: new Map() };
let teamLayer = null;
let lastAlerts = null; // the alert panel's newest list: fresher than the map's own read
let picker = null; // while the broadcast panel picks speakers and grids, it takes the map's clicks

/** Let *pick(layer, id)* ("grid" or "device") take map clicks; it returns true for a click it took. null ends it. */
export const pickWith = (pick) => { picker = pick; };

export function start(life, setup) {
  map = L.map("map", { zoomControl: true, attributionControl: Boolean(setup.tiles), zoomSnap: 0.25,
    center: [setup.center[1], setup.center[0]], zoom: 13 });
  if (setup.tiles) {
    const { url, attribution, min_zoom: minZoom, max_zoom: maxZoom } = setup.tiles;
    L.tileLayer(url, { attribution, minZoom, maxZoom }).addTo(map);
  }
  teamLayer = L.layerGroup().addTo(map);
  legend();
  life.add(() => {
    map.remove();
    map = null;
    lastAlerts = null;
    banner([]);
    for (const m of [...Object.values(layers), ...Object.values(known)]) m.clear();
  });
  life.on("alerts", colour);
  life.on("device-event", deviceEvent);
  life.on("focus", focus);
  life.on("teams", placeTeams);
  life.on("resync", () => load().catch(() => {}));
  life.add(onLang(() => { if (map) { legend(); banner(lastAlerts || []); title(); } }));
  mine = setup.user.role === "cadre" ? setup.user.village : null;
  life.add(() => { mine = null; title(); });
  load(true).catch(() => {});
}

addStrings({ "map.village": "{name}网格" }, { "map.village": "{name} grids" });
let mine = null; // a cadre's village: their map is of it, not of the town

/** The map's heading: 全镇网格 for the centre, the village's own grids for its cadre. */
function title() {
  const heading = document.querySelector("#map-panel h2");
  if (!mine) { heading.dataset.i18n = "map.title"; heading.textContent = t("map.title"); return; }
  delete heading.dataset.i18n; // translate() would put the town's title back
  heading.textContent = t("map.village", { name: known.villages.get(mine)?.name ?? mine });
}

async function load(fit = false) {
  const collection = await api("/api/map");
  if (!map) return;
  const grids = collection.features.filter((f) => f.properties.layer === "grid");
  const devices = collection.features.filter((f) => f.properties.layer === "device");
  known.villages.clear();
  for (const g of grids) drawGrid(g);
  for (const d of devices) drawDevice(d);
  labelVillages();
  title();
  if (lastAlerts) colour(lastAlerts);
  else for (const g of grids) paint(g.id, g.properties.severity);
  emit("devices", devices);
  if (fit && collection.bbox) {
    const [w, s, e, n] = collection.bbox;
    map.fitBounds([[s, w], [n, e]], { padding: [16, 16] });
  }
}

function drawGrid(feature) {
  known.grids.set(feature.id, feature);
  const p = feature.properties;
  const village = known.villages.get(p.village) || { name: p.village_name, grids: [] };
  village.grids.push(feature.id);
  known.villages.set(p.village, village);
  if (layers.grids.has(feature.id)) return;
  const ring = feature.geometry.coordinates[0].map(([lon, lat]) => [lat, lon]);
  const polygon = L.polygon(ring, { ...CALM, className: `grid grid-${feature.id}` }).addTo(map);
  polygon.bindTooltip(() => `${feature.id} ${known.grids.get(feature.id).properties.name}`, { sticky: true });
  polygon.on("click", () => picker?.("grid", feature.id) || showGrid(known.grids.get(feature.id)));
  layers.grids.set(feature.id, polygon);
}

function drawDevice(feature) {
  known.devices.set(feature.id, feature);
  const [lon, lat] = feature.geometry.coordinates;
  let marker = layers.devices.get(feature.id);
  if (!marker) {
    const icon = L.divIcon({ className: "dev-icon", iconSize: [16, 16], html: `<span data-device="${feature.id}"></span>` });
    marker = L.marker([lat, lon], { icon, riseOnHover: true }).addTo(map);
    marker.bindTooltip(() => deviceTip(feature.id), { direction: "top", offset: [0, -8] });
    marker.on("click", () => picker?.("device", feature.id) || showDevice(known.devices.get(feature.id)));
    layers.devices.set(feature.id, marker);
  }
  mark(feature.id);
}

function deviceTip(id) {
  const p = known.devices.get(id).properties;
  return `${p.name} · ${t(`kind.${p.kind}`)} · ${t(`dev.${p.state}`)}`;
}

function mark(id, extra = "") {
  const feature = known.devices.get(id); // gone when the screen was signed out meanwhile
  const dot = layers.devices.get(id)?.getElement()?.querySelector("span");
  if (feature && dot) dot.className = `dev kind-${feature.properties.kind} state-${feature.properties.state}${extra}`;
}

function labelVillages() {
  for (const [id, village] of known.villages) {
    if (layers.labels.has(id)) continue;
    const bounds = L.latLngBounds(village.grids.map((g) => layers.grids.get(g).getBounds()));
    const icon = L.divIcon({ className: "village-label", html: village.name, iconSize: null });
    layers.labels.set(id, L.marker(bounds.getCenter(), { icon, interactive: false }).addTo(map));
  }
}

/** Colour each grid by the worst of the open alerts the screen holds: its own, its village's, its basin's. */
function colour(alerts) {
  lastAlerts = alerts;
  const worst = new Map();
  for (const a of alerts) {
    for (const g of gridsOf(a)) worst.set(g, worse(worst.get(g), a.severity));
  }
  for (const id of known.grids.keys()) paint(id, worst.get(id) || null);
  banner(alerts);
}

/** Town-wide alerts over the top of the map, worst first: every grid red would hide the grids worse off. */
function banner(alerts) {
  const box = document.getElementById("town-alerts");
  const shown = alerts.filter((a) => a.wide === "town")
    .sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  box.replaceChildren(...shown.map((a) => {
    const line = el("button", `town-alert sev-${a.severity}`, el("span", "sev-badge", t(`sev.${a.severity}`)),
      el("strong", "", t("alerts.wide.town")), el("span", "", alertTitle(a)), el("span", "muted", t(`state.${a.state}`)));
    line.type = "button";
    line.dataset.alertId = a.id;
    line.addEventListener("click", () => emit("focus", a));
    return line;
  }));
  box.hidden = shown.length === 0;
}

/** The grids an alert concerns: its own, its village's, or every grid of the villages its basin runs through
 *  that the screen holds (a cadre holds their own village only). A town-wide alert colours none. */
export function gridsOf(alert) {
  if (alert.grid) return [alert.grid];
  if (alert.village) return known.villages.get(alert.village)?.grids || [];
  if (!alert.basin) return [];
  const villages = new Set([...known.devices.values()].filter((d) => d.properties.basin === alert.basin)
    .map((d) => known.grids.get(d.properties.grid)?.properties.village));
  return [...villages].flatMap((v) => known.villages.get(v)?.grids || []);
}

function paint(id, severity) {
  const polygon = layers.grids.get(id);
  if (!polygon) return;
  known.grids.get(id).properties.severity = severity;
  polygon.setStyle(severity ? { color: SEVERITY_FILL[severity], weight: 2, fillColor: SEVERITY_FILL[severity],
    fillOpacity: 0.55 } : CALM);
  const path = polygon.getElement();
  path?.classList.remove("sev-blue", "sev-yellow", "sev-orange", "sev-red");
  if (severity) path?.classList.add(`sev-${severity}`);
}

function deviceEvent(event) {
  const feature = known.devices.get(event.device);
  if (!feature) return;
  if (event.kind === "online" || event.kind === "offline") {
    Object.assign(feature.properties, { state: event.kind, state_since: event.time, state_reason: event.reason });
    mark(event.device);
  } else if (["motion", "tamper", "fault"].includes(event.kind)) {
    mark(event.device, ` event-${event.kind}`);
    setTimeout(() => { if (map) mark(event.device); }, EVENT_MS);
  }
}

function focus(alert) {
  if (!map) return;
  const marker = alert.device && layers.devices.get(alert.device);
  const polygon = alert.grid && layers.grids.get(alert.grid);
  const grids = alert.wide === "town" ? [...known.grids.keys()] : gridsOf(alert);
  const area = grids.map((g) => layers.grids.get(g)?.getBounds()).filter(Boolean);
  if (marker) map.flyTo(marker.getLatLng(), Math.max(map.getZoom(), 14), { duration: 0.6 });
  else if (area.length) map.flyToBounds(L.latLngBounds(area), { maxZoom: 15, duration: 0.6 });
  if (polygon) showGrid(known.grids.get(alert.grid));
}

function placeTeams(teams) {
  if (!map) return;
  teamLayer.clearLayers();
  for (const team of teams) {
    const at = team.location ? [team.location.lat, team.location.lon] : centreOf(team.base_grid);
    if (!at) continue;
    const icon = L.divIcon({ className: "team-icon", iconSize: null,
      html: `<span class="team-dot team-${team.status}" data-team="${team.id}">${team.id}</span>` });
    L.marker(at, { icon, keyboard: false }).bindTooltip(`${team.name} · ${t(`team.${team.status}`)}`).addTo(teamLayer);
  }
}

function centreOf(grid) {
  const polygon = layers.grids.get(grid);
  return polygon ? polygon.getBounds().getCenter() : null;
}

let legendControl = null;
function legend() {
  legendControl?.remove();
  legendControl = L.control({ position: "bottomleft" });
  legendControl.onAdd = () => el("div", "legend",
    ...["red", "orange", "yellow", "blue"].map((s) => el("span", `swatch sev-${s}`, t(`sev.${s}`))),
    el("span", "swatch calm", t("map.legend.calm")),
    ...["river_station", "rain_gauge", "water_quality", "camera", "speaker"].map((k) =>
      el("span", "legend-dev", el("span", `dev kind-${k} state-online`), t(`kind.${k}`))));
  return legendControl.addTo(map);
}

/** The grid (id) that contains a point, if any of the screen's grids does. */
export function gridAt(lon, lat) {
  for (const [id, f] of known.grids) if (inside([lon, lat], f.geometry.coordinates[0])) return id;
  return null;
}

function inside([x, y], ring) {
  let hit = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/** A place to name in words: the alert's grid, else its village. */
export function placeOf(alert) {
  const grid = alert.grid && known.grids.get(alert.grid);
  if (grid) return gridPlace(grid.properties.village_name, grid.properties.name);
  return known.villages.get(alert.village)?.name || alert.basin || alert.source;
}

/** The villages on the map, for choosing a cadre's village. */
export const villages = () => [...known.villages].map(([id, v]) => ({ id, name: v.name }));

export const gridFeature = (id) => known.grids.get(id);
/** The Leaflet map, for a panel that draws its own marks on it (null when signed out). */
export const leafletMap = () => map;
export const deviceFeature = (id) => known.devices.get(id);
export const devicesIn = (grid) => [...known.devices.values()].filter((d) => d.properties.grid === grid);
export const devicesOfKind = (kind) => [...known.devices.values()].filter((d) => d.properties.kind === kind);
// For the broadcast panel's picking and rings.
export const grids = () => [...known.grids.values()];
export const deviceElement = (id) => layers.devices.get(id)?.getElement() ?? null;
export const gridElement = (id) => layers.grids.get(id)?.getElement() ?? null;
