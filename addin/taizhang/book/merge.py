"""Report day: merge a folder of unit submissions into the master ledger.

Upsert by 问题编号; unit-owned fields only (office-owned and computed fields are
never taken from a submission); a blank submitted cell never erases a value
the ledger already holds. A unit never moves a deadline: a changed 整改时限 on
an existing case, and any 申请延期至 (or a date it wrote in the office's 延期至),
is a request on 待审批 with its 申请理由, granted only by the office (延期至 +
延期审批人; the office decides on 待审批 and book.trail records it on 审批台账; a 申请事项 — 销号, 查否, 不属本单位 — is
kept in ``MergeResult.requests`` for it). A 问题编号 is taken only if the ledger has it or it has taizhang's own
form (单位代码-年份-序号); a unit's own numbering (1, 2, …) is no case id: the row is
recognised like one without a number and a new case gets taizhang's id, with the
unit's number kept in 备注 ("单位编号：1") and a warning. Only a case's 责任单位 changes it: another unit's row is
refused, a 配合单位's too (also when it copied the case's row, 责任单位 and all, into a file named for itself).
Rows with errors go to 退回清单 (a blank 问题类别 on an
existing case is not one: the office fills it on the cases it handed over), whole files that
cannot be read are accounted for, and every changed field is one row in
变更记录. Merging the same folder twice changes nothing the second time:
rows without a 问题编号 are recognised by (unit, description, assigned date).
The 佐证材料 beside the ledgers (a 佐证… folder, files named by 问题编号, .zip files) are no submissions: once the
ledger is merged, ``book.evidence`` plans where each piece is filed or why it is refused, and indexes the ledger.
Of a unit's several files only the latest (by evidence, never by mtime: ``_passed_over``) is merged, the others
superseded; a file whose rows were all refused is 整体退回, and last period's file sent again is sent back. Files are
merged in folder order while the rest are still being read, as long as no unit has shown a second file; if one does,
the merge starts again from the master once every file is read, so the outcome is the same as reading all first.
Seed 001: a unit's request for 区级协调 (申请区级协调) is kept in ``MergeResult.requests`` too, never the office's flag.
Seed 004: a unit whose open tasks' 任务类型 all skip the period (常规工作季报告, 紧急的重点事项一事一报) owes no report
(``not_owed``): it is not 未报送.
"""

from __future__ import annotations

import calendar as _stdcal
import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, PrivateAttr

from taizhang.book.evidence import (
    EvidenceOutcome,
    evidence_dir,
    in_evidence_tree,
    index_columns,
    is_candidate,
    lacks_evidence,
    plan_evidence,
)
from taizhang.book.master import Master
from taizhang.book.sheets import S_REJECTS
from taizhang.errors import UserError
from taizhang.fields import BY_KEY, ORIGIN_WRITTEN, STATUS_CLOSED, UNIT_FIELDS, norm_text
from taizhang.findings import Finding, finding, flatten
from taizhang.intake.normalize import to_text
from taizhang.intake.reader import FATAL, read_submission, saved_at, unreadable
from taizhang.rules.validate import Checked, Context, SkippedRow, check_submission, co_unit_names, skipped_rows
from taizhang.xlsx.safety import WORKBOOK_SUFFIXES, is_lock_or_temp

MERGED_FIELDS = list(UNIT_FIELDS)
KEEP_ONCE_SET = ("close_request",)


def merged_fields(book) -> list[str]:
    """The fields a submission may set: the unit's own, except 销号 where the leading group reserves it
    (then the unit's application, 销号申请, instead)."""
    if not book.office_closes:
        return MERGED_FIELDS
    return [k for k in MERGED_FIELDS if k not in ("closer", "closed_date")] + ["close_request"]


class FileOutcome(BaseModel):
    file: str
    unit: str | None = None
    unit_source: str | None = None
    status: str
    reason: str = ""
    received: dt.date | None = None
    received_basis: str = ""  # what ``received`` and ``late`` rest on: taizhang's own receipt, or the file's 填报日期
    late: bool = False
    rows_read: int = 0
    rows_new: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    rows_in_file: int = 0  # non-empty rows below the header: rows_read + rows_skipped
    rows_skipped: list[SkippedRow] = []


class MergeResult(BaseModel):
    master: str
    report_day: dt.date
    due_date: dt.date | None
    rows_read: int = 0
    rows_new: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    reported_units: list[str] = []
    missing_units: list[str] = []
    zero_report_units: list[str] = []
    late_units: list[str] = []
    not_owed: dict[str, str] = {}  # seed 004: units whose open tasks' rhythm skips this period, with why (``not_owed``)
    rejected_file_units: list[str] = []
    files: list[FileOutcome] = []
    changes: int = 0
    issues: list[Finding] = []
    rejected_rows: list[dict] = []
    pending: list[dict] = []  # 待审批: deadline changes and extensions units asked for, not applied
    evidence: list[EvidenceOutcome] = []  # 佐证材料: the fate of every piece sent (book.evidence)
    _evidence_plan = PrivateAttr(default=None)  # the pieces to write (jobs.run_merge files them before the save)
    # 材料报送 (book.materials): [unit, material, first seen, file] recognised in this folder; unit → materials owed
    # (each "name（M月D日前[，已逾期]）"), as of the report day
    materials_received: list[list] = []
    materials_owed: dict[str, list[str]] = {}
    requests: list[dict] = []  # 申请事项 units wrote (销号, 查否, 不属本单位): for the 审批台账 (book.trail)


    def balanced(self) -> bool:
        return self.rows_read == self.rows_new + self.rows_updated + self.rows_unchanged + self.rows_rejected

    def flatten(self, spec: tuple[str, ...] = ("file", "row", "column", "code"),
                severities: tuple[str, ...] = ("error", "warning")) -> list[tuple]:
        """Every file's errors and warnings as sorted tuples of ``spec`` (see ``findings.flatten``)."""
        return flatten(self.issues, spec, severities)


def owed_text(o) -> str:
    """One material owed, as merge, remind, the summary and the 通报 say it: 调研报告（12月15日前，已逾期）."""
    when = f"{o.due.month}月{o.due.day}日前" if o.due else "日期待定"
    return f"{o.name}（{when}{'，已逾期' if o.overdue else ''}）"


