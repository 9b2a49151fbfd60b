"""The package-level parts a patch edits: styles.xml (``_Styles``), the shared string table (``SharedStrings``)
and the print titles in workbook.xml (``_print_titles``), with the palette of every sheet taizhang writes.

A style already in styles.xml is reused and a missing one appended, so writing the same content twice gives the
same styles.xml; styles are compared by meaning (``style_meaning``: parsed font, fill, border, number format,
alignment and protection, attributes in any order, defaults dropped; failing that, a font alike but for its
typeface, which LibreOffice replaces by the one it rendered with), so a master last saved by openpyxl,
LibreOffice or Excel, which spell the same styles their own way, does not grow with every write; existing shared strings keep their numbers (the office's own sheets still read the same), texts
already there are reused and new ones appended. The parts are edited through ``xmlparts``, prefixes intact.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import unescape

from taizhang.xlsx import xmlparts
from taizhang.xlsx.ooxml import MAIN_NS, _el, _m, defined_names, sheet_order

# the palette of every sheet taizhang writes (xlsxout builds openpyxl's fills and fonts from it)
FILL_RGB = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE", "done": "DDEBF7", "closed": "EDEDED",
            "header": "1F4E78", "office": "FCE4D6", "computed": "E2EFDA", "error": "FF9999", "warning": "FFE699"}
STRONG_RGB = {"red": "C00000", "yellow": "BF8F00", "green": "00B050", "done": "2F75B5", "closed": "808080"}
BORDER_RGB = "BFBFBF"

# style key → (fill rgb or None, font or None, number format or None, alignment or None[, thin border colour])
# alignment: "header" centred and wrapped; "center" the same for figures; "wrap" wrapped text, vertically centred;
# "wrap_bottom" wrapped text at the bottom (Excel's default), where the row's other cells are
STYLES = {
    "date": (None, None, "yyyy-mm-dd", None),
    "header": (FILL_RGB["header"], "white-bold", None, "header"),
    "header_office": (FILL_RGB["office"], "bold", None, "header"),
    "header_computed": (FILL_RGB["computed"], "bold", None, "header"),
    **{light: (FILL_RGB[light], f"{STRONG_RGB[light]}-bold", None, None) for light in STRONG_RGB},
    "wrap": (None, None, None, "wrap"),  # long text (file names, reasons) wraps in its column instead of being cut
    "wrap_bottom": (None, None, None, "wrap_bottom"),  # 台账's long text: wrapped, on the row's bottom line like its other cells
}
_ALIGN = {"header": {"wrapText": "1", "vertical": "center", "horizontal": "center"},
          "center": {"wrapText": "1", "vertical": "center", "horizontal": "center"},
          "wrap": {"wrapText": "1", "vertical": "center"},
          "wrap_bottom": {"wrapText": "1"}}


_LOCAL = re.compile(r"^\{[^}]*\}")
_FLAGS = {"b", "i", "strike", "outline", "shadow", "condense", "extend"}  # font flags: <b/> is <b val="1"/>
_DEFAULTS = {  # attributes whose absence means the same value (ECMA-376 Part 1, 18.8)
    "xf": {"xfId": "0", "pivotButton": "0", "quotePrefix": "0", "numFmtId": "0", "fontId": "0", "fillId": "0",
           "borderId": "0"},
    "border": {"diagonalUp": "0", "diagonalDown": "0", "outline": "1"},
    "protection": {"locked": "1", "hidden": "0"},
    "alignment": {"wrapText": "0", "shrinkToFit": "0", "indent": "0", "textRotation": "0", "readingOrder": "0",
                  "justifyLastLine": "0", "relativeIndent": "0", "horizontal": "general", "vertical": "bottom"},
    "patternFill": {"patternType": "none"},
}
_TRUE = {"true": "1", "false": "0"}


def style_meaning(el: ET.Element, same: dict[str, dict[str, str]] | None = None) -> tuple:
    """What a styles.xml entry (font, fill, border, xf with its alignment and protection) means, whatever program
    wrote it: attributes in any order, defaults dropped, ``true``/``1`` alike, ``<b/>`` and ``<b val="1"/>`` alike,
    an empty border side the same as none, colours by their RGB (alpha ignored), a solid fill by its foreground, and
    for an xf the apply* flags ignored (openpyxl drops them, LibreOffice writes them all; Excel shows a cell by its
    ids) and its number format, font, fill and border by meaning (``same``)."""
    tag = _LOCAL.sub("", el.tag)
    attrs = {_LOCAL.sub("", k): _TRUE.get(v, v) for k, v in el.attrib.items()}
    if tag in _FLAGS:
        return (tag, attrs.get("val", "1"))
    for k, v in _DEFAULTS.get(tag, {}).items():
        if attrs.get(k) == v:
            del attrs[k]
    if tag == "xf":
        attrs = {k: (same or {}).get(k, {}).get(v, v) for k, v in attrs.items() if not k.startswith("apply")}
        # an id that means the same as the default one (LibreOffice's "General" 164, its Noto font for font 0)
        attrs = {k: v for k, v in attrs.items() if _DEFAULTS["xf"].get(k) != v}
    if "rgb" in attrs:
        attrs["rgb"] = attrs["rgb"].upper()[-6:]
    if (tag, attrs) in (("bgColor", {"indexed": "64"}), ("family", {"val": "0"}), ("charset", {"val": "1"})):
        return ()  # the system background, no font family, the default character set (LibreOffice writes them)
    children = []
    for c in el:
        if tag == "patternFill" and attrs.get("patternType") == "solid" and _LOCAL.sub("", c.tag) == "bgColor":
            continue  # a solid fill shows its foreground colour only (LibreOffice writes any background)
        m = style_meaning(c, same)
        if not m or (_LOCAL.sub("", c.tag) in _FLAGS and m[1] == "0"):
            continue
        if tag == "border" and len(m) > 1 and not m[1] and not m[3]:
            continue  # <left/>: no line
        if m[0] in ("alignment", "protection") and not m[1] and not m[3]:
            continue  # every attribute at its default
        children.append(m)
    return (tag, tuple(sorted(attrs.items())), (el.text or "").strip(), tuple(sorted(children)))


_TYPEFACE = {"name", "family", "charset", "scheme"}


def _typeface_free(el: ET.Element) -> tuple:
    """A font's meaning without its typeface (name, family, character set, theme scheme): what taizhang's styles
    say — bold, size, colour — and not what the program that last saved the master substitutes. LibreOffice saves
    a header cell in 等线 as the font it rendered it with (Noto Sans CJK SC where 等线 is not installed), and an
    office may choose another face for its headers; taizhang's style is the same style in either face."""
    tag, attrs, text, children = style_meaning(el)
    return tag, attrs, text, tuple(c for c in children if c[0] not in _TYPEFACE)


