"""The calendar is law: DOMAIN.md's examples, the 2026 schedule, and properties over 2020–2030."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taizhang.calendar.workdays import WorkCalendar

D = dt.date
CAL = WorkCalendar()

# 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)
OFF_2026 = [(D(2026, 1, 1), D(2026, 1, 3)), (D(2026, 2, 15), D(2026, 2, 23)), (D(2026, 4, 4), D(2026, 4, 6)),
            (D(2026, 5, 1), D(2026, 5, 5)), (D(2026, 6, 19), D(2026, 6, 21)), (D(2026, 9, 25), D(2026, 9, 27)),
            (D(2026, 10, 1), D(2026, 10, 7))]
MAKEUP_2026 = [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)]


@pytest.mark.parametrize("start, n, months, expected", [
    (D(2026, 9, 30), 5, None, D(2026, 10, 13)),   # Oct 10 is a make-up working Saturday
    (D(2026, 2, 13), 10, None, D(2026, 3, 5)),
    (D(2026, 1, 31), None, 1, D(2026, 2, 28)),    # a make-up working Saturday
    (D(2026, 9, 1), None, 1, D(2026, 10, 8)),     # Oct 1 is a holiday → first working day after
])
def test_domain_examples(start, n, months, expected):
    got = CAL.add_workdays(start, n) if n is not None else CAL.add_months(start, months)
    assert got == expected


def test_the_whole_of_2026_matches_the_official_notice():
    days_off = set()
    for a, b in OFF_2026:
        days_off |= {a + dt.timedelta(d) for d in range((b - a).days + 1)}
    day = D(2026, 1, 1)
    while day.year == 2026:
        expected = day in MAKEUP_2026 or (day.weekday() < 5 and day not in days_off)
        assert CAL.is_workday(day) == expected, day
        day += dt.timedelta(1)


def test_start_day_never_counts():
    assert CAL.add_workdays(D(2026, 11, 23), 1) == D(2026, 11, 24)  # Monday → Tuesday
    assert CAL.add_workdays(D(2026, 11, 21), 1) == D(2026, 11, 23)  # Saturday → Monday


def test_month_period_uses_the_last_day_of_a_short_month():
    assert CAL.add_months(D(2026, 3, 31), 1) == D(2026, 4, 30)
    assert CAL.add_months(D(2028, 1, 31), 1) == D(2028, 2, 29)


def test_office_days_override_the_library():
    cal = WorkCalendar({D(2026, 11, 25): False, D(2026, 11, 28): True})
    assert not cal.is_workday(D(2026, 11, 25))
    assert cal.is_workday(D(2026, 11, 28))
    assert cal.add_workdays(D(2026, 11, 23), 3) == D(2026, 11, 27)  # 24, 26, 27
    assert CAL.add_workdays(D(2026, 11, 23), 3) == D(2026, 11, 26)


def test_unpublished_year_is_estimated_and_says_so():
    assert 2026 not in CAL.estimated
    assert 2027 in CAL.estimated
    assert CAL.estimate_years(D(2026, 12, 20), D(2027, 1, 10)) == [2027]
    # still answers for 2027 by rule: New Year's Day and the Spring Festival are days off
    assert not CAL.is_workday(D(2027, 1, 1))
    assert not CAL.is_workday(D(2027, 2, 8))


def test_column_operations_agree_with_single_dates():
    import numpy as np

    starts = [D(2026, 9, 30), D(2026, 2, 13), D(2025, 12, 31)]
    ns = [5, 10, 3]
    got = CAL.add_workdays_many(np.array([d.toordinal() for d in starts]), np.array(ns))
    assert [D.fromordinal(int(o)) for o in got] == [CAL.add_workdays(d, n) for d, n in zip(starts, ns)]
    days = np.array([D(2026, 10, 1).toordinal(), D(2026, 10, 9).toordinal(), -1])
    assert CAL.next_workday_many(days).tolist()[:2] == [D(2026, 10, 8).toordinal(), D(2026, 10, 9).toordinal()]


dates = st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31))


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(min_value=1, max_value=60))
def test_a_deadline_is_always_a_working_day(start, n):
    assert CAL.is_workday(CAL.add_workdays(start, n))


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(min_value=0, max_value=60))
def test_more_days_never_give_an_earlier_date(start, n):
    assert CAL.add_workdays(start, n + 1) > CAL.add_workdays(start, n)


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(min_value=0, max_value=80))
def test_counting_back_gives_n(start, n):
    assert CAL.workdays_between(start, CAL.add_workdays(start, n)) == n


@settings(max_examples=200, deadline=None)
@given(dates, st.integers(min_value=1, max_value=12))
def test_month_periods_end_on_a_working_day_not_before_the_corresponding_day(start, m):
    end = CAL.add_months(start, m)
    assert CAL.is_workday(end)
    assert end >= start + dt.timedelta(days=27 * m)
