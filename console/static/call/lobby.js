"use strict";
// The call page's way in: the console's sign-in (the big screen's, /static/screen/login.js) when needed, the calls
// open to us (live, over /ws/calls) and, for the centre, the form that opens a call. `#<id>` in the address is
// the call to join. Its words are the console's (words.js), in Chinese or English; the hub's refusals are said
// in them too, never in the hub's English.
const $ = (id) => document.getElementById(id);
const show = (id) => { for (const s of ["lobby", "join", "room"]) $(s).hidden = s !== id; };
const page = { me: null, villages: [], calls: new Map(), cameras: [], ws: null };
const tr = (key, vars) => window.callI18n.t(key, vars);

async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, { method, headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined });
  } catch { throw new Error(window.callWords.explain(0)); }
  const data = res.headers.get("content-type")?.includes("json") ? await res.json() : null;
  const detail = data && data.detail ? JSON.stringify(data.detail) : "";
  if (!res.ok) throw Object.assign(new Error(window.callWords.explain(res.status, detail)), { status: res.status });
  return data;
}

const isCentre = () => page.me && ["admin", "officer"].includes(page.me.role);
const villageName = (id) => (page.villages.find((v) => v.id === id) || { name: id }).name;

async function start() {
  page.me = await api("GET", "/api/auth/me");
  const setup = await api("GET", "/api/screen/setup");
  window.callSignIn.hide();
  $("town-name").textContent = setup.town;
  relabel();
  watchCalls();
  route();
}

/** Signed out: the call left, the feed closed, until someone signs in again. */
function stop() {
  window.callState?.client?.leave();
  page.ws?.close(1000);
  Object.assign(page, { me: null, ws: null, calls: new Map(), cameras: [] });
}

/** What the page says that the dictionaries cannot: who is in, where we are, in the page's language. */
function relabel() {
  if (!page.me) return;
  $("user").textContent = window.callSignIn.userLabel(page.me);
  if (!$("lobby").hidden) showLobby();
  if (!$("join").hidden) describeJoin();
  window.renderCall?.();
}

function route() {
  const id = parseInt(location.hash.slice(1), 10);
  if (window.callState && window.callState.client) return; // in a call: leave first
  if (id > 0) showJoin(id); else showLobby();
}

function watchCalls(delay = 1000) {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/calls`);
  page.ws = ws;
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === "hello") {
      page.villages = msg.villages;
      page.calls = new Map(msg.calls.map((c) => [c.id, c]));
      page.cameras = msg.cameras || [];
      delay = 1000;
      renderVillages();
      renderCameras();
    } else if (msg.type === "call") {
      if (msg.call.state === "open") page.calls.set(msg.call.id, msg.call); else page.calls.delete(msg.call.id);
    }
    renderCalls();
  };
  ws.onclose = () => { if (page.ws === ws) setTimeout(() => watchCalls(Math.min(delay * 2, 30000)), delay); };
}

function renderCalls() {
  $("calls").replaceChildren(...[...page.calls.values()].map((c) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `#${c.id}`;
    a.textContent = `#${c.id} ${c.title}（${c.villages.map(villageName).join("、") || tr("call.uninvited")}）`;
    li.append(a, ` ${tr("call.openedBy", { who: c.opened_by })}`);
    return li;
  }));
  if (!$("lobby").hidden && !page.calls.size) $("calls").textContent = tr("call.none");
  if (!$("join").hidden) describeJoin();
}

function showLobby() {
  show("lobby");
  $("title").textContent = tr("call.title");
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
  } catch (err) {  // a 404 here is the alert named, the call does not exist yet
    $("open-error").textContent = tr("call.failed.open", { why: err.status === 404 ? tr("why.alert") : err.message });
  }
}

/** Only the cameras a call can share (the hub names them): a simulated one would only be refused. */
function renderCameras() {
  for (const select of [document.querySelector("#open select[name=camera]"), $("share")]) {
    select.replaceChildren(select.firstElementChild, ...page.cameras.map((d) => new Option(`${d.id} ${d.name}`, d.id)));
    select.disabled = page.cameras.length === 0;
  }
  document.querySelector(".camera-note").hidden = page.cameras.length > 0;
}

function describeJoin() {
  const id = parseInt(location.hash.slice(1), 10);
  const call = page.calls.get(id);
  $("title").textContent = call ? call.title : tr("call.title");
  $("join-what").textContent = call ? tr("call.joinWhat", { id, title: call.title, who: call.opened_by })
    : tr("call.joinId", { id });
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
  window.callI18n = await import("/static/screen/i18n.js");
  window.callWords = await import("/call/words.js");
  window.callSignIn = await import("/static/screen/login.js");
  window.callI18n.onLang(relabel);
  await window.callSignIn.startPage({ title: "call.signIn", enter: start, leave: stop });
});
