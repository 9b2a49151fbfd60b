"""Rewrite only the sheets taizhang owns inside an existing .xlsx/.xlsm package.

Why not load and save the master with openpyxl: that round trip drops what
openpyxl does not model (charts, images, pivot tables, slicers on the
office's own sheets) and costs minutes at 100,000 cases. Here every part of
the package stays byte-for-byte as it was, except the sheets we replace
(ledger, report-day sheets), the styles they need in styles.xml (reused when
already there, so writing twice gives the same file), new texts appended to
the shared string table (existing entries keep their numbers, so the office's
own sheets still read the same), and the calculation chain, which Excel
rebuilds. workbook.xml, its relationships, the content types and styles.xml
are edited through an XML parser (``xmlparts``); only sheet data is streamed.

A sheet the office works in (台账) keeps the office's layer: its view, widths,
filter, conditional formats, notes and the cells of the office's own columns
(wherever they are: ``SheetSpec.office_columns``, from the plan in ``book.ledger_plan``), each moved with its
case, as are its hyperlinks, merged cells and per-row validations and formats (``_keep_office``).

The new sheets are streamed into the zip column-wise in blocks of rows, with
deflate running in a second thread. Text cells are shared-string cells
(``t="s"``): whatever a submitted text starts with, it can never become a
formula. Shared strings rather than inline ones because they make the sheet
XML a third of the size, which is what the next report day's reader parses.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Iterator
from xml.sax.saxutils import escape

import numpy as np

from taizhang.findings import col_letter
from taizhang.xlsx import xmlparts

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EPOCH = dt.date(1899, 12, 30).toordinal()
HEADER_HEIGHT = ' ht="30" customHeight="1"'

# the palette of every sheet taizhang writes (xlsxout builds openpyxl's fills and fonts from it)
FILL_RGB = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE", "done": "DDEBF7", "closed": "EDEDED",
            "header": "1F4E78", "office": "FCE4D6", "computed": "E2EFDA", "error": "FF9999", "warning": "FFE699"}
STRONG_RGB = {"red": "C00000", "yellow": "BF8F00", "green": "00B050", "done": "2F75B5", "closed": "808080"}
BORDER_RGB = "BFBFBF"

# style key → (fill rgb or None, font or None, number format or None, alignment or None[, thin border colour])
# alignment: "header" centred and wrapped; "center" the same for figures; "wrap" wrapped text, vertically centred
STYLES = {
    "date": (None, None, "yyyy-mm-dd", None),
    "header": (FILL_RGB["header"], "white-bold", None, "header"),
    "header_office": (FILL_RGB["office"], "bold", None, "header"),
    "header_computed": (FILL_RGB["computed"], "bold", None, "header"),
    **{light: (FILL_RGB[light], f"{STRONG_RGB[light]}-bold", None, None) for light in STRONG_RGB},
}
_ALIGN = {"header": {"wrapText": "1", "vertical": "center", "horizontal": "center"},
          "center": {"wrapText": "1", "vertical": "center", "horizontal": "center"},
          "wrap": {"wrapText": "1", "vertical": "center"}}


@dataclass
class SheetSpec:
    """A sheet to write: rows (first row the header), optional styles per cell.

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
    append_at: int | None = None  # instead of replacing the sheet, add the data rows from this Excel row on
    # the office's own layer of an existing sheet is kept (see ``_keep_office``): its view, widths, filter,
    # conditional formats, comments, and the cells of the office's columns — new col0 → the old sheet's col0 its
    # cells come from — each moved with its row (``origin``); {} keeps the layer with no office columns
    office_columns: dict[int, int] | None = None
    origin: list | None = None  # per data row, the Excel row it was read from in the old sheet (None: new)
    raw_header: dict[int, str] = field(default_factory=dict)  # col0 → cell XML after <c r="..", from the old sheet
    raw_cells: dict[int, list[str | None]] = field(default_factory=dict)  # col0 → per data row, likewise
    frame: tuple[str, str] | None = None  # the old sheet's XML before and after its rows
    row_attrs: list[str] | None = None  # framed: per data row, the office's hidden flag and custom height, moved with it
    row_heights: list[float | None] | None = None  # with append_at: points per data row (wrapped text), None = default
    # print A4 landscape, fitted to the page width, with the sheet name and page numbers, the header row repeated
    # on each page (a print-titles name in workbook.xml, ``_print_titles``); a sheet in the office's frame keeps its own
    landscape: bool = False
    column_at: int | None = None  # instead of replacing the sheet, write ``rows`` (one value each) into this column


