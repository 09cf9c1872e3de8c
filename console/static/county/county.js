// The county screen: sign-in, then every 5 s the towns on the map in the colour of their worst open alert, their
// figures, link and backlog, and the county's cases; a town's row or area opens its page, read-only.
const $ = (id) => document.getElementById(id);
const COUNTY_ROLES = ["county_admin", "county_officer"];
const COLOURS = { red: "#d7263d", orange: "#f08a24", yellow: "#f2c230", blue: "#2f6fde", none: "#3a9d5d" };
const REFRESH_MS = 5000;
const WORDS = {
  zh: {
    "login.title": "县级平台登录", "login.username": "用户名", "login.password": "密码", "login.submit": "登录",
    "login.wrong": "用户名或密码错误", "login.throttled": "尝试次数过多，请稍后再试", "login.notCounty": "该账号不是县级账号",
    "login.offline": "无法连接服务器", lang: "EN", title: "县级平台综合指挥大屏", signOut: "退出", table: "乡镇列表",
    "map.title": "各乡镇预警态势", "towns.title": "乡镇指标", "col.town": "乡镇", "col.link": "连接", "col.backlog": "待传",
    "col.worst": "最高预警", "col.open": "未结预警", "col.today": "今日预警", "col.inTime": "按时确认",
    "col.onTime": "案件未超期", "col.overdue": "案件超期", "col.devices": "设备在线",
    "cases.county": "县级受理与分流", "cases.towns": "各乡镇在办案件（汇总）", "case.town": "乡镇", "case.number": "编号",
    "case.category": "类别", "case.title": "事项", "case.state": "状态", "case.due": "办理时限", empty: "暂无",
    up: "在线", silent: "失联", never: "未连接", red: "红色", orange: "橙色", yellow: "黄色", blue: "蓝色", none: "无预警",
    updated: "更新于 {t}", stale: "数据未更新（{t}）",
    "state.received": "待受理", "state.accepted": "已受理", "state.routed": "已分流", "state.handling": "办理中",
    "state.handled": "已办结", "state.verified": "已核查", "state.closed": "已结案", "state.rated": "已评价",
    "role.county_admin": "县级管理员", "role.county_officer": "县级值班员",
  },
  en: {
    "login.title": "County platform sign-in", "login.username": "Username", "login.password": "Password",
    "login.submit": "Sign in", "login.wrong": "Wrong username or password", "login.throttled": "Too many tries; later",
    "login.notCounty": "This is not a county account", "login.offline": "Cannot reach the server", lang: "中文",
    title: "County command screen", signOut: "Sign out", table: "Towns table", "map.title": "Towns by worst open alert",
    "towns.title": "Towns", "col.town": "Town", "col.link": "Link", "col.backlog": "Backlog", "col.worst": "Worst",
    "col.open": "Open alerts", "col.today": "Alerts today", "col.inTime": "Acked in time", "col.onTime": "Cases on time",
    "col.overdue": "Overdue", "col.devices": "Devices online", "cases.county": "County intake and routing",
    "cases.towns": "Towns' open cases (rolled up)", "case.town": "Town", "case.number": "Number",
    "case.category": "Category", "case.title": "Matter", "case.state": "State", "case.due": "Due", empty: "none",
    up: "up", silent: "silent", never: "never linked", red: "red", orange: "orange", yellow: "yellow", blue: "blue",
    none: "no alert", updated: "updated {t}", stale: "not updated ({t})",
    "state.received": "received", "state.accepted": "accepted", "state.routed": "routed", "state.handling": "handling",
    "state.handled": "handled", "state.verified": "verified", "state.closed": "closed", "state.rated": "rated",
    "role.county_admin": "County admin", "role.county_officer": "County officer",
  },
};
let lang = new URLSearchParams(location.search).get("lang") || localStorage.getItem("gridhub.county.lang") || "zh";
let last = null;
let user = null;
let map = null;
const areas = new Map();
let timer = null;