def _format_meaning(code: str) -> str:
    """A number format code as it shows: case and backslash escapes of plain characters aside (LibreOffice writes
    yyyy-mm-dd as YYYY\\-MM\\-DD)."""
    return re.sub(r"\\(.)", r"\1", code).lower()


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
        """The index of an entry meaning the same as ``item``, else of one differing only in its typeface
        (``_typeface_free``: fonts, and cell formats by their fonts), else ``item`` appended."""
        coll = self._collection(tag, before)
        for loose in (False, True) if tag in ("fonts", "cellXfs") else (False,):
            if tag == "fonts":
                meaning = _typeface_free if loose else style_meaning
                want = meaning(item)
                found = next((i for i, old in enumerate(coll) if meaning(old) == want), None)
            else:
                same = self._same_as(loose) if tag == "cellXfs" else {}
                want = style_meaning(item, same)
                found = next((i for i, old in enumerate(coll) if style_meaning(old, same) == want), None)
            if found is not None:
                return found
        coll.append(item)
        coll.set("count", str(len(coll)))
        return len(coll) - 1

    def _same_as(self, loose: bool = False) -> dict[str, dict[str, str]]:
        """For an xf's fontId, fillId and borderId: each index → the first index of an entry with the same meaning
        (a file saved by another program may hold the same font twice; an xf using either is the same xf);
        ``loose``: fonts alike but for their typeface count as the same."""
        out: dict[str, dict[str, str]] = {}
        for attr, tag in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders")):
            first: dict[tuple, str] = {}
            coll = self.root.find(_m(tag))
            meaning = _typeface_free if loose and tag == "fonts" else style_meaning
            out[attr] = {str(i): first.setdefault(meaning(el), str(i)) for i, el in enumerate(coll if coll is not None else [])}
        fmts = self.root.find(_m("numFmts"))  # a custom format by its code ("General" is the built-in 0)
        out["numFmtId"] = {el.get("numFmtId") or "": ("0" if _format_meaning(el.get("formatCode") or "") == "general"
                                                      else "code:" + _format_meaning(el.get("formatCode") or ""))
                           for el in (fmts if fmts is not None else [])}
        return out

    @property
    def xml(self) -> bytes:
        return self.part.tostring()

    def _numfmt(self, code: str) -> int:
        fmts = self._collection("numFmts", ("fonts", "fills", "borders", "cellStyleXfs", "cellXfs"))
        for el in fmts:
            if _format_meaning(el.get("formatCode") or "") == _format_meaning(code):
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

    def indices(self, texts: list[str]) -> list[int]:
        """``index`` of each of ``texts`` (clean and at most 32,767 long, as a cell holds them), new ones numbered in
        the order given: a few passes of dict operations rather than a call per text (a column of distinct texts)."""
        index_of = self.index_of
        out = list(map(index_of.get, texts))
        if None in out:
            fresh = list(dict.fromkeys([t for t, i in zip(texts, out) if i is None]))
            index_of.update(zip(fresh, range(self.count, self.count + len(fresh))))
            self.count += len(fresh)
            self.added += fresh
            out = list(map(index_of.__getitem__, texts))
        return out

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


PRINT_TITLES = "_xlnm.Print_Titles"
_AFTER_DEFINED_NAMES = ("calcPr", "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes",
                        "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst")


def _print_titles(wb_root: ET.Element, names: list[str]) -> None:
    """Repeat row 1 on every printed page of each named sheet: a ``_xlnm.Print_Titles`` name local to the sheet.

    ``localSheetId`` is the sheet's position among all the workbook's sheets (hidden ones count), taken after new
    sheets were added. A sheet that already has print titles keeps them (the office may have chosen others), and
    every other defined name (the office's own, a filter's ``_xlnm._FilterDatabase``) is left as it is.
    """
    order = sheet_order(wb_root)
    names = [n for n in names if n in order]
    if not names:
        return
    defined = defined_names(wb_root, _AFTER_DEFINED_NAMES)
    have = {el.get("localSheetId") for el in defined.iter(_m("definedName")) if el.get("name") == PRINT_TITLES}
    for name in names:
        local = str(order.index(name))
        if local not in have:
            quoted = name.replace("'", "''")
            ET.SubElement(defined, _m("definedName"), {"name": PRINT_TITLES, "localSheetId": local}).text = f"'{quoted}'!$1:$1"
