"""交办: the office registers cases and hands them to the responsible units.

* An office-entered row of 台账 without a 问题编号 gets one (merge's scheme: unit code, year, sequence),
  its 交办日期 (today unless written), 牵头督办部门 and 归口汇总部门 (merge's ``assign``), its deadline by
  the campaign's rule, and a "交办" line in 变更记录.
* A clue list (线索, as hotline and petition systems export it) becomes cases. The responsible unit is
  matched from the 成员单位 names and aliases in the clue, and the basis is stated; a clue without one
  confident match waits on the 待指定单位 sheet until the office writes the unit in, never guessed. A clue
  repeating a case of the same unit (description or subject nearly identical: the office's 重复线索相似度)
  is a warning naming both, not a second case.
* Reporters' names and phones go only to office-only columns (``fields.OFFICE_ONLY``); the description a
  unit sees has them taken out.
* 转办: 已交办单位 keeps the unit a case was last handed to. When the office changes 责任单位, the next run
  records the transfer, and the receiving unit's notice lists it as 转办.

Nothing is numbered or handed over twice: a numbered case whose 已交办单位 is its 责任单位 is left alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from taizhang.book.master import CHANGE_HEADERS, Master
from taizhang.book.merge import _new_id, _State
from taizhang.book.merge import assign as route_departments
from taizhang.book.sheets import S_UNASSIGNED
from taizhang.calendar.deadlines import compute_lights
from taizhang.errors import UserError
from taizhang.fields import STATUS_NOT_STARTED, norm_header, norm_text
from taizhang.findings import Finding, finding
from taizhang.intake.normalize import to_date, to_text, vocab_matcher

OFFICE_ENTRY = "台账（办公室登记）"
TRANSFER_ENTRY = "台账（办公室转办）"

# the columns of a clue list, as hotline (12345) and petition (信访) systems name them
CLUE_HEADERS: dict[str, tuple[str, ...]] = {
    "content": ("线索内容", "反映问题", "反映内容", "问题描述", "诉求内容", "来电内容", "问题内容", "主要问题",
                "事项内容", "具体问题", "线索描述", "投诉内容", "举报内容"),
    "reporter": ("反映人", "来电人", "信访人", "举报人", "投诉人", "反映人姓名", "姓名"),
    "phone": ("联系电话", "反映人电话", "来电号码", "手机号码", "联系方式", "电话", "手机"),
    "unit": ("涉及单位", "被反映单位", "责任单位", "承办单位", "被投诉单位", "被举报单位", "涉及部门", "办理单位"),
    "source": ("来源", "线索来源", "问题来源", "渠道", "线索渠道", "来源渠道"),
    "date": ("日期", "来电时间", "来电日期", "登记日期", "受理日期", "受理时间", "反映时间", "登记时间", "信访日期"),
    "category": ("问题类别", "类别", "问题类型", "类型"),
    "subject": ("涉及主体", "涉及企业", "被反映企业", "企业名称"),
    "ref": ("线索编号", "工单号", "工单编号", "信访件编号", "编号"),
}
_CLUE_INDEX = {norm_header(h): key for key, names in CLUE_HEADERS.items() for h in names}
_PHONE_IN_TEXT = re.compile(r"(?<![\d-])(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?![\d-])")
_FOLD_PUNCT = re.compile(r"[\W_]+")


class ClueFileError(UserError):
    """A clue list that cannot be used; the message names the file and what to do."""


class Assigned(BaseModel):
    """One case handed to a unit in this run (交办) or moved to another unit (转办)."""

    id: str
    unit: str
    kind: Literal["交办", "转办"]
    from_unit: str | None = None
    origin: str
    basis: str
    category: str | None = None
    description: str | None = None
    supervisor: str | None = None
    summary_dept: str | None = None
    assigned: dt.date | None = None
    deadline: dt.date | None = None
    deadline_note: str | None = None
    sign_by: dt.date | None = None


class Pending(BaseModel):
    """A clue (or an office-entered row) waiting for the office to name its unit."""

    file: str
    row: int | None = None
    description: str
    source: str | None = None
    date: dt.date | None = None
    unit_text: str | None = None
    candidates: list[str] = []
    reason: str
    reporter: str = Field("", exclude=True)  # kept on the office's own sheet, never in --json
    phone: str = Field("", exclude=True)


class Duplicate(BaseModel):
    """A clue that repeats a case already in the ledger (or one registered earlier in the same run)."""

    file: str
    row: int | None = None
    unit: str
    description: str
    existing_id: str
    existing_description: str
    ratio: float
    on: Literal["问题描述", "涉及主体"]


class AssignResult(BaseModel):
    master: str
    today: dt.date
    assigned: list[Assigned] = []
    pending: list[Pending] = []
    duplicates: list[Duplicate] = []
    issues: list[Finding] = []
    notices: list[str] = []
    out: str | None = None
    backup: str | None = None

    @property
    def new_cases(self) -> list[Assigned]:
        return [a for a in self.assigned if a.kind == "交办"]

    @property
    def transfers(self) -> list[Assigned]:
        return [a for a in self.assigned if a.kind == "转办"]


@dataclass
class Clue:
    file: str
    row: int | None
    content: str
    reporter: str = ""
    phone: str = ""
    unit_text: str = ""
    source: str = ""
    date: dt.date | None = None
    category: str = ""
    subject: str = ""
    ref: str = ""
    chosen: str = ""  # the unit the office wrote on 待指定单位

    @property
    def origin(self) -> str:
        return f"{self.file} 第{self.row}行" if self.row else self.file


# --------------------------------------------------------------------------- reading clues

def read_clue_file(path: str | Path) -> list[Clue]:
    """A clue list (.xlsx/.xls/.ods/.csv) → clues; the file is vetted (``xlsx.safety``) before it is parsed."""
    from taizhang.intake.reader import read_plain_table
    from taizhang.xlsx.safety import FileProblem

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"线索文件 {path} 不存在。请确认路径。")
    try:
        table = read_plain_table(path)
    except FileProblem as exc:
        raise ClueFileError(f"无法读取线索文件：{exc.message}") from None
    return clues_from_rows(table, path.name)


def clues_from_rows(table: list[list], name: str) -> list[Clue]:
    best = None
    for i, row in enumerate(table[:15]):
        keys = {}
        for c, h in enumerate(row):
            key = _CLUE_INDEX.get(norm_header(h)) if isinstance(h, str) else None
            if key and key not in keys:
                keys[key] = c
        if "content" in keys and (best is None or len(keys) > len(best[1])):
            best = (i, keys)
    if best is None:
        wanted = "、".join(f"“{h}”" for h in CLUE_HEADERS["content"][:3])
        raise ClueFileError(f"线索文件 {name} 的前15行中找不到线索内容列（表头应有{wanted}等）。"
                            f"请检查是否选错了文件，或把线索内容所在列的表头改为“线索内容”。")
    head, cols = best
    clues = []
    for r, row in enumerate(table[head + 1:], head + 2):
        def cell(key: str, row=row) -> str:
            c = cols.get(key)
            return (to_text(row[c]) or "") if c is not None and c < len(row) else ""

        content = cell("content")
        if not content:
            continue
        date = None
        if cols.get("date") is not None and cols["date"] < len(row):
            date, _ = to_date(row[cols["date"]])
        clues.append(Clue(name, r, content, cell("reporter"), cell("phone"), cell("unit"), cell("source"), date,
                          cell("category"), cell("subject"), cell("ref")))
    return clues


def pending_clues(rows: list[list]) -> list[Clue]:
    """The clues waiting on the 待指定单位 sheet (rows as read, header first); rows from 台账 are rebuilt each run."""
    if not rows:
        return []
    at = {str(h or "").strip(): i for i, h in enumerate(rows[0])}
    if "线索内容" not in at:
        return []

    def get(r: list, header: str) -> str:
        i = at.get(header)
        return (to_text(r[i]) or "") if i is not None and i < len(r) else ""

    out = []
    for r in rows[1:]:
        content, file = get(r, "线索内容"), get(r, "来源文件")
        if not content or not file or file == OFFICE_ENTRY:
            continue
        row = get(r, "行号")
        date, _ = to_date(r[at["线索日期"]]) if "线索日期" in at and at["线索日期"] < len(r) else (None, None)
        out.append(Clue(file, int(float(row)) if row.replace(".", "", 1).isdigit() else None, content,
                        get(r, "反映人"), get(r, "反映人电话"), get(r, "涉及单位（原文）"), get(r, "线索来源"), date,
                        chosen=get(r, "指定单位（办公室填写）")))
    return out


def pending_rows(result: AssignResult) -> list[list]:
    """The 待指定单位 sheet body (the office's own sheet: it keeps the reporter so that nothing is lost)."""
    return [[p.file, p.row, p.description, p.source, p.date, p.unit_text, "、".join(p.candidates), p.reason,
             p.reporter or None, p.phone or None, None] for p in result.pending]


# --------------------------------------------------------------------------- matching

def match_unit(master: Master, unit_text: str, content: str) -> tuple[str | None, str, list[str]]:
    """(unit or None, the basis — or why there is no confident match, candidates for the office)."""
    units = master.units
    if unit_text:
        official = units.match(unit_text)
        if official:
            alias = "" if norm_text(unit_text) == norm_text(official) else f"（“{unit_text}”是{official}的名称或别名）"
            return official, f"“涉及单位”写明{official}{alias}", [official]
        named = units.mentions(unit_text)
        if len(named) == 1:
            official, key = named[0]
            return official, f"“涉及单位”“{unit_text}”中含“{key}”（{official}）", [official]
        if len(named) > 1:
            names = [o for o, _ in named]
            return None, f"“涉及单位”“{unit_text}”含多个成员单位：{'、'.join(names)}", names
        cands = [o for o, _ in units.mentions(content)] or units.suggest(unit_text)
        return None, f"“涉及单位”“{unit_text}”不在成员单位名单中（名称和别名都不符）", cands
    named = units.mentions(content)
    if len(named) == 1:
        official, key = named[0]
        how = "" if key == norm_text(official) else f"，是{official}的别名"
        return official, f"线索内容中出现“{key}”{how}", [official]
    if len(named) > 1:
        names = [o for o, _ in named]
        return None, f"线索内容涉及多个成员单位：{'、'.join(names)}", names
    return None, "线索中没有出现任何成员单位的名称或别名", []


def scrub(text: str, reporter: str = "", phone: str = "") -> str:
    """The description a unit may see: the reporter's name and any phone number taken out."""
    out = text
    name = (reporter or "").strip()
    if len(name) >= 2:
        out = out.replace(name, "群众")
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) >= 5:
        out = out.replace(phone.strip(), "（电话已隐去）").replace(digits, "（电话已隐去）")
    return _PHONE_IN_TEXT.sub("（电话已隐去）", out)


