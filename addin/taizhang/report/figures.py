"""The figures behind the leaders' summary, computed from the ledger with pandas.

Pure: takes the ledger with lights already computed (``deadlines``) and the
settings, returns plain data. The summary workbook and ``summary --json``
both show exactly these figures.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pandas as pd
from pydantic import BaseModel

from taizhang.fields import LIGHT_FROM_ZH, STATUS_CLOSED, STATUS_DONE, STATUS_UNFOUNDED

# the 报送情况 table (master and summary): one row per member unit
REPORT_HEADERS = ["单位名称", "单位类型", "报送情况", "报送文件", "接收日期", "新增", "更新", "未变", "退回", "说明", "接收依据"]
REPORT_FILL = {"逾期报送": "yellow", "未报送": "red", "文件被退回": "red", "零报告": "done", "已报送": "green",
               "本期无需报送": "done"}  # (seed 004: a 常规工作's quarterly report, not every month)


class Counts(BaseModel):
    total: int = 0
    done: int = 0
    closed: int = 0
    in_progress: int = 0
    red: int = 0
    yellow: int = 0
    green: int = 0
    long_term: int = 0  # 持续整改 (seed 003): tracked by progress, never overdue
    no_deadline: int = 0  # not finished, and no deadline could be computed (no 整改方式, no 整改时限): no light
    late_sign: int = 0  # signed after 签收期限 (or not yet, past it, where the plan tracks it)
    late_feedback: int = 0
    coord: int = 0  # flagged by the office for 区级协调 (seed 001)
    disposed: int = 0  # cases on which the office recorded a 处置措施
    completion_rate: float = 0.0
    on_time_rate: float | None = None


class UnitFigures(Counts):
    unit: str
    unit_type: str = ""
    light: str = "green"  # "none": no cases, so no light
    rank: int | None = None  # None: not ranked (no cases: listed as 无问题 below the ranking)
    report_state: str = ""  # this report day's 报送情况 (已报送、未报送、逾期报送、零报告、文件被退回), "" before any merge
    # 序时进度 (seed 000): mean 完成进度 and mean share of time used over the unit's cases with a deadline (%), and
    # their difference in percentage points; None when no case has both a 交办日期 and a deadline
    progress_avg: float | None = None
    time_avg: float | None = None
    schedule_gap: float | None = None
    below_min: bool = False  # fewer cases than the plan requires of each unit (seed 000: 1个以上攻坚难题)
    unapproved: int = 0  # seed 000: the unit's proposed 攻坚难题 not yet 核准 (待核准), not counted above
    # 催办与材料: reminders logged on 催办记录 for this report period and in all; the plan's materials (材料报送)
    reminded: int = 0
    reminded_total: int = 0
    materials_received: list[str] = []  # "name（first seen）"
    materials_owed: list[str] = []      # "name（M月D日前[，已逾期]）"
    # 配合单位 (#27): the cases the unit works on beside their 责任单位 (never in the counts above), and those not finished
    co_cases: int = 0
    co_open: int = 0


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


class Durations(BaseModel):
    """How long cases take, in working days by the master's calendar (issue #32 item 3): the same numbers in the
    campaign's own summary and in the 领导总览. None where no case has the dates."""
    days_to_sign: float | None = None    # mean 交办 → 签收, over the cases with both dates
    days_to_done: float | None = None    # mean 交办 → 办结
    signed: int = 0                      # cases with a 签收日期 and a 签收期限
    sign_on_time_rate: float | None = None  # of those, signed by the 签收期限 (%)
    overdue_cases: int = 0               # red cases
    overdue_median: float | None = None  # their working days overdue
    overdue_max: int | None = None


def mean_workdays(cal, start: list, end: list) -> float | None:
    """Mean working days from each ``start`` date to its ``end`` (pairs with both dates, end not before start)."""
    from taizhang.calendar.deadlines import _ords

    a, b = _ords(start), _ords(end)  # whole columns (each distinct date once), -1 where no date
    ok = (a >= 0) & (b >= 0) & (b >= a)
    if not ok.any():
        return None
    return round(float(cal.workdays_between_many(a[ok], b[ok]).mean()), 1)


def durations(df: pd.DataFrame, cal) -> Durations:
    """The ledger's (lights computed) durations and spread of overdue working days; ``cal``: its WorkCalendar."""
    if not len(df) or cal is None:
        return Durations()
    col = lambda k: df[k].tolist() if k in df else [None] * len(df)  # noqa: E731
    assigned, signed, sign_by = col("assigned"), col("sign_date"), col("sign_by")
    pairs = [(s, b) for s, b in zip(signed, sign_by) if isinstance(s, dt.date) and isinstance(b, dt.date)]
    rem = pd.to_numeric(pd.Series(col("remaining"), dtype=object), errors="coerce")
    red = (df["light"].map(LIGHT_FROM_ZH) == "red").to_numpy() if "light" in df else np.zeros(len(df), bool)
    overdue = np.maximum(0, -rem[red].fillna(0).to_numpy()).astype(int)
    return Durations(days_to_sign=mean_workdays(cal, assigned, signed), days_to_done=mean_workdays(cal, assigned, col("done_date")),
                     signed=len(pairs),
                     sign_on_time_rate=round(100 * sum(s <= b for s, b in pairs) / len(pairs), 1) if pairs else None,
                     overdue_cases=int(red.sum()),
                     overdue_median=float(np.median(overdue)) if len(overdue) else None,
                     overdue_max=int(overdue.max()) if len(overdue) else None)