class _Styles:
    """The styles the new sheets need, in styles.xml: a style already there is reused, a missing one appended.

    Writing the same content twice therefore gives the same styles.xml (no growth with every write).
    """

    def __init__(self, xml: str | bytes):
        self.part = xmlparts.parse(xml)
        self.root = self.part.root
        self.ids: dict[str, int] = {}

    def _collection(self, tag: str, before: tuple[str, ...] = ()) -> ET.Element:
        el = self.root.find(_m(tag))
        if el is None:  # styles.xml lists its collections in a fixed order: insert before the first later one
            el = ET.Element(_m(tag), {"count": "0"})
            children = list(self.root)
            at = next((i for i, c in enumerate(children) if c.tag in {_m(t) for t in before}), len(children))
            self.root.insert(at, el)
        return el

    def _find_or_add(self, tag: str, item: ET.Element, before: tuple[str, ...] = ()) -> int:
        coll = self._collection(tag, before)
        want = xmlparts.key(item)
        for i, old in enumerate(coll):
            if xmlparts.key(old) == want:
                return i
        coll.append(item)
        coll.set("count", str(len(coll)))
        return len(coll) - 1

    @property
    def xml(self) -> bytes:
        return self.part.tostring()

    def _numfmt(self, code: str) -> int:
        fmts = self._collection("numFmts", ("fonts", "fills", "borders", "cellStyleXfs", "cellXfs"))
        for el in fmts:
            if el.get("formatCode") == code:
                return int(el.get("numFmtId"))
        ids = [int(el.get("numFmtId") or 0) for el in self.root.iter(_m("numFmt"))]
        new = max([163, *ids]) + 1
        fmts.append(ET.Element(_m("numFmt"), {"numFmtId": str(new), "formatCode": code}))
        fmts.set("count", str(len(fmts)))
        return new

    def xf(self, key: str | tuple) -> int:
        """The xf index of a named style (``STYLES``) or of an explicit (fill, font, numfmt, align, border) tuple."""
        if key in self.ids:
            return self.ids[key]
        fill_rgb, font, numfmt, align, *rest = STYLES[key] if isinstance(key, str) else key
        border = rest[0] if rest else None
        fill_id = 0
        if fill_rgb:
            fill = _el("fill", children=[_el("patternFill", {"patternType": "solid"},
                                             [_el("fgColor", {"rgb": f"FF{fill_rgb}"}), _el("bgColor", {"indexed": "64"})])])
            fill_id = self._find_or_add("fills", fill, ("borders", "cellStyleXfs", "cellXfs"))
        font_id = 0
        if font:
            color, _, bold = font.partition("-")
            color = "FFFFFF" if color == "white" else ("000000" if color == "bold" else color)
            item = _el("font", children=[_el("b"), _el("sz", {"val": "11"}), _el("color", {"rgb": f"FF{color}"}),
                                         _el("name", {"val": "等线"})])
            font_id = self._find_or_add("fonts", item, ("fills", "borders", "cellStyleXfs", "cellXfs"))
        border_id = 0
        if border:
            item = _el("border", children=[_el(e, {"style": "thin"}, [_el("color", {"rgb": f"FF{border}"})])
                                           for e in ("left", "right", "top", "bottom")] + [_el("diagonal")])
            border_id = self._find_or_add("borders", item, ("cellStyleXfs", "cellXfs"))
        fmt_id = self._numfmt(numfmt) if numfmt else 0
        attrs = {"numFmtId": str(fmt_id), "fontId": str(font_id), "fillId": str(fill_id), "borderId": str(border_id),
                 "xfId": "0"}
        attrs.update({f"apply{k}": "1" for k, on in (("NumberFormat", fmt_id), ("Font", font_id), ("Fill", fill_id),
                                                     ("Border", border_id)) if on})
        children = []
        if align:
            attrs["applyAlignment"] = "1"
            children = [_el("alignment", _ALIGN[align])]
        self.ids[key] = self._find_or_add("cellXfs", _el("xf", attrs, children), ("cellStyles", "dxfs"))
        return self.ids[key]


def _m(tag: str) -> str:
    return xmlparts.q(MAIN_NS, tag)


def _el(tag: str, attrs: dict | None = None, children: list | None = None) -> ET.Element:
    el = ET.Element(_m(tag), attrs or {})
    el.extend(children or [])
    return el


class SharedStrings:
    """The package's shared string table: existing entries keep their numbers (other sheets use them),
    texts already there are reused, new ones are appended. Text cells then cost a number, not the text."""

    def __init__(self, xml: str | None):
        self.head, self.tail = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' \
                                f'<sst xmlns="{MAIN_NS}">', "</sst>"
        self.index_of: dict[str, int] = {}
        self.count = 0
        self.added: list[str] = []
        if xml:
            end = xml.rfind("</")
            self.head, self.tail = xml[:end], xml[end:]
            if "<si " in xml or "<si/>" in xml or ":si" in xml:
                self._read_general(xml)
            else:
                self._read_plain(xml)

    def _read_plain(self, xml: str) -> None:
        """The common layout (Excel's, openpyxl's, ours): split on <si>, no regex per entry."""
        index_of = self.index_of
        n = 0
        for n, piece in enumerate(xml.split("<si>")[1:], 1):
            if piece.startswith('<t xml:space="preserve">'):
                text = piece[24:]
            elif piece.startswith("<t>"):
                text = piece[3:]
            else:
                continue  # rich text: counted, never reused
            end = text.find("</t></si>")
            if end < 0 or "<" in text[:end]:
                continue
            text = text[:end]
            index_of.setdefault(unescape(text) if "&" in text else text, n - 1)
        self.count = n

    def _read_general(self, xml: str) -> None:
        for m in _SI.finditer(xml):
            plain = _PLAIN_SI.fullmatch(m.group(1) or "")
            if plain:
                self.index_of.setdefault(unescape(plain.group(1)), self.count)
            self.count += 1

    def index(self, text: str) -> int:
        i = self.index_of.get(text)
        if i is None:
            i = self.index_of[text] = self.count
            self.count += 1
            self.added.append(text)
        return i

    def xml(self) -> str:
        head = re.sub(r'\s(count|uniqueCount)="\d+"', "", self.head, count=2)
        # uniqueCount is the number of entries; count (references from every sheet, including ones we never
        # read) is optional and left out rather than guessed: Excel and LibreOffice do not need it
        head = re.sub(r"<((?:\w+:)?sst)\b", rf'<\1 uniqueCount="{self.count}"', head, count=1)
        if head.rstrip().endswith("/>"):  # an empty table written as <sst .../>
            head = head.rstrip()[:-2] + ">"
            self.tail = "</sst>"
        return head + "".join(f'<si><t xml:space="preserve">'
                              f'{t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")}</t></si>'
                              for t in self.added) + self.tail


