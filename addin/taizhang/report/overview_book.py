"""The 领导总览 workbook: every campaign of a folder on one printed page each, colour first.

Sheets: 专项行动总览 (one row a campaign, with durations and the spread of overdue days), 单位总览 (each unit
across all its campaigns, worst first), 亮灯走势 (per campaign and unit, its lights on each report day the
masters recorded: the 月晾晒 picture as a colour grid that prints), 说明 (the masters read and the files not read,
with why). A4 landscape, one page wide, header rows repeated, page numbers, as the summary workbook.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from taizhang.fields import LIGHT_ZH
from taizhang.report.overview import Overview
from taizhang.report.summary_book import _font, _header_row, _legend, _page, _rate, _rows, _title, fit_rows, text_units
from taizhang.xlsx.xlsxout import BORDER, CENTER, FILL, STRONG, WRAP, chinese_default_font, put

NO_LIGHT = "无问题"
TREND_DAYS = 12  # the last report days shown on 亮灯走势 (a year of monthly report days)


def write_overview(ov: Overview, out: Path) -> None:
    from taizhang.xlsx.storage import atomic_write

    wb = Workbook()
    chinese_default_font(wb)
    d = ov.as_of
    sub = f"截至{d.year}年{d.month}月{d.day}日 · {len(ov.campaigns)}个专项行动 · 每个专项行动的数字与其汇总表相同"
    _campaigns(wb.active, ov, sub)
    _units(wb.create_sheet("单位总览"), ov, sub)
    _trend(wb.create_sheet("亮灯走势"), ov, sub)
    _notes(wb.create_sheet("说明"), ov, sub)
    atomic_write(Path(out), lambda tmp: wb.save(tmp))


def _campaign_width(ov: Overview, least: float) -> float:
    """A 专项行动 column as wide as the longest campaign name (sanluan's 不作为、乱作为、慢作为), up to 30."""
    return min(30.0, max([least] + [text_units(c.campaign) + 1.0 for c in ov.campaigns]))


def _campaigns(ws, ov: Overview, sub: str) -> None:
    ws.title = "专项行动总览"
    headers = ["专项行动", "成员单位", "问题总数", "已办结", "已销号", "正在整改", "超期（红灯）", "预警（黄灯）", "正常（绿灯）",
               "办结率", "按时办结率", "交办到签收（工作日）", "交办到办结（工作日）", "超期工作日（中位／最长）", "最近报送日"]
    _title(ws, "各专项行动总览", sub, len(headers))
    _header_row(ws, 3, headers, [_campaign_width(ov, 20), 9, 9, 8, 8, 9, 11, 11, 11, 8, 11, 12, 12, 14, 12])
    rows, fills = [], []
    for c in ov.campaigns:
        t = c.totals
        spread = (f"{c.overdue_median:g}／{c.overdue_max}" if c.overdue_max is not None else "—")
        rows.append([c.campaign, c.units, t.total, t.done, t.closed, t.in_progress, t.red, t.yellow, t.green,
                     _rate(t.completion_rate), _rate(t.on_time_rate), "—" if c.days_to_sign is None else c.days_to_sign,
                     "—" if c.days_to_done is None else c.days_to_done, spread, c.last_report_day or "—"])
        fills.append("red" if t.red else "yellow" if t.yellow else "green" if t.total else None)
    t = ov.totals
    rows.append(["合计", "", t.total, t.done, t.closed, t.in_progress, t.red, t.yellow, t.green, _rate(t.completion_rate),
                 "", "", "", "", ""])
    fills.append(None)
    last = _rows(ws, 4, rows, fills, light_col=7, pct_cols=(10, 11))
    for c in range(1, len(headers) + 1):
        ws.cell(last, c).font = _font(bold=True)
    fit_rows(ws, 3, last)
    end = _legend(ws, last + 2)
    note = put(ws, end + 2, 1, "交办到签收、交办到办结：有两个日期的问题的平均工作日数（按各台账总表的工作日历，含国务院放假安排和"
                               "本地节假日）；超期工作日：红灯问题超过时限的工作日数。各专项行动按自己方案的时限规则和红绿灯规则计算。")
    note.font = _font(color="595959")
    note.alignment = WRAP
    ws.merge_cells(start_row=end + 2, start_column=1, end_row=end + 2, end_column=len(headers))
    ws.row_dimensions[end + 2].height = 32
    ws.freeze_panes = "B4"
    _page(ws)


def _units(ws, ov: Overview, sub: str) -> None:
    names = [c.campaign for c in ov.campaigns]
    headers = ["单位", "亮灯", "参加专项行动数", "问题总数", "超期（红灯）", "预警（黄灯）", "办结率", *names]
    _title(ws, "各单位在所有专项行动中的情况", sub + " · 按红灯、黄灯多少排列", len(headers))
    _header_row(ws, 3, headers, [22, 8, 10, 9, 11, 11, 9, *[16] * len(names)])
    rows, fills = [], []
    for u in ov.units:
        per = []
        for n in names:
            t, r, y = u.per_campaign.get(n, [None, 0, 0])
            per.append("—" if t is None else (f"{t}个（红{r} 黄{y}）" if t else NO_LIGHT))
        rows.append([u.unit, LIGHT_ZH.get(u.light, NO_LIGHT), len(u.campaigns), u.total, u.red, u.yellow,
                     _rate(u.completion_rate) if u.total else "—", *per])
        fills.append(u.light if u.light in FILL else None)
    last = _rows(ws, 4, rows, fills, light_col=2, pct_cols=(7,))
    fit_rows(ws, 3, last)
    put(ws, last + 2, 1, "“—”：该单位不是这个专项行动的成员单位。").font = _font(color="595959")
    ws.freeze_panes = "B4"
    _page(ws)


def _trend(ws, ov: Overview, sub: str) -> None:
    days = ov.report_days[-TREND_DAYS:]
    headers = ["专项行动", "单位", *[f"{d.month}月{d.day}日" if d.year == ov.as_of.year else d.isoformat() for d in days]]
    _title(ws, "各报送日亮灯走势", f"截至{ov.as_of.year}年{ov.as_of.month}月{ov.as_of.day}日 · 每格：该报送日的红灯／黄灯问题数",
           max(len(headers), 6))
    _header_row(ws, 3, headers, [_campaign_width(ov, 18), 20, *[9] * len(days)])
    r = 3
    for r, row in enumerate(ov.trend, 4):
        put(ws, r, 1, row.campaign).border = BORDER
        put(ws, r, 2, row.unit).border = BORDER
        for c, d in enumerate(days, 3):
            cell = put(ws, r, c, None)
            cell.border = BORDER
            cell.alignment = CENTER
            if d not in row.days:
                continue
            total, red, yellow = row.days[d]
            key = "red" if red else "yellow" if yellow else "green" if total else None
            cell.value = f"{red}／{yellow}" if total else NO_LIGHT
            if key:
                cell.fill = FILL[key]
                cell.font = _font(bold=True, color=STRONG[key])
    if not ov.trend:
        put(ws, 4, 1, "各台账总表还没有报送日记录（合并报送后才有）。")
    for i, key in enumerate(("red", "yellow", "green"), r + 2):  # the three colours this grid uses
        c = put(ws, i, 1, LIGHT_ZH[key])
        c.fill, c.font, c.border = FILL[key], _font(bold=True, color=STRONG[key]), BORDER
        put(ws, i, 2, {"red": "有超期问题", "yellow": "有预警问题，没有超期", "green": "问题都按计划推进"}[key])
    ws.freeze_panes = "C4"
    _page(ws)


def _notes(ws, ov: Overview, sub: str) -> None:
    _title(ws, "读取的台账总表", sub, 3)
    _header_row(ws, 3, ["文件", "专项行动", "说明"], [40, 20, 60])
    rows = [[c.file, c.campaign, f"已读取：{c.totals.total}个问题，{c.units}个成员单位"] for c in ov.campaigns]
    rows += [[f, "", reason] for f, reason in ov.skipped]
    last = _rows(ws, 4, rows)
    fit_rows(ws, 3, last)
    _page(ws)
