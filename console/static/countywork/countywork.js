// The county's work at the town (/county-work/): cases the county routed here (accept, or send back with a
// reason), requests for the town's loudspeakers (confirm, or decline with a reason) and the county's directives
// (acknowledge). Each answer goes up to the county on the town's link; the lists are read again every few seconds.
import { api, toast } from "/static/screen/api.js";
import { dayTime, el } from "/static/screen/format.js";
import { addStrings, onLang, t } from "/static/screen/i18n.js";
import { hide, startPage, userLabel } from "/static/screen/login.js";

addStrings({
  "cw.title": "县级事项", "cw.screen": "值班大屏", "cw.cases": "案件办理", "cw.routed": "县级转办案件", "cw.broadcasts": "广播请求",
  "cw.directives": "县级通知与指令", "cw.none": "暂无", "cw.routedBy": "{who} 于 {at} 转办（第{n}次）",
  "cw.requester": "诉求人：{name} {phone}", "cw.address": "地址：{text}", "cw.note": "县级意见：{text}",
  "cw.category": "案件类别", "cw.accept": "受理", "cw.sendBack": "退回", "cw.reason": "退回或拒绝的理由（必填）",
  "cw.confirm": "确认播放", "cw.decline": "拒绝", "cw.requestedBy": "{who} 于 {at} 请求", "cw.whole": "全镇",
  "cw.villages": "范围：{names}", "cw.emergency": "紧急", "cw.answered": "{who} 于 {at}", "cw.townCase": "本镇案件 {n}",
  "cw.job": "广播任务 {n}", "cw.outcome": "播放 {played} / {targeted}，失败 {failed}", "cw.ack": "签收",
  "cw.issuedBy": "{who} 于 {at} 下发", "cw.arrives": "预计来水 {at}", "cw.needReason": "请填写理由",
  "cw.state.waiting": "待处理", "cw.state.accepted": "已受理", "cw.state.sent_back": "已退回", "cw.state.confirmed": "已确认播放",
  "cw.state.declined": "已拒绝", "cw.state.done": "播放结束", "cw.state.acked": "已签收",
}, {
  "cw.title": "County work", "cw.screen": "Big screen", "cw.cases": "Cases", "cw.routed": "Cases routed by the county",
  "cw.broadcasts": "Broadcast requests", "cw.directives": "County notices and directives", "cw.none": "none",
  "cw.routedBy": "routed by {who} at {at} (routing {n})", "cw.requester": "requester: {name} {phone}",
  "cw.address": "address: {text}", "cw.note": "county's note: {text}", "cw.category": "Category", "cw.accept": "Accept",
  "cw.sendBack": "Send back", "cw.reason": "reason to send back or decline (required)", "cw.confirm": "Play it",
  "cw.decline": "Decline", "cw.requestedBy": "requested by {who} at {at}", "cw.whole": "the whole town",
  "cw.villages": "to: {names}", "cw.emergency": "emergency", "cw.answered": "{who} at {at}", "cw.townCase": "town case {n}",
  "cw.job": "broadcast job {n}", "cw.outcome": "played {played} / {targeted}, failed {failed}", "cw.ack": "Acknowledge",
  "cw.issuedBy": "issued by {who} at {at}", "cw.arrives": "water expected {at}", "cw.needReason": "give a reason",
  "cw.state.waiting": "waiting", "cw.state.accepted": "accepted", "cw.state.sent_back": "sent back",
  "cw.state.confirmed": "confirmed", "cw.state.declined": "declined", "cw.state.done": "finished",
  "cw.state.acked": "acknowledged",
});

const $ = (id) => document.getElementById(id);
const EVERY_MS = 3000;
const at = (ts) => dayTime(ts * 1000);
let options = { categories: [], villages: [] };
let timer = 0;
let typing = false; // a reason half typed is not wiped by the next refresh

async function enter() {
  const me = await api("/api/auth/me");
  hide();
  $("user").textContent = userLabel(me);
  options = await api("/api/case-options");
  await refresh();
  timer = setInterval(() => { if (!typing) refresh().catch(() => {}); }, EVERY_MS);
}

async function refresh() {
  const [routed, broadcasts, directives] = await Promise.all([api("/api/county/routed-cases"),
    api("/api/county/broadcast-requests"), api("/api/county/directives")]);
  fill("routed", routed.map(routedView), routed.filter((r) => r.state === "waiting").length);
  fill("broadcasts", broadcasts.map(broadcastView), broadcasts.filter((b) => b.state === "waiting").length);
  fill("directives", directives.map(directiveView), directives.filter((d) => !d.acked_at).length);
}

function fill(id, items, waiting) {
  $(id).replaceChildren(...(items.length ? items : [el("p", "muted", t("cw.none"))]));
  $(`${id}-count`).textContent = waiting ? String(waiting) : "";
}

const stateChip = (state) => el("span", `state ${state}`, t(`cw.state.${state}`));

