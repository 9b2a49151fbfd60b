"""The leaders' summary workbook: colour first, tables second, ready to print.

Sheets: 总体情况, 红绿灯排行榜, 分类统计, 督办清单, 报送情况, 催办与材料, 问责提示, 通报. Every sheet
prints on A4 one page wide (landscape; the 通报 sheet portrait), 总体情况 on one page, with the campaign and
as-of date in the title, repeated header rows, page numbers and a colour legend that prints whole beside rows
of its table. Charts are native Excel charts, each on one page. The public version (``public=True``) leaves out 督办清单 and
anything personal: only units and figures.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font

from taizhang.fields import LIGHT_ZH
from taizhang.report.figures import (
    ACCOUNTABILITY_NOTE,
    MENU_NOTE,
    REPORT_FILL,
    REPORT_HEADERS,
    RULE_ZH,
    Figures,
    briefing,
    ranking_ends,
    short_sentence,
    unapproved_sentence,
    unit_label,
)
from taizhang.xlsx.xlsxout import (
    BODY_FONT_NAME,
    BORDER,
    CENTER,
    FILL,
    HEADING_FONT_NAME,
    STRONG,
    WRAP,
    chinese_default_font,
    header_row,
    put,
    styled,
)

PCT = "0.0%"  # rates are stored as fractions (0.333) and shown as 33.3%
NO_LIGHT = "无问题"
SHORT_LIGHT = "未确定"  # a unit without the cases its plan asks of it (seed 000: 1个以上攻坚难题)


def _font(**kw) -> Font:
    return Font(name=BODY_FONT_NAME, **kw)


def _head_font(**kw) -> Font:
    return Font(name=HEADING_FONT_NAME, **kw)


def _rate(v: float | None):
    """A percentage figure (33.3) as the fraction Excel formats with %; "—" when there is nothing to rate."""
    return "—" if v is None else round(v / 100, 4)


def _int(v):
    """Counts read back from a sheet come as 3.0: write them as 3."""
    return int(v) if isinstance(v, float) and v == v and v.is_integer() else v


# ---- row heights: Excel and LibreOffice do not grow rows on open, so wrapped text gets its height here ----
LINE_FACTOR = 1.45  # line height / font size of 等线 and its usual substitutes (Noto Sans CJK: 1.448)


def text_units(text: str, size: float = 11) -> float:
    """Width of ``text`` in Excel column-width units (the default font's digit width) at ``size`` pt."""
    units = 0.0
    for ch in text:
        o = ord(ch)
        units += 2.1 if o >= 0x2E80 or 0xFF00 <= o <= 0xFFEF or ch in "—“”‘’…" else 1.05
    return units * size / 11


def lines_needed(text: str, width: float, size: float = 11) -> int:
    """Lines a wrapped cell of column width ``width`` needs for ``text``."""
    avail = max(1.0, width - 0.8)  # cell padding
    n = 0
    for part in str(text).split("\n"):
        u = text_units(part, size)
        n += max(1, -int(-u // avail)) if u else 1
    return n


def row_height(lines: int, size: float = 11) -> float:
    return round(lines * size * LINE_FACTOR + 3, 1)


HEADER_PAD = 1.0  # a cell's padding and a little to spare, in column-width units
HEADER_MAX_WIDTH = 16.0  # a header wider than this breaks at a word boundary rather than widening its column
_HEADER_BREAK = re.compile(r"(?=[（(])|(?<=[／、])")  # before an opening bracket, after "／" or "、"


def header_lines(text: str, size: float = 11, max_width: float = HEADER_MAX_WIDTH) -> list[str]:
    """``text`` broken at its word boundaries (before "（", after "／" and "、") into the fewest lines that fit
    ``max_width`` (the narrowest such); where no breaking fits, into the narrowest lines it has; a header without
    such a boundary stays whole (its column widens instead).

    >>> header_lines("序时进度差（百分点）")
    ['序时进度差', '（百分点）']
    >>> header_lines("不作为、乱作为、慢作为")
    ['不作为、', '乱作为、慢作为']
    >>> header_lines("城乡环境整治、营商环境优化提升、基层减负增效专项整治")  # no break fits: the narrowest lines
    ['城乡环境整治、', '营商环境优化提升、', '基层减负增效专项整治']
    """
    def key(lines: list[str]) -> tuple:  # what fits: fewest lines, then narrowest; where nothing fits: narrowest
        widest = max(text_units(ln, size) for ln in lines) + HEADER_PAD
        fits = widest <= max_width
        return not fits, len(lines) if fits else 0, widest

    pieces = [p for p in _HEADER_BREAK.split(text) if p]
    if len(pieces) > 8:
        pieces = pieces[:7] + ["".join(pieces[7:])]
    best = [text]
    for mask in range(1, 1 << (len(pieces) - 1)):
        lines, cur = [], pieces[0]
        for i, piece in enumerate(pieces[1:]):
            if mask >> i & 1:
                lines.append(cur)
                cur = piece
            else:
                cur += piece
        lines.append(cur)
        if key(lines) < key(best):
            best = lines
    return best


def fit_header_cells(ws, row: int, size: float = 11, max_width: float = HEADER_MAX_WIDTH) -> None:
    """Each header cell of ``row`` fits its column on whole lines: a column narrower than its header widens (up to
    ``max_width``); a header wider than that breaks at word boundaries ("\\n", wrapped), never inside a word as
    Excel's own wrapping would ("序时进度 / 差（百分点）"); the row is as tall as its most lines."""
    merged = [m for m in ws.merged_cells.ranges if m.min_row <= row <= m.max_row]
    most = 1
    for cell in ws[row]:
        if not isinstance(cell.value, str) or not cell.value.strip():
            continue
        if any(cell.coordinate in m for m in merged):
            continue
        letter = cell.column_letter
        width = ws.column_dimensions[letter].width or 8.43
        lines = cell.value.split("\n")
        need = max(text_units(ln, size) for ln in lines) + HEADER_PAD
        if need > max(width, max_width) and len(lines) == 1:
            lines = header_lines(cell.value, size, max(width, max_width))
            cell.value = "\n".join(lines)
            need = max(text_units(ln, size) for ln in lines) + HEADER_PAD
        if need > width:
            ws.column_dimensions[letter].width = round(need + 0.05, 1)
        if len(lines) > 1 and not cell.alignment.wrap_text:
            cell.alignment = Alignment(horizontal=cell.alignment.horizontal, vertical="center", wrap_text=True)
        most = max(most, len(lines))
    if most > 1:
        ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, row_height(most, size))


def _header_row(ws, row: int, headers: list[str], widths: list[int] | None = None, fills: list | None = None) -> None:
    """``header_row`` for the leaders' sheets: the headers then fit their columns (``fit_header_cells``)."""
    header_row(ws, row, headers, widths, fills)
    fit_header_cells(ws, row)


def fit_rows(ws, first: int, last: int | None = None) -> None:
    """Set each row's height from its wrapped text cells (never lower than one line)."""
    from openpyxl.utils import get_column_letter

    last = last or ws.max_row
    widths = {}
    merged = {rng.min_row for rng in ws.merged_cells.ranges}
    # a table's cells share a few styles and many texts ("—", 无问题): wrap and font size once per style (its
    # alignment and font ids), lines once per text, width and size
    wraps: dict[tuple, tuple[bool, float]] = {}
    counted: dict[tuple, int] = {}
    # one pass over the rows (``ws[r]`` per row would scan every cell of the sheet for its width each time)
    for r, cells in enumerate(ws.iter_rows(min_row=first, max_row=last), first):
        if r in merged:
            continue
        need = 1
        size = 11.0
        for cell in cells:
            if not isinstance(cell.value, str):
                continue
            style = getattr(cell, "_style", None)  # (a merged cell has none of its own)
            ids = (style.alignmentId, style.fontId) if style is not None else None
            got = wraps.get(ids) if ids is not None else None
            if got is None:
                got = (bool(cell.alignment and cell.alignment.wrap_text), float(cell.font.sz or 11) if cell.font else 11.0)
                if ids is not None:
                    wraps[ids] = got
            wrap, sz = got
            if not wrap:
                continue
            letter = get_column_letter(cell.column)
            if letter not in widths:
                widths[letter] = ws.column_dimensions[letter].width or 8.43
            key = (cell.value, widths[letter], sz)
            lines = counted.get(key)
            if lines is None:
                lines = counted[key] = lines_needed(cell.value, widths[letter], sz)
            if row_height(lines, sz) > row_height(need, size):
                need, size = lines, sz
        if need > 1 or size > 11:
            ws.row_dimensions[r].height = row_height(need, size)

LEGEND = [("red", "红灯：超过整改时限仍未办结"), ("yellow", "黄灯：距时限不超过预警工作日，或进度落后于时间进度"),
          ("green", "绿灯：按计划推进"), ("done", "已办结（含查否）：退出排名计算"), ("closed", "已销号：经领导小组审定销号")]


def _axes(chart, top_down: bool = False) -> None:
    """Show both axes (Excel hides them unless told) and list categories in table order."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    if top_down:
        chart.x_axis.scaling.orientation = "maxMin"


SIDE_MARGIN = 0.4  # inches, left and right


def _page(ws, title_rows: int = 3, landscape: bool = True) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{title_rows}:{title_rows}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddHeader.right.text = "&A"
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3


def _title(ws, text: str, sub: str, width: int) -> None:
    put(ws, 1, 1, text).font = _head_font(size=16)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width, 1))
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.row_dimensions[1].height = row_height(1, 16)
    put(ws, 2, 1, sub).font = _font(color="595959")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(width, 1))


def _legend(ws, row: int, col: int = 1) -> int:
    put(ws, row, col, "图例").font = _head_font()
    for i, (key, text) in enumerate(LEGEND, row + 1):
        c = put(ws, i, col, LIGHT_ZH[key])
        c.fill = FILL[key]
        c.font = _font(bold=True, color=STRONG[key])
        c.border = BORDER
        put(ws, i, col + 1, text)
    return row + len(LEGEND)


def _keep_legend(ws, legend: int, end: int, title_rows: int = 3, keep: int = 3) -> None:
    """Manual page breaks down to the legend (rows ``legend``..``end``), so that it prints whole and on a page with
    the last ``keep`` rows of its table: never split, never a page of legend rows alone (LibreOffice and Excel
    break wherever the page is full). Pages are counted conservatively (unset rows 15 pt, a page
    ``CHART_PAGE_CM`` high, at the scale of one page wide), so each manual break comes before the application's own."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.pagebreak import Break

    # one page wide: the columns (digits 7 px wide, as Calibri's, 等线's are 8: the larger scale; 5 px padding) on landscape A4 less _page's side margins
    px = sum((ws.column_dimensions[get_column_letter(c)].width or 8.43) * 7 + 5 for c in range(1, ws.max_column + 1))
    scale = min(1.0, (29.7 / 2.54 - 2 * SIDE_MARGIN) * 72 / (px * 0.75))
    page = CHART_PAGE_CM / 2.54 * 72 / scale
    height = lambda r: ws.row_dimensions[r].height or 15.0  # noqa: E731
    head = height(title_rows)

    def breaks(forced: int | None) -> list[int]:
        """The first row of each page after the first (``forced`` starts one)."""
        out, used = [], 0.0
        for r in range(1, end + 1):
            if r == forced or (used + height(r) > page and r > 1):
                out.append(r)
                used = head
            used += height(r)
        return out

    starts = breaks(None)
    on_page = max((s for s in starts if s <= legend), default=1)
    split = any(legend < s <= end for s in starts)
    filled = [r for r in range(title_rows + 1, legend) if any(c.value is not None for c in ws[r])]
    if filled and (split or len([r for r in filled if r >= on_page]) < min(keep, len(filled))):
        starts = breaks(filled[-min(keep, len(filled))])  # the legend's page starts ``keep`` rows before it
    for s in starts:
        if s - 1 not in {b.id for b in ws.row_breaks.brk}:
            ws.row_breaks.append(Break(id=s - 1))


def _rows(ws, top: int, rows: list[list], fills: list[str | None] | None = None, light_col: int | None = None,
          pct_cols: tuple[int, ...] = ()) -> int:
    """A bordered table body; columns in ``pct_cols`` (1-based) hold rates as fractions shown as %."""
    r = top - 1
    for r, values in enumerate(rows, top):
        fill = fills[r - top] if fills and fills[r - top] in FILL else None
        for c, v in enumerate(values, 1):
            v = _int(v)
            cell = put(ws, r, c, v)
            kind = ("pct" if c in pct_cols else "text" if isinstance(v, str)
                    else "float" if isinstance(v, float) else "date" if isinstance(v, dt.date) else "other")
            strong = fill if (fill and c == light_col) else None
            styled(cell, ("summary", kind, fill, strong), lambda cell, kind=kind, fill=fill, strong=strong: _style(cell, kind, fill, strong))
    return r


def _style(cell, kind: str, fill: str | None, strong: str | None) -> None:
    cell.border = BORDER
    cell.alignment = WRAP if kind == "text" else CENTER
    cell.font = _font(bold=True, color=STRONG[strong]) if strong else _font()
    if kind == "float":
        cell.number_format = "0.0"
    elif kind == "pct":
        cell.number_format = PCT
    elif kind == "date":
        cell.number_format = "yyyy-mm-dd"
    if fill:
        cell.fill = FILL[fill]


def _chart_fonts(chart, title: str) -> None:
    """Chart title and axis labels in 等线 (Excel's chart default is Calibri); every category labelled."""
    from openpyxl.chart.text import RichText
    from openpyxl.chart.title import title_maker
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
    from openpyxl.drawing.text import Font as DFont

    def props(sz: int, bold: bool = False) -> CharacterProperties:
        face = DFont(typeface=BODY_FONT_NAME)
        return CharacterProperties(latin=face, ea=face, sz=sz, b=bold)

    labels = props(800)

    t = title_maker(title)
    for p in t.tx.rich.p:
        p.pPr = ParagraphProperties(defRPr=props(1200, True))
        for run in p.r or []:
            run.rPr = props(1200, True)
    chart.title = t
    for axis in (chart.x_axis, chart.y_axis):
        axis.txPr = RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=labels), endParaRPr=labels)])
        if axis.title is not None and isinstance(axis.title, str):
            axis.title = title_maker(axis.title)
    chart.x_axis.tickLblSkip = 1  # every unit labelled
    chart.x_axis.tickMarkSkip = 1


