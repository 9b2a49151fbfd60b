"""Deadlines and traffic lights for every case, as of a given day.

* 整改时限 as written; else 交办日期 + the tier period of 复杂程度 (default tier
  when blank). A written or extended deadline that falls on a day off moves
  to the next working day (民法典 Art. 203).
* 延期至 replaces the deadline only when 延期审批人 is recorded; otherwise it
  is a finding and the deadline stands.
* 签收期限 = 交办 + sign-off working days; 反馈期限 = 办结 + feedback working days.
* 剩余工作日 = working days after the as-of day up to and including the
  deadline: 0 on the day, negative when overdue.
* Lights: red overdue; yellow within the threshold or progress behind the
  share of time used (序时进度) by more than the margin; green on track;
  done (已办结, 查否) and closed (已销号) leave the race.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from pydantic import BaseModel

from taizhang.fields import FIELDS, LIGHT_ZH, STATUS_CLOSED, STATUS_DONE, STATUS_UNFOUNDED
from taizhang.findings import Finding, col_letter, finding
from taizhang.rules.rulebook import Rulebook
from taizhang.calendar.workdays import WorkCalendar, estimate_warning

COL = {f.key: col_letter(i) for i, f in enumerate(FIELDS)}
COMPUTED_MARK = "按复杂程度"  # 时限说明 of a computed 整改时限 starts with this


class CaseLight(BaseModel):
    id: str | None
    unit: str | None
    deadline: dt.date | None
    remaining_workdays: int | None
    light: str | None


@dataclass
class LightsResult:
    ledger: pd.DataFrame
    deadlines: list[dt.date | None]  # the deadline in force per case (after extension and Art. 203)
    findings: list[Finding]
    warnings: list[str]
    lights: list[str | None] = field(default_factory=list)  # red / yellow / green / done / closed per case

    @cached_property
    def cases(self) -> list[CaseLight]:
        """One typed record per case (built on demand: a merge of 100,000 cases never needs them)."""
        df = self.ledger
        return [CaseLight.model_construct(id=cid, unit=unit, deadline=d, remaining_workdays=rem, light=lt)
                for cid, unit, d, rem, lt in zip(df["case_id"].tolist(), df["unit"].tolist(), self.deadlines,
                                                 df["remaining"].tolist(), self.lights)]


def _ords(values) -> np.ndarray:
    return np.array([v.toordinal() if isinstance(v, dt.date) else -1 for v in values], dtype=np.int64)


def _dates(ords: np.ndarray) -> list[dt.date | None]:
    cache: dict[int, dt.date] = {}
    return [(cache.get(o) or cache.setdefault(o, dt.date.fromordinal(o))) if o >= 0 else None for o in ords.tolist()]


class _iso_cache(dict):
    """Day number → ISO date text, each computed once."""

    def __missing__(self, o) -> str:
        self[o] = text = dt.date.fromordinal(int(o)).isoformat()
        return text


def compute_lights(ledger: pd.DataFrame, book: Rulebook, cal: WorkCalendar, today: dt.date,
                   file: str = "", sheet: str = "台账") -> LightsResult:
    df = ledger.copy()
    n = len(df)
    findings: list[Finding] = []
    warnings: set[str] = set()
    if n == 0:
        return LightsResult(df, [], [], [], [])
    assigned = _ords(df["assigned"])
    written = _ords(df["deadline"])
    # a deadline taizhang computed earlier (its note starts with COMPUTED_MARK) is computed again, so that a
    # changed tier or a new local holiday moves it; only a deadline a person wrote is taken as written
    was_computed = df["deadline_note"].fillna("").astype(str).str.startswith(COMPUTED_MARK).to_numpy()
    written[was_computed] = -1
    extended = _ords(df["extended_to"])
    done_on = _ords(df["done_date"])
    approver = df["extension_approver"].notna() & (df["extension_approver"].astype(str).str.strip() != "")
    status = df["status"].fillna("").astype(str).to_numpy()
    notes: list[list[str]] = [[] for _ in range(n)]

    # computed deadlines from tiers
    tier_of = df["complexity"].where(df["complexity"].notna(), book.default_tier).astype(str).to_numpy()
    workdays = np.full(n, -1, dtype=np.int64)
    months = np.zeros(n, dtype=np.int64)
    for t in book.tiers:
        mask = tier_of == t.name
        if t.workdays:
            workdays[mask] = t.workdays
        else:
            months[mask] = t.months
    need = (written < 0) & (assigned >= 0)
    computed = np.full(n, -1, dtype=np.int64)
    wd = need & (workdays >= 0)
    computed[wd] = cal.add_workdays_many(assigned[wd], workdays[wd])
    for i in np.flatnonzero(need & (months > 0)):
        computed[i] = cal.add_months(dt.date.fromordinal(int(assigned[i])), int(months[i])).toordinal()
    blank_tier = df["complexity"].isna().to_numpy()
    got = need & (computed >= 0)
    iso = _iso_cache()
    for t in book.tiers:  # one note text per tier, with the date filled in per case
        for blank in (False, True):
            head = f"{COMPUTED_MARK}“{t.name}”{'（未填写，按默认档次）' if blank else ''}计算：交办后{t.describe()}，即"
            for i in np.flatnonzero(got & (tier_of == t.name) & (blank_tier == blank)).tolist():
                notes[i].append(head + iso[computed[i]])

    # written deadline, then an approved extension; a day off moves to the next working day (Art. 203)
    base = np.where(written >= 0, written, computed)
    use_ext = (extended >= 0) & approver.to_numpy()
    effective = np.where(use_ext, extended, base)
    for i in np.flatnonzero(use_ext):
        notes[i].append(f"已批准延期（审批人：{df['extension_approver'].iat[i]}）")
    moved = cal.next_workday_many(effective)
    for i in np.flatnonzero((moved != effective) & (effective >= 0)):
        notes[i].append(f"{dt.date.fromordinal(int(effective[i]))}为休息日，依法顺延至{dt.date.fromordinal(int(moved[i]))}")
        findings.append(finding("deadline-on-day-off", f"问题{df['case_id'].iat[i] or ''}的时限 {dt.date.fromordinal(int(effective[i]))} "
                                f"是休息日，按民法典第二百零三条顺延至 {dt.date.fromordinal(int(moved[i]))}。",
                                file=file, sheet=sheet, row=i + 2, column=COL["deadline"], header="整改时限",
                                value=str(dt.date.fromordinal(int(effective[i]))), unit=df["unit"].iat[i] or ""))
    effective = moved

    finished = np.isin(status, [STATUS_DONE, STATUS_UNFOUNDED, STATUS_CLOSED])
    today_o = today.toordinal()
    todays = np.full(n, today_o, dtype=np.int64)
    has = effective >= 0
    remaining = np.zeros(n, dtype=np.int64)
    remaining[has] = cal.workdays_between_many(todays[has], effective[has])
    overdue = has & (effective < today_o)
    near = has & ~overdue & (remaining <= book.lights.yellow_workdays)
    progress = pd.to_numeric(df["progress"], errors="coerce").to_numpy(dtype=float)
    span = np.zeros(n, dtype=np.int64)
    used = np.zeros(n, dtype=np.int64)
    ok = has & (assigned >= 0)
    span[ok] = cal.workdays_between_many(assigned[ok], effective[ok])
    used[ok] = cal.workdays_between_many(assigned[ok], todays[ok])
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(span > 0, np.clip(used / np.maximum(span, 1), 0, 1) * 100, 0.0)
    lagging = ok & ~np.isnan(progress) & (share - progress > book.lights.progress_margin)
    for i in np.flatnonzero(lagging & ~overdue & ~near & ~finished):
        notes[i].append(f"完成进度{progress[i]:g}%落后于时间进度{share[i]:.0f}%")

    light = np.where(overdue, "red", np.where(near | lagging, "yellow", "green")).astype(object)
    light[~has] = None
    light[finished] = "done"
    light[status == STATUS_CLOSED] = "closed"

    for i in np.flatnonzero((extended >= 0) & ~approver.to_numpy()):
        findings.append(finding("extension-unapproved", f"问题{df['case_id'].iat[i] or ''}填写了延期至 {dt.date.fromordinal(int(extended[i]))}，"
                                f"但没有延期审批人，延期未生效，仍按原时限计算。延期须经领导小组批准后由办公室登记审批人。",
                                file=file, sheet=sheet, row=i + 2, column=COL["extended_to"], header="延期至",
                                value=str(dt.date.fromordinal(int(extended[i]))), unit=df["unit"].iat[i] or ""))
    for i in np.flatnonzero(~has & ~finished):
        findings.append(finding("no-deadline", f"问题{df['case_id'].iat[i] or ''}既没有整改时限也没有交办日期，无法计算时限和红绿灯。"
                                f"请补填交办日期或整改时限。",
                                file=file, sheet=sheet, row=i + 2, column=COL["assigned"], header="交办日期",
                                unit=df["unit"].iat[i] or ""))
    # a year whose schedule is not published: every answer touching it says so
    live = np.flatnonzero(has & ~finished)
    if len(live):
        start = np.where(assigned[live] >= 0, np.minimum(assigned[live], today_o), today_o)
        lo_y = cal.years_of(np.minimum(start, effective[live]))
        hi_y = cal.years_of(np.maximum(effective[live], today_o))
        for ly, hy in set(zip(lo_y.tolist(), hi_y.tolist())):
            years = [y for y in range(ly, hy + 1) if y in cal.estimated]
            if not years:
                continue
            sel = live[(lo_y == ly) & (hi_y == hy)]
            for y in years:
                warnings.add(estimate_warning(y))
            for i in sel:
                notes[i].append(f"{'、'.join(map(str, years))}年放假安排未公布，时限为推算")
    sign_by = np.full(n, -1, dtype=np.int64)
    sign_by[assigned >= 0] = cal.add_workdays_many(assigned[assigned >= 0], np.full((assigned >= 0).sum(), book.sign_workdays))
    feedback_by = np.full(n, -1, dtype=np.int64)
    feedback_by[done_on >= 0] = cal.add_workdays_many(done_on[done_on >= 0], np.full((done_on >= 0).sum(), book.feedback_workdays))

    deadline_out = [d if d is not None else w for d, w in zip(_dates(np.where(written >= 0, written, computed)), df["deadline"])]
    def col(values: list) -> pd.Series:
        return pd.Series(values, index=df.index, dtype=object)

    df["deadline"] = col(deadline_out)
    df["sign_by"] = col(_dates(sign_by))
    df["feedback_by"] = col(_dates(feedback_by))
    df["remaining"] = col([int(r) if h and not f else None for r, h, f in zip(remaining, has, finished)])
    df["light"] = col([LIGHT_ZH[x] if x else None for x in light])
    df["deadline_note"] = col(["；".join(nt) or None for nt in notes])
    findings.extend(finding("estimated-calendar", w, file=file) for w in sorted(warnings))
    return LightsResult(df, _dates(effective), findings, sorted(warnings), light.tolist())
