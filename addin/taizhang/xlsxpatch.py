"""Rewrite only the sheets taizhang owns inside an existing .xlsx/.xlsm package.

Why not load and save the master with openpyxl: that round trip drops what
openpyxl does not model (charts, images, pivot tables, slicers on the
office's own sheets) and costs minutes at 100,000 cases. Here every part of
the package stays byte-for-byte as it was, except the sheets we replace
(ledger, report-day sheets), which are streamed as XML with inline strings
(text can never turn into a formula), a few styles appended to styles.xml,
and the calculation chain, which Excel rebuilds.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EPOCH = dt.date(1899, 12, 30).toordinal()
HEADER_HEIGHT = ' ht="30" customHeight="1"'

# style key → (fill rgb or None, font or None, number format or None, wrap)
STYLES = {
    "date": (None, None, "yyyy-mm-dd", False),
    "header": ("1F4E78", "white-bold", None, True),
    "header_office": ("FCE4D6", "bold", None, True),
    "header_computed": ("E2EFDA", "bold", None, True),
    "red": ("FFC7CE", "C00000-bold", None, False),
    "yellow": ("FFEB9C", "BF8F00-bold", None, False),
    "green": ("C6EFCE", "00B050-bold", None, False),
    "done": ("DDEBF7", "2F75B5-bold", None, False),
    "closed": ("EDEDED", "808080-bold", None, False),
}


@dataclass
class SheetSpec:
    """A sheet to write: rows (first row the header), optional styles per cell."""

    rows: list[list]
    widths: list[float] = field(default_factory=list)
    header_styles: list[str] | None = None  # per column, default "header"
    cell_styles: dict[tuple[int, int], str] = field(default_factory=dict)  # (row0, col0) → style key
    freeze: str | None = "A2"
    autofilter: bool = True
    dropdowns: list[tuple[str, str]] = field(default_factory=list)  # (sqref, list formula)
    hidden: bool = False


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
        child = {"fills": "fill", "fonts": "font", "cellXfs": "xf", "numFmts": "numFmt"}[tag]
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

    def xf(self, key: str) -> int:
        if key in self.ids:
            return self.ids[key]
        fill_rgb, font, numfmt, wrap = STYLES[key]
        fill_id = self._append("fills", f'<fill><patternFill patternType="solid"><fgColor rgb="FF{fill_rgb}"/>'
                                        f'<bgColor indexed="64"/></patternFill></fill>') if fill_rgb else 0
        font_id = 0
        if font:
            color, _, bold = font.partition("-")
            color = "FFFFFF" if color == "white" else ("000000" if color == "bold" else color)
            font_id = self._append("fonts", f'<font><b/><sz val="11"/><color rgb="FF{color}"/><name val="等线"/></font>')
        fmt_id = self._numfmt(numfmt) if numfmt else 0
        applied = "".join(f' apply{k}="1"' for k, on in (("NumberFormat", fmt_id), ("Font", font_id), ("Fill", fill_id)) if on)
        head = f'<xf numFmtId="{fmt_id}" fontId="{font_id}" fillId="{fill_id}" borderId="0" xfId="0"{applied}'
        xf = (head + ' applyAlignment="1"><alignment wrapText="1" vertical="center" horizontal="center"/></xf>'
              if wrap else head + "/>")
        self.ids[key] = self._append("cellXfs", xf)
        return self.ids[key]


def _cell(ref: str, v, style: int | None, date_style: int) -> str:
    s = f' s="{style}"' if style else ""
    if v is None or (isinstance(v, float) and v != v):
        return f'<c r="{ref}"{s}/>' if style else ""
    if isinstance(v, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(v)}</v></c>'
    if isinstance(v, (int, float)):
        return f'<c r="{ref}"{s}><v>{v!r}</v></c>' if isinstance(v, float) else f'<c r="{ref}"{s}><v>{v}</v></c>'
    if isinstance(v, dt.datetime):
        serial = v.toordinal() - EPOCH + (v.hour * 3600 + v.minute * 60 + v.second) / 86400
        return f'<c r="{ref}" s="{style or date_style}"><v>{serial}</v></c>'
    if isinstance(v, dt.date):
        return f'<c r="{ref}" s="{style or date_style}"><v>{v.toordinal() - EPOCH}</v></c>'
    text = _ILLEGAL.sub("", str(v))[:32767]
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def sheet_xml(spec: SheetSpec, styles: _Styles) -> str:
    date_style = styles.xf("date")
    rows = spec.rows
    width = max((len(r) for r in rows), default=1)
    letters = [get_column_letter(i + 1) for i in range(max(width, 1))]
    out = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">',
           f'<dimension ref="A1:{letters[width - 1]}{max(len(rows), 1)}"/>']
    if spec.freeze:
        m = re.fullmatch(r"([A-Z]+)(\d+)", spec.freeze)
        col = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(m.group(1)))) - 1
        row = int(m.group(2)) - 1
        pane = "bottomRight" if col and row else ("bottomLeft" if row else "topRight")
        split = (f' xSplit="{col}"' if col else "") + (f' ySplit="{row}"' if row else "")
        out.append(f'<sheetViews><sheetView workbookViewId="0"><pane{split} topLeftCell="{spec.freeze}" '
                   f'activePane="{pane}" state="frozen"/><selection pane="{pane}"/></sheetView></sheetViews>')
    out.append('<sheetFormatPr defaultRowHeight="15"/>')
    if spec.widths:
        out.append("<cols>" + "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                                      for i, w in enumerate(spec.widths, 1)) + "</cols>")
    out.append("<sheetData>")
    header_styles = [styles.xf(h or "header") for h in (spec.header_styles or ["header"] * width)]
    cell_styles = {k: styles.xf(v) for k, v in spec.cell_styles.items()}
    illegal, esc = _ILLEGAL, escape
    for r, values in enumerate(rows):
        n = r + 1
        parts = []
        append = parts.append
        for c, v in enumerate(values):
            style = header_styles[c] if r == 0 and c < len(header_styles) else (cell_styles.get((r, c)) if cell_styles else None)
            if style is None:  # the common cases first, without a style lookup or a generic dispatch
                if v is None:
                    continue
                t = type(v)
                if t is str:
                    if v:
                        text = illegal.sub("", v) if v.isprintable() is False else v
                        append(f'<c r="{letters[c]}{n}" t="inlineStr"><is><t xml:space="preserve">{esc(text[:32767])}</t></is></c>')
                    continue
                if t is float:
                    if v == v:
                        append(f'<c r="{letters[c]}{n}"><v>{v!r}</v></c>')
                    continue
                if t is int:
                    append(f'<c r="{letters[c]}{n}"><v>{v}</v></c>')
                    continue
                if t is dt.date:
                    append(f'<c r="{letters[c]}{n}" s="{date_style}"><v>{v.toordinal() - EPOCH}</v></c>')
                    continue
            append(_cell(f"{letters[c]}{n}", v, style, date_style))
        out.append(f'<row r="{n}"{HEADER_HEIGHT if r == 0 else ""}>{"".join(parts)}</row>')
    out.append("</sheetData>")
    if spec.autofilter and rows:
        out.append(f'<autoFilter ref="A1:{letters[width - 1]}{max(len(rows), 2)}"/>')
    if spec.dropdowns:
        out.append(f'<dataValidations count="{len(spec.dropdowns)}">')
        for sqref, formula in spec.dropdowns:
            out.append(f'<dataValidation type="list" errorStyle="warning" allowBlank="1" showInputMessage="1" '
                       f'showErrorMessage="1" errorTitle="不在可选范围内" error="请从下拉列表中选择。" sqref="{sqref}">'
                       f"<formula1>{escape(formula)}</formula1></dataValidation>")
        out.append("</dataValidations>")
    out.append('<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
    out.append("</worksheet>")
    return "".join(out)


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
    """Write ``src`` to ``dst`` with the named sheets replaced (or added at the end)."""
    with zipfile.ZipFile(src) as zin:
        infos = zin.infolist()
        data = {i.filename: zin.read(i.filename) for i in infos}
    wb_xml = data["xl/workbook.xml"].decode("utf-8")
    rels_name = "xl/_rels/workbook.xml.rels"
    rels = data[rels_name].decode("utf-8")
    ct = data["[Content_Types].xml"].decode("utf-8")
    styles = _Styles(data["xl/styles.xml"].decode("utf-8"))
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
            from html import unescape

            existing[unescape(name.group(1))] = (tag, _resolve("xl/workbook.xml", rel_target[rid.group(1)]))
    new_parts: dict[str, bytes] = {}
    drop: set[str] = set()
    n_sheet = max([int(x) for x in re.findall(r"worksheets/sheet(\d+)\.xml", " ".join(data))] + [0])
    sheet_ids = [int(x) for x in re.findall(r'<(?:\w+:)?sheet\b[^>]*\bsheetId="(\d+)"', wb_xml)]
    for name, spec in sheets.items():
        xml = sheet_xml(spec, styles).encode("utf-8")
        if name in existing:
            tag, part = existing[name]
            new_parts[part] = xml
            drop.add(part.rsplit("/", 1)[0] + "/_rels/" + part.rsplit("/", 1)[1] + ".rels")
            new_tag = re.sub(r'\s+state="[^"]*"', "", tag)
            if spec.hidden:
                new_tag = new_tag.replace("<sheet ", '<sheet state="hidden" ', 1) if new_tag.startswith("<sheet ") else new_tag
            wb_xml = wb_xml.replace(tag, new_tag, 1)
        else:
            n_sheet += 1
            part = f"xl/worksheets/sheet{n_sheet}.xml"
            rid = f"rIdTz{n_sheet}"
            new_parts[part] = xml
            rels = rels.replace("</Relationships>", f'<Relationship Id="{rid}" Type="{SHEET_TYPE}" '
                                                    f'Target="worksheets/sheet{n_sheet}.xml"/></Relationships>')
            ct = ct.replace("</Types>", f'<Override PartName="/{part}" ContentType="{SHEET_CT}"/></Types>')
            sid = max(sheet_ids + [0]) + 1
            sheet_ids.append(sid)
            state = ' state="hidden"' if spec.hidden else ""
            m = re.search(r"</(\w+:)?sheets>", wb_xml)
            prefix = m.group(1) or ""
            wb_xml = wb_xml[:m.start()] + (f'<{prefix}sheet name={quoteattr(name)} sheetId="{sid}"{state} '
                                           f'{rp}:id="{rid}"/>') + wb_xml[m.start():]
    # the calculation chain refers to cells that may be gone: Excel rebuilds it
    if "xl/calcChain.xml" in data:
        drop.add("xl/calcChain.xml")
        rels = re.sub(r'<Relationship\b[^>]*Target="(?:/xl/)?calcChain\.xml"[^>]*/>', "", rels)
        ct = re.sub(r'<Override\b[^>]*PartName="/xl/calcChain\.xml"[^>]*/>', "", ct)
    # never leave a hidden sheet active or selected
    new_parts["xl/workbook.xml"] = wb_xml.encode("utf-8")
    new_parts[rels_name] = rels.encode("utf-8")
    new_parts["[Content_Types].xml"] = ct.encode("utf-8")
    new_parts["xl/styles.xml"] = styles.xml.encode("utf-8")
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zout:
        written = set()
        for info in infos:
            if info.filename in drop:
                continue
            body = new_parts.get(info.filename, data[info.filename])
            zout.writestr(info.filename, body)
            written.add(info.filename)
        for part, body in new_parts.items():
            if part not in written:
                zout.writestr(part, body)
