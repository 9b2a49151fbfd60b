"""Which cells of an .xlsx show their number as a percentage, and a marker for such a number.

A cell typed as 100% is stored as 1 with a percent number format; calamine (and openpyxl's values) give the 1 and
drop the format, so a 完成进度 of 100% would read as 1%. This reads the package's styles.xml and sheet XML for the
numeric cells whose format is a percentage (built-in 0% / 0.00%, or a custom format with an unquoted %), and
``mark_percent`` turns those values of a grid into ``Percent``: a float that says the cell showed it times 100.
``is_percent_format`` says the same of a format openpyxl reports (the reader's openpyxl path), and
``ods_percent_cells`` finds the percentage cells of an .ods (``office:value-type="percentage"``) and
``xls_percent_cells`` those of a BIFF8 .xls (its FORMAT and XF records and the XF of each number cell).
Knows cells and formats, not fields: the reader decides what a percentage means for a column.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

BUILTIN_PERCENT = frozenset({9, 10})  # 0%, 0.00%

_XF_BLOCK = re.compile(rb"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:\w+:)?xf\b([^>]*?)/?>")
_NUMFMT = re.compile(rb"<(?:\w+:)?numFmt\b([^>]*?)/?>")
_ATTR = re.compile(rb'\b([A-Za-z:]+)="([^"]*)"')
_CELL_TAG = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(/?)>")
_REF = re.compile(rb"^([A-Z]{1,3})(\d+)$")


class Percent(float):
    """A number its cell showed as a percentage: ``Percent(1.0)`` was shown as 100%.

    Equal only to another Percent of the same value (and hashed apart from the plain float), so a column's
    distinct values keep 1.0 and 100% apart; otherwise a float like any other.
    """

    __slots__ = ()

    def __eq__(self, other) -> bool:
        return type(other) is Percent and float(self) == float(other)

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(("%", float(self)))

    def __reduce__(self):
        return (Percent, (float(self),))

    def __repr__(self) -> str:
        return f"Percent({float(self)!r})"

    def shown(self) -> float:
        """The number as the cell showed it (1.0 → 100.0)."""
        return round(float(self) * 100, 6)


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {k.split(b":")[-1]: v for k, v in _ATTR.findall(tag)}


def _is_percent_code(code: str) -> bool:
    """A custom number format that shows a percentage: a % outside quotes, escapes and [colour] brackets."""
    code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
    return "%" in code


def percent_styles(styles_xml: bytes) -> frozenset[int]:
    """The indexes into cellXfs (a cell's ``s``) whose number format is a percentage."""
    custom = set()
    for tag in _NUMFMT.findall(styles_xml):
        a = _attrs(tag)
        try:
            if _is_percent_code(html.unescape(a.get(b"formatCode", b"").decode("utf-8", "replace"))):
                custom.add(int(a.get(b"numFmtId", b"-1")))
        except ValueError:
            continue
    block = _XF_BLOCK.search(styles_xml)
    if not block:
        return frozenset()
    found = set()
    for i, tag in enumerate(_XF.findall(block.group(1))):
        try:
            fmt = int(_attrs(tag).get(b"numFmtId", b"0"))
        except ValueError:
            continue
        if fmt in BUILTIN_PERCENT or fmt in custom:
            found.add(i)
    return frozenset(found)


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def percent_cells_of(sheet_xml: bytes, styles: frozenset[int]) -> set[tuple[int, int]]:
    """(row, column), 0-based, of the numeric cells of a sheet whose style is one of ``styles``."""
    if not styles:
        return set()
    wanted = {str(s).encode() for s in styles}
    if not any(b's="' + w + b'"' in sheet_xml for w in wanted):  # most sheets: no such cell at all
        return set()
    out = set()
    for m in _CELL_TAG.finditer(sheet_xml):
        a = _attrs(m.group(1))
        if a.get(b"s") not in wanted or a.get(b"t", b"n") != b"n":
            continue
        ref = _REF.match(a.get(b"r", b""))
        if ref:
            out.add((int(ref.group(2)) - 1, _column(ref.group(1))))
    return out


def percent_cells(path: Path, parts: dict | None = None, data: bytes | None = None) -> dict[str, set[tuple[int, int]]]:
    """Sheet name → the percent-formatted numeric cells of an .xlsx (empty for anything it cannot read).

    ``parts``: XML parts already inflated (``safety.sniff(keep_xml=True)``); ``data``: the bytes to read instead of
    the file's (a decrypted or repaired copy)."""
    parts = parts or {}
    try:
        with zipfile.ZipFile(io.BytesIO(data) if data else path) as zf:
            def read(part: str) -> bytes:
                return parts[part] if part in parts else zf.read(part)

            try:
                styles = percent_styles(read("xl/styles.xml"))
            except KeyError:
                return {}
            if not styles:
                return {}
            wbxml = read("xl/workbook.xml").decode("utf-8", "replace")
            rels = read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            targets = {}
            for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
                rid, target = re.search(r'\bId="([^"]+)"', tag), re.search(r'\bTarget="([^"]+)"', tag)
                if rid and target:
                    targets[rid.group(1)] = target.group(1)
            out = {}
            for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", wbxml):
                name = re.search(r'\bname="([^"]*)"', tag)
                rid = re.search(r'\br:id="([^"]*)"', tag) or re.search(r'\b\w+:id="([^"]*)"', tag)
                if not name or not rid or rid.group(1) not in targets:
                    continue
                target = targets[rid.group(1)]
                part = target.lstrip("/") if target.startswith("/") else "xl/" + target
                try:
                    cells = percent_cells_of(read(part), styles)
                except KeyError:
                    continue
                if cells:
                    out[html.unescape(name.group(1))] = cells
            return out
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
        return {}


def is_percent_format(code: str | None) -> bool:
    """A number format (as openpyxl gives a cell's ``number_format``) that shows a percentage."""
    return bool(code) and _is_percent_code(code)


_ODS_NS = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
           "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0"}