def _rate_axis(chart) -> None:
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.y_axis.majorUnit = 0.2
    chart.y_axis.number_format = "0%"
    chart.y_axis.numFmt.sourceLinked = False if chart.y_axis.numFmt is not None else None


def _count_axis(chart, biggest: int) -> None:
    chart.y_axis.scaling.min = 0
    step = 1
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if biggest / step <= 10:
            break
    chart.y_axis.majorUnit = step
    chart.y_axis.number_format = "0"


def write_summary(figs: Figures, out: Path, reports: list[list] | None, public: bool) -> None:
    wb = Workbook()
    chinese_default_font(wb)
    sub = f"截至 {figs.as_of.isoformat()}" + ("（公开版：仅含单位和统计数字）" if public else "")
    _overview(wb.active, figs, sub)
    _ranking(wb.create_sheet("红绿灯排行榜"), figs, sub, public)
    _categories(wb.create_sheet("分类统计"), figs, sub)
    supervise = None if public else _supervise(wb.create_sheet("督办清单"), figs, sub)
    _reports(wb.create_sheet("报送情况"), figs, sub, reports or [], public)
    _reminders(wb.create_sheet(REMIND_SHEET), figs, sub)
    _campaign_rules(wb.create_sheet("问责提示"), figs, sub, public)
    _briefing(wb.create_sheet("通报"), figs, sub)
    wb.save(out)
    if supervise is not None and supervise.columns and supervise.columns[0]:
        from taizhang.xlsx.xlsxpatch import patch_package

        patch_package(out, out, {"督办清单": supervise})  # tens of thousands of rows: streamed, not through openpyxl


