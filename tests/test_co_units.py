"""配合单位 (协办单位): the units that work on a case beside its 责任单位 (#27).

Read from a unit's file under its aliases, each name the unit list's own where it matches (an unknown one kept as
written, with a warning); kept in the master's 台账 in a column of its own; counted per unit apart from the cases the
unit is responsible for; and a 配合单位's own file never changes the case (only its 责任单位 reports it).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import REPORT_DAY
from openpyxl import Workbook, load_workbook

from taizhang.book.master import load_master
from taizhang.book.template import HEADER_ROW, template_fields
from taizhang.doors.cli import main
from taizhang.intake.units import build_directory
from taizhang.rules.rulebook import find_rulebook
from taizhang.rules.validate import validate_file
from taizhang.xlsx.xlsxout import put

TODAY = dt.date(2026, 11, 20)
XINGUAN = find_rulebook("xinguan")
UNITS = build_directory([(2, "城关镇", "镇（街、区）", "城关", ""), (3, "北山镇", "镇（街、区）", "", ""),
                         (4, "县水利局", "县直部门", "水利局", "")], "test")
FORM = template_fields(XINGUAN)  # the sample's form
COL = {f.key: i for i, f in enumerate(FORM, 1)}


def _file(tmp_path, header: str, value) -> object:
    row = {"责任单位": "城关镇", "线索来源": "自查", "问题类别": XINGUAN.categories[0].name, "问题描述": "河道垃圾未清理",
           "牵头领导": "张三", "具体责任人": "李四", "交办日期": "2026-11-02", "整改时限": "2026-12-01",
           "办理状态": "整改中", header: value}
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(list(row))
    ws.append(list(row.values()))
    wb.save(tmp_path / "城关镇-2026年11月.xlsx")
    return tmp_path / "城关镇-2026年11月.xlsx"


@pytest.mark.parametrize("header", ["配合单位", "协办单位", "配合部门", "协同单位", "协办部门"])
def test_co_units_are_read_under_their_aliases_and_named_as_the_unit_list_does(tmp_path, header):
    report, checked = validate_file(_file(tmp_path, header, "北山镇，水利局 / 北山镇"), rulebook=XINGUAN, units=UNITS,
                                    today=TODAY)
    assert checked.frame["co_units"].tolist() == ["北山镇、县水利局"]  # the alias 水利局 → its official name, once each
    assert checked.frame["unit"].tolist() == ["城关镇"]  # the 责任单位 is not touched
    assert report.rows_ok == 1 and not [f for f in report.findings if f.severity != "info"]


def test_an_unknown_co_unit_is_kept_as_written_with_a_warning(tmp_path):
    report, checked = validate_file(_file(tmp_path, "协办单位", "北山镇、县林业站"), rulebook=XINGUAN, units=UNITS,
                                    today=TODAY)
    assert checked.frame["co_units"].tolist() == ["北山镇、县林业站"]
    [f] = [f for f in report.findings if f.code == "unknown-co-unit"]
    assert (f.severity, f.row, f.header) == ("warning", 2, "协办单位")
    assert "“县林业站”" in f.message and "北山镇" not in f.message.split("不在")[0]
    assert report.rows_ok == 1  # the row is imported


def _merge(s, capsys):
    code = main(["merge", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat(), "--json"])
    out, _ = capsys.readouterr()
    return code, json.loads(out)


def _unit_file(s, unit):
    return next(p for p in sorted(s.submissions.iterdir()) if p.name.startswith(unit + "-"))


def _report_done(wb, ws, r, path):
    """Row ``r`` of the unit's file reports its case 已办结 on 2026-11-20; the file is saved."""
    put(ws, r, COL["status"], "已办结")
    put(ws, r, COL["done_date"], dt.date(2026, 11, 20))
    wb.save(path)


