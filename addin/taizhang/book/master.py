"""The office's master workbook: its sheets, creating it, and loading it.

After ``taizhang new`` the workbook itself is the source of truth: the
settings in 参数设置, the unit list in 成员单位, the categories, the office's
own holidays and the ledger. Office staff edit them in Excel; every command
reads them from here. What the office typed is never lost on the way: a 100%
reads as 100 (its percent format, ``xlsx.numfmt``), and words in a typed column
("待领导小组研究" in 延期至) read as blank but are written back as typed
(``with_unread``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd

from taizhang.book.ledger_sheet import ledger_spec
from taizhang.book.settings_sheet import migrate_settings, rulebook_from_sheets, settings_rows
from taizhang.book.sheets import (  # noqa: F401
    CATEGORY_ALIASES,
    CATEGORY_HEADERS,
    CHANGE_HEADERS,
    HIDDEN_SHEETS,
    HISTORY_HEADERS,
    HOLIDAY_HEADERS,
    LADDER_HEADERS,
    LIST_HEADERS,
    LISTING_MARK,
    MATERIAL_HEADERS,
    RECEIPT_HEADERS,
    S_APPROVALS,
    S_CATEGORIES,
    S_CHANGES,
    S_CLOSURES,
    S_COLUMN_NAMES,
    S_EVIDENCE,
    S_HISTORY,
    S_HOLIDAYS,
    S_LADDER,
    S_LEDGER,
    S_LISTS,
    S_MATERIALS,
    S_PHASES,
    S_README,
    S_RECEIPTS,
    S_REJECTS,
    S_REMIND_LOG,
    S_REPORTS,
    S_ROUTING,
    S_SETTINGS,
    S_SPOT,
    S_STATUS_WORDS,
    S_TRAIL,
    S_UNITS,
    SETTING_SHEETS,
    SETTING_TAB_RGB,
    SHEET_ORDER,
    UNIT_HEADERS,
)
from taizhang.calendar.workdays import WorkCalendar, overrides_from_rows
from taizhang.errors import UserError
from taizhang.fields import BY_KEY, FIELDS, LEDGER_KEYS, STATUSES, match_header
from taizhang.intake.normalize import UNREAD, map_unique
from taizhang.intake.units import UnitDirectory, UnitListError, build_directory
from taizhang.rules.rulebook import KIND_MENU, KIND_TIME, RECTIFY_MODES, Category, Phase, Route, Rulebook, RulebookError, Rung
from taizhang.xlsx.numfmt import Percent


class MasterError(UserError):
    """The master workbook cannot be used; the message names the sheet and row."""


@dataclass
class Master:
    path: Path
    rulebook: Rulebook
    units: UnitDirectory
    holidays: dict[dt.date, bool]
    ledger: pd.DataFrame
    extra_columns: list[str] = field(default_factory=list)
    history: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=HISTORY_HEADERS))
    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHANGE_HEADERS))
    extras: dict[str, str] = field(default_factory=dict)
    reports: list[list] = field(default_factory=list)
    spot_checks: list[list] = field(default_factory=list)  # the 抽查清单 rows so far (book.sampling)
    _calendar: WorkCalendar | None = None
    receipts: list[list] = field(default_factory=list)  # 文件接收记录 rows (RECEIPT_HEADERS)
    # the 代码表's row-1 headers, one per column in use ("" for a column without one); None: no 代码表 sheet
    list_columns: list[str] | None = None
    # years whose State Council notice the office entered on 节假日 (taizhang holidays --notice): not estimated
    notice_years: frozenset[int] = frozenset()
    column_names: dict[str, str] = field(default_factory=dict)  # 列名对照: folded unit column name → field key
    status_words: dict[str, str] = field(default_factory=dict)  # 状态对照: folded word → canonical status
    # the 台账 header row as read, one value per column: the plan the sheet is written back by (book.ledger_plan)
    ledger_header: list | None = None
    settings_notes: list[str] = field(default_factory=list)  # old settings migrated on reading (settings_sheet.migrate_settings)
    evidence: list[list] = field(default_factory=list)  # 佐证材料清单 rows (EVIDENCE_HEADERS; book.evidence)
    remind_log: list[list] = field(default_factory=list)  # 催办记录 rows below the header (book.reminders)
    materials: list[list] | None = None  # 材料报送 rows as read, header first (book.materials); None: no such sheet
    # 审批台账 (book.trail): its rows as read; the office's 待审批 / 待销号确认 as read (header row first), holding its
    # decisions until the next run applies them
    trail: object = field(default_factory=list)
    approval_rows: list[list] | None = None
    closure_rows: list[list] | None = None
    trail_done: bool = False
    trail_touched: bool = False
    trail_findings: list = field(default_factory=list)
    sheet_findings: list = field(default_factory=list)  # how the office's sheets were read (问题类别's columns)

    @property
    def categories(self) -> dict[str, str]:
        return {c.name: c.supervisor for c in self.rulebook.categories}

    def calendar(self) -> WorkCalendar:
        if self._calendar is None:
            self._calendar = WorkCalendar(self.holidays, official_years=self.notice_years)
        return self._calendar


def empty_ledger() -> pd.DataFrame:
    return pd.DataFrame({f.key: pd.Series(dtype=object) for f in FIELDS})


# --------------------------------------------------------------------------- creating

README_TEXT = [
    "台账助手 · 专项行动台账总表",
    "",
    "本工作簿是办公室的台账总表。各工作表的用途：",
    "  参数设置：报送周期、截止日、红绿灯阈值、时限档次等，可直接修改，下次运行即生效；",
    "  成员单位：单位名称、单位类型、别名（多个别名用顿号分隔）、单位代码；",
    "  问题类别：本专项行动的问题类别及牵头督办部门；",
    "  代码表：线索来源、复杂程度、办理状态、整改方式的可选值（台账中的下拉列表取自此表）；",
    "  工作阶段：各阶段起止日期；",
    "  节假日：本地另行放假或调休上班的日期（类型填“放假”或“上班”），优先于国务院放假安排；",
    "  台账：问题清单。白色列由成员单位填报，橙色列（督办意见、牵头督办部门等）由办公室填写，",
    "        绿色列（剩余工作日、红绿灯等）由台账助手计算，请勿手工修改。",
    "",
    "报送日的常用操作（命令行或 Excel 中的“台账助手”选项卡）：",
    "  生成填报模板 → 各单位填报 → 合并报送 → 计算时限与红绿灯 → 生成汇总表。",
    "合并报送时，本表会先自动备份到同一文件夹下的“台账备份”文件夹。",
]


def create_master(path: str | Path, book: Rulebook, units: UnitDirectory | None = None) -> Path:
    """Write a new master workbook for a campaign (refuses to overwrite an existing file)."""
    from openpyxl import Workbook

    from taizhang.xlsx.storage import atomic_write
    from taizhang.xlsx.xlsxpatch import patch_package

    path = Path(path)
    if path.exists():
        raise MasterError(f"{path} 已存在。为避免覆盖现有台账，请换一个文件名或先移走原文件。")
    units = units or UnitDirectory([])
    check_routes(book, units)
    if any(p.year_free for p in book.phases) or any(d.year_free for d in book.deliverables):  # a plan's month–day stages need a year on the sheet: this year
        book = book.for_year(dt.date.today().year)

    def write(tmp: Path) -> None:
        wb = Workbook()
        ws = wb.active
        ws.title = S_README
        _write_readme(ws, book)
        _write_settings(wb.create_sheet(S_SETTINGS), book)
        _write_units(wb.create_sheet(S_UNITS), units)
        _write_categories(wb.create_sheet(S_CATEGORIES), book)
        _write_lists(wb.create_sheet(S_LISTS), book)
        _write_phases(wb.create_sheet(S_PHASES), book)
        if book.routing:
            _write_routing(wb.create_sheet(S_ROUTING), book)
        _write_ladder(wb.create_sheet(S_LADDER), book)
        _write_holidays(wb.create_sheet(S_HOLIDAYS), {})
        wb.create_sheet(S_LEDGER)  # filled below by the same writer every merge uses
        _write_materials(wb.create_sheet(S_MATERIALS), book)
        for sheet in wb.worksheets:  # the office's sheets print like the 台账: the header row repeats on each page
            if sheet.title == S_README:
                continue
            sheet.print_title_rows = "1:1"
            if sheet.title != S_LEDGER:  # (the 台账's page setup is written with it, in ledger_spec)
                sheet.page_setup.orientation, sheet.page_setup.paperSize = "landscape", sheet.PAPERSIZE_A4
                sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
                sheet.sheet_properties.pageSetUpPr.fitToPage = True
        # the tabs in the order and visibility of book/sheets.py's SHEET_LAYOUT: working sheets, settings, technical
        wb._sheets.sort(key=lambda sh: SHEET_ORDER.index(sh.title) if sh.title in SHEET_ORDER else len(SHEET_ORDER))
        for sheet in wb.worksheets:
            if sheet.title in HIDDEN_SHEETS:
                sheet.sheet_state = "hidden"
            elif sheet.title in SETTING_SHEETS:
                sheet.sheet_properties.tabColor = SETTING_TAB_RGB
        wb.active = wb.sheetnames.index(S_LEDGER)
        wb.save(tmp)
        from taizhang.book.calendar_sheet import S_CALENDAR, calendar_spec

        patch_package(tmp, tmp, {S_LEDGER: ledger_spec(empty_ledger(), [], len(units), title=book.name, book=book),
                                 S_CALENDAR: calendar_spec(book, WorkCalendar({}))}, order=SHEET_ORDER)

    atomic_write(path, write)
    return path


def check_routes(book: Rulebook, units: UnitDirectory, origin: str = "成员单位名单") -> None:
    """Every unit's type must have a route where the campaign routes by type (seed 003: "各乡镇直接报送县委办公室…县委
    各部门报送县直机关党委,政府各部门报送县监察局,各学校报送县教育局,县管企业报送县财政局(国资局)")."""
    if not book.routing:
        return
    allowed = [r.unit_type for r in book.routing]
    bad = [u for u in units.units if u.type not in allowed]
    if bad:
        lines = [f"第{u.row}行“{u.name}”的单位类型“{u.type or '（空）'}”" if u.row else f"“{u.name}”的单位类型“{u.type or '（空）'}”"
                 for u in bad[:20]]
        more = f"（另有{len(bad) - 20}个）" if len(bad) > 20 else ""
        raise MasterError(f"{origin}中有单位的类型不在本专项行动的归口汇总表中：\n  " + "\n  ".join(lines) + more +
                          f"\n单位类型只能是：{'、'.join(allowed)}（分别向{'、'.join(r.summary_dept for r in book.routing)}汇总）。"
                          f"请改正单位类型后重试。")


