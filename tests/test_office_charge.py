"""The office stays in charge of its master (issue 24, items 5 and 6): a unit never moves its own deadline, a unit's own
numbering never becomes case ids, nothing the office typed is erased, 100% reads as 100, 抽查结果 survives a redraw,
时限来源 stays true, and no deadline falls before its case was assigned."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from conftest import REPORT_DAY, convert, needs_libreoffice

from taizhang.book.master import empty_ledger
from taizhang.calendar.deadlines import compute_lights, default_deadline
from taizhang.calendar.workdays import WorkCalendar
from taizhang.rules.rulebook import find_rulebook

D = dt.date
CAL = WorkCalendar()


def ledger(*rows: dict) -> pd.DataFrame:
    base = dict(unit="区商务局", description="测试", category="x", status="整改中")
    df = pd.concat([empty_ledger(), pd.DataFrame([{**base, **r} for r in rows])], ignore_index=True).astype(object)
    return df.where(df.notna(), None)


# ----------------------------------------------------------------- no deadline earlier than assignment

def test_a_stage_deadline_is_never_before_the_assignment():
    """Seed 000: "合力攻坚阶段(6月1日--12月10日)…本阶段结束前完成"; its last stages end 12月25日."""
    b = find_rulebook("lijiuzhang").for_year(2026)
    after_stage = default_deadline(b, CAL, D(2026, 12, 20))  # after 合力攻坚 (12-10), before the last stage ends (12-25)
    assert after_stage.problem == "assigned-after-stage" and after_stage.date == D(2026, 12, 25) >= D(2026, 12, 20)
    for assigned in (D(2026, 12, 28), D(2027, 3, 1)):  # after every stage of the year on the master's 工作阶段 sheet
        got = default_deadline(b, CAL, assigned)
        assert got.date is None and got.problem == "assigned-after-all-stages", assigned
    res = compute_lights(ledger({"case_id": "L1", "assigned": D(2026, 12, 20)},
                                {"case_id": "L2", "assigned": D(2026, 12, 28)}), b, CAL, D(2026, 12, 28))
    assert res.deadlines[0] == D(2026, 12, 25)  # red on the 28th, as it should be, but never on its first day
    assert res.lights[1] is None and res.deadlines[1] is None and res.ledger["deadline"].iat[1] is None
    got = [f for f in res.findings if f.code == "assigned-after-all-stages"]
    assert len(got) == 1 and got[0].row == 3 and got[0].header == "整改时限" and "L2" in got[0].message
    assert not [f for f in res.findings if f.code == "no-deadline"]  # told once, what to do


# ----------------------------------------------------------------- 时限来源 stays true

def test_a_computed_deadline_never_turns_written_after_a_rule_change():
    """Seed 003: "对需要一定时间整改的问题，要明确目标，限时整改" — after the rule changes to 按整改方式, a deadline
    taizhang computed under the old rule is not a written one, so 限时整改 still asks for one, every time."""
    first = compute_lights(ledger({"case_id": "T", "assigned": D(2026, 10, 9), "rectify_mode": "限时整改"}),
                           find_rulebook("xinguan"), CAL, D(2026, 11, 23))
    assert first.ledger["deadline_origin"].iat[0] == "计算" and first.ledger["deadline"].iat[0] == D(2026, 12, 31)
    df = first.ledger
    for _ in range(2):  # the office switches 时限规则 to 按整改方式; status runs twice
        res = compute_lights(df, find_rulebook("sanluan"), CAL, D(2026, 11, 23))
        df = res.ledger
        assert df["deadline"].iat[0] is None and df["deadline_origin"].iat[0] != "填写"
        assert [f.code for f in res.findings if f.code == "deadline-required"] == ["deadline-required"]
        assert res.lights[0] is None


# ----------------------------------------------------------------- 抽查结果 survives a redraw

def test_the_offices_spot_check_results_survive_a_second_merge_the_same_day(fresh_sample, capsys):
    """Seeds 002/003: "对…零报告单位要重点抽查" — the office writes what it found on today's 抽查清单; merging the
    folder again the same day (a late file came in) draws the day again but keeps what was written."""
    from openpyxl import load_workbook

    from taizhang.doors.cli import main

    s = fresh_sample
    day = REPORT_DAY.isoformat()
    assert main(["merge", str(s.master), str(s.submissions), "--today", day]) == 0
    wb = load_workbook(s.master)
    ws = wb["抽查清单"]
    head = [c.value for c in ws[1]]
    rows = [r for r in ws.iter_rows(min_row=2) if r[0].value is not None]
    assert rows, "the sample draws at least its zero-report unit"
    written = {}
    for k, r in enumerate(rows):
        r[head.index("抽查结果")].value = text = f"已电话核实{k}"
        written[(r[1].value, r[2].value, r[3].value)] = text
    wb.save(s.master)
    assert main(["merge", str(s.master), str(s.submissions), "--today", day]) == 0
    capsys.readouterr()
    ws = load_workbook(s.master)["抽查清单"]
    again = {(r[1], r[2], r[3]): r[head.index("抽查结果")] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    assert again == written


def test_a_spot_check_row_the_office_wrote_on_stays_when_the_redraw_no_longer_picks_it():
    from taizhang.book.sampling import redraw

    b = find_rulebook("sanluan").model_copy(update={"spot_ratio": 30.0, "spot_seed": 5})
    day = D(2026, 11, 6)
    first = redraw(b, ledger(), ["城关镇"], [[D(2026, 10, 6), "零报告抽查", None, "北山镇", "本期零报告", "属实"]], day)
    assert [r[3] for r in first] == ["北山镇", "城关镇"]
    first[1][5] = "已核实"
    gone = [[day, "零报告抽查", None, "河口镇", "本期零报告", "情况属实"], [day, "零报告抽查", None, "东山镇", "本期零报告", ""]]
    again = redraw(b, ledger(), ["城关镇"], first + gone, day)
    assert [(r[3], r[5]) for r in again] == [("北山镇", "属实"), ("城关镇", "已核实"), ("河口镇", "情况属实")]


# ----------------------------------------------------------------- a unit never extends its own deadline

def _unit_case(s, unit="区财政局"):
    """The unit's file and an open case of its own (its first row), as the template gave it."""
    from openpyxl import load_workbook

    from taizhang.book.template import HEADER_ROW

    path = next(p for p in sorted(s.submissions.iterdir()) if p.name.startswith(unit + "-"))
    wb = load_workbook(path)
    return path, wb, wb["台账"], HEADER_ROW + 1


