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


# ---------------------------------------------------------------- 3. every package, checked as Excel and Word would

# Rules of openxml-audit (the Open XML SDK's checks in Python) that this test does not count, each with its evidence.
# Calibrated on Excel-saved files (xlwings' quickstart.xlsm and xlwings.xlam, pyopenvba's blank_workbook.xlsx: no
# error at all), a Word-saved file (python-docx's default.docx) and LibreOffice-saved copies of a master and a 通报.
#
# 1. CT_Font's children in xl/styles.xml ("Unexpected element 'b'/'sz'/'color'/'family'" under fonts/font or dxf/font):
#    ECMA-376 Part 1 sml.xsd declares CT_Font as <xsd:choice maxOccurs="unbounded">, any order; the SDK's schema makes
#    it a sequence (b, i, …, sz, color, name, family, charset, scheme). Excel writes that order, openpyxl writes
#    name/charset/family first; Excel, LibreOffice and WPS open both. Ignored there only, nowhere else.
# Warnings (severity below error, e.g. Excel_InlineStrCells: inline strings are valid, Excel converts them on save)
# are not counted. Every other error fails the test.
IGNORED_FONT_ORDER = re.compile(r"/font\[\d+\]$")


def audit_errors(path: Path) -> list[str]:
    """openxml-audit's errors (not warnings) for one package, less the documented ignores."""
    from openxml_audit import OpenXmlValidator
    from openxml_audit.errors import ValidationSeverity

    result = OpenXmlValidator(max_errors=500).validate(str(path))
    out = []
    for e in result.errors:
        if e.severity != ValidationSeverity.ERROR:
            continue
        if e.part_uri == "/xl/styles.xml" and IGNORED_FONT_ORDER.search(e.path or "") \
                and e.description.startswith("Unexpected element"):
            continue
        out.append(f"{e.part_uri}:{e.path}: {e.description}")
    return out


S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _ref(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d+)", ref)
    return int(m.group(2)), _col(m.group(1))


def _area(ref: str) -> tuple[int, int, int, int]:
    a, _, b = ref.partition(":")
    r1, c1 = _ref(a)
    r2, c2 = _ref(b) if b else (r1, c1)
    return r1, c1, r2, c2