const t = (key, vars = {}) => (WORDS[lang][key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function translate() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  if (last) render(last);
  if (user) $("user").textContent = `${t(`role.${user.role}`)} ${user.name}`;
}

function toggleLang() {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("gridhub.county.lang", lang);
  translate();
}

async function call(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options,
    headers: { "Content-Type": "application/json", ...(options.headers || {}) } });
  return response;
}

function showLogin(message = "") {
  clearInterval(timer);
  $("screen").hidden = true;
  $("login").hidden = false;
  $("login-message").textContent = message ? t(message) : "";
}

async function signIn(event) {
  event.preventDefault();
  let response;
  try {
    response = await call("/api/auth/login", { method: "POST",
      body: JSON.stringify({ username: $("username").value, password: $("password").value }) });
  } catch { showLogin("login.offline"); return; }
  if (!response.ok) { showLogin(response.status === 429 ? "login.throttled" : "login.wrong"); return; }
  const signed = await response.json();
  if (!COUNTY_ROLES.includes(signed.user.role)) { showLogin("login.notCounty"); return; }
  const next = new URLSearchParams(location.search).get("next");
  if (next && next.startsWith("/") && !next.startsWith("//")) { location.href = next; return; }
  enter(signed.user);
}

async function signOut() {
  await call("/api/auth/logout", { method: "POST" }).catch(() => {});
  user = null;
  showLogin();
}

function enter(who) {
  user = who;
  $("login").hidden = true;
  $("screen").hidden = false;
  translate();
  if (!map) makeMap();
  refresh();
  clearInterval(timer);
  timer = setInterval(refresh, REFRESH_MS);
}

function makeMap() {
  map = L.map("map", { zoomControl: false, attributionControl: false, zoomSnap: 0.25 });
  map.setView([27.2, 113.1], 11);
}

async function refresh() {
  let response;
  try { response = await call("/api/county/screen"); } catch { markStale(); return; }
  if (response.status === 401 || response.status === 403) { showLogin(); return; }
  if (!response.ok) { markStale(); return; }
  last = await response.json();
  render(last);
}

function markStale() {
  const fresh = $("fresh");
  fresh.classList.add("stale");
  fresh.textContent = t("stale", { t: last ? clock(last.at, last.timezone) : "—" });
}

function render(data) {
  $("county-name").textContent = data.county;
  document.title = `${data.county} · ${t("title")}`;
  $("clock").textContent = clock(data.at, data.timezone, true);
  $("fresh").classList.remove("stale");
  $("fresh").textContent = t("updated", { t: clock(data.at, data.timezone) });
  drawMap(data.towns);
  drawRivers(data);
  drawTowns(data.towns);
  drawCases(data);
  $("legend").innerHTML = ["red", "orange", "yellow", "blue", "none"]
    .map((s) => `<li><i style="background:${COLOURS[s]}"></i>${t(s)}</li>`).join("");
}

function drawMap(towns) {
  const bounds = [];
  for (const town of towns) {
    const worst = town.worst || "none";
    let area = areas.get(town.id);
    if (!area) {
      const options = { className: `town-area town-${town.id}`, color: "#ffffff", weight: 2, fillOpacity: 0.6 };
      area = town.outline
        ? L.polygon(town.outline.map(([lon, lat]) => [lat, lon]), options)
        : L.circleMarker([town.center[1], town.center[0]], { ...options, radius: 22 });
      area.bindTooltip("", { permanent: true, direction: "center", className: "town-label" });
      area.on("click", () => { location.href = drill(town.id); });
      area.addTo(map);
      areas.set(town.id, area);
    }
    area.setStyle({ fillColor: COLOURS[worst] || COLOURS.none });
    area.setTooltipContent(`${esc(town.name)}${town.figures.open_alerts ? ` · ${town.figures.open_alerts}` : ""}`);
    const el = area.getElement();
    el.dataset.worst = worst;
    el.dataset.town = town.id;
    for (const cls of [...el.classList]) if (cls.startsWith("sev-")) el.classList.remove(cls);
    el.classList.add(`sev-${worst}`);
    if (town.outline) bounds.push(...town.outline.map(([lon, lat]) => [lat, lon]));
    else bounds.push([town.center[1], town.center[0]]);
  }
  if (bounds.length && !map._fitted) { map.fitBounds(bounds, { padding: [30, 30] }); map._fitted = true; }
}

