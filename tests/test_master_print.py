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
        if name == S_LEDGER:  # 台账 prints on A3, pages across: check_ledger_print
            check_ledger_print(path)
            checked.add(name)
            continue
        ws = wb[name]
        assert ws.print_title_rows == "$1:$1", name
        assert ws.page_setup.orientation == "landscape", name
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        checked.add(name)
    titles = [(int(local), text) for (name, local), text in defined_names(path).items() if name == "_xlnm.Print_Titles"]
    for local, text in titles:
        q = "'" + wb.sheetnames[local].replace("'", "''") + "'!"
        if wb.sheetnames[local] == S_LEDGER:
            assert set(text.split(",")) == {f"{q}$A:$B", f"{q}$1:$1"}, (local, text)
        else:
            assert text == f"{q}$1:$1", (local, text)
    return checked


def ledger_part(path) -> str:
    """The 台账 sheet's part name in the package at ``path``."""
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{S_LEDGER}"[^>]*r:id="(\w+)"', wb).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*/>', rels).group(0)
    return "xl/" + re.search(r'Target="(?:/xl/)?([^"]+)"', target).group(1)


def ledger_xml(path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(ledger_part(path)).decode()


def check_ledger_print(path, campaign: str | None = None) -> None:
    """台账 prints A3 landscape, fitted to some pages across (as many down as needed), pages numbered across first,
    问题编号 and 责任单位 and the header row on every page, the print area its columns, a footer with the campaign
    (``campaign``) and 第 X 页，共 Y 页; the long-text columns wrap."""
    xml = ledger_xml(path)
    setup = dict(re.findall(r'(\w+)="([^"]*)"', re.search(r"<pageSetup\b[^>]*>", xml).group(0)))
    assert (setup["paperSize"], setup["orientation"], setup["fitToHeight"], setup["pageOrder"]) == \
        ("8", "landscape", "0", "overThenDown"), setup
    assert 2 <= int(setup["fitToWidth"]) <= 6, setup
    assert re.search(r'<pageSetUpPr fitToPage="1"\s*/>', xml)
    footer = re.search(r"<oddFooter>(.*?)</oddFooter>", xml).group(1)
    assert footer.endswith("&amp;R第 &amp;P 页，共 &amp;N 页") and "台账" in footer, footer
    if campaign:
        assert footer.startswith(f"&amp;L{campaign} · 台账"), footer
    wb = openpyxl.load_workbook(path)
    ws = wb[S_LEDGER]
    headers = [c.value for c in ws[1]]
    names = names_by_sheet(path)
    assert names[("_xlnm.Print_Area", S_LEDGER)] == f"'{S_LEDGER}'!$A:${get_column_letter(len(headers))}"
    assert set(names[("_xlnm.Print_Titles", S_LEDGER)].split(",")) == {f"'{S_LEDGER}'!$A:$B", f"'{S_LEDGER}'!$1:$1"}
    for header in ("问题描述", "整改措施", "办理进展"):
        col = headers.index(header) + 1
        cells = [ws.cell(r, col) for r in range(2, ws.max_row + 1)]
        assert all(c.alignment.wrap_text for c in cells), header


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
    book = find_rulebook("sanluan")
    path = create_master(tmp_path / "台账总表.xlsx", book, UnitDirectory([]))
    check_mode_dropdown(path)
    assert check_print(path, [S_LEDGER]) == {S_LEDGER}
    check_ledger_print(path, book.name)


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


def rewrite_part(path, part: str, edit) -> None:
    with zipfile.ZipFile(path) as z:
        parts = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            z.writestr(info, edit(data.decode()).encode() if info.filename == part else data)


def test_ledger_prints_on_a3_across_pages_after_a_merge(fresh_sample):
    """台账 after a merge (a sheet written in the office's frame): A3, pages across, titles, area, footer, wrapping;
    a case with a long 问题描述 gets a row tall enough for it, written without customHeight (never the office's)."""
    master = fresh_sample.master
    run_merge(master, fresh_sample.submissions, REPORT_DAY)
    check_ledger_print(master, find_rulebook("xinguan").name)
    ws = openpyxl.load_workbook(master)[S_LEDGER]
    col = [c.value for c in ws[1]].index("问题描述") + 1
    long_rows = [r for r in range(2, ws.max_row + 1) if len(str(ws.cell(r, col).value or "")) > 20]  # over one line at width 40
    assert long_rows
    rows = dict(re.findall(r'<row r="(\d+)"([^>]*)>', ledger_xml(master)))
    for r in long_rows:
        assert re.search(r' ht="(\d+(\.\d+)?)"', rows[str(r)]) and "customHeight" not in rows[str(r)], rows[str(r)]
        assert float(re.search(r' ht="([\d.]+)"', rows[str(r)]).group(1)) >= 32


def test_an_office_page_setup_is_kept_and_an_earlier_taizhangs_is_brought_up_to_date(fresh_sample):
    master = fresh_sample.master
    run_merge(master, fresh_sample.submissions, REPORT_DAY)
    part = ledger_part(master)
    earlier = ('<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
               '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
               '<headerFooter><oddHeader>&amp;R&amp;A</oddHeader><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter>'
               '</headerFooter>')
    span = re.compile(r"<pageMargins\b.*?</headerFooter>", re.S)
    rewrite_part(master, part, lambda x: span.sub(earlier, x, count=1))  # as taizhang wrote it before this version
    rewrite_workbook_xml(master, lambda d: d.replace(f"'{S_LEDGER}'!$A:$B,'{S_LEDGER}'!$1:$1".encode(),
                                                     f"'{S_LEDGER}'!$1:$1".encode()))
    run_status(master, REPORT_DAY)
    check_ledger_print(master, find_rulebook("xinguan").name)

    own = ('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
           '<pageSetup paperSize="9" orientation="portrait" fitToWidth="2" fitToHeight="0"/>'
           '<headerFooter><oddFooter>&amp;C办公室自定页脚 &amp;P</oddFooter></headerFooter>')
    rewrite_part(master, part, lambda x: span.sub(own, x, count=1))
    rewrite_workbook_xml(master, lambda d: d.replace(f"'{S_LEDGER}'!$A:$B,'{S_LEDGER}'!$1:$1".encode(),
                                                     f"'{S_LEDGER}'!$1:$2".encode()))
    for run in (run_status, lambda m, d: run_merge(m, fresh_sample.submissions, d)):
        run(master, REPORT_DAY)
        xml = ledger_xml(master)
        assert '<pageSetup paperSize="9" orientation="portrait" fitToWidth="2" fitToHeight="0"' in xml
        assert "办公室自定页脚" in xml and "台账 · " not in xml
        assert names_by_sheet(master)[("_xlnm.Print_Titles", S_LEDGER)] == f"'{S_LEDGER}'!$1:$2"


@needs_libreoffice
def test_printed_ledger_is_a3_landscape_with_its_header_and_footer_on_every_page(fresh_sample, tmp_path):
    """The merged master's 台账 rendered by LibreOffice: A3 landscape pages (pdfinfo), each 台账 page starting with
    问题编号 and 责任单位 in the repeated header and ending with the campaign's footer and 第 X 页，共 Y 页."""
    import subprocess

    master = fresh_sample.master
    run_merge(master, fresh_sample.submissions, REPORT_DAY)
    wb = openpyxl.load_workbook(master)
    for name in wb.sheetnames:  # only 台账 prints
        if name != S_LEDGER:
            wb[name].sheet_state = "hidden"
    only = tmp_path / "ledger.xlsx"
    wb.save(only)
    pdf = convert([only], "pdf", tmp_path / "pdf")[0]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A3)" in info and re.search(r"Page size:\s+1190\.\d+ x 841\.\d+", info), info
    pages = [p for p in pdf_text(pdf).split("\f") if p.strip()]
    n = len(pages)
    assert n >= 4
    campaign = find_rulebook("xinguan").name
    for i, page in enumerate(pages, 1):
        lines = [line for line in page.splitlines() if line.strip()]
        assert re.search(r"问题编号\s+责任单位\s", "\n".join(lines[:3])), lines[:3]  # (a long header wraps)
        assert campaign in lines[-1] and f"第 {i} 页，共 {n} 页" in lines[-1], lines[-1]


