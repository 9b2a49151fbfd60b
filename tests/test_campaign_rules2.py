"""Each campaign by its own seed, round 2: no campaign carries another's rules (issue 26).

Every test quotes, in its docstring, the seed sentence it implements (or the plan's silence it respects).
"""

import datetime as dt

import pandas as pd
import pytest

from taizhang.book.assign import Notice, NoticeCase
from taizhang.book.master import empty_ledger
from taizhang.book.settings_sheet import OFFICE_SETTING, rulebook_from_sheets, settings_rows
from taizhang.calendar.deadlines import compute_lights
from taizhang.calendar.workdays import WorkCalendar
from taizhang.report.handover import build_notice
from taizhang.rules.rulebook import find_rulebook

D = dt.date
CAL = WorkCalendar()
NOT_004 = ["lijiuzhang", "xinguan", "zhonggengzu", "sanluan"]


def book(preset: str, year: int = 2026):
    return find_rulebook(preset).for_year(year)


def ledger(*rows: dict) -> pd.DataFrame:
    base = dict(unit="区商务局", description="测试", category="x", status="整改中")
    df = pd.concat([empty_ledger(), pd.DataFrame([{**base, **r} for r in rows])], ignore_index=True).astype(object)
    return df.where(df.notna(), None)


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