def _write_readme(ws, book: Rulebook) -> None:
    from openpyxl.styles import Font

    from taizhang.xlsx.xlsxout import put

    put(ws, 1, 1, f"{book.name} · 台账总表").font = Font(bold=True, size=16)
    for i, line in enumerate(README_TEXT[1:], 2):
        put(ws, i, 1, line)
    put(ws, len(README_TEXT) + 2, 1, f"领导小组办公室：{book.office}")
    ws.column_dimensions["A"].width = 110


def _write_settings(ws, book: Rulebook) -> None:
    from taizhang.xlsx.xlsxout import table

    table(ws, 1, ["参数", "值", "说明"], [list(r) for r in settings_rows(book)], [26, 22, 70])
    ws.freeze_panes = "A2"


def _write_units(ws, units: UnitDirectory) -> None:
    from taizhang.xlsx.xlsxout import table

    rows = [[u.name, u.type, "、".join(u.aliases), u.code] for u in units.units]
    table(ws, 1, UNIT_HEADERS, rows, [28, 14, 40, 12, 12, 16])
    ws.freeze_panes = "A2"


def _write_categories(ws, book: Rulebook) -> None:
    from taizhang.xlsx.xlsxout import table

    # 牵头督办部门 only where a category has one (seed 001: "区商务局负责招商引资政策不兑现等问题的督促整改"): no column of
    # blanks elsewhere (#33 item 12); an office that adds one by its header gives its categories departments
    if any(c.supervisor for c in book.categories):
        table(ws, 1, list(CATEGORY_HEADERS), [[c.name, c.supervisor, c.note] for c in book.categories], [40, 18, 70])
    else:
        table(ws, 1, [CATEGORY_HEADERS[0], CATEGORY_HEADERS[2]], [[c.name, c.note] for c in book.categories], [40, 70])
    ws.freeze_panes = "A2"


