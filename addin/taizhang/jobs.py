"""The report-day jobs: one function per user action, shared by the CLI and Excel.

Each job loads the master, calls the pure core (merge, deadlines, figures),
and writes its output safely. Adapters (``cli``, ``excel``) only parse their
input, call one of these and present the result.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import BaseModel

from taizhang.calendar.deadlines import CaseLight, compute_lights
from taizhang.report.figures import REPORT_HEADERS, Figures, compute_figures, history_rows
from taizhang.findings import Finding
from taizhang.book.ledger_sheet import save_master
from taizhang.book.master import (HISTORY_HEADERS, RECEIPT_HEADERS, S_PENDING, S_RECEIPTS, S_REJECTS, S_REPORTS, Master,
                                  load_ledger, load_master)
from taizhang.book.merge import Checking, MergeResult, merge_folder, require_submissions
from taizhang.rules.validate import Context

REJECT_HEADERS = ["责任单位", "来源文件", "工作表", "行号", "问题编号", "问题描述", "退回原因"]


class StatusResult(BaseModel):
    master: str
    out: str
    as_of: dt.date
    cases: list[CaseLight]
    warnings: list[str]
    issues: list[Finding]
    backup: str | None = None


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
    res = compute_lights(master.ledger, master.rulebook, master.calendar(), today, file=master.path.name)
    master.ledger = res.ledger
    return res


@bulk
def run_status(master_path: str | Path, today: dt.date, out: str | Path | None = None) -> StatusResult:
    from taizhang.xlsx.storage import master_lock

    master = load_master(master_path)
    res = with_lights(master, today)
    target, keep = _out_path(master, out)
    with master_lock(master.path):
        backup = save_master(master, target, backup_keep=keep)
    return StatusResult(master=str(master.path), out=str(target), as_of=today, cases=res.cases, warnings=res.warnings,
                        issues=res.findings, backup=str(backup) if backup else None)


def report_rows(master: Master, result: MergeResult) -> list[list]:
    """The 报送情况 table: one row per member unit, then files from unknown senders."""
    by_unit: dict[str, list] = {}
    for f in result.files:
        if f.unit:
            by_unit.setdefault(f.unit, []).append(f)
    rows = []
    for u in master.units.units:
        fs = by_unit.get(u.name, [])
        if u.name in result.missing_units:
            state = "未报送"
        elif u.name in result.rejected_file_units:
            state = "文件被退回"
        elif u.name in result.late_units:
            state = "逾期报送"
        elif u.name in result.zero_report_units:
            state = "零报告"
        else:
            state = "已报送"
        rows.append([u.name, u.type, state, "、".join(f.file for f in fs), max((f.received for f in fs if f.received), default=None),
                     sum(f.rows_new for f in fs), sum(f.rows_updated for f in fs), sum(f.rows_unchanged for f in fs),
                     sum(f.rows_rejected for f in fs), "；".join(f.reason for f in fs if f.reason),
                     "；".join(f.received_basis for f in fs if f.received_basis)])
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


def merge_text(res: MergeResult, out: Path, backup) -> list[str]:
    """The merge account in plain Chinese, for the terminal and the ribbon's message box."""
    lines = [f"合并完成（报送日 {res.report_day}）：读取{res.rows_read}行 = 新增{res.rows_new} + 更新{res.rows_updated} + "
             f"未变{res.rows_unchanged} + 退回{res.rows_rejected}" + ("，各项相符。" if res.balanced() else "，数目不符！")]
    n_files = len([f for f in res.files if f.status != "skipped"])
    lines.append(f"文件{n_files}个：合并{sum(f.status == 'merged' for f in res.files)}，零报告{sum(f.status == 'zero_report' for f in res.files)}，"
                 f"整体退回{sum(f.status == 'rejected' for f in res.files)}；跳过非报送文件{sum(f.status == 'skipped' for f in res.files)}个。")
    if res.missing_units:
        lines.append(f"未报送单位（{len(res.missing_units)}）：{'、'.join(res.missing_units)}")
    if res.late_units:
        lines.append(f"逾期报送单位（截止 {res.due_date}）：{'、'.join(res.late_units)}")
    if res.zero_report_units:
        lines.append(f"零报告单位：{'、'.join(res.zero_report_units)}")
    for f in res.files:
        if f.status == "rejected":
            lines.append(f"退回文件 {f.file}：{f.reason}")
    if res.pending:
        lines.append(f"待审批（{len(res.pending)}）：以下整改时限变更未直接采用，见台账总表“{S_PENDING}”表：")
        lines.extend(f"  {p['unit']} 问题“{p['case_id']}”：{_day(p['old'])} → {_day(p['new'])}" for p in res.pending)
    lines.append(f"变更记录{res.changes}条。台账已写入：{out}" + (f"（原文件已备份到 {backup}）" if backup else ""))
    return lines


