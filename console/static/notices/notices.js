// Grid notices (/notices/): fill in a template, choose grids (by grid, village or all of one's scope), preview the
// message as the WeChat groups will read it, send it, and follow each delivery in the log.
import { api, toast } from "/static/screen/api.js";
import { dayTime, el } from "/static/screen/format.js";
import { addStrings, t } from "/static/screen/i18n.js";
import { CONSOLE_ROLES, hide, startPage, userLabel } from "/static/screen/login.js";

addStrings({
  "nt.title": "网格通知", "nt.template": "通知模板", "nt.grids": "发送到", "nt.all": "本辖区全部网格", "nt.preview": "预览",
  "nt.send": "发送", "nt.previewTitle": "群里将看到", "nt.log": "发送记录", "nt.noRobot": "未配置机器人",
  "nt.to": "将发送到 {n} 个网格的微信群：{grids}", "nt.sent": "已提交，正在发送到 {n} 个网格", "nt.empty": "还没有发送过通知",
  "nt.previewFirst": "内容或网格已改动，请先预览", "nt.attempts": "第{n}次", "nt.by": "{who} 发送",
  "status.sent": "已送达", "status.failed": "失败", "status.pending": "发送中",
}, {
  "nt.title": "Grid notices", "nt.template": "Template", "nt.grids": "Send to", "nt.all": "every grid of my scope",
  "nt.preview": "Preview", "nt.send": "Send", "nt.previewTitle": "The groups will read", "nt.log": "Sent",
  "nt.noRobot": "no robot", "nt.to": "to the WeChat groups of {n} grids: {grids}", "nt.sent": "sending to {n} grids",
  "nt.empty": "no notice sent yet", "nt.previewFirst": "changed: preview it first", "nt.attempts": "try {n}",
  "nt.by": "sent by {who}", "status.sent": "delivered", "status.failed": "failed", "status.pending": "sending",
});

const $ = (id) => document.getElementById(id);
const LOG_EVERY_MS = 3000;
let templates = {};
let previewed = null; // the body last previewed, with the key its send will carry: a second click sends nothing new
let logTimer = 0;

async function enter() {
  const me = await api("/api/auth/me");
  hide();
  $("user").textContent = userLabel(me);
  templates = await api("/api/gridwork/notices/templates");
  $("template").replaceChildren(...Object.entries(templates).map(([key, tpl]) => {
    const option = el("option", "", tpl.name);
    option.value = key;
    return option;
  }));
  showFields();
  showGrids(await api("/api/gridwork/notices/grids"));
  await showLog();
  logTimer = setInterval(() => showLog().catch(() => {}), LOG_EVERY_MS);
}

function showFields() {
  const tpl = templates[$("template").value];
  $("fields").replaceChildren(...Object.entries(tpl.fields).map(([key, label]) => {
    const input = el("textarea");
    Object.assign(input, { name: key, rows: 2, maxLength: 1000, required: true });
    return el("label", "", el("span", "", label), input);
  }));
  changed();
}

/** A checkbox per grid under its village's checkbox; a grid without a robot says so. */
function showGrids(grids) {
  const villages = new Map();
  for (const g of grids) villages.set(g.village, [...(villages.get(g.village) ?? []), g]);
  $("villages").replaceChildren(...[...villages].map(([village, members]) => {
    const all = checkbox("", village);
    all.input.dataset.village = village;
    all.input.onchange = () => { members.forEach((g) => { box(g.grid).checked = all.input.checked; }); changed(); };
    return el("div", "village", all.label, ...members.map((g) => {
      const one = checkbox(g.grid, `${g.grid} ${g.name}`, g.robot ? "" : t("nt.noRobot"));
      one.input.onchange = changed;
      return one.label;
    }));
  }));
}

function checkbox(grid, text, warning = "") {
  const input = el("input");
  Object.assign(input, { type: "checkbox" });
  if (grid) input.dataset.grid = grid;
  return { input, label: el("label", "check", input, el("span", "", text), warning ? el("span", "no-robot", warning) : "") };
}

const box = (grid) => document.querySelector(`input[data-grid="${grid}"]`);

function body() {
  const fields = Object.fromEntries([...$("fields").querySelectorAll("textarea")].map((f) => [f.name, f.value]));
  const grids = [...document.querySelectorAll("input[data-grid]:checked")].map((i) => i.dataset.grid);
  return { template: $("template").value, fields, grids, all: $("all").checked };
}

function changed() {
  previewed = null;
  $("send").disabled = true;
  $("preview").hidden = true;
}

async function preview() {
  const wanted = body();
  const shown = await api("/api/gridwork/notices/preview", { method: "POST", body: wanted });
  $("preview-text").textContent = shown.text;
  $("preview-grids").textContent = t("nt.to", { n: shown.grids.length, grids: shown.grids.map((g) =>
    `${g.grid}${g.robot ? "" : `（${t("nt.noRobot")}）`}`).join("、") });
  $("preview").hidden = false;
  previewed = { ...wanted, key: `notice-${crypto.randomUUID()}` };
  $("send").disabled = false;
}

async function send() {
  if (!previewed || JSON.stringify({ ...previewed, key: undefined }) !== JSON.stringify({ ...body(), key: undefined })) {
    $("status").textContent = t("nt.previewFirst");
    return;
  }
  const sent = await api("/api/gridwork/notices", { method: "POST", body: previewed });
  $("status").textContent = t("nt.sent", { n: sent.deliveries.length });
  await showLog();
}

async function showLog() {
  const records = await api("/api/gridwork/notices?limit=30");
  $("log").replaceChildren(...(records.length ? records.map(noticeView) : [el("p", "muted", t("nt.empty"))]));
}

function noticeView({ notice, deliveries }) {
  const first = notice.text.split("\n")[0].replace(/^#+\s*/, "");
  const head = `${notice.template_name} · ${dayTime(new Date(notice.ts * 1000).toISOString())} · `
    + t("nt.by", { who: notice.sender });
  const item = el("div", "notice", el("h3", "", first), el("p", "muted", head),
    el("ul", "history", ...deliveries.map((d) => el("li", d.status, `${d.grid} ${t(`status.${d.status}`)}`
      + (d.attempts ? `（${t("nt.attempts", { n: d.attempts })}）` : "") + ` ${d.target}` + (d.error ? ` ${d.error}` : "")))));
  item.dataset.notice = notice.id;
  return item;
}

$("template").onchange = showFields;
$("fields").oninput = changed;
$("all").onchange = changed;
$("preview-button").onclick = () => preview().catch((err) => toast(err.message));
$("compose").addEventListener("submit", (ev) => { ev.preventDefault(); send().catch((err) => toast(err.message)); });
startPage({ title: "nt.title", enter, leave: () => clearInterval(logTimer), roles: CONSOLE_ROLES });
