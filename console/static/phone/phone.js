"use strict";
// Patrol phone: signs in with a one-time link, receives the team's jobs live, and takes steps that survive
// a lost network: each is queued on the phone with an idempotency key and replayed in order until applied.
// A step the hub would refuse, or did, is explained at the job's buttons (advice.js); photos show as thumbnails
// with their upload state.
const STEP_LABEL = { acknowledge: "已确认", en_route: "已出发", on_scene: "已到达", clear: "已处置" };
const STATE_LABEL = { assigned: "待确认", acknowledged: "已确认", en_route: "前往中", on_scene: "在现场", cleared: "已完成", cancelled: "已取消" };
const ORDER = ["assigned", "acknowledged", "en_route", "on_scene", "cleared"];
const STEP_STATE = { acknowledge: "acknowledged", en_route: "en_route", on_scene: "on_scene", clear: "cleared" };
// The team's status in the big screen's words (i18n.js team.*), so the phone and the centre say the same.
const TEAM_LABEL = { available: "待命", dispatched: "已派遣", en_route: "前往中", on_scene: "在现场", returning: "返回中", unavailable: "休整" };
let token = localStorage.getItem("gridhub.token");
let queue = JSON.parse(localStorage.getItem("gridhub.queue") || "[]");
let me = null;
const refusals = new Map(); // dispatch → what the last refused step needs, said at its buttons
const photos = new Map(); // dispatch → [{key, url, state}] of the photos sent with its steps
const PHOTO_STATE = { queued: "等待上传", uploading: "上传中…", uploaded: "已上传", retrying: "上传未成功，网络恢复后自动重传" };
let fix = null;
let flushing = false;
let taking = Promise.resolve();
const seen = new Set();

const $ = (sel) => document.querySelector(sel);
const saveQueue = () => { localStorage.setItem("gridhub.queue", JSON.stringify(queue)); showQueue(); };
const newKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

function showQueue() {
  const el = $("#queue");
  el.hidden = queue.length === 0;
  el.textContent = `${queue.length} 项操作待上传（网络恢复后自动补传）`;
}

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${token}`, ...(options.headers || {}) };
  return fetch(path, { ...options, headers });
}

async function signIn(code) {
  const res = await fetch("/api/phone/sign-in", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ code }) });
  history.replaceState(null, "", location.pathname);
  if (!res.ok) { $("#signin").hidden = false; $("#signin").textContent = Advice.signInRefused(res.status); return; }
  token = (await res.json()).token;
  localStorage.setItem("gridhub.token", token);
}

function pendingState(job) {
  // What the member already did on this phone, even if the hub has not heard it yet.
  let state = job.dispatch.state;
  for (const item of queue) {
    if (item.dispatch === job.dispatch.id && ORDER.indexOf(STEP_STATE[item.step]) > ORDER.indexOf(state)) state = STEP_STATE[item.step];
  }
  return state;
}

function render() {
  if (!me) return;
  $("#who").textContent = `${me.name}（${me.team.name}）`;
  $("#team").hidden = false;
  $("#team-name").textContent = me.team.name;
  $("#team-status").textContent = TEAM_LABEL[me.team.status] || me.team.status;
  $("#jobs").replaceChildren(...me.jobs.map(renderJob));
  showQueue();
}

function renderJob(job) {
  const node = $("#job").content.firstElementChild.cloneNode(true);
  const alert = job.alert || {};
  node.dataset.dispatch = job.dispatch.id;
  const old = document.querySelector(`#jobs article[data-dispatch="${job.dispatch.id}"]`);
  if (old) {  // live updates redraw the job: keep the note being written and the photo not sent yet
    node.querySelector(".note").value = old.querySelector(".note").value;
    node.querySelector(".photo").replaceWith(old.querySelector(".photo"));
    node.querySelector(".picked").replaceWith(old.querySelector(".picked"));
  }
  node.classList.add(`sev-${alert.severity || "blue"}`);
  if (!seen.has(job.dispatch.id)) { node.classList.add("new"); seen.add(job.dispatch.id); }
  node.querySelector(".title").textContent = alert.title || `告警 #${job.dispatch.alert_id}`;
  node.querySelector(".message").textContent = alert.message || "";
  node.querySelector(".instructions").textContent = `指令：${job.dispatch.instructions}`;
  const state = pendingState(job);
  node.querySelector(".state").textContent = `状态：${STATE_LABEL[state] || state}`;
  node.querySelector(".place").textContent = job.place_name ? `地点：${job.place_name}` : "";
  node.querySelector(".links").replaceChildren(...Advice.links(job, me.centre).map(link));
  node.querySelector(".refusal").textContent = refusals.get(job.dispatch.id) || "";
  node.querySelector(".photos").replaceChildren(...(photos.get(job.dispatch.id) || []).map(thumbnail));
  if (!old) node.querySelector(".photo").addEventListener("change", (ev) => preview(ev.target, ev.target.closest("article")));
  for (const button of node.querySelectorAll("button[data-step]")) {
    const target = STEP_STATE[button.dataset.step];
    button.disabled = ORDER.indexOf(target) <= ORDER.indexOf(state);
    button.onclick = () => takeStep(job.dispatch.id, button.dataset.step, node).catch(console.error);
  }
  return node;
}

