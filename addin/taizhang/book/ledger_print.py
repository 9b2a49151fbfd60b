"""How 台账 prints: every column, on A3 landscape, page after page across with 问题编号 and 责任单位 repeated.

台账 has some 46–56 columns (taizhang's fields plus the office's); fitted to one page width they print at a quarter
size, which no leader can read. So the printed 台账 keeps every column (nothing the office filled is lost on paper)
and prints them the way a wide paper ledger is read, page after page across:

- A3 landscape (A4 when the whole sheet fits one A4 page width at ``MIN_A4_SCALE`` percent), fitted to the fewest
  pages across at which, by Excel's measure of a column, the text prints at ``SCALE`` percent or larger (four for
  taizhang's 56 columns); the application scales the sheet to that many pages and breaks between columns by its own
  measure (LibreOffice's columns come out wider than Excel's, so its print is smaller), never inside a column;
- 问题编号 and 责任单位 (when they are the first two columns) and the header row repeated on every page, pages
  numbered across first, so a row's pages follow each other; the print area is the sheet's columns, whole (it grows
  with the rows); the footer names the campaign and the sheet and says 第 X 页，共 Y 页;
- the long-text columns (``WRAPPED``; 问题类别 too, sanluan's categories run to 57 characters) wrap, and each row is
  as tall as its longest wrapped text (up to ten lines), an estimate written without ``customHeight`` and recognised by its value when a program that marks
  every height custom (openpyxl) brings it back, so it is never taken for a height the office set.

The layout follows the plan (``ledger_plan``): its widths, and 问题编号/责任单位 repeated only where they lead.
An office that set up its own printing keeps it (``xlsx.printsetup.is_taizhang_setup``).
"""

from __future__ import annotations

import numpy as np

from taizhang.book.ledger_plan import LedgerPlan
from taizhang.xlsx.printsetup import A3, A4, PrintLayout
from taizhang.xlsx.sheetxml import ESTIMATE_MAX_LINES, estimated_height

WRAPPED = ("description", "category", "measures", "target", "progress_note", "remarks", "office_opinion", "disposal",
           "visit_note", "deadline_note")
SCALE, MIN_A4_SCALE, MAX_PAGES_WIDE = 80, 80, 6
_PRINTABLE_MM = {A3: 420 - 0.6 * 25.4, A4: 297 - 0.6 * 25.4}  # landscape, less the 0.3-inch side margins


def column_mm(width: float) -> float:
    """The printed width at 100 % of a column ``width`` characters wide (Excel: 7 px a character + 5 px, 96 dpi)."""
    return (7 * width + 5) * 25.4 / 96


def ledger_print_layout(plan: LedgerPlan, widths: list[float], title: str = "") -> PrintLayout:
    """The print setup of a 台账 laid out by ``plan`` with column ``widths``; ``title`` the campaign's name."""
    total = sum(column_mm(w) for w in widths)
    n = len(widths)
    footer = f"{title} · 台账" if title else "台账"
    if total * MIN_A4_SCALE / 100 <= _PRINTABLE_MM[A4]:
        return PrintLayout(A4, 1, 0, n, footer)
    keys = [c.key for c in plan.columns]
    repeat = 2 if keys[:2] == ["case_id", "unit"] else 1 if keys[:1] == ["case_id"] else 0
    repeat_mm = sum(column_mm(w) for w in widths[:repeat])
    page = _PRINTABLE_MM[A3]
    for wide in range(1, MAX_PAGES_WIDE + 1):  # the fewest pages across at which the text prints at SCALE or larger
        if wide * page * 100 / (total + (wide - 1) * repeat_mm) >= SCALE:
            break
    return PrintLayout(A3, wide, repeat, n, footer)


def wrapped_columns(plan: LedgerPlan, widths: list[float], columns: list[list]) -> tuple[dict[int, list], list | None]:
    """The wrapped long-text columns (col0 → a style key per data row) and each data row's estimated height
    (negative points, see ``SheetSpec.row_heights``; None for one line), from the values of ``columns``."""
    at = [i for i, c in enumerate(plan.columns) if c.key in WRAPPED]
    n = len(columns[0]) if columns else 0
    if not at or not n:
        return {}, None
    lines = np.ones(n, dtype=np.int64)
    for i in at:
        per_line = max(1.0, widths[i] - 1)
        # display width: a CJK character takes two; from the UTF-8 length (3 bytes a CJK character, 1 an ASCII one)
        # without a per-character loop: width = characters + (bytes − characters) / 2
        need = [-int(-(len(v) + (len(v.encode("utf-8", "replace")) - len(v)) / 2) // per_line) + v.count("\n")
                if type(v) is str and v else 1 for v in columns[i]]
        lines = np.maximum(lines, np.asarray(need, dtype=np.int64))
    lines = np.minimum(lines, ESTIMATE_MAX_LINES)
    lines = lines.tolist()
    height = {k: -estimated_height(k) if k > 1 else None for k in set(lines)}  # ten values at most, each once
    heights = list(map(height.__getitem__, lines))
    return {i: ["wrap_bottom"] * n for i in at}, (heights if any(heights) else None)