def due_date(book, day: dt.date) -> dt.date | None:
    """The reporting due date of the period containing ``day`` (None when there is none)."""
    r = book.reporting
    if r.cadence == "monthly":
        return day.replace(day=min(r.due_day, _stdcal.monthrange(day.year, day.month)[1]))
    if r.cadence == "weekly":
        return day + dt.timedelta(days=(min(r.due_day, 7) - 1) - day.weekday())
    if r.cadence == "ten_days":
        last = _stdcal.monthrange(day.year, day.month)[1]
        return day.replace(day=10 if day.day <= 10 else 20 if day.day <= 20 else last)
    if r.cadence == "quarterly":
        month = ((day.month - 1) // 3) * 3 + 3
        return dt.date(day.year, month, min(r.due_day, _stdcal.monthrange(day.year, month)[1]))
    if r.cadence == "once":
        return r.due_date
    return None


def report_due(book, day: dt.date, cal) -> tuple[dt.date | None, dt.date | None]:
    """(the due date in force, the written one) of the report period containing ``day``: a written date on a day off
    moves by the office's setting 截止日遇休息日 (顺延, as Civil Code art. 203, or 提前). Lateness and 催报 use it."""
    written = due_date(book, day)
    if written is None or cal.is_workday(written):
        return written, written
    moved = cal.previous_workday(written) if book.due_on_day_off == "提前" else cal.next_workday(written)
    return moved, written


def rhythm_of(book, value):
    """The plan's task type (``TaskRhythm``) a 任务类型 cell names, by name or alias; None: blank or not one of them."""
    return book.task_rhythm(value)


QUARTER_ENDS = (3, 6, 9, 12)
_OPEN_DONE = ("已办结", "已销号", "查否")


def not_owed(book, ledger: pd.DataFrame, day: dt.date) -> dict[str, str]:
    """Seed 004: "常规工作实行季报告，重要任务实行月报告，紧急的重点事项实行一事一报" — the units that owe no report for the
    period due on ``day`` (its written due date), with why: every open case of theirs has a task type whose rhythm
    skips this period (常规工作: the quarter's last month only; 紧急的重点事项: 一事一报, no periodic report). A unit
    with no open case, or one case without a recognised type, owes the campaign's own rhythm. Empty where the plan
    gives no task types."""
    if not book.task_rhythms or not len(ledger) or "task_type" not in ledger.columns:
        return {}
    month = (due_date(book, day) or day).month
    kinds: dict[str, list] = {}
    for unit, status, kind in zip(ledger["unit"].tolist(), ledger["status"].tolist(), ledger["task_type"].tolist()):
        if unit and status not in _OPEN_DONE:
            kinds.setdefault(str(unit), []).append(rhythm_of(book, kind))
    out = {}
    for unit, rs in kinds.items():
        if any(r is None or r.cadence == "monthly" or r.cadence == "quarterly" and month in QUARTER_ENDS for r in rs):
            continue
        names = "、".join(dict.fromkeys(r.name for r in rs))
        quarterly = any(r.cadence == "quarterly" for r in rs)
        nxt = next(m for m in QUARTER_ENDS if m >= month)
        out[unit] = (f"本期无需报送：本单位未办结的任务均为{names}（方案：“{book.task_rhythm_quote}”）"
                     + (f"，下次于{nxt}月报送季报告" if quarterly else "，紧急的重点事项一事一报"))
    return out


def list_submissions(folder: Path) -> list[Path]:
    return sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: str(p.relative_to(folder)))


class NoSubmissionsError(UserError):
    """The report folder holds no submission: nothing to merge, and nothing is written."""


def require_submissions(folder: Path, master: Path) -> None:
    """Refuse a report day on a folder without a single workbook (empty, or only lock and temp files)."""
    files = list_submissions(folder)
    if any(not is_lock_or_temp(p) and p.suffix.lower() in WORKBOOK_SUFFIXES and not in_evidence_tree(p.relative_to(folder))
           for p in files):
        return
    others = [p.name for p in files]
    seen = f"只有{len(others)}个非报送文件（{'、'.join(others[:5])}{'等' if len(others) > 5 else ''}）" if others else "是空的"
    raise NoSubmissionsError(f"文件夹里没有报送文件：{folder} {seen}。本次没有合并，台账总表 {master.name}、"
                             f"其中的“报送情况”和台账备份均未改动。请把各单位报送的 Excel 文件放入该文件夹后再合并。")


