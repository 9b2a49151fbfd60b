"""How text is kept as text, for every writer (openpyxl cells, the streamed sheets, Excel over COM).

Excel parses what it is given as if it were typed: ``=…`` becomes a formula, ``001`` the number 1,
``50%`` 0.5, ``1/2`` the date 2 January, ``2026年11月`` and ``11月20日`` dates, ``TRUE`` a boolean,
``(3)`` the number -3, ``#N/A`` an error, ``'abc`` the text ``abc``. :func:`excel_would_change` says
when that would happen to a string; each writer then keeps it as text its own way:

- Excel over COM (``doors/excel.py``): :func:`excel_input` puts an apostrophe in front, which Excel
  stores as the cell's prefix character, not as part of the text.
- openpyxl (``xlsxout.put``): the cell is a string cell and gets ``quotePrefix`` so that a later
  edit in Excel (F2, Enter) keeps it as text too.
- The streamed sheets (``xlsxpatch``): every string is a shared-string cell (``t="s"``), which Excel
  never parses on opening.

Guarding too much costs nothing (the prefix is invisible); guarding too little changes a user's data.
``Link`` is the one formula taizhang writes on purpose (a case's 佐证材料 folder): its strings are quoted literals.
"""

from __future__ import annotations

import datetime as dt
import re

_NUMBERISH = re.compile(
    r"[\s\d.,:/\\\-+%$¥￥€£()eE年月日时分秒号点上下午AaPpMm]*\d[\s\d.,:/\\\-+%$¥￥€£()eE年月日时分秒号点上下午AaPpMm]*")
_MONTH_NAMES = re.compile(
    r"(?i)(\d{1,4}[\s\-/.,]*)?(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?([\s\-/.,]*\d{1,4}){0,2}")
_WORDS = {"TRUE", "FALSE", "真", "假"}


def excel_would_change(text: str) -> bool:
    """True when Excel, handed ``text`` as a cell's input, would store something other than that text."""
    if not text:
        return False
    s = text.strip()
    if text[0] in "'=+-@" or s[:1] in ("=", "+", "-", "@", "#"):
        return True
    if s.upper() in _WORDS:
        return True
    if s != text and s == "":
        return False
    return bool(_NUMBERISH.fullmatch(s) or _MONTH_NAMES.fullmatch(s))


def excel_input(v):
    """The value to hand Excel for one cell so that it stores exactly ``v``."""
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, str):
        return "'" + v if excel_would_change(v) else v
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return dt.datetime(v.year, v.month, v.day)
    return v


class Link(tuple):
    """A hyperlink taizhang writes itself into one of its own cells (a case's 佐证材料 folder beside the master):
    shown as ``text``, opening ``target``, a path relative to the workbook. Written as Excel's HYPERLINK function
    with both strings as quoted literals (a ``"`` doubled), so neither is ever parsed as a formula of its own;
    each is cut to the 255 characters a formula's string may hold. Read back, the cell is its text."""

    __slots__ = ()

    def __new__(cls, target: str, text: str):
        return super().__new__(cls, (str(target)[:255], str(text)[:255]))

    @property
    def target(self) -> str:
        return self[0]

    @property
    def text(self) -> str:
        return self[1]

    def formula(self) -> str:
        """The cell's formula (without ``=``)."""
        def lit(s: str) -> str:
            return '"' + s.replace('"', '""') + '"'
        return f"HYPERLINK({lit(self.target)},{lit(self.text)})"
