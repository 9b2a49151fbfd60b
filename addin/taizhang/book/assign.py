"""交办: the office registers cases and hands them to the responsible units.

* An office-entered row of 台账 without a 问题编号 gets one (merge's scheme: unit code, year, sequence),
  its 交办日期 (today unless written), 牵头督办部门 and 归口汇总部门 (merge's ``assign``), its deadline by
  the campaign's rule, and a "交办" line in 变更记录.
* A clue list (线索, as hotline and petition systems export it: 12345 工单 exports, 留言板/问政 exports with
  留言主题 and 留言详情) becomes cases. The responsible unit is matched from the 成员单位 names and aliases
  in the clue as whole words at their level of government (``intake.units.UnitDirectory.locate``), and the
  basis is stated; a clue without one confident match — none, several, or a name only seemingly there
  (“一中” in “统一中央”, “市自然资源局” for the county's bureau) — waits on the 待指定单位 sheet with its
  candidates and the reason until the office writes the unit in, never guessed. A clue repeating a case
  (description or subject nearly identical: the office's 重复线索相似度) is a warning naming both, not a
  second case; a clue handed over before (its 工单编号/留言编号, kept in 变更记录's 交办 line and in 备注, or
  the same content from the same file) is said as 已交办（问题编号 …）.
* 问题类别 comes from the clue list when it names one of the campaign's; otherwise one read from the content is
  proposed in the 提醒, never set. 线索来源 comes from the list's column or from what the office states for the
  file (``source``), in the campaign's wording. A 办理时限 in the list is the case's written deadline.
* Reporters' names and phones go only to office-only columns (``fields.OFFICE_ONLY``); the description a
  unit sees has them taken out, and still reads as a sentence.
* 转办: 已交办单位 keeps the unit a case was last handed to (blank for a case a unit reported: then the unit
  its last 变更记录 line names). When the office changes 责任单位, the next run records the transfer, and the
  receiving unit's notice lists it as 转办. A unit's 不属本单位 waits on 待指定单位 too (a row with its 问题编号,
  ``book.trail.not_ours_rows``); the unit the office names there is applied first (``book.trail.decide_not_ours``,
  recorded on 审批台账) and the move is then this same 转办.

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
from taizhang.intake.units import alias_warnings, norm_unit

OFFICE_ENTRY = "台账（办公室登记）"
TRANSFER_ENTRY = "台账（办公室转办）"

# the columns of a clue list, as hotline (12345) and petition (信访) systems name them
CLUE_HEADERS: dict[str, tuple[str, ...]] = {
    "content": ("线索内容", "反映问题", "反映内容", "问题描述", "诉求内容", "来电内容", "问题内容", "主要问题",
                "事项内容", "具体问题", "线索描述", "投诉内容", "举报内容", "留言详情", "留言内容", "诉求详情"),
    "title": ("留言主题", "留言标题", "诉求标题", "工单标题", "主题", "标题"),  # a 留言板 message's subject line
    "reporter": ("反映人", "来电人", "信访人", "举报人", "投诉人", "反映人姓名", "姓名", "留言用户", "留言人", "诉求人",
                 "来电人姓名"),
    "phone": ("联系电话", "反映人电话", "来电号码", "手机号码", "联系方式", "电话", "手机", "联系号码"),
    "unit": ("涉及单位", "被反映单位", "责任单位", "承办单位", "被投诉单位", "被举报单位", "涉及部门", "办理单位"),
    "source": ("来源", "线索来源", "问题来源", "渠道", "线索渠道", "来源渠道"),
    "date": ("日期", "来电时间", "来电日期", "登记日期", "受理日期", "受理时间", "反映时间", "登记时间", "信访日期",
             "留言时间", "留言日期", "诉求时间"),
    "category": ("问题类别", "类别", "问题类型", "类型"),
    "subject": ("涉及主体", "涉及企业", "被反映企业", "企业名称"),
    "ref": ("线索编号", "工单号", "工单编号", "信访件编号", "编号", "留言编号", "诉求编号"),
    "deadline": ("办理时限", "办结时限", "答复时限", "处理时限", "办理期限", "要求办结时间"),  # the case's written deadline
}
# what a channel is called in exports and by offices → words of the campaigns' 线索来源 values (their 代码表)
SOURCE_FAMILIES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("12345", "热线", "市长热线", "便民热线", "来电"), ("12345", "热线", "来电")),
    (("信访", "来信", "来访", "举报"), ("信访", "举报", "来信")),
    (("问政", "留言板", "领导留言", "网络问政", "市长信箱", "网上", "互联网"), ("问政", "举报平台", "互联网", "留言")),
    (("暗访", "明察暗访", "暗访巡查"), ("暗访",)),
    (("媒体", "曝光", "报道", "舆情"), ("媒体",)),
    (("巡视", "巡察"), ("巡视", "巡察")),
    (("审计",), ("审计",)),
    (("上级交办", "交办", "批示"), ("上级交办", "交办")),
    (("自查", "摸排", "排查"), ("自查", "摸排")),
)
# words that point a clue to a category, beyond the category's own name (keyed by a word of the name)
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "招商": ("招商", "引资", "奖励资金", "补贴", "优惠政策", "扶持资金", "兑现"),
    "协议": ("协议", "合同", "约定", "违约"),
    "账款": ("账款", "欠款", "拖欠", "工程款", "尾款", "货款", "服务费", "支付"),
    "判决": ("判决", "法院", "裁定", "执行"),
    "产权": ("产权", "土地", "房产", "确权", "征收", "拆迁"),
    "失信": ("失信", "承诺", "食言"),
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
    ref: str | None = None  # the clue's own number (12345 工单编号, 留言编号), shown on the notice
    proposed_category: str | None = None  # a category read from the content, for the office to confirm (never set)
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
    ref: str | None = None  # the clue's 工单编号/留言编号
    deadline: dt.date | None = None  # the export's 办理时限
    proposed_category: str | None = None  # from the content, for the office to confirm
    reporter: str = Field("", exclude=True)  # kept on the office's own sheet, never in --json
    phone: str = Field("", exclude=True)


class Known(BaseModel):
    """A clue handed over before (the same clue list given again): said, not registered or counted twice."""

    file: str
    row: int | None = None
    id: str
    unit: str
    ref: str | None = None
    on: Literal["原始编号", "线索内容"]


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
    known: list[Known] = []  # clues already handed over: 已交办（问题编号 …）
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
    deadline: dt.date | None = None  # the export's 办理时限: the case's written deadline
    deadline_text: str = ""  # a 办理时限 that is not a date, as written

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

        content, title = cell("content"), cell("title")
        if title and _fold(title) not in _fold(content):  # a 留言板 message: its subject line, then the message
            content = f"{title}：{content}" if content else title
        if not content:
            continue
        date = deadline = None
        if cols.get("date") is not None and cols["date"] < len(row):
            date, _ = to_date(row[cols["date"]])
        if cols.get("deadline") is not None and cols["deadline"] < len(row):
            deadline, _ = to_date(row[cols["deadline"]])
        clues.append(Clue(name, r, content, cell("reporter"), cell("phone"), cell("unit"), cell("source"), date,
                          cell("category"), cell("subject"), cell("ref"), deadline=_day(deadline),
                          deadline_text="" if deadline else cell("deadline")))
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
        if not content or not file or file == OFFICE_ENTRY or get(r, "问题编号"):
            continue  # (a row with a 问题编号 is a unit's 不属本单位: book.trail.decide_not_ours)
        row = get(r, "行号")
        date, _ = to_date(r[at["线索日期"]]) if "线索日期" in at and at["线索日期"] < len(r) else (None, None)
        deadline, _ = to_date(r[at["办理时限"]]) if "办理时限" in at and at["办理时限"] < len(r) else (None, None)
        out.append(Clue(file, int(float(row)) if row.replace(".", "", 1).isdigit() else None, content,
                        get(r, "反映人"), get(r, "反映人电话"), get(r, "涉及单位（原文）"), get(r, "线索来源"), date,
                        ref=get(r, "原始编号"), chosen=get(r, "指定单位（办公室填写）"), deadline=_day(deadline)))
    return out


def pending_rows(result: AssignResult) -> list[list]:
    """The 待指定单位 sheet body (the office's own sheet: it keeps the reporter so that nothing is lost)."""
    return [[p.file, p.row, p.description, p.source, p.date, p.unit_text, "、".join(p.candidates), p.reason,
             p.reporter or None, p.phone or None, None, p.ref or None, p.deadline, None, None, None]
            for p in result.pending]


# --------------------------------------------------------------------------- matching

def match_unit(master: Master, unit_text: str, content: str, doubts: list | None = None) -> tuple[str | None, str, list[str]]:
    """(unit or None, the basis — or why there is no confident match, candidates for the office).

    A name counts only as a whole word at the level of government the text states (``UnitDirectory.locate``);
    a doubt is never a match: it makes the clue wait, with the doubtful units as candidates and the reason.
    """
    units = master.units
    if doubts is None:
        doubts = []
    if unit_text:
        official = units.match(unit_text)
        if official:
            alias = "" if norm_text(unit_text) == norm_text(official) else f"（“{unit_text}”是{official}的名称或别名）"
            return official, f"“涉及单位”写明{official}{alias}", [official]
        found = units.locate(unit_text)
        doubts.extend(found.doubts)
        named, strong = found.sure, found.strong_doubts
        if len(named) == 1 and not strong:
            official, key = named[0]
            return official, f"“涉及单位”“{unit_text}”中含“{key}”（{official}）", [official]
        if len(named) > 1:
            names = [o for o, _ in named]
            return None, f"“涉及单位”“{unit_text}”含多个成员单位：{'、'.join(names)}", names
        if found.doubts:
            return None, f"“涉及单位”“{unit_text}”不是成员单位的名称或别名：{_why(found.doubts)}", \
                _cands(named, found.doubts)
        in_content = units.locate(content)
        cands = _cands(in_content.sure, in_content.doubts) or units.suggest(unit_text)
        return None, f"“涉及单位”“{unit_text}”不在成员单位名单中（名称和别名都不符）", cands
    found = units.locate(content)
    doubts.extend(found.doubts)
    named, strong = found.sure, found.strong_doubts
    if len(named) == 1 and not strong:
        official, key = named[0]
        how = "" if key == norm_text(official) else f"，是{official}的别名"
        return official, f"线索内容中出现“{key}”{how}", [official]
    if len(named) > 1:
        names = [o for o, _ in named]
        return None, f"线索内容涉及多个成员单位：{'、'.join(names)}", _cands(named, strong)
    if named:
        official, key = named[0]
        return None, f"线索内容中出现“{key}”（{official}），但{_why(strong)}", _cands(named, strong)
    if found.doubts:
        return None, f"线索内容中没有完整出现成员单位的名称或别名：{_why(found.doubts)}", _cands([], found.doubts)
    return None, "线索中没有出现任何成员单位的名称或别名", []


def _why(doubts) -> str:
    seen: list[str] = []
    for m in doubts:
        if m.doubt not in seen:
            seen.append(m.doubt)
    return "；".join(seen[:3])


def _cands(named: list[tuple[str, str]], doubts) -> list[str]:
    out = [o for o, _ in named]
    for m in doubts:
        if m.official not in out:
            out.append(m.official)
    return out


# words for a person that may stand right before the reporter's name (“来电人张三反映”): the name is then dropped,
# not replaced, so that the sentence does not read “来电人群众反映” or “群众群众反映”
_PERSON_WORDS = ("群众", "市民", "居民", "村民", "网民", "网友", "来电人", "反映人", "举报人", "投诉人", "信访人", "当事人",
                 "诉求人", "留言人", "本人", "业主", "家长", "职工", "工人", "农民工", "师傅", "老人", "姓名", "名叫", "我叫")
_TITLES = ("先生", "女士", "同志", "老师", "师傅")
_ANONYMOUS = ("匿名", "群众", "市民", "网民", "网友", "未留名", "不详", "无")


def scrub(text: str, reporter: str = "", phone: str = "") -> str:
    """The description a unit may see: the reporter's name and any phone number taken out, as a sentence.

    >>> scrub("群众张三丰反映厂房补贴未兑现", "张三丰")
    '群众反映厂房补贴未兑现'
    >>> scrub("张三丰来电反映：张先生说的补贴未兑现", "张三丰")
    '群众来电反映：张先生说的补贴未兑现'
    >>> scrub("来电人张三丰（13812345678）反映道路未修", "张三丰", "13812345678")
    '来电人反映道路未修'
    """
    out = text
    name = (reporter or "").strip()
    if len(name) >= 2 and name not in _ANONYMOUS:
        pieces = out.split(name)
        out = pieces[0]
        for rest in pieces[1:]:
            for t in _TITLES:  # “张三丰先生” is the reporter too
                if rest.startswith(t):
                    rest = rest[len(t):]
            if out.endswith(_PERSON_WORDS) or rest.startswith(("群众", "市民")):
                out += rest  # “群众张三丰反映” → “群众反映”
            else:
                out += "群众" + rest
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) >= 5:
        out = out.replace(phone.strip(), "（电话已隐去）").replace(digits, "（电话已隐去）")
    out = _PHONE_IN_TEXT.sub("（电话已隐去）", out)
    # a phone in brackets right after a person (“来电人（（电话已隐去））”) says nothing: dropped
    out = re.sub(r"[（(]\s*（电话已隐去）\s*[)）]", "（电话已隐去）", out)
    out = re.sub(f"({'|'.join(_PERSON_WORDS)})（电话已隐去）", r"\1", out)
    return re.sub(r"(群众){2,}", "群众", out)


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
    source: str | None = None  # the 线索来源 the office stated for the clue file (the campaign's wording)
    doubts: list = field(default_factory=list)  # names found in clues but not taken as a match (intake.units.Mention)
    _by_unit: dict[str, list[dict]] | None = None
    _refs: dict[str, tuple[str, str]] | None = None  # a clue's own number → (问题编号, unit)
    _texts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # folded description → [(问题编号, unit)]
    _files: dict[str, set[str]] = field(default_factory=dict)  # 问题编号 → the clue files it was handed over from
    _ref_of: dict[str, str] = field(default_factory=dict)  # 问题编号 → its clue's own number

    def _learn(self) -> None:
        """What earlier runs handed over: 变更记录's 交办 lines (file and 原始编号), the 原编号 in 备注, descriptions."""
        self._refs = {}
        ch = self.master.changes
        if len(ch) and {"问题编号", "字段", "来源文件"} <= set(ch.columns):
            for cid, what, file in zip(ch["问题编号"].tolist(), ch["字段"].tolist(), ch["来源文件"].tolist()):
                if what != "交办" or not cid or not isinstance(file, str):
                    continue
                m = _LOGGED_REF.match(file)
                self._files.setdefault(str(cid), set()).add(m.group(1) if m else file)
                if m:
                    self._ref_of[str(cid)] = m.group(2)
        c = self.ledger
        for cid, unit, desc, note in zip(c["case_id"].tolist(), c["unit"].tolist(), c["description"].tolist(),
                                         c["remarks"].tolist()):
            if not cid:
                continue
            cid = str(cid)
            if cid not in self._ref_of and isinstance(note, str) and "原编号" in note:
                m = _NOTED_REF.search(note)
                if m:
                    self._ref_of[cid] = m.group(1)
            if cid in self._ref_of:
                self._refs.setdefault(self._ref_of[cid], (cid, unit))
            if cid in self._files and desc:
                self._texts.setdefault(_fold(desc), []).append((cid, unit))

    def remember(self, cid: str, unit: str, file: str, ref: str, desc: str) -> None:
        if self._refs is None:
            self._learn()
        self._files.setdefault(cid, set()).add(file)
        if ref:
            self._ref_of[cid] = ref
            self._refs.setdefault(ref, (cid, unit))
        self._texts.setdefault(_fold(desc), []).append((cid, unit))

    def known_as(self, clue: Clue, desc: str) -> tuple[str, str, str] | None:
        """(问题编号, unit, on what) when ``clue`` was handed over before: its own number, or — within the same clue
        file — the same content (a clue with a number other than the case's is a different clue)."""
        if self._refs is None:
            self._learn()
        if clue.ref and clue.ref in self._refs:
            return (*self._refs[clue.ref], "原始编号")
        for cid, unit in self._texts.get(_fold(desc), []):
            other = self._ref_of.get(cid)
            if clue.file in self._files.get(cid, ()) and not (clue.ref and other and other != clue.ref):
                return cid, unit, "线索内容"
        return None

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
                 waiting: list[Clue] | None = None, source: str | None = None,
                 requests: list[list] | None = None) -> tuple[Master, AssignResult]:
    """Number and hand over the office's new cases, register ``clues``, record transfers (in memory).

    ``waiting``: clues already on the 待指定单位 sheet; those the office has given a unit become cases, the
    rest stay listed. ``source``: the 线索来源 the office states for the clue file (12345, 信访, 问政平台…), put in
    the campaign's wording; a clue's own source column comes first. ``requests``: the 待指定单位 sheet as read
    (header first): a unit's 不属本单位 the office has answered there is decided (book.trail.decide_not_ours, on
    审批台账) and a case given to another unit moves as a 转办, as any office move.
    """
    from taizhang.book.trail import decide_not_ours

    result = AssignResult(master=master.path.name, today=today)
    ledger = master.ledger.reset_index(drop=True).copy()
    run = _Run(master, today, ledger, result, source=stated_source(master.rulebook, source) if source else None)
    new_rows: list[int] = []
    if requests:
        result.issues.extend(decide_not_ours(master, ledger, requests, today))
    _transfers(run)
    _office_rows(run, new_rows)
    seen: set[tuple] = set()
    for n, clue in enumerate((waiting or []) + (clues or [])):
        key = (clue.file, clue.row, _fold(scrub(clue.content, clue.reporter, clue.phone)))
        if key in seen:  # the same clue both waiting and in the file given again
            continue
        seen.add(key)
        before = len(run.doubts)
        _clue(run, clue, new_rows)
        if n < len(waiting or []):
            del run.doubts[before:]  # said when the clue came in, not again on every run while it waits
    _alias_doubts(run, static=bool(clues))
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