class MaterialFigures(BaseModel):
    """One of the plan's materials (材料报送): how many units have sent it, how many owe it."""
    name: str
    due: dt.date | None = None
    to: str = ""
    received: int = 0
    owed: int = 0
    overdue: bool = False  # past its date, some unit still owing it


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
    supervise: list[Overdue] | None  # None: not asked for (a merge records figures; it prints no 督办清单)
    rank_rule: str
    phase_rule: str = ""  # how a case is attributed to a stage (stated on the summary)
    # 问责提示: units red on consecutive report days, each a plain dict (unit, red, consecutive_days, step, quote,
    # decided) — suggestions for the office, never decisions
    accountability: list[dict] = []
    escalate_after: int = 2
    listing: list[dict] = []  # 挂牌督办 candidates (seed 002): id, unit, description, days_overdue, step, quote
    menu: list[dict] = []  # the plan's consequences chosen by conduct, never from days (``consequence_menu``)
    routes: list[GroupFigures] = []  # per 归口汇总部门 (seed 003: "按分管渠道向各系统分管部门汇报")
    route_of_type: dict[str, str] = {}  # unit type → 归口汇总部门
    deadline_rule: str = ""  # the campaign's 时限规则
    sign_workdays: int | None = None  # 签收 / 反馈 limits in force (seed 004, or the office's own); None: not counted
    feedback_workdays: int | None = None
    min_cases: int = 0  # the plan's minimum per unit (seed 000: 1); 0: none
    unapproved: int = 0  # seed 000: proposed 攻坚难题 awaiting the office's 核准, not counted ("待核准N个，未计入")
    durations: Durations = Durations()
    # seed 001 集体研究会商 suggestions: unfinished cases whose 涉及金额 reaches the office's amount (id, unit, description,
    # amount), the amount and the plan's sentence — suggestions, the office decides
    collective: list[dict] = []
    collective_amount: float | None = None
    collective_quote: str = ""
    period: str = ""  # the report period of ``as_of`` (报送期), the one 催办次数 are counted for
    materials: list[MaterialFigures] = []  # per material: units sent and owing
    # 回访, 重办 and 抽查 from the 审批台账 (book.trail.trail_figures): visits, satisfied, satisfaction (%), redo,
    # redo_by_unit, spot (result → count), spot_units (unit → 查实 or 整改不到位 count)
    closing: dict = {}
    co_unlisted: dict[str, int] = {}  # 配合单位 written as the unit list does not name them: cases per name as written


FLAG_COLUMNS = ["total", "done", "closed", "red", "yellow", "green", "judged", "on_time", "long_term", "late_sign",
                "late_feedback", "coord", "disposed", "no_deadline"]
# the cases still being worked on, by state: these add up to ``in_progress`` (total − done − closed)
IN_PROGRESS_PARTS = (("red", "超期未办结（红灯）"), ("yellow", "临近时限或进度滞后（黄灯）"), ("green", "正常推进（绿灯）"),
                     ("long_term", "持续整改（不计超期）"), ("no_deadline", "时限无法确定"))


def in_progress_parts(c: "Counts", short: bool = False) -> list[tuple[str, int]]:
    """(label, count) for each state of the cases in progress; red, yellow and green always, 持续整改 and
    时限无法确定 when there are any. The counts add up to ``c.in_progress``."""
    labels = {"red": "超期（红灯）", "yellow": "预警（黄灯）", "green": "正常（绿灯）", "long_term": "持续整改",
              "no_deadline": "时限无法确定"} if short else dict(IN_PROGRESS_PARTS)
    return [(labels[k], getattr(c, k)) for k, _ in IN_PROGRESS_PARTS
            if k in ("red", "yellow", "green") or getattr(c, k)]


def _flags(df: pd.DataFrame, deadline_eff: pd.Series) -> pd.DataFrame:
    """One row per case of 0/1 flags; every table is a sum of these over a group."""
    status = df["status"]
    light = df["light"].map(LIGHT_FROM_ZH)
    finished = status.isin([STATUS_DONE, STATUS_UNFOUNDED, STATUS_CLOSED]).to_numpy()
    done_dates = df["done_date"].tolist()
    effs = deadline_eff.tolist()
    judged = [bool(f) and d is not None and e is not None for f, d, e in zip(finished, done_dates, effs)]
    on_time = [j and d <= e for j, d, e in zip(judged, done_dates, effs)]
    return pd.DataFrame({
        "total": 1, "done": status.isin([STATUS_DONE, STATUS_UNFOUNDED]).to_numpy().astype(int),
        "closed": (status == STATUS_CLOSED).to_numpy().astype(int), "red": (light == "red").to_numpy().astype(int),
        "yellow": (light == "yellow").to_numpy().astype(int), "green": (light == "green").to_numpy().astype(int),
        "judged": judged, "on_time": on_time, "long_term": (light == "long").to_numpy().astype(int),
        "no_deadline": (~finished & ~light.isin(["red", "yellow", "green", "long"]).to_numpy()).astype(int)},
        index=df.index).astype(int)


