"""Reading the workbooks units really send.

A submission may be .xlsx/.xlsm/.xls/.ods/.csv, carry a title and a
“填报单位：XX（盖章）” line above the header, a two-row merged header, renamed
or reordered columns, totals rows, hidden rows and sheets, and instruction
sheets before the data. The reader finds the ledger sheets and their headers by
content (every sheet that holds cases; statistics tables are not), maps headers to canonical fields (unknown columns are kept and
reported) and returns raw rows with their Excel row numbers. Values are
typed later, in ``validate``.

python-calamine (Rust) parses every format; hidden rows are read from the sheet XML
(.xlsx/.xlsm), content.xml (.ods) and the ROW records (.xls) directly because calamine
does not report them. A row an AutoFilter hides is still a case; a row hidden by hand is not.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from taizhang.fields import BY_KEY, IGNORED_HEADERS, field_like, match_header, norm_header, norm_text
from taizhang.findings import Finding, col_letter, finding
from taizhang.xlsx.safety import FileProblem, Sniffed, check_extent, sniff

MAX_HEADER_SCAN = 40
TOTAL_WORDS = ("合计", "小计", "总计", "共计")
ZERO_WORDS = ("零报告", "无问题", "未发现问题", "暂无问题", "无相关问题")
_DATE_LINE = re.compile(r"(?:填报|报送|填表)(?:日期|时间)[:：]\s*(\S+(?:\s*\d+\s*[月日]\s*)*)")
_UNIT_LINE = re.compile(r"(?:填报|报送|填表)单位(?:（盖章）|\(盖章\))?[:：]\s*(.+?)(?:\s{2,}|\s*(?:填报|报送)(?:时间|日期|人)|\s*联系|$)")


@dataclass
class Column:
    index: int
    letter: str
    header: str
    key: str | None
    factor: float = 1.0


@dataclass
class SheetRead:
    file: str
    path: Path
    sheet: str = ""
    kind: str = ""
    header_row: int = 0
    columns: list[Column] = field(default_factory=list)
    rows: list[tuple[int, list]] = field(default_factory=list)  # (Excel row number, values)
    unit_line: str | None = None
    date_line: str | None = None  # the date after 填报日期/填报时间 above the header, as written
    zero_report: bool = False
    findings: list[Finding] = field(default_factory=list)
    failed: bool = False
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (Excel row, kind, Chinese reason): rows that are not cases
    more: list["SheetRead"] = field(default_factory=list)  # the file's other ledger sheets, each read the same way

    @property
    def rows_in_file(self) -> int:
        """Non-empty rows below the header of the ledger sheet: each is a case (``rows``) or ``skipped``."""
        return len(self.rows) + len(self.skipped)

    def key_columns(self) -> dict[str, Column]:
        out: dict[str, Column] = {}
        for c in self.columns:
            if c.key and c.key not in out:
                out[c.key] = c
        return out


FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit)  # everything else a parser raises is the file's fault


class native_stderr_to_log:
    """Around a native parser call: what the Rust side prints on a panic (English, on file descriptor 2)
    goes to the log instead of the user's terminal."""

    def __enter__(self):
        import os
        import tempfile

        self.saved = None
        try:
            self.tmp = tempfile.TemporaryFile()
            self.saved = os.dup(2)
            os.dup2(self.tmp.fileno(), 2)
        except (OSError, ValueError):  # no file descriptor 2 (a GUI host): nothing to divert
            self.saved = None
        return self

    def __exit__(self, *exc):
        import os

        if self.saved is None:
            return False
        os.dup2(self.saved, 2)
        os.close(self.saved)
        self.tmp.seek(0)
        text = self.tmp.read(4000).decode("utf-8", "replace").strip()
        self.tmp.close()
        if text:
            from taizhang.xlsx.safety import log_original

            log_original("parser output", RuntimeError(text))
        return False


def open_calamine(path: Path, sniffed: Sniffed | None = None):
    """Open a workbook by its content, not its extension; FileProblem on anything wrong."""
    from python_calamine import CalamineWorkbook

    sniffed = sniffed or sniff(path)
    if sniffed.kind == "csv":
        raise FileProblem("file-not-workbook", f"{path.name} 是 CSV 文本文件")
    try:
        data = sniffed.data if sniffed.data is not None else path.read_bytes()
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except FATAL:
        raise
    except BaseException as exc:  # CalamineError, PasswordError, XmlError, ZipError, ValueError… and pyo3's PanicException
        return _calamine_failure(path, exc)


def _calamine_failure(path: Path, exc: BaseException, sheet: str = ""):
    """The user's Chinese message for a parser's failure; the parser's own text goes to the log."""
    from taizhang.xlsx.safety import log_original

    log_original(f"reading {path.name}" + (f" sheet {sheet}" if sheet else ""), exc)
    kind = type(exc).__name__
    if "Password" in kind or "password" in str(exc).lower() or "encrypt" in str(exc).lower():
        raise FileProblem("file-encrypted", f"{path.name} 设置了打开密码，台账助手无法读取。请让报送单位取消打开密码后重新报送，"
                                            f"或由办公室输入密码打开后另存一份不加密的副本。") from None
    where = f" 的工作表“{sheet}”" if sheet else ""
    raise FileProblem("file-unreadable", f"{path.name}{where} 已损坏或内部结构不完整，无法读取（详细原因已写入日志）。"
                                         f"请让报送单位用 Excel 或 WPS 打开该文件，确认内容无误后“另存为”.xlsx 重新报送。") from None