function link({ cls, text, href }) {
  const a = document.createElement("a");
  Object.assign(a, { className: `link ${cls}`, textContent: text, href });
  return a;
}

function thumbnail({ url, state }) {
  const figure = document.createElement("figure");
  figure.className = `thumb photo-${state}`;
  const img = document.createElement("img");
  img.src = url;
  img.alt = "现场照片";
  const caption = document.createElement("figcaption");
  caption.textContent = PHOTO_STATE[state] || state;
  figure.append(img, caption);
  return figure;
}

function preview(input, node) {
  // The photo picked but not sent yet: it goes with the next step tapped.
  const box = node.querySelector(".picked");
  box.replaceChildren();
  if (!input.files[0]) return;
  box.append(thumbnail({ url: URL.createObjectURL(input.files[0]), state: "picked" }));
  box.querySelector("figcaption").textContent = "未发送：点下一步操作时一起上传";
}

function photoState(item, state) {
  const list = photos.get(item.dispatch) || [];
  const known = list.find((p) => p.key === item.key);
  if (known) known.state = state;
  else list.push({ key: item.key, url: item.photoData, state });
  photos.set(item.dispatch, list);
  render();
}

async function shrink(file) {
  // Photos are cut to 1280 px so that a queue of them fits in the phone's storage.
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 1280 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL("image/jpeg", 0.8);
}

function takeStep(dispatch, step, node) {
  // The note, photo and position are taken at the tap; steps join the queue in the order tapped,
  // even when an earlier one is still shrinking its photo.
  const input = node.querySelector(".photo"), text = node.querySelector(".note");
  const file = input.files[0], note = text.value.trim(), where = fix;
  const before = Advice.before(step, me?.rules, note, where);
  refusals.set(dispatch, before || "");
  if (before) { node.querySelector(".refusal").textContent = before; return taking; }  // nothing is lost
  input.value = ""; text.value = "";
  node.querySelector(".picked").replaceChildren();
  taking = taking.then(async () => {
    const unreadable = (err) => { console.error("photo unreadable", err); return null; };
    const photoData = file ? await shrink(file).catch(unreadable) : null;
    const item = { key: newKey(), dispatch, step, note, location: where, photoData, photo: null };
    queue.push(item);
    saveQueue();
    if (photoData) photoState(item, "queued");
    render();
    flush();
  }).catch((err) => console.error("step not queued", err));  // a failed tap must not block the later ones
  return taking;
}

