"""Validating one submission: typed values, findings, and the report object.

``check_submission`` turns a ``SheetRead`` into a typed frame (canonical field
keys; ``_row`` is the Excel row) and findings. ``validate_file`` is what the
``validate`` command and the ribbon's 校验本表 call; its ``ValidationReport``
is exactly the JSON the CLI prints.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel

from taizhang.errors import UserError
from taizhang.fields import BY_KEY, FIELDS, IGNORED_HEADERS, STATUSES, norm_header, norm_text
from taizhang.findings import Finding, count, finding, flatten
from taizhang.intake.normalize import (
    convert_column,
    to_amount,
    to_complexity,
    to_date,
    to_id,
    to_percent,
    to_phone,
    to_status,
    to_text,
    vocab_matcher,
)
from taizhang.intake.reader import SheetRead, read_submission
from taizhang.intake.units import UnitDirectory, norm_unit
from taizhang.rules.checks import RuleContext, run_rules
from taizhang.rules.rulebook import RECTIFY_MODES, Rulebook

UNIT_SOURCE_ZH = {"column": "责任单位列", "unit_line": "表头上方的“填报单位”", "file_name": "文件名"}


@dataclass
class Context:
    rulebook: Rulebook
    units: UnitDirectory | None
    today: dt.date
    single_unit: bool = True  # a unit's submission; False for the office's master ledger
    column_names: dict[str, str] | None = None  # the master's 列名对照, for reading (``fields.column_names_index``)
    status_words: dict[str, str] | None = None  # the master's 状态对照: folded word → canonical status
    # per kind of column, the values already converted in this context ((type, value) → result): the files of one
    # report day share their categories, statuses, units and dates, so each distinct value is converted once
    memo: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass
class Checked:
    read: SheetRead
    frame: pd.DataFrame
    findings: list[Finding]
    error_index: set = field(default_factory=set)
    unit: str | None = None
    unit_source: str | None = None
    more: list["Checked"] = field(default_factory=list)  # the file's other ledger sheets (``SheetRead.more``)

    @property
    def good(self) -> pd.DataFrame:
        return self.frame.drop(index=list(self.error_index))


class SkippedRow(BaseModel):
    """A non-empty row below the header that is not a case: where, what kind (subtotal, total, note,
    repeated-header, hidden, zero-report) and why, in Chinese."""

    row: int
    kind: str
    reason: str
    sheet: str = ""


def skipped_rows(read: SheetRead) -> list[SkippedRow]:
    """The rows skipped on every ledger sheet read from the file."""
    return [SkippedRow(row=r, kind=k, reason=why, sheet=part.sheet)
            for part in (read, *read.more) for r, k, why in sorted(part.skipped)]


class ValidationReport(BaseModel):
    file: str
    sheet: str
    header_row: int
    unit: str | None
    unit_source: str | None
    rows: int
    rows_ok: int
    rows_with_errors: int
    zero_report: bool
    counts: dict[str, int]
    findings: list[Finding]
    preset_note: str | None = None  # how the campaign was inferred, when no master or preset was given
    rows_in_file: int = 0  # non-empty rows below the header: rows (cases) + rows_skipped
    rows_skipped: list[SkippedRow] = []
    sheets: list[str] = []  # every ledger sheet read (``sheet`` first); rows and counts cover them all

    def flatten(self, spec: tuple[str, ...] = ("row", "column", "code"),
                severities: tuple[str, ...] = ("error", "warning")) -> list[tuple]:
        """The errors and warnings as sorted tuples of ``spec`` (see ``findings.flatten``)."""
        return flatten(self.findings, spec, severities)


def check_submission(read: SheetRead, ctx: Context) -> Checked:
    findings = list(read.findings)
    if read.failed:
        return Checked(read, pd.DataFrame(), findings)
    cols = read.key_columns()
    book = ctx.rulebook
    width = max([c.index + 1 for c in cols.values()] + [0])
    grid = [r if len(r) >= width else list(r) + [None] * (width - len(r)) for _, r in read.rows]
    by_column = list(zip(*grid)) if grid else [()] * width
    raw = {key: list(by_column[c.index]) if grid else [] for key, c in cols.items()}
    data: dict[str, list] = {"_row": [n for n, _ in read.rows]}
    problems: list[tuple[int, str, str, object]] = []  # (position, key, code, raw)
    year_hint = ctx.today.year
    category = vocab_matcher([c.name for c in book.categories])
    source = vocab_matcher(book.sources)
    tiers = [t.name for t in book.tiers]
    mode = vocab_matcher(list(RECTIFY_MODES))
    statuses = list(book.statuses) or list(STATUSES)
    converters = {
        "date": lambda v: to_date(v, year_hint),
        "percent": to_percent,
        "phone": to_phone,
        "status": lambda v: to_status(v, statuses, ctx.status_words),
        # no tiers (the plan sets none): a 复杂程度 an old form still carries is kept as written, never an error
        "complexity": (lambda v: to_complexity(v, tiers)) if tiers else (lambda v: (to_text(v) or None, None)),
        "category": lambda v: _vocab(category, v, "unknown-category"),
        "source": lambda v: _vocab(source, v, "unknown-source", keep=True),
        "unit": lambda v: _unit(ctx.units, v),
        "mode": lambda v: _vocab(mode, v, "unknown-mode"),
    }

    for key, values in raw.items():
        kind = BY_KEY[key].kind
        if kind == "id":
            data[key] = [to_id(v) for v in values]
            continue
        if key == "co_units":  # names, each matched against the unit list (a text column otherwise)
            conv = convert_column(values, lambda v: _co_units(ctx.units, v), ctx.memo.setdefault("co_units", {}))
        elif key == "task_type" and book.task_rhythms:  # seed 004's task types: the plan's name, or kept and warned
            conv = convert_column(values, lambda v: _task_type(book, v), ctx.memo.setdefault("task_type", {}))
        elif kind == "amount":
            factor = cols[key].factor
            conv = convert_column(values, lambda v, factor=factor: to_amount(v, factor), ctx.memo.setdefault(("amount", factor), {}))
        elif kind in converters:  # a phone number is one case's: remembering it would only cost memory
            conv = convert_column(values, converters[kind], None if kind == "phone" else ctx.memo.setdefault(kind, {}))
        else:
            data[key] = _texts(values)
            continue
        data[key] = conv.values
        problems.extend((pos, key, code, values[pos]) for pos, code in conv.problems)
    n = len(read.rows)
    for f in FIELDS:
        data.setdefault(f.key, [None] * n)
    unit, unit_source = identify_unit(read, data["unit"], ctx.units)
    if unit:  # rows that left 责任单位 empty belong to the sender (not rows whose unit was unrecognised)
        written = raw.get("unit", [None] * n)
        data["unit"] = [unit if v is None and written[i] in (None, "") else v for i, v in enumerate(data["unit"])]
    frame = _frame(data, n)
    if unit:
        findings.append(finding("unit-identified", f"报送单位识别为“{unit}”（依据：{UNIT_SOURCE_ZH[unit_source]}）。",
                                file=read.file, sheet=read.sheet, unit=unit))
    elif ctx.units is not None and len(ctx.units):
        findings.append(finding("unit-unidentified", f"无法确定 {read.file} 是哪个单位报送的：责任单位列、“填报单位”行和文件名都没有"
                                f"成员单位名单中的名称。请在文件名或“填报单位：”中写明单位全称，或在“成员单位”表中补充别名。",
                                file=read.file, sheet=read.sheet))

    error_index: set = set()
    excel_rows, row_units = data["_row"], data["unit"]

    def add(pos: int, key: str, code: str, message: str, value=None) -> None:
        col = cols.get(key)
        f = finding(code, message, file=read.file, sheet=read.sheet, row=int(excel_rows[pos]),
                    column=col.letter if col else "", header=col.header if col else BY_KEY[key].header,
                    value=to_text(value) if value is not None else None, unit=row_units[pos] or unit or "")
        findings.append(f)
        if f.severity == "error":
            error_index.add(pos)

    for pos, key, code, value in problems:
        add(pos, key, code, _problem_message(code, key, value, ctx), value)
    if unit and "unit" in cols and ctx.single_unit:
        for pos, v in enumerate(data["unit"]):
            if v is not None and v == v and v != unit:
                add(pos, "unit", "unit-mismatch", f"本行责任单位为“{v}”，与报送单位“{unit}”不同，请确认。", v)
    already = {(pos, key) for pos, key, _, _ in problems}
    # a required column the header did not yield (renamed, e.g. 问题描述 → 存在问题): say so, not "不能为空"
    # (any required field's column, 交办日期 too; not 责任单位, which the unit line or the file name may give)
    absent = {k for k in BY_KEY if k not in cols and k != "unit"}
    unread = [c.header for c in getattr(read, "columns", [])  # a 序号 column is no field's column: not named here
              if c.key is None and c.header and norm_header(c.header) not in IGNORED_HEADERS]
    column_hint = ("本表中未能识别的列：" + "、".join(f"“{h}”" for h in unread)) if unread else "表头中没有这一列"
    for code, pos, key, msg in run_rules(frame, RuleContext(ctx.today, dict(data), book.deadline_rule, book.office_closes,
                                                         tuple(book.required_fields), book.required_quote,
                                                         book.district_coord), book.rules_off):
        if (pos, key) in already:
            continue  # an unreadable value already has its own finding; "missing" would be wrong
        if code == "missing-required" and key in absent:
            header = BY_KEY[key].header
            msg = (f"本表没有“{header}”列（{column_hint}），本行无法导入。请把对应列的表头改为“{header}”"
                   "（与办公室下发的填报模板一致）后重新报送。")
        add(pos, key, code, msg, raw[key][pos] if key in raw else None)
    if book.office_closes:
        _closure_applications(frame, findings, read, ctx, cols)
    if "missing-required" not in book.rules_off:
        missing_cols = [k for k in ("category", "description", "status") if k not in cols]
        for k in missing_cols:
            findings.append(finding("missing-column", f"表中没有“{BY_KEY[k].header}”列（{column_hint}），所有行都无法导入。"
                                    f"请把对应列的表头改为“{BY_KEY[k].header}”，或使用办公室下发的填报模板。",
                                    file=read.file, sheet=read.sheet, row=read.header_row, header=BY_KEY[k].header))
        if missing_cols:
            error_index.update(frame.index)
    return Checked(read, frame, findings, error_index, unit, unit_source, [check_submission(m, ctx) for m in read.more])


def _closure_applications(frame: pd.DataFrame, findings: list[Finding], read: SheetRead, ctx: Context, cols) -> None:
    """Where 销号 is the leading group's (seeds 000, 003), a unit's 已销号 is an application: the row arrives as
    已办结 with 销号申请 = the report day, and the unit's 销号审核人 / 销号日期 are left to the office."""
    from taizhang.fields import STATUS_CLOSED, STATUS_DONE

    status = frame["status"].tolist()
    applied = [s == STATUS_CLOSED for s in status]
    frame["status"] = [STATUS_DONE if a else s for a, s in zip(applied, status)]
    frame["close_request"] = [ctx.today if a else None for a in applied]
    frame["closer"] = None
    frame["closed_date"] = None
    for pos in [i for i, a in enumerate(applied) if a]:
        col = cols.get("status")
        findings.append(finding("close-requested", "本行报“已销号”：销号须报领导小组审定，已按“已办结”导入并列入“待销号确认”，"
                                "由办公室确认后销号。", file=read.file, sheet=read.sheet, row=int(frame["_row"].iat[pos]),
                                column=col.letter if col else "", header="办理状态", value="已销号",
                                unit=frame["unit"].iat[pos] or ""))


