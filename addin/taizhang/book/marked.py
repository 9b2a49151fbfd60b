"""A marked copy of a checked workbook: bad cells filled and commented, plus 校验结果.

The original is never touched. .xlsx/.xlsm submissions are copied with
openpyxl so the unit sees its own sheet; other formats (.xls, .ods, .csv) are
rebuilt as .xlsx from the rows that were read.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.worksheet.hyperlink import Hyperlink

from taizhang.book.sheets import S_RESULTS
from taizhang.errors import BadRequest
from taizhang.findings import SEVERITY_ZH, Finding
from taizhang.intake.reader import SheetRead
from taizhang.xlsx.storage import atomic_write
from taizhang.xlsx.xlsxout import FILL, header_row, put


def _package(path: Path):
    """The .xlsx package to copy: the file itself, or its decrypted bytes when it came in a compound file encrypted
    with Excel's default key (read as Excel reads it; the copy is written unencrypted)."""
    import io

    from taizhang.xlsx.safety import OLE_MAGIC, sniff

    with open(path, "rb") as fh:
        if not fh.read(8).startswith(OLE_MAGIC):
            return path
    return io.BytesIO(sniff(path).data)


def write_marked(read: SheetRead, findings: list[Finding], out: str | Path) -> Path:
    out = Path(out)
    if out.resolve() == read.path.resolve():
        raise BadRequest("标注副本不能覆盖原文件，请指定另一个文件名。")

    def write(tmp: Path) -> None:
        if read.kind == "xlsx" and read.sheet:
            wb = load_workbook(_package(read.path), keep_vba=False, rich_text=True)
            ws = wb[read.sheet]
        else:
            wb = Workbook()
            ws = wb.active
            ws.title = (read.sheet or "台账")[:31]
            for c in read.columns:
                put(ws, read.header_row or 1, c.index + 1, c.header)
            for excel_row, values in read.rows:
                for i, v in enumerate(values):
                    put(ws, excel_row, i + 1, v)
        if ws.protection.sheet:
            ws.protection.sheet = False
        for f in findings:
            if not (f.row and f.column):
                continue
            if f.sheet and f.sheet != read.sheet:  # another ledger sheet of the file: its own sheet, when the copy has it
                if f.sheet not in wb.sheetnames or read.kind != "xlsx":
                    continue
                cell = wb[f.sheet][f"{f.column}{f.row}"]
            else:
                cell = ws[f"{f.column}{f.row}"]
            if isinstance(cell, MergedCell):
                rng = next((r for r in cell.parent.merged_cells.ranges if cell.coordinate in r), None)
                if rng is None:
                    continue
                cell = cell.parent.cell(row=rng.min_row, column=rng.min_col)
            if f.severity in ("error", "warning"):
                cell.fill = FILL[f.severity]
            text = f"【{f.title}】{f.message}"  # the code itself is in the 校验结果 sheet and --json, not in the note
            cell.comment = Comment(text if not cell.comment else cell.comment.text + "\n" + text, "台账助手")
        if S_RESULTS in wb.sheetnames:
            del wb[S_RESULTS]
        res = wb.create_sheet(S_RESULTS, 0)
        headers = ["级别", "代码", "工作表", "行", "列", "表头", "原值", "说明", "处理办法"]
        header_row(res, 1, headers, [8, 24, 12, 6, 6, 16, 24, 80, 80])
        for r, f in enumerate(findings, 2):
            for c, v in enumerate([SEVERITY_ZH[f.severity], f.code, f.sheet, f.row, f.column, f.header, f.value, f.message,
                                   f.advice], 1):
                put(res, r, c, v)
            if f.severity in ("error", "warning"):
                res.cell(row=r, column=1).fill = FILL[f.severity]
            if f.row and f.column and f.sheet == ws.title:
                link = res.cell(row=r, column=5)
                # a jump inside the workbook: location=, not an external link to "#…" (which Excel treats as a file)
                link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{ws.title}'!{f.column}{f.row}")
                link.font = Font(color="0563C1", underline="single")
        res.freeze_panes = "A2"
        wb.active = 0
        wb.save(tmp)

    atomic_write(out, write)
    return out