async function flush() {
  if (flushing || !token) return;
  flushing = true;
  try {
    while (queue.length) {
      const item = queue[0];
      if (item.photoData && !item.photo) {
        photoState(item, "uploading");
        const blob = await (await fetch(item.photoData)).blob();
        const res = await api(`/api/phone/photos?key=${item.key}`, { method: "POST", headers: { "Content-Type": "image/jpeg" }, body: blob })
          .catch((err) => { photoState(item, "retrying"); throw err; });
        if (!res.ok) { photoState(item, "retrying"); throw new Error(`photo ${res.status}`); }
        item.photo = (await res.json()).photo;
        saveQueue();
        photoState(item, "uploaded");
      }
      const body = { key: item.key, dispatch: item.dispatch, step: item.step, note: item.note, location: item.location, photo: item.photo };
      const res = await api("/api/phone/steps", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      if (res.status >= 500 || res.status === 401 || res.status === 408 || res.status === 429) throw new Error(`step ${res.status}`);
      if (!res.ok) {  // e.g. no GPS fix, or the job was cancelled meanwhile: said at the job's buttons
        const detail = await res.json().then((b) => String(b.detail ?? ""), () => "");
        refusals.set(item.dispatch, Advice.refused(item.step, res.status, detail));
      } else {
        refusals.delete(item.dispatch);
      }
      queue.shift();
      saveQueue();
    }
  } catch (err) {
    console.warn("queued for later:", err.message);
    setTimeout(flush, 3000);
  } finally {
    flushing = false;
    await refresh().catch(() => {});
  }
}

async function refresh() {
  const res = await api("/api/phone/me");
  if (res.status === 401) { signedOut(); return; }
  if (res.ok) { me = await res.json(); render(); }
}

function signedOut() {
  localStorage.removeItem("gridhub.token");
  token = null;
  $("#signin").hidden = false;
}

function ring(text) {
  navigator.vibrate?.([300, 150, 300, 150, 600]);
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    tone.frequency.value = 880;
    tone.connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.8);
  } catch (err) { /* no sound before the first touch on some phones */ }
  if ("Notification" in window && Notification.permission === "granted") new Notification("巡逻队派单", { body: text });
}

function connect(delay = 1000) {
  if (!token) return;
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/phone?token=${encodeURIComponent(token)}`);
  const net = $("#net");
  ws.onopen = () => { net.textContent = "在线"; net.className = "net online"; delay = 1000; flush(); };
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === "hello") { me = msg.me; render(); return; }
    const action = msg.entry.action;
    if (action === "assign" || action === "remind") ring(`${msg.dispatch.instructions}`);
    refresh().catch(console.error);
  };
  ws.onclose = (ev) => {
    net.textContent = "离线（操作将保存在手机上）"; net.className = "net offline";
    if (ev.code === 4401) { signedOut(); return; }
    setTimeout(() => connect(Math.min(delay * 2, 30000)), delay);
  };
}

function watchPosition() {
  if (!navigator.geolocation) return;
  navigator.geolocation.watchPosition((p) => {
    fix = { lon: p.coords.longitude, lat: p.coords.latitude, accuracy_m: p.coords.accuracy, time: new Date(p.timestamp).toISOString() };
  }, () => {}, { enableHighAccuracy: true, maximumAge: 30000 });
  setInterval(() => {
    if (fix && token && navigator.onLine) {
      api("/api/phone/location", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(fix) }).catch(() => {});
    }
  }, 30000);
}

async function boot() {
  for (const item of queue) if (item.photoData) photos.set(item.dispatch, [...(photos.get(item.dispatch) || []), { key: item.key, url: item.photoData, state: item.photo ? "uploaded" : "queued" }]);
  const code = new URLSearchParams(location.hash.slice(1)).get("code");
  if (code) await signIn(code);
  if (!token) { $("#signin").hidden = false; $("#net").textContent = ""; return; }
  if ("serviceWorker" in navigator && window.isSecureContext) navigator.serviceWorker.register("sw.js").catch(() => {});
  if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
  window.addEventListener("online", flush);
  watchPosition();
  connect();
  await refresh();
  flush();
}

boot().catch(console.error);