def _text(v) -> str | None:
    return (v.strip() or None) if type(v) is str else to_text(v)


def _texts(values: list) -> list:
    """A text column's cells as text (None for blank): once per distinct value, then one lookup per cell. Not for a
    column holding True or False (True == 1 would share 1's text)."""
    if {bool, np.bool_} & set(map(type, values)):
        return [_text(v) for v in values]
    try:
        known = {v: _text(v) for v in set(values)}
    except TypeError:
        return [_text(v) for v in values]
    return list(map(known.__getitem__, values))


def _frame(data: dict[str, list], n: int) -> pd.DataFrame:
    """The typed frame, built as one object block (pandas builds a dict of lists column by column): a column a row
    of the block, each taken whole by ``np.fromiter`` (assigning a list makes numpy look into every value first)."""
    block = np.empty((len(data), n), dtype=object)
    for j, values in enumerate(data.values()):
        block[j] = np.fromiter(values, dtype=object, count=len(values))
    return pd.DataFrame(block.T, columns=list(data), dtype=object)  # dtype given: no None → NaN inference


def _vocab(matcher, value, code: str, keep: bool = False):
    text = to_text(value)
    if text is None:
        return None, None
    hit = matcher(value)
    if hit:
        return hit, None
    return (text if keep else None), code


