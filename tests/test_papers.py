"""Papers an office can hand out as they are (issue 33): the 公文 signature with a long office name, the
.docx property order Word insists on, valid packages, totals that add up, and Chinese-only messages."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import REPORT_DAY, SOFFICE, needs_libreoffice

from taizhang.rules.rulebook import find_rulebook

FONTS_CONF = Path(__file__).parent / "fonts" / "gongwen.conf"
LONG_OFFICE = find_rulebook("sanluan").office  # 县委办公室（县不作为、乱作为、慢作为问题清理工作领导小组办公室）


# 仿宋_GB2312 has half-width Latin digits (0.5 em), as Word lays out a date; Noto Serif CJK's are wider (0.6 em),
# so for measuring, the body font is mapped to Noto Sans Mono CJK SC, whose digits are half-width too
HALF_WIDTH_CONF = """<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>
<alias binding="same"><family>仿宋_GB2312</family><prefer><family>Noto Sans Mono CJK SC</family></prefer></alias>
<include ignore_missing="yes">{base}</include>
</fontconfig>"""


def render_pdfs(docs: list[Path], outdir: Path) -> list[Path]:
    """LibreOffice → PDF in one call, with the office font names mapped to the CJK fonts installed here."""
    outdir.mkdir(parents=True, exist_ok=True)
    conf = outdir / "fonts.conf"
    conf.write_text(HALF_WIDTH_CONF.format(base=FONTS_CONF), encoding="utf-8")
    env = dict(os.environ, FONTCONFIG_FILE=str(conf))
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{outdir / '.lo-profile'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(outdir), *map(str, docs)], check=True, capture_output=True, timeout=240, env=env)
    return [outdir / (d.stem + ".pdf") for d in docs]


def pdf_lines(pdf: Path) -> list[list[tuple[str, float, float, float]]]:
    """Per page, each text line as (text without spaces, xMin, xMax, yMin) in points (pdftotext -bbox-layout)."""
    html = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    pages = []
    for page in re.findall(r"<page .*?</page>", html, re.S):
        lines = []
        for m in re.finditer(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</line>', page, re.S):
            text = "".join(re.findall(r">([^<]*)</word>", m.group(4)))
            lines.append((text, float(m.group(1)), float(m.group(3)), float(m.group(2))))
        pages.append(lines)
    return pages


# ---------------------------------------------------------------- 1. the signature with a long office name

@pytest.fixture(scope="module")
def long_office_papers(merged, tmp_path_factory):
    """A one-case 督办通知单 and a one-case 交办通知单 signed by sanluan's default (long) office name."""
    from taizhang.book.assign import Notice, NoticeCase
    from taizhang.jobs import run_notice
    from taizhang.report.handover import build_notice
    from taizhang.report.notice import build_supervision, supervisions

    out = tmp_path_factory.mktemp("long-office")
    figs = run_notice(merged.master, REPORT_DAY, out=out / "通报.docx").figures
    s = supervisions(figs, REPORT_DAY + dt.timedelta(days=7))[0]
    s.cases = s.cases[:1]
    sup = build_supervision(s, figs, LONG_OFFICE).save(out / "督办.docx")
    case = NoticeCase("SL-2026-001", "天成有限公司反映承诺的厂房租金补贴至今未兑现",
                      dt.date(2026, 12, 31), dt.date(2026, 11, 26), "")
    notice = Notice("区人力资源和社会保障局", "不作为、乱作为、慢作为", LONG_OFFICE, REPORT_DAY, [case], 3, 5,
                    "每周（星期五）前报送办理进展")
    hand = build_notice(notice).save(out / "交办.docx")
    return {"supervision": sup, "handover": hand, "dir": out, "master": merged.master}


def test_signature_lays_out_a_long_office_name_over_the_date(long_office_papers):
    """Read back from the .docx: the office centred over the date (one paragraph, wrapped at word breaks),
    the date four characters in from the right on its own paragraph."""
    from docx import Document

    from taizhang.report.gongwen import wrap_name

    for path in (long_office_papers["supervision"], long_office_papers["handover"]):
        paras = [p for p in Document(str(path)).paragraphs if p.style.name == "公文落款"]
        office, date = paras[-2], paras[-1]
        assert date.text == f"{REPORT_DAY.year}年{REPORT_DAY.month}月{REPORT_DAY.day}日"
        assert date.paragraph_format.right_indent.twips == 1280  # 右空四字
        assert office.text.replace("\n", "") == LONG_OFFICE
        assert office.text.split("\n") == wrap_name(LONG_OFFICE, 4745) and len(office.text.split("\n")) == 3
        assert office.paragraph_format.alignment == 1  # centred in a box whose centre is the date's
        assert office.paragraph_format.keep_with_next


