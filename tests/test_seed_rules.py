"""Each campaign by its own seed: the 时限规则, stages, escalation and routing each plan writes.

Every test quotes, in its docstring, the seed sentence it implements.
"""

import datetime as dt

import pandas as pd
import pytest
from openpyxl import Workbook

from taizhang.book.master import create_master, empty_ledger, load_master
from taizhang.calendar.deadlines import compute_lights, default_deadline
from taizhang.calendar.workdays import WorkCalendar
from taizhang.rules.rulebook import RulebookError, find_rulebook
from taizhang.rules.validate import validate_file

D = dt.date
CAL = WorkCalendar()


def book(preset: str, year: int = 2026):
    return find_rulebook(preset).for_year(year)


def ledger(*rows: dict) -> pd.DataFrame:
    base = dict(unit="区商务局", description="测试", category="x", status="整改中")
    df = pd.concat([empty_ledger(), pd.DataFrame([{**base, **r} for r in rows])], ignore_index=True).astype(object)
    return df.where(df.notna(), None)


def lights(preset: str, today: D, *rows: dict):
    res = compute_lights(ledger(*rows), book(preset), CAL, today)
    return res, {r["case_id"]: i for i, r in enumerate(rows)}


# ----------------------------------------------------------------- 时限规则 per preset

def test_xiaoneng_by_complexity_and_extraordinary_needs_approval():
    """Seed 004: "没有时限要求原则上5个工作日内办结，较复杂的10个工作日内办结，特别复杂的20个工作日内办结，
    极特殊的经申请同意后1个月内办结"."""
    b = book("xiaoneng")
    assert b.deadline_rule == "按复杂程度"
    assert default_deadline(b, CAL, D(2026, 9, 30)).date == D(2026, 10, 13)  # blank → default tier 一般, 5 working days
    assert default_deadline(b, CAL, D(2026, 2, 13), complexity="较复杂").date == D(2026, 3, 5)
    approved = default_deadline(b, CAL, D(2026, 9, 1), complexity="极特殊", approved=True)
    assert approved.date == D(2026, 10, 8) and approved.problem is None
    unapproved = default_deadline(b, CAL, D(2026, 9, 1), complexity="极特殊")
    assert unapproved.problem == "extraordinary-unapproved"
    assert unapproved.date == default_deadline(b, CAL, D(2026, 9, 1), complexity="特别复杂").date
    res, at = lights("xiaoneng", D(2026, 9, 10), {"case_id": "X", "assigned": D(2026, 9, 1), "complexity": "极特殊"})
    warned = [f for f in res.findings if f.code == "extraordinary-unapproved"]
    assert warned and warned[0].severity == "warning" and warned[0].header == "延期审批人"
    assert "未经审批" in res.ledger["deadline_note"].iat[0]


def test_xinguan_end_of_the_year_assigned():
    """Seed 001: "所有纳入专项治理行动范围的纠纷案件，原则上应在当年办结"."""
    b = book("xinguan")
    assert b.deadline_rule == "当年年底"
    got = default_deadline(b, CAL, D(2026, 10, 9), complexity="特别复杂")
    assert got.date == D(2026, 12, 31) and "当年年底" in got.note
    # 31 December 2027 is a Friday; 2028-12-31 a Sunday → within the year: Friday 2028-12-29, never January
    assert default_deadline(b, CAL, D(2028, 3, 1)).date == D(2028, 12, 29)
    # an October case is not red a week later (the complaint of issue 15)
    res, _ = lights("xinguan", D(2026, 10, 20), {"case_id": "A", "assigned": D(2026, 10, 9)})
    assert res.lights == ["green"]


