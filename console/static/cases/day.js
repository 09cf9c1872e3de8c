// The workbench's day view (#day, or #day/<case id> to book for a case): the centre's mediation rooms and the
// duty judge and legal adviser (the "grid + court" arrangement) in columns, the day's half hours in rows, each
// appointment a block; a free half hour opens the booking form, a block its details and the cancel form (with a
// reason, which the case's trail records). One question to the hub per day shown (GET /api/appointments/day).
import { api } from "/static/screen/api.js";
import { el, hhmm } from "/static/screen/format.js";
import { t } from "/static/screen/i18n.js";
import { appointmentLine, cancelButton } from "./appointments.js";
import { stepForm } from "./forms.js";

const HALF_HOUR = 30 * 60 * 1000;
const LENGTHS = [30, 60, 90, 120];

export class DayView {
  /** *root*: the view's element; env: {options, now()} (the hub's clock, in ms). */
  constructor(root, env) {
    Object.assign(this, { root, env, date: null, day: null, forCase: null, asked: 0, side: el("aside", "day-side") });
    this.clearSide();
  }

  /** The side panel keeps its form through the re-reads a colleague's booking causes; a new day clears it. */
  clearSide() {
    this.side.replaceChildren(el("p", "muted", t("wb.day.pick")));
  }

  goTo(date) {
    this.date = date;
    this.clearSide();
    this.refresh().catch(() => {});
  }

  /** Show *date* (default: the town's today), booking for case *caseId* when given. */
  async show(date, caseId) {
    this.date = date ?? this.date ?? this.today();
    this.clearSide();
    this.forCase = caseId ? await api(`/api/cases/${caseId}`) : null;
    await this.refresh();
  }

  today() {
    return new Intl.DateTimeFormat("en-CA", { timeZone: this.env.options.timezone }).format(new Date(this.env.now()));
  }

  /** Read the day again; the newest question wins when answers cross. */
  async refresh() {
    const asked = ++this.asked;
    const day = await api(`/api/appointments/day?date=${this.date}`);
    if (asked !== this.asked) return;
    this.day = day;
    this.render();
  }

  move(days) {
    const d = new Date(`${this.date}T12:00:00Z`);
    d.setUTCDate(d.getUTCDate() + days);
    this.goTo(d.toISOString().slice(0, 10));
  }

  render() {
    const live = this.day.appointments.filter((a) => !a.cancelled);
    const gone = this.day.appointments.filter((a) => a.cancelled);
    const parts = [this.bar(), this.day.working_day ? null : el("p", "day-note", t("wb.day.off")),
      el("div", "day-body", el("div", "day-grid-box", this.grid(live)), this.side),
      gone.length ? el("section", "day-cancelled", el("h3", "", t("wb.day.cancelled")),
        el("ul", "appointments", ...gone.map(appointmentLine))) : null];
    this.root.replaceChildren(...parts.filter(Boolean));
  }

  bar() {
    const button = (label, fn) => Object.assign(el("button", "", label), { type: "button", onclick: fn });
    const picker = Object.assign(el("input"), { type: "date", name: "date", value: this.date });
    picker.onchange = () => { if (picker.value) this.goTo(picker.value); };
    const c = this.forCase;
    const booking = c ? el("span", "for-case", t("wb.day.forCase", { n: c.number, title: c.title }),
      Object.assign(el("a", "", t("wb.day.backToCase")), { href: `#${c.id}` })) : null;
    return el("header", "day-bar", el("h2", "", t("wb.day.title")), button("‹", () => this.move(-1)), picker,
      button("›", () => this.move(1)), button(t("wb.day.today"), () => this.goTo(this.today())),
      booking, Object.assign(el("a", "nav", t("wb.day.toList")), { href: "#" }));
  }

