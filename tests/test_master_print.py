"""The master's 整改方式 drop-down (a 代码表 column) and the print setup of the sheets the report day writes.

Read back with openpyxl after ``new``, after a merge, a second merge and a status run; an older master
without the 代码表 column gets it on its next save; the 报送情况 sheet rendered by LibreOffice repeats its
header row on every printed page.
"""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest
from conftest import REPORT_DAY, convert, needs_libreoffice, pdf_text
from openpyxl.utils import get_column_letter

from taizhang.book.master import create_master
from taizhang.book.sheets import (
    S_APPROVALS,
    S_CHANGES,
    S_CLOSURES,
    S_LEDGER,
    S_LISTS,
    S_REJECTS,
    S_REMINDERS,
    S_REPORTS,
    S_SPOT,
    S_UNASSIGNED,
)
from taizhang.intake.units import UnitDirectory
from taizhang.jobs import run_merge, run_status
from taizhang.report.figures import REPORT_HEADERS
from taizhang.rules.rulebook import RECTIFY_MODES, find_rulebook
from taizhang.xlsx import xmlparts
from taizhang.xlsx.xlsxpatch import MAIN_NS

REPORT_DAY_SHEETS = (S_REPORTS, S_REJECTS, S_CHANGES, S_REMINDERS, S_APPROVALS, S_CLOSURES, S_SPOT, S_UNASSIGNED)
WRITTEN_BY_MERGE = {S_REPORTS, S_REJECTS, S_CHANGES, S_REMINDERS, S_APPROVALS, S_SPOT}
OFFICE_SHEET = "办公室封面"
OFFICE_NAMES = {("办公室汇总区", None): "'台账'!$A$1:$C$20", ("_xlnm.Print_Area", OFFICE_SHEET): f"'{OFFICE_SHEET}'!$A$1:$D$10"}


def check_mode_dropdown(path, letter: str = "E") -> None:
    """台账's 整改方式 column has one list drop-down over every data row, from 代码表 column ``letter``."""
    wb = openpyxl.load_workbook(path)
    ws = wb[S_LEDGER]
    col = [c.value for c in ws[1]].index("整改方式") + 1
    on_col = [(dv, r) for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges
              if r.min_col <= col <= r.max_col]
    assert len(on_col) == 1, on_col
    dv, cells = on_col[0]
    assert dv.type == "list" and dv.formula1 == f"'{S_LISTS}'!${letter}$2:${letter}${len(RECTIFY_MODES) + 1}"
    assert cells.min_col == cells.max_col == col and cells.min_row == 2 and cells.max_row >= max(ws.max_row, 1000)
    lists = wb[S_LISTS]
    assert [lists[f"{letter}{r}"].value for r in range(1, len(RECTIFY_MODES) + 3)] == ["整改方式", *RECTIFY_MODES, None]
    values = {v for (v,) in ws.iter_rows(min_row=2, min_col=col, max_col=col, values_only=True) if v}
    assert values <= set(RECTIFY_MODES)


def check_print(path, names) -> set[str]:
    """Each named sheet there prints landscape, one page wide, row 1 repeated; returns the sheets checked.

    Every print-titles name belongs to the sheet at its localSheetId, once."""
    wb = openpyxl.load_workbook(path)
    checked = set()
    for name in names:
        if name not in wb.sheetnames:
            continue
        ws = wb[name]
        assert ws.print_title_rows == "$1:$1", name
        assert ws.page_setup.orientation == "landscape", name
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        checked.add(name)
    titles = [(int(local), text) for (name, local), text in defined_names(path).items() if name == "_xlnm.Print_Titles"]
    for local, text in titles:
        assert text == "'" + wb.sheetnames[local].replace("'", "''") + "'!$1:$1", (local, text)
    return checked


def defined_names(path) -> dict[tuple[str, str | None], str]:
    """workbook.xml's defined names: (name, localSheetId) → text; a duplicate would fail here."""
    root = xmlparts.parse(zipfile.ZipFile(path).read("xl/workbook.xml")).root
    out: dict[tuple[str, str | None], str] = {}
    for el in root.iter(xmlparts.q(MAIN_NS, "definedName")):
        k = (el.get("name"), el.get("localSheetId"))
        assert k not in out, k
        out[k] = el.text
    return out


def names_by_sheet(path) -> dict[tuple[str, str | None], str]:
    """The defined names keyed by the sheet each belongs to (its localSheetId's sheet), not by its index: a sheet
    added in front of others moves their indices, and each name must move with its sheet."""
    sheets = openpyxl.load_workbook(path, read_only=True).sheetnames
    return {(n, None if local is None else sheets[int(local)]): text for (n, local), text in defined_names(path).items()}


def rewrite_workbook_xml(path, edit) -> None:
    """Change xl/workbook.xml of the package at ``path`` (as the office's Excel would), every other part as it was."""
    with zipfile.ZipFile(path) as z:
        parts = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            z.writestr(info, edit(data) if info.filename == "xl/workbook.xml" else data)


