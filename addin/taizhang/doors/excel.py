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
from taizhang.book.sheets import S_RESULTS, S_UNASSIGNED, UNASSIGNED_HEADERS

TITLE = "台账助手"
RGB = {"red": (255, 199, 206), "yellow": (255, 235, 156), "green": (198, 239, 206), "done": (221, 235, 247),
       "closed": (237, 237, 237), "error": (255, 153, 153), "warning": (255, 230, 153)}
FOLDER_NAME = "TZ_FOLDER"
BIG_AREA = 200_000  # cells: a used range larger than this is measured with Find before it is read
XL_FORMULAS, XL_BY_ROWS, XL_BY_COLUMNS, XL_PREVIOUS, XL_PART, XL_WHOLE = -4123, 1, 2, 2, 2, 1
XL_VISIBLE = 12  # xlCellTypeVisible
RANGE_TEXT_LIMIT = 250  # Excel's Range("A1,B2,…") takes at most 255 characters


class UserError(errors.UserError):
    """Something the user can fix; shown as it is, without a log reference."""


class Formula(str):
    """A formula taizhang itself writes (never text from a user's cell): handed to Excel as it is."""


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
    """Wrap a button: status bar, paused screen updating and calculation, and a message at the end.

    The cycle collector is not touched here: the jobs the buttons call pause it themselves
    (``jobs.bulk``) and resume it when they end, so a long-lived Excel/Python session keeps it on.
    """

    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def run(*args, book=None, **kwargs):
            from taizhang.xlsx.storage import recording

            book = _caller(book)
            app = book.app
            saved = _pause(app)
            with recording() as written:  # the files this button wrote (summary, notices, templates)
                message = _press(fn, action, book, app, saved, written, args, kwargs)
            if message:
                app.alert(message, title=TITLE)
            return message

        return run

    return wrap


def _press(fn, action, book, app, saved, written, args, kwargs):
    """One button press inside ``entry``: its message, or the message for what went wrong."""
    try:
        check_host(book)
        app.status_bar = f"{TITLE}：正在{action}……"
        message = fn(book, *args, **kwargs)
    except BaseException as exc:  # a Rust panic in a reader is a BaseException too
        if isinstance(exc, (SystemExit, KeyboardInterrupt)):
            raise
        if errors.is_user_error(exc):
            message = f"{action}未完成：{errors.user_message(exc)}"
        else:  # a bug of ours: a message box, the traceback in the log
            log = errors.log_exception(f"excel.{fn.__name__} ({book.name})")
            state = (f"本次已完整写入：{'、'.join(dict.fromkeys(w.path.name for w in written))}；" if written else "")
            message = (f"{action}失败：台账助手内部出错，{state}工作簿未被改动或只改动了一部分（未保存前可关闭不保存）。\n"
                       f"详细信息已写入日志：{log}\n请将该文件发给技术支持。")
    finally:
        _resume(app, saved)
    return message


def _pause(app) -> tuple:
    saved = (app.screen_updating, app.calculation)
    app.screen_updating = False
    app.calculation = "manual"
    return saved


def _resume(app, saved: tuple) -> None:
    app.screen_updating, app.calculation = saved
    app.status_bar = False


def _progress(book, text: str) -> None:
    book.app.status_bar = f"{TITLE}：{text}"


def _find_sheet(book, name: str):
    """The sheet called ``name`` or None, in one call (listing every sheet's name costs one call per sheet)."""
    try:
        return book.sheets[name]
    except Exception:  # KeyError here, a COM error in Excel
        return None


def _sheet(book, name: str, create: bool = False):
    sheet = _find_sheet(book, name)
    if sheet is not None or not create:
        return sheet
    sheet = book.sheets.add(after=book.sheets[-1])  # no name= : xlwings would list every sheet to check it
    sheet.name = name
    return sheet


def _last_cell(sheet) -> tuple[int, int]:
    """The last row and column that hold a value or formula (Excel's Find from the end), (0, 0) if none."""
    cells = sheet.api.Cells
    last = cells.Find(What="*", LookIn=XL_FORMULAS, LookAt=XL_PART, SearchOrder=XL_BY_ROWS, SearchDirection=XL_PREVIOUS)
    if last is None:
        return 0, 0
    row = last.Row
    last = cells.Find(What="*", LookIn=XL_FORMULAS, LookAt=XL_PART, SearchOrder=XL_BY_COLUMNS, SearchDirection=XL_PREVIOUS)
    return row, last.Column


