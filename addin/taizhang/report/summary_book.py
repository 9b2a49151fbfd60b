"""The leaders' summary workbook: colour first, tables second, ready to print.

Sheets: 总体情况, 红绿灯排行榜, 分类统计, 督办清单, 报送情况, 通报. Every page
is A4 landscape, one page wide, with the campaign and as-of date in the title,
repeated header rows, page numbers and a colour legend. Charts are native
Excel charts. The public version (``public=True``) leaves out 督办清单 and
anything personal: only units and figures.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font

from taizhang.report.figures import REPORT_FILL, REPORT_HEADERS, RULE_ZH, Figures, briefing, report_summary
from taizhang.fields import LIGHT_ZH
from taizhang.xlsx.xlsxout import BORDER, CENTER, FILL, STRONG, WRAP, header_row, put, styled

LEGEND = [("red", "红灯：超过整改时限仍未办结"), ("yellow", "黄灯：距时限不超过预警工作日，或进度落后于时间进度"),
          ("green", "绿灯：按计划推进"), ("done", "已办结（含查否）：退出排名计算"), ("closed", "已销号：经领导小组审定销号")]


def _axes(chart, top_down: bool = False) -> None:
    """Show both axes (Excel hides them unless told) and list categories in table order."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    if top_down:
        chart.x_axis.scaling.orientation = "maxMin"


def _page(ws, title_rows: int = 3, landscape: bool = True) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{title_rows}:{title_rows}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddHeader.right.text = "&A"
    ws.page_margins.left = ws.page_margins.right = 0.4


def _title(ws, text: str, sub: str, width: int) -> None:
    put(ws, 1, 1, text).font = Font(bold=True, size=16)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width, 1))
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    put(ws, 2, 1, sub).font = Font(italic=True, color="595959")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(width, 1))


def _legend(ws, row: int, col: int = 1) -> int:
    put(ws, row, col, "图例").font = Font(bold=True)
    for i, (key, text) in enumerate(LEGEND, row + 1):
        c = put(ws, i, col, LIGHT_ZH[key])
        c.fill = FILL[key]
        c.font = Font(bold=True, color=STRONG[key])
        c.border = BORDER
        put(ws, i, col + 1, text)
    return row + len(LEGEND)


def _rows(ws, top: int, rows: list[list], fills: list[str | None] | None = None, light_col: int | None = None) -> int:
    r = top
    for r, values in enumerate(rows, top):
        fill = fills[r - top] if fills and fills[r - top] in FILL else None
        for c, v in enumerate(values, 1):
            cell = put(ws, r, c, v)
            kind = "text" if isinstance(v, str) else "float" if isinstance(v, float) else "date" if isinstance(v, dt.date) else "other"
            strong = fill if (fill and c == light_col) else None
            styled(cell, ("summary", kind, fill, strong), lambda cell, kind=kind, fill=fill, strong=strong: _style(cell, kind, fill, strong))
    return r


def _style(cell, kind: str, fill: str | None, strong: str | None) -> None:
    cell.border = BORDER
    cell.alignment = WRAP if kind == "text" else CENTER
    if kind == "float":
        cell.number_format = "0.0"
    elif kind == "date":
        cell.number_format = "yyyy-mm-dd"
    if fill:
        cell.fill = FILL[fill]
    if strong:
        cell.font = Font(bold=True, color=STRONG[strong])


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:g}%"


def write_summary(figs: Figures, out: Path, reports: list[list] | None, public: bool) -> None:
    wb = Workbook()
    sub = f"截至 {figs.as_of.isoformat()}" + ("（公开版：仅含单位和统计数字）" if public else "")
    _overview(wb.active, figs, sub)
    _ranking(wb.create_sheet("红绿灯排行榜"), figs, sub)
    _categories(wb.create_sheet("分类统计"), figs, sub)
    supervise = None if public else _supervise(wb.create_sheet("督办清单"), figs, sub)
    _reports(wb.create_sheet("报送情况"), figs, sub, reports or [], public)
    _briefing(wb.create_sheet("通报"), figs, sub, reports or [])
    wb.save(out)
    if supervise is not None and supervise.columns and supervise.columns[0]:
        from taizhang.xlsx.xlsxpatch import patch_package

        patch_package(out, out, {"督办清单": supervise})  # tens of thousands of rows: streamed, not through openpyxl


