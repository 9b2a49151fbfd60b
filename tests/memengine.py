"""An in-memory Excel for tests, plugged into xlwings through its engine interface.

It implements the parts of ``xlwings.base_classes`` the add-in's entry points
use (books, sheets, ranges with values, fills and notes, the app's status
bar, screen updating, calculation and message boxes), so tests drive the
real ``xlwings.Book``/``Sheet``/``Range`` objects and press each button.
Like Excel it turns text that starts with ``=`` into a formula unless the
text carries a leading apostrophe, so a test can prove that none slipped in.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from xlwings import base_classes

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def _parse(addr: str) -> tuple[int, int]:
    m = _CELL.match(addr.strip().upper())
    if not m:
        raise ValueError(f"bad address {addr!r}")
    return int(m.group(2)), column_index_from_string(m.group(1))


class Cell:
    __slots__ = ("value", "formula", "color", "note")

    def __init__(self):
        self.value = None
        self.formula = None
        self.color = None
        self.note = None


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
        return self._sheet.book.name, self._sheet.name, r, c

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


class MemSheet(base_classes.Sheet):
    def __init__(self, book: "MemBook", name: str):
        self._book = book
        self._name = name
        self.cells_by_pos: dict[tuple[int, int], Cell] = {}

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
        return cell.formula if cell.formula is not None else cell.value

    def put(self, r, c, v):
        cell = self.cell(r, c)
        cell.formula = None
        if isinstance(v, str) and v.startswith("'"):
            cell.value = v[1:]  # Excel: the apostrophe makes it text and is not stored
        elif isinstance(v, str) and v.startswith("="):
            cell.formula, cell.value = v, None
        elif isinstance(v, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", v):
            cell.value = float(v)  # Excel turns numeric-looking text into a number
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
    def used_range(self):
        used = [k for k, cell in self.cells_by_pos.items() if cell.value is not None or cell.formula is not None]
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
            if s.name.lower() == str(name_or_index).lower():
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
        """Load a real workbook's values and fills, as Excel would show them."""
        book = cls(app, path)
        wb = load_workbook(path)
        for ws in wb.worksheets:
            sheet = MemSheet(book, ws.title)
            for row in ws.iter_rows():
                for c in row:
                    if c.value is not None:
                        sheet.cell(c.row, c.column).value = c.value
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


class MemApi:
    def __init__(self, app: "MemApp"):
        self.app = app
        self.Name = "Microsoft Excel"

    def FileDialog(self, kind):
        assert kind == 4
        self.app.dialogs.append(dialog := FolderDialog(self.app.folder_answer))
        return dialog


class MemApp(base_classes.App):
    def __init__(self):
        self.book_list: list[MemBook] = []
        self._screen_updating = True
        self._calculation = "automatic"
        self.status_history: list = []
        self.alerts: list[tuple[str, str]] = []
        self.folder_answer = None
        self.dialogs: list[FolderDialog] = []
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
    return xw.Book(impl=app_impl.open(path))
