"""A sheet's print setup beyond taizhang's default (A4 landscape, one page wide): paper, pages across, the
columns and row repeated on every page, a print area, a footer (``PrintLayout``).

``PrintLayout.xml`` is the setup as the worksheet parts of a new sheet (pageMargins, pageSetup, headerFooter, in
the schema's order); ``apply_to_frame`` writes it into the frame of a sheet the office already has — only when the frame's
setup is taizhang's own (none at all, or one taizhang wrote: ``is_taizhang_setup``); an office that changed the
paper, scale, fit or footer keeps its own. ``print_names`` writes the ``_xlnm.Print_Titles`` and
``_xlnm.Print_Area`` names of such a sheet in workbook.xml, again replacing only names taizhang wrote.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import escape

from taizhang.findings import col_letter
from taizhang.xlsx.ooxml import _insert, _m, defined_names, sheet_order

A3, A4 = 8, 9
# (paperSize, orientation, scale, fitToWidth, fitToHeight, pageOrder) as each taizhang version wrote them for a
# sheet, with the schema's defaults filled in; a setup not among these (nor this version's) is the office's
_DEFAULTS = {"paperSize": "1", "orientation": "default", "scale": "100", "fitToWidth": "1", "fitToHeight": "1",
             "pageOrder": "downThenOver"}
_EARLIER = {("9", "landscape", "100", "1", "0", "downThenOver")}
_FOOTERS = (re.compile(r"&C第 &P 页，共 &N 页"), re.compile(r"&L.*&R第 &P 页，共 &N 页"))
_PRINT_PARTS = ("pageMargins", "pageSetup", "headerFooter")
_AFTER_PRINT = ("rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
                "legacyDrawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst")
MARGINS = {"left": "0.3", "right": "0.3", "top": "0.5", "bottom": "0.6", "header": "0.2", "footer": "0.25"}


@dataclass(frozen=True)
class PrintLayout:
    """How a sheet prints: ``paper`` (8 A3, 9 A4) landscape, fitted to ``pages_wide`` pages across (as many down as
    it takes; the application scales and breaks between columns by its own measure of them), columns A…
    (``repeat_cols`` of them) and row 1 repeated on every page, the print area columns A… (``area_cols``, whole
    columns: it grows with the rows), pages numbered across first, so the pages of the same rows follow each other."""

    paper: int
    pages_wide: int
    repeat_cols: int
    area_cols: int
    footer_left: str  # plain text (the campaign's name and the sheet's)

    def attrs(self) -> dict[str, str]:
        return {"paperSize": str(self.paper), "fitToWidth": str(self.pages_wide), "fitToHeight": "0",
                "pageOrder": "overThenDown", "orientation": "landscape"}

    def footer(self) -> str:
        left = self.footer_left.replace("&", "&&")[:120]
        return f"&L{left}&R第 &P 页，共 &N 页"

    def elements(self) -> list[ET.Element]:
        """pageMargins, pageSetup and headerFooter, in the schema's order."""
        out = [ET.Element(_m("pageMargins"), dict(MARGINS)), ET.Element(_m("pageSetup"), self.attrs())]
        hf = ET.Element(_m("headerFooter"))
        ET.SubElement(hf, _m("oddFooter")).text = self.footer()
        return out + [hf]

    def xml(self) -> str:
        """The same parts as worksheet XML text (the default namespace), for a sheet written whole."""
        margins = "".join(f' {k}="{v}"' for k, v in MARGINS.items())
        setup = "".join(f' {k}="{v}"' for k, v in self.attrs().items())
        return (f"<pageMargins{margins}/><pageSetup{setup}/>"
                f"<headerFooter><oddFooter>{escape(self.footer())}</oddFooter></headerFooter>")

    def titles(self, sheet: str) -> str:
        q = "'" + sheet.replace("'", "''") + "'!"
        cols = f"{q}$A:${col_letter(self.repeat_cols - 1)}," if self.repeat_cols else ""
        return f"{cols}{q}$1:$1"

    def area(self, sheet: str) -> str:
        return "'" + sheet.replace("'", "''") + f"'!$A:${col_letter(self.area_cols - 1)}"


