// The case workbench (/cases/): staff and village cadres list and filter cases, open one (#<id> in the address,
// so the big screen links straight to it) and take the steps their role may take. It signs in with the big
// screen's sign-in and shares its language switch; /ws/cases keeps the list and the open case current.
import { api, toast } from "/static/screen/api.js";
import { CaseFeed, OPEN_STATES } from "/static/screen/case-feed.js";
import { caseCategory, categoryName, dayTime, el, setZone } from "/static/screen/format.js";
import { addStrings, onLang, t } from "/static/screen/i18n.js";
import { Lifetime } from "/static/screen/live.js";
import { hide, startPage, userLabel } from "/static/screen/login.js";
import { renderCase } from "./case-view.js";
import { DayView } from "./day.js";
import { option, restoreTyped, typedIn } from "./forms.js";
import { isStaff } from "./steps.js";

addStrings({ "nav.call": "视频调度", "nav.desk": "来访登记" }, { "nav.call": "Video calls", "nav.desk": "Visitor desk" });

const STATES = ["received", "accepted", "routed", "handling", "handled", "verified", "closed", "rated", "rejected",
  "merged"];
const SOURCES = ["desk", "phone", "wechat", "visit", "grid", "open311", "alert", "county"];
const $ = (id) => document.getElementById(id);
const desk = { life: null, user: null, options: null, feed: null, cases: [], open: null, detail: null, whole: false,
  asked: 0, day: null };

async function enter() {
  const setup = await api("/api/screen/setup");
  const options = await api("/api/case-options");
  leave();
  setZone(setup.timezone);
  hide();
  $("town-name").textContent = setup.town;
  $("user").textContent = userLabel(setup.user);
  Object.assign(desk, { user: setup.user, options, life: new Lifetime() });
  const life = desk.life;
  filters();
  const reload = life.coalesce(300, () => list().catch(() => {}));
  const refresh = life.coalesce(200, () => showCase().catch(() => {}));
  const refreshDay = life.coalesce(300, () => { if (!$("day").hidden) desk.day.refresh().catch(() => {}); });
  desk.day = new DayView($("day"), { options, now: () => desk.feed.now() });
  desk.feed = new CaseFeed(life, (message) => {
    reload();
    if (message === null ? stale() : (message.case?.id ?? message.id) === desk.open) refresh();
    if (message === null || message.entry?.action.startsWith("appointment")) refreshDay();
  });
  const opened = () => { openFromAddress(); };
  window.addEventListener("hashchange", opened);
  life.add(() => window.removeEventListener("hashchange", opened));
  life.add(onLang(() => {
    $("user").textContent = userLabel(setup.user); // 值班员 张伟, Duty officer 张伟
    filters(); renderList();
    if (desk.detail) draw();
    if (desk.day.day) desk.day.render();
  }));
  life.every(60000, () => { renderList(); refreshDay(); }); // limits pass, and free half hours, with time alone
  await list();
  openFromAddress();
}

function leave() {
  desk.life?.end();
  Object.assign(desk, { life: null, feed: null, cases: [], open: null, detail: null, whole: false, day: null });
  showDesk(true);
  $("case-table").tBodies[0].replaceChildren();
  $("case-pane").replaceChildren(el("p", "empty", t("wb.pick")));
}

// --- the list ------------------------------------------------------------------------------------------------

/** Fill the filters' choices (again, in a new language), keeping what is chosen. */
function filters() {
  const f = $("filters").elements;
  const keep = (select, choices, first = "") => {
    const value = select.options.length ? select.value : first;
    select.replaceChildren(...choices.map(([v, label]) => option(v, label)));
    select.value = value;
  };
  keep(f.state, [["open", t("wb.filter.open")], ["", t("wb.filter.all")],
    ...STATES.map((s) => [s, t(`case.state.${s}`)])], "open");
  keep(f.category, [["", t("wb.filter.anyCategory")], ...desk.options.categories.map((c) => [c.id, categoryName(c)])]);
  keep(f.village, [["", t("wb.filter.anyVillage")], ...desk.options.villages.map((v) => [v.id, v.name])]);
  keep(f.source, [["", t("wb.filter.anySource")], ...SOURCES.map((s) => [s, t(`case.source.${s}`)])]);
  f.village.hidden = !isStaff(desk.user); // a cadre's list is their village's anyway
}

async function list() {
  const f = $("filters").elements;
  const query = new URLSearchParams({ limit: "500" });
  for (const name of ["state", "category", "village", "source"]) if (f[name].value) query.set(name, f[name].value);
  const life = desk.life;
  const found = await api(`/api/cases?${query}`);
  if (life !== desk.life) return; // signed out, or in again, while the answer was on its way
  desk.cases = found;
  renderList();
}

