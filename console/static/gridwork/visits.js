// The visits tab of the grid worker's page (周一直通车): the households due a visit in one's grids, a visit
// logged into the page's outbox (sent as inspections are), and the recent visits, where a need becomes a case
// in one tap.
import { api, toast } from "/static/screen/api.js";
import { el } from "/static/screen/format.js";
import { loadRegister } from "./register.js";
import { addStrings, t } from "/static/screen/i18n.js";

addStrings({
  "gw.tabInspect": "排查", "gw.tabVisit": "走访", "gw.recent": "最近走访", "gw.raised": "群众反映",
  "gw.need": "需要跟进的诉求", "gw.toCase": "转为案件", "gw.caseMade": "已转案件 {id}",
  "gw.visitDay": "下次走访日 {day} · 待走访 {due} 户", "gw.reminder": "今天是走访日（周一直通车）：待走访 {due} 户",
}, {
  "gw.tabInspect": "Inspect", "gw.tabVisit": "Visits", "gw.recent": "Recent visits", "gw.raised": "What was raised",
  "gw.need": "A need to follow up", "gw.toCase": "Make a case", "gw.caseMade": "case {id}",
  "gw.visitDay": "Next visit day {day} · {due} households due",
  "gw.reminder": "Today is visit day: {due} households due",
});

const $ = (id) => document.getElementById(id);
const state = { household: null, queue: null };

/** Wire the tab; *queue* keeps an outbox entry and sends it when it can. */
export function startVisits(queue) {
  state.queue = queue;
  for (const tab of document.querySelectorAll(".tabs .tab")) {
    tab.onclick = () => {
      for (const other of document.querySelectorAll(".tabs .tab")) other.classList.toggle("on", other === tab);
      for (const pane of ["inspect", "visit", "register"]) $(`${pane}-main`).hidden = tab.dataset.tab !== pane;
      if (tab.dataset.tab === "visit") loadVisits().catch((err) => toast(err.message));
      if (tab.dataset.tab === "register") loadRegister().catch((err) => toast(err.message));
    };
  }
  $("visit-back").onclick = closeVisit;
  $("visit").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const need = form.elements.need.value.trim();
    queue({ kind: "visit", household: state.household, body: { household: state.household,
      raised: form.elements.raised.value.trim(), needs: need ? [{ text: need }] : [] } });
    closeVisit();
    $("due").querySelector(`[data-household="${state.household}"]`)?.closest("li").remove();
  });
}

/** On a visit day, a reminder at the top of the page with the households due. */
export async function remind() {
  const due = (await api("/api/gridwork/visits/schedule")).filter((s) => s.today);
  $("reminder").hidden = due.length === 0;
  $("reminder").textContent = t("gw.reminder", { due: due.reduce((n, s) => n + s.due, 0) });
}

export async function loadVisits() {
  const [schedule, visits] = await Promise.all([api("/api/gridwork/visits/schedule"), api("/api/gridwork/visits")]);
  const first = schedule[0];
  $("visit-day").textContent = first ? t("gw.visitDay", { day: first.next_visit,
    due: schedule.reduce((n, s) => n + s.due, 0) }) : "";
  $("due").replaceChildren(...schedule.flatMap((s) => s.due_households).map((number) => {
    const button = el("button", "", el("strong", "", number));
    button.type = "button";
    button.dataset.household = number;
    button.onclick = () => openVisit(number);
    return el("li", "", button);
  }));
  $("recent").replaceChildren(...visits.map(recent));
}

function recent(visit) {
  const item = el("li", "", el("strong", "", `${visit.household} · ${visit.raised}`),
    ...visit.needs.map((need, index) => el("span", "need", need.text, need.case_id !== null
      ? el("span", "", t("gw.caseMade", { id: need.case_id })) : caseButton(visit, index))));
  item.dataset.visit = visit.id;
  return item;
}

function caseButton(visit, index) {
  const button = el("button", "primary", t("gw.toCase"));
  button.type = "button";
  button.onclick = async () => {
    button.disabled = true;
    try {
      const made = await api(`/api/gridwork/visits/${visit.id}/needs/${index}/case`, { method: "POST", body: {} });
      button.replaceWith(el("span", "", t("gw.caseMade", { id: made.needs[index].case_id })));
    } catch (err) {
      button.disabled = false;
      toast(err.message);
    }
  };
  return button;
}

function openVisit(number) {
  state.household = number;
  $("visit").reset();
  $("household-title").textContent = number;
  $("due-pane").hidden = true;
  $("visit").hidden = false;
}

function closeVisit() {
  $("visit").hidden = true;
  $("due-pane").hidden = false;
}