def test_co_units_reach_the_master_and_a_co_units_file_never_changes_the_case(fresh_sample, capsys):
    s = fresh_sample
    ledger = load_master(s.master).ledger
    case = ledger[ledger["unit"] == "区商务局"].iloc[0]
    cid = case["case_id"]
    # the 责任单位 names its 配合单位 in its own file
    path = _unit_file(s, "区商务局")
    wb = load_workbook(path)
    ws = wb["台账"]
    row = next(r for r in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(r, COL["case_id"]).value == cid)
    assert ws.cell(HEADER_ROW, COL["co_units"]).value == "配合单位"  # the template asks for it
    put(ws, row, COL["co_units"], "区财政局、区林业站")
    wb.save(path)
    # the 配合单位 reports the case as finished in its own file
    other = _unit_file(s, "区财政局")
    wb = load_workbook(other)
    ws = wb["台账"]
    r = HEADER_ROW + 1
    put(ws, r, COL["case_id"], cid)
    _report_done(wb, ws, r, other)
    code, res = _merge(s, capsys)
    assert code == 0
    [warn] = [i for i in res["issues"] if i["code"] == "unknown-co-unit"]
    assert "区林业站" in warn["message"] and warn["file"] == path.name
    [refused] = [i for i in res["issues"] if i["code"] == "case-of-other-unit"]
    assert "配合单位" in refused["message"] and refused["file"] == other.name and cid in refused["message"]
    after = load_master(s.master).ledger.set_index("case_id")
    assert after.loc[cid, "status"] == case["status"] and after.loc[cid, "unit"] == "区商务局"  # untouched
    assert after.loc[cid, "co_units"] == "区财政局、区林业站"
    ws = load_workbook(s.master)["台账"]
    heads = [c.value for c in ws[1]]
    at = heads.index("配合单位") + 1
    assert [ws.cell(r, at).value for r in range(2, ws.max_row + 1)
            if ws.cell(r, heads.index("问题编号") + 1).value == cid] == ["区财政局、区林业站"]

    # the summary: a per-unit 配合 count, apart from the unit's own cases
    from taizhang.jobs import run_summary

    out = s.master.with_name("汇总.xlsx")
    figs = run_summary(s.master, REPORT_DAY, out)
    by = {u.unit: u for u in figs.units}
    own = int((after["unit"] == "区财政局").sum())
    still = int(case["status"] in ("未启动", "整改中"))
    assert (by["区财政局"].co_cases, by["区财政局"].co_open, by["区财政局"].total) == (1, still, own)
    assert by["区商务局"].co_cases == 0 and figs.co_unlisted == {"区林业站": 1}
    assert figs.totals.total == len(after)  # a case with 配合单位 is counted once
    sheet = next(w for w in load_workbook(out).worksheets if "排行" in w.title)
    heads = [(c.value or "").replace("\n", "") for c in sheet[3]]  # a long header breaks at a word
    assert heads[-1] == "配合问题数（其中未办结）"
    unit_col, co_col = heads.index("单位") + 1, len(heads)
    cells = {str(sheet.cell(r, unit_col).value): sheet.cell(r, co_col).value for r in range(4, sheet.max_row + 1)
             if sheet.cell(r, unit_col).value}
    assert next(v for k, v in cells.items() if k.startswith("区财政局")) == f"1（{still}）"
    assert any("区林业站 1个" in str(c.value) for row in sheet.iter_rows() for c in row if c.value)



