// The big screen's grid work, under the case figures: the newest inspection campaign's progress by village
// (inspected of total, hazards found and put right, overdue) and household visits this month and quarter, in
// the signed-in scope, read from /api/gridwork every 15 s. Hidden while the hub has no register.
import { api } from "./api.js";
import { el } from "./format.js";
import { addStrings, onLang, t } from "./i18n.js";

addStrings({
  "gridwork.title": "排查整改进度", "gridwork.village": "村（社区）", "gridwork.total": "合计",
  "gridwork.inspected": "已排查", "gridwork.hazards": "发现隐患", "gridwork.major": "重大隐患",
  "gridwork.rectified": "已整改", "gridwork.overdue": "逾期未改", "gridwork.visits": "走访（本月/本季度）",
  "gridwork.households": "共 {n} 户",
}, {
  "gridwork.title": "Inspection progress", "gridwork.village": "Village", "gridwork.total": "Total",
  "gridwork.inspected": "Inspected", "gridwork.hazards": "Hazards", "gridwork.major": "Major",
  "gridwork.rectified": "Put right", "gridwork.overdue": "Overdue", "gridwork.visits": "Visits (month/quarter)",
  "gridwork.households": "{n} households",
});

const COLUMNS = ["inspected", "hazards", "major", "rectified", "overdue", "visits"];
const REFRESH_MS = 15000;
const $ = (id) => document.getElementById(id);
const state = { progress: null, coverage: [], villages: new Map() };

export function start(life) {
  const reload = () => load(life).catch(() => {});
  life.every(REFRESH_MS, reload);
  life.add(onLang(render));
  life.add(() => {
    Object.assign(state, { progress: null, coverage: [] });
    $("gridwork-panel").hidden = true;
    $("gridwork-table").replaceChildren();
  });
  api("/api/case-options").then((options) => {
    state.villages = new Map(options.villages.map((v) => [v.id, v.name]));
    render();
  }).catch(() => {});
  reload();
}

async function load(life) {
  const campaigns = await api("/api/gridwork/campaigns");
  if (life.ended || !campaigns.length) return;
  const newest = campaigns[campaigns.length - 1];
  const [progress, coverage] = await Promise.all([api(`/api/gridwork/campaigns/${newest.id}/progress`),
    api("/api/gridwork/visits/coverage")]);
  if (life.ended) return;
  Object.assign(state, { progress, coverage });
  render();
}

function render() {
  const p = state.progress;
  if (!p) return;
  $("gridwork-panel").hidden = false;
  $("gridwork-name").textContent = p.campaign.name;
  const head = el("tr", "", el("th", "", t("gridwork.village")), ...COLUMNS.map((c) => el("th", "", t(`gridwork.${c}`))));
  const rows = [...p.villages.map((v) => row(state.villages.get(v.village) ?? v.village, v, v.village)),
    row(t("gridwork.total"), p.town, "")];
  $("gridwork-table").replaceChildren(el("thead", "", head), el("tbody", "", ...rows));
}

function row(name, figures, village) {
  const visits = state.coverage.filter((c) => !village || c.village === village);
  const sum = (key) => visits.reduce((n, c) => n + c[key], 0);
  const cells = {
    inspected: `${figures.inspected}/${figures.total}`, hazards: figures.hazards, major: figures.major,
    rectified: figures.rectified, overdue: figures.overdue,
    visits: `${sum("month")}/${sum("quarter")}`,
  };
  const tr = el("tr", village ? "" : "gridwork-total", el("td", "", name), ...COLUMNS.map((c) => {
    const td = el("td", c === "overdue" && figures.overdue ? "attention" : "", String(cells[c]));
    td.dataset.figure = c;
    if (c === "visits") td.title = t("gridwork.households", { n: sum("households") });
    return td;
  }));
  tr.dataset.village = village || "town";
  return tr;
}
