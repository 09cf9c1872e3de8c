"use strict";
// On the console (a PC, or a cadre's phone): a banner when a video dispatch call is open to us, with one button
// to join it. Calls come live over /ws/calls, the same socket whatever the device. The banner sits at the bottom
// corner, never over the page's header (its clock, views, language and sign-out stay visible and clickable); a
// page that was signed out connects once someone signs in through its form (the "console-signed-in" event).
(() => {
  const calls = new Map();
  let me = null;
  let socket = null;
  const banner = document.createElement("div");
  banner.id = "call-invite";
  banner.hidden = true;
  banner.setAttribute("role", "status");
  banner.style.cssText = "position:fixed;right:16px;bottom:16px;max-width:min(520px,calc(100vw - 32px));z-index:1100;"
    + "padding:0.6rem 1rem;background:#7a2430;color:#fff;font-size:1.1rem;border-radius:6px;"
    + "box-shadow:0 2px 12px rgba(0,0,0,0.5);display:flex;flex-direction:column;gap:0.4rem";
  document.addEventListener("DOMContentLoaded", () => document.body.prepend(banner));

  function render() {
    const waiting = [...calls.values()].filter((c) => !c.participants.some((p) => p.username === me && p.presence === "in"));
    banner.hidden = waiting.length === 0;
    banner.replaceChildren(...waiting.map((c) => {
      const a = document.createElement("a");
      a.href = c.url;
      a.textContent = document.documentElement.lang === "en" ? `Video call #${c.id} “${c.title}”: join ▶`
        : `视频调度 #${c.id}「${c.title}」邀请您加入 ▶`;
      a.style.cssText = "color:#fff;font-weight:bold";
      return a;
    }));
  }

  function announce(call) {
    // Phones vibrate only for a page the user has touched; a console left open on a phone usually has been.
    if (navigator.vibrate && navigator.userActivation?.hasBeenActive) navigator.vibrate([300, 150, 300]);
    if (window.Notification && Notification.permission === "granted") new Notification("视频调度", { body: call.title });
  }

  function connect(delay = 1000) {
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/calls`);
    socket = ws;
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.type === "hello") {
        me = msg.me;
        calls.clear();
        for (const c of msg.calls) calls.set(c.id, c);
        delay = 1000;
      } else if (msg.type === "call") {
        const fresh = !calls.has(msg.call.id);
        if (msg.call.state === "open") calls.set(msg.call.id, msg.call); else calls.delete(msg.call.id);
        if (fresh && msg.call.state === "open") announce(msg.call);
      }
      render();
    };
    ws.onclose = (ev) => {
      if (socket !== ws) return;
      if (ev.code === 4401 || ev.code === 4403) { socket = null; calls.clear(); render(); return; } // until a sign-in
      setTimeout(() => connect(Math.min(delay * 2, 30000)), delay);
    };
  }
  document.addEventListener("console-signed-in", () => { if (socket === null) connect(); });
  connect();
})();
