"""The leaders' summary: figures agree with an independent count, colours are real, the public copy is clean."""

import json

import pandas as pd
import pytest
from openpyxl import load_workbook

from taizhang.doors.cli import main
from taizhang.book.master import load_master

from conftest import REPORT_DAY, convert, needs_libreoffice, pdf_text


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    from taizhang.jobs import run_merge
    from taizhang.demo import generate

    s = generate(tmp_path_factory.mktemp("summary"), preset="xinguan", seed=5, today=REPORT_DAY)
    run_merge(s.master, s.submissions, REPORT_DAY)
    return s


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
    assert sorted(u["rank"] for u in figs["units"]) == list(range(1, len(figs["units"]) + 1))
    rates = [u["completion_rate"] for u in sorted(figs["units"], key=lambda u: u["rank"])]
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
    rows = {r[1].value: r for r in ws.iter_rows(min_row=4) if r[0].value is not None and isinstance(r[0].value, int)}
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
    assert wb.sheetnames == ["总体情况", "红绿灯排行榜", "分类统计", "督办清单", "报送情况", "通报"]
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.page_setup.fitToWidth == 1
        assert "&P" in ws.oddFooter.center.text
    assert wb["红绿灯排行榜"].print_title_rows.replace("$", "") == "3:3"
    assert len(wb["红绿灯排行榜"]._charts) == 2 and len(wb["分类统计"]._charts) == 1
    text = "".join(str(c.value or "") for r in wb["通报"].iter_rows() for c in r)
    assert "截至2026年11月23日" in text and "办结率" in text
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