def _decode_csv(path: Path) -> list[list]:
    import csv

    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileProblem("file-unreadable", f"{path.name} 的文字编码无法识别。请另存为 UTF-8 或 GBK 编码的 CSV，或直接报送 .xlsx。")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text, newline=""), dialect)]  # line ends as written: CR, LF, CRLF


def read_plain_table(path: Path) -> list[list]:
    """The first visible sheet as rows (for small side inputs like unit lists)."""
    path = Path(path)
    if sniff(path).kind == "csv":
        return _decode_csv(path)
    wb = open_calamine(path)
    try:
        for meta in wb.sheets_metadata:
            if str(meta.visible).endswith("Visible"):
                return wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=True)
        return []
    finally:
        wb.close()


_CELL_XML = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*?(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CACHED_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]+</(?:\w+:)?v>")
_FORMULA_HINT = re.compile(rb"f[\s>/]")  # a fast first pass (no '<' to anchor on, which is everywhere)


def column_index(letters: str) -> int:
    """Excel letters → 0-based column index."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


_HIDDEN_ATTR = re.compile(rb'\bhidden="(1|true)"')


def _xlsx_sheet_facts(path: Path, parts: dict[str, bytes] | None = None,
                      data: bytes | None = None) -> dict[str, tuple[set[int], set[tuple[int, int]]]]:
    """Sheet name → (hidden row numbers, formula cells without a cached value), from the package XML.

    ``parts`` are XML parts already inflated (by ``sniff``); others are read from the file.
    """
    out: dict[str, set[int]] = {}
    parts = parts or {}
    opened: list[zipfile.ZipFile] = []  # the package is opened only for a part ``sniff`` did not keep

    def read(part: str) -> bytes:
        if part in parts:
            return parts[part]
        if not opened:
            opened.append(zipfile.ZipFile(io.BytesIO(data) if data else path))
        return opened[0].read(part)

    try:
        wbxml = read("xl/workbook.xml").decode("utf-8", "replace")
        rels = read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
        targets = dict(re.findall(r'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
        targets.update({k: v for v, k in re.findall(r'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
        for m in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", wbxml):
            tag = m.group(0)
            name = re.search(r'name="([^"]*)"', tag)
            rid = re.search(r'r:id="([^"]*)"', tag) or re.search(r'\bid="([^"]*)"', tag)
            if not name or not rid or rid.group(1) not in targets:
                continue
            target = targets[rid.group(1)].lstrip("/")
            part = target if target.startswith("xl/") else "xl/" + target
            import html

            sheet_name = html.unescape(name.group(1))
            hidden: set[int] = set()
            data = read(part)
            if b'hidden="' in data and _HIDDEN_ATTR.search(data):  # only then look row by row
                filtered = _filter_rows(data)
                for row in re.finditer(rb"<(?:\w+:)?row\b[^>]*>", data):
                    tag_b = row.group(0)
                    if _HIDDEN_ATTR.search(tag_b):
                        r = re.search(rb'\br="(\d+)"', tag_b)
                        if r and int(r.group(1)) not in filtered:
                            hidden.add(int(r.group(1)))
            blank_formulas: set[tuple[int, int]] = set()
            if _FORMULA_HINT.search(data) and _FORMULA_TAG.search(data):  # formula cells saved without a computed value (never evaluated here)
                for cell in _CELL_XML.finditer(data):
                    body = cell.group(3) or b""
                    if _FORMULA_TAG.search(body) and not _CACHED_VALUE.search(body):
                        blank_formulas.add((int(cell.group(2)), column_index(cell.group(1).decode())))
            out[sheet_name] = (hidden, blank_formulas)
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    finally:
        for zf in opened:
            zf.close()
    return out


_AUTOFILTER = re.compile(rb'<(?:\w+:)?autoFilter\b[^>]*?\bref="\$?[A-Z]{1,3}\$?(\d+)(?::\$?[A-Z]{1,3}\$?(\d+))?"')


def _filter_rows(sheet_xml: bytes) -> range:
    """The data rows of the sheet's AutoFilter (below its header row): a hidden row there was filtered out by
    someone looking at part of the list, and is still a case. Excel writes no other mark for it."""
    m = _AUTOFILTER.search(sheet_xml)
    if not m:
        return range(0)
    first = int(m.group(1))
    return range(first + 1, int(m.group(2) or first) + 1)


_ODS_TABLE = re.compile(rb'<table:table\s[^>]*?table:name="([^"]*)"')
_ODS_ROW = re.compile(rb'<table:table-row(?=[\s>/])([^>]*)>')
_ODS_REPEAT = re.compile(rb'table:number-rows-repeated="(\d+)"')


def _ods_hidden_rows(path: Path, data: bytes | None) -> dict[str, set[int]]:
    """Sheet name → rows hidden by hand (``table:visibility="collapse"``) in an .ods; rows an AutoFilter hides
    are written ``visibility="filter"`` and are cases, as in .xlsx."""
    import html

    try:
        with zipfile.ZipFile(io.BytesIO(data) if data else path) as zf:
            content = zf.read("content.xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return {}
    out: dict[str, set[int]] = {}
    if b'visibility="collapse"' not in content:
        return out
    tables = list(_ODS_TABLE.finditer(content))
    for n, t in enumerate(tables):
        end = tables[n + 1].start() if n + 1 < len(tables) else len(content)
        body = content[t.end():end]
        if b'visibility="collapse"' not in body:
            continue
        hidden: set[int] = set()
        row = 1
        for m in _ODS_ROW.finditer(body):
            attrs = m.group(1)
            rep = _ODS_REPEAT.search(attrs)
            count = int(rep.group(1)) if rep else 1
            if b'visibility="collapse"' in attrs and count <= 100_000:
                hidden.update(range(row, row + count))
            row += count
        out[html.unescape(t.group(1).decode("utf-8", "replace"))] = hidden
    return out


def _xls_hidden_rows(path: Path, data: bytes | None) -> dict[str, set[int]]:
    """Sheet name → rows hidden by hand in a BIFF8 .xls: ROW records with fDyZero, except those inside the sheet's
    AutoFilter range (the built-in name _FilterDatabase), which are filtered out of view and are cases."""
    import struct

    from taizhang.xlsx.biff import ANY_STREAMS, BOUNDSHEET, FILEPASS, boundsheet, workbook_stream
    from taizhang.xlsx.biff import records as biff_records

    stream = workbook_stream(path, data, ANY_STREAMS)
    if stream is None:
        return {}

    def records(pos: int):
        return biff_records(stream, pos)

    try:
        sheets: list[tuple[int, str]] = []
        filters: dict[int, tuple[int, int]] = {}  # sheet index → (first, last) 1-based rows of its AutoFilter
        for typ, rec in records(0):
            if typ == FILEPASS:  # the records are still encrypted here, their flags mean nothing
                return {}
            if typ == BOUNDSHEET and len(rec) >= 8:  # stream position, state, type, name
                sheets.append(boundsheet(rec))
            elif typ == 0x0018 and len(rec) >= 15 and struct.unpack_from("<H", rec)[0] & 0x0020:  # a built-in NAME
                cce, itab = struct.unpack_from("<H", rec, 4)[0], struct.unpack_from("<H", rec, 8)[0]
                code_at = 15 if rec[14] in (0, 1) else 14  # after the name's high-byte flag
                formula = rec[code_at + 1:code_at + 1 + cce]
                if rec[code_at] == 0x0D and itab and len(formula) >= 11 and formula[0] in (0x3B, 0x5B, 0x7B):
                    first, last = struct.unpack_from("<HH", formula, 3)
                    filters[itab - 1] = (first + 1, last + 1)
        out: dict[str, set[int]] = {}
        for index, (offset, sheet_name) in enumerate(sheets):
            hidden: set[int] = set()
            for typ, rec in records(offset):
                if typ == 0x0208 and len(rec) >= 14 and struct.unpack_from("<H", rec, 12)[0] & 0x0020:
                    hidden.add(struct.unpack_from("<H", rec)[0] + 1)
            if hidden:
                first, last = filters.get(index, (0, -1))
                out[sheet_name] = {r for r in hidden if not first < r <= last}
        return out
    except (struct.error, IndexError):
        return {}


@lru_cache(maxsize=8192)
def _match_text(text: str) -> tuple[str | None, float]:
    return match_header(text)


def _match(cell, names: dict[str, str] | None = None) -> tuple[str | None, float]:
    """Header lookup for a cell; long texts and numbers are data, never headers (and are not normalised).
    ``names`` are the office's own column names (列名对照: folded name → field key), looked up first."""
    if isinstance(cell, str) and 0 < len(cell) <= 40:
        if names:
            key = names.get(norm_header(cell))
            if key:
                return key, 1.0
        return _match_text(cell)
    return None, 1.0


