"use strict";
// The call itself: our own tile, a tile per participant we receive, the shared camera, mute and leave, and for
// the centre: share a camera, invite, remove, end. `window.callState` is what tests and the benchmark read.
const state = { client: null, callId: null, call: null, mids: { sub: new Map(), cam: new Map() },
  streams: new Map(), joinClickedAt: null, firstFrameMs: null };
window.callState = state;

const label = (t) => (t.camera ? tr("call.cameraTile", { id: t.camera, name: t.name })
  : t.side === "centre" ? `${t.name}（${tr("call.centreSide")}）` : `${t.name}（${t.village_name || t.village || ""}）`);

function tile(key, text, stream, own = false) {
  let div = tileOf(key);
  if (!div) {
    div = document.createElement("div");
    div.className = key === "camera" ? "tile camera" : "tile";
    div.dataset.key = key;
    const video = document.createElement("video");
    Object.assign(video, { autoplay: true, playsInline: true, muted: own });
    const span = document.createElement("span");
    span.className = "label";
    div.append(video, span);
    if (key === "camera") $("tiles").prepend(div); else $("tiles").append(div);
    if (!own) firstFrame(video);
  }
  div.querySelector(".label").textContent = text;
  const video = div.querySelector("video");
  if (video.srcObject !== stream) video.srcObject = stream;
  return div;
}

function firstFrame(video) {
  // Join time, as the benchmark measures it: the click on 加入 until the first frame of anyone else is shown.
  video.requestVideoFrameCallback(() => {
    if (state.firstFrameMs === null && state.joinClickedAt !== null) state.firstFrameMs = performance.now() - state.joinClickedAt;
  });
}

const handlers = {
  ready(msg) { state.call = msg.call; status(tr("call.joined", { who: window.callSignIn.userLabel(page.me) })); renderCall(); },
  call(call) { state.call = call; renderCall(); },
  tiles(pc, tiles) {
    state.mids[pc] = new Map(tiles.map((t) => [t.mid, t]));
    if (pc === "cam") return;
    const users = new Set(tiles.map((t) => t.username));
    for (const [user, stream] of state.streams) {
      if (!users.has(user)) {
        state.streams.delete(user);
        removeTile(user);
      } else {
        for (const track of stream.getTracks()) if (!state.mids.sub.has(track.__mid)) stream.removeTrack(track);
      }
    }
    for (const t of tiles) tile(t.username, label(t), streamOf(t.username));
  },
  track(pc, mid, track) {
    const t = state.mids[pc].get(mid);
    if (!t) return;
    track.__mid = mid;
    if (pc === "cam") return void tile("camera", label(t), new MediaStream([track]));
    const stream = streamOf(t.username);
    for (const old of stream.getTracks()) if (old.kind === track.kind) stream.removeTrack(old);
    stream.addTrack(track);
  },
  cameraOff() { removeTile("camera"); },
  speaking(user, on) { tileOf(user)?.classList.toggle("speaking", on); },
  state(s, reason) {
    if (s === "reconnecting") {
      for (const user of state.streams.keys()) removeTile(user);
      state.streams.clear();
      handlers.cameraOff();
      status(tr("call.rejoining"));
      if (reason) console.warn("call: rejoining after", reason);
    } else status(tr("call.joining"));
  },
  closed(code, text) {  // rtc.js's reason is Chinese; the page says it in its own language
    leaveRoom();
    const key = text === "已离开" ? "call.left" : `call.closed.${code}`;
    const why = tr(key) === key ? text : tr(key);
    $("join-error").textContent = key === "call.left" ? "" : why;
    status(why);
  },
};

const tileOf = (key) => document.querySelector(`.tile[data-key="${CSS.escape(key)}"]`);
const removeTile = (key) => tileOf(key)?.remove();

function streamOf(user) {
  if (!state.streams.has(user)) state.streams.set(user, new MediaStream());
  return state.streams.get(user);
}

