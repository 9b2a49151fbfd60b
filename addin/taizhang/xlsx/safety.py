"""Look at a file before parsing it: what it really is, and whether it is safe.

Submissions come from units taizhang does not control. Before any parser
touches a file we check its first bytes (not its extension), refuse
encrypted packages, zip bombs and XML entity declarations, and skip Excel's
lock files. Each refusal is a ``FileProblem`` with a finding code and a
Chinese message that says what to do.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from taizhang.errors import UserError

MAX_UNCOMPRESSED = 512 * 1024 * 1024  # a ledger never needs more than this inflated
MAX_RATIO = 200  # inflation ratio of one part beyond which it is a bomb
MAX_FILE = 200 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".xlsb", ".et"}
_ENTITY = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


class FileProblem(UserError):
    """A file that must not or cannot be parsed; ``code`` is its finding code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Sniffed:
    kind: str  # xlsx, xls, ods, csv
    mismatch: str = ""  # non-empty when the extension says otherwise
    parts: dict = field(default_factory=dict)  # xlsx: workbook, its rels and the worksheets, as inflated while vetting
    data: bytes | None = None  # the bytes to parse when they differ from the file's (a repaired or trimmed copy)
    notes: tuple = ()  # (code, message) findings about what the repair or trim changed


KEPT_PARTS_MAX = 64 * 1024 * 1024  # keep inflated sheet XML for the reader up to this size, instead of inflating twice


def is_lock_or_temp(path: Path) -> bool:
    n = path.name
    return n.startswith(("~$", ".~lock.", ".~taizhang")) or n.endswith(("#", ".tmp", ".TMP", ".bak")) or n.startswith("._")


def sniff(path: Path, keep_xml: bool = False) -> Sniffed:
    """Identify and vet a file; raises FileProblem for anything not to be parsed.

    ``keep_xml`` keeps the workbook and worksheet XML inflated while vetting (see ``Sniffed.parts``).
    """
    name = path.name
    if is_lock_or_temp(path):
        raise FileProblem("file-skipped", f"{name} 是 Excel/WPS 的锁定或临时文件，不是报送表，已跳过。")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
    except PermissionError:
        raise FileProblem("file-unreadable", f"{name} 无法读取：没有权限或文件正被其他程序独占。请关闭该文件或复制一份后重试。") from None
    except OSError as exc:
        raise FileProblem("file-unreadable", f"{name} 无法读取（{exc.strerror}）。请重新拷贝该文件后重试。") from None
    if size == 0:
        raise FileProblem("file-empty", f"{name} 是空文件（0 字节），可能拷贝或下载未完成。请让报送单位重新发送。")
    if size > MAX_FILE:
        raise FileProblem("file-too-large", f"{name} 大小为 {size // 1048576} MB，超出台账文件的合理大小，已拒绝。请核实文件内容。")
    suffix = path.suffix.lower()
    parts: dict[str, bytes] = {}
    if head.startswith(ZIP_MAGIC):
        kind = _vet_zip(path, parts if keep_xml else None)
    elif head.startswith(OLE_MAGIC):
        kind = _vet_ole(path)
    elif suffix == ".csv":
        kind = "csv"
    else:
        with open(path, "rb") as fh:
            start = fh.read(512).lstrip().lower()
        if start.startswith((b"<html", b"<!doctype html", b"<?xml", b"<table")):
            raise FileProblem("file-not-workbook", f"{name} 实际上是网页（HTML/XML）文件，只是扩展名为 {suffix}。"
                                                   f"请在 Excel 中打开后“另存为”Excel 工作簿（.xlsx）再报送。")
        raise FileProblem("file-not-workbook", f"{name} 不是 Excel 或 WPS 表格文件（文件内容无法识别）。请报送 .xlsx 格式的台账。")
    expected = {"xlsx": {".xlsx", ".xlsm", ".xltx", ".xltm"}, "xls": {".xls", ".et"}, "ods": {".ods"}, "csv": {".csv"}}[kind]
    mismatch = "" if suffix in expected else f"{name} 的扩展名为 {suffix or '（无）'}，但内容是 {kind} 格式，已按实际格式读取。"
    return Sniffed(kind, mismatch, parts)


