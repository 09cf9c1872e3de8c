// The duty officer's big screen: sign-in, then every panel live until sign-out, all without a page reload.
import * as admin from "./admin.js";
import { api } from "./api.js";
import * as alerts from "./alerts.js";
import * as broadcast from "./broadcast.js";
import * as cameras from "./cameras.js";
import * as cases from "./cases.js";
import * as countyLink from "./county-link.js";
import * as details from "./details.js";
import * as feeds from "./feeds.js";
import * as follow from "./follow.js";
import { clock, hubNow, setHubClock, setZone } from "./format.js";
import * as gridwork from "./gridwork.js";
import { onLang } from "./i18n.js";
import * as kpis from "./kpis.js";
import { Lifetime } from "./live.js";
import { hide, startPage, userLabel } from "./login.js";
import * as map from "./map.js";
import * as river from "./river.js";
import * as teams from "./teams.js";

// Feeds last: every panel listens before the first live message arrives.
const PANELS = [kpis, details, map, alerts, river, cameras, teams, follow, admin, feeds];
const $ = (id) => document.getElementById(id);
let life = null;

async function enter() {
  const setup = await api("/api/screen/setup");
  leave();
  setZone(setup.timezone);
  setHubClock(setup.clock);
  hide();
  $("town-name").textContent = setup.town;
  life = new Lifetime();
  const who = () => { $("user").textContent = userLabel(setup.user); };
  who();
  life.add(onLang(who));
  const tick = () => { $("clock").textContent = clock(new Date(hubNow())); }; // the hub's time, as alerts are
  tick();
  life.every(1000, tick);
  life.add(onLang(tick));
  for (const panel of PANELS) panel.start(life, setup);
  gridwork.start(life); // under the case figures
  cases.start(life, setup); // the cases view: on its own socket (/ws/cases), so it needs nothing from the feeds
  broadcast.start(life, setup); // the broadcast panel: on its own socket (/ws/broadcast) too
  countyLink.start(life, setup);
}

function leave() {
  life?.end();
  life = null;
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
}

// An open dialog is modal and closes on Escape by itself; otherwise Escape puts the drawer away.
document.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape" && !document.querySelector("dialog[open]")) details.close();
});
startPage({ title: "login.title", enter, leave });