def _overlap(a, b) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def workbook_problems(path: Path) -> list[str]:
    """What the schema does not check: style and dxf indexes in range, merges and validations that do not overlap
    (single-cell merges skipped), rows and cells in order, defined names on existing sheets, and jump links
    inside the workbook written with ``location`` rather than as an external link to "#…"."""
    import posixpath
    import zipfile

    from lxml import etree

    problems = []
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        styles = etree.fromstring(z.read("xl/styles.xml"))
        count = lambda tag: len(styles.findall(f"{S}{tag}/*"))  # noqa: E731
        n_xf, n_dxf = count("cellXfs"), count("dxfs")
        n_font, n_fill, n_border = count("fonts"), count("fills"), count("borders")
        fmts = {int(f.get("numFmtId")) for f in styles.iter(f"{S}numFmt")}
        for xf in styles.iter(f"{S}xf"):
            for attr, n in (("fontId", n_font), ("fillId", n_fill), ("borderId", n_border)):
                if int(xf.get(attr, 0)) >= n:
                    problems.append(f"styles.xml: xf {attr}={xf.get(attr)} of {n}")
            fmt = int(xf.get("numFmtId", 0))
            if fmt >= 164 and fmt not in fmts:
                problems.append(f"styles.xml: xf numFmtId={fmt} not defined")
        wb = etree.fromstring(z.read("xl/workbook.xml"))
        rels = {r.get("Id"): r.get("Target") for r in etree.fromstring(z.read("xl/_rels/workbook.xml.rels")).iter(REL)}
        sheets = [(s.get("name"), rels[s.get(R_ID)]) for s in wb.iter(f"{S}sheet")]
        titles = {n for n, _ in sheets}
        for dn in wb.iter(f"{S}definedName"):
            if dn.get("localSheetId") is not None and int(dn.get("localSheetId")) >= len(sheets):
                problems.append(f"workbook.xml: definedName {dn.get('name')} localSheetId out of range")
            for quoted, bare in re.findall(r"'((?:[^']|'')+)'!|([^\s'!,()=+\-*/&:]+)!", dn.text or ""):
                sheet = quoted.replace("''", "'") if quoted else bare
                if sheet not in titles:
                    problems.append(f"workbook.xml: definedName {dn.get('name')} points at missing sheet {sheet!r}")
        for title, target in sheets:
            part = posixpath.normpath(posixpath.join("xl", target)) if not target.startswith("/") else target[1:]
            if part not in names:
                problems.append(f"{title}: part {part} missing")
                continue
            ws = etree.fromstring(z.read(part))
            where = f"{title} ({part})"
            last_row = 0
            for row in ws.iter(f"{S}row"):
                r = int(row.get("r", last_row + 1))
                if r <= last_row:
                    problems.append(f"{where}: row {r} after row {last_row}")
                last_row, last_col = r, 0
                for c in row.iter(f"{S}c"):
                    if c.get("r") is None:
                        last_col += 1
                        continue
                    cr, cc = _ref(c.get("r"))
                    if cr != r or cc <= last_col:
                        problems.append(f"{where}: cell {c.get('r')} out of order in row {r}")
                    last_col = cc
                    if int(c.get("s", 0)) >= n_xf:
                        problems.append(f"{where}: cell {c.get('r')} style {c.get('s')} of {n_xf}")
            for tag in ("row", "col"):
                for el in ws.iter(f"{S}{tag}"):
                    if el.get("s") is not None and int(el.get("s")) >= n_xf:
                        problems.append(f"{where}: {tag} style {el.get('s')} of {n_xf}")
            for rule in ws.iter(f"{S}cfRule"):
                if rule.get("dxfId") is not None and int(rule.get("dxfId")) >= n_dxf:
                    problems.append(f"{where}: conditional format dxfId {rule.get('dxfId')} of {n_dxf}")
            merges = [_area(m.get("ref")) for m in ws.iter(f"{S}mergeCell")]
            merges = [m for m in merges if m[:2] != m[2:]]  # A1:A1 merges nothing
            for i, a in enumerate(merges):
                for b in merges[i + 1:]:
                    if _overlap(a, b):
                        problems.append(f"{where}: merged ranges {a} and {b} overlap")
            areas = [(i, _area(ref)) for i, dv in enumerate(ws.iter(f"{S}dataValidation"))
                     for ref in (dv.get("sqref") or "").split()]
            for k, (i, a) in enumerate(areas):
                for j, b in areas[k + 1:]:
                    if i != j and _overlap(a, b):
                        problems.append(f"{where}: data validations {i} and {j} overlap at {a} / {b}")
            rels_part = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
            srels = {}
            if rels_part in names:
                srels = {r.get("Id"): r for r in etree.fromstring(z.read(rels_part)).iter(REL)}
            for h in ws.iter(f"{S}hyperlink"):
                rel = srels.get(h.get(R_ID))
                if rel is not None and rel.get("Target", "").startswith("#"):
                    problems.append(f"{where}: hyperlink {h.get('ref')} is an external link to {rel.get('Target')!r}"
                                    " (a jump inside the workbook is written with location=)")
    return problems


@pytest.fixture(scope="module")
def packages(merged, long_office_papers, tmp_path_factory):
    """Every kind of package taizhang writes, from the sample campaign (xinguan) and a new sanluan master."""
    from taizhang.doors.addin_build import build_addin
    from taizhang.jobs import run_assign, run_new, run_notice, run_status, run_summary, run_template, run_validate

    out = tmp_path_factory.mktemp("packages")
    files = {"master (new)": run_new(out / "新建台账.xlsx", "sanluan", 2026).path,
             "master (merged)": merged.master}
    run_status(merged.master, REPORT_DAY, out=out / "status.xlsx")
    files["master (status)"] = out / "status.xlsx"
    run_assign(out / "status.xlsx", REPORT_DAY, out=out / "assigned.xlsx")
    files["master (assign)"] = out / "assigned.xlsx"
    files["template"] = run_template(merged.master, out / "模板", REPORT_DAY)[0]
    for sub in sorted(merged.submissions.glob("*.xlsx")):
        if sub.name.startswith("~$"):
            continue
        res = run_validate(sub, REPORT_DAY, master=merged.master, marked=out / f"标注-{sub.name}")
        if res.marked and any(f.row and f.column for f in res.report.findings):  # one with jump links to cells
            files["marked copy"] = res.marked
            break
    run_summary(merged.master, REPORT_DAY, out / "汇总.xlsx")
    run_summary(merged.master, REPORT_DAY, out / "汇总-公开.xlsx", public=True)
    files["summary"], files["summary (public)"] = out / "汇总.xlsx", out / "汇总-公开.xlsx"
    res = run_notice(merged.master, REPORT_DAY, out=out / "通报.docx", units_dir=out / "督办")
    files["通报"], files["督办通知单"] = Path(res.notice), Path(res.supervision[0])
    files["通报 (public)"] = Path(run_notice(merged.master, REPORT_DAY, out=out / "通报-公开.docx", public=True).notice)
    files["交办通知单"] = long_office_papers["handover"]
    files["add-in"] = build_addin(out / "taizhang.xlam")
    # round 4's new writers: 催报单, the master after `remind --sent` and `holidays --notice`, the 领导总览
    import datetime as dt
    import shutil

    from test_holiday_notice import NOTICE_2026

    from taizhang.jobs import run_holidays, run_overview, run_remind

    (out / "总览").mkdir()
    copy = shutil.copy2(merged.master, out / "总览" / merged.master.name)
    sent = run_remind(copy, dt.date(2026, 12, 16), out_dir=out / "催报", sent=True)
    files["催报单"] = Path(sent.papers[0])
    (out / "通知.txt").write_text(NOTICE_2026, encoding="utf-8")
    assert sent.logged and run_holidays(copy, out / "通知.txt").written
    files["master (remind --sent, holidays --notice)"] = Path(copy)
    files["领导总览"] = run_overview(out / "总览", REPORT_DAY).out
    assert "marked copy" in files
    return files


