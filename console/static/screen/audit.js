// The audit log, for admins: newest first, a page at a time back to the oldest, optionally of one user.
import { api } from "./api.js";
import { el, stamp } from "./format.js";
import { onLang, t } from "./i18n.js";

const PAGE = 50;
const $ = (id) => document.getElementById(id);
const log = { username: "", page: 0, rows: [] }; // page: 1 for the newest entries, 2 for the next older …

export function start(life) {
  $("audit-filter").onsubmit = (ev) => { ev.preventDefault(); load(); };
  $("audit-newest").onclick = load;
  $("audit-older").onclick = () => read(log.rows.at(-1).seq, log.page + 1);
  life.add(onLang(render));
  life.add(() => {
    Object.assign(log, { username: "", page: 0, rows: [] });
    $("audit-filter").reset();
    render();
  });
}

/** The newest page of the user named in the filter, if any (each time the drawer opens on the log, and on
 *  asking again); older pages keep that filter. */
export function load() {
  log.username = $("audit-filter").elements.username.value.trim();
  return read(null, 1);
}

async function read(beforeSeq, page) {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (log.username) query.set("username", log.username);
  if (beforeSeq !== null) query.set("before_seq", String(beforeSeq));
  try {
    Object.assign(log, { rows: await api(`/api/audit?${query}`), page });
    render();
  } catch (err) {
    if (err.status !== 401) $("audit-status").textContent = t("act.failed", { why: err.message });
  }
}

function render() {
  const { rows, page } = log;
  $("audit-table").tBodies[0].replaceChildren(...rows.map((e) => {
    const row = el("tr", "", el("td", "num", stamp(e.time)), el("td", "", e.username ?? t("audit.nobody")),
      el("td", "", e.role ? t(`role.${e.role}`) : ""), el("td", "", e.action), el("td", "", e.target),
      el("td", e.status >= 400 ? "num bad" : "num", String(e.status)), el("td", "", e.ip), el("td", "", e.detail));
    row.dataset.seq = e.seq;
    return row;
  }));
  const end = rows.length < PAGE; // a full page may still be the last: the next one then comes back empty
  $("audit-older").disabled = end;
  $("audit-status").textContent = !page ? ""
    : rows.length ? `${t("audit.page", { n: page })}${end ? ` · ${t("audit.end")}` : ""}` : t("audit.none");
}
