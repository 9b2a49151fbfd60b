"""The streamed sheet writer: every value type lands as the right cell, across piece boundaries."""

from __future__ import annotations

import datetime as dt
import zipfile

import numpy as np
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from taizhang.xlsx import sheetxml
from taizhang.xlsx.cells import Link
from taizhang.xlsx.xlsxpatch import AppendedRows, SheetSpec, patch_package


@pytest.fixture
def book(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active["A1"] = "办公室自己的说明"
    wb.create_sheet("台账")["A1"] = "旧内容"
    wb["台账"]["B1"] = 4242  # a number stays in the sheet part whether openpyxl writes text inline or shared (lxml)
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


ROW = ["编号-001", "=SUM(A1:A9)", 12, 3.5, True, dt.date(2026, 11, 23), dt.datetime(2026, 1, 2, 12, 0),
       np.int64(7), np.float64(0.25), None, float("nan"), "", "含\x07控制符", "<b>&amp;</b>"]


def test_values_round_trip_across_pieces(book, tmp_path, monkeypatch):
    monkeypatch.setattr(sheetxml, "CHUNK_ROWS", 3)  # many pieces, including a short last one
    n = 8
    header = [f"列{i}" for i in range(len(ROW))]
    columns = [[v] * n for v in ROW]
    fills = ["red" if i % 2 else None for i in range(n)]
    out = tmp_path / "out.xlsx"
    patch_package(book, out, {"台账": SheetSpec([header], columns=columns, column_styles={0: fills}),
                              "新表": SheetSpec([["甲", "乙"], [1, "x"], ["y"]], cell_styles={(2, 0): "green"})})

    ws = openpyxl.load_workbook(out)["台账"]
    assert [c.value for c in ws[1]] == header
    assert ws.max_row == n + 1
    for r in range(2, n + 2):
        got = [c.value for c in ws[r]]
        assert got[:9] == ["编号-001", "=SUM(A1:A9)", 12, 3.5, True, dt.datetime(2026, 11, 23),
                           dt.datetime(2026, 1, 2, 12, 0), 7, 0.25]
        assert got[9:12] == [None, None, None]
        assert got[12:] == ["含控制符", "<b>&amp;</b>"]
        assert ws.cell(r, 2).data_type == "s"  # text that looks like a formula stays text
        assert (ws.cell(r, 1).fill.fgColor.rgb == "FFFFC7CE") == (r % 2 == 1)
    assert ws.cell(2, 6).number_format == "yyyy-mm-dd"

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["说明", "台账", "新表"]
    new = wb["新表"]
    assert [[c.value for c in row] for row in new.iter_rows()] == [["甲", "乙"], [1, "x"], ["y", None]]
    assert new.cell(3, 1).fill.fgColor.rgb == "FFC6EFCE"
    assert CalamineWorkbook.from_path(str(out)).get_sheet_by_name("台账").to_python()[n][0] == "编号-001"


def test_untouched_parts_stay_byte_identical(book, tmp_path):
    out = tmp_path / "out.xlsx"
    patch_package(book, out, {"台账": SheetSpec([["甲"], ["乙"]])})
    rewritten = {"xl/worksheets/sheet2.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
                 "xl/styles.xml"}
    with zipfile.ZipFile(book) as a, zipfile.ZipFile(out) as b:
        # the ledger really is sheet2: it is the part that changed (openpyxl may keep its text in sharedStrings)
        assert b"\xe4\xb9\x99" not in a.read("xl/worksheets/sheet2.xml")
        assert a.read("xl/worksheets/sheet2.xml") != b.read("xl/worksheets/sheet2.xml")
        kept = [n for n in a.namelist() if n not in rewritten]
        assert "xl/worksheets/sheet1.xml" in kept
        assert all(a.read(n) == b.read(n) for n in kept)


def test_print_titles_for_the_sheets_written_whole(book, tmp_path):
    """A landscape sheet taizhang writes whole repeats row 1 on each page (a name local to its position); print
    titles the office chose stay, a portrait sheet gets none, and writing again adds none twice."""
    wb = openpyxl.load_workbook(book)
    wb["说明"].print_title_rows = "1:2"  # the office's own choice
    wb.save(book)
    out = tmp_path / "out.xlsx"
    specs = {"台账": SheetSpec([["甲"], ["乙"]], landscape=True), "说明": SheetSpec([["丙"]], landscape=True),
             "办公室's 表": SheetSpec([["丁"], [1]], landscape=True), "草稿": SheetSpec([["戊"]])}
    patch_package(book, out, specs)
    patch_package(out, out, {**specs, "台账": AppendedRows([["己"]], 3)})  # rows appended: no print titles of its own
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["说明", "台账", "办公室's 表", "草稿"] and wb["台账"]["A3"].value == "己"
    assert [wb[n].print_title_rows for n in wb.sheetnames] == ["$1:$2", "$1:$1", "$1:$1", None]
    assert wb["办公室's 表"].page_setup.orientation == "landscape" and wb["办公室's 表"].page_setup.fitToWidth == 1
    xml = zipfile.ZipFile(out).read("xl/workbook.xml").decode("utf-8")
    assert xml.count("Print_Titles") == 3 and "'办公室''s 表'!$1:$1" in xml
    assert xml.index("<definedNames>") > xml.index("</sheets>")


def test_patching_in_place(book):
    patch_package(book, book, {"台账": SheetSpec([["甲"], ["乙"]])})
    wb = openpyxl.load_workbook(book)
    assert wb["台账"]["A2"].value == "乙" and wb["说明"]["A1"].value == "办公室自己的说明"
    assert not list(book.parent.glob("*.patching"))


def test_text_goes_to_the_shared_string_table_without_renumbering(book, tmp_path):
    spec = SheetSpec([["说明文字", "新文本"], ["办公室自己的说明", "新文本"]])
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    patch_package(book, once, {"台账": spec})
    patch_package(once, twice, {"台账": spec})

    def table(path):
        with zipfile.ZipFile(path) as z:
            return z.read("xl/sharedStrings.xml").decode("utf-8")

    for text in ("说明文字", "新文本", "办公室自己的说明"):
        assert table(once).count(f">{text}<") == 1  # each text once, however many cells use it
    assert table(twice) == table(once)  # a second report day reuses them all: the table does not grow
    wb = openpyxl.load_workbook(twice)
    assert wb["说明"]["A1"].value == "办公室自己的说明"
    assert [c.value for c in wb["台账"][2]] == ["办公室自己的说明", "新文本"]


@pytest.mark.parametrize("si", ["<si>", '<si xmlns:x="y">'])  # the fast layout, and the general one
def test_shared_strings_keep_rich_entries_numbered(si):
    from taizhang.xlsx.xlsxpatch import SharedStrings

    sst = SharedStrings(('<sst xmlns="x" count="3" uniqueCount="3"><si><t>甲</t></si>'
                         '<si><r><t>乙</t></r><r><rPr><b/></rPr><t>丙</t></r></si>'
                         '<si><t xml:space="preserve">丁 &amp; 戊</t></si></sst>').replace("<si>", si))
    assert sst.index("丁 & 戊") == 2 and sst.index("甲") == 0
    assert sst.index("乙丙") == 3  # a rich entry is never reused as plain text
    xml = sst.xml()
    assert xml.count("<si") == 4 and 'uniqueCount="4"' in xml and xml.endswith("</sst>")


def _one_at_a_time(blocks):
    w = sheetxml._Cells(7, sheetxml.SharedStrings(None))
    bodies = [sheetxml._body(v, s, w) for values, styles in blocks for v, s in zip(values, styles or [None] * len(values))]
    return ['"' + b if b else "" for b in bodies], w.strings.added


@pytest.mark.parametrize("blocks", [
    # numbers of several types (True == 1 == 1.0, rendered differently): cell by cell
    [([1, 2.5, None, float("nan"), float("inf"), True, False, np.int64(9), np.float64(0.5), "甲", "", 10**15], None),
     ([1.0, 1, True, -3, 1e-9, dt.date(2026, 11, 23)], None)],
    [([1, True, 1.0, 0, False, 0.0, 2, None], None), ([1.0, 1, True], None)],
    # floats: each zero as itself (0.0 == -0.0 as a key), NaN and ±inf without a value, styled or not
    [([0.0, -0.0, 1.5, float("nan"), float("inf"), 0.0, 2.5, None], None), ([-0.0, 1.5, 0.0], [4, 4, 4])],
    # repeated texts, blanks, a control character, one over 32,767 characters; the next block in another style
    [(["乙", "甲", "乙", "", None, "含\x07控制符", "长" * 40000, "甲"], None), (["甲", "丙", "乙", ""], [5, 5, 5, 5])],
    # distinct texts (numbered in one batch), a style per row, and a later block of values met before
    [([f"编号-{i}" for i in range(8)], [3, None, 4, 3, 3, None, 4, 4]), ([f"编号-{i}" for i in range(8)], None),
     (["编号-1", "新", "编号-2\x01"], None)],
    # dates, times, taizhang's links, and the same values in a second block (from the kept renderings)
    [([dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 12), Link("材料/甲", "2个文件"), dt.date(2026, 1, 2), None], None),
     ([dt.date(2026, 1, 2), Link("材料/甲", "2个文件"), dt.datetime(2026, 1, 2, 12)], [6, 6, 6])],
])
def test_column_blocks_are_the_cells_written_one_at_a_time(blocks):
    # the writer renders each distinct value of a block once and keeps it for the next blocks, texts and floats in
    # batches: the cells, and the order shared strings are numbered in, are exactly those written one at a time
    w = sheetxml._Cells(7, sheetxml.SharedStrings(None))
    types = {type(v) for values, _ in blocks for v in values}
    caches: dict = {}
    got = [t for values, styles in blocks for t in sheetxml._tails(list(values), types, styles, w, caches)]
    assert (got, w.strings.added) == _one_at_a_time(blocks)


