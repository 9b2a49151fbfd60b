"""The report-day jobs: one function per user action, shared by the CLI, Excel and the web page.

Each job that writes the master opens its ``master_transaction`` (lock, then
read), calls the pure core (merge, deadlines, figures), and writes inside the
same lock; a write that changes nothing is skipped. Adapters (``cli``, ``excel``, ``web``) only parse their
input, call one of these and present the result. The last two sections add undo
(the master's backups, ``run_restore``) and the few things the browser door needs
besides (vetting an upload, the files a merge reads), so that it too reaches the
core only through this module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import gc
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import BaseModel

from taizhang.book.closures import confirm_closures, pending_rows
from taizhang.book.evidence import file_evidence, index_columns
from taizhang.book.ledger_sheet import place_assign_result, place_findings, save_master, written_rows
from taizhang.book.master import (
    HISTORY_HEADERS,
    RECEIPT_HEADERS,
    S_RECEIPTS,
    S_REJECTS,
    S_REPORTS,
    S_SPOT,
    Master,
    load_ledger,
    load_master,
)
from taizhang.book.merge import Checking, MergeResult, merge_folder, require_submissions
from taizhang.book.sampling import SPOT_HEADERS, redraw
from taizhang.book.sheets import (
    APPROVAL_HEADERS,
    CLOSURE_HEADERS,
    EVIDENCE_HEADERS,
    REJECT_HEADERS,
    REMINDER_HEADERS,
    S_APPROVALS,
    S_CLOSURES,
    S_EVIDENCE,
    S_REMINDERS,
    S_SETTINGS,
    S_TRAIL,
    S_UNASSIGNED,
    TRAIL_HEADERS,
    UNASSIGNED_HEADERS,
)
from taizhang.book.trail import (
    after_closures,
    apply_trail,
    approval_rows,
    closure_decision_rows,
    not_ours_waiting,
    trail_rows,
    unassigned_rows,
)
from taizhang.calendar.deadlines import CaseLight, compute_lights
from taizhang.errors import BadRequest
from taizhang.findings import Finding
from taizhang.report.figures import REPORT_HEADERS, Figures, compute_figures, history_rows
from taizhang.report.text import warnings_by_kind
from taizhang.rules.validate import Context
from taizhang.xlsx.storage import (  # noqa: F401  (what one request wrote: for a door's bug message)
    master_transaction,
    process_gone,
    recording,
    replaced_files,
)


class StatusResult(BaseModel):
    master: str
    out: str
    as_of: dt.date
    cases: list[CaseLight]
    warnings: list[str]
    issues: list[Finding]
    backup: str | None = None
    written: bool = True  # False: nothing changed, the master was left as it was (no backup used up)


def bulk(job):
    """Run ``job`` with Python's cyclic garbage collector paused.

    A report day builds millions of small lists, dicts and tuples, almost none of them in reference cycles;
    the collector would walk them all over and over (a fifth of a 100,000-case merge). Reference counting
    still frees memory as usual; the collector resumes when the job ends.
    """
    @functools.wraps(job)
    def run(*args, **kwargs):
        if not gc.isenabled():  # already inside a bulk job
            return job(*args, **kwargs)
        gc.disable()
        try:
            return job(*args, **kwargs)
        finally:
            gc.enable()
    return run


def _out_path(master: Master, out: str | Path | None) -> tuple[Path, int | None]:
    """Where to write and how many backups to keep (None: no backup, a new file)."""
    if out is None or Path(out).resolve() == master.path.resolve():
        return master.path, master.rulebook.backups_kept
    return Path(out), None


def with_lights(master: Master, today: dt.date):
    master.trail_findings = apply_trail(master, today) or getattr(master, "trail_findings", [])  # 审批台账 (book.trail)
    master.ledger = confirm_closures(master.ledger, master.rulebook)  # 销号 the office confirmed in the master
    after_closures(master, today)
    if master.evidence:  # the 佐证材料 columns always say what 佐证材料清单 holds (whatever an edit left in the cells)
        master.ledger = index_columns(master.ledger, master.evidence)
    res = compute_lights(master.ledger, master.rulebook, master.calendar(), today, file=master.path.name)
    master.ledger = res.ledger
    return res


@bulk
def run_status(master_path: str | Path, today: dt.date, out: str | Path | None = None) -> StatusResult:
    with master_transaction(master_path, action="计算时限与红绿灯") as txn:  # lock, THEN read: no update is lost
        master = load_master(master_path)
        res = with_lights(master, today)
        res.findings = place_findings(res.findings, written_rows(master.ledger, master.units.names()), master.path.name)
        res.findings = settings_findings(master) + res.findings
        res.findings += master.trail_findings
        target, keep = _out_path(master, out)
        backup = save_master(master, target, backup_keep=keep, sheets=trail_sheets(master) if master.trail_touched else None)
    return StatusResult(master=str(master.path), out=str(target), as_of=today, cases=res.cases, warnings=res.warnings,
                        issues=res.findings, backup=str(backup) if backup else None,
                        written=txn.replaced or target != master.path)


def report_rows(master: Master, result: MergeResult) -> list[list]:
    """The 报送情况 table: one row per member unit, then files from unknown senders."""
    by_unit: dict[str, list] = {}
    for f in result.files:
        if f.unit and f.status != "material":  # a material (材料报送) is not the period's ledger
            by_unit.setdefault(f.unit, []).append(f)
    rows = []
    for u in master.units.units:
        fs = by_unit.get(u.name, [])
        if u.name in result.missing_units:
            state = "未报送"
        elif u.name in getattr(result, "not_owed", {}):  # seed 004: 常规工作季报告, 紧急的重点事项一事一报
            state = "本期无需报送"
        elif u.name in result.rejected_file_units:
            state = "文件被退回"
        elif u.name in result.late_units:
            state = "逾期报送"
        elif u.name in result.zero_report_units:
            state = "零报告"
        else:
            state = "已报送"
        used = [f for f in fs if f.status != "superseded"]  # a superseded file is named, its dates and counts are not
        rows.append([u.name, u.type, state, "、".join(f.file + ("（已被取代）" if f.status == "superseded" else "") for f in fs),
                     max((f.received for f in used if f.received), default=None),
                     sum(f.rows_new for f in fs), sum(f.rows_updated for f in fs), sum(f.rows_unchanged for f in fs),
                     sum(f.rows_rejected for f in fs),
                     "；".join([f.reason for f in fs if f.reason] + [getattr(result, "not_owed", {}).get(u.name, "")]).strip("；"),
                     "；".join(f.received_basis for f in used if f.received_basis)])
    need = master.rulebook.min_cases  # seed 000: "确定1个以上…攻坚难题" — a unit short of it is said, not 无问题
    if need:
        have = master.ledger["unit"].value_counts().to_dict() if len(master.ledger) else {}
        for r in rows:
            if have.get(r[0], 0) < need:
                r[9] = "；".join(x for x in (r[9], f"台账中问题不足{need}个：方案要求每个单位确定{need}个以上攻坚难题") if x)
    for f in result.files:
        if not f.unit and f.status != "skipped":
            rows.append(["（无法识别的单位）", "", "文件被退回", f.file, f.received, 0, 0, 0, f.rows_rejected, f.reason,
                         f.received_basis])
    return rows


@dataclass
class MergeOutcome:
    result: MergeResult
    master: Master
    out: Path
    backup: Path | None
    figures: Figures
    written: bool = True  # False: nothing new came, the master (and its 报送情况) was left as it was


def reminder_rows(issues: list[Finding]) -> list[list]:
    """The master's 提醒 sheet: every warning of the report day, grouped by kind."""
    return [[f.title, f.code, f.unit, f.file, f.sheet, f.row, f.column, f.value, f.message]
            for fs in warnings_by_kind(issues).values() for f in fs]


REQUEST_HOW = "同意的，请在台账中该问题的“延期至”填申请日期，并填写“延期审批人”"


def request_rows(result: MergeResult) -> list[list]:
    """Today's deadline changes and extensions units asked for, with their reasons (the 待审批 sheet itself lists every
    open request of the 审批台账, with the office's 决定 columns: book.trail.approval_rows)."""
    return [[p["case_id"], p["unit"], p["old"], p["new"], p["file"], p["sheet"], p["row"], p["day"], REQUEST_HOW,
             p.get("reason") or None] for p in result.pending]


def reject_rows(result: MergeResult) -> list[list]:
    """The 退回清单 table body."""
    return [[r["unit"], r["file"], r["sheet"], r["row"], r["case_id"], r["description"], r["reasons"]]
            for r in result.rejected_rows]


