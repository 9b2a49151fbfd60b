"""An in-memory Excel for tests, plugged into xlwings through its engine interface.

It implements the parts of ``xlwings.base_classes`` the add-in's entry points
use (books, sheets, ranges with values, fills, notes and hyperlinks, the app's status
bar, screen updating, calculation and message boxes), so tests drive the
real ``xlwings.Book``/``Sheet``/``Range`` objects and press each button.
Like Excel it parses what it is given as if it were typed (``=…`` a formula,
``001`` a number, ``1/2`` and ``2026年11月`` dates, ``50%`` a fraction in a cell it formats
``0%``, ``TRUE`` a boolean) unless the text carries a leading apostrophe or the cell is formatted
as text (``@``), so a test can prove that every text stays exactly as it was.
Cells keep their number formats (read from the file, set through ``Range.NumberFormat``, moved with a row
copy), and ``Range.NumberFormat`` over many cells answers as Excel's does: their one format, or None (COM's
Null) when they differ.
Every call the add-in makes into "Excel" (each property read or write, each
method) is counted in ``MemApp.calls``, as each would be one round trip to
Excel over COM; tests cap the counts per button.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from xlwings import base_classes

from taizhang.xlsx.sheetxml import ESTIMATED_HEIGHTS

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")
MAX_COLUMN = 16384
_A1 = re.compile(r"(?<![A-Za-z_$\d])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![\d(])")


def shift_formula(formula: str, dr: int, dc: int) -> str:
    """A formula as Excel writes it when its cell is copied ``dr`` rows down and ``dc`` columns right:
    relative references move, ``$`` parts stay (text in quotes is left alone)."""
    def one(m):
        col = m.group(2) if m.group(1) else get_column_letter(column_index_from_string(m.group(2)) + dc)
        row = m.group(4) if m.group(3) else str(int(m.group(4)) + dr)
        return f"{m.group(1)}{col}{m.group(3)}{row}"

    parts = formula.split('"')
    return '"'.join(_A1.sub(one, p) if i % 2 == 0 else p for i, p in enumerate(parts))
COUNTER = {"calls": 0}
_NOT_COUNTED = {"cell", "peek", "put", "values", "formulas", "from_file", "text_of",
                "pid", "engine"}  # xlwings bookkeeping, not calls into Excel's object model


def counted(cls):
    """Count every public method and property of an engine class as one call into Excel."""
    for name, attr in list(vars(cls).items()):
        if name.startswith("_") and name not in ("__call__", "__iter__", "__len__"):
            continue
        if name in _NOT_COUNTED:
            continue
        if isinstance(attr, property):
            setattr(cls, name, property(_tick(attr.fget) if attr.fget else None, _tick(attr.fset) if attr.fset else None))
        elif callable(attr) and not isinstance(attr, (staticmethod, classmethod, type)):
            setattr(cls, name, _tick(attr))
    return cls


def _tick(fn):
    def run(*args, **kwargs):
        COUNTER["calls"] += 1
        COUNTER[fn.__name__] = COUNTER.get(fn.__name__, 0) + 1
        return fn(*args, **kwargs)
    run.__name__ = fn.__name__
    return run


_NUMBER = re.compile(r"\(?[+-]?[$¥￥]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?%?\)?")
_ERRORS = {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"}


def excel_parse(text: str, year: int = 2026):
    """What Excel (Chinese locale) stores when ``text`` is typed or assigned to a General-format cell:
    ("formula", f), ("text", t) or ("value", v)."""
    if text.startswith("'"):
        return "text", text[1:]
    if text.startswith(("=", "+", "-", "@")) and len(text) > 1 and not _NUMBER.fullmatch(text.strip()):
        return "formula", text if text.startswith("=") else "=" + text
    s = text.strip()
    if s.upper() in ("TRUE", "FALSE"):
        return "value", s.upper() == "TRUE"
    if s in _ERRORS:
        return "value", ("#error", s)
    if s and any(ch.isdigit() for ch in s) and _NUMBER.fullmatch(s):
        neg = s.startswith("(") and s.endswith(")")
        body = s.strip("()").replace(",", "").lstrip("$¥￥").replace("+$", "+").replace("-$", "-")
        pct = body.endswith("%")
        try:
            v = float(body.rstrip("%").replace("$", "").replace("¥", "").replace("￥", ""))
        except ValueError:
            return "text", text
        v = v / 100 if pct else v
        return "value", -v if neg else v
    m = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", s) or re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", s)
    if m:
        return _date_or_text(text, int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(r"(\d{4})年(\d{1,2})月", s) or re.fullmatch(r"(\d{4})[-/](\d{1,2})", s)
    if m:
        return _date_or_text(text, int(m.group(1)), int(m.group(2)), 1)
    m = re.fullmatch(r"(\d{1,2})月(\d{1,2})日", s) or re.fullmatch(r"(\d{1,2})[-/](\d{1,2})", s)
    if m:
        return _date_or_text(text, year, int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"(\d+) (\d+)/(\d+)", s)
    if m and int(m.group(3)):
        return "value", int(m.group(1)) + int(m.group(2)) / int(m.group(3))
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(:(\d{2}))?", s)
    if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
        return "value", (int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(4) or 0)) / 86400
    return "text", text


def _date_or_text(text, y, m, d):
    try:
        return "value", dt.datetime(y, m, d)
    except ValueError:
        return "text", text


def _parse(addr: str) -> tuple[int, int]:
    m = _CELL.match(addr.strip().upper())
    if not m:
        raise ValueError(f"bad address {addr!r}")
    return int(m.group(2)), column_index_from_string(m.group(1))


class Cell:
    __slots__ = ("value", "formula", "color", "note", "number_format", "hyperlink")

    def __init__(self):
        self.value = None
        self.formula = None
        self.color = None
        self.note = None
        self.number_format = None
        self.hyperlink = None  # (address, screen tip) of a cell's Hyperlink object (Range.Hyperlinks.Add)


@counted
class MemNote(base_classes.Note):
    def __init__(self, cell: Cell):
        self.cell = cell

    @property
    def text(self):
        return self.cell.note

    @text.setter
    def text(self, value):
        self.cell.note = value

    def delete(self):
        self.cell.note = None


@counted
class MemRange(base_classes.Range):
    def __init__(self, sheet: "MemSheet", areas: list[tuple[int, int, int, int]]):
        self._sheet = sheet
        self.areas = areas  # (row, col, nrows, ncols)

    @property
    def sheet(self):
        return self._sheet

    @property
    def api(self):
        return self  # truthy, like a COM Range

    # geometry
    @property
    def coords(self):
        r, c, _, _ = self.areas[0]
        return self._sheet._book.path.name, self._sheet._name, r, c

    @property
    def row(self):
        return self.areas[0][0]

    @property
    def column(self):
        return self.areas[0][1]

    @property
    def shape(self):
        return self.areas[0][2], self.areas[0][3]

    def __len__(self):
        return self.areas[0][2] * self.areas[0][3]

    def __call__(self, row, col):
        r, c, _, _ = self.areas[0]
        return MemRange(self._sheet, [(r + row - 1, c + col - 1, 1, 1)])

    @property
    def address(self):
        return ",".join(
            f"${get_column_letter(c)}${r}" + (f":${get_column_letter(c + nc - 1)}${r + nr - 1}" if (nr, nc) != (1, 1) else "")
            for r, c, nr, nc in self.areas)

    def get_address(self, row_absolute, col_absolute, external):
        return self.address

    def _cells(self):
        for r, c, nr, nc in self.areas:
            for i in range(nr):
                for j in range(nc):
                    yield self._sheet.cell(r + i, c + j)

    # values
    @property
    def raw_value(self):
        r, c, nr, nc = self.areas[0]
        rows = [[self._sheet.peek(r + i, c + j) for j in range(nc)] for i in range(nr)]
        return rows[0][0] if (nr, nc) == (1, 1) else rows

    @raw_value.setter
    def raw_value(self, value):
        r, c, nr, nc = self.areas[0]
        if not isinstance(value, (list, tuple)):
            value = [[value] * nc for _ in range(nr)]
        elif value and not isinstance(value[0], (list, tuple)):
            value = [list(value)]
        for i, row in enumerate(value):
            for j, v in enumerate(row):
                self._sheet.put(r + i, c + j, v)

    @property
    def formula(self):
        r, c, nr, nc = self.areas[0]
        rows = [[self._sheet.text_of(r + i, c + j) for j in range(nc)] for i in range(nr)]
        return rows[0][0] if (nr, nc) == (1, 1) else rows

    @formula.setter
    def formula(self, value):
        self.raw_value = value  # Excel's Range.Formula parses input the same way as Range.Value

    @property
    def number_format(self):
        """Excel's Range.NumberFormat: the cells' format when they all share one ("General" for none), else None
        (COM's Null, which Excel answers for a range of mixed formats)."""
        get = self._sheet.cells_by_pos.get
        formats = {(getattr(get((r + i, c + j)), "number_format", None) or "General")
                   for r, c, nr, nc in self.areas for i in range(nr) for j in range(nc)}
        return formats.pop() if len(formats) == 1 else None

    # hyperlinks (Excel's Hyperlinks collection: the link is the cell's, apart from its value)
    def add_hyperlink(self, address, text_to_display, screen_tip):
        """Hyperlinks.Add(Anchor, Address, ScreenTip, TextToDisplay): the cell shows the text as text (never parsed:
        Excel puts TextToDisplay in as a constant) and keeps the link; a formula there is replaced."""
        for cell in self._cells():
            cell.formula, cell.value, cell.hyperlink = None, text_to_display, (address, screen_tip)

    @property
    def hyperlink(self):
        link = next(self._cells()).hyperlink
        if link is None:
            raise Exception("The cell doesn't seem to contain a hyperlink!")  # as xlwings' COM engine
        return link[0]

    @property
    def Hyperlinks(self):
        return MemHyperlinks(self)

    def ClearHyperlinks(self):
        """Range.ClearHyperlinks: the links go, values and formats stay."""
        for cell in self._existing().values():
            cell.hyperlink = None

    @number_format.setter
    def number_format(self, value):
        for cell in self._cells():
            cell.number_format = value

    def clear_contents(self):
        for cell in self._cells():
            cell.value = cell.formula = None

    @property
    def color(self):
        return next(self._cells()).color

    @color.setter
    def color(self, value):
        for cell in self._cells():
            cell.color = value

    @property
    def note(self):
        cell = next(self._cells())
        return MemNote(cell) if cell.note is not None else None

    def add_note(self, text):
        cell = next(self._cells())
        cell.note = text
        return MemNote(cell)

    @property
    def has_array(self):
        return False

    # the COM Range methods the ribbon's 台账 writer uses (``range.api`` is the range itself here)
    @property
    def EntireRow(self):
        rows = MemRange(self._sheet, [(r, 1, nr, MAX_COLUMN) for r, _, nr, _ in self.areas])
        rows.whole_rows = True
        return rows

    def _existing(self):
        """The cells of this range that exist (a whole row is 16,384 cells; only the used ones are visited)."""
        r, c, nr, nc = self.areas[0]
        return {k: cell for k, cell in self._sheet.cells_by_pos.items()
                if r <= k[0] < r + nr and c <= k[1] < c + nc}

    def Copy(self, Destination=None):
        """Range.Copy(Destination): values, formulas (relative references moved as Excel moves them), fills,
        number formats, notes and hyperlinks; whole rows bring their heights. The destination's cells are replaced."""
        assert Destination is not None
        r, c, nr, nc = self.areas[0]
        dr, dc = Destination.row - r, Destination.column - c
        source = {k: (cell.value, cell.formula, cell.color, cell.note, cell.number_format, cell.hyperlink)
                  for k, cell in self._existing().items()}
        heights = {k: v for k, v in self._sheet.row_heights.items() if r <= k < r + nr}
        target = Destination._sheet
        for k in [k for k in target.cells_by_pos if r + dr <= k[0] < r + dr + nr and c + dc <= k[1] < c + dc + nc]:
            del target.cells_by_pos[k]
        for (i, j), (value, formula, color, note, fmt, link) in source.items():
            cell = target.cell(i + dr, j + dc)
            cell.value, cell.color, cell.note, cell.number_format, cell.hyperlink = value, color, note, fmt, link
            cell.formula = shift_formula(formula, dr, dc) if formula else None
        if getattr(self, "whole_rows", False):
            for k in range(r + dr, r + dr + nr):
                target.row_heights.pop(k, None)
            target.row_heights.update({k + dr: v for k, v in heights.items()})
        return True

    def ClearContents(self):
        for cell in self._existing().values():
            cell.value = cell.formula = None

    def ClearComments(self):
        for cell in self._existing().values():
            cell.note = None

    def ClearFormats(self):
        for cell in self._existing().values():
            cell.color = cell.number_format = None

    @property
    def Hidden(self):
        r, _, nr, _ = self.areas[0]
        return all(k in self._sheet.hidden_rows for k in range(r, r + nr))

    @Hidden.setter
    def Hidden(self, value):
        for r, _, nr, _ in self.areas:
            for k in range(r, r + nr):
                (self._sheet.hidden_rows.add if value else self._sheet.hidden_rows.discard)(k)

    def SpecialCells(self, kind):
        """xlCellTypeVisible (12): the range's cells on rows not hidden, as areas; Excel raises when there is none."""
        assert kind == 12
        r, c, nr, nc = self.areas[0]
        areas, start = [], None
        for k in range(r, r + nr + 1):
            shown = k < r + nr and k not in self._sheet.hidden_rows
            if shown and start is None:
                start = k
            elif not shown and start is not None:
                areas.append((start, c, k - start, nc))
                start = None
        if not areas:
            raise RuntimeError("No cells were found.")
        return MemRange(self._sheet, areas)

    @property
    def Areas(self):
        return MemAreas(self)

    @property
    def Row(self):
        return self.areas[0][0]

    @property
    def Rows(self):
        return MemAreas(self, rows=True)

    @property
    def UseStandardHeight(self):
        r, _, nr, _ = self.areas[0]
        return not any(k in self._sheet.row_heights for k in range(r, r + nr))

    @UseStandardHeight.setter
    def UseStandardHeight(self, value):
        r, _, nr, _ = self.areas[0]
        if value:
            for k in range(r, r + nr):
                self._sheet.row_heights.pop(k, None)

    def Replace(self, What, Replacement, LookAt=2, SearchOrder=1, MatchCase=False, SearchFormat=False, ReplaceFormat=False):
        """Range.Replace as the add-in uses it: whole-cell matches get Application.ReplaceFormat's fill."""
        assert What == Replacement and LookAt == 1 and ReplaceFormat and not SearchFormat
        fill = self._sheet._book._app._api.ReplaceFormat.fill
        for cell in self._cells():
            if cell.formula is None and cell.value == What:
                cell.color = fill
        return True


@counted
class MemHyperlinks:
    """Range.Hyperlinks: ``Add(Anchor, Address, SubAddress, ScreenTip, TextToDisplay)`` as Excel's COM method. Without
    TextToDisplay the cell keeps the value it holds (so text written as text stays text); with it, the cell shows it
    as a constant."""

    def __init__(self, rng: "MemRange"):
        self.rng = rng

    def Add(self, Anchor, Address, SubAddress=None, ScreenTip=None, TextToDisplay=None):
        for cell in Anchor._cells():
            if TextToDisplay is not None:
                cell.formula, cell.value = None, TextToDisplay
            elif cell.value is None and cell.formula is None:
                cell.value = Address  # an empty cell shows the address, as Excel does
            cell.hyperlink = (Address, ScreenTip)
        return True

    @property
    def Count(self):
        return sum(1 for cell in self.rng._existing().values() if cell.hyperlink is not None)

    def __call__(self, i):
        """Hyperlinks(i): the i-th link (1-based) of the range, with its Address and ScreenTip."""
        links = [c.hyperlink for _, c in sorted(self.rng._existing().items()) if c.hyperlink is not None]
        address, tip = links[i - 1]
        return type("Hyperlink", (), {"Address": address, "ScreenTip": tip})()


@counted
class MemAreas:
    """Range.Areas (and Range.Rows, for its Count): ``Areas(i)`` is the i-th area, 1-based."""

    def __init__(self, rng: "MemRange", rows: bool = False):
        self.rng, self.rows = rng, rows

    @property
    def Count(self):
        return self.rng.areas[0][2] if self.rows else len(self.rng.areas)

    def __call__(self, i):
        return MemRange(self.rng._sheet, [self.rng.areas[i - 1]])


@counted
class MemSheet(base_classes.Sheet):
    def __init__(self, book: "MemBook", name: str):
        self._book = book
        self._name = name
        self.cells_by_pos: dict[tuple[int, int], Cell] = {}
        self.row_heights: dict[int, float] = {}  # rows the office sized (points)
        self.hidden_rows: set[int] = set()

    @property
    def book(self):
        return self._book

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self._name = value

    @property
    def index(self):
        return self._book.sheet_list.index(self) + 1

    def cell(self, r, c) -> Cell:
        return self.cells_by_pos.setdefault((r, c), Cell())

    def peek(self, r, c):
        cell = self.cells_by_pos.get((r, c))
        if cell is None:
            return None
        return cell.value  # Range.Value of a formula cell is its result

    def text_of(self, r, c):
        """What Range.Formula shows: the formula, or the constant as Excel would display it for editing."""
        cell = self.cells_by_pos.get((r, c))
        if cell is None or (cell.value is None and cell.formula is None):
            return ""
        return cell.formula if cell.formula is not None else cell.value

    def put(self, r, c, v):
        """Assign one cell as Excel does over COM: text is parsed unless it has an apostrophe or the cell is ``@``."""
        cell = self.cell(r, c)
        cell.formula = None
        if v == "" or v is None:
            cell.value = None
        elif isinstance(v, str):
            if cell.number_format == "@":
                cell.value = v
                return
            kind, out = excel_parse(v)
            if kind == "formula":
                link = re.fullmatch(r'=HYPERLINK\("[^"]*","([^"]*)"\)', out)
                cell.formula, cell.value = out, (link.group(1) if link else None)  # only links are "calculated"
            else:
                cell.value = out
                if isinstance(out, float) and v.strip().rstrip(")").endswith("%") and cell.number_format in (None, "General"):
                    cell.number_format = "0.00%" if "." in v else "0%"  # typed 100% in a General cell: Excel formats it
        elif isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            cell.value = dt.datetime(v.year, v.month, v.day)
        else:
            cell.value = v

    def range(self, arg1, arg2=None):
        if isinstance(arg1, MemRange):
            arg1 = (arg1.row, arg1.column)
        if isinstance(arg2, MemRange):
            arg2 = (arg2.row + arg2.shape[0] - 1, arg2.column + arg2.shape[1] - 1)
        if isinstance(arg1, tuple):
            r1, c1 = arg1
            r2, c2 = arg2 if arg2 else arg1
            return MemRange(self, [(r1, c1, r2 - r1 + 1, c2 - c1 + 1)])
        areas = []
        for part in str(arg1).split(","):
            a, _, b = part.partition(":")
            r1, c1 = _parse(a)
            r2, c2 = _parse(b) if b else (r1, c1)
            areas.append((r1, c1, r2 - r1 + 1, c2 - c1 + 1))
        return MemRange(self, areas)

    @property
    def api(self):
        return SheetApi(self)

    @property
    def used_range(self):
        """Like Excel's UsedRange: formatted cells count too, so it can be far larger than the data."""
        used = [k for k, cell in self.cells_by_pos.items()
                if cell.value is not None or cell.formula is not None or cell.color is not None or cell.note is not None
                or cell.number_format is not None]
        if not used:
            return MemRange(self, [(1, 1, 1, 1)])
        r1, c1 = min(r for r, _ in used), min(c for _, c in used)
        r2, c2 = max(r for r, _ in used), max(c for _, c in used)
        return MemRange(self, [(r1, c1, r2 - r1 + 1, c2 - c1 + 1)])

    def clear_contents(self):
        for cell in self.cells_by_pos.values():
            cell.value = cell.formula = None

    def clear(self):
        self.cells_by_pos.clear()

    @property
    def visible(self):
        return getattr(self, "_visible", True)

    @visible.setter
    def visible(self, value):
        self._visible = bool(value)

    def activate(self):
        self._book.active_sheet = self

    def delete(self):
        self._book.sheet_list.remove(self)

    # test helpers
    def values(self) -> list[list]:
        rng = self.used_range
        r, c, nr, nc = rng.areas[0]
        return [[self.peek(r + i, 1 + j) for j in range(c + nc - 1)] for i in range(nr)] if r == 1 else []

    def formulas(self) -> list[str]:
        return [cell.formula for cell in self.cells_by_pos.values() if cell.formula is not None]


class SheetApi:
    """The bits of the COM Worksheet object the add-in uses: ``Cells.Find`` for the last cell with data."""

    def __init__(self, sheet: MemSheet):
        self.sheet = sheet

    @property
    def Cells(self):
        COUNTER["calls"] += 1
        return self

    def Find(self, What="*", After=None, LookIn=None, LookAt=None, SearchOrder=1, SearchDirection=1):
        COUNTER["calls"] += 1
        assert What == "*" and SearchDirection == 2
        data = [k for k, cell in self.sheet.cells_by_pos.items() if cell.value is not None or cell.formula is not None]
        if not data:
            return None
        r, c = max(data) if SearchOrder == 1 else max(data, key=lambda k: (k[1], k[0]))
        return FoundCell(r, c)


class FoundCell:
    def __init__(self, r, c):
        self._r, self._c = r, c

    @property
    def Row(self):
        COUNTER["calls"] += 1
        return self._r

    @property
    def Column(self):
        COUNTER["calls"] += 1
        return self._c


@counted
class MemSheets(base_classes.Sheets):
    def __init__(self, book: "MemBook"):
        self.book = book

    @property
    def active(self):
        return self.book.active_sheet

    def __call__(self, name_or_index):
        if isinstance(name_or_index, int):
            return self.book.sheet_list[name_or_index - 1]
        for s in self.book.sheet_list:
            if s._name.lower() == str(name_or_index).lower():
                return s
        raise KeyError(name_or_index)

    def __len__(self):
        return len(self.book.sheet_list)

    def __iter__(self):
        return iter(list(self.book.sheet_list))

    def add(self, before=None, after=None, name=None):
        sheet = MemSheet(self.book, name or f"Sheet{len(self.book.sheet_list) + 1}")
        if after is not None:
            self.book.sheet_list.insert(self.book.sheet_list.index(after) + 1, sheet)
        elif before is not None:
            self.book.sheet_list.insert(self.book.sheet_list.index(before), sheet)
        else:
            self.book.sheet_list.append(sheet)
        self.book.active_sheet = sheet
        return sheet


@counted
class MemBook(base_classes.Book):
    def __init__(self, app: "MemApp", path: Path):
        self._app = app
        self.path = Path(path)
        self.sheet_list: list[MemSheet] = []
        self.active_sheet = None

    @property
    def name(self):
        return self.path.name

    @property
    def fullname(self):
        return str(self.path)

    @property
    def sheets(self):
        return MemSheets(self)

    @property
    def app(self):
        return self._app

    def activate(self):
        pass

    @classmethod
    def from_file(cls, app: "MemApp", path: Path) -> "MemBook":
        """Load a real workbook as Excel would show it: values (a formula's cached result), formulas, notes,
        solid fills, number formats other than General, and the rows the office sized."""
        book = cls(app, path)
        wb = load_workbook(path)
        cached = load_workbook(path, data_only=True)
        for ws in wb.worksheets:
            sheet = MemSheet(book, ws.title)
            shown = cached[ws.title]
            for row in ws.iter_rows():
                for c in row:
                    fill = c.fill.fgColor.rgb if c.fill is not None and c.fill.fill_type == "solid" else None
                    rgb = None
                    if isinstance(fill, str) and len(fill) == 8 and fill != "00000000":
                        rgb = tuple(int(fill[i:i + 2], 16) for i in (2, 4, 6))
                    fmt = c.number_format if c.number_format not in ("General", None) else None
                    if c.value is None and c.comment is None and rgb is None and fmt is None:
                        continue
                    cell = sheet.cell(c.row, c.column)
                    if isinstance(c.value, str) and c.value.startswith("=") and c.data_type == "f":
                        cell.formula, cell.value = c.value, shown.cell(c.row, c.column).value
                    else:
                        cell.value = c.value
                    cell.note = c.comment.text if c.comment is not None else None
                    cell.color, cell.number_format = rgb, fmt
                    if c.hyperlink is not None and c.hyperlink.target:
                        cell.hyperlink = (c.hyperlink.target, c.hyperlink.tooltip)
            # rows the office sized (openpyxl calls every row with a height custom: taizhang's own estimates for
            # wrapped text, written without customHeight, are told by their value as xlsx/officelayer.py does)
            sheet.row_heights = {r: d.height for r, d in ws.row_dimensions.items() if d.customHeight and d.height
                                 and d.height not in ESTIMATED_HEIGHTS}
            sheet.hidden_rows = {r for r, d in ws.row_dimensions.items() if d.hidden}
            book.sheet_list.append(sheet)
        book.active_sheet = book.sheet_list[wb.index(wb.active)]
        return book


class FolderDialog:
    """Excel's FileDialog(msoFileDialogFolderPicker) as the add-in uses it, answering with a preset folder."""

    def __init__(self, answer):
        self.answer = answer
        self.Title = ""
        self.InitialFileName = ""

    def Show(self):
        return -1 if self.answer else 0

    def SelectedItems(self, i):
        return self.answer


class _Interior:
    def __init__(self, owner):
        self.owner = owner

    @property
    def Color(self):
        return self.owner.color_int

    @Color.setter
    def Color(self, value):
        COUNTER["calls"] += 1
        self.owner.color_int = value


class ReplaceFormat:
    """Application.ReplaceFormat: the format Range.Replace(ReplaceFormat:=True) applies."""

    def __init__(self):
        self.color_int = None
        self.Interior = _Interior(self)

    def Clear(self):
        COUNTER["calls"] += 1
        self.color_int = None

    @property
    def fill(self):
        v = self.color_int
        return None if v is None else (v % 256, v // 256 % 256, v // 65536)


class MemApi:
    def __init__(self, app: "MemApp"):
        self.app = app
        self.Name = "Microsoft Excel"
        self._replace_format = ReplaceFormat()

    @property
    def ReplaceFormat(self):
        COUNTER["calls"] += 1
        return self._replace_format

    def InputBox(self, Prompt, Title="", Default="", Left=None, Top=None, HelpFile=None, HelpContextID=None, Type=None):
        """Application.InputBox: the preset answer (``app.input_answer``), False as Excel returns on 取消."""
        COUNTER["calls"] += 1
        self.app.inputs.append((Prompt, Title, Default, Type))
        return self.app.input_answer

    def FileDialog(self, kind):
        assert kind == 4
        self.app.dialogs.append(dialog := FolderDialog(self.app.folder_answer))
        return dialog


@counted
class MemApp(base_classes.App):
    def __init__(self):
        self.book_list: list[MemBook] = []
        self._screen_updating = True
        self._calculation = "automatic"
        self.status_history: list = []
        self.alerts: list[tuple[str, str]] = []
        self.folder_answer = None
        self.dialogs: list[FolderDialog] = []
        self.input_answer: object = False  # Application.InputBox's answer (False: 取消)
        self.inputs: list[tuple] = []
        self._api = MemApi(self)

    @property
    def api(self):
        return self._api

    @property
    def pid(self):
        return 4242

    @property
    def engine(self):
        return self._engine

    def activate(self, steal_focus=False):
        pass

    @property
    def version(self):
        return "16.0"

    @property
    def screen_updating(self):
        return self._screen_updating

    @screen_updating.setter
    def screen_updating(self, value):
        self._screen_updating = value

    @property
    def calculation(self):
        return self._calculation

    @calculation.setter
    def calculation(self, value):
        self._calculation = value

    @property
    def status_bar(self):
        return self.status_history[-1] if self.status_history else False

    @status_bar.setter
    def status_bar(self, value):
        self.status_history.append(value)

    def alert(self, prompt, title, buttons, mode, callback):
        self.alerts.append((title, prompt))
        return "ok"

    @property
    def books(self):
        return self.book_list

    def open(self, path: Path):
        book = MemBook.from_file(self, path)
        self.book_list.append(book)
        return book


class MemApps(base_classes.Apps):
    def __init__(self, engine):
        app = MemApp()
        app._engine = engine
        self.apps = [app]

    def keys(self):
        return [1]

    def __iter__(self):
        return iter(self.apps)

    def __len__(self):
        return len(self.apps)

    def __getitem__(self, i):
        return self.apps[0]


class MemEngine:
    name = "memory"
    type = "desktop"

    def __init__(self):
        self.apps = MemApps(self)

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        """Like Excel over COM: empty cells read as ``empty_as``, dates as datetimes."""
        def clean(v):
            if v is None or v == "":
                return empty_as
            if isinstance(v, dt.datetime) and datetime_builder is not dt.datetime:
                return datetime_builder(v.year, v.month, v.day, v.hour, v.minute, v.second)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and number_builder is not None:
                return number_builder(v)
            return v

        return [[clean(v) for v in row] for row in data]

    @staticmethod
    def prepare_xl_data_element(x, date_format):
        if isinstance(x, float) and x != x:
            return ""
        return "" if x is None else x


def register():
    """Register the engine with xlwings; returns it."""
    import xlwings as xw

    if "memory" not in xw.engines.engines_by_name:
        xw.engines.add(xw.main.Engine(impl=MemEngine()))
    xw.engines.engines_by_name["memory"].activate()  # Sheet.activate() asks the active engine for its app
    return xw.engines.engines_by_name["memory"].impl


def open_book(path: Path):
    """A real ``xlwings.Book`` over an in-memory copy of the workbook at ``path``."""
    import xlwings as xw

    engine = register()
    app_impl = engine.apps.apps[0]
    app_impl.__init__()  # a fresh Excel for every book: no state (host name, alerts, dialogs) leaks between tests
    app_impl._engine = engine
    return xw.Book(impl=app_impl.open(path))
