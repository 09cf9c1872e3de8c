// Key groups (特殊人群, 重点青少年) on the register's page: listed, changed and ended by the roles the town file names.
// The page asks /api/register/access first and shows none of this to any other role (the API refuses them too).
import { api, toast } from "/static/screen/api.js";
import { el } from "/static/screen/format.js";
import { addStrings, onLang, t } from "/static/screen/i18n.js";

const GROUPS = ["community_correction", "released", "drug", "mental", "youth"];

addStrings({
  "reg.keyGroupsTitle": "重点人群（特殊人群、重点青少年）", "reg.group": "类别", "reg.since": "开始", "reg.note": "备注",
  "reg.state": "状态", "reg.ended": "结束日期", "reg.save": "保存", "reg.cancel": "取消", "reg.edit": "修改",
  "reg.end": "结束", "reg.current": "在册", "reg.endedOn": "已结束 {date}", "reg.keyGroupCount": "共 {n} 条",
  "reg.keyGroupNone": "本辖区没有重点人群记录", "reg.keyGroupSaved": "已保存（修改记录已留存）",
  "reg.group.community_correction": "社区矫正对象", "reg.group.released": "刑满释放人员", "reg.group.drug": "吸毒人员",
  "reg.group.mental": "严重精神障碍患者", "reg.group.youth": "重点青少年",
}, {
  "reg.keyGroupsTitle": "Key groups (special groups, youth at risk)", "reg.group": "Group", "reg.since": "Since",
  "reg.note": "Note", "reg.state": "State", "reg.ended": "Ended on", "reg.save": "Save", "reg.cancel": "Cancel",
  "reg.edit": "Edit", "reg.end": "End", "reg.current": "current", "reg.endedOn": "ended {date}",
  "reg.keyGroupCount": "{n} entries", "reg.keyGroupNone": "no key group entries in your scope",
  "reg.keyGroupSaved": "saved (the change is kept in the history)",
  "reg.group.community_correction": "Under community correction", "reg.group.released": "Released from prison",
  "reg.group.drug": "Drug users", "reg.group.mental": "Severe mental disorder", "reg.group.youth": "Youth at risk",
});

const $ = (id) => document.getElementById(id);
const today = () => new Date().toLocaleDateString("sv"); // YYYY-MM-DD, in the reader's own time zone
let entries = [];
let editing = null;

/** Show the section if the caller's role may read key groups; otherwise leave it hidden and ask nothing more. */
export async function startKeyGroups() {
  stopKeyGroups();
  const access = await api("/api/register/access");
  $("key-groups").hidden = !access.key_groups;
  if (access.key_groups) await load();
}

/** On sign-out: nothing of the last reader's key groups stays on the page. */
export function stopKeyGroups() {
  $("key-groups").hidden = true;
  entries = [];
  render();
  close();
}

function groupOptions() {
  const select = $("key-group-form").elements.group;
  const chosen = select.value;
  select.replaceChildren(...GROUPS.map((g) => Object.assign(el("option", "", t(`reg.group.${g}`)), { value: g })));
  if (chosen) select.value = chosen;
}

async function load() {
  entries = await api("/api/register/key-groups");
  render();
}

function render() {
  $("key-group-status").textContent = entries.length ? t("reg.keyGroupCount", { n: entries.length })
    : t("reg.keyGroupNone");
  $("key-group-list").tBodies[0].replaceChildren(...entries.map(row));
}

function row(entry) {
  const state = entry.ended ? t("reg.endedOn", { date: entry.ended }) : t("reg.current");
  const edit = Object.assign(el("button", "key-group-edit", t("reg.edit")), { type: "button" });
  edit.onclick = () => open(entry, false);
  const end = entry.ended ? null : Object.assign(el("button", "key-group-end", t("reg.end")), { type: "button" });
  if (end) end.onclick = () => open(entry, true);
  const tr = el("tr", entry.ended ? "ended" : "", el("td", "", entry.name), el("td", "", t(`reg.group.${entry.group}`)),
    el("td", "num", entry.since ?? "—"), el("td", "", entry.note), el("td", "key-group-state", state),
    el("td", "", edit, end));
  tr.dataset.entry = entry.id;
  return tr;
}

/** The form for *entry*; ending it fills in today as its end, to be saved (or changed) by the reader. */
function open(entry, ending) {
  editing = entry;
  const { elements } = $("key-group-form");
  $("key-group-who").textContent = entry.name;
  elements.group.value = entry.group;
  elements.since.value = entry.since ?? "";
  elements.note.value = entry.note;
  elements.ended.value = entry.ended ?? (ending ? today() : "");
  $("key-group-form").hidden = false;
  (ending ? elements.ended : elements.note).focus();
}

function close() {
  editing = null;
  $("key-group-form").hidden = true;
}

/** Send only what changed: the hub keeps each change in the entry's history. */
async function save() {
  const { elements } = $("key-group-form");
  const now = { group: elements.group.value, since: elements.since.value || null, note: elements.note.value.trim(),
    ended: elements.ended.value || null };
  const change = Object.fromEntries(Object.entries(now).filter(([key, value]) => value !== (editing[key] ?? null)));
  if (Object.keys(change).length) {
    await api(`/api/register/key-groups/${editing.id}`, { method: "PATCH", body: change });
    toast(t("reg.keyGroupSaved"));
  }
  close();
  await load();
}

$("key-group-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  save().catch((err) => toast(err.message));
});
$("key-group-cancel").onclick = close;
onLang(() => { render(); groupOptions(); });
groupOptions();