def _workflow_flags(flags: pd.DataFrame, df: pd.DataFrame, book, as_of: dt.date) -> None:
    """Late sign-off / feedback (seed 004) and the office's 区级协调 flag (seed 001), as flag columns."""
    from taizhang.calendar.deadlines import _ords, late_workflow

    n = len(df)
    col = lambda k: df[k].tolist() if k in df else [None] * n  # noqa: E731
    late_sign, late_feedback = late_workflow(col("sign_date"), _ords(col("sign_by")), col("feedback_date"),
                                             _ords(col("feedback_by")), df["status"].fillna("").astype(str).to_numpy(),
                                             as_of, book.track_sign_feedback)
    flags["late_sign"] = late_sign.astype(int)
    flags["late_feedback"] = late_feedback.astype(int)
    flags["coord"] = [int(isinstance(v, str) and v.strip() not in ("", "否")) for v in col("district_coord")]
    flags["disposed"] = [int(isinstance(v, str) and bool(v.strip())) for v in col("disposal")]


def _counts_from(sums) -> dict:
    total, done, closed = int(sums["total"]), int(sums["done"]), int(sums["closed"])
    judged = int(sums["judged"])
    return dict(total=total, done=done, closed=closed, in_progress=total - done - closed, red=int(sums["red"]),
                yellow=int(sums["yellow"]), green=int(sums["green"]), long_term=int(sums.get("long_term", 0)),
                no_deadline=int(sums.get("no_deadline", 0)),
                late_sign=int(sums.get("late_sign", 0)), late_feedback=int(sums.get("late_feedback", 0)),
                coord=int(sums.get("coord", 0)), disposed=int(sums.get("disposed", 0)),
                completion_rate=round((done + closed) / total * 100, 1) if total else 0.0,
                on_time_rate=round(int(sums["on_time"]) / judged * 100, 1) if judged else None)


def _grouped(flags: pd.DataFrame, keys: pd.Series) -> dict:
    """Group name → counts dict."""
    sums = flags.groupby(keys.fillna("（未填）").to_numpy()).sum()
    return {name: _counts_from(row) for name, row in zip(sums.index, sums.to_dict("records"))}


EMPTY = {k: 0 for k in FLAG_COLUMNS}


def _unit_light(c: dict) -> str:
    if not c["total"]:
        return "none"
    return "red" if c["red"] else "yellow" if c["yellow"] else "green"


def schedule_by_unit(df: pd.DataFrame, eff: pd.Series, cal, as_of: dt.date) -> dict[str, tuple[float, float, float]]:
    """序时进度 per unit: (mean 完成进度, mean time share, difference) over its cases with a 交办日期 and a deadline.
    A finished case counts 100%; an open case without 完成进度 counts 0; 持续整改 (no deadline) is left out."""
    from taizhang.calendar.deadlines import _ords, time_share

    if cal is None or not len(df):
        return {}
    assigned, deadline = _ords(df["assigned"].tolist()), _ords(eff.tolist())
    share = time_share(cal, assigned, deadline, as_of)
    finished = df["status"].isin([STATUS_DONE, STATUS_UNFOUNDED, STATUS_CLOSED]).to_numpy()
    progress = pd.to_numeric(df["progress"], errors="coerce").fillna(0).clip(0, 100).to_numpy(dtype=float)
    progress = np.where(finished, 100.0, progress)
    ok = (assigned >= 0) & (deadline >= 0)
    frame = pd.DataFrame({"unit": df["unit"].to_numpy()[ok], "p": progress[ok], "t": share[ok]})
    out = {}
    for unit, g in frame.groupby("unit"):
        p, t = round(float(g["p"].mean()), 1), round(float(g["t"].mean()), 1)
        out[str(unit)] = (p, t, round(p - t, 1))
    return out


def rank_units(units: list[UnitFigures], rule: str) -> list[UnitFigures]:
    """Rank units with cases by the office's rule; ties broken by fewer overdue, then more cases, then name.

    A unit with no cases has nothing to rank: it keeps ``rank=None`` and follows the ranked units in
    directory order (the summary lists it as 无问题)."""
    unranked = [u for u in units if not u.total]
    units = [u for u in units if u.total]
    if rule == "schedule":  # 序时进度: ahead of time first; a unit with nothing to measure after those that have
        key = lambda u: (u.schedule_gap is None, -(u.schedule_gap or 0), u.red, u.yellow, -u.completion_rate, u.unit)  # noqa: E731
    elif rule == "overdue":
        key = lambda u: (u.red, u.yellow, -u.completion_rate, u.unit)  # noqa: E731
    elif rule == "on_time_rate":
        key = lambda u: (-(u.on_time_rate if u.on_time_rate is not None else -1), u.red, -u.completion_rate, u.unit)  # noqa: E731
    else:
        key = lambda u: (-u.completion_rate, u.red, -u.total, u.unit)  # noqa: E731
    ordered = sorted(units, key=key)
    for i, u in enumerate(ordered, 1):
        u.rank = i
    for u in unranked:
        u.rank = None
    return ordered + unranked


def ranking_ends(figs: "Figures", n: int = 3) -> tuple[list[UnitFigures], list[UnitFigures]]:
    """The ranking's first ``n`` and last ``n`` ranked units (the last listed worst first).

    The summary's ranking sheet and every 通报 take their 前列/靠后 units from here, so they never differ.
    With fewer than 2n ranked units the two lists do not overlap: the bottom gets what the top leaves."""
    ranked = [u for u in figs.units if u.rank is not None]
    top = ranked[:n]
    rest = ranked[len(top):]
    bottom = rest[-n:][::-1] if rest else []
    return top, bottom