def _trimmed(rows: list[list]) -> list[list]:
    """Drop trailing empty rows and columns (formatting makes Excel's used range larger than the data)."""
    def empty(v):
        return v is None or v == ""

    while rows and all(empty(v) for v in rows[-1]):
        rows.pop()
    width = max((max((i + 1 for i, v in enumerate(r) if not empty(v)), default=0) for r in rows), default=0)
    return [r[:width] for r in rows] if rows and width < len(rows[0]) else rows


def read_rows(sheet) -> list[list]:
    """The sheet's data from A1 to its last cell with data, in one read.

    The used range grows with formatting (a column formatted to the bottom of the sheet makes it a
    million rows); when it is large, the real last cell is found first with two Find calls.
    """
    from openpyxl.utils import column_index_from_string

    address = sheet.used_range.address
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?", address.split(",")[0])
    if m:  # the used range's bottom-right cell (its only cell when it is one cell)
        last_row, last_col = int(m.group(4) or m.group(2)), column_index_from_string(m.group(3) or m.group(1))
    else:
        last_row = last_col = 1
    if last_row * last_col > BIG_AREA:
        try:
            last_row, last_col = _last_cell(sheet)
        except AttributeError:  # an engine without Find: trim what was read instead
            pass
        if not last_row:
            return []
    rows = sheet.range((1, 1), (last_row, last_col)).options(ndim=2).value
    return _trimmed([list(r) for r in rows])


def _percent_columns(header: list) -> list[int]:
    """The columns (0-based) of 台账 whose header names a percent-typed field (完成进度), first occurrence each."""
    from taizhang.fields import BY_KEY, match_header

    out, seen = [], set()
    for j, h in enumerate(header):
        key, _ = match_header(h)
        if key in BY_KEY and BY_KEY[key].kind == "percent" and key not in seen:
            seen.add(key)
            out.append(j)
    return out


def _percent_rows(sheet, col: int, first: int, last: int) -> list[int]:
    """The rows ``first``..``last`` of column ``col`` (1-based) whose number format shows a percentage.

    Range.Value carries no format, so 100% reads as 1: the column's formats are read with one Range.NumberFormat
    call; where its cells differ (Excel answers Null), each half is read the same way, so a column formatted as a
    whole, or not at all, costs one call, and a few typed 100% cells a few calls each, never one per cell.
    """
    from taizhang.xlsx.numfmt import is_percent_format

    if last < first:
        return []
    fmt = sheet.range((first, col), (last, col)).number_format
    if fmt is None and last > first:
        mid = (first + last) // 2
        return _percent_rows(sheet, col, first, mid) + _percent_rows(sheet, col, mid + 1, last)
    return list(range(first, last + 1)) if is_percent_format(fmt) else []


def _mark_percent(sheet, rows: list[list]) -> None:
    """台账 as read from Excel, its percent-formatted numbers marked as ``numfmt.Percent`` (100% → 100), the
    same reading the file readers apply (``xlsx.numfmt``)."""
    from taizhang.xlsx.numfmt import mark_percent

    for j in _percent_columns(rows[0]) if rows else []:
        mark_percent(rows, [(r - 1, j) for r in _percent_rows(sheet, j + 1, 2, len(rows))])


def write_table(book, name: str, rows: list[list], create: bool = True):
    """Replace a sheet's contents with ``rows`` in one write; every text stays exactly that text."""
    from taizhang.xlsx.cells import excel_input

    sheet = _sheet(book, name, create=create)
    sheet.clear_contents()
    if rows:
        width = max(len(r) for r in rows)
        body = [[v if isinstance(v, Formula) else excel_input(v) for v in r] + [None] * (width - len(r)) for r in rows]
        sheet.range((1, 1)).value = body
    return sheet


def _runs(addresses: list[str]) -> list[str]:
    """Cell addresses merged into column runs: E2, E3, E4, G7 → E2:E4, G7."""
    cells = sorted({(re.match(r"[A-Z]+", a).group(0), int(re.search(r"\d+", a).group(0))) for a in addresses},
                   key=lambda x: (len(x[0]), x[0], x[1]))
    out: list[str] = []
    i = 0
    while i < len(cells):
        col, first = cells[i]
        last = first
        while i + 1 < len(cells) and cells[i + 1] == (col, last + 1):
            i += 1
            last += 1
        out.append(f"{col}{first}" if first == last else f"{col}{first}:{col}{last}")
        i += 1
    return out