def _write_lists(ws, book: Rulebook) -> None:
    from taizhang.xlsx.xlsxout import header_row, put

    header_row(ws, 1, LIST_HEADERS, [18, 14, 12, 22, 12])
    origin = ["办公室增补（可修改）" if s in book.added_sources else "方案原文" for s in book.sources]
    for col, values in enumerate([book.sources, [t.name for t in book.tiers], book.statuses, origin, list(RECTIFY_MODES)], 1):
        for r, v in enumerate(values, 2):
            put(ws, r, col, v)


PHASE_HEADERS = ["阶段", "开始日期", "结束日期", "说明", "每年重复"]
TO_FILL = "待填写"  # a stage date the plan leaves open (seed 003 "xx月")


def _write_phases(ws, book: Rulebook) -> None:
    from taizhang.xlsx.xlsxout import table

    rows = [[p.name, p.start or TO_FILL, p.end or TO_FILL, p.note, "是" if p.every_year else "否"] for p in book.phases]
    table(ws, 1, PHASE_HEADERS, rows, [26, 14, 14, 70, 10])
    ws.freeze_panes = "A2"


def _write_routing(ws, book: Rulebook) -> None:
    from taizhang.xlsx.xlsxout import table

    table(ws, 1, ["单位类型", "归口汇总部门"], [[r.unit_type, r.summary_dept] for r in book.routing], [18, 24])


def _write_ladder(ws, book: Rulebook) -> None:
    from taizhang.xlsx.xlsxout import table

    rows = [[i, r.step, r.quote, r.kind] for i, r in enumerate(book.ladder, 1)]
    if book.listing:  # a case-level measure beside the ladder (seed 002 挂牌督办)
        rows.append([LISTING_MARK, book.listing.step, book.listing.quote, book.listing.kind])
    table(ws, 1, LADDER_HEADERS, rows, [8, 20, 90, 20])
    ws.freeze_panes = "A2"


def _write_materials(ws, book: Rulebook) -> None:
    from taizhang.book.materials import preset_rows
    from taizhang.xlsx.xlsxout import table

    table(ws, 1, MATERIAL_HEADERS, preset_rows(book), [24, 14, 16, 16, 70, 16, 40, 40])
    ws.freeze_panes = "A2"