RULE_ZH = {"schedule": "按序时进度排名：各问题完成进度（已办结、已销号按100%，未填写按0计）平均值减去时间进度"
                       "（交办至整改时限已用工作日的比例）平均值，差值（百分点）高者在前；差值相同的，超期（红灯）数少者在前，"
                       "再相同的，预警（黄灯）数少者在前，再相同的，办结率高者在前，仍相同的按单位名称排列",
           "completion_rate": "按办结率（含销号）从高到低排名；办结率相同的，超期数少者在前",
           "on_time_rate": "按按时办结率从高到低排名；相同的，超期数少者在前",
           "overdue": "按超期未办结数从少到多排名；相同的，预警数少者在前"}


def co_unit_counts(df: pd.DataFrame) -> tuple[Counter, Counter]:
    """Per 配合单位: the cases it works on (not as their 责任单位), and of them the ones not finished (整改中, 未启动)."""
    from taizhang.rules.validate import co_unit_names

    cases, still = Counter(), Counter()
    if "co_units" not in df.columns:
        return cases, still
    for co, unit, status in zip(df["co_units"].tolist(), df["unit"].tolist(), df["status"].tolist()):
        for name in co_unit_names(co):
            if name != unit:
                cases[name] += 1
                still[name] += status not in (STATUS_DONE, STATUS_CLOSED, STATUS_UNFOUNDED)
    return cases, still


def compute_figures(master, ledger: pd.DataFrame, deadline_eff: list, as_of: dt.date,
                    supervise: bool = True) -> Figures:
    """Every count the summary and the history need; ``supervise`` also lists each red and yellow case."""
    book = master.rulebook
    df = ledger.reset_index(drop=True)
    eff = pd.Series(deadline_eff, dtype=object)
    proposed = df["unit"].value_counts().to_dict() if book.min_cases and len(df) else {}  # 待核准 ones included
    unapproved_by_unit: dict[str, int] = {}  # seed 000: 待核准, not yet 攻坚难题 (book.trail.unapproved)
    if hasattr(master, "trail") and master.trail:  # 待核准 and 退出 cases are not counted (book.trail, seed 000)
        from taizhang.book.trail import held_out, unapproved

        keep = ~held_out(master, df).to_numpy()
        pending = unapproved(master, df).to_numpy()
        unapproved_by_unit = df.loc[pending, "unit"].value_counts().to_dict() if pending.any() else {}
        if not keep.all():
            df, eff = df[keep].reset_index(drop=True), eff[keep].reset_index(drop=True)
    flags = _flags(df, eff)
    _workflow_flags(flags, df, book, as_of)
    totals = Counts(**_counts_from(flags.sum()))
    types = {u.name: u.type for u in master.units.units}
    unit_names = master.units.names() + sorted(set(df["unit"].dropna()) - set(master.units.names()))
    units = []
    by_unit = _grouped(flags, df["unit"])
    for name in unit_names:
        c = by_unit.get(name) or _counts_from(EMPTY)
        units.append(UnitFigures(unit=name, unit_type=types.get(name, ""), light=_unit_light(c), **c))
    co_cases, co_open = co_unit_counts(df)
    for u in units:
        u.co_cases, u.co_open = co_cases.get(u.unit, 0), co_open.get(u.unit, 0)
    co_unlisted = {n: k for n, k in sorted(co_cases.items()) if n not in set(unit_names)}
    states = {r[0]: str(r[2]) for r in (master.reports or []) if r and len(r) > 2 and r[0]}
    schedule = schedule_by_unit(df, eff, master.calendar() if hasattr(master, "calendar") else None, as_of)
    for u in units:
        u.report_state = states.get(u.unit, "")
        if u.unit in schedule:
            u.progress_avg, u.time_avg, u.schedule_gap = schedule[u.unit]
        u.below_min = proposed.get(u.unit, 0) < book.min_cases and u.unit in types  # a proposed 攻坚难题 counts
        u.unapproved = unapproved_by_unit.get(u.unit, 0)
    period = remind_and_materials(master, units, as_of)
    units = rank_units(units, book.lights.rank_rule)

    def groups(column: str, names: list[str], extra: dict[str, str] | None = None) -> list[GroupFigures]:
        counted = _grouped(flags, df[column])
        out = []
        for name in names:
            if name not in counted and column != "category":
                continue
            out.append(GroupFigures(name=name, supervisor=(extra or {}).get(name, ""),
                                    **(counted.get(name) or _counts_from(EMPTY))))
        return out

    cats = [c.name for c in book.categories] + sorted(set(df["category"].dropna()) - {c.name for c in book.categories})
    categories = groups("category", cats, master.categories)
    routes = groups("summary_dept", list(dict.fromkeys([r.summary_dept for r in book.routing]
                                                      + sorted(df["summary_dept"].dropna().unique()))))
    sups = sorted({s for s in df["supervisor"].dropna()})
    supervisors = groups("supervisor", sups)
    sources = groups("source", list(dict.fromkeys(list(book.sources) + sorted(df["source"].dropna().unique()))))
    phases = phase_figures(book, df, flags)
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
                   categories=categories, supervisors=supervisors, sources=sources, phases=phases,
                   supervise=_supervise_list(df, eff) if supervise else None,
                   rank_rule=book.lights.rank_rule, phase_rule=PHASE_ATTRIBUTION if phases else "",
                   accountability=accountability(book, hist, units, df, as_of), escalate_after=book.escalate_after,
                   listing=listing_candidates(book, df), menu=consequence_menu(book), routes=routes, route_of_type={r.unit_type: r.summary_dept for r in book.routing},
                   deadline_rule=book.deadline_rule, sign_workdays=book.sign_workdays,
                   feedback_workdays=book.feedback_workdays, min_cases=book.min_cases, period=period,
                   unapproved=sum(unapproved_by_unit.values()),
                   materials=material_rows(master, as_of),
                   durations=durations(df, master.calendar() if hasattr(master, "calendar") else None),
                   collective=collective_candidates(book, df), collective_amount=book.collective_amount,
                   collective_quote=book.collective_quote, closing=_closing(master), co_unlisted=co_unlisted)


