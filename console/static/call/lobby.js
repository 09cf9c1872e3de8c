"use strict";
// The call page's way in: the console's sign-in (the big screen's, /static/screen/login.js) when needed, the calls
// open to us (live, over /ws/calls) and, for the centre, the form that opens a call. `#<id>` in the address is
// the call to join.
const $ = (id) => document.getElementById(id);
const show = (id) => { for (const s of ["lobby", "join", "room"]) $(s).hidden = s !== id; };
const page = { me: null, villages: [], calls: new Map(), cameras: [] };

async function api(method, path, body) {
  const res = await fetch(path, { method, headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined });
  const data = res.headers.get("content-type")?.includes("json") ? await res.json() : null;
  if (!res.ok) throw new Error((data && data.detail && JSON.stringify(data.detail)) || `${res.status}`);
  return data;
}

const isCentre = () => page.me && ["admin", "officer"].includes(page.me.role);
const villageName = (id) => (page.villages.find((v) => v.id === id) || { name: id }).name;

async function start() {
  if (page.me) return; // signed in once: the page is running
  page.me = await api("GET", "/api/auth/me");
  window.callSignIn.hide();
  watchCalls();
  if (isCentre()) loadCameras().catch(console.error);
  route();
}

function route() {
  const id = parseInt(location.hash.slice(1), 10);
  if (window.callState && window.callState.client) return; // in a call: leave first
  if (id > 0) showJoin(id); else showLobby();
}

function watchCalls(delay = 1000) {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/calls`);
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === "hello") {
      page.villages = msg.villages;
      page.calls = new Map(msg.calls.map((c) => [c.id, c]));
      delay = 1000;
      renderVillages();
    } else if (msg.type === "call") {
      if (msg.call.state === "open") page.calls.set(msg.call.id, msg.call); else page.calls.delete(msg.call.id);
    }
    renderCalls();
  };
  ws.onclose = () => setTimeout(() => watchCalls(Math.min(delay * 2, 30000)), delay);
}

function renderCalls() {
  $("calls").replaceChildren(...[...page.calls.values()].map((c) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `#${c.id}`;
    a.textContent = `#${c.id} ${c.title}（${c.villages.map(villageName).join("、") || "未邀请"}）`;
    li.append(a, ` 发起：${c.opened_by}`);
    return li;
  }));
  if (!$("lobby").hidden && !page.calls.size) $("calls").textContent = "暂无";
  if (!$("join").hidden) describeJoin();
}

function showLobby() {
  show("lobby");
  renderCalls();
  $("open").hidden = !isCentre();
  $("open").onsubmit = openCall;
  renderVillages();
}

function renderVillages() {
  // Once the feed has named them; again only if they change, so that ticks survive a reconnection.
  const boxes = $("villages").querySelectorAll("input");
  if (!isCentre() || boxes.length === page.villages.length) return;
  $("villages").replaceChildren($("villages").firstElementChild, ...page.villages.map((v) => {
    const label = document.createElement("label");
    const box = Object.assign(document.createElement("input"), { type: "checkbox", name: "village", value: v.id });
    label.append(box, ` ${v.name}`);
    return label;
  }));
}

async function openCall(ev) {
  ev.preventDefault();
  const form = new FormData($("open"));
  const body = { villages: form.getAll("village"), title: form.get("title") || null,
    alert_id: form.get("alert_id") ? Number(form.get("alert_id")) : null, camera: form.get("camera") || null };
  try {
    const call = await api("POST", "/api/calls", body);
    location.hash = `#${call.id}`;
  } catch (err) { $("open-error").textContent = `发起失败：${err.message}`; }
}

async function loadCameras() {
  page.cameras = await api("GET", "/api/devices?kind=camera");
  for (const select of [document.querySelector("#open select[name=camera]"), $("share")]) {
    select.replaceChildren(select.firstElementChild, ...page.cameras.map((d) => new Option(`${d.id} ${d.name}`, d.id)));
  }
}

function describeJoin() {
  const id = parseInt(location.hash.slice(1), 10);
  const call = page.calls.get(id);
  $("title").textContent = call ? call.title : "视频调度";
  $("join-what").textContent = call ? `视频调度 #${id}「${call.title}」，发起：${call.opened_by}` : `视频调度 #${id}`;
}

function showJoin(id) {
  show("join");
  describeJoin();
  $("join-error").textContent = "";
  $("join-button").onclick = () => window.joinCall(id);
}

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", async () => {
  // A module, imported from this classic script: the page's other scripts share its globals.
  window.callSignIn = await import("/static/screen/login.js");
  await window.callSignIn.startPage({ title: "call.signIn", enter: start });
});
