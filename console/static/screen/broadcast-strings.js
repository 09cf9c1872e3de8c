// The broadcast panel's words, Chinese first, English by the header's toggle.
import { actorName } from "./format.js";
import { addStrings, t } from "./i18n.js";

addStrings({
  "bc.open": "应急广播", "bc.title": "应急广播", "bc.close": "关闭", "bc.pending": "{n} 条待确认",
  "bc.proposals": "告警建议的广播（待确认）", "bc.fromAlert": "来自告警 #{id}：{title}", "bc.fromAlertGone": "来自告警 #{id}",
  "bc.confirm": "确认播发", "bc.editConfirm": "修改后播发", "bc.editing": "正在修改告警 #{id} 的建议广播",
  "bc.compose": "新建广播", "bc.source": "内容", "bc.source.text": "文字转语音", "bc.source.recording": "录音",
  "bc.text": "广播内容", "bc.textHint": "例：各位村民请注意，今晚有强降雨，请沿河群众立即转移。",
  "bc.recording": "录音", "bc.recording.none": "（暂无录音，请先上传）", "bc.upload": "上传录音",
  "bc.uploadTitle": "录音名称", "bc.uploadFile": "WAV 文件", "bc.uploaded": "已上传录音“{title}”",
  "bc.newRecording": "新录音：现场录制或上传 WAV 文件", "bc.rec.start": "● 用麦克风录制", "bc.rec.stop": "■ 停止录制", "bc.rec.time": "录制中 {s} 秒…",
  "bc.rec.done": "已录制 {s} 秒：可试听，填写名称后上传", "bc.err.mic": "无法使用麦克风（{why}）",
  "bc.err.insecure": "浏览器只允许 HTTPS 页面或本机使用麦克风",
  "bc.listen": "试听", "bc.forget": "删除录音", "bc.forgotten": "已删除录音“{title}”",
  "bc.targets": "广播对象", "bc.addVillage": "按村（社区）添加…", "bc.addGrid": "按网格添加…",
  "bc.addZone": "按区域添加…", "bc.areaCode": "行政区划代码", "bc.add": "添加", "bc.pickOnMap": "在地图上点选",
  "bc.picking": "点选中：点击地图上的广播或网格", "bc.reach": "共 {n} 个广播终端", "bc.reachNone": "尚未选择广播对象",
  "bc.kind.speakers": "广播", "bc.kind.villages": "村", "bc.kind.grids": "网格", "bc.kind.zones": "区域",
  "bc.kind.area_codes": "区划", "bc.remove": "移除",
  "bc.priority": "优先级", "bc.priority.routine": "常规", "bc.priority.emergency": "紧急（插播）",
  "bc.repeat": "重复", "bc.repeatTimes": "遍", "bc.volume": "音量", "bc.volumeDefault": "默认",
  "bc.when": "播出时间", "bc.when.now": "立即", "bc.when.at": "定时", "bc.when.daily": "每天",
  "bc.expires": "截止", "bc.preview": "试听语音", "bc.previewing": "合成中…", "bc.send": "播发", "bc.sending": "发送中…",
  "bc.sent": "广播 #{id} 已发出，共 {n} 个终端", "bc.confirmed": "广播 #{id} 已确认播发", "bc.cancelled": "广播 #{id} 已取消",
  "bc.jobs": "广播任务", "bc.jobsNone": "暂无广播任务", "bc.cancel": "取消广播", "bc.retry": "重发未播终端", "bc.more": "另有 {n} 个终端（见地图）", "bc.follow": "在地图上查看",
  "bc.summary": "已播 {played}/{targeted}", "bc.failedN": "失败 {n}", "bc.offlineN": "离线 {n}", "bc.cancelledN": "取消 {n}",
  "bc.playingN": "播放中 {n}", "bc.queuedN": "排队 {n}", "bc.repeatN": "{n} 遍", "bc.dailyAt": "每天 {at}",
  "bc.nextRun": "下次 {at}", "bc.by": "{who} 发起", "bc.recorded": "录音", "bc.system": "系统",
  "bc.newProposal": "告警建议了一条广播，请在“应急广播”中确认", "bc.expiresAt": "{at} 前有效",
  "bc.job.proposed": "待确认", "bc.job.scheduled": "待播出", "bc.job.active": "播发中", "bc.job.done": "已完成",
  "bc.job.cancelled": "已取消", "bc.job.expired": "已过期",
  "bc.rc.queued": "排队中", "bc.rc.sending": "发送中", "bc.rc.playing": "播放中", "bc.rc.done": "已播完",
  "bc.rc.failed": "失败", "bc.rc.cancelled": "已取消", "bc.rc.offline": "离线",
  "bc.err.text": "请填写广播内容", "bc.err.recording": "请选择一段录音", "bc.err.target": "请选择广播对象",
  "bc.err.noSpeaker": "所选对象下没有广播终端", "bc.err.areaCode": "行政区划代码应为 2 至 12 位数字",
  "bc.err.when": "请填写播出时间", "bc.err.wav": "只能上传 WAV 录音文件（PCM），不超过 20 MB、10 分钟",
  "bc.err.title": "请填写录音名称", "bc.err.tts": "语音合成失败，请检查服务器上的 espeak-ng",
  "bc.err.notProposed": "该建议广播已被处理或已过期", "bc.err.over": "该广播已结束，无法取消",
  "bc.err.unknown": "对象不存在：{what}", "bc.err.off": "广播服务未运行",
  "bc.err.failed": "操作失败（{status}）", "bc.err.offline": "无法连接服务器",
  "bc.why.noAnswer": "{x} 秒内无应答", "bc.why.noEnd": "未报告播完", "bc.why.offline": "终端离线",
  "bc.why.interrupted": "被广播 #{x} 打断", "bc.why.preempted": "被广播 #{x} 插播，稍后重播",
  "bc.why.cancelled": "已被 {x} 取消", "bc.why.expired": "过期未播", "bc.why.stopped": "在终端上被停止",
  "bc.why.fault": "故障：{x}", "bc.why.restarted": "中心重启后重发", "bc.why.refused": "终端拒绝：{x}",
}, {
  "bc.open": "Broadcast", "bc.title": "Emergency broadcast", "bc.close": "Close", "bc.pending": "{n} to confirm",
  "bc.proposals": "Broadcasts proposed by alerts (to confirm)", "bc.fromAlert": "From alert #{id}: {title}",
  "bc.fromAlertGone": "From alert #{id}",
  "bc.confirm": "Confirm and play", "bc.editConfirm": "Edit, then play", "bc.editing": "Editing the broadcast alert #{id} proposed",
  "bc.compose": "New broadcast", "bc.source": "Content", "bc.source.text": "Text to speech", "bc.source.recording": "Recording",
  "bc.text": "Message", "bc.textHint": "E.g. Heavy rain tonight: people along the river, move to safety now.",
  "bc.recording": "Recording", "bc.recording.none": "(no recording yet: upload one)", "bc.upload": "Upload a recording",
  "bc.uploadTitle": "Recording name", "bc.uploadFile": "WAV file", "bc.uploaded": "Recording \"{title}\" uploaded",
  "bc.newRecording": "New recording: record it here or upload a WAV file", "bc.rec.start": "● Record at the microphone", "bc.rec.stop": "■ Stop recording", "bc.rec.time": "recording {s} s…",
  "bc.rec.done": "{s} s recorded: listen, name it and upload", "bc.err.mic": "Cannot use the microphone ({why})",
  "bc.err.insecure": "Browsers give the microphone to https pages or this machine only",
  "bc.listen": "Listen", "bc.forget": "Delete", "bc.forgotten": "Recording \"{title}\" deleted",
  "bc.targets": "Speakers to reach", "bc.addVillage": "Add a village…", "bc.addGrid": "Add a grid…",
  "bc.addZone": "Add a zone…", "bc.areaCode": "Area code", "bc.add": "Add", "bc.pickOnMap": "Pick on the map",
  "bc.picking": "Picking: click speakers or grids on the map", "bc.reach": "{n} speakers", "bc.reachNone": "No speaker chosen yet",
  "bc.kind.speakers": "speaker", "bc.kind.villages": "village", "bc.kind.grids": "grid", "bc.kind.zones": "zone",
  "bc.kind.area_codes": "area", "bc.remove": "Remove",
  "bc.priority": "Priority", "bc.priority.routine": "Routine", "bc.priority.emergency": "Emergency (pre-empts)",
  "bc.repeat": "Repeat", "bc.repeatTimes": "times", "bc.volume": "Volume", "bc.volumeDefault": "default",
  "bc.when": "When", "bc.when.now": "Now", "bc.when.at": "At", "bc.when.daily": "Every day",
  "bc.expires": "Until", "bc.preview": "Preview speech", "bc.previewing": "Synthesising…", "bc.send": "Broadcast",
  "bc.sending": "Sending…",
  "bc.sent": "Broadcast #{id} sent to {n} speakers", "bc.confirmed": "Broadcast #{id} confirmed",
  "bc.cancelled": "Broadcast #{id} cancelled",
  "bc.jobs": "Broadcasts", "bc.jobsNone": "No broadcast yet", "bc.cancel": "Cancel", "bc.retry": "Send again to those missed", "bc.more": "{n} more speakers (on the map)", "bc.follow": "Show on the map",
  "bc.summary": "played {played}/{targeted}", "bc.failedN": "{n} failed", "bc.offlineN": "{n} offline",
  "bc.cancelledN": "{n} cancelled", "bc.playingN": "{n} playing", "bc.queuedN": "{n} queued", "bc.repeatN": "×{n}",
  "bc.dailyAt": "daily at {at}", "bc.nextRun": "next {at}", "bc.by": "by {who}", "bc.recorded": "recording", "bc.system": "the hub",
  "bc.newProposal": "An alert proposed a broadcast: confirm it under Broadcast", "bc.expiresAt": "valid until {at}",
  "bc.job.proposed": "to confirm", "bc.job.scheduled": "scheduled", "bc.job.active": "playing", "bc.job.done": "done",
  "bc.job.cancelled": "cancelled", "bc.job.expired": "expired",
  "bc.rc.queued": "queued", "bc.rc.sending": "sending", "bc.rc.playing": "playing", "bc.rc.done": "played",
  "bc.rc.failed": "failed", "bc.rc.cancelled": "cancelled", "bc.rc.offline": "offline",
  "bc.err.text": "Type the message", "bc.err.recording": "Choose a recording", "bc.err.target": "Choose whom to reach",
  "bc.err.noSpeaker": "No speaker there", "bc.err.areaCode": "An area code is 2 to 12 digits",
  "bc.err.when": "Give the time", "bc.err.wav": "Only WAV recordings (PCM), up to 20 MB and 10 minutes",
  "bc.err.title": "Name the recording", "bc.err.tts": "Speech synthesis failed: check espeak-ng on the server",
  "bc.err.notProposed": "That proposal was dealt with already, or expired", "bc.err.over": "That broadcast is over",
  "bc.err.unknown": "Not found: {what}", "bc.err.off": "Broadcasting is not running",
  "bc.err.failed": "Failed ({status})", "bc.err.offline": "Cannot reach the server",
  "bc.why.noAnswer": "no answer within {x} s", "bc.why.noEnd": "no end reported", "bc.why.offline": "speaker offline",
  "bc.why.interrupted": "interrupted by broadcast #{x}", "bc.why.preempted": "pre-empted by broadcast #{x}, to play again",
  "bc.why.cancelled": "cancelled by {x}", "bc.why.expired": "expired before it played",
  "bc.why.stopped": "stopped at the speaker", "bc.why.fault": "fault: {x}", "bc.why.restarted": "sent again after a restart",
  "bc.why.refused": "the speaker refused: {x}",
});

