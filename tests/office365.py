"""The corpus of office-edited masters: a master in the shape Excel 365 writes, built from one taizhang wrote.

What an office's Excel 365 leaves in 台账 after it has worked in it and saved, made by hand in Excel's own form
(openpyxl for the cells, then the sheet XML edited the way Excel writes it):

- an office column 佐证材料 with a hyperlink on one case's cell (to the case's evidence PDF);
- a threaded comment with a reply on one case's 问题描述 cell (``xl/threadedComments``, the people in
  ``xl/persons``, and the legacy twin Excel writes beside it in the comments part and the VML);
- an Excel Table (ListObject) over 台账 — Excel then has no sheet-level filter (the table holds its own);
- every drop-down in Excel's x14 form: a list that points at another sheet is written by Excel in the worksheet's
  extension list (``<extLst><ext><x14:dataValidations>``), not in ``<dataValidations>``; the office's own drop-down
  on its column 核查结论 too.

``SURVIVES`` says what must survive a write by taizhang (status, then merge); ``check_excel365`` asserts it.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.worksheet.table import Table, TableStyleInfo

SURVIVES = {
    "hyperlink": "the office's hyperlink stays on its case's row, whatever row the case moves to",
    "threaded": "the thread and its reply stay on their case's cell, with their legacy twin; the persons part stays",
    "table": "the Table part and its relationship stay; its header cells still read as its column names",
    "x14": "taizhang's drop-downs exist once (one form: <dataValidations>), none also in the x14 extension; "
           "the office's own x14 drop-down on its column stays",
}
LINK = "https://example.gov.cn/佐证/case.pdf"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
EXT_URI = "{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}"  # Excel's extension id for x14 data validations
THREADED = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
THREAD_ID, REPLY_ID = "{6E1F3B2A-0C4D-4E5F-9A8B-7C6D5E4F3A21}", "{7F2A4C3B-1D5E-4F6A-8B9C-0D1E2F3A4B5C}"
PERSON_ID = "{1A2B3C4D-5E6F-4A5B-8C9D-0E1F2A3B4C5D}"
THREAD_PART, PERSONS_PART = "xl/threadedComments/threadedComment1.xml", "xl/persons/person.xml"
THREAD_XML = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<ThreadedComments xmlns="{THREADED}" '
              'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              f'<threadedComment ref="B8" dT="2026-11-20T09:30:00.00" personId="{PERSON_ID}" id="{THREAD_ID}">'
              "<text>请核实整改材料</text></threadedComment>"
              f'<threadedComment ref="B8" dT="2026-11-21T10:00:00.00" personId="{PERSON_ID}" id="{REPLY_ID}" '
              f'parentId="{THREAD_ID}"><text>已补充</text></threadedComment></ThreadedComments>')
PERSONS_XML = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<personList xmlns="{THREADED}" '
               'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               f'<person displayName="办公室 张三" id="{PERSON_ID}" userId="zhangsan@example.gov.cn" providerId="AD"/>'
               "</personList>")


def _ledger_part(z: zipfile.ZipFile) -> str:
    for n in z.namelist():
        if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n) and "<dataValidations" in z.read(n).decode():
            return n
    raise AssertionError("no 台账 sheet with drop-downs")


def excel365_master(master: Path) -> dict:
    """Rewrite ``master`` (a taizhang master) in place in Excel 365's shape; returns what the checks need."""
    wb = openpyxl.load_workbook(master)
    ws = wb["台账"]
    width = ws.max_column
    evidence, verdict = width + 1, width + 2
    ws.cell(1, evidence, "佐证材料")
    ws.cell(1, verdict, "核查结论")
    linked = ws.cell(9, 1).value
    ws.cell(9, evidence, "佐证PDF").hyperlink = LINK
    threaded = ws.cell(8, 1).value
    ws["B8"].comment = Comment("[线程批注]\n你的 Excel 版本可以读取此线程批注；但如果在更高版本的 Excel 中打开文件，"
                               "对批注所作的任何编辑都将被删除。\n批注:\n    请核实整改材料\n答复:\n    已补充",
                               "tc=" + THREAD_ID)
    ws.auto_filter.ref = None
    last = openpyxl.utils.get_column_letter(verdict)
    table = Table(displayName="台账表", ref=f"A1:{last}{ws.max_row}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    wb.save(master)
    # the drop-downs as Excel 365 saves them: lists pointing at another sheet go to the x14 extension
    tmp = master.with_suffix(".tmp")
    with zipfile.ZipFile(master) as z, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        part = _ledger_part(z)
        for item in z.infolist():
            data = z.read(item.filename)
            if item.filename == part:
                data = _to_x14(data.decode(), f"{last}2:{last}1000").encode()
            elif item.filename == _rels_of(part):
                data = data.replace(b"</Relationships>", (
                    '<Relationship Id="rIdTc1" Type="http://schemas.microsoft.com/office/2017/10/relationships/'
                    'threadedComment" Target="../threadedComments/threadedComment1.xml"/></Relationships>').encode())
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", (
                    '<Relationship Id="rIdP1" Type="http://schemas.microsoft.com/office/2017/10/relationships/person" '
                    'Target="persons/person.xml"/></Relationships>').encode())
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", (
                    f'<Override PartName="/{THREAD_PART}" ContentType="application/vnd.ms-excel.threadedcomments+xml"/>'
                    f'<Override PartName="/{PERSONS_PART}" ContentType="application/vnd.ms-excel.person+xml"/>'
                    "</Types>").encode())
            out.writestr(item, data)
        out.writestr(THREAD_PART, THREAD_XML)
        out.writestr(PERSONS_PART, PERSONS_XML)
    shutil.move(tmp, master)
    return {"linked": linked, "threaded": threaded, "evidence": evidence, "verdict": verdict, "part": part}


