"""Campaign rulebooks: the settings a campaign's ledger is built from.

Rulebooks live in ``validation/`` as TOML (read with the standard library's
tomllib) and are checked by pydantic models. A malformed rulebook is a
``RulebookError`` whose message names the file, the key and the problem.
After ``taizhang new`` the master workbook's own sheets carry these settings;
the rulebook file is only the starting point.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from taizhang.errors import UserError
from taizhang.fields import STATUSES, norm_text


class RulebookError(UserError):
    """A rulebook that cannot be used; the message is for the person editing it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Category(_Strict):
    name: str = Field(min_length=1)
    supervisor: str = ""
    note: str = ""


class Tier(_Strict):
    """A deadline tier: either N working days or N calendar months."""

    name: str = Field(min_length=1)
    workdays: int | None = Field(default=None, ge=1, le=366)
    months: int | None = Field(default=None, ge=1, le=36)
    needs_approval: bool = False

    @model_validator(mode="after")
    def _one_period(self) -> "Tier":
        if (self.workdays is None) == (self.months is None):
            raise ValueError(f"时限档次“{self.name}”须且只能填写 workdays（工作日）或 months（月）之一")
        return self

    def describe(self) -> str:
        return f"{self.workdays}个工作日" if self.workdays else f"{self.months}个月"


class Reporting(_Strict):
    cadence: Literal["weekly", "ten_days", "monthly", "quarterly", "once", "per_event"] = "monthly"
    due_day: int = Field(default=20, ge=1, le=31)
    due_date: dt.date | None = None
    note: str = ""  # the plan's own words on reporting (参数设置 shows them as 方案原文要求)


class TaskRhythm(_Strict):
    """A task type with its own report rhythm (seed 004: "常规工作实行季报告，重要任务实行月报告，紧急的重点事项实行一事一报"):
    a unit owes a periodic report for a case of this type only in the periods its cadence names (book.merge.owes_report)."""

    name: str = Field(min_length=1)
    cadence: Literal["monthly", "quarterly", "per_event"]
    aliases: list[str] = []  # how units write it (常规, 重要, 紧急…)


class Lights(_Strict):
    yellow_workdays: int = Field(default=3, ge=0, le=60)
    progress_margin: float = Field(default=10.0, ge=0, le=100)
    rank_rule: Literal["completion_rate", "on_time_rate", "overdue", "schedule"] = "completion_rate"  # schedule: 序时进度


class Route(_Strict):
    unit_type: str = Field(min_length=1)
    summary_dept: str = Field(min_length=1)


_MONTH_DAY = re.compile(r"^\s*(\d{1,2})\s*[-月.]\s*(\d{1,2})\s*日?\s*$")
FREE_YEAR = 2000  # the year a month–day is stored in until it is placed in a campaign year (a leap year: 2月29日 fits)


