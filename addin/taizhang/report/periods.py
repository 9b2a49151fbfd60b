"""The office's own rhythm: a 通报 for a chosen period (a month, a quarter), from the history the master keeps.

The units report on their rhythm; the office publishes on its own (seed 000 "旬调度、月晾晒、季通报"; seed 003
"建立周报告、月通报制度"; seed 004 "定期通报"). A period's 通报 is not "since the last report day": it reads the
master's 历史统计 (each report day's per-unit counts), 变更记录 (each change a merge made, with its 报送日) and the
ledger's own dates (交办日期, 办结日期, 销号日期) between the period's first and last day. Pure: frames in, figures out.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from pydantic import BaseModel

from taizhang.fields import STATUS_CLOSED, STATUS_DONE

_MONTH = re.compile(r"^\s*(\d{4})\s*[-年./]\s*(\d{1,2})\s*月?\s*$")
_QUARTER = re.compile(r"^\s*(\d{4})\s*(?:[-年]\s*)?(?:[Qq]\s*([1-4])|第?([一二三四1-4])季度?)\s*$")
_CN = {"一": 1, "二": 2, "三": 3, "四": 4}
QUARTER_ZH = "一二三四"


class Period(BaseModel):
    kind: str  # "month" or "quarter"
    start: dt.date
    end: dt.date
    label: str  # 2026年11月, 2026年第四季度


def _month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))


def parse_period(text: str) -> Period | None:
    """``2026-11`` / ``2026年11月`` (a month) or ``2026Q4`` / ``2026年第四季度`` (a quarter); None if neither.

    >>> parse_period("2026Q4").label, parse_period("2026-11").end
    ('2026年第四季度', datetime.date(2026, 11, 30))
    """
    text = str(text or "")
    m = _MONTH.match(text)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return Period(kind="month", start=dt.date(year, month, 1), end=_month_end(year, month),
                          label=f"{year}年{month}月")
        return None
    m = _QUARTER.match(text)
    if m:
        year = int(m.group(1))
        q = int(m.group(2)) if m.group(2) else _CN.get(m.group(3)) or int(m.group(3))
        return Period(kind="quarter", start=dt.date(year, 3 * q - 2, 1), end=_month_end(year, 3 * q),
                      label=f"{year}年第{QUARTER_ZH[q - 1]}季度")
    return None


class UnitPeriod(BaseModel):
    unit: str
    total: int = 0  # on the period's last report day
    assigned: int = 0  # cases with a 交办日期 in the period
    finished: int = 0  # cases with a 办结日期 or 销号日期 in the period
    red_days: int = 0  # report days of the period on which the unit had red cases
    red_end: int = 0  # red cases on the period's last report day
    changes: int = 0  # changes merges recorded in the period (变更记录)


class PeriodFigures(BaseModel):
    period: Period
    name: str = ""  # the office's name for this bulletin (月晾晒, 季通报, 月通报), "" where none
    report_days: list[dt.date] = []
    baseline_day: dt.date | None = None  # the last report day before the period
    assigned: int = 0
    finished: int = 0
    red_start: int | None = None  # red cases on the baseline (or the period's first) report day
    red_end: int | None = None
    units: list[UnitPeriod] = []


def _day(v) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


def _num(v) -> int:
    n = pd.to_numeric(v, errors="coerce")
    return 0 if pd.isna(n) else int(n)


def period_figures(period: Period, ledger: pd.DataFrame, history: pd.DataFrame, changes: pd.DataFrame,
                   units: list[str], name: str = "") -> PeriodFigures:
    """What happened in ``period``: its report days, each unit's cases assigned and finished in it, its red report
    days, its changes, and the red cases at the period's start and end (from 历史统计)."""
    inside = lambda d: d is not None and period.start <= d <= period.end  # noqa: E731
    hist = [(_day(r[0]), str(r[1] or ""), _num(r[2]), _num(r[3])) for r in history[["报送日", "责任单位", "问题总数", "红灯"]]
            .itertuples(index=False)] if len(history) else []
    days = sorted({d for d, *_ in hist if inside(d)})
    before = sorted({d for d, *_ in hist if d is not None and d < period.start})
    baseline = before[-1] if before else None
    by_unit: dict[str, UnitPeriod] = {u: UnitPeriod(unit=u) for u in units}

    def unit(name: str) -> UnitPeriod:
        return by_unit.setdefault(name, UnitPeriod(unit=name))
    for d, u, total, red in hist:
        if d in days and u:
            rec = unit(u)
            rec.red_days += 1 if red else 0
            if d == days[-1]:
                rec.total, rec.red_end = total, red
    df = ledger.reset_index(drop=True)
    for u, assigned, done, closed, status in zip(df["unit"], df["assigned"], df["done_date"], df["closed_date"],
                                                  df["status"]):
        if not u:
            continue
        if inside(_day(assigned)):
            unit(str(u)).assigned += 1
        finished = _day(closed) if _day(closed) else _day(done)
        if status in (STATUS_DONE, STATUS_CLOSED) and inside(finished):
            unit(str(u)).finished += 1
    if len(changes):
        for u, d in zip(changes["责任单位"], changes["报送日"]):
            if u and inside(_day(d)):
                unit(str(u)).changes += 1

    def red_on(day: dt.date | None) -> int | None:
        return None if day is None else sum(red for d, _, _, red in hist if d == day)
    rows = sorted(by_unit.values(), key=lambda r: (-r.red_end, -r.red_days, units.index(r.unit) if r.unit in units else 0))
    return PeriodFigures(period=period, name=name, report_days=days, baseline_day=baseline,
                         assigned=sum(r.assigned for r in rows), finished=sum(r.finished for r in rows),
                         red_start=red_on(baseline or (days[0] if days else None)),
                         red_end=red_on(days[-1] if days else None), units=rows)


__all__ = ["Period", "PeriodFigures", "UnitPeriod", "parse_period", "period_figures"]
