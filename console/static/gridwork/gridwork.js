// The grid worker's page (/gridwork/), for the phone: the newest campaign's houses in one's grids, a house's
// checklist with photos and the position, visits (visits.js), and an outbox in the browser's storage, so that
// what is recorded without a signal is kept and sent (photos first, then the record, each once by its key)
// when the phone is back online.
import { api, toast } from "/static/screen/api.js";
import { el } from "/static/screen/format.js";
import { addStrings, onLang, t } from "/static/screen/i18n.js";
import { CONSOLE_ROLES, hide, startPage, userLabel } from "/static/screen/login.js";
import { loadVisits, remind, startVisits } from "./visits.js";

addStrings({
  "gw.title": "网格工作", "gw.signIn": "网格工作：排查与走访", "gw.grade": "隐患等级", "gw.none": "无隐患", "gw.ordinary": "一般隐患",
  "gw.major": "重大隐患", "gw.note": "说明", "gw.back": "返回", "gw.save": "保存", "gw.photo": "拍照",
  "gw.waiting": "待上传 {n} 条（恢复网络后自动上传）", "gw.sent": "已全部上传", "gw.noCampaign": "暂无排查任务",
  "gw.saved": "已保存", "gw.refused": "未能上传：{reason}", "gw.needPhoto": "请为“{item}”拍照",
  "state.pending": "待排查", "state.rectifying": "整改中，待复查", "state.hazard": "发现隐患，待下达整改通知",
  "gw.responsible": "整改责任人", "gw.phone": "联系电话", "gw.deadline": "整改期限", "gw.measures": "整改措施",
  "gw.issue": "下达整改通知",
}, {
  "gw.title": "Grid work", "gw.signIn": "Grid work: inspections and visits", "gw.grade": "Hazard", "gw.none": "None",
  "gw.ordinary": "Ordinary", "gw.major": "Major", "gw.note": "Note", "gw.back": "Back", "gw.save": "Save",
  "gw.photo": "Photo", "gw.waiting": "{n} waiting to send (sent when back online)", "gw.sent": "All sent",
  "gw.noCampaign": "No campaign", "gw.saved": "Saved", "gw.refused": "Not sent: {reason}",
  "gw.needPhoto": "Take a photo for \"{item}\"", "state.pending": "To inspect", "state.rectifying": "To re-inspect",
  "state.hazard": "Hazard: order a rectification", "gw.responsible": "Responsible", "gw.phone": "Phone",
  "gw.deadline": "Deadline", "gw.measures": "Measures", "gw.issue": "Order rectification",
});

const OUTBOX = "gridhub.gridwork.outbox";
const API_CACHE = "gridhub-gridwork-api"; // sw.js keeps the last answer of each list here, to open offline
const RETRY_MS = 15000;
const MAX_SIDE = 1280; // photos are scaled down before they are kept: the browser's storage is small
const $ = (id) => document.getElementById(id);
const state = { user: null, campaign: null, checklist: null, houses: [], house: null, timer: null, flushing: false };

