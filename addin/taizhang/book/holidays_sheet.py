"""The master's 节假日 sheet with a State Council notice entered into it (``taizhang holidays --notice``).

The sheet holds two kinds of rows: the office's local days (本地放假 / 调休上班, any 说明) and the days of a
notice the office entered, whose 说明 starts with ``NOTICE_MARK`` and the year. Entering a notice for a year
replaces that year's notice rows and keeps every local row; where a local row and the notice name the same
date, the local row stays and the notice's is left out (the sheet's rule: local days win). A year with notice
rows is no longer estimated (``Master.notice_years``, ``WorkCalendar(official_years=…)``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from taizhang.book.master import _as_date  # the master's one reading of a date cell
from taizhang.book.sheets import S_HOLIDAYS
from taizhang.calendar.holiday_notice import NoticeSchedule, notice_year_of


@dataclass
class NoticeMerge:
    rows: list[list]                                        # the whole sheet's rows, in date order (no header)
    added: int = 0                                          # notice rows written
    replaced: int = 0                                       # rows of an earlier entry of the same year's notice
    local_kept: list[dt.date] = field(default_factory=list)  # dates where the office's own row wins


def holiday_rows(path: Path) -> list[list]:
    """The 节假日 sheet's rows as stored (header first), read from the master file."""
    from taizhang.book.master import _read_sheets

    return [list(r) for r in _read_sheets(Path(path), [S_HOLIDAYS]).get(S_HOLIDAYS) or []]


def merge_notice(table: list[list], schedule: NoticeSchedule) -> NoticeMerge:
    """The 节假日 rows after entering ``schedule`` (``table`` as stored, header first)."""
    local, replaced = [], 0
    for r in table[1:]:
        r = (list(r) + ["", "", ""])[:3]
        if r[0] in (None, ""):
            continue
        if notice_year_of(r[2]) == schedule.year:
            replaced += 1
            continue
        local.append([_as_date(r[0]) or r[0], r[1], r[2] or ""])
    mine = {row[0] for row in local if isinstance(row[0], dt.date) and notice_year_of(row[2]) is None}
    notice = [row for row in schedule.rows() if row[0] not in mine]
    kept = sorted(d for d in mine if d in schedule.days())
    rows = sorted(local + notice, key=lambda row: (row[0] if isinstance(row[0], dt.date) else dt.date.max))
    return NoticeMerge(rows, added=len(notice), replaced=replaced, local_kept=kept)