def test_lijiuzhang_end_of_the_rectification_stage():
    """Seed 000: "合力攻坚阶段(6月1日--12月10日)…坚决确保本阶段结束前完成整改整治任务"."""
    b = book("lijiuzhang")
    assert (b.deadline_rule, b.deadline_stage) == ("阶段结束", "合力攻坚阶段")
    assert default_deadline(b, CAL, D(2026, 5, 20)).date == D(2026, 12, 10)  # assigned in 摸底排查
    assert default_deadline(b, CAL, D(2026, 6, 15)).date == D(2026, 12, 10)
    late = default_deadline(b, CAL, D(2026, 12, 15))
    assert late.problem == "assigned-after-stage" and late.date == D(2026, 12, 25)  # the campaign's last stage end
    res, _ = lights("lijiuzhang", D(2026, 12, 16), {"case_id": "L", "assigned": D(2026, 12, 15)})
    assert [f.code for f in res.findings if f.code == "assigned-after-stage"]


def test_zhonggengzu_stage_end_in_the_campaign_year():
    """Seed 002: "(三)问题查处阶段(2020年12月底前)"; the list must "明确完成时限和整改责任"."""
    plan = find_rulebook("zhonggengzu")
    assert default_deadline(plan, CAL, D(2020, 11, 30)).date == D(2020, 12, 31)
    assert default_deadline(book("zhonggengzu", 2026), CAL, D(2026, 11, 30)).date == D(2026, 12, 31)


def test_sanluan_by_rectification_mode():
    """Seed 003: "对清理出能够马上整改的问题，要立行立改；对需要一定时间整改的问题，要明确目标，限时整改；
    对需要长期解决的问题，要完善机制，持续整改"."""
    b = book("sanluan")
    assert b.deadline_rule == "按整改方式"
    now = default_deadline(b, CAL, D(2026, 9, 30), mode="立行立改")
    assert now.date == D(2026, 10, 13) and "办公室设定" in now.note  # 5 working days: the office's setting
    assert default_deadline(b, CAL, D(2026, 9, 30), mode="限时整改").problem == "deadline-required"
    long = default_deadline(b, CAL, D(2026, 1, 5), mode="持续整改")
    assert long.long_term and long.date is None
    res, at = lights("sanluan", D(2026, 11, 23),
                     {"case_id": "S1", "assigned": D(2026, 1, 5), "rectify_mode": "持续整改"},
                     {"case_id": "S2", "assigned": D(2026, 1, 5), "rectify_mode": "持续整改", "deadline": D(2026, 3, 1)},
                     {"case_id": "S3", "assigned": D(2026, 11, 2), "rectify_mode": "立行立改"},
                     {"case_id": "S4", "assigned": D(2026, 11, 2), "rectify_mode": "限时整改"})
    assert res.lights[at["S1"]] == res.lights[at["S2"]] == "long"  # never red, even past a written date
    assert res.ledger["light"].iat[at["S1"]] == "长期整改"
    assert res.lights[at["S3"]] == "red"
    assert any(f.code == "deadline-required" and f.row == at["S4"] + 2 for f in res.findings)


def test_written_deadline_prevails_and_its_origin_is_stored():
    """Seed 004: "有时限要求的，按规定时限办理" — a written deadline always decides; 时限来源 says which."""
    res, at = lights("xinguan", D(2026, 11, 23),
                     {"case_id": "W", "assigned": D(2026, 10, 9), "deadline": D(2026, 11, 2)},
                     {"case_id": "C", "assigned": D(2026, 10, 9)})
    df = res.ledger
    assert res.lights[at["W"]] == "red" and res.lights[at["C"]] == "green"
    assert list(df["deadline_origin"]) == ["填写", "计算"]
    assert "填写" in df["deadline_note"].iat[0] and "当年年底" in df["deadline_note"].iat[1]
    # a computed deadline is recomputed when the rule changes; the stored origin decides, not the note's wording
    df.loc[1, "deadline_note"] = "办公室改写的说明"
    again = compute_lights(df, book("xiaoneng"), CAL, D(2026, 11, 23))
    assert again.ledger["deadline"].iat[1] == D(2026, 10, 15) and again.ledger["deadline"].iat[0] == D(2026, 11, 2)


def _submission(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["责任单位", "线索来源", "问题类别", "问题描述", "牵头领导", "具体责任人", "交办日期", "整改方式", "整改时限",
               "办理状态", "整改措施", "整改目标"])
    for r in rows:
        ws.append(r + ["建章立制", "年底前完成"])  # seed 003: "逐项逐条标明整改措施、整改目标"
    wb.save(path)