def _alias_doubts(run: _Run, static: bool = False) -> None:
    """One warning per alias that this run's clues held only inside other words (``unit-alias-ambiguous``); with
    ``static`` (a clue list was given), also the aliases inside another unit's name or alias or a common word."""
    said: set[str] = set()
    for m in run.doubts:
        if m.key == norm_text(m.official) or m.key in said or "级" in m.doubt:
            continue
        said.add(m.key)
        unit = run.master.units.by_name[m.official]
        run.result.issues.append(finding("unit-alias-ambiguous", f"{m.doubt}，未据此交办。如这个别名容易出现在其他词语中，"
                                         f"请在“成员单位”表中删去或改长。", sheet="成员单位", row=unit.row or None,
                                         header="别名", value=m.key, unit=m.official))
    if static:
        run.result.issues.extend(f for f in alias_warnings(run.master.units, run.master.path.name)
                                 if norm_unit(f.value) not in said)


def _transfers(run: _Run) -> None:
    """转办 of numbered cases whose 责任单位 the office changed; a first run records each case's unit."""
    df, units = run.ledger, run.master.units
    unit_col, given_col = df["unit"].tolist(), df["assigned_unit"].tolist()
    officials: dict[str, str | None] = {}  # a ledger repeats its few unit names over and over
    touched = False
    holders: dict[str, str] | None = None
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
        if not given:  # never handed over by 交办 (a unit reported it, merge added it): the unit it was with is the
            if holders is None:  # one 变更记录 last names for it
                holders = _holders(run.master)
            held = holders.get(str(cid))
            given = (officials[held] if held in officials else officials.setdefault(held, units.match(held))) \
                if held else None
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


