"""Look at a file before parsing it: what it really is, and whether it is safe.

Submissions come from units taizhang does not control. Before any parser
touches a file we check its first bytes (not its extension), refuse
encrypted packages, zip bombs and XML entity declarations, and skip Excel's
lock files. Each refusal is a ``FileProblem`` with a finding code and a
Chinese message that says what to do.

An encrypted file is first tried with Excel's built-in key "VelvetSweatshop",
as Excel does: Excel encrypts a .xls with it when a unit sets only a password
to modify (修改权限密码) or protects the workbook structure, and opens such a
file without asking. Decrypted in memory (msoffcrypto-tool), the file is vetted
again like any other and parsed from ``Sniffed.data``; a real open password is
still refused as ``file-encrypted``.

The pieces of evidence units send beside their ledgers (``book.evidence``) are vetted here too, never parsed:
``name_problem`` (traversal, absolute paths, control characters, device names), ``entry_problem`` for an archive
entry (its name, a symbolic link, encryption, a declared size or ratio of a bomb) and ``read_entry``, which counts
the bytes that really inflate.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from taizhang.errors import UserError
from taizhang.findings import col_letter

MAX_UNCOMPRESSED = 512 * 1024 * 1024  # a ledger never needs more than this inflated
MAX_RATIO = 200  # inflation ratio of one part beyond which it is a bomb
MAX_FILE = 200 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".xlsb", ".et"}
_ENTITY = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
XML_SUFFIXES = (".xml", ".rels", ".vml")


class FileProblem(UserError):
    """A file that must not or cannot be parsed; ``code`` is its finding code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def log_original(context: str, exc: BaseException) -> None:
    """Keep a library's own (English) error text in the log, where the user's message only says what to do."""
    import datetime as dt

    from taizhang.errors import log_path, private_opener

    try:
        with open(log_path(), "a", encoding="utf-8", opener=private_opener) as fh:
            fh.write(f"\n=== {dt.datetime.now().isoformat(timespec='seconds')} {context}: "
                     f"{type(exc).__module__}.{type(exc).__name__}: {str(exc)[:2000]}\n")
    except OSError:  # no writable log folder: the message shown to the user still stands
        pass


@dataclass(frozen=True)
class Sniffed:
    kind: str  # xlsx, xls, ods, csv
    mismatch: str = ""  # non-empty when the extension says otherwise
    parts: dict = field(default_factory=dict)  # xlsx: workbook, its rels and the worksheets, as inflated while vetting
    data: bytes | None = None  # the bytes to parse when they differ from the file's (a repaired, trimmed or decrypted copy)
    notes: tuple = ()  # (sheet, cell, value, message): values far outside the table that the trimmed copy leaves out
    file_notes: tuple = ()  # (code, message): findings about the file as a whole (opened with Excel's default key)


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
        

        log_original(f"opening {name}", exc)
        why = "文件不存在或已被移走" if isinstance(exc, FileNotFoundError) else "磁盘或网络共享读取出错"
        raise FileProblem("file-unreadable", f"{name} 无法读取（{why}）。请重新拷贝该文件后重试。") from None
    if size == 0:
        raise FileProblem("file-empty", f"{name} 是空文件（0 字节），可能拷贝或下载未完成。请让报送单位重新发送。")
    if size > MAX_FILE:
        raise FileProblem("file-too-large", f"{name} 大小为 {size // 1048576} MB，超出台账文件的合理大小，已拒绝。请核实文件内容。")
    suffix = path.suffix.lower()
    parts: dict[str, bytes] = {}
    repaired: list[bytes] = []  # a copy to parse instead of the file (part names or stream names put right, decrypted)
    file_notes: list[tuple[str, str]] = []
    if head.startswith(ZIP_MAGIC):
        kind = _vet_zip(path, parts if keep_xml else None, repaired)
    elif head.startswith(OLE_MAGIC):
        kind = _vet_ole(path, repaired, parts if keep_xml else None, file_notes)
    elif suffix == ".csv":
        kind = "csv"
    elif _is_old_biff(head):
        raise FileProblem("file-too-old", f"{name} 是很旧的 Excel 格式（Excel 2.x–4.0，1987—1994 年的版本），台账助手无法读取。"
                                          f"请让报送单位用 Excel 或 WPS 打开后“另存为”Excel 工作簿（.xlsx）再报送。")
    else:
        with open(path, "rb") as fh:
            start = fh.read(512).lstrip().lower()
        if start.startswith((b"<html", b"<!doctype html", b"<?xml", b"<table")):
            raise FileProblem("file-not-workbook", f"{name} 实际上是网页（HTML/XML）文件，只是扩展名为 {suffix}。"
                                                   f"请在 Excel 中打开后“另存为”Excel 工作簿（.xlsx）再报送。")
        raise FileProblem("file-not-workbook", f"{name} 不是 Excel 或 WPS 表格文件（文件内容无法识别）。请报送 .xlsx 格式的台账。")
    expected = {"xlsx": {".xlsx", ".xlsm", ".xltx", ".xltm"}, "xls": {".xls", ".et"}, "ods": {".ods"}, "csv": {".csv"}}[kind]
    mismatch = "" if suffix in expected else f"{name} 的扩展名为 {suffix or '（无）'}，但内容是 {kind} 格式，已按实际格式读取。"
    return Sniffed(kind, mismatch, parts, repaired[0] if repaired else None, file_notes=tuple(file_notes))


