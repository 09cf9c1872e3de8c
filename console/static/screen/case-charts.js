// ECharts options for the cases view: per village or category, in progress and handled stacked, overdue beside.
import { t } from "./i18n.js";

const TEXT = "#9fb4c6";
const GRID_LINE = "#1d3144";
const COLOURS = { in_progress: "#5ab0ff", handled: "#3ecf8e", overdue: "#e5322d" };

/** Bars of *rows* (FigureRow of GET /api/case-figures), longest names slanted when there are many. */
export function figureBars(title, rows) {
  const series = ["in_progress", "handled", "overdue"].map((key) => ({
    name: t(`cases.${key}`), type: "bar", stack: key === "overdue" ? undefined : "cases", barMaxWidth: 22,
    itemStyle: { color: COLOURS[key] }, data: rows.map((r) => r[key]),
  }));
  return {
    animation: false,
    title: { text: title, textStyle: { color: TEXT, fontSize: 14, fontWeight: 500 }, left: 0, top: 0 },
    legend: { right: 0, top: 0, textStyle: { color: TEXT }, itemWidth: 12, itemHeight: 8 },
    grid: { left: 36, right: 12, top: 36, bottom: rows.length > 6 ? 56 : 28 },
    tooltip: { trigger: "axis", backgroundColor: "#0f2233", borderColor: "#2b4760", textStyle: { color: "#dce6ee" } },
    xAxis: { type: "category", data: rows.map((r) => r.name),
      axisLabel: { color: TEXT, interval: 0, rotate: rows.length > 6 ? 30 : 0 }, axisLine: { lineStyle: { color: GRID_LINE } } },
    yAxis: { type: "value", minInterval: 1, axisLabel: { color: TEXT }, splitLine: { lineStyle: { color: GRID_LINE } } },
    series,
  };
}