def collective_candidates(book, df: pd.DataFrame) -> list[dict]:
    """Seed 001: "对于重大疑难、争议金额较大的案件,应集体研究会商" — each unfinished case whose 涉及金额 (万元) reaches the
    office's amount, largest first. The plan gives no amount: none is suggested until the office sets one."""
    limit = getattr(book, "collective_amount", None)
    if limit is None or "amount" not in df or not len(df):
        return []
    amounts = pd.to_numeric(df["amount"], errors="coerce")
    open_ = ~df["status"].isin([STATUS_DONE, STATUS_CLOSED, STATUS_UNFOUNDED])
    keep = (amounts >= limit) & open_
    picked = df[keep]
    out = [{"id": c, "unit": u, "description": d, "amount": float(a)}  # column-wise: many cases may qualify
           for c, u, d, a in zip(picked["case_id"].tolist(), picked["unit"].tolist(), picked["description"].tolist(),
                                 amounts[keep].tolist())]
    return sorted(out, key=lambda c: -c["amount"])


def remind_and_materials(master, units: list[UnitFigures], as_of: dt.date) -> str:
    """Each unit's 催办次数 (催办记录 rows of ``as_of``'s report period, and in all) and its materials received and
    owed (材料报送); returns the period's label."""
    from taizhang.book.materials import materials_of, owed
    from taizhang.book.merge import owed_text
    from taizhang.book.template import period_label

    book = master.rulebook
    period = period_label(as_of, book.reporting.cadence) if book.reporting.cadence != "once" else "本次报送"
    this, total = {}, {}
    for r in getattr(master, "remind_log", None) or []:
        r = list(r) + [None] * 6
        unit = str(r[1] or "").strip()
        total[unit] = total.get(unit, 0) + 1
        if str(r[4] or "").strip() == period:
            this[unit] = this.get(unit, 0) + 1
    mats = materials_of(master) if hasattr(master, "materials") else []
    names = master.units.names()
    owing = owed(mats, names, as_of)
    for u in units:
        u.reminded, u.reminded_total = this.get(u.unit, 0), total.get(u.unit, 0)
        u.materials_received = [f"{m.name}（{m.received[u.unit].isoformat()}）" if m.received[u.unit] else m.name
                                for m in mats if u.unit in m.received]
        u.materials_owed = [owed_text(o) for o in owing.get(u.unit, [])]
    return period


def remind_sentences(figs: "Figures", limit: int = 10) -> list[str]:
    """催办与材料 in the 通报's words: this period's 催办次数 per unit, and each material's units still owing it."""
    out = []
    reminded = sorted((u for u in figs.units if u.reminded), key=lambda u: (-u.reminded, u.unit))
    if reminded:
        names = "、".join(f"{u.unit}（{u.reminded}次）" for u in reminded[:limit]) + ("等" if len(reminded) > limit else "")
        out.append(f"本期（{figs.period}）办公室共催办{sum(u.reminded for u in reminded)}次，涉及{len(reminded)}个单位：{names}。")
    for m in figs.materials:
        owing = [u.unit for u in figs.units if any(o.startswith(m.name + "（") for o in u.materials_owed)]
        when = f"（{m.due.month}月{m.due.day}日前报送）" if m.due else ""
        if not owing:
            out.append(f"方案要求的《{m.name}》{when}，各单位均已报送。")
            continue
        names = "、".join(owing[:limit]) + (f"等{len(owing)}个单位" if len(owing) > limit else "")
        state = "已过报送期限，" if m.overdue else ""
        out.append(f"方案要求的《{m.name}》{when}，已报送{m.received}个单位，{state}尚未报送的：{names}。")
    return out


def material_rows(master, as_of: dt.date) -> list[MaterialFigures]:
    from taizhang.book.materials import materials_of

    if not hasattr(master, "materials"):
        return []
    names = master.units.names()
    return [MaterialFigures(name=m.name, due=m.due, to=m.to, received=len([u for u in (m.units or names) if u in m.received]),
                            owed=len(m.owed_by(names)), overdue=bool(m.due and as_of > m.due and m.owed_by(names)))
            for m in materials_of(master)]


def _closing(master) -> dict:
    """满意率, 重办数 and 抽查 results from the master's 审批台账 (nothing where it keeps none)."""
    if not hasattr(master, "trail"):
        return {}
    from taizhang.book.trail import trail_figures

    out = trail_figures(master)
    if out["satisfaction"] is not None:
        out["satisfaction"] = round(out["satisfaction"], 1)
    return out if out["visits"] or out["redo"] or any(out["spot"].values()) else {}


PHASE_OUTSIDE = "（不在任何阶段内）"
PHASE_ATTRIBUTION = ("按交办日期归入阶段：交办日期在某阶段起止日期之内的，计入该阶段；每年重复的阶段按交办当年的同月同日计；"
                     "阶段交叉的（方案允许交叉推进），一个问题计入其所在的每个阶段，故各阶段合计可能多于问题总数；"
                     "不在任何阶段内的问题单列一行。")


