"""The leaders' summary: figures agree with an independent count, colours are real, the public copy is clean."""

import json

import pandas as pd
from conftest import REPORT_DAY, convert, needs_libreoffice, pdf_text
from openpyxl import load_workbook

from taizhang.book.master import load_master
from taizhang.doors.cli import main


def _summary(s, capsys, *extra):
    out = s.master.with_name("汇总" + ("-公开" if "--public" in extra else "") + ".xlsx")
    assert main(["summary", str(s.master), "--today", REPORT_DAY.isoformat(), "--out", str(out), "--json", *extra]) == 0
    return out, json.loads(capsys.readouterr().out)


def test_figures_agree_with_an_independent_count(merged, capsys):
    out, figs = _summary(merged, capsys)
    # independent: plain pandas over the ledger sheet of a status run
    tmp = merged.master.with_name("status.xlsx")
    main(["status", str(merged.master), "--today", REPORT_DAY.isoformat(), "--out", str(tmp)])
    capsys.readouterr()
    df = pd.read_excel(tmp, sheet_name="台账", dtype=str, engine="openpyxl")
    assert figs["totals"]["total"] == len(df)
    assert figs["totals"]["red"] == (df["红绿灯"] == "红灯").sum()
    assert figs["totals"]["yellow"] == (df["红绿灯"] == "黄灯").sum()
    assert figs["totals"]["closed"] == (df["办理状态"] == "已销号").sum()
    assert figs["totals"]["done"] == df["办理状态"].isin(["已办结", "查否"]).sum()
    per_unit = df.groupby("责任单位")
    for u in figs["units"]:
        g = per_unit.get_group(u["unit"]) if u["unit"] in per_unit.groups else df.iloc[0:0]
        assert u["total"] == len(g)
        assert u["red"] == (g["红绿灯"] == "红灯").sum()
        assert u["green"] == (g["红绿灯"] == "绿灯").sum()
        finished = g["办理状态"].isin(["已办结", "查否", "已销号"]).sum()
        assert u["completion_rate"] == (round(finished / len(g) * 100, 1) if len(g) else 0.0)
    ranked = [u for u in figs["units"] if u["rank"] is not None]
    assert sorted(u["rank"] for u in ranked) == list(range(1, len(ranked) + 1))
    assert all(u["total"] for u in ranked) and all(not u["total"] for u in figs["units"] if u["rank"] is None)
    rates = [u["completion_rate"] for u in sorted(ranked, key=lambda u: u["rank"])]
    assert rates == sorted(rates, reverse=True)
    for c in figs["categories"]:
        assert c["total"] == (df["问题类别"] == c["name"]).sum()
    # the workbook shows the same figures as the JSON
    wb = load_workbook(out)
    ov = wb["总体情况"]
    assert [ov.cell(row=4, column=i).value for i in (1, 2, 3, 5, 6, 7)] == [
        figs["totals"][k] for k in ("total", "done", "closed", "red", "yellow", "green")]


def test_red_fills_on_every_overdue_units_row(merged, capsys):
    out, figs = _summary(merged, capsys)
    ws = load_workbook(out)["红绿灯排行榜"]
    rows = {r[1].value.removesuffix("（未报送）"): r for r in ws.iter_rows(min_row=4)
            if r[0].value is not None and isinstance(r[0].value, int)}
    reds = [u["unit"] for u in figs["units"] if u["red"]]
    assert reds
    for u in reds:
        assert rows[u][2].value == "红灯"
        assert all(c.fill.fgColor.rgb.endswith("FFC7CE") for c in rows[u][:11])
    for u in figs["units"]:
        if not u["red"] and not u["yellow"]:
            assert rows[u["unit"]][0].fill.fgColor.rgb.endswith("C6EFCE")