def _overview(ws, figs: Figures, sub: str) -> None:
    ws.title = "总体情况"
    _title(ws, f"{figs.campaign}专项行动推进情况", sub, 8)
    t = figs.totals
    # 正在整改 = 红 + 黄 + 绿 + 持续整改 + 时限无法确定: every state has its column, so the row adds up
    # (the last two after the rates, where the sheets before them had nothing)
    headers = ["问题总数", "已办结", "已销号", "正在整改", "超期（红灯）", "预警（黄灯）", "正常（绿灯）", "办结率",
               "按时办结率", "持续整改", "时限无法确定"]
    _header_row(ws, 3, headers, [12] * len(headers))
    values = [t.total, t.done, t.closed, t.in_progress, t.red, t.yellow, t.green, _rate(t.completion_rate),
              _rate(t.on_time_rate), t.long_term, t.no_deadline]
    _rows(ws, 4, [values], pct_cols=(8, 9))
    for col, key in ((5, "red"), (6, "yellow"), (7, "green"), (2, "done"), (3, "closed")):
        ws.cell(row=4, column=col).fill = FILL[key]
        ws.cell(row=4, column=col).font = _font(bold=True, size=14, color=STRONG[key])
    ws.row_dimensions[4].height = row_height(1, 14)
    row = 6
    if figs.change:
        c = figs.change
        put(ws, row, 1, f"与上次（{figs.previous_day}）相比：问题总数 {c.get('total', 0):+d}，已办结 {c.get('done', 0):+d}，"
                        f"已销号 {c.get('closed', 0):+d}，超期 {c.get('red', 0):+d}，预警 {c.get('yellow', 0):+d}")
        row += 2
    row = _durations(ws, figs, row)
    for title, groups in (("按工作阶段（按交办日期所在阶段）", figs.phases), ("按线索来源", figs.sources)):
        if not groups:
            continue
        put(ws, row, 1, title).font = _head_font()
        _header_row(ws, row + 1, ["类别", "问题数", "已办结", "已销号", "超期", "预警", "办结率"])
        row = _rows(ws, row + 2, [[g.name, g.total, g.done, g.closed, g.red, g.yellow, _rate(g.completion_rate)] for g in groups],
                    pct_cols=(7,)) + 2
        if groups is figs.phases and figs.phase_rule:  # how a case is attributed to a stage
            note = put(ws, row - 1, 1, f"注：{figs.phase_rule}")  # wrapped across the table, not past its right edge
            note.alignment = Alignment(wrap_text=True, vertical="top")
            ws.merge_cells(start_row=row - 1, start_column=1, end_row=row - 1, end_column=len(headers))
            ws.row_dimensions[row - 1].height = row_height(lines_needed(note.value, 30 + 12 * (len(headers) - 1)))
    c = figs.closing  # 回访, 重办, 抽查 from the 审批台账: totals here; 重办 per unit on 红绿灯排行榜 (as the 通报 names them)
    if c:
        put(ws, row, 1, "回访和抽查（审批台账）").font = _head_font()
        _header_row(ws, row + 1, ["回访次数", "满意（含基本满意）", "满意率", "重办数", "抽查属实", "抽查不属实", "整改不到位"])
        spot = c["spot"]
        row = _rows(ws, row + 2, [[c["visits"], c["satisfied"], _rate(c["satisfaction"]), c["redo"], spot.get("属实", 0),
                                   spot.get("不属实", 0), spot.get("整改不到位", 0)]], pct_cols=(3,)) + 2
    _legend(ws, row)
    ws.column_dimensions["A"].width = 30
    fit_rows(ws, 3)
    _page(ws)
    ws.page_setup.fitToHeight = 1  # the leaders' one page: its few tables and the legend never split or stand alone