_SI = re.compile(r"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.S)
_PLAIN_SI = re.compile(r'<(?:\w+:)?t(?:\s+xml:space="preserve")?>([^<]*)</(?:\w+:)?t>', re.S)


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


def _bodies(values: list, styles: list[int | None] | None, w: _Cells, cache: dict | None) -> list[str]:
    """Cell bodies for one column piece; repeated values (dates, statuses, units) are rendered once."""
    if styles is not None:
        return [_body(v, s, w) for v, s in zip(values, styles)]
    if cache is None:  # mostly distinct text (descriptions, names): the plain-text case inlined
        strings = w.strings
        known = strings.index_of
        out = []
        append = out.append
        for v in values:
            if type(v) is str and v and v.isprintable():
                i = known.get(v)
                append(f' t="s"><v>{strings.index(v[:32767]) if i is None else i}</v></c>')
            else:
                append(_body(v, None, w))
        return out
    out = []
    append = out.append
    for v in values:
        if v is True or v is False:  # True == 1 as a dict key: never share a body with the number
            append(_body(v, None, w))
            continue
        try:
            append(cache[v])
        except KeyError:
            append(cache.setdefault(v, _body(v, None, w)))
        except TypeError:
            append(_body(v, None, w))
    return out


def sheet_chunks(spec: SheetSpec, styles: _Styles, strings: SharedStrings) -> Iterator[str]:
    """The worksheet XML in pieces, column-wise within each block of rows.

    Every style the sheet needs is added to ``styles`` here, before the first piece is asked for.
    """
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
                           for c, v in enumerate(header) if c not in spec.raw_header)
    header_cells = _merge_cells(header_cells, {f"{letters[c]}1": f'<c r="{letters[c]}1"{b}'
                                               for c, b in spec.raw_header.items() if b})
    styled: dict[int, list[int | None]] = {}  # per-cell styles, as one list of xf ids per styled column
    for c, keys in spec.column_styles.items():
        styled[c] = [styles.xf(k) if k else None for k in keys]
    for (r, c), key in spec.cell_styles.items():  # r counts the header as row 0
        if 1 <= r <= n_data:
            styled.setdefault(c, [None] * n_data)[r - 1] = styles.xf(key)
    if spec.append_at:
        return _data_rows(columns, letters, styled, w, spec.append_at, heights=spec.row_heights)
    if spec.frame:
        return _framed_pieces(spec, columns, letters, header_cells, styled, w)
    return _sheet_pieces(spec, columns, letters, header_cells, styled, w)


def _merge_cells(cells: str, extra: dict[str, str]) -> str:
    """A row's cells plus ``extra`` (ref → cell XML), in column order."""
    if not extra:
        return cells
    found = re.findall(r'<c r="([A-Z]+)1"(?:[^>]*?/>|.*?</c>)', cells)
    pieces = re.findall(r'<c r="[A-Z]+1"(?:[^>]*?/>|.*?</c>)', cells)
    both = list(zip(found, pieces)) + [(ref[:-1], x) for ref, x in extra.items()]
    return "".join(x for _, x in sorted(both, key=lambda p: (len(p[0]), p[0])))


def _framed_pieces(spec: SheetSpec, columns: list[list], letters: list[str], header_cells: str,
                   styled: dict[int, list[int | None]], w: _Cells) -> Iterator[str]:
    head, tail = spec.frame
    yield head
    yield f'<row r="1"{HEADER_HEIGHT}>{header_cells}</row>'
    yield from _data_rows(columns, letters, styled, w, 2, spec.raw_cells, attrs=spec.row_attrs)
    yield tail