def _task_type(book: Rulebook, value):
    """Seed 004 "常规工作实行季报告，重要任务实行月报告，紧急的重点事项实行一事一报": a 任务类型 the plan names stays; a
    shortening the office lists (参数设置 任务类型简称·, e.g. 紧急) becomes the plan's name with task-type-named (info: the
    office sees the rewrite); any other text is kept as written, with unknown-task-type (the case then reports on the
    campaign's own rhythm, book.merge.not_owed)."""
    text = to_text(value)
    if text is None:
        return None, None
    hit = book.task_rhythm(text)
    if hit is None:
        return text, "unknown-task-type"
    return hit.name, (None if norm_text(text) == norm_text(hit.name) else "task-type-named")


def _unit(units: UnitDirectory | None, value):
    text = to_text(value)
    if text is None:
        return None, None
    if units is None or not len(units):
        return text, None
    hit = units.match(text)
    return (hit, None) if hit else (None, "unknown-unit")


_CO_SPLIT = re.compile(r"[、，,；;／/\s]+")


def co_unit_names(value) -> list[str]:
    """The names a 配合单位 cell holds, as written: split at 、，；/ and spaces, each once.

    >>> co_unit_names("城关镇、北山镇；城关镇 / 县水利局")
    ['城关镇', '北山镇', '县水利局']
    """
    text = to_text(value)
    out: list[str] = []
    for part in _CO_SPLIT.split(text or ""):
        if part and part not in out:
            out.append(part)
    return out