def _durations(ws, figs: Figures, row: int) -> int:
    """办理用时: mean working days 交办 → 签收 (where the campaign has 签收) and → 办结, the on-time rates, and the
    spread of overdue working days — the numbers the 领导总览 shows for this campaign (``figures.durations``)."""
    d, t = figs.durations, figs.totals
    sign = figs.sign_workdays is not None or d.days_to_sign is not None
    num = lambda v: "—" if v is None else v  # noqa: E731
    headers, values, pct = [], [], []
    if sign:
        headers += ["交办到签收平均（工作日）", "按时签收率"]
        values += [num(d.days_to_sign), _rate(d.sign_on_time_rate)]
        pct.append(2)
    headers += ["交办到办结平均（工作日）", "按时办结率", "超期问题", "超期中位数（工作日）", "超期最多（工作日）"]
    values += [num(d.days_to_done), _rate(t.on_time_rate), d.overdue_cases, num(d.overdue_median), num(d.overdue_max)]
    pct.append(len(headers) - 3)
    put(ws, row, 1, "办理用时（按本台账的工作日历计算工作日）").font = _head_font()
    _header_row(ws, row + 1, headers)
    for c in range(1, len(headers) + 1):
        ws.cell(row=row + 1, column=c).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return _rows(ws, row + 2, [values], pct_cols=tuple(pct)) + 2


CHART_ROW_PT = 15.0
CHART_ROW_CM = CHART_ROW_PT / 72 * 2.54
CHART_PAGE_CM = 16.0  # what a landscape A4 page holds below its margins, header and footer, at 100 %


def _rows_pt(ws, first: int, last: int) -> float:
    """The printed height of rows ``first``..``last`` (15 pt where no height is set, as Excel's default)."""
    return sum(ws.row_dimensions[r].height or 15.0 for r in range(first, last + 1))