def run_figures(master_path: str | Path, today: dt.date) -> Figures:
    """Today's figures of a master file, written nowhere (the web page's tiles and ranking)."""
    return figures_of(load_master(master_path), today)


def figures_of(master: Master, today: dt.date, supervise: bool = True) -> Figures:
    """Deadlines and lights as of ``today``, then the summary's figures (``supervise``: with its 督办清单)."""
    lights = with_lights(master, today)
    return compute_figures(master, master.ledger, lights.deadlines, today, supervise)


def report_day(master: Master, folder: str | Path, today: dt.date, checking: Checking | None = None,
               supervise: bool = False, progress=None) -> tuple[Master, MergeResult, Figures]:
    """Merge, recompute deadlines and lights, and record today's per-unit figures in the history.

    ``supervise``: also list the red and yellow cases (the summary's 督办清单), for a caller that writes one.
    ``progress(done, total, file)``: called as each submission is merged (see ``merge_folder``).
    """
    merged, result = merge_folder(master, folder, today, checking, progress)
    result.issues.extend(settings_findings(master))
    result.issues.extend(apply_trail(merged, today, result))  # the office's decisions, today's requests (审批台账)
    lights = with_lights(merged, today)
    # each finding on 台账 at the row its case will have once written (sorted, emptied rows gone), with its case id
    result.issues.extend(place_findings(lights.findings, written_rows(merged.ledger, merged.units.names()),
                                        merged.path.name))
    merged.reports = report_rows(merged, result)  # before the figures: they mark the units that did not report
    figs = compute_figures(merged, merged.ledger, lights.deadlines, today, supervise)
    hist = merged.history
    keep_rows = hist[hist["报送日"].map(lambda d: str(d)[:10]) != today.isoformat()] if len(hist) else hist
    merged.history = pd.concat([keep_rows, pd.DataFrame(history_rows(figs), columns=HISTORY_HEADERS)], ignore_index=True)
    return merged, result, figs


def settings_findings(master: Master) -> list[Finding]:
    """The notes of old settings migrated on reading (a master made before 设置版本) and of how the office's sheets were
    read (问题类别's columns), for 提醒 and the account."""
    from taizhang.findings import finding

    return [finding("settings-migrated", note, file=master.path.name, sheet=S_SETTINGS)
            for note in getattr(master, "settings_notes", [])] + list(getattr(master, "sheet_findings", []))


def report_sheets(merged: Master, result: MergeResult, today: dt.date) -> dict[str, tuple[list[str], list[list], None]]:
    """The report day's sheets of the master (title → headers, rows): 报送情况, 退回清单, 提醒, 待审批 (deadline
    changes units asked for), 文件接收记录 (hidden), 抽查清单 and, where the
    leading group confirms 销号, 待销号确认. Draws today's spot checks into ``merged.spot_checks``."""
    rejects = reject_rows(result)
    sheets = {S_REPORTS: (REPORT_HEADERS, merged.reports, None),
              S_REJECTS: (REJECT_HEADERS, rejects or [["（本次没有退回的行）", "", "", None, "", "", ""]], None),
              S_REMINDERS: (REMINDER_HEADERS, reminder_rows(result.issues) or [["（本次没有提醒）"] + [""] * 8], None),
              S_RECEIPTS: (RECEIPT_HEADERS, merged.receipts, None), **trail_sheets(merged, result)}
    # a re-run of the day draws again, keeping the 抽查结果 the office wrote on the day's rows
    merged.spot_checks = redraw(merged.rulebook, merged.ledger, result.zero_report_units, merged.spot_checks, today)
    sheets[S_SPOT] = (SPOT_HEADERS, merged.spot_checks or [[None, "（本次没有抽查对象）", None, "", "", ""]], None)
    if merged.evidence:
        sheets[S_EVIDENCE] = (EVIDENCE_HEADERS, merged.evidence, None)
    if not_ours_waiting(merged):  # a unit's 不属本单位 waits on 待指定单位 (book.trail), beside 交办's clues
        from taizhang.book.master import _read_sheets

        rows = unassigned_rows(merged, _read_sheets(merged.path, [S_UNASSIGNED]).get(S_UNASSIGNED))
        if rows is not None:
            sheets[S_UNASSIGNED] = (UNASSIGNED_HEADERS, rows, None)
    if merged.materials is not None:  # 材料报送: who has sent each of the plan's materials
        from taizhang.book.sheets import S_MATERIALS

        sheets[S_MATERIALS] = (merged.materials[0], merged.materials[1:], None)
    return sheets


TRAIL_SHEETS = (S_TRAIL, S_APPROVALS, S_CLOSURES)


def trail_sheets(master: Master, result: MergeResult | None = None) -> dict[str, tuple[list[str], list[list], None]]:
    """待审批 (every open request, with the office's 决定 columns), 待销号确认 where the leading group confirms 销号,
    and the append-only 审批台账 (book.trail)."""
    blank = [None] * (len(APPROVAL_HEADERS) - 1)
    sheets = {S_APPROVALS: (APPROVAL_HEADERS, approval_rows(master, result) or [["（本次没有待审批的申请）"] + blank], None)}
    if master.rulebook.office_closes:
        rows = closure_decision_rows(pending_rows(master.ledger, master.rulebook), master)
        sheets[S_CLOSURES] = (CLOSURE_HEADERS, rows or [["（没有待确认的销号申请）", "", "", None, None, "", None, "", None,
                                                          None, None]], None)
    sheets[S_TRAIL] = (TRAIL_HEADERS, trail_rows(master), None)  # header only while empty: others read it by header
    if master.rulebook.district_coord:  # seed 001: units' 区级协调 requests, for the office's meeting (book.trail)
        from taizhang.book.sheets import COORD_HEADERS, S_COORD
        from taizhang.book.trail import coord_rows

        sheets[S_COORD] = (COORD_HEADERS, coord_rows(master) or [["（没有申请区级协调的问题）"] + [None] * 12], None)
    return sheets


@bulk
def run_merge(master_path: str | Path, folder: str | Path, today: dt.date, out: str | Path | None = None,
              supervise: bool = False, progress=None) -> MergeOutcome:
    folder = Path(folder)
    if folder.is_file():
        raise BadRequest(f"{folder} 是一个文件，不是报送文件夹。请给出放各单位报送表的文件夹。")
    if not folder.is_dir():
        raise FileNotFoundError(f"报送文件夹 {folder} 不存在。请确认路径，或在“参数设置”中修改报送文件夹。")
    with master_transaction(master_path, action="合并") as txn:  # lock, THEN read: no update is lost
        master = load_master(master_path, ledger=False)
        require_submissions(folder, master.path)
        target, keep = _out_path(master, out)
        with Checking(folder, Context(master.rulebook, master.units, today, column_names=master.column_names,
                                           status_words=master.status_words)) as checking:
            load_ledger(master)  # while the submissions are read in worker processes
            master.calendar()  # likewise: the working-day calendar the lights need
            before = _snapshot(master)
            merged, result, figs = report_day(master, folder, today, checking, supervise, progress)
            if target == master.path and _nothing_new(result, before, merged):
                merged.reports = before.reports  # the first merge's account stays, in the file and in what is shown
                return MergeOutcome(result, merged, target, None, figs, written=False)
            file_merge_evidence(merged, result)  # the pieces first: a master never indexes a file that is not there
            sheets = report_sheets(merged, result, today)
            backup = save_master(merged, target, sheets=sheets, backup_keep=keep, settings=folder_record(merged, folder))
    return MergeOutcome(result, merged, target, backup, figs, written=txn.replaced or target != master.path)


def file_merge_evidence(merged: Master, result: MergeResult) -> list[Path]:
    """Write the 佐证材料 a merge planned (``book.evidence``) into the folders beside the master, each file whole and
    new; the master's 佐证材料清单 and its ledger columns then say what was really stored."""
    plan = result._evidence_plan
    if plan is None or not plan.writes:
        return []
    written = file_evidence(plan)
    merged.evidence = plan.rows
    merged.ledger = index_columns(merged.ledger, plan.rows)
    result.evidence = plan.outcomes
    return written


@dataclass
class _Before:
    ledger: pd.DataFrame
    changes: int
    receipts: list
    reports: list
    path: Path
    evidence: list | None = None

    def approvals(self) -> list[list]:
        """The 待审批 rows the master holds (read only when a merge that brought nothing else has requests)."""
        from taizhang.book.master import _read_sheets

        return [list(r) for r in (_read_sheets(self.path, [S_APPROVALS]).get(S_APPROVALS) or [])[1:]]


