"""The office stays in charge of its master (issue 24, items 5 and 6): a unit never moves its own deadline, a unit's own
numbering never becomes case ids, nothing the office typed is erased, 100% reads as 100, 抽查结果 survives a redraw,
时限来源 stays true, and no deadline falls before its case was assigned."""

from __future__ import annotations

import datetime as dt

import pandas as pd

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
