"""The 通报 draft and the 督办通知单 as GB/T 9704-2012 公文: layout read back with python-docx,
content read back from LibreOffice's PDF and compared with ``summary --json``."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import REPORT_DAY, SOFFICE, needs_libreoffice
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from taizhang.book.master import load_master
from taizhang.doors.cli import main

FONTS_CONF = Path(__file__).parent / "fonts" / "gongwen.conf"


@pytest.fixture(scope="module")
def papers(merged, tmp_path_factory):
    """notice (full, with 督办通知单) and notice --public, and the summary's JSON, made once."""
    out = tmp_path_factory.mktemp("papers")
    import io
    from contextlib import redirect_stdout

    def run(*argv):
        buf = io.StringIO()
        with redirect_stdout(buf):
            assert main(list(argv)) == 0
        return json.loads(buf.getvalue())

    day = ["--today", REPORT_DAY.isoformat(), "--json"]
    summary = run("summary", str(merged.master), "--out", str(out / "汇总.xlsx"), *day)
    full = run("notice", str(merged.master), "--out", str(out / "通报.docx"), "--units-dir", str(out / "units"), *day)
    public = run("notice", str(merged.master), "--out", str(out / "通报-公开.docx"), "--public", *day)
    return {"dir": out, "summary": summary, "full": full, "public": public}


def render(docx: Path, outdir: Path) -> str:
    """LibreOffice → PDF → text (with the Chinese office font names mapped to the CJK fonts installed here)."""
    outdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF))
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{outdir / '.lo-profile'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(outdir), str(docx)], check=True, capture_output=True, timeout=240, env=env)
    pdf = outdir / (docx.stem + ".pdf")
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def _east_asia(style) -> str | None:
    while style is not None:
        rpr = style.element.rPr
        if rpr is not None and rpr.rFonts is not None and rpr.rFonts.get(qn("w:eastAsia")):
            return rpr.rFonts.get(qn("w:eastAsia"))
        style = style.base_style
    return None


