"""Member units (成员单位): official names, types, codes, aliases, and matching.

Units write their own names in many ways — with spaces, full-width letters,
a trailing （盖章）, an old abbreviation. Matching folds all of that away and
checks the official names and the aliases the office lists.
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
        """(official name, name or alias as listed) for every member unit named in free ``text``, in order of
        first appearance; a name that occurs only inside a longer name also found there does not count."""
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
        out: dict[str, str] = {}
        for a, b, key, official in spans:
            if any(a2 <= a and b <= b2 and (b2 - a2) > (b - a) for a2, b2, _, _ in spans):
                continue
            out.setdefault(official, key)
        return list(out.items())

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