def _color_cells(sheet, cells: dict[str | None, list[str]]) -> None:
    """Colour many cells with a few range calls: runs of cells unioned per colour, in chunks Excel accepts."""
    for key, addresses in cells.items():
        chunk: list[str] = []
        for a in _runs(addresses) + [None]:
            if a is None or len(",".join(chunk + [a])) > RANGE_TEXT_LIMIT:
                if chunk:
                    sheet.range(",".join(chunk)).color = RGB[key] if key else None
                chunk = []
            if a is not None:
                chunk.append(a)


def master_of(book, skip: tuple[str, ...] = (), sheets: dict | None = None):
    """The master as the core sees it, read from the open workbook (one bulk read per sheet).

    ``skip``: sheets this button does not need (read as empty), to save round trips;
    ``sheets``: a dict to receive the rows read, by sheet name.
    """
    from taizhang.book.master import MASTER_SHEETS, S_LEDGER, MasterError, master_from_sheets

    sheets = {} if sheets is None else sheets
    for name in MASTER_SHEETS:
        sheet = None if name in skip else _find_sheet(book, name)
        if sheet is not None:
            sheets[name] = read_rows(sheet)
            if name == S_LEDGER:
                _mark_percent(sheet, sheets[name])
    try:
        return master_from_sheets(sheets, Path(book.fullname))
    except MasterError as exc:
        raise UserError(f"{exc}\n（请在台账总表中使用“台账助手”选项卡。）") from None


def write_ledger(book, master) -> None:
    """台账 written back by the plan the file writers use (``book.ledger_plan``): by header and case id, never by
    position. taizhang's columns are written where the office has them (a field the sheet lacks is added at the
    right edge), under their own headers; the office's columns are never cleared. Rows go in the order the CLI
    writes them (``in_unit_order``, so every finding's row holds its case); where a case moves, its whole row moves
    with it through Excel's own copy (the office's values, formulas rewritten for the new row, notes, fills, number
    formats, validations, row height, hidden), and rows no case holds any more are emptied. Lights are coloured."""
    from taizhang.book.ledger_plan import omitted, plan_ledger
    from taizhang.book.ledger_sheet import in_unit_order
    from taizhang.book.master import S_LEDGER, with_unread
    from taizhang.fields import LIGHT_FROM_ZH
    from taizhang.findings import col_letter
    from taizhang.xlsx.cells import excel_input

    master.ledger = in_unit_order(master.ledger, master.units.names())
    ledger = with_unread(master.ledger)
    n = len(ledger)
    _progress(book, f"正在写回台账（{n}行）……")
    sheet = _sheet(book, S_LEDGER, create=True)
    old = read_rows(sheet)
    plan = plan_ledger(master.ledger_header if old else None, master.extra_columns, omitted(master.rulebook, ledger))
    width = max(plan.width, len(old[0]) if old else 0)
    origin = _source_rows(ledger)
    _move_rows(book, sheet, origin, len(old), width)
    # a 完成进度 cell the office formatted as a percentage keeps its format and shows what was read: 100 → 1 (100%)
    percent = {j: set(_percent_rows(sheet, j + 1, 2, n + 1)) for j in _percent_columns([c.key and c.header for c in plan.columns])
               if plan.columns[j].source is not None}
    for first, last in _column_runs([i for i, c in enumerate(plan.columns) if c.key or c.source is None]):
        block = []
        for i in range(first, last + 1):
            c = plan.columns[i]
            key = c.key or "x:" + c.header
            values = ledger[key].tolist() if key in ledger.columns else [None] * n
            if percent.get(i):
                values = [v / 100 if r in percent[i] and type(v) in (int, float) and v == v else v
                          for r, v in enumerate(values, 2)]
            block.append([c.header] + values)
        sheet.range((1, first + 1), (n + 1, last + 1)).value = [[excel_input(v) for v in row] for row in zip(*block)]
    _evidence_links(book, sheet, master, plan.field_at("evidence") + 1)  # (by the ledger's 佐证材料 columns)
    light_col = col_letter(plan.field_at("light"))
    column = sheet.range(f"{light_col}2:{light_col}{max(n + 1, 2)}")
    column.color = None
    present = {light for light in ledger["light"].tolist() if light in LIGHT_FROM_ZH}
    try:
        _fill_by_value(book.app, column, {light: RGB[LIGHT_FROM_ZH[light]] for light in sorted(present)})
    except AttributeError:  # an Excel without Application.ReplaceFormat (Mac): a union of ranges per colour
        groups: dict[str | None, list[str]] = {}
        for i, light in enumerate(ledger["light"].tolist()):
            if light in present:
                groups.setdefault(LIGHT_FROM_ZH[light], []).append(f"{light_col}{i + 2}")
        _color_cells(sheet, groups)
    write_calendar(book, master)


