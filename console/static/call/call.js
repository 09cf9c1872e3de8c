"use strict";
// The call itself: our own tile, a tile per participant we receive, the shared camera, mute and leave, and for
// the centre: share a camera, invite, remove, end. `window.callState` is what tests and the benchmark read.
const state = { client: null, callId: null, call: null, mids: { sub: new Map(), cam: new Map() },
  streams: new Map(), joinClickedAt: null, firstFrameMs: null };
window.callState = state;

const label = (t) => (t.camera ? `摄像头 ${t.camera} ${t.name}` : t.side === "centre" ? `${t.name}（中心）`
  : `${t.name}（${t.village_name || t.village || ""}）`);

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
  ready(msg) { state.call = msg.call; status(`已加入（${msg.me}）`); renderCall(); },
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
      status(`连接中断，正在重新加入…${reason ? `（${reason}）` : ""}`);
    } else status("正在加入…");
  },
  closed(code, text) { leaveRoom(); $("join-error").textContent = text; status(text); },
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
    $("join-error").textContent = `无法打开摄像头或麦克风：${err.message}（需要 HTTPS，并允许浏览器使用）`;
    return;
  }
  show("room");
  state.callId = id;
  tile("me", "我", stream, true);
  state.client = new CallClient(id, stream, handlers);
  state.client.connect();
  $("mic").onclick = () => toggle("audio");
  $("cam").onclick = () => toggle("video");
  $("leave").onclick = () => { state.client.leave(); };
};

function toggle(kind) {
  const muted = { ...state.client.muted, [kind]: !state.client.muted[kind] };
  state.client.mute(muted.audio, muted.video);
  $("mic").textContent = muted.audio ? "取消静音" : "静音";
  $("cam").textContent = muted.video ? "打开摄像头" : "关闭摄像头";
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
  $("share").onchange = () => api("PUT", `/api/calls/${call.id}/camera`, { camera: $("share").value || null })
    .catch((err) => status(`共享失败：${err.message}`));
  $("invite").replaceChildren(new Option("选择村（社区）", ""),
    ...page.villages.filter((v) => !call.villages.includes(v.id)).map((v) => new Option(v.name, v.id)));
  $("invite").onchange = () => $("invite").value && api("POST", `/api/calls/${call.id}/invite`,
    { villages: [$("invite").value] }).catch((err) => status(`邀请失败：${err.message}`));
  $("people").replaceChildren(...call.participants.filter((p) => p.presence === "in").map((p) => {
    const li = document.createElement("li");
    li.textContent = `${p.name}${p.village ? `（${villageName(p.village)}）` : "（中心）"}${p.audio_muted ? " 已静音" : ""} `;
    if (p.username !== page.me.username) {
      const b = document.createElement("button");
      b.textContent = "移出";
      b.onclick = () => api("POST", `/api/calls/${call.id}/remove`, { username: p.username }).catch(console.error);
      li.append(b);
    }
    return li;
  }));
  $("end").onclick = () => confirm("结束本次视频调度？") && api("POST", `/api/calls/${call.id}/end`).catch(console.error);
}

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