def _co_units(units: UnitDirectory | None, value):
    """配合单位: each name the unit list's own where it matches, the others kept as written (a warning), joined by 、."""
    parts = co_unit_names(value)
    if not parts:
        return None, None
    listed = units is not None and len(units)
    names: list[str] = []
    unknown = False
    for part in parts:
        hit = units.match(part) if listed else None
        unknown = unknown or (listed and hit is None)
        if (hit or part) not in names:
            names.append(hit or part)
    return "、".join(names), ("unknown-co-unit" if unknown else None)


def nearest(value: str, names: list[str], limit: int = 3) -> list[str]:
    """The names a mistyped ``value`` most likely meant: the closest whole name, else the names holding the
    closest stretch of ``value``'s length (a one-character slip in a long category); none when nothing is close.

    >>> nearest("失管施察", ["对河道失管失察", "对林地失管失察", "服务群众不主动"])
    ['对河道失管失察', '对林地失管失察']
    >>> nearest("服务群众不主到", ["对河道失管失察", "服务群众不主动"])
    ['服务群众不主动']
    """
    from difflib import SequenceMatcher

    if not value or not names:
        return []
    whole = sorted(((SequenceMatcher(None, value, n).ratio(), n) for n in names), reverse=True)
    if whole[0][0] >= 0.6:
        return [whole[0][1]]
    k = len(value)

    def part(n: str) -> float:
        return max((SequenceMatcher(None, value, n[i:i + k]).ratio() for i in range(max(1, len(n) - k + 1))), default=0.0)

    scored = [(part(n), n) for n in names]
    best = max(s for s, _ in scored)
    close = [n for s, n in scored if s >= 0.75 and s == best]
    return close if len(close) <= limit else []


