"""The plan for writing 台账 back: which column holds what, decided by header and carried by case, never by position.

The office owns its master. It inserts columns of its own between taizhang's, deletes a taizhang column it does
not use, reorders them, or keeps a master an earlier version made with fewer fields. The reader matches the
columns by header (``fields.match_header``, aliases included); the writer follows the same plan:

- a column whose header names a taizhang field (its first occurrence) is taizhang's: written from the ledger
  frame, in the place the office gave it, under the field's own header;
- every other column (the office's header, a second column under a taizhang header, a column without a header)
  is the office's: its cells (values, formulas, styles) are carried from the old sheet, each with its case;
- a field the master lacks (an older master, a column the office deleted) is added at the right edge, after
  every column the sheet already has, so no office column moves and no office formula points elsewhere;
- a field the campaign does not use (``omitted``, by the table ``CAMPAIGN_FIELDS``: 复杂程度 where its plan sets no
  tiers, 签收期限/反馈期限 without limits, 区级协调 and 牵头督办部门 outside seed 001, 归口汇总部门 outside seed 003, 销号申请
  where units close their own cases, 回访 where the office asks for none) is neither laid out nor added; a master
  that has its column keeps it, read and written by header as before (its values are the office's; dropping it
  would move every column right of it, and the office's formulas with them).

Rows are carried by case: each case of the ledger frame knows the Excel row it was read from (``_xrow``, set by
the reader beside its 问题编号), so its office cells, row height and hidden flag go wherever the case goes (sorted
into the middle, moved up past an emptied row), and a case that is gone takes them with it.

The plan is data (``LedgerPlan``), tested as a table of office edits → cell maps (tests/test_ledger_plan.py);
``ledger_sheet.ledger_spec`` turns it into the sheet patch ``xlsxpatch`` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from taizhang.fields import FIELDS, match_header

FIELD_KEYS = tuple(f.key for f in FIELDS)


@dataclass(frozen=True)
class Column:
    """One written column: a taizhang field (``key``) or an office column carried from ``source`` (0-based)."""

    key: str | None  # the field's key; None for an office column
    header: str  # the field's own header, or the office's header as read ("" when it has none)
    source: int | None  # the column (0-based) of the old sheet it was read from; None: added in this write

    @property
    def office(self) -> bool:
        return self.key is None


@dataclass(frozen=True)
class LedgerPlan:
    """The columns of 台账 in sheet order (0-based index = position)."""

    columns: tuple[Column, ...]

    @property
    def width(self) -> int:
        return len(self.columns)

    def field_at(self, key: str) -> int:
        """The column (0-based) that holds taizhang's field ``key``."""
        return self._fields[key]

    def has(self, key: str) -> bool:
        """Whether the sheet has a column for taizhang's field ``key`` (a field ``omitted`` may have none)."""
        return key in self._fields

    @property
    def _fields(self) -> dict[str, int]:
        return {c.key: i for i, c in enumerate(self.columns) if c.key is not None}

    @property
    def office(self) -> dict[int, int]:
        """The office's columns: new column → the old column its cells come from (0-based)."""
        return {i: c.source for i, c in enumerate(self.columns) if c.office and c.source is not None}

    @property
    def canonical(self) -> bool:
        """taizhang's own layout: its fields in order from column A, nothing else."""
        return tuple(c.key for c in self.columns) == FIELD_KEYS


def _text(h) -> str:
    if h is None:
        return ""
    if isinstance(h, float) and h.is_integer():
        return str(int(h))
    return str(h).strip()


@dataclass(frozen=True)
class CampaignField:
    """Fields of 台账 (and of the unit's form) that only some campaigns have: laid out where ``uses`` holds for the
    campaign's rulebook — its plan gives them (``seeds``: (seed, the plan's sentence) each), or the office switched them
    on in 参数设置 (``setting``, the row that does)."""

    keys: tuple[str, ...]
    uses: Callable[[object], bool]
    seeds: tuple[tuple[str, str], ...]  # () : no plan gives it, an office setting only
    setting: str


def _any_supervisor(book) -> bool:
    return any(c.supervisor for c in book.categories) or book.extracts_by == "supervisor"