def _snapshot(master: Master) -> _Before:
    """What a merge could change, as read (the merge builds new frames; these are not touched)."""
    return _Before(master.ledger.copy(), len(master.changes), [list(r) for r in master.receipts],
                   [list(r) for r in master.reports], master.path, [list(r) for r in master.evidence])


def _nothing_new(result: MergeResult, before: _Before, merged: Master) -> bool:
    """A merge that brought nothing: no new or updated row, no request that 待审批 does not already list, no new
    receipt, and the ledger (lights included) as it was read — e.g. the same folder merged twice on one day. The
    master is then not written."""
    if result.rows_new or result.rows_updated or result.changes:
        return False
    if len(merged.changes) != before.changes or not _same_rows(merged.receipts, before.receipts):
        return False
    if not before.reports:  # never merged (no 报送情况 yet): this account is the first
        return False
    if not _same_rows(merged.evidence, before.evidence or []):  # a piece of evidence came (or came again another day)
        return False

    def who(rows: list[list]) -> list[list]:  # each unit's state, files and reasons; not the row counts
        return [list(r[:5]) + list(r[8:]) for r in rows]
    if not _same_rows(who(merged.reports), who(before.reports)):  # a unit's file came, went or was refused
        return False
    if not _same_ledger(merged.ledger, before.ledger):
        return False
    if merged.trail_touched:  # a decision applied, a request or record added to the 审批台账
        return False
    return not result.pending or _same_rows(approval_rows(merged, result), before.approvals())


