// How an alert reads on the screen: its title and message in the page's language (the hub writes them in
// Chinese), how long it has repeated and how often, and how the feed groups and orders alerts.
import { SEVERITY_ORDER } from "./format.js";
import { addStrings, currentLang, t } from "./i18n.js";
import { deviceFeature } from "./map.js";

addStrings({
  "alerts.lasting": "持续 {d} · 每 {every}", "alerts.repeats": "重复 {n} 次",
  "dur.s": "{n} 秒", "dur.m": "{n} 分钟", "dur.h": "{n} 小时", "dur.hm": "{h} 小时 {m} 分",
  "alerts.group.more": "展开其余 {n} 条", "alerts.group.less": "收起", "alerts.group.waiting": "{n} 条待确认",
  "alerts.group.count": "{n} 处",
  "resolve.activeTitle": "条件仍然成立，确定解除？",
  "resolve.activeWarning": "该告警的触发条件仍然成立（最近一次 {at}）。解除后，下一次数据若仍达到条件，告警会立即重新出现，" +
    "并从网格员起重新逐级通知。若只是已经知晓，请用“确认”；处置完毕、条件消失后再解除。",
  "resolve.anyway": "仍然解除",
  "reason.no_frames": "视频无画面", "reason.silent": "超时未上报", "reason.never_seen": "从未上报",
  "reason.last_will": "连接中断", "reason.stream": "视频流中断", "reason.message": "收到数据",
  "zone.riverbank": "河岸", "zone.riverside": "河边", "zone.school_gate": "校门口", "zone.road": "道路",
  "zone.bridge": "桥面", "zone.gate": "大门", "zone.square": "广场",
}, {
  "alerts.lasting": "for {d} · every {every}", "alerts.repeats": "repeated {n} times",
  "dur.s": "{n} s", "dur.m": "{n} min", "dur.h": "{n} h", "dur.hm": "{h} h {m} min",
  "alerts.group.more": "Show {n} more", "alerts.group.less": "Show fewer", "alerts.group.waiting": "{n} waiting",
  "alerts.group.count": "{n} places",
  "resolve.activeTitle": "The condition still holds: resolve anyway?",
  "resolve.activeWarning": "This alert's condition still holds (last seen {at}). Once resolved, the next reading " +
    "that meets it raises the alert again at once, and the escalation starts over from the grid worker. To say " +
    "you have seen it, acknowledge it; resolve it once it is dealt with and the condition has gone.",
  "resolve.anyway": "Resolve anyway",
  // The built-in rules' titles and what their messages say, for the English screen (the hub writes Chinese).
  "rule.river-level": "River level over warning", "rule.river-rise": "River rising fast", "rule.rainfall": "Heavy rain",
  "rule.river-level-no-data": "River level data missing", "rule.device-offline": "Device offline",
  "rule.camera-tamper": "Camera covered or moved", "rule.speaker-fault": "Loudspeaker fault",
  "rule.flood-risk": "Flood risk in the basin: rising river and heavy rain",
  "rule.upstream-water": "Water coming from upstream",
  "msg.upstream": "Water from upstream: {town} {station} rising, expected here at {at}",
  "cmp.达到": "at", "cmp.超过": "above", "cmp.低于": "below", "cmp.接近": "near",
  "msg.threshold": "{device}: {quantity} {value} {unit}, {cmp} {line} {unit}",
  "msg.rainfall": "{device}: {window} rainfall {value} mm", "msg.event": "{device}: {event}",
  "msg.quiet": "{device}: no data for {d}", "msg.basin": "Across the {where} basin, each of the rules it combines holds",
  "msg.town": "Across the town, each of the rules it combines holds",
  "reason.no_frames": "no picture", "reason.silent": "silent too long", "reason.never_seen": "never reported",
  "reason.last_will": "connection lost", "reason.stream": "stream lost", "reason.message": "data received",
  "zone.riverbank": "riverbank", "zone.riverside": "riverside", "zone.school_gate": "school gate", "zone.road": "road",
  "zone.bridge": "bridge", "zone.gate": "gate", "zone.square": "square",
});

/** A device event's reason code in words; an unknown one as it is. */
export const reasonName = (code) => (t(`reason.${code}`) === `reason.${code}` ? code : t(`reason.${code}`));
/** A camera zone's id in words; "" for "all", the whole picture. */
export const zoneName = (id) => (!id || id === "all" ? "" : t(`zone.${id}`) === `zone.${id}` ? id : t(`zone.${id}`));