def _header_score(cells: list, names: dict[str, str] | None = None) -> tuple[int, list[tuple[str | None, float]]]:
    mapped = [_match(c, names) for c in cells]
    keys = {k for k, _ in mapped if k}
    return len(keys), mapped


def _fill_merged(grid: list[list], merges, max_row: int, header_last: int = -1, across: int = 0) -> set[int]:
    """Copy each merged range's top-left value into the whole range (header rows and data alike).

    Below the header (row index ``header_last``), a range ``across`` or more columns wide is a note or a group
    title written across the table, not a value of each column: it is left as written and its first row index
    is returned.
    """
    width = max(map(len, grid), default=0)
    wide: set[int] = set()
    for (r1, c1), (r2, c2) in merges or []:
        if r1 >= len(grid) or r1 > max_row or c1 >= width:
            continue
        if across and r1 > header_last and min(c2, width - 1) - c1 + 1 >= across:
            wide.add(r1)
            continue
        c2 = min(c2, width - 1)  # a merge declared out to column XFD fills only the sheet's real columns
        value = grid[r1][c1] if c1 < len(grid[r1]) else None
        for r in range(r1, min(r2, len(grid) - 1) + 1):
            row = grid[r]
            if len(row) <= c2:
                row.extend([None] * (c2 + 1 - len(row)))
            for c in range(c1, c2 + 1):
                if row[c] in (None, ""):
                    row[c] = value
    return wide


