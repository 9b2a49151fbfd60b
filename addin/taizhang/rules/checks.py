"""Row rules: small named units registered under their finding codes.

Each rule looks at the typed frame of one submission (columns are canonical
field keys, plus ``_row`` for the Excel row number; the index is a plain
RangeIndex, so a position is the row's label) and yields
``(position, field key, message)`` for every row it objects to. A
rulebook (or the 参数设置 row 停用的校验规则) can switch any rule off by code.
Rules work on whole columns (NumPy masks over each column's values), not row by row
through pandas: a submission of 50 rows must not pay pandas' per-operation cost
twenty times over.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field
from itertools import repeat
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from taizhang.fields import BY_KEY, STATUS_CLOSED, STATUS_DONE, STATUS_UNFOUNDED

Hit = tuple[int, str, str]
RuleFn = Callable[[pd.DataFrame, "RuleContext"], Iterator[Hit]]

REQUIRED = ("unit", "category", "description", "assigned", "status")
RECOMMENDED = ("source", "leader", "person")


@dataclass
class RuleContext:
    today: dt.date
    columns: dict[str, list] = field(default_factory=dict)  # the frame's columns as lists, each taken once
    deadline_rule: str = ""  # the campaign's 时限规则 (rules that depend on it look here)
    office_closes: bool = False  # 销号 is the office's: a unit's 已销号 is an application, no approver needed
    plan_required: tuple[str, ...] = ()  # fields the plan requires of every open problem (seeds 002, 003)
    plan_quote: str = ""  # the plan's sentence for them
    district_coord: bool = False  # seed 001: a unit's 区级协调 is a request for the office's list, never the flag itself

    def values(self, df: pd.DataFrame, key: str) -> list:
        """Column ``key`` of ``df`` as a list (None throughout when the column is absent)."""
        got = self.columns.get(key)
        if got is None:
            got = self.columns[key] = df[key].tolist() if key in df else [None] * len(df)
        return got


RULES: dict[str, RuleFn] = {}


def rule(code: str):
    def register(fn: RuleFn) -> RuleFn:
        RULES[code] = fn
        return fn
    return register


def _per_value(values: list, fn, dtype) -> np.ndarray:
    """``fn`` of each value as an array, ``fn`` computed once per distinct value (a column repeats its blanks,
    statuses and dates), the rest one C-level lookup per cell."""
    try:
        known = {v: fn(v) for v in set(values)}
    except TypeError:  # an unhashable value: one by one
        return np.fromiter(map(fn, values), dtype=dtype, count=len(values))
    return np.fromiter(map(known.__getitem__, values), dtype=dtype, count=len(values))


def _is_blank(v) -> bool:
    return v is None or v != v or (isinstance(v, str) and not v.strip())


def _blank(values: list) -> np.ndarray:
    return _per_value(values, _is_blank, bool)


def _is(values: list, wanted: str) -> np.ndarray:
    return np.fromiter(map(operator.eq, values, repeat(wanted)), dtype=bool, count=len(values))


def _ordinal(v) -> int:
    return v.toordinal() if isinstance(v, dt.date) else -1


def _ordinals(values: list) -> np.ndarray:
    """Day numbers of a column of dates (-1 where blank), so date rules compare whole columns at once."""
    return _per_value(values, _ordinal, np.int64)


def _empty_cells(df: pd.DataFrame, ctx: RuleContext, keys: tuple[str, ...], message: str) -> Iterator[Hit]:
    for key in keys:
        if key in df:
            for i in np.flatnonzero(_blank(ctx.values(df, key))).tolist():
                yield i, key, message.format(header=BY_KEY[key].header)


@rule("missing-required")
def missing_required(df: pd.DataFrame, ctx: RuleContext) -> Iterator[Hit]:
    return _empty_cells(df, ctx, REQUIRED, "“{header}”不能为空，请补填。")


@rule("missing-recommended")
def missing_recommended(df: pd.DataFrame, ctx: RuleContext) -> Iterator[Hit]:
    return _empty_cells(df, ctx, RECOMMENDED, "“{header}”未填写，建议补填（不影响导入）。")


@rule("deadline-before-assigned")
def deadline_before_assigned(df: pd.DataFrame, ctx: RuleContext) -> Iterator[Hit]:
    if "deadline" not in df or "assigned" not in df:
        return
    deadline, assigned = ctx.values(df, "deadline"), ctx.values(df, "assigned")
    d, a = _ordinals(deadline), _ordinals(assigned)
    for i in np.flatnonzero((d >= 0) & (a >= 0) & (d < a)).tolist():
        yield i, "deadline", f"整改时限 {deadline[i]} 早于交办日期 {assigned[i]}，请核对两个日期。"


@rule("done-without-date")
def done_without_date(df: pd.DataFrame, ctx: RuleContext) -> Iterator[Hit]:
    if "status" not in df:
        return
    missing = _is(ctx.values(df, "status"), STATUS_DONE) & _blank(ctx.values(df, "done_date"))
    for i in np.flatnonzero(missing).tolist():
        yield i, "done_date", "状态为“已办结”，请填写办结日期。"


@rule("closed-without-approval")
def closed_without_approval(df: pd.DataFrame, ctx: RuleContext) -> Iterator[Hit]:
    if "status" not in df:
        return
    closed = _is(ctx.values(df, "status"), STATUS_CLOSED)
    if not closed.any() or ctx.office_closes:
        return
    for key, label in (("closer", "销号审核人"), ("closed_date", "销号日期")):
        for i in np.flatnonzero(closed & _blank(ctx.values(df, key))).tolist():
            yield i, key, f"状态为“已销号”，须经领导小组审定，请填写{label}。"


@rule("duplicate-id")
def duplicate_id(df: pd.DataFrame, ctx: RuleContext) -> Iterator[Hit]:
    if "case_id" not in df:
        return
    first_row: dict = {}
    for i, (cid, row) in enumerate(zip(ctx.values(df, "case_id"), ctx.values(df, "_row"))):
        if cid is None or cid != cid:
            continue
        if cid in first_row:
            yield i, "case_id", f"问题编号“{cid}”与第{first_row[cid]}行重复，同一问题只能填一行；新问题请留空编号。"
        else:
            first_row[cid] = row


@rule("date-in-future")
def date_in_future(df: pd.DataFrame, ctx: RuleContext) -> Iterator[Hit]:
    today = ctx.today.toordinal()
    for key in ("done_date", "closed_date", "assigned", "sign_date", "feedback_date"):
        if key not in df:
            continue
        values = ctx.values(df, key)
        for i in np.flatnonzero(_ordinals(values) > today).tolist():
            yield i, key, f"{BY_KEY[key].header} {values[i]} 晚于报送日 {ctx.today}，请核对。"


@rule("deadline-required")
def deadline_required(df: pd.DataFrame, ctx: RuleContext) -> Iterator[Hit]:
    """Seed 003: "对需要一定时间整改的问题，要明确目标，限时整改" — a 限时整改 case needs its written deadline."""
    if "rectify_mode" not in df:
        return
    missing = _is(ctx.values(df, "rectify_mode"), "限时整改") & _blank(ctx.values(df, "deadline"))
    for i in np.flatnonzero(missing).tolist():
        yield i, "deadline", "整改方式为“限时整改”，须写明整改时限（方案：“明确目标，限时整改”），请补填后重新报送。"


@rule("rectify-mode-missing")
def rectify_mode_missing(df: pd.DataFrame, ctx: RuleContext) -> Iterator[Hit]:
    if ctx.deadline_rule != "按整改方式":
        return
    missing = _blank(ctx.values(df, "rectify_mode")) & _blank(ctx.values(df, "deadline"))
    for i in np.flatnonzero(missing).tolist():
        yield i, "rectify_mode", "未填写整改方式，也没有整改时限，无法确定时限。请填写立行立改、限时整改或持续整改。"


@rule("plan-required")
def plan_required(df: pd.DataFrame, ctx: RuleContext) -> Iterator[Hit]:
    """Seed 002: "据实列出问题清单并逐条研究整改措施，明确完成时限和整改责任"; seed 003: "逐项逐条标明整改措施、整改目标、
    整改时限,牵头领导、责任单位和具体责任人" — an open problem without what its plan requires goes back to the unit."""
    if not ctx.plan_required:
        return
    status = ctx.values(df, "status")
    open_rows = ~np.fromiter((v in (STATUS_DONE, STATUS_CLOSED, STATUS_UNFOUNDED) for v in status), dtype=bool, count=len(status))
    why = f"（方案：“{ctx.plan_quote}”）" if ctx.plan_quote else "（本专项行动方案要求填写）"
    for key in ctx.plan_required:
        for i in np.flatnonzero(open_rows & _blank(ctx.values(df, key))).tolist():
            yield i, key, f"“{BY_KEY[key].header}”未填写{why}，该行退回，请填写后重新报送。"