def _check_layout(path: Path) -> Document:
    doc = Document(str(path))
    sec = doc.sections[0]
    assert (sec.page_width.twips, sec.page_height.twips) == (11906, 16838)  # A4 in Word's twips
    assert [round(x / 36000) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == [37, 35, 28, 26]
    paras = [p for p in doc.paragraphs if p.text.strip()]
    title = next(p for p in paras if p.style.name == "公文标题")
    assert title.style.paragraph_format.alignment == 1 and title.style.font.size == Pt(22) and _east_asia(title.style) == "方正小标宋简体"
    body = [p for p in paras if p.style.name == "公文正文"]
    assert body
    for p in body:
        st = p.style
        assert st.font.size == Pt(16) and _east_asia(st) == "仿宋_GB2312"
        assert st.paragraph_format.line_spacing == Pt(28.95) and st.paragraph_format.line_spacing_rule == 4  # EXACTLY
        assert st.paragraph_format.first_line_indent == Pt(32)  # two 三号 characters
        assert not any(r.font.name or r.font.size for r in p.runs)  # nothing overrides the style
    # 22 lines fit the 225 mm 版心; 28 condensed 三号 characters fit its 156 mm width
    assert 22 * 28.95 <= 225 / 25.4 * 72 < 23 * 28.95
    condense = int(body[0].style.element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    assert 28 * (16 + condense) <= 156 / 25.4 * 72 < 29 * (16 + condense)
    for p in paras:
        if p.style.name == "公文一级标题":
            assert re.match(r"^[一二三四五六七八九十]+、", p.text) and _east_asia(p.style) == "黑体" and p.style.font.size == Pt(16)
        if p.style.name == "公文二级标题":
            assert re.match(r"^（[一二三四五六七八九十]+）", p.text) and _east_asia(p.style) == "楷体_GB2312"
    # page numbers: "— PAGE —", 4号, odd right / even left
    assert doc.settings.odd_and_even_pages_header_footer
    for footer, align in ((sec.footer, 2), (sec.even_page_footer, 0)):
        p = footer.paragraphs[0]
        assert p.text.startswith("\u2014 ") and p.text.endswith(" \u2014") and p.alignment == align
        assert p.style.font.size == Pt(14)
        assert " PAGE " in "".join(t.text for t in footer._element.iter(qn("w:instrText")))
    # signature: office, then the date in Arabic numerals without zero padding
    tail = [p.text for p in paras if p.style.name == "公文落款"]
    assert tail[-1] == f"{REPORT_DAY.year}年{REPORT_DAY.month}月{REPORT_DAY.day}日"
    return doc


def test_bulletin_is_a_gongwen(papers):
    doc = _check_layout(Path(papers["full"]["notice"]))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert text.lstrip().startswith("草稿")
    assert "特此通报。" in text and "各成员单位：" in text
    heads = [p.text for p in doc.paragraphs if p.style.name == "公文一级标题"]
    assert heads[:4] == ["一、总体情况", "二、报送情况", "三、红绿灯排名情况", "四、超期未办结问题"]


def test_bulletin_figures_match_the_summary(papers, tmp_path):
    figs = papers["summary"]
    assert papers["full"]["figures"]["totals"] == figs["totals"]
    assert [u["unit"] for u in papers["full"]["figures"]["units"]] == [u["unit"] for u in figs["units"]]
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed")
    text = re.sub(r"\s+", "", render(Path(papers["full"]["notice"]), tmp_path))
    t = figs["totals"]
    assert f"台账共有问题{t['total']}个，已办结{t['done']}个、已销号{t['closed']}个，办结率{t['completion_rate']:g}%" in text
    assert f"超期未办结（红灯）{t['red']}个" in text and f"（黄灯）{t['yellow']}个" in text
    ranked = [u for u in figs["units"] if u["rank"] is not None]
    mark = lambda u: u["unit"] + ("（未报送）" if u["report_state"] == "未报送" else "")  # noqa: E731
    top = ranked[:3]
    bottom = ranked[3:][-3:][::-1]
    assert "排名前列的单位：" + "、".join(f"{mark(u)}（办结率{u['completion_rate']:g}%）" for u in top) in text
    assert "排名靠后的单位：" + "、".join(f"{mark(u)}（办结率{u['completion_rate']:g}%，超期{u['red']}个）" for u in bottom) in text
    for u in figs["units"]:  # every unit appears (ranked in 附件 or listed as 无问题)
        assert u["unit"] in text
    for u in figs["units"]:
        if u["red"]:  # the overdue table: unit, red count
            assert re.search(re.escape(mark(u)) + str(u["red"]) + r"\d", text), u["unit"]
    missing = [u["unit"] for u in figs["units"] if u["report_state"] == "未报送"]
    assert missing and "未报送的单位：" + "、".join(missing) in text


def test_supervision_notices_one_per_unit_with_red_cases(papers, merged):
    figs = papers["summary"]
    reds = {u["unit"]: u["red"] for u in figs["units"] if u["red"]}
    files = [Path(f) for f in papers["full"]["supervision"]]
    assert sorted(f.name for f in files) == sorted(f"{u}-督办通知单-{REPORT_DAY.isoformat()}.docx" for u in reds)
    assert {f.name for f in (papers["dir"] / "units").iterdir()} == {f.name for f in files}
    master = load_master(merged.master)
    reply = master.calendar().add_workdays(REPORT_DAY, master.rulebook.supervise_reply_workdays)
    assert papers["full"]["reply_by"] == reply.isoformat()
    red_cases = {o["id"]: o for o in figs["supervise"] if o["light"] == "red"}
    for f in files:
        unit = f.name.split("-督办通知单-")[0]
        doc = _check_layout(f)
        text = "\n".join(p.text for p in doc.paragraphs)
        assert doc.paragraphs[[p.style.name for p in doc.paragraphs].index("公文主送")].text == unit + "："
        assert f"{reply.year}年{reply.month}月{reply.day}日前" in text
        (table,) = doc.tables
        rows = [[c.text for c in r.cells] for r in table.rows]
        assert rows[0] == ["问题编号", "问题描述", "整改时限", "超期工作日", "督办意见"]
        assert len(rows) - 1 == reds[unit]
        for cid, desc, _deadline, days, opinion in rows[1:]:
            o = red_cases[cid]
            assert o["unit"] == unit and desc == o["description"] and int(days) == o["days_overdue"] > 0 and opinion


@needs_libreoffice
def test_supervision_notice_renders(papers, tmp_path):
    f = Path(papers["full"]["supervision"][0])
    text = re.sub(r"\s+", "", render(f, tmp_path))
    assert "督办通知单" in text and f.name.split("-督办通知单-")[0] + "：" in text
    assert "—1—" in text


def test_public_bulletin_has_no_personal_data(papers, merged, tmp_path):
    path = Path(papers["public"]["notice"])
    _check_layout(path)
    assert papers["public"]["supervision"] == []
    ledger = load_master(merged.master).ledger
    secrets = set()
    for key in ("leader", "person", "phone", "description", "subject", "closer", "progress_note"):
        secrets |= {str(v) for v in ledger[key].dropna() if len(str(v).strip()) >= 2}
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    texts += [doc.core_properties.author or "", doc.core_properties.last_modified_by or ""]
    assert [t for t in texts if any(s in t for s in secrets)] == []
    # while the full version does name the longest-overdue cases
    full = Document(papers["full"]["notice"])
    full_texts = [c.text for t in full.tables for r in t.rows for c in r.cells]
    assert any(any(s in t for s in secrets) for t in full_texts)


def test_notice_without_red_cases_writes_no_supervision(fresh_sample, tmp_path, capsys):
    s = fresh_sample  # not merged: the ledger holds last period's cases, possibly none red
    assert main(["notice", str(s.master), "--today", REPORT_DAY.isoformat(), "--out", str(tmp_path / "t.docx"),
                 "--units-dir", str(tmp_path / "u"), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    reds = [u["unit"] for u in res["figures"]["units"] if u["red"]]
    assert len(res["supervision"]) == len(reds)
    assert sorted(Path(f).name.split("-督办通知单-")[0] for f in res["supervision"]) == sorted(reds)
    _check_layout(tmp_path / "t.docx")


def test_accountability_suggestions_are_phrased_as_suggestions(papers):
    from taizhang.report.figures import Figures
    from taizhang.report.notice import build_bulletin

    figs = Figures.model_validate(papers["summary"])
    unit = next(u.unit for u in figs.units if u.red)
    object.__setattr__(figs, "accountability", [{"unit": unit, "red": 3, "consecutive_days": 2,
                                                  "suggested_step": "约谈主要负责人", "seed_wording": "约谈后效果依然不明显的，将按有关规定进行责任追究和问责"}])
    doc = build_bulletin(figs, [], "办公室").doc
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "问责提示（供办公室研究）" in text
    assert f"{unit}：超期问题3个，已连续2个报送日亮红灯，建议考虑约谈主要负责人。" in text
    assert "由领导小组研究决定" in text


def test_master_prints_landscape_with_titles_in_unit_order(merged):
    """The master after a merge: the office sheets landscape, one page wide, header rows repeated; 台账 A3
    landscape some pages across (``check_ledger_print``), panes frozen; 台账 rows in the 成员单位 order, then by
    问题编号."""
    from openpyxl import load_workbook
    from test_master_print import check_ledger_print

    wb = load_workbook(merged.master)
    for ws in wb.worksheets:
        if ws.sheet_state == "hidden" or ws.title in ("说明", "台账"):  # 说明 is read on screen; 台账 below
            continue
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    check_ledger_print(merged.master)
    ledger = wb["台账"]
    assert ledger.freeze_panes == "C2"
    units = [r[0] for r in wb["成员单位"].iter_rows(min_row=2, values_only=True) if r[0]]
    header = [c.value for c in ledger[1]]
    rows = [(r[header.index("责任单位")], r[header.index("问题编号")]) for r in ledger.iter_rows(min_row=2, values_only=True)]
    pos = {u: i for i, u in enumerate(units)}
    keys = [(pos.get(u, len(pos)), [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", c)]) for u, c in rows]
    assert keys == sorted(keys) and len({u for u, _ in rows}) > 3


def test_bulletin_reports_the_change_since_the_last_report_day(papers):
    import datetime as dt

    from taizhang.report.figures import Figures
    from taizhang.report.notice import build_bulletin

    figs = Figures.model_validate(papers["summary"])
    figs.previous_day = dt.date(2026, 11, 16)
    figs.change = {"total": 4, "done": 3, "closed": 1, "red": -2, "yellow": 0}
    text = "\n".join(p.text for p in build_bulletin(figs, [], "办公室").doc.paragraphs)
    assert "与上次报送日（2026年11月16日）相比，问题总数增加4个，新办结（含销号）4个，超期问题减少2个。" in text


@needs_libreoffice
def test_attachment_after_a_full_page_leaves_no_blank_page(tmp_path):
    """The 附件 starts the page after the signature by its own 段前分页, never by a paragraph holding only a page
    break: after a page the body fills to its foot (sanluan's 通报, its signature on the last line of page 4), that
    paragraph fell on a page of its own and printed a blank, numbered page. Bodies of 10 to 30 one-line paragraphs
    (22 a page at the exact line pitch) end one of them on the last line."""
    from taizhang.report.gongwen import Gongwen

    docs = []
    for k in range(10, 31):
        doc = Gongwen("关于某专项行动推进情况的通报")
        for i in range(k):
            doc.para(f"第{i + 1}段。")
        doc.page_break()
        doc.mark("附件")
        doc.para("附件正文。")
        docs.append(doc.save(tmp_path / f"k{k}.docx"))
        body = doc.doc.element.body
        assert not [p for p in body.iter(qn("w:p")) if not "".join(p.itertext()).strip()
                    and p.findall(f".//{qn('w:br')}[@{qn('w:type')}='page']")]
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / '.lo-profile'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path / "pdf"), *map(str, docs)], check=True, capture_output=True, timeout=240,
                   env=dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF)))
    for docx in docs:
        text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "pdf" / (docx.stem + ".pdf")), "-"], check=True,
                              capture_output=True, text=True).stdout
        pages = [re.sub(r"\s+", "", page) for page in text.split("\f")[:-1]]
        blank = [i for i, page in enumerate(pages, 1) if re.fullmatch(r"—\d+—", page) or not page]
        assert not blank, (docx.name, blank, len(pages))
        assert pages[-1].startswith("附件"), (docx.name, pages[-1][:20])


