"""Each campaign by its own seed, round 2: no campaign carries another's rules (issue 26).

Every test quotes, in its docstring, the seed sentence it implements (or the plan's silence it respects).
"""

import datetime as dt

import pandas as pd
import pytest
from test_seed_rules import book, ledger  # the same small ledgers and rulebooks as round 1's seed tests

from taizhang.book.assign import Notice, NoticeCase
from taizhang.book.settings_sheet import OFFICE_SETTING, rulebook_from_sheets, settings_rows
from taizhang.calendar.deadlines import compute_lights
from taizhang.calendar.workdays import WorkCalendar
from taizhang.report.handover import build_notice

D = dt.date
CAL = WorkCalendar()
NOT_004 = ["lijiuzhang", "xinguan", "zhonggengzu", "sanluan"]




def notice_text(b) -> str:
    n = Notice("城关镇", b.name, b.office, D(2026, 11, 23),
               [NoticeCase("JB-001", "测试问题", D(2026, 12, 10), CAL.add_workdays(D(2026, 11, 23), b.sign_workdays)
                           if b.sign_workdays else None, "")], b.sign_workdays, b.feedback_workdays, "每月20日前报送办理进展")
    doc = build_notice(n).doc
    return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])


def _settings(b) -> dict:
    return {label: (value, note) for label, value, note in settings_rows(b)}


# ----------------------------------------------------------------- 1. 签收 and 反馈 are seed 004's

def test_xiaoneng_sets_sign_and_feedback_limits_from_its_plan():
    """Seed 004: "承办单位主要负责人应在收到工作任务后3个工作日内签批或部署"; "任务事项办结后需在5个工作日内反馈办理落实情况"."""
    b = book("xiaoneng")
    assert (b.sign_workdays, b.feedback_workdays) == (3, 5)
    value, note = _settings(b)["签收时限（工作日）"]
    assert value == 3 and note.startswith("方案规定：") and "3个工作日内签批或部署" in note
    text = notice_text(b)
    assert "交办后3个工作日内" in text and "办结后5个工作日内书面反馈" in text and "签收期限" in text


@pytest.mark.parametrize("preset", NOT_004)
def test_other_plans_set_no_sign_or_feedback_limit(preset):
    """Seeds 000–003 set no 签收 or 反馈 period: only seed 004 writes "收到工作任务后3个工作日内签批或部署" and
    "任务事项办结后需在5个工作日内反馈办理落实情况". Their 交办通知单 orders none, no case is late against one,
    and 参数设置 shows the two rows empty, as the office's own setting."""
    b = book(preset)
    assert b.sign_workdays is None and b.feedback_workdays is None
    text = notice_text(b)
    assert "个工作日内签收" not in text and "3个工作日" not in text and "5个工作日内书面反馈" not in text
    assert "签收期限" not in text and "签收并部署" in text
    res = compute_lights(ledger({"case_id": "a", "assigned": D(2026, 11, 2), "sign_date": D(2026, 11, 20), "status": "已办结",
                                 "done_date": D(2026, 11, 5), "feedback_date": D(2026, 11, 20)}), b, CAL, D(2026, 11, 23))
    assert not [f for f in res.findings if f.code in ("late-sign-off", "late-feedback")]
    assert res.ledger["sign_by"].iat[0] is None and res.ledger["feedback_by"].iat[0] is None
    rows = _settings(b)
    for label in ("签收时限（工作日）", "反馈时限（工作日）"):
        value, note = rows[label]
        assert value == "" and note.startswith(OFFICE_SETTING)


def test_an_office_may_switch_the_sign_limit_on_as_its_own_setting():
    """Seed 000 names no 签收 period; an office that wants one writes it in 参数设置 ("办公室设定（方案未规定）"), and then
    its notices order it and its cases are late against it."""
    b = book("lijiuzhang")
    rows = [(i, label, value) for i, (label, value, _) in enumerate(settings_rows(b), 2)]
    rows = [(i, label, 3 if label == "签收时限（工作日）" else value) for i, label, value in rows]
    mine, _ = rulebook_from_sheets(rows, {"categories": b.categories, "sources": b.sources}, "台账总表.xlsx")
    assert mine.sign_workdays == 3 and mine.feedback_workdays is None
    text = notice_text(mine)
    assert "交办后3个工作日内" in text and "书面反馈" not in text
    res = compute_lights(ledger({"case_id": "a", "assigned": D(2026, 11, 2), "sign_date": D(2026, 11, 20)}), mine, CAL,
                         D(2026, 11, 23))
    assert [f.code for f in res.findings if f.code == "late-sign-off"] == ["late-sign-off"]