def _problem_message(code: str, key: str, value, ctx: Context) -> str:
    header = BY_KEY[key].header
    book = ctx.rulebook
    value = to_text(value)
    if code == "bad-date":
        return f"{header}“{value}”不是有效的日期（无法识别，或年份不在1990—2100之间），请写成 2026-05-31 或 2026年5月31日。"
    if code == "date-year-guessed":
        return f"{header}“{value}”没有年份，已按{ctx.today.year}年处理，请核对。"
    if code == "unknown-category":
        names = [c.name for c in book.categories]
        near = nearest(value, names)
        hint = (f"您是否要填：{near[0]}？" if len(near) == 1 else
                "您是否要填以下之一：\n" + "\n".join(f"  {n}" for n in near) + "\n" if near else "")
        # the categories contain "、" themselves: one a line, so each reads whole
        return (f"问题类别“{value}”不是本专项行动的类别。{hint}请从下拉列表中选择，可填的类别：\n"
                + "\n".join(f"{i}. {n}" for i, n in enumerate(names, 1)))
    if code == "unknown-source":
        return f"线索来源“{value}”不在预设来源中（{'、'.join(book.sources)}），已按原文导入，请核对。"
    if code == "unknown-status":
        return f"办理状态“{value}”无法识别，请填写：{'、'.join(book.statuses)}。"
    if code == "unknown-mode":
        return f"整改方式“{value}”无法识别，请填写：{'、'.join(RECTIFY_MODES)}。"
    if code == "unknown-complexity":
        return f"复杂程度“{value}”无法识别，请填写：{'、'.join(t.name for t in book.tiers)}。"
    if code == "unknown-task-type":
        return (f"任务类型“{value}”不是方案的任务类型，已按原文导入，本问题按本专项行动的报送周期报送。请填写："
                f"{'、'.join(r.name for r in book.task_rhythms)}（方案：“{book.task_rhythm_quote}”）。")
    if code == "task-type-named":
        return f"任务类型“{value}”已按方案名称记为“{book.task_rhythm(value).name}”。"
    if code == "unknown-unit":
        hint = ctx.units.suggest(value) if ctx.units is not None else []
        tail = f"您是否指：{'、'.join(hint)}？" if hint else "请填写成员单位名单中的单位全称，或请办公室在“成员单位”表中补充别名。"
        return f"责任单位“{value}”不在成员单位名单中。{tail}"
    if code == "unknown-co-unit":
        odd = [p for p in co_unit_names(value) if ctx.units is not None and ctx.units.match(p) is None]
        hints = [f"“{p}”是否指：{'、'.join(h)}" for p in odd if (h := ctx.units.suggest(p))]
        return (f"配合单位中的{'、'.join(f'“{p}”' for p in odd)}不在成员单位名单中，已按原文导入。"
                + ("；".join(hints) + "？" if hints else "请填写成员单位全称，或请办公室在“成员单位”表中补充别名。"))
    if code == "bad-amount":
        return f"涉及金额“{value}”不是数字，请只填数字（单位：万元），如 12.5。"
    if code == "bad-progress":
        return f"完成进度“{value}”应为 0 到 100 之间的数字，如 60 表示 60%。"
    if code == "bad-phone":
        return f"联系电话“{value}”格式可疑，请核对（只含数字和“-”）。"
    return f"{header}“{value}”有误。"


def identify_unit(read: SheetRead, unit_column: list, units: UnitDirectory | None) -> tuple[str | None, str | None]:
    """Which unit sent this file: the 责任单位 column (its most frequent unit, the first seen on a tie),
    then the 填报单位 line, then the file name."""
    named = Counter(v for v in unit_column if v is not None and v == v)
    if named:
        return str(named.most_common(1)[0][0]), "column"
    if units is None or not len(units):  # no unit list to check against: take the 填报单位 line as written
        return (norm_unit(read.unit_line), "unit_line") if read.unit_line else (None, None)
    if read.unit_line:
        hit = units.match(read.unit_line) or units.find_in(read.unit_line)
        if hit:
            return hit, "unit_line"
    hit = units.find_in(Path(read.file).stem)
    if hit:
        return hit, "file_name"
    return None, None


