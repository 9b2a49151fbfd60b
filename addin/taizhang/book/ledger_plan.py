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
- a field the campaign does not use (``omitted``: 复杂程度 where its plan sets no tiers and the office switched none on)
  is neither laid out nor added; a master that has its column keeps it, read and written by header as before (its
  values are the office's; dropping it would move every column right of it, and the office's formulas with them).

Rows are carried by case: each case of the ledger frame knows the Excel row it was read from (``_xrow``, set by
the reader beside its 问题编号), so its office cells, row height and hidden flag go wherever the case goes (sorted
into the middle, moved up past an emptied row), and a case that is gone takes them with it.

The plan is data (``LedgerPlan``), tested as a table of office edits → cell maps (tests/test_ledger_plan.py);
``ledger_sheet.ledger_spec`` turns it into the sheet patch ``xlsxpatch`` writes.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def omitted(book, ledger=None) -> frozenset[str]:
    """The fields a campaign's 台账 does not lay out: 复杂程度 without tiers (only seed 004's plan sets them, "没有时限要求
    原则上5个工作日内办结，较复杂的10个工作日内办结…"; another campaign's office may switch them on, labelled) — unless
    a case of ``ledger`` (the frame to write) holds one (a unit's old form sent it): a value is never dropped."""
    out = set()
    for key, used in (("complexity", getattr(book, "tiers", None)), ("task_type", getattr(book, "task_rhythms", None))):
        if used:
            continue  # (seed 004's task types, each with its report rhythm: likewise only where the plan has them)
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