PENDING_HEADERS = ["问题编号", "责任单位", "现整改时限", "申请整改时限", "来源文件", "工作表", "行号", "报送日", "办理方式"]
PENDING_HOW = "同意的，请在台账中该问题的“延期至”填申请日期，并填写“延期审批人”"


def pending_rows(result: MergeResult) -> list[list]:
    """The 待审批 table body: deadline changes units asked for on existing cases."""
    return [[p["case_id"], p["unit"], p["old"], p["new"], p["file"], p["sheet"], p["row"], p["day"], PENDING_HOW]
            for p in result.pending]


def _day(v) -> str:
    return v.isoformat()[:10] if isinstance(v, dt.date) else str(v or "")


def reject_rows(result: MergeResult) -> list[list]:
    """The 退回清单 table body."""
    return [[r["unit"], r["file"], r["sheet"], r["row"], r["case_id"], r["description"], r["reasons"]]
            for r in result.rejected_rows]


def figures_of(master: Master, today: dt.date) -> Figures:
    """Deadlines and lights as of ``today``, then the summary's figures."""
    lights = with_lights(master, today)
    return compute_figures(master, master.ledger, lights.deadlines, today)


def report_day(master: Master, folder: str | Path, today: dt.date, checking: Checking | None = None,
               supervise: bool = False) -> tuple[Master, MergeResult, Figures]:
    """Merge, recompute deadlines and lights, and record today's per-unit figures in the history.

    ``supervise``: also list the red and yellow cases (the summary's 督办清单), for a caller that writes one.
    """
    merged, result = merge_folder(master, folder, today, checking)
    lights = with_lights(merged, today)
    result.issues.extend(lights.findings)
    figs = compute_figures(merged, merged.ledger, lights.deadlines, today, supervise)
    hist = merged.history
    keep_rows = hist[hist["报送日"].map(lambda d: str(d)[:10]) != today.isoformat()] if len(hist) else hist
    merged.history = pd.concat([keep_rows, pd.DataFrame(history_rows(figs), columns=HISTORY_HEADERS)], ignore_index=True)
    merged.reports = report_rows(merged, result)
    return merged, result, figs


@bulk
def run_merge(master_path: str | Path, folder: str | Path, today: dt.date, out: str | Path | None = None,
              supervise: bool = False) -> MergeOutcome:
    from taizhang.xlsx.storage import master_lock

    master = load_master(master_path, ledger=False)
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"报送文件夹 {folder} 不存在。请确认路径，或在“参数设置”中修改报送文件夹。")
    require_submissions(folder, master.path)
    target, keep = _out_path(master, out)
    with master_lock(master.path), Checking(folder, Context(master.rulebook, master.units, today)) as checking:
        load_ledger(master)  # while the submissions are read in worker processes
        master.calendar()  # likewise: the working-day calendar the lights need
        merged, result, figs = report_day(master, folder, today, checking, supervise)
        rejects = reject_rows(result)
        sheets = {S_REPORTS: (REPORT_HEADERS, merged.reports, None),
                  S_REJECTS: (REJECT_HEADERS, rejects or [["（本次没有退回的行）", "", "", None, "", "", ""]], None),
                  S_PENDING: (PENDING_HEADERS, pending_rows(result) or [["（本次没有待审批的申请）"] + [None] * 8], None),
                  S_RECEIPTS: (RECEIPT_HEADERS, merged.receipts, None)}
        backup = save_master(merged, target, sheets=sheets, backup_keep=keep)
    return MergeOutcome(result, merged, target, backup, figs)


@bulk
def run_summary(master_path: str | Path, today: dt.date, out: str | Path, public: bool = False) -> Figures:
    master = load_master(master_path)
    figs = figures_of(master, today)
    save_summary(master, figs, out, public)
    return figs


@bulk
def save_summary(master: Master, figs: Figures, out: str | Path, public: bool = False) -> Path:
    """Write the summary workbook for figures already computed (``run`` reuses the merge's own)."""
    from taizhang.xlsx.storage import atomic_write
    from taizhang.report.summary_book import write_summary  # openpyxl and its charts: imported only when a summary is written

    atomic_write(Path(out), lambda tmp: write_summary(figs, tmp, master.reports, public))
    return Path(out)


def default_summary_path(master_path: Path, today: dt.date, public: bool = False) -> Path:
    return master_path.with_name(f"{master_path.stem}-汇总{'（公开版）' if public else ''}-{today.isoformat()}.xlsx")