def _holders(master: Master) -> dict[str, str]:
    """问题编号 → the 责任单位 of its last 变更记录 line (the unit that reported it, or it was handed or moved to)."""
    ch = master.changes
    if not len(ch) or not {"问题编号", "责任单位"} <= set(ch.columns):
        return {}
    return {str(cid): u for cid, u in zip(ch["问题编号"].tolist(), ch["责任单位"].tolist()) if cid and isinstance(u, str) and u}


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
    known = run.known_as(clue, desc)
    if known is not None:
        _already(run, clue, known)
        return
    if clue.chosen:
        unit = master.units.match(clue.chosen)
        basis, cands = f"办公室在“{S_UNASSIGNED}”表中指定", [unit] if unit else master.units.suggest(clue.chosen)
        if unit is None:
            basis = f"“{S_UNASSIGNED}”表中指定的单位“{clue.chosen}”不在成员单位名单中"
    else:
        unit, basis, cands = match_unit(master, clue.unit_text, clue.content, run.doubts)
    book = master.rulebook
    category = vocab_matcher([c.name for c in book.categories])(clue.category) if clue.category else None
    proposed, words = (None, []) if category else propose_category(book, clue.content)
    if unit is None and not clue.chosen:
        # no unit to compare within: a description already in the ledger means the clue was registered before
        # (a clue list given again after the office chose its unit on 待指定单位)
        dup = _duplicate_of(run, None, desc, "")
        if dup is not None:
            _duplicate(run, clue, desc, dup)
            return
    if unit is None:
        _wait(run, Pending(file=clue.file, row=clue.row, description=desc, source=clue.source or run.source or None,
                           date=clue.date, unit_text=clue.unit_text or None, candidates=cands, reason=basis,
                           ref=clue.ref or None, deadline=clue.deadline, proposed_category=proposed,
                           reporter=clue.reporter, phone=clue.phone))
        return
    dup = _duplicate_of(run, unit, desc, clue.subject)
    if dup is not None:
        _duplicate(run, clue, desc, dup)
        return
    source, source_note = _source(run, clue)
    notes = [f"线索：{clue.origin}"] + ([f"原编号{clue.ref}"] if clue.ref else []) + \
        ([f"线索日期{clue.date.isoformat()}"] if clue.date else [])
    cid = run.number(unit, today)
    record = {k: None for k in run.ledger.columns}
    record.update(case_id=cid, unit=unit, source=source, category=category, description=desc,
                  subject=clue.subject or None, assigned=today, status=STATUS_NOT_STARTED, remarks="；".join(notes),
                  assigned_unit=unit, reporter=clue.reporter or None, reporter_phone=clue.phone or None,
                  deadline=clue.deadline, src_file=clue.file, src_row=clue.row, updated_on=today)
    run.added.append(record | {"fold": _fold(desc)})
    run.remember(cid, unit, clue.file, clue.ref, desc)
    i = len(run.ledger) + len(run.added) - 1
    new_rows.append(i)
    _handed(run, cid, unit, clue.origin, basis, _log_file(clue.file, clue.ref), today, ref=clue.ref or None,
            proposed=proposed)
    notes = []
    if clue.category and category is None:
        notes.append(f"线索表中的类别“{clue.category}”不是本专项行动的问题类别")
    if proposed:
        notes.append(f"按线索内容（“{'”“'.join(words)}”）建议问题类别为“{proposed}”（未填入，请办公室确认）")
    if source_note:
        notes.append(source_note)
    if clue.deadline and clue.deadline < today:
        notes.append(f"线索表中的办理时限{clue.deadline.isoformat()}早于交办日期{today.isoformat()}，已作为整改时限记入")
    if clue.deadline_text:
        notes.append(f"线索表中的办理时限“{clue.deadline_text}”不是日期，整改时限按本专项行动的时限规则计算")
    _complete(run, record, i + 2, cid, notes)