def test_long_categories_wrap_in_the_printed_ledger(tmp_path):
    """sanluan's 问题类别 values (up to 32 characters, e.g. 对侵占损害河道、…失管失察) wrap in their column, and a row
    holding one is as tall as its wrapped lines, not cut off at the column's edge on paper."""
    from taizhang.demo import generate

    s = generate(tmp_path / "sanluan", preset="sanluan", seed=3, today=REPORT_DAY)
    run_merge(s.master, s.submissions, REPORT_DAY)
    ws = openpyxl.load_workbook(s.master)[S_LEDGER]
    headers = [c.value for c in ws[1]]
    col = headers.index("问题类别") + 1
    width = ws.column_dimensions[get_column_letter(col)].width
    long_rows = [r for r in range(2, ws.max_row + 1) if 2 * len(str(ws.cell(r, col).value or "")) > width + 2]
    assert long_rows
    assert all(ws.cell(r, col).alignment.wrap_text for r in long_rows)
    rows = dict(re.findall(r'<row r="(\d+)"([^>]*)>', ledger_xml(s.master)))
    for r in long_rows:
        lines = -(-2 * len(ws.cell(r, col).value) // (width - 1))
        assert float(re.search(r' ht="([\d.]+)"', rows[str(r)]).group(1)) >= 14 * lines, (r, lines, rows[str(r)])
