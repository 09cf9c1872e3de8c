// Times in the town's time zone (the screen may run on a machine set to UTC), and small DOM helpers.
import { currentLang, t } from "./i18n.js";

let zone = "Asia/Shanghai";
export const setZone = (name) => { zone = name; };

function format(iso, options) {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(currentLang(), { timeZone: zone, hour12: false, ...options }).format(new Date(iso));
}

export const clock = (date) => format(date, { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
  minute: "2-digit", second: "2-digit" });
export const hhmm = (iso) => format(iso, { hour: "2-digit", minute: "2-digit" });
export const dayTime = (iso) => format(iso, { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
export const stamp = (iso) => format(iso, { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  second: "2-digit" });

// The hub's clock as the page estimates it: the demo's runs fast (speed) from hours back until it is real time,
// so an alert it raised a minute ago is not "4 hours ago" by the browser's clock.
let hubAt = { hub: Date.now(), page: Date.now(), speed: 1 };
export function setHubClock({ now, speed }) { hubAt = { hub: new Date(now).getTime(), page: Date.now(), speed }; }
/** The hub's time now (ms), never ahead of the browser's. */
export const hubNow = () => Math.min(Date.now(), hubAt.hub + (Date.now() - hubAt.page) * hubAt.speed);
/** A time the hub took from the wall clock (a device last seen, gone on- or offline) on the hub's clock, as the
 * readings and alerts beside it are: the same moment, replayed hours back during the demo's catch-up. */
export function onHubClock(iso) {
  if (!iso) return iso;
  const wall = new Date(iso).getTime();
  return new Date(Math.min(wall, hubAt.hub + (wall - hubAt.page) * hubAt.speed)).toISOString();
}

/** "3 min ago" for a past time, by the hub's clock. */
export function ago(iso) {
  const s = Math.max(0, hubNow() - new Date(iso).getTime()) / 1000;
  if (s < 60) return t("time.ago.s");
  if (s < 3600) return t("time.ago.m", { n: Math.floor(s / 60) });
  if (s < 86400) return t("time.ago.h", { n: Math.floor(s / 3600) });
  return t("time.ago.d", { n: Math.floor(s / 86400) });
}

/** An element with a class and text, or children. */
export function el(tag, className = "", ...content) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...content.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

// The hub signs what people did as "<role> <name> (<username>)" with the role in Chinese (hub/users/model.py).
const SIGNED_ROLES = { 管理员: "admin", 值班员: "officer", 村干部: "cadre", 巡逻队员: "patrol", 网格员: "grid_worker" };

/** Who did something, as the hub signed it, with the role in the page's language ("Duty officer 张伟 (duty)"). */
export function actorName(actor) {
  const signed = /^(\S+) (.+)$/.exec(actor ?? "");
  const role = signed && SIGNED_ROLES[signed[1]];
  return role ? `${t(`role.${role}`)} ${signed[2]}` : actor;
}

/** A grid's place as people say it: 石门村第一网格, not 石门村石门村第一网格 when the grid's name has its village. */
export const gridPlace = (village, grid) => (grid.startsWith(village) ? grid : `${village}${grid}`);

export const SEVERITY_ORDER = ["red", "orange", "yellow", "blue"];
export const worse = (a, b) => (!a ? b : !b ? a : SEVERITY_ORDER.indexOf(a) <= SEVERITY_ORDER.indexOf(b) ? a : b);

/** A case category's name in the page's language (an option of /api/case-options). */
export const categoryName = (c) => (currentLang() === "en" ? c.name_en ?? c.name : c.name);

/** A case's category name in the page's language. */
export const caseCategory = (c) => (currentLang() === "en" ? c.category_name_en ?? c.category_name : c.category_name);
