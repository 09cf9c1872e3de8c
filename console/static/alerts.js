"use strict";
// Alert panel: open alerts kept live over /ws/alerts, resumed from the last sequence number after a drop.
const SEVERITY = { blue: "蓝色", yellow: "黄色", orange: "橙色", red: "红色" };
const ALERT_STATE = { raised: "待确认", acknowledged: "已确认", dispatched: "已派单", resolved: "已解除", closed: "已关闭" };
const CHAIN = ["网格员", "村干部", "值班员", "中心负责人"];
const alerts = new Map();
let lastSeq = null;

function actor() {
  let name = localStorage.getItem("gridhub.actor");
  if (!name) {
    name = (prompt("请输入您的姓名（记入处置记录）") || "").trim();
    if (name) localStorage.setItem("gridhub.actor", name);
  }
  return name;
}

async function act(id, action) {
  const who = actor();
  if (!who) return;
  const note = action === "acknowledge" ? "" : (prompt(action === "close" ? "关闭说明（必填）" : "处置说明") || "");
  const res = await fetch(`/api/alerts/${id}/${action}`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ actor: who, note }) });
  if (!res.ok) alert(`操作失败：${(await res.json()).detail}`);
}

function button(label, id, action) {
  const b = document.createElement("button");
  b.textContent = label;
  b.onclick = () => act(id, action).catch(console.error);
  return b;
}

function renderAlerts() {
  const rows = [...alerts.values()].filter((a) => a.state !== "closed")
    .sort((a, b) => (["red", "orange", "yellow", "blue"].indexOf(a.severity) - ["red", "orange", "yellow", "blue"].indexOf(b.severity)) || b.id - a.id);
  document.querySelector("#alerts tbody").replaceChildren(...rows.map((a) => {
    const tr = document.createElement("tr");
    const actions = document.createElement("td");
    if (a.state === "raised") actions.append(button("确认", a.id, "acknowledge"));
    if (["raised", "acknowledged", "dispatched"].includes(a.state)) actions.append(button("解除", a.id, "resolve"));
    if (a.state === "resolved") actions.append(button("关闭", a.id, "close"));
    tr.append(cell(`#${a.id}`), cell(SEVERITY[a.severity], `sev-${a.severity}`), cell(a.title), cell(a.message),
      cell(ALERT_STATE[a.state] || a.state), cell(String(a.count)), cell(CHAIN[a.escalation_level] || ""),
      cell(fmt(a.raised_at)), actions);
    return tr;
  }));
}

function onAlertMessage(msg) {
  if (msg.type === "snapshot") {
    alerts.clear();
    for (const a of msg.alerts) alerts.set(a.id, a);
    lastSeq = msg.seq;
  } else if (msg.type === "alert") {
    alerts.set(msg.alert.id, msg.alert);
    lastSeq = msg.seq;
  } else if (msg.type === "alert_update") {
    alerts.set(msg.alert.id, msg.alert);
  }
  renderAlerts();
}

function connectAlerts(delay = 1000) {
  const query = lastSeq === null ? "" : `?since=${lastSeq}`;
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/alerts${query}`);
  ws.onopen = () => { delay = 1000; };
  ws.onmessage = (ev) => onAlertMessage(JSON.parse(ev.data));
  ws.onclose = () => setTimeout(() => connectAlerts(Math.min(delay * 2, 30000)), delay);
}

connectAlerts();
