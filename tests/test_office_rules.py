"""No one bypasses the office: empty folders, lateness from real evidence, deadline requests, other units'
cases, and a public summary without file names."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time

from conftest import REPORT_DAY
from openpyxl import load_workbook

from taizhang.book.master import load_master
from taizhang.book.template import HEADER_ROW, template_fields
from taizhang.doors.cli import main
from taizhang.rules.rulebook import find_rulebook
from taizhang.xlsx.xlsxout import put

COL = {f.key: i for i, f in enumerate(template_fields(find_rulebook("xinguan")), 1)}  # the sample's form
DUE = REPORT_DAY.replace(day=20)  # the sample campaign reports monthly by the 20th


def merge(master, folder, capsys, day=REPORT_DAY, *extra):
    code = main(["merge", str(master), str(folder), "--today", day.isoformat(), "--json", *extra])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# ----------------------------------------------------------------------------- empty report folder

def test_an_empty_folder_is_not_a_report_day(fresh_sample, tmp_path, capsys):
    s = fresh_sample
    main(["merge", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat()])  # a real report day first
    capsys.readouterr()
    before = snapshot(s.master.parent / "台账备份"), s.master.read_bytes()
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    locks = tmp_path / "只有锁文件"
    locks.mkdir()
    (locks / "~$城关镇-2026年11月.xlsx").write_bytes(b"\x00" * 162)
    (locks / ".~lock.城关镇-2026年11月.xlsx#").write_text("x", encoding="utf-8")
    for folder in (empty, locks):
        for cmd in ("merge", "run"):
            code = main([cmd, str(s.master), str(folder), "--today", REPORT_DAY.isoformat()])
            out, err = capsys.readouterr()
            assert code == 2, (cmd, folder)
            assert "文件夹里没有报送文件" in err and str(folder) in err and s.master.name in err
            assert (snapshot(s.master.parent / "台账备份"), s.master.read_bytes()) == before
    reports = {r[0]: r[2] for r in load_workbook(s.master)["报送情况"].iter_rows(min_row=2, values_only=True)}
    assert reports[s.late_unit] == "逾期报送"  # the last real report day's account, untouched


# ----------------------------------------------------------------------------- lateness

def _reports(master):
    return {r[0]: r for r in load_workbook(master)["报送情况"].iter_rows(min_row=2, values_only=True)}


def test_lateness_comes_from_the_filled_in_date_not_the_file_time(fresh_sample, capsys):
    s = fresh_sample
    late_file = next(p for p in s.submissions.iterdir() if p.name.startswith(s.late_unit))
    assert dt.date.fromtimestamp(late_file.stat().st_mtime) <= DUE  # its file time says "on time"
    code, res, _ = merge(s.master, s.submissions, capsys)
    assert code == 0 and res["late_units"] == [s.late_unit]
    outcome = next(f for f in res["files"] if f["unit"] == s.late_unit)
    assert outcome["received"] == (DUE + dt.timedelta(days=1)).isoformat() and "填报日期" in outcome["received_basis"]
    row = _reports(s.master)[s.late_unit]
    assert row[2] == "逾期报送" and "填报日期" in row[10]
    # every other file: first seen after the due date with no earlier merge and no date written: not judged late
    other = _reports(s.master)["区财政局"]  # a template without a 填报日期 line
    assert other[2] != "逾期报送" and "无法判断" in other[10]
    # the receipt record is a hidden sheet of the master
    wb = load_workbook(s.master)
    assert wb["文件接收记录"].sheet_state == "hidden" and wb["文件接收记录"].max_row > 20


def test_lateness_comes_from_when_taizhang_first_saw_the_file(fresh_sample, tmp_path, capsys):
    s = fresh_sample
    held = next(p for p in sorted(s.submissions.iterdir()) if p.name.startswith("区商务局"))
    aside = tmp_path / held.name
    shutil.move(held, aside)
    code, res, _ = merge(s.master, s.submissions, capsys, DUE + dt.timedelta(days=1))  # a merge the day after
    assert code == 0 and "区商务局" in res["missing_units"]
    shutil.copy(aside, held)
    old = time.mktime((DUE - dt.timedelta(days=10)).timetuple())
    os.utime(held, (old, old))  # a copy that kept an early file time: no evidence
    code, res, _ = merge(s.master, s.submissions, capsys)
    assert "区商务局" in res["late_units"]
    outcome = next(f for f in res["files"] if f["unit"] == "区商务局")
    assert "尚未送达" in outcome["received_basis"] and outcome["received"] == REPORT_DAY.isoformat()
    assert "尚未送达" in _reports(s.master)["区商务局"][10]


def test_a_file_seen_before_the_due_date_is_on_time_later_too(fresh_sample, capsys):
    s = fresh_sample
    code, res, _ = merge(s.master, s.submissions, capsys, DUE - dt.timedelta(days=1))
    assert code == 0 and res["late_units"] == []
    code, res, _ = merge(s.master, s.submissions, capsys)  # the same files, merged again after the due date
    assert res["late_units"] == []
    assert all("首次收到" in f["received_basis"] for f in res["files"] if f["status"] in ("merged", "zero_report"))


# ----------------------------------------------------------------------------- the office's deadlines and cases

def _unit_file(s, unit):
    return next(p for p in sorted(s.submissions.iterdir()) if p.name.startswith(unit + "-"))


def _day(v):
    return v.date() if isinstance(v, dt.datetime) else v


def test_a_unit_cannot_move_its_own_deadline(fresh_sample, capsys):
    s = fresh_sample
    path = _unit_file(s, "区财政局")
    wb = load_workbook(path)
    ws = wb["台账"]
    # an open case of its own with a written deadline (the sample's data decides which row)
    r = next(i for i in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(row=i, column=COL["deadline"]).value)
    case_id = ws.cell(row=r, column=COL["case_id"]).value
    old = load_master(s.master).ledger.set_index("case_id").loc[case_id, "deadline"]
    asked = dt.date(2027, 6, 30)
    put(ws, r, COL["deadline"], asked)
    new_row = r
    while ws.cell(row=new_row, column=COL["description"]).value:
        new_row += 1
    for key, v in (("unit", "区财政局"), ("category", ws.cell(row=r, column=COL["category"]).value),
                   ("source", ws.cell(row=r, column=COL["source"]).value), ("description", "新发现：某项目拖欠工程款"),
                   ("leader", "李四"), ("person", "王五"), ("assigned", dt.date(2026, 11, 10)),
                   ("deadline", dt.date(2027, 1, 15)), ("status", "整改中")):
        put(ws, new_row, COL[key], v)
    wb.save(path)
    code = main(["merge", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat()])
    text = capsys.readouterr().out
    assert code == 0 and "待审批（1）" in text and case_id in text and "2027-06-30" in text
    ledger = load_master(s.master).ledger.set_index("case_id")
    current = ledger.loc[case_id, "deadline"]
    assert current == old != asked  # the deadline in force is still the office's
    new = ledger[ledger["description"] == "新发现：某项目拖欠工程款"]
    assert list(new["deadline"]) == [dt.date(2027, 1, 15)]  # a new case keeps the unit's own deadline
    pending = list(load_workbook(s.master)["待审批"].iter_rows(min_row=2, values_only=True))
    assert [(p[0], p[1], _day(p[2]), _day(p[3])) for p in pending] == [(case_id, "区财政局", old, asked)]
    code, res, _ = merge(s.master, s.submissions, capsys)
    request = [i for i in res["issues"] if i["code"] == "deadline-change-request"]
    assert len(request) == 1 and case_id in request[0]["message"] and "2027-06-30" in request[0]["message"]
    assert str(current) in request[0]["message"]
    assert request[0]["severity"] == "warning" and request[0]["file"] == path.name
    # the office grants it: 延期至 and 延期审批人 in its master; the request is then settled
    mw = load_workbook(s.master)
    led = mw["台账"]
    heads = [c.value for c in led[1]]
    row = next(c.row for c in led["A"] if c.value == case_id)
    led.cell(row=row, column=heads.index("延期至") + 1, value=asked)
    led.cell(row=row, column=heads.index("延期审批人") + 1, value="张主任")
    mw.save(s.master)
    code, res, _ = merge(s.master, s.submissions, capsys)
    assert not [i for i in res["issues"] if i["code"] == "deadline-change-request"] and res["pending"] == []
    assert load_master(s.master).ledger.set_index("case_id").loc[case_id, "extended_to"] == asked


def test_a_unit_cannot_touch_another_units_case(fresh_sample, capsys):
    s = fresh_sample
    ledger = load_master(s.master).ledger
    theirs = ledger[ledger["unit"] == "区商务局"].iloc[0]
    path = _unit_file(s, "区财政局")
    wb = load_workbook(path)
    ws = wb["台账"]
    r = HEADER_ROW + 1
    own_id = ws.cell(row=r, column=COL["case_id"]).value
    put(ws, r, COL["case_id"], theirs["case_id"])
    put(ws, r, COL["status"], "已办结")
    put(ws, r, COL["done_date"], dt.date(2026, 11, 20))
    r2 = r + 1
    own2 = ws.cell(row=r2, column=COL["case_id"]).value
    put(ws, r2, COL["unit"], "区商务局")  # an own case handed to another unit: only the office may do that
    wb.save(path)
    code, res, _ = merge(s.master, s.submissions, capsys)
    assert code == 0
    other = [i for i in res["issues"] if i["code"] == "case-of-other-unit"]
    assert len(other) == 1 and "区商务局" in other[0]["message"] and theirs["case_id"] in other[0]["message"]
    assert other[0]["row"] == r and other[0]["file"] == path.name
    rejected = [x for x in res["rejected_rows"] if x["case_id"] == theirs["case_id"]]
    assert len(rejected) == 1 and "区商务局" in rejected[0]["reasons"]
    after = load_master(s.master).ledger.set_index("case_id")
    assert after.loc[theirs["case_id"], "status"] == theirs["status"]  # their case untouched
    assert after.loc[theirs["case_id"], "unit"] == "区商务局"
    assert own_id in after.index
    assert after.loc[own2, "unit"] == "区财政局"
    assert any(i["code"] == "unit-change-ignored" and own2 in i["message"] for i in res["issues"])
    rejects = list(load_workbook(s.master)["退回清单"].iter_rows(min_row=2, values_only=True))
    assert any(x[4] == theirs["case_id"] and "区商务局" in x[6] for x in rejects)


# ----------------------------------------------------------------------------- the public summary

def test_the_public_summary_shows_no_file_names(fresh_sample, capsys):
    s = fresh_sample
    src = _unit_file(s, "区财政局")
    named = src.with_name("区财政局-张晓明13812345678报送.xlsx")
    src.rename(named)
    merge(s.master, s.submissions, capsys)
    full, public = s.master.with_name("full.xlsx"), s.master.with_name("public.xlsx")
    for out, extra in ((full, []), (public, ["--public"])):
        assert main(["summary", str(s.master), "--today", REPORT_DAY.isoformat(), "--out", str(out), *extra]) == 0
    capsys.readouterr()

    def cells(path):
        wb = load_workbook(path)
        return wb, [str(c.value) for ws in wb.worksheets for r in ws.iter_rows() for c in r if c.value is not None]

    _, inside = cells(full)
    assert any("13812345678" in c for c in inside)  # the office's own copy does list the file
    wb, outside = cells(public)
    assert not any("13812345678" in c or "张晓明" in c or ".xlsx" in c for c in outside)
    ws = wb["报送情况"]
    assert [c.value for c in ws[3]] == ["单位名称", "报送情况"]
    states = {r[0]: r[1] for r in ws.iter_rows(min_row=4, values_only=True)}
    assert states["区财政局"] == "已报送" and states[s.late_unit] == "逾期报送"