def _already(run: _Run, clue: Clue, known: tuple[str, str, str]) -> None:
    cid, unit, on = known
    run.result.known.append(Known(file=clue.file, row=clue.row, id=cid, unit=unit, ref=clue.ref or None, on=on))
    by = f"原始编号{clue.ref}" if on == "原始编号" else "线索内容相同"
    run.result.issues.append(finding("clue-already-assigned", f"{clue.origin}的线索已交办（问题编号 {cid}，{unit}；{by}），"
                                     f"未重复登记。", file=clue.file, row=clue.row, header="线索内容", value=cid, unit=unit))


def _log_file(file: str, ref: str) -> str:
    """变更记录's 来源文件 of a clue's 交办: the file and the clue's own number, how a clue list given again is known."""
    return f"{file}（原始编号{ref}）" if ref else file


_LOGGED_REF = re.compile(r"^(.*)（原始编号(.+)）$")
_NOTED_REF = re.compile(r"原编号([^；;，,\s]+)")


def propose_category(book, text: str) -> tuple[str | None, list[str]]:
    """A category read from the content (its name, or words that point to it), for the office to confirm: the one
    category with the most such words, at least two (or its whole name); else none. Never set on a case."""
    folded = norm_text(text)
    scored = []
    for c in book.categories:
        if c.name in folded:
            return c.name, [c.name]
        words = {w for key, ws in CATEGORY_WORDS.items() if key in c.name for w in ws}
        words |= {c.name[i:i + 2] for i in range(len(c.name) - 1) if not set(c.name[i:i + 2]) & _GENERIC_CHARS}
        hits = sorted(w for w in words if w in folded)
        if hits:
            scored.append((len(hits), c.name, hits))
    scored.sort(key=lambda t: -t[0])
    if scored and scored[0][0] >= 2 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][1], scored[0][2]
    return None, []