def _same_ledger(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    from taizhang.book.master import SOURCE_ROW

    cols = [c for c in a.columns if c != SOURCE_ROW]
    if len(a) != len(b) or sorted(cols) != sorted(c for c in b.columns if c != SOURCE_ROW):
        return False
    key = "case_id"
    left = a[cols].sort_values(key, kind="stable").reset_index(drop=True)
    right = b[cols].sort_values(key, kind="stable").reset_index(drop=True)
    return _same_rows(left.values.tolist(), right.values.tolist())


@bulk
def run_summary(master_path: str | Path, today: dt.date, out: str | Path, public: bool = False, progress=None) -> Figures:
    """`taizhang summary`. ``progress(done, total, step)``: before each of its three steps (read the master; deadlines,
    lights and figures; write the workbook) and once at the end (step "")."""
    steps = _Steps(progress, ("读取台账总表", "计算时限、红绿灯和统计", "写入汇总表"))
    master = load_master(master_path)
    steps.next()
    figs = figures_of(master, today)
    steps.next()
    save_summary(master, figs, out, public)
    steps.next()
    return figs


class _Steps:
    """A job's named steps reported to ``progress(done, total, step)``: the first at once, each ``next()`` the one after
    (step "" once all are done). A door shows "第2步，共3步：…" rather than a guess from the time."""

    def __init__(self, progress, names: tuple[str, ...]):
        self.progress, self.names, self.done = progress, names, 0
        if progress:
            progress(0, len(names), names[0])

    def next(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, len(self.names), self.names[self.done] if self.done < len(self.names) else "")


@bulk
def save_summary(master: Master, figs: Figures, out: str | Path, public: bool = False) -> Path:
    """Write the summary workbook for figures already computed (``run`` reuses the merge's own)."""
    from taizhang.report.summary_book import write_summary  # openpyxl and its charts: imported only when a summary is written
    from taizhang.xlsx.storage import atomic_write

    atomic_write(Path(out), lambda tmp: write_summary(figs, tmp, master.reports, public))
    return Path(out)


def default_summary_path(master_path: Path, today: dt.date, public: bool = False) -> Path:
    return master_path.with_name(f"{master_path.stem}-汇总{'（公开版）' if public else ''}-{today.isoformat()}.xlsx")


class NoticeResult(BaseModel):
    """What ``notice`` wrote: the 通报 draft, the 督办通知单 (one per unit with red cases), and the figures."""
    notice: str
    supervision: list[str] = []
    reply_by: dt.date | None = None
    public: bool = False
    figures: Figures
    period: str = ""  # the month or quarter of an office's periodic bulletin (notice --period), "" for a report day's


def default_notice_path(master_path: Path, today: dt.date, public: bool = False, period=None) -> Path:
    if period is not None:  # the office's own bulletin for a month or a quarter: named by its period
        return master_path.with_name(f"{master_path.stem}-{period.name or '通报'}（草稿）{'（公开版）' if public else ''}"
                                     f"-{period.period.label}.docx")
    return master_path.with_name(f"{master_path.stem}-通报（草稿）{'（公开版）' if public else ''}-{today.isoformat()}.docx")


def save_notice(master: Master, figs: Figures, out: str | Path, units_dir: str | Path | None = None,
                public: bool = False, progress=None, period=None) -> NoticeResult:
    """Write the 通报 draft (.docx) and, with ``units_dir``, one 督办通知单 per unit with red cases.

    ``progress(done, total, file)``: called before each 督办通知单 and once at the end (file "")."""
    from taizhang.report.notice import build_bulletin, build_supervision, supervision_file, supervisions
    from taizhang.xlsx.storage import WriteError

    book = master.rulebook
    office = book.office or f"{book.name}专项行动领导小组办公室"
    out = Path(out)
    if units_dir is not None and Path(units_dir).exists() and not Path(units_dir).is_dir():
        raise WriteError(f"督办通知单的输出位置 {units_dir} 是一个文件，不是文件夹。请换一个文件夹名（不存在时会自动创建）。")
    build_bulletin(figs, master.reports, office, public, book.supervise_reply_workdays, period).save(out)
    written: list[str] = []
    reply_by = None
    if units_dir is not None:
        reply_by = master.calendar().add_workdays(figs.as_of, book.supervise_reply_workdays)
        opinions = {}
        if len(master.ledger) and "office_opinion" in master.ledger:
            opinions = {str(cid): str(op) for cid, op in zip(master.ledger["case_id"], master.ledger["office_opinion"])
                        if cid is not None and op is not None and str(op).strip()}
        todo = supervisions(figs, reply_by, opinions, public)
        for i, s in enumerate(todo):
            path = supervision_file(Path(units_dir), s.unit, figs.as_of)
            if progress:
                progress(i, len(todo), path.name)
            build_supervision(s, figs, office).save(path)
            written.append(str(path))
        if progress:
            progress(len(todo), len(todo), "")
    return NoticeResult(notice=str(out), supervision=written, reply_by=reply_by, public=public, figures=figs,
                        period=period.period.label if period is not None else "")


@bulk
def run_notice(master_path: str | Path, today: dt.date, out: str | Path | None = None,
               units_dir: str | Path | None = None, public: bool = False, progress=None, steps=None,
               period: str | None = None) -> NoticeResult:
    """``taizhang notice``: the 通报 draft from the same figures as the summary, and the 督办通知单.

    ``progress(done, total, file)``: per 督办通知单; ``steps(done, total, step)``: read, compute, write (see ``_Steps``).
    ``period`` (``2026-11``, ``2026Q4``): the office's own bulletin for that month or quarter (参数设置 办公室通报 names
    it, e.g. 月晾晒, 季通报): figures as of the period's last day (or today, if it has not ended), and what happened in
    the period from 历史统计, 变更记录 and the ledger's dates."""
    step = _Steps(steps, ("读取台账总表", "计算时限、红绿灯和统计", "写通报" + ("和督办通知单" if units_dir is not None else "")))
    master = load_master(master_path)
    step.next()
    return notice_of(master, today, out, units_dir, public, progress, period, step.next)


def notice_of(master: Master, today: dt.date, out: str | Path | None = None, units_dir: str | Path | None = None,
              public: bool = False, progress=None, period: str | None = None, computed=None) -> NoticeResult:
    """The 通报 (and 督办通知单) of a loaded master: ``run_notice`` on the file, the ribbon's 按期通报 on the open workbook.
    ``period`` as for ``run_notice``; ``computed()``: called when the figures are computed and when the papers are
    written (a job's next steps)."""
    span = None
    if period:
        from taizhang.report.periods import period_figures

        span = _period_span(period)
        if span.start > today:
            raise BadRequest(f"通报期{span.label}还没有开始（今天是{today.isoformat()}）。")
        today = min(today, span.end)
    lights = with_lights(master, today)
    figs = compute_figures(master, master.ledger, lights.deadlines, today, supervise=True)
    if span is not None:
        name = _bulletin_name(master.rulebook.bulletins, span.kind)
        span = period_figures(span, master.ledger, master.history, master.changes, master.units.names(), name)
    if computed:
        computed()
    target = Path(out) if out else default_notice_path(master.path, today, public, span)
    result = save_notice(master, figs, target, units_dir, public, progress, span)
    if computed:
        computed()
    return result


def assign_master(master: Master, today: dt.date, clues=None, waiting_rows: list[list] | None = None,
                  source: str | None = None, placed: bool = False):
    """交办 on a loaded master (the file job and the Excel button): (new master, result, 待指定单位 rows or None).

    The rows are None when the sheet neither exists nor is needed. ``source``: the 线索来源 the office states for
    the clue file (refused when the campaign has no such source). ``placed``: the master is written by
    ``save_master``, so 台账 rows in the account are given where their cases will be once written.
    """
    from taizhang.book.assign import assign_cases, pending_clues, pending_rows
    from taizhang.book.trail import not_ours_rows

    new, result = assign_cases(master, today, clues, pending_clues(waiting_rows or []), source=source,
                               requests=waiting_rows)
    if placed:
        place_assign_result(new, result)
    rows = pending_rows(result) + not_ours_rows(new, waiting_rows)  # and the units' 不属本单位 still waiting
    if not rows and not waiting_rows:
        return new, result, None
    return new, result, rows or [["（没有待指定单位的线索）"]]


@bulk
def run_assign(master_path: str | Path, today: dt.date, clues: str | Path | None = None,
               units_dir: str | Path | None = None, out: str | Path | None = None, source: str | None = None):
    """`taizhang assign`: number and hand over the office's new cases and clues, record transfers, write notices.

    ``source``: what the office states once for the clue file (12345, 信访, 问政平台…), in the campaign's wording.

    The master is written only when something changed (a second run with nothing new leaves it untouched).
    """
    from taizhang.book.assign import notices_of, read_clue_file
    from taizhang.book.master import _read_sheets

    clue_list = read_clue_file(clues) if clues else []
    with master_transaction(master_path, action="交办") as txn:  # lock, THEN read: two presses never share a number
        master = load_master(master_path)
        waiting = _read_sheets(master.path, [S_UNASSIGNED]).get(S_UNASSIGNED) or []
        waiting = [list(r) for r in waiting]
        target, keep = _out_path(master, out)
        new, result, pending = assign_master(master, today, clue_list, waiting, source, placed=True)
        same_pending = pending is None or _same_rows(pending, waiting[1:])
        if not new.ledger.equals(master.ledger) or len(new.changes) != len(master.changes) or not same_pending \
                or target != master.path:
            sheets = {S_UNASSIGNED: (UNASSIGNED_HEADERS, pending, None)} if pending is not None else None
            if new.trail_touched:  # a 不属本单位 decided on 待指定单位: 审批台账 (and 待审批) with it
                sheets = {**(sheets or {}), **trail_sheets(new)}
            backup = save_master(new, target, sheets=sheets, backup_keep=keep)
            if txn.replaced or target != master.path:  # (not when the new package holds the same parts)
                result.out, result.backup = str(target), str(backup) if backup else None
    if units_dir and result.assigned:
        from taizhang.report.handover import write_notices

        result.notices = [str(p) for p in write_notices(notices_of(new, result), units_dir)]
    return result


def _same_rows(a: list[list], b: list[list]) -> bool:
    """Two sheets' bodies hold the same values (a number read back as 3.0 is still 3, a blank is a blank)."""
    from taizhang.intake.normalize import to_text

    def norm(rows: list[list]) -> list[list]:
        out = [[to_text(v) for v in r] for r in rows]
        return [r[:max([i + 1 for i, v in enumerate(r) if v is not None] or [0])] for r in out]
    return norm(a) == norm(b)


# ----------------------------------------------------------------- the other commands, one job each


def parse_day(text: str) -> dt.date | None:
    """A date as the office writes it (2026-11-23, 2026年11月23日, 2026.11.23), for a door's argument."""
    from taizhang.intake.normalize import parse_date_text

    return parse_date_text(text, None)[0]


def presets() -> list:
    """The built-in campaign rulebooks, one per seed."""
    from taizhang.rules.rulebook import builtin_rulebooks

    return list(builtin_rulebooks().values())


@dataclass
class NewOutcome:
    path: Path
    rulebook: object
    year: int
    units: int
    warnings: list | None = None  # unit-alias-ambiguous findings: aliases that may match inside other words


def run_new(master_path: str | Path, preset: str, year: int, units_file: str | Path | None = None) -> NewOutcome:
    """`taizhang new`: a master for ``preset`` with its stages placed in ``year``."""
    from taizhang.book.master import create_master
    from taizhang.intake.units import alias_warnings, read_unit_file
    from taizhang.rules.rulebook import find_rulebook

    if not 1990 <= year <= 2100:
        raise BadRequest(f"年度 {year} 不在 1990—2100 之间，请写四位数的年份。")
    book = find_rulebook(preset).for_year(year)
    units = read_unit_file(units_file) if units_file else None
    warnings = alias_warnings(units, Path(units_file).name) if units else []
    return NewOutcome(create_master(master_path, book, units), book, year, len(units) if units else 0, warnings)


@dataclass
class ValidateOutcome:
    """``report`` is the library's own ValidationReport (what ``--json`` prints); ``refusal`` says why a file
    whose campaign cannot be told was not judged; ``marked`` is the marked copy written, if any."""
    report: object | None
    failed: bool = False
    marked: Path | None = None
    refusal: str | None = None


def run_validate(file: str | Path, today: dt.date, master: str | Path | None = None, preset: str | None = None,
                 marked: str | Path | None = None, display_name: str | None = None) -> ValidateOutcome:
    """`taizhang validate`: check one submission against a master's units and rules, or a preset's, or the campaign
    its categories show; with ``marked``, write a copy with the problem cells coloured and commented."""
    from taizhang.rules.rulebook import find_rulebook
    from taizhang.rules.validate import PresetUnknown, validate_file

    if master:
        m = load_master(master, ledger=False)  # its units and categories; the cases are not needed
        book, units, names, words = m.rulebook, m.units, m.column_names, m.status_words
    else:
        book, units, names, words = (find_rulebook(preset) if preset else None), None, None, None
    try:
        report, checked = validate_file(file, rulebook=book, units=units, today=today, column_names=names,
                                        status_words=words, display_name=display_name)
    except PresetUnknown as exc:  # not judged: the report says why (what --json prints), refusal the same in a line
        from taizhang.rules.validate import refused_report

        return ValidateOutcome(refused_report(Path(file).name, str(exc)), failed=True, refusal=str(exc))
    written = None
    if marked and not checked.read.failed:
        from taizhang.book.marked import write_marked

        written = write_marked(checked.read, report.findings, marked)
    return ValidateOutcome(report, failed=checked.read.failed, marked=Path(written) if written else None)


def validate_not_run(file: str | Path, message: str):
    """What `taizhang validate --json` prints when it could not start checking ``file`` (wrong arguments, a master
    that cannot be used): a report of the file, not read, with the reason as its one finding (``validate-not-run``)."""
    from taizhang.rules.validate import refused_report

    return refused_report(Path(file).name if file else "", message, "validate-not-run")


def run_workday(start: dt.date, n: int | None = None, months: int | None = None,
                master: str | Path | None = None) -> tuple[dt.date, list[str]]:
    """`taizhang workday`: N working days (or an M-month period, Civil Code art. 201–203) after ``start``, by the
    master's 节假日 if given; with the years whose holidays are estimated, for a warning."""
    from taizhang.calendar.workdays import WorkCalendar, estimate_warning

    if (n is not None and abs(n) > 20000) or (months is not None and not 0 <= months <= 1200):
        raise BadRequest("工作日数不超过 20000，月数在 0 到 1200 之间。")
    cal = load_master(master, ledger=False).calendar() if master else WorkCalendar({})
    if months is not None:
        result = cal.add_months(start, months)
    elif n is not None:
        result = cal.add_workdays(start, n)
    else:
        raise BadRequest("请给出工作日数 N，或用 --month M 计算月期间")
    return result, [estimate_warning(y) for y in cal.estimate_years(start, result)]


@dataclass
class HolidaysOutcome:
    """What ``taizhang holidays --notice`` read from a State Council notice, and what it did with the master."""
    master: Path
    schedule: object                      # calendar.holiday_notice.NoticeSchedule
    written: bool = False
    backup: Path | None = None
    added: int = 0
    replaced: int = 0
    local_kept: list = None               # dates where the office's own 节假日 row wins over the notice
    was_estimated: bool = False           # the year was an estimate before this entry


def run_holidays(master_path: str | Path, notice: str | Path, year: int | None = None,
                 dry_run: bool = False) -> HolidaysOutcome:
    """`taizhang holidays MASTER --notice FILE`: read the State Council's holiday notice for a year into the master's
    节假日 sheet, so that year's deadlines stop being estimates. Nothing is written when the notice contradicts
    itself (a weekday that is not the date's, a day count that does not add up) or with ``dry_run``."""
    from taizhang.book.holidays_sheet import holiday_rows, merge_notice
    from taizhang.calendar.holiday_notice import parse_notice, read_notice_file

    schedule = parse_notice(read_notice_file(notice), year)
    master_path = Path(master_path)
    with master_transaction(master_path, action="录入节假日安排"):
        master = load_master(master_path)
        out = HolidaysOutcome(master_path, schedule, local_kept=[],
                              was_estimated=schedule.year in master.calendar().estimated if schedule.year else False)
        if schedule.problems or not schedule.items or dry_run:
            return out
        merged = merge_notice(holiday_rows(master_path), schedule)
        out.added, out.replaced, out.local_kept = merged.added, merged.replaced, merged.local_kept
        from taizhang.book.master import _read_holidays, notice_years
        from taizhang.book.sheets import HOLIDAY_HEADERS, S_HOLIDAYS

        table = [list(HOLIDAY_HEADERS)] + merged.rows
        master.holidays = _read_holidays(table, master_path.name)
        master.notice_years = notice_years(table)
        master._calendar = None  # the 工作日历 sheet is rebuilt from the new days
        out.backup = save_master(master, master_path, sheets={S_HOLIDAYS: (HOLIDAY_HEADERS, merged.rows, None)},
                                 backup_keep=master.rulebook.backups_kept)
        out.written = True
    return out


@dataclass
class RemindOutcome:
    """What ``taizhang remind`` found owed today, and the papers it wrote (nothing when nobody owes anything)."""
    plan: object                          # book.reminders.ReminderPlan
    master: Path | None = None
    folder: Path | None = None            # the report folder looked into for files not merged yet
    out_dir: Path | None = None
    papers: list = None
    messages: dict = None
    messages_file: Path | None = None
    csv: Path | None = None
    logged: int = 0                       # 催办记录 rows written (with ``sent``)
    backup: Path | None = None


def _remind_log(path: Path) -> list[list]:
    from taizhang.book.master import _read_sheets
    from taizhang.book.sheets import REMIND_LOG_HEADERS, S_REMIND_LOG

    return [list(r) for r in _read_sheets(path, [S_REMIND_LOG]).get(S_REMIND_LOG) or [list(REMIND_LOG_HEADERS)]]


def _remind_plan(master_path: Path, today: dt.date, folder, progress=None):
    """(master, plan, the report folder looked into, 催办记录 rows): what ``run_remind`` and ``remind_preview`` show."""
    from taizhang.book.master import _read_sheets
    from taizhang.book.reminders import contacts_of, plan_reminders
    from taizhang.book.settings_sheet import FOLDER_KEY
    from taizhang.book.sheets import S_UNITS

    master = load_master(master_path)
    lights = compute_lights(confirm_closures(master.ledger, master.rulebook), master.rulebook, master.calendar(), today,
                            file=master.path.name)
    recorded = master.extras.get(FOLDER_KEY) or ""
    where = Path(folder) if folder else (Path(recorded) if recorded and Path(recorded).is_dir() else None)
    folder_units: dict[str, str] = {}
    if where is not None and where.is_dir():
        from taizhang.book.merge import content_digest

        merged_before = {str(r[1]) for r in master.receipts if len(r) > 1 and r[1]}  # 文件接收记录
        with Checking(where, Context(master.rulebook, master.units, today, column_names=master.column_names,
                                     status_words=master.status_words)) as checking:
            for i, (path, rel) in enumerate(zip(checking.wanted, checking.rels)):
                if progress:
                    progress(i, len(checking.wanted), rel)
                if content_digest(path) in merged_before:  # merged already: 报送情况 says for which period
                    continue
                unit = checking.get(path).unit
                if unit:
                    folder_units.setdefault(unit, rel)
            if progress:
                progress(len(checking.wanted), len(checking.wanted), "")
    log = _remind_log(master_path)
    units = [list(r) for r in _read_sheets(master_path, [S_UNITS]).get(S_UNITS) or []]
    return master, plan_reminders(master, today, lights, folder_units=folder_units, contacts=contacts_of(units), log=log), where, log


def remind_preview(master_path: str | Path, today: dt.date, folder: str | Path | None = None) -> RemindOutcome:
    """What ``taizhang remind`` would write today, without writing anything: the plan and each unit's message."""
    from taizhang.report.reminder_papers import message

    master_path = Path(master_path)
    _master, plan, where, _log = _remind_plan(master_path, today, folder)
    return RemindOutcome(plan, master_path, folder=where, papers=[], messages={r.unit: message(plan, r) for r in plan.reminders})


def run_remind(master_path: str | Path, today: dt.date, out_dir: str | Path | None = None, folder: str | Path | None = None,
               sent: bool = False, channel: str = "督办通知", progress=None) -> RemindOutcome:
    """`taizhang remind`: 催报 of the units that have not reported this period (from N working days before the due
    date), 临期提醒 of cases due within N working days or behind 序时进度; per unit a 催报单/临期提醒单 (.docx), a
    paste-ready message and a row of an SMS CSV. With ``sent`` the reminders are logged on 催办记录 (the cap counts
    those), which is the only write to the master."""
    import contextlib

    from taizhang.book.reminders import log_rows
    from taizhang.book.sheets import REMIND_LOG_HEADERS, S_REMIND_LOG
    from taizhang.report.reminder_papers import build_paper, message, paper_file, sms_csv
    from taizhang.xlsx.storage import atomic_write

    master_path = Path(master_path)
    with (master_transaction(master_path, action="记录催办") if sent else contextlib.nullcontext()):
        master, plan, where, log = _remind_plan(master_path, today, folder, progress)
        out = RemindOutcome(plan, master_path, folder=where, papers=[], messages={r.unit: message(plan, r) for r in plan.reminders})
        if not plan.reminders:
            return out
        out.out_dir = Path(out_dir) if out_dir else master_path.with_name(f"催报-{today.isoformat()}")
        out.out_dir.mkdir(parents=True, exist_ok=True)
        for r in plan.reminders:
            out.papers.append(build_paper(plan, r).save(paper_file(out.out_dir, r, today)))
        text = "\r\n\r\n".join(out.messages[r.unit] for r in plan.reminders) + "\r\n"
        out.messages_file = out.out_dir / f"催报消息-{today.isoformat()}.txt"
        atomic_write(out.messages_file, lambda tmp: Path(tmp).write_bytes(("\ufeff" + text).encode("utf-8")))
        out.csv = out.out_dir / f"短信-{today.isoformat()}.csv"
        data = sms_csv(plan, out.messages)
        atomic_write(out.csv, lambda tmp: Path(tmp).write_bytes(data))
        if sent:
            rows = log[1:] + log_rows(plan, out.messages, channel)
            out.backup = save_master(master, master_path, sheets={S_REMIND_LOG: (REMIND_LOG_HEADERS, rows, None)},
                                     backup_keep=master.rulebook.backups_kept)
            out.logged = len(rows) - len(log) + 1
    return out


@dataclass
class OverviewOutcome:
    overview: object                      # report.overview.Overview
    out: Path | None


def run_overview(folder: str | Path, today: dt.date, out: str | Path | None = None, progress=None) -> OverviewOutcome:
    """`taizhang overview FOLDER`: every master in a folder (several campaigns, or several levels) in one 领导总览
    workbook; each campaign's figures are those its own summary shows. Reads only; writes the new workbook."""
    from taizhang.report.overview import compute_overview
    from taizhang.report.overview_book import write_overview

    folder = Path(folder)
    if not folder.is_dir():
        raise BadRequest(f"{folder} 不是文件夹：请给出放着各专项行动台账总表的文件夹。")
    entries, skipped = [], []
    for rel, got, why in masters_in(folder, progress, figures_on=today):  # each master's figures made by its reader
        if got is None:
            skipped.append([rel, why])
        else:
            entries.append((rel, *got))
    if not entries:
        raise BadRequest(f"{folder} 中没有台账总表（.xlsx，含“参数设置”和“台账”工作表）：请把各专项行动的台账总表放进这个文件夹。")
    ov = compute_overview(entries, today, skipped)
    target = Path(out) if out else folder / f"领导总览-{today.isoformat()}.xlsx"
    write_overview(ov, target)
    return OverviewOutcome(ov, target)


def _load_one(path: Path) -> tuple[Master | None, str]:
    """A workbook of a folder of masters: (its master, "") or (None, why it is not read)."""
    from taizhang.book.master import MasterError
    from taizhang.report.text import NOT_A_MASTER

    try:
        return load_master(path), ""
    except MasterError as exc:
        text = str(exc)
        return None, NOT_A_MASTER if "不是台账总表" in text else "无法打开：" + text.split("：", 1)[-1]


def _load_with_figures(path: Path, today: dt.date) -> tuple[tuple[Master, Figures] | None, str]:
    """``_load_one``, then the master's figures as of ``today`` (in the worker that read it: the overview's lights and
    figures of many masters are computed in parallel, not one after another in the main process); the master comes
    back without its cases (what the overview reads of it: units and 历史统计)."""
    master, why = _load_one(path)  # the 领导总览 lists no case: no 督办清单
    if master is None:
        return None, why
    figs = figures_of(master, today, supervise=False)
    # the overview reads the master's units and 历史统计, never its cases again: the ledger is not sent back
    return (dataclasses.replace(master, ledger=master.ledger.iloc[:0]), figs), why


def masters_in(folder: Path, progress=None, exclude: Path | None = None, figures_on: dt.date | None = None
               ) -> "MasterReads":
    """Each workbook in ``folder`` (backups, lock files and 领导总览 left out) as (name in the folder, its master or
    None, why not read), in name order; ``exclude`` (the higher master of a roll-up) is named, not read. Many files
    are read in worker processes (``TAIZHANG_WORKERS``, as a merge's submissions), the results taken in order.
    ``figures_on``: each master comes as (master, its figures as of that day), computed where it was read.

    The workers start reading when this is called, before the first master is asked for (a roll-up loads its higher
    master meanwhile); iterate the result once, and ``close()`` it when done (it stops the workers)."""
    return MasterReads(folder, progress, exclude, figures_on)


class MasterReads:
    """The masters of a folder being read (``masters_in``): iterable once; ``close()`` stops the workers, whether or
    not every master was taken."""

    def __init__(self, folder: Path, progress=None, exclude: Path | None = None, figures_on: dt.date | None = None):
        import os

        from taizhang.xlsx.safety import is_lock_or_temp

        self.files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in (".xlsx", ".xlsm")
                            and "台账备份" not in p.relative_to(folder).parts and not is_lock_or_temp(p)
                            and not p.name.startswith("领导总览-"))
        self.wanted = [p for p in self.files if exclude is None or p.resolve() != exclude.resolve()]
        self.folder, self.progress = folder, progress
        load = _load_one if figures_on is None else functools.partial(_load_with_figures, today=figures_on)
        workers = int(os.environ.get("TAIZHANG_WORKERS") or min(os.cpu_count() or 1, 8))
        self.pool = loaded = None
        if workers > 1 and len(self.wanted) >= 8:
            from concurrent.futures import ProcessPoolExecutor

            try:
                self.pool = ProcessPoolExecutor(max_workers=workers, initializer=gc.enable)
                loaded = self.pool.map(load, self.wanted)  # one master a task, all submitted now: each taken once read
            except (OSError, RuntimeError):  # no process support here: one by one
                self.pool = loaded = None
        self.loaded = iter(loaded) if loaded is not None else (load(p) for p in self.wanted)
        self._taken = self._take()

    def __iter__(self):
        return self._taken

    def close(self) -> None:
        self._taken.close()
        self._shutdown()

    def _shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def _take(self):
        files, progress = self.files, self.progress
        try:
            for i, path in enumerate(files):
                rel = str(path.relative_to(self.folder))
                if progress:
                    progress(i, len(files), rel)
                if path not in self.wanted:
                    yield rel, None, "是本台账总表自身，未汇总"
                    continue
                master, why = next(self.loaded)
                yield rel, master, why
        finally:
            self._shutdown()
        if progress:
            progress(len(files), len(files), "")


