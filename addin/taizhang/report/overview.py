"""Above one campaign: every master in a folder in one set of figures (the 领导总览).

An office rarely runs one campaign, and the same 镇 is a member unit of several at once. ``compute_overview``
takes each master's own ``Figures`` (so every number is the one that campaign's summary shows, its durations —
working days 交办 → 签收 and → 办结, the spread of overdue days — included) and adds what no single summary can:
per unit its standing across all its campaigns; and per campaign and unit the lights on each report day the
master's 历史统计 kept (the 月晾晒 picture). A unit is (office, name) (``scopes``): the same 镇 in one office's
campaigns is one unit, two counties' 城关镇 are two. Pure: masters and figures in, figures out.
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
    office: str = ""                     # whose master lists it ("" where units are known by name alone: ``scopes``)
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

    @property
    def label(self) -> str:
        """The unit as a leader reads it: 城关镇, or 城关镇（第1县专项办） where namesakes of several offices may meet."""
        return f"{self.unit}（{self.office}）" if self.office else self.unit


class TrendRow(BaseModel):
    campaign: str
    unit: str
    office: str = ""                     # as ``UnitStanding.office``
    days: dict[dt.date, list[int]]       # report day → [total, red, yellow]


class Overview(BaseModel):
    as_of: dt.date
    campaigns: list[CampaignLine]        # one a master (several masters of one campaign: several lines)
    units: list[UnitStanding]
    report_days: list[dt.date]           # every report day in any master's history, oldest first
    trend: list[TrendRow]
    totals: Counts
    skipped: list[list[str]] = []        # [file, reason] of the files in the folder not read as masters

    @property
    def campaign_names(self) -> list[str]:
        """Each campaign once, in the order of the masters (100 lower masters of one campaign: one name)."""
        return list(dict.fromkeys(c.campaign for c in self.campaigns))

    @property
    def by_office(self) -> bool:
        """Units are told apart by office (``scopes``): the 单位总览 and 亮灯走势 show a column 所属办公室."""
        return any(u.office for u in self.units) or any(r.office for r in self.trend)


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


def scopes(entries: list[tuple[str, object, Figures]]) -> list[str]:
    """Per master, the office its units are known by: a unit is (office, unit name).

    A campaign with one master in the folder (one office's campaigns, the usual folder) has scope "": its units are
    their names, so the same 镇 in three campaigns is one row. Only a campaign with several masters (several
    counties' or 归口 departments' masters of one campaign, or two levels) has its masters' units known by their
    office (参数设置 办公室名称): 城关镇 of two counties are two units, not one. So one more master of one campaign
    (a 镇's own master, last year's copy) never splits the other campaigns' units — each preset names its office
    differently, so office names cannot join one office's campaigns. Two masters of one campaign naming the same
    office (or none) are told apart by their file names, so that no two masters' units are ever added up as one
    by accident. Such a campaign's units join another campaign's only where both are scoped by the same office."""
    campaigns = [figs.campaign for _, _, figs in entries]
    count: dict[str, int] = {}
    for c in campaigns:
        count[c] = count.get(c, 0) + 1
    names = [(getattr(m.rulebook, "office", "") or "").strip() for _, m, _ in entries]
    seen: dict[tuple[str, str], int] = {}
    for c, n in zip(campaigns, names):
        seen[(c, n)] = seen.get((c, n), 0) + 1
    return ["" if count[c] == 1 else n if n and seen[(c, n)] == 1 else (f"{n}·{f}" if n else f)
            for (f, _, _), c, n in zip(entries, campaigns, names)]


def _trend(master, campaign: str, office: str = "") -> list[TrendRow]:
    h = master.history
    rows: dict[str, dict[dt.date, list[int]]] = {}
    if len(h):
        for day, unit, total, red, yellow in zip(h["报送日"], h["责任单位"], h["问题总数"], h["红灯"], h["黄灯"]):
            d = _day(day)
            if d is None or not unit:
                continue
            rows.setdefault(str(unit), {})[d] = [int(total or 0), int(red or 0), int(yellow or 0)]
    order = {u: i for i, u in enumerate(master.units.names())}  # (a list's index per unit was quadratic)
    return [TrendRow(campaign=campaign, unit=u, office=office, days=rows[u])
            for u in sorted(rows, key=lambda u: (u not in order, order.get(u, 0), u))]


WORST = ("red", "yellow", "green", "none")


def compute_overview(entries: list[tuple[str, object, Figures]], as_of: dt.date,
                     skipped: list[list[str]] | None = None) -> Overview:
    """``entries``: (file name, master, its figures as of ``as_of``) per master."""
    campaigns = [campaign_line(f, m, figs) for f, m, figs in entries]
    offices = scopes(entries)
    standing: dict[tuple[str, str], UnitStanding] = {}  # (office, unit name): namesakes of two offices stay two
    sums = ("total", "done", "closed", "red", "yellow", "green")
    for (_, _, figs), office in zip(entries, offices):
        for u in figs.units:
            key = (office, u.unit)
            s = standing.get(key)
            if s is None:
                s = standing[key] = UnitStanding(unit=u.unit, office=office, campaigns=[])
            if figs.campaign not in s.campaigns:
                s.campaigns.append(figs.campaign)
            for k in sums:
                setattr(s, k, getattr(s, k) + getattr(u, k))
            was = s.per_campaign.get(figs.campaign, [0, 0, 0])
            s.per_campaign[figs.campaign] = [was[0] + u.total, was[1] + u.red, was[2] + u.yellow]
            if WORST.index(u.light if u.light in WORST else "none") < WORST.index(s.light):
                s.light = u.light
    order = {key: i for i, key in enumerate(standing)}  # first seen (a list's index per unit was quadratic)
    for s in standing.values():
        s.completion_rate = round(100 * (s.done + s.closed) / s.total, 1) if s.total else 0.0
    units = sorted(standing.values(), key=lambda s: (-s.red, -s.yellow, -s.completion_rate, order[(s.office, s.unit)]))
    trend = [row for (f, m, figs), office in zip(entries, offices) for row in _trend(m, figs.campaign, office)]
    days = sorted({d for row in trend for d in row.days})
    totals = Counts()
    for c in campaigns:
        for k in ("total", "done", "closed", "in_progress", "red", "yellow", "green", "long_term"):
            setattr(totals, k, getattr(totals, k) + getattr(c.totals, k))
    totals.completion_rate = round(100 * (totals.done + totals.closed) / totals.total, 1) if totals.total else 0.0
    return Overview(as_of=as_of, campaigns=campaigns, units=units, report_days=days, trend=trend, totals=totals,
                    skipped=skipped or [])