_GENERIC_CHARS = set("不的等和与对及、“”\"在中为了是其他情形方面问题行动工作存在有关")


def source_of(book, text: object) -> str | None:
    """The campaign's 线索来源 value (its 代码表 wording) for a channel as written (12345, 信访, 问政平台, 暗访…)."""
    t = norm_text(text)
    if not t:
        return None
    hit = vocab_matcher(book.sources)(t)
    if hit:
        return hit
    for triggers, marks in SOURCE_FAMILIES:
        if any(w in t for w in triggers):
            found = [s for s in book.sources if any(m in s for m in marks)]
            if len(found) == 1:
                return found[0]
    return None


def stated_source(book, text: str) -> str:
    """The source the office states for a whole clue file, in the campaign's wording; refused when it has none."""
    hit = source_of(book, text)
    if hit is None:
        raise ClueFileError(f"线索来源“{text}”不是本专项行动的线索来源，也对应不上其中任何一个。"
                            f"请改用其中之一：{'、'.join(book.sources)}（或先在台账总表的“代码表”中增加）。")
    return hit


def _source(run: _Run, clue: Clue) -> tuple[str | None, str]:
    """(线索来源 for a clue's case, a note for the office when it is not in the campaign's wording)."""
    book = run.master.rulebook
    if clue.source:
        hit = source_of(book, clue.source)
        if hit:
            return hit, ""
        return clue.source, (f"线索表中的来源“{clue.source}”不是本专项行动的线索来源（{'、'.join(book.sources)}），"
                             f"已原样记录，应改为其中之一")
    if run.source:
        return run.source, ""
    # a list exported by one channel often says so only in its file name (12345热线线索.xlsx)
    return next((s for s in book.sources if s in clue.file), None), ""


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


