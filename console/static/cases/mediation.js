// A case's mediation record in the workbench (parties, sessions, outcome and agreement, follow-up visits) and
// the forms that add to it, for those who handle the case. The hub replaces the parties' list whole (PUT), so a
// party is added only from the whole record: from the masked one the masks would be written back.
import { api } from "/static/screen/api.js";
import { dayTime, el } from "/static/screen/format.js";
import { t } from "/static/screen/i18n.js";
import { stepForm } from "./forms.js";
import { handles } from "./steps.js";

const ROLES = ["applicant", "respondent", "third_party"];
const OUTCOMES = ["pending", "agreed", "partial", "failed", "referred"];
const when = (epoch) => dayTime(new Date(epoch * 1000));

export function mediationBox(detail, ctx) {
  const record = detail.mediation;
  const box = el("section", "mediation", el("h3", "", t("wb.mediation")));
  box.append(record ? shown(record) : el("p", "muted", t("wb.mediation.none")));
  if (handles(ctx.user, detail) && detail.state !== "merged") box.append(forms(detail, ctx));
  return box;
}

function shown(m) {
  const parties = m.parties.map((p) => el("li", "", `${t(`wb.party.${p.role}`)} ${p.name} ${p.phone} ${p.id_number}`));
  const sessions = m.sessions.map((s) => el("li", "", `${when(s.at)} · ${s.place} · ${s.mediators.join("、")}：${s.summary}`));
  const visits = m.follow_ups.map((f) => el("li", "",
    `${when(f.at)} · ${t(f.fulfilled ? "wb.followUp.kept" : "wb.followUp.broken")}：${f.note}`));
  return el("div", "record",
    el("p", "", `${t("wb.mediation.outcome")}：${t(`wb.outcome.${m.outcome}`)}`,
      m.follow_up_due ? ` · ${t("wb.mediation.followUpDue", { at: dayTime(m.follow_up_due) })}` : ""),
    m.agreement ? el("blockquote", "agreement", m.agreement) : null,
    parties.length ? el("h4", "", t("wb.mediation.parties")) : null, el("ul", "", ...parties),
    el("h4", "", t("wb.mediation.sessions")), el("ul", "sessions", ...sessions),
    m.follow_ups.length ? el("h4", "", t("wb.mediation.followUps")) : null, el("ul", "", ...visits));
}

function forms(detail, ctx) {
  const path = `/api/cases/${detail.id}/mediation`;
  const post = (tail, body) => api(`${path}${tail}`, { method: "POST", body });
  const session = stepForm("mediation-session", t("wb.mediation.addSession"), [
    { name: "place", kind: "text", required: true }, { name: "mediators", kind: "text", required: true },
    { name: "summary", kind: "textarea", required: true }],
  (v) => post("/sessions", { place: v.place, mediators: v.mediators.split(/[,，、]/).map((m) => m.trim()).filter(Boolean),
    summary: v.summary }), ctx.changed);
  const outcome = stepForm("mediation-outcome", t("wb.mediation.setOutcome"), [
    { name: "outcome", kind: "select", required: true, value: detail.mediation?.outcome ?? "pending",
      choices: OUTCOMES.map((o) => [o, t(`wb.outcome.${o}`)]) },
    { name: "agreement", kind: "textarea" }],
  (v) => post("/outcome", v), ctx.changed);
  const visit = stepForm("mediation-follow-up", t("wb.mediation.addFollowUp"), [
    { name: "note", kind: "textarea", required: true }, { name: "fulfilled", kind: "checkbox" }],
  (v) => post("/follow-ups", v), ctx.changed);
  const box = el("details", "mediation-forms", el("summary", "", t("wb.mediation.record")), party(detail, ctx, path),
    session, outcome, visit);
  box.open = Boolean(ctx.mediating); // a redraw keeps it open (workbench.js puts back what was typed)
  return box;
}

function party(detail, ctx, path) {
  if (!ctx.whole) return el("p", "muted", t("wb.mediation.partiesNeedWhole"));
  return stepForm("mediation-party", t("wb.mediation.addParty"), [
    { name: "name", kind: "text", required: true },
    { name: "role", kind: "select", required: true, choices: ROLES.map((r) => [r, t(`wb.party.${r}`)]) },
    { name: "phone", kind: "text" }, { name: "id_number", kind: "text" }],
  async (v) => {
    const parties = [...(detail.mediation?.parties ?? []), v];
    await api(path, { method: "PUT", body: { parties } });
  }, ctx.changed);
}
