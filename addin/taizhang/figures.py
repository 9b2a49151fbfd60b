"""The figures behind the leaders' summary, computed from the ledger with pandas.

Pure: takes the ledger with lights already computed (``deadlines``) and the
settings, returns plain data. The summary workbook and ``summary --json``
both show exactly these figures.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from pydantic import BaseModel

from .fields import STATUS_CLOSED, STATUS_DONE, STATUS_UNFOUNDED
from .xlsxout import LIGHT_ZH

ZH_LIGHT = {v: k for k, v in LIGHT_ZH.items()}


class Counts(BaseModel):
    total: int = 0
    done: int = 0
    closed: int = 0
    in_progress: int = 0
    red: int = 0
    yellow: int = 0
    green: int = 0
    completion_rate: float = 0.0
    on_time_rate: float | None = None


class UnitFigures(Counts):
    unit: str
    unit_type: str = ""
    light: str = "green"
    rank: int = 0


class GroupFigures(Counts):
    name: str
    supervisor: str = ""


class Overdue(BaseModel):
    id: str | None
    unit: str | None
    category: str | None
    description: str | None
    leader: str | None
    deadline: dt.date | None
    remaining_workdays: int | None
    days_overdue: int
    light: str


class Figures(BaseModel):
    campaign: str
    as_of: dt.date
    totals: Counts
    previous_day: dt.date | None = None
    change: dict[str, int] = {}
    units: list[UnitFigures]
    categories: list[GroupFigures]
    supervisors: list[GroupFigures]
    sources: list[GroupFigures]
    phases: list[GroupFigures]
    supervise: list[Overdue]
    rank_rule: str


def _counts(df: pd.DataFrame, deadline_eff: pd.Series) -> dict:
    total = len(df)
    status = df["status"]
    light = df["light"].map(ZH_LIGHT)
    done = int(status.isin([STATUS_DONE, STATUS_UNFOUNDED]).sum())
    closed = int((status == STATUS_CLOSED).sum())
    finished = status.isin([STATUS_DONE, STATUS_UNFOUNDED, STATUS_CLOSED])
    judged = finished & df["done_date"].notna() & deadline_eff.notna()
    on_time = None
    if judged.any():
        ok = sum(1 for d, e in zip(df.loc[judged, "done_date"], deadline_eff[judged]) if d <= e)
        on_time = round(ok / int(judged.sum()) * 100, 1)
    return dict(total=total, done=done, closed=closed, in_progress=total - done - closed,
                red=int((light == "red").sum()), yellow=int((light == "yellow").sum()), green=int((light == "green").sum()),
                completion_rate=round((done + closed) / total * 100, 1) if total else 0.0, on_time_rate=on_time)


def _unit_light(c: dict) -> str:
    return "red" if c["red"] else "yellow" if c["yellow"] else "green"


def rank_units(units: list[UnitFigures], rule: str) -> list[UnitFigures]:
    """Rank by the office's rule; ties broken by fewer overdue, then more cases, then name."""
    if rule == "overdue":
        key = lambda u: (u.red, u.yellow, -u.completion_rate, u.unit)  # noqa: E731
    elif rule == "on_time_rate":
        key = lambda u: (-(u.on_time_rate if u.on_time_rate is not None else -1), u.red, -u.completion_rate, u.unit)  # noqa: E731
    else:
        key = lambda u: (-u.completion_rate, u.red, -u.total, u.unit)  # noqa: E731
    ordered = sorted(units, key=key)
    for i, u in enumerate(ordered, 1):
        u.rank = i
    return ordered


RULE_ZH = {"completion_rate": "按办结率（含销号）从高到低排名；办结率相同的，超期数少者在前",
           "on_time_rate": "按按时办结率从高到低排名；相同的，超期数少者在前",
           "overdue": "按超期未办结数从少到多排名；相同的，预警数少者在前"}