def content_digest(path: Path) -> str:
    """A file's SHA-256 (hex), the key of 文件接收记录: the same content is the same submission, whatever its name."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Receipts:
    """When each submission reached the report folder, as far as taizhang can know it (文件接收记录).

    A file's content (its SHA-256) is recorded the first time a merge sees it. It arrived no later than that
    merge, and no earlier than the merge before it (which did not see it yet). A file's modification time is
    not evidence: copying, unzipping or re-saving a file changes it.
    """

    def __init__(self, rows: list[list], today: dt.date):
        self.today = today
        self.by_digest: dict[str, list] = {str(r[1]): list(r) for r in rows if r[1]}
        seen = [r[4] for r in self.by_digest.values() if isinstance(r[4], dt.date)]
        self.previous_run = max(seen) if seen else None  # the last merge before this one
        self.of_file: dict[str, list] = {}  # this run's files → their record (by content)

    def see(self, path: Path, rel: str) -> list:
        digest = content_digest(path)
        rec = self.by_digest.get(digest)
        if rec is None:
            rec = self.by_digest[digest] = [rel, digest, self.today, self.previous_run, self.today]
        rec[4] = max(rec[4], self.today) if isinstance(rec[4], dt.date) else self.today
        self.of_file[rel] = rec
        return rec

    def judge(self, path: Path, rel: str, due: dt.date | None, date_line: str | None) -> tuple[dt.date, str, bool]:
        """(received, what that rests on, late) for one submission."""
        from taizhang.intake.normalize import parse_date_text

        rec = self.see(path, rel)
        first, not_before = rec[2], rec[3] if isinstance(rec[3], dt.date) else None
        filled = parse_date_text(date_line, self.today.year)[0] if date_line else None
        if due is None or first <= due:
            return first, f"台账助手{first}首次收到", False
        if not_before is not None and not_before > due:
            return first, f"{not_before}合并时尚未送达，{first}首次收到", True
        if filled is not None:
            return filled, f"文件所填填报日期{filled}", filled > due
        return first, f"{first}首次合并时收到，文件未填填报日期，无法判断是否逾期（不以文件修改时间为据）", False

    def rows(self) -> list[list]:
        return sorted(self.by_digest.values(), key=lambda r: (str(r[2]), str(r[0])))


def _same(a, b) -> bool:
    if a is None or (isinstance(a, float) and a != a):
        a = None
    if b is None or (isinstance(b, float) and b != b):
        b = None
    if a is None or b is None:
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) < 1e-6
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        return to_text(a) == to_text(b)
    return str(a).strip() == str(b).strip()


def _fingerprint(unit, description, assigned) -> tuple:
    """(unit, description as norm_text folds it, assigned date as text): how a case without 问题编号 is recognised."""
    return unit or "", norm_text(description), assigned.isoformat() if type(assigned) is dt.date else (to_text(assigned) or "")


@dataclass
class _State:
    """The ledger being merged, as plain column lists (pandas per-cell access is far too slow here).

    Targets >= 0 are existing ledger rows; -k is the k-th case added in this run (``new_rows[k - 1]``, a list
    in ``columns`` order).
    """

    columns: list[str]
    cols: dict[str, list]
    new_rows: list[list] = field(default_factory=list)
    # cases added a block at a time, by column (a roll-up's new cases of one lower master: no row list per case);
    # they follow ``new_rows`` in ``frame`` and are not in ``index_by_id`` (the roll-up refuses a case id it took
    # twice before it looks one up)
    new_blocks: list[dict[str, list]] = field(default_factory=list)
    index_by_id: dict[str, int] = field(default_factory=dict)
    claimed: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # case id → (file, row, sheet) that set it in this run
    _by_fp: dict[tuple, int] | None = None
    _seq: dict[str, int] | None = None
    _seq_seen: int = 0  # how many of new_rows ``_seq`` has counted

    def __post_init__(self) -> None:
        self.at = {k: i for i, k in enumerate(self.columns)}

    @classmethod
    def of(cls, ledger: pd.DataFrame) -> "_State":
        state = cls(list(ledger.columns), {k: ledger[k].tolist() for k in ledger.columns})
        state.index_by_id = {str(cid): i for i, cid in enumerate(state.cols["case_id"]) if cid}
        return state

    def _fp_of_new(self, r: list) -> tuple:
        at = self.at
        return _fingerprint(r[at["unit"]], r[at["description"]], r[at["assigned"]])

    @property
    def index_by_fp(self) -> dict[tuple, int]:
        """(unit, description, assigned) → row: built only when a row without 问题编号 needs it."""
        if self._by_fp is None:
            c = self.cols
            self._by_fp = {_fingerprint(u, d, a): i for i, (u, d, a) in enumerate(zip(c["unit"], c["description"], c["assigned"]))}
            self._by_fp.update({self._fp_of_new(r): -k for k, r in enumerate(self.new_rows, 1)})
        return self._by_fp

    @property
    def seq(self) -> dict[str, int]:
        """Id prefix → highest sequence number in use; built only when a case needs a new number."""
        if self._seq is None:
            self._seq = {}
            for cid in self.cols["case_id"]:
                if cid:
                    self._note_id(str(cid))
        i = self.at["case_id"]
        for r in self.new_rows[self._seq_seen:]:  # cases added since it was last asked for
            self._note_id(str(r[i]))
        self._seq_seen = len(self.new_rows)
        return self._seq

    def _note_id(self, cid: str) -> None:
        prefix, _, tail = cid.rpartition("-")
        if prefix and tail.isdigit():
            self._seq[prefix + "-"] = max(self._seq.get(prefix + "-", 0), int(tail))

    def row(self, target: int) -> dict:
        if target < 0:
            return dict(zip(self.columns, self.new_rows[-target - 1]))
        return {k: v[target] for k, v in self.cols.items()}

    def set(self, target: int, key: str, value) -> None:
        if target >= 0:
            self.cols[key][target] = value
        else:
            self.new_rows[-target - 1][self.at[key]] = value

    def add(self, record: list) -> int:
        self.new_rows.append(record)
        idx = -len(self.new_rows)
        self.index_by_id[str(record[self.at["case_id"]])] = idx
        if self._by_fp is not None:
            self._by_fp[self._fp_of_new(record)] = idx
        return idx

    def frame(self) -> pd.DataFrame:
        old = pd.DataFrame(self.cols, columns=self.columns, dtype=object)
        if not self.new_blocks:
            if not self.new_rows:
                return old
            return pd.concat([old, pd.DataFrame(self.new_rows, columns=self.columns, dtype=object)], ignore_index=True)
        # blocks by column: each column's lists joined once, one frame (not a frame and a concatenation per block)
        data = {}
        for j, k in enumerate(self.columns):
            col = list(self.cols[k])
            col.extend(r[j] for r in self.new_rows)
            for b in self.new_blocks:
                col.extend(b[k])
            data[k] = col
        return pd.DataFrame(data, columns=self.columns, dtype=object)


def merge_folder(master: Master, folder: str | Path, today: dt.date,
                 checking: "Checking | None" = None, progress=None) -> tuple[Master, MergeResult]:
    """Merge every submission under ``folder`` into ``master`` (in memory); returns the new master and the account.

    ``checking`` is the folder's reading already under way (see ``Checking``); otherwise it starts here.
    ``progress(done, total, file)``, when given, is called before each file and once at the end (file "").
    """
    folder = Path(folder)
    book = master.rulebook
    due = report_due(book, today, master.calendar())[0]
    result = MergeResult(master=master.path.name, report_day=today, due_date=due)
    checking = checking or Checking(folder, Context(book, master.units, today, column_names=master.column_names,
                                                     status_words=master.status_words))
    state = _State.of(master.ledger.reset_index(drop=True))
    receipts = Receipts(master.receipts, today)
    from taizhang.book import materials as mat

    materials = mat.materials_of(master)

    mat_files: list[FileOutcome] = []  # materials come first in the account, as they always did

    def as_material(path: Path, rel: str):
        """A file that is a unit's copy of a plan's material: recorded as received on the day first seen."""
        hit = mat.match(materials, master.units, [path.stem, mat.document_title(path)]) if materials else None
        if hit is None:
            return None
        m, unit = hit
        first = receipts.see(path, rel)[2]
        mat.record(m, unit, first)
        result.materials_received.append([unit, m.name, first, rel])
        return FileOutcome(file=rel, unit=unit, unit_source="文件名或文档标题", status="material",
                           reason=f"材料报送：{m.name}", received=first, received_basis=f"台账助手{first}首次收到")

    files = checking.files
    wanted = set(checking.wanted)
    known_ids = dict(state.index_by_id)  # the ledger's ids as read: the 佐证材料 test must not see this run's cases
    evidence_paths: list[Path] = []
    # Which of a unit's files is used needs all of them (``_passed_over``), but a file's unit is known only once it
    # is read (its 责任单位 column first). So files are applied in folder order while they are read, as long as no
    # unit has shown a second file; when the last is read, the decisions are made on all of them, and if a file
    # already applied belongs to a unit with several files, the merge starts again from the master as read.
    run = _Run(state, due)
    entries: list[tuple[Path, str, Checked | None, tuple | None]] = []
    seen: set[str] = set()
    ahead = APPLY_WHILE_READING  # still applying files as they are read
    for i, path in enumerate(files):
        rel = str(path.relative_to(folder))
        if progress:
            progress(i, len(files), rel)
        if path not in wanted and is_candidate(Path(rel), known_ids):
            evidence_paths.append(path)  # filed (or refused) once the ledger is merged: book.evidence
            continue
        if path not in wanted:
            material = None if is_lock_or_temp(path) else as_material(path, rel)
            if material is not None:
                mat_files.append(material)
                continue
            entries.append((path, rel, None, None))
        else:
            checked = checking.get(path)
            _own_copies_sender(checked, master, state)
            if checked.read.failed:  # not a ledger: perhaps a material the plan asks for (a 总结报告 saved as .xlsx)
                material = as_material(path, rel)
                if material is not None:
                    mat_files.append(material)
                    continue
            elif materials:  # a ledger that is also a material (seed 002: the 排查清单 is the ledger)
                as_material(path, rel)
            entries.append((path, rel, checked, receipts.judge(path, rel, due, getattr(checked.read, "date_line", None))))
        if ahead:
            unit = _contested_by(entries[-1][2])
            if unit in seen:
                ahead = False
                continue
            if unit is not None:
                seen.add(unit)
            _apply_entry(entries[-1], run, _resent_alone(entries[-1][1], unit, receipts, master, today), None,
                         result, master, today)
            run.applied += 1
    passed_over, used_notes = _passed_over(entries, receipts, master, today)
    by_unit = Counter(_contested_by(e[2]) for e in entries)
    if any(by_unit[_contested_by(e[2])] > 1 for e in entries[:run.applied] if _contested_by(e[2]) is not None):
        run = _Run(_State.of(master.ledger.reset_index(drop=True)), due)  # a unit sent several files: decide on all
        for k, empty in _APPLIED.items():
            setattr(result, k, type(empty)())
    for entry in entries[run.applied:]:
        _apply_entry(entry, run, passed_over.get(entry[1]), used_notes.get(entry[1]), result, master, today)
    result.files[:0] = mat_files
    state, changes, unit_status = run.state, run.changes, run.unit_status

    if progress:
        progress(len(files), len(files), "")
    ledger = assign(state.frame(), master)
    owners = {str(c): u for c, u in zip(ledger["case_id"].tolist(), ledger["unit"].tolist()) if c}
    plan = plan_evidence(folder, evidence_paths, owners, master.units, evidence_dir(master.path), master.evidence, today)
    result.evidence, result._evidence_plan = plan.outcomes, plan
    result.issues.extend(plan.findings)
    ledger = index_columns(ledger, plan.rows)
    result.issues.extend(missing_evidence(ledger, book, today))
    names = master.units.names()
    result.reported_units = [u for u in names if unit_status.get(u) in ("merged", "zero_report")]
    result.zero_report_units = [u for u in names if unit_status.get(u) == "zero_report"]
    result.rejected_file_units = [u for u in names if unit_status.get(u) == "rejected"]
    result.not_owed = {u: why for u, why in not_owed(book, ledger, today).items() if u not in unit_status}
    result.missing_units = [u for u in names if u not in unit_status and u not in result.not_owed]
    result.late_units = [u for u in names if u in result.late_units]
    for u in result.missing_units:
        result.issues.append(finding("missing-report", f"{u} 本期未报送。", unit=u))
    for u in result.late_units:
        result.issues.append(finding("late-report", f"{u} 在截止日 {due} 之后报送。", unit=u))
    for u in result.zero_report_units:
        result.issues.append(finding("zero-report", f"{u} 本期为零报告。", unit=u))
    result.changes = len(changes)
    log = pd.DataFrame(changes, columns=master.changes.columns if len(master.changes.columns) else None)
    merged_changes = pd.concat([master.changes, log], ignore_index=True) if len(changes) else master.changes
    table = None
    if master.materials is not None or materials:
        head = mat.header_of(master.materials)
        table = [head] + mat.rows(materials, names, head)
        result.materials_owed = {u: [owed_text(o) for o in os] for u, os in mat.owed(materials, names, today).items()}
    new_master = dataclasses.replace(master, rulebook=book, ledger=ledger, changes=merged_changes, receipts=receipts.rows(),
                                     evidence=plan.rows, materials=table)
    return new_master, result


APPLY_WHILE_READING = True  # off: every file is read before any is applied (the same outcome, later; tests compare)
_APPLIED = {"rows_read": 0, "rows_new": 0, "rows_updated": 0, "rows_unchanged": 0, "rows_rejected": 0, "files": [],
            "issues": [], "rejected_rows": [], "pending": [], "requests": [], "late_units": []}  # what applying sets


@dataclass
class _Run:
    """One application of a folder's files to the ledger, in folder order: what ``_apply_entry`` accumulates."""

    state: _State
    due: dt.date | None
    changes: list[list] = field(default_factory=list)
    unit_status: dict[str, str] = field(default_factory=dict)
    applied: int = 0  # how many of the folder's entries are applied


