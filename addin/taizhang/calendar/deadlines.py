"""Deadlines and traffic lights for every case, as of a given day.

* 整改时限 as written (by the unit or the office) always decides; else the
  campaign's 时限规则 gives it (``default_deadline``, one rule per campaign, each
  from its own plan): 按复杂程度 (seed 004 tiers; 极特殊 only once approved),
  当年年底 (seed 001: the year's last working day, never in the next year), 阶段结束 (seeds 000, 002), 按整改方式 (seed 003:
  立行立改 a short office-set period, 限时整改 needs a written deadline, 持续整改
  is long-term and never overdue). 时限来源 records which of the two it was; a
  computed deadline the rule no longer gives is cleared, never kept as if
  written. No rule gives a deadline before the case was assigned: a case
  assigned after every stage gets none, and a finding for the office.
  A written or extended deadline that falls on a day off moves to the next
  working day (民法典 Art. 203).
* 延期至 replaces the deadline only when 延期审批人 is recorded; otherwise it
  is a finding and the deadline stands.
* 签收期限 = 交办 + sign-off working days; 反馈期限 = 办结 + feedback working days — only where the
  campaign (seed 004) or the office sets those limits; otherwise blank and never late.
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

from taizhang.calendar.workdays import WorkCalendar, estimate_warning
from taizhang.fields import (
    BY_KEY,
    FIELDS,
    LIGHT_ZH,
    ORIGIN_COMPUTED,
    ORIGIN_WRITTEN,
    STATUS_CLOSED,
    STATUS_DONE,
    STATUS_UNFOUNDED,
)
from taizhang.findings import Finding, col_letter, finding
from taizhang.intake.normalize import UNREAD
from taizhang.rules.rulebook import MODE_LONG, MODE_NOW, MODE_TIMED, Rulebook

COL = {f.key: col_letter(i) for i, f in enumerate(FIELDS)}
HEADER = {f.key: f.header for f in FIELDS}


@dataclass(frozen=True)
class DefaultDeadline:
    """A case's deadline under its campaign's 时限规则 when none is written, and why.

    ``date`` is final (a day off already moved to the next working day, Art. 203); None when the rule gives
    none (持续整改, 限时整改 without a written deadline, a stage end the office has not filled in).
    ``problem`` is a finding code for the office (``problem_message`` says what to do), or None.
    """

    date: dt.date | None
    note: str
    rule: str
    long_term: bool = False
    problem: str | None = None
    problem_message: str = ""


def _moved(cal: WorkCalendar, day: dt.date, note: str) -> tuple[dt.date, str]:
    moved = cal.next_workday(day)
    if moved != day:
        note += f"（{day}为休息日，依法顺延至{moved}）"
    return moved, note


def default_deadline(book: Rulebook, cal: WorkCalendar, assigned: dt.date | None, *, complexity: str | None = None,
                     mode: str | None = None, approved: bool = False) -> DefaultDeadline:
    """The deadline the campaign's own plan gives a case with no written 整改时限, with its 时限说明.

    ``assigned``: 交办日期; ``complexity``: 复杂程度 (按复杂程度); ``mode``: 整改方式 (按整改方式);
    ``approved``: 极特殊 approved (延期审批人 recorded). The one place each 时限规则 is decided: the lights,
    the 交办 of new cases and the templates all call it.
    """
    rule = book.deadline_rule
    if rule == "按整改方式":
        if mode == MODE_LONG:
            return DefaultDeadline(None, f"按整改方式：{MODE_LONG}，完善机制长期推进，不设超期红灯（计入长期整改）", rule,
                                   long_term=True)
        if mode == MODE_TIMED:
            return DefaultDeadline(None, f"按整改方式：{MODE_TIMED}须填写整改时限", rule, problem="deadline-required",
                                   problem_message=f"整改方式为“{MODE_TIMED}”，方案要求“明确目标，限时整改”，请填写整改时限。")
        if mode != MODE_NOW:
            return DefaultDeadline(None, "按整改方式：未填写整改方式，无法确定时限", rule, problem="rectify-mode-missing",
                                   problem_message=f"未填写整改方式（{MODE_NOW}、{MODE_TIMED} 或 {MODE_LONG}），无法确定整改时限，请补填。")
    if assigned is None:
        return DefaultDeadline(None, "", rule)
    if rule == "按整改方式":  # 立行立改
        day = cal.add_workdays(assigned, book.quick_fix_workdays)
        return DefaultDeadline(day, f"按整改方式：{MODE_NOW}，交办后{book.quick_fix_workdays}个工作日（办公室设定），即{day}", rule)
    if rule == "当年年底":  # "原则上应在当年办结": within the year — a 31 December off moves back, never into January
        end = dt.date(assigned.year, 12, 31)
        day = cal.previous_workday(end)
        note = f"（{end}为休息日，取当年最后一个工作日）" if day != end else ""
        if day < assigned:  # assigned on a day off after the year's last working day: none is left in the year
            day = cal.next_workday(assigned)
            note = f"（交办时{assigned.year}年已无工作日，取交办后第一个工作日）"
        return DefaultDeadline(day, f"按当年年底：{assigned.year}年内办结，即{day}{note}", rule)
    if rule == "阶段结束":
        return _stage_deadline(book, cal, assigned)
    # 按复杂程度
    blank = not complexity
    name = complexity or book.default_tier
    tier = book.tier(name) or book.tier(book.default_tier)
    head = f"按复杂程度“{tier.name}”{'（未填写，按默认档次）' if blank else ''}"
    problem = msg = None
    if tier.needs_approval and not approved:
        plain = [t for t in book.tiers if not t.needs_approval]
        fallback = max(plain, key=lambda t: (t.months or 0) * 22 + (t.workdays or 0)) if plain else None
        problem = "extraordinary-unapproved"
        msg = (f"复杂程度为“{tier.name}”，但未登记审批人：{tier.name}须经申请同意后才按{tier.describe()}计算"
               + (f"，批准前暂按“{fallback.name}”（{fallback.describe()}）计算" if fallback else "")
               + "。请报领导小组审批，由办公室在“延期审批人”中登记。")
        if fallback is None:
            return DefaultDeadline(None, head + "：未经审批，暂无时限", rule, problem=problem, problem_message=msg)
        head += f"未经审批，暂按“{fallback.name}”"
        tier = fallback
    elif tier.needs_approval:
        head += "（已审批）"
    if tier.workdays:
        day = cal.add_workdays(assigned, tier.workdays)
    else:
        day = cal.add_months(assigned, tier.months)
    return DefaultDeadline(day, f"{head}计算：交办后{tier.describe()}，即{day}", rule, problem=problem, problem_message=msg or "")


def _stage_deadline(book: Rulebook, cal: WorkCalendar, assigned: dt.date) -> DefaultDeadline:
    rule = book.deadline_rule
    stage = book.phase(book.deadline_stage)
    if stage is None:
        return DefaultDeadline(None, f"按阶段结束：工作阶段中没有“{book.deadline_stage}”", rule, problem="stage-end-missing",
                               problem_message=f"时限规则为“阶段结束”，但“工作阶段”表中没有“{book.deadline_stage}”，请在工作阶段表补充或在参数设置中改选整改阶段。")
    _, end = stage.span(assigned.year)
    if end is None:
        return DefaultDeadline(None, f"按阶段结束：{stage.name}的结束日期待填写", rule, problem="stage-end-missing",
                               problem_message=f"“工作阶段”表中{stage.name}的结束日期待填写，无法按阶段结束计算时限，请补填。")
    if assigned <= end:
        day, note = _moved(cal, end, "")
        return DefaultDeadline(day, f"按阶段结束：{stage.name}结束（{end}）前完成{note}", rule)
    ends = [e for p in book.phases for e in [p.span(assigned.year)[1]] if e]
    last = max(ends)
    day, note = _moved(cal, last, "")
    if day < assigned:  # every stage over: a deadline before the case was assigned would be red on day one
        return DefaultDeadline(None, f"按阶段结束：交办时各工作阶段均已结束（最后阶段结束日{last}），时限待办公室确定", rule,
                               problem="assigned-after-all-stages",
                               problem_message=f"交办日期 {assigned} 晚于{stage.name}结束日 {end}，也晚于专项行动最后阶段结束日 "
                                               f"{last}，无法按阶段结束计算时限（不设早于交办日期的时限），请办公室在整改时限中写明该问题的时限。")
    return DefaultDeadline(day, f"按阶段结束：交办时{stage.name}已结束（{end}），按最后阶段结束日{last}计算{note}", rule,
                           problem="assigned-after-stage",
                           problem_message=f"交办日期 {assigned} 晚于{stage.name}结束日 {end}，暂按专项行动最后阶段结束日 {day} 计算，"
                                           f"请办公室在整改时限中写明该问题的时限。")


_UNREAD_AS = {"date": "不是可识别的日期", "amount": "不是可识别的金额", "percent": "不是可识别的进度（0～100）"}


def _unread_findings(df: pd.DataFrame, findings: list[Finding], file: str, sheet: str) -> np.ndarray:
    """A warning per cell of a typed column the office wrote in words ("待领导小组研究" in 延期至): computed as blank,
    kept in the master as typed. Returns the cases whose 整改时限 is such words (no 时限规则 replaces them)."""
    n = len(df)
    held = np.zeros(n, dtype=bool)
    if UNREAD not in df.columns:
        return held
    cells = df[UNREAD].tolist()
    for i in [i for i, c in enumerate(cells) if c]:
        for key, raw in cells[i].items():
            f = BY_KEY.get(key)
            if f is None:
                continue
            held[i] |= key == "deadline"
            what = ("无法计算时限和红绿灯，请办公室填写日期" if key == "deadline"
                    else "延期按未填写处理" if key == "extended_to" else "按未填写处理（不计入统计和红绿灯）")
            findings.append(finding("office-text-kept", f"问题{df['case_id'].iat[i] or ''}的“{f.header}”为“{raw}”，"
                                    f"{_UNREAD_AS.get(f.kind, '无法识别')}，{what}；原文保留在台账中，未清除。",
                                    file=file, sheet=sheet, row=i + 2, column=COL.get(key, ""), header=f.header,
                                    value=str(raw), unit=df["unit"].iat[i] or ""))
    return held


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


def late_workflow(sign_dates: list, sign_by: np.ndarray, feedback_dates: list, feedback_by: np.ndarray,
                  status: np.ndarray, today: dt.date, track: bool) -> tuple[np.ndarray, np.ndarray]:
    """Late sign-off and late feedback per case (seed 004: "收到工作任务后3个工作日内签批或部署"; "任务事项办结后需在
    5个工作日内反馈办理落实情况"). A date written after its 期限 is late; with ``track`` (the campaign's plan sets
    the rule) a case still without the date once its 期限 has passed is late too."""
    t = today.toordinal()
    signed, fed = _ords(sign_dates), _ords(feedback_dates)
    late_sign = (sign_by >= 0) & (signed > sign_by)
    late_feedback = (feedback_by >= 0) & (fed > feedback_by)
    if track:
        open_case = ~np.isin(status, [STATUS_CLOSED, STATUS_UNFOUNDED])
        late_sign |= (sign_by >= 0) & (signed < 0) & (sign_by < t) & open_case
        late_feedback |= (feedback_by >= 0) & (fed < 0) & (feedback_by < t) & (status == STATUS_DONE)
    return late_sign, late_feedback


def time_share(cal: WorkCalendar, assigned: np.ndarray, deadline: np.ndarray, today: dt.date) -> np.ndarray:
    """序时进度: the share (0–100) of each case's working days from 交办 to its deadline used up by ``today``
    (day numbers; -1 where a date is missing gives 0). The yellow light and the 序时进度 ranking both use it."""
    n = len(assigned)
    span = np.zeros(n, dtype=np.int64)
    used = np.zeros(n, dtype=np.int64)
    ok = (assigned >= 0) & (deadline >= 0)
    span[ok] = cal.workdays_between_many(assigned[ok], deadline[ok])
    used[ok] = cal.workdays_between_many(assigned[ok], np.full(int(ok.sum()), today.toordinal(), dtype=np.int64))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(span > 0, np.clip(used / np.maximum(span, 1), 0, 1) * 100,
                        np.where(ok & (deadline <= today.toordinal()), 100.0, 0.0))


def _ords(values) -> np.ndarray:
    """Day numbers of a column's dates, -1 where a cell holds no date. A column's dates repeat (a few hundred distinct
    交办日期 over 100,000 cases): each distinct value is converted once."""
    values = values.tolist() if isinstance(values, (pd.Series, np.ndarray)) else list(values)
    try:
        memo = {v: v.toordinal() if isinstance(v, dt.date) else -1 for v in set(values)}
    except TypeError:  # an unhashable cell: one by one
        return np.array([v.toordinal() if isinstance(v, dt.date) else -1 for v in values], dtype=np.int64)
    return np.fromiter(map(memo.__getitem__, values), dtype=np.int64, count=len(values))


def _dates(ords: np.ndarray) -> list[dt.date | None]:
    """Day numbers back to dates (None for -1), one date object per distinct day."""
    values = ords.tolist()
    memo = {o: dt.date.fromordinal(o) if o >= 0 else None for o in set(values)}
    return list(map(memo.__getitem__, values))


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
    # a deadline taizhang computed earlier (时限来源 = 计算) is computed again, so that a changed rule, tier or stage
    # or a new local holiday moves it; only a deadline a person wrote is taken as written
    was_computed = (df["deadline_origin"] == ORIGIN_COMPUTED).to_numpy() if "deadline_origin" in df else np.zeros(n, bool)
    written[was_computed] = -1
    extended = _ords(df["extended_to"])
    done_on = _ords(df["done_date"])
    approver = df["extension_approver"].notna() & (df["extension_approver"].astype(str).str.strip() != "")
    approved = approver.to_numpy()
    status = df["status"].fillna("").astype(str).to_numpy()
    notes: list[list[str]] = [[] for _ in range(n)]
    iso = _iso_cache()

    # the campaign's 时限规则 for every case without a written deadline: one call per distinct
    # (交办日期, 复杂程度, 整改方式, approved), so 100,000 cases cost a few hundred calls
    complexity = df["complexity"].tolist()
    modes = df["rectify_mode"].tolist() if "rectify_mode" in df else [None] * n
    computed = np.full(n, -1, dtype=np.int64)
    memo: dict[tuple, DefaultDeadline] = {}
    ids, units = df["case_id"].tolist(), df["unit"].tolist()
    done_like = (STATUS_DONE, STATUS_UNFOUNDED, STATUS_CLOSED)
    problem_at = {"deadline-required": "deadline", "rectify-mode-missing": "rectify_mode",
                  "extraordinary-unapproved": "extension_approver", "assigned-after-all-stages": "deadline"}
    long_term = np.fromiter((m == MODE_LONG for m in modes), dtype=bool, count=n)  # tracked, never overdue
    a_list, ap_list = assigned.tolist(), approved.tolist()
    held = _unread_findings(df, findings, file, sheet)  # the office's own words in 整改时限: no rule overrides them
    for i in np.flatnonzero((written < 0) & ~held).tolist():
        c, m = complexity[i], modes[i]
        key = (a_list[i], c if type(c) is str else None, m if type(m) is str else None, ap_list[i])
        got = memo.get(key)
        if got is None:
            a = key[0]
            got = memo[key] = default_deadline(book, cal, dt.date.fromordinal(a) if a >= 0 else None,
                                               complexity=key[1], mode=key[2], approved=key[3])
        if got.date is not None:
            computed[i] = got.date.toordinal()
        if got.note:
            notes[i].append(got.note)
        if got.problem and status[i] not in done_like:
            key_col = problem_at.get(got.problem, "assigned")
            findings.append(finding(got.problem, f"问题{ids[i] or ''}：{got.problem_message}", file=file, sheet=sheet,
                                    row=i + 2, column=COL[key_col], header=HEADER[key_col], unit=units[i] or ""))
    for i in np.flatnonzero(written >= 0).tolist():
        notes[i].append("整改时限为填写的时限（优先于时限规则）")

    # written deadline, then an approved extension; a day off moves to the next working day (Art. 203)
    base = np.where(written >= 0, written, computed)
    use_ext = (extended >= 0) & approver.to_numpy()
    effective = np.where(use_ext, extended, base)
    approvers = df["extension_approver"].tolist()  # per-row column lookups cost seconds at 100,000 cases
    for i in np.flatnonzero(use_ext).tolist():
        notes[i].append(f"已批准延期（审批人：{approvers[i]}）")
    moved = cal.next_workday_many(effective)
    for i in np.flatnonzero((moved != effective) & (effective >= 0)):
        notes[i].append(f"{dt.date.fromordinal(int(effective[i]))}为休息日，依法顺延至{dt.date.fromordinal(int(moved[i]))}")
        findings.append(finding("deadline-on-day-off", f"问题{ids[i] or ''}的时限 {dt.date.fromordinal(int(effective[i]))} "
                                f"是休息日，按民法典第二百零三条顺延至 {dt.date.fromordinal(int(moved[i]))}。",
                                file=file, sheet=sheet, row=i + 2, column=COL["deadline"], header="整改时限",
                                value=str(dt.date.fromordinal(int(effective[i]))), unit=units[i] or ""))
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
    ok = has & (assigned >= 0)
    share = time_share(cal, assigned, effective, today)
    lagging = ok & ~np.isnan(progress) & (share - progress > book.lights.progress_margin)
    for i in np.flatnonzero(lagging & ~overdue & ~near & ~finished):
        notes[i].append(f"完成进度{progress[i]:g}%落后于时间进度{share[i]:.0f}%")

    light = np.where(overdue, "red", np.where(near | lagging, "yellow", "green")).astype(object)
    light[~has] = None
    light[long_term] = "long"  # 持续整改: never red, counted as 长期整改
    light[finished] = "done"
    light[status == STATUS_CLOSED] = "closed"

    for i in np.flatnonzero((extended >= 0) & ~approver.to_numpy()):
        notes[i].append(f"申请延期至{dt.date.fromordinal(int(extended[i]))}未登记审批人，延期未生效")
        findings.append(finding("extension-unapproved", f"问题{ids[i] or ''}填写了延期至 {dt.date.fromordinal(int(extended[i]))}，"
                                f"但没有延期审批人，延期未生效，仍按原时限计算。延期须经领导小组批准后由办公室登记审批人。",
                                file=file, sheet=sheet, row=i + 2, column=COL["extended_to"], header="延期至",
                                value=str(dt.date.fromordinal(int(extended[i]))), unit=units[i] or ""))
    flagged = {(f.row, f.code) for f in findings}
    for i in np.flatnonzero(~has & ~finished & ~long_term & ~held):
        if any((i + 2, code) in flagged for code in ("deadline-required", "rectify-mode-missing", "stage-end-missing",
                                                        "assigned-after-all-stages")):
            continue  # already told what is missing
        findings.append(finding("no-deadline", f"问题{ids[i] or ''}既没有整改时限也没有交办日期，无法计算时限和红绿灯。"
                                f"请补填交办日期或整改时限。",
                                file=file, sheet=sheet, row=i + 2, column=COL["assigned"], header="交办日期",
                                unit=units[i] or ""))
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
    sign_by = np.full(n, -1, dtype=np.int64)  # no 签收 / 反馈 limit (only seed 004 sets them): no 期限, never late
    if book.sign_workdays:
        sign_by[assigned >= 0] = cal.add_workdays_many(assigned[assigned >= 0], np.full((assigned >= 0).sum(), book.sign_workdays))
    feedback_by = np.full(n, -1, dtype=np.int64)
    if book.feedback_workdays:
        feedback_by[done_on >= 0] = cal.add_workdays_many(done_on[done_on >= 0], np.full((done_on >= 0).sum(), book.feedback_workdays))

    late_sign, late_feedback = late_workflow(df["sign_date"].tolist() if "sign_date" in df else [None] * n, sign_by,
                                             df["feedback_date"].tolist() if "feedback_date" in df else [None] * n, feedback_by,
                                             status, today, book.track_sign_feedback)
    for mask, code, head, key, by in ((late_sign, "late-sign-off", "签收", "sign_date", sign_by),
                                      (late_feedback, "late-feedback", "反馈", "feedback_date", feedback_by)):
        if not mask.any():
            continue
        written_dates = df[key].tolist() if key in df else [None] * n
        period = book.sign_workdays if head == "签收" else book.feedback_workdays
        for i in np.flatnonzero(mask).tolist():
            val, due = written_dates[i], iso[by[i]]
            what = f"{head}日期 {val} 晚于{head}期限 {due}" if isinstance(val, dt.date) else f"已过{head}期限 {due}，尚未填写{head}日期"
            findings.append(finding(code, f"问题{ids[i] or ''}：{what}（{period}个工作日内{head}）。", file=file, sheet=sheet,
                                    row=i + 2, column=COL[key], header=f"{head}日期",
                                    value=str(val) if isinstance(val, dt.date) else None, unit=units[i] or ""))
    # a deadline computed before and not computable now (the rule changed, a stage date was emptied) is cleared, not
    # kept: kept, it would read back as a written one and a rule that needs a written deadline would be satisfied
    deadline_out = [d if d is not None else None if c else w  # (whole columns as lists: no numpy scalar per case)
                    for d, w, c in zip(_dates(np.where(written >= 0, written, computed)), df["deadline"].tolist(),
                                       was_computed.tolist())]
    def col(values: list) -> pd.Series:
        return pd.Series(values, index=df.index, dtype=object)

    df["deadline"] = col(deadline_out)
    df["deadline_origin"] = col([ORIGIN_WRITTEN if w >= 0 else ORIGIN_COMPUTED if c >= 0 else None
                                 for w, c in zip(written.tolist(), computed.tolist())])
    df["sign_by"] = col(_dates(sign_by))
    df["feedback_by"] = col(_dates(feedback_by))
    df["remaining"] = col([r if h and not f else None for r, h, f in zip(remaining.tolist(), has.tolist(), finished.tolist())])
    df["light"] = col([LIGHT_ZH[x] if x else None for x in light.tolist()])
    df["deadline_note"] = col(["；".join(nt) or None for nt in notes])
    findings.extend(finding("estimated-calendar", w, file=file) for w in sorted(warnings))
    return LightsResult(df, _dates(effective), findings, sorted(warnings), light.tolist())
