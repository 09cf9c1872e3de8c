// The drawer's part for a telemetry station (HJ 212, SL 651): ask it for its current data, and its command log.
import { api, toast } from "./api.js";
import { actorName, el, stamp } from "./format.js";
import { addStrings, t } from "./i18n.js";

addStrings({
  "cmd.title": "站点指令", "cmd.query": "召测实时数据", "cmd.set_clock": "校时", "cmd.sending": "已下发，等待站点应答…",
  "cmd.kind.query": "召测", "cmd.kind.set_clock": "校时", "cmd.kind.read_clock": "读取站点时钟", "cmd.by.auto": "系统自动",
  "cmd.state.sent": "等待应答", "cmd.state.answered": "已应答", "cmd.state.refused": "站点拒绝",
  "cmd.state.timed_out": "应答超时", "cmd.state.not_connected": "站点当前未连接",
  "cmd.why.not_connected": "遥测站主动拨入中心，当前不在线，指令无法下发；待其下次上报时再试。",
  "cmd.readings": "{n} 条数据", "cmd.clockNow": "站点时钟已校为 {at}", "cmd.none": "暂无指令记录", "cmd.failed": "指令未能发送：{why}",
}, {
  "cmd.title": "Station commands", "cmd.query": "Ask for current data", "cmd.set_clock": "Set its clock",
  "cmd.sending": "Sent, waiting for the station…",
  "cmd.kind.query": "Query", "cmd.kind.set_clock": "Clock set", "cmd.kind.read_clock": "Clock read",
  "cmd.by.auto": "the hub",
  "cmd.state.sent": "waiting", "cmd.state.answered": "answered", "cmd.state.refused": "refused by the station",
  "cmd.state.timed_out": "no reply", "cmd.state.not_connected": "station not connected",
  "cmd.why.not_connected": "Stations dial in to the centre; this one is offline now, so nothing can be sent. "
    + "Try again after its next report.",
  "cmd.readings": "{n} readings", "cmd.clockNow": "station clock now {at}", "cmd.none": "No commands yet", "cmd.failed": "The command was not sent: {why}",
});

const STATIONS = new Set(["hj212", "sl651"]);
let busy = null; // the device whose command is on its way: its buttons stay disabled across redraws

/** The drawer's nodes for *device*'s commands: buttons for staff, and the log; none for other devices. */
export async function stationCommands(device, staff, redraw) {
  if (!STATIONS.has(device.adapter)) return [];
  const log = await api(`/api/devices/${encodeURIComponent(device.id)}/commands?limit=8`).catch(() => null);
  if (log === null) return []; // this console holds no station connections: the rest of the drawer still shows
  const nodes = [el("h4", "", t("cmd.title"))];
  if (staff) nodes.push(el("p", "command-buttons", button(device.id, "query", redraw), " ",
    button(device.id, "set_clock", redraw)));
  nodes.push(log.length ? el("ul", "commands", ...log.map(entry)) : el("p", "muted", t("cmd.none")));
  return nodes;
}

function button(id, kind, redraw) {
  const node = el("button", `command-${kind.replace("_", "-")}`, t(`cmd.${kind}`));
  node.type = "button";
  node.disabled = busy === id;
  node.onclick = async () => {
    busy = id;
    node.disabled = true;
    node.textContent = t("cmd.sending");
    try {
      await api(`/api/devices/${encodeURIComponent(id)}/commands`, { method: "POST", body: { kind } });
    } catch (err) {
      toast(t("cmd.failed", { why: err.message }));
    } finally {
      busy = null;
      redraw();
    }
  };
  return node;
}

/** The station server's detail in the page's language where it is one the screen knows (the clock it set). */
function detailText(detail) {
  const clock = /^station clock now (.+)$/.exec(detail ?? "");
  return clock ? t("cmd.clockNow", { at: clock[1] }) : detail;
}

function entry(c) {
  const by = c.by === "auto" ? t("cmd.by.auto") : actorName(c.by);
  const said = c.state === "not_connected" ? t("cmd.why.not_connected")
    : c.state === "answered" && c.kind === "query" ? t("cmd.readings", { n: c.readings }) : detailText(c.detail);
  return el("li", `command state-${c.state}`, `${stamp(new Date(c.sent_at * 1000))} ${t(`cmd.kind.${c.kind}`)} · `,
    el("span", "command-state", t(`cmd.state.${c.state}`)), ` · ${by}`, said ? el("div", "muted", said) : null);
}
