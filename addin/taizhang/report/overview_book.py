"""The 领导总览 workbook: every campaign of a folder on one printed page each, colour first.

Sheets: 专项行动总览 (one row a master, with durations and the spread of overdue days), 单位总览 (each unit
across all its campaigns, worst first, one column a campaign; 所属办公室 where units are told apart by office),
亮灯走势 (per campaign and unit, its lights on each report day the
masters recorded: the 月晾晒 picture as a colour grid that prints), 说明 (the masters read and the files not read,
with why). A4 landscape, one page wide, header rows repeated, page numbers, as the summary workbook. The bodies of
单位总览 and 亮灯走势 (a row a unit: thousands in a province's overview) are streamed by the patch writer.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from taizhang.fields import LIGHT_ZH
from taizhang.report.overview import Overview
from taizhang.report.summary_book import (
    PCT,
    _font,
    _header_row,
    _int,
    _legend,
    _page,
    _rate,
    _rows,
    _title,
    fit_rows,
    lines_needed,
    row_height,
    text_units,
)
from taizhang.xlsx.parts import BORDER_RGB, FILL_RGB
from taizhang.xlsx.xlsxout import FILL, STRONG, WRAP, chinese_default_font, put

NO_LIGHT = "无问题"
TREND_DAYS = 12  # the last report days shown on 亮灯走势 (a year of monthly report days)


def write_overview(ov: Overview, out: Path) -> None:
    from taizhang.xlsx.storage import atomic_write

    wb = Workbook()
    chinese_default_font(wb)
    d = ov.as_of
    names = ov.campaign_names
    count = (f"{len(names)}个专项行动" if len(names) == len(ov.campaigns)
             else f"{len(ov.campaigns)}个台账总表（{len(names)}个专项行动）")
    sub = f"截至{d.year}年{d.month}月{d.day}日 · {count} · 每个台账总表的数字与其汇总表相同"
    _campaigns(wb.active, ov, sub)
    bodies = {"单位总览": _units(wb.create_sheet("单位总览"), ov, sub),
              "亮灯走势": _trend(wb.create_sheet("亮灯走势"), ov, sub)}
    _notes(wb.create_sheet("说明"), ov, sub)

    def save(tmp) -> None:
        wb.save(tmp)
        # the two sheets a row a unit (2,000 units of 100 lower masters: tens of thousands of cells) are streamed
        # into the saved package, not written through openpyxl cell by cell (as the summary's 督办清单)
        from taizhang.xlsx.xlsxpatch import patch_package

        edits = {name: body for name, body in bodies.items() if body is not None}
        if edits:
            patch_package(Path(tmp), Path(tmp), edits)
    atomic_write(Path(out), save)


def _widths(ws, n: int) -> list[float]:
    """The widths of ``ws``'s first ``n`` columns as set (8.43, Excel's default, where none is)."""
    return [ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, n + 1)]


def _unit_width(ov: Overview, least: float) -> float:
    """A 单位 column as wide as the longest unit name (区人力资源和社会保障局 on one line), up to 30."""
    return min(30.0, max([least] + [text_units(u.unit) + 1.0 for u in ov.units]))


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


def _cell_style(v, fill: str | None, strong: bool, pct: bool) -> tuple:
    """A body cell's style as ``summary_book._style`` gives it through openpyxl: bordered, the row's fill, the light
    column in the light's colour and bold, text wrapped, figures centred."""
    numfmt = PCT if pct and not isinstance(v, str) else "0.0" if isinstance(v, float) else None
    font = f"{STRONG[fill]}-bold" if (fill and strong) else None
    return (FILL_RGB[fill] if fill else None, font, numfmt, "wrap" if isinstance(v, str) and not pct else "center", BORDER_RGB)


def _body(rows: list[list], fills: list[str | None], widths: list[float], light_col: int | None = None,
          pct_cols: tuple[int, ...] = (), cell_fills: list[list[str | None]] | None = None,
          note: str | None = None):
    """A table body from row 4 on as streamed rows (``AppendedRows``): per cell the style ``_cell_style`` names, per
    row the height its wrapped text needs; ``cell_fills`` (per row, per column) colours single cells instead of
    the row (亮灯走势); ``note`` one line under the table after a blank row."""
    from taizhang.xlsx.xlsxpatch import AppendedRows

    if not rows:
        return None
    width = len(rows[0])
    rows = [[_int(v) for v in r] for r in rows]
    cache: dict[tuple, tuple] = {}
    styles: dict[int, list] = {c: [] for c in range(width)}
    lines_of: dict[tuple, int] = {}
    heights: list[float | None] = []
    for i, r in enumerate(rows):
        fill = fills[i] if fills and fills[i] in FILL_RGB else None
        need = 1
        for c, v in enumerate(r):
            f = cell_fills[i][c] if cell_fills is not None else fill
            strong = cell_fills is not None or c + 1 == light_col
            kind = (type(v) is str, isinstance(v, float), f, strong and bool(f), c + 1 in pct_cols)
            got = cache.get(kind)
            if got is None:
                got = cache[kind] = _cell_style(v, f, strong, c + 1 in pct_cols)
            styles[c].append(got)
            if type(v) is str and c < len(widths):
                key = (v, widths[c])
                n = lines_of.get(key)
                if n is None:
                    n = lines_of[key] = lines_needed(v, widths[c])
                need = max(need, n)
        heights.append(row_height(need) if need > 1 else None)
    columns = [list(col) for col in zip(*rows)]
    body = AppendedRows(columns, 4, column_styles=styles, row_heights=heights if any(heights) else None)
    if note:
        _after(body, [None] * width)
        _after(body, [note] + [None] * (width - 1))
    return body