def _write_holidays(ws, holidays: dict[dt.date, bool]) -> None:
    from taizhang.xlsx.xlsxout import table

    rows = [[d, "上班" if w else "放假", ""] for d, w in sorted(holidays.items())]
    table(ws, 1, HOLIDAY_HEADERS, rows, [14, 10, 40])
    ws.freeze_panes = "A2"


# --------------------------------------------------------------------------- loading

MASTER_SHEETS = (S_SETTINGS, S_UNITS, S_CATEGORIES, S_LISTS, S_PHASES, S_ROUTING, S_HOLIDAYS, S_LEDGER, S_HISTORY,
                 S_CHANGES, S_REPORTS, S_LADDER, S_SPOT, S_RECEIPTS, S_COLUMN_NAMES, S_STATUS_WORDS, S_EVIDENCE, S_MATERIALS,
                 S_REMIND_LOG, S_TRAIL, S_APPROVALS, S_CLOSURES)


def _as_date(v) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str) and v.strip():
        from taizhang.intake.normalize import parse_date_text

        d, _ = parse_date_text(v, None)
        return d
    return None


SOURCE_ROW = "_xrow"  # ledger frame column: the Excel row a case was read from (None: added in this run)
BULK_SHEETS = (S_LEDGER, S_HISTORY, S_CHANGES)  # the sheets that grow with the campaign


def load_master(path: str | Path, *, ledger: bool = True) -> Master:
    """Read the master workbook's settings, units, holidays, ledger and history from a file.

    ``ledger=False`` reads only the small sheets (settings, units, lists): enough to start checking
    submissions while ``load_ledger`` reads the rest.
    """
    path = Path(path)
    sheets = _read_sheets(path, [n for n in MASTER_SHEETS if ledger or n not in BULK_SHEETS])
    present = sheets.pop("")
    if not ledger and S_LEDGER in present:
        sheets[S_LEDGER] = []  # there, but read later
    return master_from_sheets(sheets, path)


def load_ledger(master: Master) -> Master:
    """Fill in the ledger, history and change log of a master read with ``ledger=False``."""
    from taizhang.xlsx.safety import Sniffed

    sheets = _read_sheets(master.path, list(BULK_SHEETS), Sniffed("xlsx"))  # vetted moments ago by load_master
    sheets.pop("")
    master.ledger, master.extra_columns = read_ledger_rows(sheets.get(S_LEDGER) or [])
    master.ledger_header = _header_of(sheets.get(S_LEDGER))
    master.history = _frame([list(r) for r in sheets.get(S_HISTORY) or []], HISTORY_HEADERS)
    master.changes = _frame([list(r) for r in sheets.get(S_CHANGES) or []], CHANGE_HEADERS)
    return master


def _read_sheets(path: Path, names: list[str], sniffed=None) -> dict:
    """The named sheets' rows (those present); key "" lists every sheet name in the workbook."""
    from taizhang.intake.reader import open_calamine
    from taizhang.xlsx.safety import FileProblem, sniff
    from taizhang.xlsx.storage import note_read

    note_read(path)  # inside a job's transaction: remember what is read (the write is refused if it changes)
    try:
        sniffed = sniffed or sniff(path)
        if sniffed.file_notes:  # decrypted with Excel's default key: readable, but taizhang could not write it back
            raise FileProblem("file-encrypted", f"{path.name} 是加密保存的（Excel 的默认密钥，通常因为设置了修改权限密码或"
                                                f"保护工作簿）。台账助手要改写台账总表，不能处理加密的文件：请在 Excel 中打开它，"
                                                f"取消修改权限密码和工作簿保护后保存，再运行。")
        wb = open_calamine(path, sniffed)
    except FileProblem as exc:
        message = exc.message.replace("请让报送单位", "请")  # the master is the office's own file
        raise MasterError(f"无法打开台账总表 {path}：{message}") from None
    try:
        sheets = {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
                  for name in names if name in wb.sheet_names}
        if sheets.get(S_LEDGER):  # the office's 100% is 1 with a % format: read as it shows (xlsx.numfmt)
            from taizhang.xlsx.numfmt import mark_percent, percent_cells

            mark_percent(sheets[S_LEDGER], percent_cells(path, sniffed.parts, sniffed.data).get(S_LEDGER))
        sheets[""] = list(wb.sheet_names)
    finally:
        wb.close()
    return sheets


