"""Streaming worksheet XML: the cells (``_body``; a column's block of cells, each distinct value rendered once, ``_tails``),
the rows in column-wise blocks joined once per block (``sheet_chunks``, ``_data_rows``), and the kinds
of sheet edit, one type each — a new sheet (``SheetSpec``, ``_sheet_pieces``), a sheet carried in the office's
frame (``CarriedSheet`` with the ``OfficeLayer`` read from the old sheet, ``_framed_pieces``), rows appended to an
existing sheet (``AppendedRows``, ``_spliced``), a column added to a small sheet (``AddedColumn``,
``_with_column``), values set by key (``KeyValues``, written by ``xlsx.keyvalues``) — and the deflate thread that
writes a part from its pieces (``_stream``).

Text cells are shared-string cells (``t="s"``): whatever a submitted text starts with, it can never become a
formula. The one formula taizhang writes itself is a ``cells.Link`` (HYPERLINK of two quoted literals). Shared strings rather than inline ones because they make the sheet XML a third of the size, which is
what the next report day's reader parses. Blocks of ``CHUNK_ROWS`` keep memory bounded whatever the sheet's size.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Iterator
from xml.sax.saxutils import escape

import numpy as np

from taizhang.findings import col_letter
from taizhang.xlsx import xmlparts
from taizhang.xlsx.cells import Link
from taizhang.xlsx.ooxml import MAIN_NS, REL_NS, _col_index, _insert, _m
from taizhang.xlsx.parts import SharedStrings, _Styles
from taizhang.xlsx.printsetup import PrintLayout

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EPOCH = dt.date(1899, 12, 30).toordinal()
HEADER_HEIGHT = ' ht="30" customHeight="1"'
# taizhang's estimate of a wrapped row's height (``SheetSpec.row_heights`` negative): lines × 14.5 pt + 3, up to 10
# lines; a row carrying one of these back marked custom (openpyxl marks every height it writes) is not the office's
ESTIMATE_MAX_LINES = 10


def estimated_height(lines: int) -> float:
    return round(lines * 14.5 + 3, 1)


ESTIMATED_HEIGHTS = frozenset(estimated_height(k) for k in range(2, ESTIMATE_MAX_LINES + 1))


@dataclass
class SheetSpec:
    """A sheet to write whole (added, or replacing the one taizhang owns): rows (first row the header), optional
    styles per cell. The other kinds of sheet edit are types of their own: ``CarriedSheet`` (written in the
    office's frame), ``AppendedRows``, ``AddedColumn`` and ``KeyValues``.

    A large sheet may give its data as ``columns`` (one list per column, header still ``rows[0]``):
    the writer works column by column, so the 100,000-row ledger is never turned into row lists.
    """

    rows: list[list]
    widths: list[float] = field(default_factory=list)
    header_styles: list[str] | None = None  # per column, default "header"
    cell_styles: dict[tuple[int, int], str] = field(default_factory=dict)  # (row0, col0) → style key
    freeze: str | None = "A2"
    autofilter: bool = True
    dropdowns: list[tuple[str, str]] = field(default_factory=list)  # (sqref, list formula)
    hidden: bool = False
    columns: list[list] | None = None  # data by column (rows then holds only the header)
    column_styles: dict[int, list[str | tuple | None]] = field(default_factory=dict)  # col0 → style key per data row
    row_heights: list[float | None] | None = None  # points per data row (wrapped text), None = default
    # (negative: taizhang's estimate for wrapped text, written without customHeight, so it is never taken for a
    # height the office set, which a case keeps wherever it moves)
    # print A4 landscape, fitted to the page width, with the sheet name and page numbers, the header row repeated
    # on each page (a print-titles name in workbook.xml, ``_print_titles``); a sheet in the office's frame keeps its own
    landscape: bool = False
    # instead of ``landscape``'s setup, this one (``xlsx.printsetup``); on a sheet in the office's frame it replaces
    # only a setup taizhang wrote, and is set to None when the office's own is kept
    print_layout: PrintLayout | None = None


@dataclass
class CarriedSheet(SheetSpec):
    """A sheet written whole in the office's frame: where the sheet exists, the office's own layer of it is kept
    (``officelayer._keep_office`` reads it into an ``OfficeLayer``): its view, widths, filter, conditional
    formats, comments, and the cells of the office's columns, each moved with its row. Where it does not, a
    ``SheetSpec``."""

    # new col0 → the old sheet's col0 its cells come from; {} keeps the layer with no office columns
    office_columns: dict[int, int] = field(default_factory=dict)
    origin: list | None = None  # per data row, the Excel row it was read from in the old sheet (None: new)


@dataclass
class OfficeLayer:
    """What a ``CarriedSheet`` keeps of the old sheet, as ``officelayer._keep_office`` read it."""

    frame: tuple[str, str]  # the old sheet's XML before and after its rows
    raw_header: dict[int, str | None] = field(default_factory=dict)  # col0 → cell XML after <c r="..", from the old sheet
    raw_cells: dict[int, list[str | None]] = field(default_factory=dict)  # col0 → per data row, likewise
    row_attrs: list[str] | None = None  # per data row, the office's hidden flag and custom height, moved with it


@dataclass
class AppendedRows:
    """Data rows added to an existing sheet from Excel row ``first_row`` on (its other rows stay as they are)."""

    columns: list[list]  # data by column
    first_row: int
    column_styles: dict[int, list[str | tuple | None]] = field(default_factory=dict)  # col0 → style key per row
    row_heights: list[float | None] | None = None


@dataclass
class AddedColumn:
    """One column written into an existing small sheet: ``values[i]`` in Excel row i + 1 of column ``column``
    (0-based); the column's width, unless one is set already, ``width`` or its left neighbour's."""

    values: list
    column: int
    width: float | None = None


@dataclass
class KeyValues:
    """Values set by key in an existing key/value sheet: key (column A) → value (column B), see ``xlsx.keyvalues``."""

    values: dict[str, object]


SheetEdit = SheetSpec | AppendedRows | AddedColumn | KeyValues  # what ``xlsxpatch.patch_package`` takes per sheet


@dataclass
class _Cells:
    date_style: int
    strings: SharedStrings


def _cell(ref: str, v, style: int | None, w: _Cells) -> str:
    body = _body(v, style, w)
    return f'<c r="{ref}"{body}' if body else ""


def _body(v, style: int | None, w: _Cells) -> str:
    """A cell's XML after ``<c r="A1"``: attributes, value and close; "" for an empty unstyled cell.

    Text is always a shared-string cell (``t="s"``): whatever it starts with, it is never a formula.
    """
    s = f' s="{style}"' if style else ""
    if type(v) is Link:  # taizhang's own hyperlink (xlsx.cells.Link): a formula of two quoted literals, its text cached
        text = _ILLEGAL.sub("", v.text)
        return f'{s} t="str"><f>{escape(_ILLEGAL.sub("", v.formula()))}</f><v>{escape(text)}</v></c>'
    if type(v) is str:
        if not v:
            return f"{s}/>" if style else ""
        text = v if v.isprintable() else _ILLEGAL.sub("", v)
        return f'{s} t="s"><v>{w.strings.index(text[:32767])}</v></c>'
    if v is None or (isinstance(v, float) and v != v):
        return f"{s}/>" if style else ""
    if isinstance(v, (bool, np.bool_)):
        return f'{s} t="b"><v>{int(v)}</v></c>'
    if isinstance(v, (int, np.integer)):
        return f"{s}><v>{int(v)}</v></c>"
    if isinstance(v, (float, np.floating)):
        return f"{s}><v>{float(v)!r}</v></c>" if np.isfinite(v) else (f"{s}/>" if style else "")
    if isinstance(v, dt.datetime):
        serial = v.toordinal() - EPOCH + (v.hour * 3600 + v.minute * 60 + v.second) / 86400
        return f' s="{style or w.date_style}"><v>{serial}</v></c>'
    if isinstance(v, dt.date):
        return f' s="{style or w.date_style}"><v>{v.toordinal() - EPOCH}</v></c>'
    return _body(str(v), style, w)


CHUNK_ROWS = 2048  # rows per streamed piece: bounded memory whatever the sheet's size


_RENDERS_BY_VALUE = frozenset({str, type(None), dt.date, dt.datetime, Link, bool, int, float})
_NUMBER_TYPES = frozenset({bool, int, float})  # equal across types (True == 1 == 1.0) but rendered differently
_STR = {str}
_NONE = {type(None)}
_PER_ROW = "per row"  # the renderings of (value, style) pairs, beside those of values in one style


def _tails(values: list, types: set, styles: list[int | None] | None, w: _Cells, caches: dict) -> list[str]:
    """Each cell's XML after its row number (``"`` and ``_body``; "" for no cell) for one column's block of rows;
    ``types``: the types of the column's values, ``caches``: the column's renderings so far, by style.

    Without a call per cell: each distinct value (with its style) is rendered once, in the order the rows meet it
    (shared strings are numbered in that order), texts and floats in batches, and kept for the next blocks; a block
    of mostly distinct texts is numbered in one batch and not kept. A column whose values a dict would confuse
    (numbers of two types, as True == 1 == 1.0; a value of another type) is rendered cell by cell, and each float
    zero as itself (0.0 == -0.0)."""
    style = None
    if styles is not None:
        kinds = set(styles)
        if len(kinds) == 1:
            style, styles = kinds.pop(), None
    if not types <= _RENDERS_BY_VALUE or len(types & _NUMBER_TYPES) > 1:
        return _tails_one_by_one(values, styles or [style] * len(values), w)
    cache = caches.setdefault(_PER_ROW if styles else style, {})
    if len(cache) > CHUNK_ROWS:  # mostly distinct values (amounts, dates of a long period): kept for one block
        cache.clear()
    try:
        tails = None
        if styles is None:
            try:  # every value met in an earlier block: one pass
                tails = list(map(cache.__getitem__, values))
            except KeyError:
                pass
        if tails is None:
            tails = _rendered(values, types, style, styles, w, cache)
    except TypeError:  # an unhashable value
        return _tails_one_by_one(values, styles or [style] * len(values), w)
    if float in types and 0.0 in values:  # 0.0 and -0.0 are one key: each zero as itself
        j = -1
        while True:
            try:
                j = values.index(0.0, j + 1)
            except ValueError:
                break
            body = _body(values[j], style if styles is None else styles[j], w)
            tails[j] = '"' + body if body else ""
    return tails


def _rendered(values: list, types: set, style: int | None, styles: list[int | None] | None, w: _Cells,
              cache: dict) -> list[str]:
    """``_tails`` of a block with values not yet in ``cache``: those rendered (and kept, unless mostly distinct)."""
    firsts = dict.fromkeys(values)  # the distinct values, in the order met
    if types == _STR and len(firsts) > len(values) // 2 and "" not in firsts:  # distinct texts (descriptions, names)
        numbers = w.strings.indices(_cell_texts(values))
        if styles is None:
            return list(map(f'"{_style_attr(style)} t="s"><v>{{}}</v></c>'.format, numbers))
        attrs = {s: _style_attr(s) for s in set(styles)}
        return [f'"{attrs[s]} t="s"><v>{i}</v></c>' for i, s in zip(numbers, styles)]
    if styles is not None:
        keys = list(zip(values, styles))
        firsts = dict.fromkeys(keys)
    else:
        keys = values
    todo = [k for k in firsts if k not in cache]
    if todo and str in types:
        if styles is None:
            at = [k for k in todo if type(k) is str and k]
            cache.update(zip(at, map(f'"{_style_attr(style)} t="s"><v>{{}}</v></c>'.format,
                                     w.strings.indices(_cell_texts(at)))))
        else:
            at = [k for k in todo if type(k[0]) is str and k[0]]
            attrs = {s: _style_attr(s) for s in set(styles)}
            numbers = w.strings.indices(_cell_texts([k[0] for k in at]))
            cache.update(zip(at, [f'"{attrs[k[1]]} t="s"><v>{i}</v></c>' for k, i in zip(at, numbers)]))
        todo = [k for k in todo if k not in cache]
    if todo and float in types and styles is None:
        attr = _style_attr(style)
        at = [k for k in todo if type(k) is float]
        finite = [v for v in at if v - v == 0]
        cache.update(zip(finite, map(f'"{attr}><v>{{!r}}</v></c>'.format, finite)))
        if len(finite) < len(at):  # NaN and ±inf: no value
            cache.update(dict.fromkeys([v for v in at if v - v != 0], f'"{attr}/>' if style else ""))
        todo = [k for k in todo if k not in cache]
    for k in todo:
        v, st = (k, style) if styles is None else k
        body = _body(v, st, w)
        cache[k] = '"' + body if body else ""
    return list(map(cache.__getitem__, keys))


def _cell_texts(texts: list[str]) -> list[str]:
    """Texts as a cell holds them: without the characters XML forbids, at most 32,767 long."""
    if not all(map(str.isprintable, texts)):
        texts = [t if t.isprintable() else _ILLEGAL.sub("", t) for t in texts]
    if texts and max(map(len, texts)) > 32767:
        texts = [t[:32767] for t in texts]
    return texts


def _style_attr(style: int | None) -> str:
    return f' s="{style}"' if style else ""


def _tails_one_by_one(values: list, styles: list[int | None], w: _Cells) -> list[str]:
    out = []
    for v, style in zip(values, styles):
        body = _body(v, style, w)
        out.append('"' + body if body else "")
    return out


def sheet_chunks(spec: SheetSpec, styles: _Styles, strings: SharedStrings,
                 layer: OfficeLayer | None = None) -> Iterator[str]:
    """The worksheet XML in pieces, column-wise within each block of rows; in the office's frame given ``layer``.

    Every style the sheet needs is added to ``styles`` here, before the first piece is asked for.
    """
    raw_header = layer.raw_header if layer else {}
    w = _Cells(styles.xf("date"), strings)
    header = spec.rows[0] if spec.rows else []
    if spec.columns is not None:
        columns = spec.columns
    else:
        data = spec.rows[1:]
        n = max((len(r) for r in data), default=0)
        columns = [list(c) for c in zip(*[list(r) + [None] * (n - len(r)) for r in data])] if data else []
    width = max(len(header), len(columns), 1)
    n_data = len(columns[0]) if columns else 0
    letters = [col_letter(i) for i in range(width)]
    hs = spec.header_styles or ["header"] * width
    header_cells = "".join(_cell(f"{letters[c]}1", v, styles.xf(hs[c] or "header") if c < len(hs) else
                                 (styles.xf(spec.cell_styles[(0, c)]) if (0, c) in spec.cell_styles else None), w)
                           for c, v in enumerate(header) if c not in raw_header)
    header_cells = _merge_cells(header_cells, {f"{letters[c]}1": f'<c r="{letters[c]}1"{b}'
                                               for c, b in raw_header.items() if b})
    styled: dict[int, list[int | None]] = {}  # per-cell styles, as one list of xf ids per styled column
    for c, keys in spec.column_styles.items():
        try:  # each distinct key looked up once, in the order of its first row (the order new styles are added in)
            ids = {k: styles.xf(k) if k else None for k in dict.fromkeys(keys)}
            styled[c] = list(map(ids.__getitem__, keys))
        except TypeError:  # an unhashable key: row by row
            styled[c] = [styles.xf(k) if k else None for k in keys]
    for (r, c), key in spec.cell_styles.items():  # r counts the header as row 0
        if 1 <= r <= n_data:
            styled.setdefault(c, [None] * n_data)[r - 1] = styles.xf(key)
    if layer:
        return _framed_pieces(layer, columns, letters, header_cells, styled, w, spec.row_heights)
    return _sheet_pieces(spec, columns, letters, header_cells, styled, w)


def appended_rows(spec: AppendedRows, styles: _Styles, strings: SharedStrings) -> Iterator[str]:
    """The rows of an ``AppendedRows`` edit, in pieces (styles added to ``styles`` before the first piece)."""
    w = _Cells(styles.xf("date"), strings)
    columns = spec.columns
    letters = [col_letter(i) for i in range(max(len(columns), 1))]
    styled = {c: [styles.xf(k) if k else None for k in keys] for c, keys in spec.column_styles.items()}
    return _data_rows(columns, letters, styled, w, spec.first_row, heights=spec.row_heights)


def _merge_cells(cells: str, extra: dict[str, str]) -> str:
    """A row's cells plus ``extra`` (ref → cell XML), in column order."""
    if not extra:
        return cells
    found = re.findall(r'<c r="([A-Z]+)1"(?:[^>]*?/>|.*?</c>)', cells)
    pieces = re.findall(r'<c r="[A-Z]+1"(?:[^>]*?/>|.*?</c>)', cells)
    both = list(zip(found, pieces)) + [(ref[:-1], x) for ref, x in extra.items()]
    return "".join(x for _, x in sorted(both, key=lambda p: (len(p[0]), p[0])))


def _framed_pieces(layer: OfficeLayer, columns: list[list], letters: list[str], header_cells: str,
                   styled: dict[int, list[int | None]], w: _Cells, heights: list[float | None] | None = None
                   ) -> Iterator[str]:
    head, tail = layer.frame
    yield head
    yield f'<row r="1"{HEADER_HEIGHT}>{header_cells}</row>'
    yield from _data_rows(columns, letters, styled, w, 2, layer.raw_cells, heights=heights, attrs=layer.row_attrs)
    yield tail


def _data_rows(columns: list[list], letters: list[str], styled: dict[int, list[int | None]], w: _Cells,
               first: int, raw: dict[int, list[str | None]] | None = None,
               heights: list[float | None] | None = None, attrs: list[str] | None = None) -> Iterator[str]:
    """The data rows from Excel row ``first`` on, one piece per block of ``CHUNK_ROWS`` rows.

    Per block, each column's cells are rendered as a list (``_tails``); a column with a cell in every row of the block
    adds its reference, the row numbers and its cells to the block's one join as three streams, so no string is built
    per cell; a column with gaps builds its cells in one list."""
    n_data = len(columns[0]) if columns else 0
    raw = raw or {}
    types = [set(map(type, values)) for values in columns]
    # a column nobody filled, without a style or the office's cells: nothing to place
    filled = [c for c in range(len(columns)) if c in raw or c in styled or types[c] != _NONE]
    caches: list[dict] = [{} for _ in range(len(columns))]
    close = repeat("</row>")
    for start in range(0, n_data, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, n_data)
        numbers = list(map(str, range(start + first, stop + first)))
        streams: list = []
        for c in filled:
            if c in raw:  # the office's own cells, as they were
                tails = ['"' + b if b else "" for b in raw[c][start:stop]]
            else:
                tails = _tails(columns[c][start:stop], types[c], styled[c][start:stop] if c in styled else None, w,
                               caches[c])
            ref = f'<c r="{letters[c]}'
            if "" not in tails:
                streams += (repeat(ref), numbers, tails)
            elif any(tails):
                streams.append([f"{ref}{n}{t}" if t else "" for n, t in zip(numbers, tails)])
            # else no cell of this column in these rows (a column nobody filled): nothing to place
        if heights:
            block = heights[start:stop]
            hts = list(map({h: f' ht="{h:g}" customHeight="1"' if h and h > 0 else f' ht="{-h:g}"' if h else ""
                            for h in set(block)}.__getitem__, block))
            if attrs:
                hts = [a or h for a, h in zip(attrs[start:stop], hts)]
            opens = [f'<row r="{n}"{ht}>' for n, ht in zip(numbers, hts)]
        elif attrs:
            opens = [f'<row r="{n}"{a or ""}>' for n, a in zip(numbers, attrs[start:stop])]
        else:
            opens = [f'<row r="{n}">' for n in numbers]
        yield "".join(chain.from_iterable(zip(opens, *streams, close)))


def _sheet_pieces(spec: SheetSpec, columns: list[list], letters: list[str], header_cells: str,
                  styled: dict[int, list[int | None]], w: _Cells) -> Iterator[str]:
    width = len(letters)
    n_data = len(columns[0]) if columns else 0
    first = 2 if spec.rows else 1
    n_rows = max(n_data + first - 1, 1)
    yield (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
           + ('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if spec.landscape or spec.print_layout else "")
           + f'<dimension ref="A1:{letters[width - 1]}{n_rows}"/>')
    if spec.freeze:
        m = re.fullmatch(r"([A-Z]+)(\d+)", spec.freeze)
        col = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(m.group(1)))) - 1
        row = int(m.group(2)) - 1
        pane = "bottomRight" if col and row else ("bottomLeft" if row else "topRight")
        split = (f' xSplit="{col}"' if col else "") + (f' ySplit="{row}"' if row else "")
        yield (f'<sheetViews><sheetView workbookViewId="0"><pane{split} topLeftCell="{spec.freeze}" '
               f'activePane="{pane}" state="frozen"/><selection pane="{pane}"/></sheetView></sheetViews>')
    yield '<sheetFormatPr defaultRowHeight="15"/>'
    if spec.widths:
        yield "<cols>" + "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                                 for i, w in enumerate(spec.widths, 1)) + "</cols>"
    yield "<sheetData>"
    if spec.rows:
        yield f'<row r="1"{HEADER_HEIGHT}>{header_cells}</row>'
    yield from _data_rows(columns, letters, styled, w, first, heights=spec.row_heights)
    yield "</sheetData>"
    if spec.autofilter and spec.rows:
        yield f'<autoFilter ref="A1:{letters[width - 1]}{max(n_rows, 2)}"/>'
    if spec.dropdowns:
        out = [f'<dataValidations count="{len(spec.dropdowns)}">']
        for sqref, formula in spec.dropdowns:
            out.append(f'<dataValidation type="list" errorStyle="warning" allowBlank="1" showInputMessage="1" '
                       f'showErrorMessage="1" errorTitle="不在可选范围内" error="请从下拉列表中选择。" sqref="{sqref}">'
                       f"<formula1>{escape(formula)}</formula1></dataValidation>")
        out.append("</dataValidations>")
        yield "".join(out)
    if spec.print_layout:
        yield spec.print_layout.xml()
        yield "</worksheet>"
        return
    yield '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    if spec.landscape:
        yield ('<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
               '<headerFooter><oddHeader>&amp;R&amp;A</oddHeader><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>')
    yield "</worksheet>"