// Each account's own outbox: what one worker saved is never sent under another's session on a shared phone.
const box = () => `${OUTBOX}.${state.user}`;
const outbox = () => (state.user ? JSON.parse(localStorage.getItem(box()) || "[]") : []);
const keep = (items) => { localStorage.setItem(box(), JSON.stringify(items)); showOutbox(); };
const newKey = () => `gw${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;

async function enter() {
  const me = await api("/api/auth/me");
  hide();
  $("user").textContent = userLabel(me);
  state.user = me.username;
  showOutbox();
  state.timer ??= setInterval(() => flush().catch(() => {}), RETRY_MS);
  await flush().catch(() => {});
  remind().catch(() => {});
  await loadHouses();
}

function leave() {
  clearInterval(state.timer);
  if ("caches" in window) caches.delete(API_CACHE).catch(() => {}); // the next user of the phone reads afresh
  Object.assign(state, { user: null, timer: null, campaign: null, houses: [] });
  close();
  renderHouses();
  showOutbox();
}

async function loadHouses() {
  const campaigns = await api("/api/gridwork/campaigns");
  state.campaign = campaigns[campaigns.length - 1] ?? null;
  if (!state.campaign) { $("campaign-name").textContent = t("gw.noCampaign"); return; }
  const lists = await api("/api/gridwork/checklists");
  state.checklist = lists[state.campaign.checklist];
  const houses = await api(`/api/gridwork/campaigns/${state.campaign.id}/houses`);
  const sent = new Set(outbox().filter((o) => o.kind !== "visit").map((o) => o.house));
  state.houses = houses.filter((h) => ["pending", "hazard", "rectifying"].includes(h.state) && !sent.has(h.house));
  renderHouses();
}

function renderHouses() {
  $("campaign-name").textContent = state.campaign?.name ?? t("gw.noCampaign");
  $("houses").replaceChildren(...state.houses.map((h) => {
    const button = el("button", "", el("strong", "", `${h.house} · ${h.address}`),
      el("span", "state", `${h.owner} · ${t(`state.${h.state}`)}`));
    button.type = "button";
    button.dataset.house = h.house;
    button.onclick = () => (h.state === "hazard" ? openOrder(h) : open(h));
    return el("li", "", button);
  }));
}

function open(house) {
  state.house = house;
  $("houses-pane").hidden = true;
  $("inspection").hidden = false;
  $("inspection").reset();
  $("house-title").textContent = `${house.house} · ${house.address}`;
  $("items").replaceChildren(...state.checklist.items.map((item) => {
    const choices = item.answers.map((answer, i) => el("label", "", Object.assign(document.createElement("input"),
      { type: "radio", name: `item-${item.id}`, value: answer, checked: i === 0 }), answer));
    const photo = item.photo ? el("label", "photo", `${t("gw.photo")} `, Object.assign(document.createElement("input"),
      { type: "file", accept: "image/*", capture: "environment", name: `photo-${item.id}` })) : null;
    const box = el("fieldset", "", el("legend", "", item.text), ...choices, photo);
    box.dataset.item = item.id;
    return box;
  }));
}

function close() {
  $("inspection").hidden = true;
  $("order").hidden = true;
  $("houses-pane").hidden = false;
}

function openOrder(house) {
  state.house = house;
  $("houses-pane").hidden = true;
  $("order").reset();
  $("order").hidden = false;
  $("order-title").textContent = `${house.house} · ${house.address}`;
  $("order").elements.responsible.value = house.owner;
}

/** The form as an outbox entry: answers, grade, note, position, and each photo as a scaled-down JPEG. */
async function entry(form) {
  const answers = {};
  const photos = {};
  for (const item of state.checklist.items) {
    answers[item.id] = form.elements[`item-${item.id}`].value;
    const file = item.photo ? form.elements[`photo-${item.id}`].files[0] : null;
    if (item.photo && !file) throw new Error(t("gw.needPhoto", { item: item.text }));
    if (file) photos[item.id] = [await shrink(file)];
  }
  const where = await position();
  return { key: newKey(), campaign: state.campaign.id, house: state.house.house, photos,
    body: { answers, grade: form.elements.grade.value, note: form.elements.note.value.trim(), ...where } };
}

async function shrink(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = Object.assign(document.createElement("canvas"),
    { width: Math.round(bitmap.width * scale), height: Math.round(bitmap.height * scale) });
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL("image/jpeg", 0.8);
}

function position() {
  if (!navigator.geolocation) return Promise.resolve({});
  return new Promise((resolve) => navigator.geolocation.getCurrentPosition(
    (p) => resolve({ lon: p.coords.longitude, lat: p.coords.latitude }), () => resolve({}),
    { timeout: 3000, maximumAge: 60000 }));
}

/** Send what waits, oldest first; a network failure leaves it for the next try, a refusal is shown and dropped. */
async function flush() {
  if (state.flushing || !navigator.onLine) return; // the timer, the online event and a save may all ask at once
  state.flushing = true;
  let sent = 0;
  try {
    sent = await flushAll();
  } finally {
    state.flushing = false;
  }
  if (sent && state.user) await loadHouses(); // the houses as the hub now has them (an order, a re-inspection)
}

async function flushAll() {
  let sent = 0;
  for (const item of outbox()) {
    try {
      await send(item);
    } catch (err) {
      if (err instanceof TypeError) return sent; // no network: try again later
      toast(t("gw.refused", { reason: err.message }));
    }
    keep(outbox().filter((o) => o.key !== item.key));
    sent += 1;
  }
  return sent;
}

async function send(item) {
  if (item.kind === "order") {
    await api(`/api/gridwork/campaigns/${item.campaign}/houses/${encodeURIComponent(item.house)}/order`,
      { method: "PUT", body: item.body });
    return;
  }
  if (item.kind === "visit") {
    await api("/api/gridwork/visits", { method: "POST", body: { ...item.body, key: item.key } });
    if (!$("visit-main").hidden) await loadVisits();
    return;
  }
  const photos = {};
  let n = 0;
  for (const [id, shots] of Object.entries(item.photos)) {
    photos[id] = [];
    for (const shot of shots) {
      const res = await fetch(`/api/gridwork/photos?key=${item.key}-${n++}`, { method: "POST",
        credentials: "same-origin", headers: { "Content-Type": "image/jpeg" }, body: bytes(shot) });
      if (!res.ok) throw new Error((await res.json().catch(() => ({}))).detail ?? res.statusText);
      photos[id].push((await res.json()).photo);
    }
  }
  await api(`/api/gridwork/campaigns/${item.campaign}/houses/${encodeURIComponent(item.house)}/inspections`,
    { method: "POST", body: { ...item.body, photos, key: item.key } });
}

function bytes(dataUrl) {
  const raw = atob(dataUrl.slice(dataUrl.indexOf(",") + 1));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function showOutbox() {
  const n = outbox().length;
  $("outbox").textContent = n ? t("gw.waiting", { n }) : t("gw.sent");
  $("outbox").classList.toggle("waiting", n > 0);
}

$("inspection").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    keep([...outbox(), await entry(ev.target)]);
  } catch (err) {
    toast(err.message);
    return;
  }
  saved();
});

/** The house leaves the list once its record is in the outbox; the list is read again after sending. */
function saved() {
  state.houses = state.houses.filter((h) => h.house !== state.house.house);
  close();
  renderHouses();
  toast(t("gw.saved"));
  flush().catch(() => {});
}
$("back").onclick = close;
$("order-back").onclick = close;
$("order").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const f = ev.target.elements;
  const body = { responsible: f.responsible.value.trim(), deadline: f.deadline.value, measures: f.measures.value.trim(),
    ...(f.phone.value.trim() ? { phone: f.phone.value.trim() } : {}) };
  keep([...outbox(), { kind: "order", key: newKey(), campaign: state.campaign.id, house: state.house.house, body }]);
  saved();
});
startVisits((entry) => {
  keep([...outbox(), { ...entry, key: newKey() }]);
  toast(t("gw.saved"));
  flush().catch(() => {});
});
window.addEventListener("online", () => flush().catch(() => {}));
onLang(() => { showOutbox(); renderHouses(); });
showOutbox();

/** A one-time link from the centre (/gridwork/#code=…) signs the phone in without a password; the code is spent
 * and taken out of the address bar either way. */
async function signInByLink() {
  const code = new URLSearchParams(location.hash.slice(1)).get("code");
  if (!code) return;
  history.replaceState(null, "", location.pathname);
  const res = await fetch("/api/auth/link", { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify({ code }) });
  if (!res.ok) toast((await res.json().catch(() => null))?.detail ?? res.statusText);
}

if ("serviceWorker" in navigator && window.isSecureContext) navigator.serviceWorker.register("sw.js").catch(() => {});
signInByLink().catch((err) => toast(String(err)))
  .finally(() => startPage({ title: "gw.signIn", enter, leave, roles: [...CONSOLE_ROLES, "grid_worker"] }));
