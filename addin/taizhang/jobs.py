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

from taizhang.book.closures import confirm_closures, pending_rows
from taizhang.book.ledger_sheet import save_master
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
from taizhang.book.sampling import SPOT_HEADERS, draw_spot_checks
from taizhang.book.sheets import (
    APPROVAL_HEADERS,
    CLOSURE_HEADERS,
    REJECT_HEADERS,
    REMINDER_HEADERS,
    S_APPROVALS,
    S_CLOSURES,
    S_REMINDERS,
    S_UNASSIGNED,
    UNASSIGNED_HEADERS,
)
from taizhang.calendar.deadlines import CaseLight, compute_lights
from taizhang.errors import BadRequest
from taizhang.findings import Finding
from taizhang.report.figures import REPORT_HEADERS, Figures, compute_figures, history_rows
from taizhang.report.text import warnings_by_kind
from taizhang.rules.validate import Context
from taizhang.xlsx.storage import replaced_files  # noqa: F401  (the files this process replaced: for a door's bug message)


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
    master.ledger = confirm_closures(master.ledger, master.rulebook)  # 销号 the office confirmed in the master
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


def reminder_rows(issues: list[Finding]) -> list[list]:
    """The master's 提醒 sheet: every warning of the report day, grouped by kind."""
    return [[f.title, f.code, f.unit, f.file, f.sheet, f.row, f.column, f.value, f.message]
            for fs in warnings_by_kind(issues).values() for f in fs]


REQUEST_HOW = "同意的，请在台账中该问题的“延期至”填申请日期，并填写“延期审批人”"


def request_rows(result: MergeResult) -> list[list]:
    """The 待审批 table body: deadline changes units asked for on existing cases."""
    return [[p["case_id"], p["unit"], p["old"], p["new"], p["file"], p["sheet"], p["row"], p["day"], REQUEST_HOW]
            for p in result.pending]


def reject_rows(result: MergeResult) -> list[list]:
    """The 退回清单 table body."""
    return [[r["unit"], r["file"], r["sheet"], r["row"], r["case_id"], r["description"], r["reasons"]]
            for r in result.rejected_rows]


def run_figures(master_path: str | Path, today: dt.date) -> Figures:
    """Today's figures of a master file, written nowhere (the web page's tiles and ranking)."""
    return figures_of(load_master(master_path), today)


def figures_of(master: Master, today: dt.date) -> Figures:
    """Deadlines and lights as of ``today``, then the summary's figures."""
    lights = with_lights(master, today)
    return compute_figures(master, master.ledger, lights.deadlines, today)


def report_day(master: Master, folder: str | Path, today: dt.date, checking: Checking | None = None,
               supervise: bool = False, progress=None) -> tuple[Master, MergeResult, Figures]:
    """Merge, recompute deadlines and lights, and record today's per-unit figures in the history.

    ``supervise``: also list the red and yellow cases (the summary's 督办清单), for a caller that writes one.
    ``progress(done, total, file)``: called as each submission is merged (see ``merge_folder``).
    """
    merged, result = merge_folder(master, folder, today, checking, progress)
    lights = with_lights(merged, today)
    result.issues.extend(lights.findings)
    merged.reports = report_rows(merged, result)  # before the figures: they mark the units that did not report
    figs = compute_figures(merged, merged.ledger, lights.deadlines, today, supervise)
    hist = merged.history
    keep_rows = hist[hist["报送日"].map(lambda d: str(d)[:10]) != today.isoformat()] if len(hist) else hist
    merged.history = pd.concat([keep_rows, pd.DataFrame(history_rows(figs), columns=HISTORY_HEADERS)], ignore_index=True)
    return merged, result, figs


def report_sheets(merged: Master, result: MergeResult, today: dt.date) -> dict[str, tuple[list[str], list[list], None]]:
    """The report day's sheets of the master (title → headers, rows): 报送情况, 退回清单, 提醒, 待审批 (deadline
    changes units asked for), 文件接收记录 (hidden), 抽查清单 and, where the
    leading group confirms 销号, 待销号确认. Draws today's spot checks into ``merged.spot_checks``."""
    rejects = reject_rows(result)
    sheets = {S_REPORTS: (REPORT_HEADERS, merged.reports, None),
              S_REJECTS: (REJECT_HEADERS, rejects or [["（本次没有退回的行）", "", "", None, "", "", ""]], None),
              S_REMINDERS: (REMINDER_HEADERS, reminder_rows(result.issues) or [["（本次没有提醒）"] + [""] * 8], None),
              S_APPROVALS: (APPROVAL_HEADERS, request_rows(result) or [["（本次没有待审批的申请）"] + [None] * 8], None),
              S_RECEIPTS: (RECEIPT_HEADERS, merged.receipts, None)}
    earlier = [r for r in merged.spot_checks if str(r[0])[:10] != today.isoformat()]  # a re-run of the day draws again
    merged.spot_checks = earlier + draw_spot_checks(merged.rulebook, merged.ledger, result.zero_report_units, earlier, today)
    sheets[S_SPOT] = (SPOT_HEADERS, merged.spot_checks or [[None, "（本次没有抽查对象）", None, "", "", ""]], None)
    if merged.rulebook.office_closes:
        sheets[S_CLOSURES] = (CLOSURE_HEADERS, pending_rows(merged.ledger, merged.rulebook)
                                   or [["（没有待确认的销号申请）", "", "", None, None, "", None, ""]], None)
    return sheets


