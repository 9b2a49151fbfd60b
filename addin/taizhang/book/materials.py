"""材料报送: the dated materials a plan requires of the member units, and who has sent them.

Besides the periodic ledger, a plan asks for documents by a date (DOMAIN.md "Rhythms and dated deliverables": seed
000 攻坚难题清单 by 5月15日, 002 排查清单 by 12月7日, 003 总结报告 by 11月15日 and the 方案 备案, 004 工作总结 by
11月30日, 调研报告 by 12月15日 and two 备案). The rulebook lists them; a master has them as rows of the 材料报送
sheet, which the office extends (its rows are kept: a row is read by header, its own columns left alone).

A file in the report folder whose name or document title holds a material's 识别词 (the name itself when blank)
and a member unit ("河口镇专项清理总结报告.docx") is that unit's copy of the material. It is recorded as received on
the day taizhang first saw its content (文件接收记录, never the file's modification time), in the sheet's
已报送单位 column ("河口镇（2026-11-12）"), which is therefore the record: a file later moved away stays received.
A unit the office writes there by hand (a copy handed over on paper) is received too, its day not known.
Pure apart from reading a document's title.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from taizhang.book.sheets import MATERIAL_HEADERS

ALL_UNITS = "全部成员单位"
_ENTRY = re.compile(r"\s*(.+?)（(\d{4}-\d{2}-\d{2})）\s*")
_TITLE = re.compile(rb"<dc:title>([^<]{1,400})</dc:title>")
TITLE_SUFFIXES = (".docx", ".xlsx", ".xlsm", ".pptx", ".docm")


@dataclass
class Material:
    name: str
    due: dt.date | None
    units: list[str]                      # empty: every member unit
    to: str = ""
    quote: str = ""
    keys: list[str] = field(default_factory=list)
    received: dict[str, dt.date | None] = field(default_factory=dict)  # unit → the day its copy was first seen
    # (None: the office entered the unit by hand on the sheet)
    row: list = field(default_factory=list)                       # the sheet row as read (the office's columns kept)

    def owed_by(self, names: list[str]) -> list[str]:
        return [u for u in (self.units or names) if u not in self.received]


@dataclass
class Owed:
    """One material a unit still owes: due (None: no date yet), and whether that date has passed."""
    name: str
    due: dt.date | None
    overdue: bool


def _date(v) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    from taizhang.intake.normalize import parse_date_text

    text = str(v or "").strip()
    return parse_date_text(text, dt.date.today().year)[0] if text else None


def _split(v) -> list[str]:
    return [p.strip() for p in re.split(r"[、，,；;\n]", str(v or "")) if p.strip()]


def preset_rows(book) -> list[list]:
    """The rulebook's materials as 材料报送 rows."""
    return [[d.name, d.due, ALL_UNITS, d.to, d.quote, "、".join(d.keys), "", ""] for d in book.deliverables]


def read_materials(table: list[list] | None, book=None) -> list[Material]:
    """材料报送 rows (header first) → materials; without the sheet, the preset's (``book``'s) materials."""
    if not table:
        table = [list(MATERIAL_HEADERS)] + (preset_rows(book) if book is not None else [])
    head = [str(h or "").strip() for h in table[0]]
    at = {h: head.index(h) for h in MATERIAL_HEADERS if h in head}
    if "材料名称" not in at:
        return []

    def cell(r, h):
        i = at.get(h)
        return r[i] if i is not None and i < len(r) else None

    out = []
    for r in table[1:]:
        r = list(r)
        name = str(cell(r, "材料名称") or "").strip()
        if not name or name.startswith("（"):
            continue
        units = [u for u in _split(cell(r, "报送单位")) if u != ALL_UNITS]
        received = {}
        for part in re.split(r"[、\n]", str(cell(r, "已报送单位") or "")):
            m = _ENTRY.fullmatch(part)
            if m:
                received[m.group(1)] = dt.date.fromisoformat(m.group(2))
            elif part.strip():  # the office's own entry (a copy handed over on paper): received, day not known
                received[part.strip()] = None
        out.append(Material(name, _date(cell(r, "截止日期")), units, str(cell(r, "报送对象") or "").strip(),
                            str(cell(r, "方案原文") or "").strip(), _split(cell(r, "识别词")) or [name], received, r))
    return out


