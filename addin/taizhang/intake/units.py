"""Member units (成员单位): official names, types, codes, aliases, and matching.

Units write their own names in many ways — with spaces, full-width letters,
a trailing （盖章）, an old abbreviation. Matching folds all of that away and
checks the official names and the aliases the office lists.

In free text (a clue) a name counts only as a whole word (``UnitDirectory.locate``): the longest name or
alias found wins over any inside it; an alias must not be glued into another word (“一中” in “统一中央空调”
or “第一中心医院”), a short one (≤2 characters) needs a boundary on its left (start, punctuation, or a word
such as 反映/投诉/关于/的/在), so does an alias that is the name without its head (“第一中学” of 县第一中学:
“江北第一中学” is another school), and a level written before it (市/县/区/镇…) must be the unit's own level
(“市自然资源局” is not 县自然资源局). What fails a test is returned as a doubt, with the reason, never as a
match. ``alias_warnings`` lists the aliases that invite such doubts (inside another unit's name or alias,
or inside common words).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from taizhang.errors import UserError
from taizhang.fields import norm_text

_STAMP = re.compile(r"[（(]?\s*(盖章|公章|章|签章|签字盖章)\s*[)）]?$")
_LEAD = re.compile(r"^(填报单位|报送单位|单位名称|单位)[:：]?")
ALIAS_SPLIT = re.compile(r"[、,，;；/|\n]+")


def norm_unit(text: object) -> str:
    t = norm_text(text)
    t = _LEAD.sub("", t)
    for _ in range(2):
        t = _STAMP.sub("", t)
    return t.strip("-_—.。:：")


class UnitListError(UserError):
    """The unit list has a conflict; the message names both rows."""


@dataclass
class Unit:
    name: str
    type: str = ""
    aliases: list[str] = field(default_factory=list)
    code: str = ""
    row: int = 0  # the row of the unit list it came from (0: not from a list)

    @property
    def level(self) -> str:
        """The level of government its name states: 省/市/县/区 (a department), 镇/乡/街道 (a town), or ""."""
        return level_of(self.name)


# --------------------------------------------------------------------------- words in free text

LEVELS = "省市县区镇乡"  # a level written right before a name: 市自然资源局, 县一中
_TOWN_ENDS = ("镇", "乡", "街道", "街道办事处", "办事处")
# a name or alias ending so is a whole institution's name: what follows it is another word or a part of it
INSTITUTION_ENDS = ("局", "委", "委员会", "办", "办公室", "院", "所", "站", "中心", "镇", "乡", "街道", "办事处", "政府",
                    "学校", "中学", "小学", "大学", "学院", "医院", "公司", "集团", "管委会", "部", "厅", "队", "馆", "处",
                    "会", "社", "园", "厂", "场", "法院", "检察院", "分局")
# what, right after an alias that is not an institution's name itself, makes it part of a longer one
EXTENDERS = ("中心", "医院", "卫生院", "学校", "小学", "中学", "大学", "学院", "幼儿园", "分局", "局", "委", "办", "院", "所",
             "站", "队", "公司", "集团", "厂", "馆", "街道", "办事处", "镇", "乡", "村", "社区", "部", "处", "科", "厅", "派出所")
ALWAYS_EXTENDERS = ("街道", "办事处")  # “城南镇街道”: a 街道, whatever the name before it
# words an alias must not be cut out of (its first or last character belongs to the word); also the words a short
# alias is checked against when the unit list is read
COMMON_WORDS = ("统一", "第一", "唯一", "之一", "同一", "万一", "其一", "一一", "中心", "中央", "中国", "中华", "中间",
                "中旬", "中期", "中小", "中学生", "中医", "中介", "中标", "中队", "其中", "当中", "集中", "一中心",
                "统一中", "第一中心", "工作", "政府", "人民", "社区", "服务", "管理", "发展", "建设", "公司", "企业", "群众",
                "问题", "资源", "自然", "交通", "教育", "卫生", "医院", "学校", "中学", "小学", "委员会", "办公室", "街道",
                "城区", "城市", "新区", "开发区", "市场", "安全", "环境", "农业", "农村", "公安", "财政", "住房", "执法",
                "大队", "派出所", "城关", "城南", "城北", "城东", "城西", "东城", "西城", "南城", "北城", "新城", "老城")
# what may stand right before a short alias (≤2 characters) besides the start, punctuation or its own level
LEFT_CONTEXT = ("反映", "投诉", "举报", "关于", "来电", "称", "说", "问", "对", "向", "在", "的", "了", "和", "与", "及", "或",
                "是", "由", "给", "被", "经", "到", "据", "请", "将", "让", "找", "去", "从", "发现", "要求", "希望", "建议",
                "督促", "联系", "咨询", "表示", "认为", "通过", "家长", "学生", "群众", "市民", "居民", "村民", "网民", "网友",
                "职工", "业主")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def level_of(name: str) -> str:
    """The level a unit's official name states (see ``Unit.level``)."""
    n = norm_text(name)
    if n[:1] in "省市县区":
        return n[0]
    for end in _TOWN_ENDS:
        if n.endswith(end):
            return "街道" if end in ("街道", "街道办事处", "办事处") else end
    return ""