function routedView(item) {
  const c = item.case;
  const card = el("div", `item ${item.state}`, el("h3", "", `${c.number} ${c.title} `, stateChip(item.state)),
    el("p", "muted", t("cw.routedBy", { who: c.routed_by, at: at(c.routed_at), n: c.routing })),
    el("p", "text", c.matter),
    c.requester_name ? el("p", "", t("cw.requester", { name: c.requester_name, phone: c.requester_phone })) : null,
    c.address ? el("p", "", t("cw.address", { text: c.address })) : null,
    c.note ? el("p", "", t("cw.note", { text: c.note })) : null);
  card.dataset.seq = item.seq;
  if (item.state === "waiting") card.append(routedForm(item));
  else card.append(el("p", "muted", t("cw.answered", { who: item.answered_by, at: at(item.answered_at) }),
    item.town_case_id ? el("a", "nav", ` · ${t("cw.townCase", { n: item.town_number })}`) : null,
    item.reason ? ` · ${item.reason}` : ""));
  const link = card.querySelector("a.nav");
  if (link) Object.assign(link, { href: `/cases/#${item.town_case_id}`, target: "gridhub-cases" });
  return card;
}

function routedForm(item) {
  const category = el("select");
  category.name = "category";
  category.append(...options.categories.map((c) => Object.assign(el("option", "", c.name), { value: c.id })));
  category.value = options.categories.some((c) => c.id === item.case.category) ? item.case.category : "";
  const reason = reasonBox();
  const form = el("form", "", el("label", "", el("span", "muted", t("cw.category")), category), reason,
    el("div", "buttons", button("accept", t("cw.accept"), "primary"), button("send-back", t("cw.sendBack")),
      el("span", "error", "")));
  form.onsubmit = (ev) => ev.preventDefault();
  form.querySelector('[data-act="accept"]').onclick = () => act(form, `/api/county/routed-cases/${item.seq}/accept`,
    { category: category.value || null });
  form.querySelector('[data-act="send-back"]').onclick = () => withReason(form, reason,
    `/api/county/routed-cases/${item.seq}/send-back`);
  return form;
}

function broadcastView(item) {
  const r = item.request;
  const names = r.villages.map((id) => options.villages.find((v) => v.id === id)?.name ?? id).join("、");
  const card = el("div", `item ${item.state}`,
    el("h3", "", r.priority === "emergency" ? `【${t("cw.emergency")}】` : "", stateChip(item.state)),
    el("p", "text", r.text),
    el("p", "muted", `${t("cw.requestedBy", { who: r.requested_by, at: at(r.requested_at) })} · `
      + (names ? t("cw.villages", { names }) : t("cw.whole"))));
  card.dataset.seq = item.seq;
  if (item.state === "waiting") card.append(broadcastForm(item));
  else card.append(el("p", "muted", t("cw.answered", { who: item.answered_by, at: at(item.answered_at) })
    + (item.job_id ? ` · ${t("cw.job", { n: item.job_id })}` : "") + (item.reason ? ` · ${item.reason}` : "")
    + (item.state === "done" ? ` · ${t("cw.outcome", item)}` : "")));
  return card;
}

function broadcastForm(item) {
  const reason = reasonBox();
  const form = el("form", "", reason, el("div", "buttons", button("confirm", t("cw.confirm"), "primary"),
    button("decline", t("cw.decline")), el("span", "error", "")));
  form.onsubmit = (ev) => ev.preventDefault();
  form.querySelector('[data-act="confirm"]').onclick = () => act(form,
    `/api/county/broadcast-requests/${item.seq}/confirm`);
  form.querySelector('[data-act="decline"]').onclick = () => withReason(form, reason,
    `/api/county/broadcast-requests/${item.seq}/decline`);
  return form;
}

function directiveView(d) {
  const card = el("div", `item ${d.acked_at ? "acked" : "waiting"}`,
    el("h3", d.kind === "upstream_water" ? "upstream" : "", `${d.title} `, stateChip(d.acked_at ? "acked" : "waiting")),
    el("p", "text", d.text),
    el("p", "muted", t("cw.issuedBy", { who: d.issued_by, at: at(d.issued_at) })
      + (d.arrives_at ? ` · ${t("cw.arrives", { at: at(d.arrives_at) })}` : "")));
  card.dataset.directive = d.id;
  if (d.acked_at) {
    card.append(el("p", "muted", t("cw.answered", { who: d.acked_by, at: at(d.acked_at) })));
  } else {
    const form = el("form", "", el("div", "buttons", button("ack", t("cw.ack"), "primary"), el("span", "error", "")));
    form.onsubmit = (ev) => ev.preventDefault();
    form.querySelector('[data-act="ack"]').onclick = () => act(form, `/api/county/directives/${d.id}/acknowledge`);
    card.append(form);
  }
  return card;
}

function reasonBox() {
  const box = el("textarea");
  Object.assign(box, { name: "reason", rows: 2, maxLength: 1000, placeholder: t("cw.reason") });
  box.onfocus = () => { typing = true; };
  box.onblur = () => { typing = false; };
  return box;
}

function button(act, text, className = "") {
  const made = el("button", className, text);
  Object.assign(made, { type: "button" });
  made.dataset.act = act;
  return made;
}

function withReason(form, reason, path) {
  if (!reason.value.trim()) {
    form.querySelector(".error").textContent = t("cw.needReason");
    reason.focus();
    return;
  }
  act(form, path, { reason: reason.value.trim() });
}

/** One answer; a refusal is shown in the card in the hub's words. */
async function act(form, path, body) {
  for (const b of form.querySelectorAll("button")) b.disabled = true;
  try {
    await api(path, { method: "POST", body });
    typing = false;
    await refresh();
  } catch (err) {
    form.querySelector(".error").textContent = err.message;
    for (const b of form.querySelectorAll("button")) b.disabled = false;
  }
}

onLang(() => { if (!$("screen").hidden) refresh().catch((err) => toast(err.message)); });
startPage({ title: "cw.title", enter, leave: () => clearInterval(timer) });
