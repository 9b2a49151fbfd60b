"""Campaign rulebooks: the settings a campaign's ledger is built from.

Rulebooks live in ``validation/`` as TOML (read with the standard library's
tomllib) and are checked by pydantic models. A malformed rulebook is a
``RulebookError`` whose message names the file, the key and the problem.
After ``taizhang new`` the master workbook's own sheets carry these settings;
the rulebook file is only the starting point.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from taizhang.fields import STATUSES
from taizhang.errors import UserError


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
    note: str = ""


class Lights(_Strict):
    yellow_workdays: int = Field(default=3, ge=0, le=60)
    progress_margin: float = Field(default=10.0, ge=0, le=100)
    rank_rule: Literal["completion_rate", "on_time_rate", "overdue"] = "completion_rate"


class Route(_Strict):
    unit_type: str = Field(min_length=1)
    summary_dept: str = Field(min_length=1)


class Phase(_Strict):
    name: str = Field(min_length=1)
    start: dt.date | None = None
    end: dt.date | None = None
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> "Phase":
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"阶段“{self.name}”的结束日期早于开始日期")
        return self


class Rulebook(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    aliases: list[str] = []
    seed: str = ""
    office: str = ""
    categories: list[Category] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    statuses: list[str] = list(STATUSES)
    tiers: list[Tier] = Field(min_length=1)
    default_tier: str = "一般"
    sign_workdays: int = Field(default=3, ge=1)
    feedback_workdays: int = Field(default=5, ge=1)
    supervise_reply_workdays: int = Field(default=5, ge=1, le=60)  # office setting: no seed gives it
    duplicate_ratio: float = Field(default=0.85, ge=0.5, le=1.0)  # office setting: no seed gives one
    reporting: Reporting = Reporting()
    lights: Lights = Lights()
    routing: list[Route] = []
    unit_types: list[str] = ["乡镇（街道）", "区直部门"]
    phases: list[Phase] = []
    zero_report: bool = True
    backups_kept: int = Field(default=10, ge=1, le=1000)
    rules_off: list[str] = []

    @model_validator(mode="after")
    def _consistent(self) -> "Rulebook":
        _no_duplicates("categories", [c.name for c in self.categories])
        _no_duplicates("sources", self.sources)
        _no_duplicates("tiers", [t.name for t in self.tiers])
        _no_duplicates("routing", [r.unit_type for r in self.routing])
        from taizhang.rules.checks import RULES

        off = [r for r in self.rules_off if r not in RULES]
        if off:
            raise ValueError(f"rules_off 中的“{off[0]}”不是校验规则代码（可用：{'、'.join(RULES)}）")
        unknown = [s for s in self.statuses if s not in STATUSES]
        if unknown:
            raise ValueError(f"statuses 中的“{unknown[0]}”不是规范状态（可用：{'、'.join(STATUSES)}）")
        if self.default_tier not in {t.name for t in self.tiers}:
            raise ValueError(f"default_tier“{self.default_tier}”不在 tiers 中")
        return self

    def tier(self, name: str) -> Tier | None:
        return next((t for t in self.tiers if t.name == name), None)


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
    books: dict[str, Rulebook] = {}
    for entry in sorted(resources.files("taizhang.rulebooks").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            book = parse_rulebook(data, f"validation/{entry.name}")
            books[book.id] = book
    return books


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