def _evidence_links(book, sheet, master, col: int) -> None:
    """已归档佐证材料: each case with evidence filed gets its cell linked to its folder beside the workbook, as the file
    writer links it (``book.ledger_sheet.evidence_links``), through Excel's own Hyperlinks.Add — one call per such case,
    after the names were written as text. TextToDisplay is not passed: the cell keeps the name written (a name like a
    formula stays text). The column's old links go first (a case's link moved with its row; a case whose evidence is
    gone keeps none)."""
    from taizhang.book.ledger_sheet import evidence_links
    from taizhang.xlsx.cells import Link, excel_would_change

    links = evidence_links(master)  # (relative to master.path, the workbook's own: no call into Excel)
    if not any(type(x) is Link for x in links):
        return
    column = sheet.range((2, col), (len(links) + 1, col))
    try:
        column.api.ClearHyperlinks()
    except AttributeError:  # an Excel before 2010, or the Mac's object model: links are only added
        pass
    for i, link in enumerate(links):
        if type(link) is not Link:
            continue
        cell = sheet.range((i + 2, col))
        tip = f"打开{master.ledger['case_id'].iat[i]}的佐证材料文件夹"
        try:
            cell.api.Hyperlinks.Add(Anchor=cell.api, Address=link.target, ScreenTip=tip)
        except AttributeError:  # no COM Hyperlinks (Mac): xlwings' own call, which sets the text shown as well
            if not excel_would_change(link.text):
                cell.add_hyperlink(link.target, link.text, tip)


def _source_rows(ledger) -> list[int | None]:
    """Per case, the Excel row it was read from (None: a case added by this press)."""
    from taizhang.book.master import SOURCE_ROW

    if SOURCE_ROW not in ledger.columns:
        return [None] * len(ledger)
    return [int(x) if isinstance(x, (int, float)) and x == x else None for x in ledger[SOURCE_ROW].tolist()]


def _column_runs(columns: list[int]) -> list[tuple[int, int]]:
    """Consecutive column indexes as (first, last) runs: one range write per run."""
    runs: list[tuple[int, int]] = []
    for i in columns:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _row_runs(origin: list[int | None]) -> list[tuple[int, int, int | None]]:
    """The rows to rewrite as runs (first new row, last new row, first old row or None for new cases): only rows
    whose case is not already there; a run is a block of cases that were on consecutive rows."""
    runs: list[list] = []
    for r, s in enumerate(origin, 2):
        if s == r:
            continue
        last = runs[-1] if runs else None
        if last and last[1] == r - 1 and ((s is None and last[2] is None) or
                                         (s is not None and last[2] is not None and last[2] + (r - last[0]) == s)):
            last[1] = r
        else:
            runs.append([r, r, s])
    return [tuple(x) for x in runs]


SCRATCH = "台账助手临时"


def _move_rows(book, sheet, origin: list[int | None], old_rows: int, width: int) -> None:
    """Give every case its row: whole rows copied from a snapshot of 台账 (a scratch sheet, deleted at the end) in
    one Excel copy per run of cases that moved together; rows of new cases and rows left over are emptied (values,
    notes, formats, height), never deleted, so no formula elsewhere turns into #REF!. Nothing moves: no call."""
    runs = _row_runs(origin)
    n = len(origin)
    if not runs and old_rows <= n + 1:
        return
    width = max(width, 1)
    hidden = _hidden_rows(sheet, old_rows)
    if hidden:  # shown while rows move (Excel copies only the visible rows of a filtered range), hidden again below
        sheet.range((2, 1), (max(old_rows, n + 1), 1)).api.EntireRow.Hidden = False
    scratch = None
    try:
        if any(s is not None for _, _, s in runs):
            active = book.sheets.active
            scratch = book.sheets.add(after=book.sheets[-1])
            scratch.name = SCRATCH
            sheet.range((2, 1), (old_rows, width)).api.EntireRow.Copy(Destination=scratch.range((2, 1)).api)
            active.activate()
        for first, last, source in runs:
            if source is None:
                _empty_rows(sheet, first, last, width)
            else:
                rows = scratch.range((source, 1), (source + last - first, width)).api.EntireRow
                rows.Copy(Destination=sheet.range((first, 1)).api)
        if old_rows > n + 1:
            _empty_rows(sheet, n + 2, old_rows, width)
        if hidden:  # the rows the office hid go with their cases
            for part in _runs([f"A{r}" for r, s in enumerate(origin, 2) if s in hidden]):
                sheet.range(part).api.EntireRow.Hidden = True
    finally:
        if scratch is not None:
            scratch.delete()


