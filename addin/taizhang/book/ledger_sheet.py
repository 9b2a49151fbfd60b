"""The 台账 sheet and the report-day sheets of a master workbook, as sheet patches.

The ledger sheet is rewritten whole from the ledger frame: canonical headers,
owner colours on the header (unit blue, office orange, computed green),
frozen header row, column widths, drop-down lists tied to the list sheets,
and each row's traffic light as a real fill. ``taizhang new``, every merge
and every status run write it the same way, through ``xlsxpatch``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from taizhang.book.sheets import CHANGE_HEADERS, HISTORY_HEADERS, S_CHANGES, S_HISTORY, S_LEDGER, S_RECEIPTS
from taizhang.fields import FIELDS, LIGHT_FROM_ZH
from taizhang.findings import col_letter

if TYPE_CHECKING:
    from taizhang.xlsx.xlsxpatch import SheetSpec

DROPDOWNS = {
    "category": ("问题类别", "A", 300),
    "source": ("代码表", "A", 100),
    "complexity": ("代码表", "B", 50),
    "status": ("代码表", "C", 50),
    "unit": ("成员单位", "A", None),
}
LIGHT_COLUMN = [f.key for f in FIELDS].index("light")
_OWNER_STYLE = {"office": "header_office", "computed": "header_computed", "provenance": "header_computed"}


def ledger_rows(ledger: pd.DataFrame, extra_columns: list[str]) -> list[list]:
    """Header row plus one list per case, in canonical field order, then the office's extra columns."""
    cols = [ledger[f.key].tolist() for f in FIELDS] + [ledger["x:" + e].tolist() for e in extra_columns]
    return [[f.header for f in FIELDS] + list(extra_columns)] + [list(r) for r in zip(*cols)]


def _natural(text) -> tuple:
    """Sort key: DW2-… before DW10-…; numbers compare as numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", str(text or "")) if p)


def in_unit_order(ledger: pd.DataFrame, units: list[str]) -> pd.DataFrame:
    """台账 rows by the 成员单位 order, then 问题编号 (stable: equal keys keep their order, so every merge
    writes the same order). Units not in the list follow, by name; rows without a unit come last."""
    if not len(ledger):
        return ledger
    order = {u: i for i, u in enumerate(units)}
    keys = [(0 if u in order else 1 if u else 2, order.get(u, 0), "" if u in order else str(u or ""), _natural(c))
            for u, c in zip(ledger["unit"].tolist(), ledger["case_id"].tolist())]
    idx = sorted(range(len(keys)), key=keys.__getitem__)
    if idx == list(range(len(keys))):
        return ledger
    return ledger.iloc[idx].reset_index(drop=True)


def ledger_spec(ledger: pd.DataFrame, extra_columns: list[str], n_units: int) -> "SheetSpec":
    """The 台账 sheet as a patch: canonical headers, owner colours, lights, frozen header, drop-downs."""
    from taizhang.xlsx.xlsxpatch import SheetSpec

    keys = [f.key for f in FIELDS]
    header_styles = [_OWNER_STYLE.get(f.owner, "header") for f in FIELDS] + ["header"] * len(extra_columns)
    fills = [("done" if k == "long" else k) for k in map(LIGHT_FROM_ZH.get, ledger["light"].tolist())]  # 长期整改: tracked
    last = max(len(ledger) + 500, 1000)
    dropdowns = []
    for key, (sheet, col, size) in DROPDOWNS.items():
        size = size or max(n_units + 1, 500)
        c = col_letter(keys.index(key))
        dropdowns.append((f"{c}2:{c}{last}", f"'{sheet}'!${col}$2:${col}${size + 1}"))
    columns = [ledger[f.key].tolist() for f in FIELDS] + [ledger["x:" + e].tolist() for e in extra_columns]
    origin = ledger["_xrow"].tolist() if "_xrow" in ledger.columns else None
    return SheetSpec([[f.header for f in FIELDS] + list(extra_columns)],
                     [f.width for f in FIELDS] + [14] * len(extra_columns), header_styles, freeze="C2",
                     dropdowns=dropdowns, columns=columns, column_styles={0: fills, LIGHT_COLUMN: fills},
                     office_from=len(FIELDS), origin=origin, landscape=True)


def table_spec(headers: list[str], rows: list[list], widths: list[int] | None = None, fills: list | None = None,
               hidden: bool = False) -> "SheetSpec":
    from taizhang.xlsx.xlsxpatch import STYLES, SheetSpec

    styles = {}
    for r, key in enumerate(fills or [], 1):
        if key in STYLES:
            for c in range(len(headers)):
                styles[(r, c)] = key
    return SheetSpec([list(headers)] + [list(r) for r in rows], widths or [16] * len(headers), None, styles, hidden=hidden,
                     landscape=True)


def save_master(master, out: Path, *, sheets: dict[str, tuple[list[str], list[list], list | None]] | None = None,
                backup_keep: int | None = None) -> Path | None:
    """Write the master (ledger, history, change log, report sheets) to ``out`` atomically.

    Only these sheets are regenerated; every other part of the office's workbook is copied unchanged.
    """
    from taizhang.book.calendar_sheet import S_CALENDAR, calendar_spec
    from taizhang.xlsx.storage import atomic_write
    from taizhang.xlsx.xlsxpatch import SheetSpec, patch_package

    master.ledger = in_unit_order(master.ledger, master.units.names())
    specs = {S_LEDGER: ledger_spec(master.ledger, master.extra_columns, len(master.units)),
             S_CALENDAR: calendar_spec(master.rulebook, master.calendar())}
    for title, (headers, rows, fills) in (sheets or {}).items():
        specs[title] = table_spec(headers, rows, fills=fills, hidden=title == S_RECEIPTS)
    if len(master.changes):
        changes = master.changes
        specs[S_CHANGES] = SheetSpec([list(CHANGE_HEADERS)], [16, 14, 24, 24, 18, 28, 12], None,
                                     columns=[changes[h].tolist() for h in CHANGE_HEADERS],  # column-wise: it grows long
                                     landscape=True)
    if len(master.history):
        specs[S_HISTORY] = table_spec(HISTORY_HEADERS, master.history[HISTORY_HEADERS].values.tolist(), hidden=True)

    return atomic_write(out, lambda tmp: patch_package(master.path, tmp, specs), backup_keep=backup_keep)
