// The live case feed (/ws/cases), for the big screen and the case workbench: the open cases in this user's
// scope, whole again after every reconnect (each opening is a snapshot), and the hub's clock, which may run
// apart from the browser's (a demo's is fast; a test's starts on a chosen Monday).
export const OPEN_STATES = ["received", "accepted", "routed", "handling", "handled", "verified"];
export const IN_PROGRESS = ["received", "accepted", "routed", "handling"]; // the unit's clock is running

export class CaseFeed {
  /** Listen for the life of *life*; *changed(message)* after every message (null: a fresh snapshot). */
  constructor(life, changed) {
    this.cases = new Map(); // id → case, open ones only
    this.skew = 0; // hub clock − page clock, ms
    this.changed = changed;
    life.socket("/ws/cases", { onMessage: (message) => this.receive(message) });
    life.add(() => this.cases.clear());
  }

  /** The hub's clock now, in ms. */
  now() { return Date.now() + this.skew; }

  receive(message) {
    if (message.type === "snapshot") {
      this.cases.clear();
      for (const c of message.cases) this.cases.set(c.id, c);
      this.skew = Date.parse(message.now) - Date.now();
      this.changed(null);
      return;
    }
    if (message.type === "case") {
      this.skew = Date.parse(message.entry.time) - Date.now(); // a fresh reading of the hub's clock
      const c = message.case;
      if (OPEN_STATES.includes(c.state)) this.cases.set(c.id, c); else this.cases.delete(c.id);
    } else if (message.type === "case_gone") {
      this.cases.delete(message.id);
    } else {
      return;
    }
    this.changed(message);
  }

  /** Open cases still in the unit's hands past their limit ("late") or past the reminder ("soon"), soonest first. */
  due() {
    const now = this.now();
    const urgency = (c) => {
      if (!IN_PROGRESS.includes(c.state) || !c.due_at) return null;
      if (c.overdue || Date.parse(c.due_at) < now) return "late";
      return c.remind_at && Date.parse(c.remind_at) <= now ? "soon" : null;
    };
    return [...this.cases.values()].map((c) => ({ case: c, urgency: urgency(c) })).filter((d) => d.urgency)
      .sort((a, b) => Date.parse(a.case.due_at) - Date.parse(b.case.due_at));
  }
}
