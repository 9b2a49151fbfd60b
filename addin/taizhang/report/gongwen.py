"""A 公文 (official document) in the layout of GB/T 9704-2012, written with python-docx.

Page: A4, margins top 37 / bottom 35 / left 28 / right 26 mm (版心 156 × 225 mm).
Title 2号 方正小标宋简体 centred; body 3号 仿宋_GB2312, fixed line pitch 28.95 pt so a page holds
22 lines, runs condensed by 0.25 pt so a line holds 28 characters; 一、 headings 3号 黑体,
（一） headings 3号 楷体; page numbers "— 1 —" in 4号 half-width 宋体 digits, odd pages
right and even pages left, one character in; at the end the date (Arabic numerals) four characters
in from the right and the issuing office centred over it, where the office's seal goes (a long office
name wraps, the date stays on one line). Chinese font names go into ``w:eastAsia`` (python-docx's
``font.name`` sets only the Latin slots). Word and WPS substitute a font a computer lacks.

    doc = Gongwen("关于……的通报", draft=True)
    doc.heading1("总体情况").para("……").table(["单位", "问题数"], [["甲", 3]])
    doc.signature("××专项行动领导小组办公室", dt.date(2025, 7, 5)).save("通报.docx")
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
from pathlib import Path
from typing import Sequence

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from docx.styles.style import StyleFactory
from docx.table import _Cell

from taizhang.xlsx.storage import atomic_write

# fonts as Chinese offices name them
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEI_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"

# sizes (字号)
ER_HAO = Pt(22)  # 二号
SAN_HAO = Pt(16)  # 三号
SI_HAO = Pt(14)  # 四号

PAGE = (Mm(210), Mm(297))
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
LINE_PITCH = Twips(579)  # 28.95 pt: 22 × 28.95 = 636.9 pt ≤ 225 mm (637.8 pt)
CONDENSE_TWIPS = -5  # −0.25 pt a character: 28 × 15.75 pt = 441 pt ≤ 156 mm (442.2 pt)
INDENT_2_CHARS = Twips(640)  # two 3号 characters
FOOTER_DISTANCE = Mm(25)  # footer's bottom edge above the page's; puts "— 1 —" about 7 mm below the 版心
PAGE_NUMBER_INDENT = Twips(280)  # one 4号 character
TEXT_WIDTH = Twips(8844)  # the 156 mm 版心
SIGNATURE_RIGHT = Twips(1280)  # 成文日期右空四字 (four 3号 characters)
TITLE_WIDTH = TEXT_WIDTH.twips * 315 // 440  # the 版心 in wrap_name's condensed 3号 twips: 20 二号 characters

EM_DASH = "\u2014"

CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (heading numbers up to 99)."""
    if n < 1 or n > 99:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def cn_date(d: dt.date) -> str:
    """2025年7月5日: Arabic numerals, full year, no zero padding (GB/T 9704-2012 7.3.5)."""
    return f"{d.year}年{d.month}月{d.day}日"


def text_width_chars(text: str) -> float:
    """Width in 3号 characters: half-width ASCII counts one half."""
    return sum(0.5 if ord(ch) < 0x2E80 and ch not in "—“”‘’…·" else 1.0 for ch in text)


CELL_MARGINS_PT = 2 * 5.4  # Table Grid's cell margins, 0.19 cm each side (108 twips)


def header_width_mm(header: str, size_pt: float) -> float:
    """The narrowest column (mm) in which each line of ``header`` (its lines split at "\\n") prints on one line,
    at ``size_pt`` points, with the cell's margins and half a character to spare."""
    widest = max(text_width_chars(line) for line in str(header).split("\n"))
    return ((widest + 0.5) * size_pt + CELL_MARGINS_PT) / 72 * 25.4