@pytest.mark.parametrize("preset", ["xinguan", "xiaoneng"])
def test_summary_counts_late_sign_off_only_where_a_limit_is_set(preset, tmp_path):
    """Seed 004's "3个工作日内签批或部署" is counted in its summary; seed 001 has no such rule, so its summary has no
    签收逾期 row."""
    from openpyxl import load_workbook

    from taizhang.report.figures import Counts, Figures
    from taizhang.report.summary_book import write_summary

    b = book(preset)
    figs = Figures(campaign=b.name, as_of=D(2026, 11, 23), totals=Counts(), units=[], categories=[], supervisors=[],
                   sources=[], phases=[], supervise=[], rank_rule="completion_rate", sign_workdays=b.sign_workdays,
                   feedback_workdays=b.feedback_workdays)
    out = tmp_path / "s.xlsx"
    write_summary(figs, out, [], public=False)
    cells = {c.value for ws in load_workbook(out) for r in ws.iter_rows() for c in r if isinstance(c.value, str)}
    assert ("签收逾期" in cells) == (preset == "xiaoneng") and ("反馈逾期" in cells) == (preset == "xiaoneng")


# ----------------------------------------------------------------- 2. consequences: a ladder only where the plan is one

FORBIDDEN = ("纪律处分", "移交司法机关", "移交纪检监察机关", "责任追究", "问责")


def _history(days_red: dict, unit="城关镇"):
    rows = [[d, unit, 5, 0, 0, r, 0, 0, 0] for d, r in days_red.items()]
    return pd.DataFrame(rows, columns=["报送日", "责任单位", "问题总数", "已办结", "已销号", "红灯", "黄灯", "绿灯", "处置措施"])


def _figs(b, accountability, menu, as_of):
    from taizhang.report.figures import Counts, Figures, UnitFigures

    u = UnitFigures(unit="城关镇", red=3, total=5, rank=1, light="red")
    return Figures(campaign=b.name, as_of=as_of, totals=Counts(total=5, red=3, in_progress=5), units=[u], categories=[],
                   supervisors=[], sources=[], phases=[], supervise=[], rank_rule="completion_rate",
                   accountability=accountability, menu=menu, escalate_after=b.escalate_after)


def _papers_text(figs) -> str:
    from taizhang.report.figures import briefing
    from taizhang.report.notice import build_bulletin

    doc = build_bulletin(figs, [], "办公室").doc
    return "\n".join(briefing(figs)) + "\n".join(p.text for p in doc.paragraphs)


@pytest.mark.parametrize("preset,timed", [("zhonggengzu", None), ("xinguan", "扣分"), ("lijiuzhang", "点名通报曝光"),
                                          ("xiaoneng", None)])
def test_days_overdue_never_suggest_a_consequence_the_plan_ties_to_conduct(preset, timed):
    """Seed 002: "对问题较小、情节轻微的，通过约谈等方式进行教育提醒；构成违纪的给予纪律处分；涉嫌犯罪的，移交司法机关处理"
    (by 情节, 违纪, 犯罪 — not by days); seed 001: "对工作组织开展不力、问题久拖不决、企业反映强烈的予以扣分；对不担当不作为的
    情形，移交纪检监察机关处理" (only 久拖不决 is lateness); seed 000: "对…整改不到位、群众不满意的单位和个人…点名通报曝光，
    问题严重的，要进行责任追究"; seed 004: "通报批评、严肃问责" of 不作为、慢作为、乱作为. A unit red in ten monthly cycles in a
    row is put forward only for the step the plan ties to lateness, and the 通报 suggests none of the others."""
    from taizhang.report.figures import UnitFigures, accountability, consequence_menu

    b = book(preset)
    today = D(2026, 11, 20)
    hist = _history({D(2026, m, 20): 2 for m in range(1, 11)})
    got = accountability(b, hist, [UnitFigures(unit="城关镇", red=3, total=5)], ledger({"case_id": "a", "unit": "城关镇"}), today)
    assert [a["step"] for a in got] == ([timed] if timed else [])
    menu = consequence_menu(b)
    assert menu and all(m["kind"] == "按情节由办公室选择" and m["quote"] for m in menu)
    assert {m["step"] for m in menu} == {r.step for r in b.ladder} - {timed}
    text = _papers_text(_figs(b, got, menu, today)).replace("问责提示（供办公室研究）", "")  # the section's own title
    for word in FORBIDDEN:
        assert word not in text, word
    assert ("建议考虑" in text) == bool(timed)


