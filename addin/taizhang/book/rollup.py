"""Two-level roll-up: a higher office merges the masters its 归口 departments (or 镇) keep, not their units' files.

Seed 003: "县直机关党委、县监察局、县教育局、县财政局(国资局)要…定期向县委办公室报送各自分管系统的清理工作情况"; seed 001's
镇(街、区) keep their own ledgers and report to the 区. Each lower office keeps its master of its units (taizhang's own
master, the same campaign); the higher office runs ``taizhang rollup HIGHER_MASTER FOLDER`` over a folder of them.

The rules, the same trust as for a unit's file:

- **Every row accounted for.** Each file of the folder is rolled up, skipped (not a master, a lock file, the higher
  master itself) or refused (another campaign's master) with its reason; each case of a lower master is new, updated,
  unchanged or refused with its reason (no 问题编号, a 责任单位 the higher master's 成员单位 does not know, the same
  问题编号 in two lower masters).
- **Where it came from.** A case keeps its 问题编号 (the lower master's, so a case handed up or down is one case);
  来源文件 names the lower master, 来源工作表 and 来源行 its row there; 归口汇总部门, where blank, is the lower office.
- **The lower office decides.** Its cases' unit fields and its decisions (办结, 销号, 延期至 with 延期审批人) are taken
  from its master: the higher office sees them and does not re-decide. A blank never erases (a column the lower
  office deleted is not a decision).
- **The higher office's own work stays.** Its office columns (督办意见, 处置措施, 区级协调, …) and every column of its
  own are never taken from a lower master; on a new case the facts of the lower office's columns (牵头督办部门,
  反映人, …) fill its blanks, and nothing else.
- **History.** Every change is one row of the higher master's 变更记录 (来源文件: the lower master), and the lower
  master's own 变更记录 rows of its cases are copied once (来源文件: "lower master：the unit's file").

Pure: masters in, the rolled-up ledger, change log and account out; ``jobs.run_rollup`` reads and writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from operator import itemgetter

import pandas as pd
from pydantic import BaseModel

from taizhang.book.master import SOURCE_ROW, Master
from taizhang.book.merge import _same, _State
from taizhang.book.sheets import CHANGE_HEADERS, S_LEDGER
from taizhang.fields import BY_KEY, UNIT_FIELDS
from taizhang.intake.normalize import to_text

# the lower office's: its units' fields and its decisions (延期 approvals; 办结 and 销号 are unit fields)
TAKEN: tuple[str, ...] = tuple(k for k in UNIT_FIELDS if k not in ("case_id", "unit")) + (
    "extended_to", "extension_approver", "close_request", "deadline_origin")
# facts in the lower office's columns: a new case's blanks only (the higher office's columns are its own after that)
FACTS: tuple[str, ...] = ("supervisor", "summary_dept", "assigned_unit", "reporter", "reporter_phone")
COMPARED: tuple[str, ...] = ("description", *TAKEN)
ROLLUP_HEADERS = ["下级台账", "下级办公室", "汇总情况", "原因", "读取行数", "新增", "更新", "未变", "未汇总", "下级变更记录"]
REFUSED_HEADERS = ["下级台账", "来源行", "问题编号", "未汇总原因", "责任单位", "问题描述"]


class LowerOutcome(BaseModel):
    file: str
    office: str = ""
    status: str  # rolled_up, skipped, refused
    reason: str = ""
    rows_read: int = 0
    rows_new: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_refused: int = 0
    history_copied: int = 0


class RollupResult(BaseModel):
    master: str
    day: dt.date
    files: list[LowerOutcome] = []
    refused_rows: list[list] = []  # REFUSED_HEADERS
    changes: int = 0

    def total(self, key: str) -> int:
        return sum(getattr(f, key) for f in self.files)

    def balanced(self) -> bool:
        return all(f.rows_read == f.rows_new + f.rows_updated + f.rows_unchanged + f.rows_refused for f in self.files)


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())


def rollup(higher: Master, lowers: Iterable[tuple[str, Master | None, str]], today: dt.date) -> tuple[Master, RollupResult]:
    """``lowers``: (file name in the folder, its master or None, why it is not read) per file, in file order; taken
    one at a time as it comes (a generator: each lower master is rolled up while the next ones are still read, and
    freed once its cases are taken)."""
    result = RollupResult(master=higher.path.name, day=today)
    state = _State.of(higher.ledger.reset_index(drop=True))
    claimed: dict[str, str] = {}
    changes: list[list] = []
    copied: list[list] = []
    ch = higher.changes
    copied_before = ch[ch["来源文件"].astype(str).str.contains("：", regex=False)] if len(ch) else ch
    have = {tuple(to_text(v) or "" for v in r) for r in copied_before[CHANGE_HEADERS].values.tolist()}
    # the higher ledger's compared values per case, once (a case is taken at most once a run: ``claimed``)
    before = list(zip(*[state.cols[k] for k in COMPARED])) if len(state.cols["case_id"]) else []
    for rel, lower, why in lowers:
        if lower is None:
            result.files.append(LowerOutcome(file=rel, status="skipped", reason=why))
            continue
        out = LowerOutcome(file=rel, office=lower.rulebook.office, status="rolled_up")
        result.files.append(out)
        if lower.rulebook.id != higher.rulebook.id:
            out.status = "refused"
            out.reason = f"是另一专项行动（{lower.rulebook.name}）的台账总表，未汇总"
            continue
        taken = _take(higher, lower, rel, today, state, claimed, changes, result, out, before)  # not those it refused
        n = _copy_history(lower, rel, taken, have, copied)
        out.history_copied = n
    result.changes = len(changes)
    rows = copied + changes
    log = pd.DataFrame(rows, columns=CHANGE_HEADERS) if rows else None
    merged_changes = pd.concat([higher.changes, log], ignore_index=True) if log is not None else higher.changes
    return dataclasses.replace(higher, ledger=state.frame(), changes=merged_changes), result


def _copy_history(lower: Master, rel: str, taken: set[str], have: set[tuple], out: list[list]) -> int:
    """The lower master's 变更记录 rows of its cases, once (a re-roll-up copies only what is new)."""
    ch = lower.changes
    if not len(ch):
        return 0
    n = 0
    for r in ch[CHANGE_HEADERS].values.tolist():
        if str(r[0]) not in taken:
            continue
        row = list(r)
        row[5] = f"{rel}：{to_text(r[5]) or ''}"
        key = tuple(to_text(v) or "" for v in row)
        if key in have:
            continue
        have.add(key)
        out.append(row)
        n += 1
    return n