def test_every_package_passes_openxml_audit(packages):
    pytest.importorskip("openxml_audit")
    errors = {kind: audit_errors(Path(p))[:5] for kind, p in packages.items()}
    assert errors == {kind: [] for kind in packages}


def test_every_workbook_is_consistent_beyond_the_schema(packages):
    problems = {kind: workbook_problems(Path(p))[:8] for kind, p in packages.items() if Path(p).suffix != ".docx"}
    assert problems == {kind: [] for kind in problems}


# ---------------------------------------------------------------- 4. totals add up, for every preset, in every door

PRESETS = ["lijiuzhang", "xinguan", "zhonggengzu", "sanluan", "xiaoneng"]


@pytest.fixture(scope="module", params=PRESETS)
def report_day_of(request, tmp_path_factory):
    """Each preset's sample campaign after one report day's merge."""
    from taizhang.demo import generate
    from taizhang.jobs import run_merge

    s = generate(tmp_path_factory.mktemp(request.param), preset=request.param, seed=3, today=REPORT_DAY)
    run_merge(s.master, s.submissions, REPORT_DAY)
    return s


def _parts_add_up(text: str, where: str) -> None:
    """'共N个…已办结D…已销号C…正在整改P：a…b…' or the 通报's wording: D + C + P = N and the parts sum to P."""
    flat = re.sub(r"\s+", "", text)
    m = re.search(r"共(?:有问题)?(\d+)个(?:问题)?，已办结(\d+)个?[，、]已销号(\d+)个?，办结率[\d.]+%；正在整改(\d+)(?:个，其中|：)"
                  r"([^。]*)。", flat)
    assert m, f"{where}: {flat[:200]}"
    total, done, closed, in_progress = map(int, m.groups()[:4])
    parts = [int(n) for n in re.findall(r"(\d+)个?(?=[、，]|$)", m.group(5))]
    assert done + closed + in_progress == total, (where, m.group(0))
    assert sum(parts) == in_progress and len(parts) >= 3, (where, m.group(0))