@dataclass
class RollupOutcome:
    result: object                        # book.rollup.RollupResult
    master: Master
    out: Path
    backup: Path | None
    figures: Figures
    written: bool = True


def _same_lights(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """The computed columns as they were read (a roll-up that changed no case: only the lights could move)."""
    from taizhang.fields import FIELDS

    return len(a) == len(b) and all(a[f.key].tolist() == b[f.key].tolist() for f in FIELDS if f.owner == "computed")


@bulk
def run_rollup(master_path: str | Path, folder: str | Path, today: dt.date, out: str | Path | None = None,
               progress=None) -> RollupOutcome:
    """`taizhang rollup`: the lower offices' masters in ``folder`` merged into the higher office's master (book.rollup),
    then deadlines, lights and today's figures in its 历史统计, and the account on 下级台账汇总."""
    from taizhang.book.rollup import REFUSED_HEADERS, ROLLUP_HEADERS, rollup
    from taizhang.book.sheets import S_ROLLUP

    folder = Path(folder)
    if not folder.is_dir():
        raise BadRequest(f"{folder} 不是文件夹：请给出放着各下级办公室台账总表的文件夹。")
    with master_transaction(master_path, action="汇总下级台账") as txn:
        # the workers start on the lower masters while this process loads the higher one; each lower master is taken
        # as it is read (the workers read the next ones meanwhile), then freed
        reads = masters_in(folder, progress, exclude=Path(master_path))
        try:
            master = load_master(master_path)
            merged, result = rollup(master, reads, today)
        finally:
            reads.close()
        if all(f.status == "skipped" for f in result.files):
            raise BadRequest(f"{folder} 中没有下级办公室的台账总表（.xlsx，含“参数设置”和“台账”工作表），本次没有汇总，"
                             f"{master.path.name} 未改动。")
        lights = with_lights(merged, today)
        figs = compute_figures(merged, merged.ledger, lights.deadlines, today, supervise=False)  # no case listed
        target, keep = _out_path(master, out)
        hist = merged.history
        recorded = len(hist) and (hist["报送日"].map(lambda d: str(d)[:10]) == today.isoformat()).any()
        if target == master.path and not result.changes and result.total("history_copied") == 0 and recorded \
                and _same_lights(merged.ledger, master.ledger):
            return RollupOutcome(result, merged, target, None, figs, written=False)
        keep_rows = hist[hist["报送日"].map(lambda d: str(d)[:10]) != today.isoformat()] if len(hist) else hist
        merged.history = pd.concat([keep_rows, pd.DataFrame(history_rows(figs), columns=HISTORY_HEADERS)],
                                   ignore_index=True)
        rows = [[f.file, f.office, {"rolled_up": "已汇总", "skipped": "跳过", "refused": "拒绝"}[f.status], f.reason,
                 f.rows_read, f.rows_new, f.rows_updated, f.rows_unchanged, f.rows_refused, f.history_copied]
                for f in result.files]
        refused = result.refused_rows or [[None, None, None, "（本次没有未汇总的问题）", "", ""]]
        width = len(ROLLUP_HEADERS)
        table = rows + [[None] * width, ["未汇总的问题"] + [None] * (width - 1), REFUSED_HEADERS + [None] * (width - len(REFUSED_HEADERS))] \
            + [r + [None] * (width - len(r)) for r in refused]
        fills = [None] * (len(rows) + 2) + ["header"] + (["red"] * len(result.refused_rows))
        widths = [30, 20, 18, 48, 14, 10, 10, 10, 10, 12]
        backup = save_master(merged, target, sheets={S_ROLLUP: (ROLLUP_HEADERS, table, fills, widths)}, backup_keep=keep)
    return RollupOutcome(result, merged, target, backup, figs, written=txn.replaced or target != master.path)


def run_template(master_path: str | Path, out_dir: str | Path, today: dt.date, unit: str | None = None,
                 progress=None, cycle: str = "current") -> list[Path]:
    """`taizhang template`: one pre-filled submission workbook per member unit (or for ``unit`` only), for today's
    report period or (``cycle="next"``) the next one, its due date on it; ``progress(done, total, file)`` before each
    and once at the end."""
    from taizhang.book.template import write_templates

    return write_templates(load_master(master_path), out_dir, today, unit, progress=progress, cycle=cycle)


@dataclass
class DayOutcome:
    """Everything one report day wrote: the merged master, the summary(ies), the 通报 draft and 督办通知单."""
    merge: MergeOutcome
    summaries: list[Path]
    notice: NoticeResult
    units_dir: Path
    source: Path | None = None  # the master it read (``merge.out`` differs from it with --out-dir)
    extracts: list[Path] = field(default_factory=list)  # 抄送 / 归口汇总 extracts beside the summary (save_extracts)


def _stage(progress, name: str):
    """A ``(done, total, file)`` callback that reports to ``progress(stage, done, total, file)``, or None."""
    return (lambda done, total, file: progress(name, done, total, file)) if progress else None


def run_report_day(master_path: str | Path, folder: str | Path, today: dt.date,
                   out_dir: str | Path | None = None, public: bool = False, progress=None) -> DayOutcome:
    """`taizhang run`: merge, deadlines and lights, the summary (and its public version), the 通报 draft and
    the 督办通知单, from one set of figures. ``progress(stage, done, total, file)``: per file, for a door to show."""
    master_path = Path(master_path)
    out_master = Path(out_dir) / master_path.name if out_dir else None
    outcome = run_merge(master_path, folder, today, out_master, supervise=True,  # the summary lists them
                        progress=_stage(progress, "合并报送"))
    step = _stage(progress, "汇总表")
    paths = [default_summary_path(outcome.out, today)] + ([default_summary_path(outcome.out, today, True)] if public else [])
    summaries = []
    for i, path in enumerate(paths):
        if step:
            step(i, len(paths), path.name)
        summaries.append(save_summary(outcome.master, outcome.figures, path, public=i == 1))
    if step:
        step(len(paths), len(paths), "")
    units_dir = outcome.out.with_name(f"督办通知单-{today.isoformat()}")
    notice = save_notice(outcome.master, outcome.figures, default_notice_path(outcome.out, today), units_dir,
                         progress=_stage(progress, "通报和督办通知单"))
    extracts = save_extracts(outcome.master, today, outcome.out.parent, outcome.out.stem)
    return DayOutcome(outcome, summaries, notice, units_dir, master_path, extracts)


def save_extracts(master: Master, today: dt.date, folder: str | Path, stem: str | None = None) -> list[Path]:
    """The extracts the office sends on (参数设置 分送摘录): seed 001 one per 行业主管部门 (抄送), seed 003 one per
    归口汇总部门 with its system's units; none where the campaign sends none. Written beside the summary."""
    by = master.rulebook.extracts_by
    if not by:
        return []
    from taizhang.report.extracts import write_extracts

    lights = with_lights(master, today)
    book = master.rulebook
    route = {r.unit_type: r.summary_dept for r in book.routing}
    unit_depts = {u.name: route.get(u.type, "") for u in master.units.units} if by == "summary_dept" else None
    office = book.office or f"{book.name}专项行动领导小组办公室"
    return write_extracts(master.ledger, lights.deadlines, by, Path(folder), stem or master.path.stem, today, book.name,
                          office, unit_depts, master.reports)


def run_demo(out: str | Path, preset: str, seed: int, today: dt.date | None = None, progress=None):
    """`taizhang demo`: generate a sample campaign, then run its report day (with the public summary)."""
    from taizhang.demo import generate

    if progress:
        progress("生成示例", 0, 1, str(out))
    sample = generate(out, preset=preset, seed=seed, today=today)
    if progress:
        progress("生成示例", 1, 1, "")
    return sample, run_report_day(sample.master, sample.submissions, sample.today, public=True, progress=progress)


# --- undo: the master's backups, and putting one back ------------------------------------------------------------

class BackupVersion(BaseModel):
    """One copy of the master in 台账备份 (1 is the newest): when it was replaced, what it held, and what the write
    that replaced it changed (read from the version after it: a report day it lacks, or a change in the cases)."""
    version: int
    file: str
    replaced_at: dt.datetime
    cases: int | None = None
    last_day: dt.date | None = None
    about: str = ""
    then: str = ""


class RestoreResult(BaseModel):
    master: str
    restored: BackupVersion
    backup: str | None = None  # the current file, backed up before it was replaced


def _backup_files(master_path: Path) -> list[tuple[Path, dt.datetime]]:
    import re

    from taizhang.xlsx.storage import BACKUP_DIR

    folder = master_path.parent / BACKUP_DIR
    if not folder.is_dir() or folder.is_symlink():
        return []
    stamp = re.compile(re.escape(master_path.stem) + r"\.(\d{8}-\d{6}(?:-\d{6})?)" + re.escape(master_path.suffix) + "$")
    found = []
    for p in folder.iterdir():
        m = stamp.match(p.name)
        if m and p.is_file() and not p.is_symlink():
            fmt = "%Y%m%d-%H%M%S-%f" if m.group(1).count("-") == 2 else "%Y%m%d-%H%M%S"
            found.append((p, dt.datetime.strptime(m.group(1), fmt)))
    return sorted(found, key=lambda f: f[1], reverse=True)


def _version_facts(path: Path) -> tuple[int | None, dt.date | None]:
    """How many cases a copy of the master holds and its latest 报送日 (None, None when it cannot be read)."""
    try:
        m = load_master(path)
    except Exception:  # noqa: BLE001 - a damaged backup is listed as such, never a crash of the list
        return None, None
    days = [parse_day(str(d)[:10]) for d in (m.history["报送日"] if "报送日" in m.history else [])]
    days = [d for d in days if d]
    return len(m.ledger), max(days) if days else None


def list_backups(master_path: str | Path) -> list[BackupVersion]:
    """`taizhang restore MASTER --list`: the master's backups, newest first."""
    master_path = Path(master_path)
    files = _backup_files(master_path)
    facts = [_version_facts(p) for p, _ in files]
    after = _version_facts(master_path) if master_path.exists() else (None, None)
    out = []
    for i, ((p, when), (cases, day)) in enumerate(zip(files, facts)):
        nxt_cases, nxt_day = facts[i - 1] if i else after
        about = "无法读取（备份文件可能已损坏）" if cases is None else \
            f"{cases}个问题" + (f"，最近报送日 {day}" if day else "，尚无报送")
        if cases is None or nxt_cases is None:
            then = ""
        elif nxt_day and (day is None or nxt_day > day):
            then = f"合并了报送日 {nxt_day} 的报送（问题 {cases}→{nxt_cases} 个）"
        elif nxt_cases != cases:
            then = f"问题 {cases}→{nxt_cases} 个"
        else:
            then = "更新了台账（状态、红绿灯、处理意见或参数）"
        out.append(BackupVersion(version=i + 1, file=str(p), replaced_at=when, cases=cases, last_day=day, about=about,
                                 then=then))
    return out


def run_restore(master_path: str | Path, version: int) -> RestoreResult:
    """`taizhang restore MASTER --version N`: put backup N back as the master; the current file is backed up first
    (so a restore can itself be undone), under the master lock."""
    import shutil

    from taizhang.xlsx.storage import atomic_write, note_read

    master_path = Path(master_path)
    versions = list_backups(master_path)
    chosen = next((v for v in versions if v.version == version), None)
    if chosen is None:
        raise BadRequest(f"{master_path.name} 没有第 {version} 版备份（共 {len(versions)} 版）。"
                         f"请先用 taizhang restore {master_path.name} --list 查看。")
    if chosen.cases is None:
        raise BadRequest(f"第 {version} 版备份无法读取（文件可能已损坏），没有恢复。请选择其他版本。")
    with master_transaction(master_path, action="恢复备份"):
        note_read(master_path)  # what is replaced is the file as it is now (a damaged one too): it is backed up first
        try:
            keep = load_master(master_path, ledger=False).rulebook.backups_kept
        except Exception:  # noqa: BLE001 - the current file may be the damaged one being undone
            keep = 10
        made = atomic_write(master_path, lambda tmp: shutil.copyfile(chosen.file, tmp), backup_keep=max(keep, 1))
    return RestoreResult(master=str(master_path), restored=chosen, backup=str(made) if made else None)


# --- what the browser door needs besides the jobs above (it reaches the core only through this module) ----------

def vet_file(path: str | Path) -> None:
    """Vet a file as a merge would before any parser sees it (``xlsx.safety.sniff``): a refusal is a
    ``FileProblem`` (a UserError) whose message says what to do."""
    from taizhang.xlsx.safety import sniff

    sniff(Path(path))


def upload_rules() -> tuple[set[str], int]:
    """The suffixes a submission may have and the largest file taizhang reads (bytes)."""
    from taizhang.xlsx.safety import MAX_FILE, WORKBOOK_SUFFIXES

    return set(WORKBOOK_SUFFIXES), MAX_FILE


def is_submission(path: Path) -> bool:
    """A file a merge reads: a workbook suffix, not a lock or temporary file."""
    from taizhang.xlsx.safety import WORKBOOK_SUFFIXES, is_lock_or_temp

    return path.suffix.lower() in WORKBOOK_SUFFIXES and not is_lock_or_temp(path)


def is_lock_or_temp(path: Path) -> bool:
    from taizhang.xlsx.safety import is_lock_or_temp as skip

    return skip(path)


def submissions_in(folder: str | Path) -> list[Path]:
    """Every file a merge of ``folder`` looks at, in the order it reads them."""
    from taizhang.book.merge import list_submissions

    return list_submissions(Path(folder))


def write_atomically(path: str | Path, write) -> None:
    """``write(tmp)`` then the temporary file moved over ``path`` (``xlsx.storage.atomic_write``)."""
    from taizhang.xlsx.storage import atomic_write

    atomic_write(path, write)


def folder_record(master: Master, folder: str | Path) -> dict[str, str]:
    """What a merge of ``folder`` records in 参数设置 (报送文件夹, as an absolute path) when it is not recorded yet:
    the page, the ribbon and ``remind`` then offer it first. Also noted in ``master.extras``."""
    from taizhang.book.settings_sheet import FOLDER_KEY

    path = str(Path(folder).resolve())
    if master.extras.get(FOLDER_KEY, "") == path:
        return {}
    master.extras[FOLDER_KEY] = path
    return {FOLDER_KEY: path}


def recorded_folder(master: Master) -> str:
    """The 报送文件夹 the master's 参数设置 records (written by every 合并报送: command line, page, ribbon), or ''."""
    from taizhang.book.settings_sheet import FOLDER_KEY

    return master.extras.get(FOLDER_KEY, "")


@dataclass
class LastAccount:
    """The last merge's account as the master itself keeps it (报送情况, 退回清单, 提醒, 历史统计): what any door can
    show again later, whichever door merged and however long ago — the master, not a server's memory, holds it."""
    master: Path
    report_day: str = ""                  # the newest 报送日 of 历史统计 ("" before any merge)
    reports: list = None                  # 报送情况's rows (REPORT_HEADERS)
    rejects: list = None                  # 退回清单's rows (REJECT_HEADERS), placeholders left out
    reminders: int = 0                    # 提醒's rows, placeholders left out
    folder: str = ""                      # 参数设置's 报送文件夹

    def sums(self) -> dict[str, int]:
        """新增, 更新, 未变, 退回 summed over the units of 报送情况 (what the merge's equation added up)."""
        out = {}
        for h in ("新增", "更新", "未变", "退回"):
            i = REPORT_HEADERS.index(h)
            out[h] = sum(int(r[i]) for r in self.reports if len(r) > i and isinstance(r[i], (int, float)) and r[i] == r[i])
        return out

    def by_state(self) -> dict[str, int]:
        """Units per 报送情况 state (已报送, 逾期报送, 未报送, 零报告, 文件被退回, …), in first-seen order."""
        i = REPORT_HEADERS.index("报送情况")
        out: dict[str, int] = {}
        for r in self.reports:
            if len(r) > i and r[i]:
                out[str(r[i])] = out.get(str(r[i]), 0) + 1
        return out


def last_account(master_path: str | Path) -> LastAccount:
    """The last merge's account, read from the master's own sheets (see ``LastAccount``)."""
    from taizhang.book.master import _read_sheets
    from taizhang.book.settings_sheet import FOLDER_KEY
    from taizhang.book.sheets import S_HISTORY, S_SETTINGS

    path = Path(master_path)
    got = _read_sheets(path, [S_REPORTS, S_REJECTS, S_REMINDERS, S_HISTORY, S_SETTINGS])

    def body(name: str) -> list[list]:
        rows = [list(r) for r in (got.get(name) or [])[1:]]
        return [r for r in rows if any(v not in (None, "") for v in r)
                and not (isinstance(r[0], str) and r[0].startswith("（本次没有"))]
    days = [str(r[0])[:10] for r in body(S_HISTORY) if r and r[0] not in (None, "")]
    folder = next((str(r[1] or "") for r in (got.get(S_SETTINGS) or []) if r and r[0] == FOLDER_KEY and len(r) > 1), "")
    return LastAccount(path, max(days) if days else "", body(S_REPORTS), body(S_REJECTS), len(body(S_REMINDERS)), folder)


def account_headers() -> tuple[list[str], list[str]]:
    """The headers of 报送情况 and 退回清单, as the master's sheets have them."""
    return list(REPORT_HEADERS), list(REJECT_HEADERS)


def bulletins_of(master_path: str | Path) -> list:
    """The office's own bulletins (参数设置 办公室通报: 月晾晒 每月, 季通报 每季度…), read from the settings alone."""
    return list(load_master(master_path, ledger=False).rulebook.bulletins)


def period_notice_path(master_path: str | Path, period: str, public: bool = False) -> Path:
    """Where `notice --period` writes its 通报 (the page names the file before the job runs), named by the office's
    bulletin for that kind of period; a period not understood is a ``BadRequest``."""
    from types import SimpleNamespace

    span = _period_span(period)
    name = _bulletin_name(bulletins_of(master_path), span.kind)
    return default_notice_path(Path(master_path), span.end, public, SimpleNamespace(name=name, period=span))


def _period_span(period: str):
    """The month or quarter ``period`` names (``report.periods.parse_period``); one not understood is a ``BadRequest``."""
    from taizhang.report.periods import parse_period

    span = parse_period(period)
    if span is None:
        raise BadRequest(f"通报期“{period}”无法识别。按月写 2026-11，按季度写 2026Q4。")
    return span


def _bulletin_name(bulletins, kind: str) -> str:
    """The office's name for its bulletin of that kind of period (参数设置 办公室通报: 月晾晒, 季通报…), or ""."""
    return next((b.name for b in bulletins if b.period == kind), "")


def rank_rule_text(rule: str) -> str:
    """The ranking rule in Chinese, as the summary states it."""
    from taizhang.report.figures import RULE_ZH

    return RULE_ZH.get(rule, rule)


def workday_span(start: dt.date, end: dt.date, master: str | Path | None = None) -> dict:
    """What the working-day calculator shows beside its answer: the weekdays off and the weekend days worked
    between ``start`` and ``end`` (by the master's 节假日 if given), the estimated years' warnings, and the years
    whose State Council notice is published."""
    from taizhang.calendar.workdays import WorkCalendar, estimate_warning, published_years

    cal = WorkCalendar(load_master(master, ledger=False).holidays if master else {})
    lo, hi = min(start, end), max(start, end)
    special, d = [], lo
    while d <= hi:
        if d.weekday() < 5 and not cal.is_workday(d):
            special.append((d, "放假"))
        elif d.weekday() >= 5 and cal.is_workday(d):
            special.append((d, "调休上班"))
        d += dt.timedelta(days=1)
    return {"special": special, "warnings": [estimate_warning(y) for y in cal.estimate_years(start, end)],
            "published": sorted(published_years())}


# ----------------------------------------------------------------- the 销号 pack (#31)


class PackPaper(BaseModel):
    case_id: str
    unit: str
    path: str
    evidence: int
    history: int
    approvals: int
    warning: str = ""


class PackResult(BaseModel):
    master: str
    out_dir: str
    all_waiting: bool = False
    papers: list[PackPaper] = []


def default_pack_dir(master_path: Path, today: dt.date) -> Path:
    return Path(master_path).with_name(f"销号审定材料-{today.isoformat()}")


@bulk
def run_pack(master_path: str | Path, cases: list[str] | None, today: dt.date,
             out_dir: str | Path | None = None) -> PackResult:
    """`taizhang pack`: one 销号审定材料 (.docx) per case for the leading group — ``cases`` by 问题编号, or (None or
    empty) every case awaiting 销号. Reads the master (and its 审批台账, if it has one); writes only the papers."""
    from taizhang.book.master import _read_sheets
    from taizhang.book.pack import awaiting_closure, case_file
    from taizhang.book.sheets import S_TRAIL
    from taizhang.report.closing_pack import write_pack

    master = load_master(master_path)
    trail_sheet = _read_sheets(master.path, [S_TRAIL]).get(S_TRAIL)
    trail = [list(r) for r in trail_sheet] if trail_sheet is not None else None
    ids = list(dict.fromkeys(c.strip() for c in cases or [] if c and c.strip()))
    wanted = ids or awaiting_closure(master)
    files = []
    for cid in wanted:
        cf = case_file(master, cid, today, trail)
        if cf is None:
            raise BadRequest(f"台账中没有问题编号“{cid}”。请核对问题编号（不生成任何材料）。")
        files.append(cf)
    folder = Path(out_dir) if out_dir else default_pack_dir(master.path, today)
    res = PackResult(master=str(master.path), out_dir=str(folder), all_waiting=not ids)
    for cf in files:
        path = write_pack(cf, folder)
        warning = f"已{'、'.join(cf.missing)}但缺佐证材料" if cf.missing else ""
        res.papers.append(PackPaper(case_id=cf.case_id, unit=cf.unit, path=str(path), evidence=len(cf.evidence),
                                    history=len(cf.history), approvals=len(cf.trail) + len(cf.approvals), warning=warning))
    return res
