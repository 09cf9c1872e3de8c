// The register tab of the grid worker's page: the people of one's grids, masked as every list is (the API masks
// them by role; one person's full record is the register page's, where each read is audited).
import { api, toast } from "/static/screen/api.js";
import { el } from "/static/screen/format.js";
import { addStrings, t } from "/static/screen/i18n.js";

addStrings({
  "gw.tabRegister": "登记", "gw.registerHint": "姓名、身份证号后4位或手机号", "gw.search": "查询",
  "gw.people": "本网格登记人口 {n} 人（号码已脱敏）", "gw.household": "户号",
}, {
  "gw.tabRegister": "Register", "gw.registerHint": "name, last 4 of the ID, or a phone", "gw.search": "Search",
  "gw.people": "{n} people of my grids (numbers masked)", "gw.household": "Household",
});

const $ = (id) => document.getElementById(id);
const RESIDENCE = { registered: "户籍", floating: "流动", overseas: "境外" };

export async function loadRegister() {
  const q = $("register-search").elements.q.value.trim();
  const people = await api(`/api/register/people?${new URLSearchParams({ q, limit: "200" })}`);
  $("register-status").textContent = t("gw.people", { n: people.length });
  $("people").replaceChildren(...people.map((p) => {
    const item = el("li", "", el("strong", "", `${p.name} · ${RESIDENCE[p.residence] ?? ""}`),
      el("span", "num", `${p.id_number}  ${p.phone ?? ""}`),
      el("span", "state", `${p.grid} ${p.household ? `${t("gw.household")} ${p.household}` : ""} ${p.address}`));
    item.dataset.person = p.id;
    return item;
  }));
}

$("register-search").addEventListener("submit", (ev) => {
  ev.preventDefault();
  loadRegister().catch((err) => toast(err.message));
});
