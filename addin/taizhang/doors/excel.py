"""Excel entry points: one function per ribbon button, called by the add-in through RunPython.

Each entry point only adapts: it takes the calling workbook (``xw.Book.caller()``,
or a book passed in by tests), reads what the core needs in bulk (one range
read per sheet), calls the same core function the CLI calls, writes results
back in bulk with screen updating and calculation paused, colours the
lights, and ends with a message box in Chinese. Any exception becomes a
message box that says what failed and where the log is.

Submissions are always read as files (never opened in Excel, so their macros
never run); only the workbook the user has open is read and written through
Excel. The changes stay in the open workbook until the user saves it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Callable
from taizhang import errors

TITLE = "台账助手"
TEXT_NEEDS_PREFIX = re.compile(r"^([=+\-@]|\s*[\d.,]+\s*$|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$)")
RGB = {"red": (255, 199, 206), "yellow": (255, 235, 156), "green": (198, 239, 206), "done": (221, 235, 247),
       "closed": (237, 237, 237), "error": (255, 153, 153), "warning": (255, 230, 153)}
RESULT_SHEET = "校验结果"
FOLDER_NAME = "TZ_FOLDER"


class UserError(errors.UserError):
    """Something the user can fix; shown as it is, without a log reference."""


# --------------------------------------------------------------------------- plumbing

def _caller(book=None):
    if book is not None:
        return book
    import xlwings as xw

    return xw.Book.caller()


def check_host(book) -> None:
    """xlwings drives Microsoft Excel only; WPS answers to Excel.Application but is not supported."""
    try:
        name = str(book.app.api.Name)
    except Exception:  # engines without a COM api (tests, macOS) cannot be WPS
        return
    if "WPS" in name.upper() or name.strip().upper() in ("ET", "KINGSOFT"):
        raise UserError("检测到当前表格程序是 WPS Office。台账助手的选项卡需要 Microsoft Excel（xlwings 不支持 WPS）。"
                        "请改用命令行：在命令提示符中运行 taizhang merge、taizhang summary 等命令，"
                        "它们直接处理文件，与文件由哪个程序制作无关。")


def entry(action: str) -> Callable:
    """Wrap a button: status bar, paused screen updating and calculation, and a message at the end."""

    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def run(*args, book=None, **kwargs):
            from taizhang.xlsx.storage import replaced_files

            book = _caller(book)
            app = book.app
            saved = _pause(app)
            already = len(replaced_files())
            try:
                check_host(book)
                app.status_bar = f"{TITLE}：正在{action}……"
                message = fn(book, *args, **kwargs)
            except BaseException as exc:  # a Rust panic in a reader is a BaseException too
                if isinstance(exc, (SystemExit, KeyboardInterrupt)):
                    raise
                if errors.is_user_error(exc):
                    message = f"{action}未完成：{exc}"
                else:  # a bug of ours: a message box, the traceback in the log
                    log = errors.log_exception(f"excel.{fn.__name__} ({book.name})")
                    written = replaced_files()[already:]
                    state = (f"本次已完整写入：{'、'.join(p.name for p in written)}（替换前的版本在“台账备份”中）；"
                             if written else "")
                    message = (f"{action}失败：台账助手内部出错，{state}工作簿未被改动或只改动了一部分（未保存前可关闭不保存）。\n"
                               f"详细信息已写入日志：{log}\n请将该文件发给技术支持。")
            finally:
                _resume(app, saved)
            if message:
                app.alert(message, title=TITLE)
            return message

        return run

    return wrap


def _pause(app) -> tuple:
    saved = (app.screen_updating, app.calculation)
    app.screen_updating = False
    app.calculation = "manual"
    return saved


def _resume(app, saved: tuple) -> None:
    app.screen_updating, app.calculation = saved
    app.status_bar = False


def _sheet(book, name: str, create: bool = False):
    names = [s.name for s in book.sheets]
    if name in names:
        return book.sheets[name]
    if not create:
        return None
    return book.sheets.add(name, after=book.sheets[len(names) - 1])


def read_rows(sheet) -> list[list]:
    """The whole used area from A1 in one read."""
    last = sheet.used_range.last_cell
    if last.row == 1 and last.column == 1 and sheet.range("A1").value is None:
        return []
    return sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value


def _cell_value(v):
    """What to hand Excel: text that Excel would turn into a formula, number or date gets a ' prefix."""
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, str) and TEXT_NEEDS_PREFIX.match(v):
        return "'" + v
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return dt.datetime(v.year, v.month, v.day)
    return v


def write_table(book, name: str, rows: list[list], create: bool = True):
    """Replace a sheet's contents with ``rows`` in one write."""
    sheet = _sheet(book, name, create=create)
    sheet.clear_contents()
    if rows:
        width = max(len(r) for r in rows)
        body = [[_cell_value(v) for v in r] + [None] * (width - len(r)) for r in rows]
        sheet.range((1, 1)).value = body
    return sheet


