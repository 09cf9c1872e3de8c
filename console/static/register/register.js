// The register (/register/): search the people of one's scope (masked), open one person's full record (audited),
// and bring the town's sheets in (a dry run, then a commit that hands back the rejected rows) and out.
import { api, toast } from "/static/screen/api.js";
import { dayTime, el } from "/static/screen/format.js";
import { addStrings, t } from "/static/screen/i18n.js";
import { CONSOLE_ROLES, hide, startPage, userLabel } from "/static/screen/login.js";
import { startKeyGroups, stopKeyGroups } from "./key-groups.js";

addStrings({
  "reg.signIn": "实有人口 · 实有房屋", "reg.searchHint": "姓名、身份证号后4位、完整身份证号或手机号",
  "reg.found": "找到 {n} 人（列表中的号码已脱敏）", "reg.none": "没有找到", "reg.history": "修改记录",
  "reg.keyGroups": "重点人群", "reg.masked": "号码已脱敏：您的角色只能看到脱敏号码",
  "reg.checked": "共 {rows} 行：可导入 {added}，已在登记册中 {unchanged}，有问题 {rejected}",
  "reg.done": "已导入 {added} 行，已在登记册中 {unchanged} 行，未导入 {rejected} 行",
  "reg.chooseFile": "请先选择XLSX或CSV文件",
  "reg.title": "实有人口 · 实有房屋", "reg.search": "查询", "reg.name": "姓名", "reg.sex": "性别", "reg.id": "身份证号",
  "reg.phone": "联系电话", "reg.grid": "网格", "reg.address": "住址", "reg.sheets": "表格导入导出",
  "reg.people": "实有人口", "reg.houses": "实有房屋", "reg.organisations": "单位/两新组织",
  "reg.template": "下载模板", "reg.export": "导出（本辖区）",
  "reg.dryRun": "检查", "reg.commit": "导入", "reg.rejected": "下载未导入的行", "reg.row": "行", "reg.column": "列",
  "reg.reason": "问题", "reg.pick": "查询后点击一人，查看完整记录（将记入审计日志）",
}, {
  "reg.signIn": "Register of people and houses", "reg.searchHint": "name, last 4 of the ID, the whole ID, or a phone",
  "reg.found": "{n} found (numbers masked in lists)", "reg.none": "nobody found", "reg.history": "History",
  "reg.keyGroups": "Key groups", "reg.masked": "numbers masked: your role reads them masked",
  "reg.checked": "{rows} rows: {added} to add, {unchanged} already kept, {rejected} with problems",
  "reg.done": "{added} added, {unchanged} already kept, {rejected} not imported",
  "reg.chooseFile": "choose an XLSX or CSV file first",
  "reg.title": "Register", "reg.search": "Search", "reg.name": "Name", "reg.sex": "Sex", "reg.id": "ID number",
  "reg.phone": "Phone", "reg.grid": "Grid", "reg.address": "Address", "reg.sheets": "Sheets in and out",
  "reg.people": "People", "reg.houses": "Houses", "reg.organisations": "Organisations",
  "reg.template": "Template", "reg.export": "Export (my scope)",
  "reg.dryRun": "Check", "reg.commit": "Import", "reg.rejected": "Rejected rows", "reg.row": "Row",
  "reg.column": "Column", "reg.reason": "Problem", "reg.pick": "Search, then pick a person to read their record "
    + "(the read is audited)",
});

const $ = (id) => document.getElementById(id);
const SEX = { male: "男", female: "女" };
const RESIDENCE = { registered: "户籍", floating: "流动", overseas: "境外" };
const FIELDS = { name: "姓名", sex: "性别", id_number: "身份证号", phone: "联系电话", residence: "人口类型", grid: "网格",
  address: "住址", household: "户号", relation: "与户主关系", house: "房屋编号" };
const GROUPS = { community_correction: "社区矫正对象", released: "刑满释放人员", drug: "吸毒人员",
  mental: "严重精神障碍患者", youth: "重点青少年" };
const kind = () => $("sheets").elements.kind.value;

async function enter() {
  const me = await api("/api/auth/me");
  hide();
  $("user").textContent = userLabel(me);
  await Promise.all([search(), startKeyGroups()]);
}