def test_sanluan_timed_rectification_without_deadline_is_returned(tmp_path):
    """Seed 003: "对需要一定时间整改的问题，要明确目标，限时整改" — no written deadline, the row goes back to the unit."""
    b = find_rulebook("sanluan")
    cat = b.categories[0].name
    path = tmp_path / "城关镇.xlsx"
    _submission(path, [["城关镇", "自查", cat, "甲", "张三", "李四", "2026-11-02", "限时整改", None, "整改中"],
                       ["城关镇", "自查", cat, "乙", "张三", "李四", "2026-11-02", "限时整改", "2026-12-01", "整改中"],
                       ["城关镇", "自查", cat, "丙", "张三", "李四", "2026-11-02", "马上改", None, "整改中"]])
    report, checked = validate_file(path, rulebook=b, today=D(2026, 11, 20))
    errors = {(f.row, f.code) for f in report.findings if f.severity == "error"}
    assert (2, "deadline-required") in errors and (4, "unknown-mode") in errors
    assert not any(f.row == 3 and f.severity == "error" for f in report.findings)


# ----------------------------------------------------------------- 参数设置 row

@pytest.mark.parametrize("preset,rule", [("xiaoneng", "按复杂程度"), ("xinguan", "当年年底"), ("lijiuzhang", "阶段结束"),
                                         ("zhonggengzu", "阶段结束"), ("sanluan", "按整改方式")])
def test_deadline_rule_is_a_settings_row_the_office_can_switch(tmp_path, preset, rule):
    """Issue 15: "A 时限规则 row in 参数设置 … chosen per preset and switchable by the office"."""
    from openpyxl import load_workbook

    path = tmp_path / "m.xlsx"
    create_master(path, book(preset))
    assert load_master(path).rulebook.deadline_rule == rule
    wb = load_workbook(path)
    ws = wb["参数设置"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "时限规则")
    assert row[1].value == rule and "方案" in row[2].value
    row[1].value = "当年年底" if rule != "当年年底" else "按复杂程度"
    wb.save(path)
    assert load_master(path).rulebook.deadline_rule == row[1].value


def test_unapproved_extension_is_explained_in_the_note():
    """Seed 000: "对于不能完成攻坚任务的，提请领导小组予以延期" — an extension counts once approved; 时限说明 says why not."""
    res, _ = lights("xiaoneng", D(2026, 11, 23), {"case_id": "E", "assigned": D(2026, 11, 2), "extended_to": D(2026, 12, 31)})
    assert "未生效" in res.ledger["deadline_note"].iat[0]


# ----------------------------------------------------------------- stages

def test_xinguan_stages_recur_and_2026_cases_are_counted_by_stage(tmp_path):
    """Seed 001: "每年大致分四个阶段,前后阶段不严格划分时间 界限。(一)自查摸排阶段(每年 4 月至 5 月)…"."""
    from taizhang.report.figures import PHASE_OUTSIDE, compute_figures

    path = tmp_path / "m.xlsx"
    create_master(path, find_rulebook("xinguan").for_year(2022))  # even a master made with the plan's own year
    m = load_master(path)
    assert all(p.every_year for p in m.rulebook.phases)
    m.ledger = ledger({"case_id": "a", "assigned": D(2026, 4, 20)}, {"case_id": "b", "assigned": D(2026, 7, 15)},
                      {"case_id": "c", "assigned": D(2026, 12, 3)}, {"case_id": "d", "assigned": D(2027, 2, 1)})
    res = compute_lights(m.ledger, m.rulebook, CAL, D(2026, 12, 10))
    figs = compute_figures(m, res.ledger, res.deadlines, D(2026, 12, 10))
    by = {g.name: g.total for g in figs.phases}
    assert by == {"自查摸排阶段": 1, "核实处理阶段": 2, "督促跟进阶段": 1, "总结提升阶段": 1, PHASE_OUTSIDE: 1}
    assert "每个阶段" in figs.phase_rule  # overlapping stages: the attribution is stated