def _fold(text: object) -> str:
    return _FOLD_PUNCT.sub("", norm_text(text))


def similarity(a: object, b: object) -> float:
    """difflib's ratio of two texts folded (width, spaces and punctuation ignored)."""
    return _Like(a).ratio(_fold(b), 0.0)


class _Like:
    """One clue's text compared with many: difflib caches its analysis of the second sequence, and a
    character count (an upper bound of the ratio, as ``quick_ratio`` but at C speed) skips most cases."""

    def __init__(self, text: object):
        self.text = _fold(text)
        self.bag = Counter(self.text)
        self.m = difflib.SequenceMatcher(None, autojunk=False)
        self.m.set_seq2(self.text)

    def ratio(self, folded: str, at_least: float, bag: Counter | None = None) -> float:
        """The ratio, or 0 when an upper bound already shows it is below ``at_least``."""
        if not folded or not self.text:
            return 0.0
        total = len(folded) + len(self.text)
        if at_least:
            if 2 * min(len(folded), len(self.text)) < at_least * total:
                return 0.0
            if 2 * sum((self.bag & (bag if bag is not None else Counter(folded))).values()) < at_least * total:
                return 0.0
        self.m.set_seq1(folded)
        return self.m.ratio()


# --------------------------------------------------------------------------- the deadline rule