def compute_figures(master, ledger: pd.DataFrame, deadline_eff: list, as_of: dt.date) -> Figures:
    book = master.rulebook
    df = ledger.reset_index(drop=True)
    eff = pd.Series(deadline_eff, dtype=object)
    totals = Counts(**_counts(df, eff))
    types = {u.name: u.type for u in master.units.units}
    unit_names = master.units.names() + sorted(set(df["unit"].dropna()) - set(master.units.names()))
    units = []
    for name in unit_names:
        mask = (df["unit"] == name).to_numpy()
        c = _counts(df[mask], eff[mask])
        units.append(UnitFigures(unit=name, unit_type=types.get(name, ""), light=_unit_light(c), **c))
    units = rank_units(units, book.lights.rank_rule)

    def groups(column: str, names: list[str], extra: dict[str, str] | None = None) -> list[GroupFigures]:
        out = []
        for name in names:
            mask = (df[column] == name).to_numpy()
            if not mask.any() and column != "category":
                continue
            out.append(GroupFigures(name=name, supervisor=(extra or {}).get(name, ""), **_counts(df[mask], eff[mask])))
        return out

    cats = [c.name for c in book.categories] + sorted(set(df["category"].dropna()) - {c.name for c in book.categories})
    categories = groups("category", cats, master.categories)
    sups = sorted({s for s in df["supervisor"].dropna()})
    supervisors = groups("supervisor", sups)
    sources = groups("source", list(dict.fromkeys(list(book.sources) + sorted(df["source"].dropna().unique()))))
    phases = []
    for p in book.phases:
        if not (p.start and p.end):
            continue
        mask = df["assigned"].map(lambda d, p=p: isinstance(d, dt.date) and p.start <= d <= p.end).to_numpy(dtype=bool)
        phases.append(GroupFigures(name=p.name, **_counts(df[mask], eff[mask])))

    supervise = []
    light = df["light"].map(ZH_LIGHT)
    for i in df.index[light.isin(["red", "yellow"])]:
        rem = df.at[i, "remaining"]
        rem = int(rem) if rem is not None and rem == rem else None
        supervise.append(Overdue(id=df.at[i, "case_id"], unit=df.at[i, "unit"], category=df.at[i, "category"],
                                 description=df.at[i, "description"], leader=df.at[i, "leader"], deadline=eff[i],
                                 remaining_workdays=rem, days_overdue=max(0, -(rem or 0)), light=light[i]))
    supervise.sort(key=lambda o: (o.light != "red", o.remaining_workdays if o.remaining_workdays is not None else 0, o.unit or ""))

    prev_day, change = None, {}
    hist = master.history
    if len(hist):
        days = sorted({_d(x) for x in hist["报送日"] if _d(x) and _d(x) < as_of})
        if days:
            prev_day = days[-1]
            prev = hist[hist["报送日"].map(_d) == prev_day]
            before = {k: int(pd.to_numeric(prev[col], errors="coerce").fillna(0).sum())
                      for k, col in (("total", "问题总数"), ("done", "已办结"), ("closed", "已销号"), ("red", "红灯"), ("yellow", "黄灯"))}
            now = totals.model_dump()
            change = {k: now[k] - v for k, v in before.items()}
    return Figures(campaign=book.name, as_of=as_of, totals=totals, previous_day=prev_day, change=change, units=units,
                   categories=categories, supervisors=supervisors, sources=sources, phases=phases, supervise=supervise,
                   rank_rule=book.lights.rank_rule)


def _d(v) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v[:10])
        except ValueError:
            return None
    return None


def history_rows(figs: Figures) -> list[list]:
    return [[figs.as_of, u.unit, u.total, u.done, u.closed, u.red, u.yellow, u.green] for u in figs.units]


def briefing(figs: Figures, reports: dict | None = None) -> list[str]:
    """A draft 通报 in plain Chinese, built only from the figures."""
    t = figs.totals
    d = figs.as_of
    paras = [f"截至{d.year}年{d.month}月{d.day}日，{figs.campaign}专项行动台账共有问题{t.total}个，"
             f"已办结{t.done}个、已销号{t.closed}个，办结率{t.completion_rate:g}%；正在整改{t.in_progress}个。"]
    if t.on_time_rate is not None:
        paras[0] += f"已办结问题中按时办结率为{t.on_time_rate:g}%。"
    reds = [u for u in figs.units if u.red]
    if t.red:
        names = "、".join(f"{u.unit}（{u.red}个）" for u in sorted(reds, key=lambda u: -u.red)[:10])
        paras.append(f"超期未办结问题{t.red}个，涉及{len(reds)}个单位：{names}。请相关单位抓紧整改，说明超期原因。")
    else:
        paras.append("目前没有超期未办结的问题。")
    if t.yellow:
        paras.append(f"临近时限或进度滞后的问题{t.yellow}个，请相关单位加快推进。")
    if figs.change:
        c = figs.change
        paras.append(f"与上次调度（{figs.previous_day}）相比，新增问题{c.get('total', 0)}个，"
                     f"新办结{c.get('done', 0) + c.get('closed', 0)}个，超期问题{'增加' if c.get('red', 0) >= 0 else '减少'}{abs(c.get('red', 0))}个。")
    ranked = [u for u in figs.units if u.total]
    if ranked:
        top = "、".join(u.unit for u in ranked[:3])
        bottom = "、".join(u.unit for u in ranked[-3:][::-1]) if len(ranked) > 3 else ""
        paras.append(f"红绿灯排行榜（{RULE_ZH[figs.rank_rule]}）前列的单位：{top}" + (f"；排名靠后的单位：{bottom}。" if bottom else "。"))
    if reports:
        if reports.get("missing"):
            paras.append(f"本期未报送的单位：{'、'.join(reports['missing'])}。")
        if reports.get("late"):
            paras.append(f"逾期报送的单位：{'、'.join(reports['late'])}。")
        if reports.get("zero"):
            paras.append(f"零报告单位：{'、'.join(reports['zero'])}（办公室将按规定进行抽查）。")
    return paras