def test_blank_stage_dates_say_to_fill_in(tmp_path):
    """Seed 003: "(二)全面清理、自查自纠阶段(xx月至xx月)" — the plan leaves the dates open: 待填写, not an invented month."""
    from openpyxl import load_workbook

    path = tmp_path / "m.xlsx"
    create_master(path, book("sanluan"))
    rows = {r[0].value: [c.value for c in r] for r in load_workbook(path)["工作阶段"].iter_rows(min_row=2)}
    assert rows["全面清理、自查自纠阶段"][1:3] == ["待填写", "待填写"]
    assert rows["制定方案、动员部署阶段"][2] == "待填写"
    assert load_master(path).rulebook.phase("全面清理、自查自纠阶段").end is None


def test_new_year_shifts_the_plans_stages(tmp_path, capsys):
    """Seed 002: "专项治理时间:2020年11月20日-12月31日" — an office reusing the plan in 2026 gets 2026 stages."""
    from taizhang.doors.cli import main

    path = tmp_path / "m.xlsx"
    assert main(["new", str(path), "--preset", "zhonggengzu", "--year", "2026"]) == 0
    b = load_master(path).rulebook
    assert b.phase("问题查处阶段").end == D(2026, 12, 31) and b.reporting.due_date == D(2026, 12, 7)
    assert default_deadline(b, CAL, D(2026, 11, 25)).date == D(2026, 12, 31)


def test_demo_shows_stages_and_a_mix_of_lights(sample):
    """Issue 15: "The demo (xinguan) shows a non-empty per-stage table and a believable mix of lights"."""
    from taizhang.jobs import figures_of

    figs = figures_of(load_master(sample.master), sample.today)
    assert sum(g.total for g in figs.phases if g.name != "（不在任何阶段内）") > 0
    t = figs.totals
    assert t.red > 0 and t.yellow > 0 and t.green > t.red


# ----------------------------------------------------------------- workflow

def test_xiaoneng_late_sign_off_and_feedback_are_found_and_counted():
    """Seed 004: "承办单位主要负责人应在收到工作任务后3个工作日内签批或部署"; "任务事项办结后需在5个工作日内反馈办理落实情况"."""
    res, at = lights("xiaoneng", D(2026, 11, 23),
                     {"case_id": "on", "assigned": D(2026, 11, 2), "sign_date": D(2026, 11, 4)},
                     {"case_id": "late", "assigned": D(2026, 11, 2), "sign_date": D(2026, 11, 9)},
                     {"case_id": "none", "assigned": D(2026, 11, 2)},
                     {"case_id": "fb", "assigned": D(2026, 11, 2), "sign_date": D(2026, 11, 3), "status": "已办结",
                      "done_date": D(2026, 11, 5), "feedback_date": D(2026, 11, 20)})
    late = {(f.code, f.row - 2) for f in res.findings if f.code in ("late-sign-off", "late-feedback")}
    assert late == {("late-sign-off", at["late"]), ("late-sign-off", at["none"]), ("late-feedback", at["fb"])}
    assert res.ledger["sign_by"].iat[0] == D(2026, 11, 5)


def test_office_confirms_closure_where_the_leading_group_reserves_it(tmp_path):
    """Seed 000: "区政府确定的攻坚任务完成后，要报领导小组组长审定核准"; seed 003: "挂账督办，做到整改完成一件销号一件"."""
    from taizhang.book.closures import confirm_closures, pending_rows

    b = book("sanluan")
    cat = b.categories[0].name
    path = tmp_path / "城关镇.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["责任单位", "线索来源", "问题类别", "问题描述", "牵头领导", "具体责任人", "交办日期", "整改方式", "办理状态",
               "办结日期", "销号审核人", "销号日期"])
    ws.append(["城关镇", "自查", cat, "甲", "张三", "李四", "2026-11-02", "立行立改", "已销号", "2026-11-05", "镇长", "2026-11-06"])
    wb.save(path)
    report, checked = validate_file(path, rulebook=b, today=D(2026, 11, 20))
    assert report.rows_with_errors == 0 and any(f.code == "close-requested" for f in report.findings)
    row = checked.frame.iloc[0]
    assert row["status"] == "已办结" and row["close_request"] == D(2026, 11, 20) and row["closer"] is None
    df = ledger({"case_id": "Q", "status": "已办结", "close_request": D(2026, 11, 20), "description": "甲"})
    assert pending_rows(df, b)[0][0] == "Q"
    df.loc[0, "closer"], df.loc[0, "closed_date"] = "县委办公室", D(2026, 11, 25)
    assert confirm_closures(df, b)["status"].iat[0] == "已销号"
    assert confirm_closures(df, book("xinguan"))["status"].iat[0] == "已办结"  # other campaigns: units report 销号