def apply_deadline_rule(master: Master, ledger: pd.DataFrame, today: dt.date) -> tuple[pd.DataFrame, list[Finding]]:
    """The one place assign applies the campaign's deadline rule (整改时限, 签收期限, 时限说明).

    It is the deadlines module's own computation, the one ``status`` and ``merge`` run (on main: a written
    deadline, else 交办日期 + the tier of 复杂程度). Where ``compute_lights`` itself follows the per-campaign
    时限规则 (``calendar.deadlines.default_deadline``), assign follows them with no change here; otherwise
    this is the one call to switch.
    """
    res = compute_lights(ledger, master.rulebook, master.calendar(), today, file=master.path.name)
    return res.ledger, [f for f in res.findings if f.code in ("no-deadline", "estimated-calendar")]


# --------------------------------------------------------------------------- the job's core

@dataclass
class _Run:
    master: Master
    today: dt.date
    ledger: pd.DataFrame
    result: AssignResult
    changes: list[list] = field(default_factory=list)
    state: _State | None = None
    added: list[dict] = field(default_factory=list)  # cases made from clues, in ledger columns
    _by_unit: dict[str, list[dict]] | None = None

    def cases_of(self, unit: str | None) -> list[dict]:
        """The numbered cases of ``unit`` (ledger and this run's), for the duplicate check."""
        if self._by_unit is None:
            self._by_unit = {}
            c = self.ledger
            for cid, u, d, s in zip(c["case_id"].tolist(), c["unit"].tolist(), c["description"].tolist(),
                                    c["subject"].tolist()):
                if cid:
                    self._by_unit.setdefault(u, []).append({"case_id": cid, "unit": u, "description": d, "subject": s,
                                                            "fold": _fold(d)})
        if unit is None:
            return [c for cases in self._by_unit.values() for c in cases] + self.added
        return self._by_unit.get(unit, []) + [r for r in self.added if r["unit"] == unit]

    def number(self, unit: str, day: dt.date) -> str:
        if self.state is None:
            self.state = _State.of(self.ledger)
        return _new_id(self.state, self.master, unit, day)


