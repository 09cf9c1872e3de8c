// Inspection campaigns (/campaigns/): the centre starts one over the register's houses (a checklist of the town
// file, commercial self-built houses or all, the whole town or some villages, a due date), and everyone in the
// console follows each campaign's progress in their scope and downloads the county's report.
import { api, toast } from "/static/screen/api.js";
import { dayTime, el } from "/static/screen/format.js";
import { addStrings, t } from "/static/screen/i18n.js";
import { CONSOLE_ROLES, hide, startPage, userLabel } from "/static/screen/login.js";

addStrings({
  "cp.title": "排查任务", "cp.new": "发起排查", "cp.name": "任务名称", "cp.checklist": "排查表", "cp.only": "只排查经营性自建房",
  "cp.villages": "范围（不选即全镇）", "cp.due": "完成时限", "cp.start": "发起", "cp.list": "排查任务",
  "cp.started": "已发起：{n} 处房屋", "cp.none": "还没有排查任务", "cp.report": "下载报表（XLSX）",
  "cp.figures": "已排查 {inspected}/{total}，发现隐患 {hazards}（重大 {major}），已整改 {rectified}，逾期 {overdue}",
  "cp.meta": "{houses} 处房屋 · {when} · {actor} 发起", "cp.dueBy": "，{due} 前完成", "cp.centreOnly": "排查任务由镇中心发起",
}, {
  "cp.title": "Inspection campaigns", "cp.new": "Start a campaign", "cp.name": "Name", "cp.checklist": "Checklist",
  "cp.only": "commercial self-built houses only", "cp.villages": "Villages (none: the whole town)", "cp.due": "Due",
  "cp.start": "Start", "cp.list": "Campaigns", "cp.started": "started: {n} houses", "cp.none": "no campaign yet",
  "cp.report": "Report (XLSX)", "cp.figures": "inspected {inspected}/{total}, hazards {hazards} (major {major}), "
    + "put right {rectified}, overdue {overdue}", "cp.meta": "{houses} houses · {when} · started by {actor}",
  "cp.dueBy": ", due {due}", "cp.centreOnly": "campaigns are started by the centre",
});

const $ = (id) => document.getElementById(id);

async function enter() {
  const me = await api("/api/auth/me");
  hide();
  $("user").textContent = userLabel(me);
  $("start").hidden = !["admin", "officer"].includes(me.role);
  const checklists = await api("/api/gridwork/checklists");
  $("checklist").replaceChildren(...Object.entries(checklists).map(([key, list]) => {
    const option = el("option", "", list.name);
    option.value = key;
    return option;
  }));
  const grids = await api("/api/gridwork/notices/grids").catch(() => []);
  const villages = new Map(grids.map((g) => [g.village_id, g.village]));
  $("villages").replaceChildren(...[...villages].map(([id, name]) => {
    const box = el("input");
    Object.assign(box, { type: "checkbox", name: "village", value: id });
    return el("label", "check", box, el("span", "", name));
  }));
  await showCampaigns();
}

async function start() {
  const f = $("start").elements;
  const villages = [...document.querySelectorAll('input[name="village"]:checked')].map((b) => b.value);
  const body = { name: f.name.value.trim(), checklist: f.checklist.value, commercial_selfbuilt_only: f.only.checked,
    villages, ...(f.due.value ? { due: f.due.value } : {}) };
  const made = await api("/api/gridwork/campaigns", { method: "POST", body });
  $("status").textContent = t("cp.started", { n: made.houses });
  await showCampaigns();
}

async function showCampaigns() {
  const campaigns = (await api("/api/gridwork/campaigns")).reverse();
  const views = await Promise.all(campaigns.map(async (c) => view(c, await api(`/api/gridwork/campaigns/${c.id}/progress`))));
  $("campaigns").replaceChildren(...(views.length ? views : [el("p", "muted", t("cp.none"))]));
}

function view(campaign, progress) {
  const meta = t("cp.meta", { houses: campaign.houses, when: dayTime(new Date(campaign.created * 1000).toISOString()),
    actor: campaign.actor }) + (campaign.due ? t("cp.dueBy", { due: campaign.due }) : "");
  const report = el("a", "", t("cp.report"));
  report.href = `/api/gridwork/campaigns/${campaign.id}/report.xlsx`;
  const item = el("div", "notice", el("h3", "", campaign.name), el("p", "muted", meta),
    el("p", "figures", t("cp.figures", progress.town)), report);
  item.dataset.campaign = campaign.id;
  return item;
}

$("start").addEventListener("submit", (ev) => { ev.preventDefault(); start().catch((err) => toast(err.message)); });
startPage({ title: "cp.title", enter, roles: CONSOLE_ROLES });