def test_xinguan_district_coordination_is_counted():
    """Seed 001: "需要区级层面协调解决的陈年积案和重大疑难案件…统一提交区级层面专项研究讨论、专题协调解决"."""
    from taizhang.report.figures import compute_figures

    class M:  # the parts of a master compute_figures reads
        rulebook = book("xinguan")
        units = type("U", (), {"units": [], "names": lambda self: []})()
        categories = {}
        history = pd.DataFrame(columns=["报送日"])
        reports: list = []

    res, _ = lights("xinguan", D(2026, 11, 23), {"case_id": "a", "assigned": D(2026, 5, 1), "district_coord": "是"},
                    {"case_id": "b", "assigned": D(2026, 5, 1)})
    figs = compute_figures(M(), res.ledger, res.deadlines, D(2026, 11, 23))
    assert figs.totals.coord == 1


# ----------------------------------------------------------------- escalation

LADDERS = {"sanluan": ["通报", "约谈主要负责人", "问责"], "zhonggengzu": ["约谈", "纪律处分", "移交司法机关"],
           "xinguan": ["扣分", "移交纪检监察机关"], "lijiuzhang": ["点名通报曝光", "责任追究"], "xiaoneng": ["通报批评", "问责"]}


@pytest.mark.parametrize("preset", list(LADDERS))
def test_each_rulebook_carries_its_seeds_ladder(preset):
    """Seed 003: "约谈后效果依然不明显的，将按有关规定进行责任追究和问责"; seed 002: "构成违纪的给予纪律处分，涉嫌犯罪的，
    移交司法机关处理"; seed 001: "对不担当不作为的情形，移交纪检监察机关处理"; seed 000: "点名通报曝光，问题严重的，要进行
    责任追究"; seed 004: "进行通报批评、严肃问责"."""
    b = find_rulebook(preset)
    assert [r.step for r in b.ladder] == LADDERS[preset]
    assert all(r.quote for r in b.ladder)


def _history(days_red: dict, unit="城关镇", disposed: dict | None = None):
    rows = [[d, unit, 5, 0, 0, r, 0, 0, (disposed or {}).get(d, 0)] for d, r in days_red.items()]
    return pd.DataFrame(rows, columns=["报送日", "责任单位", "问题总数", "已办结", "已销号", "红灯", "黄灯", "绿灯", "处置措施"])


