"""The OOXML names and element helpers the part writers of ``xlsxpatch`` share: the SpreadsheetML and
relationship namespaces, qualified tags, the schema's order of a worksheet's children, column letters and part
paths. Knows no sheet and no part."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from taizhang.xlsx import xmlparts

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _m(tag: str) -> str:
    return xmlparts.q(MAIN_NS, tag)


def _el(tag: str, attrs: dict | None = None, children: list | None = None) -> ET.Element:
    el = ET.Element(_m(tag), attrs or {})
    el.extend(children or [])
    return el


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


def _insert(root: ET.Element, el: ET.Element, after: tuple[str, ...]) -> None:
    """Put ``el`` before the first child named in ``after`` (the schema's order of a worksheet's parts)."""
    later = {_m(t) for t in after}
    children = list(root)
    root.insert(next((i for i, c in enumerate(children) if c.tag in later), len(children)), el)


def sheet_order(wb_root: ET.Element) -> list[str]:
    """The workbook's sheet names in order (hidden ones too): a sheet's ``localSheetId`` is its index here."""
    return [el.get("name") for el in wb_root.find(_m("sheets")).iter(_m("sheet"))]


def defined_names(wb_root: ET.Element, after: tuple[str, ...]) -> ET.Element:
    """workbook.xml's ``<definedNames>``, added (before the first child named in ``after``) where it has none."""
    defined = wb_root.find(_m("definedNames"))
    if defined is None:
        defined = ET.Element(_m("definedNames"))
        _insert(wb_root, defined, after)
    return defined


def _col_index(letters: str) -> int:
    return sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(letters))) - 1