def _is_old_biff(head: bytes) -> bool:
    """A bare BIFF2/3/4 stream (Excel 2.x–4.0 saved no OLE container): a BOF record of that version first."""
    import struct

    if len(head) < 6:
        return False
    rtype, size, version = struct.unpack_from("<HHH", head)
    return (rtype == 0x0009 and size == 4) or (rtype in (0x0209, 0x0409) and size == 6) or \
        (rtype == 0x0809 and size in (8, 16) and version in (0x0000, 0x0200, 0x0300, 0x0400))


def _office_document(zf: zipfile.ZipFile, names: set[str]) -> str:
    """The workbook part named by the package's own relationships (_rels/.rels), or ''."""
    rels = next((n for n in zf.namelist() if n.replace("\\", "/") == "_rels/.rels"), None)
    if rels is None:
        return ""
    data = zf.read(rels)
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", data):
        if re.search(rb'Type="[^"]*/officeDocument"', tag):
            target = re.search(rb'Target="([^"]+)"', tag)
            if target:
                t = target.group(1).decode("utf-8", "replace").replace("\\", "/").lstrip("/")
                return t if t in names else ""
    return ""


def _normalised_zip(zf: zipfile.ZipFile) -> bytes:
    """The package again with '/' in every part name (some generators write 'xl\\workbook.xml')."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in zf.infolist():
            dst.writestr(info.filename.replace("\\", "/"), zf.read(info))
    return out.getvalue()


def _vet_zip(path: Path, keep: dict[str, bytes] | None = None, repaired: list | None = None,
             data: bytes | None = None) -> str:
    """Vet the package at ``path``, or ``data`` when given (a decrypted copy of it)."""
    name = path.name
    try:
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as zf:
            infos = zf.infolist()
            names = {i.filename.replace("\\", "/") for i in infos}
            main = _office_document(zf, names)
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
                if "META-INF/manifest.xml" in names and b"encryption-data" in zf.read("META-INF/manifest.xml"):
                    raise FileProblem("file-encrypted", f"{name} 设置了打开密码，台账助手无法读取。请让报送单位取消密码"
                                                        f"（WPS 或 LibreOffice：文件→另存为，不勾选“使用密码保存”）后重新报送，"
                                                        f"或由办公室输入密码打开后另存一份不加密的副本。")
            elif main.startswith(("word/", "ppt/")) or (not main.startswith("xl/") and "xl/workbook.xml" not in names
                                                         and any(n.startswith(("word/", "ppt/")) for n in names)):
                _not_a_workbook(name, path.suffix.lower(), "word" if main.startswith("word/") or (
                    not main.startswith("ppt/") and any(n.startswith("word/") for n in names)) else "ppt")
            elif "xl/workbook.xml" in names or "xl/workbook.bin" in names or main.endswith((".xml", ".bin")):
                if "xl/workbook.bin" in names or main.endswith(".bin"):
                    raise FileProblem("file-not-workbook", f"{name} 是 Excel 二进制工作簿（.xlsb），暂不支持。请在 Excel 中另存为 .xlsx 后重试。")
                kind = "xlsx"
            elif any(n.startswith("word/") for n in names):
                raise FileProblem("file-not-workbook", f"{name} 是 Word 文档（只是扩展名像表格）。请报送 Excel 台账。")
            elif any(n.startswith("ppt/") for n in names):
                raise FileProblem("file-not-workbook", f"{name} 是 PowerPoint 演示文稿，不是表格。请报送 Excel 台账。")
            else:
                raise FileProblem("file-not-workbook", f"{name} 是压缩包，不是 Excel 工作簿。请解压后报送其中的台账文件。")
            _inflate_with_cap(zf, infos, name, keep if kind == "xlsx" else None)
            if any("\\" in i.filename for i in infos) and repaired is not None:
                repaired.append(_normalised_zip(zf))
                if keep:
                    for k in list(keep):
                        keep[k.replace("\\", "/")] = keep.pop(k)
    except zipfile.BadZipFile:
        raise FileProblem("file-unreadable", f"{name} 已损坏（压缩结构不完整，可能传输中断或被截断）。请让报送单位重新发送。") from None
    except (OSError, EOFError, zipfile.LargeZipFile, NotImplementedError, RuntimeError, zlib.error) as exc:
        

        log_original(f"unpacking {name}", exc)
        raise FileProblem("file-unreadable", f"{name} 已损坏，无法解压（压缩数据不完整或使用了不支持的压缩方式）。"
                                             f"请让报送单位用 Excel 打开确认后重新保存并报送。") from None
    return kind


def _not_a_workbook(name: str, suffix: str, kind: str) -> None:
    """A Word or PowerPoint package (found by its main part, before anything calls it a damaged workbook)."""
    what, own = ("Word 文档", (".docx", ".docm", ".dotx", ".dotm")) if kind == "word" else \
        ("PowerPoint 演示文稿", (".pptx", ".pptm", ".potx", ".ppsx"))
    renamed = "（改了扩展名）" if suffix not in own else ""
    raise FileProblem("file-not-workbook", f"{name}：这是 {what}{renamed}，不是 Excel 表格，台账助手无法从中读取台账。"
                                           f"请让报送单位把台账填在 Excel 或 WPS 表格中，另存为 .xlsx 后报送（只改扩展名不能变成表格）。")


def _wanted(part: str) -> bool:
    part = part.replace("\\", "/")
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
            first, prolog, tail, xml = True, None, b"", False
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                if pieces is not None:
                    pieces.append(chunk)
                if first:
                    xml = _xml_part(i.filename, chunk)
                    prolog = _Prolog() if xml else None
                if xml and (prolog is not None and not prolog.feed(chunk) or _ENTITY.search(tail + chunk)):
                    raise FileProblem("file-too-large", f"{name} 的 {i.filename} 含有 XML 文档类型或实体声明（可用于“实体炸弹”攻击），"
                                                        f"正常的 Excel 文件不会有。已拒绝读取，请让报送单位用 Excel 重新保存。")
                if prolog is not None and prolog.done:
                    prolog = None
                tail = chunk[-16:]
                first = False
                total += len(chunk)
                if total > MAX_UNCOMPRESSED:
                    raise FileProblem("file-too-large", f"{name} 解压后超过 {MAX_UNCOMPRESSED // 1048576} MB（文件声明的大小与实际不符），"
                                                        f"疑似“压缩炸弹”，已拒绝读取。请让报送单位重新导出文件。")
            if prolog is not None and not prolog.feed(b""):  # a part that ends inside its prolog
                raise FileProblem("file-too-large", f"{name} 的 {i.filename} 含有 XML 文档类型或实体声明（可用于“实体炸弹”攻击），"
                                                    f"正常的 Excel 文件不会有。已拒绝读取，请让报送单位用 Excel 重新保存。")
        if pieces is not None:
            keep[i.filename] = b"".join(pieces)
            kept += len(keep[i.filename])


def _xml_part(part: str, first: bytes) -> bool:
    """A part a parser may read as XML: named so, or (a sheet can be named anything in the relationships) starting
    with "<" in UTF-8, UTF-16 or UTF-32; pictures (an .svg is XML too) are never parsed and not looked at."""
    low = part.lower().replace("\\", "/")
    if low.endswith(XML_SUFFIXES):
        return True
    if "/media/" in low or low.endswith((".svg", ".svgz", ".htm", ".html")):
        return False
    head = first[:8].lstrip(b" \t\r\n")
    return head.startswith((b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00<", b"\x00\x00\x00<"))


class _Prolog:
    """An XML part's prolog (everything before the root element), read as the part streams in, however long.

    The prolog may hold only the XML declaration, processing instructions, comments and white space; a document
    type declaration (and with it any entity) is refused, even after a megabyte of comments. The text is decoded
    as the parser would (UTF-8, UTF-16 or UTF-32 by its first bytes), so a declaration in UTF-16 is seen too.
    ``feed`` returns False on a declaration; ``done`` is set once the root element starts."""

    def __init__(self) -> None:
        self.decoder = None
        self.buf = ""
        self.state = "top"  # top, pi, comment
        self.done = False
        self.head = b""

    def _encoding(self, head: bytes) -> str:
        if head.startswith((b"\x00\x00\xfe\xff", b"\x00\x00\x00<")):
            return "utf-32-be"
        if head.startswith((b"\xff\xfe\x00\x00", b"<\x00\x00\x00")):
            return "utf-32-le"
        if head.startswith((b"\xff\xfe", b"<\x00")):
            return "utf-16-le"
        if head.startswith((b"\xfe\xff", b"\x00<")):
            return "utf-16-be"
        return "utf-8"

    def feed(self, chunk: bytes) -> bool:
        import codecs

        if self.done:
            return True
        if self.decoder is None:
            self.head += chunk
            if len(self.head) < 4 and chunk:
                return True
            self.decoder = codecs.getincrementaldecoder(self._encoding(self.head))("replace")
            chunk, self.head = self.head, b""
        self.buf += self.decoder.decode(chunk, final=not chunk)
        while True:
            if self.state == "pi":
                end = self.buf.find("?>")
                if end < 0:
                    self.buf = self.buf[-1:]
                    return True
                self.buf, self.state = self.buf[end + 2:], "top"
            elif self.state == "comment":
                end = self.buf.find("-->")
                if end < 0:
                    self.buf = self.buf[-2:]
                    return True
                self.buf, self.state = self.buf[end + 3:], "top"
            self.buf = self.buf.lstrip(" \t\r\n\ufeff")
            if not self.buf or (self.buf.startswith("<") and len(self.buf) < 4 and chunk):
                return True  # more to come
            if self.buf.startswith("<?"):
                self.buf, self.state = self.buf[2:], "pi"
            elif self.buf.startswith("<!--"):
                self.buf, self.state = self.buf[4:], "comment"
            elif self.buf.startswith("<!"):
                return False  # <!DOCTYPE (or any other declaration): not in a part Excel writes
            else:
                self.done, self.buf = True, ""  # the root element (or text no parser accepts)
                return True


def _vet_ole(path: Path, repaired: list | None = None, keep: dict[str, bytes] | None = None,
             file_notes: list | None = None, data: bytes | None = None) -> str:
    """Vet the compound file at ``path``, or ``data`` when given (a decrypted copy of it, tried no further)."""
    import olefile

    name = path.name
    try:
        with olefile.OleFileIO(data if data is not None else str(path)) as ole:
            streams = {"/".join(s) for s in ole.listdir()}
            book = next((s for s in streams if s.lower() in ("workbook", "book")), None)
            globals_ = _biff_globals(ole.openstream(book)) if book else b""
    except FileProblem:
        raise
    except Exception as exc:  # olefile raises OSError, struct errors, its own errors…: the container is broken
        

        log_original(f"vetting {name}", exc)
        raise FileProblem("file-unreadable", f"{name} 已损坏（Office 复合文档结构不完整，可能传输中断或被截断）。"
                                             f"请让报送单位用 Excel 或 WPS 打开确认后重新保存并报送。") from None
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams or globals_ == b"FILEPASS":
        plain = _decrypt_default_key(path) if data is None else None  # a decrypted copy still encrypted is not tried again
        if plain is None:
            raise FileProblem("file-encrypted", f"{name} 设置了打开密码，台账助手无法读取。"
                                                f"请让报送单位取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后重新报送，"
                                                f"或由办公室输入密码打开后另存一份不加密的副本。")
        return _vet_decrypted(path, plain, repaired, keep, file_notes)
    if book:
        if book not in ("Workbook", "Book") and repaired is not None:
            repaired.append(_renamed_stream(data if data is not None else path.read_bytes(), book))
        return "xls"
    if "WordDocument" in streams:
        raise FileProblem("file-not-workbook", f"{name} 是 Word 文档（.doc），不是表格。请报送 Excel 台账。")
    raise FileProblem("file-not-workbook", f"{name} 是 Office 复合文档，但不是 Excel 工作簿。请报送 Excel 台账。")


# --- files encrypted with Excel's built-in key ---------------------------------------------------------------
DEFAULT_PASSWORD = "VelvetSweatshop"  # the key Excel encrypts with when no open password is set, and tries first on opening
MAX_SPIN_COUNT = 1_000_000  # hashing rounds of an agile-encrypted package's key (Excel writes 100000; the format allows 10 million)
# a .xls workbook stream decrypted in memory: msoffcrypto-tool walks it byte by byte (a 16 MB stream, 60,000 rows × 16
# columns and near the format's 65,536-row limit, took 7 s and 260 MB); twice that is more than any .xls ledger needs
MAX_DECRYPTED_XLS = 32 * 1024 * 1024


def _decrypt_default_key(path: Path) -> bytes | None:
    """The file decrypted with Excel's default key, or None when that key does not open it (a real open password,
    or an encryption msoffcrypto-tool does not know). The key is verified before anything is decrypted; the
    decrypted bytes stay in memory (msoffcrypto-tool's own scratch copy of a .xls is an anonymous temporary file)."""
    try:
        import msoffcrypto
        from msoffcrypto.format.ooxml import OOXMLFile
        from msoffcrypto.format.xls97 import Xls97File
    except ImportError:  # an installation without it: the file is refused as encrypted, as before
        return None
    name = path.name
    try:
        with open(path, "rb") as fh:
            office = msoffcrypto.OfficeFile(fh)
            if isinstance(office, OOXMLFile):
                if office.type == "agile" and office.info["spinValue"] > MAX_SPIN_COUNT:
                    return None  # not Excel's default key setting: hashing would take minutes for nothing
                office.load_key(password=DEFAULT_PASSWORD, verify_password=True)
            elif isinstance(office, Xls97File):
                office.load_key(password=DEFAULT_PASSWORD)  # verifies the key against the FilePass record
                if office.ole.get_size("Workbook") > MAX_DECRYPTED_XLS:
                    raise FileProblem("file-too-large", f"{name} 用 Excel 的默认密钥加密，解密后超过 {MAX_DECRYPTED_XLS // 1048576} MB，"
                                                        f"超出台账文件的合理大小，已拒绝读取。请让报送单位另存为 .xlsx 后重新报送。")
            else:
                return None
            out = io.BytesIO()
            office.decrypt(out)
    except FileProblem:
        raise
    except Exception as exc:  # InvalidKeyError (a real open password), unsupported kinds, a broken FilePass…
        log_original(f"default key on {name}", exc)
        return None
    return out.getvalue()


def _vet_decrypted(path: Path, plain: bytes, repaired: list | None, keep: dict[str, bytes] | None,
                   file_notes: list | None) -> str:
    """Vet a file decrypted with the default key as if it had come unencrypted: the size limit, then the bomb and
    entity checks of a package or the checks of a compound file."""
    name = path.name
    if len(plain) > MAX_FILE:
        raise FileProblem("file-too-large", f"{name} 解密后为 {len(plain) // 1048576} MB，超出台账文件的合理大小，已拒绝。请核实文件内容。")
    copy: list[bytes] = []
    if plain.startswith(ZIP_MAGIC):
        kind = _vet_zip(path, keep, copy, data=plain)
    elif plain.startswith(OLE_MAGIC):
        kind = _vet_ole(path, copy, data=plain)
    else:
        raise FileProblem("file-not-workbook", f"{name} 解密后不是 Excel 或 WPS 表格文件（内容无法识别）。请报送 .xlsx 格式的台账。")
    if repaired is not None:
        repaired.append(copy[0] if copy else plain)
    if file_notes is not None:
        about = "的 .xls（报送单位设置了修改权限密码或保护了工作簿结构时，Excel 会这样保存）" if kind == "xls" else "的文件"
        file_notes.append(("file-default-password", f"{name} 是用 Excel 默认密钥加密{about}，不是打开密码，Excel 打开它时也不要求"
                                                    f"输入密码。台账助手已像 Excel 一样直接读取，无需处理。"))
    return kind


def _biff_globals(stream) -> bytes:
    """b"FILEPASS" when the workbook globals (before their EOF) say the file is encrypted (RC4 or XOR)."""
    import struct

    data = stream.read(1 << 20)
    i = 0
    while i + 4 <= len(data):
        rtype, size = struct.unpack_from("<HH", data, i)
        if rtype == 0x002F:
            return b"FILEPASS"
        if rtype == 0x000A:
            break
        i += 4 + size
    return b""


def _renamed_stream(data: bytes, stream: str) -> bytes:
    """The file with its workbook stream named as parsers look for it ('WORKBOOK' → 'Workbook'): the
    directory entry's UTF-16 name is rewritten in place (same length; entries compare names case-blind)."""
    wanted = "Workbook" if stream.lower() == "workbook" else "Book"
    old, new = stream.encode("utf-16-le") + b"\0\0", wanted.encode("utf-16-le") + b"\0\0"
    out = bytearray(data)
    pos = out.find(old)
    while pos != -1:
        if pos % 128 == 0:  # a directory entry starts on a 128-byte boundary
            out[pos:pos + len(new)] = new
        pos = out.find(old, pos + 1)
    return bytes(out)


# --- the real extent of each sheet, before a parser allocates it -------------------------------------------
# calamine allocates a dense range from the first to the last cell holding a value: one value in A1 and one in
# XFD1048576 is 17 billion cells, and the process dies. A ledger never needs more than this many cells.
MAX_SHEET_CELLS = 5_000_000
# a column from DA or a row from 100000; the ``\b`` before ``r`` is checked by _far_ref (a pattern that begins with
# ``\b`` or an alternation is tried at every byte, one that begins with the literal ``r="`` jumps between them)
_FAR_REF = re.compile(rb'r="(?:(?:[A-Z]{3}|[D-Z][A-Z])\d|[A-Z]{1,3}\d{6,}")')


def _far_ref(data: bytes) -> bool:
    """Whether a cell reference of the sheet ``data`` is right of column CZ or below row 99999."""
    pos = 0
    while (m := _FAR_REF.search(data, pos)) is not None:
        s = m.start()
        before = data[s - 1:s]
        if not s or not (before.isalnum() or before == b"_"):
            return True
        pos = s + 1
    return False
_VALUE_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')


def _index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


class _Extent:
    """The bounding box of a sheet's cells with values (0-based), and the cells that set it."""

    def __init__(self) -> None:
        self.max_r = self.max_c = -1
        self.far_r = self.far_c = (0, 0)

    def add(self, r: int, c: int) -> None:
        if r > self.max_r:
            self.max_r, self.far_r = r, (r, c)
        if c > self.max_c:
            self.max_c, self.far_c = c, (r, c)

    def check(self, name: str, sheet: str) -> None:
        rows, cols = self.max_r + 1, self.max_c + 1
        if rows * cols <= MAX_SHEET_CELLS:
            return
        cells = "、".join(dict.fromkeys(f"{col_letter(c)}{r + 1}" for r, c in (self.far_r, self.far_c)))
        where = f"的工作表“{sheet}”" if sheet else "中有一个工作表"
        raise FileProblem("sheet-range-too-large",
                          f"{name} {where}在 {cells} 格有内容，使用范围因此达到 {rows} 行 × {cols} 列（{rows * cols:,} 个单元格），"
                          f"远超台账的合理大小，为免耗尽内存已拒绝读取。请在 Excel 中删除表格以外的内容（{cells} 格）或多余的行列，"
                          f"保存后重新报送。")


def check_extent(path: Path, sniffed: Sniffed) -> Sniffed:
    """The real extent of every sheet, before a parser allocates it.

    An .xlsx whose table is of normal size but has a few values far away (a stray entry in XFD1048576) is read
    without them: the returned ``Sniffed`` parses a trimmed copy and its ``notes`` name each value left out.
    Anything else spanning more than MAX_SHEET_CELLS raises FileProblem ``sheet-range-too-large``.
    """
    if sniffed.kind == "xlsx":
        return _xlsx_extent(path, sniffed)
    if sniffed.kind == "xls":
        _xls_extent(path, sniffed.data)
    elif sniffed.kind == "ods":
        _ods_extent(path)
    return sniffed


MAX_STRAY_CELLS = 20  # values outside the table that are left out with a note; more than this is not a stray entry
ROW_GAP, COL_GAP = 1000, 100  # empty rows / columns that separate the table from a stray value


def _table_edge(positions: list[int], gap: int) -> int:
    """The last position of the run that starts at the first position, runs broken by more than ``gap``."""
    last = positions[0]
    for p in positions[1:]:
        if p - last > gap:
            break
        last = p
    return last


def _shared_string(zf: zipfile.ZipFile, index: int) -> str:
    import html

    try:
        data = zf.read("xl/sharedStrings.xml")
    except KeyError:
        return ""
    items = re.findall(rb"<(?:\w+:)?si\b.*?</(?:\w+:)?si>", data, re.S)
    if index >= len(items):
        return ""
    return html.unescape(re.sub(rb"<[^>]+>", b"", items[index]).decode("utf-8", "replace"))


def _cell_text(zf: zipfile.ZipFile, attrs: bytes, body: bytes) -> str:
    import html

    v = re.search(rb"<(?:\w+:)?v>([^<]*)<", body)
    if b't="s"' in attrs and v and v.group(1).strip().isdigit():
        return _shared_string(zf, int(v.group(1)))
    if v:
        return html.unescape(v.group(1).decode("utf-8", "replace"))
    return html.unescape(re.sub(rb"<[^>]+>", b"", body).decode("utf-8", "replace"))


def _xlsx_sheet_names(wbxml: bytes, rels: bytes) -> dict[str, str]:
    import html

    targets = {}
    for tag in re.findall(rb"<Relationship\b[^>]*>", rels):
        rid, target = re.search(rb'\bId="([^"]+)"', tag), re.search(rb'\bTarget="([^"]+)"', tag)
        if rid and target:
            t = target.group(1).decode("utf-8", "replace").lstrip("/")
            targets[rid.group(1)] = t if t.startswith("xl/") else "xl/" + t
    out = {}
    for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", wbxml):
        name, rid = re.search(rb'\bname="([^"]*)"', tag), re.search(rb'\br:id="([^"]*)"', tag)
        if name and rid and rid.group(1) in targets:
            out[targets[rid.group(1)]] = html.unescape(name.group(1).decode("utf-8", "replace"))
    return out


def _xlsx_extent(path: Path, sniffed: Sniffed) -> Sniffed:
    import dataclasses
    import io

    parts = sniffed.parts
    trimmed: dict[str, bytes] = {}
    notes: list[tuple[str, str, str, str]] = []  # (sheet, cell, value, message)
    with zipfile.ZipFile(io.BytesIO(sniffed.data) if sniffed.data else path) as zf:
        names = [n for n in zf.namelist() if "worksheets/" in n and n.endswith(".xml")]
        sheet_names = _xlsx_sheet_names(parts.get("xl/workbook.xml", b""), parts.get("xl/_rels/workbook.xml.rels", b""))
        for part in names:
            data = parts[part] if part in parts else zf.read(part)
            if not _far_ref(data):
                continue  # left of column DA and above row 100000: nothing far away, and never more than 10 million cells
            box = _Extent()
            cells: list[tuple[int, int, int, int, bytes, bytes]] = []  # row, column, start, end, attributes, body
            for m in _VALUE_CELL.finditer(data):
                body = m.group(2)
                if not body or not (b"<v" in body or b"<is" in body or b":v>" in body or b":is>" in body):
                    continue  # an empty (styled) cell: no parser allocates for it
                ref = _REF.search(m.group(1))
                if ref:
                    r, c = int(ref.group(2)) - 1, _index(ref.group(1).decode())
                    box.add(r, c)
                    cells.append((r, c, m.start(), m.end(), m.group(1), body))
            sheet = sheet_names.get(part, "")
            try:
                box.check(path.name, sheet)
                continue
            except FileProblem:
                if not cells:
                    raise
                last_r = _table_edge(sorted({c[0] for c in cells}), ROW_GAP)
                last_c = _table_edge(sorted({c[1] for c in cells}), COL_GAP)
                far = [c for c in cells if c[0] > last_r or c[1] > last_c]
                if len(far) > MAX_STRAY_CELLS or (last_r + 1) * (last_c + 1) > MAX_SHEET_CELLS:
                    raise
            out, pos = [], 0
            for r, c, start, end, attrs, body in far:
                out += [data[pos:start]]
                pos = end
                cell = f"{col_letter(c)}{r + 1}"
                value = _cell_text(zf, attrs, body).strip()[:40]
                where = f"工作表“{sheet}”的 " if sheet else ""
                notes.append((sheet, cell, value,
                              f"{path.name} {where}{cell} 格远在表格之外（表格只到第 {last_r + 1} 行、{col_letter(last_c)} 列）"
                              f"{f'，内容为“{value}”' if value else ''}，未读取。如是台账内容，请移到表格中；否则请删除该格后保存。"))
            out.append(data[pos:])
            xml = b"".join(out)
            extent = f"A1:{col_letter(last_c)}{last_r + 1}\"".encode()
            xml = re.sub(rb'(<(?:\w+:)?dimension\b[^>]*\bref=")[^"]*"', lambda m, extent=extent: m.group(1) + extent, xml)
            trimmed[part] = xml
        if not trimmed:
            return sniffed
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in zf.infolist():
                dst.writestr(info.filename, trimmed.get(info.filename) or zf.read(info))
    kept = {k: trimmed.get(k, v) for k, v in parts.items()}
    return dataclasses.replace(sniffed, data=buf.getvalue(), parts=kept, notes=tuple(notes))


_XLS_CELLS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x0006, 0x0205, 0x00D6}  # NUMBER RK LABELSST LABEL FORMULA BOOLERR RSTRING


