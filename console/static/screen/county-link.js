// The header's way to the county's work (/county-work/), for duty officers and admins, with how many items wait
// there for an answer: routed cases, broadcast requests and directives. A town without a county link has none.
import { api } from "./api.js";

const EVERY_MS = 10000;

export function start(life, setup) {
  const link = document.getElementById("county-link");
  link.hidden = !["admin", "officer"].includes(setup.user.role);
  if (link.hidden) return;
  const count = async () => {
    const lists = await Promise.all(["/api/county/routed-cases", "/api/county/broadcast-requests",
      "/api/county/directives"].map((path) => api(path)));
    const waiting = lists[0].filter((r) => r.state === "waiting").length
      + lists[1].filter((b) => b.state === "waiting").length + lists[2].filter((d) => !d.acked_at).length;
    document.getElementById("county-waiting").textContent = waiting ? String(waiting) : "";
  };
  count().catch(() => {});
  life.every(EVERY_MS, () => count().catch(() => {}));
}
