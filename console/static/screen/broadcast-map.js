// The broadcast panel on the map: the speakers a draft reaches, the grids picked for it, and the followed job's
// receipt at each speaker, as rings around the speakers' markers (their own colour stays their health).
import { deviceElement, gridElement } from "./map.js";

const RC_CLASSES = ["queued", "sending", "playing", "done", "failed", "cancelled", "offline"].map((s) => `bc-rc-${s}`);
const drawn = { targets: new Set(), grids: new Set(), receipts: new Set() };

function swap(set, next, add, remove) {
  for (const id of set) if (!next.has(id)) remove(id);
  for (const id of next) add(id);
  set.clear();
  for (const id of next) set.add(id);
}

/** Mark the speakers a draft reaches and the grids picked for it. */
export function showTargets(speakers, grids) {
  swap(drawn.targets, new Set(speakers), (id) => deviceElement(id)?.classList.add("bc-target"),
    (id) => deviceElement(id)?.classList.remove("bc-target"));
  swap(drawn.grids, new Set(grids), (id) => gridElement(id)?.classList.add("bc-picked"),
    (id) => gridElement(id)?.classList.remove("bc-picked"));
}

/** Ring each speaker by its receipt in the followed job: *states* maps speaker → receipt state. */
export function showReceipts(states) {
  const paint = (id) => {
    const node = deviceElement(id);
    if (!node) return;
    node.classList.remove(...RC_CLASSES);
    node.classList.add("bc-rc", `bc-rc-${states.get(id)}`);
    node.dataset.receipt = states.get(id);
  };
  const unpaint = (id) => {
    const node = deviceElement(id);
    node?.classList.remove("bc-rc", ...RC_CLASSES);
    if (node) delete node.dataset.receipt;
  };
  swap(drawn.receipts, new Set(states.keys()), paint, unpaint);
}

export function clearMap() {
  showTargets([], []);
  showReceipts(new Map());
}