@needs_libreoffice
def test_long_office_papers_fit_one_page_with_the_date_on_one_line(long_office_papers):
    """Rendered by LibreOffice: each one-case notice is one page; the date is one line, 4 characters (16 pt
    each, condensed by 0.25 pt) in from the 26 mm right margin; each line of the office is centred over it."""
    pdfs = render_pdfs([long_office_papers["supervision"], long_office_papers["handover"]], long_office_papers["dir"] / "pdf")
    date = f"{REPORT_DAY.year}年{REPORT_DAY.month}月{REPORT_DAY.day}日"
    for pdf in pdfs:
        pages = pdf_lines(pdf)
        assert len(pages) == 1, f"{pdf.name}: {len(pages)} pages"
        lines = pages[0]
        [d] = [ln for ln in lines if date in ln[0]]
        assert d[0] == date  # one line, nothing else on it
        right_edge = 595.3 - 26 / 25.4 * 72 - 4 * 15.75
        assert abs(d[2] - right_edge) < 3, (d, right_edge)
        centre = (d[1] + d[2]) / 2
        i = lines.index(d)
        office = lines[i - 3:i]
        assert "".join(t for t, *_ in office) == LONG_OFFICE
        for text, x0, x1, _ in office:
            # LibreOffice spaces each digit/CJK boundary by about 3 pt even under autoSpaceDN="0" (Word does not):
            # five boundaries move the date's centre by up to 8 pt; Word's centre is the docx test's box
            assert abs((x0 + x1) / 2 - centre) < 10, (text, x0, x1, centre)
            assert x1 <= 595.3 - 26 / 25.4 * 72 + 1  # inside the 版心


# ---------------------------------------------------------------- 2. property elements in the schema's order

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# ECMA-376 Part 1 (wml.xsd): the xsd:sequence of each properties type, written out here from the schema
SCHEMA_ORDER = {
    "rPr": ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline", "shadow",
            "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern",
            "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em",
            "lang", "eastAsianLayout", "specVanish", "oMath", "rPrChange"],
    "pPr": ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
            "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct",
            "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
            "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
            "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"],
    "tblPr": ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW", "jc",
              "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption",
              "tblDescription", "tblPrChange"],
    "trPr": ["cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit", "trHeight", "tblHeader",
             "tblCellSpacing", "jc", "hidden", "ins", "del", "trPrChange"],
    "tcPr": ["cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar", "textDirection",
             "tcFitText", "vAlign", "hideMark", "headers", "cellIns", "cellDel", "cellMerge", "tcPrChange"],
    "sectPr": ["headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz", "pgMar", "paperSrc",
               "pgBorders", "lnNumType", "pgNumType", "cols", "formProt", "vAlign", "noEndnote", "titlePg",
               "textDirection", "bidi", "rtlGutter", "docGrid", "printerSettings", "sectPrChange"],
}
REPEATABLE = {("sectPr", "headerReference"), ("sectPr", "footerReference")}
SAME_RANK = {"footerReference": "headerReference"}  # EG_HdrFtrReferences is a choice: headers and footers in any order


def property_order_problems(docx: Path) -> list[str]:
    """Every rPr/pPr/tblPr/trPr/tcPr/sectPr in every XML part: children in schema order, each at most once."""
    import zipfile

    from lxml import etree

    problems = []
    with zipfile.ZipFile(docx) as z:
        for name in z.namelist():
            if not name.endswith(".xml"):
                continue
            root = etree.fromstring(z.read(name))
            for kind, order in SCHEMA_ORDER.items():
                for el in root.iter(W + kind):
                    tags = [etree.QName(c).localname for c in el if isinstance(c.tag, str) and c.tag.startswith(W)]
                    unknown = [t for t in tags if t not in order]
                    if unknown:
                        problems.append(f"{name}: {kind} has {unknown}")
                        continue
                    pos = [order.index(SAME_RANK.get(t, t)) for t in tags]
                    if pos != sorted(pos):
                        problems.append(f"{name}: {kind} children out of order: {tags}")
                    dup = sorted({t for t in tags if tags.count(t) > 1 and (kind, t) not in REPEATABLE})
                    if dup:
                        problems.append(f"{name}: {kind} repeats {dup}")
    return problems


def test_every_docx_writes_properties_in_schema_order(long_office_papers, tmp_path):
    """The 通报 (full and public), a 督办通知单 and a 交办通知单: document, styles, footers, settings."""
    from taizhang.jobs import run_notice

    d = long_office_papers["dir"]
    docs = [d / "通报.docx", long_office_papers["supervision"], long_office_papers["handover"]]
    res = run_notice(long_office_papers["master"], REPORT_DAY, out=tmp_path / "公开.docx", units_dir=tmp_path / "u",
                     public=True)
    docs += [Path(res.notice), *map(Path, res.supervision[:1])]
    problems = {str(p.name): property_order_problems(p) for p in docs}
    assert all(Path(p).exists() for p in docs)
    assert problems == {k: [] for k in problems}


def test_office_names_wrap_at_word_breaks():
    """The examples in ``wrap_name``'s docstring, and the widths: no line wider than the box."""
    import doctest

    from taizhang.report import gongwen

    result = doctest.testmod(gongwen)
    assert result.attempted >= 3 and result.failed == 0
    for name in (LONG_OFFICE, "新官不理旧账专项行动领导小组办公室", "区营商环境指挥部改革创新组", "办公室"):
        lines = gongwen.wrap_name(name, 4745)
        assert "".join(lines) == name
        assert all(gongwen.text_width_twips(ln) <= 4745 for ln in lines)
        assert not any(ln[0] in "）、，。" for ln in lines)
