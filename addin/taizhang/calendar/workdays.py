"""The one calendar module: mainland China working days and Civil-Code periods.

Every working-day computation in taizhang goes through ``WorkCalendar``.

* Working day: Monday–Friday, minus statutory holidays, plus the weekend days
  the State Council's annual notice turns into working days (调休上班). The
  holiday data come from the ``holidays`` library (kept up to date yearly
  from the official notices); the office's own 节假日 sheet overrides it.
* A year whose official notice is not yet in the library is *estimated*
  (fixed-date and lunar holidays by rule); every answer touching it says so.
* Periods follow 民法典 Art. 201–203: the start day is not counted; a month
  period ends on the corresponding day (or the month's last day); a last day
  that is a day off moves to the next working day.

Lookups are table-based: for each day in the covered range we keep whether it
is a working day and the running count of working days, so "N working days
after D" and "working days between A and B" are array look-ups, vectorised
over whole ledger columns.
"""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
from functools import lru_cache
from typing import Iterable, Mapping

import numpy as np

from taizhang.errors import BadRequest

DEFAULT_FIRST_YEAR = 2015
DEFAULT_LAST_YEAR = 2035


@lru_cache(maxsize=1)
def published_years() -> frozenset[int]:
    """Years whose State Council holiday notice is in the holidays library."""
    import holidays

    try:  # the notice data the library keeps per year
        from holidays.countries.china import ChinaStaticHolidays

        return frozenset(ChinaStaticHolidays.special_public_holidays)
    except (ImportError, AttributeError):  # a future layout: years with make-up working days
        cn = holidays.China(years=range(2001, dt.date.today().year + 3))
        return frozenset(d.year for d in getattr(cn, "weekend_workdays", ()))


