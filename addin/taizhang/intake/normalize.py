"""Value normalisation: turning what units write into typed ledger values.

Each normaliser maps one raw value to (value, problem); columns are processed
over their *unique* raw values and mapped back, so a 100,000-row column with
a few hundred distinct dates costs a few hundred parses.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from taizhang.fields import COMPLEXITY_VARIANTS, STATUS_VARIANTS, norm_text
from taizhang.xlsx.numfmt import Percent

EXCEL_EPOCH = dt.date(1899, 12, 30)
# ledger frame column (the master's 台账 as read): per case, {field: cell as typed} for the cells of typed columns
# (dates, amounts, percentages) the office typed that do not parse; the value is None, the cell is written back as is
UNREAD = "_unread"
_YMD = re.compile(r"^(\d{4})\s*[年./\-_]\s*(\d{1,2})\s*[月./\-_]\s*(\d{1,2})\s*日?(?:[\sT]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_YMD8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MD = re.compile(r"^(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")


def fold(value: object) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def map_unique(values, fn) -> list:
    """``[fn(v) for v in values]``, computing ``fn`` once per distinct value (columns repeat a lot)."""
    try:
        cache = {v: fn(v) for v in set(values)}
    except TypeError:  # unhashable values: compute directly
        return [fn(v) for v in values]
    return list(map(cache.__getitem__, values))


@dataclass
class Converted:
    values: list
    problems: list[tuple[int, str]]  # (position, finding code)


def convert_column(values: list, fn, memo: dict | None = None) -> Converted:
    """Apply a ``value -> (typed, problem code)`` normaliser to a column, once per distinct value.

    ``memo`` ((type, value) → result, kept by the caller for one normaliser) carries the results over to the next
    column of the same kind: a report day converts each distinct value once, not once per file."""
    try:
        if memo is None:
            cache = {v: fn(v) for v in set(values)}
        else:
            cache = {}
            for v in set(values):
                k = (type(v), v)  # typed: 1, 1.0 and True are equal keys, but not the same cell
                got = memo.get(k)
                if got is None:
                    got = memo[k] = fn(v)
                cache[v] = got
    except TypeError:
        pairs = [fn(v) for v in values]
        return Converted([p[0] for p in pairs], [(i, p[1]) for i, p in enumerate(pairs) if p[1]])
    typed = {v: p[0] for v, p in cache.items()}
    bad = {v: p[1] for v, p in cache.items() if p[1]}
    problems = [(i, bad[v]) for i, v in enumerate(values) if v in bad] if bad else []
    return Converted(list(map(typed.__getitem__, values)), problems)


def serial_to_date(serial: float) -> dt.date | None:
    """An Excel 1900-system serial → date; serial 60 is Excel's phantom 1900-02-29."""
    if not 1 <= serial < 2958466:
        return None
    n = int(serial)
    if n == 60:
        return None
    if n < 60:
        n += 1  # Excel counts the non-existent 1900-02-29
    return EXCEL_EPOCH + dt.timedelta(days=n)


def parse_date_text(text: str, year_hint: int | None) -> tuple[dt.date | None, bool]:
    """(date, year_guessed) for the ways units write a date; a date without a year takes ``year_hint``.

    >>> parse_date_text("2026年5月31日", None)
    (datetime.date(2026, 5, 31), False)
    >>> parse_date_text("２０２６．５．３１", None)
    (datetime.date(2026, 5, 31), False)
    >>> parse_date_text("2026/5/31", None), parse_date_text("20260531", None)[0]
    ((datetime.date(2026, 5, 31), False), datetime.date(2026, 5, 31))
    >>> parse_date_text("5月31日", 2026)
    (datetime.date(2026, 5, 31), True)
    >>> parse_date_text("2026-05-31 14:30:00", None)  # pasted from a hotline system, with a time
    (datetime.date(2026, 5, 31), False)
    >>> parse_date_text("2026年2月30日", None), parse_date_text("下月底", 2026), parse_date_text("2026", None)
    ((None, False), (None, False), (None, False))
    """
    t = re.sub(r"\s+", "", fold(text))
    if not t:
        return None, False
    try:
        m = _YMD.match(t) or _YMD8.match(t)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), False
        m = _MD.match(t)
        if m and year_hint:
            return dt.date(year_hint, int(m.group(1)), int(m.group(2))), True
    except ValueError:
        return None, False
    if _SERIAL.match(t):
        d = serial_to_date(float(t))
        if d and 1990 <= d.year <= 2100:
            return d, False
    return _parse_other(fold(text).strip()), False


_NO_YEAR = dt.datetime(1, 1, 1)


def _parse_other(text: str) -> dt.date | None:
    """The rest (a time after the date, ISO stamps, "May 31, 2026"), through dateutil, year first as
    Chinese dates are written. A text without a year, or without a digit, is not a date."""
    if len(text) > 40 or not re.search(r"(19|20)\d\d", text) or len(re.findall(r"\d+", text)) < 3:
        return None  # a year, a month and a day must all be written: "2026" alone is no date
    from dateutil import parser

    try:
        parsed = parser.parse(text, default=_NO_YEAR, yearfirst=True, dayfirst=False)
    except (ValueError, OverflowError):
        return None
    return parsed.date() if 1990 <= parsed.year <= 2100 else None