def master_from_sheets(sheets: dict[str, list[list]], path: Path) -> Master:
    """Build a Master from the rows of its sheets (read from a file, or from the workbook open in Excel)."""
    origin = path.name
    if S_SETTINGS not in sheets or S_LEDGER not in sheets:
        raise MasterError(f"{origin} 不是台账总表：缺少“{S_SETTINGS}”或“{S_LEDGER}”工作表。"
                          f"请用 taizhang new 创建台账总表，或打开正确的文件。")

    def rows(name: str) -> list[list]:
        return [list(r) for r in sheets.get(name) or []]

    settings = [(i, r[0] if r else "", r[1] if len(r) > 1 else None) for i, r in enumerate(rows(S_SETTINGS)[1:], 2)]
    sheet_notes: list = []  # findings on how the small sheets were read (问题类别's columns)
    try:
        book, extras = rulebook_from_sheets(settings, _read_lists(rows, origin, sheet_notes), origin)
    except RulebookError as exc:
        raise MasterError(str(exc)) from None
    book, settings_notes = migrate_settings(book, extras, {str(label or "").strip() for _, label, _ in settings})
    if not book.ladder and S_LADDER not in sheets:  # a master made before the 问责阶梯 sheet: the preset's own ladder
        from taizhang.rules.rulebook import builtin_rulebooks

        plan = builtin_rulebooks().get(book.id)
        if plan is not None:
            book = book.model_copy(update={"ladder": plan.ladder, "listing": plan.listing})
    elif "性质" not in [str(h or "").strip() for h in (rows(S_LADDER) or [[]])[0]]:
        book = _plan_kinds(book)  # a 问责阶梯 sheet without 性质: each step's kind from the preset, else the office's menu
    unit_rows = [(i, *[("" if v is None else v) for v in (list(r) + ["", "", "", ""])[:4]])
                 for i, r in enumerate(rows(S_UNITS)[1:], 2)]
    try:
        units = build_directory(unit_rows, f"{origin} 的“{S_UNITS}”表")
    except UnitListError as exc:
        raise MasterError(str(exc)) from None
    holidays = _read_holidays(rows(S_HOLIDAYS), origin)
    ledger, extra_cols = read_ledger_rows(sheets.get(S_LEDGER) or [])  # read-only: no copy of 100,000 rows
    history = _frame(rows(S_HISTORY), HISTORY_HEADERS)
    changes = _frame(rows(S_CHANGES), CHANGE_HEADERS)
    reports = [r for r in rows(S_REPORTS)[1:] if r and r[0] not in (None, "")]
    spot = [r for r in rows(S_SPOT)[1:] if r and r[0] not in (None, "")]
    receipts = [[(_as_date(v) if i >= 2 else v) for i, v in enumerate((list(r) + [None] * 5)[:5])]
                for r in rows(S_RECEIPTS)[1:] if len(r) > 1 and r[1]]
    return Master(path, book, units, holidays, ledger, extra_cols, history, changes, extras, reports, spot,
                  receipts=receipts, list_columns=_list_columns(sheets.get(S_LISTS)),
                  notice_years=notice_years(rows(S_HOLIDAYS)),
                  column_names=_column_names(rows(S_COLUMN_NAMES), origin),
                  status_words=_status_words(rows(S_STATUS_WORDS), book.statuses, origin),
                  ledger_header=_header_of(sheets.get(S_LEDGER)), settings_notes=settings_notes,
                  sheet_findings=sheet_notes,
                  evidence=[[(_as_date(v) if i in (5, 6) else v) for i, v in enumerate((list(r) + [None] * 10)[:10])]
                            for r in rows(S_EVIDENCE)[1:] if r and any(v not in (None, "") for v in r)],
                  trail=[[(_as_date(v) if i in (6, 10, 13) else v) for i, v in enumerate(r)] for r in rows(S_TRAIL)[1:]],
                  approval_rows=rows(S_APPROVALS) or None, closure_rows=rows(S_CLOSURES) or None,
                  materials=rows(S_MATERIALS) if S_MATERIALS in sheets else None,
                  remind_log=[r for r in rows(S_REMIND_LOG)[1:] if len(r) > 1 and r[1]])


def _column_names(table: list[list], origin: str) -> dict[str, str]:
    """The office's 列名对照 (optional): below its header, a unit's column name and the ledger field it means."""
    from taizhang.fields import FIELDS, column_names_index

    pairs = [(i, str(r[0]).strip(), str(r[1]).strip()) for i, r in enumerate(table[1:], 2)
             if len(r) > 1 and r[0] not in (None, "") and r[1] not in (None, "")]
    for i, name, target in pairs:
        try:
            column_names_index([(name, target)])
        except ValueError:
            fields = "、".join(f.header for f in FIELDS if f.owner == "unit")
            raise MasterError(f"{origin} 的“{S_COLUMN_NAMES}”表第{i}行：“{target}”不是台账字段。"
                              f"“台账字段”一列请填写：{fields}。") from None
    return column_names_index([(name, target) for _, name, target in pairs])


def _status_words(table: list[list], statuses: list[str], origin: str) -> dict[str, str]:
    """The office's 状态对照 (optional): below its header, a word units write and the campaign's status it means."""
    from taizhang.fields import norm_text

    out: dict[str, str] = {}
    for i, r in enumerate(table[1:], 2):
        if len(r) < 2 or r[0] in (None, "") or r[1] in (None, ""):
            continue
        status = norm_text(r[1])
        if status not in statuses:
            raise MasterError(f"{origin} 的“{S_STATUS_WORDS}”表第{i}行：“{str(r[1]).strip()}”不是本专项行动的办理状态。"
                              f"“办理状态”一列请填写：{'、'.join(statuses)}。")
        out[norm_text(r[0])] = status
    return out


