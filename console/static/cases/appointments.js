// A case's appointments in the workbench: the rooms and advisers booked for it, cancelled ones with the reason;
// the centre cancels one with a reason (the case's trail records it) or books another in the day view.
import { api } from "/static/screen/api.js";
import { OPEN_STATES } from "/static/screen/case-feed.js";
import { dayTime, el, hhmm } from "/static/screen/format.js";
import { t } from "/static/screen/i18n.js";
import { stepForm } from "./forms.js";
import { isStaff } from "./steps.js";

/** One appointment as a line: where, when, who, what for; cancelled ones struck through with the reason. */
export function appointmentLine(a) {
  const li = el("li", a.cancelled ? "appointment cancelled" : "appointment",
    el("span", "when", `${dayTime(a.start)}–${hhmm(a.end)}`), el("span", "", a.resource_name),
    el("span", "", [a.name, a.phone].filter(Boolean).join(" ")), a.purpose ? el("span", "muted", a.purpose) : null,
    a.cancelled ? el("q", "", t("wb.appt.cancelledBecause", { why: a.cancel_reason })) : null);
  li.dataset.appointment = a.id;
  return li;
}

/** A button that asks for the reason and cancels *a*; *done* once the hub has. */
export function cancelButton(a, li, done) {
  const button = el("button", "", t("wb.appt.cancel"));
  button.type = "button";
  button.dataset.cancel = a.id;
  button.onclick = () => {
    button.disabled = true;
    li.append(stepForm(`cancel-${a.id}`, t("wb.appt.cancelTitle"), [{ name: "reason", kind: "textarea", required: true }],
      (v) => api(`/api/appointments/${a.id}/cancel`, { method: "POST", body: v }), done));
  };
  return button;
}

/** The case's appointments, listed as the hub answers. ctx: {user, now(), changed()}. */
export function appointmentsBox(detail, ctx) {
  const list = el("ul", "appointments");
  const staff = isStaff(ctx.user);
  const book = staff && OPEN_STATES.includes(detail.state)
    ? Object.assign(el("a", "button-link", t("wb.appt.book")), { href: `#day/${detail.id}`, id: "book-appointment" })
    : null;
  const box = el("section", "case-appointments", el("h3", "", t("wb.appt.title"), book), list);
  api(`/api/cases/${detail.id}/appointments`).then((found) => {
    if (!found.length) { list.replaceChildren(el("li", "muted", t("wb.appt.none"))); return; }
    list.replaceChildren(...found.map((a) => {
      const li = appointmentLine(a);
      if (staff && !a.cancelled && Date.parse(a.end) > ctx.now()) li.append(cancelButton(a, li, ctx.changed));
      return li;
    }));
  }).catch(() => {});
  return box;
}
