// A team in the drawer (a click on its card): members, whose phone is signed in and online now, its jobs; for
// staff, per member a one-time sign-in link with its QR code to scan from the screen, and the team's status.
import { api, toast } from "./api.js";
import { reasonOf } from "./ask.js";
import { showView, showing } from "./details.js";
import { followAlert, setTeamStatus } from "./dispatch-view.js";
import { ago, el, stamp } from "./format.js";
import { onLang, t } from "./i18n.js";
import { teamOf } from "./teams.js";

const POLL_MS = 5000; // a phone signing in by its link is seen within this
let staff = false;
let view = null;

export function start(life, setup) {
  staff = ["admin", "officer"].includes(setup.user.role);
  const refresh = life.coalesce(250, () => { if (view && showing(view)) showView(view); });
  life.on("teams", refresh);
  life.every(POLL_MS, refresh);
  life.add(onLang(() => { if (view?.link) view.link.box = null; refresh(); })); // its words are drawn again
  life.add(() => { view = null; });
}

/** Open team *id* in the drawer. */
export function openTeam(id) {
  view = { team: id, link: null, render: () => render(view) };
  showView(view);
}

async function render(shown) {
  const team = teamOf(shown.team);
  if (!team) return [el("p", "muted", t("refused.missing"))];
  const phones = staff ? await api(`/api/teams/${encodeURIComponent(team.id)}/phones`) : [];
  const presence = new Map(phones.map((p) => [p.member, p]));
  shown.presence = presence;
  if (shown.link && (presence.get(shown.link.member)?.phones ?? 0) > shown.link.phones) shown.link = null; // used
  return [el("h3", "", team.name), el("p", "sub", el("span", `chip team-${team.status}`, t(`team.${team.status}`)),
    ` ${ago(team.since)} · ${team.id}`),
  staff ? statusButton(team.id) : null,
  shown.link ? (shown.link.box ??= linkBox(shown.link)) : null, // the same QR node each refresh, so a scan in progress is not cut
  el("h4", "", t("crew.members")),
  el("ul", "crew-members", ...team.members.map((m) => member(shown, m, presence.get(m.id)))),
  el("h4", "", t("crew.jobs")),
  team.active_dispatches.length ? el("ul", "crew-jobs", ...team.active_dispatches.map(job))
    : el("p", "muted", t("crew.noJobs"))];
}

function statusButton(team) {
  const b = el("button", "act act-team-status", t("follow.teamStatus"));
  Object.assign(b, { type: "button" });
  b.dataset.action = "team-status";
  b.addEventListener("click", () => setTeamStatus(team).catch((err) => toast(String(err))));
  return b;
}

function member(shown, m, presence) {
  const row = el("li", "crew-member", el("span", "crew-name", `${m.name}`), el("span", "muted", `${roleName(m.role)} · ${m.id}`),
    presence ? phoneState(presence) : null, staff ? linkButton(shown, m) : null);
  row.dataset.member = m.id;
  return row;
}

/** A member's role in the page's language when it is one of the usual ones (队员 is the hub's default), else as the
 * town file writes it. */
function roleName(role) {
  const key = `crew.role.${role}`;
  const said = t(key);
  return said === key ? role : said;
}

function phoneState(p) {
  if (p.online) return el("span", "chip phone-online", t("crew.online"));
  if (p.phones) return el("span", "chip phone-signed", t("crew.signedIn", { n: p.phones, at: stamp(p.signed_in_at) }));
  return el("span", "chip phone-none", t("crew.notSignedIn"));
}

function linkButton(shown, m) {
  const b = el("button", "act act-link", t("crew.link"));
  Object.assign(b, { type: "button" });
  b.dataset.action = "link";
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      const link = await api(`/api/members/${encodeURIComponent(m.id)}/login-link`, { method: "POST" });
      shown.link = { ...link, name: m.name, phones: shown.presence?.get(m.id)?.phones ?? 0 };
      if (showing(shown)) showView(shown);
    } catch (err) {
      toast(reasonOf(err));
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

function linkBox(link) {
  const qr = el("div", "crew-qr");
  qr.innerHTML = link.qr_svg; // the hub's own SVG (segno), of the link it just made
  const svg = qr.querySelector("svg");
  if (svg && !svg.getAttribute("viewBox")) { // so that it scales to the box, large enough to scan across a room
    svg.setAttribute("viewBox", `0 0 ${svg.getAttribute("width")} ${svg.getAttribute("height")}`);
  }
  const url = el("input", "crew-url");
  Object.assign(url, { readOnly: true, value: link.url });
  const copy = el("button", "", t("crew.copy"));
  Object.assign(copy, { type: "button" });
  copy.addEventListener("click", async () => {
    url.select();
    await navigator.clipboard?.writeText(link.url).catch(() => {});
    copy.textContent = t("crew.copied");
  });
  const box = el("section", "crew-link", el("h4", "", t("crew.linkFor", { name: link.name, member: link.member })), qr,
    el("div", "crew-url-row", url, copy), el("p", "muted", t("crew.linkHint", { at: stamp(link.expires_at) })));
  box.dataset.member = link.member;
  return box;
}

function job(id) {
  const b = el("button", "act act-follow", `${t("follow.open")} #${id}`);
  Object.assign(b, { type: "button" });
  b.addEventListener("click", async () => {
    try {
      const d = await api(`/api/dispatches/${id}`);
      followAlert(await api(`/api/alerts/${d.alert_id}`));
    } catch (err) {
      toast(reasonOf(err));
    }
  });
  return el("li", "", b);
}