def _header_of(table: list[list] | None) -> list | None:
    """The 台账's header row as read (None: no rows yet)."""
    return list(table[0]) if table else None


def _list_columns(table: list[list] | None) -> list[str] | None:
    """The 代码表's headers, as wide as its widest row (a column of values without a header counts as used)."""
    if table is None:
        return None
    width = max((max((i + 1 for i, v in enumerate(r) if v not in (None, "")), default=0) for r in table), default=0)
    head = [str(v or "").strip() for v in (table[0] if table else [])]
    return (head + [""] * width)[:width]


_CATEGORY_ROLES = ("问题类别", "牵头督办部门", "说明")


def _category_columns(table: list[list], file: str) -> tuple[int | None, int | None, int | None, list]:
    """Where 问题类别's sheet holds each category's name, 牵头督办部门 and 说明 (0-based; None: no such column), by
    header (CATEGORY_ALIASES), and the findings for the office where a column could not be placed by its header.

    A column headed 说明/备注 is never a department. Only a sheet laid out as every master before optional departments
    was (three columns: name, department, note; the first not a 序号) whose headers are not all recognised is read by
    position, and the office is told which cells were; elsewhere a column of unrecognised header is not read, and the
    office is told (never a column of blanks read silently). A name column that no header names is the first
    unrecognised column not of numbers only (a 序号)."""
    from taizhang.fields import norm_header
    from taizhang.findings import col_letter, finding

    head = list(table[0]) if table else []
    width = max((max((i + 1 for i, v in enumerate(r) if v not in (None, "")), default=0) for r in table), default=0)
    texts = [str(v or "").strip() for v in (head + [None] * width)[:width]]
    aliases = [{norm_header(a) for a in group} for group in CATEGORY_ALIASES]
    role = [next((k for k, group in enumerate(aliases) if norm_header(t) in group), None) if t else None for t in texts]
    found: list[int | None] = [next((i for i, k in enumerate(role) if k == want), None) for want in range(3)]
    unknown = [i for i, k in enumerate(role) if k is None or found[k] != i]  # unrecognised, or a second of a role
    notes: list = []

    def cell(i: int) -> str:
        return f"{col_letter(i)}1"

    def shown(i: int) -> str:
        return f"“{texts[i]}”" if texts[i] else "（空白）"

    def numbers(i: int) -> bool:  # a 序号 column: never the names
        vals = [str(r[i]).strip() for r in table[1:] if i < len(r) and r[i] not in (None, "")]
        return bool(vals) and all(v.replace(".", "", 1).isdigit() for v in vals)

    if width == 3 and unknown and all(role[i] in (None, i) for i in range(3)) and not numbers(0):  # the old layout, headers renamed
        for i in unknown:
            notes.append(finding(
                "category-column-by-position",
                f"{file} 的“{S_CATEGORIES}”表 {cell(i)} 格的表头{shown(i)}不是可识别的列名；该表按旧版台账总表的三列格式"
                f"（问题类别、牵头督办部门、说明）读取，第{col_letter(i)}列当作“{_CATEGORY_ROLES[i]}”。"
                f"请核对，并将 {cell(i)} 格改为“{_CATEGORY_ROLES[i]}”。",
                file=file, sheet=S_CATEGORIES, row=1, column=col_letter(i), header=texts[i]))
        return 0, 1, 2, notes
    named = [i for i in unknown if not numbers(i)]
    if found[0] is None and named:
        at = named[0]
        unknown.remove(at)
        found[0] = at
        notes.append(finding(
            "category-column-by-position",
            f"{file} 的“{S_CATEGORIES}”表没有“问题类别”列，已把第{col_letter(at)}列（{cell(at)} 格表头{shown(at)}）"
            f"当作问题类别读取。请核对，并将 {cell(at)} 格改为“问题类别”。",
            file=file, sheet=S_CATEGORIES, row=1, column=col_letter(at), header=texts[at]))
    for i in unknown:
        notes.append(finding(
            "category-column-unknown",
            f"{file} 的“{S_CATEGORIES}”表 {cell(i)} 格的表头{shown(i)}不是可识别的列名，第{col_letter(i)}列未读取。"
            f"如这一列是各类别的牵头督办部门，请将 {cell(i)} 格改为“牵头督办部门”；如是说明，请改为“说明”；"
            f"否则请删除这一列。",
            file=file, sheet=S_CATEGORIES, row=1, column=col_letter(i), header=texts[i]))
    return found[0], found[1], found[2], notes