def _find_header(grid: list[list], names: dict[str, str] | None = None) -> tuple[int, int, list[tuple[str | None, float]], list[str]] | None:
    """(first header row index, number of header rows, mapping per column, header texts)."""
    best = None
    scores: dict[int, tuple] = {}
    data_like = 0  # non-empty rows in a row that look like data, after a header was found

    def score_of(i: int) -> tuple:
        if i not in scores:
            scores[i] = _header_score(grid[i], names)
        return scores[i]

    for i in range(min(MAX_HEADER_SCAN, len(grid))):
        score, mapped = score_of(i)
        if best is not None:
            data_like = data_like + 1 if score <= 1 and any(v not in (None, "") for v in grid[i]) else 0
            if data_like >= 3:  # three data rows past the best header: no better header follows
                break
        if i + 1 < len(grid):
            score_of(i + 1)
        if score >= 3 and (best is None or score > best[0]):
            best = (score, i, 1, mapped, [str(c or "").strip() for c in grid[i]])
        if i + 1 in scores and scores[i + 1][0] >= 2:
            upper = list(grid[i])
            lower = list(grid[i + 1])
            width = max(len(upper), len(lower))
            upper += [None] * (width - len(upper))
            lower += [None] * (width - len(lower))
            combined_map = []
            texts = []
            for u, lo in zip(upper, lower):
                km = _match(lo, names)
                if km[0] is None and u not in (None, ""):
                    km = _match(u, names)
                if km[0] is None and u not in (None, "") and lo not in (None, ""):
                    km = _match(f"{u}{lo}", names)
                combined_map.append(km)
                texts.append(str(lo).strip() if lo not in (None, "") else str(u or "").strip())
            pair_score = len({k for k, _ in combined_map if k})
            lower_score = scores[i + 1][0]
            single = max(score, lower_score)
            if pair_score >= 3 and lower_score >= 2 and pair_score > single and (best is None or pair_score > best[0]):
                best = (pair_score, i, 2, combined_map, texts)
    if best is None:
        return None
    return best[1], best[2], best[3], best[4]


SKIP_KINDS = {"subtotal": "小计行", "total": "合计行", "note": "说明或落款", "repeated-header": "重复的表头",
              "hidden": "隐藏行", "zero-report": "零报告说明", "group": "分组标题行", "numbered-blank": "只有序号的空行",
              "date-footer": "落款日期"}
_NOTE_START = ("注", "说明", "填表说明", "备注:", "备注：")
_FOOTER = re.compile(r"^(?:填表人|填报人|制表人|制表|审核人|审核|负责人|单位负责人|(?:部门|单位)?主要负责(?:同志|人)|分管领导|联系人|"
                     r"联系电话|填报日期|填表日期|报送日期|签字|盖章|单位)\s*(?:[（(](?:签字|签名|盖章)[）)])?\s*[:：]")


def _total_kind(row: list) -> tuple[str, str] | None:
    """("subtotal" | "total", its label) when one of the row's first three filled cells is a 小计/合计 label.

    A label is short and has a total word at its start or end: 合计, 小计, 分类小计, 账款支付不到位小计,
    小计（3件）, 合计：12 — not a description that happens to contain 合计.
    """
    seen = 0
    for v in row:
        if v is None or v == "":
            continue
        if type(v) is str and "计" in v and len(v) <= 24:  # every total word has 计
            t = norm_text(v)
            head = re.sub(r"[\s:：（(].*$", "", t) or t
            for w in TOTAL_WORDS:
                if t.startswith(w) or head.endswith(w):
                    return ("subtotal" if w == "小计" else "total"), v.strip()
        seen += 1
        if seen >= 3:
            break
    return None


def _is_total(row: list) -> bool:
    """A 合计/小计 row: one of its first three filled cells is a total label."""
    return _total_kind(row) is not None


def _not_a_case(row: list, across: bool, after_total: bool, numbering: frozenset, count_columns: frozenset
                ) -> tuple[str, str] | None:
    """(skip kind, detail) for a sparse row (three filled cells or fewer) that is not a case, else None.

    A text merged across the table is a note (说明：…, 备注：…, or anything below the 合计) or a group title;
    a row with only its 序号 is a pre-numbered blank line; a row of numbers under count or amount columns only
    is a total without the word 合计; a row holding only a date is the footer's date.
    """
    at = [(c, v) for c, v in enumerate(row) if v is not None and v != ""]
    values = [v for _, v in at]
    texts = [norm_text(v) for v in values if isinstance(v, str)]
    if across and len(texts) == 1:
        if texts[0].startswith(_NOTE_START) or after_total:
            return "note", ""
        if any(w in texts[0] for w in ZERO_WORDS):
            return "zero-report", ""
        return "group", ""
    if len(values) == 1 and _date_only(values[0]):  # a date is no 序号, even in the 序号 column (a footer at the left)
        return "date-footer", f"“{_plain(values[0])}”"
    if all(c in numbering for c, _ in at):
        return "numbered-blank", f"第{'、'.join(str(_plain(v)) for v in values)}号，其余各列均为空"
    numbers = [(c, v) for c, v in at if type(v) in (int, float)]
    if len(numbers) == len(at) and all(c in count_columns and c not in numbering for c, _ in numbers):
        return "total", "只有数字，没有问题内容：" + "、".join(str(_plain(v)) for v in values)
    return None


