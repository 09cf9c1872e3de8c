// The cases view of the big screen, over the duty panels at the header's switch: received, in progress,
// handled, overdue and the on-time rate today and this month, by village and by category (GET
// /api/case-figures, counted by the hub for the signed-in scope), and the cases past or near their limit,
// each a link into the case workbench. Live from /ws/cases: a change re-reads the figures.
import { api } from "./api.js";
import { figureBars } from "./case-charts.js";
import { CaseFeed } from "./case-feed.js";
import { chartIn } from "./charts.js";
import { caseCategory, dayTime, el } from "./format.js";
import { onLang, t } from "./i18n.js";

const VIEW = "gridhub.view"; // the duty officer's choice of view, kept in the browser like the language
const TILES = ["received", "in_progress", "handled", "overdue", "on_time_rate"];
const PERIODS = ["today", "month"];
const $ = (id) => document.getElementById(id);
const state = { period: "month", figures: null, villages: new Map(), charts: null, feed: null, zone: "", mine: null };

export function start(life, setup) {
  state.zone = setup.timezone;
  state.mine = setup.user.role === "cadre" ? setup.user.village : null;
  const [village, disposeVillage] = chartIn($("case-village-chart"));
  const [category, disposeCategory] = chartIn($("case-category-chart"));
  state.charts = { village, category };
  const reload = life.coalesce(1000, () => load(life).catch(() => {}));
  state.feed = new CaseFeed(life, () => { reload(); renderDue(); });
  life.every(60000, () => { reload(); renderDue(); }); // limits pass, and days end, with time alone
  life.add(onLang(() => { show(); render(); renderDue(); }));
  $("view-toggle").onclick = () => { localStorage.setItem(VIEW, viewing() ? "duty" : "cases"); show(); };
  life.add(() => {
    disposeVillage();
    disposeCategory();
    Object.assign(state, { figures: null, charts: null, feed: null });
    state.villages.clear();
    for (const id of ["case-tiles", "case-periods", "case-due"]) $(id).replaceChildren();
  });
  show();
  names(life).catch(() => {}); // the figures come with the feed's first snapshot, which says the hub's date
}

async function names(life) {
  const options = await api("/api/case-options");
  if (life.ended) return;
  state.villages = new Map(options.villages.map((v) => [v.id, v.name]));
  render();
  renderDue();
}

const viewing = () => localStorage.getItem(VIEW) === "cases";

function show() {
  document.getElementById("screen").classList.toggle("cases-on", viewing());
  $("view-toggle").textContent = t(viewing() ? "view.duty" : "view.cases");
}

/** The town's date by the hub's clock (a demo's or a test's may run apart from the browser's), as 2026-03-09. */
function today() {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: state.zone, year: "numeric", month: "2-digit",
    day: "2-digit" }).formatToParts(new Date(state.feed.now()));
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** "+08:00": the town's offset from UTC on *day*, so that "today" starts at the town's midnight. */
function offsetOn(day) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: state.zone, timeZoneName: "longOffset" })
    .formatToParts(new Date(`${day}T12:00:00Z`));
  const name = parts.find((p) => p.type === "timeZoneName").value; // "GMT+08:00", or "GMT" for UTC
  return name === "GMT" ? "+00:00" : name.slice(3);
}

async function load(life) {
  const day = today();
  const starts = { today: day, month: `${day.slice(0, 8)}01` };
  const ask = (by, period) => api(`/api/case-figures?by=${by}&since=${encodeURIComponent(
    `${starts[period]}T00:00:00${offsetOn(starts[period])}`)}`);
  const [todayVillages, todayCategories, monthVillages, monthCategories] = await Promise.all(
    [["village", "today"], ["category", "today"], ["village", "month"], ["category", "month"]].map((a) => ask(...a)));
  if (life.ended) return; // signed out while the answers were on their way
  state.figures = { today: { village: todayVillages, category: todayCategories },
    month: { village: monthVillages, category: monthCategories } };
  render();
  renderDue();
}

function render() {
  const f = state.figures;
  if (!f) return;
  $("case-periods").replaceChildren(...PERIODS.map((p) => {
    const b = el("button", p === state.period ? "range on" : "range", t(`cases.${p}`));
    b.type = "button";
    b.dataset.period = p;
    b.onclick = () => { state.period = p; render(); };
    return b;
  }));
  $("case-tiles").replaceChildren(el("span", ""), ...TILES.map((k) => el("span", "case-tile-head", t(`cases.${k}`))),
    ...PERIODS.flatMap((p) => [el("span", "case-tile-period", t(`cases.${p}`)),
      ...TILES.map((k) => tile(p, k, f[p].village.total))]));
  const chosen = f[state.period];
  state.charts.village.setOption(figureBars(t("cases.byVillage"), everyVillage(chosen.village.rows)), true);
  state.charts.category.setOption(figureBars(t("cases.byCategory"), chosen.category.rows), true);
}

/** A row for every village in scope, none left out for want of cases, so the axis stays put as cases come. */
function everyVillage(rows) {
  const ids = state.mine ? [state.mine] : [...state.villages.keys()];
  const empty = (id) => ({ key: id, name: state.villages.get(id) ?? id, in_progress: 0, handled: 0, overdue: 0 });
  return [...ids.map((id) => rows.find((r) => r.key === id) ?? empty(id)), ...rows.filter((r) => !ids.includes(r.key))];
}

function tile(period, key, total) {
  const value = key === "on_time_rate" ? (total.on_time_rate === null ? "—" : `${Math.round(total.on_time_rate * 100)}%`)
    : String(total[key]);
  const node = el("span", `case-tile${key === "overdue" && total.overdue ? " attention" : ""}`, value);
  node.dataset.figure = `${period}-${key}`;
  return node;
}

function renderDue() {
  if (!state.feed) return;
  const due = state.feed.due();
  $("case-due-count").textContent = due.length ? String(due.length) : "";
  $("case-due").replaceChildren(...(due.length ? due.map(item) : [el("p", "empty", t("cases.dueNone"))]));
}

function item({ case: c, urgency }) {
  const late = urgency === "late";
  const hours = (state.feed.now() - Date.parse(c.due_at)) / 3600000;
  const link = el("a", `case-due-item ${urgency}`,
    el("span", "case-due-head", el("span", "case-number", c.number), el("span", "case-title", c.title),
      el("span", `chip ${urgency}`, late ? t("cases.late", { h: hours.toFixed(1) }) : t("cases.soon"))),
    el("span", "case-due-meta", [state.villages.get(c.village) ?? c.village ?? "", caseCategory(c),
      c.lead ? c.lead.name : t("cases.noLead"), t("cases.dueAt", { at: dayTime(c.due_at) })].filter(Boolean).join(" · ")));
  Object.assign(link, { href: `/cases/#${c.id}`, target: "gridhub-cases" }); // one workbench tab beside the screen
  link.dataset.caseId = c.id;
  return link;
}