def fit_headers(headers: Sequence[str], widths_mm: Sequence[float], size_pt: float) -> list[float]:
    """Column widths, summing to the same total, in which every header line fits its column: a header breaks only
    where it is marked ("超期\\n工作日"), never inside a word ("超期工 / 作日"). A column narrower than its header
    takes the missing width from the columns with room to spare beyond their own headers, in proportion to it.

    >>> [round(w) for w in fit_headers(["问题编号", "问题描述", "超期工作日"], [30, 110, 16], 10.5)]
    [29, 103, 24]
    >>> fit_headers(["问题描述", "超期\\n工作日"], [138, 18], 10.5)
    [138.0, 18.0]
    """
    need = [header_width_mm(h, size_pt) for h in headers]
    widths = [float(w) for w in widths_mm]
    short = sum(max(0.0, n - w) for n, w in zip(need, widths))
    if short <= 0:
        return widths
    spare = [max(0.0, w - n) for n, w in zip(need, widths)]
    if sum(spare) < short:  # the headers cannot all fit: share the total in proportion to what each needs
        total = sum(widths)
        return [total * n / sum(need) for n in need]
    return [max(n, w) if w < n else w - short * s / sum(spare) for n, w, s in zip(need, widths, spare)]


def table_date(day: dt.date | None, missing: str = "") -> str:
    """A date in a narrow table column: the year on its own line ("2026年\\n11月30日"), never broken inside."""
    return f"{day.year}年\n{day.month}月{day.day}日" if day else missing


def text_width_twips(text: str) -> int:
    """Width of a condensed 3号 body line, in twips (320 a full-width character, less the condensing)."""
    return int(round(text_width_chars(text) * 320 + len(text) * CONDENSE_TWIPS))


# where an office name breaks well: after these characters or words, or before an opening bracket or these words
_BREAK_AFTER = "）)、，,；;"
_BREAK_AFTER_WORDS = ("专项行动", "工作")
_BREAK_BEFORE_WORDS = ("（", "(", "领导小组", "指挥部", "委员会", "办公室")
_NO_LINE_START = "）)、，,。；;：:”’"


def wrap_name(name: str, max_twips: int) -> list[str]:
    """Split an office name into the fewest lines no wider than ``max_twips``, as even as possible,
    preferring breaks between words (after "）", "、", "专项行动", before "（", "领导小组", "办公室"), never
    starting a line with closing punctuation.

    >>> wrap_name("县委办公室（县不作为、乱作为、慢作为问题清理工作领导小组办公室）", 4745)
    ['县委办公室（县不作为、', '乱作为、慢作为问题清理工作', '领导小组办公室）']
    >>> wrap_name("新冠疫情防控专项行动领导小组办公室", 4745)
    ['新冠疫情防控专项行动', '领导小组办公室']
    >>> wrap_name("某某专项行动领导小组办公室", 4745)
    ['某某专项行动领导小组办公室']
    """
    name = " ".join(name.split())
    n = len(name)
    if n == 0 or text_width_twips(name) <= max_twips:
        return [name]
    inf = float("inf")
    # best[i] = (lines, cost) for name[:i]; a line may not be wider than max_twips unless it is one character
    best: list[tuple[float, float, int]] = [(0, 0.0, 0)] + [(inf, inf, 0)] * n
    for i in range(1, n + 1):
        for j in range(i - 1, -1, -1):
            line = name[j:i]
            w = text_width_twips(line)
            if w > max_twips and i - j > 1:
                break
            if best[j][0] == inf or (i < n and name[i] in _NO_LINE_START):
                continue
            if j and line[0] in _NO_LINE_START:
                continue
            penalty = 0.0
            if i < n:
                nice = (name[i - 1] in _BREAK_AFTER or any(name.startswith(w, i) for w in _BREAK_BEFORE_WORDS)
                        or any(name.endswith(w, 0, i) for w in _BREAK_AFTER_WORDS))
                penalty = 0.0 if nice else 1.0
            slack = (max_twips - w) / max_twips
            cand = (best[j][0] + 1, best[j][1] + slack * slack + penalty, j)
            if cand[:2] < best[i][:2]:
                best[i] = cand
    lines, i = [], n
    while i > 0:
        j = best[i][2]
        lines.append(name[j:i])
        i = j
    return lines[::-1]


# ECMA-376 wml.xsd: the order of the property children this module writes (Word drops or refuses others)
_RPR_ORDER = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline", "shadow",
              "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern",
              "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs",
              "em", "lang", "eastAsianLayout", "specVanish", "oMath")
_PPR_ORDER = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
              "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct",
              "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
              "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
              "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")
_TBLPR_ORDER = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW",
                "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption",
                "tblDescription")
_TRPR_ORDER = ("cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit", "trHeight", "tblHeader",
               "tblCellSpacing", "jc", "hidden")


