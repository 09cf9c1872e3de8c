// One case in the workbench: what it is, where, who has it and by when, its photos, the steps the user may take,
// its mediation record and its trail. Masked as the lists are; "show the whole record" asks the hub for it
// (GET /api/cases/{id}/full, which the hub writes in its audit log) and shows it until the case next changes.
import { caseCategory, dayTime, el } from "/static/screen/format.js";
import { t } from "/static/screen/i18n.js";
import { appointmentsBox } from "./appointments.js";
import { refusalText } from "./forms.js";
import { mergeBox } from "./merge.js";
import { mediationBox } from "./mediation.js";
import { stepsBox } from "./steps.js";

/** The case *detail* (CaseDetail) in *pane*. ctx: {user, options, whole, urgency, openForm, mediating, openCompare,
 *  now(), showWhole(), changed()}. */
export function renderCase(pane, detail, ctx) {
  const article = el("article", `case-detail state-${detail.state}`, head(detail, ctx), record(ctx), facts(detail, ctx),
    el("h3", "", t("wb.matter")), el("p", "matter", detail.matter), photos(detail), stepsBox(detail, ctx),
    mergeBox(detail, ctx), appointmentsBox(detail, ctx), mediationBox(detail, ctx), trail(detail));
  article.dataset.caseId = detail.id;
  pane.replaceChildren(article);
}

function head(c, ctx) {
  const chips = [el("span", `chip state state-${c.state}`, t(`case.state.${c.state}`)),
    c.urgent ? el("span", "chip urgent", t("wb.urgent")) : null,
    c.escalations ? el("span", "chip late", t("wb.escalated", { n: c.escalations })) : null,
    ctx.urgency ? el("span", `chip ${ctx.urgency}`, t(`wb.due.${ctx.urgency}`)) : null];
  return el("header", "case-head", el("h2", "", el("span", "case-number", c.number), el("span", "", c.title)),
    el("div", "chips", ...chips));
}

function record(ctx) {
  if (ctx.whole) return el("p", "whole-note", t("wb.wholeShown"));
  const refusal = el("span", "refusal");
  refusal.setAttribute("role", "alert");
  const button = el("button", "", t("wb.showWhole"));
  button.type = "button";
  button.id = "show-whole";
  button.onclick = async () => {
    button.disabled = true;
    refusal.textContent = "";
    try { await ctx.showWhole(); } catch (err) { refusal.textContent = refusalText(err); button.disabled = false; }
  };
  return el("p", "record-line", button, refusal);
}

function facts(c, ctx) {
  const village = ctx.options.villages.find((v) => v.id === c.village);
  const grid = village?.grids.find((g) => g.id === c.grid);
  const r = c.requester;
  const rows = [
    ["source", t(`case.source.${c.source}`)], ["category", caseCategory(c)], ["kind", t(`case.kind.${c.kind}`)],
    ["place", [village?.name ?? c.village, grid?.name ?? c.grid, c.address].filter(Boolean).join(" · ")],
    ["requester", r ? [r.name, r.phone, r.id_number, r.address].filter(Boolean).join(" · ") : ""],
    ["lead", c.lead?.name ?? ""], ["assisting", c.assisting.map((u) => u.name).join("、")],
    ["received", dayTime(c.created_at)], ["due", c.due_at ? `${dayTime(c.due_at)}（${c.limit}）` : ""],
    ["extensions", c.extensions.map(extension).join("；")], ["result", c.result],
    ["rating", c.rating ? `${c.rating} ${c.rating_note}` : ""],
  ].filter(([, value]) => value);
  return el("dl", "facts", ...rows.flatMap(([key, value]) => {
    const dd = el("dd", "", value);
    dd.dataset.fact = key;
    return [el("dt", "", t(`wb.f.${key}`)), dd];
  }));
}

function extension(e) {
  const answer = e.approved === null ? t("wb.ext.pending") : t(e.approved ? "wb.ext.approved" : "wb.ext.refused");
  return `${t("wb.ext.days", { n: e.days })} ${answer}：${e.reason}`;
}

function photos(c) {
  const shots = [...c.photos.map((p) => [p, "photo"]), ...c.result_photos.map((p) => [p, "result"])];
  if (!shots.length) return null;
  return el("div", "photos", ...shots.map(([id, kind]) => {
    const src = `/api/cases/${c.id}/photos/${id}`;
    const img = Object.assign(el("img"), { src, alt: t(`wb.photo.${kind}`), loading: "lazy" });
    const link = el("a", `photo ${kind}`, img, el("span", "", t(`wb.photo.${kind}`)));
    return Object.assign(link, { href: src, target: "_blank" });
  }));
}

function trail(c) {
  const items = [...c.trail].reverse().map((e) => {
    const li = el("li", "", el("time", "", dayTime(e.time)), el("span", "action", t(`case.action.${e.action}`)),
      el("span", "actor", e.actor), el("span", "state", t(`case.state.${e.state}`)), e.note ? el("q", "", e.note) : null);
    li.dataset.action = e.action;
    return li;
  });
  return el("section", "trail", el("h3", "", t("wb.trail")), el("ol", "", ...items));
}