# field → predicate over the campaign's rulebook, with the seed sentence it implements (tests/test_ledger_plan.py checks
# each sentence against its seed and each predicate on the five presets, as a table)
CAMPAIGN_FIELDS: tuple[CampaignField, ...] = (
    CampaignField(("complexity",), lambda b: bool(b.tiers),
                  (("004", "没有时限要求原则上5个工作日内办结，较复杂的10个工作日内办结，特别复杂的20个工作日内办结，"
                           "极特殊的经申请同意后1个月内办结"),), "复杂程度档次"),
    CampaignField(("task_type",), lambda b: bool(b.task_rhythms),
                  (("004", "常规工作实行季报告，重要任务实行月报告，紧急的重点事项实行一事一报"),), ""),
    CampaignField(("sign_by",), lambda b: b.sign_workdays is not None,
                  (("004", "承办单位主要负责人应在收到工作任务后3个工作日内签批或部署"),), "签收时限（工作日）"),
    CampaignField(("feedback_by",), lambda b: b.feedback_workdays is not None,
                  (("004", "任务事项办结后需在5个工作日内反馈办理落实情况"),), "反馈时限（工作日）"),
    CampaignField(("district_coord",), lambda b: bool(b.district_coord),
                  (("001", "由各部门报送专项治理工作组(区指挥部改革创新组)汇总,统一提交区级层面专项研究讨论、专题协调解决"),),
                  "区级协调"),
    # a category's supervising department (问题类别 表's 牵头督办部门), or extracts sent to each one
    CampaignField(("supervisor",), _any_supervisor,
                  (("001", "区商务局负责招商引资政策不兑现等问题的督促整改"), ("001", "同时抄送案件涉及领域的行业主管部门")),
                  "分送摘录"),
    CampaignField(("summary_dept",), lambda b: bool(b.routing) or b.extracts_by == "summary_dept",
                  (("003", "县直机关党委、县监察局、县教育局、县财政局(国资局)要按照清理工作各时间节点安排,定期向县委办公室"
                           "报送各自分管系统的清理工作情况及相关材料"),), "分送摘录"),
    CampaignField(("close_request",), lambda b: bool(b.office_closes),
                  (("000", "区政府确定的攻坚任务完成后，要报领导小组组长审定核准"), ("003", "挂账督办,做到整改完成一件销号一件")),
                  "销号由办公室确认"),
    CampaignField(("visit_mode", "visit_date", "visitor", "visit_result", "visit_note"), lambda b: bool(b.visit_sources),
                  (), "回访后销号的线索来源"),
)
_BY_FIELD = {k: row for row in CAMPAIGN_FIELDS for k in row.keys}


def campaign_uses(book, key: str) -> bool:
    """Whether the campaign of rulebook ``book`` has field ``key`` (every field but ``CAMPAIGN_FIELDS``' always)."""
    row = _BY_FIELD.get(key)
    return row is None or book is None or row.uses(book)


def omitted(book, ledger=None) -> frozenset[str]:
    """The fields a campaign's 台账 does not lay out (``CAMPAIGN_FIELDS`` whose predicate fails for ``book``: 复杂程度
    without tiers, 签收期限 without a 签收 limit, 区级协调 outside seed 001…) — unless a case of ``ledger`` (the frame to
    write) holds one (a unit's old form sent it, the office filled it in): a value is never dropped."""
    if book is None:
        return frozenset()
    out = set()
    for key in _BY_FIELD:
        if campaign_uses(book, key):
            continue
        if ledger is not None and key in ledger.columns and len(ledger) and \
                any(v is not None and v == v and str(v).strip() for v in ledger[key].tolist()):
            continue
        out.add(key)
    return frozenset(out)


def plan_ledger(header: list | None, extra_columns: list[str] | None = None,
                omit: frozenset[str] | set[str] = frozenset()) -> LedgerPlan:
    """The plan for the master whose 台账 header row (as read, one value per column) is ``header``.

    ``header`` None or empty: a sheet taizhang lays out itself — its fields in order, then ``extra_columns``
    (office columns known only by name, e.g. from a master read elsewhere), which have no cells to carry.
    ``omit``: fields not laid out nor added (``omitted``); a column the sheet has under such a field's header stays.
    """
    if not header or not any(_text(h) for h in header):
        cols = [Column(f.key, f.header, None) for f in FIELDS if f.key not in omit]
        cols += [Column(None, e, None) for e in extra_columns or []]
        return LedgerPlan(tuple(cols))
    cols = []
    seen: set[str] = set()
    for i, h in enumerate(header):
        key, _ = match_header(h)
        if key and key not in seen:
            seen.add(key)
            cols.append(Column(key, FIELDS[FIELD_KEYS.index(key)].header, i))
        else:
            cols.append(Column(None, _text(h), i))
    cols += [Column(f.key, f.header, None) for f in FIELDS if f.key not in seen and f.key not in omit]
    return LedgerPlan(tuple(cols))