def _hidden_rows(sheet, old_rows: int) -> set[int]:
    """The data rows of 台账 the office hid (or a filter hides): every row outside the visible cells' areas.
    One call for the visible cells and three per area: a few, as hidden rows are."""
    if old_rows < 2:
        return set()
    try:
        visible = sheet.range((2, 1), (old_rows, 1)).api.SpecialCells(XL_VISIBLE)
    except Exception:  # Excel raises "No cells were found" when every row is hidden
        return set(range(2, old_rows + 1))
    areas = visible.Areas
    shown: set[int] = set()
    for i in range(1, areas.Count + 1):
        area = areas(i)
        first = area.Row
        shown.update(range(first, first + area.Rows.Count))
    return set(range(2, old_rows + 1)) - shown


def _empty_rows(sheet, first: int, last: int, width: int) -> None:
    rows = sheet.range((first, 1), (last, width)).api.EntireRow
    rows.ClearContents()
    rows.ClearComments()
    rows.ClearFormats()
    rows.UseStandardHeight = True


def _fill_by_value(app, column, fills: dict[str, tuple[int, int, int]]) -> None:
    """Give every cell of ``column`` whose whole text is a key that key's fill: one Replace per value,
    with Excel's ReplaceFormat, so the number of calls does not grow with the rows."""
    api = app.api
    for text, (r, g, b) in fills.items():
        api.ReplaceFormat.Clear()
        api.ReplaceFormat.Interior.Color = r + g * 256 + b * 65536
        column.api.Replace(What=text, Replacement=text, LookAt=XL_WHOLE, SearchOrder=XL_BY_ROWS, MatchCase=True,
                           SearchFormat=False, ReplaceFormat=True)
    api.ReplaceFormat.Clear()


def write_calendar(book, master) -> None:
    """The hidden 工作日历 sheet, as a save writes it (so edits to 节假日 reach the formulas over it)."""
    from taizhang.book.calendar_sheet import S_CALENDAR, calendar_rows

    sheet = write_table(book, S_CALENDAR, calendar_rows(master.rulebook, master.calendar()))
    sheet.visible = False


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
    from taizhang.xlsx.cells import excel_input

    sheet = _sheet(book, S_SETTINGS)
    rows = read_rows(sheet)
    for i, row in enumerate(rows[1:], 2):
        if row and row[0] == FOLDER_KEY:
            sheet.range((i, 2)).value = excel_input(folder)
            return
    sheet.range((len(rows) + 1, 1)).value = [[FOLDER_KEY, excel_input(folder), "“合并报送”上次选择的报送文件夹（自动记录）"]]


def pick_folder(book, initial: str, title: str = "选择报送文件夹") -> str | None:
    """Excel's own folder picker (msoFileDialogFolderPicker), starting at the remembered folder."""
    dialog = book.app.api.FileDialog(4)
    dialog.Title = title
    if initial:
        dialog.InitialFileName = initial.rstrip("\\/") + "\\"
    if dialog.Show() != -1:
        return None
    return str(dialog.SelectedItems(1))


@entry("合并报送")
def merge_reports(book, folder: str | None = None, today: dt.date | None = None) -> str | None:
    from taizhang.book.master import CHANGE_HEADERS, HISTORY_HEADERS, S_CHANGES, S_HISTORY
    from taizhang.jobs import bulk, file_merge_evidence, report_day, report_sheets
    from taizhang.report.text import merge_text

    master = master_of(book)
    if folder is None:
        folder = pick_folder(book, _remembered_folder(book))
        if not folder:
            return None
    if not Path(folder).is_dir():
        raise UserError(f"报送文件夹 {folder} 不存在，请重新选择。")
    today = today or _today()
    _progress(book, f"正在读取并校验 {folder} 中的报送文件……")
    merged, result, figs = bulk(report_day)(master, folder, today)
    file_merge_evidence(merged, result)  # 佐证材料 into the folders beside the workbook, as the CLI files them
    write_ledger(book, merged)
    tables = report_sheets(merged, result, today)  # 报送情况, 退回清单, 提醒, 抽查清单, …: what the CLI saves
    tables[S_CHANGES] = (CHANGE_HEADERS, merged.changes[CHANGE_HEADERS].values.tolist(), None)
    tables[S_HISTORY] = (HISTORY_HEADERS, merged.history[HISTORY_HEADERS].values.tolist(), None)
    for name, (headers, rows, _) in tables.items():
        _progress(book, f"正在写入“{name}”……")
        write_table(book, name, [headers] + rows)
    _remember_folder(book, str(folder))
    lines = merge_text(result, Path(book.fullname), None)  # the CLI's account, line for line
    lines[-1] = (f"变更记录{result.changes}条。结果已写入本工作簿（台账、报送情况、退回清单、变更记录、历史统计），"
                 f"请检查后保存。")
    return "\n".join(lines)