// Each river through its towns' centers, upstream to downstream, once: the way the water (and 上游来水) goes.
function drawRivers(data) {
  if (map._rivers) return;
  const centers = Object.fromEntries(data.towns.map((town) => [town.id, [town.center[1], town.center[0]]]));
  for (const river of data.rivers) {
    const line = L.polyline(river.towns.map((id) => centers[id]).filter(Boolean),
      { className: "river", color: "#4fb3ff", weight: 4, dashArray: "10 8", interactive: false }).addTo(map);
    line.bindTooltip(`${esc(river.name)} →`, { permanent: true, direction: "top", className: "river-label" });
  }
  map._rivers = true;
}

function drawTowns(towns) {
  $("towns").querySelector("tbody").innerHTML = towns.map((town) => {
    const f = town.figures;
    const worst = town.worst || "none";
    const devices = f.devices_total === null ? "—" : `${f.devices_online}/${f.devices_total}`;
    return `<tr data-town="${esc(town.id)}"><td><a href="${drill(town.id)}">${esc(town.name)}</a></td>` +
      `<td class="link-${town.link}">${t(town.link)}</td><td class="backlog">${town.backlog}</td>` +
      `<td class="sev-${worst}">${t(worst)}</td><td class="open">${f.open_alerts}</td>` +
      `<td class="today">${f.alerts_today}</td><td class="in-time">${f.acknowledged_in_time}/${f.acknowledged_today}</td>` +
      `<td class="on-time">${f.cases_on_time}</td><td class="${f.cases_overdue ? "overdue" : ""}">${f.cases_overdue}</td>` +
      `<td class="devices">${devices}</td></tr>`;
  }).join("");
  for (const row of $("towns").querySelectorAll("tbody tr")) {
    row.addEventListener("click", () => { location.href = drill(row.dataset.town); });
  }
}

function drawCases(data) {
  $("cases-title").textContent = t(data.cases_source === "county" ? "cases.county" : "cases.towns");
  $("cases").querySelector("tbody").innerHTML = data.cases.map((c) =>
    `<tr><td>${esc(c.town_name || c.town)}</td><td>${esc(c.number)}</td><td>${esc(c.category)}</td>` +
    `<td>${esc(c.title)}</td><td>${esc(t(`state.${c.state}`))}</td>` +
    `<td class="${c.overdue ? "overdue" : ""}">${c.due_at ? clock(c.due_at, data.timezone, true) : "—"}</td></tr>`).join("");
  $("cases-empty").hidden = data.cases.length > 0;
}

const drill = (town) => `/county/towns/${encodeURIComponent(town)}?lang=${lang}`;

function clock(ts, timeZone, withDate = false) {
  const options = { timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false };
  if (withDate) Object.assign(options, { month: "2-digit", day: "2-digit" });
  return new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-GB", options).format(new Date(ts * 1000));
}

async function start() {
  $("login").addEventListener("submit", signIn);
  for (const button of document.querySelectorAll(".lang-toggle")) button.addEventListener("click", toggleLang);
  $("sign-out").addEventListener("click", signOut);
  translate();
  let response;
  try { response = await call("/api/county/session"); } catch { showLogin("login.offline"); return; }
  const me = response.ok ? await response.json() : null;
  if (me && COUNTY_ROLES.includes(me.role)) enter(me); else showLogin();
}

start();