def add_office_names(path) -> dict[tuple[str, str | None], str]:
    """The office's own names (one for the whole workbook, one local to its own sheet); returns them by key."""
    sheets = openpyxl.load_workbook(path, read_only=True).sheetnames
    wanted = {(n, None if s is None else str(sheets.index(s))): text for (n, s), text in OFFICE_NAMES.items()}

    def edit(data: bytes) -> bytes:
        part = xmlparts.parse(data)
        defined = part.root.find(xmlparts.q(MAIN_NS, "definedNames"))
        for (name, local), text in wanted.items():
            el = xmlparts.ET.SubElement(defined, xmlparts.q(MAIN_NS, "definedName"), {"name": name})
            if local is not None:
                el.set("localSheetId", local)
            el.text = text
        return part.tostring()

    rewrite_workbook_xml(path, edit)
    return wanted


def test_new_master_has_the_mode_list_and_prints_its_ledger(tmp_path):
    path = create_master(tmp_path / "台账总表.xlsx", find_rulebook("sanluan"), UnitDirectory([]))
    check_mode_dropdown(path)
    assert check_print(path, [S_LEDGER]) == {S_LEDGER}


def test_merges_and_status_keep_the_drop_down_and_print_every_report_sheet(fresh_sample):
    master = fresh_sample.master
    wb = openpyxl.load_workbook(master)  # the office adds a sheet in front: every sheet's index moves by one
    wb.move_sheet(wb.create_sheet(OFFICE_SHEET), -len(wb.sheetnames) + 1)
    wb.save(master)
    assert openpyxl.load_workbook(master).sheetnames[0] == OFFICE_SHEET
    add_office_names(master)
    kept = names_by_sheet(master)  # the office's, the sheets' print titles, the 台账 filter's _xlnm._FilterDatabase
    assert ("_xlnm._FilterDatabase", S_LEDGER) in kept
    check_mode_dropdown(master)

    for run in range(2):
        run_merge(master, fresh_sample.submissions, REPORT_DAY)
        check_mode_dropdown(master)
        assert check_print(master, REPORT_DAY_SHEETS + (S_LEDGER,)) >= WRITTEN_BY_MERGE | {S_LEDGER}, run
        names = names_by_sheet(master)
        assert {k: names.get(k) for k in kept} == kept
    run_status(master, REPORT_DAY)
    check_mode_dropdown(master)
    assert check_print(master, REPORT_DAY_SHEETS) >= WRITTEN_BY_MERGE
    assert names_by_sheet(master) == names  # nothing added twice, nothing lost


@pytest.mark.parametrize("office_column", [False, True])
def test_an_older_master_gets_the_mode_column_on_its_next_save(fresh_sample, office_column):
    """A master written before 代码表 had 整改方式: it loads, and status adds the column (after any column of the
    office's own) and the drop-down; a merge afterwards adds neither again."""
    master = fresh_sample.master
    wb = openpyxl.load_workbook(master)
    lists = wb[S_LISTS]
    lists.delete_cols(5)
    if office_column:
        for r, v in enumerate(["办公室自用", "甲", "乙"], 1):
            lists.cell(r, 5, v)
    ledger = wb[S_LEDGER]
    col = get_column_letter([c.value for c in ledger[1]].index("整改方式") + 1)
    ledger.data_validations.dataValidation = [dv for dv in ledger.data_validations.dataValidation
                                              if not str(dv.sqref).startswith(f"{col}2:")]
    wb.save(master)
    before = [[c.value for c in r] for r in openpyxl.load_workbook(master)[S_LISTS].iter_rows()]
    letter = "F" if office_column else "E"

    run_status(master, REPORT_DAY)
    check_mode_dropdown(master, letter)
    lists = openpyxl.load_workbook(master)[S_LISTS]
    after = [[c.value for c in r] for r in lists.iter_rows()]
    width = len(before[0])
    assert [r[:width] for r in after] == before  # the office's 代码表 as it was, one column more
    head, new = lists[f"{get_column_letter(width)}1"], lists[f"{letter}1"]
    assert (new.fill.fgColor.rgb, new.font.b, new.font.color.rgb) == (head.fill.fgColor.rgb, head.font.b, head.font.color.rgb)

    run_merge(master, fresh_sample.submissions, REPORT_DAY)
    check_mode_dropdown(master, letter)
    lists = openpyxl.load_workbook(master)[S_LISTS]
    assert [c.value for c in lists[1]].count("整改方式") == 1


@needs_libreoffice
def test_report_sheet_prints_its_header_on_every_page(fresh_sample, tmp_path):
    """报送情况 for more units than a page holds, after two merges: LibreOffice repeats the header row on page 2."""
    master = fresh_sample.master
    wb = openpyxl.load_workbook(master)
    units = wb["成员单位"]
    kinds = sorted({r[1] for r in units.iter_rows(min_row=2, values_only=True) if r[1]})
    for i in range(60):  # units the office added since: 未报送, one row each
        units.append([f"新增单位{i + 1:02d}", kinds[i % len(kinds)], "", ""])
    wb.save(master)
    run_merge(master, fresh_sample.submissions, REPORT_DAY)
    run_merge(master, fresh_sample.submissions, REPORT_DAY)

    text = pdf_text(convert([master], "pdf", tmp_path / "pdf")[0])
    pages = [[line for line in p.splitlines() if line.strip()] for p in text.split("\f")]
    reports = [p for p in pages if p and p[0].strip() == S_REPORTS]  # the page header names the sheet
    assert len(reports) >= 2
    for page in reports:
        assert re.search(r"\s+".join(REPORT_HEADERS), page[1]), page[:3]
    assert "新增单位01" in "\n".join(reports[0]) and "新增单位60" in "\n".join(reports[-1])
