// The two questions the screen asks: a note (to resolve an alert) and which teams to send (to dispatch).
import { alertMessage, alertTitle } from "./alert-words.js";
import { api, toast } from "./api.js";
import { el } from "./format.js";
import { t } from "./i18n.js";
import { placeOf } from "./map.js";
import { teamName } from "./teams.js";

const $ = (id) => document.getElementById(id);

/** The note typed, or null when the officer cancels; *warning* is said above the note, *ok* names the button. */
export function askNote(title, warning = "", ok = t("dialog.ok")) {
  const dialog = $("note-dialog");
  $("note-title").textContent = title;
  $("note-warning").textContent = warning;
  $("note-warning").hidden = !warning;
  $("note-ok").textContent = ok;
  $("note-text").value = "";
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok" ? $("note-text").value.trim() : null),
      { once: true });
  });
}

/** Ask which teams to send to *alert*, suggested by the hub (available and nearest first), and send them. */
export async function openDispatch(alert) {
  const dialog = $("dispatch-dialog");
  dialog.dataset.alertId = alert.id;
  $("dispatch-alert").textContent = `${alertTitle(alert)}: ${alertMessage(alert)}`;
  $("dispatch-error").textContent = "";
  $("dispatch-instructions").value = t("dispatch.default", { place: placeOf(alert), what: alertMessage(alert) });
  $("dispatch-teams").replaceChildren();
  dialog.showModal();
  try {
    const suggested = await api(`/api/alerts/${alert.id}/recommendations`);
    $("dispatch-teams").replaceChildren(...suggested.map((r, i) => choice(r, i === 0 && r.status === "available")));
  } catch (err) {
    $("dispatch-error").textContent = t("act.failed", { why: err.message });
  }
}

function choice(r, checked) {
  const box = el("input");
  Object.assign(box, { type: "checkbox", name: "team", value: r.team, checked });
  const how = t(`dispatch.basis.${r.basis}`);
  return el("label", `team-choice team-${r.status}`, box, el("span", "team-name", teamName(r.team)),
    el("span", "chip", t(`team.${r.status}`)),
    el("span", "eta", `${t("dispatch.eta", { km: r.distance_km.toFixed(1), min: Math.round(r.eta_min) })} · ${how}`));
}

async function send(dialog) {
  const teams = [...dialog.querySelectorAll("input[name=team]:checked")].map((b) => b.value);
  if (!teams.length) { $("dispatch-error").textContent = t("dispatch.pick"); return; }
  const instructions = $("dispatch-instructions").value.trim();
  $("dispatch-send").disabled = true;
  try {
    await api("/api/dispatches", { method: "POST", body: { alert_id: Number(dialog.dataset.alertId), teams, instructions } });
    dialog.close("sent");
  } catch (err) {
    $("dispatch-error").textContent = t("act.failed", { why: err.message });
  } finally {
    $("dispatch-send").disabled = false;
  }
}

$("dispatch-dialog").querySelector("form").addEventListener("submit", (ev) => {
  if (ev.submitter?.value !== "send") return;
  ev.preventDefault();
  send($("dispatch-dialog")).catch((err) => toast(String(err)));
});