@entry("校验本表")
def validate_sheet(book, today: dt.date | None = None) -> str:
    from taizhang.book.master import S_CHANGES, S_HISTORY, S_HOLIDAYS, S_LEDGER, S_REPORTS, S_SETTINGS
    from taizhang.book.sheets import S_MATERIALS, S_REMIND_LOG
    from taizhang.findings import SEVERITY_ZH
    from taizhang.intake.reader import SheetRead, read_grids
    from taizhang.jobs import TRAIL_SHEETS  # (审批台账, 待审批, 待销号确认: checking a sheet needs none of them)
    from taizhang.rules.rulebook import find_rulebook
    from taizhang.rules.validate import Context, check_submission, report_of

    today = today or _today()
    master = None
    sheets: dict[str, list[list]] = {}
    target = _find_sheet(book, S_LEDGER)
    if target is not None and _find_sheet(book, S_SETTINGS) is not None:
        master = master_of(book, skip=(S_HOLIDAYS, S_HISTORY, S_CHANGES, S_REPORTS, S_MATERIALS, S_REMIND_LOG, *TRAIL_SHEETS),
                           sheets=sheets)  # not for checking
        target_name = S_LEDGER
    else:
        target = book.sheets.active
        target_name = target.name
    book_name = Path(book.fullname).name
    rows = sheets[S_LEDGER] if S_LEDGER in sheets and master else read_rows(target)
    read = read_grids(SheetRead(file=book_name, path=Path(book.fullname), kind="excel"), [(target_name, rows, [], set())])
    ctx = Context(master.rulebook if master else find_rulebook("xinguan"), master.units if master else None, today,
                  single_unit=master is None)
    report = report_of(check_submission(read, ctx))
    _clear_marks(book)
    bad: dict[str | None, list[str]] = {}
    for f in report.findings:
        if f.row and f.column and f.severity in ("error", "warning") and f.sheet == target_name:
            bad.setdefault(f.severity, []).append(f"{f.column}{f.row}")
    _color_cells(target, bad)
    quoted = "'" + target_name.replace("'", "''") + "'"
    rows = [["级别", "代码", "工作表", "单元格", "表头", "原值", "说明", "定位", "处理办法"]]
    for f in report.findings:
        cell = f"{f.column}{f.row}" if f.row and f.column else ""
        link = Formula(f'=HYPERLINK("#{quoted}!{cell}","转到{cell}")') if cell and f.sheet == target_name else None
        rows.append([SEVERITY_ZH[f.severity], f.code, f.sheet, cell, f.header,
                     f.value, f.message, link, f.advice])
    write_table(book, S_RESULTS, rows)
    return (f"校验完成：{report.rows}行，其中{report.rows_with_errors}行有错误；错误{report.counts['error']}个，"
            f"提醒{report.counts['warning']}个。\n问题单元格已标色，清单见“{S_RESULTS}”工作表（点单元格地址可跳转）。"
            + ("" if master else "\n（未在台账总表中运行，问题类别按“新官不理旧账”预案检查。）"))


def _clear_marks(book) -> int:
    """Remove 校验本表's colours (read back from its own result sheet) and the result sheet itself."""
    sheet = _find_sheet(book, S_RESULTS)
    if sheet is None:
        return 0
    by_sheet: dict[str, list[str]] = {}
    for row in read_rows(sheet)[1:]:
        if len(row) > 3 and row[2] and row[3] and re.fullmatch(r"[A-Z]{1,3}\d{1,7}", str(row[3])):
            by_sheet.setdefault(str(row[2]), []).append(str(row[3]))
    n = 0
    for name, cells in by_sheet.items():
        target = _find_sheet(book, name)
        if target is not None:
            _color_cells(target, {None: cells})
            n += len(cells)
    sheet.delete()
    return n


