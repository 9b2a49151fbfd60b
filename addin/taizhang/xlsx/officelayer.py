"""The office's layer of a sheet taizhang rewrites (台账), carried through a cell map.

``_keep_office`` reads the sheet as the office left it: its frame (view, widths, filter, conditional formats,
notes and drawings, page setup — unless it is taizhang's own, when ``SheetSpec.print_layout`` replaces it) and the
cells of the office's columns (``CarriedSheet.office_columns``, decided by ``book.ledger_plan`` from the headers),
each mapped to the new row of its case (``CarriedSheet.origin``), into an ``OfficeLayer`` the sheet is then
written in; a formula is
translated to its new row (``_moved_formula``). Hyperlinks, merged cells and per-row validations and conditional
formats move with their cases or are dropped (``_move_row_anchored``); notes move in their comments part and VML
(``_moved_notes``), Excel 365's threaded comments with them. Nothing of the office's lands on another case.
taizhang writes its drop-downs in one form only (``<dataValidations>``): the x14 form Excel writes in the extension
list for lists pointing at another sheet is removed from taizhang's columns (``_drop_x14_validations``); the
office's x14 drop-downs stay and move with their cases like the others.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from html import unescape
from xml.sax.saxutils import escape

from taizhang.findings import col_letter
from taizhang.xlsx import xmlparts
from taizhang.xlsx.ooxml import MAIN_NS, _col_index, _insert, _m, _resolve
from taizhang.xlsx.printsetup import apply_to_frame
from taizhang.xlsx.sheetxml import ESTIMATED_HEIGHTS, CarriedSheet, OfficeLayer

# --------------------------------------------------------------------------- the office's layer of a sheet

_AFTER_VALIDATIONS = ("hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
                      "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
                      "legacyDrawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst")
_AFTER_DIMENSION = ("sheetViews", "sheetFormatPr", "cols", "sheetData")
_MARK = "TZSHEETDATA"


def _keep_office(xml: str, spec: CarriedSheet) -> OfficeLayer | None:
    """The office's layer of the sheet as the office left it: its frame, header and cells (None: nothing to keep).

    taizhang owns its columns' cells, the drop-downs on them and the extent of the filter; everything else
    of the sheet is the office's and is written back: the view (freeze panes), widths, filter criteria,
    conditional formats, comments and drawings, and the cells of the office's own columns, each moved with
    the case it belongs to (a formula is translated to its new row, so it keeps pointing at its own case).
    """
    m = re.search(r"<(\w+:)?sheetData\b[^>]*?(/?)>", xml)
    if m is None or m.group(2) == "/" or m.group(1):
        return None  # no rows yet (a new master) or an unusual prefixed sheet: taizhang's own layout
    close = "</sheetData>"
    end = xml.rfind(close)
    body = xml[m.end():end]
    if end < 0 or "<row" not in body:
        return None
    part = xmlparts.parse(xml[:m.start()] + f"<sheetData>{_MARK}</sheetData>" + xml[end + len(close):])
    if not any(p == "" and u == MAIN_NS for p, u in part.root_decls):
        return None
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
            height = (f' ht="{a["ht"]}" customHeight="1"' if a.get("customHeight") in ("1", "true") and a.get("ht")
                      and not _estimate(a["ht"]) else "")
            kept[new_row_of[row]] = hidden + height
    row_attrs = kept if any(kept) else None
    raw_header: dict[int, str | None] = {}
    raw_cells: dict[int, list[str | None]] = {}
    if carried:
        col_of = {col_letter(old): new for new, old in carried.items()}
        raw_cells = {c: [None] * n_data for c in carried}
        raw_header.update({c: None for c in carried})  # an office column without a header cell keeps none
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
                raw_header[c] = cell
            elif row in new_row_of:
                raw_cells[c][new_row_of[row]] = cell
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
            if _ours(dv.get("sqref") or "", width, carried):  # on taizhang's columns only: ours, replaced below
                dvs.remove(dv)
    _drop_x14_validations(root, lambda sqref: _ours(sqref, width, carried))
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
    if spec.print_layout is not None and not apply_to_frame(root, spec.print_layout):
        spec.print_layout = None  # the office set up its own printing: kept, and its print names too
    text = part.tostring().decode("utf-8")
    i = text.index(f"<sheetData>{_MARK}</sheetData>")
    frame = (text[:i] + "<sheetData>", "</sheetData>" + text[i + len(_MARK) + len("<sheetData></sheetData>"):])
    return OfficeLayer(frame, raw_header, raw_cells, row_attrs)


def _estimate(ht: str) -> bool:
    """A row height that is taizhang's own estimate for wrapped text (``sheetxml.ESTIMATED_HEIGHTS``), not the office's."""
    try:
        return float(ht) in ESTIMATED_HEIGHTS
    except ValueError:
        return False


X14_NS = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM_NS = "http://schemas.microsoft.com/office/excel/2006/main"


def _ours(sqref: str, width: int, carried: dict[int, int]) -> bool:
    """A validation's ranges lie on taizhang's columns only (not the office's): taizhang writes it afresh."""
    cols = re.findall(r"([A-Z]+)\d*(?::|\s|$)", sqref)
    return bool(cols) and all(_col_index(c) < width and _col_index(c) not in carried for c in cols)


def _x14_validations(root: ET.Element) -> list[tuple[ET.Element, ET.Element, ET.Element]]:
    """Excel's second form of data validations, in the worksheet's extension list (``x14:dataValidations``, what
    Excel writes for a list pointing at another sheet): (ext, holder, validation) for each."""
    ext_lst = root.find(_m("extLst"))
    out = []
    for ext in ext_lst if ext_lst is not None else []:
        for holder in ext.findall(xmlparts.q(X14_NS, "dataValidations")):
            out.extend((ext, holder, dv) for dv in holder.findall(xmlparts.q(X14_NS, "dataValidation")))
    return out


def _x14_sqref(dv: ET.Element) -> ET.Element | None:
    return dv.find(xmlparts.q(XM_NS, "sqref"))


def _drop_x14_validations(root: ET.Element, ours) -> None:
    """Remove the x14 validations on taizhang's columns: taizhang writes its drop-downs in one form (the main
    ``<dataValidations>``), and one cell with a drop-down in both forms is what Excel "repairs" by deleting them.
    The office's own validations stay."""
    for _, holder, dv in _x14_validations(root):
        sq = _x14_sqref(dv)
        if ours((sq.text or "") if sq is not None else ""):
            holder.remove(dv)
    _prune_x14(root)


def _prune_x14(root: ET.Element) -> None:
    """Counts of the x14 validation holders brought up to date; an emptied holder, extension and extension list
    removed (Excel refuses an empty ``x14:dataValidations``)."""
    ext_lst = root.find(_m("extLst"))
    if ext_lst is None:
        return
    for ext in list(ext_lst):
        for holder in ext.findall(xmlparts.q(X14_NS, "dataValidations")):
            n = len(holder.findall(xmlparts.q(X14_NS, "dataValidation")))
            if n:
                holder.set("count", str(n))
            else:
                ext.remove(holder)
                if not len(ext):
                    ext_lst.remove(ext)
    if not len(ext_lst):
        root.remove(ext_lst)


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
    if new_row_of and len(new_row_of) == n_data and all(new_row_of[r] == r - 2 for r in new_row_of):
        return  # no case moved
    # (no case known from the old sheet at all: whatever sat on a data row belongs to no case written now)
    old_last = max(new_row_of, default=1)

    def new_row(r: int) -> int | None:
        return 1 if r == 1 else (new_row_of[r] + 2 if r in new_row_of else None)

    _move_refs(root, "hyperlinks", new_row)
    _move_refs(root, "mergeCells", new_row, counted=True)
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
    for _, holder, dv in _x14_validations(root):  # the office's validations in Excel's x14 form, likewise
        sq = _x14_sqref(dv)
        if sq is None:
            continue
        moved = _moved_sqref(sq.text or "", old_last, new_row)
        if not moved:
            holder.remove(dv)
        elif moved != sq.text:
            sq.text = moved
    _prune_x14(root)


def _move_refs(root, tag: str, new_row, counted: bool = False) -> None:
    """Each ``ref`` of ``tag``'s children (hyperlinks, merges) to its case's new row; one whose case is gone is
    dropped, and an emptied container with it (``counted``: the container keeps a count attribute)."""
    holder = root.find(_m(tag))
    if holder is None:
        return
    for child in list(holder):
        m = _REF.fullmatch(child.get("ref") or "")
        if m is None:
            continue
        moved = _moved_range(m, int(m.group(2)), int(m.group(4) or m.group(2)), new_row)
        if moved is None:
            holder.remove(child)
        else:
            child.set("ref", moved)
    if not len(holder):
        root.remove(holder)
    elif counted:
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
THREADED_TYPE = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"
THREADED_NS = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"


def _moved_notes(zin: zipfile.ZipFile, part: str, spec: CarriedSheet) -> dict[str, bytes]:
    """The sheet's notes moved with their cases' rows: the comments part, the shapes that show them, and Excel 365's
    threaded comments (``xl/threadedComments/*.xml``; each has a legacy twin in the comments part, moved alike; the
    people in ``xl/persons`` are not tied to cells and stay as they are)."""
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
        elif rel.get("Type") == THREADED_TYPE:  # Excel 365's threaded comments: a thread and its replies share a ref
            doc = xmlparts.parse(zin.read(target))
            for c in list(doc.root):
                m = re.fullmatch(r"([A-Z]+)(\d+)", c.get("ref") or "")
                if m and int(m.group(2)) in new_row:
                    c.set("ref", f"{m.group(1)}{new_row[int(m.group(2))]}")
                elif m and c.tag == xmlparts.q(THREADED_NS, "threadedComment"):
                    doc.root.remove(c)  # gone with its case, as its legacy twin in the comments part
            out[target] = doc.tostring()
        elif rel.get("Type") == VML_TYPE:  # VML is often not well-formed XML: only its row anchors are changed
            vml = zin.read(target).decode("utf-8", errors="replace")
            out[target] = re.sub(r"(<x:Row>)(\d+)(</x:Row>)",
                                 lambda m: f"{m.group(1)}{new_row.get(int(m.group(2)) + 1, int(m.group(2)) + 1) - 1}"
                                           f"{m.group(3)}", vml).encode("utf-8")
    return out


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