def _vet_zip(path: Path, keep: dict[str, bytes] | None = None) -> str:
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            total = sum(i.file_size for i in infos)
            for i in infos:
                if i.file_size > MAX_UNCOMPRESSED or (i.compress_size and i.file_size / i.compress_size > MAX_RATIO and i.file_size > 20 * 1024 * 1024):
                    raise FileProblem("file-too-large", f"{name} 中的 {i.filename} 解压后达 {i.file_size // 1048576} MB（压缩比异常），"
                                                        f"疑似“压缩炸弹”，已拒绝读取。请让报送单位重新导出文件。")
            if total > MAX_UNCOMPRESSED:
                raise FileProblem("file-too-large", f"{name} 解压后共 {total // 1048576} MB，超出台账文件的合理大小，已拒绝读取。")
            if "mimetype" in names:
                mt = zf.read("mimetype")[:100]
                if b"spreadsheet" in mt:
                    kind = "ods"
                else:
                    raise FileProblem("file-not-workbook", f"{name} 是 OpenDocument 文字或演示文档，不是表格。请报送表格文件。")
            elif "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                if "xl/workbook.bin" in names:
                    raise FileProblem("file-not-workbook", f"{name} 是 Excel 二进制工作簿（.xlsb），暂不支持。请在 Excel 中另存为 .xlsx 后重试。")
                kind = "xlsx"
            elif any(n.startswith("word/") for n in names):
                raise FileProblem("file-not-workbook", f"{name} 是 Word 文档（只是扩展名像表格）。请报送 Excel 台账。")
            elif any(n.startswith("ppt/") for n in names):
                raise FileProblem("file-not-workbook", f"{name} 是 PowerPoint 演示文稿，不是表格。请报送 Excel 台账。")
            else:
                raise FileProblem("file-not-workbook", f"{name} 是压缩包，不是 Excel 工作簿。请解压后报送其中的台账文件。")
            _inflate_with_cap(zf, infos, name, keep if kind == "xlsx" else None)
    except zipfile.BadZipFile:
        raise FileProblem("file-unreadable", f"{name} 已损坏（压缩结构不完整，可能传输中断或被截断）。请让报送单位重新发送。") from None
    except (OSError, EOFError, zipfile.LargeZipFile, NotImplementedError, RuntimeError, zlib.error) as exc:
        raise FileProblem("file-unreadable", f"{name} 已损坏，无法解压（{exc}）。请让报送单位重新发送。") from None
    return kind


def _wanted(part: str) -> bool:
    return part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels") or (
        part.startswith("xl/worksheets/") and part.endswith(".xml"))


def _inflate_with_cap(zf: zipfile.ZipFile, infos, name: str, keep: dict[str, bytes] | None = None) -> None:
    """Inflate every part once, counting real bytes (declared sizes can lie), and look for entity declarations.

    With ``keep``, the workbook and worksheet XML are kept (up to KEPT_PARTS_MAX) for the reader.
    """
    total = 0
    kept = 0
    for i in infos:
        pieces = [] if keep is not None and _wanted(i.filename) and kept + i.file_size <= KEPT_PARTS_MAX else None
        with zf.open(i) as fh:
            first = True
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                if pieces is not None:
                    pieces.append(chunk)
                if first and i.filename.endswith((".xml", ".rels")) and _ENTITY.search(chunk[:4096]):
                    raise FileProblem("file-too-large", f"{name} 的 {i.filename} 含有 XML 实体声明（可用于“实体炸弹”攻击），"
                                                        f"正常的 Excel 文件不会有。已拒绝读取，请让报送单位用 Excel 重新保存。")
                first = False
                total += len(chunk)
                if total > MAX_UNCOMPRESSED:
                    raise FileProblem("file-too-large", f"{name} 解压后超过 {MAX_UNCOMPRESSED // 1048576} MB（文件声明的大小与实际不符），"
                                                        f"疑似“压缩炸弹”，已拒绝读取。请让报送单位重新导出文件。")
        if pieces is not None:
            keep[i.filename] = b"".join(pieces)
            kept += len(keep[i.filename])


def _vet_ole(path: Path) -> str:
    import olefile

    name = path.name
    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(s) for s in ole.listdir()}
    except Exception as exc:  # olefile raises plain OSError/IOError subclasses and its own errors
        raise FileProblem("file-unreadable", f"{name} 已损坏（{exc}）。请让报送单位重新发送。") from None
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        raise FileProblem("file-encrypted", f"{name} 设置了打开密码，台账助手无法读取。"
                                            f"请让报送单位取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后重新报送，"
                                            f"或由办公室输入密码打开后另存一份不加密的副本。")
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    if "WordDocument" in streams:
        raise FileProblem("file-not-workbook", f"{name} 是 Word 文档（.doc），不是表格。请报送 Excel 台账。")
    raise FileProblem("file-not-workbook", f"{name} 是 Office 复合文档，但不是 Excel 工作簿。请报送 Excel 台账。")