def _ranking(ws, figs: Figures, sub: str, public: bool = False) -> None:
    """Ranked units (those with cases), then the units with no cases as 无问题, unranked; 未报送 marked. Where the
    审批台账 holds 重办, a last column 重办数 per unit (``figs.closing``, the figures the 通报 names them by; only in the
    office's version, as the 通报's)."""
    schedule = figs.rank_rule == "schedule"  # 序时进度 (seed 000): the figures it ranks by, in three more columns
    redo = {} if public or not figs.closing or not figs.closing.get("redo") else figs.closing["redo_by_unit"]
    # 配合单位 (#27): the cases each unit works on beside their 责任单位, last and apart (not in 问题数 or the ranking)
    co = any(u.co_cases for u in figs.units) or bool(figs.co_unlisted)
    width = (14 if schedule else 11) + (1 if redo else 0) + co
    _title(ws, f"{figs.campaign} · 红绿灯排行榜", sub + f"    排名规则：{RULE_ZH[figs.rank_rule]}", width)
    headers = ["排名", "单位", "单位亮灯", "问题数", "已办结", "已销号", "超期（红）", "预警（黄）", "正常（绿）", "办结率", "按时办结率"]
    widths = [6, 26, 10, 8, 8, 8, 10, 10, 10, 10, 11]
    if schedule:
        headers, widths = headers + ["完成进度", "时间进度", "序时进度差（百分点）"], widths + [10, 10, 12]
    if redo:  # 回访不满意退回重办 (审批台账), counted against the unit
        headers, widths = headers + ["重办数"], widths + [8]
    if co:
        headers, widths = headers + ["配合问题数（其中未办结）"], widths + [14]
    _header_row(ws, 3, headers, widths)
    rule_line = ws.cell(row=2, column=1)  # the rule and its tie-breaks in full, wrapped across the table
    rule_line.alignment = WRAP
    ws.row_dimensions[2].height = row_height(lines_needed(rule_line.value, sum(widths)))
    ranked = [u for u in figs.units if u.rank is not None]
    unranked = [u for u in figs.units if u.rank is None]

    def extra(u):
        out = [_rate(u.progress_avg), _rate(u.time_avg), "—" if u.schedule_gap is None else u.schedule_gap] if schedule else []
        return out + ([redo.get(u.unit, 0)] if redo else []) + co_cell(u)

    def co_cell(u):
        return [f"{u.co_cases}（{u.co_open}）" if u.co_cases else "—"] if co else []
    rows = [[u.rank, unit_label(u), LIGHT_ZH[u.light], u.total, u.done, u.closed, u.red, u.yellow, u.green,
             _rate(u.completion_rate), _rate(u.on_time_rate)] + extra(u) for u in ranked]
    last = _rows(ws, 4, rows, [u.light for u in ranked], light_col=3, pct_cols=(10, 11, 12, 13) if schedule else (10, 11))
    n = len(rows)
    short = [u for u in unranked if u.below_min]  # the plan asks each unit for cases (seed 000): not 无问题
    waiting = [u for u in unranked if not u.below_min and u.unapproved]  # seed 000: its 攻坚难题 not yet 核准
    unranked = [u for u in unranked if not u.below_min and not u.unapproved]
    if short:
        put(ws, last + 2, 1, f"以下{len(short)}个单位尚未确定问题（方案要求每个单位确定{figs.min_cases}个以上），不参加排名"
            ).font = _head_font()
        last = _rows(ws, last + 3, [["—", unit_label(u), SHORT_LIGHT, 0, 0, 0, 0, 0, 0, "—", "—"] + (["—"] * 3 if schedule else [])
                                    + ([redo.get(u.unit, 0)] if redo else []) + co_cell(u) for u in short],
                     ["red"] * len(short), light_col=3)
    if waiting:
        put(ws, last + 2, 1, f"以下{len(waiting)}个单位新报的攻坚难题待核准，未计入，不参加排名").font = _head_font()
        last = _rows(ws, last + 3, [["—", f"{unit_label(u)}（待核准{u.unapproved}个，未计入）", "待核准", 0, 0, 0, 0, 0, 0,
                                     "—", "—"] + (["—"] * 3 if schedule else []) + ([redo.get(u.unit, 0)] if redo else [])
                                    + co_cell(u) for u in waiting])
    if unranked:
        put(ws, last + 2, 1, f"以下{len(unranked)}个单位没有问题，不参加排名（{NO_LIGHT}）").font = _head_font()
        last = _rows(ws, last + 3, [["—", unit_label(u), NO_LIGHT, 0, 0, 0, 0, 0, 0, "—", "—"] + (["—"] * 3 if schedule else [])
                                    + ([redo.get(u.unit, 0)] if redo else []) + co_cell(u) for u in unranked])
    if co:  # what the column counts, and the 配合单位 the unit list does not name
        put(ws, last + 2, 1, "配合问题数：本单位作为配合单位（协办单位）参与的问题数，括号内为其中尚未办结的；这些问题由责任单位报送，"
            "计入责任单位的问题数和排名，不计入配合单位的。" + ("成员单位名单中没有的配合单位（按原文）："
                                                   + "、".join(f"{n} {k}个" for n, k in figs.co_unlisted.items()) + "。"
                                                   if figs.co_unlisted else "")).font = _font()
        last += 2
    top, bottom = ranking_ends(figs)
    if top:
        put(ws, last + 2, 1, "排名前列：" + "、".join(unit_label(u) for u in top)
            + ("；排名靠后：" + "、".join(unit_label(u) for u in bottom) if bottom else "")
            + "（通报草稿引用的即是这几个单位）").font = _font()
        last += 2
    fit_rows(ws, 4, last)
    ws.freeze_panes = "C4"
    legend_end = _legend(ws, last + 2, 2)
    _keep_legend(ws, last + 2, legend_end)
    if n:
        # each chart on a page of its own below the table (a manual page break before each), as wide as the
        # table, with one bar and one label per ranked unit
        from openpyxl.worksheet.pagebreak import Break

        h = min(16.0, max(7.0, n * 0.5 + 3.5))  # a landscape A4 page holds about 17 cm below the repeated header
        rows_per_chart = int(h / CHART_ROW_CM) + 2
        first = legend_end + 2
        for r in range(first, first + 2 * rows_per_chart):
            ws.row_dimensions[r].height = CHART_ROW_PT  # fixed, so the reserved rows are as tall as the chart
        chart = BarChart()
        chart.type = "bar"
        chart.y_axis.title = "办结率"
        chart.add_data(Reference(ws, min_col=10, min_row=3, max_row=3 + n), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=2, min_row=4, max_row=3 + n))
        chart.height, chart.width = h, 23
        chart.legend = None
        chart.gapWidth = 40
        _axes(chart, top_down=True)
        _rate_axis(chart)
        _chart_fonts(chart, "各单位办结率（参加排名的单位）")
        ws.row_breaks.append(Break(id=first - 2))  # a blank row above: LibreOffice draws the frame's top edge a hair above its row
        ws.add_chart(chart, f"A{first}")
        stacked = BarChart()
        stacked.type = "bar"
        stacked.grouping = "stacked"
        stacked.overlap = 100
        stacked.y_axis.title = "问题数"
        stacked.add_data(Reference(ws, min_col=7, max_col=9, min_row=3, max_row=3 + n), titles_from_data=True)
        stacked.set_categories(Reference(ws, min_col=2, min_row=4, max_row=3 + n))
        for series, color in zip(stacked.series, ("C00000", "FFC000", "00B050")):
            series.graphicalProperties.solidFill = color
        stacked.height, stacked.width = h, 23
        stacked.gapWidth = 40
        stacked.legend.position = "b"
        _axes(stacked, top_down=True)
        _count_axis(stacked, max((u.red + u.yellow + u.green for u in ranked), default=1))
        _chart_fonts(stacked, "各单位红黄绿灯问题数（正在整改）")
        second = first + rows_per_chart
        if 2 * rows_per_chart * CHART_ROW_CM > CHART_PAGE_CM:  # a few units (up to 7): both charts share one page
            ws.row_breaks.append(Break(id=second - 2))
        ws.add_chart(stacked, f"A{second}")
    _page(ws)


