// ECharts options for the river panel: a station's level against its warning and guarantee lines, and a
// gauge's rainfall per bucket. Axis labels in the town's time zone, colours of the dark screen.
import * as echarts from "/vendor/echarts/echarts.esm.min.js";
import { dayTime, hhmm } from "./format.js";
import { t } from "./i18n.js";

const TEXT = "#9fb4c6";
const GRID_LINE = "#1d3144";
const LINE = { warning: "#f07f13", guarantee: "#e5322d" };

/** An ECharts instance in *element* that follows the element's size; returns it and its disposer. */
export function chartIn(element) {
  const chart = echarts.init(element, null, { renderer: "canvas" });
  const watcher = new ResizeObserver(() => chart.resize());
  watcher.observe(element);
  return [chart, () => { watcher.disconnect(); chart.dispose(); }];
}

/** The whole range asked for (the series' start and end), not just where there are readings: 7 days reads as 7. */
function timeAxis(spanS, series) {
  const label = spanS > 2 * 86400 ? dayTime : hhmm;
  return { type: "time", min: new Date(series.start).getTime(), max: new Date(series.end).getTime(),
    axisLabel: { color: TEXT, formatter: (v) => label(new Date(v)), hideOverlap: true },
    axisLine: { lineStyle: { color: GRID_LINE } }, splitLine: { show: false } };
}

function valueAxis(name, extra = {}) {
  return { type: "value", name, nameTextStyle: { color: TEXT, align: "left" }, axisLabel: { color: TEXT },
    splitLine: { lineStyle: { color: GRID_LINE } }, ...extra };
}

const tooltip = (unit) => ({ trigger: "axis", backgroundColor: "#0f2233", borderColor: "#2b4760", textStyle: { color: "#dce6ee" },
  valueFormatter: (v) => (v === null || v === undefined ? "—" : `${Number(v).toFixed(2)} ${unit}`) });

/** A station's level series with its flood-control lines; the axis always shows both lines. */
export function levelOption(series, levels, spanS) {
  const data = series.points.map((p) => [p.time, p.mean]);
  const values = data.map((d) => d[1]);
  const lines = levels ? [levels.warning_level, levels.guarantee_level] : [];
  const low = Math.min(...values, ...lines);
  const high = Math.max(...values, ...lines);
  const pad = Math.max((high - low) * 0.1, 0.2);
  const markLine = levels ? { symbol: "none", silent: true, data: [
    { yAxis: levels.warning_level, lineStyle: { color: LINE.warning, type: "dashed" },
      label: { formatter: `${t("river.warning")} ${levels.warning_level}`, color: LINE.warning, position: "insideEndTop" } },
    { yAxis: levels.guarantee_level, lineStyle: { color: LINE.guarantee, type: "dashed" },
      label: { formatter: `${t("river.guarantee")} ${levels.guarantee_level}`, color: LINE.guarantee, position: "insideEndTop" } },
  ] } : undefined;
  return {
    animation: false, grid: { left: 48, right: 16, top: 28, bottom: 24 }, tooltip: tooltip("m"),
    xAxis: timeAxis(spanS, series),
    yAxis: valueAxis(t("river.level"), { min: values.length || lines.length ? +(low - pad).toFixed(2) : undefined,
      max: values.length || lines.length ? +(high + pad).toFixed(2) : undefined }),
    series: [{ type: "line", data, showSymbol: data.length < 60, lineStyle: { color: "#5ab0ff", width: 2 },
      areaStyle: { color: "rgba(90,176,255,0.12)" }, markLine }],
  };
}

/** A gauge's rainfall per bucket (the bucket's sum). */
export function rainOption(series, spanS) {
  return {
    animation: false, grid: { left: 48, right: 16, top: 28, bottom: 24 }, tooltip: tooltip("mm"),
    xAxis: timeAxis(spanS, series), yAxis: valueAxis(t("river.rain"), { min: 0 }),
    series: [{ type: "bar", data: series.points.map((p) => [p.time, +p.sum.toFixed(1)]),
      itemStyle: { color: "#3fa7d6" }, barMaxWidth: 14 }],
  };
}