def _overview(ws, figs: Figures, sub: str) -> None:
    ws.title = "总体情况"
    _title(ws, f"{figs.campaign}专项行动推进情况", sub, 8)
    t = figs.totals
    headers = ["问题总数", "已办结", "已销号", "正在整改", "超期（红灯）", "预警（黄灯）", "正常（绿灯）", "办结率", "按时办结率"]
    header_row(ws, 3, headers, [14] * len(headers))
    values = [t.total, t.done, t.closed, t.in_progress, t.red, t.yellow, t.green, _pct(t.completion_rate), _pct(t.on_time_rate)]
    _rows(ws, 4, [values])
    for col, key in ((5, "red"), (6, "yellow"), (7, "green"), (2, "done"), (3, "closed")):
        ws.cell(row=4, column=col).fill = FILL[key]
        ws.cell(row=4, column=col).font = Font(bold=True, size=14, color=STRONG[key])
    row = 6
    if figs.change:
        c = figs.change
        put(ws, row, 1, f"与上次（{figs.previous_day}）相比：问题总数 {c.get('total', 0):+d}，已办结 {c.get('done', 0):+d}，"
                        f"已销号 {c.get('closed', 0):+d}，超期 {c.get('red', 0):+d}，预警 {c.get('yellow', 0):+d}")
        row += 2
    for title, groups in (("按工作阶段（按交办日期所在阶段）", figs.phases), ("按线索来源", figs.sources)):
        if not groups:
            continue
        put(ws, row, 1, title).font = Font(bold=True)
        header_row(ws, row + 1, ["类别", "问题数", "已办结", "已销号", "超期", "预警", "办结率"])
        row = _rows(ws, row + 2, [[g.name, g.total, g.done, g.closed, g.red, g.yellow, _pct(g.completion_rate)] for g in groups]) + 2
    _legend(ws, row)
    ws.column_dimensions["A"].width = 30
    _page(ws)


def _ranking(ws, figs: Figures, sub: str) -> None:
    _title(ws, f"{figs.campaign} · 红绿灯排行榜", sub + f"    排名规则：{RULE_ZH[figs.rank_rule]}", 11)
    headers = ["排名", "单位", "单位亮灯", "问题数", "已办结", "已销号", "超期（红）", "预警（黄）", "正常（绿）", "办结率", "按时办结率"]
    header_row(ws, 3, headers, [6, 26, 10, 8, 8, 8, 10, 10, 10, 10, 11])
    rows = [[u.rank, u.unit, LIGHT_ZH[u.light], u.total, u.done, u.closed, u.red, u.yellow, u.green,
             u.completion_rate, u.on_time_rate] for u in figs.units]
    last = _rows(ws, 4, rows, [u.light for u in figs.units], light_col=3)
    for r in range(4, last + 1):
        ws.cell(row=r, column=10).number_format = '0.0"%"'
        ws.cell(row=r, column=11).number_format = '0.0"%"'
    ws.freeze_panes = "C4"
    n = len(rows)
    if n:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "各单位办结率（%）"
        chart.y_axis.title = "办结率 %"
        chart.add_data(Reference(ws, min_col=10, min_row=3, max_row=3 + n), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=2, min_row=4, max_row=3 + n))
        chart.height, chart.width = max(7.5, n * 0.5), 16
        chart.legend = None
        chart.gapWidth = 40
        _axes(chart, top_down=True)
        ws.add_chart(chart, "M3")
        stacked = BarChart()
        stacked.type = "bar"
        stacked.grouping = "stacked"
        stacked.overlap = 100
        stacked.title = "各单位红黄绿灯问题数"
        stacked.add_data(Reference(ws, min_col=7, max_col=9, min_row=3, max_row=3 + n), titles_from_data=True)
        stacked.set_categories(Reference(ws, min_col=2, min_row=4, max_row=3 + n))
        for s, color in zip(stacked.series, ("C00000", "FFC000", "00B050")):
            s.graphicalProperties.solidFill = color
        stacked.height, stacked.width = max(7.5, n * 0.5), 16
        stacked.gapWidth = 40
        _axes(stacked, top_down=True)
        ws.add_chart(stacked, f"M{int(4 + max(7.5, n * 0.5) * 2) + 2}")
    _legend(ws, last + 2, 2)
    _page(ws)


