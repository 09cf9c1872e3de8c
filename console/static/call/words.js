// The call page's words in Chinese and English (the console's dictionaries, /static/screen/i18n.js), and the
// hub's refusals said in the page's language with what to do, never its English detail.
import { addStrings, t } from "/static/screen/i18n.js";

addStrings({
  "call.title": "视频调度", "call.lobby": "进行中的视频调度", "call.none": "暂无", "call.open": "发起视频调度",
  "call.subject": "主题", "call.alert": "关联告警编号", "call.camera": "共享摄像头", "call.noCamera": "不共享",
  "call.noShareable": "没有可共享的摄像头（只有接入的 RTSP 摄像头可以）", "call.villages": "邀请村（社区）",
  "call.start": "发起", "call.join": "加入（开启摄像头和麦克风）", "call.mute": "静音", "call.unmute": "取消静音",
  "call.camOff": "关闭摄像头", "call.camOn": "打开摄像头", "call.leave": "离开", "call.centre": "中心操作",
  "call.invite": "追加邀请", "call.pickVillage": "选择村（社区）", "call.end": "结束视频调度",
  "call.endAsk": "结束本次视频调度？", "call.remove": "移出", "call.me": "我", "call.muted": "已静音",
  "call.centreSide": "中心", "call.uninvited": "未邀请", "call.openedBy": "发起：{who}",
  "call.joinWhat": "视频调度 #{id}「{title}」，发起：{who}", "call.joinId": "视频调度 #{id}",
  "call.joined": "已加入（{who}）", "call.joining": "正在加入…", "call.rejoining": "连接中断，正在重新加入…",
  "call.cameraTile": "摄像头 {id} {name}", "call.toCases": "案件办理",
  "call.noMedia": "无法打开摄像头或麦克风。请允许浏览器使用摄像头和麦克风；村里的电脑和手机需要通过 HTTPS 打开本页。",
  "call.failed.open": "发起失败：{why}", "call.failed.share": "共享失败：{why}", "call.failed.invite": "邀请失败：{why}",
  "call.failed.remove": "移出失败：{why}", "call.failed.end": "结束失败：{why}",
  "why.camera": "该摄像头不能共享，只有接入的 RTSP（H.264）摄像头可以", "why.village": "没有这个村（社区）",
  "why.shared": "该摄像头已在共享", "why.alert": "没有这个告警，或它已关闭：请核对告警编号", "why.403": "您没有这项操作的权限", "why.404": "这次视频调度已结束或不存在",
  "why.409": "操作与当前状态冲突，请刷新列表后再试", "why.422": "填写的内容有误，请检查后再试",
  "why.503": "视频服务器未运行，请联系管理员", "why.other": "服务器未能完成（{status}），请稍后再试",
  "why.offline": "无法连接服务器，请检查网络", "call.left": "已离开",
  "call.closed.4401": "请先登录", "call.closed.4403": "无权加入此视频调度", "call.closed.4404": "视频调度不存在或已结束",
  "call.closed.4409": "您已在其他页面加入", "call.closed.4410": "视频调度已结束", "call.closed.4429": "视频调度人数已满",
  "call.closed.4503": "视频服务未开启",
}, {
  "call.title": "Video dispatch", "call.lobby": "Open video calls", "call.none": "None", "call.open": "Open a video call",
  "call.subject": "Subject", "call.alert": "Alert number", "call.camera": "Share a camera", "call.noCamera": "No camera",
  "call.noShareable": "No camera can be shared (only connected RTSP cameras can)", "call.villages": "Invite villages",
  "call.start": "Open", "call.join": "Join (camera and microphone on)", "call.mute": "Mute", "call.unmute": "Unmute",
  "call.camOff": "Camera off", "call.camOn": "Camera on", "call.leave": "Leave", "call.centre": "Centre",
  "call.invite": "Invite more", "call.pickVillage": "Pick a village", "call.end": "End the call",
  "call.endAsk": "End this video call?", "call.remove": "Remove", "call.me": "Me", "call.muted": "muted",
  "call.centreSide": "centre", "call.uninvited": "no village invited", "call.openedBy": "opened by {who}",
  "call.joinWhat": "Video call #{id} “{title}”, opened by {who}", "call.joinId": "Video call #{id}",
  "call.joined": "Joined ({who})", "call.joining": "Joining…", "call.rejoining": "Connection lost, joining again…",
  "call.cameraTile": "Camera {id} {name}", "call.toCases": "Case workbench",
  "call.noMedia": "The camera or microphone cannot be opened. Allow the browser to use them; village PCs and " +
    "phones must open this page over HTTPS.",
  "call.failed.open": "Not opened: {why}", "call.failed.share": "Not shared: {why}",
  "call.failed.invite": "Not invited: {why}", "call.failed.remove": "Not removed: {why}", "call.failed.end": "Not ended: {why}",
  "why.camera": "this camera cannot be shared; only connected RTSP (H.264) cameras can",
  "why.village": "no such village", "why.shared": "that camera is shared already",
  "why.alert": "no such open alert: check the alert number",
  "why.403": "you may not do this", "why.404": "this call has ended or does not exist",
  "why.409": "it conflicts with the call's state; reload the list and try again",
  "why.422": "something filled in is wrong; check it and try again", "why.503": "the video server is not running",
  "why.other": "the server could not do it ({status}); try again later", "why.offline": "the server cannot be reached",
  "call.left": "Left", "call.closed.4401": "Sign in first", "call.closed.4403": "You may not join this call",
  "call.closed.4404": "This call does not exist or has ended", "call.closed.4409": "You joined from another page",
  "call.closed.4410": "The call has ended", "call.closed.4429": "The call is full",
  "call.closed.4503": "Video calls are not running",
});

/** A refusal of the hub (status, its English detail) in the page's language. */
export function explain(status, detail = "") {
  if (/cannot be shared/.test(detail)) return t("why.camera");
  if (/no such village/.test(detail)) return t("why.village");
  if (/shared already/.test(detail)) return t("why.shared");
  if (status === 0) return t("why.offline");
  const known = t(`why.${status}`);
  return known === `why.${status}` ? t("why.other", { status }) : known;
}