def _data_rows(columns: list[list], letters: list[str], styled: dict[int, list[int | None]], w: _Cells,
               first: int, raw: dict[int, list[str | None]] | None = None,
               heights: list[float | None] | None = None, attrs: list[str] | None = None) -> Iterator[str]:
    n_data = len(columns[0]) if columns else 0
    caches: list[dict | None] = [{} for _ in range(len(columns))]
    for start in range(0, n_data, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, n_data)
        numbers = [str(n) for n in range(start + first, stop + first)]
        pieces = []
        for c, values in enumerate(columns):
            part = values[start:stop]
            if start == 0 and caches[c] is not None and len(set(map(_key, part))) > len(part) // 2:
                caches[c] = None  # mostly distinct (descriptions, names): a cache would only cost memory
            if raw and c in raw:  # the office's own cells, as they were
                bodies = [b or "" for b in raw[c][start:stop]]
            else:
                bodies = _bodies(part, styled[c][start:stop] if c in styled else None, w, caches[c])
            ref = f'<c r="{letters[c]}'
            pieces.append([f'{ref}{n}"{b}' if b else "" for n, b in zip(numbers, bodies)])
        hts = [f' ht="{h:g}" customHeight="1"' if h else "" for h in heights[start:stop]] if heights else [""] * len(numbers)
        if attrs:
            hts = [a or h for a, h in zip(attrs[start:stop], hts)]
        yield "".join(f'<row r="{n}"{ht}>{"".join(cells)}</row>' for n, ht, cells in zip(numbers, hts, zip(*pieces)))