def _set_master(master, case_id, **by_header):
    from openpyxl import load_workbook

    wb = load_workbook(master)
    ws = wb["台账"]
    heads = [c.value for c in ws[1]]
    row = next(c.row for c in ws["A"] if c.value == case_id)
    for h, v in by_header.items():
        ws.cell(row=row, column=heads.index(h) + 1, value=v)
    wb.save(master)


def test_a_unit_cannot_extend_a_deadline_the_office_extended_once(fresh_sample, capsys):
    """Seed 000: "对于不能完成攻坚任务的，提请领导小组予以延期"; seed 004: "极特殊的经申请同意后" — the office approved one
    extension (延期至 + 延期审批人); the unit's file then writes a later 延期至: a request, never applied, still red."""
    import json

    from openpyxl import load_workbook

    from taizhang.book.master import load_master
    from taizhang.book.template import template_fields
    from taizhang.doors.cli import main
    from taizhang.xlsx.xlsxout import put

    col = {f.key: i for i, f in enumerate(template_fields(find_rulebook("xinguan")), 1)}  # the sample's form
    s = fresh_sample
    path, wb, ws, r = _unit_case(s)
    case_id = ws.cell(row=r, column=col["case_id"]).value
    deadline, granted, later = D(2026, 11, 2), D(2026, 11, 13), D(2027, 6, 30)
    _set_master(s.master, case_id, 整改时限=deadline, 时限来源="填写", 延期至=granted, 延期审批人="张主任")
    put(ws, r, col["deadline"], deadline)
    put(ws, r, col["extended_to"], later)  # the unit writes in the office's column (a template of an older version)
    wb.save(path)
    code = main(["merge", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat(), "--json"])
    res = json.loads(capsys.readouterr().out)
    assert code == 0
    case = load_master(s.master).ledger.set_index("case_id").loc[case_id]
    assert case["extended_to"] == granted and case["extension_approver"] == "张主任" and case["deadline"] == deadline
    assert case["light"] == "红灯"
    asked = [i for i in res["issues"] if i["code"] == "extension-request"]
    assert len(asked) == 1 and case_id in asked[0]["message"] and "2027-06-30" in asked[0]["message"]
    assert asked[0]["header"] == "延期至" and asked[0]["file"] == path.name
    pending = list(load_workbook(s.master)["待审批"].iter_rows(min_row=2, values_only=True))
    assert [(p[0], p[1], p[2].date(), p[3].date()) for p in pending] == [(case_id, "区财政局", granted, later)]