def _xls_extent(path: Path, data: bytes | None = None) -> None:
    import struct

    import olefile

    try:
        with olefile.OleFileIO(data if data else str(path)) as ole:
            stream = next((s for s in ole.listdir() if len(s) == 1 and s[0].lower() in ("workbook", "book")), None)
            if stream is None:
                return
            data = ole.openstream(stream).read()
    except Exception:  # a broken container is the parser's to report
        return
    sheets: list[str] = []
    substream, depth = -1, 0  # -1 before the first BOF; 0 the workbook globals; 1… the sheets in order
    box = _Extent()
    i, n = 0, len(data)
    while i + 4 <= n:
        rtype, size = struct.unpack_from("<HH", data, i)
        body = i + 4
        if rtype == 0x0085 and size >= 8:  # BOUNDSHEET: a sheet's name
            ln, flag = data[body + 6], data[body + 7]
            raw = data[body + 8: body + 8 + (ln * 2 if flag & 1 else ln)]
            sheets.append(raw.decode("utf-16-le" if flag & 1 else "latin-1", "replace"))
        elif rtype == 0x0809:  # BOF (a chart inside a sheet nests its own)
            if depth == 0:
                substream, box = substream + 1, _Extent()
            depth += 1
        elif rtype == 0x000A:  # EOF
            depth = max(0, depth - 1)
            if depth == 0 and substream > 0:
                box.check(path.name, sheets[substream - 1] if substream - 1 < len(sheets) else "")
        elif depth == 1 and rtype in _XLS_CELLS and size >= 4:
            box.add(*struct.unpack_from("<HH", data, body))
        elif depth == 1 and rtype == 0x00BD and size >= 6:  # MULRK: row, first column, …, last column
            box.add(struct.unpack_from("<H", data, body)[0], struct.unpack_from("<H", data, body + size - 2)[0])
        i = body + size
    if substream > 0:
        box.check(path.name, sheets[substream - 1] if substream - 1 < len(sheets) else "")


