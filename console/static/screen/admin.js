// The administrator's drawer over the screen: accounts and the audit log. Only an admin gets its button;
// the hub refuses everyone else anyway (403).
import * as accounts from "./accounts.js";
import * as audit from "./audit.js";

const PANES = { users: accounts, audit };
const $ = (id) => document.getElementById(id);

export function start(life, setup) {
  const button = $("admin-open");
  button.hidden = setup.user.role !== "admin";
  if (button.hidden) return;
  button.onclick = () => show("users");
  for (const tab of $("admin").querySelectorAll(".tab")) tab.onclick = () => show(tab.dataset.tab);
  accounts.start(life);
  audit.start(life);
  life.add(() => {
    button.hidden = true;
    button.onclick = null;
    if ($("admin").open) $("admin").close();
  });
}

function show(pane) {
  const drawer = $("admin");
  for (const tab of drawer.querySelectorAll(".tab")) tab.classList.toggle("on", tab.dataset.tab === pane);
  for (const section of drawer.querySelectorAll(".admin-pane")) section.hidden = section.dataset.pane !== pane;
  if (!drawer.open) drawer.showModal(); // modal: Escape closes it, and the screen behind stays as it was
  PANES[pane].load();
}