def _setup_key(el: ET.Element | None, layout: PrintLayout | None = None) -> tuple:
    a = dict(_DEFAULTS)
    a.update({k: v for k, v in (el.attrib if el is not None else layout.attrs()).items() if k in _DEFAULTS})
    return tuple(a[k] for k in _DEFAULTS)


def is_taizhang_setup(root: ET.Element, layout: PrintLayout) -> bool:
    """The sheet prints as taizhang set it up (no setup at all, or one a taizhang version wrote), not as the office
    changed it: paper, orientation, scale, fit and page order as taizhang writes them, and taizhang's footer."""
    setup = root.find(_m("pageSetup"))
    if setup is None:
        return root.find(_m("headerFooter")) is None
    if _setup_key(setup) not in _EARLIER | {_setup_key(None, layout)}:
        return False
    hf = root.find(_m("headerFooter"))
    footer = hf.find(_m("oddFooter")) if hf is not None else None
    header = hf.find(_m("oddHeader")) if hf is not None else None
    if header is not None and (header.text or "") not in ("", "&R&A"):
        return False
    return footer is None or any(p.fullmatch(footer.text or "") for p in _FOOTERS)


def apply_to_frame(root: ET.Element, layout: PrintLayout) -> bool:
    """Write ``layout`` into an existing sheet's tree if its setup is taizhang's; False (nothing changed) if the
    office set up its own printing."""
    if not is_taizhang_setup(root, layout):
        return False
    for name in _PRINT_PARTS:
        for el in root.findall(_m(name)):
            root.remove(el)
    pr = root.find(_m("sheetPr"))
    if pr is None:
        pr = ET.Element(_m("sheetPr"))
        root.insert(0, pr)
    fit = pr.find(_m("pageSetUpPr"))
    if fit is None:  # sheetPr's children: tabColor, outlinePr, pageSetUpPr
        fit = ET.SubElement(pr, _m("pageSetUpPr"))
    fit.set("fitToPage", "1")
    for el in layout.elements():
        _insert(root, el, _AFTER_PRINT)
    return True


_Q = r"'(?:[^']|'')+'!"
# taizhang's titles in either order (openpyxl, saving a workbook, writes the rows first)
_TAIZHANG_TITLES = re.compile(rf"{_Q}\$1:\$1|{_Q}\$A:\$[A-Z]{{1,3}},{_Q}\$1:\$1|{_Q}\$1:\$1,{_Q}\$A:\$[A-Z]{{1,3}}")
_TAIZHANG_AREA = re.compile(r"'(?:[^']|'')+'!\$A:\$[A-Z]{1,3}")


def print_names(wb_root: ET.Element, layouts: dict[str, PrintLayout], after: tuple[str, ...]) -> None:
    """The print titles and print area of each sheet in ``layouts``, local to the sheet; a name the office
    changed (not in a form taizhang writes) is kept."""
    order = sheet_order(wb_root)
    layouts = {n: lay for n, lay in layouts.items() if n in order}
    if not layouts:
        return
    defined = defined_names(wb_root, after)
    for sheet, layout in layouts.items():
        local = str(order.index(sheet))
        for name, text, ours in (("_xlnm.Print_Titles", layout.titles(sheet), _TAIZHANG_TITLES),
                                 ("_xlnm.Print_Area", layout.area(sheet), _TAIZHANG_AREA)):
            el = next((e for e in defined.iter(_m("definedName")) if e.get("name") == name and e.get("localSheetId") == local), None)
            if el is None:
                ET.SubElement(defined, _m("definedName"), {"name": name, "localSheetId": local}).text = text
            elif ours.fullmatch(el.text or "") and set((el.text or "").split(",")) != set(text.split(",")):
                el.text = text  # (the same ranges in another order are left as they are)