def _color_cells(sheet, cells: dict[str, list[str]]) -> None:
    """Colour many cells with a few range calls: union addresses grouped by colour, chunked."""
    for key, addresses in cells.items():
        chunk: list[str] = []
        for a in addresses + [None]:
            if a is None or len(",".join(chunk + [a])) > 240:
                if chunk:
                    sheet.range(",".join(chunk)).color = RGB[key]
                chunk = []
            if a is not None:
                chunk.append(a)


def master_of(book):
    from taizhang.book.master import MASTER_SHEETS, master_from_sheets

    present = {s.name for s in book.sheets}
    sheets = {n: read_rows(book.sheets[n]) for n in MASTER_SHEETS if n in present}
    try:
        return master_from_sheets(sheets, Path(book.fullname))
    except Exception as exc:
        from taizhang.book.master import MasterError

        if isinstance(exc, MasterError):
            raise UserError(f"{exc}\n（请在台账总表中使用“台账助手”选项卡。）") from None
        raise


def write_ledger(book, master) -> None:
    from taizhang.findings import col_letter
    from taizhang.fields import LIGHT_FROM_ZH
    from taizhang.book.ledger_sheet import LIGHT_COLUMN, ledger_rows
    from taizhang.book.master import S_LEDGER

    ledger = master.ledger
    sheet = write_table(book, S_LEDGER, ledger_rows(ledger, master.extra_columns))
    light_col = col_letter(LIGHT_COLUMN)
    sheet.range(f"{light_col}2:{light_col}{max(len(ledger) + 1, 2)}").color = None
    groups: dict[str, list[str]] = {}
    for i, light in enumerate(ledger["light"].tolist()):
        key = LIGHT_FROM_ZH.get(light)
        if key:
            groups.setdefault(key, []).append(f"{light_col}{i + 2}")
    _color_cells(sheet, groups)


def _today() -> dt.date:
    return dt.date.today()


# --------------------------------------------------------------------------- buttons

@entry("生成填报模板")
def make_templates(book, out_dir: str | None = None, today: dt.date | None = None) -> str:
    from taizhang.book.template import period_label, write_templates

    master = master_of(book)
    today = today or _today()
    folder = Path(out_dir) if out_dir else Path(book.fullname).parent / f"填报模板-{period_label(today, master.rulebook.reporting.cadence)}"
    paths = write_templates(master, folder, today)
    return f"已生成{len(paths)}个填报模板，位于：\n{folder}\n请将各单位的模板发给对应单位填报。"


def _remembered_folder(book) -> str:
    from taizhang.book.master import S_SETTINGS
    from taizhang.book.settings_sheet import FOLDER_KEY

    sheet = _sheet(book, S_SETTINGS)
    for row in read_rows(sheet)[1:] if sheet else []:
        if row and row[0] == FOLDER_KEY:
            return str(row[1] or "")
    return ""


def _remember_folder(book, folder: str) -> None:
    from taizhang.book.master import S_SETTINGS
    from taizhang.book.settings_sheet import FOLDER_KEY

    sheet = _sheet(book, S_SETTINGS)
    rows = read_rows(sheet)
    for i, row in enumerate(rows[1:], 2):
        if row and row[0] == FOLDER_KEY:
            sheet.range((i, 2)).value = _cell_value(folder)
            return
    sheet.range((len(rows) + 1, 1)).value = [[FOLDER_KEY, _cell_value(folder), "“合并报送”上次选择的报送文件夹（自动记录）"]]


def pick_folder(book, initial: str) -> str | None:
    """Excel's own folder picker (msoFileDialogFolderPicker), starting at the remembered folder."""
    dialog = book.app.api.FileDialog(4)
    dialog.Title = "选择报送文件夹"
    if initial:
        dialog.InitialFileName = initial.rstrip("\\/") + "\\"
    if dialog.Show() != -1:
        return None
    return str(dialog.SelectedItems(1))