async function search() {
  const q = $("search").elements.q.value.trim();
  const people = await api(`/api/register/people?${new URLSearchParams({ q, limit: "100" })}`);
  $("list-status").textContent = people.length ? t("reg.found", { n: people.length }) : t("reg.none");
  $("people").tBodies[0].replaceChildren(...people.map((p) => {
    const row = el("tr", "", el("td", "", p.name), el("td", "", SEX[p.sex]), el("td", "num", p.id_number),
      el("td", "num", p.phone ?? "—"), el("td", "", p.grid), el("td", "", p.address));
    row.dataset.person = p.id;
    row.onclick = () => open(p.id).catch((err) => toast(err.message));
    return row;
  }));
}

async function open(id) {
  const { person: p, history, key_groups: groups } = await api(`/api/register/people/${id}`);
  const facts = [["reg.name", p.name], ["reg.sex", SEX[p.sex]], ["reg.id", p.id_number], ["reg.phone", p.phone ?? "—"],
    ["reg.grid", p.grid], ["reg.address", p.address]];
  const list = el("dl", "facts", ...facts.flatMap(([key, value]) => [el("dt", "", t(key)), el("dd", "num", value)]));
  const changes = history.map((h) => el("li", "", `${dayTime(new Date(h.ts * 1000).toISOString())} ${h.actor}：`
    + Object.entries(h.changes).map(([k, [, now]]) => `${FIELDS[k] ?? k} ${now ?? ""}`).join("，")));
  const grouped = (groups ?? []).map((g) => el("li", "", `${GROUPS[g.group]} ${g.note}`));
  $("record").replaceChildren(el("h2", "", `${p.name} · ${RESIDENCE[p.residence]}`), list,
    p.masked ? el("p", "masked", t("reg.masked")) : "", el("h3", "", t("reg.history")),
    el("ul", "history", ...changes),
    ...(groups ? [el("h3", "", t("reg.keyGroups")), el("ul", "history", ...grouped)] : []));
  $("record").dataset.person = p.id;
}

/** The chosen file sent as the body: a dry run, or (commit) the import with the rejected rows back as XLSX. */
async function send(commit) {
  const file = $("import-file").files[0];
  if (!file) { $("import-status").textContent = t("reg.chooseFile"); return; }
  const query = new URLSearchParams({ filename: file.name, commit: String(commit) });
  const res = await fetch(`/api/register/imports/${kind()}?${query}`, { method: "POST", body: file,
    credentials: "same-origin" });
  if (!res.ok) {
    const detail = (await res.json().catch(() => null))?.detail ?? res.statusText;
    $("import-status").textContent = typeof detail === "string" ? detail : JSON.stringify(detail);
    return;
  }
  if (!commit) { checked(await res.json()); return; }
  const count = (name) => res.headers.get(`X-Register-${name}`);
  $("import-status").textContent = t("reg.done", { added: count("Added"), unchanged: count("Unchanged"),
    rejected: count("Rejected") });
  Object.assign($("rejected"), { href: URL.createObjectURL(await res.blob()), download: `${kind()}-未导入.xlsx`,
    hidden: Number(count("Rejected")) === 0 });
  $("commit").disabled = true;
  if (kind() === "people") await search();
}

function checked(report) {
  $("import-status").textContent = t("reg.checked", report);
  $("problems").hidden = report.problems.length === 0;
  $("problems").tBodies[0].replaceChildren(...report.problems.map((p) => el("tr", "",
    el("td", "num", String(p.row)), el("td", "", p.column), el("td", "", p.reason))));
  $("commit").disabled = report.added === 0;
  $("rejected").hidden = true;
}

$("search").addEventListener("submit", (ev) => { ev.preventDefault(); search().catch((err) => toast(err.message)); });
$("sheets").elements.kind.addEventListener("change", () => {
  $("template").href = `/api/register/templates/${kind()}.xlsx`;
  $("export").href = `/api/register/exports/${kind()}.xlsx`;
  $("commit").disabled = true;
});
$("import-file").addEventListener("change", () => { $("commit").disabled = true; });
$("dry-run").onclick = () => send(false).catch((err) => toast(String(err)));
$("commit").onclick = () => send(true).catch((err) => toast(String(err)));
startPage({ title: "reg.signIn", enter, leave: stopKeyGroups, roles: [...CONSOLE_ROLES, "grid_worker"] });