def test_red_on_consecutive_report_days_climbs_the_ladder():
    """Seed 003: "对…推进不力、效果不好的，将进行通报…对组织不力、走过场、弄虚作假的，将对…主要负责人进行约谈，
    约谈后效果依然不明显的，将按有关规定进行责任追究和问责"."""
    from taizhang.report.figures import UnitFigures, accountability

    b = book("sanluan")
    today = D(2026, 11, 27)
    unit = [UnitFigures(unit="城关镇", red=2, total=5)]
    df = ledger({"case_id": "a", "unit": "城关镇"})
    assert accountability(b, _history({}), unit, df, today) == []  # one red day: not yet
    one = accountability(b, _history({D(2026, 11, 20): 1}), unit, df, today)
    assert [(a["consecutive_days"], a["step"]) for a in one] == [(2, "通报")] and "通报" in one[0]["quote"]
    three = accountability(b, _history({D(2026, 11, 6): 1, D(2026, 11, 13): 3, D(2026, 11, 20): 1}), unit, df, today)
    assert three[0]["step"] == "问责"  # one rung per further report day
    broken = accountability(b, _history({D(2026, 11, 13): 3, D(2026, 11, 20): 0}), unit, df, today)
    assert broken == []  # a day without red breaks the run
    # the office records 约谈 in the week of 11-13: the count restarts, and the next suggestion is the rung above it
    # (a report cycle is a week, due Friday: a second run on Tue 11-24 belongs to the week of today, 11-27)
    df.loc[0, "disposal"] = "2026-11-13 约谈主要负责人"
    unit[0].disposed = 1
    h = _history({D(2026, 11, 6): 3, D(2026, 11, 13): 2, D(2026, 11, 20): 2, D(2026, 11, 24): 2},
                 disposed={D(2026, 11, 13): 1, D(2026, 11, 20): 1, D(2026, 11, 24): 1})
    after = accountability(b, h, unit, df, today)
    assert [(a["consecutive_days"], a["step"]) for a in after] == [(2, "问责")]


def test_accountability_reaches_the_summary_and_the_briefing(fresh_sample):
    """Seed 000: "…一律在电视台、政府门户网站、《观点宝山》上进行点名通报曝光，问题严重的，要进行责任追究" — taizhang
    suggests (the 问责提示 sheet and the 通报 draft), the office decides."""
    from openpyxl import load_workbook

    from taizhang.jobs import run_merge, save_summary
    from taizhang.report.figures import briefing

    # xinguan reports monthly ("每月20日"): the run a month before is the previous cycle's report day
    first = run_merge(fresh_sample.master, fresh_sample.submissions, fresh_sample.today - dt.timedelta(days=28))
    assert not first.figures.accountability  # only one report day so far
    out = run_merge(fresh_sample.master, fresh_sample.submissions, fresh_sample.today, supervise=True)
    figs = out.figures
    assert figs.accountability and all(set(a) >= {"unit", "red", "consecutive_days", "step", "quote"} for a in figs.accountability)
    assert {a["step"] for a in figs.accountability} == {"扣分"}  # xinguan's first rung
    text = "".join(briefing(figs))
    assert "建议扣分" in text and figs.accountability[0]["unit"] in text and "由领导小组决定" in text
    path = save_summary(out.master, figs, fresh_sample.root / "汇总.xlsx")
    ws = load_workbook(path)["问责提示"]
    cells = [c.value for r in ws.iter_rows() for c in r if c.value is not None]
    assert figs.accountability[0]["unit"] in cells and "扣分" in cells


# ----------------------------------------------------------------- routing and sampling

def test_sanluan_unit_types_must_have_a_route(tmp_path, capsys):
    """Seed 003: "各乡镇直接报送县委办公室(县委督查室),县委各部门报送县直机关党委,政府各部门报送县监察局,各学校报送县教育局,
    县管企业报送县财政局(国资局)"."""
    from taizhang.doors.cli import main

    units = tmp_path / "units.csv"
    units.write_text("单位名称,单位类型\n城关镇,乡镇\n县商务局,区直部门\n县一中,学校\n", encoding="utf-8-sig")
    assert main(["new", str(tmp_path / "m.xlsx"), "--preset", "sanluan", "--units", str(units)]) != 0
    err = capsys.readouterr()
    text = err.out + err.err
    assert "第3行“县商务局”" in text and "乡镇、县委部门、政府部门、学校、县管企业" in text
    assert not (tmp_path / "m.xlsx").exists()
    # a campaign without a routing table takes any type
    assert main(["new", str(tmp_path / "x.xlsx"), "--preset", "xinguan", "--units", str(units)]) == 0


