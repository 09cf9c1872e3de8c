// The camera wall: a page of live tiles over /ws/cameras (the pages turn by themselves), and the newest
// event snapshots. Nothing is asked of the hub while its video analysis is not running.
import { api } from "./api.js";
import { zoneName } from "./alert-words.js";
import { showDevice } from "./details.js";
import { dayTime, el } from "./format.js";
import { onLang, t } from "./i18n.js";

const PER_PAGE = 6;
const TURN_MS = 20000;
const TILE = { width: 320, fps: 1 };
const EVENT_MS = 10000;
const $ = (id) => document.getElementById(id);
const wall = { cameras: [], page: 0, running: false, socket: null, urls: new Map(), events: new Map(), shots: [] };

export function start(life, setup) {
  wall.running = setup.cameras_running;
  life.add(() => {
    for (const url of wall.urls.values()) URL.revokeObjectURL(url);
    Object.assign(wall, { cameras: [], page: 0, socket: null, refreshSnapshots: null, shots: [] });
    wall.urls.clear();
    wall.events.clear();
  });
  life.on("devices", (devices) => {
    wall.cameras = devices.filter((d) => d.properties.kind === "camera");
    show();
    ask();
  });
  life.on("device-event", (e) => cameraEvent(e, life));
  life.add(onLang(() => { show(); if (wall.running) strip(); else off(); }));
  life.every(TURN_MS, () => turn(1));
  if (!wall.running) { off(); return; }
  wall.socket = life.socket("/ws/cameras", { onOpen: ask, onMessage: frame });
  wall.refreshSnapshots = life.coalesce(2000, () => snapshots().catch(() => {}));
  snapshots().catch(() => {});
}

const off = () => $("snapshots").replaceChildren(el("p", "muted", t("cameras.off")));

const pageOf = () => wall.cameras.slice(wall.page * PER_PAGE, (wall.page + 1) * PER_PAGE);

function ask() {
  wall.socket?.send({ cameras: pageOf().map((c) => c.id), ...TILE });
}

function turn(step) {
  const pages = Math.ceil(wall.cameras.length / PER_PAGE);
  if (pages < 2) return;
  wall.page = (wall.page + step + pages) % pages;
  show();
  ask();
}

function show() {
  const pages = Math.ceil(wall.cameras.length / PER_PAGE);
  $("camera-pages").replaceChildren(...Array.from({ length: pages }, (_, i) => {
    const b = el("button", i === wall.page ? "page on" : "page", String(i + 1));
    b.type = "button";
    b.onclick = () => { wall.page = i; show(); ask(); };
    return b;
  }));
  const tiles = pageOf().map(tile);
  $("camera-wall").replaceChildren(...(tiles.length ? tiles : [el("p", "muted", t("cameras.none"))]));
}

function tile(camera) {
  const p = camera.properties;
  const picture = el("img", "tile-picture");
  picture.alt = "";
  if (wall.urls.has(camera.id)) picture.src = wall.urls.get(camera.id);
  const seen = wall.urls.has(camera.id) ? " has-picture" : "";
  const node = el("figure", `tile state-${p.state}${seen}${wall.events.has(camera.id) ? " event" : ""}`, picture,
    el("span", "no-signal", wall.running ? t("cameras.noSignal") : t("cameras.off")),
    el("figcaption", "", el("span", `dot state-${p.state}`), ` ${camera.id} ${p.name}`));
  node.dataset.camera = camera.id;
  node.onclick = () => showDevice(camera);
  return node;
}

function frame(data) {
  if (!(data instanceof ArrayBuffer)) return; // a refusal as JSON: cameras outside the scope are left out
  const bytes = new Uint8Array(data);
  const cut = bytes.indexOf(10);
  const camera = new TextDecoder().decode(bytes.subarray(0, cut));
  const url = URL.createObjectURL(new Blob([bytes.subarray(cut + 1)], { type: "image/jpeg" }));
  const old = wall.urls.get(camera);
  wall.urls.set(camera, url);
  const img = document.querySelector(`#camera-wall figure[data-camera="${CSS.escape(camera)}"] img`);
  if (img) { img.src = url; img.parentElement.classList.add("has-picture"); }
  if (old) URL.revokeObjectURL(old);
}

function cameraEvent(event, life) {
  const camera = wall.cameras.find((c) => c.id === event.device);
  if (!camera) return;
  if (event.kind === "online" || event.kind === "offline") camera.properties.state = event.kind;
  if (["motion", "tamper"].includes(event.kind)) {
    wall.events.set(camera.id, Date.now());
    setTimeout(() => { if (!life.ended) { wall.events.delete(camera.id); show(); } }, EVENT_MS);
    wall.refreshSnapshots?.();
  }
  show();
}

async function snapshots() {
  wall.shots = await api("/api/screen/snapshots?limit=8");
  strip();
}

function strip() {
  const items = wall.shots;
  $("snapshots").replaceChildren(...(items.length ? items.map((s) => {
    const img = el("img");
    img.alt = s.camera;
    img.loading = "lazy";
    img.src = `/api/cameras/${encodeURIComponent(s.camera)}/snapshots/${encodeURIComponent(s.name)}`;
    return el("figure", "snapshot", img, el("figcaption", "", `${[s.camera, t(`event.${s.event}`), zoneName(s.detail)].filter(Boolean).join(" ")} · ${dayTime(s.time)}`));
  }) : [el("p", "muted", t("cameras.noEvents"))]));
}