def test_the_template_asks_for_extensions_in_the_units_own_columns(fresh_sample, tmp_path, capsys):
    """The template's 申请延期至 and 申请理由 are the unit's (unlocked); 延期至 is the office's (locked); what the unit
    writes there lands on 待审批 with its reason."""
    import json

    from openpyxl import load_workbook

    from taizhang.book.master import load_master
    from taizhang.book.template import HEADER_ROW, template_fields
    from taizhang.doors.cli import main
    from taizhang.fields import BY_KEY
    from taizhang.xlsx.xlsxout import put

    assert BY_KEY["extended_to"].owner == "office"
    s = fresh_sample
    out = tmp_path / "templates"
    assert main(["template", str(s.master), "--out", str(out), "--today", REPORT_DAY.isoformat(), "--unit", "区财政局"]) == 0
    capsys.readouterr()
    path = next(out.iterdir())
    wb = load_workbook(path)
    ws = wb["台账"]
    heads = [c.value for c in ws[HEADER_ROW]]
    # (the sample is seed 001's: its units' request for 区级协调 last)
    assert heads[-6:] == ["申请延期至", "申请理由", "申请事项", "办公室答复", "申请区级协调", "区级协调理由"]
    assert heads == [f.header for f in template_fields(find_rulebook("xinguan"))]
    # a case with a written 整改时限 (the sample's data decides which row): the request must leave it as it is
    r = next(i for i in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(row=i, column=heads.index("整改时限") + 1).value)
    assert ws.cell(row=r, column=heads.index("延期至") + 1).protection.locked
    assert not ws.cell(row=r, column=heads.index("申请延期至") + 1).protection.locked
    assert not ws.cell(row=r, column=heads.index("申请理由") + 1).protection.locked
    case_id = ws.cell(row=r, column=1).value
    before = load_master(s.master).ledger.set_index("case_id").loc[case_id]
    put(ws, r, heads.index("申请延期至") + 1, D(2027, 3, 31))
    put(ws, r, heads.index("申请理由") + 1, "涉及司法程序，需等待判决")
    wb.save(path)
    code = main(["merge", str(s.master), str(out), "--today", REPORT_DAY.isoformat(), "--json"])
    res = json.loads(capsys.readouterr().out)
    assert code == 0 and [p["case_id"] for p in res["pending"]] == [case_id]
    after = load_master(s.master).ledger.set_index("case_id").loc[case_id]
    assert after["extended_to"] is None and after["deadline"] == before["deadline"]
    wbm = load_workbook(s.master)
    assert "申请延期至" not in [c.value for c in wbm["台账"][1]]  # the request is no ledger column
    heads = [c.value for c in wbm["待审批"][1]]
    (row,) = list(wbm["待审批"].iter_rows(min_row=2, values_only=True))
    assert row[0] == case_id and row[3].date() == D(2027, 3, 31) and row[heads.index("申请理由")] == "涉及司法程序，需等待判决"
    asked = [i for i in res["issues"] if i["code"] == "extension-request"]
    assert len(asked) == 1 and "涉及司法程序" in asked[0]["message"] and asked[0]["header"] == "申请延期至"


# ----------------------------------------------------------------- a unit's own numbering never becomes case ids

def _units_master(tmp_path):
    from taizhang.doors.cli import main

    units = tmp_path / "units.csv"
    units.write_text("单位名称,单位类型,别名\n城关镇,乡镇,城关\n区商务局,政府部门,商务局\n", encoding="utf-8")
    master = tmp_path / "master.xlsx"
    assert main(["new", str(master), "--preset", "xinguan", "--units", str(units)]) == 0
    return master


def _numbered_file(folder, unit, rows):
    from openpyxl import Workbook

    heads = ["问题编号", "责任单位", "线索来源", "问题类别", "问题描述", "牵头领导", "具体责任人", "交办日期", "办理状态", "备注"]
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(heads)
    for number, desc, remark in rows:
        ws.append([number, unit, "自查摸排", "账款支付不到位", desc, "王伟", "李娜", D(2026, 11, 2), "整改中", remark])
    folder.mkdir(exist_ok=True)
    wb.save(folder / f"{unit}-2026年11月.xlsx")


