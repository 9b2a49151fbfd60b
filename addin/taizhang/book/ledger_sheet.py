"""The 台账 sheet and the report-day sheets of a master workbook, as sheet patches.

The ledger sheet is written from the ledger frame by the plan of ``ledger_plan``:
taizhang's columns where the office has them (found by header), under their
canonical headers with owner colours (unit blue, office orange, computed green),
drop-down lists tied to the list sheets and each row's traffic light as a real
fill; the office's columns carried with their cases. ``taizhang new``, every merge
and every status run write it the same way, through ``xlsxpatch``. A job's findings
on 台账 are given the row their case has once written (``place_findings``).

台账 prints on A3 in pages across by groups of columns (``ledger_print``); every
other sheet written whole here prints A4 landscape, one page wide, the header row
repeated on each page (``SheetSpec.landscape``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from taizhang.book.ledger_plan import omitted, plan_ledger
from taizhang.book.ledger_print import ledger_print_layout, wrapped_columns
from taizhang.book.sheets import (
    CHANGE_HEADERS,
    HIDDEN_SHEETS,
    HISTORY_HEADERS,
    LIST_HEADERS,
    MODE_LIST_HEADER,
    S_CHANGES,
    S_HISTORY,
    S_LEDGER,
    S_LISTS,
    S_REJECTS,
    S_REMINDERS,
    S_REPORTS,
    S_ROLLUP,
    S_SETTINGS,
    SHEET_ORDER,
)
from taizhang.fields import BY_KEY, FIELDS, LIGHT_FROM_ZH
from taizhang.findings import col_letter
from taizhang.rules.rulebook import RECTIFY_MODES

if TYPE_CHECKING:
    from taizhang.xlsx.xlsxpatch import CarriedSheet, SheetSpec

DROPDOWNS = {
    "category": ("问题类别", "A", 300),
    "source": (S_LISTS, "A", 100),
    "complexity": (S_LISTS, "B", 50),
    "status": (S_LISTS, "C", 50),
    "unit": ("成员单位", "A", None),
    "rectify_mode": (S_LISTS, None, len(RECTIFY_MODES)),  # column: wherever the master's 代码表 has 整改方式
}
MODE_LIST_COLUMN = LIST_HEADERS.index(MODE_LIST_HEADER)  # in a new master's 代码表
LIGHT_COLUMN = [f.key for f in FIELDS].index("light")
_OWNER_STYLE = {"office": "header_office", "computed": "header_computed", "provenance": "header_computed"}


class _NaturalParts(dict):
    """A 问题编号's piece → its sort key, each computed once (the pieces repeat: prefixes, years, sequence numbers)."""

    def __missing__(self, p: str) -> tuple:
        if len(self) > 200_000:
            self.clear()
        self[p] = key = (0, int(p), "") if p.isdecimal() else (1, 0, p)
        return key


_PARTS = _NaturalParts()
_DIGITS = re.compile(r"(\d+)")


def _natural(text) -> tuple:
    """Sort key: DW2-… before DW10-…; numbers compare as numbers."""
    return tuple(map(_PARTS.__getitem__, filter(None, _DIGITS.split(str(text or "")))))


def in_unit_order(ledger: pd.DataFrame, units: list[str]) -> pd.DataFrame:
    """台账 rows by the 成员单位 order, then 问题编号 (stable: equal keys keep their order, so every merge
    writes the same order). Units not in the list follow, by name; rows without a unit come last."""
    if not len(ledger):
        return ledger
    idx = unit_order(ledger["unit"].tolist(), ledger["case_id"].tolist(), units)
    if idx == list(range(len(idx))):
        return ledger
    return ledger.iloc[idx].reset_index(drop=True)


_last_order: list = []  # the last (units, unit column, case ids, order): a job asks twice (findings, then the write)


def unit_order(unit_col: list, ids: list, units: list[str]) -> list[int]:
    """The row order of ``in_unit_order``. Remembered for the same columns: placing a job's findings computes the
    order the write uses again a moment later, and at 100,000 cases the sort keys cost seconds."""
    last = _last_order[0] if _last_order else None
    if last is not None and last[0] == units and last[1] == unit_col and last[2] == ids:
        return list(last[3])
    order = {u: i for i, u in enumerate(units)}
    keys = [(0 if u in order else 1 if u else 2, order.get(u, 0), "" if u in order else str(u or ""), _natural(c))
            for u, c in zip(unit_col, ids)]
    idx = sorted(range(len(keys)), key=keys.__getitem__)
    _last_order[:] = [(list(units), unit_col, ids, idx)]
    return list(idx)