def test_sanluan_ladder_is_steps_in_time_and_its_last_step_is_plainly_a_suggestion():
    """Seed 003 writes steps: "进行通报,限期整改 … 对主要负责人进行约谈,约谈后效果依然不明显的,将按有关规定进行责任追究和
    问责". Its last step may be put forward, for the leading group to decide, said so."""
    from taizhang.report.figures import UnitFigures, accountability, consequence_menu

    b = book("sanluan")
    assert [r.kind for r in b.ladder] == ["按时限递进"] * 3 and consequence_menu(b) == []
    today = D(2026, 11, 27)
    hist = _history({D(2026, 11, 6): 1, D(2026, 11, 13): 1, D(2026, 11, 20): 1})
    got = accountability(b, hist, [UnitFigures(unit="城关镇", red=3, total=5)], ledger({"case_id": "a", "unit": "城关镇"}), today)
    assert got[0]["step"] == "问责" and got[0]["top"]
    text = _papers_text(_figs(b, got, [], today))
    assert "仅为提示" in text and "由领导小组按有关规定决定" in text and "建议考虑问责" not in text


def test_a_report_day_is_the_cycles_not_every_run():
    """Seed 001: "每月20日,报送当月工作推进情况" — one report day a month. Merging the folder again three days later for
    late files, or drawing a summary on another day, is not one more consecutive red report day."""
    from taizhang.report.figures import UnitFigures, accountability, report_cycle

    b = book("xinguan")
    assert report_cycle(b.reporting, D(2026, 5, 23)) == report_cycle(b.reporting, D(2026, 5, 20)) == D(2026, 5, 20)
    assert report_cycle(b.reporting, D(2026, 6, 2)) == D(2026, 5, 20)  # a summary drawn on 6-2 belongs to May's cycle
    unit = [UnitFigures(unit="城关镇", red=3, total=5)]
    df = ledger({"case_id": "a", "unit": "城关镇"})
    hist = _history({D(2026, 4, 20): 1, D(2026, 5, 20): 1, D(2026, 5, 23): 1})
    got = accountability(b, hist, unit, df, D(2026, 6, 2))
    assert [a["consecutive_days"] for a in got] == [2]  # April and May, not four runs
    # a year of 12 monthly report days, each merged twice (late files three days later), the summary drawn on 12-28
    runs = {D(2026, m, d): 1 for m in range(1, 13) for d in (20, 23)}
    got = accountability(b, _history(runs), unit, df, D(2026, 12, 28))
    assert got[0]["consecutive_days"] == 12
    weekly = book("sanluan").reporting
    assert report_cycle(weekly, D(2026, 11, 24)) == D(2026, 11, 27)  # seed 003's 周报告: a Tuesday run joins that week