def assign_cases(master: Master, today: dt.date, clues: list[Clue] | None = None,
                 waiting: list[Clue] | None = None) -> tuple[Master, AssignResult]:
    """Number and hand over the office's new cases, register ``clues``, record transfers (in memory).

    ``waiting``: clues already on the 待指定单位 sheet; those the office has given a unit become cases, the
    rest stay listed.
    """
    result = AssignResult(master=master.path.name, today=today)
    ledger = master.ledger.reset_index(drop=True).copy()
    run = _Run(master, today, ledger, result)
    new_rows: list[int] = []
    _transfers(run)
    _office_rows(run, new_rows)
    seen: set[tuple] = set()
    for clue in (waiting or []) + (clues or []):
        key = (clue.file, clue.row, _fold(clue.content))
        if key in seen:  # the same clue both waiting and in the file given again
            continue
        seen.add(key)
        _clue(run, clue, new_rows)
    if run.added:
        run.ledger = pd.concat([run.ledger, pd.DataFrame(run.added, columns=run.ledger.columns, dtype=object)],
                               ignore_index=True)
    ledger = route_departments(run.ledger, master)
    for key in ("supervisor", "summary_dept"):  # a department the routing does not know is blank, not NaN
        ledger[key] = pd.Series([None if isinstance(v, float) and v != v else v for v in ledger[key].tolist()],
                                index=ledger.index, dtype=object)
    ledger, findings = apply_deadline_rule(master, ledger, today)
    result.issues.extend(f for f in findings if f.code == "estimated-calendar" or f.row - 2 in new_rows)
    by_id = {cid: i for i, cid in enumerate(ledger["case_id"].tolist()) if cid}
    sign_days = master.rulebook.sign_workdays  # None: the campaign sets no 签收 limit
    sign_today = master.calendar().add_workdays(today, sign_days) if sign_days else None
    for a in result.assigned:
        i = by_id[a.id]
        row = ledger.loc[i]
        a.category, a.description = to_text(row["category"]), to_text(row["description"])
        a.supervisor, a.summary_dept = to_text(row["supervisor"]), to_text(row["summary_dept"])
        a.assigned = _day(row["assigned"])
        a.deadline, a.deadline_note = _day(row["deadline"]), to_text(row["deadline_note"])
        a.sign_by = _day(row["sign_by"]) if a.kind == "交办" else sign_today  # a transfer is signed for from today
    log = pd.DataFrame(run.changes, columns=CHANGE_HEADERS)
    changes = pd.concat([master.changes, log], ignore_index=True) if run.changes else master.changes
    new_master = dataclasses.replace(master, ledger=ledger, changes=changes)
    return new_master, result