// The hub's reasons for a receipt (engine.py), in the screen's language; the speaker's own words kept as they are.
const REASONS = [
  [/^no answer within ([\d.]+) s$/, "bc.why.noAnswer"], [/^no end reported$/, "bc.why.noEnd"],
  [/^(?:went offline|speaker offline)$/, "bc.why.offline"], [/^interrupted by job (\d+)$/, "bc.why.interrupted"],
  [/^pre-empted by job (\d+)$/, "bc.why.preempted"], [/^cancelled by (.+)$/, "bc.why.cancelled"],
  [/^expired before it played$/, "bc.why.expired"], [/^stopped at the speaker$/, "bc.why.stopped"],
  [/^fault:? ?(.*)$/, "bc.why.fault"], [/^hub restarted$/, "bc.why.restarted"],
  [/^(?:failed|rejected):? ?(.*)$/, "bc.why.refused"],
];

/** Why a speaker's receipt is as it is, for the person at the screen. */
export function reasonText(reason) {
  for (const [pattern, key] of REASONS) {
    const found = reason.match(pattern);
    if (found) return t(key, { x: key === "bc.why.cancelled" ? actorName(found[1]) : found[1] ?? "" });
  }
  return reason;
}

/** A refusal from the broadcast API, in the screen's language, with its reason. */
export function explain(err) {
  if (!err?.status) return t("bc.err.offline");
  const detail = typeof err.detail === "string" ? err.detail : "";
  if (err.status === 503) return t(detail.startsWith("speech") ? "bc.err.tts" : "bc.err.off");
  if (detail.includes("reaches no speaker")) return t("bc.err.noSpeaker");
  if (detail.startsWith("no proposed job")) return t("bc.err.notProposed");
  if (detail.startsWith("no unfinished job")) return t("bc.err.over");
  if (detail.startsWith("unknown ")) return t("bc.err.unknown", { what: detail.slice(8) });
  if (err.status === 413 || /WAV|recording is/.test(detail)) return t("bc.err.wav");
  return t("bc.err.failed", { status: err.status });
}