def test_spot_checks_are_reproducible_and_never_repeat_a_case():
    """Seed 003: "对交办问题线索查否的，按一定比例进行复查"; seed 002: "对群众反映强烈的部门和零报告单位要重点抽查"."""
    from taizhang.book.sampling import draw_spot_checks

    b = book("sanluan").model_copy(update={"spot_ratio": 30.0, "spot_seed": 5})
    df = ledger(*[{"case_id": f"Q{i:02d}", "status": "查否", "unit": f"单位{i % 4}"} for i in range(20)],
                {"case_id": "open", "status": "整改中"})
    zeros = ["城关镇", "北山镇", "河口镇"]
    day1 = draw_spot_checks(b, df, zeros, [], D(2026, 11, 6))
    assert day1 == draw_spot_checks(b, df, zeros, [], D(2026, 11, 6))  # the same seed and day draw the same list
    cases1 = [r[2] for r in day1 if r[1] == "查否复查"]
    assert len(cases1) == 6 and "open" not in cases1
    assert len([r for r in day1 if r[1] == "零报告抽查"]) == 1
    other = draw_spot_checks(b.model_copy(update={"spot_seed": 6}), df, zeros, [], D(2026, 11, 6))
    assert [r[2] for r in other if r[2]] != cases1
    seen = set(cases1)
    history = list(day1)
    for k in range(1, 12):
        more = draw_spot_checks(b, df, zeros, history, D(2026, 11, 6) + dt.timedelta(weeks=k))
        got = {r[2] for r in more if r[1] == "查否复查"}
        assert not (got & seen)  # never the same case twice across report days
        seen |= got
        history += more
    assert len(seen) == 20


# ----------------------------------------------------------------- wording and defaults

SEED_003_ITEMS = [  # seed 003 二(一), items 1–9, as written (the plan's ASCII commas as full-width)
    "1.不依法履行信息公开职责，对中央和省、市、县支持企业发展……",
    "2.对建筑施工安全、道路交通运输安全、消防安全、企业生产安全、农村枯井封堵、坑塘管理防汛度汛等方面存在的问题隐患失管失察。",
    "3.对侵占损害河道、破坏水源地、污染水体、损害林地草场等行为失管失察。",
    "4.对制造贩卖假冒商品，特别是制作和销售假冒食品、药品、医疗器械、化妆品等商品，制作传播虚假违法广告等行为打击制止不力；",
    "5.政务服务大厅一个窗口受理、两集中、两到位要求落实不到位，审批不透明、环节多、时间长……",
    "6.对企业生产经营和投资者工作生活中遇到的问题推诿扯皮、吃拿卡要；行政执法不规范……",
    "7.对解决人民群众落户难、看病难、出行难，以及子女入托难、入学难等问题消极应付，对收受红包、礼金……",
    "8.对涉军等重点群体信访案件麻木不仁，不认真落实管控制度和措施……",
    "9.对人民群众和市场主体反映强烈的欺行霸市、抢劫抢夺、盗窃财务、电信诈骗、扰乱公共秩序等社会治安问题打击制止不力；……",
]


def test_sanluan_categories_use_the_seeds_words_and_no_wrong_alias():
    """Seed 003 "(一)主要清理的问题" 1–9: each category is the item's own words, not a paraphrase; 三乱 is not this campaign."""
    b = find_rulebook("sanluan")
    for item, cat in zip(SEED_003_ITEMS, b.categories):
        assert cat.name in item, cat.name
    assert "三乱" not in b.aliases
    with pytest.raises(RulebookError):
        find_rulebook("三乱")


def test_validate_without_master_infers_the_campaign_or_refuses(tmp_path, capsys):
    """Seed 003's categories are judged as seed 003's, never silently as another campaign's (issue 15 §6)."""
    from taizhang.doors.cli import main

    b = find_rulebook("sanluan")
    path = tmp_path / "城关镇.xlsx"
    _submission(path, [["城关镇", "自查", b.categories[1].name, "甲", "张三", "李四", "2026-11-02", "立行立改", None, "整改中"]])
    assert main(["validate", str(path), "--today", "2026-11-20"]) == 0
    out = capsys.readouterr().out
    assert "推断为“不作为、乱作为、慢作为”" in out
    odd = tmp_path / "x.xlsx"
    _submission(odd, [["城关镇", "自查", "随便写的类别", "甲", "张三", "李四", "2026-11-02", None, None, "整改中"]])
    assert main(["validate", str(odd), "--today", "2026-11-20"]) == 2
    assert "--preset" in capsys.readouterr().out