def test_a_co_units_file_holding_only_the_responsible_units_case_changes_nothing(fresh_sample, capsys):
    """The 配合单位 copied the case's row (责任单位 and all) into a file of its own name: the 责任单位 column would make
    it the sender, but the file is the 配合单位's, and the case stays as its 责任单位 reported it."""
    s = fresh_sample
    units = load_master(s.master).units.names()

    def open_row(p):  # a case still open in the unit's own file: 已办结 from the 配合单位 would change it
        ws = load_workbook(p)["台账"]
        return next((r for r in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(r, COL["case_id"]).value
                     and ws.cell(r, COL["status"]).value in ("整改中", "未启动")), None)

    owner = next(u for u in units if any(p.name.startswith(u + "-") for p in s.submissions.iterdir())
                 and open_row(_unit_file(s, u)))
    helper = next(u for u in units if u != owner and any(p.name.startswith(u + "-") for p in s.submissions.iterdir()))
    path = _unit_file(s, owner)
    row = open_row(path)
    wb = load_workbook(path)
    ws = wb["台账"]
    cid = ws.cell(row, COL["case_id"]).value
    put(ws, row, COL["co_units"], helper)
    wb.save(path)
    assert _merge(s, capsys)[0] == 0
    case = load_master(s.master).ledger.set_index("case_id").loc[cid]
    assert case["status"] in ("整改中", "未启动") and case["co_units"] == helper
    other = _unit_file(s, helper)
    wb = load_workbook(other)
    ws = wb["台账"]
    r = HEADER_ROW + 1
    if ws.max_row > r:
        ws.delete_rows(r + 1, ws.max_row - r)
    source = load_workbook(path)["台账"]
    for c in range(1, source.max_column + 1):  # the whole row as the 责任单位 wrote it
        put(ws, r, c, source.cell(row, c).value)
    _report_done(wb, ws, r, other)
    code, res = _merge(s, capsys)
    assert code == 0
    [refused] = [i for i in res["issues"] if i["code"] == "case-of-other-unit"]
    assert f"{helper} 是配合单位" in refused["message"] and refused["file"] == other.name
    after = load_master(s.master).ledger.set_index("case_id")
    assert after.loc[cid, "status"] == case["status"] and after.loc[cid, "co_units"] == helper
    # the copy is the 配合单位's file: it supersedes neither unit's file, whichever was saved last (or in one second)
    files = {f["file"]: f for f in res["files"]}
    assert (files[path.name]["status"], files[path.name]["unit"]) == ("merged", owner)
    assert (files[other.name]["status"], files[other.name]["unit"]) == ("rejected", helper)
    assert not [i for i in res["issues"] if i["code"] in ("file-superseded", "file-order-unknown")]
    [said] = [i for i in res["issues"] if i["code"] == "unit-identified" and i["file"] == other.name]
    assert f"报送单位识别为“{helper}”" in said["message"] and f"责任单位是 {owner}" in said["message"]


def test_a_co_units_copies_beside_its_own_file_supersede_nothing(fresh_sample, capsys):
    """The 配合单位 sends its own ledger and, in a second file of its name, a copy of a case it works on: both of its
    files are read (the copy's row refused), and neither unit's own file is passed over."""
    s = fresh_sample
    assert _merge(s, capsys)[0] == 0  # the units' files as sent: every case in the master
    ledger = load_master(s.master).ledger
    ids = set(ledger["case_id"])
    with_files = [u for u in load_master(s.master).units.names()
                  if any(p.name.startswith(u + "-") for p in s.submissions.iterdir())]

    def known_row(u):  # a row of the unit's file that reports a case of the master
        ws = load_workbook(_unit_file(s, u))["台账"]
        return next((r for r in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(r, COL["case_id"]).value in ids), None)

    owner = next(u for u in with_files if known_row(u))
    helper = next(u for u in with_files if u != owner)
    path, row = _unit_file(s, owner), known_row(owner)
    wb = load_workbook(path)
    ws = wb["台账"]
    cid = ws.cell(row, COL["case_id"]).value
    put(ws, row, COL["co_units"], helper)
    wb.save(path)
    copy = s.submissions / f"{helper}-配合工作.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append([f.header for f in FORM])
    src = load_workbook(path)["台账"]
    ws.append([src.cell(row, c).value for c in range(1, len(FORM) + 1)])
    ws.cell(2, COL["status"], "已办结")
    wb.save(copy)
    code, res = _merge(s, capsys)
    assert code == 0
    files = {f["file"]: f for f in res["files"]}
    own = _unit_file(s, helper).name
    assert own != copy.name and files[own]["status"] in ("merged", "zero_report") and files[path.name]["status"] == "merged"
    assert files[copy.name]["unit"] == helper and files[copy.name]["status"] == "rejected"
    assert not [i for i in res["issues"] if i["code"] in ("file-superseded", "file-order-unknown")]
    [refused] = [i for i in res["issues"] if i["code"] == "case-of-other-unit"]
    assert refused["file"] == copy.name and f"{helper} 是配合单位" in refused["message"]
    after = load_master(s.master).ledger.set_index("case_id")
    assert after.loc[cid, "unit"] == owner and after.loc[cid, "co_units"] == helper
    assert after.loc[cid, "status"] != "已办结" or ledger.set_index("case_id").loc[cid, "status"] == "已办结"