def _after(body, values: list, styles: list | None = None, height: float | None = None) -> None:
    """One more row under ``body`` (a blank row, a legend or note line): its values, per-cell styles (none: plain)
    and height as given."""
    if height is not None and body.row_heights is None:
        body.row_heights = [None] * len(body.columns[0])
    for c, col in enumerate(body.columns):
        col.append(values[c])
        body.column_styles[c].append(styles[c] if styles else None)
    if body.row_heights is not None:
        body.row_heights.append(height)


def _units(ws, ov: Overview, sub: str):
    """One row a unit (office and name: two offices' namesakes are two rows), one column a campaign (not a master:
    100 lower masters of one campaign make one column)."""
    names = ov.campaign_names
    office = ov.by_office
    headers = ["单位", *(["所属办公室"] if office else []), "亮灯", "参加专项行动数", "问题总数", "超期（红灯）", "预警（黄灯）",
               "办结率", *names]
    widths = [_unit_width(ov, 22), *([20] if office else []), 8, 10, 9, 11, 11, 9, *[20] * len(names)]  # "1000个（红17 黄24）" on one line
    _title(ws, "各单位在所有专项行动中的情况", sub + " · 按红灯、黄灯多少排列", len(headers))
    _header_row(ws, 3, headers, widths)
    widths = _widths(ws, len(headers))  # as the headers left them (a column widens to fit its header)
    rows, fills = [], []
    for u in ov.units:
        per = []
        for n in names:
            t, r, y = u.per_campaign.get(n, [None, 0, 0])
            per.append("—" if t is None else (f"{t}个（红{r} 黄{y}）" if t else NO_LIGHT))
        rows.append([u.unit, *([u.office or "—"] if office else []), LIGHT_ZH.get(u.light, NO_LIGHT), len(u.campaigns),
                     u.total, u.red, u.yellow, _rate(u.completion_rate) if u.total else "—", *per])
        fills.append(u.light if u.light in FILL else None)
    note = "“—”：该单位不是这个专项行动的成员单位。" + (
        "同一专项行动有几个台账总表（几个县、几个归口部门各自的台账），单位按各台账总表“参数设置”中的办公室名称区分："
        "不同办公室的同名单位分列两行。" if office else "")
    ws.freeze_panes = "B4"
    _page(ws)
    if not rows:
        put(ws, 4, 1, note).font = _font(color="595959")
        return None
    return _body(rows, fills, widths, light_col=3 if office else 2, pct_cols=(8 if office else 7,), note=note)


def _trend(ws, ov: Overview, sub: str):
    days = ov.report_days[-TREND_DAYS:]
    office = ov.by_office
    lead = ["专项行动", *(["所属办公室"] if office else []), "单位"]
    headers = [*lead, *[f"{d.month}月{d.day}日" if d.year == ov.as_of.year else d.isoformat() for d in days]]
    _title(ws, "各报送日亮灯走势", f"截至{ov.as_of.year}年{ov.as_of.month}月{ov.as_of.day}日 · 每格：该报送日的红灯／黄灯问题数",
           max(len(headers), 6))
    widths = [_campaign_width(ov, 18), *([20] if office else []), _unit_width(ov, 20), *[9] * len(days)]
    _header_row(ws, 3, headers, widths)
    ws.freeze_panes = f"{get_column_letter(len(lead) + 1)}4"
    _page(ws)
    if not ov.trend:
        put(ws, 4, 1, "各台账总表还没有报送日记录（合并报送后才有）。")
        return None
    rows, cell_fills = [], []
    for row in ov.trend:
        values, colours = [row.campaign, *([row.office or "—"] if office else []), row.unit], [None] * len(lead)
        for d in days:
            if d not in row.days:
                values.append(None)
                colours.append(None)
                continue
            total, red, yellow = row.days[d]
            values.append(f"{red}／{yellow}" if total else NO_LIGHT)
            colours.append("red" if red else "yellow" if yellow else "green" if total else None)
        rows.append(values)
        cell_fills.append(colours)
    widths = _widths(ws, len(headers))
    body = _body(rows, [None] * len(rows), widths, cell_fills=cell_fills)  # rows as tall as their wrapped names
    # the three colours this grid uses, under it (a blank row between): the colour's cell styled, the rest plain
    _after(body, [None] * len(headers))
    for key in ("red", "yellow", "green"):
        text = {"red": "有超期问题", "yellow": "有预警问题，没有超期", "green": "问题都按计划推进"}[key]
        values = [LIGHT_ZH[key], text] + [None] * (len(headers) - 2)
        need = max(lines_needed(v, w) for v, w in zip(values, widths) if type(v) is str)
        _after(body, values, [_cell_style(LIGHT_ZH[key], key, True, False)] + [None] * (len(headers) - 1),
               row_height(need) if need > 1 else None)
    return body


def _notes(ws, ov: Overview, sub: str) -> None:
    _title(ws, "读取的台账总表", sub, 3)
    _header_row(ws, 3, ["文件", "专项行动", "说明"], [40, 20, 60])
    rows = [[c.file, c.campaign, f"已读取：{c.totals.total}个问题，{c.units}个成员单位"] for c in ov.campaigns]
    rows += [[f, "", reason] for f, reason in ov.skipped]
    last = _rows(ws, 4, rows)
    fit_rows(ws, 3, last)
    _page(ws)