def _categories(ws, figs: Figures, sub: str) -> None:
    # a campaign whose categories name no 牵头督办部门 (sanluan) gets no column of blanks: the names take its width
    sup = 1 if any(g.supervisor for g in figs.categories) else 0
    _title(ws, f"{figs.campaign} · 分类统计", sub, 9 + sup)
    headers = ["问题类别", "牵头督办部门", "问题数", "已办结", "已销号", "正在整改", "超期（红）", "预警（黄）", "办结率", "按时办结率"]
    widths = [40, 16, 8, 8, 8, 10, 10, 10, 10, 11]
    if not sup:
        headers, widths = headers[:1] + headers[2:], [56] + widths[2:]
    _header_row(ws, 3, headers, widths)
    rows = [[g.name, *([g.supervisor] if sup else []), g.total, g.done, g.closed, g.in_progress, g.red, g.yellow,
             _rate(g.completion_rate), _rate(g.on_time_rate)] for g in figs.categories]
    last = _rows(ws, 4, rows, ["red" if g.red else "yellow" if g.yellow else None for g in figs.categories],
                 pct_cols=(8 + sup, 9 + sup))
    fit_rows(ws, 4, last)
    n = len(rows)
    if n:
        chart = BarChart()
        chart.type = "bar"  # horizontal: long category names stay readable
        chart.y_axis.title = "问题数"
        chart.add_data(Reference(ws, min_col=2 + sup, min_row=3, max_row=3 + n), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=4, max_row=3 + n))
        chart.legend = None
        chart.height, chart.width = min(CHART_PAGE_CM, max(8, n * 0.7 + 2.5)), 24  # never taller than a page
        _axes(chart, top_down=True)
        _count_axis(chart, max((g.total for g in figs.categories), default=1))
        _chart_fonts(chart, "各类别问题数")
        # the chart never splits across pages: on the table's page if it fits below it, else on a page of its own;
        # its rows get a fixed height, so the table after it starts below it
        from openpyxl.worksheet.pagebreak import Break

        rows_for_chart = int(chart.height / CHART_ROW_CM) + 2
        first = last + 3
        if _rows_pt(ws, 1, last) + 2 * CHART_ROW_PT + chart.height / 2.54 * 72 > CHART_PAGE_CM / 2.54 * 72:
            ws.row_breaks.append(Break(id=first - 1))
        for r in range(first, first + rows_for_chart):
            ws.row_dimensions[r].height = CHART_ROW_PT
        ws.add_chart(chart, f"A{first}")
        row = first + rows_for_chart
        if figs.supervisors:
            ws.row_breaks.append(Break(id=row - 1))
    else:
        row = last + 2
    if figs.supervisors:
        put(ws, row, 1, "按牵头督办部门").font = _head_font()
        _header_row(ws, row + 1, ["牵头督办部门", "", "问题数", "已办结", "已销号", "正在整改", "超期（红）", "预警（黄）", "办结率", "按时办结率"])
        end = _rows(ws, row + 2, [[g.name, "", g.total, g.done, g.closed, g.in_progress, g.red, g.yellow, _rate(g.completion_rate),
                                   _rate(g.on_time_rate)] for g in figs.supervisors], pct_cols=(9, 10))
        fit_rows(ws, row + 2, end)
    _page(ws)


def _supervise(ws, figs: Figures, sub: str) -> None:
    _title(ws, f"{figs.campaign} · 督办清单（红灯、黄灯问题）", sub + "    超期最久的排在最前", 9)
    headers = ["序号", "问题编号", "责任单位", "问题类别", "问题描述", "牵头领导", "整改时限", "剩余工作日", "超期工作日"]
    widths = [6, 16, 20, 22, 46, 10, 12, 10, 10]
    _header_row(ws, 3, headers, widths)
    items = figs.supervise
    if items is None:
        raise ValueError("figures computed without supervise=True carry no 督办清单")
    not_reported = {u.unit for u in figs.units if u.report_state == "未报送"}
    units = [(o.unit + "（未报送）") if o.unit in not_reported else o.unit for o in items]
    columns = [list(range(1, len(items) + 1)), [o.id for o in items], units,
               [o.category for o in items], [o.description for o in items], [o.leader for o in items],
               [o.deadline for o in items], [o.remaining_workdays for o in items], [o.days_overdue or None for o in items]]
    fills = [o.light if o.light in FILL else None for o in items]
    ws.freeze_panes = "A4"
    _page(ws)
    from taizhang.xlsx.xlsxpatch import BORDER_RGB, STYLES, AppendedRows

    def cell_style(v, fill):  # as ``_style`` does through openpyxl for the small tables
        kind = "text" if isinstance(v, str) else "float" if isinstance(v, float) else "date" if isinstance(v, dt.date) else "other"
        numfmt = {"float": "0.0", "date": "yyyy-mm-dd"}.get(kind)
        return (STYLES[fill][0] if fill else None, None, numfmt, "wrap" if kind == "text" else "center", BORDER_RGB)

    styles = {c: [cell_style(v, f) for v, f in zip(col, fills)] for c, col in enumerate(columns)}
    text_cols = [c for c in range(len(columns)) if c in (1, 2, 3, 4, 5)]
    heights = []
    for i in range(len(items)):
        lines = max(lines_needed(columns[c][i], widths[c]) if isinstance(columns[c][i], str) else 1 for c in text_cols)
        heights.append(row_height(lines) if lines > 1 else None)
    return AppendedRows(columns, 4, column_styles=styles, row_heights=heights)


