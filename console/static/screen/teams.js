// The team board: each team's status, since when, where it was last seen, and its jobs. Staff hear every
// change on /ws/dispatch; a village cadre (whom that feed refuses) re-reads the board now and then.
import { api } from "./api.js";
import { ago, el, hhmm } from "./format.js";
import { onLang, t } from "./i18n.js";
import { emit } from "./live.js";
import { gridAt, gridFeature } from "./map.js";
import { openTeam } from "./team-board.js";

const CADRE_POLL_MS = 30000;
const teams = new Map();

/** A team's name, or its id when the board does not hold it. */
export const teamName = (id) => teams.get(id)?.name ?? id;
/** A team as the board holds it (status, last fix, members), if it does. */
export const teamOf = (id) => teams.get(id);

export function start(life, setup) {
  life.add(() => { teams.clear(); render(); });
  const reload = life.coalesce(500, () => load(life).catch(() => {}));
  life.add(onLang(render));
  life.every(60000, render); // "since" ages
  life.on("resync", reload);
  life.on("devices", () => { render(); emit("teams", [...teams.values()]); }); // the grids are known now
  if (["admin", "officer"].includes(setup.user.role)) {
    life.socket("/ws/dispatch", { onMessage: (message) => {
      emit("dispatch", message);
      if (message.type === "dispatch" && message.team && teams.has(message.team.id)) {
        teams.get(message.team.id).status = message.team.status;
        render();
      }
      reload();
    } });
  } else {
    life.every(CADRE_POLL_MS, reload);
    life.on("alerts", life.coalesce(5000, reload)); // a dispatch changes an alert too
  }
  load(life).catch(() => {});
}

async function load(life) {
  const list = await api("/api/teams");
  if (life.ended) return; // signed out while the answer was on its way
  teams.clear();
  for (const team of list) teams.set(team.id, team);
  render();
  emit("teams", list);
}

function where(team) {
  if (team.location) {
    const grid = gridAt(team.location.lon, team.location.lat);
    const place = grid ? `${grid} ${gridFeature(grid).properties.name}` : `${team.location.lon.toFixed(4)}, ${team.location.lat.toFixed(4)}`;
    return `${t("teams.at", { place })} · ${hhmm(team.location.time)}`;
  }
  const base = gridFeature(team.base_grid);
  return t("teams.base", { place: base ? `${team.base_grid} ${base.properties.name}` : team.base_grid });
}

const jobs = (n) => (n === 1 ? ` · ${t("teams.job")}` : n ? ` · ${t("teams.jobs", { n })}` : "");

function render() {
  const board = document.getElementById("team-board");
  const cards = [...teams.values()].map((team) => {
    const card = el("article", `team team-${team.status}`,
      el("div", "team-head", el("span", "team-name", team.name), el("span", "chip", t(`team.${team.status}`))),
      el("p", "team-where", where(team)),
      el("p", "team-meta", `${ago(team.since)} · ${t("teams.members", { n: team.members.length })}`,
        jobs(team.active_dispatches.length)));
    card.dataset.team = team.id;
    card.addEventListener("click", () => openTeam(team.id));
    return card;
  });
  board.replaceChildren(...(cards.length ? cards : [el("p", "muted", t("teams.none"))]));
}
