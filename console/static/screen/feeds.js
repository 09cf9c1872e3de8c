// The shared live feed (/ws/live): readings and device events, told to every panel on the page's bus.
// After a reconnect, or when the hub says this screen fell behind, panels re-read their state ("resync").
import { emit } from "./live.js";

export function start(life) {
  let opened = false; // the first opening needs no resync: the panels have just read their state
  life.socket("/ws/live", {
    onOpen: () => { if (opened) emit("resync"); opened = true; },
    onMessage: (message) => {
      if (message.type === "readings") emit("readings", message.items);
      else if (message.type === "device_event") emit("device-event", message);
      else if (message.type === "dropped") emit("resync");
    },
  });
}
