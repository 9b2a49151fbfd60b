"""The plan for writing 台账 back: which column holds what, decided by header and carried by case, never by position.

The office owns its master. It inserts columns of its own between taizhang's, deletes a taizhang column it does
not use, reorders them, or keeps a master an earlier version made with fewer fields. The reader matches the
columns by header (``fields.match_header``, aliases included); the writer follows the same plan:

- a column whose header names a taizhang field (its first occurrence) is taizhang's: written from the ledger
  frame, in the place the office gave it, under the field's own header;
- every other column (the office's header, a second column under a taizhang header, a column without a header)
  is the office's: its cells (values, formulas, styles) are carried from the old sheet, each with its case;
- a field the master lacks (an older master, a column the office deleted) is added at the right edge, after
  every column the sheet already has, so no office column moves and no office formula points elsewhere.

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


def plan_ledger(header: list | None, extra_columns: list[str] | None = None) -> LedgerPlan:
    """The plan for the master whose 台账 header row (as read, one value per column) is ``header``.

    ``header`` None or empty: a sheet taizhang lays out itself — its fields in order, then ``extra_columns``
    (office columns known only by name, e.g. from a master read elsewhere), which have no cells to carry.
    """
    if not header or not any(_text(h) for h in header):
        cols = [Column(f.key, f.header, None) for f in FIELDS]
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
    cols += [Column(f.key, f.header, None) for f in FIELDS if f.key not in seen]
    return LedgerPlan(tuple(cols))