def _rels_of(part: str) -> str:
    folder, base = part.rsplit("/", 1)
    return f"{folder}/_rels/{base}.rels"


def _to_x14(xml: str, office_sqref: str) -> str:
    dvs = re.search(r"<dataValidations\b[^>]*>(.*?)</dataValidations>", xml, re.S)
    x14 = []
    for m in re.finditer(r'<dataValidation\b([^>]*)>\s*<formula1>(.*?)</formula1>\s*</dataValidation>', dvs.group(1), re.S):
        attrs, formula = m.group(1), m.group(2)
        sqref = re.search(r'sqref="([^"]*)"', attrs).group(1)
        attrs = re.sub(r'\s*sqref="[^"]*"', "", attrs)
        x14.append(f"<x14:dataValidation{attrs}><x14:formula1><xm:f>{formula}</xm:f></x14:formula1>"
                   f"<xm:sqref>{sqref}</xm:sqref></x14:dataValidation>")
    x14.append('<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1">'
               "<x14:formula1><xm:f>代码表!$C$2:$C$6</xm:f></x14:formula1>"
               f"<xm:sqref>{office_sqref}</xm:sqref></x14:dataValidation>")
    ext = (f'<extLst><ext uri="{EXT_URI}" xmlns:x14="{X14}"><x14:dataValidations count="{len(x14)}" xmlns:xm="{XM}">'
           + "".join(x14) + "</x14:dataValidations></ext></extLst>")
    xml = xml[:dvs.start()] + xml[dvs.end():]
    return xml.replace("</worksheet>", ext + "</worksheet>")


def check_excel365(master: Path, marks: dict) -> None:
    """What ``SURVIVES`` says, on ``master`` after taizhang wrote it."""
    wb = openpyxl.load_workbook(master)
    ws = wb["台账"]
    header = [c.value for c in ws[1]]
    evidence = header.index("佐证材料") + 1
    row_of = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    # hyperlink
    links = [(c.row, c.hyperlink.target) for row in ws.iter_rows() for c in row if c.hyperlink is not None]
    assert links == [(row_of[marks["linked"]], LINK)] and ws.cell(row_of[marks["linked"]], evidence).value == "佐证PDF"
    # threaded comment, its reply and its legacy twin on the case's 问题描述 cell; the people kept
    cell = f"B{row_of[marks['threaded']]}"
    with zipfile.ZipFile(master) as z:
        thread = z.read(THREAD_PART).decode()
        assert z.read(PERSONS_PART).decode() == PERSONS_XML
        assert "threadedComment1.xml" in z.read(_rels_of(_ledger_part(z))).decode()
    assert re.findall(r'<threadedComment ref="([A-Z]+\d+)"', thread) == [cell, cell]
    assert "tc=" + THREAD_ID in ws[cell].comment.author and "请核实整改材料" in ws[cell].comment.text
    assert [c.coordinate for row in ws.iter_rows() for c in row if c.comment is not None] == [cell]
    # table
    (name,) = list(ws.tables)
    table = ws.tables[name]
    assert name == "台账表"
    first, last = table.ref.split(":")
    cols = [tc.name for tc in table.tableColumns]
    right = re.sub(r"\d+", "1", last)
    cells = [c.value for c in ws[f"{first}:{right}"][0]]
    assert cols == [str(v) for v in cells]
    assert ws.auto_filter.ref is None  # no sheet-level filter over a table
    # x14: one form per drop-down
    with zipfile.ZipFile(master) as z:
        xml = z.read(_ledger_part(z)).decode()
    main = re.findall(r'<dataValidation\b[^>]*sqref="([^"]*)"', xml)
    ext = re.findall(r"<xm:sqref>([^<]*)</xm:sqref>", xml)
    office = openpyxl.utils.get_column_letter(header.index("核查结论") + 1)
    assert len(main) == 5 and len(set(main)) == 5  # taizhang's drop-downs (seed 001's 台账 has no 复杂程度)
    assert ext == [f"{office}2:{office}1000"] and not set(main) & set(ext)