# what units write in a date cell that has no date: none, not an error (a required date is then missing)
NO_DATE = frozenset({"/", "／", "\\", "—", "——", "-", "--", "－", "无", "暂无", "空", "未定"})


def to_date(value: object, year_hint: int | None = None) -> tuple[dt.date | None, str | None]:
    """A cell → (date, problem code or None).

    >>> to_date(20161220), to_date(20161220.0)  # the digits of a date typed into a General cell
    ((datetime.date(2016, 12, 20), None), (datetime.date(2016, 12, 20), None))
    >>> to_date("/"), to_date(" 无 "), to_date("—")
    ((None, None), (None, None), (None, None))
    """
    if value is None or value == "":
        return None, None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):  # a real date cell, but e.g. Excel's serial 60 or 0 is no ledger date
        return (value, None) if 1990 <= value.year <= 2100 else (None, "bad-date")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 19000101 <= value <= 21001231 and float(value).is_integer():  # 20161220: digits, not a serial
            d, _ = parse_date_text(str(int(value)), None)
            return (d, None) if d and 1990 <= d.year <= 2100 else (None, "bad-date")
        d = serial_to_date(float(value))
        return (d, None) if d and 1990 <= d.year <= 2100 else (None, "bad-date")
    d, guessed = parse_date_text(str(value), year_hint)
    if d is None:
        return (None, None) if fold(value) in NO_DATE else (None, "bad-date")
    return d, ("date-year-guessed" if guessed else None)


_AMOUNT = re.compile(r"^([-+]?\d+(?:\.\d+)?)(万元|万|元)?$")


def to_amount(value: object, factor: float = 1.0) -> tuple[float | None, str | None]:
    """An amount in 万元. ``factor`` converts a column headed in 元."""
    if value is None or value == "":
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return round(float(value) * factor, 6), None
    t = re.sub(r"[\s,，]", "", fold(value)).replace("￥", "").replace("¥", "").replace("人民币", "")
    m = _AMOUNT.match(t)
    if not m:
        return None, "bad-amount"
    num = float(m.group(1))
    unit = m.group(2)
    if unit in ("万元", "万"):
        return round(num, 6), None
    if unit == "元":
        return round(num / 10000, 6), None
    return round(num * factor, 6), None


def to_percent(value: object) -> tuple[float | None, str | None]:
    """完成进度 in percent: a cell formatted as a percentage (``Percent``) as it showed (1.0 → 100); a plain number
    as written, except a fraction 0 < x < 1 (0.6 → 60); text with or without %."""
    if value is None or value == "":
        return None, None
    if isinstance(value, Percent):
        num = value.shown()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        num = float(value)
        num = num * 100 if 0 < num <= 1 and not float(num).is_integer() else num
    else:
        t = fold(value).replace("%", "").replace("％", "").strip()
        try:
            num = float(t)
        except ValueError:
            return None, "bad-progress"
    if not 0 <= num <= 100:
        return None, "bad-progress"
    return round(num, 2), None


def to_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer():
            return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def to_id(value: object) -> str | None:
    """Case ids stay text: 0012 keeps its zeros; 12.0 from a number cell becomes 12."""
    t = to_text(value)
    return fold(t).replace(" ", "") if t else None


_PHONE = re.compile(r"^[\d\-\s()（）+转]{5,30}$")


def to_phone(value: object) -> tuple[str | None, str | None]:
    t = to_text(value)
    if t is None:
        return None, None
    t = fold(t)
    return t, (None if _PHONE.match(t) else "bad-phone")


def to_status(value: object, allowed: list[str], words: dict[str, str] | None = None) -> tuple[str | None, str | None]:
    """A 办理状态 cell → (canonical status, problem code); ``words`` are the office's own (状态对照: folded word → status),
    looked up first."""
    t = norm_text(value)
    if not t:
        return None, None
    canon = (words.get(t) if words else None) or STATUS_VARIANTS.get(t) or (t if t in allowed else None)
    return (canon, None) if canon else (None, "unknown-status")


def to_complexity(value: object, tiers: list[str]) -> tuple[str | None, str | None]:
    t = norm_text(value)
    if not t:
        return None, None
    if t in tiers:
        return t, None
    canon = COMPLEXITY_VARIANTS.get(t)
    return (canon, None) if canon in tiers else (None, "unknown-complexity")


_ENUM = re.compile(r"^[(（]?[0-9一二三四五六七八九十]+[)）.、．]?")


def _vocab_key(text: object) -> str:
    t = norm_text(text)
    for ch in "“”\"'‘’「」":
        t = t.replace(ch, "")
    return t.replace("，", ",").replace("、", ",")


def vocab_matcher(words: list[str]):
    """A function mapping written text to one of ``words`` (tolerant of quotes, enumerations, punctuation)."""
    exact = {_vocab_key(w): w for w in words}

    def match(value: object) -> str | None:
        key = _vocab_key(value)
        if not key:
            return None
        if key in exact:
            return exact[key]
        stripped = _ENUM.sub("", key)
        if stripped in exact:
            return exact[stripped]
        hits = [w for k, w in exact.items() if len(stripped) >= 2 and (stripped in k or k in stripped)]
        return hits[0] if len(hits) == 1 else None

    return match