@needs_libreoffice
def test_long_titles_wrap_at_word_breaks(tmp_path):
    """sanluan's 通报 title (25 characters, 20 fit a line at 二号) broke inside 情况 ("…推进情 / 况的通报"), its
    attachment's title left "日）" alone: each title line is wrapped where a reader pauses, and prints as one line.
    The attachment title is a 2号 title on the attachment's third line (GB/T 9704-2012: 附件标题居中编排在版心第三行)."""
    from taizhang.report.gongwen import Gongwen

    doc = Gongwen("关于不作为、乱作为、慢作为专项行动推进情况的通报")
    doc.para("正文。")
    doc.page_break()
    doc.mark("附件")
    doc.blank()
    doc.title_lines("不作为、乱作为、慢作为专项行动红绿灯排名（截至2026年11月23日）")
    titles = [p.text for p in doc.doc.paragraphs if p.style.name == "公文标题"]
    assert titles == ["关于不作为、乱作为、", "慢作为专项行动推进情况的通报", "不作为、乱作为、慢作为专项行动",
                      "红绿灯排名（截至2026年11月23日）"]
    text = render(doc.save(tmp_path / "标题.docx"), tmp_path / "pdf")
    lines = [re.sub(r"\s+", "", line) for line in text.splitlines()]
    assert all(t in lines for t in titles), lines[:12]


