"""催报 and 临期提醒: on any day, who still owes the office this period's report, and whose cases fall due soon.

Seed 004 orders it ("对…交办事项实行专人负责、动态跟踪、催办督办。及时采用电话、短信、督办通知等方式催办督办");
the office's daily chore is "对照花名册，逐一排查未提交…及时发出提醒". ``plan_reminders`` answers, for ``today``:

* the report period (报送期) and its due date — the rulebook's cadence and 报送截止日, moved off a day off by the
  office's setting 截止日遇休息日 (顺延 to the next working day as Civil Code art. 203 does, or 提前 to the one before);
  once a period's due date has passed and the next one's is within the lead, the next period is chased (the units
  that never reported the period just past are listed beside it);
* the member units that have not reported in this period, from ``remind_lead_workdays`` working days before the due
  date on (a unit has reported when the 报送情况 of a merge shows a file of it received in this period — the period
  containing the file's date, as merge judges lateness — or a file of it is already in the report folder); after the
  due date, the same list is overdue (催报);
* each unit's open cases due within ``remind_lead_workdays`` working days, and those whose progress lags the time
  used up (序时进度) — the yellow card before the red. Overdue cases are the 督办通知单's, not repeated here;
* the plan's materials (材料报送, book.materials) each unit has not sent, due within ``remind_lead_workdays`` working
  days or overdue;
* seed 004 ("常规工作实行季报告，重要任务实行月报告，紧急的重点事项实行一事一报"): a unit whose open tasks' types all skip
  the period (book.merge.not_owed) is not chased for it;
* how often each unit was already reminded this period (the 催办记录 sheet), capped by ``remind_cap``.

The three numbers are office settings (参数设置, labelled 办公室设定（方案未规定）): no plan gives them. Everything
here is pure: it reads a Master and what the doors found in the folder, and returns a plan the papers render.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from taizhang.book.master import _as_date  # the master's one reading of a date cell
from taizhang.book.merge import due_date, not_owed, report_due
from taizhang.book.sheets import REMIND_LOG_HEADERS
from taizhang.book.template import next_period_day, period_label

REPORTED_STATES = ("已报送", "逾期报送", "零报告")
KIND_REPORT, KIND_CASES, KIND_MATERIALS = "催报", "临期提醒", "催交材料"


@dataclass
class CaseDue:
    case_id: str
    description: str
    deadline: dt.date | None
    remaining: int | None   # working days left (0: due today)
    why: str                # 即将到期 / 进度落后于序时进度


@dataclass
class UnitReminder:
    unit: str
    contact: str = ""
    phone: str = ""
    report: str | None = None             # None: the period's report is in; 未报送 / 逾期未报送 / 被退回
    cases: list[CaseDue] = field(default_factory=list)
    overdue_cases: int = 0                # red cases (the 督办通知单's), counted in the message only
    sent: int = 0                         # reminders logged for this unit in this period
    materials: list = field(default_factory=list)  # book.materials.Owed: due within the lead, or overdue

    @property
    def kinds(self) -> list[str]:
        return (([KIND_REPORT] if self.report else []) + ([KIND_MATERIALS] if self.materials else [])
                + ([KIND_CASES] if self.cases else []))


@dataclass
class ReminderPlan:
    today: dt.date
    campaign: str
    office: str
    period: str                           # 报送期, e.g. 2026年11月
    due: dt.date | None                   # the due date in force (moved off a day off)
    due_written: dt.date | None           # the date the settings give
    workdays_left: int | None             # working days from today to the due date (negative: past it)
    lead: int
    cap: int
    zero_report: bool
    reminders: list[UnitReminder] = field(default_factory=list)   # to remind now
    capped: list[UnitReminder] = field(default_factory=list)      # owed, but reminded ``cap`` times this period already
    reported: list[str] = field(default_factory=list)             # reported in this period
    in_folder: list[str] = field(default_factory=list)            # of those, known only from a file in the folder
    previous_period: str = ""             # when the next period is chased already: the one just past,
    previous_missing: list[str] = field(default_factory=list)     # and its units that never reported
    previous_due: dt.date | None = None   # the written due date of the period just past


def _text_at(row: list, i: int | None) -> str:
    return "" if i is None or i >= len(row) or row[i] is None else str(row[i]).strip().removesuffix(".0")


def contacts_of(unit_rows: list[list]) -> dict[str, tuple[str, str]]:
    """成员单位 rows (header first) → unit → (联系人, 联系电话), by header, so a column the office added anywhere counts."""
    if not unit_rows:
        return {}
    head = [str(h or "").strip() for h in unit_rows[0]]

    def at(*names):
        return next((head.index(n) for n in names if n in head), None)

    name, person, phone = at("单位名称"), at("联系人", "联络员"), at("联系电话", "联系方式", "电话", "手机")
    out = {}
    for r in unit_rows[1:]:
        r = list(r)
        if name is None or name >= len(r) or not str(r[name] or "").strip():
            continue
        out[str(r[name]).strip()] = (_text_at(r, person), _text_at(r, phone))
    return out


_next_period_day = next_period_day  # one rule for "the period after", shared with template --cycle next


def _reported(master, book, written: dt.date | None, today: dt.date) -> dict[str, str]:
    """unit → reported / rejected for the period due on ``written``, from the 报送情况 of the merges so far.

    A file belongs to the period merge judged it against: the period containing the day it arrived, so a late
    report counts for the period it is late for."""
    state: dict[str, str] = {}
    for r in master.reports:
        r = (list(r) + [None] * 5)[:5]
        unit, status, received = str(r[0] or "").strip(), str(r[2] or "").strip(), _as_date(r[4])
        if not unit or received is None or received > today or written is None or due_date(book, received) != written:
            continue
        if status in REPORTED_STATES:
            state[unit] = "reported"
        elif status == "文件被退回":
            state.setdefault(unit, "rejected")
    return state


def plan_reminders(master, today: dt.date, lights, *, folder_units: dict[str, str] | None = None,
                   contacts: dict[str, tuple[str, str]] | None = None, log: list[list] | None = None) -> ReminderPlan:
    """Who to remind today. ``lights`` is ``compute_lights`` of the master on ``today``; ``folder_units`` maps a unit
    to a file of it already in the report folder; ``log`` holds the 催办记录 rows (header first)."""
    book, cal = master.rulebook, master.calendar()
    due, written = report_due(book, today, cal)
    period = period_label(today, book.reporting.cadence) if book.reporting.cadence != "once" else "本次报送"
    plan = ReminderPlan(today, book.name, book.office or f"{book.name}专项行动领导小组办公室", period, due, written,
                        cal.workdays_between(today, due) if due else None, book.remind_lead_workdays, book.remind_cap,
                        book.zero_report)
    contacts = contacts or {}
    folder_units = folder_units or {}

    state = _reported(master, book, written, today)
    if due is not None and today > due:  # past this period's due date: chase the next one once it is near
        nxt = _next_period_day(book, written)
        if nxt is not None:
            n_due, n_written = report_due(book, nxt, cal)
            if cal.workdays_between(today, n_due) <= plan.lead:
                plan.previous_period, plan.previous_due = plan.period, written
                plan.previous_missing = [u for u in master.units.names() if state.get(u) != "reported"]
                plan.period = period_label(nxt, book.reporting.cadence)
                plan.due, plan.due_written = due, written = n_due, n_written
                plan.workdays_left = cal.workdays_between(today, due)
                state = _reported(master, book, written, today)
    for unit in folder_units:
        if state.get(unit) != "reported":
            state[unit] = "folder"
    plan.reported = [u for u in master.units.names() if state.get(u) in ("reported", "folder")]
    plan.in_folder = [u for u in master.units.names() if state.get(u) == "folder"]

    owes_report = due is not None and plan.workdays_left is not None and plan.workdays_left <= plan.lead
    by_unit: dict[str, list[CaseDue]] = {}
    overdue: dict[str, int] = {}
    df = lights.ledger
    for cid, unit, desc, deadline, remaining, light in zip(df["case_id"].tolist(), df["unit"].tolist(),
                                                          df["description"].tolist(), lights.deadlines,
                                                          df["remaining"].tolist(), lights.lights):
        if not unit or light not in ("yellow", "green", "red"):
            continue
        if light == "red":
            overdue[unit] = overdue.get(unit, 0) + 1
            continue
        rem = None if remaining is None or remaining != remaining else int(remaining)
        if rem is not None and 0 <= rem <= plan.lead:
            why = "今天到期" if rem == 0 else f"{rem}个工作日后到期"
        elif light == "yellow":
            why = "进度落后于序时进度"
        else:
            continue
        by_unit.setdefault(str(unit), []).append(CaseDue(str(cid or ""), str(desc or ""), deadline, rem, why))

    from taizhang.book.materials import materials_of, owed

    materials = owed(materials_of(master), master.units.names(), today, plan.lead, cal)
    sent: dict[str, int] = {}
    for r in (log or [])[1:]:
        r = (list(r) + [None] * len(REMIND_LOG_HEADERS))[:len(REMIND_LOG_HEADERS)]
        if str(r[4] or "").strip() == plan.period:
            sent[str(r[1] or "").strip()] = sent.get(str(r[1] or "").strip(), 0) + 1
    skip = not_owed(book, master.ledger, written or today)  # seed 004: each task type's own rhythm
    if plan.previous_missing:
        plan.previous_missing = [u for u in plan.previous_missing if u not in not_owed(book, master.ledger, plan.previous_due)]
    for unit in master.units.names():
        report = None
        if owes_report and state.get(unit) not in ("reported", "folder") and unit not in skip:
            report = "被退回" if state.get(unit) == "rejected" else ("逾期未报送" if plan.workdays_left < 0 or today > due
                                                                    else "未报送")
        r = UnitReminder(unit, *contacts.get(unit, ("", "")), report=report,
                         cases=sorted(by_unit.get(unit, []), key=lambda c: (c.remaining is None, c.remaining or 0, c.case_id)),
                         overdue_cases=overdue.get(unit, 0), sent=sent.get(unit, 0), materials=materials.get(unit, []))
        if not r.kinds:
            continue
        (plan.capped if plan.cap and r.sent >= plan.cap else plan.reminders).append(r)
    return plan


def log_rows(plan: ReminderPlan, messages: dict[str, str], channel: str) -> list[list]:
    """催办记录 rows for the reminders of ``plan`` the office confirms as sent: one per unit and sending (the cap
    counts these rows), its kinds joined."""
    return [[plan.today, r.unit, "、".join(r.kinds), channel, plan.period, messages.get(r.unit, "")] for r in plan.reminders]