def _categories(ws, figs: Figures, sub: str) -> None:
    _title(ws, f"{figs.campaign} · 分类统计", sub, 10)
    headers = ["问题类别", "牵头督办部门", "问题数", "已办结", "已销号", "正在整改", "超期（红）", "预警（黄）", "办结率", "按时办结率"]
    header_row(ws, 3, headers, [40, 16, 8, 8, 8, 10, 10, 10, 10, 11])
    rows = [[g.name, g.supervisor, g.total, g.done, g.closed, g.in_progress, g.red, g.yellow, _pct(g.completion_rate),
             _pct(g.on_time_rate)] for g in figs.categories]
    last = _rows(ws, 4, rows, ["red" if g.red else "yellow" if g.yellow else None for g in figs.categories])
    n = len(rows)
    if n:
        chart = BarChart()
        chart.title = "各类别问题数"
        chart.add_data(Reference(ws, min_col=3, min_row=3, max_row=3 + n), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=4, max_row=3 + n))
        chart.legend = None
        chart.height, chart.width = 8, 18
        _axes(chart)
        ws.add_chart(chart, f"A{last + 3}")
    row = last + 21
    if figs.supervisors:
        put(ws, row, 1, "按牵头督办部门").font = Font(bold=True)
        header_row(ws, row + 1, ["牵头督办部门", "", "问题数", "已办结", "已销号", "正在整改", "超期（红）", "预警（黄）", "办结率", "按时办结率"])
        _rows(ws, row + 2, [[g.name, "", g.total, g.done, g.closed, g.in_progress, g.red, g.yellow, _pct(g.completion_rate),
                             _pct(g.on_time_rate)] for g in figs.supervisors])
    _page(ws)


def _supervise(ws, figs: Figures, sub: str) -> None:
    _title(ws, f"{figs.campaign} · 督办清单（红灯、黄灯问题）", sub + "    超期最久的排在最前", 9)
    headers = ["序号", "问题编号", "责任单位", "问题类别", "问题描述", "牵头领导", "整改时限", "剩余工作日", "超期工作日"]
    header_row(ws, 3, headers, [6, 16, 20, 22, 46, 10, 12, 10, 10])
    items = figs.supervise
    if items is None:
        raise ValueError("figures computed without supervise=True carry no 督办清单")
    columns = [list(range(1, len(items) + 1)), [o.id for o in items], [o.unit for o in items],
               [o.category for o in items], [o.description for o in items], [o.leader for o in items],
               [o.deadline for o in items], [o.remaining_workdays for o in items], [o.days_overdue or None for o in items]]
    fills = [o.light if o.light in FILL else None for o in items]
    ws.freeze_panes = "A4"
    _page(ws)
    from taizhang.xlsx.xlsxpatch import BORDER_RGB, STYLES, SheetSpec

    def cell_style(v, fill):  # as ``_style`` does through openpyxl for the small tables
        kind = "text" if isinstance(v, str) else "float" if isinstance(v, float) else "date" if isinstance(v, dt.date) else "other"
        numfmt = {"float": "0.0", "date": "yyyy-mm-dd"}.get(kind)
        return (STYLES[fill][0] if fill else None, None, numfmt, "wrap" if kind == "text" else "center", BORDER_RGB)

    styles = {c: [cell_style(v, f) for v, f in zip(col, fills)] for c, col in enumerate(columns)}
    return SheetSpec([], columns=columns, column_styles=styles, append_at=4)


PUBLIC_REPORT_COLUMNS = (0, 2)  # 单位名称, 报送情况: file names and notes often carry a clerk's name and phone


def _reports(ws, figs: Figures, sub: str, reports: list[list], public: bool = False) -> None:
    headers, widths = REPORT_HEADERS, [24, 12, 12, 30, 12, 6, 6, 6, 6, 40, 36]
    if public:
        headers, widths = [headers[i] for i in PUBLIC_REPORT_COLUMNS], [widths[i] for i in PUBLIC_REPORT_COLUMNS]
        reports = [[r[i] if i < len(r) else None for i in PUBLIC_REPORT_COLUMNS] for r in reports]
        reports = [r for r in reports if r[0] != "（无法识别的单位）"]  # those rows are only a file name
    _title(ws, f"{figs.campaign} · 报送情况", sub, len(headers))
    header_row(ws, 3, headers, widths)
    if not reports:
        put(ws, 4, 1, "台账总表中还没有合并报送的记录（请先运行“合并报送”）。")
    else:
        _rows(ws, 4, reports, [REPORT_FILL.get(str(r[-1] if public else r[2])) for r in reports])
    _page(ws)


def _briefing(ws, figs: Figures, sub: str, reports: list[list]) -> None:
    summary = report_summary(reports)
    _title(ws, f"关于{figs.campaign}专项行动推进情况的通报（草稿）", sub + "    由台账助手根据统计数字生成，请办公室修改定稿", 1)
    for i, para in enumerate(briefing(figs, summary), 4):
        c = put(ws, i, 1, "    " + para)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[i].height = max(30, 18 * (len(para) // 48 + 1))
    ws.column_dimensions["A"].width = 110
    _page(ws, landscape=False)