@bulk
def run_merge(master_path: str | Path, folder: str | Path, today: dt.date, out: str | Path | None = None,
              supervise: bool = False, progress=None) -> MergeOutcome:
    from taizhang.xlsx.storage import master_lock

    master = load_master(master_path, ledger=False)
    folder = Path(folder)
    if folder.is_file():
        raise BadRequest(f"{folder} 是一个文件，不是报送文件夹。请给出放各单位报送表的文件夹。")
    if not folder.is_dir():
        raise FileNotFoundError(f"报送文件夹 {folder} 不存在。请确认路径，或在“参数设置”中修改报送文件夹。")
    require_submissions(folder, master.path)
    target, keep = _out_path(master, out)
    with master_lock(master.path), Checking(folder, Context(master.rulebook, master.units, today)) as checking:
        load_ledger(master)  # while the submissions are read in worker processes
        master.calendar()  # likewise: the working-day calendar the lights need
        merged, result, figs = report_day(master, folder, today, checking, supervise, progress)
        sheets = report_sheets(merged, result, today)
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


def default_notice_path(master_path: Path, today: dt.date, public: bool = False) -> Path:
    return master_path.with_name(f"{master_path.stem}-通报（草稿）{'（公开版）' if public else ''}-{today.isoformat()}.docx")


def save_notice(master: Master, figs: Figures, out: str | Path, units_dir: str | Path | None = None,
                public: bool = False, progress=None) -> NoticeResult:
    """Write the 通报 draft (.docx) and, with ``units_dir``, one 督办通知单 per unit with red cases.

    ``progress(done, total, file)``: called before each 督办通知单 and once at the end (file "")."""
    from taizhang.report.notice import build_bulletin, build_supervision, supervision_file, supervisions
    from taizhang.xlsx.storage import WriteError

    book = master.rulebook
    office = book.office or f"{book.name}专项行动领导小组办公室"
    out = Path(out)
    if units_dir is not None and Path(units_dir).exists() and not Path(units_dir).is_dir():
        raise WriteError(f"督办通知单的输出位置 {units_dir} 是一个文件，不是文件夹。请换一个文件夹名（不存在时会自动创建）。")
    build_bulletin(figs, master.reports, office, public, book.supervise_reply_workdays).save(out)
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
    return NoticeResult(notice=str(out), supervision=written, reply_by=reply_by, public=public, figures=figs)


@bulk
def run_notice(master_path: str | Path, today: dt.date, out: str | Path | None = None,
               units_dir: str | Path | None = None, public: bool = False, progress=None) -> NoticeResult:
    """``taizhang notice``: the 通报 draft from the same figures as the summary, and the 督办通知单."""
    master = load_master(master_path)
    lights = with_lights(master, today)
    figs = compute_figures(master, master.ledger, lights.deadlines, today, supervise=True)
    target = Path(out) if out else default_notice_path(master.path, today, public)
    return save_notice(master, figs, target, units_dir, public, progress)


def assign_master(master: Master, today: dt.date, clues=None, waiting_rows: list[list] | None = None):
    """交办 on a loaded master (the file job and the Excel button): (new master, result, 待指定单位 rows or None).

    The rows are None when the sheet neither exists nor is needed.
    """
    from taizhang.book.assign import assign_cases, pending_clues, pending_rows

    new, result = assign_cases(master, today, clues, pending_clues(waiting_rows or []))
    rows = pending_rows(result)
    if not rows and not waiting_rows:
        return new, result, None
    return new, result, rows or [["（没有待指定单位的线索）"]]


@bulk
def run_assign(master_path: str | Path, today: dt.date, clues: str | Path | None = None,
               units_dir: str | Path | None = None, out: str | Path | None = None):
    """`taizhang assign`: number and hand over the office's new cases and clues, record transfers, write notices.

    The master is written only when something changed (a second run with nothing new leaves it untouched).
    """
    from taizhang.book.assign import notices_of, read_clue_file
    from taizhang.book.master import _read_sheets
    from taizhang.xlsx.storage import master_lock

    master = load_master(master_path)
    clue_list = read_clue_file(clues) if clues else []
    waiting = _read_sheets(master.path, [S_UNASSIGNED]).get(S_UNASSIGNED) or []
    waiting = [list(r) for r in waiting]
    target, keep = _out_path(master, out)
    with master_lock(master.path):
        new, result, pending = assign_master(master, today, clue_list, waiting)
        same_pending = pending is None or _same_rows(pending, waiting[1:])
        if not new.ledger.equals(master.ledger) or len(new.changes) != len(master.changes) or not same_pending \
                or target != master.path:
            sheets = {S_UNASSIGNED: (UNASSIGNED_HEADERS, pending, None)} if pending is not None else None
            backup = save_master(new, target, sheets=sheets, backup_keep=keep)
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