def test_counts_by_state_add_up_to_the_totals(report_day_of, tmp_path, capsys):
    """The summary's JSON (totals, each unit, each category), the 总体情况 sheet, the terminal's line, the 通报 and
    the summary's 通报 sheet: 已办结 + 已销号 + 正在整改 = 总数, and 正在整改 = 红 + 黄 + 绿 + 持续整改 + 时限无法确定."""
    import json

    from docx import Document
    from openpyxl import load_workbook

    from taizhang.doors.cli import main
    from taizhang.report.figures import Figures, briefing
    from taizhang.report.text import totals_text

    s = report_day_of
    assert main(["summary", str(s.master), "--today", REPORT_DAY.isoformat(), "--out", str(tmp_path / "汇总.xlsx"),
                 "--json"]) == 0
    figs = json.loads(capsys.readouterr().out)
    states = ("red", "yellow", "green", "long_term", "no_deadline")
    groups = [("totals", figs["totals"])] + [(u["unit"], u) for u in figs["units"]] + \
        [(c["name"], c) for c in figs["categories"]]
    for name, c in groups:
        assert c["done"] + c["closed"] + c["in_progress"] == c["total"], name
        assert sum(c[k] for k in states) == c["in_progress"], (name, {k: c[k] for k in ("in_progress", *states)})
    ov = load_workbook(tmp_path / "汇总.xlsx")["总体情况"]
    row = {ov.cell(3, i).value: ov.cell(4, i).value for i in range(1, 12)}
    assert row["问题总数"] == row["已办结"] + row["已销号"] + row["正在整改"] == figs["totals"]["total"]
    assert row["正在整改"] == sum(row[h] for h in ("超期（红灯）", "预警（黄灯）", "正常（绿灯）", "持续整改", "时限无法确定"))
    model = Figures.model_validate(figs)
    _parts_add_up(totals_text(model), "terminal")
    _parts_add_up(briefing(model)[0], "summary's 通报 sheet")
    assert main(["notice", str(s.master), "--today", REPORT_DAY.isoformat(), "--out", str(tmp_path / "通报.docx")]) == 0
    capsys.readouterr()
    bulletin = "\n".join(p.text for p in Document(str(tmp_path / "通报.docx")).paragraphs)
    _parts_add_up(bulletin[bulletin.index("台账共有问题"):], "通报")


# ---------------------------------------------------------------- 5. no English or internal codes reach office staff

def test_merge_account_names_each_kind_of_reminder_in_chinese(fresh_sample):
    from taizhang.findings import CODES
    from taizhang.jobs import run_merge
    from taizhang.report.text import merge_text, totals_text

    res = run_merge(fresh_sample.master, fresh_sample.submissions, REPORT_DAY)
    lines = merge_text(res.result, res.out, res.backup) + [totals_text(res.figures)]
    kinds = {f.code for f in res.result.issues if f.severity == "warning"}
    assert len(kinds) >= 2  # the sample raises several kinds of reminder
    text = "\n".join(lines).replace(str(fresh_sample.root), "")
    assert [c for c in CODES if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)] == []
    assert "--json" not in text and "rows_skipped" not in text
    for code in kinds - {"late-report", "missing-report"}:
        assert f"{CODES[code].title}：" in text, code


