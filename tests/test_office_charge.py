"""The office stays in charge of its master (issue 24, items 5 and 6): a unit never moves its own deadline, a unit's own
numbering never becomes case ids, nothing the office typed is erased, 100% reads as 100, 抽查结果 survives a redraw,
时限来源 stays true, and no deadline falls before its case was assigned."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from conftest import REPORT_DAY

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
