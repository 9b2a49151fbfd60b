"""Writing cells with openpyxl: text stays text, colours are real fills.

``put`` is the only way taizhang writes a value into a cell: a string that
starts with ``=`` ``+`` ``-`` or ``@`` is stored as a text cell (openpyxl
would otherwise store ``=…`` as a formula), so untrusted cell text from a
submission can never become a formula in a workbook we write.
"""

from __future__ import annotations

import datetime as dt
from copy import copy

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from taizhang.xlsx.xlsxpatch import BORDER_RGB, FILL_RGB, STRONG_RGB

FORMULA_LEADS = ("=", "+", "-", "@")

FILL = {key: PatternFill("solid", fgColor=rgb) for key, rgb in FILL_RGB.items()}
STRONG = STRONG_RGB
BODY_FONT_NAME = "等线"  # Chinese text never in Calibri: 等线 (Office 2016+), Word/WPS substitute 宋体 where missing
HEADING_FONT_NAME = "黑体"
HEADER_FONT = Font(name=HEADING_FONT_NAME, bold=True, color="FFFFFF")
THIN = Side(style="thin", color=BORDER_RGB)
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
DATE_FORMAT = "yyyy-mm-dd"


def chinese_default_font(wb, size: float = 11) -> None:
    """Make the workbook's default font (styles.xml font 0 and the Normal style) 等线, not Calibri.

    Call on a new ``Workbook()`` before any cell is styled: every unstyled cell uses font 0."""
    from openpyxl.utils.indexed_list import IndexedList

    base = Font(name=BODY_FONT_NAME, sz=size, family=2, charset=134, scheme=None)
    wb._fonts = IndexedList([base])
    for style in wb._named_styles:
        if style.name == "Normal":
            style.font = copy(base)


def put(ws, row: int, col: int, value, *, number_format: str | None = None):
    """Write one value safely; returns the cell."""
    cell = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and value != value):
        cell.value = None
        return cell
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_LEADS):
            cell.quotePrefix = True
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    if number_format:
        cell.number_format = number_format
    return cell


def header_row(ws, row: int, headers: list[str], widths: list[int] | None = None, fills: list | None = None) -> None:
    for i, h in enumerate(headers, 1):
        c = put(ws, row, i, h)
        c.font = HEADER_FONT
        c.fill = (fills[i - 1] if fills and fills[i - 1] is not None else FILL["header"])
        c.alignment = CENTER
        c.border = BORDER
        if widths:
            ws.column_dimensions[get_column_letter(i)].width = widths[i - 1]


def styled(cell, key: tuple, apply) -> None:
    """Give ``cell`` a style built once per ``key`` and workbook: openpyxl re-hashes style objects on
    every assignment, which dominates writing large tables; copying the cached style array does not.
    (Style arrays index one workbook's style tables, so the cache lives on the workbook.)"""
    wb = cell.parent.parent
    cache = wb.__dict__.setdefault("_taizhang_styles", {})
    cached = cache.get(key)
    if cached is None:
        apply(cell)
        cache[key] = copy(cell._style)
    else:
        cell._style = copy(cached)


def table(ws, top: int, headers: list[str], rows: list[list], widths: list[int] | None = None) -> int:
    """A bordered table with a styled header; returns the last row written."""
    header_row(ws, top, headers, widths)
    r = top
    for r, values in enumerate(rows, top + 1):
        for c, v in enumerate(values, 1):
            cell = put(ws, r, c, v)
            styled(cell, ("table", cell.number_format), _table_style)
    return max(r, top)


def _table_style(cell) -> None:
    cell.border = BORDER
    cell.alignment = WRAP