@dataclass
class Mention:
    """A member unit named (or only seemingly named) in free text."""

    official: str
    key: str  # the name or alias as listed (folded)
    start: int
    end: int
    doubt: str = ""  # why this is not a confident match; "" for a match
    strong: bool = False  # the text names another body like the unit (another level, a longer name)

    @property
    def sure(self) -> bool:
        return not self.doubt


@dataclass
class Located:
    """What ``UnitDirectory.locate`` found: sure matches in order of appearance, and the doubts."""

    mentions: list[Mention]

    @property
    def sure(self) -> list[tuple[str, str]]:
        out: dict[str, str] = {}
        for m in self.mentions:
            if m.sure:
                out.setdefault(m.official, m.key)
        return list(out.items())

    @property
    def doubts(self) -> list[Mention]:
        sure = {o for o, _ in self.sure}
        return [m for m in self.mentions if m.doubt and m.official not in sure]

    @property
    def strong_doubts(self) -> list[Mention]:
        return [m for m in self.doubts if m.strong]


def _boundary(ch: str) -> bool:
    return not ch or not _CJK.match(ch)


def _snippet(text: str, a: int, b: int) -> str:
    return text[max(a - 3, 0):b + 3]


@dataclass
class UnitDirectory:
    units: list[Unit]

    def __post_init__(self) -> None:
        self._index: dict[str, str] = {}
        for u in self.units:
            for n in (u.name, *u.aliases):
                self._index.setdefault(norm_unit(n), u.name)
        self.by_name = {u.name: u for u in self.units}

    def __len__(self) -> int:
        return len(self.units)

    def names(self) -> list[str]:
        return [u.name for u in self.units]

    def match(self, text: object) -> str | None:
        """The official name for a written unit name, or None."""
        key = norm_unit(text)
        return self._index.get(key) if key else None

    def find_in(self, text: str) -> str | None:
        """The official name whose name or alias occurs in ``text`` (longest wins)."""
        hay = norm_unit(text)
        best, best_len = None, 0
        for key, official in self._index.items():
            if len(key) >= 2 and key in hay and len(key) > best_len:
                best, best_len = official, len(key)
        return best

    def mentions(self, text: object) -> list[tuple[str, str]]:
        """(official name, name or alias as listed) for every member unit surely named in free ``text``, in order
        of first appearance (``locate``'s sure matches)."""
        return self.locate(text).sure

    def locate(self, text: object) -> Located:
        """Every member unit named in free ``text``, each a sure match or a doubt with its reason (module doc)."""
        hay = norm_text(text)
        spans = []
        for key, official in self._index.items():
            if len(key) < 2:
                continue
            at = hay.find(key)
            while at >= 0:
                spans.append((at, at + len(key), key, official))
                at = hay.find(key, at + 1)
        spans.sort(key=lambda s: (s[0], -s[1]))
        out = []
        for a, b, key, official in spans:
            if any(a2 <= a and b <= b2 and (b2 - a2) > (b - a) for a2, b2, _, _ in spans):
                continue  # the longest name or alias found there wins
            out.append(self._judge(hay, a, b, key, official))
        return Located(out)

    def _judge(self, hay: str, a: int, b: int, key: str, official: str) -> Mention:
        m = Mention(official, key, a, b)
        unit = self.by_name[official]
        is_name = key == norm_unit(official)
        before = hay[a - 1:a] if a else ""
        said = _snippet(hay, a, b)
        level = unit.level
        if before and before in LEVELS and key[:1] not in LEVELS and not (level in ("镇", "乡", "街道") and before in "省市县区"):
            if before != level:
                m.doubt = (f"文中为“{before}{key}”（{before}级），而{official}是{level}级单位" if level else
                           f"文中为“{before}{key}”（{before}级），与{official}不是同一单位")
                m.strong = True
                return m
        if is_name and not any(hay.startswith(e, b) for e in ALWAYS_EXTENDERS):
            return m  # an official name, unless it is the head of a 街道's (“古城镇街道” is not 古城镇)
        if any(hay.startswith(e, b) for e in ALWAYS_EXTENDERS) or (
                not key.endswith(INSTITUTION_ENDS) and any(hay.startswith(e, b) for e in EXTENDERS)):
            ext = next(e for e in (*ALWAYS_EXTENDERS, *EXTENDERS) if hay.startswith(e, b))
            what = "" if is_name else f"（别名“{key}”）"
            m.doubt, m.strong = f"文中为“{key}{ext}”（“{said}”），不是{official}{what}", True
            return m
        for w in COMMON_WORDS:  # an alias cut out of a word: its first or last character belongs to the word
            for j in range(max(a - len(w) + 1, 0), b):
                if hay.startswith(w, j) and (j < a < j + len(w) or j < b < j + len(w)) and not (a <= j and j + len(w) <= b):
                    m.doubt = f"别名“{key}”（{official}）在“{said}”中是“{w}”一词的一部分"
                    return m
        name = norm_unit(official)
        short, bare = len(key) <= 2, name.endswith(key) and len(name) > len(key)  # bare: the name without its head
        if (short or bare) and not (_boundary(before) or before == level or
                                    any(hay.endswith(c, 0, a) for c in LEFT_CONTEXT)):
            m.doubt = (f"别名“{key}”（{official}）只有{len(key)}个字，在“{said}”中前面不是标点或“反映”“关于”等词，可能是其他词语的一部分"
                       if short else f"文中“{hay[max(a - 2, 0):b]}”的“{key}”前面还有其他字，可能是另一个“…{key}”，不一定是{official}")
            m.strong = bare and not short
        return m

    def suggest(self, text: object, n: int = 3) -> list[str]:
        key = norm_unit(text)
        names = list(self._index)
        hits = difflib.get_close_matches(key, names, n=n * 2, cutoff=0.4)
        out: list[str] = []
        for h in hits:
            official = self._index[h]
            if official not in out:
                out.append(official)
        return out[:n]