def phase_figures(book, df: pd.DataFrame, flags: pd.DataFrame) -> list[GroupFigures]:
    """Counts per stage, by 交办日期; a recurring stage (每年) in the year of each case. Stages with a date still
    待填写 are listed with no cases; cases in no stage get their own row."""
    assigned = df["assigned"].tolist()
    from taizhang.calendar.deadlines import _ords

    ords = _ords(assigned)
    years = sorted({dt.date.fromordinal(o).year for o in np.unique(ords[ords >= 0]).tolist()})
    anywhere = np.zeros(len(df), dtype=bool)
    out = []
    for p in book.phases:
        mask = np.zeros(len(df), dtype=bool)
        for y in (years if (p.every_year or p.year_free) else years[:1]):
            start, end = p.span(y)
            if start and end:
                mask |= (ords >= start.toordinal()) & (ords <= end.toordinal())
        anywhere |= mask
        out.append(GroupFigures(name=p.name, **_counts_from(flags[mask].sum() if mask.any() else EMPTY)))
    rest = ~anywhere & (ords >= 0)
    if out and rest.any():
        out.append(GroupFigures(name=PHASE_OUTSIDE, **_counts_from(flags[rest].sum())))
    return out


ACCOUNTABILITY_NOTE = ("以下为台账助手按本专项行动方案的问责规定提出的建议，供领导小组办公室参考；是否采取、采取何种措施由领导小组决定。"
                      "只有方案与整改时限挂钩的措施（问责阶梯中性质为“按时限递进”的）才据连续有超期问题的报送期提出建议；"
                      "报送期按报送周期计，同一期内多次合并或另日生成汇总只计一次。"
                      "办公室在台账“处置措施”列登记已决定的措施后，连续计数重新开始。")
MENU_NOTE = ("以下措施方案按问题性质、情节轻重规定，须由领导小组办公室根据具体情况研究选择，台账助手不根据超期天数提出建议：")


def _month_day(year: int, month: int, day: int) -> dt.date:
    while month < 1:
        year, month = year - 1, month + 12
    while month > 12:
        year, month = year + 1, month - 12
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day, last))


def report_cycle(reporting, day: dt.date) -> dt.date:
    """The report day of the reporting cycle ``day`` belongs to: the cycle's due day nearest to it (a tie goes to the
    earlier). A folder merged again a few days later for late files, or a summary drawn between report days, belongs
    to the same cycle as the report day it follows — it is not one more report day. A one-off report (seed 002) is a
    single cycle; 一事一报 makes every day its own.

    >>> from taizhang.rules.rulebook import Reporting
    >>> report_cycle(Reporting(cadence="monthly", due_day=20), dt.date(2026, 5, 23))
    datetime.date(2026, 5, 20)
    >>> report_cycle(Reporting(cadence="weekly", due_day=5), dt.date(2026, 11, 24))
    datetime.date(2026, 11, 27)
    """
    cadence, due = reporting.cadence, reporting.due_day
    if cadence == "per_event":
        return day
    if cadence == "once":
        return reporting.due_date or dt.date.min
    if cadence == "weekly":
        back = (day.weekday() - (min(due, 7) - 1)) % 7
        before = day - dt.timedelta(days=back)
        candidates = [before, before + dt.timedelta(days=7)]
    elif cadence == "ten_days":
        candidates = [_month_day(day.year, day.month + k, d) for k in (-1, 0, 1) for d in (10, 20, 31)]
    elif cadence == "quarterly":
        candidates = [_month_day(day.year, m, due) for m in range(day.month - 5, day.month + 6) if m % 3 == 0]
    else:  # monthly
        candidates = [_month_day(day.year, day.month + k, due) for k in (-1, 0, 1)]
    return min(candidates, key=lambda c: (abs((c - day).days), c))


def accountability(book, history: pd.DataFrame, units: list[UnitFigures], df: pd.DataFrame, as_of: dt.date) -> list[dict]:
    """问责提示: each unit with red cases in ``book.escalate_after`` consecutive reporting cycles (this one included,
    from the master's history; several runs in one cycle count once, the latest deciding) is put forward for the
    next 按时限递进 step of the plan, one step per further cycle. Only steps the plan ties to lateness are ever
    suggested (seed 003's ladder; 001 扣分; 000 点名通报曝光): the plan's other consequences — 纪律处分, 移交司法机关,
    移交纪检监察机关, 责任追究, 问责 where the plan ties them to conduct — are its menu (``consequence_menu``), for the
    office to choose.

    A 处置措施 the office records (the unit's count of cases with one goes up in a cycle) restarts the count,
    and the step it names (a step's words in its text) is the step the next suggestion starts above.
    """
    from taizhang.rules.rulebook import KIND_TIME

    ladder = [r for r in book.ladder if r.kind == KIND_TIME]
    if not ladder:
        return []
    n = book.escalate_after
    now = report_cycle(book.reporting, as_of)
    red_on: dict[str, dict[dt.date, tuple[dt.date, int, int]]] = {}
    if len(history):
        cols = ["报送日", "责任单位", "红灯", "处置措施"] if "处置措施" in history else ["报送日", "责任单位", "红灯"]
        for row in history[cols].itertuples(index=False):
            day = _d(row[0])
            if day is None or day > as_of or not row[1]:
                continue
            cycle = report_cycle(book.reporting, day)
            if cycle == now:  # this cycle's figures are today's
                continue
            red = int(pd.to_numeric(row[2], errors="coerce") or 0) if row[2] == row[2] else 0
            disp = row[3] if len(row) > 3 else 0
            disp = int(pd.to_numeric(disp, errors="coerce") or 0) if disp is not None and disp == disp else 0
            seen = red_on.setdefault(str(row[1]), {})
            if cycle not in seen or seen[cycle][0] <= day:  # the cycle's latest run decides
                seen[cycle] = (day, red, disp)
    disposals: dict[str, list[str]] = {}
    if "disposal" in df:
        for unit, text in zip(df["unit"].tolist(), df["disposal"].tolist()):
            if isinstance(text, str) and text.strip():
                disposals.setdefault(unit, []).append(text)
    out = []
    for u in units:
        if not u.red:
            continue
        days = [(c, v[1:]) for c, v in sorted(red_on.get(u.unit, {}).items())] + [(now, (u.red, u.disposed))]
        count = 0
        for k in range(len(days) - 1, -1, -1):
            red, disp = days[k][1]
            before = days[k - 1][1][1] if k else 0
            if red <= 0 or disp > before:  # no red that cycle, or a decision recorded in it: the run starts after it
                break
            count += 1
        if count < n:
            continue
        decided = max((i for i, r in enumerate(ladder) for t in disposals.get(u.unit, []) if r.step in t), default=-1)
        step = min(decided + 1 + (count - n), len(ladder) - 1)
        out.append({"unit": u.unit, "red": u.red, "consecutive_days": count, "step": ladder[step].step,
                    "quote": ladder[step].quote, "decided": "；".join(disposals.get(u.unit, [])),
                    "top": step == len(ladder) - 1 and len(ladder) > 1, "kind": KIND_TIME})
    out.sort(key=lambda a: (-a["consecutive_days"], -a["red"], a["unit"]))
    return out


