"""Package-level XML parts (workbook.xml, relationships, content types, styles.xml) through a real parser.

ElementTree is used, with two things it does not do on its own taken care of here:

* prefixes: the document's own prefixes are kept (``r:id`` stays ``r:id``, never ``ns0:id``), and a default
  namespace stays the default namespace;
* declarations nothing uses: ElementTree writes only the namespaces its elements and attributes use, but
  ``mc:Ignorable="x14ac xr"`` names prefixes in an attribute *value*, and Excel refuses a file whose ignorable
  prefixes are undeclared. Every declaration of the original root is therefore written back on the root.

Declarations made on inner elements (openpyxl with lxml declares ``xmlns:r`` on each ``<sheet>``) are read
like any other; on writing they move to the root, which means the same.
"""

from __future__ import annotations

import io
import re
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_DEFAULT = "tzdefaultns"
_LOCK = threading.Lock()  # ElementTree's prefix table is process-wide


@dataclass
class Part:
    """A parsed XML part and the namespace declarations it was written with."""

    root: ET.Element
    root_decls: list[tuple[str, str]] = field(default_factory=list)  # (prefix, uri) declared on the root
    all_decls: list[tuple[str, str]] = field(default_factory=list)  # every declaration, in document order

    def prefix_of(self, uri: str, default: str) -> str:
        for prefix, u in self.all_decls:
            if u == uri and prefix:
                return prefix
        return default

    def tostring(self) -> bytes:
        return serialize(self)


def parse(data: bytes | str) -> Part:
    if isinstance(data, str):
        data = data.encode("utf-8")
    decls: list[tuple[str, str]] = []
    root_decls: list[tuple[str, str]] = []
    root = None
    pending: list[tuple[str, str]] = []
    for event, item in ET.iterparse(io.BytesIO(data), events=("start-ns", "start")):
        if event == "start-ns":
            pending.append(item)
            decls.append(item)
        else:
            if root is None:
                root = item
                root_decls = list(pending)
            pending = []
    if root is None:
        raise ValueError("empty XML part")
    return Part(root, root_decls, decls)


def q(uri: str, tag: str) -> str:
    """ElementTree's name for ``tag`` in namespace ``uri``."""
    return f"{{{uri}}}{tag}"


def serialize(part: Part) -> bytes:
    """The part as UTF-8 bytes with its own prefixes and every root declaration."""
    default_uri = next((u for p, u in part.root_decls if p == ""), None)
    chosen: dict[str, str] = {}  # uri → prefix
    for prefix, uri in part.root_decls + part.all_decls:
        if prefix and uri not in chosen and prefix not in chosen.values() and not re.fullmatch(r"ns\d+", prefix):
            chosen[uri] = prefix
    if default_uri is not None:
        # ElementTree's own default_namespace refuses unprefixed attributes (every OOXML attribute): the default
        # namespace is written under a placeholder prefix, then turned back into the default below
        chosen[default_uri] = _DEFAULT
    with _LOCK:
        saved = dict(ET._namespace_map)  # type: ignore[attr-defined]
        try:
            for uri, prefix in chosen.items():
                for k in [k for k, v in ET._namespace_map.items() if v == prefix]:  # type: ignore[attr-defined]
                    del ET._namespace_map[k]  # type: ignore[attr-defined]
                ET._namespace_map[uri] = prefix  # type: ignore[attr-defined]
            text = ET.tostring(part.root, encoding="unicode", short_empty_elements=True)
        finally:
            ET._namespace_map.clear()  # type: ignore[attr-defined]
            ET._namespace_map.update(saved)  # type: ignore[attr-defined]
    if default_uri is not None:  # "<" never occurs inside text or attribute values (escaped): only tags match
        text = text.replace(f"<{_DEFAULT}:", "<").replace(f"</{_DEFAULT}:", "</").replace(f"xmlns:{_DEFAULT}=", "xmlns=")
    # declarations ElementTree left out because no element or attribute uses them (mc:Ignorable names them)
    end = text.index(">")
    if text[end - 1] == "/":
        end -= 1
    start_tag = text[:end]
    missing = [(p, u) for p, u in part.root_decls
               if p and f"xmlns:{p}=" not in start_tag and u != default_uri]
    if missing:
        text = start_tag + "".join(f' xmlns:{p}="{_attr(u)}"' for p, u in missing) + text[end:]
    return (HEADER + text).encode("utf-8")


def _attr(s: str) -> str:
    return s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def key(el: ET.Element) -> tuple:
    """A comparable form of an element (tag, attributes in any order, children, text): equal keys, same meaning."""
    return (el.tag, tuple(sorted(el.attrib.items())), (el.text or "").strip(), tuple(key(c) for c in el))