def alias_warnings(directory: UnitDirectory, origin: str = "成员单位") -> list:
    """Aliases that may match inside other words (within another unit's name or alias, or within common words),
    as ``unit-alias-ambiguous`` findings."""
    from taizhang.findings import finding  # not at import: the ribbon reads unit lists without pydantic

    out = []
    keys = {norm_unit(n): u.name for u in directory.units for n in (u.name, *u.aliases)}
    for u in directory.units:
        for alias in u.aliases:
            a = norm_unit(alias)
            if len(a) < 2:
                continue
            inside = [f"{keys[k]}的{'名称' if k == norm_unit(keys[k]) else '别名'}“{k}”" for k in keys
                      if a != k and a in k and keys[k] != u.name]
            words = [w for w in COMMON_WORDS if a != w and a in w]
            if not inside and not words:
                continue
            where = "、".join(inside + [f"常用词“{w}”" for w in words][:3])
            out.append(finding("unit-alias-ambiguous", f"{u.name}的别名“{alias}”包含在{where}中：线索中出现时只按完整词语"
                               f"认定（前后不能连着其他字），拿不准的列入“待指定单位”。如不需要，请在“成员单位”表中删去或改长这个别名。",
                               file=origin, sheet="成员单位", row=u.row or None, header="别名", value=alias, unit=u.name))
    return out


def build_directory(rows: list[tuple[int, str, str, str, str]], origin: str) -> UnitDirectory:
    """Rows of (row number, 名称, 类型, 别名, 代码) → directory; conflicts raise naming both rows."""
    seen: dict[str, tuple[int, str]] = {}
    units: list[Unit] = []
    problems: list[str] = []
    for rowno, name, utype, aliases, code in rows:
        name = str(name or "").strip()
        if not name:
            continue
        alias_list = [a.strip() for a in ALIAS_SPLIT.split(str(aliases or "")) if a.strip()]
        key = norm_unit(name)
        if key in seen:
            other_row, other = seen[key]
            problems.append(f"第{rowno}行“{name}”与第{other_row}行“{other}”重复（单位名称或别名相同）")
            continue
        seen[key] = (rowno, name)
        for a in alias_list:
            ak = norm_unit(a)
            if ak in seen and seen[ak][1] != name:
                problems.append(f"第{rowno}行的别名“{a}”已被第{seen[ak][0]}行“{seen[ak][1]}”使用")
            else:
                seen[ak] = (rowno, name)
        units.append(Unit(name, str(utype or "").strip(), alias_list, str(code or "").strip(), rowno))
    if problems:
        raise UnitListError(f"成员单位名单 {origin} 有冲突：\n  " + "\n  ".join(problems) +
                            "\n请修改后重试：每个单位只能列一次，每个别名只能属于一个单位。")
    for i, u in enumerate(units, 1):
        if not u.code:
            u.code = f"DW{i:03d}"
    return UnitDirectory(units)


def read_unit_file(path: str | Path) -> UnitDirectory:
    """A .csv (UTF-8, UTF-8 with BOM or GBK) or .xlsx with 单位名称, 单位类型, 别名 (单位代码 optional)."""
    from taizhang.intake.reader import read_plain_table
    from taizhang.xlsx.safety import FileProblem

    path = Path(path)
    try:
        table = read_plain_table(path)
    except FileProblem as exc:
        raise UnitListError(f"无法读取成员单位名单：{exc.message}") from None
    if not table:
        raise UnitListError(f"成员单位名单 {path} 是空的")
    header = [norm_text(h) for h in table[0]]

    def col(*names: str) -> int | None:
        for n in names:
            if n in header:
                return header.index(n)
        return None

    ci = col("单位名称", "名称", "单位")
    if ci is None:
        raise UnitListError(f"成员单位名单 {path} 第1行没有“单位名称”列（应为：单位名称、单位类型、别名）")
    ti, ai, ki = col("单位类型", "类型"), col("别名", "简称"), col("单位代码", "代码")

    def cell(r: list, i: int | None) -> str:
        return "" if i is None or i >= len(r) or r[i] is None else str(r[i]).strip()

    rows = [(n, cell(r, ci), cell(r, ti), cell(r, ai), cell(r, ki)) for n, r in enumerate(table[1:], 2)]
    return build_directory(rows, str(path))