@entry("清除标记")
def clear_marks(book) -> str:
    n = _clear_marks(book)
    return f"已清除{n}处校验标记和“{S_RESULTS}”工作表。" if n else "没有需要清除的校验标记。"


@entry("交办")
def assign_cases(book, today: dt.date | None = None) -> str:
    """The same 交办 as ``taizhang assign`` (without a clue file or notices): numbers, departments, deadlines."""
    from taizhang.book.master import CHANGE_HEADERS, S_CHANGES
    from taizhang.jobs import assign_master
    from taizhang.report.text import assign_text

    master = master_of(book)
    waiting = _find_sheet(book, S_UNASSIGNED)
    new, result, pending = assign_master(master, today or _today(), None, read_rows(waiting) if waiting else None,
                                         placed=True)  # 台账 rows named where write_ledger puts their cases
    write_ledger(book, new)
    if len(new.changes):
        write_table(book, S_CHANGES, [CHANGE_HEADERS] + new.changes[CHANGE_HEADERS].values.tolist())
    if pending is not None:
        write_table(book, S_UNASSIGNED, [UNASSIGNED_HEADERS] + pending)
    if new.trail_touched:  # a unit's 不属本单位 decided on 待指定单位: 审批台账 and 待审批, as the CLI saves them
        from taizhang.jobs import trail_sheets

        for name, (headers, rows, _) in trail_sheets(new).items():
            write_table(book, name, [headers] + rows)
    return "\n".join(assign_text(result)[:-1] + ["结果已写入本工作簿（台账、变更记录），请检查后保存。"
                                                 "线索清单和交办通知单请用命令 taizhang assign --clues --units-dir。"])


@entry("计算时限与红绿灯")
def compute_status(book, today: dt.date | None = None) -> str:
    from taizhang.book.ledger_sheet import place_findings, written_rows
    from taizhang.book.sheets import S_EVIDENCE, S_MATERIALS, S_REMIND_LOG
    from taizhang.jobs import StatusResult, bulk, with_lights
    from taizhang.report.text import status_text

    master = master_of(book, skip=(S_EVIDENCE, S_MATERIALS, S_REMIND_LOG))  # 佐证材料 columns stay as the sheet has them; the lights need neither sheet
    today = today or _today()
    _progress(book, "正在计算整改时限与红绿灯……")
    res = bulk(with_lights)(master, today)
    res.findings = place_findings(res.findings, written_rows(master.ledger, master.units.names()), master.path.name)
    write_ledger(book, master)
    if master.trail_touched:  # the office's decisions applied: 审批台账, 待审批, 待销号确认 and 变更记录, as the CLI saves them
        from taizhang.book.master import CHANGE_HEADERS, S_CHANGES
        from taizhang.jobs import trail_sheets

        tables = trail_sheets(master)
        tables[S_CHANGES] = (CHANGE_HEADERS, master.changes[CHANGE_HEADERS].values.tolist(), None)
        for name, (headers, rows, _) in tables.items():
            write_table(book, name, [headers] + rows)
    shown = StatusResult(master=str(master.path), out=str(master.path), as_of=today, cases=res.cases,
                         warnings=res.warnings, issues=res.findings)
    lines = status_text(shown)  # the CLI's account, line for line
    lines[1] = "结果已写入本工作簿（台账），请检查后保存。"
    return "\n".join(lines)


def _figures(book, today: dt.date):
    from taizhang.jobs import bulk, figures_of

    master = master_of(book)
    _progress(book, "正在计算时限、红绿灯和统计数字……")
    return master, bulk(figures_of)(master, today)


@entry("生成汇总表")
def build_summary(book, out: str | None = None, today: dt.date | None = None) -> str:
    from taizhang.jobs import default_summary_path, save_summary

    today = today or _today()
    master, figs = _figures(book, today)
    _progress(book, "正在生成汇总表文件……")
    path = save_summary(master, figs, Path(out) if out else default_summary_path(Path(book.fullname), today))
    t = figs.totals
    return (f"已生成汇总表：\n{path}\n共{t.total}个问题，办结率{t.completion_rate:g}%；超期{t.red}个，预警{t.yellow}个。"
            f"\n汇总表是新文件，本工作簿未改动。")


