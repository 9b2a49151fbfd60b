"""Issue 33, item 6: resends and refusals told truly.

A unit that sent two files (a 定稿 and a 修改) is merged from the later one by evidence — first seen, then 填报日期,
then the save time written inside the file, never the file system's mtime — and the other is superseded: none of
its rows is merged or listed in 退回清单. A unit whose every row was refused is 整体退回, not 已报送. Last period's
file sent again is told so and not merged twice.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from test_codes import ROW, UNITS, XINGUAN

from taizhang.book.master import create_master
from taizhang.book.sheets import S_REJECTS, S_REPORTS
from taizhang.jobs import run_merge
from taizhang.report.text import merge_text

DAY1, DAY2 = dt.date(2026, 11, 18), dt.date(2026, 11, 19)  # one report period (xinguan: due the 20th)


def ledger_file(path, rows: list[dict], filled: str | None = None, saved: dt.datetime | None = None,
                mtime: dt.datetime | None = None):
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    if filled:
        ws.append([f"填报日期：{filled}"])
    ws.append(list(ROW))
    for r in rows:
        ws.append(list({**ROW, **r}.values()))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    if saved:  # as Excel writes it on saving (openpyxl stamps its own time, so the part is rewritten)
        with zipfile.ZipFile(path) as z:
            parts = [(i, z.read(i.filename)) for i in z.infolist()]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for info, data in parts:
                if info.filename == "docProps/core.xml":
                    data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + saved.strftime("%Y-%m-%dT%H:%M:%SZ").encode(),
                                  data)
                z.writestr(info, data)
    if mtime:  # a file system time that contradicts the evidence: it must not decide
        os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


GOOD = [{"问题描述": "窗口推诿"}, {"问题描述": "合同款未付"}]
DRAFT = [{"问题描述": "窗口推诿"}, {"问题描述": "合同款未付", "问题类别": "不存在的类别"}]  # one row the 修改 fixed


@pytest.fixture
def master(tmp_path):
    return create_master(tmp_path / "台账总表.xlsx", XINGUAN, UNITS)


def sheet_rows(path, name):
    ws = load_workbook(path)[name]
    head = [c.value for c in ws[1]]
    return [dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]


def outcome_of(res, name):
    return next(f for f in res.files if f.file == name)


def test_the_file_first_seen_later_is_used_and_the_other_superseded(master, tmp_path):
    folder = tmp_path / "报送"
    ledger_file(folder / "城关镇-定稿.xlsx", DRAFT, mtime=dt.datetime(2026, 11, 30))  # newest mtime: ignored
    first = run_merge(master, folder, DAY1).result
    assert first.rows_rejected == 1
    ledger_file(folder / "城关镇-修改.xlsx", GOOD, mtime=dt.datetime(2026, 11, 1))
    res = run_merge(master, folder, DAY2).result
    used, old = outcome_of(res, "城关镇-修改.xlsx"), outcome_of(res, "城关镇-定稿.xlsx")
    assert used.status == "merged" and old.status == "superseded"
    assert "首次收到" in old.reason and "城关镇-修改.xlsx" in old.reason and "城关镇-定稿.xlsx" in used.reason
    assert res.rows_rejected == 0 and res.rows_read == 2 and res.balanced()
    assert not res.rejected_rows and "城关镇" in res.reported_units
    assert [f.code for f in res.issues if f.file == "城关镇-定稿.xlsx"] == ["file-superseded"]
    assert not [r for r in sheet_rows(master, S_REJECTS) if r["来源文件"]]  # 退回清单: only the used file's rejects
    row = next(r for r in sheet_rows(master, S_REPORTS) if r["单位名称"] == "城关镇")
    assert row["报送情况"] == "已报送" and "城关镇-定稿.xlsx（已被取代）" in row["报送文件"], row
    text = "\n".join(merge_text(res, master, None))
    assert "被同单位较新的文件取代1" in text and "未合并 城关镇-定稿.xlsx" in text


def test_on_one_day_the_later_filled_date_decides_then_the_saved_time(master, tmp_path):
    folder = tmp_path / "报送"
    ledger_file(folder / "城关镇-修改.xlsx", GOOD, filled="2026年11月17日", saved=dt.datetime(2026, 11, 10, 9))
    ledger_file(folder / "城关镇-定稿.xlsx", DRAFT, filled="2026年11月16日", saved=dt.datetime(2026, 11, 12, 9))
    res = run_merge(master, folder, DAY1).result
    assert outcome_of(res, "城关镇-修改.xlsx").status == "merged"
    assert "填报日期" in outcome_of(res, "城关镇-定稿.xlsx").reason and res.rows_rejected == 0

    other = tmp_path / "另一次"
    m2 = create_master(tmp_path / "台账总表2.xlsx", XINGUAN, UNITS)
    ledger_file(other / "城关镇-定稿.xlsx", DRAFT, saved=dt.datetime(2026, 11, 12, 9), mtime=dt.datetime(2026, 11, 17))
    ledger_file(other / "城关镇-修改.xlsx", GOOD, saved=dt.datetime(2026, 11, 12, 15), mtime=dt.datetime(2026, 11, 2))
    res = run_merge(m2, other, DAY1).result
    assert outcome_of(res, "城关镇-修改.xlsx").status == "merged"
    assert outcome_of(res, "城关镇-定稿.xlsx").status == "superseded"
    assert "保存时间" in outcome_of(res, "城关镇-定稿.xlsx").reason and res.rows_rejected == 0


def test_without_evidence_neither_file_is_merged_and_the_office_is_asked(master, tmp_path):
    folder = tmp_path / "报送"
    same = dt.datetime(2026, 11, 12, 9)
    ledger_file(folder / "城关镇-定稿.xlsx", DRAFT, saved=same)
    ledger_file(folder / "城关镇-修改.xlsx", GOOD, saved=same, mtime=dt.datetime(2026, 11, 30))
    res = run_merge(master, folder, DAY1).result
    assert {f.status for f in res.files} == {"rejected"} and res.rows_read == 0
    assert sorted(f.code for f in res.issues if f.code == "file-order-unknown") == ["file-order-unknown"] * 2
    assert "城关镇" in res.rejected_file_units and "城关镇" not in res.reported_units
    assert "删去作废的一份" in outcome_of(res, "城关镇-修改.xlsx").reason


def test_a_unit_whose_every_row_was_refused_is_sent_back_whole(master, tmp_path):
    folder = tmp_path / "报送"
    ledger_file(folder / "城关镇-2026年11月.xlsx", [{"问题类别": "不存在的类别"}, {"问题描述": "乙", "问题类别": "也不存在"}])
    res = run_merge(master, folder, DAY1).result
    f = outcome_of(res, "城关镇-2026年11月.xlsx")
    assert f.status == "rejected" and f.rows_rejected == f.rows_read == 2 and "全部2行均被退回" in f.reason
    assert res.rejected_file_units == ["城关镇"] and "城关镇" not in res.reported_units
    row = next(r for r in sheet_rows(master, S_REPORTS) if r["单位名称"] == "城关镇")
    assert row["报送情况"] == "文件被退回"
    text = "\n".join(merge_text(res, master, None))
    assert "整体退回1" in text and "退回文件 城关镇-2026年11月.xlsx" in text
    from taizhang.book.master import load_master
    from taizhang.jobs import run_figures
    from taizhang.report.notice import build_bulletin

    doc = build_bulletin(run_figures(master, DAY1), load_master(master, ledger=False).reports, "办公室").doc
    said = "\n".join(p.text for p in doc.paragraphs)
    assert "本期应报送单位2个，已报送0个（其中零报告0个），文件被整体退回1个，未报送1个" in said, said


def test_last_periods_file_sent_again_is_told_so(master, tmp_path):
    october = tmp_path / "10月"
    ledger_file(october / "城关镇-10月.xlsx", GOOD)
    assert run_merge(master, october, dt.date(2026, 10, 19)).result.rows_new == 2
    november = tmp_path / "11月"
    november.mkdir()
    shutil.copy(october / "城关镇-10月.xlsx", november / "城关镇-11月.xlsx")  # the same bytes, a new name
    res = run_merge(master, november, DAY1).result
    f = outcome_of(res, "城关镇-11月.xlsx")
    assert f.status == "rejected" and "2026-10-19" in f.reason and "上一报送期" in f.reason
    assert [x.code for x in res.issues if x.file == f.file] == ["file-resent"]
    assert res.rows_read == 0 and "城关镇" in res.rejected_file_units
    # the same folder merged again within its own period is no resend
    again = run_merge(master, november, DAY2).result
    assert outcome_of(again, "城关镇-11月.xlsx").status == "rejected"  # still last period's content
    ledger_file(november / "城关镇-11月.xlsx", GOOD + [{"问题描述": "新问题"}])
    fresh = run_merge(master, november, DAY2).result
    assert outcome_of(fresh, "城关镇-11月.xlsx").status == "merged" and fresh.rows_new == 1