def test_the_ladder_sheet_says_each_steps_kind(tmp_path):
    """The 问责阶梯 sheet: "按时限递进" where the plan ties the step to lateness (seed 002 "长期没有得到解决的问题，予以挂牌
    督办"), "按情节由办公室选择" for "构成违纪的给予纪律处分；涉嫌犯罪的，移交司法机关处理". A master made before the 性质
    column takes each step's kind from its plan."""
    from openpyxl import load_workbook

    from taizhang.book.master import create_master, load_master

    path = tmp_path / "m.xlsx"
    create_master(path, book("zhonggengzu"))
    ws = load_workbook(path)["问责阶梯"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == ["顺序", "措施", "方案原文", "性质"]
    assert {r[1]: r[3] for r in rows[1:]} == {"约谈": "按情节由办公室选择", "纪律处分": "按情节由办公室选择",
                                             "移交司法机关": "按情节由办公室选择", "挂牌督办": "按时限递进"}
    m = load_master(path)
    assert m.rulebook.listing.kind == "按时限递进" and {r.kind for r in m.rulebook.ladder} == {"按情节由办公室选择"}
    # an older master: no 性质 column
    old = tmp_path / "old.xlsx"
    create_master(old, book("sanluan"))
    wb = load_workbook(old)
    wb["问责阶梯"].delete_cols(4)
    wb.save(old)
    assert [r.kind for r in load_master(old).rulebook.ladder] == ["按时限递进"] * 3


def test_the_summary_lists_the_plans_menu_for_the_office(tmp_path):
    """Seed 002: "构成违纪的给予纪律处分，涉嫌犯罪的，移交司法机关处理" — on the 问责提示 sheet as the plan's menu, in its words,
    for the office to choose; the public version leaves it out."""
    from openpyxl import load_workbook

    from taizhang.report.figures import consequence_menu
    from taizhang.report.summary_book import write_summary

    b = book("zhonggengzu")
    figs = _figs(b, [], consequence_menu(b), D(2026, 12, 7))
    for public in (False, True):
        out = tmp_path / f"s{public}.xlsx"
        write_summary(figs, out, [], public=public)
        cells = [c.value for r in load_workbook(out)["问责提示"].iter_rows() for c in r if isinstance(c.value, str)]
        assert ("涉嫌犯罪的，移交司法机关处理" in cells) == (not public)
        assert ("按情节由办公室选择" in cells) == (not public)


# ----------------------------------------------------------------- 3. seed 000 ranks by 序时进度

def _fake_master(b):
    class M:  # the parts of a master compute_figures reads
        rulebook = b
        units = type("U", (), {"units": [], "names": lambda self: []})()
        categories = {}
        history = pd.DataFrame(columns=["报送日"])
        reports: list = []

        def calendar(self):
            return CAL
    return M()


def test_lijiuzhang_ranks_by_progress_against_elapsed_time(tmp_path):
    """Seed 000: "根据序时进度对完成情况进行跟踪督办，并建立任务推进“红绿灯”排行榜". Every 攻坚难题 is due 12月10日, so in June
    no unit has finished one: a yellow unit at 10% must not rank above a green one at 80% (by 办结率 both are 0% and the name
    would decide)."""
    from openpyxl import load_workbook

    from taizhang.report.figures import compute_figures
    from taizhang.report.summary_book import write_summary

    b = book("lijiuzhang")
    assert b.lights.rank_rule == "schedule"
    today = D(2026, 6, 30)
    rows = [{"case_id": f"{u}{i}", "unit": u, "assigned": D(2026, 5, 15), "progress": p}
            for u, p in (("城关镇", 10), ("西城街道", 80)) for i in range(2)]
    res = compute_lights(ledger(*rows), b, CAL, today)
    assert set(res.ledger["deadline"]) == {D(2026, 12, 10)}
    figs = compute_figures(_fake_master(b), res.ledger, res.deadlines, today)
    by = {u.unit: u for u in figs.units}
    assert by["城关镇"].light == "yellow" and by["西城街道"].light == "green"
    assert [u.unit for u in figs.units] == ["西城街道", "城关镇"] and by["西城街道"].rank == 1
    assert by["西城街道"].schedule_gap > 0 > by["城关镇"].schedule_gap
    assert by["城关镇"].progress_avg == 10 and 20 < by["城关镇"].time_avg < 30
    out = tmp_path / "s.xlsx"
    write_summary(figs, out, [], public=False)
    ws = load_workbook(out)["红绿灯排行榜"]
    assert "差值相同的，超期（红灯）数少者在前" in ws["A2"].value and "序时进度" in ws["A2"].value
    assert ws["B4"].value == "西城街道" and ws["N3"].value.replace("\n", "") == "序时进度差（百分点）"  # the header breaks before "（"


def test_schedule_ties_go_to_fewer_red_then_yellow():
    """The ranking's tie-breaks, as the sheet states them: equal 序时进度差 → fewer 红灯, then fewer 黄灯."""
    from taizhang.report.figures import UnitFigures, rank_units

    units = [UnitFigures(unit="甲", total=3, red=1, schedule_gap=5.0), UnitFigures(unit="乙", total=3, yellow=2, schedule_gap=5.0),
             UnitFigures(unit="丙", total=3, yellow=1, schedule_gap=5.0), UnitFigures(unit="丁", total=3, schedule_gap=None)]
    assert [u.unit for u in rank_units(units, "schedule")] == ["丙", "乙", "甲", "丁"]


# ----------------------------------------------------------------- 4. seed 001: 当年办结 stays within the year

def test_xinguan_2022_case_is_due_within_2022(tmp_path):
    """Seed 001: "所有纳入专项治理行动范围的纠纷案件，原则上应在当年办结". 2022-12-31 is a Saturday: the case is due on
    Friday 2022-12-30, the year's last working day — never 2023-01-03."""
    from taizhang.calendar.deadlines import default_deadline

    b = book("xinguan", 2022)
    got = default_deadline(b, CAL, D(2022, 6, 1))
    assert got.date == D(2022, 12, 30) and "2022年内办结" in got.note and "当年最后一个工作日" in got.note
    res = compute_lights(ledger({"case_id": "a", "assigned": D(2022, 6, 1)}), b, CAL, D(2022, 12, 1))
    assert res.deadlines == [D(2022, 12, 30)] and res.ledger["deadline"].iat[0].year == 2022
    assert default_deadline(b, CAL, D(2026, 3, 2)).date == D(2026, 12, 31)  # a working Thursday stays
    # assigned on the year's last day, a Saturday: no working day is left in 2022
    assert default_deadline(b, CAL, D(2022, 12, 31)).date == D(2023, 1, 3)


# ----------------------------------------------------------------- 5. 实行零报告 is read

ZERO = {"lijiuzhang": False, "xinguan": False, "zhonggengzu": True, "sanluan": True, "xiaoneng": False}


@pytest.mark.parametrize("preset", list(ZERO))
def test_zero_reports_only_where_the_plan_has_them(preset):
    """Seed 002: "…于12月7日前径送开发区纪工委，无问题的实行零报告"; seed 003: "未发现问题的,实行零报告". The other plans have
    no 零报告: their default is off, and 参数设置 labels a switch-on the office's own."""
    b = book(preset)
    assert b.zero_report is ZERO[preset]
    value, note = _settings(b)["实行零报告"]
    assert value == ("是" if ZERO[preset] else "否")
    assert note.startswith("方案规定：“") if ZERO[preset] else note.startswith(OFFICE_SETTING)


def _empty_submission(path, unit: str):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["责任单位", "问题类别", "问题描述", "牵头领导", "具体责任人", "交办日期", "办理状态"])
    wb.save(path)