def _row_keys(ledger: pd.DataFrame) -> list:
    """Per frame row, what identifies its case across a write: its 问题编号, else the Excel row it was read from."""
    ids = ledger["case_id"].tolist()
    xrows = ledger["_xrow"].tolist() if "_xrow" in ledger.columns else [None] * len(ids)
    return [c if c else (("row", x) if x else None) for c, x in zip(ids, xrows)]


def written_rows(ledger: pd.DataFrame, units: list[str]) -> dict[int, tuple[int | None, str]]:
    """Where each row of ``ledger`` (as a finding counts it: frame index + 2) will be on 台账 once written, with its
    case id: Excel row → (row after the write, 问题编号). The write sorts cases into 成员单位 order
    (``in_unit_order``), as ``save_master`` does; a row that is gone maps to None."""
    keys = _row_keys(ledger)
    idx = unit_order(ledger["unit"].tolist(), ledger["case_id"].tolist(), units) if len(ledger) else []
    after = {keys[j]: i for i, j in enumerate(idx, 2) if keys[j] is not None}
    return {i: (after.get(k), k if isinstance(k, str) else "") for i, k in enumerate(keys, 2)}


def place_findings(findings: list, moves: dict[int, tuple[int | None, str]], master_file: str = "",
                   entry_file: str = "") -> list:
    """Findings on the master's 台账 with their case id and the row their case has after the write.

    Only findings about the master's own rows move: sheet 台账 of the master file (or no file: the office's own
    entries), or ``entry_file`` (assign's rows typed by the office). The row number in the message
    ("请在台账第N行补填") moves with it."""
    out = []
    for f in findings:
        mine = f.row and ((f.sheet == S_LEDGER and f.file in ("", master_file)) or (entry_file and f.file == entry_file))
        got = moves.get(f.row) if mine else None
        if got is None:
            out.append(f)
            continue
        new, cid = got
        update = {"case_id": cid} if cid and not f.case_id else {}
        if new and new != f.row:
            update.update(row=new, message=f.message.replace(f"第{f.row}行", f"第{new}行"))
        out.append(f.model_copy(update=update) if update else f)
    return out


def place_assign_result(master, result) -> None:
    """交办's account with every 台账 row where its case will be once ``master`` is written (``save_master``): its
    findings, each 转办's origin ("台账第N行") and the office's rows still waiting for a unit (待指定单位)."""
    from taizhang.book.assign import OFFICE_ENTRY

    moves = written_rows(master.ledger, master.units.names())
    result.issues = place_findings(result.issues, moves, master.path.name, OFFICE_ENTRY)

    def moved(text: str) -> str:
        return _LEDGER_ROW.sub(lambda m: f"台账第{(moves.get(int(m.group(1))) or (None,))[0] or m.group(1)}行", text)

    for a in result.assigned:
        a.origin = moved(a.origin)
    for p in result.pending:
        if p.file == OFFICE_ENTRY and p.row in moves and moves[p.row][0]:
            p.reason, p.row = moved(p.reason), moves[p.row][0]


_LEDGER_ROW = re.compile(r"台账第(\d+)行")


def mode_list_column(list_columns: list[str] | None) -> tuple[int | None, bool]:
    """Where the 代码表 holds 整改方式 (0-based column) and whether the column is still to be written there.

    A master made before the column existed gets it in the first column nothing uses (the office may have
    added its own lists to the right); (None, False) when the workbook has no 代码表 at all.
    """
    if list_columns is None:
        return None, False
    if MODE_LIST_HEADER in list_columns:
        return list_columns.index(MODE_LIST_HEADER), False
    return len(list_columns), True