@entry("合并报送")
def merge_reports(book, folder: str | None = None, today: dt.date | None = None) -> str | None:
    from taizhang.jobs import REJECT_HEADERS, bulk, merge_text, reject_rows, report_day
    from taizhang.book.master import CHANGE_HEADERS, HISTORY_HEADERS, S_CHANGES, S_HISTORY, S_REJECTS, S_REPORTS
    from taizhang.report.figures import REPORT_HEADERS

    master = master_of(book)
    if folder is None:
        folder = pick_folder(book, _remembered_folder(book))
        if not folder:
            return None
    if not Path(folder).is_dir():
        raise UserError(f"报送文件夹 {folder} 不存在，请重新选择。")
    today = today or _today()
    book.app.status_bar = f"{TITLE}：正在读取 {folder} 中的报送文件……"
    merged, result, figs = bulk(report_day)(master, folder, today)
    book.app.status_bar = f"{TITLE}：正在写回台账……"
    write_ledger(book, merged)
    write_table(book, S_REPORTS, [REPORT_HEADERS] + merged.reports)
    rejects = reject_rows(result)
    write_table(book, S_REJECTS, [REJECT_HEADERS] + (rejects or [["（本次没有退回的行）"]]))
    write_table(book, S_CHANGES, [CHANGE_HEADERS] + merged.changes[CHANGE_HEADERS].values.tolist())
    write_table(book, S_HISTORY, [HISTORY_HEADERS] + merged.history[HISTORY_HEADERS].values.tolist())
    _remember_folder(book, str(folder))
    lines = [f"合并完成：新增{result.rows_new}条，更新{result.rows_updated}条，未变{result.rows_unchanged}条，退回{result.rows_rejected}条。"]
    if result.missing_units:
        lines.append(f"未报送单位：{'、'.join(result.missing_units)}")
    lines += merge_text(result, Path(book.fullname), None)[1:-1]
    lines.append("结果已写入本工作簿（台账、报送情况、退回清单、变更记录），请检查后保存。")
    return "\n".join(lines)


@entry("校验本表")
def validate_sheet(book, today: dt.date | None = None) -> str:
    from taizhang.book.master import S_LEDGER
    from taizhang.intake.reader import SheetRead, read_grids
    from taizhang.rules.rulebook import find_rulebook
    from taizhang.rules.validate import Context, check_submission, report_of

    today = today or _today()
    names = [s.name for s in book.sheets]
    master = None
    if "参数设置" in names:
        master = master_of(book)
        target = book.sheets[S_LEDGER]
    else:
        target = book.sheets.active
    book_name = Path(book.fullname).name
    read = read_grids(SheetRead(file=book_name, path=Path(book.fullname), kind="excel"),
                      [(target.name, read_rows(target), [], set())])
    ctx = Context(master.rulebook if master else find_rulebook("xinguan"), master.units if master else None, today,
                  single_unit=master is None)
    checked = check_submission(read, ctx)
    report = report_of(checked)
    _clear_marks(book)
    bad: dict[str, list[str]] = {}
    for f in report.findings:
        if f.row and f.column and f.severity in ("error", "warning") and f.sheet == target.name:
            bad.setdefault(f.severity, []).append(f"{f.column}{f.row}")
            cell = target.range(f"{f.column}{f.row}")
            if cell.note:
                cell.note.delete()
            cell.add_note(f"[{f.code}] {f.message}")
    _color_cells(target, {k: sorted(set(v)) for k, v in bad.items()})
    rows = [["级别", "代码", "工作表", "单元格", "表头", "原值", "说明"]]
    rows += [[{"error": "错误", "warning": "提醒", "info": "说明"}[f.severity], f.code, f.sheet,
              f"{f.column}{f.row}" if f.row and f.column else "", f.header, f.value, f.message] for f in report.findings]
    write_table(book, RESULT_SHEET, rows)
    return (f"校验完成：{report.rows}行，其中{report.rows_with_errors}行有错误；错误{report.counts['error']}个，"
            f"提醒{report.counts['warning']}个。\n问题单元格已标色并加批注，清单见“{RESULT_SHEET}”工作表。"
            + ("" if master else "\n（未在台账总表中运行，问题类别按“新官不理旧账”预案检查。）"))


def _clear_marks(book) -> int:
    sheet = _sheet(book, RESULT_SHEET)
    if sheet is None:
        return 0
    n = 0
    for row in read_rows(sheet)[1:]:
        if len(row) > 3 and row[2] and row[3] and row[2] in [s.name for s in book.sheets]:
            cell = book.sheets[row[2]].range(row[3])
            cell.color = None
            if cell.note:
                cell.note.delete()
            n += 1
    sheet.delete()
    return n


@entry("清除标记")
def clear_marks(book) -> str:
    n = _clear_marks(book)
    return f"已清除{n}处校验标记和“{RESULT_SHEET}”工作表。" if n else "没有需要清除的校验标记。"