def _plain(v) -> object:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _date_only(v) -> bool:
    """A date cell, or a text that is nothing but a date (2026年11月20日)."""
    if isinstance(v, (dt.date, dt.datetime)):
        return True
    if isinstance(v, str) and 6 <= len(v.strip()) <= 20:
        from taizhang.intake.normalize import parse_date_text

        return parse_date_text(v, None)[0] is not None
    return False


def _row_text(rows: list[list]) -> str:
    return " ".join(str(v) for r in rows for v in r if isinstance(v, str))


def read_submission(path: str | Path, display_name: str | None = None, column_names: dict[str, str] | None = None
                    ) -> SheetRead:
    """Read one file. Never raises for a bad file: problems become findings and ``failed``.

    ``column_names``: the office's own column names (its master's 列名对照, ``fields.column_names_index``)."""
    path = Path(path)
    name = display_name or path.name
    out = SheetRead(file=name, path=path)
    try:
        sniffed = sniff(path, keep_xml=True)
        out.kind = sniffed.kind
        for code, message in sniffed.file_notes:  # opened with Excel's default key, as Excel does
            out.findings.append(finding(code, message, file=name))
        if sniffed.mismatch:
            out.findings.append(finding("file-extension-mismatch", sniffed.mismatch, file=name))
        if sniffed.kind == "csv":
            sheets = [(path.stem, _decode_csv(path), [], set(), set())]
        else:
            sniffed = check_extent(path, sniffed)  # the real extent first: a parser allocates every cell of it
            for sheet, cell, value, message in sniffed.notes:  # stray values far outside the table, left out
                out.findings.append(finding("cell-outside-table", message, file=name, sheet=sheet,
                                            row=int(re.sub(r"\D", "", cell)), column=re.sub(r"\d", "", cell), value=value))
            with native_stderr_to_log():
                sheets = _calamine_sheets(path, sniffed)
    except FileProblem as exc:
        out.findings.append(finding(exc.code, exc.message, file=name))
        out.failed = True
        return out
    except MemoryError:
        out.findings.append(finding("file-too-large", f"{name} 太大，读取时内存不足，已跳过。", file=name))
        out.failed = True
        return out
    except FATAL:
        raise
    except BaseException as exc:  # a parser's panic (pyo3 PanicException is a BaseException) or a bug it tripped
        return unreadable(path, name, exc)

    return read_grids(out, sheets, column_names)


def unreadable(path: Path, name: str, exc: BaseException) -> SheetRead:
    """A failed read for a file whose reading raised anything at all (the last line of defence of a report day)."""
    out = SheetRead(file=name, path=path, failed=True)
    try:
        _calamine_failure(path, exc)
    except FileProblem as problem:
        out.findings.append(finding(problem.code, problem.message, file=name))
    return out


def _rows_below(grid: list[list], start: int) -> int:
    """Non-empty rows from index ``start`` on."""
    return sum(1 for row in grid[start:] if any(v not in (None, "") for v in row))


def _statistics_table(grid: list[list], start: int, mapping: list) -> str | None:
    """What shows that the rows below a header are a statistics table, not cases (None for a ledger).

    A list of cases is mostly text: descriptions, units, names, dates. A table of counts and amounts per
    category or per month (主营业务收入, ∑B …) is mostly numbers and its 问题描述 column, if any, holds no
    descriptions. Looks at the first 200 non-empty rows.
    """
    numbers = cells = 0
    desc = next((i for i, (k, _) in enumerate(mapping) if k == "description"), None)
    described = rows = 0
    for row in grid[start:]:
        filled = [v for v in row if v not in (None, "")]
        if not filled:
            continue
        rows += 1
        cells += len(filled)
        numbers += sum(1 for v in filled if type(v) in (int, float))
        if desc is not None and desc < len(row) and isinstance(row[desc], str) and len(row[desc].strip()) >= 2:
            described += 1
        if rows >= 200:
            break
    if not rows or numbers * 2 < cells:
        return None
    if desc is not None and described * 2 >= rows:
        return None
    return f"{cells}个有内容的单元格中{numbers}个是数字" + ("" if desc is None else "，问题描述列没有文字描述")