def ledger_spec(ledger: pd.DataFrame, extra_columns: list[str], n_units: int,
                mode_column: int | None = MODE_LIST_COLUMN, header: list | None = None,
                evidence_dir: str | None = None, title: str = "", book=None) -> "CarriedSheet":
    """The 台账 sheet as a patch: canonical headers, owner colours, lights, frozen header, drop-downs.

    ``header``: the 台账 header row as the office left it (as read); the sheet is laid out by its plan
    (``ledger_plan``): taizhang's fields where the office has them, the office's columns carried with their cases.
    None: taizhang's own layout. ``mode_column``: the 代码表 column (0-based) holding 整改方式; None, no drop-down
    on 整改方式. ``evidence_dir``: the 佐证材料 folder relative to the workbook; each case that has evidence filed gets
    its 佐证材料 cell as a hyperlink to its own folder there, computed from its row, so it goes wherever the case goes.
    ``title``: the campaign's name, in the printed pages' footer. ``book``: the rulebook, for the fields its 台账 does
    not lay out (``ledger_plan.omitted``: 复杂程度 without tiers, and no drop-down of an empty list on an old column)."""
    from taizhang.xlsx.xlsxpatch import CarriedSheet

    omit = omitted(book, ledger) if book is not None else frozenset()
    plan = plan_ledger(header, extra_columns, omit)
    n = len(ledger)
    header_styles = [_OWNER_STYLE.get(BY_KEY[c.key].owner, "header") if c.key else "header" for c in plan.columns]
    fills = [("done" if k == "long" else k) for k in map(LIGHT_FROM_ZH.get, ledger["light"].tolist())]  # 长期整改: tracked
    last = max(n + 500, 1000)
    dropdowns = []
    for key, (sheet, col, size) in DROPDOWNS.items():
        if not plan.has(key) or key == "complexity" and book is not None and not book.tiers:
            continue  # (复杂程度 without tiers: its list in 代码表 is empty)
        if key == "rectify_mode":
            if mode_column is None:
                continue
            col = col_letter(mode_column)
        size = size or max(n_units + 1, 500)
        c = col_letter(plan.field_at(key))
        dropdowns.append((f"{c}2:{c}{last}", f"'{sheet}'!${col}$2:${col}${size + 1}"))
    columns = [ledger[c.key].tolist() if c.key else
               (ledger["x:" + c.header].tolist() if "x:" + c.header in ledger.columns else [None] * n)
               for c in plan.columns]
    if evidence_dir is not None and n:
        at = plan.field_at("evidence")
        columns[at] = _evidence_links(ledger, evidence_dir)
    origin = ledger["_xrow"].tolist() if "_xrow" in ledger.columns else None
    widths = [BY_KEY[c.key].width if c.key else 14 for c in plan.columns]
    wrapped, heights = wrapped_columns(plan, widths, columns)  # how it prints: book/ledger_print.py
    return CarriedSheet([[c.header for c in plan.columns]], widths, header_styles, freeze="C2",
                        dropdowns=dropdowns, columns=columns,
                        column_styles={**wrapped, plan.field_at(FIELDS[0].key): fills, plan.field_at("light"): fills},
                        office_columns=plan.office, origin=origin, row_heights=heights,
                        print_layout=ledger_print_layout(plan, widths, title))


def evidence_links(master, out: Path | str | None = None) -> list:
    """The 已归档佐证材料 cells of ``master.ledger`` (in its order) as the file writer writes them: an ``xlsx.cells.Link``
    to the case's folder, relative to the workbook at ``out`` (default: the master), where evidence is filed; else the
    names as they are. For a door that writes 台账 through Excel itself (the ribbon)."""
    import os

    from taizhang.book.evidence import evidence_dir

    where = Path(out or master.path).resolve().parent
    folder = os.path.relpath(evidence_dir(master.path).resolve(), where).replace(os.sep, "/")
    return _evidence_links(master.ledger, folder) if len(master.ledger) else []


def _evidence_links(ledger: pd.DataFrame, folder: str) -> list:
    """The 佐证材料 column: for a case with pieces filed, a link to its folder showing their names."""
    from taizhang.book.evidence import case_dir_name
    from taizhang.xlsx.cells import Link

    out = []
    for cid, count, names in zip(ledger["case_id"].tolist(), ledger["evidence_count"].tolist(), ledger["evidence"].tolist()):
        has = cid and count is not None and not (isinstance(count, float) and count != count) and float(count) > 0
        text = names if isinstance(names, str) and names else f"{int(float(count))}个文件" if has else names
        out.append(Link(f"{folder}/{case_dir_name(cid)}", text) if has else names)
    return out


# the report-day sheets' long-text columns: wrapped at this width (characters), so a file name or a reason prints whole
WRAPPED = {S_REPORTS: {"报送文件": 34, "说明": 40, "接收依据": 30},
           S_REJECTS: {"来源文件": 28, "问题描述": 36, "退回原因": 50},
           S_REMINDERS: {"来源文件": 28, "说明": 50},
           S_ROLLUP: {"原因": 48}}  # a file's reason, and under it each case not taken's 未汇总原因, in one column


def table_spec(headers: list[str], rows: list[list], widths: list[int] | None = None, fills: list | None = None,
               hidden: bool = False, wrapped: dict[str, int] | None = None) -> "SheetSpec":
    from taizhang.xlsx.xlsxpatch import STYLES, SheetSpec

    styles = {}
    for r, key in enumerate(fills or [], 1):
        if key in STYLES:
            for c in range(len(headers)):
                styles[(r, c)] = key
    heights = None
    if wrapped:
        widths = list(widths or [16] * len(headers))
        lines = [1] * len(rows)
        for c, h in enumerate(headers):
            if h in wrapped:
                widths[c] = wrapped[h]
                for r, row in enumerate(rows, 1):
                    key = styles.get((r, c))
                    if key is None:
                        styles[(r, c)] = "wrap"
                    elif STYLES[key][3] is None:  # a coloured row (a red 未汇总 case): its colour, wrapped
                        styles[(r, c)] = (*STYLES[key][:3], "wrap")
                    if c < len(row) and isinstance(row[c], str):
                        lines[r - 1] = max(lines[r - 1], _lines(row[c], wrapped[h]))
        # the rows are as tall as their wrapped text (Excel and LibreOffice do not grow a row on opening)
        heights = [round(n * 14.5 + 3, 1) if n > 1 else None for n in lines]
    return SheetSpec([list(headers)] + [list(r) for r in rows], widths or [16] * len(headers), None, styles, hidden=hidden,
                     landscape=True, row_heights=heights)


