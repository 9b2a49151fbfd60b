"""Worksheet functions for live formulas in the office's own workbooks (xlwings UDFs).

They use the same calendar module as everything else. Workbooks that
taizhang writes for others (summaries, templates) never contain them.
"""

from __future__ import annotations

import datetime as dt

import xlwings as xw


def _date(v) -> dt.date | None:
    from taizhang.intake.normalize import to_date

    d, _ = to_date(v, dt.date.today().year)
    return d


@xw.func
@xw.arg("start", doc="起算日期（当日不计入）")
@xw.arg("n", doc="工作日数")
def TZ_WORKDAY(start, n):
    """N 个工作日之后的日期（含国务院调休，民法典期间规则）。"""
    from taizhang.calendar.workdays import WorkCalendar

    d = _date(start)
    if d is None or n is None:
        return "日期或天数有误"
    return WorkCalendar().add_workdays(d, int(n))


@xw.func
@xw.arg("assigned", doc="交办日期")
@xw.arg("complexity", doc="复杂程度：一般、较复杂、特别复杂、极特殊")
def TZ_DEADLINE(assigned, complexity="一般"):
    """按复杂程度计算的整改时限（默认档次：5、10、20 个工作日，极特殊 1 个月）。"""
    from taizhang.rules.rulebook import find_rulebook
    from taizhang.calendar.workdays import WorkCalendar

    d = _date(assigned)
    tier = find_rulebook("xiaoneng").tier(str(complexity or "一般").strip())
    if d is None or tier is None:
        return "交办日期或复杂程度有误"
    cal = WorkCalendar()
    return cal.add_workdays(d, tier.workdays) if tier.workdays else cal.add_months(d, tier.months)


@xw.func
@xw.arg("deadline", doc="整改时限")
@xw.arg("status", doc="办理状态")
@xw.arg("today", doc="基准日（可省略，默认今天）")
def TZ_LIGHT(deadline, status, today=None):
    """红绿灯：红灯、黄灯、绿灯、已办结、已销号。"""
    import pandas as pd

    from taizhang.calendar.deadlines import compute_lights
    from taizhang.book.master import empty_ledger
    from taizhang.rules.rulebook import find_rulebook
    from taizhang.calendar.workdays import WorkCalendar
    from taizhang.fields import LIGHT_ZH

    ledger = pd.concat([empty_ledger(), pd.DataFrame([{"deadline": _date(deadline), "status": status}])],
                       ignore_index=True).astype(object)
    ledger = ledger.where(ledger.notna(), None)
    res = compute_lights(ledger, find_rulebook("xiaoneng"), WorkCalendar(), _date(today) or dt.date.today())
    light = res.cases[0].light
    return LIGHT_ZH.get(light, "无法计算") if light else "无法计算"