def test_sheets_print_setup_and_charts(merged, capsys):
    out, figs = _summary(merged, capsys)
    wb = load_workbook(out)
    assert wb.sheetnames == ["总体情况", "红绿灯排行榜", "分类统计", "督办清单", "报送情况", "催办与材料", "问责提示", "通报"]
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.page_setup.fitToWidth == 1
        assert "&P" in ws.oddFooter.center.text
    assert wb["红绿灯排行榜"].print_title_rows.replace("$", "") == "3:3"
    assert len(wb["红绿灯排行榜"]._charts) == 2 and len(wb["分类统计"]._charts) == 1
    text = "".join(str(c.value or "") for r in wb["通报"].iter_rows() for c in r)
    assert "通报草稿是一份 Word 文档" in text and "taizhang" not in text  # leaders are not told to type commands
    supervise = list(wb["督办清单"].iter_rows(min_row=4, values_only=True))
    overdue = [r[8] or 0 for r in supervise]
    reds = [x for x in overdue if x > 0]
    assert reds == sorted(reds, reverse=True)  # most overdue first
    # the list is streamed into the sheet openpyxl laid out: styles, print titles and panes must survive
    ws = wb["督办清单"]
    assert ws.print_title_rows.replace("$", "") == "3:3" and ws.freeze_panes == "A4"
    assert len(supervise) == len(figs["supervise"]) > 0
    for row in ws.iter_rows(min_row=4):
        light = "FFC7CE" if (row[8].value or 0) > 0 else "FFEB9C"
        assert all(c.fill.fgColor.rgb.endswith(light) and c.border.left.style == "thin" for c in row)
        assert row[6].value is None or (row[6].is_date and row[6].number_format == "yyyy-mm-dd")
        assert row[4].alignment.wrap_text


def test_public_version_has_no_personal_data(merged, capsys):
    out, _ = _summary(merged, capsys, "--public")
    ledger = load_master(merged.master).ledger
    secrets = set()
    for key in ("leader", "person", "phone", "description", "subject", "closer", "progress_note"):
        secrets |= {str(v) for v in ledger[key].dropna() if str(v).strip()}
    wb = load_workbook(out)
    assert "督办清单" not in wb.sheetnames
    cells = [str(c.value) for ws in wb.worksheets for r in ws.iter_rows() for c in r if c.value is not None]
    leaked = [c for c in cells if any(s in c for s in secrets)]
    assert leaked == []
    assert any(c.startswith("1") and len(c) == 11 for c in secrets)  # the ledger did have phone numbers


@needs_libreoffice
def test_summary_renders_in_libreoffice(merged, capsys, tmp_path):
    out, figs = _summary(merged, capsys)
    text = pdf_text(convert([out], "pdf", tmp_path)[0])
    assert "报送情况" in text and "督办清单" in text and figs["campaign"] in text
    assert merged.late_unit in text and "逾期报送" in text and str(figs["totals"]["total"]) in text


def test_run_writes_the_same_summary_as_summary_on_its_master(fresh_sample, tmp_path, capsys):
    s = fresh_sample
    out = tmp_path / "out"
    assert main(["run", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat(), "--out-dir", str(out)]) == 0
    capsys.readouterr()
    (summary,) = out.glob("*汇总*.xlsx")
    ran = load_workbook(summary)["总体情况"]
    assert main(["summary", str(out / s.master.name), "--today", REPORT_DAY.isoformat(), "--out",
                 str(tmp_path / "again.xlsx"), "--json"]) == 0
    figs = json.loads(capsys.readouterr().out)
    assert [ran.cell(row=4, column=i).value for i in (1, 2, 3, 5, 6, 7)] == [
        figs["totals"][k] for k in ("total", "done", "closed", "red", "yellow", "green")]
    assert s.master.read_bytes() != (out / s.master.name).read_bytes()


# ---- on paper: heights, fonts, numbers, honest ranking ----

def _no_case_campaign(merged, tmp_path):
    """The merged sample plus one member unit that has no cases at all."""
    import shutil

    from openpyxl import load_workbook as lw

    path = tmp_path / merged.master.name
    shutil.copy2(merged.master, path)
    wb = lw(path)
    ws = wb["成员单位"]
    ws.append(["区档案馆", "区直部门", ""])
    wb.save(path)
    return path