def _sheet_pieces(spec: SheetSpec, columns: list[list], letters: list[str], header_cells: str,
                  styled: dict[int, list[int | None]], w: _Cells) -> Iterator[str]:
    width = len(letters)
    n_data = len(columns[0]) if columns else 0
    first = 2 if spec.rows else 1
    n_rows = max(n_data + first - 1, 1)
    yield (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
           + ('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if spec.landscape else "")
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
    yield from _data_rows(columns, letters, styled, w, first)
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
    yield '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    if spec.landscape:
        yield ('<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
               '<headerFooter><oddHeader>&amp;R&amp;A</oddHeader><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>')
    yield "</worksheet>"


def _key(v):
    try:
        hash(v)
        return v
    except TypeError:
        return id(v)


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = (base.rsplit("/", 1)[0] + "/" + target).split("/")
    stack: list[str] = []
    for p in parts:
        if p == "..":
            stack.pop()
        elif p and p != ".":
            stack.append(p)
    return "/".join(stack)


def patch_package(src: Path, dst: Path, sheets: dict[str, SheetSpec], compresslevel: int = 1) -> None:
    """Write ``src`` to ``dst`` with the named sheets replaced (or added at the end).

    The new sheets are streamed into the zip piece by piece; the parts they replace are never inflated.
    """
    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():  # patching in place: read from a copy
        import os
        import shutil

        tmp = dst.with_name(dst.name + ".patching")
        shutil.copyfile(src, tmp)
        try:
            patch_package(tmp, dst, sheets, compresslevel)
        finally:
            os.unlink(tmp)
        return
    with zipfile.ZipFile(src) as zin:
        _patch(zin, dst, sheets, compresslevel)


SST_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SST_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
CALC_CHAIN_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain"


def _patch(zin: zipfile.ZipFile, dst: Path, sheets: dict[str, SheetSpec], compresslevel: int) -> None:
    infos = zin.infolist()
    names = [i.filename for i in infos]
    rels_name = "xl/_rels/workbook.xml.rels"
    wb = xmlparts.parse(zin.read("xl/workbook.xml"))
    rels = xmlparts.parse(zin.read(rels_name))
    ct = xmlparts.parse(zin.read("[Content_Types].xml"))
    styles = _Styles(zin.read("xl/styles.xml"))
    rel_of = {r.get("Id"): r for r in rels.root.iter(xmlparts.q(PKG_REL_NS, "Relationship"))}
    rid_attr = xmlparts.q(REL_NS, "id")
    sheets_el = wb.root.find(_m("sheets"))
    existing: dict[str, tuple[ET.Element, str]] = {}
    for el in sheets_el.iter(_m("sheet")):
        rel = rel_of.get(el.get(rid_attr) or "")
        if el.get("name") is not None and rel is not None:
            existing[el.get("name")] = (el, _resolve("xl/workbook.xml", rel.get("Target")))
    new_sheets: dict[str, SheetSpec] = {}
    drop: set[str] = set()
    moved: dict[str, bytes] = {}  # notes (comments) parts rewritten because their cells' rows moved
    n_sheet = max([int(x) for x in re.findall(r"worksheets/sheet(\d+)\.xml", " ".join(names))] + [0])
    sheet_ids = [int(el.get("sheetId") or 0) for el in sheets_el.iter(_m("sheet"))]
    for name, spec in sheets.items():
        if spec.append_at or spec.column_at is not None:
            if name not in existing:
                raise ValueError(f"no sheet {name!r} to add cells to")
            new_sheets[existing[name][1]] = spec
            continue
        if name in existing:
            el, part = existing[name]
            new_sheets[part] = spec
            if spec.office_columns is not None:
                _keep_office(zin.read(part).decode("utf-8"), spec)
                if spec.frame:
                    moved.update(_moved_notes(zin, part, spec))
            if not spec.frame:  # the office's frame keeps its comments and drawings, and their relationships
                drop.add(part.rsplit("/", 1)[0] + "/_rels/" + part.rsplit("/", 1)[1] + ".rels")
            el.attrib.pop("state", None)
            if spec.hidden:
                el.set("state", "hidden")
        else:
            n_sheet += 1
            part = f"xl/worksheets/sheet{n_sheet}.xml"
            rid = f"rIdTz{n_sheet}"
            new_sheets[part] = spec
            ET.SubElement(rels.root, xmlparts.q(PKG_REL_NS, "Relationship"),
                          {"Id": rid, "Type": SHEET_TYPE, "Target": f"worksheets/sheet{n_sheet}.xml"})
            ET.SubElement(ct.root, xmlparts.q(CT_NS, "Override"), {"PartName": f"/{part}", "ContentType": SHEET_CT})
            sid = max(sheet_ids + [0]) + 1
            sheet_ids.append(sid)
            attrs = {"name": name, "sheetId": str(sid)}
            if spec.hidden:
                attrs["state"] = "hidden"
            attrs[rid_attr] = rid
            ET.SubElement(sheets_el, _m("sheet"), attrs)
    _print_titles(wb.root, [name for name, spec in sheets.items() if spec.landscape and spec.rows and not spec.frame
                            and not spec.append_at and spec.column_at is None])
    # the calculation chain refers to cells that may be gone: Excel rebuilds it
    if "xl/calcChain.xml" in names:
        drop.add("xl/calcChain.xml")
        for r in list(rels.root):
            if r.get("Type") == CALC_CHAIN_TYPE or (r.get("Target") or "").lstrip("/") in ("calcChain.xml", "xl/calcChain.xml"):
                rels.root.remove(r)
        for o in list(ct.root):
            if o.get("PartName") == "/xl/calcChain.xml":
                ct.root.remove(o)
    # the shared string table: the package's own, or a new one
    sst_rel = next((r for r in rels.root if r.get("Type") == SST_TYPE), None)
    if sst_rel is not None:
        sst_part = _resolve("xl/workbook.xml", sst_rel.get("Target"))
    else:
        sst_part = "xl/sharedStrings.xml"
        ET.SubElement(rels.root, xmlparts.q(PKG_REL_NS, "Relationship"),
                      {"Id": "rIdTzSst", "Type": SST_TYPE, "Target": "sharedStrings.xml"})
        if not any(o.get("PartName") == f"/{sst_part}" for o in ct.root):
            ET.SubElement(ct.root, xmlparts.q(CT_NS, "Override"), {"PartName": f"/{sst_part}", "ContentType": SST_CT})
    strings = SharedStrings(zin.read(sst_part).decode("utf-8") if sst_part in names else None)
    # the styles the new sheets use are added before styles.xml is written
    pieces = {part: _spliced(zin.read(part).decode("utf-8"), spec, sheet_chunks(spec, styles, strings)) if spec.append_at
              else iter([_with_column(zin.read(part), spec, strings)]) if spec.column_at is not None
              else sheet_chunks(spec, styles, strings) for part, spec in new_sheets.items()}
    fixed = {"xl/workbook.xml": wb.tostring(), rels_name: rels.tostring(), "[Content_Types].xml": ct.tostring(),
             "xl/styles.xml": styles.xml, **moved}
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zout:
        for info in infos:
            name = info.filename
            if name in drop or name == sst_part:  # the string table goes last, once every sheet has added to it
                continue
            if name in pieces:
                _stream(zout, name, pieces.pop(name))
            elif name in fixed:
                zout.writestr(name, fixed[name])
            else:
                zout.writestr(name, zin.read(name))
        for part, gen in pieces.items():
            _stream(zout, part, gen)
        zout.writestr(sst_part, strings.xml().encode("utf-8"))


PRINT_TITLES = "_xlnm.Print_Titles"
_AFTER_DEFINED_NAMES = ("calcPr", "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes",
                        "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst")


def _print_titles(wb_root: ET.Element, names: list[str]) -> None:
    """Repeat row 1 on every printed page of each named sheet: a ``_xlnm.Print_Titles`` name local to the sheet.

    ``localSheetId`` is the sheet's position among all the workbook's sheets (hidden ones count), taken after new
    sheets were added. A sheet that already has print titles keeps them (the office may have chosen others), and
    every other defined name (the office's own, a filter's ``_xlnm._FilterDatabase``) is left as it is.
    """
    order = [el.get("name") for el in wb_root.find(_m("sheets")).iter(_m("sheet"))]
    names = [n for n in names if n in order]
    if not names:
        return
    defined = wb_root.find(_m("definedNames"))
    if defined is None:
        defined = ET.Element(_m("definedNames"))
        _insert(wb_root, defined, _AFTER_DEFINED_NAMES)
    have = {el.get("localSheetId") for el in defined.iter(_m("definedName")) if el.get("name") == PRINT_TITLES}
    for name in names:
        local = str(order.index(name))
        if local not in have:
            quoted = name.replace("'", "''")
            ET.SubElement(defined, _m("definedName"), {"name": PRINT_TITLES, "localSheetId": local}).text = f"'{quoted}'!$1:$1"


def _with_column(xml: bytes, spec: SheetSpec, strings: SharedStrings) -> str:
    """An existing small sheet with one more column: ``spec.rows[i][0]`` in row i + 1 of column ``spec.column_at``
    (a cell already there is replaced); every other cell stays. The new header cell takes the style of the header
    cell to its left; the column, unless a width is set for it already, ``spec.widths[0]`` or its left neighbour's."""
    part = xmlparts.parse(xml)
    root = part.root
    col = spec.column_at
    letter = col_letter(col)
    data = root.find(_m("sheetData"))
    rows: dict[int, ET.Element] = {}
    n = 0
    for row in data.findall(_m("row")):
        n = int(row.get("r") or n + 1)
        rows[n] = row
    w = _Cells(0, strings)
    values = [r[0] if r else None for r in spec.rows]
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
        width = f"{spec.widths[0]:g}" if spec.widths else \
            next((el.get("width") for lo, hi, el in spans if lo <= col <= hi and el.get("width")), None)
        if width:
            at = sum(1 for lo, _, _ in spans if lo < col + 1)
            cols.insert(at, ET.Element(_m("col"), {"min": str(col + 1), "max": str(col + 1), "width": width,
                                                   "customWidth": "1"}))
    if not len(cols):
        root.remove(cols)
    return part.tostring().decode("utf-8")


# --------------------------------------------------------------------------- the office's layer of a sheet

_AFTER_VALIDATIONS = ("hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
                      "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
                      "legacyDrawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst")
_AFTER_DIMENSION = ("sheetViews", "sheetFormatPr", "cols", "sheetData")
_MARK = "TZSHEETDATA"


def _keep_office(xml: str, spec: SheetSpec) -> None:
    """Fill ``spec.frame``, ``raw_header`` and ``raw_cells`` from the sheet as the office left it.

    taizhang owns its columns' cells, the drop-downs on them and the extent of the filter; everything else
    of the sheet is the office's and is written back: the view (freeze panes), widths, filter criteria,
    conditional formats, comments and drawings, and the cells of the office's own columns, each moved with
    the case it belongs to (a formula is translated to its new row, so it keeps pointing at its own case).
    """
    m = re.search(r"<(\w+:)?sheetData\b[^>]*?(/?)>", xml)
    if m is None or m.group(2) == "/" or m.group(1):
        return  # no rows yet (a new master) or an unusual prefixed sheet: taizhang's own layout
    close = "</sheetData>"
    end = xml.rfind(close)
    body = xml[m.end():end]
    if end < 0 or "<row" not in body:
        return
    part = xmlparts.parse(xml[:m.start()] + f"<sheetData>{_MARK}</sheetData>" + xml[end + len(close):])
    if not any(p == "" and u == MAIN_NS for p, u in part.root_decls):
        return
    root = part.root
    width = len(spec.rows[0]) if spec.rows else 1
    n_data = len(spec.columns[0]) if spec.columns else max(len(spec.rows) - 1, 0)
    last_row, last_col = max(n_data + 1, 1), col_letter(width - 1)
    # the cells of the office's columns, by their old row
    carried = spec.office_columns or {}
    origin = spec.origin or []
    new_row_of = {int(o): i for i, o in enumerate(origin) if o}
    # rows the office hid or gave a height of its own: the case keeps them wherever it moves
    kept = [""] * n_data
    # past the header row (which has taizhang's own height): any hidden or custom-height row? else skip the walk
    after_header = max(body.find("</row>"), 0)
    marked_rows = any(body.find(f'{a}="{v}"', after_header) >= 0 for a in ("hidden", "customHeight") for v in ("1", "true"))
    for rm in re.finditer(r"<row\b([^>]*)>", body) if marked_rows else ():
        a = dict(re.findall(r'(\w+)="([^"]*)"', rm.group(1)))
        row = int(a.get("r", 0) or 0)
        if row in new_row_of:
            hidden = ' hidden="1"' if a.get("hidden") in ("1", "true") else ""
            height = f' ht="{a["ht"]}" customHeight="1"' if a.get("customHeight") in ("1", "true") and a.get("ht") else ""
            kept[new_row_of[row]] = hidden + height
    spec.row_attrs = kept if any(kept) else None
    if carried:
        col_of = {col_letter(old): new for new, old in carried.items()}
        spec.raw_cells = {c: [None] * n_data for c in carried}
        spec.raw_header.update({c: None for c in carried})  # an office column without a header cell keeps none
        shared: dict[str, tuple[str, str]] = {}
        pat = re.compile(r'<c r="(' + "|".join(col_of) + r')(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
        for cm in pat.finditer(body):
            letter, row, attrs, inner = cm.group(1), int(cm.group(2)), cm.group(3), cm.group(4)
            c = col_of[letter]
            if inner and "<f" in inner:  # translated for its new row (the columns it points at keep their places)
                inner = _moved_formula(inner, f"{letter}{row}", f"{letter}{new_row_of[row] + 2}"
                                       if row in new_row_of else f"{letter}{row}", shared)
            cell = attrs + (f">{inner}</c>" if inner is not None else "/>")
            if row == 1:
                spec.raw_header[c] = cell
            elif row in new_row_of:
                spec.raw_cells[c][new_row_of[row]] = cell
    # the office's frame, with taizhang's parts of it brought up to date
    dim = root.find(_m("dimension"))
    if dim is None:
        dim = ET.Element(_m("dimension"))
        _insert(root, dim, _AFTER_DIMENSION)
    dim.set("ref", f"A1:{last_col}{last_row}")
    flt = root.find(_m("autoFilter"))
    if flt is not None:
        right = re.match(r"[A-Z]+\d+:([A-Z]+)\d+", flt.get("ref") or "")
        right = right.group(1) if right and (len(right.group(1)), right.group(1)) > (len(last_col), last_col) else last_col
        flt.set("ref", f"A1:{right}{max(last_row, 2)}")
    _move_row_anchored(root, new_row_of, n_data, carried)
    dvs = root.find(_m("dataValidations"))
    if dvs is not None:
        for dv in list(dvs):
            cols = re.findall(r"([A-Z]+)\d*(?::|\s|$)", dv.get("sqref") or "")
            if cols and all(_col_index(c) < width and _col_index(c) not in carried for c in cols):
                # on taizhang's columns only: ours, replaced below
                dvs.remove(dv)
    if spec.dropdowns:
        if dvs is None:
            dvs = ET.Element(_m("dataValidations"))
            _insert(root, dvs, _AFTER_VALIDATIONS)
        for sqref, formula in spec.dropdowns:
            dv = ET.SubElement(dvs, _m("dataValidation"), {
                "type": "list", "errorStyle": "warning", "allowBlank": "1", "showInputMessage": "1",
                "showErrorMessage": "1", "errorTitle": "不在可选范围内", "error": "请从下拉列表中选择。", "sqref": sqref})
            ET.SubElement(dv, _m("formula1")).text = formula
    if dvs is not None:
        if len(dvs):
            dvs.set("count", str(len(dvs)))
        else:
            root.remove(dvs)
    text = part.tostring().decode("utf-8")
    i = text.index(f"<sheetData>{_MARK}</sheetData>")
    spec.frame = (text[:i] + "<sheetData>", "</sheetData>" + text[i + len(_MARK) + len("<sheetData></sheetData>"):])


_REF = re.compile(r"\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?")
_RELATIVE_ROW = re.compile(r"(?<![A-Za-z_$])\$?[A-Z]{1,3}(?<!\$)\d+\b")


def _move_row_anchored(root: ET.Element, new_row_of: dict[int, int], n_data: int, carried: dict[int, int]) -> None:
    """The office's hyperlinks, merged cells, and per-row validations and conditional formats, moved with their cases.

    ``new_row_of``: old Excel row → new data row index (0-based). A hyperlink or a one-row merge goes to its case's
    new row, and is dropped when its case is gone (never left on another case). A merge over several rows moves
    when its rows stay together, in order; otherwise it is dropped. A validation or conditional format over part
    of the data rows is mapped row by row; one over every data row (the usual whole-column rule) is kept as it is.
    A conditional format whose formula refers to cells relative to its range cannot follow a split range: such a
    per-row format is dropped rather than left pointing at another case's row. The header row stays.
    """
    if not new_row_of or all(new_row_of.get(r) == r - 2 for r in new_row_of) and len(new_row_of) == n_data:
        return  # no case moved
    old_last = max(new_row_of)

    def new_row(r: int) -> int | None:
        return 1 if r == 1 else (new_row_of[r] + 2 if r in new_row_of else None)

    links = root.find(_m("hyperlinks"))
    if links is not None:
        for h in list(links):
            m = _REF.fullmatch(h.get("ref") or "")
            if m is None:
                continue
            r1, r2 = int(m.group(2)), int(m.group(4) or m.group(2))
            moved = _moved_range(m, r1, r2, new_row)
            if moved is None:
                links.remove(h)
            else:
                h.set("ref", moved)
        if not len(links):
            root.remove(links)
    merges = root.find(_m("mergeCells"))
    if merges is not None:
        for mc in list(merges):
            m = _REF.fullmatch(mc.get("ref") or "")
            if m is None:
                continue
            moved = _moved_range(m, int(m.group(2)), int(m.group(4) or m.group(2)), new_row)
            if moved is None:
                merges.remove(mc)
            else:
                mc.set("ref", moved)
        if len(merges):
            merges.set("count", str(len(merges)))
        else:
            root.remove(merges)
    for tag in ("dataValidations", "conditionalFormatting"):
        for holder in ([root.find(_m(tag))] if tag == "dataValidations" else root.findall(_m(tag))):
            if holder is None:
                continue
            items = list(holder) if tag == "dataValidations" else [holder]
            for item in items:
                sqref = item.get("sqref") or ""
                moved = _moved_sqref(sqref, old_last, new_row)
                if moved == sqref:
                    continue
                relative = tag == "conditionalFormatting" and any(
                    _RELATIVE_ROW.search(f.text or "") for f in item.iter(_m("formula")))
                if not moved or relative:
                    (holder.remove(item) if tag == "dataValidations" else root.remove(item))
                else:
                    item.set("sqref", moved)
            if tag == "dataValidations" and holder is not None:
                holder.set("count", str(len(holder)))


def _moved_range(m: re.Match, r1: int, r2: int, new_row) -> str | None:
    """A rectangle's ref at its rows' new places; None when a row is gone or the rows no longer stay together."""
    rows = [new_row(r) for r in range(r1, r2 + 1)]
    if any(r is None for r in rows) or rows != list(range(rows[0], rows[0] + len(rows))):
        return None
    left, right = m.group(1), m.group(3)
    return f"{left}{rows[0]}" if right is None else f"{left}{rows[0]}:{right}{rows[-1]}"


def _moved_sqref(sqref: str, old_last: int, new_row) -> str:
    """A space-separated list of ranges with each data row at its case's new row ("" when none is left).

    A range over every data row (from row 2 or above to the last case or below) is the whole column's: kept."""
    out: list[str] = []
    for piece in sqref.split():
        m = _REF.fullmatch(piece)
        if m is None:
            out.append(piece)
            continue
        r1, r2 = int(m.group(2)), int(m.group(4) or m.group(2))
        if (r1 <= 2 and r2 >= old_last) or r2 < 2:
            out.append(piece)
            continue
        rows = sorted(n for n in (new_row(r) for r in range(r1, r2 + 1)) if n)
        left, right = m.group(1), m.group(3) or m.group(1)
        start = prev = None
        for r in rows + [None]:
            if start is not None and r != prev + 1:
                out.append(f"{left}{start}" if (left == right and start == prev) else f"{left}{start}:{right}{prev}")
                start = None
            if r is not None and start is None:
                start = r
            prev = r
    return " ".join(out)


COMMENTS_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
VML_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"


def _moved_notes(zin: zipfile.ZipFile, part: str, spec: SheetSpec) -> dict[str, bytes]:
    """The sheet's notes moved with their cases' rows (the comments part and the shapes that show them)."""
    new_row = {int(o): i + 2 for i, o in enumerate(spec.origin or []) if o}
    new_row[1] = 1
    if all(k == v for k, v in new_row.items()):
        return {}
    folder, base = part.rsplit("/", 1)
    rels_part = f"{folder}/_rels/{base}.rels"
    if rels_part not in zin.namelist():
        return {}
    out: dict[str, bytes] = {}
    for rel in xmlparts.parse(zin.read(rels_part)).root:
        target = _resolve(part, rel.get("Target") or "")
        if rel.get("TargetMode") == "External" or target not in zin.namelist():
            continue
        if rel.get("Type") == COMMENTS_TYPE:
            doc = xmlparts.parse(zin.read(target))
            for lst in doc.root.iter(_m("commentList")):
                for c in list(lst):
                    m = re.fullmatch(r"([A-Z]+)(\d+)", c.get("ref") or "")
                    if m and int(m.group(2)) in new_row:
                        c.set("ref", f"{m.group(1)}{new_row[int(m.group(2))]}")
                    elif m:  # its case is gone from the ledger (the office emptied the row)
                        lst.remove(c)
            out[target] = doc.tostring()
        elif rel.get("Type") == VML_TYPE:  # VML is often not well-formed XML: only its row anchors are changed
            vml = zin.read(target).decode("utf-8", errors="replace")
            out[target] = re.sub(r"(<x:Row>)(\d+)(</x:Row>)",
                                 lambda m: f"{m.group(1)}{new_row.get(int(m.group(2)) + 1, int(m.group(2)) + 1) - 1}"
                                           f"{m.group(3)}", vml).encode("utf-8")
    return out


def _insert(root: ET.Element, el: ET.Element, after: tuple[str, ...]) -> None:
    """Put ``el`` before the first child named in ``after`` (the schema's order of a worksheet's parts)."""
    later = {_m(t) for t in after}
    children = list(root)
    root.insert(next((i for i, c in enumerate(children) if c.tag in later), len(children)), el)


def _col_index(letters: str) -> int:
    return sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(letters))) - 1


_F = re.compile(r"<f\b([^>]*?)(?:/>|>(.*?)</f>)", re.S)


def _moved_formula(inner: str, old_ref: str, new_ref: str, shared: dict[str, tuple[str, str]]) -> str:
    """A cell's inner XML with its formula written out in full for its new place.

    A shared formula (Excel writes one when a formula is filled down) becomes the cell's own formula: the
    cell that carried the shared text may move elsewhere, or be gone.
    """
    from openpyxl.formula.translate import Translator

    fm = _F.search(inner)
    if fm is None:
        return inner
    attrs, text = fm.group(1), unescape(fm.group(2) or "")
    si = re.search(r'\bsi="(\d+)"', attrs)
    if 't="shared"' in attrs and si:
        if text:
            shared[si.group(1)] = (text, old_ref)
        elif si.group(1) in shared:
            text = Translator(f"={shared[si.group(1)][0]}", origin=shared[si.group(1)][1]).translate_formula(old_ref)[1:]
        attrs = ""
    if not text:
        return inner
    if new_ref != old_ref:
        text = Translator(f"={text}", origin=old_ref).translate_formula(new_ref)[1:]
    attrs = re.sub(r'\s(t|ref|si)="[^"]*"', "", attrs) if 't="array"' not in attrs else \
        re.sub(r'\bref="[^"]*"', f'ref="{new_ref}"', attrs)
    return inner[:fm.start()] + f"<f{attrs}>{escape(text)}</f>" + inner[fm.end():]


def _spliced(xml: str, spec: SheetSpec, rows: Iterator[str]) -> Iterator[str]:
    """An existing sheet's XML with ``rows`` added at the end of its sheetData, and its dimension widened."""
    n = len(spec.columns[0]) if spec.columns else 0
    last = spec.append_at + n - 1
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
