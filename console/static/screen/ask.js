// A form in a modal dialog, made for each question (cancel, reassign, team status, case from alert). The hub's
// refusal is said in the form, in the screen's language, and the form stays open to be put right.
import { el } from "./format.js";
import { t } from "./i18n.js";
import "./follow-strings.js";

// The hub's reasons are English sentences for scripts; the officer reads them as these.
const KNOWN = [[/still has active dispatches/, "refused.active"], [/is (cancelled|cleared)/, "refused.ended"],
  [/already with team/, "refused.same"]];

/** A refusal (ApiError or network failure) as a sentence for the officer. */
export function reasonOf(err) {
  if (err.status === undefined) return t("refused.offline");
  if (err.status === 403) return t("refused.forbidden");
  if (err.status === 404) return t("refused.missing");
  if (err.status === 422) return t("refused.input");
  const known = KNOWN.find(([pattern]) => pattern.test(err.message));
  return known ? t(known[1]) : t("refused.hub", { why: err.message });
}

function field(f) {
  let input;
  if (f.kind === "select") {
    input = el("select");
    input.append(...f.options.map((o) => new Option(o.label, o.value, false, o.value === f.value)));
  } else if (f.kind === "checkbox") {
    input = el("input");
    Object.assign(input, { type: "checkbox", checked: Boolean(f.value) });
    input.name = f.name;
    return el("label", "check", input, el("span", "", f.label));
  } else {
    input = el(f.kind === "textarea" ? "textarea" : "input");
    if (f.kind === "textarea") input.rows = 3;
    input.value = f.value ?? "";
    input.maxLength = 2000;
  }
  input.name = f.name;
  input.required = Boolean(f.required);
  return el("label", "", el("span", "", f.label), input);
}

function values(form, fields) {
  const out = {};
  for (const f of fields) {
    const input = form.elements[f.name];
    out[f.name] = f.kind === "checkbox" ? input.checked : input.value.trim();
  }
  return out;
}

/** Ask *fields* under *title*; *submit(values)* acts. Resolves with what it returned, or null if cancelled. */
export function ask({ title, intro = "", fields, submit, name = "ask" }) {
  const error = el("p", "dialog-error");
  error.setAttribute("role", "alert");
  const cancel = el("button", "", t("dialog.cancel"));
  const ok = el("button", "primary", t("dialog.ok"));
  Object.assign(cancel, { type: "button", value: "cancel" });
  Object.assign(ok, { type: "submit", value: "ok" });
  const form = el("form", "", el("h2", "", title), intro ? el("p", "ask-intro", intro) : null, ...fields.map(field),
    error, el("div", "dialog-actions", cancel, ok));
  form.noValidate = true;
  const dialog = el("dialog", "dialog ask-dialog", form);
  dialog.dataset.ask = name;
  document.body.append(dialog);
  return new Promise((resolve) => {
    let result = null;
    dialog.addEventListener("close", () => { dialog.remove(); resolve(result); }, { once: true });
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const got = values(form, fields);
      const missing = fields.find((f) => f.required && !got[f.name]);
      if (missing) { error.textContent = t("refused.input"); form.elements[missing.name].focus(); return; }
      ok.disabled = true;
      try {
        result = await submit(got);
        dialog.close();
      } catch (err) {
        error.textContent = reasonOf(err);
      } finally {
        ok.disabled = false;
      }
    });
    dialog.showModal();
  });
}