def test_a_units_own_numbering_never_becomes_case_ids(tmp_path, capsys):
    import json

    from taizhang.book.master import load_master
    from taizhang.doors.cli import main

    master = _units_master(tmp_path)
    folder = tmp_path / "报送"
    _numbered_file(folder, "城关镇", [("1", "拖欠工程款", None), ("2", "奖励资金未拨付", "已约谈")])
    _numbered_file(folder, "区商务局", [("1", "招商合同未兑现", None), ("2", "补贴未发放", None)])
    capsys.readouterr()

    def merge():
        code = main(["merge", str(master), str(folder), "--today", REPORT_DAY.isoformat(), "--json"])
        assert code == 0
        return json.loads(capsys.readouterr().out)

    res = merge()
    assert (res["rows_new"], res["rows_rejected"]) == (4, 0)
    assert not [i for i in res["issues"] if i["code"] in ("case-of-other-unit", "duplicate-id")]
    warned = [i for i in res["issues"] if i["code"] == "unit-numbering"]
    assert sorted((w["unit"], w["value"]) for w in warned) == [("区商务局", "1"), ("区商务局", "2"), ("城关镇", "1"), ("城关镇", "2")]
    assert all(w["severity"] == "warning" and w["header"] == "问题编号" for w in warned)
    ledger = load_master(master).ledger
    ids = sorted(ledger["case_id"])
    assert ids == ["DW001-2026-001", "DW001-2026-002", "DW002-2026-001", "DW002-2026-002"]
    remarks = dict(zip(ledger["description"], ledger["remarks"]))
    assert remarks == {"拖欠工程款": "单位编号：1", "奖励资金未拨付": "单位编号：2；已约谈",
                       "招商合同未兑现": "单位编号：1", "补贴未发放": "单位编号：2"}
    # the same files again: the same four cases, nothing new, nothing changed
    again = merge()
    assert (again["rows_new"], again["rows_updated"], again["rows_rejected"], again["changes"]) == (0, 0, 0, 0)
    assert sorted(load_master(master).ledger["case_id"]) == ids
    # a number in taizhang's own form, or one in the ledger, is taken as the case id
    _numbered_file(folder, "城关镇", [("DW001-2026-001", "拖欠工程款", "已拨付首期")])
    third = merge()
    assert not [i for i in third["issues"] if i["code"] == "unit-numbering" and i["unit"] == "城关镇"]
    case = load_master(master).ledger.set_index("case_id").loc["DW001-2026-001"]
    assert case["remarks"] == "已拨付首期"


# ----------------------------------------------------------------- 100% reads as 100

def test_percent_formatted_progress_reads_as_it_shows_in_a_units_file(tmp_path):
    """A unit types 100% (stored 1 with a % format): 100, not 1%; 60% is 60, 0.5% is 0.5; a plain 0.6 stays 60."""
    from taizhang.rules.validate import validate_file

    path = _percent_file(tmp_path)
    report, checked = validate_file(path, rulebook=find_rulebook("xinguan"), today=REPORT_DAY)
    assert list(checked.frame["progress"]) == [100.0, 60.0, 0.5, 60.0, 100.0]
    assert not [f for f in report.findings if f.code == "bad-progress"]


def _percent_file(tmp_path):
    """A unit's file with 完成进度 typed 100%, 60%, 0.5% (stored 1, 0.6, 0.005 under a % format), then 0.6 and 100."""
    from openpyxl import Workbook

    heads = ["问题编号", "责任单位", "线索来源", "问题类别", "问题描述", "牵头领导", "具体责任人", "交办日期", "办理状态",
             "完成进度（%）"]
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(heads)
    for k, (v, fmt) in enumerate([(1, "0%"), (0.6, "0%"), (0.005, "0.0%"), (0.6, "General"), (100, "General")]):
        ws.append([None, "城关镇", "自查摸排", "账款支付不到位", f"问题{k}", "王伟", "李娜", D(2026, 11, 2), "整改中", v])
        ws.cell(row=k + 2, column=len(heads)).number_format = fmt
    path = tmp_path / "城关镇-2026年11月.xlsx"
    wb.save(path)
    return path


def test_percent_reads_as_it_shows_on_the_openpyxl_path_too(tmp_path, monkeypatch):
    """An .xlsx calamine cannot open is read by openpyxl, whose values drop the format as calamine's do: 100% was 1."""
    from taizhang.intake import reader
    from taizhang.rules.validate import validate_file
    from taizhang.xlsx.safety import FileProblem

    used = []

    def refuse(path, sniffed):
        used.append(path)
        raise FileProblem("file-unreadable", "calamine cannot open it")

    monkeypatch.setattr(reader, "_calamine_sheets_once", refuse)
    report, checked = validate_file(_percent_file(tmp_path), rulebook=find_rulebook("xinguan"), today=REPORT_DAY)
    assert used and list(checked.frame["progress"]) == [100.0, 60.0, 0.5, 60.0, 100.0]
    assert not [f for f in report.findings if f.code == "bad-progress"]