/** The alert's title in the page's language: a built-in rule's own words in English, else the hub's. */
export function alertTitle(a) {
  if (currentLang() !== "en") return a.title;
  const key = `rule.${a.rule}`;
  return t(key) === key ? a.title : t(key);
}

/** The alert's message in the page's language, from what the rule recorded; the hub's Chinese as a fallback. */
export function alertMessage(a) {
  if (currentLang() !== "en") return a.message;
  const device = (a.device && deviceFeature(a.device)?.properties.name) || a.device || a.source;
  const d = a.detail || {};
  const cmp = (a.message.match(/，(达到|超过|低于|接近)/) || [])[1];
  if (d.quantity && d.line !== undefined && a.value !== null && cmp) {
    const unit = (a.message.match(/ ([^ ]*)，/) || [])[1] || "";
    return t("msg.threshold", { device, quantity: t(`q.${d.quantity}`), value: round(a.value), unit,
      cmp: t(`cmp.${cmp}`), line: round(d.line) });
  }
  if (d.window && a.value !== null) return t("msg.rainfall", { device, window: d.window, value: round(a.value) });
  if (d.event) return t("msg.event", { device, event: t(`event.${d.event}`) });
  if (d.upstream_town) return t("msg.upstream", { town: d.upstream_town, station: d.station, at: d.arrives });
  if (a.rule.endsWith("no-data") && a.value !== null) return t("msg.quiet", { device, d: duration(a.value) });
  if (a.wide) return a.wide === "basin" ? t("msg.basin", { where: a.basin || "" }) : t("msg.town");
  return a.message;
}

const round = (v) => String(Math.round(v * 100) / 100);

/** A span of seconds as people say it: 45 秒, 12 分钟, 3 小时, 2 小时 15 分. */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t("dur.s", { n: s });
  if (s < 3600) return t("dur.m", { n: Math.round(s / 60) });
  const h = Math.floor(s / 3600), m = Math.round((s % 3600) / 60);
  return m ? t("dur.hm", { h, m }) : t("dur.h", { n: h });
}

/** "持续 3 小时 · 每 10 秒" for an alert its rule has repeated, rather than a bare count; "" for one raised once. */
export function lasting(a) {
  if (a.count < 2) return "";
  const span = (new Date(a.last_seen_at) - new Date(a.raised_at)) / 1000;
  if (span < 1) return t("alerts.repeats", { n: a.count }); // a burst: no span to speak of yet
  return t("alerts.lasting", { d: duration(span), every: duration(span / (a.count - 1)) });
}

// --- the feed's order -----------------------------------------------------------------------------------
// Alerts of one rule make one group (every rain gauge's 强降雨 together), so repeats of one rule cannot fill the
// feed: a group shows its worst few and folds the rest. The river's own warnings (水位超警, and the basin's flood
// risk) lead, whatever the rain's colour, since they are what a flood night turns on; then groups go by their
// worst severity and their newest raise. Nothing depends on whether an alert is acknowledged, so acknowledging
// one never moves it.

const LEADING = ["river-level", "flood-risk"];
const lead = (a) => (LEADING.includes(a.rule) ? LEADING.indexOf(a.rule) : LEADING.length);
const sevRank = (a) => SEVERITY_ORDER.indexOf(a.severity);
const raised = (a) => new Date(a.raised_at).getTime();
const byWorst = (a, b) => sevRank(a) - sevRank(b) || raised(b) - raised(a) || a.id - b.id;
const byGroup = (x, y) => lead(x.alerts[0]) - lead(y.alerts[0]) || byWorst(x.alerts[0], y.alerts[0])
  || newest(y) - newest(x);

/** Open alerts as groups [{rule, alerts}], in the feed's order; resolved ones come last, each alone. */
export function groupAlerts(all) {
  const open = all.filter((a) => a.state !== "resolved");
  const groups = new Map();
  for (const a of open) {
    if (!groups.has(a.rule)) groups.set(a.rule, { rule: a.rule, alerts: [] });
    groups.get(a.rule).alerts.push(a);
  }
  const ordered = [...groups.values()].map((g) => ({ ...g, alerts: g.alerts.sort(byWorst) }));
  ordered.sort(byGroup);
  const resolved = all.filter((a) => a.state === "resolved").sort(byWorst);
  return [...ordered, ...resolved.map((a) => ({ rule: a.rule, alerts: [a], resolved: true }))];
}

const newest = (g) => Math.max(...g.alerts.map(raised));
