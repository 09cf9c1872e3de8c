// The lifecycle steps a user may take on a case: a button each, opening the small form the step needs.
// Which show follows the hub's rules (hub/cases/lifecycle.py, hub/cases/privacy.py): the centre's steps for
// staff; the lead unit's for staff and for the cadre of the village that leads the case; each only in the
// states it applies to. The hub decides all the same, and its refusal is shown in the step's form.
import { api } from "/static/screen/api.js";
import { el } from "/static/screen/format.js";
import { addStrings, t } from "/static/screen/i18n.js";
import { stepForm, upload } from "./forms.js";

addStrings({ "wb.pickLead": "请选择牵头单位", "wb.pickLeadUsual": "请选择牵头单位（该类事项通常由{unit}牵头）" },
  { "wb.pickLead": "Pick the lead unit", "wb.pickLeadUsual": "Pick the lead unit (usually {unit} for this category)" });

const pending = (c) => c.extensions.some((e) => e.approved === null);
const ANY = null; // a note may be added in any state
const STEPS = [
  { id: "accept", who: "centre", from: ["received"], fields: ["note"] },
  { id: "route", who: "centre", from: ["accepted"], fields: ["lead", "assisting", "note"] },
  { id: "reject", who: "centre", from: ["received", "accepted"], fields: ["reason"] },
  { id: "start", who: "unit", from: ["routed"], fields: ["note"] },
  { id: "handle", who: "unit", from: ["handling"], fields: ["result", "photos"] },
  { id: "send-back", who: "unit", from: ["routed", "handling"], fields: ["reason"] },
  { id: "extension", who: "unit", from: ["routed", "handling"], fields: ["days", "reason"], when: (c) => !pending(c) },
  { id: "extension/decision", who: "centre", from: ["routed", "handling"], fields: ["approve", "note"], when: pending },
  { id: "reassign", who: "centre", from: ["routed", "handling"], fields: ["lead", "assisting", "reason"] },
  { id: "verify", who: "centre", from: ["handled"], fields: ["note"] },
  { id: "redo", who: "centre", from: ["handled", "verified"], fields: ["reason"] },
  { id: "close", who: "centre", from: ["verified"], fields: ["note"] },
  { id: "rate", who: "centre", from: ["closed"], fields: ["rating", "note"] },
  { id: "reopen", who: "centre", from: ["closed", "rated", "rejected"], fields: ["reason"] },
  { id: "split", who: "centre", from: ["merged"], fields: ["reason"] }, // a wrong merge undone
  { id: "notes", who: "anyone", from: ANY, fields: ["note"] },
];

export const isStaff = (user) => ["admin", "officer"].includes(user.role);
/** Staff, or the cadre of the village that leads the case: who takes the lead unit's steps. */
export const handles = (user, c) => isStaff(user) || (c.lead !== null && c.lead.village === user.village);

function allowed(step, user, c) {
  const who = step.who === "centre" ? isStaff(user) : step.who === "unit" ? handles(user, c) : true;
  return who && (step.from === ANY || step.from.includes(c.state)) && (!step.when || step.when(c));
}

/** The steps *user* may take on *c*, as buttons over a space for the chosen step's form. A form left open
 *  (ctx.openForm) stays, with what was typed in it, while its step still applies: a colleague's change or a
 *  timer's reminder redraws the case, and should not wipe a half-written result. */
export function stepsBox(c, ctx) {
  const steps = STEPS.filter((s) => allowed(s, ctx.user, c));
  const space = el("div", "step-space");
  const buttons = steps.map((step) => {
    const b = el("button", "step-button", t(`case.act.${step.id}`));
    b.type = "button";
    b.dataset.step = step.id;
    b.onclick = () => {
      for (const other of buttons) other.classList.toggle("on", other === b);
      space.replaceChildren(formOf(step, c, ctx));
      space.querySelector("textarea, input, select")?.focus();
    };
    if (ctx.openForm?.dataset.step === step.id) {
      b.classList.add("on");
      space.append(ctx.openForm);
    }
    return b;
  });
  return el("section", "steps", el("h3", "", t("wb.steps")), el("div", "step-buttons", ...buttons), space);
}

function formOf(step, c, ctx) {
  const specs = step.fields.map((name) => spec(name, c, ctx));
  return stepForm(step.id, t(`case.act.${step.id}`), specs, async (values) => {
    const body = { ...values };
    if (values.photos) body.photos = await upload(values.photos);
    if ("approve" in values) body.approve = values.approve === "yes";
    ctx.changed(await api(`/api/cases/${c.id}/${step.id}`, { method: "POST", body }));
  });
}

function spec(name, c, ctx) {
  switch (name) {
    case "note": return { name, kind: "textarea" };
    case "reason": case "result": return { name, kind: "textarea", required: true };
    case "photos": return { name, kind: "file" };
    case "days": return { name, kind: "number", min: 1, max: 30, value: 2, required: true };
    case "rating": return { name, kind: "select", required: true, value: "5",
      choices: [5, 4, 3, 2, 1].map((n) => [String(n), t(`wb.rating.${n}`)]) };
    case "approve": return { name, kind: "select", required: true,
      choices: [["yes", t("wb.approve.yes")], ["no", t("wb.approve.no")]] };
    case "lead": return { name, kind: "select", required: true, groups: units(ctx.options),
      value: c.lead?.ref ?? "", placeholder: pickLead(c, ctx.options) }; // routing is a choice, never a default
    case "assisting": return { name, kind: "select", multiple: true, groups: units(ctx.options),
      value: c.assisting.map((u) => u.ref) };
    default: throw new Error(`no field ${name}`);
  }
}

/** The placeholder of the lead unit: pick one, naming the category's usual lead if the town file has one. */
function pickLead(c, options) {
  const usual = options.categories.find((k) => k.id === c.category)?.lead;
  const name = usual && units(options).flatMap((g) => g.choices).find(([value]) => value === usual)?.[1];
  return name ? t("wb.pickLeadUsual", { unit: name }) : t("wb.pickLead");
}

/** Every unit a case may go to, grouped: departments, villages, grids, teams. */
function units(options) {
  return [
    { label: t("wb.units.departments"), choices: options.departments.map((d) => [`department:${d.id}`, d.name]) },
    { label: t("wb.units.villages"), choices: options.villages.map((v) => [`village:${v.id}`, v.name]) },
    { label: t("wb.units.grids"),
      choices: options.villages.flatMap((v) => v.grids.map((g) => [`grid:${g.id}`, `${v.name} · ${g.name}`])) },
    { label: t("wb.units.teams"), choices: options.teams.map((team) => [`team:${team.id}`, team.name]) },
  ];
}
