"""The county's pages, rendered on the server: the towns, and one town read-only; zh-CN first, English too."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any, Literal
from zoneinfo import ZoneInfo

from hub.county.config import County, CountyTown

Lang = Literal["zh", "en"]
WORDS = {
    "zh": {"title": "县级平台", "town": "乡镇", "link": "连接", "heard": "最后联络", "backlog": "待传",
           "alerts": "未结预警", "worst": "最高级别", "up": "在线", "silent": "失联", "never": "未连接",
           "red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色", "none": "无", "other": "English",
           "severity": "级别", "what": "预警", "device": "设备", "state": "状态", "at": "时间", "cases": "案件",
           "number": "编号", "category": "类别", "due": "办理时限", "overdue": "超期", "yes": "是", "no": "否",
           "directives": "县级指令与通知", "issued": "下发", "acked": "签收", "not_acked": "未签收",
           "back": "返回全县", "empty": "暂无", "stations": "测站", "station": "测站", "basin": "流域",
           "level": "水位 m（警戒）", "rise": "涨率 m/h", "rain": "1小时雨量 mm"},
    "en": {"title": "County platform", "town": "Town", "link": "Link", "heard": "Last heard", "backlog": "Backlog",
           "alerts": "Open alerts", "worst": "Worst", "up": "up", "silent": "silent", "never": "never linked",
           "red": "red", "orange": "orange", "yellow": "yellow", "blue": "blue", "none": "none", "other": "中文",
           "severity": "Severity", "what": "Alert", "device": "Device", "state": "State", "at": "Time",
           "cases": "Cases", "number": "Number", "category": "Category", "due": "Due", "overdue": "Overdue",
           "yes": "yes", "no": "no", "directives": "County directives and notices", "issued": "Issued",
           "acked": "Acknowledged", "not_acked": "not yet", "back": "Back to the county", "empty": "none",
           "stations": "Stations", "station": "Station", "basin": "River", "level": "Level m (warning)",
           "rise": "Rise m/h", "rain": "Rain 1 h mm"},
}
STYLE = """body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}
td,th{padding:.4em 1em;border-bottom:1px solid #ccc;text-align:left}.link-up{color:#17803d}
.link-silent{color:#b91c1c}.sev-red{color:#b91c1c}.sev-orange{color:#c2410c}.sev-yellow{color:#a16207}
.sev-blue{color:#1d4ed8}"""


def render_page(county: County, statuses: list[dict[str, Any]], lang: Lang) -> str:
    """One table of the towns, each leading to its own page; it reloads itself every 10 s."""
    w, e = WORDS[lang], html.escape
    rows = [[f'<a href="/county/towns/{e(s["id"])}?lang={lang}">{e(s["name"])}</a>',
             f'<span class="link-{s["link"]}">{w[s["link"]]}</span>', _when(county, s["last_heard"]),
             str(s["backlog"]), f'<span class="alerts">{s["open_alerts"]}</span>',
             f'<span class="sev-{s["worst"] or "none"}">{w[s["worst"] or "none"]}</span>'] for s in statuses]
    body = _table([w["town"], w["link"], w["heard"], w["backlog"], w["alerts"], w["worst"]], rows, w,
                  [s["id"] for s in statuses])
    return _page(county, f"{e(county.county.name)} {w['title']}", lang, body, refresh=True)


def render_town(county: County, town: CountyTown, alerts: list[dict[str, Any]], cases: list[dict[str, Any]],
                directives: list[dict[str, Any]], stations: list[dict[str, Any]], lang: Lang) -> str:
    """A town read-only: its open alerts, cases with their time limits, stations, the county's directives."""
    w, e = WORDS[lang], html.escape
    alert_rows = [[f'<span class="sev-{e(a["severity"])}">{w.get(a["severity"], e(a["severity"]))}</span>',
                   e(a["title"]), e(a.get("device") or ""), e(a["state"]), _when(county, a["at"])] for a in alerts]
    case_rows = [[e(c["number"]), e(c["category"]), e(c["state"]), _when(county, c.get("due_at")),
                  w["yes"] if c.get("overdue") else w["no"]] for c in cases]
    directive_rows = [[e(d["title"]), _when(county, d["issued_at"]),
                       e(d["acked_by"]) if d.get("acked_by") else w["not_acked"]] for d in directives]
    station_rows = [[e(t["name"]), e(t.get("basin") or ""), _level(t), _number(t["values"].get("water_level_rise")),
                     _number(t["values"].get("rainfall_1h")), _when(county, t.get("at"))] for t in stations]
    sections = [("alerts", ["severity", "what", "device", "state", "at"], alert_rows),
                ("cases", ["number", "category", "state", "due", "overdue"], case_rows),
                ("stations", ["station", "basin", "level", "rise", "rain", "at"], station_rows),
                ("directives", ["what", "issued", "acked"], directive_rows)]
    body = f'<p><a id="back" href="/county?lang={lang}">{w["back"]}</a></p>' + "".join(
        f'<h2 id="{name}">{w[name]}</h2>{_table([w[h] for h in heads], rows, w)}' for name, heads, rows in sections)
    return _page(county, f"{e(town.name)} · {e(county.county.name)}", lang, body, refresh=False)


def _table(heads: list[str], rows: list[list[str]], w: dict[str, str], keys: list[str] | None = None) -> str:
    if not rows:
        return f'<p class="empty">{w["empty"]}</p>'
    head = "".join(f"<th>{h}</th>" for h in heads)
    body = "".join((f'<tr data-town="{html.escape(keys[i])}">' if keys else "<tr>")
                   + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for i, row in enumerate(rows))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _level(station: dict[str, Any]) -> str:
    level, warning = station["values"].get("water_level"), station.get("warning_level")
    return _number(level) + (f"（{warning:.2f}）" if warning is not None else "")


def _when(county: County, ts: float | None) -> str:
    """A time in the county's zone, or a dash."""
    if ts is None:
        return "—"
    return dt.datetime.fromtimestamp(ts, ZoneInfo(county.county.timezone)).strftime("%m-%d %H:%M:%S")


def _page(county: County, title: str, lang: Lang, body: str, refresh: bool) -> str:
    w = WORDS[lang]
    other = "en" if lang == "zh" else "zh"
    meta = '<meta http-equiv="refresh" content="10">' if refresh else ""
    return (f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<link rel="icon" href="data:,">{meta}'
            f"<title>{title}</title><style>{STYLE}</style></head><body><h1>{title}</h1>"
            f'<p><a id="lang" href="?lang={other}">{w["other"]}</a></p>{body}</body></html>')