@lru_cache(maxsize=8)
def _library_days(first: int, last: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(holidays on weekdays and weekends, make-up working weekend days) from the library."""
    import holidays

    cn = holidays.China(years=range(first, last + 1))
    offs = frozenset(d for d in cn if first <= d.year <= last)
    extra = frozenset(d for d in getattr(cn, "weekend_workdays", set()) if first <= d.year <= last)
    return offs, extra


def estimate_warning(year: int) -> str:
    return (f"{year}年国务院节假日安排尚未公布（或未收录），涉及{year}年的时限按节日规则推算，"
            f"请在正式通知公布后更新或在“节假日”表中补录后复核")


class WorkCalendar:
    """Working-day arithmetic over a precomputed table of days.

    ``overrides`` maps a date to True (上班: a working day) or False (放假: a
    day off); they win over the library. ``official_years`` are years whose
    State Council notice the office entered itself (``calendar.holiday_notice``):
    for those the library's days (an estimate, if it has not got the notice) are
    dropped, the overrides alone set the year's holidays, and the year is no
    longer estimated.

    The Civil Code's counting (Art. 201–203) on the 2026 schedule, as DOMAIN.md gives it:

    >>> cal = WorkCalendar()
    >>> cal.add_workdays(dt.date(2026, 9, 30), 5)   # the start day does not count; Sat Oct 10 is a make-up day
    datetime.date(2026, 10, 13)
    >>> cal.add_workdays(dt.date(2026, 2, 13), 10)  # across 春节, Sat Feb 14 and Sat Feb 28 worked
    datetime.date(2026, 3, 5)
    >>> cal.add_months(dt.date(2026, 1, 31), 1)     # no Feb 31: the month's last day, a make-up Saturday
    datetime.date(2026, 2, 28)
    >>> cal.add_months(dt.date(2026, 9, 1), 1)      # Oct 1 is 国庆节: the first working day after it
    datetime.date(2026, 10, 8)
    >>> WorkCalendar({dt.date(2026, 10, 13): False}).add_workdays(dt.date(2026, 9, 30), 5)  # an office's day off
    datetime.date(2026, 10, 14)
    """

    def __init__(self, overrides: Mapping[dt.date, bool] | None = None,
                 first_year: int = DEFAULT_FIRST_YEAR, last_year: int = DEFAULT_LAST_YEAR,
                 official_years: Iterable[int] = ()):
        self.overrides = dict(overrides or {})
        self.official_years = frozenset(official_years)
        years = [d.year for d in self.overrides]
        self._build(min([first_year, *years]), max([last_year, *years]))

    # -- table ---------------------------------------------------------------
    def _build(self, first: int, last: int) -> None:
        self.first_year, self.last_year = first, last
        self.base = dt.date(first, 1, 1).toordinal()
        n = dt.date(last, 12, 31).toordinal() - self.base + 1
        weekday = (np.arange(n) + dt.date(first, 1, 1).weekday()) % 7
        work = weekday < 5
        offs, extra = _library_days(first, last)
        for d in offs:
            if d.year not in self.official_years:
                work[d.toordinal() - self.base] = False
        for d in extra:
            if d.year not in self.official_years:
                work[d.toordinal() - self.base] = True
        for d, is_work in self.overrides.items():
            work[d.toordinal() - self.base] = bool(is_work)
        self.work = work
        self.cum = np.cumsum(work, dtype=np.int64)  # working days in [first day, i]
        self.years = np.array([dt.date.fromordinal(self.base + i).year for i in range(0, n, 1)], dtype=np.int64)
        self.estimated = frozenset(y for y in range(first, last + 1)
                                   if y not in published_years() and y not in self.official_years)

    def _cover(self, *days: dt.date) -> None:
        lo = min(d.year for d in days)
        hi = max(d.year for d in days)
        if lo < self.first_year or hi + 1 > self.last_year:
            self._build(min(lo, self.first_year), max(hi + 1, self.last_year))

    def _idx(self, d: dt.date) -> int:
        self._cover(d)
        return d.toordinal() - self.base

    # -- single dates --------------------------------------------------------
    def is_workday(self, d: dt.date) -> bool:
        return bool(self.work[self._idx(d)])

    def next_workday(self, d: dt.date, include_self: bool = True) -> dt.date:
        i = self._idx(d) + (0 if include_self else 1)
        while True:
            if i >= len(self.work):
                self._build(self.first_year, self.last_year + 2)
            if self.work[i]:
                return dt.date.fromordinal(self.base + i)
            i += 1

    def previous_workday(self, d: dt.date, include_self: bool = True) -> dt.date:
        """``d`` itself if a working day (with ``include_self``), else the last working day before it: a bound "within"
        a period (seed 001 "当年办结") that never moves into the next one, as Art. 203's moving forward would.

        >>> WorkCalendar().previous_workday(dt.date(2022, 12, 31))  # a Saturday
        datetime.date(2022, 12, 30)
        >>> WorkCalendar().previous_workday(dt.date(2026, 12, 31))  # a Thursday
        datetime.date(2026, 12, 31)
        """
        day = d if include_self else d - dt.timedelta(days=1)
        self._cover(day - dt.timedelta(days=60), day)
        while not self.work[self._idx(day)]:
            day -= dt.timedelta(days=1)
        return day

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The Nth working day after ``start`` (the start day itself never counts)."""
        if n < 0:
            raise BadRequest("工作日数不能为负数，请填写 0 或正整数。")
        if n == 0:
            return start
        self._cover(start, start + dt.timedelta(days=n * 3 + 40))
        target = self.cum[self._idx(start)] + n
        j = int(np.searchsorted(self.cum, target, side="left"))
        return dt.date.fromordinal(self.base + j)

    def add_months(self, start: dt.date, months: int) -> dt.date:
        """Civil Code Art. 202–203: corresponding day (or month end), then off-day → next working day."""
        y, m = divmod(start.month - 1 + months, 12)
        year, month = start.year + y, m + 1
        day = min(start.day, _stdcal.monthrange(year, month)[1])
        return self.next_workday(dt.date(year, month, day))

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]; negative (those in (b, a]) when b is before a."""
        self._cover(a, b)
        return int(self.cum[b.toordinal() - self.base] - self.cum[a.toordinal() - self.base])

    def estimate_years(self, a: dt.date, b: dt.date) -> list[int]:
        lo, hi = sorted((a.year, b.year))
        return [y for y in range(lo, hi + 1) if y in self.estimated]

    # -- whole columns (ordinals as int64 arrays; -1 marks "no date") -----------
    def add_workdays_many(self, starts: np.ndarray, ns: np.ndarray) -> np.ndarray:
        out = np.full(len(starts), -1, dtype=np.int64)
        ok = (starts >= 0) & (ns >= 0)
        if not ok.any():
            return out
        self._cover(dt.date.fromordinal(int(starts[ok].min())),
                    dt.date.fromordinal(int(starts[ok].max() + ns[ok].max() * 3 + 40)))
        target = self.cum[starts[ok] - self.base] + ns[ok]
        out[ok] = np.searchsorted(self.cum, target, side="left") + self.base
        zero = ok & (ns == 0)
        out[zero] = starts[zero]
        return out

    def next_workday_many(self, days: np.ndarray) -> np.ndarray:
        """Each day itself if a working day, else the next working day (Art. 203)."""
        out = np.full(len(days), -1, dtype=np.int64)
        ok = days >= 0
        if not ok.any():
            return out
        self._cover(dt.date.fromordinal(int(days[ok].min())), dt.date.fromordinal(int(days[ok].max()) + 30))
        idx = days[ok] - self.base
        before = np.where(idx > 0, self.cum[np.maximum(idx - 1, 0)], 0)
        out[ok] = np.searchsorted(self.cum, before + 1, side="left") + self.base
        return out

    def workdays_between_many(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.zeros(len(a), dtype=np.int64)
        ok = (a >= 0) & (b >= 0)
        if ok.any():
            self._cover(dt.date.fromordinal(int(min(a[ok].min(), b[ok].min()))),
                        dt.date.fromordinal(int(max(a[ok].max(), b[ok].max()))))
            out[ok] = self.cum[b[ok] - self.base] - self.cum[a[ok] - self.base]
        return out

    def years_of(self, ords: np.ndarray) -> np.ndarray:
        """Calendar year of each ordinal (all must be valid dates)."""
        if len(ords):
            self._cover(dt.date.fromordinal(int(ords.min())), dt.date.fromordinal(int(ords.max())))
        return self.years[ords - self.base]



def overrides_from_rows(rows: Iterable[tuple[dt.date, str]]) -> dict[dt.date, bool]:
    """节假日 sheet rows (日期, 类型) → overrides; 类型 is 放假 or 上班."""
    out: dict[dt.date, bool] = {}
    for day, kind in rows:
        k = str(kind).strip()
        if k in ("上班", "工作日", "调休上班", "补班"):
            out[day] = True
        elif k in ("放假", "休息", "休假", "节假日"):
            out[day] = False
    return out
