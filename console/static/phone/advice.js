"use strict";
// What the patrol phone says at a button the hub would refuse, or did refuse, in Chinese and with what to do;
// and the links of a job: navigate to the scene, call the grid worker or the centre.
const STATE_WORDS = { assigned: "待确认", acknowledged: "已确认", en_route: "前往中", on_scene: "在现场",
  cleared: "已完成", cancelled: "已取消" };
const STEP_WORDS = { acknowledge: "确认接单", en_route: "出发", on_scene: "到达现场", clear: "处置完毕" };

const Advice = {
  /** Why the hub will refuse *step* as it stands, said before it is queued; null when it may go. */
  before(step, rules, note, fix) {
    if (rules?.location_required.includes(step) && !fix) {
      return `还没有取得手机定位，无法登记“${STEP_WORDS[step]}”。请打开手机的定位（GPS）并允许本页使用位置，` +
        "到开阔处稍等片刻，再点一次。";
    }
    if (rules?.note_required.includes(step) && !note) {
      return `请先在上面的“说明”里写下处置情况（做了什么、现场现状），再点“${STEP_WORDS[step]}”。`;
    }
    return null;
  },

  /** The hub's refusal of a step (status, its English detail) in Chinese, with what to do. */
  refused(step, status, detail = "") {
    const what = `“${STEP_WORDS[step] || step}”未被接受：`;
    if (/needs a GPS fix/.test(detail)) return `${what}没有手机定位。请打开定位（GPS）并允许本页使用位置，稍后再点一次。`;
    if (/needs a note/.test(detail)) return `${what}缺少说明。请在“说明”里写下处置情况后再点一次。`;
    const state = (detail.match(/is (?:already )?(\w+)$/) || [])[1];
    if (state === "cancelled") return `${what}值班员已取消这项任务，无需再处理。如有疑问请致电中心。`;
    if (state) return `${what}这项任务已是“${STATE_WORDS[state] || state}”，无需重复操作。`;
    if (status === 403) return `${what}这项任务已改派给其他队伍。如有疑问请致电中心。`;
    if (status === 404) return `${what}这项任务已结束或不存在。如有疑问请致电中心。`;
    return `${what}中心暂不能登记（${status}）。请稍后再试，或致电中心。`;
  },

  /** The hub's answer to a sign-in link, in Chinese. */
  signInRefused(status) {
    if (status === 403) return "这个登录链接已使用过、已过期或无效。请向值班员索取新的登录链接或二维码。";
    if (status === 422) return "登录链接不完整。请重新扫描值班员给的二维码，或完整打开链接。";
    if (status === 429) return "尝试次数过多，请稍后再打开登录链接。";
    return `暂时无法登录（${status}）。请检查网络后重新打开链接，或联系值班员。`;
  },

  /** Links of a job: to the scene (geo: and a map app) and to the people to call. */
  links(job, centre) {
    const out = [];
    if (job.place) {
      const [lon, lat] = job.place;
      const name = encodeURIComponent(job.place_name || job.alert?.title || "现场");
      out.push({ cls: "nav-geo", text: "导航到现场", href: `geo:${lat},${lon}?q=${lat},${lon}(${name})` });
      out.push({ cls: "nav-amap", text: "高德地图导航",
        href: `https://uri.amap.com/navigation?to=${lon},${lat},${name}&mode=car&coordinate=wgs84&callnative=1` });
    }
    if (job.worker) out.push({ cls: "call-worker", text: `致电网格员 ${job.worker.name}`, href: `tel:${job.worker.phone}` });
    if (centre) out.push({ cls: "call-centre", text: `致电${centre.role}`, href: `tel:${centre.phone}` });
    return out;
  },
};