@pytest.mark.parametrize("preset", ["xinguan", "sanluan"])
def test_an_empty_submission_is_a_zero_report_only_where_zero_reports_exist(preset, tmp_path):
    """Seed 003: "未发现问题的,实行零报告" … "加大对零报告和查否问题的抽查力度": an empty file is a 零报告 and may be drawn for
    抽查. Seed 001 has no 零报告: the same file is 已报送 with no rows, and nobody is drawn for a 零报告抽查."""
    from taizhang.book.master import create_master, load_master
    from taizhang.book.merge import merge_folder
    from taizhang.book.sampling import draw_spot_checks
    from taizhang.intake.units import build_directory

    b = book(preset).model_copy(update={"spot_ratio": 100.0})
    unit_type = b.unit_types[0]
    units = build_directory([(2, "城关镇", unit_type, "", ""), (3, "河口镇", unit_type, "", "")], "成员单位")
    master = tmp_path / "m.xlsx"
    create_master(master, b, units)
    folder = tmp_path / "报送"
    folder.mkdir()
    for u in ("城关镇", "河口镇"):
        _empty_submission(folder / f"{u}.xlsx", u)
    m = load_master(master)
    merged, result = merge_folder(m, folder, D(2026, 11, 23))
    zero = preset == "sanluan"
    assert result.zero_report_units == (["城关镇", "河口镇"] if zero else [])
    assert result.reported_units == ["城关镇", "河口镇"]
    drawn = draw_spot_checks(merged.rulebook, merged.ledger, ["城关镇", "河口镇"], [], D(2026, 11, 23))
    assert bool([r for r in drawn if r[1] == "零报告抽查"]) == zero