def _contested_by(checked: Checked | None) -> str | None:
    """The unit whose files ``_passed_over`` weighs against each other for this file (None: the file is never
    passed over, being no ledger, unreadable or of no known unit)."""
    if checked is None or checked.read.failed or not checked.unit or checked.unit_source == CO_COPY:
        return None  # a 配合单位's copies of its 责任单位's cases supersede no file of either unit
    return checked.unit


CO_COPY = "co_unit_copy"  # ``Checked.unit_source`` of a file told by ``_own_copies_sender``


def _own_copies_sender(checked: Checked, master: Master, state: _State) -> None:
    """Make a 配合单位 the sender of the file it made of its 责任单位's cases.

    The sender of a file is first told by its 责任单位 column; a 配合单位 that copied the rows of a case it works on
    (责任单位 and all) into a file of its own name would pass for the 责任单位, and its file could supersede the
    责任单位's own file of that day. So when the file's name names another listed unit, no row of the file gives
    that unit as 责任单位, and it is a 配合单位 of one of the file's cases (in the master, or in the file's own
    配合单位 column), the file is that unit's: its rows are refused as a 配合单位's (``_apply``) and it supersedes no
    one's file (``_contested_by``)."""
    if checked.read.failed or checked.unit_source != "column" or master.units is None or not len(master.units):
        return
    named = master.units.find_in(Path(checked.read.file).stem)
    if not named or _same(named, checked.unit):
        return
    parts = [checked, *checked.more]
    if any(_same(u, named) for p in parts for u in p.frame["unit"].tolist()):
        return  # it reports cases of its own: its 责任单位 column stands
    by_id = state.index_by_id

    def co_of(cid, listed) -> list[str]:  # the case's 配合单位: as the file copied them, and as the master has them
        known = state.row(by_id[str(cid)]).get("co_units") if cid and str(cid) in by_id else None
        return co_unit_names(listed) + co_unit_names(known)

    if not any(named in co_of(cid, listed) for p in parts for cid, listed in
               zip(p.frame["case_id"].tolist(), p.frame["co_units"].tolist() if "co_units" in p.frame.columns
                   else [None] * len(p.frame))):
        return
    was = checked.unit
    for p in parts:
        p.unit, p.unit_source = named, CO_COPY
        p.findings = [f for f in p.findings if f.code != "unit-identified"]
    checked.findings.append(finding(
        "unit-identified", f"报送单位识别为“{named}”（依据：文件名；文件中各行的责任单位是 {was}，{named} 是其中问题的配合单位）。",
        file=checked.read.file, sheet=checked.read.sheet, unit=named))


def _resent_alone(rel: str, unit: str | None, receipts: Receipts, master: Master, today: dt.date
                  ) -> tuple[str, str, Finding] | None:
    """Why the one file used of ``unit`` is not merged, or None: its content was first received in an earlier
    report period (last period's ledger sent again)."""
    if unit is None:
        return None
    cal = master.calendar()
    period_now = report_due(master.rulebook, today, cal)[0]
    first = receipts.of_file[rel][2]
    period_then = report_due(master.rulebook, first, cal)[0] if isinstance(first, dt.date) else None
    if period_now is not None and period_then is not None and first < today and period_then < period_now:
        reason = (f"与{first}已收到的文件内容完全相同（上一报送期的台账），本期未重复合并。请报送本期（截止{period_now}）的台账")
        return "rejected", reason, finding("file-resent", f"{rel}：{reason}。", file=rel, unit=unit)
    return None