def in_year(day: dt.date, year: int) -> dt.date:
    """``day``'s month and day in ``year`` (2月29日 becomes 2月28日 in a common year)."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


class Phase(_Strict):
    """A campaign stage. ``every_year``: the plan repeats it each year (seed 001 "每年"), so its month–day range
    applies to any year. A rulebook may give a stage as month–day text ("5-15") when the plan names no year
    (seed 000); ``taizhang new --year`` places it in the campaign's year. A blank date is one the plan leaves
    open (seed 003 "xx月"): the 工作阶段 sheet says 待填写."""

    name: str = Field(min_length=1)
    start: dt.date | None = None
    end: dt.date | None = None
    note: str = ""
    every_year: bool = False
    year_free: bool = False  # dates given as month–day only (stored in FREE_YEAR)

    @model_validator(mode="before")
    @classmethod
    def _month_day(cls, data):
        if isinstance(data, dict):
            data = dict(data)
            for key in ("start", "end"):
                v = data.get(key)
                if isinstance(v, str):
                    m = _MONTH_DAY.match(v)
                    if not m:
                        continue  # pydantic reports it as a bad date
                    try:
                        data[key] = dt.date(FREE_YEAR, int(m.group(1)), int(m.group(2)))
                    except ValueError:
                        raise ValueError(f"阶段“{data.get('name')}”的日期“{v}”不是有效的月日") from None
                    data["year_free"] = True
        return data

    @model_validator(mode="after")
    def _ordered(self) -> "Phase":
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"阶段“{self.name}”的结束日期早于开始日期")
        return self

    def span(self, year: int) -> tuple[dt.date | None, dt.date | None]:
        """(start, end) of this stage for a case of ``year``: a recurring or month–day stage in that year,
        a dated stage as written."""
        if self.every_year or self.year_free:
            return (in_year(self.start, year) if self.start else None, in_year(self.end, year) if self.end else None)
        return self.start, self.end


# the tiers an office switches on where its plan sets none (参数设置 “复杂程度档次” 是): seed 004's, as a starting point
DEFAULT_TIERS = (Tier(name="一般", workdays=5), Tier(name="较复杂", workdays=10), Tier(name="特别复杂", workdays=20),
                 Tier(name="极特殊", months=1, needs_approval=True))


DEADLINE_RULES = ("按复杂程度", "当年年底", "阶段结束", "按整改方式")
MODE_NOW, MODE_TIMED, MODE_LONG = "立行立改", "限时整改", "持续整改"
RECTIFY_MODES = (MODE_NOW, MODE_TIMED, MODE_LONG)


KIND_TIME = "按时限递进"  # the plan ties the step to lateness: taizhang may suggest it from consecutive red report days
KIND_MENU = "按情节由办公室选择"  # tied to conduct or severity only people can judge: listed, never suggested from days
RUNG_KINDS = (KIND_TIME, KIND_MENU)


class Rung(_Strict):
    """One consequence the plan names, in its own words, and its kind: a step in time (seed 003's ladder; 001
    久拖不决 → 扣分; 000 整改不到位 → 点名通报曝光) or the plan's menu for the office to choose (纪律处分, 移交…, 问责)."""

    step: str = Field(min_length=1)
    quote: str = ""
    kind: Literal["按时限递进", "按情节由办公室选择"] = KIND_MENU


class Bulletin(_Strict):
    """A bulletin the office itself issues on its own rhythm (seed 000 月晾晒 每月, 季通报 每季度; seed 003 月通报):
    ``taizhang notice --period`` draws it up for a month or a quarter."""

    name: str = Field(min_length=1)
    period: Literal["month", "quarter"]


class Deliverable(_Strict):
    """A dated material the plan requires of the member units (材料报送): a 总结报告, a 排查清单, a 方案 to 备案.
    ``due`` may be month–day text ("5-15") where the plan names no year; blank where the plan gives no date (the
    office writes one on the 材料报送 sheet). ``keys``: words a file's name or title holds when it is this material
    (the name itself when empty)."""

    name: str = Field(min_length=1)
    due: dt.date | None = None
    to: str = ""       # 报送对象, the plan's words
    quote: str = ""    # the plan's sentence
    keys: list[str] = []
    year_free: bool = False

    @model_validator(mode="before")
    @classmethod
    def _month_day(cls, data):
        if isinstance(data, dict) and isinstance(data.get("due"), str):
            m = _MONTH_DAY.match(data["due"])
            if m:
                data = dict(data, due=dt.date(FREE_YEAR, int(m.group(1)), int(m.group(2))), year_free=True)
        return data


