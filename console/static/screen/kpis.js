// The headline strip: alerts today, open by severity, acknowledged within their limit, teams available,
// devices online by kind. Counted by the hub for the signed-in scope; re-read whenever something changes.
import { api } from "./api.js";
import { el } from "./format.js";
import { onLang, t } from "./i18n.js";

const KINDS = ["river_station", "rain_gauge", "water_quality", "camera", "speaker"];
let latest = null;

export function start(life) {
  const reload = life.coalesce(1000, () => load(life).catch(() => {}));
  for (const type of ["alerts", "teams", "resync"]) life.on(type, reload);
  life.on("device-event", (e) => { if (e.kind === "online" || e.kind === "offline") reload(); });
  life.every(60000, reload); // "overdue" grows with time alone
  life.add(onLang(render));
  life.add(() => { latest = null; document.getElementById("kpis").replaceChildren(); });
  load(life).catch(() => {});
}

async function load(life) {
  const kpis = await api("/api/kpis");
  if (life.ended) return; // signed out while the answer was on its way
  latest = kpis;
  render();
}

function tile(name, value, sub = "", extra = "") {
  const node = el("div", `kpi ${extra}`, el("span", "kpi-label", t(`kpi.${name}`)), el("span", "kpi-value", value),
    el("span", "kpi-sub", sub));
  node.dataset.kpi = name;
  return node;
}

function render() {
  const k = latest;
  if (!k) return;
  const bySeverity = ["red", "orange", "yellow", "blue"].filter((s) => k.open_by_severity[s])
    .map((s) => el("span", `sev-chip sev-${s}`, `${t(`sev.${s}`)} ${k.open_by_severity[s]}`));
  const inTime = k.acknowledged_today ? `${Math.round((100 * k.acknowledged_in_time) / k.acknowledged_today)}%` : "—";
  const devices = KINDS.filter((kind) => k.devices[kind]?.total).map((kind) => {
    const d = k.devices[kind];
    const node = el("div", `kpi device ${d.online < d.total ? "short" : ""}`, el("span", "kpi-label", t(`kind.${kind}`)),
      el("span", "kpi-value", `${d.online}/${d.total}`), el("span", "kpi-sub", t("kpi.devices")));
    node.dataset.kpi = `devices-${kind}`;
    return node;
  });
  document.getElementById("kpis").replaceChildren(
    tile("today", String(k.alerts_today)),
    tile("open", String(k.open), el("span", "", ...bySeverity), k.open ? "attention" : ""),
    tile("inTime", inTime, `${k.acknowledged_in_time}/${k.acknowledged_today}${k.overdue ? ` · ${t("kpi.overdue", { n: k.overdue })}` : ""}`,
      k.overdue ? "attention" : ""),
    tile("teams", `${k.teams_available}/${k.teams_total}`),
    ...devices);
}