PUBLIC_REPORT_COLUMNS = (0, 2)  # 单位名称, 报送情况: file names and notes often carry a clerk's name and phone


def _reports(ws, figs: Figures, sub: str, reports: list[list], public: bool = False) -> None:
    headers, widths = REPORT_HEADERS, [24, 12, 12, 30, 12, 6, 6, 6, 6, 40, 36]
    if public:
        headers, widths = [headers[i] for i in PUBLIC_REPORT_COLUMNS], [widths[i] for i in PUBLIC_REPORT_COLUMNS]
        reports = [[r[i] if i < len(r) else None for i in PUBLIC_REPORT_COLUMNS] for r in reports]
        reports = [r for r in reports if r[0] != "（无法识别的单位）"]  # those rows are only a file name
    _title(ws, f"{figs.campaign} · 报送情况", sub, len(headers))
    _header_row(ws, 3, headers, widths)
    if not reports:
        put(ws, 4, 1, "台账总表中还没有合并报送的记录（请先运行“合并报送”）。").font = _font()
    else:
        rows = [[_int(v) for v in r] for r in reports]
        last = _rows(ws, 4, rows, [REPORT_FILL.get(str(r[-1] if public else r[2])) for r in reports])
        fit_rows(ws, 4, last)
        if short_sentence(figs):
            put(ws, last + 2, 1, short_sentence(figs)).font = _font(color=STRONG["red"])
        if unapproved_sentence(figs):
            put(ws, last + 2 + bool(short_sentence(figs)), 1, unapproved_sentence(figs)).font = _font()
    _page(ws)


REMIND_SHEET = "催办与材料"
REMIND_HEADERS = ["单位名称", "本期报送情况", "本期催办次数", "累计催办次数", "已报送材料", "尚欠材料"]
MATERIALS_TABLE = ["材料名称", "截止日期", "报送对象", "已报送单位数", "未报送单位数"]


def _reminders(ws, figs: Figures, sub: str) -> None:
    """催办与材料: per unit, how often the office reminded it (催办记录: this report period, and in all) and the plan's
    materials it has sent and still owes (材料报送); above, each material's count of units sent and owed."""
    _title(ws, f"{figs.campaign} · 催办与材料", sub, len(REMIND_HEADERS))
    row = 3
    if figs.materials:
        put(ws, row, 1, "方案要求报送的材料").font = _head_font()
        _header_row(ws, row + 1, MATERIALS_TABLE, [24, 14, 16, 14, 30, 40])
        body = [[m.name, m.due or "（日期待定）", m.to, m.received, m.owed] for m in figs.materials]
        row = _rows(ws, row + 2, body, ["red" if m.overdue else None for m in figs.materials]) + 2
    else:
        put(ws, row, 1, "本专项行动方案没有要求单独报送的材料（可在台账总表的“材料报送”表中添加）。").font = _font()
        row += 2
    _header_row(ws, row, REMIND_HEADERS, [24, 14, 16, 14, 30, 40])
    body = [[u.unit, u.report_state or "（尚未合并）", u.reminded, u.reminded_total, "、".join(u.materials_received) or "—",
             "、".join(u.materials_owed) or "—"] for u in figs.units]
    fills = ["red" if any("已逾期" in o for o in u.materials_owed) else "yellow" if u.reminded else None for u in figs.units]
    last = _rows(ws, row + 1, body, fills)
    fit_rows(ws, row + 1, last)
    put(ws, last + 2, 1, f"催办次数按台账总表“催办记录”表计（本期为{figs.period or '本报送期'}；用“催报与临期提醒”发出后确认记录）；"
                         "材料按报送文件夹中文件名或文档标题含材料名称和单位名称的文件计，日期为台账助手首次收到的日期。").font = \
        _font(color="595959")
    _page(ws)


