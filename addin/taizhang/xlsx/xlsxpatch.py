"""Rewrite only the sheets taizhang owns inside an existing .xlsx/.xlsm package.

Why not load and save the master with openpyxl: that round trip drops what
openpyxl does not model (charts, images, pivot tables, slicers on the
office's own sheets) and costs minutes at 100,000 cases. Here every part of
the package stays byte-for-byte as it was, except the sheets we replace
(ledger, report-day sheets), a few styles appended to styles.xml, new texts
appended to the shared string table (existing entries keep their numbers, so
the office's own sheets still read the same), and the calculation chain,
which Excel rebuilds.

The new sheets are streamed into the zip column-wise in blocks of rows, with
deflate running in a second thread. Text cells are shared-string cells
(``t="s"``): whatever a submitted text starts with, it can never become a
formula. Shared strings rather than inline ones because they make the sheet
XML a third of the size, which is what the next report day's reader parses.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from html import unescape
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from taizhang.findings import col_letter

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
_ALIGN = {"header": '<alignment wrapText="1" vertical="center" horizontal="center"/>',
          "center": '<alignment wrapText="1" vertical="center" horizontal="center"/>',
          "wrap": '<alignment wrapText="1" vertical="center"/>'}


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
    row_heights: list[float | None] | None = None  # with append_at: points per data row (wrapped text), None = default
    landscape: bool = False  # print A4 landscape, fitted to the page width, with the sheet name and page numbers


class _Styles:
    """Appends the styles we need to styles.xml and hands out their xf indices."""

    def __init__(self, xml: str):
        self.xml = xml
        self.ids: dict[str, int] = {}

    def _append(self, tag: str, item: str) -> int:
        m = re.search(rf"<{tag}\b([^>]*?)(/?)>", self.xml)
        if m is None:
            raise ValueError(f"styles.xml has no <{tag}>")
        if m.group(2) == "/":  # an empty collection written as <tag count="0"/>
            self.xml = self.xml[:m.start()] + f'<{tag} count="1">{item}</{tag}>' + self.xml[m.end():]
            return 0
        end = self.xml.index(f"</{tag}>", m.end())
        inner = self.xml[m.end():end]
        child = {"fills": "fill", "fonts": "font", "cellXfs": "xf", "numFmts": "numFmt", "borders": "border"}[tag]
        n = len(re.findall(rf"<{child}\b", inner))
        attrs = re.sub(r'\bcount="\d+"', f'count="{n + 1}"', m.group(1)) if "count=" in m.group(1) else m.group(1)
        self.xml = self.xml[:m.start()] + f"<{tag}{attrs}>" + inner + item + self.xml[end:]
        return n

    def _numfmt(self, code: str) -> int:
        for fid, fcode in re.findall(r'<numFmt\b[^>]*numFmtId="(\d+)"[^>]*formatCode="([^"]*)"', self.xml):
            if fcode == code:
                return int(fid)
        ids = [int(x) for x in re.findall(r'numFmtId="(\d+)"', self.xml)]
        new = max([163, *ids]) + 1
        item = f'<numFmt numFmtId="{new}" formatCode={quoteattr(code)}/>'
        if "<numFmts" in self.xml:
            self._append("numFmts", item)
        else:
            m = re.search(r"<styleSheet\b[^>]*>", self.xml)
            self.xml = self.xml[:m.end()] + f'<numFmts count="1">{item}</numFmts>' + self.xml[m.end():]
        return new

    def xf(self, key: str | tuple) -> int:
        """The xf index of a named style (``STYLES``) or of an explicit (fill, font, numfmt, align, border) tuple."""
        if key in self.ids:
            return self.ids[key]
        fill_rgb, font, numfmt, align, *rest = STYLES[key] if isinstance(key, str) else key
        border = rest[0] if rest else None
        fill_id = self._append("fills", f'<fill><patternFill patternType="solid"><fgColor rgb="FF{fill_rgb}"/>'
                                        f'<bgColor indexed="64"/></patternFill></fill>') if fill_rgb else 0
        font_id = 0
        if font:
            color, _, bold = font.partition("-")
            color = "FFFFFF" if color == "white" else ("000000" if color == "bold" else color)
            font_id = self._append("fonts", f'<font><b/><sz val="11"/><color rgb="FF{color}"/><name val="等线"/></font>')
        border_id = 0
        if border:
            side = f'<color rgb="FF{border}"/>'
            border_id = self._append("borders", "<border>" + "".join(f'<{e} style="thin">{side}</{e}>'
                                                                     for e in ("left", "right", "top", "bottom")) + "<diagonal/></border>")
        fmt_id = self._numfmt(numfmt) if numfmt else 0
        applied = "".join(f' apply{k}="1"' for k, on in (("NumberFormat", fmt_id), ("Font", font_id), ("Fill", fill_id),
                                                          ("Border", border_id)) if on)
        head = f'<xf numFmtId="{fmt_id}" fontId="{font_id}" fillId="{fill_id}" borderId="{border_id}" xfId="0"{applied}'
        xf = head + f' applyAlignment="1">{_ALIGN[align]}</xf>' if align else head + "/>"
        self.ids[key] = self._append("cellXfs", xf)
        return self.ids[key]


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
                           for c, v in enumerate(header))
    styled: dict[int, list[int | None]] = {}  # per-cell styles, as one list of xf ids per styled column
    for c, keys in spec.column_styles.items():
        styled[c] = [styles.xf(k) if k else None for k in keys]
    for (r, c), key in spec.cell_styles.items():  # r counts the header as row 0
        if 1 <= r <= n_data:
            styled.setdefault(c, [None] * n_data)[r - 1] = styles.xf(key)
    if spec.append_at:
        return _data_rows(columns, letters, styled, w, spec.append_at, spec.row_heights)
    return _sheet_pieces(spec, columns, letters, header_cells, styled, w)


def _data_rows(columns: list[list], letters: list[str], styled: dict[int, list[int | None]], w: _Cells,
               first: int, heights: list[float | None] | None = None) -> Iterator[str]:
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
            bodies = _bodies(part, styled[c][start:stop] if c in styled else None, w, caches[c])
            ref = f'<c r="{letters[c]}'
            pieces.append([f'{ref}{n}"{b}' if b else "" for n, b in zip(numbers, bodies)])
        hts = [f' ht="{h:g}" customHeight="1"' if h else "" for h in heights[start:stop]] if heights else [""] * len(numbers)
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


def _patch(zin: zipfile.ZipFile, dst: Path, sheets: dict[str, SheetSpec], compresslevel: int) -> None:
    infos = zin.infolist()
    names = [i.filename for i in infos]
    wb_xml = zin.read("xl/workbook.xml").decode("utf-8")
    rels_name = "xl/_rels/workbook.xml.rels"
    rels = zin.read(rels_name).decode("utf-8")
    ct = zin.read("[Content_Types].xml").decode("utf-8")
    styles = _Styles(zin.read("xl/styles.xml").decode("utf-8"))
    rel_target = {m.group(1): m.group(2) for m in re.finditer(r'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)}
    rel_target.update({m.group(2): m.group(1) for m in re.finditer(r'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    rprefix = re.search(r'xmlns:(\w+)="' + re.escape(REL_NS) + '"', wb_xml)
    rp = rprefix.group(1) if rprefix else "r"
    existing = {}
    for m in re.finditer(r"<(?:\w+:)?sheet\b[^>]*/?>", wb_xml):
        tag = m.group(0)
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(rf'\b{rp}:id="([^"]*)"', tag)
        if name and rid:
            existing[unescape(name.group(1))] = (tag, _resolve("xl/workbook.xml", rel_target[rid.group(1)]))
    new_sheets: dict[str, SheetSpec] = {}
    drop: set[str] = set()
    n_sheet = max([int(x) for x in re.findall(r"worksheets/sheet(\d+)\.xml", " ".join(names))] + [0])
    sheet_ids = [int(x) for x in re.findall(r'<(?:\w+:)?sheet\b[^>]*\bsheetId="(\d+)"', wb_xml)]
    for name, spec in sheets.items():
        if spec.append_at:
            if name not in existing:
                raise ValueError(f"no sheet {name!r} to append rows to")
            new_sheets[existing[name][1]] = spec
            continue
        if name in existing:
            tag, part = existing[name]
            new_sheets[part] = spec
            drop.add(part.rsplit("/", 1)[0] + "/_rels/" + part.rsplit("/", 1)[1] + ".rels")
            new_tag = re.sub(r'\s+state="[^"]*"', "", tag)
            if spec.hidden:
                new_tag = new_tag.replace("<sheet ", '<sheet state="hidden" ', 1) if new_tag.startswith("<sheet ") else new_tag
            wb_xml = wb_xml.replace(tag, new_tag, 1)
        else:
            n_sheet += 1
            part = f"xl/worksheets/sheet{n_sheet}.xml"
            rid = f"rIdTz{n_sheet}"
            new_sheets[part] = spec
            rels = rels.replace("</Relationships>", f'<Relationship Id="{rid}" Type="{SHEET_TYPE}" '
                                                    f'Target="worksheets/sheet{n_sheet}.xml"/></Relationships>')
            ct = ct.replace("</Types>", f'<Override PartName="/{part}" ContentType="{SHEET_CT}"/></Types>')
            sid = max(sheet_ids + [0]) + 1
            sheet_ids.append(sid)
            state = ' state="hidden"' if spec.hidden else ""
            m = re.search(r"</(\w+:)?sheets>", wb_xml)
            prefix = m.group(1) or ""
            root = re.search(r"<(?:\w+:)?workbook\b[^>]*>", wb_xml).group(0)
            # openpyxl with lxml declares the relationship prefix on each <sheet>, not on the root
            decl = "" if f'xmlns:{rp}="' in root else f' xmlns:{rp}="{REL_NS}"'
            wb_xml = wb_xml[:m.start()] + (f'<{prefix}sheet{decl} name={quoteattr(name)} sheetId="{sid}"{state} '
                                           f'{rp}:id="{rid}"/>') + wb_xml[m.start():]
    # the calculation chain refers to cells that may be gone: Excel rebuilds it
    if "xl/calcChain.xml" in names:
        drop.add("xl/calcChain.xml")
        rels = re.sub(r'<Relationship\b[^>]*Target="(?:/xl/)?calcChain\.xml"[^>]*/>', "", rels)
        ct = re.sub(r'<Override\b[^>]*PartName="/xl/calcChain\.xml"[^>]*/>', "", ct)
    # the shared string table: the package's own, or a new one
    sst_rel = re.search(r'<Relationship\b[^>]*Type="' + re.escape(SST_TYPE) + '"[^>]*/?>', rels)
    if sst_rel:
        sst_part = _resolve("xl/workbook.xml", re.search(r'Target="([^"]+)"', sst_rel.group(0)).group(1))
    else:
        sst_part = "xl/sharedStrings.xml"
        rels = rels.replace("</Relationships>", f'<Relationship Id="rIdTzSst" Type="{SST_TYPE}" '
                                                f'Target="sharedStrings.xml"/></Relationships>')
        if f'PartName="/{sst_part}"' not in ct:
            ct = ct.replace("</Types>", f'<Override PartName="/{sst_part}" ContentType="{SST_CT}"/></Types>')
    strings = SharedStrings(zin.read(sst_part).decode("utf-8") if sst_part in names else None)
    # the styles the new sheets use are appended before styles.xml is written
    pieces = {part: _spliced(zin.read(part).decode("utf-8"), spec, sheet_chunks(spec, styles, strings)) if spec.append_at
              else sheet_chunks(spec, styles, strings) for part, spec in new_sheets.items()}
    fixed = {"xl/workbook.xml": wb_xml, rels_name: rels, "[Content_Types].xml": ct}
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zout:
        written = set()
        for info in infos:
            name = info.filename
            if name in drop or name == sst_part:  # the string table goes last, once every sheet has added to it
                continue
            if name in pieces:
                _stream(zout, name, pieces.pop(name))
            elif name == "xl/styles.xml":
                zout.writestr(name, styles.xml.encode("utf-8"))
            elif name in fixed:
                zout.writestr(name, fixed[name].encode("utf-8"))
            else:
                zout.writestr(name, zin.read(name))
            written.add(name)
        for part, gen in pieces.items():
            _stream(zout, part, gen)
        zout.writestr(sst_part, strings.xml().encode("utf-8"))


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
