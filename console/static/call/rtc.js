"use strict";
// The call's signalling client: one WebSocket to the hub (/ws/calls/<id>), which relays to the SFU, and up to
// three peer connections: "pub" sends our camera and microphone, "sub" receives the others, "cam" the shared
// camera. The hub's messages are handled one at a time, in order, so descriptions never cross.

// Codes after which joining again is pointless; any other close (a dropped network) is retried.
const FINAL_CLOSES = { 4401: "请先登录", 4403: "无权加入此视频调度", 4404: "视频调度不存在或已结束",
  4409: "您已在其他页面加入", 4410: "视频调度已结束", 4429: "视频调度人数已满", 4503: "视频服务未开启" };

class CallClient {
  constructor(callId, stream, on) {
    this.callId = callId;
    this.stream = stream; // our camera and microphone, kept across reconnections
    this.on = on; // {ready, call, tiles, track, cameraOff, speaking, state, closed}
    this.pcs = {};
    this.queue = Promise.resolve();
    this.delay = 1000;
    this.left = false;
    this.muted = { audio: false, video: false };
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/calls/${this.callId}`);
    this.ws = ws;
    ws.onmessage = (ev) => { this.queue = this.queue.then(() => this.handle(JSON.parse(ev.data))).catch(console.error); };
    ws.onclose = (ev) => this.closed(ws, ev.code, ev.reason);
    this.on.state("connecting");
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  async handle(msg) {
    if (msg.type === "ready") {
      this.delay = 1000;
      this.iceServers = msg.ice_servers.map((s) => ({ urls: s.urls, username: s.username || undefined,
        credential: s.credential || undefined }));
      this.relayOnly = msg.relay_only;
      this.on.ready(msg);
      if (this.muted.audio || this.muted.video) this.send({ type: "mute", ...this.muted });
      await this.publish();
    } else if (msg.type === "published") {
      await this.pcs.pub.setRemoteDescription({ type: "answer", sdp: msg.sdp });
    } else if (msg.type === "offer") {
      await this.answer(msg.pc, msg.sdp, msg.tiles);
    } else if (msg.type === "camera_off") {
      this.closePc("cam");
      this.on.cameraOff();
    } else if (msg.type === "speaking") {
      this.on.speaking(msg.username, msg.on);
    } else if (msg.type === "call") {
      this.on.call(msg.call);
    } else if (msg.type === "error") {
      console.warn("call: the hub refused a message:", msg.reason);
    }
  }

  peer(name) {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: "max-bundle",
      iceTransportPolicy: this.relayOnly ? "relay" : "all" });
    pc.onicecandidate = (ev) => this.send({ type: "candidate", pc: name, candidate: ev.candidate ? {
      candidate: ev.candidate.candidate, sdpMid: ev.candidate.sdpMid, sdpMLineIndex: ev.candidate.sdpMLineIndex,
    } : null });
    pc.oniceconnectionstatechange = () => {
      // Media lost while the socket lives (the network changed under us): join again from the start.
      if (pc.iceConnectionState === "failed" && this.pcs[name] === pc && this.ws) this.ws.close(4000, "media lost");
    };
    if (name !== "pub") pc.ontrack = (ev) => this.on.track(name, ev.transceiver.mid, ev.track);
    this.pcs[name] = pc;
    return pc;
  }

  async publish() {
    const pc = this.peer("pub");
    for (const track of this.stream.getTracks()) pc.addTransceiver(track, { direction: "sendonly", streams: [this.stream] });
    await pc.setLocalDescription(await pc.createOffer());
    this.send({ type: "publish", sdp: pc.localDescription.sdp });
  }

  async answer(name, sdp, tiles) {
    const pc = this.pcs[name] || this.peer(name);
    this.on.tiles(name, tiles);
    await pc.setRemoteDescription({ type: "offer", sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    this.send({ type: "answer", pc: name, sdp: pc.localDescription.sdp });
  }

  mute(audio, video) {
    this.muted = { audio, video };
    for (const t of this.stream.getAudioTracks()) t.enabled = !audio;
    for (const t of this.stream.getVideoTracks()) t.enabled = !video;
    this.send({ type: "mute", audio, video });
  }

  leave() {
    this.left = true;
    this.send({ type: "leave" });
    this.teardown();
    if (this.ws) this.ws.close(1000, "left");
  }

  closePc(name) {
    if (this.pcs[name]) this.pcs[name].close();
    delete this.pcs[name];
  }

  teardown() {
    for (const name of Object.keys(this.pcs)) this.closePc(name);
    this.queue = Promise.resolve();
  }

  closed(ws, code, reason) {
    if (ws !== this.ws) return;
    this.teardown();
    this.ws = null;
    if (this.left) return this.on.closed(code, "已离开");
    if (FINAL_CLOSES[code]) return this.on.closed(code, FINAL_CLOSES[code]);
    // A drop: join again, sooner at first, later while it lasts.
    this.on.state("reconnecting", reason);
    const again = () => { if (!this.left && !this.ws) this.connect(); };
    setTimeout(again, this.delay);
    window.addEventListener("online", again, { once: true }); // a phone back on the network need not wait
    this.delay = Math.min(this.delay * 2, 10000);
  }
}

window.CallClient = CallClient;