def _with_column(xml: bytes, spec: AddedColumn, strings: SharedStrings) -> str:
    """An existing small sheet with one more column: ``spec.values[i]`` in row i + 1 of column ``spec.column``
    (a cell already there is replaced); every other cell stays. The new header cell takes the style of the header
    cell to its left; the column, unless a width is set for it already, ``spec.width`` or its left neighbour's."""
    part = xmlparts.parse(xml)
    root = part.root
    col = spec.column
    letter = col_letter(col)
    data = root.find(_m("sheetData"))
    rows: dict[int, ET.Element] = {}
    n = 0
    for row in data.findall(_m("row")):
        n = int(row.get("r") or n + 1)
        rows[n] = row
    w = _Cells(0, strings)
    values = list(spec.values)
    for r, value in enumerate(values, 1):
        row = rows.get(r)
        if row is None:
            row = ET.Element(_m("row"), {"r": str(r)})
            later = [i for i, el in enumerate(data) if el.tag == _m("row") and int(el.get("r") or 0) > r]
            data.insert(later[0] if later else len(data), row)
            rows[r] = row
        at, left, c = len(row), None, -1
        for i, cell in enumerate(list(row)):
            m = re.fullmatch(r"([A-Z]+)\d+", cell.get("r") or "")
            c = _col_index(m.group(1)) if m else c + 1
            if c < col:
                left = cell
                continue
            at = i
            if c == col:
                row.remove(cell)
            break
        style = int(left.get("s")) if r == 1 and left is not None and left.get("s") else None
        body = _body(value, style, w)
        if body:
            row.insert(at, ET.fromstring(f'<c xmlns="{MAIN_NS}" r="{letter}{r}"{body}'))
        if row.get("spans"):  # a hint of the row's extent, optional: dropped rather than kept wrong
            del row.attrib["spans"]
    dim = root.find(_m("dimension"))
    if dim is not None:
        m = re.fullmatch(r"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?", dim.get("ref") or "")
        if m:
            right = max(_col_index(m.group(3) or m.group(1)), col)
            bottom = max(int(m.group(4) or m.group(2)), len(values))
            dim.set("ref", f"{m.group(1)}{m.group(2)}:{col_letter(right)}{bottom}")
    cols = root.find(_m("cols"))
    if cols is None:
        cols = ET.Element(_m("cols"))
        _insert(root, cols, ("sheetData",))
    spans = [(int(el.get("min") or 0), int(el.get("max") or 0), el) for el in cols.findall(_m("col"))]
    if not any(lo <= col + 1 <= hi for lo, hi, _ in spans):
        width = f"{spec.width:g}" if spec.width else \
            next((el.get("width") for lo, hi, el in spans if lo <= col <= hi and el.get("width")), None)
        if width:
            at = sum(1 for lo, _, _ in spans if lo < col + 1)
            cols.insert(at, ET.Element(_m("col"), {"min": str(col + 1), "max": str(col + 1), "width": width,
                                                   "customWidth": "1"}))
    if not len(cols):
        root.remove(cols)
    return part.tostring().decode("utf-8")


