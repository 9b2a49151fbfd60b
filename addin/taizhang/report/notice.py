"""交办通知单: one .docx per unit that received cases, in the GB/T 9704-2012 公文 layout.

A4; margins 37 / 35 / 28 / 26 mm (top, bottom, left, right); title in 2号小标宋, body in 3号仿宋 on a fixed
28-point line (22 lines a page), paragraphs indented two characters, headings 一、 in 黑体; page numbers
"— N —" in 4号宋体, odd pages right and even pages left; signature and date without seal (the office
stamps the printed copy). Chinese fonts are set on ``w:eastAsia`` (python-docx's ``font.name`` sets only
the Latin ones). The reporters of clues never appear here: only 编号, 问题描述, 时限 and departments.

The layout lives in this one module so that it can later be pointed at the shared 公文 builder.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from taizhang.book.assign import Notice
from taizhang.book.template import safe_name
from taizhang.xlsx.storage import atomic_write

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"


def cn_date(day: dt.date | None) -> str:
    """2026年7月5日: full year, no zero padding (GB/T 9704 §7.3.5)."""
    return f"{day.year}年{day.month}月{day.day}日" if day else "待定"


def notice_path(folder: Path, notice: Notice) -> Path:
    return folder / f"{safe_name(f'{notice.unit}-交办通知单-{notice.day.isoformat()}')}.docx"


def write_notices(notices: list[Notice], folder: str | Path) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n in notices:
        path = notice_path(folder, n)
        atomic_write(path, lambda tmp, n=n: build_notice(n).save(str(tmp)))
        out.append(path)
    return out


def _fonts(run, east: str, size: float, bold: bool = False, latin: str = LATIN_FONT) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = latin
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east)


def _para(doc_or_cell, text: str = "", *, east: str = BODY_FONT, size: float = 16, bold: bool = False,
          align=None, indent_chars: float = 0, right_chars: float = 0, exact: float | None = 28, space_before: float = 0):
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    p = doc_or_cell.add_paragraph()
    fmt = p.paragraph_format
    if exact:
        fmt.line_spacing = Pt(exact)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.space_before = Pt(space_before)
    fmt.space_after = Pt(0)
    if indent_chars:
        fmt.first_line_indent = Pt(size * indent_chars)
    if right_chars:
        fmt.right_indent = Pt(size * right_chars)
    if align is not None:
        p.alignment = align
    if text:
        _fonts(p.add_run(text), east, size, bold)
    return p


def _page_number(footer, align) -> None:
    """— N — with a PAGE field, 4号 half-width 宋体 digits, one character in from the outer edge."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    p = footer.paragraphs[0]
    p.alignment = align
    if align == 2:  # right
        p.paragraph_format.right_indent = Pt(14)
    else:
        p.paragraph_format.left_indent = Pt(14)
    _fonts(p.add_run("— "), NUMBER_FONT, 14, latin=NUMBER_FONT)
    run = p.add_run()
    _fonts(run, NUMBER_FONT, 14, latin=NUMBER_FONT)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText" if text == " PAGE " else "w:t")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)
    _fonts(p.add_run(" —"), NUMBER_FONT, 14, latin=NUMBER_FONT)


def _cell_text(cell, text: str, *, bold: bool = False, center: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    p = cell.paragraphs[0]
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    p.paragraph_format.space_after = Pt(0)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for i, line in enumerate(str(text).split("\n")):
        if i:
            p = cell.add_paragraph()
            p.paragraph_format.space_after = Pt(0)
            if center:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _fonts(p.add_run(line), HEADING_FONT if bold else BODY_FONT, 10.5)  # 五号 in the table


def build_notice(n: Notice):
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    sec.footer_distance = Mm(28)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(sec.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    from docx.oxml.ns import qn

    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    _para(doc, f"{n.campaign}问题交办通知单", east=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, exact=36)
    _para(doc)
    _para(doc, f"{n.unit}：")
    count = f"{len(n.cases)}个问题" + (f"（其中转办{n.transfers}个）" if n.transfers else "")
    _para(doc, f"根据{n.campaign}工作安排，现将{count}交办你单位办理。问题编号由领导小组办公室统一编制，"
               f"报送时请保持不变。具体如下：", indent_chars=2)

    table = doc.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Mm(9), Mm(27), Mm(52), Mm(24), Mm(24), Mm(20)]  # the 156 mm 版心
    for column, w in zip(table.columns, widths):
        column.width = w
    for cell, head, w in zip(table.rows[0].cells, ["序号", "问题编号", "问题描述", "整改时限", "签收期限", "牵头督办部门"], widths):
        cell.width = w
        _cell_text(cell, head, bold=True, center=True)
    for i, c in enumerate(n.cases, 1):
        cells = table.add_row().cells
        ident = c.id + (f"\n（转办，原责任单位{c.transfer_from}）" if c.transfer_from else "")
        values = [str(i), ident, c.description, cn_date(c.deadline), cn_date(c.sign_by), c.supervisor or "—"]
        for cell, value, w in zip(cells, values, widths):
            cell.width = w
            _cell_text(cell, value, center=value is not c.description)

    signs = sorted({c.sign_by for c in n.cases if c.sign_by})
    sign_text = f"{cn_date(signs[0])}前" if len(signs) == 1 else "表中签收期限前"
    _para(doc, "办理要求", east=HEADING_FONT, space_before=8)
    _para(doc, f"一、{sign_text}签收并部署（交办后{n.sign_workdays}个工作日内），逐项明确牵头领导、具体责任人、"
               f"整改措施和整改目标，在本单位填报模板中填写后报送。", indent_chars=2)
    _para(doc, f"二、{n.reporting}：在填报模板中更新办理进展、完成进度和办理状态，问题编号保持不变。", indent_chars=2)
    _para(doc, f"三、在整改时限内办结，办结后{n.feedback_workdays}个工作日内书面反馈办理结果；确需延期的，"
               f"须在时限届满前提出申请，经批准后方可延期。", indent_chars=2)
    if any(c.transfer_from for c in n.cases):
        _para(doc, "四、转办的问题自本通知之日起由你单位负责办理，原责任单位已办理的情况请主动对接。", indent_chars=2)
    _para(doc).paragraph_format.keep_with_next = True
    _para(doc, n.office, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2).paragraph_format.keep_with_next = True
    _para(doc, cn_date(n.day), align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2)
    return doc