def ods_percent_cells(path: Path, data: bytes | None = None) -> dict[str, set[tuple[int, int]]]:
    """Sheet name → the cells of an .ods (0-based row, column) that hold a percentage: OpenDocument stores them
    as ``office:value-type="percentage"`` (LibreOffice's 100%); calamine gives their value and drops the type.
    Repeated rows and cells (``number-rows-repeated``, ``number-columns-repeated``) are counted as they are laid
    out; a run of more than 100,000 repeats (an empty tail) holds no value and is skipped over by count."""
    import xml.etree.ElementTree as ET

    t, o = "{%s}" % _ODS_NS["table"], "{%s}" % _ODS_NS["office"]
    out: dict[str, set[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data) if data else path) as zf:
            content = zf.read("content.xml")
        if b'value-type="percentage"' not in content:
            return {}
        sheet, row, col, rows_rep = None, 0, 0, 1
        for event, el in ET.iterparse(io.BytesIO(content), events=("start", "end")):
            if event == "start":
                if el.tag == t + "table":
                    sheet, row = el.get(t + "name") or "", 0
                elif el.tag == t + "table-row":
                    col, rows_rep = 0, int(el.get(t + "number-rows-repeated") or 1)
                elif el.tag in (t + "table-cell", t + "covered-table-cell"):
                    reps = int(el.get(t + "number-columns-repeated") or 1)
                    if el.get(o + "value-type") == "percentage" and sheet is not None and reps * rows_rep <= 100_000:
                        out.setdefault(sheet, set()).update(
                            (row + i, col + j) for i in range(rows_rep) for j in range(reps))
                    col += reps
            elif el.tag == t + "table-row":
                row += rows_rep
                el.clear()
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, ET.ParseError):
        return {}
    return out


def xls_percent_cells(path: Path, data: bytes | None = None) -> dict[str, set[tuple[int, int]]]:
    """Sheet name → the percent-formatted numeric cells of a BIFF8 .xls (0-based row, column), from its records:
    FORMAT (custom format codes), XF (each cell style's format), BOUNDSHEET (where each sheet's records start) and
    the number cells NUMBER, RK, MULRK and FORMULA with the XF they use. Empty for anything it cannot read (an
    encrypted file, an older BIFF, a damaged stream)."""
    import struct

    from taizhang.xlsx.biff import BIFF8_STREAMS, BOUNDSHEET, FILEPASS, boundsheet, workbook_stream
    from taizhang.xlsx.biff import records as biff_records

    stream = workbook_stream(path, data, BIFF8_STREAMS)
    if stream is None:
        return {}

    def records(pos: int):
        return biff_records(stream, pos)

    try:
        formats: dict[int, str] = {}
        xf_format: list[int] = []
        sheets: list[tuple[int, str]] = []
        for typ, rec in records(0):
            if typ == FILEPASS:  # encrypted records
                return {}
            if typ == 0x041E and len(rec) >= 5:  # FORMAT: ifmt, then an XLUnicodeString
                ifmt, cch, high = struct.unpack_from("<HH", rec)[0], struct.unpack_from("<H", rec, 2)[0], rec[4] & 1
                raw = rec[5:5 + cch * (2 if high else 1)]
                formats[ifmt] = raw.decode("utf-16-le" if high else "latin-1", "replace")
            elif typ == 0x00E0 and len(rec) >= 4:  # XF: font, format, …
                xf_format.append(struct.unpack_from("<H", rec, 2)[0])
            elif typ == BOUNDSHEET and len(rec) >= 8:  # stream position, state, type, name
                sheets.append(boundsheet(rec))
        percent_xf = {i for i, f in enumerate(xf_format) if f in BUILTIN_PERCENT or _is_percent_code(formats.get(f, ""))}
        if not percent_xf:
            return {}
        out: dict[str, set[tuple[int, int]]] = {}
        for offset, sheet_name in sheets:
            cells: set[tuple[int, int]] = set()
            for typ, rec in records(offset):
                if typ in (0x0203, 0x027E, 0x0006) and len(rec) >= 6:  # NUMBER, RK, FORMULA: row, column, xf
                    row, col, xf = struct.unpack_from("<HHH", rec)
                    if xf in percent_xf:
                        cells.add((row, col))
                elif typ == 0x00BD and len(rec) >= 6:  # MULRK: row, first column, (xf, rk)…, last column
                    row, first = struct.unpack_from("<HH", rec)
                    for k in range((len(rec) - 6) // 6):
                        if struct.unpack_from("<H", rec, 4 + 6 * k)[0] in percent_xf:
                            cells.add((row, first + k))
            if cells:
                out[sheet_name] = cells
        return out
    except (struct.error, IndexError):
        return {}


def mark_percent(grid: list[list], cells) -> None:
    """Turn the numbers of ``grid`` at ``cells`` into ``Percent`` (in place)."""
    for r, c in cells or ():
        if r < len(grid) and c < len(grid[r]):
            v = grid[r][c]
            if isinstance(v, (int, float)) and not isinstance(v, bool) and type(v) is not Percent:
                grid[r][c] = Percent(v)