def test_distinct_values_and_empty_blocks_are_written_as_one_cell_at_a_time(book, tmp_path, monkeypatch):
    # a mostly-distinct column takes the writer's batched path: its cells are those written one at a time; a block
    # of rows where no column has a cell keeps its rows
    monkeypatch.setattr(sheetxml, "CHUNK_ROWS", 3)
    n = 9
    distinct = [[f"编号-{i}", i, i + 0.5] if i not in (3, 4, 5) else [None, None, None] for i in range(n)]
    columns = [list(c) for c in zip(*distinct)]
    out = tmp_path / "out.xlsx"
    patch_package(book, out, {"台账": SheetSpec([["编号", "序号", "金额"]], columns=columns)})
    with zipfile.ZipFile(out) as z:
        xml = next(z.read(p).decode() for p in z.namelist() if p.startswith("xl/worksheets/") and "旧内容" not in
                   z.read(p).decode() and "<row" in z.read(p).decode() and 'r="C2"' in z.read(p).decode())
    assert [f'<row r="{r}">' in xml or f'<row r="{r}" ' in xml for r in range(2, n + 2)] == [True] * n
    ws = openpyxl.load_workbook(out)["台账"]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=n + 1)]
    assert got == [[f"编号-{i}", i, i + 0.5] if i not in (3, 4, 5) else [None, None, None] for i in range(n)]