def test_summary_on_paper(merged, capsys, tmp_path):
    import re
    import zipfile

    from openpyxl.utils import get_column_letter

    from taizhang.report.summary_book import LINE_FACTOR

    master = _no_case_campaign(merged, tmp_path)
    out = tmp_path / "汇总.xlsx"
    assert main(["summary", str(master), "--today", REPORT_DAY.isoformat(), "--out", str(out), "--json"]) == 0
    figs = json.loads(capsys.readouterr().out)
    wb = load_workbook(out)
    # the workbook's default font (styles.xml font 0) and every font used are Chinese fonts, never Calibri
    styles = zipfile.ZipFile(out).read("xl/styles.xml").decode()
    fonts = re.findall(r"<font>.*?</font>", styles)
    assert 'name val="等线"' in fonts[0]
    assert "Calibri" not in styles
    charts = [zipfile.ZipFile(out).read(n).decode() for n in zipfile.ZipFile(out).namelist() if n.startswith("xl/charts/chart")]
    assert charts and all('typeface="等线"' in c and "Calibri" not in c for c in charts)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and re.search(r"[\u4e00-\u9fff]", c.value):
                    assert c.font.name in ("等线", "黑体"), (ws.title, c.coordinate, c.font.name)
        # a wrapped cell is never taller than its row: lines at the narrowest width a CJK character takes
        # in Excel (2 column units) times the line height
        merged_rows = {r.min_row for r in ws.merged_cells.ranges}
        for row in ws.iter_rows(min_row=3):
            for c in row:
                if not (isinstance(c.value, str) and c.alignment.wrap_text) or c.row in merged_rows:
                    continue
                width = ws.column_dimensions[get_column_letter(c.column)].width or 8.43
                units = sum(2 if ord(ch) >= 0x2E80 else 1 for ch in c.value)
                lines = -int(-units // width)
                height = ws.row_dimensions[c.row].height or 15
                assert height >= lines * (c.font.sz or 11) * 1.3, (ws.title, c.coordinate, c.value, height)
        # fits the page width, repeats its header rows, numbers its pages
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows and "&P" in ws.oddFooter.center.text
    assert LINE_FACTOR >= 1.3
    # rates are numbers shown as %, counts integers
    rank = wb["红绿灯排行榜"]
    for row in rank.iter_rows(min_row=4, max_col=11):
        if isinstance(row[0].value, int):
            for c in row[9:11]:
                assert isinstance(c.value, (int, float)) or c.value == "—", c.coordinate
                if isinstance(c.value, float):
                    assert c.number_format.endswith("%") and 0 <= c.value <= 1
    ov = wb["总体情况"]
    assert ov["H4"].number_format.endswith("%") and abs(ov["H4"].value * 100 - figs["totals"]["completion_rate"]) < 0.01
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert not (isinstance(c.value, str) and re.fullmatch(r"-?\d+(\.\d+)?%", c.value)), (ws.title, c.coordinate)
    for row in wb["报送情况"].iter_rows(min_row=4, min_col=6, max_col=9):
        for c in row:
            assert c.value is None or type(c.value) is int, (c.coordinate, c.value)
    # the unit without cases is not ranked: listed as 无问题 below the ranking
    archive = next(u for u in figs["units"] if u["unit"] == "区档案馆")
    assert archive["rank"] is None and archive["light"] == "none"
    cells = {c.value: c for row in rank.iter_rows() for c in row if isinstance(c.value, str)}
    label = next(k for k in cells if k.startswith("区档案馆"))
    r = cells[label].row
    assert rank.cell(row=r, column=1).value == "—" and rank.cell(row=r, column=3).value == "无问题"
    ranked_rows = [row[1].value for row in rank.iter_rows(min_row=4) if isinstance(row[0].value, int)]
    assert r > rank.max_row - 100 and all(not v.startswith("区档案馆") for v in ranked_rows)
    # axes: rates 0–100 %, counts whole numbers
    assert any('<c:max val="1"/>' in c or '<max val="1"/>' in c for c in charts)
    assert all("tickLblSkip" in c for c in charts)
    # 未报送 units are marked wherever they appear
    missing = [u["unit"] for u in figs["units"] if u["report_state"] == "未报送"]
    assert missing
    for m in missing:
        assert f"{m}（未报送）" in ranked_rows or any(k == f"{m}（未报送）" for k in cells)


def test_bulletin_top_and_bottom_are_the_rankings(merged, capsys, tmp_path):
    from docx import Document

    out = tmp_path / "汇总.xlsx"
    assert main(["summary", str(merged.master), "--today", REPORT_DAY.isoformat(), "--out", str(out)]) == 0
    assert main(["notice", str(merged.master), "--today", REPORT_DAY.isoformat(), "--out", str(tmp_path / "t.docx")]) == 0
    capsys.readouterr()
    rank = load_workbook(out)["红绿灯排行榜"]
    ranked = [row[1].value for row in rank.iter_rows(min_row=4) if isinstance(row[0].value, int)]
    text = "\n".join(p.text for p in Document(str(tmp_path / "t.docx")).paragraphs)
    bottom_line = next(line for line in text.splitlines() if line.startswith("排名靠后的单位："))
    named = [part.split("（办结率")[0] for part in bottom_line.removeprefix("排名靠后的单位：").rstrip("。").split("、")]
    assert named == ranked[-3:][::-1]
    top_line = next(line for line in text.splitlines() if line.startswith("排名前列的单位："))
    assert [p.split("（办结率")[0] for p in top_line.removeprefix("排名前列的单位：").rstrip("。").split("、")] == ranked[:3]


@needs_libreoffice
def test_supervise_list_is_not_cut_off_on_paper(merged, capsys, tmp_path):
    import re
    import subprocess

    out, figs = _summary(merged, capsys)
    pdf = convert([out], "pdf", tmp_path)[0]
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
    for o in figs["supervise"]:
        assert o["id"] in text and o["unit"] in text


@needs_libreoffice
def test_legend_prints_whole_beside_its_table(merged, tmp_path):
    """The colour legend (总体情况, 红绿灯排行榜) prints whole, on a page with rows of its table: never split, never a
    page of legend rows alone (xinguan, 24 ranked units: LibreOffice printed the last two legend rows of the ranking
    on a page of their own). Rendered from a copy without the charts (rows, heights and page breaks stay), as
    LibreOffice draws a chart's text clipped onto the page before it, where pdftotext reads it."""
    import re

    from taizhang.fields import LIGHT_ZH
    from taizhang.jobs import run_summary
    from taizhang.report.summary_book import LEGEND

    run_summary(merged.master, REPORT_DAY, tmp_path / "汇总.xlsx")
    wb = load_workbook(tmp_path / "汇总.xlsx")
    heads = {ws.title: "".join(str(c.value) for c in ws[3] if c.value is not None) for ws in wb.worksheets}
    assert len(wb["红绿灯排行榜"]._charts) == 2
    for ws in wb.worksheets:
        ws._charts = []
    wb.save(tmp_path / "无图.xlsx")
    (pdf,) = convert([tmp_path / "无图.xlsx"], "pdf", tmp_path / "pdf")
    legend = {"图例"} | {LIGHT_ZH[key] + text for key, text in LEGEND}
    pages: dict[str, list[list[str]]] = {}
    for page in pdf_text(pdf).split("\f"):
        lines = [line for line in (re.sub(r"\s+", "", raw) for raw in page.splitlines()) if line]
        if lines:  # the header names the sheet (&A); the footer and the repeated header row are no content
            body = [line for line in lines[1:] if line != heads.get(lines[0]) and not re.fullmatch(r"第\d+页，共\d+页", line)]
            pages.setdefault(lines[0], []).append(body)
    counts = {sheet: len(p) for sheet, p in pages.items()}
    for sheet in ("总体情况", "红绿灯排行榜"):
        with_legend = [body for body in pages[sheet] if legend & set(body)]
        alone = [body for body in with_legend if not set(body) - legend]
        assert not alone, (sheet, counts, alone)  # no page of legend rows alone: rows of its table with it
        assert len(with_legend) == 1 and legend <= set(with_legend[0]), (sheet, counts, with_legend)  # nor split