def test_command_line_speaks_chinese(capsys):
    from taizhang.doors.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["new", "x.xlsx"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "缺少必须给出的参数：--preset" in err and "用法：taizhang new" in err
    with pytest.raises(SystemExit):
        main(["workday", "2026-01-01", "abc"])
    err = capsys.readouterr().err
    assert "n 的值“abc”不是整数" in err
    with pytest.raises(SystemExit):
        main(["new", "-h"])
    out = capsys.readouterr().out
    assert "选项：" in out and "参数：" in out and "显示本帮助并退出" in out
    assert main(["presets"]) == 0
    out += capsys.readouterr().out
    assert "sanluan" in out and "不作为、乱作为、慢作为" in out  # the id is what --preset takes
    english = re.compile(r"\b(usage|error|options|positional|arguments|required|invalid|show this help|seed)\b", re.I)
    assert not english.search(err + out), english.findall(err + out)


def test_summary_briefing_sheet_tells_leaders_no_command(merged, tmp_path):
    from openpyxl import load_workbook

    from taizhang.jobs import run_summary

    run_summary(merged.master, REPORT_DAY, tmp_path / "汇总.xlsx")
    text = "".join(str(c.value or "") for r in load_workbook(tmp_path / "汇总.xlsx")["通报"].iter_rows() for c in r)
    assert "taizhang" not in text and "通报要点" in text and "正在整改" in text


# ---------------------------------------------------------------- 6. no silent waits

def test_merge_shows_per_file_progress_on_stderr(fresh_sample, capsys):
    from taizhang.doors.cli import main

    s = fresh_sample
    assert main(["merge", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat()]) == 0
    err = capsys.readouterr().err.splitlines()
    files = sorted(str(p.relative_to(s.submissions)) for p in s.submissions.rglob("*") if p.is_file())
    lines = [ln for ln in err if ln.startswith("合并报送 ")]
    assert sorted(ln.split("：", 1)[1] for ln in lines) == files
    assert [ln.split("：")[0] for ln in lines] == [f"合并报送 {i}/{len(files)}" for i in range(1, len(files) + 1)]
    assert err[-1] == f"合并报送：完成（{len(files)}个）"


def test_progress_draws_a_bar_on_a_terminal():
    import io

    from taizhang.doors.cli import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    p = Progress(out).at("督办通知单")
    for i in range(3):
        p(i, 3, f"单位{i}.docx")
    p(3, 3, "")
    text = out.getvalue()
    assert text.count("\r") == 4 and text.endswith("\n") and text.count("\n") == 1  # redrawn in place, then done
    assert "3/3" in text and "█" * Progress.WIDTH in text


def test_run_and_notice_report_every_paper_as_it_is_written(fresh_sample, tmp_path, capsys):
    from taizhang.doors.cli import main

    s = fresh_sample
    assert main(["run", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat()]) == 0
    err = capsys.readouterr().err
    stages = [ln.split(" ")[0].split("：")[0] for ln in err.splitlines()]
    assert [st for i, st in enumerate(stages) if st not in stages[:i]] == ["合并报送", "汇总表", "通报和督办通知单"]
    units = tmp_path / "督办"
    assert main(["notice", str(s.master), "--today", REPORT_DAY.isoformat(), "--units-dir", str(units)]) == 0
    err = capsys.readouterr().err
    assert sorted(ln.split("：", 1)[1] for ln in err.splitlines() if ln.startswith("督办通知单 ") and "：" in ln) == \
        sorted(p.name for p in units.iterdir())


# ---------------------------------------------------------------- 7. the README's own commands hold no trap

def test_run_with_out_dir_says_the_master_went_to_a_copy(fresh_sample, tmp_path, capsys):
    from taizhang.doors.cli import main

    s = fresh_sample
    before = s.master.read_bytes()
    out = tmp_path / "out"
    assert main(["run", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat(), "--out-dir", str(out)]) == 0
    said = capsys.readouterr().out
    assert s.master.read_bytes() == before and (out / s.master.name).exists()
    assert f"更新后的台账总表是副本 {out / s.master.name}；原文件 {s.master} 没有改动" in said
    assert "下次合并请使用这个副本" in said
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    line = next(ln for ln in readme.splitlines() if "taizhang run MASTER DIR" in ln)
    assert "副本" in line and "原台账总表不改动" in line


def test_addin_install_for_another_system_requires_a_windows_interpreter(tmp_path, capsys, monkeypatch):
    import sys

    from taizhang.doors.cli import main

    monkeypatch.setattr(sys, "platform", "linux")
    target = tmp_path / "usb"
    assert main(["addin", "install", "--target", str(target)]) == 2
    assert "必须用 --interpreter" in capsys.readouterr().err and not (target / "taizhang.conf").exists()
    assert main(["addin", "install", "--target", str(target), "--interpreter", sys.executable]) == 2
    assert "不是 Windows 路径" in capsys.readouterr().err and not (target / "taizhang.conf").exists()


# ---------------------------------------------------------------- 8. the 退回清单 tells the unit what to do

def test_a_mistyped_category_gets_the_nearest_and_the_allowed_values_one_a_line():
    from taizhang.rules.validate import Context, _problem_message, nearest

    book = find_rulebook("sanluan")
    names = [c.name for c in book.categories]
    msg = _problem_message("unknown-category", "category", "失管施察", Context(book, None, REPORT_DAY))
    assert "您是否要填" in msg
    for n in nearest("失管施察", names):
        assert n.endswith("失管失察") and f"\n  {n}\n" in msg
    listed = msg.split("可填的类别：\n", 1)[1].splitlines()
    assert listed == [f"{i}. {n}" for i, n in enumerate(names, 1)]  # one a line: the names contain "、" themselves
    typo = names[-1][:-1] + ("甲" if names[-1][-1] != "甲" else "乙")
    assert f"您是否要填：{names[-1]}？" in _problem_message("unknown-category", "category", typo, Context(book, None, REPORT_DAY))


# ---------------------------------------------------------------- 12. small untruths

def test_a_corrupt_file_is_called_unreadable_not_of_unknown_sender(merged, capsys):
    from taizhang.book.master import load_master
    from taizhang.doors.cli import main
    from taizhang.jobs import run_figures
    from taizhang.report.notice import build_bulletin

    reports = load_master(merged.master, ledger=False).reports
    corrupt = [r for r in reports if r[0] == "（无法识别的单位）"]
    assert corrupt and all("已损坏" in r[9] for r in corrupt)  # the sample's corrupt file
    unnamed = ["（无法识别的单位）", "", "文件被退回", "某表.xlsx", REPORT_DAY, 0, 0, 0, 3, "无法确定报送单位", ""]
    doc = build_bulletin(run_figures(merged.master, REPORT_DAY), reports + [unnamed], "办公室").doc
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"另有{len(corrupt)}个文件无法读取（文件已损坏或不是有效的表格）" in text
    assert "另有1个文件无法识别报送单位" in text
    bad = next(p for p in merged.submissions.iterdir() if p.name.startswith("损坏"))
    main(["validate", str(bad), "--preset", "xinguan"])
    out = capsys.readouterr().out
    assert "工作表“-”" not in out and "没有读到台账工作表" in out


# ---------------------------------------------------------------- 9. print

@needs_libreoffice
def test_summary_briefing_sheet_prints_whole_on_a4(merged, tmp_path):
    """Rendered by LibreOffice, every paragraph of the summary's 通报 sheet is on the page, none cut at the right."""
    from conftest import convert, pdf_text
    from openpyxl import load_workbook

    from taizhang.jobs import run_summary

    run_summary(merged.master, REPORT_DAY, tmp_path / "汇总.xlsx")
    wb = load_workbook(tmp_path / "汇总.xlsx")
    for name in wb.sheetnames[:-1]:
        del wb[name]
    wb.save(tmp_path / "通报页.xlsx")
    paras = [str(c.value) for r in wb["通报"].iter_rows(min_row=4) for c in r if c.value]
    (pdf,) = convert([tmp_path / "通报页.xlsx"], "pdf", tmp_path / "pdf")
    printed = re.sub(r"\s+", "", pdf_text(pdf))
    assert len(paras) >= 5
    for text in paras:
        assert re.sub(r"\s+", "", text) in printed, text[:40]


@pytest.fixture(scope="module")
def sanluan_summary(tmp_path_factory):
    """sanluan's summary (nine long category names) after one report day."""
    from taizhang.demo import generate
    from taizhang.jobs import run_merge, run_summary

    root = tmp_path_factory.mktemp("sanluan-summary")
    s = generate(root / "campaign", preset="sanluan", seed=3, today=REPORT_DAY)
    run_merge(s.master, s.submissions, REPORT_DAY)
    run_summary(s.master, REPORT_DAY, root / "汇总.xlsx")
    return root / "汇总.xlsx"


def test_category_chart_prints_on_one_page(sanluan_summary):
    """The 分类统计 chart never splits across pages: no taller than a landscape A4 page holds, and on a page of its
    own (a manual break right above it) when it does not fit below the table; the table after it starts below it."""
    from openpyxl import load_workbook

    ws = load_workbook(sanluan_summary)["分类统计"]
    (chart,) = ws._charts
    anchor = chart.anchor._from.row + 1  # 1-based row the chart starts at
    assert chart.height <= 16.0
    table_pt = sum(ws.row_dimensions[r].height or 15.0 for r in range(1, anchor - 2))
    fits_below = table_pt + 30 + chart.height / 2.54 * 72 <= 16.0 / 2.54 * 72
    breaks = {b.id for b in ws.row_breaks.brk}
    assert fits_below or anchor - 1 in breaks, (table_pt, chart.height, sorted(breaks), anchor)
    chart_rows = sum(ws.row_dimensions[r].height or 15.0 for r in range(anchor, anchor + int(chart.height / 0.529) + 2))
    assert chart_rows >= chart.height / 2.54 * 72  # the rows under the chart are as tall as it: nothing hides behind


def test_ranking_charts_share_a_page_for_a_few_units(merged, tmp_path):
    from openpyxl import load_workbook

    from taizhang.jobs import run_figures
    from taizhang.report.summary_book import write_summary

    figs = run_figures(merged.master, REPORT_DAY)
    figs.units = [u for u in figs.units if u.rank is not None][:3]
    write_summary(figs, tmp_path / "三个单位.xlsx", [], False)
    ws = load_workbook(tmp_path / "三个单位.xlsx")["红绿灯排行榜"]
    assert len(ws._charts) == 2 and len(ws.row_breaks.brk) == 1  # one page for both charts, after the table


def test_a_renamed_required_column_is_named_not_called_empty(tmp_path):
    """A unit that renamed 问题描述 to a name no alias knows (事项概述; 存在问题 is an alias now, issue #27) is told
    which of its columns was not recognised and how to fix it."""
    from openpyxl import Workbook
    from test_codes import ROW, TODAY, UNITS, XINGUAN

    from taizhang.rules.validate import validate_file

    row = {("事项概述" if k == "问题描述" else k): v for k, v in ROW.items()}
    wb = Workbook()
    ws = wb.active
    ws.append(list(row))
    ws.append(list(row.values()))
    wb.save(tmp_path / "城关镇-2026年11月.xlsx")
    report, _ = validate_file(tmp_path / "城关镇-2026年11月.xlsx", rulebook=XINGUAN, units=UNITS, today=TODAY)
    messages = [f.message for f in report.findings if f.severity == "error"]
    assert messages and not any("不能为空" in m for m in messages), messages
    row_msg = next(m for m in messages if m.startswith("本表没有“问题描述”列"))
    assert "本表中未能识别的列：“事项概述”" in row_msg and "表头改为“问题描述”" in row_msg


def test_handover_notice_leaves_out_an_empty_supervisor_column(long_office_papers):
    """sanluan names no 牵头督办部门: its 交办通知单 has no column of dashes, the description gets the width."""
    from docx import Document

    from taizhang.book.assign import Notice, NoticeCase
    from taizhang.report.handover import build_notice

    (table,) = Document(str(long_office_papers["handover"])).tables
    assert [c.text for c in table.rows[0].cells] == ["序号", "问题编号", "问题描述", "整改时限", "签收期限"]
    case = NoticeCase("X-1", "某问题", dt.date(2026, 12, 31), dt.date(2026, 11, 26), "县纪委监委")
    doc = build_notice(Notice("城关镇", "某专项", "办公室", REPORT_DAY, [case], 3, 5, "每周报送")).doc
    assert doc.tables[0].rows[0].cells[-1].text == "牵头\n督办部门" and doc.tables[0].rows[1].cells[-1].text == "县纪委监委"


# ---------------------------------------------------------------- 1b. one to three cases on one page, the signature never alone

def _notices(n: int, figs, office: str, out: Path) -> tuple[Path, Path]:
    """An ``n``-case 督办通知单 (the sample's red cases, repeated as needed) and an ``n``-case 交办通知单 (sanluan's
    longest description length, 24 characters) signed by ``office``."""
    import copy

    from taizhang.book.assign import Notice, NoticeCase
    from taizhang.report.handover import build_notice
    from taizhang.report.notice import build_supervision, supervisions

    s = copy.copy(max(supervisions(figs, REPORT_DAY + dt.timedelta(days=7)), key=lambda s: len(s.cases)))
    s.cases = (s.cases * n)[:n]
    sup = build_supervision(s, figs, office).save(out / f"督办{n}.docx")
    cases = [NoticeCase(f"SL-2026-{i:03d}", "天成有限公司反映承诺的厂房租金补贴至今仍未兑现到位", dt.date(2026, 12, 31),
                        dt.date(2026, 11, 26), "") for i in range(1, n + 1)]
    hand = build_notice(Notice("区人力资源和社会保障局", "不作为、乱作为、慢作为", office, REPORT_DAY, cases, 3, 5,
                               "每周（星期五）前报送办理进展")).save(out / f"交办{n}.docx")
    return sup, hand


@needs_libreoffice
def test_notices_of_one_to_three_cases_fit_one_page_and_the_signature_never_stands_alone(long_office_papers):
    """With sanluan's long office name, a 1-, 2- and 3-case 督办通知单 and 交办通知单 print on one page; a 5-case
    督办通知单 that needs two takes its last table row (and the 督办编号) to page 2 with the signature."""
    from taizhang.jobs import run_notice

    figs = run_notice(long_office_papers["master"], REPORT_DAY, out=long_office_papers["dir"] / "cases.docx").figures
    out = long_office_papers["dir"] / "cases"
    out.mkdir(exist_ok=True)
    docs = [p for n in (1, 2, 3, 5) for p in _notices(n, figs, LONG_OFFICE, out)]
    pdfs = render_pdfs(docs, out / "pdf")
    date = f"{REPORT_DAY.year}年{REPORT_DAY.month}月{REPORT_DAY.day}日"
    for pdf in pdfs[:-2]:
        assert len(pdf_lines(pdf)) == 1, pdf.name
    five = pdf_lines(pdfs[-2])
    assert len(five) == 2 and date in [t for t, *_ in five[-1]]
    last = [t for t, *_ in five[-1]]
    assert any(t.startswith("督办编号") for t in last) and "问题编号" in last  # the repeated header over the last row
    assert sum(1 for t in last if re.fullmatch(r"\d+", t)) >= 1  # a row (its 超期工作日) beside the signature


@needs_libreoffice
def test_table_headers_wrap_only_between_words(long_office_papers, tmp_path):
    """Every table header in the papers breaks only where it is marked ("超期\\n工作日"): in the .docx each marked line
    fits its column (the cell's margins included), and rendered by LibreOffice each marked line prints as one line."""
    import shutil

    from docx import Document

    from taizhang.book.assign import Notice, NoticeCase
    from taizhang.jobs import run_remind
    from taizhang.report.gongwen import header_width_mm
    from taizhang.report.handover import build_notice

    d = long_office_papers["dir"]
    case = NoticeCase("X-2026-001", "某问题", dt.date(2026, 12, 31), dt.date(2026, 11, 26), "县纪委监委")
    full = build_notice(Notice("城关镇", "某专项", "办公室", REPORT_DAY, [case], 3, 5, "每周报送")).save(tmp_path / "交办.docx")
    copy = shutil.copy2(long_office_papers["master"], tmp_path / "台账.xlsx")
    reminders = [Path(p) for p in run_remind(copy, dt.date(2026, 12, 16), out_dir=tmp_path / "催报").papers[:1]]
    docs = [d / "通报.docx", long_office_papers["supervision"], long_office_papers["handover"], full, *reminders]
    expected = []
    for path in docs:
        for t in Document(str(path)).tables:
            cols = [int(c.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}w")) / 1440 * 25.4
                    for c in t._tbl.tblGrid.findall(W + "gridCol")]
            for cell, width in zip(t.rows[0].cells, cols):
                size = cell.paragraphs[0].runs[0].font.size.pt
                for part in cell.text.split("\n"):
                    assert header_width_mm(part, size) <= width + 0.01, (path.name, part, width)
                    expected.append((path, re.sub(r"\s+", "", part)))
    printed = {pdf.stem: {t for page in pdf_lines(pdf) for t, *_ in page} for pdf in render_pdfs(docs, tmp_path / "pdf")}
    missing = [(p.name, part) for p, part in expected if part not in printed[p.stem]]
    assert len(expected) >= 25 and missing == []


def test_leaders_sheets_headers_fit_their_columns(sanluan_summary, merged, tmp_path):
    """In the summary workbook and the 领导总览, every header line fits its column (Excel's wrapping would break
    "序时进度差（百分点）" inside a word): a header is as wide as its column allows or breaks at a word boundary;
    the 专项行动 column holds sanluan's 不作为、乱作为、慢作为 on one line."""
    import shutil

    from openpyxl import load_workbook

    from taizhang.jobs import run_overview, run_summary
    from taizhang.report.summary_book import text_units

    folder = tmp_path / "总览"
    folder.mkdir()
    shutil.copy2(next(sanluan_summary.parent.joinpath("campaign").rglob("*.xlsx"), None) or sanluan_summary, folder / "三乱.xlsx")
    shutil.copy2(merged.master, folder / "新官.xlsx")
    run_summary(folder / "新官.xlsx", REPORT_DAY, tmp_path / "汇总-新官.xlsx")
    books = [sanluan_summary, tmp_path / "汇总-新官.xlsx", run_overview(folder, REPORT_DAY).out]
    bad, seen = [], 0
    for book in books:
        for ws in load_workbook(book):
            for row in ws.iter_rows(max_row=min(ws.max_row, 60)):
                for c in row:
                    if not (isinstance(c.value, str) and c.font.b and c.font.color is not None
                            and str(c.font.color.rgb).endswith("FFFFFF")) or c.coordinate in ws.merged_cells:
                        continue
                    seen += 1
                    width = ws.column_dimensions[c.column_letter].width or 8.43
                    for line in c.value.split("\n"):
                        if text_units(line) + 0.8 > width:
                            bad.append((Path(book).name, ws.title, c.coordinate, line, width))
                    if "\n" in c.value:
                        assert c.alignment.wrap_text, (ws.title, c.coordinate)
    assert seen >= 60 and bad == []
    ov = load_workbook(books[-1])
    for name, col in (("专项行动总览", "A"), ("亮灯走势", "A")):
        assert ov[name].column_dimensions[col].width >= text_units("不作为、乱作为、慢作为") + 0.8, name


def test_demo_reports_its_progress_on_stderr(tmp_path, capsys):
    """#33 item 10: `demo` is not silent while it generates the sample and runs the report day."""
    from taizhang.doors.cli import main

    assert main(["demo", "--out", str(tmp_path / "demo"), "--preset", "xinguan"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("生成示例 1/1：") and "生成示例：完成（1个）" in err
    merging = [ln for ln in err if ln.startswith("合并报送 ")]
    assert len(merging) >= 10 and any(ln.startswith("合并报送：完成") for ln in err)