def _handed(run: _Run, cid: str, unit: str, origin: str, basis: str, file: str, day: dt.date,
            ref: str | None = None, proposed: str | None = None) -> None:
    run.changes.append([cid, "交办", None, unit, unit, file, day])
    run.result.assigned.append(Assigned(id=cid, unit=unit, kind="交办", origin=origin, basis=basis, ref=ref,
                                        proposed_category=proposed))
    run.result.issues.append(finding("case-assigned", f"{origin}交办{unit}，编号{cid}（依据：{basis}）。",
                                     file=file, unit=unit, value=cid))


def _complete(run: _Run, row, excel_row: int, cid: str, notes: list[str] | None = None) -> None:
    """The fields a unit needs and the office should fill in: named, not guessed (a proposal is only said)."""
    missing = [h for k, h in (("category", "问题类别"), ("source", "线索来源")) if not to_text(row[k])]
    if missing or notes:
        said = f"{'、'.join(missing)}未填写：牵头督办部门按问题类别确定" if missing else ""
        said = "；".join([x for x in [said, *(notes or [])] if x])
        run.result.issues.append(finding("assign-needs-input", f"问题{cid}已交办{row['unit']}，但{said}。请在台账第{excel_row}行"
                                         f"{'补填' if missing else '核对'}。", sheet="台账", row=excel_row,
                                         header=missing[0] if missing else "", unit=row["unit"] or ""))


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
    ref: str = ""  # the clue's own number (12345 工单编号, 留言编号)


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
    copy_to: list[str] = field(default_factory=list)  # seed 001: "同时抄送案件涉及领域的行业主管部门"

    @property
    def transfers(self) -> int:
        return sum(1 for c in self.cases if c.transfer_from)