def _apply_entry(entry: tuple, run: _Run, passed: tuple[str, str, Finding] | None, used_note: str | None,
                 result: MergeResult, master: Master, today: dt.date) -> None:
    """Account for one file of the folder and merge its rows into ``run`` (``passed``: why it is passed over;
    ``used_note``: what it says of the unit's other files it superseded)."""
    path, rel, checked, judged = entry
    book, unit_status = master.rulebook, run.unit_status
    if checked is None:
        reason = ("Excel/WPS 的锁定或临时文件" if is_lock_or_temp(path) else f"不是表格文件（{path.suffix or '无扩展名'}）")
        result.files.append(FileOutcome(file=rel, status="skipped", reason=reason))
        result.issues.append(finding("file-skipped", f"{rel}：{reason}，已跳过。", file=rel))
        return
    parts = [checked, *checked.more]  # every ledger sheet of the file, counted in its one outcome
    received, basis, late = judged
    outcome = FileOutcome(file=rel, unit=checked.unit, unit_source=checked.unit_source, status="merged",
                          received=received, received_basis=basis,
                          rows_in_file=sum(len(p.frame) + len(p.read.skipped) for p in parts),
                          rows_skipped=skipped_rows(checked.read))
    if passed is not None:  # another file of the unit is used, or the file is last period's again
        status, reason, note = passed
        outcome.status, outcome.reason = status, reason
        result.issues.append(note)
        if status == "rejected" and checked.unit:
            unit_status.setdefault(checked.unit, "rejected")
        result.files.append(outcome)
        return
    for part in parts:
        result.issues.extend(part.findings)
    if checked.read.failed:
        outcome.status = "rejected"
        outcome.reason = "；".join(f.message for f in checked.findings if f.severity == "error") or "文件无法读取"
        outcome.unit = outcome.unit or master.units.find_in(path.stem)
        if outcome.unit:
            unit_status.setdefault(outcome.unit, "rejected")
        result.files.append(outcome)
        return
    if checked.unit is None and len(master.units):
        outcome.status = "rejected"
        outcome.reason = "无法确定报送单位"
        outcome.rows_read = outcome.rows_rejected = sum(len(p.frame) for p in parts)
        result.rows_read += outcome.rows_read
        result.rows_rejected += outcome.rows_rejected
        for part in parts:
            rejected = _Rejected(part)
            for pos in part.frame.index:
                result.rejected_rows.append(rejected(pos, "无法确定报送单位：请在文件名或“填报单位”中写明单位全称"))
        result.files.append(outcome)
        return
    if not any(len(p.frame) for p in parts) and book.zero_report:
        outcome.status = "zero_report"
        outcome.reason = "零报告" if checked.read.zero_report else "没有问题行（按零报告处理）"
    elif not any(len(p.frame) for p in parts):  # the plan has no 零报告 (only seeds 002, 003): reported, with no rows
        outcome.reason = "没有问题行（本专项行动不实行零报告，记为已报送）"
    if late and today > run.due:
        outcome.late = True
    for part in parts:
        _apply(part, outcome, run.state, run.changes, result, master, today)
    if outcome.rows_read and outcome.rows_rejected == outcome.rows_read:  # nothing of it was taken: 整体退回
        outcome.status = "rejected"
        outcome.reason = "；".join(x for x in (outcome.reason, f"全部{outcome.rows_read}行均被退回，本期没有合并任何内容，"
                                             f"请按“{S_REJECTS}”所列原因修改后重新报送") if x)
    if used_note is not None:  # the unit's later file: which other files it superseded
        outcome.reason = "；".join(x for x in (used_note, outcome.reason) if x)
    result.files.append(outcome)
    if checked.unit:
        prev = unit_status.get(checked.unit)
        unit_status[checked.unit] = "merged" if outcome.status == "merged" or prev == "merged" else outcome.status
        if outcome.late and checked.unit not in result.late_units:
            result.late_units.append(checked.unit)


def missing_evidence(ledger: pd.DataFrame, book, today: dt.date) -> list[Finding]:
    """A finding for each case a unit reported on today that is at a stage of 佐证材料要求 without evidence."""
    if not len(ledger) or not book.evidence_required:
        return []
    out = []
    keys = ["case_id", "unit", "status", "close_request", "evidence_ref", "evidence_count", "updated_on"]
    cols = {k: ledger[k].tolist() for k in keys}
    for i in [i for i, d in enumerate(cols["updated_on"]) if d == today]:  # only the cases reported on today
        case = {k: cols[k][i] for k in keys}
        at = lacks_evidence(case, book)
        if at:
            out.append(finding("evidence-missing", f"问题“{case['case_id']}”已{'、'.join(at)}，但没有佐证材料（{'、'.join(at)}须有佐证"
                                                   f"材料：参数设置“佐证材料要求”），已列入抽查清单。请责任单位把佐证材料放入报送文件夹的"
                                                   f"“佐证材料”文件夹（以问题编号命名），或填写“佐证文号或链接”。",
                               case_id=str(case["case_id"] or ""), unit=case["unit"] or ""))
    return out


def _passed_over(entries: list, receipts: Receipts, master: Master, today: dt.date
                 ) -> tuple[dict[str, tuple[str, str, Finding]], dict[str, str]]:
    """The files of this run not merged although readable, and why: (file → (status, reason, finding), the used
    file → what its reason says about the others).

    A unit that sent several files (a 定稿 and then a 修改) is merged from the latest only, by evidence and never by
    the file system's modification time: first the day taizhang first saw each file (文件接收记录), then the
    填报日期 written in it, then the time the application saved it, written inside the file (docProps/core.xml,
    meta.xml; copying does not change it). The others are superseded: nothing of them is merged or refused, so
    退回清单 lists only the used file's rows. When no evidence tells them apart, none is merged and the office is asked
    to remove the void one. A file whose content was first received in an earlier report period (last period's
    ledger sent again) is sent back, not merged twice.
    """
    from taizhang.intake.normalize import parse_date_text

    by_unit: dict[str, list[tuple[Path, str, Checked]]] = {}
    for path, rel, checked, _ in entries:
        if _contested_by(checked) is not None:
            by_unit.setdefault(checked.unit, []).append((path, rel, checked))
    passed: dict[str, tuple[str, str, Finding]] = {}
    used: dict[str, str] = {}
    for unit, fs in by_unit.items():
        if len(fs) > 1:
            evidence = []
            for path, rel, checked in fs:
                line = getattr(checked.read, "date_line", None)
                filled = parse_date_text(line, today.year)[0] if line else None
                evidence.append((receipts.of_file[rel][2], filled if isinstance(filled, dt.date) else None, saved_at(path)))
            left, basis = list(range(len(fs))), ""
            for k, label in ((0, "台账助手首次收到的日期"), (1, "文件所填填报日期"), (2, "文件内记录的保存时间")):
                values = [evidence[i][k] for i in left]
                if any(v is None for v in values):
                    continue
                top = max(values)
                left = [i for i in left if evidence[i][k] == top]
                if len(left) == 1:
                    basis = label
                    break
            names = "、".join(rel for _, rel, _ in fs)
            if len(left) == 1:
                w = left[0]
                winner = fs[w][1]
                others = [rel for j, (_, rel, _) in enumerate(fs) if j != w]
                used[winner] = f"{unit}本期有{len(fs)}份报送文件，按{basis}采用最新的本文件，{'、'.join(others)}已被取代"
                for j, (_, rel, _) in enumerate(fs):
                    if j == w:
                        continue
                    reason = f"已被同单位较新的 {winner} 取代（依据{basis}），本文件未合并，其中的行以 {winner} 为准"
                    note = finding("file-superseded", f"{rel}：{reason}。如两份文件内容不同、都需要合并，请合成一份后重新报送。",
                                   file=rel, unit=unit)
                    passed[rel] = ("superseded", reason, note)
                fs = [fs[w]]
            else:
                for _, rel, _ in fs:
                    reason = (f"{unit}本期有{len(fs)}份报送文件（{names}），首次收到的日期、填报日期和文件内的保存时间都无法判断"
                              f"哪一份在后（不以文件修改时间为据），本次都未合并。请办公室删去作废的一份（或合成一份）后重新合并")
                    passed[rel] = ("rejected", reason, finding("file-order-unknown", f"{rel}：{reason}。", file=rel, unit=unit))
                continue
        rel = fs[0][1]
        resent = _resent_alone(rel, unit, receipts, master, today)
        if resent is not None:
            passed[rel] = resent
            used.pop(rel, None)
    return passed, used