def consequence_menu(book) -> list[dict]:
    """The plan's consequences that are not tied to lateness, in its own words (step, quote, kind): shown for the
    office to choose by conduct and severity, never suggested from a count of days."""
    from taizhang.rules.rulebook import KIND_TIME

    return [{"step": r.step, "quote": r.quote, "kind": r.kind} for r in book.ladder if r.kind != KIND_TIME]


def listing_candidates(book, df: pd.DataFrame) -> list[dict]:
    """Cases overdue ``book.listing_after_workdays`` working days or more, not yet listed (挂牌督办 not in 处置措施):
    the plan's 挂牌督办 is for "群众反映强烈、长期没有得到解决的问题" — the office screens these candidates."""
    if book.listing is None or not len(df):
        return []
    step = book.listing.step
    out = []
    for cid, unit, desc, rem, light, disp in zip(df["case_id"].tolist(), df["unit"].tolist(), df["description"].tolist(),
                                                 df["remaining"].tolist(), df["light"].map(LIGHT_FROM_ZH).tolist(),
                                                 df["disposal"].tolist() if "disposal" in df else [None] * len(df)):
        if light != "red" or rem is None or rem != rem or -int(rem) < book.listing_after_workdays:
            continue
        if isinstance(disp, str) and step in disp:
            continue
        out.append({"id": cid, "unit": unit, "description": desc, "days_overdue": -int(rem), "step": step,
                    "quote": book.listing.quote})
    out.sort(key=lambda c: (-c["days_overdue"], c["unit"] or ""))
    return out


def _supervise_list(df: pd.DataFrame, eff: pd.Series) -> list[Overdue]:
    """督办清单: red and yellow cases, red first, most overdue first."""
    light = df["light"].map(LIGHT_FROM_ZH)
    sel = light.isin(["red", "yellow"]).to_numpy()
    picked = df[sel]
    supervise = []
    for cid, unit, cat, desc, leader, rem, d, lt in zip(
            picked["case_id"].tolist(), picked["unit"].tolist(), picked["category"].tolist(), picked["description"].tolist(),
            picked["leader"].tolist(), picked["remaining"].tolist(), eff[sel].tolist(), light[sel].tolist()):
        rem = int(rem) if rem is not None and rem == rem else None
        supervise.append(Overdue.model_construct(id=cid, unit=unit, category=cat, description=desc, leader=leader, deadline=d,
                                                 remaining_workdays=rem, days_overdue=max(0, -(rem or 0)), light=lt))
    supervise.sort(key=lambda o: (o.light != "red", o.remaining_workdays if o.remaining_workdays is not None else 0, o.unit or ""))
    return supervise


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
    return [[figs.as_of, u.unit, u.total, u.done, u.closed, u.red, u.yellow, u.green, u.disposed] for u in figs.units]


def report_summary(reports: list[list]) -> dict[str, list[str]]:
    """Units by 报送情况 state, from the master's 报送情况 rows (单位名称, 单位类型, 报送情况, …)."""
    return {"missing": [r[0] for r in reports if r[2] == "未报送"],
            "late": [r[0] for r in reports if r[2] == "逾期报送"],
            "zero": [r[0] for r in reports if r[2] == "零报告"]}


def unit_label(u: UnitFigures) -> str:
    """The unit's name, marked （未报送） when it did not report this time."""
    return u.unit + ("（未报送）" if u.report_state == "未报送" else "")


def short_units(figs: Figures) -> list[str]:
    """Member units with fewer cases than the plan requires of each (seed 000: "确定1个以上…攻坚难题")."""
    return [u.unit for u in figs.units if u.below_min]


def short_sentence(figs: Figures) -> str:
    """The 通报's sentence on them ("" when none)."""
    short = short_units(figs)
    if not short:
        return ""
    return (f"按方案要求，每个单位应确定{figs.min_cases}个以上问题（攻坚难题），以下{len(short)}个单位在台账中不足"
            f"{figs.min_cases}个、尚未确定：{'、'.join(short)}，请抓紧确定并报领导小组办公室审定。")