_ODS_TAG = re.compile(rb'<table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*?)(/?)>|</table:(table-row|table)>')
_REPEAT_ROWS = re.compile(rb'table:number-rows-repeated="(\d+)"')
_REPEAT_COLS = re.compile(rb'table:number-columns-repeated="(\d+)"')


def _ods_extent(path: Path) -> None:
    import html

    try:
        with zipfile.ZipFile(path) as zf:
            data = zf.read("content.xml")
    except (KeyError, zipfile.BadZipFile, OSError):
        return
    name, row, col, repeat, last_c = "", 0, 0, 1, -1
    box = _Extent()
    for m in _ODS_TAG.finditer(data):
        tag, attrs, closed, end = m.group(1), m.group(2), m.group(3), m.group(4)
        if tag == b"table":
            nm = re.search(rb'table:name="([^"]*)"', attrs)
            name, row, box = (html.unescape(nm.group(1).decode("utf-8", "replace")) if nm else ""), 0, _Extent()
        elif tag == b"table-row":
            rr = _REPEAT_ROWS.search(attrs)
            repeat, col, last_c = (int(rr.group(1)) if rr else 1), 0, -1
            if closed:
                row += repeat
        elif tag in (b"table-cell", b"covered-table-cell"):
            rc = _REPEAT_COLS.search(attrs)
            span = int(rc.group(1)) if rc else 1
            if b"office:value-type" in attrs or (not closed and tag == b"table-cell"):
                last_c = col + span - 1
            col += span
        elif end == b"table-row":
            if last_c >= 0:
                box.add(row + repeat - 1, last_c)
            row += repeat
        elif end == b"table":
            box.check(path.name, name)


