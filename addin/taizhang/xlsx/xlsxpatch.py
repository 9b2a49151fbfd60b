"""Rewrite only the sheets taizhang owns inside an existing .xlsx/.xlsm package: the package patch.

Why not load and save the master with openpyxl: that round trip drops what
openpyxl does not model (charts, images, pivot tables, slicers on the
office's own sheets) and costs minutes at 100,000 cases. Here every part of
the package stays byte-for-byte as it was, except the sheets we replace
(ledger, report-day sheets), the styles they need in styles.xml, new texts appended to
the shared string table, and the calculation chain, which Excel
rebuilds. workbook.xml, its relationships, the content types and styles.xml
are edited through an XML parser (``xmlparts``); only sheet data is streamed, with
deflate running in a second thread.

The work is split by job, one module each, under this packager (``patch_package``):
``parts`` (styles, shared strings, print titles), ``sheetxml`` (streaming sheet XML and the kinds of sheet edit,
one type each, which ``_patch`` dispatches on), ``keyvalues`` (values set by key in a key/value sheet such as 参数设置), ``officelayer`` (carrying the old sheet's office layer of 台账 through a cell map: its own columns,
formulas, notes, hyperlinks, merges, validations and formats, each with its case) and ``ooxml`` (the names they
share). The names other modules import from here are re-exported.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from taizhang.xlsx import xmlparts
from taizhang.xlsx.keyvalues import with_values
from taizhang.xlsx.officelayer import _keep_office, _moved_formula, _moved_notes  # noqa: F401 (re-exported)
from taizhang.xlsx.ooxml import MAIN_NS, REL_NS, _m, _resolve  # noqa: F401 (re-exported)
from taizhang.xlsx.parts import (  # noqa: F401 (re-exported)
    _AFTER_DEFINED_NAMES,
    BORDER_RGB,
    FILL_RGB,
    STRONG_RGB,
    STYLES,
    SharedStrings,
    _print_titles,
    _Styles,
)
from taizhang.xlsx.printsetup import print_names
from taizhang.xlsx.sheetxml import (  # noqa: F401 (the edit types re-exported)
    AddedColumn,
    AppendedRows,
    CarriedSheet,
    KeyValues,
    OfficeLayer,
    SheetEdit,
    SheetSpec,
    _spliced,
    _stream,
    _with_column,
    appended_rows,
    sheet_chunks,
)

SHEET_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def patch_package(src: Path, dst: Path, sheets: dict[str, SheetEdit], compresslevel: int = 1,
                  order: list[str] | None = None) -> None:
    """Write ``src`` to ``dst`` with the named sheets replaced (or added).

    A sheet not yet in the package is added at the end, or, given ``order`` (sheet names in the order their tabs
    should have), after the last existing sheet that precedes it in ``order``; sheets already there never move.
    The new sheets are streamed into the zip piece by piece; the parts they replace are never inflated.
    """
    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():  # patching in place: read from a copy
        import os
        import shutil

        tmp = dst.with_name(dst.name + ".patching")
        shutil.copyfile(src, tmp)
        try:
            patch_package(tmp, dst, sheets, compresslevel, order)
        finally:
            os.unlink(tmp)
        return
    with zipfile.ZipFile(src) as zin:
        _patch(zin, dst, sheets, compresslevel, order)


def _place_sheet(wb_root: ET.Element, sheets_el: ET.Element, el: ET.Element, order: list[str]) -> None:
    """Add a new ``<sheet>`` after the last sheet that precedes it in ``order`` (at the end when none is known).

    A sheet's position is its index in every ``localSheetId`` (print titles, filters, the office's local names) and in
    the workbook view's ``activeTab``/``firstSheet``: those at or after the new place shift by one, so each keeps
    pointing at its own sheet.
    """
    present = list(sheets_el.iter(_m("sheet")))
    name = el.get("name")
    at = len(present)
    if name in order:
        rank = order.index(name)
        known = [(i, order.index(s.get("name"))) for i, s in enumerate(present) if s.get("name") in order]
        earlier = [i for i, r in known if r < rank]
        later = [i for i, r in known if r > rank]
        at = earlier[-1] + 1 if earlier else later[0] if later else at
    if at < len(present):
        defined = wb_root.find(_m("definedNames"))
        for d in defined.iter(_m("definedName")) if defined is not None else ():
            local = d.get("localSheetId")
            if local is not None and local.isdigit() and int(local) >= at:
                d.set("localSheetId", str(int(local) + 1))
        views = wb_root.find(_m("bookViews"))
        for view in views.iter(_m("workbookView")) if views is not None else ():
            for attr in ("activeTab", "firstSheet"):
                v = view.get(attr)
                if v is not None and v.isdigit() and int(v) >= at and not (attr == "firstSheet" and int(v) == 0):
                    view.set(attr, str(int(v) + 1))
    sheets_el.insert(at, el)


SST_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SST_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
CALC_CHAIN_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain"


_IN_PLACE = (AppendedRows, AddedColumn, KeyValues)  # edits of a sheet already there; the others write a sheet whole


def _pieces(zin: zipfile.ZipFile, part: str, spec: SheetEdit, layer: OfficeLayer | None, styles: _Styles,
            strings: SharedStrings):
    """The new XML of one sheet part, in pieces, by the kind of edit."""
    if isinstance(spec, AppendedRows):
        return _spliced(zin.read(part).decode("utf-8"), spec, appended_rows(spec, styles, strings))
    if isinstance(spec, AddedColumn):
        return iter([_with_column(zin.read(part), spec, strings)])
    if isinstance(spec, KeyValues):
        return iter([with_values(zin.read(part), spec, strings)])
    return sheet_chunks(spec, styles, strings, layer)


def _patch(zin: zipfile.ZipFile, dst: Path, sheets: dict[str, SheetEdit], compresslevel: int,
           order: list[str] | None = None) -> None:
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
    new_sheets: dict[str, SheetEdit] = {}
    layers: dict[str, OfficeLayer] = {}  # part → the office's layer a CarriedSheet is written in
    drop: set[str] = set()
    moved: dict[str, bytes] = {}  # notes (comments) parts rewritten because their cells' rows moved
    n_sheet = max([int(x) for x in re.findall(r"worksheets/sheet(\d+)\.xml", " ".join(names))] + [0])
    sheet_ids = [int(el.get("sheetId") or 0) for el in sheets_el.iter(_m("sheet"))]
    for name, spec in sheets.items():
        if isinstance(spec, _IN_PLACE):
            if name not in existing:
                raise ValueError(f"no sheet {name!r} to add cells to")
            new_sheets[existing[name][1]] = spec
            continue
        if name in existing:
            el, part = existing[name]
            new_sheets[part] = spec
            if isinstance(spec, CarriedSheet):
                layer = _keep_office(zin.read(part).decode("utf-8"), spec)
                if layer is not None:
                    layers[part] = layer
                    moved.update(_moved_notes(zin, part, spec))
            if part not in layers:  # the office's frame keeps its comments and drawings, and their relationships
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
            _place_sheet(wb.root, sheets_el, ET.Element(_m("sheet"), attrs), order or [])
    _print_titles(wb.root, [name for name, spec in sheets.items() if isinstance(spec, SheetSpec) and spec.landscape
                            and spec.rows and not (name in existing and existing[name][1] in layers)])
    print_names(wb.root, {name: spec.print_layout for name, spec in sheets.items()
                          if isinstance(spec, SheetSpec) and spec.print_layout}, _AFTER_DEFINED_NAMES)
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
    pieces = {part: _pieces(zin, part, spec, layers.get(part), styles, strings) for part, spec in new_sheets.items()}
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