def _transfers(run: _Run) -> None:
    """转办 of numbered cases whose 责任单位 the office changed; a first run records each case's unit."""
    df, units = run.ledger, run.master.units
    unit_col, given_col = df["unit"].tolist(), df["assigned_unit"].tolist()
    officials: dict[str, str | None] = {}  # a ledger repeats its few unit names over and over
    touched = False
    for i, (cid, unit, given) in enumerate(zip(df["case_id"].tolist(), unit_col, given_col)):
        if not cid or not unit:
            continue
        official = officials[unit] if unit in officials else officials.setdefault(unit, units.match(unit))
        if official == unit and given == unit:
            continue  # the common case: handed over before, still with the same unit
        if official is None:
            if len(units):
                run.result.issues.append(finding("assign-needs-input", f"问题{cid}的责任单位“{unit}”不在成员单位名单中，"
                                                 f"无法交办或转办。请在台账第{i + 2}行改为成员单位全称。", sheet="台账",
                                                 row=i + 2, header="责任单位", value=unit))
            continue
        touched = True
        unit_col[i] = official  # an alias typed by the office becomes the official name
        given_col[i] = official  # the unit it is with now: from here on a change is a 转办
        if not given or given == official:
            continue
        run.changes.append([cid, "转办", given, official, official, TRANSFER_ENTRY, run.today])
        run.result.assigned.append(Assigned(id=str(cid), unit=official, kind="转办", from_unit=given,
                                            origin=f"台账第{i + 2}行", basis=f"办公室将责任单位由{given}改为{official}"))
        run.result.issues.append(finding("case-transferred", f"问题{cid}由{given}转办至{official}。", sheet="台账",
                                         row=i + 2, header="责任单位", value=official, unit=official))
    if touched:
        df["unit"] = pd.Series(unit_col, index=df.index, dtype=object)
        df["assigned_unit"] = pd.Series(given_col, index=df.index, dtype=object)


def _office_rows(run: _Run, new_rows: list[int]) -> None:
    """Rows the office typed into 台账 without a 问题编号."""
    df, units, today = run.ledger, run.master.units, run.today
    for i in [i for i, cid in enumerate(df["case_id"].tolist()) if not cid]:
        row = df.loc[i]
        desc = to_text(row["description"]) or ""
        if not desc and not to_text(row["unit"]):
            continue
        unit = units.match(row["unit"]) if to_text(row["unit"]) else None
        basis = "台账中办公室填写的责任单位"
        if unit is None:
            unit, basis, cands = match_unit(run.master, to_text(row["unit"]) or "", desc)
            if unit is None:
                _wait(run, Pending(file=OFFICE_ENTRY, row=i + 2, description=desc, source=to_text(row["source"]),
                                   unit_text=to_text(row["unit"]), candidates=cands,
                                   reason=f"{basis}；请在台账第{i + 2}行填写责任单位后再次交办"))
                continue
        assigned = row["assigned"] if isinstance(row["assigned"], dt.date) else today
        cid = run.number(unit, assigned)
        df.at[i, "unit"] = unit
        df.at[i, "case_id"] = cid
        df.at[i, "assigned"] = assigned
        df.at[i, "assigned_unit"] = unit
        if not to_text(row["status"]):
            df.at[i, "status"] = STATUS_NOT_STARTED
        clean = scrub(desc, to_text(row["reporter"]) or "", to_text(row["reporter_phone"]) or "")
        if clean != desc:
            df.at[i, "description"] = clean
        df.at[i, "updated_on"] = today
        new_rows.append(i)
        _handed(run, cid, unit, f"台账第{i + 2}行", basis, OFFICE_ENTRY, assigned)
        _complete(run, df.loc[i], i + 2, cid)