const status = (text) => { $("status").textContent = text; };

window.joinCall = async function joinCall(id) {
  state.joinClickedAt = performance.now();
  state.firstFrameMs = null;
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true },
      video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15, max: 20 } } });
  } catch (err) {
    $("join-error").textContent = tr("call.noMedia");
    console.warn("call: no camera or microphone:", err.message);
    return;
  }
  show("room");
  state.callId = id;
  tile("me", tr("call.me"), stream, true);
  state.client = new CallClient(id, stream, handlers);
  state.client.connect();
  $("mic").onclick = () => toggle("audio");
  $("cam").onclick = () => toggle("video");
  $("leave").onclick = () => { state.client.leave(); };
};

function toggle(kind) {
  const muted = { ...state.client.muted, [kind]: !state.client.muted[kind] };
  state.client.mute(muted.audio, muted.video);
  labelControls();
}

/** The mute and camera buttons say what a press does, in the page's language. */
function labelControls() {
  const muted = state.client?.muted || { audio: false, video: false };
  $("mic").textContent = tr(muted.audio ? "call.unmute" : "call.mute");
  $("cam").textContent = tr(muted.video ? "call.camOn" : "call.camOff");
}

function leaveRoom() {
  for (const track of state.client?.stream.getTracks() || []) track.stop();
  state.client = null;
  state.streams.clear();
  $("tiles").replaceChildren();
  show("join");
}

function renderCall() {
  const call = state.call;
  if (!call || !state.client) return;
  labelControls();
  const me = tileOf("me");
  if (me) me.querySelector(".label").textContent = tr("call.me");
  $("title").textContent = `#${call.id} ${call.title}`;
  for (const p of call.participants) {
    const div = tileOf(p.username);
    if (div) div.dataset.muted = p.audio_muted ? "audio" : "";
  }
  $("centre").hidden = !isCentre();
  if (isCentre()) renderCentre(call);
}

function renderCentre(call) {
  $("share").value = call.camera || "";
  const failed = (what) => (err) => { $("centre-error").textContent = tr(`call.failed.${what}`, { why: err.message }); };
  $("share").onchange = () => api("PUT", `/api/calls/${call.id}/camera`, { camera: $("share").value || null })
    .then(() => { $("centre-error").textContent = ""; }, failed("share"));
  $("invite").replaceChildren(new Option(tr("call.pickVillage"), ""),
    ...page.villages.filter((v) => !call.villages.includes(v.id)).map((v) => new Option(v.name, v.id)));
  $("invite").onchange = () => $("invite").value && api("POST", `/api/calls/${call.id}/invite`,
    { villages: [$("invite").value] }).catch(failed("invite"));
  $("people").replaceChildren(...call.participants.filter((p) => p.presence === "in").map((p) => {
    const li = document.createElement("li");
    const side = p.village ? villageName(p.village) : tr("call.centreSide");
    li.textContent = `${p.name}（${side}）${p.audio_muted ? ` ${tr("call.muted")}` : ""} `;
    if (p.username !== page.me.username) {
      const b = document.createElement("button");
      b.textContent = tr("call.remove");
      b.onclick = () => api("POST", `/api/calls/${call.id}/remove`, { username: p.username }).catch(failed("remove"));
      li.append(b);
    }
    return li;
  }));
  $("end").onclick = () => confirm(tr("call.endAsk")) && api("POST", `/api/calls/${call.id}/end`).catch(failed("end"));
}
window.renderCall = renderCall;

state.stats = async (pc) => {
  // Frames decoded per m-line of *pc*, and whose they are: what the tests watch increase.
  const peer = state.client && state.client.pcs[pc];
  if (!peer) return [];
  const out = [];
  (await peer.getStats()).forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "video") {
      const t = state.mids[pc].get(s.mid);
      out.push({ mid: s.mid, who: t ? (t.username || t.camera) : null, frames: s.framesDecoded || 0 });
    }
  });
  return out;
};
