// The small forms of the workbench, built from a list of fields. The browser checks what is required; the
// hub checks the rest, and its refusal is shown in the form itself, with its status, in the hub's words.
import { ApiError, signedOut } from "/static/screen/api.js";
import { el } from "/static/screen/format.js";
import { t } from "/static/screen/i18n.js";

/** A labelled control. *spec*: {name, kind, required, multiple, min, max, value, choices: [[value, label]],
 *  groups: [{label, choices}], placeholder}; kinds: text, textarea, number, select, checkbox, file. */
export function control(spec) {
  const input = make(spec);
  input.name = spec.name;
  input.required = Boolean(spec.required);
  const label = el("label", `field field-${spec.kind}`, el("span", "", t(`wb.field.${spec.name}`)), input);
  if (spec.kind === "checkbox") label.prepend(input);
  return label;
}

function make(spec) {
  if (spec.kind === "textarea") return Object.assign(el("textarea"), { rows: 3, maxLength: 2000, value: spec.value ?? "" });
  if (spec.kind === "select") {
    const select = Object.assign(el("select"), { multiple: Boolean(spec.multiple), size: spec.multiple ? 5 : 0 });
    // A required choice with a placeholder starts on it, so the browser asks for a choice before it submits.
    if (!spec.multiple && (!spec.required || spec.placeholder)) select.append(option("", spec.placeholder ?? "—"));
    for (const group of spec.groups ?? [{ choices: spec.choices }]) {
      const options = group.choices.map(([value, label]) => option(value, label));
      select.append(...(group.label ? [Object.assign(el("optgroup", "", ...options), { label: group.label })] : options));
    }
    if (spec.multiple) for (const o of select.options) o.selected = (spec.value ?? []).includes(o.value);
    else if (spec.value !== undefined) select.value = spec.value;
    return select;
  }
  const input = el("input");
  input.type = spec.kind;
  if (spec.kind === "number") Object.assign(input, { min: spec.min, max: spec.max, value: spec.value ?? "" });
  if (spec.kind === "file") Object.assign(input, { accept: "image/jpeg,image/png", multiple: true });
  if (spec.kind === "text") Object.assign(input, { maxLength: 200, value: spec.value ?? "" });
  return input;
}

export const option = (value, label) => Object.assign(el("option", "", label), { value });

/** What the form's controls hold, by name: text trimmed, numbers as numbers, files as a list. */
export function valuesOf(form, specs) {
  const values = {};
  for (const spec of specs) {
    const input = form.elements[spec.name];
    if (spec.kind === "checkbox") values[spec.name] = input.checked;
    else if (spec.kind === "number") values[spec.name] = Number(input.value);
    else if (spec.kind === "file") values[spec.name] = [...input.files];
    else if (spec.multiple) values[spec.name] = [...input.selectedOptions].map((o) => o.value);
    else values[spec.name] = input.value.trim();
  }
  return values;
}

/** A form that hands its values to *submit*; a refusal is shown under it until the next try, and once the hub
 *  has taken it the form is done and goes. */
export function stepForm(name, title, specs, submit, after = null) {
  const refusal = el("p", "refusal");
  refusal.setAttribute("role", "alert");
  const button = el("button", "primary", t("wb.submit"));
  button.type = "submit";
  const form = el("form", "step-form", el("h4", "", title), ...specs.map(control), refusal,
    el("div", "form-actions", button));
  form.dataset.step = name;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    refusal.textContent = "";
    button.disabled = true;
    try {
      await submit(valuesOf(form, specs));
      form.reset(); // before *after* redraws the case: what was sent is not typed any more
      form.remove();
      await after?.();
    } catch (err) {
      refusal.textContent = refusalText(err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** What was typed in the forms under *root*, by form and field, so that a redraw can put it back. */
export function typedIn(root) {
  const typed = new Map();
  for (const field of root?.querySelectorAll("form[data-step] [name]") ?? []) {
    typed.set(`${field.form.dataset.step}/${field.name}`, field.type === "checkbox" ? field.checked : field.value);
  }
  return typed;
}

/** Put back into the redrawn forms under *root* what `typedIn` kept. */
export function restoreTyped(root, typed) {
  for (const field of root?.querySelectorAll("form[data-step] [name]") ?? []) {
    const value = typed.get(`${field.form.dataset.step}/${field.name}`);
    if (value === undefined || field.type === "file") continue;
    if (field.type === "checkbox") field.checked = value; else field.value = value;
  }
}

/** "Refused (409): case 7 is …", from the hub's detail (a sentence, or FastAPI's list of fields). */
export function refusalText(err) {
  if (!(err instanceof ApiError)) return String(err?.message ?? err);
  const why = Array.isArray(err.detail)
    ? err.detail.map((d) => `${(d.loc ?? []).slice(1).join(".")}: ${d.msg}`).join("; ") : err.message;
  return t("wb.refused", { status: err.status, why });
}

/** Upload *files* as case photos (POST /api/cases/photos); their ids, for a step's `photos`. */
export async function upload(files) {
  const ids = [];
  for (const file of files) {
    const key = [...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const res = await fetch(`/api/cases/photos?key=${key}`, { method: "POST", body: file, credentials: "same-origin",
      headers: { "Content-Type": file.type || "application/octet-stream" } });
    if (res.status === 401) signedOut("expired");
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, data?.detail ?? res.statusText);
    ids.push(data.photo);
  }
  return ids;
}