def _child(parent, tag: str, order: Sequence[str]):
    """``parent``'s one ``w:tag`` child, made if missing and put where the schema's sequence ``order`` places it."""
    el = parent.find(qn(f"w:{tag}"))
    if el is not None:
        return el
    el = OxmlElement(f"w:{tag}")
    rank = order.index(tag)
    later = [c for c in parent if isinstance(c.tag, str) and c.tag.startswith("{" + _W_NS + "}")
             and c.tag.split("}")[1] in order and order.index(c.tag.split("}")[1]) > rank]
    if later:
        later[0].addprevious(el)
    else:
        parent.append(el)
    return el


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _rpr(owner):
    """The ``w:rPr`` of a style, run or rPrDefault element, made if missing."""
    if hasattr(owner, "get_or_add_rPr"):
        return owner.get_or_add_rPr()
    rpr = owner.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        owner.append(rpr)
    return rpr


def _set_fonts(rpr_owner, font: str, latin: str | None = None) -> None:
    """Name ``font`` for every script slot (eastAsia included) on a style's or run's rPr."""
    rfonts = _child(_rpr(rpr_owner), "rFonts", _RPR_ORDER)
    for attr in list(rfonts.attrib):
        if attr.endswith("Theme"):
            del rfonts.attrib[attr]
    latin = latin or font
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), font)
    rfonts.set(qn("w:hint"), "eastAsia")


def _set_condense(rpr_owner, twips: int) -> None:
    _child(_rpr(rpr_owner), "spacing", _RPR_ORDER).set(qn("w:val"), str(twips))


def _chars_indent(pf_element, first_line_chars: int | None = None, left_chars: int | None = None) -> None:
    """Character-based indents (``w:firstLineChars`` = hundredths of a character) besides the twips."""
    ind = _child(pf_element.get_or_add_pPr(), "ind", _PPR_ORDER)
    if first_line_chars is not None:
        ind.set(qn("w:firstLineChars"), str(first_line_chars * 100))
        ind.set(qn("w:firstLine"), str(first_line_chars * 320))
    if left_chars is not None:
        ind.set(qn("w:leftChars"), str(left_chars * 100))
        ind.set(qn("w:left"), str(left_chars * 320))


def _outline_level(style, level: int) -> None:
    _child(style.element.get_or_add_pPr(), "outlineLvl", _PPR_ORDER).set(qn("w:val"), str(level))


# style name → (font, size, bold, first-line indent chars, alignment, outline level)
STYLES = {
    "公文标题": (TITLE_FONT, ER_HAO, False, None, WD_ALIGN_PARAGRAPH.CENTER, None),
    "公文正文": (BODY_FONT, SAN_HAO, False, 2, WD_ALIGN_PARAGRAPH.JUSTIFY, None),
    "公文一级标题": (HEI_FONT, SAN_HAO, False, 2, WD_ALIGN_PARAGRAPH.JUSTIFY, 0),
    "公文二级标题": (KAI_FONT, SAN_HAO, False, 2, WD_ALIGN_PARAGRAPH.JUSTIFY, 1),
    "公文三级标题": (BODY_FONT, SAN_HAO, False, 2, WD_ALIGN_PARAGRAPH.JUSTIFY, 2),
    "公文主送": (BODY_FONT, SAN_HAO, False, None, WD_ALIGN_PARAGRAPH.LEFT, None),
    "公文落款": (BODY_FONT, SAN_HAO, False, None, WD_ALIGN_PARAGRAPH.RIGHT, None),
    "公文标注": (HEI_FONT, SAN_HAO, False, None, WD_ALIGN_PARAGRAPH.LEFT, None),
    "公文表格": (BODY_FONT, SI_HAO, False, None, WD_ALIGN_PARAGRAPH.LEFT, None),
    "公文表头": (HEI_FONT, SI_HAO, False, None, WD_ALIGN_PARAGRAPH.CENTER, None),
    "公文页码": (PAGE_NUMBER_FONT, SI_HAO, False, None, WD_ALIGN_PARAGRAPH.RIGHT, None),
}


