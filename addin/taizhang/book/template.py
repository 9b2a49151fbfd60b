"""Submission templates: one workbook per member unit, pre-filled with its open cases.

Units update rather than retype: each template carries the unit's open cases,
its name in the 填报单位 line, drop-downs fed from a hidden 代码表 sheet,
office-owned and computed columns locked (sheet protection without a
password: it prevents accidents, not determined edits — merge ignores those
columns anyway), and a 填报说明 sheet.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, Protection
from openpyxl.utils import get_column_letter

from taizhang.book.ledger_plan import campaign_uses
from taizhang.errors import BadRequest
from taizhang.fields import FIELDS, OFFICE_ONLY, ORIGIN_COMPUTED, REQUEST_FIELDS, STATUS_CLOSED, STATUS_UNFOUNDED
from taizhang.rules.rulebook import RECTIFY_MODES
from taizhang.xlsx.storage import atomic_write
from taizhang.xlsx.xlsxout import FILL, header_row, put, styled

# the ledger's columns, then the unit's application for an extension (申请延期至, 申请理由: white, the unit's to fill);
# a field only some campaigns have (book.ledger_plan.CAMPAIGN_FIELDS: 复杂程度, 签收期限, 区级协调, 牵头督办部门…) only in
# theirs
COORD_KEYS = ("coord_request", "coord_reason")  # seed 001's request for 区级协调: only where the plan has it
# seed 004's 任务类型 only where the plan has task types (``template_fields``), after the ledger's own columns
TASK_FIELD = next(f for f in FIELDS if f.key == "task_type")
FORM_FIELDS = [f for f in FIELDS if f.owner != "provenance" and f.key not in OFFICE_ONLY and f is not TASK_FIELD]
FORM_REQUESTS = [f for f in REQUEST_FIELDS if f.key != "signoff" and f.key not in COORD_KEYS]


def template_fields(book) -> list:
    """The columns of a unit's template: the ledger's fields its campaign has (``ledger_plan.campaign_uses``: 复杂程度
    only with tiers, 签收期限/反馈期限 only with limits, 区级协调 and 牵头督办部门 only seed 001's, 归口汇总部门 only seed
    003's, 回访 only where the office asks for it), then the unit's requests; seed 004's 任务类型 before them; seed
    001's 申请区级协调 and 区级协调理由 only where the plan has 区级协调; seed 000's 主管副区长审签 last, only where new
    cases wait for 核准."""
    fields = [f for f in FORM_FIELDS if campaign_uses(book, f.key)]
    if book.task_rhythms:  # seed 004's 任务类型 (its report rhythm): only where the plan has it
        fields.append(TASK_FIELD)
    fields += FORM_REQUESTS
    if book.district_coord:
        fields += [f for f in REQUEST_FIELDS if f.key in COORD_KEYS]
    return fields + [f for f in REQUEST_FIELDS if f.key == "signoff"] if book.approve_cases else fields


UNIT_OWNERS = ("unit", "request")
HEADER_ROW = 3
_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]')

GUIDE = [
    "填报说明",
    "1. 请在“台账”表中更新本单位问题的办理进展、办理状态、完成进度等；新发现的问题在表格末尾新增一行，问题编号留空，由办公室统一编号。",
    "2. 白色列由本单位填写；橙色列（督办意见、牵头督办部门等）由办公室填写，绿色列（时限、红绿灯）由系统计算，均已锁定，无需修改。",
    "3. 问题类别、线索来源、复杂程度、办理状态、责任单位请从下拉列表中选择。",
    "4. 日期请写成 2026-05-31 或 2026年5月31日；涉及金额以万元为单位，只填数字。",
    "5. 状态为“已办结”须填写办结日期；“已销号”须填写销号审核人和销号日期（经领导小组审定）。",
    "6. 需要延期的，请在“申请延期至”中填写申请的日期、在“申请理由”中写明理由；办公室报批同意后在“延期至”登记，批准前仍按原时限计算。"
    "已有问题的整改时限请勿自行改动，改动将作为延期申请处理。",
    "6a. 其他申请请在“申请事项”中填写：销号、查否、不属本单位（在“申请理由”中写明理由）；办公室审批（不属本单位的由办公室指定承办单位，"
    "指定前仍由本单位办理、整改时限不变），结果记入审批台账。"
    "办公室不同意或退回补充的，下一期模板“办公室答复”列写明理由。",
    "6b. 需要提交区级层面专项研究讨论、专题协调解决的问题，请在“申请区级协调”中填写“是”、在“区级协调理由”中写明理由；是否提交由办公室"
    "研究决定（在台账总表“区级协调”列标记），结果记入审批台账。",
    "7. 本期没有问题需要报送的，请在“台账”表第4行填写“零报告”后报送。",
    "8. 请勿修改表头、删除列或改动工作表名称；文件名请保留“单位名称-报送期”的格式。",
]


SIGNED_SPARE = 30  # blank rows for new problems on a form that is signed and sealed (printed)
# the lines under a signed form; the reader skips each as 说明或落款 (intake.reader._FOOTER)
SIGNATURE_LINES = [("部门主要负责同志（签字）：", "单位（盖章）："), ("填报日期：　　　　年　　月　　日", "")]
SIGNED_GUIDE = "本表经部门主要负责同志签字、加盖单位公章后报送；签字盖章的纸质件（或扫描件）与本电子表格一并报送，电子表格中请勿删除签字盖章行。"


def safe_name(text: str, limit: int = 80) -> str:
    """A file or sheet name built from data: no separators, no '..', nothing Windows forbids."""
    t = _FORBIDDEN.sub("_", str(text)).replace("..", "_").strip(" .")
    t = re.sub(r"_+", "_", t)
    if t.upper().split(".")[0] in {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}:
        t = "_" + t
    return (t or "未命名")[:limit]


def period_label(today: dt.date, cadence: str) -> str:
    if cadence == "weekly":
        y, w, _ = today.isocalendar()
        return f"{y}年第{w}周"
    if cadence == "ten_days":
        part = "上旬" if today.day <= 10 else "中旬" if today.day <= 20 else "下旬"
        return f"{today.year}年{today.month}月{part}"
    if cadence == "quarterly":
        return f"{today.year}年第{(today.month - 1) // 3 + 1}季度"
    return f"{today.year}年{today.month}月"


def next_period_day(book, written: dt.date | None) -> dt.date | None:
    """A day of the report period after the one due (as written) on ``written``; None for a one-off or per-event plan."""
    cadence = book.reporting.cadence
    if written is None:
        return None
    if cadence == "weekly":
        return written + dt.timedelta(days=7)
    if cadence == "ten_days":
        return written + dt.timedelta(days=1)
    if cadence == "monthly":
        return (written.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    if cadence == "quarterly":
        month = ((written.month - 1) // 3) * 3 + 4
        return dt.date(written.year + (month > 12), (month - 1) % 12 + 1, 1)
    return None


def cycle_day(master, today: dt.date, cycle: str = "current") -> dt.date:
    """The day whose report period a template is for: ``today``'s, or with ``cycle="next"`` the period after it."""
    if cycle != "next":
        return today
    from taizhang.book.merge import due_date

    day = next_period_day(master.rulebook, due_date(master.rulebook, today))
    if day is None:
        raise BadRequest("本专项行动不按固定周期报送（一次性或随时报送），没有“下一期”：请去掉 --cycle next，"
                         "或在参数设置中设定报送周期。")
    return day


def due_line(master, day: dt.date) -> str:
    """报送截止：the due date in force of ``day``'s period (moved off a day off by 截止日遇休息日), or ''."""
    from taizhang.book.merge import report_due

    due, written = report_due(master.rulebook, day, master.calendar())
    if due is None:
        return ""
    moved = f"（{written.month}月{written.day}日为休息日，{'提前' if due < written else '顺延'}）" if due != written else ""
    return f"    报送截止：{due.year}年{due.month}月{due.day}日（星期{'一二三四五六日'[due.weekday()]}）{moved}"


def write_templates(master, out_dir: str | Path, today: dt.date, only_unit: str | None = None,
                    progress=None, cycle: str = "current") -> list[Path]:
    """One template per member unit (or ``only_unit``) for ``today``'s report period, or with ``cycle="next"`` the
    next period's (the same open cases, the next period's name and due date)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    book = master.rulebook
    day = cycle_day(master, today, cycle)
    period = period_label(day, book.reporting.cadence)
    due = due_line(master, day)
    units = master.units.units
    if only_unit:
        official = master.units.match(only_unit)
        if not official:
            hint = "、".join(master.units.suggest(only_unit)) or "（无相近名称）"
            raise BadRequest(f"“{only_unit}”不在成员单位名单中。相近的单位：{hint}")
        units = [master.units.by_name[official]]
    written: list[Path] = []
    used: set[str] = set()
    ledger = master.ledger
    open_mask = ~ledger["status"].isin([STATUS_CLOSED, STATUS_UNFOUNDED])
    for unit in units:
        cases = ledger[open_mask & (ledger["unit"] == unit.name)]
        name = safe_name(f"{unit.name}-{period}")
        base, k = name, 2
        while name.lower() in used:
            name, k = f"{base}({k})", k + 1
        used.add(name.lower())
        path = out_dir / f"{name}.xlsx"
        if progress:  # (done, total, file): before each, and once at the end
            progress(len(written), len(units), path.name)
        atomic_write(path, lambda tmp, u=unit, c=cases: _write_one(tmp, master, u, c, period, today, due))
        written.append(path)
    if progress:
        progress(len(written), len(units), "")
    return written


def _protect(cell, locked: bool, fill: bool = True) -> None:
    """Lock (and grey) an office or computed cell, unlock a unit's; through the style cache, because
    setting styles cell by cell on ~7,000 cells was most of the time spent writing a template."""

    def apply(c):
        c.protection = Protection(locked=locked)
        if locked and fill:
            c.fill = FILL["closed"]

    styled(cell, ("template", locked, fill, tuple(cell._style or ())), apply)


def _write_one(tmp: Path, master, unit, cases, period: str, today: dt.date, due: str = "") -> None:
    book = master.rulebook
    fields = template_fields(book)
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    last_col = get_column_letter(len(fields))
    put(ws, 1, 1, f"{book.form_title or book.name + '台账'}（{period}）").font = Font(bold=True, size=14)
    ws.merge_cells(f"A1:{last_col}1")
    put(ws, 2, 1, f"填报单位：{unit.name}（盖章）")
    put(ws, 2, 6, f"报送期：{period}{due}    模板生成日期：{today.isoformat()}")
    fills = [FILL["office"] if f.owner == "office" else FILL["computed"] if f.owner == "computed" else None
             for f in fields]
    header_row(ws, HEADER_ROW, [f.header for f in fields], [f.width for f in fields], fills)
    locked_cols = {i for i, f in enumerate(fields, 1) if f.owner not in UNIT_OWNERS}
    n = len(cases)
    spare = SIGNED_SPARE if book.form_signed else 200  # a signed form is printed: its signature under a short table
    from taizhang.book.trail import replies

    answers = replies(master)  # 办公室答复: a 不同意 / 退回补充 of the unit's request, with its reason (审批台账)
    for r, (_, case) in enumerate(cases.iterrows(), HEADER_ROW + 1):
        computed = case.get("deadline_origin") == ORIGIN_COMPUTED
        for c, f in enumerate(fields, 1):
            # a computed deadline is shown in 时限说明, not as if the unit had written it
            value = None if (f.key == "deadline" and computed) else case.get(f.key)
            if f.key == "request_reply":
                value = answers.get(str(case.get("case_id")))
            _protect(put(ws, r, c, value), c in locked_cols)
    for r in range(HEADER_ROW + 1 + n, HEADER_ROW + 1 + n + spare):
        for c in range(1, len(fields) + 1):
            _protect(ws.cell(row=r, column=c), c in locked_cols, fill=False)
    if book.form_signed:  # seed 002: "经部门主要负责同志签字盖章后…径送": the head signs, the unit seals
        at = HEADER_ROW + 1 + n + spare + 1
        for i, line in enumerate(SIGNATURE_LINES):
            put(ws, at + i, 1, line[0]).font = Font(bold=True)
            if line[1]:
                put(ws, at + i, 6, line[1]).font = Font(bold=True)
        ws.print_area = f"A1:{last_col}{at + len(SIGNATURE_LINES) - 1}"
        ws.page_setup.orientation, ws.page_setup.paperSize = "landscape", ws.PAPERSIZE_A3  # one sheet to sign
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=3)
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False
    ws.protection.insertRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = False

    lists = wb.create_sheet("代码表")
    columns = [[c.name for c in book.categories], book.sources, [t.name for t in book.tiers], list(book.statuses), [unit.name],
               list(RECTIFY_MODES), [r.name for r in book.task_rhythms]]
    for ci, values in enumerate(columns, 1):
        for ri, v in enumerate(values, 2):
            put(lists, ri, ci, v)
    lists.sheet_state = "hidden"
    col_of = {f.key: i for i, f in enumerate(fields, 1)}
    from openpyxl.worksheet.datavalidation import DataValidation

    for key, letter, size in (("category", "A", len(columns[0])), ("source", "B", len(columns[1])),
                              ("complexity", "C", len(columns[2])), ("status", "D", len(columns[3])), ("unit", "E", 1),
                              ("rectify_mode", "F", len(columns[5])), ("task_type", "G", len(columns[6]))):
        if key not in col_of:
            continue  # no 复杂程度 column where the campaign has no tiers, no 任务类型 where it has no task types
        dv = DataValidation(type="list", formula1=f"'代码表'!${letter}$2:${letter}${size + 1}", allow_blank=True,
                            showErrorMessage=True, errorStyle="warning", errorTitle="不在可选范围内",
                            error="请从下拉列表中选择。")
        col = get_column_letter(col_of[key])
        dv.add(f"{col}{HEADER_ROW + 1}:{col}{HEADER_ROW + n + spare}")
        ws.add_data_validation(dv)

    guide = wb.create_sheet("填报说明", 0)
    put(guide, 1, 1, GUIDE[0]).font = Font(bold=True, size=14)
    lines = [line for line in GUIDE[1:] if book.district_coord or not line.startswith("6b.")]
    # the office's columns the form has (牵头督办部门 only seed 001's, 归口汇总部门 only seed 003's: CAMPAIGN_FIELDS)
    office_named = "、".join(h for h in ("督办意见", "牵头督办部门", "归口汇总部门") if h in {f.header for f in fields}) + "等"
    for i, line in enumerate(lines, 2):
        line = line if book.tiers else line.replace("复杂程度、", "")
        put(guide, i, 1, line.replace("督办意见、牵头督办部门等", office_named))
    put(guide, len(lines) + 3, 1, f"报送要求：{book.reporting.note}")
    if book.form_signed:
        put(guide, len(lines) + 4, 1, SIGNED_GUIDE)
    guide.column_dimensions["A"].width = 120
    wb.active = 1
    wb.save(tmp)


