"""The master stays the office's file: what the office adds to 台账 survives every write, writing is idempotent,
permissions are kept, and the package XML is edited through a parser with its prefixes intact."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import openpyxl
from conftest import REPORT_DAY, convert, needs_libreoffice
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill

from taizhang.fields import FIELDS
from taizhang.findings import col_letter
from taizhang.jobs import run_merge, run_status
from taizhang.xlsx.xlsxpatch import SheetSpec, patch_package

NOTE, COPY = col_letter(len(FIELDS)), col_letter(len(FIELDS) + 1)  # the office's two columns, right of taizhang's
BLANKED = 5  # the office empties this case's row: every row below it moves up one on the next write


before: dict = {}  # case id → its row when the office edited the master


def office_edit(master, out):
    """What an office does to its master in a spreadsheet program: its own columns (a value, a formula per
    case), a note, a conditional format, frozen panes, widths, a filter over its columns too."""
    wb = openpyxl.load_workbook(master)
    ws = wb["台账"]
    ws[f"{NOTE}1"], ws[f"{COPY}1"] = "办公室备注", "编号副本"
    for r in range(2, ws.max_row + 1):
        ws[f"{COPY}{r}"] = f'=A{r}&"#"'
    ws[f"{NOTE}7"] = "重点关注"
    ws["B8"].comment = Comment("办公室批注：请核实", "办公室")
    ws.conditional_formatting.add(f"{NOTE}2:{NOTE}500", CellIsRule(operator="equal", formula=['"重点关注"'],
                                                                   fill=PatternFill("solid", fgColor="FF0000")))
    ws.freeze_panes = "D2"
    ws.column_dimensions["C"].width = 33
    ws.column_dimensions[NOTE].width = 21
    ws.auto_filter.ref = f"A1:{COPY}{ws.max_row}"
    marked = ws["A7"].value, ws["A8"].value
    before.clear()
    before.update({ws[f"A{r}"].value: r for r in range(2, ws.max_row + 1) if r != BLANKED})
    for cell in ws[BLANKED]:
        cell.value = None
    wb.save(out)
    return marked


def check_office_layer(path, marked, *, freeze="D2", n_cases=None):
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    ids = {ws[f"A{r}"].value: r for r in range(2, ws.max_row + 1)}
    if n_cases is not None:
        assert len(ids) == n_cases
    assert (ws[f"{NOTE}1"].value, ws[f"{COPY}1"].value) == ("办公室备注", "编号副本")
    for r in range(2, ws.max_row + 1):  # every formula points at its own row, whatever moved
        if ws[f"A{r}"].value and ws[f"{COPY}{r}"].value is not None:
            assert ws[f"{COPY}{r}"].value == f'=A{r}&"#"', r
    first, second = marked
    assert ws[f"{NOTE}{ids[first]}"].value == "重点关注"  # the value stayed with its case
    moved = [c for c, r in before.items() if c in ids and ids[c] != r]
    assert len(moved) > len(before) // 2  # rows did move (the emptied row is gone; rows in 成员单位 order)
    comment = ws[f"B{ids[second]}"].comment
    assert comment is not None and "请核实" in comment.text
    assert any(f"{NOTE}2:{NOTE}" in str(cf.sqref) for cf in ws.conditional_formatting)
    assert ws.freeze_panes == freeze
    assert ws.column_dimensions["C"].width == 33 and ws.column_dimensions[NOTE].width == 21
    assert ws.auto_filter.ref == f"A1:{COPY}{ws.max_row}"
    assert len(ws.data_validations.dataValidation) == 5  # taizhang's drop-downs, once each (seed 001: no 复杂程度)
    return ws


def test_office_layer_survives_status_and_merge(fresh_sample):
    master = fresh_sample.master
    before = openpyxl.load_workbook(master)["台账"].max_row
    marked = office_edit(master, master)
    run_status(master, REPORT_DAY)
    check_office_layer(master, marked, n_cases=before - 2)
    out = run_merge(master, fresh_sample.submissions, REPORT_DAY)
    assert out.result.rows_new > 0
    ws = check_office_layer(master, marked)
    assert ws.max_row > before - 1  # new cases appended below, the office's cells still beside their own cases
    run_status(master, REPORT_DAY)
    check_office_layer(master, marked)


@needs_libreoffice
def test_office_layer_of_a_master_saved_by_libreoffice(fresh_sample, tmp_path):
    edited = tmp_path / "edited.xlsx"
    marked = office_edit(fresh_sample.master, edited)
    (saved,) = convert([edited], "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    master = fresh_sample.master.with_name("lo-master.xlsx")
    shutil.copy(saved, master)
    # LibreOffice writes its own sheet XML (attributes everywhere, formulas with aca=, x14 parts)
    with zipfile.ZipFile(master) as z:
        assert any('aca="false"' in z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    run_status(master, REPORT_DAY)
    run_merge(master, fresh_sample.submissions, REPORT_DAY)
    # headless LibreOffice does not carry frozen panes over from openpyxl's file; what it wrote is kept
    check_office_layer(master, marked, freeze=None)
    # and LibreOffice still opens what taizhang wrote: the office's column and note are in the rendered text
    (pdf,) = convert([master], "pdf", tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "办公室备注" in text and "重点关注" in text and marked[0] + "#" in text


def _styles(path):
    return zipfile.ZipFile(path).read("xl/styles.xml")


def test_five_status_runs_leave_styles_identical(fresh_sample):
    master = fresh_sample.master
    run_status(master, REPORT_DAY)
    first = _styles(master)
    xfs = len(re.findall(rb"<xf\b", first))
    for _ in range(4):
        run_status(master, REPORT_DAY)
    assert hashlib.sha256(_styles(master)).hexdigest() == hashlib.sha256(first).hexdigest()
    run_merge(master, fresh_sample.submissions, REPORT_DAY)
    run_status(master, REPORT_DAY)
    # the merge adds at most the report sheets' wrapped-text style (报送情况, 退回清单), once: a second adds none
    after = len(re.findall(rb"<xf\b", _styles(master)))
    assert xfs <= after <= xfs + 1
    run_merge(master, fresh_sample.submissions, REPORT_DAY)
    run_status(master, REPORT_DAY)
    assert len(re.findall(rb"<xf\b", _styles(master))) == after


def test_styles_stay_constant_when_the_office_saves_with_openpyxl_between_writes(fresh_sample):
    """#24: openpyxl writes the same styles with other attributes and order (``<b val="1"/>``, name first,
    pivotButton="0", no applyFill), and the writer matched only the exact XML: 17 → 70 cell formats over a year.
    Styles are matched by meaning now: five rounds of "openpyxl load+save, then status" leave styles.xml as it was."""
    master = fresh_sample.master
    run_status(master, REPORT_DAY)
    rounds = []
    for _ in range(5):
        openpyxl.load_workbook(master).save(master)
        run_status(master, REPORT_DAY)
        rounds.append(_styles(master))
    assert len(set(rounds)) == 1
    counts = [len(re.findall(rb"<(?:\w+:)?(?:xf|font)\b", r)) for r in rounds]
    assert counts[0] == counts[-1] and len(re.findall(rb"<xf\b", rounds[0])) < 20, counts


def _style_counts(styles: bytes) -> tuple[int, int]:
    root = ET.fromstring(styles)
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    return len(root.find(ns + "cellXfs")), len(root.find(ns + "fonts"))


@needs_libreoffice
def test_styles_stay_constant_when_the_office_saves_with_libreoffice_between_writes(fresh_sample, tmp_path):
    """#24: LibreOffice saves taizhang's header cells in the font it rendered them with (Noto Sans CJK SC for 等线,
    family 2) and drops the unused 等线 fonts; the writer found no cell format of that exact meaning and added its
    header styles again, 3 cell formats and 2 fonts per round. A font differing only in typeface is the same style
    now: no status after a LibreOffice save adds a style, and the rounds converge (LibreOffice's own second save
    adds a few of its own, once)."""
    master = fresh_sample.master
    run_status(master, REPORT_DAY)
    rounds = []
    for i in range(3):
        (saved,) = convert([master], "xlsx:Calc MS Excel 2007 XML", tmp_path / f"lo{i}")
        shutil.copy(saved, master)
        by_libreoffice = _style_counts(_styles(master))
        run_status(master, REPORT_DAY)
        rounds.append(_style_counts(_styles(master)))
        assert rounds[-1] == by_libreoffice, (i, by_libreoffice, rounds)
    assert rounds[-1] == rounds[-2], rounds
    ws = openpyxl.load_workbook(master)["台账"]  # the header still looks like taizhang's: dark fill, white bold
    assert ws["A1"].fill.fgColor.rgb[-6:] == "1F4E78" and ws["A1"].font.b and ws["A1"].font.color.rgb[-6:] == "FFFFFF"


def test_a_style_in_another_typeface_is_reused_not_added():
    """LibreOffice's spelling of taizhang's header: the same fill, alignment and white bold 11 font, in the face it
    rendered 等线 with (and the 等线 font itself dropped, or kept unused): ``xf("header")`` is that cell format."""
    from taizhang.xlsx.parts import _Styles

    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    fonts = ('<font><sz val="11"/><name val="Calibri"/></font>'
             '<font><b val="true"/><sz val="11"/><color rgb="FFFFFFFF"/><name val="Noto Sans CJK SC"/><family val="2"/></font>')
    fills = ('<fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
             '<fill><patternFill patternType="solid"><fgColor rgb="FF1F4E78"/><bgColor indexed="64"/></patternFill></fill>')
    xfs = ('<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="true" applyAlignment="true">'
           '<alignment horizontal="center" vertical="center" wrapText="true"/></xf>')
    for extra in ("", '<font><b val="true"/><sz val="11"/><color rgb="FFFFFFFF"/><name val="等线"/></font>'):
        xml = (f'<styleSheet {ns}><fonts count="2">{fonts}{extra}</fonts><fills count="3">{fills}</fills>'
               f'<borders count="1"><border/></borders><cellXfs count="2">{xfs}</cellXfs></styleSheet>')
        styles = _Styles(xml)
        assert styles.xf("header") == 1
        assert styles.xml.count(b"<font>") + styles.xml.count(b"<font ") == 2 + bool(extra)
        assert styles.xml.count(b"<xf ") == 2
    assert _Styles(xml).xf("header_office") == 2  # bold black: no such font in any face, so added


def test_style_meaning_ignores_how_a_program_spelled_it():
    from taizhang.xlsx.parts import style_meaning

    def m(xml):
        return style_meaning(ET.fromstring(xml))

    assert m('<font><b/><sz val="11"/><color rgb="FFFFFFFF"/><name val="等线"/></font>') == \
        m('<font><name val="等线"/><b val="1"/><color rgb="00ffffff"/><sz val="11"/></font>')
    assert m('<font><b val="0"/><sz val="11"/></font>') == m('<font><sz val="11"/></font>') != m('<font><b/><sz val="11"/></font>')
    assert m('<border><left/><right/><top/><bottom/><diagonal/></border>') == m('<border diagonalUp="0"/>')
    xf = '<xf numFmtId="0" fontId="3" fillId="3" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">' \
         '<alignment wrapText="1" vertical="center" horizontal="center"/></xf>'
    opx = '<xf numFmtId="0" fontId="3" fillId="3" borderId="0" applyAlignment="1" pivotButton="0" quotePrefix="0" ' \
          'xfId="0"><alignment horizontal="center" vertical="center" wrapText="true"/></xf>'
    assert m(xf) == m(opx) != m(opx.replace('fontId="3"', 'fontId="4"'))
    # LibreOffice's spellings: family 0 and charset 1, any background under a solid fill, every apply* flag,
    # default alignment and protection written out
    assert m('<font><b val="true"/><sz val="11"/><color rgb="FFC00000"/><name val="等线"/><family val="0"/>'
             '<charset val="1"/></font>') == m('<font><b/><sz val="11"/><color rgb="FFC00000"/><name val="等线"/></font>')
    assert m('<fill><patternFill patternType="solid"><fgColor rgb="FFFCE4D6"/><bgColor rgb="FFEDEDED"/></patternFill></fill>') \
        == m('<fill><patternFill patternType="solid"><fgColor rgb="FFFCE4D6"/><bgColor indexed="64"/></patternFill></fill>')
    lo = ('<xf numFmtId="0" fontId="3" fillId="3" borderId="0" xfId="0" applyFont="true" applyBorder="false" '
          'applyAlignment="true" applyProtection="true"><alignment horizontal="center" vertical="center" textRotation="0" '
          'wrapText="true" indent="0" shrinkToFit="false"/><protection locked="true" hidden="false"/></xf>')
    assert m(lo) == m(xf)


def test_master_keeps_its_mode_and_new_files_follow_the_umask(fresh_sample, tmp_path):
    master = fresh_sample.master
    os.chmod(master, 0o664)
    run_merge(master, fresh_sample.submissions, REPORT_DAY)
    assert stat.S_IMODE(os.stat(master).st_mode) == 0o664
    run_status(master, REPORT_DAY)
    assert stat.S_IMODE(os.stat(master).st_mode) == 0o664
    old = os.umask(0o002)
    try:
        out = tmp_path / "new-copy.xlsx"
        run_status(master, REPORT_DAY, out)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o664


MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def test_package_xml_keeps_prefixes_and_ignorable_declarations(tmp_path):
    """openpyxl with lxml declares xmlns:r on each <sheet>; Excel writes mc:Ignorable prefixes used nowhere else."""
    src = tmp_path / "src.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.save(src)
    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                f'xmlns:mc="{MC}" xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main" '
                'mc:Ignorable="x15"><workbookPr/><sheets><sheet '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
                'name="说明" sheetId="1" r:id="rId1"/></sheets></workbook>')
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp_path / "mc.xlsx", "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, workbook if info.filename == "xl/workbook.xml" else zin.read(info.filename))
    out = tmp_path / "out.xlsx"
    patch_package(tmp_path / "mc.xlsx", out, {"台账": SheetSpec([["问题编号"], ["A-1"]]), "说明": SheetSpec([["说明"]])})
    xml = zipfile.ZipFile(out).read("xl/workbook.xml").decode()
    root_tag = xml[xml.index("<workbook"):xml.index(">", xml.index("<workbook"))]
    assert f'xmlns:mc="{MC}"' in root_tag and 'xmlns:x15="' in root_tag and 'mc:Ignorable="x15"' in root_tag
    assert 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"' in root_tag
    assert re.findall(r'<sheet\b[^>]*\br:id="(\w+)"', xml) == ["rId1", "rIdTz2"]
    assert "ns0:" not in xml and "tzdefaultns" not in xml
    ET.fromstring(xml.encode())  # well-formed, every prefix declared
    for name in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"):
        part = zipfile.ZipFile(out).read(name).decode()
        assert "ns0:" not in part and "tzdefaultns" not in part
        ET.fromstring(part.encode())
    back = openpyxl.load_workbook(out)
    assert back.sheetnames == ["说明", "台账"] and back["台账"]["A2"].value == "A-1"


def test_a_shared_formula_filled_down_moves_with_its_rows():
    from taizhang.xlsx.xlsxpatch import _moved_formula

    shared: dict = {}
    head = _moved_formula('<f t="shared" ref="AL2:AL9" si="0">A2&amp;"#"</f><v>x</v>', "AL2", "AL2", shared)
    assert head == '<f>A2&amp;"#"</f><v>x</v>'
    follower = _moved_formula('<f t="shared" si="0"/><v>y</v>', "AL6", "AL5", shared)
    assert follower == '<f>A5&amp;"#"</f><v>y</v>'
    assert _moved_formula("<f>SUM($B$2:B7)</f>", "AL7", "AL3", {}) == "<f>SUM($B$2:B3)</f>"


def test_rows_the_office_hid_or_sized_keep_that_with_their_case(fresh_sample):
    """#14 left: "the office's custom row heights and hidden data rows are not kept". They now move with their case."""
    master = fresh_sample.master
    run_status(master, REPORT_DAY)
    wb = openpyxl.load_workbook(master)
    ws = wb["台账"]
    col = {c.value: c.column for c in ws[1]}
    ids = [ws.cell(r, col["问题编号"]).value for r in range(2, ws.max_row + 1)]
    hidden_id, tall_id = ids[3], ids[7]
    ws.row_dimensions[5].hidden = True  # ids[3] is on row 5
    ws.row_dimensions[9].height = 48  # ids[7] is on row 9
    wb.save(master)
    out = run_merge(master, fresh_sample.submissions, REPORT_DAY)
    assert out.result.rows_new > 0  # rows were added and re-ordered by unit: the two cases may have moved
    run_status(master, REPORT_DAY)
    ws = openpyxl.load_workbook(master)["台账"]
    row_of = {ws.cell(r, col["问题编号"]).value: r for r in range(2, ws.max_row + 1)}
    hidden = [r for r in range(2, ws.max_row + 1) if ws.row_dimensions[r].hidden]
    # custom heights as written (openpyxl calls every row with a height custom; taizhang's estimates for wrapped
    # text, book/ledger_print.py, are written without customHeight and are not the office's)
    from test_master_print import ledger_xml

    tall = {int(r): float(h) for r, h in re.findall(r'<row r="(\d+)"[^>]*? ht="([\d.]+)" customHeight="1"', ledger_xml(master))
            if int(r) > 1}
    assert hidden == [row_of[hidden_id]] and tall == {row_of[tall_id]: 48}


def test_a_master_in_excel_365s_shape_keeps_its_links_table_and_one_form_of_each_drop_down(fresh_sample):
    """The corpus's Excel 365 master (tests/office365.py, with what must survive beside it): after a status and a
    merge the hyperlink is on its case, the Table is intact, and no drop-down exists in both forms (#24: after one
    save in Excel every drop-down existed twice, the shape Excel "repairs" by deleting them)."""
    from office365 import check_excel365, excel365_master

    master = fresh_sample.master
    marks = excel365_master(master)
    with zipfile.ZipFile(master) as z:
        assert "<x14:dataValidations" in z.read(marks["part"]).decode()
    run_status(master, REPORT_DAY)
    check_excel365(master, marks)
    assert run_merge(master, fresh_sample.submissions, REPORT_DAY).result.rows_new > 0  # cases sorted in: rows move
    check_excel365(master, marks)
