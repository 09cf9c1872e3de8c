// Merged cases in the workbench: links both ways (the case this one was folded into; the duplicates folded into
// this one, each of which the centre may split off again with a reason), and for an open case the hub's likely
// duplicates (same place, similar matter, within days), compared side by side and merged on confirmation.
import { api } from "/static/screen/api.js";
import { OPEN_STATES } from "/static/screen/case-feed.js";
import { caseCategory, dayTime, el } from "/static/screen/format.js";
import { t } from "/static/screen/i18n.js";
import { stepForm } from "./forms.js";
import { isStaff } from "./steps.js";

const link = (id, text) => Object.assign(el("a", "case-link", text), { href: `#${id}` });

/** The section, filled as the hub answers. ctx: {user, options, openCompare, changed()}; a comparison left open
 *  (ctx.openCompare) is put back as it was, with what was typed in it, when the case is redrawn. */
export function mergeBox(detail, ctx) {
  const staff = isStaff(ctx.user);
  const suggestions = el("div", "merge-suggestions");
  const compare = ctx.openCompare ?? el("div", "merge-compare");
  const box = el("section", "merge", el("h3", "", t("wb.merge")), linked(detail, staff, ctx), suggestions, compare);
  if (staff && OPEN_STATES.includes(detail.state)) suggest(detail, suggestions, compare, ctx).catch(() => {});
  return detail.merged_into || detail.merged.length || (staff && OPEN_STATES.includes(detail.state)) ? box : null;
}

function linked(detail, staff, ctx) {
  const items = [];
  if (detail.merged_into) {
    items.push(el("li", "merged-into", `${t("wb.merge.into")} `, summary(detail.merged_into)));
  }
  for (const id of detail.merged) {
    const li = el("li", "merged-from", `${t("wb.merge.from")} `, summary(id));
    li.dataset.caseId = id;
    if (staff) li.append(splitButton(id, li, ctx));
    items.push(li);
  }
  return items.length ? el("ul", "merge-links", ...items) : null;
}

/** A link to case *id*, its number and title filled in once the hub answers. */
function summary(id) {
  const a = link(id, `#${id}`);
  api(`/api/cases/${id}`).then((c) => { a.textContent = `${c.number} ${c.title}（${t(`case.state.${c.state}`)}）`; })
    .catch(() => {});
  return a;
}

/** Split a duplicate off this case: a reason, then both trails record it. */
function splitButton(id, li, ctx) {
  const button = el("button", "", t("case.act.split"));
  button.type = "button";
  button.dataset.split = id;
  button.onclick = () => {
    button.disabled = true;
    li.append(stepForm(`split-${id}`, t("wb.merge.splitOff"), [{ name: "reason", kind: "textarea", required: true }],
      (v) => api(`/api/cases/${id}/split`, { method: "POST", body: v }), ctx.changed));
  };
  return button;
}

async function suggest(detail, holder, compare, ctx) {
  const found = await api(`/api/cases/${detail.id}/duplicates`);
  if (!found.length) {
    holder.replaceChildren(el("p", "muted", t("wb.merge.none")));
    return;
  }
  holder.replaceChildren(el("p", "muted", t("wb.merge.suggested")), el("ul", "duplicates", ...found.map((d) => {
    const button = el("button", "", t("wb.merge.compare"));
    button.type = "button";
    button.onclick = () => compare.replaceChildren(...comparison(detail, d, ctx, compare));
    const li = el("li", "", link(d.case.id, d.case.number), el("span", "", d.case.title),
      el("span", "score", t("wb.merge.score", { pct: Math.round(Math.min(d.score, 1) * 100) })),
      el("span", "muted", d.reasons.join("，")), button);
    li.dataset.caseId = d.case.id;
    return li;
  })));
}

const ROWS = [
  ["number", (c) => c.number], ["title", (c) => c.title], ["state", (c) => t(`case.state.${c.state}`)],
  ["category", (c) => caseCategory(c)], ["source", (c) => t(`case.source.${c.source}`)],
  ["place", (c, o) => place(c, o)], ["requester", (c) => (c.requester ? `${c.requester.name} ${c.requester.phone}` : "")],
  ["received", (c) => dayTime(c.created_at)], ["lead", (c) => c.lead?.name ?? ""],
  ["due", (c) => (c.due_at ? dayTime(c.due_at) : "")], ["matter", (c) => c.matter],
];

function place(c, options) {
  const village = options.villages.find((v) => v.id === c.village);
  return [village?.name ?? c.village, village?.grids.find((g) => g.id === c.grid)?.name ?? c.grid, c.address]
    .filter(Boolean).join(" · ");
}

/** The two cases side by side, and the form that merges one into the other: by default the later into the
 *  earlier, which keeps the receipt number the first requester was given. */
function comparison(detail, suggestion, ctx, holder) {
  const other = suggestion.case;
  const table = el("table", "compare-table", el("thead", "", el("tr", "", el("th"),
    el("th", "", t("wb.merge.thisCase")), el("th", "", t("wb.merge.otherCase")))),
  el("tbody", "", ...ROWS.map(([key, value]) => {
    const a = value(detail, ctx.options);
    const b = value(other, ctx.options);
    return el("tr", a === b ? "same" : "", el("th", "", t(`wb.f.${key}`)), el("td", "", a), el("td", "", b));
  })));
  const laterHere = Date.parse(detail.created_at) >= Date.parse(other.created_at);
  const form = stepForm("merge", t("wb.merge.confirm"), [
    { name: "direction", kind: "select", required: true, value: laterHere ? "this" : "other",
      choices: [["this", t("wb.merge.thisInto", { n: other.number })],
        ["other", t("wb.merge.otherInto", { n: other.number })]] },
    { name: "reason", kind: "textarea", required: true }],
  (v) => {
    const [from, into] = v.direction === "this" ? [detail.id, other.id] : [other.id, detail.id];
    return api(`/api/cases/${from}/merge`, { method: "POST", body: { into, reason: v.reason } });
  }, () => { holder.replaceChildren(); return ctx.changed(); });
  form.dataset.other = other.id;
  const close = el("button", "", t("wb.merge.close"));
  close.type = "button";
  close.onclick = () => holder.replaceChildren();
  return [el("h4", "", t("wb.merge.comparing", { n: other.number }), close), table, form];
}
