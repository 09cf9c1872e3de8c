// The duty officer's big screen: sign-in, then every panel live until sign-out, all without a page reload.
import * as admin from "./admin.js";
import { api, toast, whenSignedOut } from "./api.js";
import * as alerts from "./alerts.js";
import * as cameras from "./cameras.js";
import * as cases from "./cases.js";
import * as details from "./details.js";
import * as feeds from "./feeds.js";
import { clock, setZone } from "./format.js";
import { onLang, t, toggleLang, translate } from "./i18n.js";
import * as kpis from "./kpis.js";
import { Lifetime, onLink } from "./live.js";
import * as login from "./login.js";
import * as map from "./map.js";
import * as river from "./river.js";
import * as teams from "./teams.js";

// Feeds last: every panel listens before the first live message arrives.
const PANELS = [kpis, details, map, alerts, river, cameras, teams, admin, feeds];
const $ = (id) => document.getElementById(id);
let life = null;
let linkState = "connecting";

async function enter() {
  const setup = await api("/api/screen/setup");
  leave();
  setZone(setup.timezone);
  login.hide();
  $("screen").hidden = false;
  $("town-name").textContent = setup.town;
  const { name, role_label: role } = setup.user;
  $("user").textContent = name.startsWith(role) ? name : `${role} ${name}`; // the demo's names carry the role
  life = new Lifetime();
  const tick = () => { $("clock").textContent = clock(new Date()); };
  tick();
  life.every(1000, tick);
  life.add(onLang(() => { tick(); showLink(); }));
  for (const panel of PANELS) panel.start(life, setup);
  cases.start(life, setup); // the cases view: on its own socket (/ws/cases), so it needs nothing from the feeds
}

function leave(reason) {
  life?.end();
  life = null;
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  if (reason !== undefined) login.show(reason);
}

function showLink(state = linkState) {
  linkState = state;
  $("link").className = `link ${state}`;
  $("link").textContent = t(`link.${state}`);
}

async function signOut() {
  try {
    await api("/api/auth/logout", { method: "POST" });
  } finally {
    leave("signedOut");
  }
}

async function boot() {
  translate();
  for (const button of document.querySelectorAll(".lang-toggle")) button.addEventListener("click", toggleLang);
  onLang(login.relabel);
  onLink(showLink);
  whenSignedOut(leave);
  login.listen(() => enter().catch((err) => toast(String(err))));
  $("sign-out").addEventListener("click", () => signOut().catch(() => {}));
  // An open dialog is modal and closes on Escape by itself; otherwise Escape puts the drawer away.
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && !document.querySelector("dialog[open]")) details.close();
  });
  const { user } = await api("/api/screen/session");
  if (user) await enter(); else login.show();
}

boot().catch((err) => { login.show("offline"); toast(String(err)); });