def unapproved_sentence(figs: Figures) -> str:
    """Seed 000's proposed 攻坚难题 not yet 核准, in one sentence ("" when none): not counted in any figure above."""
    if not figs.unapproved:
        return ""
    units = "、".join(f"{u.unit}{u.unapproved}个" for u in figs.units if u.unapproved)
    return (f"各单位新报的攻坚难题待核准{figs.unapproved}个，未计入（{units}），"
            f"经领导小组办公室审定、核准后列入攻坚台账并计入统计。")


def collective_sentence(figs: Figures) -> str:
    """The 集体研究会商 suggestion in one sentence ("" when there is none)."""
    if not figs.collective:
        return ""
    return (f"涉及金额{figs.collective_amount:g}万元以上（办公室设定）的未办结问题{len(figs.collective)}个，建议领导小组办公室研究是否"
            f"集体研究会商" + (f"（方案：“{figs.collective_quote}”）" if figs.collective_quote else "") + "。以上仅为建议。")


def briefing(figs: Figures, reports: dict | None = None) -> list[str]:
    """A draft 通报 in plain Chinese, built only from the figures."""
    t = figs.totals
    d = figs.as_of
    paras = [f"截至{d.year}年{d.month}月{d.day}日，{figs.campaign}专项行动台账共有问题{t.total}个，"
             f"已办结{t.done}个、已销号{t.closed}个，办结率{t.completion_rate:g}%；正在整改{t.in_progress}个，其中"
             + "、".join(f"{label}{n}个" for label, n in in_progress_parts(t)) + "。"]
    if t.on_time_rate is not None:
        paras[0] += f"已办结问题中按时办结率为{t.on_time_rate:g}%。"
    reds = [u for u in figs.units if u.red]
    if t.red:
        names = "、".join(f"{unit_label(u)}（{u.red}个）" for u in sorted(reds, key=lambda u: -u.red)[:10])
        paras.append(f"超期未办结问题{t.red}个，涉及{len(reds)}个单位：{names}。请相关单位抓紧整改，说明超期原因。")
    else:
        paras.append("目前没有超期未办结的问题。")
    if t.yellow:
        paras.append(f"临近时限或进度滞后的问题{t.yellow}个，请相关单位加快推进。")
    if t.late_sign or t.late_feedback:
        paras.append(f"未按期签收部署的问题{t.late_sign}个，办结后未按期反馈的问题{t.late_feedback}个。")
    if t.coord:
        paras.append(f"需提交区级层面专项研究、专题协调的问题{t.coord}个。")
    if t.long_term:
        paras.append(f"需要长期解决、持续整改的问题{t.long_term}个，按进度跟踪，不计超期。")
    if figs.change:
        c = figs.change
        paras.append(f"与上次调度（{figs.previous_day}）相比，新增问题{c.get('total', 0)}个，"
                     f"新办结{c.get('done', 0) + c.get('closed', 0)}个，超期问题{'增加' if c.get('red', 0) >= 0 else '减少'}{abs(c.get('red', 0))}个。")
    if figs.accountability:
        by_step: dict[str, list[str]] = {}
        for a in figs.accountability:
            by_step.setdefault(a["step"], []).append(f"{a['unit']}（连续{a['consecutive_days']}个报送日）")
        steps = "；".join(f"建议{step}：{'、'.join(names)}" for step, names in by_step.items())
        paras.append(f"按方案规定，以下单位连续{figs.escalate_after}个以上报送日有超期问题，提请领导小组办公室研究：{steps}。"
                     f"以上仅为建议，是否采取及采取何种措施由领导小组决定。")
        top = next((a for a in figs.accountability if a.get("top")), None)
        if top:
            paras.append(f"其中“{top['step']}”是方案问责阶梯的最后一级（方案：“{top['quote']}”），台账助手只作提示，"
                         f"是否启动须由领导小组按有关规定研究决定。")
    if figs.collective:
        paras.append(collective_sentence(figs))
    if figs.listing:
        paras.append(f"超期较久仍未办结的问题{len(figs.listing)}个（超期最长的{figs.listing[0]['days_overdue']}个工作日），"
                     f"建议领导小组办公室从中筛选群众反映强烈的问题{figs.listing[0]['step']}"
                     f"（方案：“{figs.listing[0]['quote']}”）。以上仅为建议。")
    if short_sentence(figs):
        paras.append(short_sentence(figs))
    if unapproved_sentence(figs):
        paras.append(unapproved_sentence(figs))
    paras.extend(remind_sentences(figs))
    top_units, bottom_units = ranking_ends(figs)
    if top_units:
        top = "、".join(unit_label(u) for u in top_units)
        bottom = "、".join(unit_label(u) for u in bottom_units)
        paras.append(f"红绿灯排行榜（{RULE_ZH[figs.rank_rule]}）前列的单位：{top}" + (f"；排名靠后的单位：{bottom}。" if bottom else "。"))
    if reports:
        if reports.get("missing"):
            paras.append(f"本期未报送的单位：{'、'.join(reports['missing'])}。")
        if reports.get("late"):
            paras.append(f"逾期报送的单位：{'、'.join(reports['late'])}。")
        if reports.get("zero"):
            paras.append(f"零报告单位：{'、'.join(reports['zero'])}（办公室将按规定进行抽查）。")
    return paras