def run_new(master_path: str | Path, preset: str, year: int, units_file: str | Path | None = None) -> NewOutcome:
    """`taizhang new`: a master for ``preset`` with its stages placed in ``year``."""
    from taizhang.book.master import create_master
    from taizhang.intake.units import read_unit_file
    from taizhang.rules.rulebook import find_rulebook

    if not 1990 <= year <= 2100:
        raise BadRequest(f"年度 {year} 不在 1990—2100 之间，请写四位数的年份。")
    book = find_rulebook(preset).for_year(year)
    units = read_unit_file(units_file) if units_file else None
    return NewOutcome(create_master(master_path, book, units), book, year, len(units) if units else 0)


@dataclass
class ValidateOutcome:
    """``report`` is the library's own ValidationReport (what ``--json`` prints); ``refusal`` says why a file
    whose campaign cannot be told was not judged; ``marked`` is the marked copy written, if any."""
    report: object | None
    failed: bool = False
    marked: Path | None = None
    refusal: str | None = None


def run_validate(file: str | Path, today: dt.date, master: str | Path | None = None, preset: str | None = None,
                 marked: str | Path | None = None) -> ValidateOutcome:
    """`taizhang validate`: check one submission against a master's units and rules, or a preset's, or the campaign
    its categories show; with ``marked``, write a copy with the problem cells coloured and commented."""
    from taizhang.rules.rulebook import find_rulebook
    from taizhang.rules.validate import PresetUnknown, validate_file

    if master:
        m = load_master(master, ledger=False)  # its units and categories; the cases are not needed
        book, units = m.rulebook, m.units
    else:
        book, units = (find_rulebook(preset) if preset else None), None
    try:
        report, checked = validate_file(file, rulebook=book, units=units, today=today)
    except PresetUnknown as exc:
        return ValidateOutcome(None, refusal=str(exc))
    written = None
    if marked and not checked.read.failed:
        from taizhang.book.marked import write_marked

        written = write_marked(checked.read, report.findings, marked)
    return ValidateOutcome(report, failed=checked.read.failed, marked=Path(written) if written else None)


def run_workday(start: dt.date, n: int | None = None, months: int | None = None,
                master: str | Path | None = None) -> tuple[dt.date, list[str]]:
    """`taizhang workday`: N working days (or an M-month period, Civil Code art. 201–203) after ``start``, by the
    master's 节假日 if given; with the years whose holidays are estimated, for a warning."""
    from taizhang.calendar.workdays import WorkCalendar, estimate_warning

    if (n is not None and abs(n) > 20000) or (months is not None and not 0 <= months <= 1200):
        raise BadRequest("工作日数不超过 20000，月数在 0 到 1200 之间。")
    cal = WorkCalendar(load_master(master, ledger=False).holidays if master else {})
    if months is not None:
        result = cal.add_months(start, months)
    elif n is not None:
        result = cal.add_workdays(start, n)
    else:
        raise BadRequest("请给出工作日数 N，或用 --month M 计算月期间")
    return result, [estimate_warning(y) for y in cal.estimate_years(start, result)]


def run_template(master_path: str | Path, out_dir: str | Path, today: dt.date, unit: str | None = None,
                 progress=None) -> list[Path]:
    """`taizhang template`: one pre-filled submission workbook per member unit (or for ``unit`` only);
    ``progress(done, total, file)`` before each and once at the end."""
    from taizhang.book.template import write_templates

    return write_templates(load_master(master_path), out_dir, today, unit, progress=progress)


@dataclass
class DayOutcome:
    """Everything one report day wrote: the merged master, the summary(ies), the 通报 draft and 督办通知单."""
    merge: MergeOutcome
    summaries: list[Path]
    notice: NoticeResult
    units_dir: Path
    source: Path | None = None  # the master it read (``merge.out`` differs from it with --out-dir)


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
    return DayOutcome(outcome, summaries, notice, units_dir, master_path)


def run_demo(out: str | Path, preset: str, seed: int, today: dt.date | None = None, progress=None):
    """`taizhang demo`: generate a sample campaign, then run its report day (with the public summary)."""
    from taizhang.demo import generate

    if progress:
        progress("生成示例", 0, 1, str(out))
    sample = generate(out, preset=preset, seed=seed, today=today)
    if progress:
        progress("生成示例", 1, 1, "")
    return sample, run_report_day(sample.master, sample.submissions, sample.today, public=True, progress=progress)