@entry("生成通报")
def build_briefing(book, today: dt.date | None = None) -> str:
    """The 通报 draft and the 督办通知单 as Word documents beside the workbook: the same job as `taizhang notice`."""
    from taizhang.jobs import default_notice_path, save_notice

    today = today or _today()
    master, figs = _figures(book, today)
    _progress(book, "正在生成通报草稿和督办通知单（Word 文档）……")
    here = Path(book.fullname)
    units_dir = here.with_name(f"督办通知单-{today.isoformat()}")
    res = save_notice(master, figs, default_notice_path(here, today), units_dir)
    return (f"已生成通报草稿（Word，公文格式）：\n{res.notice}\n督办通知单{len(res.supervision)}份，"
            f"在文件夹：\n{units_dir}\n请在 Word 或 WPS 中修改定稿后印发；问责提示只是建议。本工作簿未改动。")


@entry("按期通报")
def build_period_notice(book, period: str | None = None, today: dt.date | None = None) -> str | None:
    """The office's own 通报 for a month or a quarter (月晾晒、季通报…), from the history the master keeps: the same job as
    `taizhang notice --period 2026-11`, on the open workbook. Without ``period`` Excel's InputBox asks, the month (or
    quarter) just ended filled in; cancel does nothing."""
    from taizhang.jobs import notice_of
    from taizhang.report.text import notice_text, period_prompt

    today = today or _today()
    master = master_of(book)
    if period is None:
        prompt, default = period_prompt(master.rulebook.bulletins, today)
        answer = book.app.api.InputBox(prompt, TITLE, default, Type=2)  # Application.InputBox: False when cancelled
        if answer is False or not str(answer).strip():
            return None
        period = str(answer).strip()
    _progress(book, f"正在起草{period}的通报（Word 文档）……")
    res = notice_of(master, today, period=period)
    return "\n".join(notice_text(res, None) + ["请在 Word 或 WPS 中修改定稿后印发。本工作簿未改动。"])


@entry("催报与临期提醒")
def remind(book, today: dt.date | None = None) -> str:
    """`taizhang remind` on the saved master (it writes only papers, beside it): the same job and the same lines."""
    from taizhang.jobs import run_remind
    from taizhang.report.text import remind_text

    master_of(book)  # a master, or the usual refusal
    _progress(book, "正在查看报送情况并生成催报单……")
    res = run_remind(Path(book.fullname), today or _today())
    return "\n".join(["按已保存的台账总表计算（未保存的修改不计入）。", *remind_text(res)])


@entry("领导总览")
def overview(book, folder: str | None = None, today: dt.date | None = None) -> str | None:
    """`taizhang overview` on a folder of saved masters (picked, starting beside this workbook): the same job and lines."""
    from taizhang.jobs import run_overview
    from taizhang.report.text import overview_text

    if folder is None:
        folder = pick_folder(book, str(Path(book.fullname).parent), "选择放着各专项行动台账总表的文件夹")
        if not folder:
            return None
    _progress(book, f"正在读取 {folder} 中的台账总表……")
    res = run_overview(folder, today or _today())
    return "\n".join(["按已保存的各台账总表统计（未保存的修改不计入）。", *overview_text(res)])


@entry("节假日")
def show_holidays(book) -> str:
    from taizhang.book.master import S_HOLIDAYS
    from taizhang.calendar.workdays import published_years

    master = master_of(book)
    sheet = _sheet(book, S_HOLIDAYS)
    if sheet is not None:
        sheet.activate()
    year = _today().year
    last = max(published_years())
    cal = master.calendar()
    lines = [f"已收录国务院放假安排的最新年份：{last}年。", f"本工作簿“节假日”表中的安排：{len(master.holidays)}天。"]
    if master.notice_years:
        lines.append("“节假日”表中已录入国务院通知的年份：" + "、".join(f"{y}年" for y in sorted(master.notice_years)) + "。")
    if year + 1 in cal.estimated:
        lines.append(f"{year + 1}年的放假安排尚未收录，涉及该年的时限为推算；正式通知公布后，把通知全文存为 .txt 或 .docx，"
                     f"运行 taizhang holidays 台账总表.xlsx --notice 通知.txt 录入“节假日”表（或更新台账助手）。")
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
    "TzBuildSummary": "build_summary", "TzBuildBriefing": "build_briefing", "TzHolidays": "show_holidays", "TzRemind": "remind",
    "TzPeriodNotice": "build_period_notice",
    "TzOverview": "overview",
    "TzAbout": "about",
}