@needs_libreoffice
def test_percent_reads_as_it_shows_in_an_ods_and_an_xls(tmp_path):
    """LibreOffice's .ods stores 100% as value-type="percentage" value 1, its .xls as 1 under a % XF; calamine gives
    the 1 and drops the type and the format."""
    from taizhang.rules.validate import validate_file

    source = _percent_file(tmp_path)
    (ods,) = convert([source], "ods", tmp_path / "ods")
    (xls,) = convert([source], "xls:MS Excel 97", tmp_path / "xls")
    for path in (ods, xls):
        report, checked = validate_file(path, rulebook=find_rulebook("xinguan"), today=REPORT_DAY)
        assert list(checked.frame["progress"]) == [100.0, 60.0, 0.5, 60.0, 100.0], path.suffix
        assert not [f for f in report.findings if f.code == "bad-progress"]


def test_percent_typed_by_the_office_in_its_master_reads_as_it_shows(fresh_sample):
    """The office types 100% and 60% into 完成进度 of its master (openpyxl here, as Excel stores them): 100 and 60."""
    from openpyxl import load_workbook

    from taizhang.book.master import load_master
    from taizhang.jobs import run_status

    s = fresh_sample
    ids = list(load_master(s.master).ledger["case_id"][:2])
    wb = load_workbook(s.master)
    ws = wb["台账"]
    heads = [c.value for c in ws[1]]
    col = heads.index("完成进度（%）") + 1
    rows = {c.value: c.row for c in ws["A"]}
    for cid, v in zip(ids, (1, 0.6)):
        ws.cell(row=rows[cid], column=col, value=v).number_format = "0%"
    wb.save(s.master)
    progress = load_master(s.master).ledger.set_index("case_id")["progress"]
    assert (progress[ids[0]], progress[ids[1]]) == (100.0, 60.0)
    run_status(s.master, REPORT_DAY)  # written back as 100 and 60, and read back the same
    progress = load_master(s.master).ledger.set_index("case_id")["progress"]
    assert (progress[ids[0]], progress[ids[1]]) == (100.0, 60.0)


# ----------------------------------------------------------------- nothing the office typed is erased

def test_words_the_office_typed_in_typed_columns_are_kept_with_a_warning(fresh_sample, capsys):
    """"待领导小组研究" in 延期至, "约120" in 涉及金额, "八成" in 完成进度, "待定" in 整改时限: kept through status and a
    merge, each with a warning naming its case; a 整改时限 in words gets no computed deadline over it."""
    import json

    from openpyxl import load_workbook

    from taizhang.book.master import load_master
    from taizhang.doors.cli import main

    s = fresh_sample
    ledger = load_master(s.master).ledger
    open_cases = ledger[ledger["status"].isin(["整改中", "未启动"])]
    a, b = list(open_cases["case_id"][:2])
    words = {(a, "延期至"): "待领导小组研究", (a, "涉及金额（万元）"): "约120", (a, "完成进度（%）"): "八成",
             (b, "整改时限"): "待定"}

    def typed_cells():
        ws = load_workbook(s.master)["台账"]
        heads = [c.value for c in ws[1]]
        rows = {c.value: c.row for c in ws["A"]}
        return ws, heads, rows

    ws, heads, rows = typed_cells()
    for (cid, h), text in words.items():
        ws.cell(row=rows[cid], column=heads.index(h) + 1, value=text)
    ws.parent.save(s.master)
    from taizhang.jobs import run_status

    res = {"issues": [f.model_dump() for f in run_status(s.master, REPORT_DAY).issues]}
    assert main(["merge", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat(), "--json"]) == 0
    merged = json.loads(capsys.readouterr().out)
    for out in (res, merged):
        kept = {(i["header"], i["value"]) for i in out["issues"] if i["code"] == "office-text-kept"}
        assert {(h, t) for (_, h), t in words.items()} <= kept
    warned = [i for i in merged["issues"] if i["code"] == "office-text-kept" and i["value"] == "待定"]
    assert b in warned[0]["message"] and warned[0]["severity"] == "warning"
    ws, heads, rows = typed_cells()
    for (cid, h), text in words.items():
        assert ws.cell(row=rows[cid], column=heads.index(h) + 1).value == text, (cid, h)
    case = load_master(s.master).ledger.set_index("case_id").loc[b]
    assert case["deadline"] is None and case["light"] is None  # no rule's date over the office's words