# ----------------------------------------------------------------- 6. what each plan requires of a listed problem

def _one_row_file(tmp_path, b, **row):
    from openpyxl import Workbook

    base = {"责任单位": "城关镇", "线索来源": b.sources[0], "问题类别": b.categories[0].name, "问题描述": "甲",
            "牵头领导": "张三", "具体责任人": "李四", "交办日期": "2026-11-02", "办理状态": "整改中"}
    base.update(row)
    base = {k: v for k, v in base.items() if v is not None}
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(list(base))
    ws.append(list(base.values()))
    path = tmp_path / "城关镇-报送.xlsx"
    wb.save(path)
    return path


def test_zhonggengzu_problem_without_a_deadline_is_returned():
    """Seed 002: "据实列出问题清单并逐条研究整改措施，明确完成时限和整改责任" — a listed problem without 完成时限 goes back to
    the unit with that reason; it is never silently given 12月31日."""
    import tempfile
    from pathlib import Path

    from taizhang.rules.validate import validate_file

    b = book("zhonggengzu", 2020)
    assert b.required_fields == ["deadline"]
    with tempfile.TemporaryDirectory() as d:
        report, _ = validate_file(_one_row_file(Path(d), b, 交办日期="2020-11-25"), rulebook=b, today=D(2020, 12, 7))
        [f] = [f for f in report.findings if f.code == "plan-required"]
        assert f.severity == "error" and f.header == "整改时限" and "明确完成时限和整改责任" in f.message
        assert report.rows_with_errors == 1
        ok, _ = validate_file(_one_row_file(Path(d), b, 交办日期="2020-11-25", 整改时限="2020-12-20"), rulebook=b,
                              today=D(2020, 12, 7))
        assert not [f for f in ok.findings if f.code == "plan-required"]
    assert book("xinguan").required_fields == []  # seed 001 asks for no 完成时限 of the unit


def test_sanluan_measures_and_target_are_required(tmp_path):
    """Seed 003: "逐项逐条标明整改措施、整改目标、整改时限,牵头领导、责任单位和具体责任人"."""
    from taizhang.rules.validate import validate_file

    b = book("sanluan")
    report, _ = validate_file(_one_row_file(tmp_path, b, 整改方式="立行立改"), rulebook=b, today=D(2026, 11, 20))
    got = {f.header for f in report.findings if f.code == "plan-required"}
    assert got == {"整改措施", "整改目标"} and report.rows_with_errors == 1
    report, _ = validate_file(_one_row_file(tmp_path, b, 整改方式="立行立改", 整改措施="建立制度", 整改目标="月底完成"),
                              rulebook=b, today=D(2026, 11, 20))
    assert not [f for f in report.findings if f.code == "plan-required"]


def test_required_fields_survive_the_master(tmp_path):
    """The plan's required items are a 参数设置 row the office can read and change (seed 003's "整改措施、整改目标")."""
    from taizhang.book.master import create_master, load_master

    path = tmp_path / "m.xlsx"
    create_master(path, book("sanluan"))
    rows = _settings(load_master(path).rulebook)
    assert rows["方案要求必填项"][0] == "整改措施、整改目标"
    m = load_master(path)
    assert m.rulebook.required_fields == ["measures", "target"] and "逐项逐条" in m.rulebook.required_quote


def test_sanluan_weekly_due_day_is_the_offices_not_the_plans():
    """Seed 003: "建立周报告、月通报制度。每周各乡镇、县直各部门要按分管渠道向各系统分管部门汇报" — no weekday. The due
    day is an office setting, labelled so; 方案原文要求 carries only the plan's words."""
    b = book("sanluan")
    rows = _settings(b)
    requirement, _ = rows["报送要求"]
    assert "周五" not in requirement and "未发现问题的,实行零报告" in requirement
    due, note = rows["报送截止日"]
    assert due == 5 and OFFICE_SETTING in note and "未规定星期几" in note