class Gongwen:
    """One 公文; each method adds a block and returns ``self`` so calls chain."""

    def __init__(self, title: str, *, draft: bool = False, addressee: str | None = None,
                 draft_note: str = "草稿（供办公室修改后印发）", run_in_headings: bool = False):
        """``run_in_headings``: each 一级标题 starts the paragraph after it, in 黑体 ("一、签收部署。请于……"),
        which keeps a one-page notice with a long office name on one page."""
        self.doc, self._style_ids = _base_document()
        self.title = title
        self.run_in_headings = run_in_headings
        self._run_in: str | None = None
        self._h1 = 0
        self._h2 = 0
        self._h3 = 0
        self._grid: str | None = None
        self._break_next = False  # page_break(): the next paragraph starts a page
        self._last_table = None  # (table, the half line after it): signature() keeps its last row with it
        props = self.doc.core_properties
        props.title, props.author, props.last_modified_by, props.comments = title, "", "", ""
        if draft:
            self._add(draft_note, "公文标注")
        self.title_lines(title)
        self.blank()
        if addressee:
            self._add(addressee.rstrip("：:") + "：", "公文主送")

    # ---- setup (once a process, in _base_document) ----
    def _setup(self) -> None:
        """The blank 公文: python-docx's template with the defaults, page, 公文 styles and page numbers."""
        self.doc = Document()
        # a style is set by its id (what python-docx's name setter writes): its name lookup scans every style
        self._style_ids: dict[str, str] = {}
        self._drop_styles_with_effects()
        self._setup_defaults()
        self._setup_page()
        self._setup_styles()
        self._setup_page_numbers()

    def _drop_styles_with_effects(self) -> None:
        """python-docx's template carries Word 2010's stylesWithEffects part, a second copy of the styles that
        no longer matches styles.xml once the 公文 styles are added; Word 2013 and later neither need nor write it."""
        part = self.doc.part
        for rid, rel in list(part.rels.items()):
            if rel.reltype.endswith("/stylesWithEffects"):
                part.drop_rel(rid)

    def _setup_defaults(self) -> None:
        styles = self.doc.styles.element
        rpr_default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
        _set_fonts(rpr_default, BODY_FONT)
        rpr = rpr_default.find(qn("w:rPr"))
        for tag, val in (("w:sz", "32"), ("w:szCs", "32")):
            rpr.find(qn(tag)).set(qn("w:val"), val)
        lang = rpr.find(qn("w:lang"))
        lang.set(qn("w:eastAsia"), "zh-CN")
        ppr = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
        sp = ppr.find(qn("w:spacing"))
        for attr in list(sp.attrib):
            del sp.attrib[attr]
        sp.set(qn("w:before"), "0")
        sp.set(qn("w:after"), "0")
        sp.set(qn("w:line"), str(LINE_PITCH.twips))
        sp.set(qn("w:lineRule"), "exact")
        normal = self.doc.styles["Normal"]
        _set_fonts(normal.element, BODY_FONT)
        normal.font.size = SAN_HAO

    def _setup_page(self) -> None:
        sec = self.doc.sections[0]
        sec.orientation = WD_ORIENT.PORTRAIT
        sec.page_width, sec.page_height = PAGE
        sec.top_margin, sec.bottom_margin = MARGINS["top"], MARGINS["bottom"]
        sec.left_margin, sec.right_margin = MARGINS["left"], MARGINS["right"]
        sec.header_distance = Mm(15)
        sec.footer_distance = FOOTER_DISTANCE
        sec.gutter = 0
        grid = sec._sectPr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            sec._sectPr.append(grid)
        grid.set(qn("w:linePitch"), str(LINE_PITCH.twips))  # no snapping: exact spacing gives the 22 lines

    def _setup_styles(self) -> None:
        styles = self.doc.styles
        normal = styles["Normal"]
        for name, (font, size, bold, indent, align, outline) in STYLES.items():
            # styles.add_style without its scan of every style for the name: python-docx's template has no 公文 style
            st = StyleFactory(styles.element.add_style_of_type(name, WD_STYLE_TYPE.PARAGRAPH, False))
            self._style_ids[name] = st.style_id
            st.base_style = normal
            st.quick_style = True
            _set_fonts(st.element, font, latin=PAGE_NUMBER_FONT if name == "公文页码" else None)
            st.font.size = size
            st.font.bold = bold
            pf = st.paragraph_format
            pf.alignment = align
            pf.space_before = pf.space_after = Pt(0)
            if name in ("公文表格", "公文表头", "公文页码"):
                pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
            else:
                pf.line_spacing = LINE_PITCH
                pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
                pf.widow_control = False
            if name not in ("公文标题", "公文页码"):
                _set_condense(st.element, CONDENSE_TWIPS)
            if indent:
                pf.first_line_indent = INDENT_2_CHARS
                _chars_indent(st.element, first_line_chars=indent)
            if name in ("公文一级标题", "公文二级标题"):
                pf.keep_with_next = True
            if outline is not None:
                _outline_level(st, outline)

    def _setup_page_numbers(self) -> None:
        self.doc.settings.odd_and_even_pages_header_footer = True
        sec = self.doc.sections[0]
        for footer, align in ((sec.footer, WD_ALIGN_PARAGRAPH.RIGHT), (sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
            footer.is_linked_to_previous = False
            p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
            p._p.style = self._style_ids["公文页码"]
            p.alignment = align
            if align == WD_ALIGN_PARAGRAPH.RIGHT:
                p.paragraph_format.right_indent = PAGE_NUMBER_INDENT
            else:
                p.paragraph_format.left_indent = PAGE_NUMBER_INDENT
            p.add_run(EM_DASH + " ")
            _page_field(p)
            p.add_run(" " + EM_DASH)
        for header in (sec.header, sec.even_page_header):
            header.is_linked_to_previous = False

    def _add(self, text: str, style: str):
        """``doc.add_paragraph(text, style=style)`` for one of the 公文 styles, the same XML without the lookup."""
        p = self.doc.add_paragraph(text)
        p._p.style = self._style_ids[style]
        if self._break_next:
            p.paragraph_format.page_break_before = True
            self._break_next = False
        return p

    # ---- content ----
    def title_lines(self, title: str) -> "Gongwen":
        """A title (2号小标宋, centred; the document's, or an attachment's on its 3rd line): each line of
        ``title`` wrapped to the 版心 at its natural breaks (after "、" or "专项行动", before "（"), never inside a
        word as the line's end would fall ("推进情 / 况的通报")."""
        self._flush_run_in()
        for line in title.split("\n"):
            for part in wrap_name(line, TITLE_WIDTH):
                self._add(part, "公文标题")
        return self

    def blank(self) -> "Gongwen":
        self._flush_run_in()
        self._add("", "公文正文")
        return self

    def mark(self, text: str) -> "Gongwen":
        """A flush-left 黑体 line (e.g. 草稿 or 附件1)."""
        self._flush_run_in()
        self._add(text, "公文标注")
        return self

    def heading1(self, text: str, numbered: bool = True) -> "Gongwen":
        """一级标题 in 黑体: "一、" is prefixed unless ``numbered`` is False."""
        self._flush_run_in()
        self._h1 += 1
        self._h2 = self._h3 = 0
        text = (f"{cn_number(self._h1)}、" if numbered else "") + text
        if self.run_in_headings:
            self._run_in = text if text.endswith(("。", "：", "？", "！")) else text + "。"
            return self
        self._add(text, "公文一级标题")
        return self

    def _flush_run_in(self) -> None:
        """A run-in heading not followed by a paragraph stands on its own line after all."""
        if self._run_in is not None:
            self._add(self._run_in.rstrip("。"), "公文一级标题")
            self._run_in = None

    def heading2(self, text: str, numbered: bool = True) -> "Gongwen":
        """二级标题 in 楷体: "（一）"."""
        self._flush_run_in()
        self._h2 += 1
        self._h3 = 0
        self._add((f"（{cn_number(self._h2)}）" if numbered else "") + text, "公文二级标题")
        return self

    def heading3(self, text: str, numbered: bool = True) -> "Gongwen":
        """三级标题 in 仿宋: "1."."""
        self._flush_run_in()
        self._h3 += 1
        self._add((f"{self._h3}." if numbered else "") + text, "公文三级标题")
        return self

    def para(self, text: str, *, lead: str | None = None) -> "Gongwen":
        """A body paragraph, first line two characters in. ``lead`` starts it in 楷体 (a run-in heading)."""
        p = self._add("", "公文正文")
        if self._run_in is not None:
            _set_fonts(p.add_run(self._run_in)._r, HEI_FONT)
            self._run_in = None
        if lead:
            r = p.add_run(lead)
            _set_fonts(r._r, KAI_FONT)
        p.add_run(text)
        return self

    def table(self, headers: Sequence[str], rows: Sequence[Sequence], *, widths_mm: Sequence[float] | None = None,
              title: str | None = None, size: Pt = SI_HAO) -> "Gongwen":
        """A bordered table as wide as the 版心; the header row repeats on each page."""
        self._flush_run_in()
        if title or self._break_next:  # a table cannot start a page itself: its title (or an empty line) does
            self._add(title or "", "公文表头")
        t = self.doc.add_table(rows=1, cols=len(headers))
        if self._grid is None:
            self._grid = self.doc.styles["Table Grid"].style_id
        t._tbl.tblStyle_val = self._grid
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        total = 156.0
        if widths_mm is None:
            weights = [max(2.0, text_width_chars(str(h)), *(min(14.0, text_width_chars(_cell(r[i]))) for r in rows))
                       for i, h in enumerate(headers)]
            widths_mm = [total * w / sum(weights) for w in weights]
        widths_mm = fit_headers(headers, widths_mm, size.pt)
        hdr = t.rows[0]
        _repeat_header(hdr)
        for cell, h, w in zip(hdr.cells, headers, widths_mm):
            cell.width = Mm(w)
            p = cell.paragraphs[0]
            p._p.style = self._style_ids["公文表头"]
            r = p.add_run(str(h))
            r.font.size = size
        if any(len(row) < len(headers) for row in rows):  # a short row: its missing cells stay as python-docx adds them
            for row in rows:
                added = t.add_row()
                _child(added._tr.get_or_add_trPr(), "cantSplit", _TRPR_ORDER)
                for cell, v, w in zip(added.cells, row, widths_mm):
                    p = self._body_cell(cell, w)
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                    p.add_run(_cell(v)).font.size = size
        elif rows:
            # one body row made through python-docx, its text left out; each row is a copy of it with its texts
            # (python-docx's insert-in-schema-order machinery per cell was most of a table's time)
            proto = t.add_row()._tr
            _child(proto.get_or_add_trPr(), "cantSplit", _TRPR_ORDER)  # a row prints whole, on one page
            for tc, w in zip(proto.tc_lst, widths_mm):
                self._body_cell(_Cell(tc, t), w).add_run().font.size = size
            proto.getparent().remove(proto)
            tbl = t._tbl
            for row in rows:
                tr = copy.deepcopy(proto)
                tbl.append(tr)
                for tc, v in zip(tr.tc_lst, row):
                    p = tc.p_lst[0]
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        _child(p.pPr, "jc", _PPR_ORDER).set(qn("w:val"), "center")
                    text = _cell(v)
                    if text:
                        p.r_lst[0].text = text
        _table_width(t, widths_mm)
        gap = self._add("", "公文正文")  # half a line between the table and the text after it
        gap.paragraph_format.line_spacing = Twips(LINE_PITCH.twips // 2)
        gap.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        self._last_table = (t, gap)
        return self

    def _body_cell(self, cell, width_mm: float):
        """A table body cell ``width_mm`` wide in 公文表格; its paragraph, for the text."""
        cell.width = Mm(width_mm)
        p = cell.paragraphs[0]
        p._p.style = self._style_ids["公文表格"]
        return p

    def signature(self, office: str, date: dt.date) -> "Gongwen":
        """落款 as GB/T 9704-2012 7.3.5.1 lays it out for the seal: the date (Arabic numerals) four characters
        in from the right, on one line; the office one line below the body, centred over the date. An office
        name wider than the space centred over the date wraps onto more lines (at its natural breaks), each
        centred over the date; the body's last paragraph is kept on the signature's page."""
        self._flush_run_in()
        self._keep_with_signature()
        gap = self._add("", "公文正文")
        gap.paragraph_format.keep_with_next = True
        date_text = cn_date(date)
        centre = SIGNATURE_RIGHT.twips + text_width_twips(date_text) / 2  # the date's centre, from the right edge
        box = int(2 * centre)  # the widest line centred there that stays inside the 版心
        p = self._add("", "公文落款")
        pf = p.paragraph_format
        pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
        pf.left_indent = Twips(TEXT_WIDTH.twips - box)
        pf.right_indent = Twips(0)
        pf.keep_with_next = True
        pf.keep_together = True
        for i, line in enumerate(wrap_name(office, box)):
            if i:
                p.add_run().add_break()
            p.add_run(line)
        q = self._add(date_text, "公文落款")
        q.paragraph_format.right_indent = SIGNATURE_RIGHT
        q.paragraph_format.keep_together = True
        ppr = q._p.get_or_add_pPr()
        for tag in ("autoSpaceDE", "autoSpaceDN"):  # no extra space between the digits and 年月日: a known width
            _child(ppr, tag, _PPR_ORDER).set(qn("w:val"), "0")
        return self

    def _keep_with_signature(self) -> None:
        """The signature never stands alone on a page: the body's last paragraph goes with it and, when the text
        since the last table is short (its closing lines, e.g. the 督办编号), so does the table's last row."""
        body = self.doc.paragraphs
        if body:
            body[-1].paragraph_format.keep_with_next = True
        if self._last_table is None:
            return
        t, gap = self._last_table
        after = []
        el = t._tbl.getnext()
        while el is not None:
            if el.tag == qn("w:p"):
                after.append(el)
            elif el.tag == qn("w:tbl"):
                return
            el = el.getnext()
        text = "".join("".join(el.itertext()) for el in after)
        if text_width_chars(text) > 3 * 28:  # more than three lines of text after the table: they go with it
            return
        for el in after:
            _child(el.get_or_add_pPr(), "keepNext", _PPR_ORDER)
        for cell in t.rows[-1].cells:  # Word and LibreOffice keep a row with the next paragraph by its paragraphs
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True

    def page_break(self) -> "Gongwen":
        """The next paragraph starts a page (its 段前分页): no paragraph holding only a break, which after a
        full page (a signature at the foot of the page) would print a blank page of its own."""
        self._flush_run_in()
        self._break_next = True
        return self

    def save(self, path: str | Path) -> Path:
        self._flush_run_in()
        path = Path(path)
        atomic_write(path, lambda tmp: self.doc.save(str(tmp)))
        return path


_BASE: tuple[bytes, dict[str, str]] | None = None


def _base_document():
    """A fresh blank 公文 (python-docx ``Document``) and its 公文 style ids. The blank is set up once a process and
    saved to bytes; each paper opens its own copy of those bytes (half the time of setting one up: its 11 styles and
    the page numbers), so no paper shares an element with another."""
    global _BASE
    if _BASE is None:
        blank = Gongwen.__new__(Gongwen)
        blank._setup()
        buf = io.BytesIO()
        blank.doc.save(buf)
        _BASE = (buf.getvalue(), blank._style_ids)
    data, style_ids = _BASE
    return Document(io.BytesIO(data)), dict(style_ids)


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, dt.date):
        return cn_date(v)
    return str(v)


def _page_field(p) -> None:
    """A PAGE field (fldChar begin / instrText / separate / result / end)."""
    def run_with(child):
        r = p.add_run()
        r._r.append(child)
        return r
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    p.add_run("1")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _repeat_header(row) -> None:
    _child(row._tr.get_or_add_trPr(), "tblHeader", _TRPR_ORDER)  # on by its presence, as Word writes it


def _table_width(t, widths_mm: Sequence[float]) -> None:
    tblpr = t._tbl.tblPr
    tblw = _child(tblpr, "tblW", _TBLPR_ORDER)
    tblw.set(qn("w:w"), str(int(round(sum(widths_mm) / 25.4 * 1440))))
    tblw.set(qn("w:type"), "dxa")
    _child(tblpr, "tblLayout", _TBLPR_ORDER).set(qn("w:type"), "fixed")  # ``autofit = False`` may have written it
    grid = t._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_mm):
        col.set(qn("w:w"), str(int(round(w / 25.4 * 1440))))


SAFE_NAME = re.compile(r'[\\/:*?"<>|\r\n\t]')


def safe_file_name(name: str) -> str:
    """A file-name part with the characters Windows forbids replaced by －."""
    return SAFE_NAME.sub("－", name).strip(" .") or "未命名"


__all__ = ["Gongwen", "cn_date", "cn_number", "safe_file_name", "text_width_chars", "text_width_twips", "wrap_name"]