  /** Half-hour rows of the office periods; per resource a block per appointment, a button per free half hour. */
  grid(live) {
    const starts = this.day.periods.flatMap(([a, b]) => {
      const out = [];
      for (let s = Date.parse(a); s + HALF_HOUR <= Date.parse(b); s += HALF_HOUR) out.push(s);
      return out;
    });
    const free = new Map(Object.entries(this.day.free).map(([r, list]) => [r, new Set(list.map(Date.parse))]));
    const covered = new Set(); // "resource@start" cells a block above already spans
    const head = el("tr", "", el("th", "time", t("wb.day.time")), ...this.day.resources.map((r) => {
      const kind = t(`wb.day.kind.${r.kind}`);
      const th = el("th", r.on_duty ? "" : "off-duty", r.name, r.name.includes(kind) ? null : el("small", "", kind),
        r.on_duty ? null : el("small", "chip", t("wb.day.offDuty")));
      th.dataset.resource = r.id;
      return th;
    }));
    const rows = starts.map((s) => el("tr", "", el("th", "time", hhmm(new Date(s).toISOString())),
      ...this.day.resources.map((r) => this.cell(r, s, live, free, covered, starts)).filter(Boolean)));
    return el("table", "day-grid", el("thead", "", head), el("tbody", "", ...rows));
  }

  cell(resource, start, live, free, covered, starts) {
    if (covered.has(`${resource.id}@${start}`)) return null;
    const a = live.find((x) => x.resource === resource.id && Date.parse(x.start) < start + HALF_HOUR
      && Date.parse(x.end) > start);
    if (a) {
      const spans = starts.filter((s) => s >= start && s < Date.parse(a.end));
      for (const s of spans) covered.add(`${resource.id}@${s}`);
      const block = el("button", "booked", el("b", "", `${hhmm(a.start)}–${hhmm(a.end)}`), el("span", "", a.name),
        el("span", "muted", a.purpose));
      Object.assign(block, { type: "button", onclick: () => this.details(a) });
      block.dataset.appointment = a.id;
      const td = el("td", "slot taken", block);
      td.rowSpan = spans.length;
      return td;
    }
    if (!free.get(resource.id)?.has(start)) return el("td", "slot closed", "");
    const open = Object.assign(el("button", "free", t("wb.day.free")), { type: "button" });
    open.dataset.start = new Date(start).toISOString();
    open.onclick = () => this.bookForm(resource.id, start, starts);
    const td = el("td", "slot", open);
    td.dataset.resource = resource.id;
    return td;
  }

  details(a) {
    const li = appointmentLine(a);
    const ul = el("ul", "appointments", li);
    if (Date.parse(a.end) > this.env.now()) {
      li.append(cancelButton(a, li, () => { this.clearSide(); return this.refresh(); }));
    }
    this.side.replaceChildren(el("h3", "", a.resource_name), ul,
      a.case_id ? Object.assign(el("a", "case-link", t("wb.day.openCase")), { href: `#${a.case_id}` }) : null);
  }

  bookForm(resource, start, starts) {
    const c = this.forCase;
    const whole = c?.requester && !c.requester.phone.includes("*");
    const specs = [
      { name: "resource", kind: "select", required: true, value: resource,
        choices: this.day.resources.filter((r) => r.on_duty).map((r) => [r.id, r.name]) },
      { name: "start", kind: "select", required: true, value: String(start),
        choices: starts.map((s) => [String(s), hhmm(new Date(s).toISOString())]) },
      { name: "minutes", kind: "select", required: true, value: "60", choices: LENGTHS.map((m) => [String(m),
        t("wb.day.minutes", { n: m })]) },
      { name: "name", kind: "text", required: true, value: c?.requester?.name ?? "" },
      { name: "phone", kind: "text", value: whole ? c.requester.phone : "" },
      { name: "purpose", kind: "text", value: c ? c.title : "" },
    ];
    const form = stepForm("book", t("wb.day.book"), specs, async (v) => {
      const body = { ...v, start: new Date(Number(v.start)).toISOString(), minutes: Number(v.minutes),
        case_id: c?.id ?? null };
      await api("/api/appointments", { method: "POST", body });
    }, () => { this.clearSide(); return this.refresh(); });
    this.side.replaceChildren(c ? el("p", "for-case", t("wb.day.forCase", { n: c.number, title: c.title })) : null,
      form);
    form.querySelector("[name=name]").focus();
  }
}
