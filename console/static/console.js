"use strict";
// Status page: device health and rejected data, kept live over /ws/live.
const STATE = { online: "在线", offline: "离线", unknown: "未知", unmonitored: "未接入" };
const KIND = { river_station: "水位站", rain_gauge: "雨量站", water_quality: "水质站", camera: "摄像头", speaker: "广播" };
const latest = new Map();
const fmt = (iso) => (iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : "—");
const cell = (text, cls) => { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; return td; };

async function getJson(path) {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

async function refresh() {
  const [status, devices, letters] = await Promise.all([
    getJson("/api/status"), getJson("/api/devices"), getJson("/api/dead-letters?limit=20")]);
  document.getElementById("town").textContent = `${status.town} 综治中心`;
  const body = document.querySelector("#devices tbody");
  body.replaceChildren(...devices.map((d) => {
    const tr = document.createElement("tr");
    const values = [...(latest.get(d.id) || new Map()).values()].map((r) => `${r.quantity} ${r.value.toFixed(2)} ${r.unit}`);
    tr.append(cell(d.id), cell(d.name), cell(KIND[d.kind] || d.kind), cell(d.grid),
      cell(STATE[d.state] || d.state, d.state), cell(fmt(d.last_seen)), cell(values.join("，")));
    return tr;
  }));
  document.querySelector("#letters tbody").replaceChildren(...letters.items.map((l) => {
    const tr = document.createElement("tr");
    tr.append(cell(fmt(l.time)), cell(l.device || l.source), cell(l.reason), cell(l.detail));
    return tr;
  }));
}

function connect(delay = 1000) {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/live`);
  const link = document.getElementById("link");
  ws.onopen = () => { link.textContent = "实时"; link.className = "state online"; refresh(); delay = 1000; };
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === "readings") {
      for (const r of msg.items) {
        if (!latest.has(r.device)) latest.set(r.device, new Map());
        latest.get(r.device).set(r.quantity, r);
      }
    }
    scheduleRefresh();
  };
  ws.onclose = () => {
    link.textContent = "连接中断，重连中…"; link.className = "state offline";
    setTimeout(() => connect(Math.min(delay * 2, 30000)), delay);
  };
}

let pending = null;
function scheduleRefresh() {
  if (!pending) pending = setTimeout(() => { pending = null; refresh().catch(console.error); }, 500);
}

refresh().catch(console.error);
connect();