def infer_rulebook(read: SheetRead) -> tuple[Rulebook | None, str]:
    """The built-in campaign whose categories the file's 问题类别 column uses most, and a sentence saying so.

    None when no campaign's categories appear, or two campaigns match equally: a file is never judged by
    another campaign's categories without saying so.
    """
    from taizhang.rules.rulebook import builtin_rulebooks

    col = read.key_columns().get("category")
    values = [r[col.index] for _, r in read.rows if col is not None and col.index < len(r) and r[col.index] not in (None, "")]
    if not values:
        return None, "文件中没有填写问题类别，无法判断属于哪个专项行动。"
    scores = []
    for book in builtin_rulebooks().values():
        match = vocab_matcher([c.name for c in book.categories])
        scores.append((sum(1 for v in values if match(v)), book))
    scores.sort(key=lambda t: -t[0])
    best, book = scores[0]
    if best == 0:
        return None, "文件中的问题类别不属于任何内置预案。"
    if len(scores) > 1 and scores[1][0] == best:
        return None, f"文件中的问题类别同样符合“{book.name}”和“{scores[1][1].name}”，无法判断。"
    return book, f"未指定台账总表或预案，按文件中的问题类别推断为“{book.name}”（{book.id}，{len(values)}行中{best}行类别相符）。"


def validate_file(path: str | Path, *, rulebook: Rulebook | None = None, units: UnitDirectory | None = None,
                  today: dt.date | None = None, display_name: str | None = None,
                  column_names: dict[str, str] | None = None,
                  status_words: dict[str, str] | None = None) -> tuple[ValidationReport, Checked]:
    """Check one submission; without a rulebook the campaign is inferred from its categories (``report.preset_note``
    says which), and a file whose campaign cannot be told is a ``PresetUnknown``."""
    today = today or dt.date.today()
    read = read_submission(path, display_name, column_names)
    note = None
    if rulebook is None:
        if read.failed:
            from taizhang.rules.rulebook import builtin_rulebooks

            rulebook = next(iter(builtin_rulebooks().values()))  # not consulted: a failed read has no rows to judge
        else:
            rulebook, note = infer_rulebook(read)
            if rulebook is None:
                raise PresetUnknown(f"{read.file}：{note}请用 --preset 指定预案（如 --preset sanluan），或用 --master 指定台账总表。")
    checked = check_submission(read, Context(rulebook, units, today, column_names=column_names, status_words=status_words))
    report = report_of(checked)
    report.preset_note = note
    return report, checked


class PresetUnknown(UserError):
    """Which campaign a file belongs to cannot be told; the message says what to give."""


def refused_report(file: str, message: str, code: str = "preset-unknown") -> ValidationReport:
    """The report of a file that was not judged: its campaign cannot be told (``PresetUnknown``), or with
    ``validate-not-run`` the command's arguments or master are wrong (what ``validate --json`` prints then)."""
    findings = [finding(code, message, file=file)]
    return ValidationReport(file=file, sheet="", header_row=0, unit=None, unit_source=None, rows=0, rows_ok=0,
                            rows_with_errors=0, zero_report=False, counts=count(findings), findings=findings)


def report_of(checked: Checked) -> ValidationReport:
    """The report of a file: its first ledger sheet's place, and rows, counts and findings of every sheet read."""
    read = checked.read
    parts = [checked, *checked.more]
    n = sum(len(p.frame) for p in parts)
    bad = sum(len(p.error_index) for p in parts)
    findings = [f for p in parts for f in p.findings]
    return ValidationReport(
        file=read.file, sheet=read.sheet, header_row=read.header_row, unit=checked.unit, unit_source=checked.unit_source,
        rows=n, rows_ok=n - bad, rows_with_errors=bad,
        zero_report=read.zero_report or (n == 0 and not read.failed), counts=count(findings),
        findings=findings, rows_in_file=n + sum(len(p.read.skipped) for p in parts), rows_skipped=skipped_rows(read),
        sheets=[p.read.sheet for p in parts] if read.sheet else [])