def notices_of(master: Master, result: AssignResult) -> list[Notice]:
    """One notice per unit that received cases in this run, in 成员单位 order."""
    book = master.rulebook
    by_unit: dict[str, list[NoticeCase]] = {}
    for a in result.assigned:
        by_unit.setdefault(a.unit, []).append(NoticeCase(a.id, a.description or "", a.deadline, a.sign_by,
                                                         a.supervisor or "", a.from_unit, a.deadline_note or "",
                                                         a.ref or ""))
    order = {n: i for i, n in enumerate(master.units.names())}
    def copies(cases: list[NoticeCase]) -> list[str]:  # the 行业主管部门 a campaign copies (分送摘录: 抄送)
        return sorted({c.supervisor for c in cases if c.supervisor}) if book.extracts_by == "supervisor" else []
    return [Notice(u, book.name, book.office or "领导小组办公室", result.today, cases, book.sign_workdays,
                   book.feedback_workdays, _reporting_text(book), copies(cases))
            for u, cases in sorted(by_unit.items(), key=lambda kv: order.get(kv[0], len(order)))]


def _reporting_text(book) -> str:
    r = book.reporting
    when = {"weekly": f"每周（星期{'一二三四五六日'[min(r.due_day, 7) - 1]}）前", "ten_days": "每旬末前",
            "monthly": f"每月{r.due_day}日前", "quarterly": f"每季度末月{r.due_day}日前",
            "once": f"{r.due_date.year}年{r.due_date.month}月{r.due_date.day}日前" if r.due_date else "按通知要求",
            "per_event": "每有进展即"}[r.cadence]
    return f"{when}报送办理进展"