def _no_header_message(name: str, sheets: list[tuple], statistics: list[tuple], column_names: dict[str, str] | None = None) -> str:
    """no-ledger-sheet's message: what was looked at, and what the row that looks most like a header holds."""
    from taizhang.fields import BY_KEY, FIELDS

    names = "、".join(f"“{s[0]}”" for s in sheets) or "（无可见工作表）"
    best = None  # (keys, text cells, sheet, row index, cells)
    stats_names = {s[1] for s in statistics}
    for sheet_name, grid, *_ in sheets:
        if sheet_name in stats_names:
            continue
        for i, row in enumerate(grid[:MAX_HEADER_SCAN]):
            texts = [v.strip() for v in row if isinstance(v, str) and v.strip()]
            if len(texts) < 3 or any(len(t) > 20 for t in texts):
                continue
            keys = {k for k, _ in (_match(v, column_names) for v in row) if k}
            if keys and (best is None or (len(keys), len(texts)) > best[:2]):
                best = (len(keys), len(texts), sheet_name, i, row)
    if statistics and best is None:
        return (f"{name} 中没有找到问题清单：工作表{'、'.join(f'“{s[1]}”' for s in statistics)}是统计表（表头下多为数字），"
                f"不是逐件的问题清单（检查了工作表：{names}）。请报送逐件列明问题的台账，使用办公室下发的填报模板。")
    if best is None:
        return (f"{name} 中没有找到台账表头（检查了工作表：{names}）。"
                f"表头应包含“问题编号、责任单位、问题类别、问题描述、办理状态”等列。请使用办公室下发的填报模板。")
    _, _, sheet_name, i, row = best
    found, unknown, keys = [], [], set()
    for v in row:
        if not isinstance(v, str) or not v.strip():
            continue
        key = _match(v, column_names)[0]
        text = v.strip()
        if key and key not in keys:
            keys.add(key)
            header = BY_KEY[key].header
            found.append(text if norm_header(text) == norm_header(header) else f"{text}（{header}）")
        elif not key and norm_header(text) not in IGNORED_HEADERS:
            unknown.append(text)
    missing = [f.header for f in FIELDS if f.required and f.owner == "unit" and f.key not in keys]
    where = f"工作表“{sheet_name}”" if len(sheets) > 1 else ""
    return (f"{name} 中没有找到台账表头：{where}第{i + 1}行像是表头：认出 {'、'.join(found)}"
            + (f"；没有认出 {'、'.join(unknown)}" if unknown else "")
            + (f"；缺少 {'、'.join(missing)}" if missing else "")
            + "。表头至少要认出三列台账字段才能读取。请把列名改为填报模板中的列名（如“问题类别”“办理状态”），或使用办公室下发的填报模板。")


def read_grids(out: SheetRead, sheets: list[tuple], names: dict[str, str] | None = None) -> SheetRead:
    """Find the ledger among visible sheets given as (name, rows, merged ranges, hidden rows, blank formula cells).

    Every sheet with a ledger header and rows below it is read: the one whose header names the most fields
    (then the one with most rows) into ``out``, the others into ``out.more``. A sheet whose case ids all repeat
    those already read (a copy) is named in a finding instead, and a statistics table (numbers under the
    header) is never read as cases.
    """
    name = out.file
    candidates = []
    statistics = []
    for sheet_name, grid, merges, hidden, *rest in sheets:
        found = _find_header(grid, names)
        if not found:
            continue
        stats = _statistics_table(grid, found[0] + found[1], found[2])
        entry = (found, sheet_name, grid, merges, hidden, rest[0] if rest else set())
        (statistics if stats else candidates).append(entry)
        if stats:
            out.findings.append(finding("statistics-sheet", f"工作表“{sheet_name}”第{found[0] + found[1]}行以下{stats}，"
                                        f"是统计表，不是问题清单，未作为问题读取。", file=name, sheet=sheet_name,
                                        row=found[0] + found[1]))
    if not candidates:
        out.findings.append(finding("no-ledger-sheet", _no_header_message(name, sheets, statistics, names), file=name))
        out.failed = True
        return out

    def rank(c):
        return len({k for k, _ in c[0][2] if k}), _rows_below(c[2], c[0][0] + c[0][1])

    if len(candidates) > 1:  # the rows are counted only then: a single sheet costs no pass of its own
        candidates.sort(key=rank, reverse=True)
    _read_sheet(out, *candidates[0])
    read_ids = _case_ids(out) if len(candidates) > 1 else set()  # (the common single sheet: no pass over its ids)
    for c in candidates[1:]:
        n_keys, n_rows = rank(c)
        if not n_rows:
            continue  # an empty copy of the template beside the filled one
        more = SheetRead(file=name, path=out.path, kind=out.kind)
        _read_sheet(more, *c)
        ids = _case_ids(more)
        if ids and ids <= read_ids:  # a copy of cases already read (last month's sheet, a backup copy)
            out.findings.append(finding("sheet-not-read", f"工作表“{c[1]}”（第{more.header_row}行表头，其下{n_rows}行）也像台账，"
                                        f"但其中的问题编号都已在已读取的工作表中（像是同一台账的另一份），未读取。"
                                        f"如其中有本期问题，请并入“{out.sheet}”后重新报送。", file=name, sheet=c[1],
                                        row=more.header_row))
            continue
        more.unit_line = more.unit_line or out.unit_line
        more.date_line = more.date_line or out.date_line
        read_ids |= ids
        out.more.append(more)
    return out


def _case_ids(read: SheetRead) -> set[str]:
    """The 问题编号 written in a sheet's rows, as text."""
    col = read.key_columns().get("case_id")
    if col is None:
        return set()
    return {str(r[col.index]).strip() for _, r in read.rows if col.index < len(r) and r[col.index] not in (None, "")}