def test_merge_account_lists_warnings_by_kind_and_the_master_keeps_them(fresh_sample):
    """Issue 15 §6: "the plain merge/run account lists warnings by kind with counts and examples … a 提醒 list"."""
    from openpyxl import load_workbook

    from taizhang.jobs import run_merge
    from taizhang.report.text import merge_text

    out = run_merge(fresh_sample.master, fresh_sample.submissions, fresh_sample.today)
    text = "\n".join(merge_text(out.result, out.out, out.backup))
    from taizhang.findings import CODES

    # by kind: each kind named by its Chinese title (the code itself is for --json and the log, issue 33 §8)
    assert f"{CODES['date-year-guessed'].title}：" in text and "没有年份，已按2026年处理" in text
    assert "date-year-guessed" not in text
    rows = [[c.value for c in r] for r in load_workbook(fresh_sample.master)["提醒"].iter_rows(min_row=2)]
    assert any(r[1] == "date-year-guessed" for r in rows)


def test_sources_the_plan_names_come_first_and_additions_are_marked(tmp_path):
    """Seed 003: "通过网上、群众来信来电、督促暗访等渠道搜集的问题线索" — the plan's own words first; an added source is
    marked as the office's addition in 代码表."""
    from openpyxl import load_workbook

    for preset in LADDERS:
        b = find_rulebook(preset)
        firsts = [s for s in b.sources if s not in b.added_sources]
        assert b.sources[:len(firsts)] == firsts
    path = tmp_path / "m.xlsx"
    create_master(path, book("sanluan"))
    rows = {r[0].value: r[3].value for r in load_workbook(path)["代码表"].iter_rows(min_row=2) if r[0].value}
    assert rows["群众来信来电"] == "方案原文" and rows["上级交办"].startswith("办公室增补")


def test_a_master_from_before_the_origin_column_keeps_its_computed_deadlines_computed():
    """Issue 19 §2: whether a 整改时限 was computed or written is a stored fact; a master written before 时限来源
    existed is read once by its old marking, then the column carries it."""
    from taizhang.book.master import read_ledger_rows

    rows = [["问题编号", "整改时限", "时限说明"], ["A", D(2026, 11, 9), "按复杂程度“一般”计算：交办后5个工作日，即2026-11-09"],
            ["B", D(2026, 12, 1), None], ["C", None, None]]
    df, _ = read_ledger_rows(rows)
    assert list(df["deadline_origin"]) == ["计算", "填写", None]
    rows[0].append("时限来源")
    for r, o in zip(rows[1:], ["填写", "计算", None]):
        r.append(o)
    df, _ = read_ledger_rows(rows)
    assert list(df["deadline_origin"]) == ["填写", "计算", None]  # the column decides, whatever 时限说明 says


def test_zhonggengzu_long_unsolved_cases_are_put_forward_for_listing(tmp_path):
    """Seed 002: "对筛选出的群众反映强烈、长期没有得到解决的问题，予以挂牌督办" — candidates for the office to screen."""
    from taizhang.report.figures import listing_candidates

    path = tmp_path / "m.xlsx"
    create_master(path, book("zhonggengzu"))
    b = load_master(path).rulebook
    assert b.listing is not None and b.listing.step == "挂牌督办"  # kept in the master's 问责阶梯 sheet
    res, at = lights("zhonggengzu", D(2026, 12, 31),
                     {"case_id": "old", "assigned": D(2026, 9, 1), "deadline": D(2026, 10, 30)},
                     {"case_id": "new", "assigned": D(2026, 12, 1), "deadline": D(2026, 12, 20)},
                     {"case_id": "listed", "assigned": D(2026, 9, 1), "deadline": D(2026, 10, 30), "disposal": "已挂牌督办"})
    got = listing_candidates(b, res.ledger)
    assert [c["id"] for c in got] == ["old"] and got[0]["days_overdue"] >= 20
    assert listing_candidates(book("xinguan"), res.ledger) == []  # only where the plan provides it