def _new_block(columns: list[str], series: dict[str, list], rows: list, fresh: list[int], ids: list[str], units: list,
               rel: str, today: dt.date, office: str) -> dict[str, list]:
    """A lower master's new cases in the higher ledger's columns, a list a column (picked in one C call each):
    its 问题编号 and 责任单位 as the roll-up read them, where it came from, 归口汇总部门 the lower office where blank,
    the facts and decisions it took; every other column (the higher office's own) blank."""
    m = len(fresh)
    whole = m == len(rows)  # the usual first roll-up: every case of the file is new
    pick = None if whole else itemgetter(*fresh)

    def take(col: list) -> list:
        return list(col) if whole else ([col[fresh[0]]] if m == 1 else list(pick(col)))

    own = {"case_id": ids, "unit": units, "src_file": [rel] * m, "src_sheet": [S_LEDGER] * m, "src_row": take(rows),
           "updated_on": [today] * m}
    block = {}
    for k in columns:
        if k in own:
            block[k] = own[k]
        elif k in series and k not in ("case_id", "unit"):
            block[k] = take(series[k])
        else:
            block[k] = [None] * m
    if office and "summary_dept" in block:
        block["summary_dept"] = [office if _blank(v) else v for v in block["summary_dept"]]
    return block


def _take(higher: Master, lower: Master, rel: str, today: dt.date, state: _State, claimed: dict[str, str],
          changes: list[list], result: RollupResult, out: LowerOutcome, before: list[tuple]) -> set[str]:
    """The lower master's cases into ``state``; returns the 问题编号 it took (its refused cases are not among them)."""
    df = lower.ledger
    n = len(df)
    out.rows_read = n
    taken: set[str] = set()
    if not n:
        out.reason = "下级台账没有问题"
        return taken
    office = lower.rulebook.office or ""
    # a case's values in one tuple: 问题编号, 责任单位 (as the lower master writes it), then COMPARED, then FACTS
    compared = COMPARED
    keys = ("case_id", "unit", *compared, *FACTS)
    series = [df[k].tolist() if k in df else [None] * n for k in keys]
    rows = df[SOURCE_ROW].tolist() if SOURCE_ROW in df else [None] * n
    old_of = itemgetter(*[state.at[k] for k in compared])  # an added case's compared values
    by_id, cols = state.index_by_id, state.cols
    units: dict = {}
    fresh: list[int] = []  # the rows of new cases, their 问题编号 and 责任单位 (the higher master's name)
    fresh_ids: list[str] = []
    fresh_units: list = []
    count = dict.fromkeys(("new", "updated", "unchanged", "refused"), 0)  # set on ``out`` once (a model's setattr is slow)
    for i, values in enumerate(zip(*series)):
        raw_id, written = values[0], values[1]
        cid = raw_id if type(raw_id) is str else (to_text(raw_id) or "")
        if written in units:
            unit = units[written]
        else:
            unit = units[written] = higher.units.match(written) if written else None
        reason = ""
        if not cid:
            reason = "没有问题编号：请下级办公室在其台账总表中补上问题编号"
        elif unit is None and len(higher.units):
            reason = (f"责任单位“{to_text(written) or '（空）'}”不在本台账的成员单位中：请先在“成员单位”中加上该单位"
                      f"（或其别名），再汇总")
        elif cid in claimed:
            reason = f"问题编号“{cid}”也在下级台账 {claimed[cid]} 中，同一问题只能由一个下级办公室报送：请两个下级办公室核实"
        if reason:
            count["refused"] += 1
            result.refused_rows.append([rel, rows[i], cid or None, reason, to_text(written) or "", to_text(values[2]) or ""])
            continue
        unit = unit or written
        claimed[cid] = rel
        taken.add(cid)
        target = by_id.get(cid)
        if target is None:  # added with the file's other new cases, by column, after the loop
            fresh.append(i)
            fresh_ids.append(cid)
            fresh_units.append(unit)
            desc = values[2]
            changes.append([cid, "（新增问题）", None, (desc.strip() or None) if type(desc) is str else to_text(desc), unit, rel, today])
            count["new"] += 1
            continue
        now = values[2:2 + len(compared)]
        if target >= 0:
            old = before[target]
            owner, src_file, dept = cols["unit"][target], cols["src_file"][target], cols["summary_dept"][target]
        else:
            r = state.new_rows[-target - 1]
            old = old_of(r)
            owner, src_file, dept = r[state.at["unit"]], r[state.at["src_file"]], r[state.at["summary_dept"]]
        moved = src_file != rel and not _same(src_file, rel)
        if old == now and owner == unit and not moved and not (_blank(dept) and office):
            count["unchanged"] += 1  # the usual case on a re-roll-up: one tuple comparison
            continue
        diff = []
        if not _blank(unit) and not _same(owner, unit):
            diff.append(("unit", owner, unit))
        for k, was, value in zip(compared, old, now):
            if was is value or value is None or (type(was) is type(value) and was == value):
                continue  # the usual field of a re-roll-up: equal as read, or blank (before the slower checks below)
            if _blank(value) or _same(was, value):
                continue  # a blank never erases
            diff.append((k, was, value))
        if _blank(dept) and office:
            diff.append(("summary_dept", None, office))
        if not diff and not moved:
            count["unchanged"] += 1
            continue
        count["updated"] += 1
        for k, was, value in diff:
            changes.append([cid, BY_KEY[k].header, to_text(was), to_text(value), unit, rel, today])
            state.set(target, k, value)
        if moved:  # handed down from the higher office's own ledger, or across from another lower master
            changes.append([cid, BY_KEY["src_file"].header, to_text(src_file), rel, unit, rel, today])
        for k, v in (("src_file", rel), ("src_sheet", S_LEDGER), ("src_row", rows[i]), ("updated_on", today)):
            state.set(target, k, v)
    if fresh:
        state.new_blocks.append(_new_block(state.columns, dict(zip(keys, series)), rows, fresh, fresh_ids, fresh_units,
                                           rel, today, office))
    out.rows_new, out.rows_updated = count["new"], count["updated"]
    out.rows_unchanged, out.rows_refused = count["unchanged"], count["refused"]
    return taken
