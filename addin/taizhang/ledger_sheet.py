"""Writing the 台账 sheet and the report-day sheets into a master workbook.

The ledger sheet is rewritten whole from the ledger frame: canonical headers,
owner colours on the header (unit white-blue, office orange, computed green),
frozen header row, column widths, drop-down lists tied to the list sheets,
and each row's traffic light as a real fill.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .fields import BY_KEY, FIELDS
from .xlsxout import FILL, LIGHT_ZH, header_row, light_fill, put

DROPDOWNS = {
    "category": ("问题类别", "A", 300),
    "source": ("代码表", "A", 100),
    "complexity": ("代码表", "B", 50),
    "status": ("代码表", "C", 50),
    "unit": ("成员单位", "A", None),
}
LIGHT_FROM_ZH = {v: k for k, v in LIGHT_ZH.items()}


def _owner_fill(key: str):
    owner = BY_KEY[key].owner
    return FILL["office"] if owner == "office" else FILL["computed"] if owner in ("computed", "provenance") else None


def add_dropdowns(ws, col_of: dict[str, int], last_row: int, n_units: int) -> None:
    for key, (sheet, col, size) in DROPDOWNS.items():
        if key not in col_of:
            continue
        size = size or max(n_units + 1, 500)
        dv = DataValidation(type="list", formula1=f"'{sheet}'!${col}$2:${col}${size + 1}", allow_blank=True,
                            showErrorMessage=True, errorStyle="warning",
                            errorTitle="不在可选范围内", error=f"请从下拉列表中选择（可选值见“{sheet}”表）。")
        dv.promptTitle = BY_KEY[key].header
        dv.prompt = "请从下拉列表中选择"
        dv.showInputMessage = True
        letter = get_column_letter(col_of[key])
        dv.add(f"{letter}2:{letter}{last_row}")
        ws.add_data_validation(dv)


def write_ledger_sheet(wb, ledger: pd.DataFrame, extra_cols: list[str], book, n_units: int, title: str = "台账"):
    """Replace (or create) the ledger sheet with the frame's content."""
    index = None
    if title in wb.sheetnames:
        index = wb.sheetnames.index(title)
        del wb[title]
    ws = wb.create_sheet(title, index)
    keys = [f.key for f in FIELDS]
    headers = [f.header for f in FIELDS] + extra_cols
    widths = [f.width for f in FIELDS] + [14] * len(extra_cols)
    fills = [_owner_fill(k) for k in keys] + [None] * len(extra_cols)
    header_row(ws, 1, headers, widths, fills)
    ws.row_dimensions[1].height = 30
    light_col = keys.index("light") + 1
    columns = [ledger[k].tolist() if k in ledger else [None] * len(ledger) for k in keys]
    columns += [ledger["x:" + e].tolist() if "x:" + e in ledger else [None] * len(ledger) for e in extra_cols]
    lights = ledger["light"].tolist() if "light" in ledger else [None] * len(ledger)
    for r in range(len(ledger)):
        row = r + 2
        for c, col in enumerate(columns, 1):
            put(ws, row, c, col[r])
        light = LIGHT_FROM_ZH.get(lights[r]) if lights[r] else None
        if light:
            light_fill(ws, row, light_col, light_col, light, light_col)
            ws.cell(row=row, column=1).fill = FILL[light]
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(ledger) + 1, 2)}"
    add_dropdowns(ws, {k: i for i, k in enumerate(keys, 1)}, max(len(ledger) + 500, 1000), n_units)
    return ws


def write_table_sheet(wb, title: str, headers: list[str], rows: list[list], widths: list[int] | None = None,
                      fills: list | None = None, index: int | None = None):
    """Replace (or create) a simple table sheet; ``fills`` gives an optional per-row fill key."""
    from .xlsxout import table

    if title in wb.sheetnames:
        index = wb.sheetnames.index(title)
        del wb[title]
    ws = wb.create_sheet(title, index)
    table(ws, 1, headers, rows, widths)
    if fills:
        for r, key in enumerate(fills, 2):
            if key in FILL:
                for c in range(1, len(headers) + 1):
                    ws.cell(row=r, column=c).fill = FILL[key]
    ws.freeze_panes = "A2"
    return ws


def ledger_spec(master) -> "SheetSpec":
    """The 台账 sheet as a patch: canonical headers, owner colours, lights, frozen header, drop-downs."""
    from openpyxl.utils import get_column_letter as letter

    from .xlsxpatch import SheetSpec

    keys = [f.key for f in FIELDS]
    ledger = master.ledger
    cols = [ledger[k].tolist() for k in keys] + [ledger["x:" + e].tolist() for e in master.extra_columns]
    rows = [[f.header for f in FIELDS] + master.extra_columns] + [list(r) for r in zip(*cols)]
    owner = {"office": "header_office", "computed": "header_computed", "provenance": "header_computed"}
    header_styles = [owner.get(f.owner, "header") for f in FIELDS] + ["header"] * len(master.extra_columns)
    light_col = keys.index("light")
    cell_styles = {}
    for r, light in enumerate(ledger["light"].tolist(), 1):
        key = LIGHT_FROM_ZH.get(light)
        if key:
            cell_styles[(r, light_col)] = key
            cell_styles[(r, 0)] = key
    last = max(len(ledger) + 500, 1000)
    dropdowns = []
    for key, (sheet, col, size) in DROPDOWNS.items():
        size = size or max(len(master.units) + 1, 500)
        c = letter(keys.index(key) + 1)
        dropdowns.append((f"{c}2:{c}{last}", f"'{sheet}'!${col}$2:${col}${size + 1}"))
    return SheetSpec(rows, [f.width for f in FIELDS] + [14] * len(master.extra_columns), header_styles, cell_styles,
                     freeze="C2", dropdowns=dropdowns)


def table_spec(headers: list[str], rows: list[list], widths: list[int] | None = None, fills: list | None = None,
               hidden: bool = False):
    from .xlsxpatch import SheetSpec

    styles = {}
    for r, key in enumerate(fills or [], 1):
        if key in FILL:
            for c in range(len(headers)):
                styles[(r, c)] = key
    return SheetSpec([list(headers)] + [list(r) for r in rows], widths or [16] * len(headers), None, styles, hidden=hidden)


def save_master(master, out: Path, *, sheets: dict[str, tuple[list[str], list[list], list | None]] | None = None,
                backup_keep: int | None = None) -> Path | None:
    """Write the master (ledger, history, change log, report sheets) to ``out`` atomically.

    Only these sheets are regenerated; every other part of the office's workbook is copied unchanged.
    """
    from .master import CHANGE_HEADERS, HISTORY_HEADERS, S_CHANGES, S_HISTORY, S_LEDGER
    from .storage import atomic_write
    from .xlsxpatch import patch_package

    specs = {S_LEDGER: ledger_spec(master)}
    for title, (headers, rows, fills) in (sheets or {}).items():
        specs[title] = table_spec(headers, rows, fills=fills)
    if len(master.changes):
        specs[S_CHANGES] = table_spec(CHANGE_HEADERS, master.changes[CHANGE_HEADERS].values.tolist(), [16, 14, 24, 24, 18, 28, 12])
    if len(master.history):
        specs[S_HISTORY] = table_spec(HISTORY_HEADERS, master.history[HISTORY_HEADERS].values.tolist(), hidden=True)

    return atomic_write(out, lambda tmp: patch_package(master.path, tmp, specs), backup_keep=backup_keep)