# ---- evidence: files units send beside their ledger (book.evidence), loose or in a .zip

MAX_PIECE = 100 * 1024 * 1024  # one piece of evidence (a scan, a photo, a PDF) never needs more
MAX_ARCHIVE_ENTRIES = 5000
_RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def name_problem(name: str) -> str:
    """Why a path as a unit wrote it (a zip entry, a file name) must not be used to file a piece; "" when it may.

    Traversal (a ``..`` part), an absolute path or drive letter, control characters and Windows' reserved device
    names are refused: the piece is stored under the case by its last part only, and never outside it."""
    text = name.replace("\\", "/")
    if not text.strip("/ "):
        return "文件名为空"
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        return f"“{name}”是绝对路径"
    parts = [p for p in text.split("/") if p]
    if any(p.strip() == ".." for p in parts):
        return f"“{name}”含有“..”（指向文件夹之外）"
    if _CONTROL.search(text):
        return f"“{name[:60]}”含有控制字符"
    if any(_RESERVED.match(p.strip()) for p in parts):
        return f"“{name}”是 Windows 保留的设备名"
    if len(parts[-1].encode("utf-8")) > 240:
        return f"“{parts[-1][:40]}…”文件名过长"
    return ""


def entry_problem(info: zipfile.ZipInfo) -> str:
    """Why one entry of an evidence archive is refused ("" when it may be read): its name, a symbolic link, an
    encrypted entry, a declared size over ``MAX_PIECE`` or a compression ratio of a bomb."""
    bad = name_problem(info.filename)
    if bad:
        return bad
    mode = info.external_attr >> 16
    if mode and (mode & 0o170000) == 0o120000:
        return f"“{info.filename}”是符号链接"
    if info.flag_bits & 0x1:
        return f"“{info.filename}”已加密"
    if info.file_size > MAX_PIECE:
        return f"“{info.filename}”解压后 {info.file_size // 1048576} MB，超过单个佐证材料 {MAX_PIECE // 1048576} MB 的上限"
    if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 20 * 1024 * 1024:
        return f"“{info.filename}”压缩比异常（疑似“压缩炸弹”）"
    return ""


def read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int = MAX_PIECE) -> bytes:
    """An archive entry's bytes, counting what really inflates (a declared size can lie): FileProblem past ``cap``."""
    out, total = [], 0
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > cap:
                raise FileProblem("file-too-large", f"“{info.filename}”解压后超过 {cap // 1048576} MB（声明的大小与实际不符），"
                                                    f"疑似“压缩炸弹”")
            out.append(chunk)
    return b"".join(out)