def _read_lists(rows, file: str = "", notes: list | None = None) -> dict:
    """The lists the master's small sheets hold; findings about how they were read go to ``notes``."""
    lists: dict = {}
    table = rows(S_CATEGORIES)
    if table[1:]:
        at_name, at_sup, at_note, found = _category_columns(table, file)
        if notes is not None:
            notes.extend(found)

        def cell(r, i):
            return str(r[i] or "").strip() if i is not None and i < len(r) else ""

        lists["categories"] = [Category(name=cell(r, at_name), supervisor=cell(r, at_sup), note=cell(r, at_note))
                               for r in table[1:] if r and cell(r, at_name)]
    codes = rows(S_LISTS)
    if codes:
        head = [str(h or "").strip() for h in codes[0]]
        for label, key in (("线索来源", "sources"), ("办理状态", "statuses")):
            if label in head:
                i = head.index(label)
                vals = [str(r[i]).strip() for r in codes[1:] if i < len(r) and str(r[i] or "").strip()]
                if vals:
                    lists[key] = list(dict.fromkeys(vals))
    lists["phases"] = [Phase(name=str(r[0]).strip(), start=_stage_date(r[1]) if len(r) > 1 else None,
                             end=_stage_date(r[2]) if len(r) > 2 else None, note=str(r[3] or "") if len(r) > 3 else "",
                             every_year=len(r) > 4 and str(r[4] or "").strip() in ("是", "每年"))
                       for r in rows(S_PHASES)[1:] if r and str(r[0] or "").strip()]
    lists["routing"] = [Route(unit_type=str(r[0]).strip(), summary_dept=str(r[1]).strip())
                        for r in rows(S_ROUTING)[1:] if len(r) > 1 and str(r[0] or "").strip() and str(r[1] or "").strip()]
    rungs = [(str(r[0] or "").strip(), Rung(step=str(r[1]).strip(), quote=str(r[2] or "").strip() if len(r) > 2 else "",
                                             kind=_rung_kind(r[3] if len(r) > 3 else None)))
             for r in rows(S_LADDER)[1:] if len(r) > 1 and str(r[1] or "").strip()]
    ladder = [g for mark, g in rungs if mark != LISTING_MARK]
    if ladder:
        lists["ladder"] = ladder
    listing = [g for mark, g in rungs if mark == LISTING_MARK]
    if listing:
        lists["listing"] = listing[0]
    if lists.get("statuses"):
        lists["statuses"] = [s for s in lists["statuses"] if s in STATUSES] or list(STATUSES)
    return lists


def _rung_kind(v) -> str:
    """A 问责阶梯 row's 性质; anything but 按时限递进 is the office's to choose (never suggested from days)."""
    return KIND_TIME if str(v or "").strip() == KIND_TIME else KIND_MENU


def _plan_kinds(book: Rulebook) -> Rulebook:
    from taizhang.rules.rulebook import builtin_rulebooks

    plan = builtin_rulebooks().get(book.id)
    if plan is None:
        return book
    kinds = {r.step: r.kind for r in plan.ladder + ([plan.listing] if plan.listing else [])}
    ladder = [r.model_copy(update={"kind": kinds.get(r.step, KIND_MENU)}) for r in book.ladder]
    listing = book.listing.model_copy(update={"kind": kinds.get(book.listing.step, KIND_MENU)}) if book.listing else None
    return book.model_copy(update={"ladder": ladder, "listing": listing})


def _stage_date(v) -> dt.date | None:
    if isinstance(v, str) and v.strip() in (TO_FILL, ""):
        return None
    return _as_date(v)


def _read_holidays(table: list[list], origin: str) -> dict[dt.date, bool]:
    pairs = []
    for i, r in enumerate(table[1:], 2):
        if not r or r[0] in (None, ""):
            continue
        d = _as_date(r[0])
        kind = str(r[1]).strip() if len(r) > 1 and r[1] is not None else ""
        if d is None or kind not in ("放假", "上班", "休息", "工作日", "调休上班", "补班", "休假", "节假日"):
            raise MasterError(f"{origin} 的“{S_HOLIDAYS}”表第{i}行无法识别（日期：{r[0]!r}，类型：{kind!r}）。"
                              f"日期请写成 2026-10-09，类型填“放假”或“上班”。")
        pairs.append((d, kind))
    return overrides_from_rows(pairs)


def notice_years(table: list[list]) -> frozenset[int]:
    """The years the 节假日 sheet holds a State Council notice for (rows whose 说明 says so)."""
    from taizhang.calendar.holiday_notice import notice_year_of

    return frozenset(y for r in table[1:] if len(r) > 2 and (y := notice_year_of(r[2])) is not None)


def _frame(rows: list[list], headers: list[str]) -> pd.DataFrame:
    if len(rows) < 2:
        return pd.DataFrame(columns=headers)
    body = [list(r[: len(headers)]) + [None] * (len(headers) - len(r)) for r in rows[1:] if any(v not in (None, "") for v in r)]
    df = pd.DataFrame(body, columns=headers)
    return df.replace({"": None})