# ----------------------------------------------------------------- 7. seed 000: each unit takes at least one 攻坚难题

def test_lijiuzhang_unit_without_a_case_is_flagged_not_shown_as_without_problems(tmp_path):
    """Seed 000: "各相关单位都要在工作职责内确定1个以上“烂尾”工程或“久拖不决重要事项”，作为本单位、本部门的攻坚难题" — a unit
    with none (an empty file: seed 000 has no 零报告) is flagged in 报送情况, the summary and the 通报, not listed as 无问题."""
    from openpyxl import load_workbook

    from taizhang.book.master import create_master, load_master
    from taizhang.intake.units import build_directory
    from taizhang.jobs import report_day, report_rows
    from taizhang.report.figures import briefing
    from taizhang.report.notice import build_bulletin
    from taizhang.report.summary_book import write_summary

    b = book("lijiuzhang")
    assert b.min_cases == 1
    t = b.unit_types[0]
    units = build_directory([(2, "区商务局", t, "", ""), (3, "区财政局", t, "", "")], "成员单位")
    master = tmp_path / "m.xlsx"
    create_master(master, b, units)
    folder = tmp_path / "报送"
    folder.mkdir()
    path = _one_row_file(folder, b, 责任单位="区商务局", 交办日期="2026-06-02")
    path.rename(folder / "区商务局.xlsx")
    _empty_submission(folder / "区财政局.xlsx", "区财政局")
    merged, result, figs = report_day(load_master(master), folder, D(2026, 6, 30), supervise=True)
    assert result.zero_report_units == [] and "区财政局" in result.reported_units
    rows = {r[0]: r for r in report_rows(merged, result)}
    assert "方案要求每个单位确定1个以上攻坚难题" in rows["区财政局"][9] and "攻坚难题" not in (rows["区商务局"][9] or "")
    by = {u.unit: u for u in figs.units}
    assert by["区财政局"].below_min and not by["区商务局"].below_min
    text = "\n".join(briefing(figs)) + "\n".join(p.text for p in build_bulletin(figs, merged.reports, "办公室").doc.paragraphs)
    assert "区财政局" in text and "尚未确定" in text and "没有问题、不参加排名的单位" not in text
    out = tmp_path / "s.xlsx"
    write_summary(figs, out, merged.reports, public=False)
    wb = load_workbook(out)
    ranking = [c.value for r in wb["红绿灯排行榜"].iter_rows() for c in r if isinstance(c.value, str)]
    assert "未确定" in ranking and not any("没有问题，不参加排名" in v for v in ranking)
    reports = [c.value for r in wb["报送情况"].iter_rows() for c in r if isinstance(c.value, str)]
    assert any("区财政局" in v and "尚未确定" in v for v in reports)
    assert book("xinguan").min_cases == 0  # seed 001 asks no number of each unit


def test_xinguan_units_request_for_district_coordination_is_listed_not_dropped(tmp_path):
    """Seed 001: "需要区级层面协调解决的陈年积案和重大疑难案件,由各部门报送专项治理工作组(区指挥部改革创新组)汇总,统一提交
    区级层面专项研究讨论、专题协调解决" — a unit's 区级协调 is a request for the office's list; the office's flag decides."""
    from taizhang.rules.validate import validate_file

    b = book("xinguan")
    path = _one_row_file(tmp_path, b, 区级协调="是，涉及多部门")
    report, checked = validate_file(path, rulebook=b, today=D(2026, 11, 20))
    [f] = [f for f in report.findings if f.code == "coord-requested"]
    assert f.severity == "warning" and f.header == "区级协调" and "由办公室决定" in f.message and report.rows_with_errors == 0
    no, _ = validate_file(_one_row_file(tmp_path, b, 区级协调="否"), rulebook=b, today=D(2026, 11, 20))
    assert not [f for f in no.findings if f.code == "coord-requested"]
    other, _ = validate_file(_one_row_file(tmp_path, book("sanluan"), 区级协调="是", 整改措施="甲", 整改目标="乙", 整改方式="立行立改"),
                             rulebook=book("sanluan"), today=D(2026, 11, 20))
    assert not [f for f in other.findings if f.code == "coord-requested"]  # only where the plan has 区级协调
