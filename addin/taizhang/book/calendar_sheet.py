"""The master's hidden 工作日历 sheet: the working days 2020–2030, so that plain formulas can count them.

Written whenever taizhang creates or saves a master, from the same calendar every computation uses
(``calendar/workdays.py``: State Council schedule plus the workbook's own 节假日 rows) and the
campaign's 复杂程度 tiers and yellow-light threshold from 参数设置. The formulas below need no add-in
and no macro, so they work the same in Excel, WPS and LibreOffice; the tests recalculate them in
LibreOffice and compare every answer with ``taizhang workday`` and the ledger's lights.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from taizhang.book.sheets import S_CALENDAR
from taizhang.fields import LIGHT_ZH, STATUS_CLOSED, STATUS_DONE, STATUS_UNFOUNDED

if TYPE_CHECKING:
    from taizhang.calendar.workdays import WorkCalendar
    from taizhang.rules.rulebook import Rulebook
    from taizhang.xlsx.xlsxpatch import SheetSpec

FIRST_YEAR, LAST_YEAR = 2020, 2030
LAST_ROW = 4000  # room for 2020–2030 (about 2,750 working days) whatever the local overrides
DAYS = f"{S_CALENDAR}!$A$2:$A${LAST_ROW}"
TIERS = f"{S_CALENDAR}!$C$2:$E$40"
YELLOW = f"{S_CALENDAR}!$G$2"
HEADERS = ["工作日", "", "复杂程度", "工作日数", "月数", "", "黄灯阈值（剩余工作日）", "", "用法（把 A2、B2 换成自己的单元格）"]


def workday_formula(start: str, n: str) -> str:
    """The Nth working day after ``start`` (the start day never counts; N ≥ 1) — ``taizhang workday``."""
    return f"INDEX({DAYS},MATCH({start},{DAYS},1)+{n})"


def next_workday_formula(day: str) -> str:
    """``day`` itself if it is a working day, else the next one (Civil Code Art. 203)."""
    return f"INDEX({DAYS},MATCH({day}-1,{DAYS},1)+1)"


def deadline_formula(assigned: str, tier: str) -> str:
    """整改时限 from 交办日期 and 复杂程度, by the workbook's own tiers (working days, or months then Art. 203)."""
    months = f"VLOOKUP({tier},{TIERS},3,0)"
    return (f"IF({months}>0,{next_workday_formula(f'EDATE({assigned},{months})')},"
            f"{workday_formula(assigned, f'VLOOKUP({tier},{TIERS},2,0)')})")


def light_formula(deadline: str, status: str, today: str) -> str:
    """红绿灯 from 整改时限, 办理状态 and a base day (the lag-behind-progress yellow is not included)."""
    due = next_workday_formula(deadline)
    left = f"MATCH({due},{DAYS},1)-MATCH({today},{DAYS},1)"
    return (f'IF(OR({status}="{STATUS_DONE}",{status}="{STATUS_UNFOUNDED}"),"{LIGHT_ZH["done"]}",'
            f'IF({status}="{STATUS_CLOSED}","{LIGHT_ZH["closed"]}",'
            f'IF({due}<{today},"{LIGHT_ZH["red"]}",IF({left}<={YELLOW},"{LIGHT_ZH["yellow"]}","{LIGHT_ZH["green"]}"))))')


USAGE = [
    ("N个工作日后的日期（A2 起算日，B2 工作日数）", "=" + workday_formula("A2", "B2")),
    ("整改时限（A2 交办日期，B2 复杂程度；只适用于时限规则“按复杂程度”）", "=" + deadline_formula("A2", "B2")),
    ("红绿灯（A2 整改时限，B2 办理状态，C2 基准日，可用 TODAY()）", "=" + light_formula("A2", "B2", "C2")),
    ("本表由台账助手在创建和保存台账时按国务院放假安排和“节假日”表生成，请勿手工修改；"
     "改了“节假日”或“参数设置”后，运行一次“计算时限与红绿灯”即可更新。", ""),
]


def working_days(cal: "WorkCalendar") -> list[dt.date]:
    """Every working day FIRST_YEAR–LAST_YEAR: the days that are their own next working day."""
    import numpy as np

    days = np.arange(dt.date(FIRST_YEAR, 1, 1).toordinal(), dt.date(LAST_YEAR, 12, 31).toordinal() + 1, dtype=np.int64)
    return [dt.date.fromordinal(int(o)) for o in days[cal.next_workday_many(days) == days]]


def calendar_rows(book: "Rulebook", cal: "WorkCalendar") -> list[list]:
    """Header plus rows: working days in A; tiers in C:E; the yellow threshold in G2; usage in I."""
    days = working_days(cal)
    tiers = [[t.name, t.workdays or 0, t.months or 0] for t in book.tiers]
    usage = [u for pair in USAGE for u in pair if u]
    n = max(len(days), len(tiers), len(usage))
    rows = []
    for i in range(n):
        tier = tiers[i] if i < len(tiers) else [None, None, None]
        rows.append([days[i] if i < len(days) else None, None, *tier, None,
                     book.lights.yellow_workdays if i == 0 else None, None, usage[i] if i < len(usage) else None])
    return [HEADERS] + rows


def calendar_spec(book: "Rulebook", cal: "WorkCalendar") -> "SheetSpec":
    from taizhang.xlsx.xlsxpatch import SheetSpec

    return SheetSpec(calendar_rows(book, cal), [12, 2, 12, 10, 8, 2, 12, 2, 90], None, hidden=True,
                     autofilter=False)