def read_ledger_rows(rows: list[list]) -> tuple[pd.DataFrame, list[str]]:
    """The master's 台账 sheet (header in row 1) → canonical frame plus extra columns kept as-is."""
    if not rows:
        return empty_ledger(), []
    header = rows[0]
    keys: list[str | None] = []
    extra: list[str] = []
    seen: set[str] = set()
    for h in header:
        key, _ = match_header(h)
        if key and key not in seen and key in LEDGER_KEYS:  # (a unit's 申请延期至 is no ledger field: the office's column)
            keys.append(key)
            seen.add(key)
        elif str(h or "").strip():
            keys.append("x:" + str(h).strip())
            extra.append(str(h).strip())
        else:
            keys.append(None)
    width = len(header)
    data_rows = rows[1:]
    # a row with any value is kept; ``any`` settles almost every row at its first cell (问题编号), and only a row
    # whose cells are all falsy (0, False, "", None) is counted out exactly
    kept = [(i, r) for i, r in zip(range(2, len(data_rows) + 2), data_rows)
            if any(r) or len(r) > r.count(None) + r.count("")]
    body = [r for _, r in kept]
    if any(len(r) != width for r in body):
        body = [(list(r) + [None] * width)[:width] for r in body]
    data: dict[str, list] = {}
    unread: dict[int, dict[str, object]] = {}  # position → {field: the cell as the office typed it}, where it did not parse
    for i, k in enumerate(keys):
        if k and k not in data:
            # the column's cells in one C-level pass (only the columns read; ``zip(*body)`` of every column pulled one
            # cell from each of 100,000 row iterators per column: the same values, in about half the time)
            values = list(map(itemgetter(i), body))
            f = BY_KEY.get(k)
            if f is not None and f.kind in _TEXT_KINDS:  # mostly text already: convert only what is not
                if set(map(type, values)) <= _TEXT_OR_NONE:  # all of it: only the blank cells' "" to None
                    data[k] = [v or None for v in values] if "" in values else values
                else:
                    data[k] = [v if type(v) is str and v else (None if v is None or v == "" else _clean_master_value(k, v))
                               for v in values]
            else:
                data[k] = map_unique(values, lambda v, k=k: _clean_master_value(k, v))
                if f is not None and f.owner not in ("computed", "provenance"):
                    _keep_unread(k, values, data[k], unread)
    n = len(body)
    if "deadline_origin" not in data and "deadline" in data:
        data["deadline_origin"] = _legacy_origins(data["deadline"], data.get("deadline_note") or [None] * n)
    for f in FIELDS:
        data.setdefault(f.key, [None] * n)
    for e in extra:
        data.setdefault("x:" + e, [None] * n)
    data[SOURCE_ROW] = [i for i, _ in kept]  # where each case stood: the office's cells move with it
    data[UNREAD] = [unread.get(i) for i in range(n)]
    df = pd.DataFrame(data, dtype=object)
    return df, extra



def _keep_unread(key: str, raw, typed: list, unread: dict) -> None:
    """Note the cells of a typed column that did not parse ("待领导小组研究" in 延期至, "约120" in 涉及金额): the typed
    value is None, as for a blank, and the cell is written back as the office typed it (``with_unread``)."""
    blank = typed.count(None)
    if blank == raw.count(None) + raw.count(""):  # every None was a blank cell: nothing unread (the usual case)
        return
    for i, (v, t) in enumerate(zip(raw, typed)):
        if t is None and v is not None and not (type(v) is str and not v.strip()):
            unread.setdefault(i, {})[key] = v


def with_unread(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger to write: where a field the office typed did not parse and still holds no value, its cell as
    typed (a value set since, by a unit or by taizhang, wins)."""
    if UNREAD not in ledger.columns or not ledger[UNREAD].notna().any():
        return ledger
    df = ledger.copy()
    for pos in np.flatnonzero(df[UNREAD].notna().to_numpy()).tolist():
        for key, v in df[UNREAD].iat[pos].items():
            if key in df.columns and _blank(df[key].iat[pos]):
                df.iat[pos, df.columns.get_loc(key)] = v
    return df


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and v != v)


LEGACY_COMPUTED_NOTE = "按复杂程度“"  # how masters made before 时限来源 existed marked a computed 整改时限


def _legacy_origins(deadlines: list, notes: list) -> list:
    """时限来源 for a master written before the column existed: its computed deadlines were marked only in 时限说明's
    wording, read here once; the next save stores the fact in 时限来源 and it is never read from wording again."""
    return [None if d is None else "计算" if isinstance(nt, str) and nt.startswith(LEGACY_COMPUTED_NOTE) else "填写"
            for d, nt in zip(deadlines, notes)]


_TEXT_KINDS = ("id", "phone", "text", "status", "complexity", "category", "source", "unit", "light", "mode")
_TEXT_OR_NONE = frozenset({str, type(None)})


def _clean_master_value(key: str, v):
    if v is None or v == "":
        return None
    f = BY_KEY.get(key)
    if f is None:
        return v
    if f.kind == "date":
        return _as_date(v)
    if f.kind in _TEXT_KINDS:
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, (dt.date, dt.datetime)):
            return v.isoformat()[:10]
        return str(v)
    if f.kind == "percent" and isinstance(v, Percent):
        return v.shown()  # typed as 100% in the office's master: 100, as it showed
    if f.kind in ("amount", "percent"):
        try:
            return float(v)
        except (TypeError, ValueError):
            return None
    if f.kind == "int":
        try:
            return int(float(v))
        except (TypeError, ValueError):
            return None
    return v
