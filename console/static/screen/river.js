// The river panel: each station's level against its lines, each gauge's 1/3/6/24 h rainfall against the
// town's rainfall levels, and the chosen station's and gauge's series over a chosen range from the recorder.
import { api } from "./api.js";
import { chartIn, levelOption, rainOption } from "./charts.js";
import { el, hubNow } from "./format.js";
import { onLang, t } from "./i18n.js";

// Long ranges ask the recorder for buckets: a few hundred points whatever the range.
const RANGES = {
  "6h": { s: 6 * 3600, level: null, rain: 600 },
  "24h": { s: 86400, level: 300, rain: 3600 },
  "3d": { s: 3 * 86400, level: 1800, rain: 3 * 3600 },
  "7d": { s: 7 * 86400, level: 3600, rain: 6 * 3600 },
  "30d": { s: 30 * 86400, level: 6 * 3600, rain: 86400 },
};
const WINDOWS = ["1h", "3h", "6h", "24h"];
const SEVERITIES = ["blue", "yellow", "orange", "red"];
const $ = (id) => document.getElementById(id);
const state = { range: "24h", stations: [], gauges: [], station: null, gauge: null, latest: new Map(), charts: {} };
let rainLevels = null;

export function start(life, setup) {
  rainLevels = setup.rainfall_mm;
  const [level, disposeLevel] = chartIn($("level-chart"));
  const [rain, disposeRain] = chartIn($("rain-chart"));
  state.charts = { level, rain };
  life.add(() => {
    disposeLevel();
    disposeRain();
    Object.assign(state, { stations: [], gauges: [], station: null, gauge: null, charts: {} });
    state.latest.clear();
  });
  const reload = life.coalesce(2000, () => charts().catch(() => {}));
  life.on("devices", (devices) => adopt(devices, life).catch(() => {}));
  life.on("readings", (items) => {
    if (!take(items)) return;
    tables();
    if (items.some((r) => r.device === state.station || r.device === state.gauge)) reload();
  });
  life.add(onLang(() => { ranges(); tables(); charts().catch(() => {}); }));
  ranges();
}

/** The stations and gauges of the map's newest read (at start and after every resync), with their values. */
async function adopt(devices, life) {
  state.stations = devices.filter((d) => d.properties.kind === "river_station");
  state.gauges = devices.filter((d) => d.properties.kind === "rain_gauge");
  state.station ??= state.stations[0]?.id ?? null;
  state.gauge ??= state.gauges[0]?.id ?? null;
  const details = await Promise.all([...state.stations, ...state.gauges].map((d) => api(`/api/devices/${d.id}`)));
  if (life.ended) return;
  for (const d of details) for (const r of d.latest) state.latest.set(`${d.id}/${r.quantity}`, r.value);
  tables();
  await charts();
}

/** Keep the newest values of the quantities the tables show; whether any was for this panel. */
function take(items) {
  let mine = false;
  for (const r of items) {
    if ([...state.stations, ...state.gauges].some((d) => d.id === r.device)) {
      state.latest.set(`${r.device}/${r.quantity}`, r.value);
      mine = true;
    }
  }
  return mine;
}

function ranges() {
  $("ranges").replaceChildren(...Object.keys(RANGES).map((key) => {
    const b = el("button", key === state.range ? "range on" : "range", t(`range.${key}`));
    b.type = "button";
    b.dataset.range = key;
    b.onclick = () => { state.range = key; ranges(); charts().catch(() => {}); };
    return b;
  }));
}

function tables() {
  $("stations").replaceChildren(...(state.stations.length ? state.stations.map(stationRow) : [el("p", "muted", t("river.noStations"))]));
  $("gauges").replaceChildren(...(state.gauges.length ? state.gauges.map(gaugeRow) : [el("p", "muted", t("river.noGauges"))]));
}

function stationRow(d) {
  const level = state.latest.get(`${d.id}/water_level`);
  const rise = state.latest.get(`${d.id}/water_level_rise`);
  const lines = d.properties.levels;
  const over = level === undefined || !lines ? "" : level >= lines.guarantee_level ? "over-red" : level >= lines.warning_level ? "over-orange" : "";
  const row = el("div", `station ${d.id === state.station ? "on" : ""} ${over}`,
    el("span", "name", d.properties.name), el("span", "value", level === undefined ? "—" : `${level.toFixed(2)} m`),
    el("span", "muted", lines ? `${t("river.warning")} ${lines.warning_level} · ${t("river.guarantee")} ${lines.guarantee_level}` : ""),
    el("span", "rise", rise === undefined ? "" : `${t("river.rise")} ${rise >= 0 ? "+" : ""}${rise.toFixed(2)} m/h`));
  row.dataset.station = d.id;
  row.onclick = () => { state.station = d.id; tables(); charts().catch(() => {}); };
  return row;
}

function gaugeRow(d) {
  const row = el("div", `gauge ${d.id === state.gauge ? "on" : ""}`, el("span", "name", d.properties.name),
    ...WINDOWS.map((w) => {
      const mm = state.latest.get(`${d.id}/rainfall_${w}`);
      return el("span", `acc ${severityOf(w, mm)}`, el("small", "", t(`acc.${w}`)), mm === undefined ? "—" : mm.toFixed(1));
    }));
  row.dataset.gauge = d.id;
  row.onclick = () => { state.gauge = d.id; tables(); charts().catch(() => {}); };
  return row;
}

function severityOf(window, mm) {
  const levels = rainLevels?.[`h${window.replace("h", "")}`];
  if (!levels || mm === undefined) return "";
  const reached = SEVERITIES.filter((_, i) => mm >= levels[i]);
  return reached.length ? `sev-text-${reached.at(-1)}` : "";
}

async function charts() {
  const range = RANGES[state.range];
  const end = hubNow() / 1000; // the hub's time: the demo's clock runs hours behind while it catches up
  const query = (device, quantity, every) =>
    `/api/readings?device=${device}&quantity=${quantity}&start=${Math.floor(end - range.s)}&end=${Math.ceil(end)}${every ? `&every=${every}` : ""}`;
  const station = state.stations.find((d) => d.id === state.station);
  const [level, rain] = await Promise.all([
    station ? api(query(station.id, "water_level", range.level)) : null,
    state.gauge ? api(query(state.gauge, "rainfall", range.rain)) : null]);
  if (!state.charts.level) return;
  if (level) state.charts.level.setOption(levelOption(level, station.properties.levels, range.s), true);
  else state.charts.level.clear();
  if (rain) state.charts.rain.setOption(rainOption(rain, range.s), true);
  else state.charts.rain.clear();
}