def _campaign_rules(ws, figs: Figures, sub: str, public: bool) -> None:
    """问责提示 (suggestions from the plan's own ladder, never decisions), then how this campaign's own rules stand:
    时限规则, 长期整改, late sign-off and feedback, 区级协调, and the figures per 归口汇总部门."""
    for col, width in zip("ABCDEF", (24, 12, 22, 22, 50, 24)):
        ws.column_dimensions[col].width = width
    _title(ws, f"{figs.campaign} · 问责提示与专项规则执行情况", sub, 6)
    row = 4
    put(ws, row, 1, "问责提示（建议）").font = _head_font()
    if public:
        put(ws, row + 1, 1, "公开版不含问责提示。")
        row += 3
    else:
        put(ws, row + 1, 1, ACCOUNTABILITY_NOTE).alignment = WRAP
        ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=6)
        ws.row_dimensions[row + 1].height = 32
        _header_row(ws, row + 2, ["责任单位", "红灯问题数", f"连续有红灯的报送日数（≥{figs.escalate_after}）", "建议措施",
                                 "方案原文", "已登记的处置措施"])
        items = [[a["unit"], a["red"], a["consecutive_days"], a["step"] + ("（已至最高一级）" if a.get("top") else ""),
                  a["quote"], a["decided"] or "—"] for a in figs.accountability]
        if items:
            last = _rows(ws, row + 3, items, ["red"] * len(items), light_col=4)
            for r, item in enumerate(items, row + 3):  # the plan's words wrap in their column: room for every line
                ws.row_dimensions[r].height = max(18, 15 * -(-max(len(item[4]), len(item[5]) * 2) // 24))
            row = last + 2
        else:
            put(ws, row + 3, 1, f"没有连续{figs.escalate_after}个报送日有红灯问题的单位。")
            row += 5
        if figs.listing:
            first = figs.listing[0]
            put(ws, row, 1, f"{first['step']}建议（供筛选）：{first['quote']}").font = _head_font()
            _header_row(ws, row + 1, ["问题编号", "责任单位", "超期工作日", "建议措施", "问题描述", ""])
            row = _rows(ws, row + 2, [[c["id"], c["unit"], c["days_overdue"], c["step"], c["description"], ""]
                                      for c in figs.listing], ["red"] * len(figs.listing), light_col=4) + 2
        if figs.menu:  # the plan's consequences by conduct and severity: listed for the office, never suggested
            put(ws, row, 1, "方案规定的其他措施（按情节由办公室选择）").font = _head_font()
            put(ws, row + 1, 1, MENU_NOTE).alignment = WRAP
            ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=6)
            ws.row_dimensions[row + 1].height = 32
            _header_row(ws, row + 2, ["措施", "性质", "方案原文", "", "", ""])
            ws.merge_cells(start_row=row + 2, start_column=3, end_row=row + 2, end_column=6)
            menu = [[m["step"], m["kind"], m["quote"], "", "", ""] for m in figs.menu]
            last = _rows(ws, row + 3, menu)
            for r, m in enumerate(figs.menu, row + 3):
                ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=6)
                ws.row_dimensions[r].height = max(18, 15 * -(-len(m["quote"]) // 40))
            row = last + 2
    t = figs.totals
    put(ws, row, 1, "专项规则执行情况").font = _head_font()
    facts = [["时限规则", figs.deadline_rule or "—", "没有写明整改时限的问题按此规则计算时限；写明的整改时限优先"],
             ["长期整改（持续整改）", t.long_term, "需要长期解决的问题，按进度跟踪，不计超期"],
             ["提交区级协调", t.coord, "办公室在台账“区级协调”列标记的问题"],
             ["已登记处置措施", t.disposed, "办公室在台账“处置措施”列登记的问题"]]
    if figs.sign_workdays:  # only where a 签收 limit is set (seed 004, or the office's own setting)
        facts.insert(2, ["签收逾期", t.late_sign, f"未在交办后{figs.sign_workdays}个工作日内签收部署"])
    if figs.feedback_workdays:
        facts.insert(3 if figs.sign_workdays else 2, ["反馈逾期", t.late_feedback,
                                                      f"办结后未在{figs.feedback_workdays}个工作日内反馈办理情况"])
    _header_row(ws, row + 1, ["项目", "数量", "说明", "", "", ""])
    ws.merge_cells(start_row=row + 1, start_column=3, end_row=row + 1, end_column=6)
    last = _rows(ws, row + 2, [f + ["", "", ""] for f in facts])
    for r in range(row + 2, last + 1):
        ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=6)
    row = last + 2
    if figs.routes:
        put(ws, row, 1, "按归口汇总部门").font = _head_font()
        _header_row(ws, row + 1, ["归口汇总部门", "问题数", "已办结", "已销号", "超期（红）", "预警（黄）", "办结率"])
        row = _rows(ws, row + 2, [[g.name, g.total, g.done, g.closed, g.red, g.yellow, _rate(g.completion_rate)]
                                  for g in figs.routes], pct_cols=(7,)) + 2
    for dept in dict.fromkeys(figs.route_of_type.values()):  # each 归口汇总部门 sums up its own units
        mine = [u for u in figs.units if figs.route_of_type.get(u.unit_type) == dept]
        if not mine:
            continue
        put(ws, row, 1, f"{dept}汇总（{'、'.join(t for t, d in figs.route_of_type.items() if d == dept)}）").font = _head_font()
        _header_row(ws, row + 1, ["单位", "问题数", "已办结", "已销号", "超期（红）", "预警（黄）", "办结率"])
        row = _rows(ws, row + 2, [[u.unit, u.total, u.done, u.closed, u.red, u.yellow, _rate(u.completion_rate)] for u in mine],
                    [u.light for u in mine], light_col=1, pct_cols=(7,)) + 2
    fit_rows(ws, 3)  # wrapped headers and the plan's words get the height they need
    _page(ws)


def _briefing(ws, figs: Figures, sub: str) -> None:
    """The 通报 itself is a Word document in 公文 format; this sheet points to it and gives its main points."""
    _title(ws, f"关于{figs.campaign}专项行动推进情况的通报", sub, 1)
    top, bottom = ranking_ends(figs)
    lines = [  # for leaders: what the 通报 is and where it is, never a command to type
        "通报草稿是一份 Word 文档（GB/T 9704-2012 公文格式），与本表的数字出自同一次统计，由领导小组办公室修改定稿后印发。",
        f"    草稿放在台账总表旁，文件名为“（台账总表文件名）-通报（草稿）-{figs.as_of.isoformat()}.docx”；"
        "每个有超期（红灯）问题的单位另有一份督办通知单。",
        "    通报引用的排名前列、靠后单位即“红绿灯排行榜”中的："
        + ("、".join(unit_label(u) for u in top) or "（无）") + "；" + ("、".join(unit_label(u) for u in bottom) or "（无）") + "。",
        "通报要点：",
    ] + ["    " + para for para in briefing(figs)]
    for i, text in enumerate(lines, 4):
        c = put(ws, i, 1, text)
        c.font = _font(size=12)
        c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 80  # fits A4 portrait unscaled (LibreOffice does not scale 100 down: cut off)
    fit_rows(ws, 4)
    _page(ws, landscape=False)
