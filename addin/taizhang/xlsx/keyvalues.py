"""A fifth kind of sheet edit: values set by key in a key/value sheet such as 参数设置 (key in column A, value in B).

Only the value cell of the row whose key matches changes; the office's other rows, its notes, styles and widths stay
as they are (the value cell keeps its own style). A key no row holds is added as a new row below the last. Used for
what taizhang records in the master itself, such as the 报送文件夹 of the last merge.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from taizhang.xlsx import xmlparts
from taizhang.xlsx.ooxml import MAIN_NS, _col_index, _m
from taizhang.xlsx.parts import SharedStrings
from taizhang.xlsx.sheetxml import KeyValues, _body, _Cells

_REF = re.compile(r"([A-Z]+)(\d+)")


def _text(cell: ET.Element, shared: dict[int, str]) -> str:
    """A cell's text as the reader sees it: shared, inline or a formula's cached string; '' otherwise."""
    kind = cell.get("t")
    if kind == "s":
        v = cell.find(_m("v"))
        try:
            return shared.get(int(v.text or ""), "") if v is not None else ""
        except ValueError:
            return ""
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(_m("t")))
    if kind == "str":
        v = cell.find(_m("v"))
        return (v.text or "") if v is not None else ""
    return ""


def with_values(xml: bytes, spec: KeyValues, strings: SharedStrings) -> str:
    """``xml`` with ``spec.values`` written: key (column A, trimmed) → value in column B."""
    part = xmlparts.parse(xml)
    root = part.root
    data = root.find(_m("sheetData"))
    wanted = {str(k).strip(): v for k, v in spec.values.items()}
    shared = {i: t for t, i in strings.index_of.items() if t.strip() in wanted}
    w = _Cells(0, strings)
    last = 0
    for row in data.findall(_m("row")):
        last = int(row.get("r") or last + 1)
        cells = {}
        for cell in row.findall(_m("c")):
            m = _REF.fullmatch(cell.get("r") or "")
            if m:
                cells[_col_index(m.group(1))] = cell
        key = cells.get(0)
        name = _text(key, shared).strip() if key is not None else ""
        if name not in wanted:
            continue
        value = wanted.pop(name)
        old = cells.get(1)
        style = int(old.get("s")) if old is not None and old.get("s") else None
        at = list(row).index(old) if old is not None else list(row).index(key) + 1
        if old is not None:
            row.remove(old)
        body = _body(value, style, w)
        if body:
            row.insert(at, ET.fromstring(f'<c xmlns="{MAIN_NS}" r="B{last}"{body}'))
        if row.get("spans"):
            del row.attrib["spans"]
    for key, value in wanted.items():  # keys no row holds: new rows at the end
        last += 1
        row = ET.SubElement(data, _m("row"), {"r": str(last)})
        for letter, v in (("A", key), ("B", value)):
            body = _body(v, None, w)
            if body:
                row.append(ET.fromstring(f'<c xmlns="{MAIN_NS}" r="{letter}{last}"{body}'))
    dim = root.find(_m("dimension"))
    if dim is not None:
        m = re.fullmatch(r"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?", dim.get("ref") or "")
        if m and int(m.group(4) or m.group(2)) < last:
            right = m.group(3) or m.group(1)
            right = right if _col_index(right) >= 1 else "B"
            dim.set("ref", f"{m.group(1)}{m.group(2)}:{right}{last}")
    return part.tostring().decode("utf-8")