@rule("coord-requested")
def coord_requested(df: pd.DataFrame, ctx: RuleContext) -> Iterator[Hit]:
    """Seed 001: "需要区级层面协调解决的陈年积案和重大疑难案件,由各部门报送专项治理工作组…汇总,统一提交区级层面专项研究讨论"
    — a unit's 区级协调 is its request: listed for the office, which decides by its own flag in the master."""
    if not ctx.district_coord:
        return
    ids, desc = ctx.values(df, "case_id"), ctx.values(df, "description")
    for key in ("coord_request", "district_coord"):  # its own column, or (an older form) the office's 区级协调
        if key not in df:
            continue
        for i, v in enumerate(ctx.values(df, key)):
            if coord_asked(v):
                what = f"问题“{ids[i]}”" if isinstance(ids[i], str) and ids[i].strip() else f"问题“{str(desc[i] or '')[:30]}”"
                yield i, key, (f"{what}申请提交区级层面专项研究、专题协调（单位填写：{v.strip()}），已列入“区级协调事项”表。"
                               f"是否提交由办公室决定：同意的，请在台账总表该问题的“区级协调”列填写“是”，不同意的填“否”。")


COORD_NO = ("否", "无", "不需要", "不申请", "/", "-")


def coord_asked(v) -> bool:
    """A unit's 申请区级协调 (or 区级协调) cell asks for it: some text other than a no."""
    return isinstance(v, str) and bool(v.strip()) and v.strip() not in COORD_NO


def run_rules(df: pd.DataFrame, ctx: RuleContext, off: list[str] | tuple[str, ...] = ()) -> Iterator[tuple[str, int, str, str]]:
    for code, fn in RULES.items():
        if code in off:
            continue
        for i, key, msg in fn(df, ctx):
            yield code, i, key, msg