def _clue(run: _Run, clue: Clue, new_rows: list[int]) -> None:
    master, today = run.master, run.today
    desc = scrub(clue.content, clue.reporter, clue.phone)
    if clue.chosen:
        unit = master.units.match(clue.chosen)
        basis, cands = f"办公室在“{S_UNASSIGNED}”表中指定", [unit] if unit else master.units.suggest(clue.chosen)
        if unit is None:
            basis = f"“{S_UNASSIGNED}”表中指定的单位“{clue.chosen}”不在成员单位名单中"
    else:
        unit, basis, cands = match_unit(master, clue.unit_text, clue.content)
    if unit is None and not clue.chosen:
        # no unit to compare within: a description already in the ledger means the clue was registered before
        # (a clue list given again after the office chose its unit on 待指定单位)
        dup = _duplicate_of(run, None, desc, "")
        if dup is not None:
            _duplicate(run, clue, desc, dup)
            return
    if unit is None:
        _wait(run, Pending(file=clue.file, row=clue.row, description=desc, source=clue.source or None, date=clue.date,
                           unit_text=clue.unit_text or None, candidates=cands, reason=basis,
                           reporter=clue.reporter, phone=clue.phone))
        return
    dup = _duplicate_of(run, unit, desc, clue.subject)
    if dup is not None:
        _duplicate(run, clue, desc, dup)
        return
    book = master.rulebook
    category = vocab_matcher([c.name for c in book.categories])(clue.category) if clue.category else None
    if category is None:
        found = [c.name for c in book.categories if c.name in norm_text(clue.content)]
        category = found[0] if len(found) == 1 else None
    if clue.source:
        source = vocab_matcher(book.sources)(clue.source) or clue.source
    else:  # a list exported by one channel often says so only in its file name (12345热线线索.xlsx)
        source = next((s for s in book.sources if s in clue.file), None)
    notes = [f"线索：{clue.origin}"] + ([f"原编号{clue.ref}"] if clue.ref else []) + \
        ([f"线索日期{clue.date.isoformat()}"] if clue.date else [])
    cid = run.number(unit, today)
    record = {k: None for k in run.ledger.columns}
    record.update(case_id=cid, unit=unit, source=source, category=category, description=desc,
                  subject=clue.subject or None, assigned=today, status=STATUS_NOT_STARTED, remarks="；".join(notes),
                  assigned_unit=unit, reporter=clue.reporter or None, reporter_phone=clue.phone or None,
                  src_file=clue.file, src_row=clue.row, updated_on=today)
    run.added.append(record | {"fold": _fold(desc)})
    i = len(run.ledger) + len(run.added) - 1
    new_rows.append(i)
    _handed(run, cid, unit, clue.origin, basis, clue.file, today)
    _complete(run, record, i + 2, cid)


def _duplicate(run: _Run, clue: Clue, desc: str, dup: tuple[dict, float, str]) -> None:
    other, ratio, on = dup
    unit = other["unit"]
    run.result.duplicates.append(Duplicate(file=clue.file, row=clue.row, unit=unit, description=desc,
                                           existing_id=str(other["case_id"]), existing_description=str(other["description"]),
                                           ratio=round(ratio, 3), on=on))
    run.result.issues.append(finding(
        "clue-duplicate", f"{clue.origin}的线索“{_short(desc)}”与{unit}已有问题{other['case_id']}“{_short(other['description'])}”"
        f"的{on}相似度{ratio:.0%}，视为重复，未新增问题。如确属不同问题，请把它写进台账（问题编号留空）后再次交办。",
        file=clue.file, row=clue.row, header="线索内容", value=_short(desc), unit=unit))


def _duplicate_of(run: _Run, unit: str | None, desc: str, subject: str) -> tuple[dict, float, str] | None:
    """The most similar numbered case of ``unit`` (of any unit when None) at or above the office's threshold.

    The same 涉及主体 counts too, when the descriptions are at least half alike.
    """
    limit = run.master.rulebook.duplicate_ratio
    like, like_subject = _Like(desc), _Like(subject) if subject else None
    best = None
    done: dict[str, float] = {}  # one comparison per distinct description
    for other in run.cases_of(unit):
        r = done.get(other["fold"])
        if r is None:
            bag = other.get("bag")
            if bag is None:
                bag = other["bag"] = Counter(other["fold"])  # kept for the next clue of the same unit
            r = done[other["fold"]] = like.ratio(other["fold"], limit, bag)
        if r >= limit and (best is None or r > best[1]):
            best = (other, r, "问题描述")
        if best is None and like_subject is not None and other["subject"]:
            s = like_subject.ratio(_fold(other["subject"]), limit)
            if s >= limit and like.ratio(other["fold"], 0.5) >= 0.5:
                best = (other, s, "涉及主体")
    return best