class Rulebook(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    aliases: list[str] = []
    seed: str = ""
    office: str = ""
    categories: list[Category] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    added_sources: list[str] = []  # sources the plan does not name: the office's additions, marked so in 代码表
    statuses: list[str] = list(STATUSES)
    # 复杂程度 tiers: only seed 004 sets them ("较复杂的10个工作日内办结…"); elsewhere none (no 复杂程度 column in the
    # unit's form, no tier in 参数设置), unless the office switches them on as its own setting (DEFAULT_TIERS)
    tiers: list[Tier] = []
    default_tier: str = "一般"
    # 签收 / 反馈 limits: only seed 004 sets them ("收到工作任务后3个工作日内签批或部署"; "办结后需在5个工作日内反馈");
    # elsewhere None (no limit), unless the office switches one on as its own setting
    sign_workdays: int | None = Field(default=None, ge=1, le=60)
    feedback_workdays: int | None = Field(default=None, ge=1, le=60)
    sign_feedback_quote: str = ""  # the plan's sentence the two limits rest on ("" : an office setting)
    supervise_reply_workdays: int = Field(default=5, ge=1, le=60)  # office setting: no seed gives it
    duplicate_ratio: float = Field(default=0.85, ge=0.5, le=1.0)  # office setting: no seed gives one
    reporting: Reporting = Reporting()
    lights: Lights = Lights()
    routing: list[Route] = []
    unit_types: list[str] = ["乡镇（街道）", "区直部门"]
    phases: list[Phase] = []
    zero_report: bool = False  # 零报告: only where the plan says so (seeds 002, 003), or the office switches it on
    zero_report_quote: str = ""  # the plan's sentence ("" : an office setting)
    due_day_basis: str = ""  # where the plan names no report day (seed 003 names no weekday): the office's setting, said so
    # 时限规则: how a case with no written 整改时限 gets its deadline (see calendar.deadlines.default_deadline)
    deadline_rule: Literal["按复杂程度", "当年年底", "阶段结束", "按整改方式"] = "按复杂程度"
    deadline_rule_quote: str = ""  # the plan's sentence the rule rests on
    deadline_stage: str = ""  # 阶段结束: the stage whose end is the deadline
    quick_fix_workdays: int = Field(default=5, ge=1, le=366)  # 按整改方式: 立行立改 (an office setting)
    deliverables: list[Deliverable] = []  # 材料报送: the plan's dated materials (book.materials), the master's sheet
    ladder: list[Rung] = []  # the plan's consequences, mildest first; only 按时限递进 ones are suggested from days
    escalate_after: int = Field(default=2, ge=1, le=100)  # consecutive red report cycles before the first timed step
    listing: Rung | None = None  # 挂牌督办 of long-unsolved cases (seed 002), suggested per case
    listing_after_workdays: int = Field(default=20, ge=1, le=366)  # overdue this long → put forward (office setting)
    # 抽查 (seeds 002, 003): share of 查否 cases and zero-report units drawn each report day, and the draw's seed
    spot_ratio: float = Field(default=20.0, ge=0, le=100)
    spot_seed: int = Field(default=1, ge=0)
    track_sign_feedback: bool = False  # seed 004: an unsigned / unreported case past 签收期限 / 反馈期限 is late too
    office_closes: bool = False  # 销号 reserved to the leading group (seeds 000, 003): units apply, the office confirms
    district_coord: bool = False  # seed 001: an office-owned 区级协调 flag, counted in the summary
    # seed 004 alone: each task type reports on its own rhythm (任务类型 column); elsewhere none, and no such column
    task_rhythms: list[TaskRhythm] = []
    task_rhythm_quote: str = ""
    # extracts the office sends on each report day (report.extracts): seed 001 抄送 each case's 行业主管部门
    # ("同时抄送案件涉及领域的行业主管部门"), seed 003 each 归口汇总部门 its system ("定期向县委办公室报送各自分管系统…"); "": none
    extracts_by: Literal["", "supervisor", "summary_dept"] = ""
    # the unit's form (book.template): its title ("" : "<name>台账（报送期）") and, seed 002, the lines for the head's
    # 签字 and the 盖章 ("“中梗阻”问题排查清单…经部门主要负责同志签字盖章后，于12月7日前径送开发区纪工委")
    form_title: str = ""
    form_signed: bool = False
    bulletins: list[Bulletin] = []
    # seed 001: "对于重大疑难、争议金额较大的案件,应集体研究会商" — unfinished cases whose 涉及金额 reaches this (万元) are
    # suggested for 集体研究会商; the plan names no amount, so the figure is the office's (None: no suggestion)
    collective_amount: float | None = Field(default=None, ge=0)
    collective_quote: str = ""  # the office's own rhythm (DOMAIN.md "Rhythms"): named bulletins per period
    # 催报 and 临期提醒 (book.reminders): office settings, no plan gives them
    remind_lead_workdays: int = Field(default=3, ge=0, le=60)  # remind from this many working days before a due date
    remind_cap: int = Field(default=2, ge=0, le=50)  # reminders per unit per report period (0: no cap)
    due_on_day_off: Literal["顺延", "提前"] = "顺延"  # a report due date on a day off: the next or the previous working day
    # seed 000: "各相关单位都要在工作职责内确定1个以上…作为本单位、本部门的攻坚难题": a unit with fewer is flagged
    min_cases: int = Field(default=0, ge=0, le=100)
    min_cases_quote: str = ""
    # fields the plan requires of every listed problem (field keys; seed 002 整改时限, seed 003 整改措施、整改目标):
    # a row without one is returned to the unit, with the plan's sentence as the reason
    required_fields: list[str] = []
    required_quote: str = ""
    # 佐证材料 required where a case is 办结, 销号 (or applied for) or 查否: an office setting, no plan names the stages
    evidence_required: list[Literal["办结", "销号", "查否"]] = ["销号", "查否"]
    # 回访 before 销号 (#31): cases from these sources (12345, 信访, enterprises) are 销号 only after a 回访 that is not
    # 不满意; an office setting, off by default — seed 002 makes 群众满意 the test but no plan gives the rule
    visit_sources: list[str] = []
    # seed 000: "经主管副区长审签后报领导小组办公室审定、核准": a unit's new case is 待核准 until the office's 核准 on
    # 待审批, with the 主管副区长审签 the unit records; 退出 is the office's record beside 销号 (book.trail)
    approve_cases: bool = False
    approve_quote: str = ""
    backups_kept: int = Field(default=10, ge=1, le=1000)
    rules_off: list[str] = []

    @model_validator(mode="after")
    def _consistent(self) -> "Rulebook":
        _no_duplicates("categories", [c.name for c in self.categories])
        _no_duplicates("sources", self.sources)
        stray = [s for s in self.added_sources if s not in self.sources]
        if stray:
            raise ValueError(f"added_sources 中的“{stray[0]}”不在 sources 中")
        stray = [s for s in self.visit_sources if s not in self.sources]
        if stray:
            raise ValueError(f"visit_sources 中的“{stray[0]}”不在 sources 中")
        _no_duplicates("tiers", [t.name for t in self.tiers])
        _no_duplicates("routing", [r.unit_type for r in self.routing])
        from taizhang.rules.checks import RULES

        off = [r for r in self.rules_off if r not in RULES]
        if off:
            raise ValueError(f"rules_off 中的“{off[0]}”不是校验规则代码（可用：{'、'.join(RULES)}）")
        from taizhang.fields import BY_KEY

        stray = [k for k in self.required_fields if k not in BY_KEY or BY_KEY[k].owner != "unit"]
        if stray:
            raise ValueError(f"required_fields 中的“{stray[0]}”不是单位填写的台账字段")
        unknown = [s for s in self.statuses if s not in STATUSES]
        if unknown:
            raise ValueError(f"statuses 中的“{unknown[0]}”不是规范状态（可用：{'、'.join(STATUSES)}）")
        if self.tiers and self.default_tier not in {t.name for t in self.tiers}:
            raise ValueError(f"default_tier“{self.default_tier}”不在 tiers 中")
        if self.deadline_rule == "按复杂程度" and not self.tiers:
            raise ValueError("时限规则为“按复杂程度”时须填写时限档次（tiers）")
        if self.deadline_rule == "阶段结束":
            if not self.deadline_stage:
                raise ValueError("时限规则为“阶段结束”时须指定整改阶段（deadline_stage）")
            if self.phases and self.deadline_stage not in {p.name for p in self.phases}:
                raise ValueError(f"整改阶段“{self.deadline_stage}”不在工作阶段中（可用：{'、'.join(p.name for p in self.phases)}）")
        return self

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name), None)

    def for_year(self, year: int) -> "Rulebook":
        """This rulebook with its stages placed in ``year`` (``taizhang new --year``): month–day stages get the
        year, a plan's dated stages move by whole years (the first dated stage's year becomes ``year``), and a
        one-off reporting date moves with them. Recurring stages keep recurring."""
        dated = [d for p in self.phases if not (p.every_year or p.year_free) for d in (p.start, p.end) if d]
        shift = year - min(dated).year if dated else 0
        phases = []
        for p in self.phases:
            if p.every_year or p.year_free:
                start, end = p.span(year)
            else:
                start = in_year(p.start, p.start.year + shift) if p.start else None
                end = in_year(p.end, p.end.year + shift) if p.end else None
            phases.append(p.model_copy(update={"start": start, "end": end, "year_free": False}))
        reporting = self.reporting
        if reporting.due_date and shift:
            reporting = reporting.model_copy(update={"due_date": in_year(reporting.due_date, reporting.due_date.year + shift)})
        deliverables = [d.model_copy(update={"due": in_year(d.due, year) if d.year_free else in_year(d.due, d.due.year + shift),
                                             "year_free": False}) if d.due else d for d in self.deliverables]
        return self.model_copy(update={"phases": phases, "reporting": reporting, "deliverables": deliverables})

    def tier(self, name: str) -> Tier | None:
        return next((t for t in self.tiers if t.name == name), None)

    def task_rhythm(self, value) -> TaskRhythm | None:
        """The plan's task type (seed 004) a 任务类型 cell names, by name or alias (folded: full-width, spaces); None:
        blank, or not one of them."""
        text = norm_text(value)
        if not text:
            return None
        # the plan's names first, across every type: an office's shortening never takes another type's own name
        return next((r for r in self.task_rhythms if text == norm_text(r.name)), None) or \
            next((r for r in self.task_rhythms if text in {norm_text(n) for n in r.aliases}), None)