function renderList() {
  if (!desk.feed) return;
  const f = $("filters").elements;
  const text = f.text.value.trim();
  const due = new Map(desk.feed.due().map((d) => [d.case.id, d.urgency]));
  const shown = desk.cases.filter((c) => (!f.due.checked || due.has(c.id))
    && (!text || c.number.includes(text) || c.title.includes(text)));
  $("case-table").tBodies[0].replaceChildren(...shown.map((c) => row(c, due.get(c.id))));
  $("list-status").textContent = t("wb.count", { n: shown.length });
}

function row(c, urgency) {
  const village = desk.options.villages.find((v) => v.id === c.village)?.name ?? c.village ?? "";
  const flags = el("td", "flags", c.urgent ? el("span", "chip urgent", t("wb.urgent")) : null,
    urgency ? el("span", `chip ${urgency}`, t(`wb.due.${urgency}`)) : null);
  const tr = el("tr", c.id === desk.open ? "on" : "", el("td", "num", c.number), el("td", "title", c.title),
    el("td", "", caseCategory(c)), el("td", "", village), el("td", "", t(`case.state.${c.state}`)),
    el("td", "", c.lead?.name ?? ""), el("td", "num", c.due_at ? dayTime(c.due_at) : ""), flags);
  tr.dataset.caseId = c.id;
  tr.onclick = () => { location.hash = `#${c.id}`; };
  return tr;
}

// --- the open case ------------------------------------------------------------------------------------------

/** Whether a fresh snapshot (after a reconnect) says the open case changed while the socket was down; the first
 *  one usually does not, and re-reading then would put a whole record just asked for back under its masks. */
function stale() {
  const shown = desk.detail;
  if (!shown || shown.id !== desk.open) return false;
  const now = desk.feed.cases.get(shown.id);
  return now ? now.updated_at !== shown.updated_at : OPEN_STATES.includes(shown.state);
}

/** The list and case pane, or the appointments' day view. */
function showDesk(list) {
  $("desk").hidden = !list;
  $("day").hidden = list;
}

function openFromAddress() {
  const day = location.hash.match(/^#day(?:\/(\d+))?$/);
  showDesk(!day);
  if (day) { desk.day.show(undefined, Number(day[1]) || null).catch((err) => toast(String(err.message ?? err))); return; }
  const id = Number(location.hash.slice(1)) || null;
  desk.open = id;
  desk.whole = false;
  renderList();
  if (id === null) { desk.detail = null; $("case-pane").replaceChildren(el("p", "empty", t("wb.pick"))); return; }
  showCase().catch(() => {});
}

/** Read the open case again, masked; the newest question wins when answers cross, and an answer that changes
 *  nothing (the feed's echo of the user's own step) leaves the page as it is. */
async function showCase(whole = false) {
  if (desk.open === null) return;
  const asked = ++desk.asked;
  try {
    const detail = await api(`/api/cases/${desk.open}${whole ? "/full" : ""}`);
    if (asked !== desk.asked || !desk.life) return;
    const was = desk.detail;
    const same = was?.id === detail.id && was.updated_at === detail.updated_at && desk.whole === whole;
    Object.assign(desk, { detail, whole });
    if (!same) draw();
  } catch (err) {
    if (whole) throw err; // said beside the button that asked
    if (asked === desk.asked && err.status !== 401) {
      desk.detail = null;
      $("case-pane").replaceChildren(el("p", "refusal", t("wb.cannotOpen", { why: err.message })));
    }
  }
}

function draw() {
  const urgency = desk.feed?.due().find((d) => d.case.id === desk.detail.id)?.urgency ?? null;
  const shown = $("case-pane").querySelector(".case-detail");
  const same = Number(shown?.dataset.caseId) === desk.detail.id;
  const openForm = same ? shown.querySelector(".step-space form") : null;
  const mediating = same && Boolean(shown.querySelector(".mediation-forms[open]"));
  const openCompare = same ? shown.querySelector(".merge-compare:has(form)") : null; // a merge being confirmed
  // A colleague's change, or the feed's news of one's own, redraws the case while someone may be typing.
  const typed = same ? typedIn(shown.querySelector(".mediation-forms")) : new Map();
  renderCase($("case-pane"), desk.detail, { user: desk.user, options: desk.options, whole: desk.whole, urgency,
    openForm, mediating, openCompare, now: () => desk.feed.now(), showWhole: () => showCase(true),
    changed: () => showCase() });
  restoreTyped($("case-pane").querySelector(".mediation-forms"), typed);
}

// --- the page -------------------------------------------------------------------------------------------------

$("filters").addEventListener("change", (ev) => {
  if (["text", "due"].includes(ev.target.name)) renderList(); else list().catch(() => {});
});
$("filters").addEventListener("input", (ev) => { if (ev.target.name === "text") renderList(); });
$("filters").addEventListener("submit", (ev) => ev.preventDefault());
startPage({ title: "wb.signIn", enter, leave });