def _spliced(xml: str, spec: AppendedRows, rows: Iterator[str]) -> Iterator[str]:
    """An existing sheet's XML with ``rows`` added at the end of its sheetData, and its dimension widened."""
    n = len(spec.columns[0]) if spec.columns else 0
    last = spec.first_row + n - 1
    width = col_letter(max(len(spec.columns or []), 1) - 1)
    m = re.search(r'<(\w+:)?dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"', xml)
    if m and n:
        right = m.group(4) or m.group(2)
        right = right if (len(right), right) >= (len(width), width) else width
        xml = xml[:m.start()] + f'<{m.group(1) or ""}dimension ref="{m.group(2)}{m.group(3)}:{right}{last}"' + xml[m.end():]
    empty = re.search(r"<(\w+:)?sheetData\s*/>", xml)
    if empty:
        prefix = empty.group(1) or ""
        head, tail = xml[:empty.start()] + f"<{prefix}sheetData>", f"</{prefix}sheetData>" + xml[empty.end():]
    else:
        end = re.search(r"</(\w+:)?sheetData>", xml)
        head, tail = xml[:end.start()], xml[end.start():]
    yield head
    yield from rows
    yield tail


def _stream(zout: zipfile.ZipFile, name: str, pieces: Iterator[str]) -> None:
    """Write a part from its pieces; compression runs in a second thread (zlib releases the GIL)."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=8)
    failed: list[BaseException] = []
    with zout.open(name, "w", force_zip64=True) as fh:
        def drain() -> None:
            while (chunk := q.get()) is not None:
                if not failed:
                    try:
                        fh.write(chunk)
                    except BaseException as e:  # surfaced in the caller's thread below
                        failed.append(e)

        t = threading.Thread(target=drain, daemon=True)
        t.start()
        try:
            for piece in pieces:
                if failed:
                    break
                q.put(piece.encode("utf-8"))
        finally:
            q.put(None)
            t.join()
    if failed:
        raise failed[0]
