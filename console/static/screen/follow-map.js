// The marks of a followed dispatch on the town map: the scene, and each team's fixes as a track ending at its
// latest position. One group on the map, replaced at each redraw and taken off when the drawer shows another thing.
import * as L from "/vendor/leaflet/leaflet-src.esm.js";
import { deviceFeature, gridFeature, leafletMap } from "./map.js";

let group = null;

/** Where the alert happened: its device, else the middle of its grid. [lat, lon] or null. */
export function sceneOf(alert) {
  const device = alert.device && deviceFeature(alert.device);
  if (device) return [device.geometry.coordinates[1], device.geometry.coordinates[0]];
  const grid = alert.grid && gridFeature(alert.grid);
  if (!grid) return null;
  const ring = grid.geometry.coordinates[0];
  const mean = (i) => ring.reduce((sum, p) => sum + p[i], 0) / ring.length;
  return [mean(1), mean(0)];
}

function icon(className, html, data) {
  const attributes = Object.entries(data).map(([k, v]) => `data-${k}="${v}"`).join(" ");
  return L.divIcon({ className: "follow-icon", iconSize: null,
    html: `<span class="${className}" ${attributes}>${html}</span>` });
}

/** Draw *tracks* ({team, label, points: [[lat, lon], …]}) and the scene; fit the map to them when *fit*. */
export function drawMarks(scene, tracks, fit) {
  const map = leafletMap();
  clearMarks();
  if (!map) return;
  group = L.layerGroup().addTo(map);
  const all = [];
  if (scene) {
    const mark = icon("follow-scene", "◎", { scene: "1" });
    L.marker(scene, { icon: mark, keyboard: false, zIndexOffset: 900 }).addTo(group);
    all.push(scene);
  }
  for (const track of tracks) {
    if (!track.points.length) continue;
    if (track.points.length > 1) L.polyline(track.points, { className: "follow-track", weight: 3 }).addTo(group);
    const last = track.points[track.points.length - 1];
    const data = { team: track.team, lat: last[0], lon: last[1], track: track.points.map((p) => p.join(",")).join(" ") };
    L.marker(last, { icon: icon("follow-fix", track.team, data),
      keyboard: false, zIndexOffset: 1000 }).bindTooltip(track.label).addTo(group);
    all.push(...track.points);
  }
  // The drawer covers the right of the map: keep the marks left of it.
  if (fit && all.length) {
    map.flyToBounds(L.latLngBounds(all), { paddingTopLeft: [40, 40], paddingBottomRight: [420, 40], maxZoom: 15,
      duration: 0.6 });
  }
}

export function clearMarks() {
  group?.remove();
  group = null;
}