def _no_duplicates(key: str, names: list[str]) -> None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise ValueError(f"{key} 中“{n}”重复出现")
        seen.add(n)


def _loc(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(根)"


def parse_rulebook(data: dict, origin: str) -> Rulebook:
    try:
        return Rulebook.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = _loc(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "未知的键（拼写错误？）"
            elif err["type"] == "missing":
                msg = "缺少必填的键"
            lines.append(f"  键 {where}：{msg}")
        raise RulebookError(f"规则文件 {origin} 有误：\n" + "\n".join(lines)) from None


def load_rulebook_file(path: str | Path) -> Rulebook:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(f"规则文件 {path} 不是合法的 TOML：{exc}") from None
    except OSError as exc:
        raise RulebookError(f"无法读取规则文件 {path}：{exc}") from None
    return parse_rulebook(data, str(path))


def builtin_rulebooks() -> dict[str, Rulebook]:
    """The presets shipped in ``taizhang.rulebooks`` by id (a new dict each call, of the same frozen rulebooks)."""
    return dict(_builtin_rulebooks())


@functools.cache
def _builtin_rulebooks() -> tuple[tuple[str, Rulebook], ...]:
    """Parsed once a process: every master loaded consults its preset (a folder of 100 masters parsed the five TOML
    files 100 times)."""
    books: dict[str, Rulebook] = {}
    for entry in sorted(resources.files("taizhang.rulebooks").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            book = parse_rulebook(data, f"validation/{entry.name}")
            books[book.id] = book
    return tuple(books.items())


def find_rulebook(preset: str) -> Rulebook:
    """A built-in rulebook by id or Chinese name, or a rulebook file path."""
    if preset.endswith(".toml") or Path(preset).is_file():
        return load_rulebook_file(preset)
    books = builtin_rulebooks()
    wanted = preset.strip()
    for book in books.values():
        if wanted in (book.id, book.name, *book.aliases):
            return book
    choices = "、".join(f"{b.id}（{b.name}）" for b in books.values())
    raise RulebookError(f"找不到预案“{preset}”。可用的预案：{choices}")