def document_title(path: Path) -> str:
    """The title in an Office document's properties (docProps/core.xml), or ''. Read as bytes with a size bound
    and a plain pattern: no XML parser meets an untrusted file here."""
    if Path(path).suffix.lower() not in TITLE_SUFFIXES:
        return ""
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("docProps/core.xml")
            if info.file_size > 65536:
                return ""
            m = _TITLE.search(z.read(info))
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError):
        return ""
    if not m:
        return ""
    import html

    return html.unescape(m.group(1).decode("utf-8", "replace")).strip()


def match(materials: list[Material], units, texts: list[str]) -> tuple[Material, str] | None:
    """(material, unit) a file is, from its name and title: the material whose 识别词 matches longest, the member
    unit the same text names. None when either is missing."""
    best = None
    for text in (t for t in texts if t):
        for m in materials:
            for key in m.keys:
                if key and key in text and (best is None or len(key) > best[2]):
                    unit = units.find_in(text)
                    if unit and (not m.units or unit in m.units):
                        best = (m, unit, len(key))
    return (best[0], best[1]) if best else None


def record(m: Material, unit: str, first_seen: dt.date) -> bool:
    """Note ``unit``'s copy as received on ``first_seen`` (the earliest day wins); True when it is new."""
    if unit in m.received and (m.received[unit] is None or m.received[unit] <= first_seen):
        return False
    new = unit not in m.received
    m.received[unit] = first_seen
    return new


def header_of(table: list[list] | None) -> list[str]:
    """The sheet's header as the office has it (its own columns, its order), with any missing column added at the end."""
    head = [str(h or "").strip() for h in (table[0] if table else [])]
    return head + [h for h in MATERIAL_HEADERS if h not in head]


def rows(materials: list[Material], names: list[str], head: list[str] | None = None) -> list[list]:
    """The 材料报送 sheet's rows under ``head`` (``header_of``): each material's own cells as read, 已报送单位 and
    未报送单位 refreshed; the office's columns carried with their row."""
    head = head or list(MATERIAL_HEADERS)
    out = []
    for m in materials:
        row = list(m.row) + [None] * max(0, len(head) - len(m.row))
        if not m.row:  # a preset's row, not read from a sheet
            row = [None] * len(head)
            for h, v in zip(MATERIAL_HEADERS, [m.name, m.due, ALL_UNITS, m.to, m.quote, "、".join(m.keys)]):
                row[head.index(h)] = v
        row[head.index("已报送单位")] = "、".join(f"{u}（{d.isoformat()}）" if d else u for u, d in
                                             sorted(m.received.items(), key=lambda kv: (kv[1] or dt.date.min, kv[0])))
        row[head.index("未报送单位")] = "、".join(m.owed_by(names))
        out.append(row)
    return out


def owed(materials: list[Material], names: list[str], today: dt.date, lead_days: int | None = None,
         cal=None) -> dict[str, list[Owed]]:
    """unit → the materials it still owes. With ``lead_days`` (and ``cal``), only those overdue or due within that
    many working days (remind's view); without, all of them (merge, the summary and the 通报)."""
    out: dict[str, list[Owed]] = {}
    for m in materials:
        if lead_days is not None and m.due is not None and m.due > today and cal.workdays_between(today, m.due) > lead_days:
            continue
        if lead_days is not None and m.due is None:
            continue
        for u in m.owed_by(names):
            out.setdefault(u, []).append(Owed(m.name, m.due, m.due is not None and today > m.due))
    return out


def materials_of(master) -> list[Material]:
    """The master's materials: its 材料报送 sheet, or for a master made before that sheet, its preset's."""
    book = master.rulebook
    if master.materials is None:
        from taizhang.rules.rulebook import builtin_rulebooks

        plan = builtin_rulebooks().get(book.id)
        if plan is not None:
            years = [d.year for p in book.phases for d in (p.start, p.end) if d] or [dt.date.today().year]
            book = plan.for_year(min(years))  # the plan's dates placed in the campaign's year, as `new --year` does
        return read_materials(None, book)
    return read_materials(master.materials)
