"""Above one campaign: every master in a folder in one set of figures (the 领导总览).

An office rarely runs one campaign, and the same 镇 is a member unit of several at once. ``compute_overview``
takes each master's own ``Figures`` (so every number is the one that campaign's summary shows, its durations —
working days 交办 → 签收 and → 办结, the spread of overdue days — included) and adds what no single summary can:
per unit its standing across all its campaigns; and per campaign and unit the lights on each report day the
master's 历史统计 kept (the 月晾晒 picture). Pure: masters and figures in, figures out.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from taizhang.report.figures import Counts, Figures


class CampaignLine(BaseModel):
    campaign: str
    file: str
    as_of: dt.date
    last_report_day: dt.date | None = None
    units: int = 0
    totals: Counts
    days_to_sign: float | None = None   # mean working days 交办 → 签收, over the cases that have both dates
    days_to_done: float | None = None   # mean working days 交办 → 办结
    overdue_median: float | None = None  # working days overdue of the red cases
    overdue_max: int | None = None


class UnitStanding(BaseModel):
    unit: str
    campaigns: list[str]
    total: int = 0
    done: int = 0
    closed: int = 0
    red: int = 0
    yellow: int = 0
    green: int = 0
    completion_rate: float = 0.0
    light: str = "none"                  # the worst light over its campaigns ("none": no cases anywhere)
    per_campaign: dict[str, list[int]] = {}  # campaign → [total, red, yellow]


class TrendRow(BaseModel):
    campaign: str
    unit: str
    days: dict[dt.date, list[int]]       # report day → [total, red, yellow]


class Overview(BaseModel):
    as_of: dt.date
    campaigns: list[CampaignLine]
    units: list[UnitStanding]
    report_days: list[dt.date]           # every report day in any master's history, oldest first
    trend: list[TrendRow]
    totals: Counts
    skipped: list[list[str]] = []        # [file, reason] of the files in the folder not read as masters


def _day(v) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    return v if isinstance(v, dt.date) else None


def campaign_line(file: str, master, figs: Figures) -> CampaignLine:
    d = figs.durations  # the campaign's own summary shows the same (report.figures.durations)
    days = [d for d in (_day(v) for v in master.history["报送日"].tolist()) if d] if len(master.history) else []
    return CampaignLine(campaign=figs.campaign, file=file, as_of=figs.as_of, last_report_day=max(days, default=None),
                        units=len(master.units), totals=figs.totals, days_to_sign=d.days_to_sign,
                        days_to_done=d.days_to_done, overdue_median=d.overdue_median, overdue_max=d.overdue_max)


def _trend(master, campaign: str) -> list[TrendRow]:
    h = master.history
    rows: dict[str, dict[dt.date, list[int]]] = {}
    if len(h):
        for day, unit, total, red, yellow in zip(h["报送日"], h["责任单位"], h["问题总数"], h["红灯"], h["黄灯"]):
            d = _day(day)
            if d is None or not unit:
                continue
            rows.setdefault(str(unit), {})[d] = [int(total or 0), int(red or 0), int(yellow or 0)]
    order = master.units.names()
    return [TrendRow(campaign=campaign, unit=u, days=rows[u]) for u in sorted(rows, key=lambda u: (u not in order,
                                                                                                 order.index(u) if u in order else 0, u))]


WORST = ("red", "yellow", "green", "none")


def compute_overview(entries: list[tuple[str, object, Figures]], as_of: dt.date,
                     skipped: list[list[str]] | None = None) -> Overview:
    """``entries``: (file name, master, its figures as of ``as_of``) per master."""
    campaigns = [campaign_line(f, m, figs) for f, m, figs in entries]
    standing: dict[str, UnitStanding] = {}
    order: list[str] = []
    for _, _, figs in entries:
        for u in figs.units:
            s = standing.get(u.unit)
            if s is None:
                s = standing[u.unit] = UnitStanding(unit=u.unit, campaigns=[])
                order.append(u.unit)
            s.campaigns.append(figs.campaign)
            for k in ("total", "done", "closed", "red", "yellow", "green"):
                setattr(s, k, getattr(s, k) + getattr(u, k))
            s.per_campaign[figs.campaign] = [u.total, u.red, u.yellow]
            if WORST.index(u.light if u.light in WORST else "none") < WORST.index(s.light):
                s.light = u.light
    for s in standing.values():
        s.completion_rate = round(100 * (s.done + s.closed) / s.total, 1) if s.total else 0.0
    units = sorted(standing.values(), key=lambda s: (-s.red, -s.yellow, -s.completion_rate, order.index(s.unit)))
    trend = [row for f, m, figs in entries for row in _trend(m, figs.campaign)]
    days = sorted({d for row in trend for d in row.days})
    totals = Counts()
    for c in campaigns:
        for k in ("total", "done", "closed", "in_progress", "red", "yellow", "green", "long_term"):
            setattr(totals, k, getattr(totals, k) + getattr(c.totals, k))
    totals.completion_rate = round(100 * (totals.done + totals.closed) / totals.total, 1) if totals.total else 0.0
    return Overview(as_of=as_of, campaigns=campaigns, units=units, report_days=days, trend=trend, totals=totals,
                    skipped=skipped or [])