def _lines(text: str, width: float) -> int:
    """Lines a wrapped cell ``width`` characters wide needs (a CJK character takes two)."""
    avail = max(1.0, width - 1)
    return sum(max(1, -int(-sum(2 if ord(ch) > 0x2E7F else 1 for ch in part) // avail)) for part in text.split("\n"))


def save_master(master, out: Path, *, sheets: dict[str, tuple[list[str], list[list], list | None]] | None = None,
                backup_keep: int | None = None, settings: dict[str, object] | None = None) -> Path | None:
    """Write the master (ledger, history, change log, report sheets) to ``out`` atomically.

    Only these sheets are regenerated; every other part of the office's workbook is copied unchanged.
    ``settings``: values taizhang records in 参数设置 (参数 → 值, e.g. the 报送文件夹 of this merge); only those
    value cells change.
    """
    import os

    from taizhang.book.calendar_sheet import S_CALENDAR, calendar_spec
    from taizhang.book.evidence import evidence_dir
    from taizhang.book.master import with_unread
    from taizhang.xlsx.storage import atomic_write
    from taizhang.xlsx.xlsxpatch import AddedColumn, KeyValues, SheetSpec, patch_package

    master.ledger = in_unit_order(master.ledger, master.units.names())
    mode_at, mode_missing = mode_list_column(master.list_columns)
    links = os.path.relpath(evidence_dir(master.path).resolve(), Path(out).resolve().parent).replace(os.sep, "/")
    specs = {S_LEDGER: ledger_spec(with_unread(master.ledger), master.extra_columns, len(master.units), mode_at,
                                   header=getattr(master, "ledger_header", None), evidence_dir=links,
                                   title=master.rulebook.name, book=master.rulebook),
             S_CALENDAR: calendar_spec(master.rulebook, master.calendar())}
    if mode_missing:  # a master made before 代码表 had 整改方式: the column is added, the rest of the sheet kept
        specs[S_LISTS] = AddedColumn([MODE_LIST_HEADER, *RECTIFY_MODES], mode_at, width=12)
    for title, (headers, rows, fills, *widths) in (sheets or {}).items():  # (headers, rows, fills[, column widths])
        specs[title] = table_spec(headers, rows, widths[0] if widths else None, fills=fills, hidden=title in HIDDEN_SHEETS,
                                  wrapped=WRAPPED.get(title))
    if settings:
        specs[S_SETTINGS] = KeyValues(dict(settings))
    if len(master.changes):
        changes = master.changes
        specs[S_CHANGES] = SheetSpec([list(CHANGE_HEADERS)], [16, 14, 24, 24, 18, 28, 12], None,
                                     columns=[changes[h].tolist() for h in CHANGE_HEADERS],  # column-wise: it grows long
                                     landscape=True)
    if len(master.history):
        specs[S_HISTORY] = table_spec(HISTORY_HEADERS, master.history[HISTORY_HEADERS].values.tolist(), hidden=True)
    from taizhang.book.settings_sheet import REWRITE_KEY

    # old settings migrated on reading, or the office switched the 复杂程度 tiers on or off: 参数设置 written once, marked
    if getattr(master, "settings_notes", None) or master.extras.get(REWRITE_KEY):
        # (whole: this replaces the ``settings`` value edit above; the recorded folder comes from ``master.extras``)
        from taizhang.book.settings_sheet import FOLDER_KEY, settings_rows

        rows = [[label, master.extras.get(FOLDER_KEY, "") if label == FOLDER_KEY else value, note]
                for label, value, note in settings_rows(master.rulebook)]
        specs[S_SETTINGS] = table_spec(["参数", "值", "说明"], rows)

    backup = atomic_write(out, lambda tmp: patch_package(master.path, tmp, specs, order=SHEET_ORDER), backup_keep=backup_keep)
    if mode_missing and Path(out).resolve() == Path(master.path).resolve():  # this object now describes the new file
        master.list_columns = [*master.list_columns, MODE_LIST_HEADER]
    return backup