def _read_sheet(out: SheetRead, found: tuple, sheet_name: str, grid: list[list], merges, hidden: set[int],
                blank_formulas: set) -> SheetRead:
    """Read one ledger sheet whose header ``found`` is known into ``out``: columns, rows and the rows skipped."""
    name = out.file
    first, nrows, mapping, texts = found
    out.sheet = sheet_name
    header_last = first + nrows - 1
    out.header_row = header_last + 1
    named_columns = sum(1 for t in texts if t)
    across = _fill_merged(grid, merges, len(grid), header_last, max(3, (named_columns + 1) // 2))
    seen_keys: dict[str, str] = {}
    for idx, ((key, factor), text) in enumerate(zip(mapping, texts)):
        letter = col_letter(idx)
        if key and key in seen_keys:
            out.findings.append(finding("duplicate-column", f"“{text}”与{seen_keys[key]}列都对应“{_header_of(key)}”，"
                                        f"只导入第一列（{seen_keys[key]}列）。请删除多余的列。",
                                        file=name, sheet=sheet_name, row=out.header_row, column=letter, header=text))
            key = None
            text = text or ""
        elif key:
            seen_keys[key] = letter
        elif text and norm_header(text) not in IGNORED_HEADERS:
            like = field_like(text)
            hint = (f"如该列就是“{like}”，请改用模板中的列名，或请办公室在台账总表的“列名对照”表中加一行：“{text}”对应“{like}”。"
                    if like else "如是台账字段，请改用模板中的列名，或请办公室在台账总表的“列名对照”表中写明它对应的字段。")
            out.findings.append(finding("unknown-column", f"无法识别列“{text}”，该列已保留在报告中但不会导入台账。{hint}",
                                        file=name, sheet=sheet_name, row=out.header_row, column=letter, header=text))
        out.columns.append(Column(idx, letter, text, key, factor))
    above = grid[:first]
    out.date_line = next((m.group(1) for row in above for v in row if isinstance(v, str)
                          for m in [_DATE_LINE.search(v)] if m), None)
    for row in above:
        for v in row:
            if isinstance(v, str):
                m = _UNIT_LINE.search(v.strip())
                if m and m.group(1).strip():
                    out.unit_line = m.group(1).strip()
                    break
        if out.unit_line:
            break
    header_score = len(seen_keys)
    formula_cols: dict[int, list[int]] = {}
    for r_, c_ in sorted(blank_formulas):
        formula_cols.setdefault(r_, []).append(c_)
    header_cells = [v for i in range(first, header_last + 1) for v in grid[i] if isinstance(v, str) and v.strip()]
    header_texts = {v.strip() for v in header_cells}
    header_any = header_texts | set(header_cells)  # as written and stripped: one set lookup per row below
    repeat_needs = max(3, int(header_score * 0.6))
    trailing = []
    after_total = False  # below a 合计: sparse rows are notes, full rows are cases again (a 合计 of one group)

    numbering = frozenset(c.index for c in out.columns if not c.key and norm_header(c.header) in IGNORED_HEADERS)
    count_columns = frozenset(c.index for c in out.columns if c.key is None or BY_KEY[c.key].kind in ("amount", "percent", "int"))

    def skip(excel_row: int, kind: str, detail: str = "") -> None:
        out.skipped.append((excel_row, kind, SKIP_KINDS[kind] + (f"（{detail}）" if detail else "")))

    for i in range(header_last + 1, len(grid)):
        row = grid[i]
        excel_row = i + 1
        filled = len(row) - row.count(None) - row.count("")
        if not filled:
            continue
        if excel_row in hidden:
            skip(excel_row, "hidden", "隐藏的行不导入，如是问题请取消隐藏")
            continue
        total = _total_kind(row)
        if total:
            skip(excel_row, total[0], f"“{total[1][:20]}”")
            trailing.append(row)
            after_total = after_total or total[0] == "total"
            continue
        if filled <= 3:
            kind = _not_a_case(row, i in across, after_total, numbering, count_columns)
            if kind:
                nonempty = [v for v in row if v not in (None, "")]
                if kind[0] == "zero-report":
                    out.zero_report = True
                skip(excel_row, kind[0], kind[1] or f"“{str(nonempty[0])[:20]}”")
                if kind[0] in ("note", "total"):
                    trailing.append(row)
                    after_total = after_total or kind[0] == "total"
                continue
        if len(header_any.intersection(row)) >= min(repeat_needs, 2) and \
                sum(1 for v in row if isinstance(v, str) and v.strip() in header_texts) >= repeat_needs:
            out.findings.append(finding("repeated-header", f"第{excel_row}行又是一行表头（可能粘贴了第二张表），已跳过该行，其后的行照常读取。",
                                        file=name, sheet=sheet_name, row=excel_row))
            skip(excel_row, "repeated-header")
            continue
        if filled <= 2:
            nonempty = [v for v in row if v not in (None, "")]
            texts = [norm_text(v) for v in nonempty if isinstance(v, str)]
            if any(w in t for t in texts for w in ZERO_WORDS):
                out.zero_report = True
                skip(excel_row, "zero-report", f"“{str(nonempty[0])[:20]}”")
                continue
            if (len(nonempty) == 1 and texts and (texts[0].startswith(("注", "说明", "填表说明", "备注:", "备注：")) or after_total)) \
                    or any(_FOOTER.match(t) for t in texts):
                skip(excel_row, "note", f"“{str(nonempty[0])[:20]}”")
                trailing.append(row)
                continue
        for c_ in formula_cols.get(excel_row, ()):
            if c_ < len(out.columns) and out.columns[c_].key:
                out.findings.append(finding("formula-no-value", f"{out.columns[c_].letter}{excel_row} 是公式，但文件中没有保存计算结果，"
                                            f"台账助手不会执行公式，该格按空值处理。请在 Excel 中打开并保存后重新报送，或改为直接填写数值。",
                                            file=name, sheet=sheet_name, row=excel_row, column=out.columns[c_].letter,
                                            header=out.columns[c_].header))
        out.rows.append((excel_row, row))
    if not out.rows and any(w in _row_text(above + trailing) for w in ZERO_WORDS):
        out.zero_report = True
    return out


def _header_of(key: str) -> str:
    from taizhang.fields import BY_KEY

    return BY_KEY[key].header


def _calamine_sheets(path: Path, sniffed: Sniffed):
    """Every visible worksheet by calamine; an .xlsx calamine cannot open (a workbook part not at
    xl/workbook.xml, Excel 4.0 macro sheets…) is read by openpyxl instead."""
    try:
        return _calamine_sheets_once(path, sniffed)
    except FileProblem as problem:
        if sniffed.kind != "xlsx" or problem.code != "file-unreadable":
            raise
        try:
            return _openpyxl_sheets(path, sniffed)
        except FATAL:
            raise
        except BaseException as exc:
            from taizhang.xlsx.safety import log_original

            log_original(f"reading {path.name} with openpyxl", exc)
            raise problem from None


def _openpyxl_sheets(path: Path, sniffed: Sniffed):
    """The visible worksheets as calamine would give them (grid from A1, merged ranges, hidden rows)."""
    import warnings

    from openpyxl import load_workbook

    from taizhang.xlsx.numfmt import is_percent_format, mark_percent

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns (in English) about parts it does not know: not the unit's concern
        wb = load_workbook(io.BytesIO(sniffed.data or path.read_bytes()), data_only=True)
    sheets = []
    try:
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            grid, percent = [], set()
            for r, row in enumerate(ws.iter_rows(min_row=1, min_col=1, max_row=ws.max_row, max_col=ws.max_column)):
                grid.append(["" if c.value is None else c.value for c in row])
                percent.update((r, j) for j, c in enumerate(row) if c.value is not None and is_percent_format(c.number_format))
            mark_percent(grid, percent)  # a 100% cell is 1 with a % format, on this path too (xlsx.numfmt)
            merges = [((m.min_row - 1, m.min_col - 1), (m.max_row - 1, m.max_col - 1)) for m in ws.merged_cells.ranges]
            ref = ws.auto_filter.ref if ws.auto_filter is not None else None
            filtered = _filter_rows(f'<autoFilter ref="{ref}"'.encode()) if ref else range(0)
            hidden = {r for r, dim in ws.row_dimensions.items() if dim.hidden and r not in filtered}
            sheets.append((ws.title, grid, merges, hidden, set()))
    finally:
        wb.close()
    return sheets


def _calamine_sheets_once(path: Path, sniffed: Sniffed):
    from taizhang.xlsx.numfmt import mark_percent, ods_percent_cells, percent_cells, xls_percent_cells

    wb = open_calamine(path, sniffed)
    facts = _xlsx_sheet_facts(path, sniffed.parts, sniffed.data) if sniffed.kind == "xlsx" else {}
    if sniffed.kind in ("ods", "xls"):  # calamine reports no hidden rows: read them as for .xlsx
        hidden_rows = (_ods_hidden_rows if sniffed.kind == "ods" else _xls_hidden_rows)(path, sniffed.data)
        facts = {sheet: (rows, set()) for sheet, rows in hidden_rows.items()}
    sheets = []
    try:
        percent = (percent_cells(path, sniffed.parts, sniffed.data) if sniffed.kind == "xlsx" else
                   ods_percent_cells(path, sniffed.data) if sniffed.kind == "ods" else
                   xls_percent_cells(path, sniffed.data) if sniffed.kind == "xls" else {})
        for meta in wb.sheets_metadata:
            if not str(meta.visible).endswith(".Visible") and str(meta.visible) != "Visible":
                continue
            if "Worksheet" not in str(meta.typ) and "WorkSheet" not in str(meta.typ):
                continue
            try:
                sheet = wb.get_sheet_by_name(meta.name)
                grid = [list(r) for r in sheet.to_python(skip_empty_area=False)]
                merges = getattr(sheet, "merged_cell_ranges", None) or []
            except FATAL:
                raise
            except BaseException as exc:  # a broken sheet among good ones (a Rust panic is a BaseException)
                _calamine_failure(path, exc, meta.name)
            hidden, blank_formulas = facts.get(meta.name, (set(), set()))
            mark_percent(grid, percent.get(meta.name))  # a 100% cell is 1 with a % format: say so (xlsx.numfmt)
            sheets.append((meta.name, grid, merges, hidden, blank_formulas))
    finally:
        wb.close()
    return sheets


_SAVED = re.compile(rb"<(?:\w+:)?(?:modified|date)\b[^>]*>\s*(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})")


def saved_at(path: str | Path) -> dt.datetime | None:
    """When the file was last saved, as the application wrote it inside the file: docProps/core.xml's
    ``dcterms:modified`` (.xlsx/.xlsm) or meta.xml's ``dc:date`` (.ods); None for other formats or when absent.

    Unlike the file system's modification time, this travels with the content: copying, mailing or unzipping
    a file does not change it. Only a package vetted by ``xlsx.safety`` is opened, and only a small part is read.
    """
    try:
        with zipfile.ZipFile(path) as z:
            for part in ("docProps/core.xml", "meta.xml"):
                try:
                    info = z.getinfo(part)
                except KeyError:
                    continue
                if info.file_size > 1 << 20:
                    return None
                m = _SAVED.search(z.read(info))
                if m:
                    return dt.datetime.fromisoformat(m.group(1).decode("ascii"))
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError, NotImplementedError):
        return None
    return None
