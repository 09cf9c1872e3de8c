// The screen's live plumbing: sockets that come back by themselves, a page-wide event bus, and a lifetime
// that ends everything a signed-in screen started (sockets, timers, listeners) in one call at sign-out.
import { signedOut } from "./api.js";

const NOT_SIGNED_IN = 4401;
const FORBIDDEN = 4403;
const TOO_SLOW = 4008;
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30000;

const bus = new EventTarget();

/** Tell every panel: *type* happened, with *detail*. */
export const emit = (type, detail) => bus.dispatchEvent(new CustomEvent(type, { detail }));

const sockets = new Map(); // socket → "connecting" (never opened yet) | "live" | "down"
const linkListeners = new Set();

function setLink(socket, state) {
  if (state === null) sockets.delete(socket); else sockets.set(socket, state);
  const all = [...sockets.values()];
  const summary = all.includes("down") ? "down" : all.length && all.every((s) => s === "live") ? "live" : "connecting";
  for (const listener of linkListeners) listener(summary);
}

/** Call *listener* with "live", "down" or "connecting" whenever the sockets' state changes. */
export function onLink(listener) {
  linkListeners.add(listener);
  return () => linkListeners.delete(listener);
}

/** A WebSocket to the hub that reconnects with backoff (1 s doubling to 30 s, jittered) until closed.
 *  Closed by the hub with 4401 it returns the screen to sign-in; with 4403 it stays closed. */
export class LiveSocket {
  constructor(path, { onMessage, onOpen = () => {}, query = () => "" }) {
    Object.assign(this, { path, onMessage, onOpen, query });
    this.delay = BACKOFF_MIN_MS;
    this.stopped = false;
    this.connect();
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = this.query();
    this.ws = new WebSocket(`${scheme}://${location.host}${this.path}${query ? `?${query}` : ""}`);
    this.ws.binaryType = "arraybuffer"; // camera tiles: split at the first newline without a copy
    if (!sockets.has(this)) setLink(this, "connecting");
    this.ws.onopen = () => { this.delay = BACKOFF_MIN_MS; setLink(this, "live"); this.onOpen(this); };
    this.ws.onmessage = (ev) => {
      if (!this.stopped) this.onMessage(typeof ev.data === "string" ? JSON.parse(ev.data) : ev.data);
    };
    this.ws.onclose = (ev) => this.closed(ev.code);
  }

  closed(code) {
    if (this.stopped) return;
    if (code === NOT_SIGNED_IN) { signedOut("expired"); return; }
    if (code === FORBIDDEN) { this.close(); return; }
    setLink(this, "down");
    const wait = code === TOO_SLOW ? 200 : this.delay * (0.8 + Math.random() * 0.4);
    this.delay = Math.min(this.delay * 2, BACKOFF_MAX_MS);
    this.timer = setTimeout(() => this.connect(), wait);
  }

  send(message) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    setLink(this, null);
    if (this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000);
  }
}

/** Everything one signed-in screen started, ended together at sign-out. */
export class Lifetime {
  constructor() { this.cleanups = []; this.ended = false; }

  add(cleanup) { this.cleanups.push(cleanup); }

  on(type, handler) {
    const listener = (ev) => handler(ev.detail);
    bus.addEventListener(type, listener);
    this.add(() => bus.removeEventListener(type, listener));
  }

  every(ms, fn) {
    const id = setInterval(fn, ms);
    this.add(() => clearInterval(id));
  }

  socket(path, options) {
    const socket = new LiveSocket(path, options);
    this.add(() => socket.close());
    return socket;
  }

  /** A function that runs *fn* once, *ms* after the first of any number of calls: for the refreshes that
   *  a burst of live messages would each ask for. */
  coalesce(ms, fn) {
    let timer = null;
    this.add(() => clearTimeout(timer));
    return () => {
      if (timer !== null) return;
      timer = setTimeout(() => { timer = null; if (!this.ended) fn(); }, ms);
    };
  }

  end() {
    this.ended = true;
    for (const cleanup of this.cleanups.reverse()) cleanup();
    this.cleanups = [];
  }
}
