// The visitor desk: sign in (the console's sign-in, /static/screen/login.js), register a visitor's matter (taken
// on at once), optionally book a mediation room or the judge or legal adviser on duty, and hand the visitor a
// receipt number with the time limit.
import { api, ApiError } from "/static/screen/api.js";
import { categoryName } from "/static/screen/format.js";
import { onLang, t } from "/static/screen/i18n.js";
import { hide, startPage, userLabel } from "/static/screen/login.js";
import "./words.js";

const $ = (sel) => document.querySelector(sel);
const form = $("#case-form");
const F = form.elements;  // by field name: form.name and form.slot would be the form's own properties
const MESSAGES = new Set(["name", "phone", "id_number", "village", "category", "matter", "slot"]);
const STATE = { received: "已接收", accepted: "已受理" };
const KIND = { judge: "驻站法官", legal_adviser: "法律顾问", mediator: "调解员" };
let options = null;

const when = (iso) => new Date(iso).toLocaleString("zh-CN", { timeZone: options.timezone, hour12: false,
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
const option = (value, text) => { const o = document.createElement("option"); o.value = value; o.textContent = text; return o; };

async function enter() {
  const me = await api("/api/auth/me");
  const first = options === null;
  options = await api("/api/case-options");
  if (first) fillChoices(); // once: signed in again after a session ended, what was typed stays
  $("#who").textContent = userLabel(me);
  hide();
  onLang(() => { $("#who").textContent = userLabel(me); nameCategories(); showLimit(); });
}

/** The category choices in the page's language (the town file may give categories an English name). */
function nameCategories() {
  for (const group of F.category.querySelectorAll("optgroup")) group.label = t(`desk.group.${group.dataset.module}`);
  for (const o of F.category.querySelectorAll("optgroup option")) {
    o.textContent = categoryName(options.categories.find((c) => c.id === o.value));
  }
}

function fillChoices() {
  for (const module of ["9", "X"]) {
    const group = document.createElement("optgroup");
    group.dataset.module = module;
    group.append(...options.categories.filter((c) => c.module === module).map((c) => option(c.id, c.name)));
    F.category.append(group);
  }
  nameCategories();
  F.kind.append(...options.kinds.map((k) => option(k.id, k.name)));
  F.kind.value = "complaint";
  F.village.append(...options.villages.map((v) => option(v.id, v.name)));
  const advisers = options.advisers.map((a) => option(a.id, `${KIND[a.kind] || ""} ${a.name}（周${a.duty_days.join("、")}）`));
  F.resource.append(...options.rooms.map((r) => option(r.id, r.name)), ...advisers);
  F.date.value = options.today;
  F.date.min = options.today;
}

function showGrids() {
  const village = options.villages.find((v) => v.id === F.village.value);
  F.grid.replaceChildren(option("", "（不确定）"), ...(village ? village.grids.map((g) => option(g.id, g.name)) : []));
}

function showCategory() {
  const category = options.categories.find((c) => c.id === F.category.value);
  const box = $("#attributes");
  box.replaceChildren(...(category ? category.attributes : []).map((a) => {
    const label = document.createElement("label");
    label.textContent = a.description + " ";
    const field = a.values.length ? document.createElement("select") : document.createElement("input");
    if (a.values.length) field.append(option("", "请选择"), ...a.values.map((v) => option(v.key, v.name)));
    field.name = `attr:${a.code}`;
    field.required = a.required;
    label.append(field);
    return label;
  }));
  showLimit();
}

function showLimit() {
  const category = options.categories.find((c) => c.id === F.category.value);
  const kind = options.kinds.find((k) => k.id === F.kind.value);
  const limit = F.urgent.checked ? t("desk.limitSameDay") : (category && category.limit) || (kind && kind.limit);
  $("#limit").textContent = limit ? t("desk.limit", { limit }) : "";
}

async function loadSlots() {
  F.slot.replaceChildren();
  if (!F.book.checked || !F.date.value) return;
  const free = await api(`/api/appointments/free?date=${F.date.value}&minutes=60`).catch(() => ({}));
  const slots = free[F.resource.value] || [];
  if (!slots.length) { F.slot.append(option("", "当日无可预约时段")); return; }
  F.slot.append(...slots.map((iso) => option(iso, when(iso).slice(-5))));
}

function problems() {
  const wrong = [...form.elements].filter((el) => el.willValidate && !el.closest("[hidden]") && !el.checkValidity());
  wrong.forEach((el) => el.classList.add("touched"));
  return wrong.map((el) => (MESSAGES.has(el.name) ? t(`desk.m.${el.name}`)
    : t("desk.m.other", { field: el.parentElement.firstChild.textContent.trim() })));
}

function body() {
  const attributes = {};
  for (const el of form.querySelectorAll("[name^='attr:']")) if (el.value) attributes[el.name.slice(5)] = el.value;
  const out = {
    requester: { name: F.name.value.trim(), phone: F.phone.value.trim(), id_number: F.id_number.value.trim(),
      address: F.address.value.trim() },
    village: F.village.value, grid: F.grid.value || null, category: F.category.value, kind: F.kind.value,
    matter: F.matter.value.trim(), address: F.address.value.trim(), urgent: F.urgent.checked, attributes,
  };
  if (F.book.checked) {
    out.appointment = { resource: F.resource.value, start: F.slot.value, minutes: 60,
      purpose: F.purpose.value.trim() || "来访预约" };
  }
  return out;
}

async function submit(event) {
  event.preventDefault();
  F.slot.required = F.book.checked;
  const wrong = problems();
  $("#form-error").textContent = wrong.join(t("desk.m.join"));
  if (wrong.length) return;
  $("#submit").disabled = true;
  try {
    showReceipt(await api("/api/cases", { method: "POST", body: body() }));
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.status !== 401) await refused(err); // on 401 the sign-in form is back, and the form kept for after
  } finally {
    $("#submit").disabled = false;
  }
}

async function refused({ status, message }) {
  $("#form-error").textContent = status === 409 ? `所选时段已被预约，请另选时间（${message}）` : `登记未成功：${message}`;
  if (status === 409) await loadSlots();
}

function showReceipt(data) {
  const c = data.case;
  $("#r-number").textContent = c.number;
  $("#r-category").textContent = c.category_name;
  $("#r-state").textContent = STATE[c.state] || c.state_label;
  $("#r-due").textContent = c.due_at ? `${when(c.due_at)} 前（${c.limit}）` : "受理后确定";
  $("#r-requester").textContent = c.requester ? `${c.requester.name} ${c.requester.phone}` : "";
  const a = data.appointment;
  $("#r-appointment").textContent = a ? `${a.resource_name} ${when(a.start)}—${when(a.end).slice(-5)}` : "无";
  const dups = data.duplicates;
  $("#r-duplicates").hidden = !dups.length;
  $("#r-duplicates ul").replaceChildren(...dups.map((d) => {
    const li = document.createElement("li");
    li.textContent = `${d.case.number} ${d.case.title}（${d.reasons.join("，")}）`;
    return li;
  }));
  form.hidden = true;
  $("#receipt").hidden = false;
}

function next() {
  form.reset();
  F.kind.value = "complaint";
  F.date.value = options.today;
  [...form.elements].forEach((el) => el.classList.remove("touched"));
  $("#attributes").replaceChildren();
  $("#booking").hidden = true;
  $("#form-error").textContent = "";
  $("#limit").textContent = "";
  $("#receipt").hidden = true;
  form.hidden = false;
  F.name.focus();
}

F.village.addEventListener("change", showGrids);
F.category.addEventListener("change", showCategory);
F.kind.addEventListener("change", showLimit);
F.urgent.addEventListener("change", showLimit);
F.book.addEventListener("change", () => { $("#booking").hidden = !F.book.checked; loadSlots(); });
F.resource.addEventListener("change", loadSlots);
F.date.addEventListener("change", loadSlots);
form.addEventListener("submit", submit);
$("#next").addEventListener("click", next);
startPage({ title: "desk.signIn", enter });