def _wait(run: _Run, pending: Pending) -> None:
    run.result.pending.append(pending)
    where = f"{pending.file} 第{pending.row}行" if pending.row else pending.file
    cands = f"候选单位：{'、'.join(pending.candidates)}。" if pending.candidates else ""
    run.result.issues.append(finding("clue-unit-unclear", f"{where}的“{_short(pending.description)}”无法确定责任单位（{pending.reason}），"
                                     f"未交办。{cands}请在台账总表“{S_UNASSIGNED}”表的“指定单位”列填写单位后再次交办。",
                                     file=pending.file, row=pending.row, header="责任单位", value=pending.unit_text or ""))


def _handed(run: _Run, cid: str, unit: str, origin: str, basis: str, file: str, day: dt.date) -> None:
    run.changes.append([cid, "交办", None, unit, unit, file, day])
    run.result.assigned.append(Assigned(id=cid, unit=unit, kind="交办", origin=origin, basis=basis))
    run.result.issues.append(finding("case-assigned", f"{origin}交办{unit}，编号{cid}（依据：{basis}）。",
                                     file=file, unit=unit, value=cid))


def _complete(run: _Run, row, excel_row: int, cid: str) -> None:
    """The fields a unit needs and the office should fill in: named, not guessed."""
    missing = [h for k, h in (("category", "问题类别"), ("source", "线索来源")) if not to_text(row[k])]
    if missing:
        run.result.issues.append(finding("assign-needs-input", f"问题{cid}已交办{row['unit']}，但{'、'.join(missing)}未填写："
                                         f"牵头督办部门按问题类别确定，请在台账第{excel_row}行补填。", sheet="台账", row=excel_row,
                                         header=missing[0], unit=row["unit"] or ""))


def _day(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _short(text: object, n: int = 30) -> str:
    t = str(text or "")
    return t if len(t) <= n else t[:n] + "…"


# --------------------------------------------------------------------------- the unit's notice

@dataclass
class NoticeCase:
    id: str
    description: str
    deadline: dt.date | None
    sign_by: dt.date | None
    supervisor: str
    transfer_from: str | None = None
    deadline_note: str = ""


@dataclass
class Notice:
    """One unit's 交办通知单: what is handed to it in this run, and what it must report by when."""

    unit: str
    campaign: str
    office: str
    day: dt.date
    cases: list[NoticeCase]
    sign_workdays: int | None  # None: no 签收 limit (only seed 004 sets one, or the office)
    feedback_workdays: int | None
    reporting: str

    @property
    def transfers(self) -> int:
        return sum(1 for c in self.cases if c.transfer_from)


def notices_of(master: Master, result: AssignResult) -> list[Notice]:
    """One notice per unit that received cases in this run, in 成员单位 order."""
    book = master.rulebook
    by_unit: dict[str, list[NoticeCase]] = {}
    for a in result.assigned:
        by_unit.setdefault(a.unit, []).append(NoticeCase(a.id, a.description or "", a.deadline, a.sign_by,
                                                         a.supervisor or "", a.from_unit, a.deadline_note or ""))
    order = {n: i for i, n in enumerate(master.units.names())}
    return [Notice(u, book.name, book.office or "领导小组办公室", result.today, cases, book.sign_workdays,
                   book.feedback_workdays, _reporting_text(book))
            for u, cases in sorted(by_unit.items(), key=lambda kv: order.get(kv[0], len(order)))]


def _reporting_text(book) -> str:
    r = book.reporting
    when = {"weekly": f"每周（星期{'一二三四五六日'[min(r.due_day, 7) - 1]}）前", "ten_days": "每旬末前",
            "monthly": f"每月{r.due_day}日前", "quarterly": f"每季度末月{r.due_day}日前",
            "once": f"{r.due_date.year}年{r.due_date.month}月{r.due_date.day}日前" if r.due_date else "按通知要求",
            "per_event": "每有进展即"}[r.cadence]
    return f"{when}报送办理进展"