def test_gongwen_papers_share_no_elements(tmp_path):
    """Each 公文 opens its own copy of the once-made blank: what one paper gets (text, a changed style) is not in
    the next, and the table rows copied from one prototype row each hold their own texts and alignment."""
    from taizhang.report.gongwen import Gongwen

    first = Gongwen("甲的通报")
    first.para("只在甲中")
    first.doc.styles["公文正文"].font.size = Pt(30)
    first.table(["问题编号", "超期工作日"], [["A-1", 3], ["A-2", "无"]], widths_mm=[100, 56])
    second = Gongwen("乙的通报").table(["问题编号", "超期工作日"], [["B-1"]], widths_mm=[100, 56])  # a short row
    path = second.save(tmp_path / "乙.docx")
    doc = Document(str(path))
    assert "只在甲中" not in "\n".join(p.text for p in doc.paragraphs)
    assert doc.styles["公文正文"].font.size == Pt(16)
    assert first.doc.element.body is not second.doc.element.body
    rows = first.doc.tables[0].rows
    assert [[c.text for c in r.cells] for r in rows] == [["问题编号", "超期工作日"], ["A-1", "3"], ["A-2", "无"]]
    centred = [c.paragraphs[0]._p.find(qn("w:pPr")).find(qn("w:jc")) is not None for c in rows[1].cells + rows[2].cells]
    assert centred == [False, True, False, False]
    assert [c.text for c in doc.tables[0].rows[1].cells] == ["B-1", ""]