@entry("交办")
def assign_cases(book, today: dt.date | None = None) -> str:
    """The same 交办 as ``taizhang assign`` (without a clue file or notices): numbers, departments, deadlines."""
    from taizhang.book.assign import PENDING_HEADERS, S_PENDING
    from taizhang.book.master import CHANGE_HEADERS, S_CHANGES
    from taizhang.jobs import assign_master, assign_text

    master = master_of(book)
    waiting = _sheet(book, S_PENDING)
    new, result, pending = assign_master(master, today or _today(), None, read_rows(waiting) if waiting else None)
    write_ledger(book, new)
    if len(new.changes):
        write_table(book, S_CHANGES, [CHANGE_HEADERS] + new.changes[CHANGE_HEADERS].values.tolist())
    if pending is not None:
        write_table(book, S_PENDING, [PENDING_HEADERS] + pending)
    return "\n".join(assign_text(result)[:-1] + ["结果已写入本工作簿（台账、变更记录），请检查后保存。"
                                                 "线索清单和交办通知单请用命令 taizhang assign --clues --units-dir。"])


@entry("计算时限与红绿灯")
def compute_status(book, today: dt.date | None = None) -> str:
    from taizhang.calendar.deadlines import compute_lights

    master = master_of(book)
    today = today or _today()
    res = compute_lights(master.ledger, master.rulebook, master.calendar(), today, file=Path(book.fullname).name)
    master.ledger = res.ledger
    write_ledger(book, master)
    counts: dict = {}
    for c in res.cases:
        counts[c.light] = counts.get(c.light, 0) + 1
    lines = [f"已计算{len(res.cases)}个问题（基准日 {today}）：红灯{counts.get('red', 0)}，黄灯{counts.get('yellow', 0)}，"
             f"绿灯{counts.get('green', 0)}，已办结{counts.get('done', 0)}，已销号{counts.get('closed', 0)}。"]
    missing = [f for f in res.findings if f.code == "no-deadline"]
    if missing:
        lines.append(f"{len(missing)}个问题没有交办日期和整改时限，无法计算（见台账第{'、'.join(str(f.row) for f in missing[:10])}行）。")
    lines += [f"提醒：{w}" for w in res.warnings]
    return "\n".join(lines)


def _figures(book, today: dt.date):
    from taizhang.jobs import bulk, figures_of

    master = master_of(book)
    return master, bulk(figures_of)(master, today)


@entry("生成汇总表")
def build_summary(book, out: str | None = None, today: dt.date | None = None) -> str:
    from taizhang.jobs import default_summary_path, save_summary

    today = today or _today()
    master, figs = _figures(book, today)
    path = save_summary(master, figs, Path(out) if out else default_summary_path(Path(book.fullname), today))
    t = figs.totals
    return (f"已生成汇总表：\n{path}\n共{t.total}个问题，办结率{t.completion_rate:g}%；超期{t.red}个，预警{t.yellow}个。"
            f"\n汇总表是新文件，本工作簿未改动。")


@entry("生成通报")
def build_briefing(book, today: dt.date | None = None) -> str:
    from taizhang.report.figures import briefing, report_summary

    today = today or _today()
    master, figs = _figures(book, today)
    paras = briefing(figs, report_summary(master.reports))
    write_table(book, "通报草稿", [[f"关于{figs.campaign}专项行动推进情况的通报（草稿）"], *[[p] for p in paras]])
    return "通报草稿已写入“通报草稿”工作表，请修改定稿。"


@entry("节假日")
def show_holidays(book) -> str:
    from taizhang.book.master import S_HOLIDAYS
    from taizhang.calendar.workdays import WorkCalendar, published_years

    master = master_of(book)
    sheet = _sheet(book, S_HOLIDAYS)
    if sheet is not None:
        sheet.activate()
    year = _today().year
    last = max(published_years())
    cal = WorkCalendar(master.holidays)
    lines = [f"已收录国务院放假安排的最新年份：{last}年。", f"本工作簿“节假日”表中的本地安排：{len(master.holidays)}天。"]
    if year + 1 in cal.estimated:
        lines.append(f"{year + 1}年的放假安排尚未收录，涉及该年的时限为推算；正式通知公布后请更新台账助手（pip install -U holidays）"
                     f"或在“节假日”表中补录。")
    lines.append("在“节假日”表中新增一行：日期、类型（放假 或 上班）、说明，即可覆盖国务院安排。")
    return "\n".join(lines)


@entry("关于")
def about(book) -> str:
    import sys

    from taizhang import __version__
    from taizhang.errors import log_path

    return (f"台账助手 {__version__}\n专项行动台账的校验、合并、时限、红绿灯与汇总。\n"
            f"Python：{sys.executable}\n日志文件：{log_path()}")


BUTTONS = {
    "TzMakeTemplates": "make_templates", "TzMergeReports": "merge_reports", "TzValidateSheet": "validate_sheet",
    "TzClearMarks": "clear_marks", "TzAssign": "assign_cases", "TzComputeStatus": "compute_status",
    "TzBuildSummary": "build_summary", "TzBuildBriefing": "build_briefing", "TzHolidays": "show_holidays",
    "TzAbout": "about",
}