PARALLEL_MIN_BYTES = 8 * 1024 * 1024  # below this, starting worker processes costs more than it saves


def _check_one(path: Path, rel: str, ctx: Context) -> Checked:
    try:  # one broken file never stops report day, in a worker process least of all (a panic does not pickle)
        checked = check_submission(read_submission(path, rel, ctx.column_names), ctx)
    except FATAL:
        raise
    except BaseException as exc:
        checked = check_submission(unreadable(path, rel, exc), ctx)
    for part in (checked.read, *checked.read.more):
        part.rows = []  # the typed frame is all the merge needs: don't carry (or pickle) the raw grid too
    return checked


class Checking:
    """A folder's submissions being read and validated, in worker processes when the folder is large enough
    to pay for them, while the caller gets on with other work (reading the master's ledger).

    ``TAIZHANG_WORKERS`` sets the number of processes (1 switches parallel reading off).
    """

    def __init__(self, folder: Path, ctx: Context):
        import os

        self.folder, self.ctx = Path(folder), ctx
        self.files = list_submissions(self.folder) if self.folder.is_dir() else []
        self.wanted = [p for p in self.files if not is_lock_or_temp(p) and p.suffix.lower() in WORKBOOK_SUFFIXES
                       and not in_evidence_tree(p.relative_to(self.folder))]  # a workbook among 佐证材料 is evidence
        self.rels = [str(p.relative_to(self.folder)) for p in self.wanted]
        self._pool = self._pending = None
        self._done: dict[Path, Checked] = {}
        workers = int(os.environ.get("TAIZHANG_WORKERS") or min(os.cpu_count() or 1, 8))
        size = sum(p.stat().st_size for p in self.wanted)
        if workers > 1 and len(self.wanted) >= 8 and size >= PARALLEL_MIN_BYTES:
            from concurrent.futures import ProcessPoolExecutor

            try:
                import gc

                # forked workers inherit a paused collector from a bulk job (jobs.bulk): theirs runs as usual
                self._pool = ProcessPoolExecutor(max_workers=workers, initializer=gc.enable)
                self._pending = self._pool.map(_check_one, self.wanted, self.rels, [ctx] * len(self.wanted),
                                               chunksize=max(1, len(self.wanted) // (workers * 8)))
            except (OSError, RuntimeError):  # no process support here (a locked-down PC): read one by one
                self._close()

    def get(self, path: Path) -> Checked:
        """The check of ``path`` (one of ``wanted``), waiting for it if need be; results arrive in file order."""
        while path not in self._done:
            i = len(self._done)
            checked = None
            if self._pending is not None:
                try:
                    checked = next(self._pending)
                except (OSError, RuntimeError, StopIteration):  # a worker died (BrokenProcessPool): go on one by one
                    self._close()
            if checked is None:
                checked = _check_one(self.wanted[i], self.rels[i], self.ctx)
            self._done[self.wanted[i]] = checked
        if len(self._done) == len(self.wanted):
            self._close()
        return self._done[path]

    def __enter__(self) -> "Checking":
        return self

    def __exit__(self, *exc) -> None:
        self._close()

    def _close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        self._pool = self._pending = None


class _Rejected:
    """The 退回清单 rows of one checked sheet: ``self(pos, reasons)`` is the row for frame position ``pos``, read from
    the frame's columns taken once (a pandas row per rejected row cost a millisecond each)."""

    def __init__(self, checked: Checked):
        frame = checked.frame
        self.checked, self.at = checked, {p: i for i, p in enumerate(frame.index)}
        self.cols = {k: frame[k].tolist() for k in ("unit", "_row", "case_id", "description") if k in frame.columns}

    def __call__(self, pos, reasons: str) -> dict:
        i, c, checked = self.at[pos], self.cols, self.checked
        get = (lambda k: c[k][i] if k in c else None)
        return {"unit": get("unit") or checked.unit or "", "file": checked.read.file, "sheet": checked.read.sheet,
                "row": int(c["_row"][i]), "case_id": get("case_id") or "", "description": get("description") or "",
                "reasons": reasons}


def _apply(checked: Checked, outcome: FileOutcome, state: _State, changes: list[list],
           result: MergeResult, master: Master, today: dt.date) -> None:
    frame = checked.frame
    pos_of_row = {int(r): p for p, r in zip(frame.index, frame["_row"])}
    reasons: dict[int, list[str]] = {}
    for f in checked.findings:
        if f.severity == "error" and f.row in pos_of_row:
            reasons.setdefault(pos_of_row[f.row], []).append(f"{f.column}列（{f.header}）：{f.message}" if f.column else f.message)
    keys = list(frame.columns)
    fields = merged_fields(master.rulebook)
    compared = [k for k in fields if k != "case_id" and k in keys]
    merged_here = [k for k in fields if k in keys]
    at = {k: i for i, k in enumerate(keys)}
    i_cid, i_unit, i_desc, i_assigned, i_row = at["case_id"], at["unit"], at["description"], at["assigned"], at["_row"]
    # a unit's extension: 申请延期至 (its own column), else a date it wrote in the office's 延期至; with 申请理由
    ext_at = [(at[k], k) for k in ("ext_request", "extended_to") if k in at]
    i_reason, i_remarks = at.get("ext_reason"), at.get("remarks")
    own_form = _own_form(master)
    compared_at = [(k, at[k]) for k in compared]
    file, sheet = checked.read.file, checked.read.sheet
    # a new case's row in ledger order, taken in one C-level pick from the submitted values plus these extras:
    extras = ["unit", "src_row", "case_id", "src_file", "src_sheet", "updated_on", None]
    from_values = {k: at[k] for k in merged_here}
    from_extras = {k: len(keys) + j for j, k in enumerate(extras)}
    slots = [from_extras.get(k, from_values.get(k, len(keys) + len(extras) - 1)) for k in state.columns]
    take = itemgetter(*slots) if len(slots) > 1 else (lambda vals: (vals[slots[0]],))
    errors, claimed, by_id, cols = checked.error_index, state.claimed, state.index_by_id, state.cols
    new = updated = unchanged = rejected = 0
    excused = _office_blanks(checked, pos_of_row, by_id, result) if errors else set()
    refused = _Rejected(checked)
    for pos, values in zip(frame.index, frame.to_numpy(dtype=object).tolist()):  # one object block: rows at C speed
        if pos in errors and pos not in excused:
            rejected += 1
            result.rejected_rows.append(refused(pos, "；".join(reasons.get(pos, ["有错误"]))))
            continue
        cid = values[i_cid]
        unit = values[i_unit] or checked.unit
        excel_row = int(values[i_row])
        foreign = None  # a number of the unit's own (1, 2, …): the case is recognised as if it had none
        if cid and str(cid) not in by_id and not own_form(str(cid)):
            foreign, cid = str(cid), None
            values[i_cid] = None
        fp = None if cid else _fingerprint(unit, values[i_desc], values[i_assigned])
        target = by_id.get(str(cid)) if cid else state.index_by_fp.get(fp)
        if target is not None:  # only the office moves a case to another unit
            owner = state.row(target)["unit"] if target < 0 else cols["unit"][target]
            sender = checked.unit or unit  # a 配合单位's copies: itself (``_own_copies_sender``)
            if owner and sender and not _same(owner, sender):
                rejected += 1
                co = co_unit_names(state.row(target).get("co_units"))  # in the master, or in the copied row
                co += co_unit_names(values[at["co_units"]]) if "co_units" in at else []
                msg = (f"问题编号“{cid}”是 {owner} 的问题，{sender} 不能报送或修改它。"
                       f"如确属本单位，请联系办公室在台账总表中调整责任单位；否则请删除该行或更正问题编号。")
                if sender in co:  # a 配合单位 works on the case; only its 责任单位 reports it
                    msg = (f"问题编号“{cid}”由 {owner} 负责（责任单位），{sender} 是配合单位，不能报送或修改它，本行未导入。"
                           f"配合开展的工作请交 {owner} 汇总后在其台账中报送。")
                result.issues.append(finding("case-of-other-unit", msg, file=file, sheet=sheet, row=excel_row,
                                             column=_letter(checked, "case_id"), header="问题编号", value=cid,
                                             unit=sender))
                result.rejected_rows.append(refused(pos, msg))
                continue
        claim_key = str(cid) if cid else f"fp:{fp}"
        earlier = claimed.get(claim_key)
        if earlier is not None and earlier != (file, excel_row, sheet):
            rejected += 1
            msg = f"问题编号“{cid}”已由 {earlier[0]} 第{earlier[1]}行 报送，同一问题只能在一处报送。" if cid else \
                f"与 {earlier[0]} 第{earlier[1]}行 是同一问题（单位、描述、交办日期相同）。"
            result.issues.append(finding("duplicate-id", msg, file=file, sheet=sheet, row=excel_row,
                                         column=_letter(checked, "case_id"), header="问题编号", value=cid, unit=unit or ""))
            result.rejected_rows.append(refused(pos, msg))
            continue
        claimed[claim_key] = (file, excel_row, sheet)
        if target is None:
            case_id = cid or _new_id(state, master, unit, today)
            values.extend((unit, excel_row, case_id, file, sheet, today, None))
            added = state.add(list(take(values)))
            new += 1
            if foreign:
                state.set(added, "remarks", _noted(values[i_remarks] if i_remarks is not None else None, foreign))
                _foreign_id(result, checked, foreign, case_id, True, excel_row, unit)
            asked = _extension(values, ext_at)
            if asked is not None:  # even a new case's extension is the office's to grant
                _request(result, checked, case_id, checked.unit or unit, values[at["deadline"]] if "deadline" in at else None,
                         asked[0], excel_row, today, reason=_reason(values, i_reason), key=asked[1])
            changes.append([case_id, "（新增问题）", None, values[i_desc], unit, file, today])
            _kind_request(values, at, result, file, case_id, checked.unit or unit, today)
            if master.rulebook.district_coord:
                _coord_request(values, at, result, file, case_id, checked.unit or unit, today)
            if master.rulebook.approve_cases:  # seed 000: 待核准 until the office's 审定、核准 (book.trail)
                signed = to_text(values[at["signoff"]]) if "signoff" in at and values[at["signoff"]] is not None else ""
                result.requests.append({"case_id": case_id, "unit": checked.unit or unit or "", "kind": "核准",
                                        "file": file, "day": today,
                                        "reason": f"主管副区长审签：{signed}" if signed else "未填写主管副区长审签"})
            continue
        current = state.row(target) if target < 0 else None
        case_id = current.get("case_id") if current is not None else cols["case_id"][target]
        _kind_request(values, at, result, file, case_id, checked.unit or unit, today)
        if master.rulebook.district_coord:
            _coord_request(values, at, result, file, case_id, checked.unit or unit, today)
        asked = _extension(values, ext_at)
        if asked is not None:
            get = current.get if current is not None else (lambda k, t=target: cols[k][t])
            if not _same(get("extended_to"), asked[0]):
                in_force = get("extended_to") if get("extension_approver") and get("extended_to") else get("deadline")
                _request(result, checked, case_id, checked.unit or unit, in_force, asked[0], excel_row, today,
                         reason=_reason(values, i_reason), key=asked[1])
            asked = asked[0]
        diff = []
        if foreign:
            _foreign_id(result, checked, foreign, case_id, False, excel_row, unit)
            old = current.get("remarks") if current is not None else cols["remarks"][target]
            given = values[i_remarks] if i_remarks is not None else None
            want = _noted(given if given is not None else old, foreign)
            if not _same(old, want):
                diff.append(("remarks", old, want))
        for k, i in compared_at:
            value = values[i]
            if value is None or (foreign and k == "remarks"):
                continue  # a blank never erases what the ledger holds
            old = current.get(k) if current is not None else cols[k][target]
            if (type(old) is type(value) and old == value) or _same(old, value):
                continue
            if k == "unit" and old:
                result.issues.append(finding(
                    "unit-change-ignored", f"问题“{case_id}”的责任单位为 {old}，报送表写为 {value}，未采用："
                    f"责任单位只能由办公室在台账总表中修改。", file=file, sheet=sheet, row=excel_row,
                    column=_letter(checked, "unit"), header=BY_KEY["unit"].header, value=value, unit=checked.unit or unit))
                continue
            if k == "deadline":  # an existing case's deadline is the office's to move (延期至 + 延期审批人)
                granted = current.get("extended_to") if current is not None else cols["extended_to"][target]
                if not _same(granted, value) and not _same(asked, value):
                    _request(result, checked, case_id, checked.unit or unit, old, value, excel_row, today,
                             reason=_reason(values, i_reason))
                continue
            if k in KEEP_ONCE_SET and old is not None:
                continue  # a 销号申请 already recorded stands; a 已销号 case stays closed
            if k == "status" and old == STATUS_CLOSED and master.rulebook.office_closes:
                continue
            diff.append((k, old, value))
        if not diff:
            unchanged += 1
            continue
        updated += 1
        for k, old, value in diff:
            changes.append([case_id, BY_KEY[k].header, to_text(old), to_text(value), unit, file, today])
            state.set(target, k, value)
            if k == "deadline":
                state.set(target, "deadline_origin", ORIGIN_WRITTEN)  # now written by the unit, no longer computed
        for k, v in (("src_file", file), ("src_sheet", sheet), ("src_row", excel_row), ("updated_on", today)):
            state.set(target, k, v)
    outcome.rows_read += len(frame)  # added, not set: a file's other ledger sheets come through here too
    outcome.rows_new += new
    outcome.rows_updated += updated
    outcome.rows_unchanged += unchanged
    outcome.rows_rejected += rejected
    result.rows_read += len(frame)
    result.rows_new += new
    result.rows_updated += updated
    result.rows_unchanged += unchanged
    result.rows_rejected += rejected
    if outcome.status == "merged" and outcome.rows_read and outcome.rows_rejected == outcome.rows_read:
        outcome.reason = "所有行均被退回"


def _office_blanks(checked: Checked, pos_of_row: dict, by_id: dict, result: MergeResult) -> set:
    """Rows of existing cases whose only error is a blank 问题类别: the office's cell on a case it handed over (a clue
    registered by 交办 has none until the office fills it), so the unit's report is taken; the error is dropped."""
    blank: dict[int, list[Finding]] = {}
    other: set[int] = set()
    letter = _letter(checked, "category")
    for f in checked.findings:
        if f.severity == "error" and f.row in pos_of_row:
            pos = pos_of_row[f.row]
            if f.code == "missing-required" and letter and f.column == letter:
                blank.setdefault(pos, []).append(f)
            else:
                other.add(pos)
    frame = checked.frame
    excused = {pos for pos in blank if pos not in other and frame.at[pos, "case_id"]
               and str(frame.at[pos, "case_id"]) in by_id}
    if excused:
        dropped = {id(f) for pos in excused for f in blank[pos]}
        result.issues[:] = [f for f in result.issues if id(f) not in dropped]
    return excused


def _own_form(master: Master):
    """Whether a 问题编号 has the form taizhang gives (``_new_id``): a unit's code (or XX), the year, a sequence."""
    import re

    codes = {u.code for u in master.units.units if u.code} | {"XX"}
    form = re.compile(r"^(.+)-(\d{4})-(\d+)$")

    def check(cid: str) -> bool:
        m = form.match(cid)
        return bool(m) and m.group(1) in codes

    return check


UNIT_NUMBER = "单位编号："  # how 备注 keeps a unit's own numbering of a case


def _noted(remarks, number: str) -> str:
    """备注 with the unit's own number of the case in front (once)."""
    note = f"{UNIT_NUMBER}{number}"
    text = to_text(remarks) or ""
    if note in text.split("；"):
        return text
    return f"{note}；{text}" if text else note


def _foreign_id(result: MergeResult, checked: Checked, number: str, case_id, new: bool, excel_row: int, unit) -> None:
    how = f"按新问题登记为“{case_id}”" if new else f"按单位、问题描述和交办日期认定为问题“{case_id}”"
    msg = (f"问题编号“{number}”不在台账总表中，也不是台账助手的编号（单位代码-年份-序号），是单位自己的编号：{how}，"
           f"单位的编号记入备注（{UNIT_NUMBER}{number}）。以后报送请使用台账的问题编号“{case_id}”，新问题的编号留空。")
    result.issues.append(finding("unit-numbering", msg, file=checked.read.file, sheet=checked.read.sheet, row=excel_row,
                                 column=_letter(checked, "case_id"), header=BY_KEY["case_id"].header, value=number,
                                 unit=checked.unit or unit or ""))


def _extension(values: list, ext_at: list[tuple[int, str]]) -> tuple[dt.date, str] | None:
    """The extension a submitted row asks for, and the column it was written in (None: none asked)."""
    for i, k in ext_at:
        if values[i] is not None:
            return values[i], k
    return None


def _kind_request(values: list, at: dict, result: MergeResult, file: str, case_id, unit, today: dt.date) -> None:
    """A unit's 申请事项 other than 延期 (which 申请延期至 carries): kept for the 审批台账 and 待审批 (book.trail)."""
    from taizhang.book.trail import K_EXT, REQUEST_KINDS

    i = at.get("request_kind")
    kind = REQUEST_KINDS.get(norm_text(values[i])) if i is not None and values[i] is not None else None
    if kind is None or kind == K_EXT:
        return
    result.requests.append({"case_id": case_id, "unit": unit or "", "kind": kind, "file": file, "day": today,
                            "reason": _reason(values, at.get("ext_reason"))})


def _coord_request(values: list, at: dict, result: MergeResult, file: str, case_id, unit, today: dt.date) -> None:
    """Seed 001: a unit's request for 区级协调 ("由各部门报送专项治理工作组…汇总,统一提交区级层面专项研究讨论"), in its
    申请区级协调 column (or an older form's 区级协调, the office's column the unit cannot set), with 区级协调理由: kept for
    the 审批台账 and the office's list 区级协调事项 (book.trail). The office's own 区级协调 flag in 台账 decides."""
    from taizhang.book.trail import K_COORD
    from taizhang.rules.checks import coord_asked

    asked = [to_text(values[at[k]]) for k in ("coord_request", "district_coord") if k in at and coord_asked(values[at[k]])]
    if not asked:
        return
    reason = _reason(values, at.get("coord_reason"))
    if not reason and asked[0] not in ("是", "申请", "需要"):
        reason = asked[0]  # the unit wrote its reason in the column itself ("是，涉及多部门")
    result.requests.append({"case_id": case_id, "unit": unit or "", "kind": K_COORD, "file": file, "day": today,
                            "reason": reason})


def _reason(values: list, i_reason: int | None) -> str:
    return (to_text(values[i_reason]) or "") if i_reason is not None else ""


def _request(result: MergeResult, checked: Checked, case_id, unit, old, new, excel_row: int, today: dt.date,
             reason: str = "", key: str = "deadline") -> None:
    """A unit moved the 整改时限 of an existing case, or asked for an extension (``key``: the column it wrote in,
    申请延期至 or the office's 延期至): not applied, but put to the office for approval on 待审批."""
    file, sheet = checked.read.file, checked.read.sheet
    was = to_text(old) if old else "（按时限规则计算）"
    why = f"（理由：{reason}）" if reason else ""
    if key == "deadline":
        code = "deadline-change-request"
        msg = f"{unit} 申请将问题“{case_id}”的整改时限由 {was} 改为 {to_text(new)}{why}，未直接采用，已列入“待审批”。"
    else:
        code = "extension-request"
        wrote = "" if key == "ext_request" else "（写在办公室的“延期至”列中）"
        msg = (f"{unit} 申请将问题“{case_id}”延期至 {to_text(new)}{wrote}{why}，现时限为 {was}；延期须经办公室审批，"
               f"未直接采用，已列入“待审批”，批准前仍按现时限亮灯。")
    msg += (f"办公室同意的，请在“待审批”该行的“决定”填“同意”并填写决定人（或在台账总表该问题的“延期至”填 {to_text(new)} "
            f"并填写“延期审批人”），记入审批台账。")
    result.issues.append(finding(code, msg, file=file, sheet=sheet, row=excel_row,
                                 column=_letter(checked, key), header=BY_KEY[key].header,
                                 value=to_text(new), unit=unit or ""))
    result.pending.append({"case_id": case_id, "unit": unit or "", "old": old, "new": new, "file": file,
                           "sheet": sheet, "row": excel_row, "day": today, "reason": reason})


def _letter(checked: Checked, key: str) -> str:
    col = checked.read.key_columns().get(key)
    return col.letter if col else ""


def _new_id(state: _State, master: Master, unit: str | None, today: dt.date) -> str:
    """A number for a case a unit sent without one: unit code, year, next sequence."""
    u = master.units.by_name.get(unit or "")
    prefix = f"{u.code if u else 'XX'}-{today.year}-"
    state.seq[prefix] = state.seq.get(prefix, 0) + 1
    return f"{prefix}{state.seq[prefix]:03d}"


def assign(ledger: pd.DataFrame, master: Master) -> pd.DataFrame:
    """分办: supervising department from the category, 归口汇总部门 from the unit type; fills blanks only."""
    df = ledger.copy()
    supervisors = master.categories
    routing = {r.unit_type: r.summary_dept for r in master.rulebook.routing}
    sup = df["category"].map(lambda c: supervisors.get(c) or None if isinstance(c, str) else None)
    blank = df["supervisor"].isna() | (df["supervisor"].astype(str).str.strip() == "")
    df.loc[blank, "supervisor"] = sup[blank]
    if routing:
        types = {u.name: u.type for u in master.units.units}
        dept = df["unit"].map(lambda u: routing.get(types.get(u, ""), None) if isinstance(u, str) else None)
        blank = df["summary_dept"].isna() | (df["summary_dept"].astype(str).str.strip() == "")
        df.loc[blank, "summary_dept"] = dept[blank]
    return df
