"""Build the messy-submission corpus (run: python tests/corpus/build.py).

Each workbook is made by the project's own writer helpers (``taizhang.xlsx.xlsxout.put``)
or, for .xls and .ods, by LibreOffice from those; its expected outcome is in
``expected.json`` beside it, written by hand and checked by test_corpus.py.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent
if importlib.util.find_spec("taizhang") is None:  # run as a script from a checkout: the source tree. Never in a test
    # run, where it would put the source tree before the installed package for every process spawned afterwards
    sys.path.insert(0, str(HERE.parent.parent / "addin"))

from taizhang.xlsx.xlsxout import put  # noqa: E402

D = dt.date
HEAD = ["问题编号", "责任单位", "线索来源", "问题类别", "问题描述", "牵头领导", "具体责任人", "联系电话",
        "交办日期", "复杂程度", "整改时限", "完成进度（%）", "办理状态", "办结日期", "销号审核人", "销号日期"]


def good_row(i: int, unit: str = "城关镇") -> list:
    return [f"CG-2026-{i:03d}", unit, "自查摸排", "账款支付不到位", f"拖欠工程款问题{i}", "王伟", "李娜", "13800000000",
            D(2026, 10, 9), "一般", None, 40, "整改中", None, None, None]


def sheet(ws, top: int, header: list, rows: list[list]) -> None:
    for c, h in enumerate(header, 1):
        put(ws, top, c, h)
    for r, values in enumerate(rows, top + 1):
        for c, v in enumerate(values, 1):
            put(ws, r, c, v)


def title_and_unit_line() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    put(ws, 1, 1, "新官不理旧账问题台账")
    put(ws, 2, 1, "填报单位：城关镇（盖章）        填报时间：2026年11月20日")
    rows = [good_row(1), good_row(2)]
    rows[1][1] = None  # unit from the 填报单位 line
    sheet(ws, 3, HEAD, rows)
    put(ws, 6, 1, "合计")
    put(ws, 6, 5, "2个问题")
    put(ws, 7, 1, "这行在合计之后，不是数据")
    wb.save(HERE / "title_and_unit_line.xlsx")


def renamed_reordered() -> None:
    wb = Workbook()
    ws = wb.active
    header = ["办理状态", "问题类型", "问题内容", "责任部门", "问题来源", "交办时间", "完成时限", "涉及金额（元）",
              "手机号码", "进度", "责任领导", "经办人", "问题编号"]
    dates = ["2026年10月9日", "2026.10.9", "2026/10/9", "2026-10-9", "10月9日", "２０２６年１０月９日"]
    rows = []
    for i, d in enumerate(dates, 1):
        rows.append(["推进中", "账款支付不到位", f"问题{i}", "区发改委", "信访举报", d, None, "1,250,000", 13912345678,
                     "60%", "张强", "刘洋", f"00{i}"])
    sheet(ws, 1, header, rows)
    wb.save(HERE / "renamed_reordered.xlsx")


def instruction_first_hidden() -> None:
    wb = Workbook()
    guide = wb.active
    guide.title = "填报说明"
    put(guide, 1, 1, "填报说明：问题编号、责任单位、问题类别、问题描述、办理状态均为必填。")
    hidden = wb.create_sheet("旧表")
    sheet(hidden, 1, HEAD, [good_row(i) for i in range(1, 30)])
    hidden.sheet_state = "hidden"
    ws = wb.create_sheet("本期台账")
    sheet(ws, 1, HEAD, [good_row(1), good_row(2), good_row(3), [None] * len(HEAD), good_row(4)])
    ws.row_dimensions[3].hidden = True
    wb.save(HERE / "instruction_first_hidden.xlsx")


def every_error() -> None:
    wb = Workbook()
    ws = wb.active
    rows = [good_row(i) for i in range(1, 13)]
    rows[0][4] = None                      # row 2: 问题描述 missing
    rows[1][8] = "2026年13月40日"          # row 3: bad date
    rows[2][3] = "乱收费"                   # row 4: unknown category
    rows[3][12] = "差不多了"                # row 5: unknown status
    rows[4][1] = "火星办事处"               # row 6: unknown unit
    rows[5][10] = D(2026, 10, 1)           # row 7: deadline before assignment
    rows[6][12] = "已办结"                  # row 8: done without date
    rows[7][12] = "已销号"                  # row 9: closed without approver / date
    rows[7][13] = D(2026, 11, 1)
    rows[8][0] = rows[9][0]                 # rows 10 and 11: duplicate id (the second is flagged)
    rows[10][11] = 140                     # row 12: progress out of range (warning)
    rows[11][2] = "路边听说"                # row 13: unknown source (warning)
    header = HEAD + ["涉及金额（万元）", "我们自己加的列"]
    for r in rows:
        r.extend([12.5, "x"])
    rows[3][16] = "一百万"                   # row 5 also: amount not a number
    sheet(ws, 1, header, rows)
    wb.save(HERE / "every_error.xlsx")


def zero_report() -> None:
    wb = Workbook()
    ws = wb.active
    put(ws, 1, 1, "填报单位：东城街道")
    sheet(ws, 2, HEAD, [["零报告"]])
    wb.save(HERE / "东城街道-零报告.xlsx")


def files_that_are_not_ledgers() -> None:
    (HERE / "empty.xlsx").write_bytes(b"")
    good = io.BytesIO()
    wb = Workbook()
    sheet(wb.active, 1, HEAD, [good_row(1)])
    wb.save(good)
    (HERE / "truncated.xlsx").write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    (HERE / "word_renamed.xlsx").write_bytes(docx.getvalue())
    (HERE / "real_xlsx_renamed.xls").write_bytes(good.getvalue())
    (HERE / "~$title_and_unit_line.xlsx").write_bytes(b"\x05owner" + b"\x00" * 50)
    try:
        from msoffcrypto.format.ooxml import OOXMLFile

        enc = io.BytesIO()
        OOXMLFile(io.BytesIO(good.getvalue())).encrypt("123456", enc)
        (HERE / "encrypted.xlsx").write_bytes(enc.getvalue())
    except ImportError:
        print("msoffcrypto-tool not installed: encrypted.xlsx not rebuilt")


def csv_files() -> None:
    lines = [",".join(HEAD)] + [",".join("" if v is None else str(v) for v in good_row(i)) for i in (1, 2)]
    text = "\n".join(lines) + "\n"
    (HERE / "utf8_bom.csv").write_bytes(text.encode("utf-8-sig"))
    (HERE / "gbk.csv").write_bytes(text.encode("gbk"))
    (HERE / "cr_line_ends.csv").write_bytes(text.replace("\n", "\r").encode("gbk"))  # "CSV (Macintosh)": CR alone


def libreoffice_copies() -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print("LibreOffice not found: .xls/.ods not rebuilt")
        return
    src = HERE / "title_and_unit_line.xlsx"
    for fmt in ("xls", "ods"):
        subprocess.run([soffice, "--headless", "--convert-to", fmt, "--outdir", str(HERE / "lo"), str(src)],
                       check=True, capture_output=True, timeout=240)


def hostile() -> None:
    """The reliability corpus: odd but honest workbooks, and hostile ones that must be refused quickly."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = Workbook()
    wb.epoch = CALENDAR_MAC_1904
    sheet(wb.active, 1, HEAD, [good_row(1), good_row(2)])
    wb.save(HERE / "date1904.xlsx")

    wb = Workbook()
    rows = [good_row(1), good_row(2), good_row(3)]
    rows[0][8] = str(D(2026, 10, 9).toordinal() - D(1899, 12, 30).toordinal())  # a serial number typed as text
    rows[1][8] = 60                                                             # Excel's phantom 1900-02-29
    sheet(wb.active, 1, HEAD, rows)
    wb.active["I3"].number_format = "yyyy-mm-dd"
    wb.save(HERE / "serial_dates.xlsx")

    wb = Workbook()
    sheet(wb.active, 1, HEAD, [good_row(i) for i in range(1, 11)])
    buf = io.BytesIO()
    wb.save(buf)
    _rewrite_part(buf.getvalue(), "xl/worksheets/sheet1.xml",
                  lambda x: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', x),
                  HERE / "million_row_range.xlsx")

    wb = Workbook()
    rows = [good_row(1), good_row(2)]
    rows[0][11] = "=20+30"  # a formula that was never calculated (no cached value)
    sheet(wb.active, 1, HEAD, rows)
    wb.active["L2"].value = "=20+30"
    wb.save(HERE / "formula_no_cache.xlsx")

    wb = Workbook()
    ws = wb.active
    rows = [good_row(1), good_row(2), good_row(3)]
    for r in rows[1:]:
        r[1] = None
    sheet(ws, 1, HEAD, rows)
    ws.merge_cells("B2:B4")  # one 责任单位 cell merged over three case rows
    wb.save(HERE / "merged_data_rows.xlsx")

    wb = Workbook()
    header = ["问题\n编号", "责 任 单 位", "线索　来源", "问题类别 ", "问题描述", "牵头领导", "具体责任人", "联系电话",
              "交办\n日期", "复杂程度", "整改时限", "完成进度(%)", "办理状态"]
    sheet(wb.active, 1, header, [good_row(1)[:13], good_row(2)[:13]])
    wb.save(HERE / "fullwidth_linebreak_headers.xlsx")

    wb = Workbook()
    header = HEAD[:5] + ["责任单位"] + HEAD[5:]
    rows = [r[:5] + ["东城街道"] + r[5:] for r in (good_row(1), good_row(2))]
    sheet(wb.active, 1, header, rows)
    wb.save(HERE / "duplicate_headers.xlsx")

    wb = Workbook()
    ws = wb.active
    sheet(ws, 1, HEAD, [good_row(1), good_row(2)])
    sheet(ws, 4, HEAD, [good_row(3), good_row(4)])
    wb.save(HERE / "pasted_twice.xlsx")

    wb = Workbook()
    ws = wb.active
    sheet(ws, 1, HEAD, [good_row(1)])
    ws.protection.sheet = True
    ws.protection.password = "mima123"
    wb.save(HERE / "protected_sheet.xlsx")

    wb = Workbook()
    sheet(wb.active, 1, HEAD, [good_row(1)])
    wb.save(HERE / "城关镇 （２０２６年11月）[终稿] 报送.xlsx")

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            block = b"\0" * (1 << 24)
            for _ in range(48):  # 768 MB of zeros in well under 1 MB
                fh.write(block)
    (HERE / "zip_bomb.xlsx").write_bytes(bomb.getvalue())

    wb = Workbook()
    sheet(wb.active, 1, HEAD, [good_row(1)])
    buf = io.BytesIO()
    wb.save(buf)
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
           b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
    _rewrite_part(buf.getvalue(), "xl/workbook.xml", lambda x: lol + (x.split(b"?>", 1)[1] if x.startswith(b"<?xml") else x), HERE / "entity_bomb.xlsx")


def subtotal_groups() -> None:
    """Three category groups, each closed by a subtotal row, a group 合计, a grand total and a signature line,
    typed the way a unit does it in Excel (plain openpyxl cells)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["城关镇新官不理旧账问题台账"])
    ws.append(HEAD)
    n = iter(range(1, 100))
    groups = [("账款支付不到位", ["小计", None, None, None, "2件"]),
              ("招商引资政策不兑现", [None, None, None, "分类小计：2件"]),
              ("合作协议不履行", ["合作协议不履行合计", None, None, None, "2件"])]
    for category, subtotal in groups:
        for _ in range(2):
            row = good_row(next(n))
            row[3] = category
            ws.append(row)
        ws.append(subtotal)
    ws.append(good_row(next(n)))  # a case below the last group's 合计 (added late, outside any group)
    ws.append(["总计", None, None, None, "7件"])
    ws.append(["填表人：李娜　　联系电话：13800000000"])
    ws.append(["注：本表由各乡镇（街道）填报。"])
    wb.save(HERE / "subtotal_groups.xlsx")


def panicking_xls() -> None:
    """A LibreOffice .xls whose last directory sector was cut short in transfer: calamine panics
    (pyo3 PanicException in cfb.rs Directory::from_slice) where other readers still list the streams."""
    import struct

    src = HERE / "lo" / "title_and_unit_line.xls"
    if not src.exists():
        return
    data = src.read_bytes()
    size = 1 << struct.unpack_from("<H", data, 30)[0]
    count = (len(data) - 512) // size
    first_dir = struct.unpack_from("<I", data, 48)[0]
    fat_sector = struct.unpack_from("<I", data, 76)[0]
    out = bytearray(data) + data[512 + first_dir * size: 512 + (first_dir + 1) * size]  # the directory again, as the last sector
    struct.pack_into("<I", out, 512 + fat_sector * size + count * 4, 0xFFFFFFFE)      # …ending its chain
    struct.pack_into("<I", out, 48, count)                                           # the header points to it
    (HERE / "panic_truncated_directory.xls").write_bytes(bytes(out[: 512 + count * size + 2 * 128 + 1]))  # 2 entries and 1 byte


def huge_declared_sheets() -> None:
    """A ledger with one stray value far away: in XFD1048576 (.xlsx) and in IV65536 (LibreOffice .xls and .ods)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(HEAD)
    ws.append(good_row(1))
    ws["XFD1048576"] = "误输入"
    wb.save(HERE / "huge_sparse_xfd.xlsx")
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(HEAD)
    ws.append(good_row(1))
    ws["IV65536"] = "误输入"
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print("LibreOffice not found: huge_legacy_iv65536.xls not rebuilt")
        return
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "huge_legacy_iv65536.xlsx"
        wb.save(src)
        for fmt in ("xls", "ods"):
            subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", fmt,
                            "--outdir", str(HERE), str(src)], check=True, capture_output=True, timeout=240)


SAVE_WITH_PASSWORD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub SaveWithPassword(src As String, dst As String, filt As String, pwd As String)
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = &quot;Hidden&quot; : load(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(src), &quot;_blank&quot;, 0, load())
  Dim store(1) As New com.sun.star.beans.PropertyValue
  store(0).Name = &quot;FilterName&quot; : store(0).Value = filt
  store(1).Name = &quot;Password&quot; : store(1).Value = pwd
  doc.storeToURL(ConvertToURL(dst), store())
  doc.close(True)
End Sub
</script:module>
"""


def encrypted_legacy() -> None:
    """.xls (RC4, FILEPASS record) and .ods (manifest encryption-data) saved with an open password by LibreOffice."""
    src = HERE / "title_and_unit_line.xlsx"
    _save_with_password([(src, HERE / "encrypted_rc4.xls", "MS Excel 97", "123456"),
                         (src, HERE / "encrypted.ods", "calc8", "123456")])


def _save_with_password(jobs: list[tuple[Path, Path, str, str]]) -> None:
    """(source, output, LibreOffice filter, password) saved by LibreOffice through a Basic macro in a private profile
    (its --convert-to in this version ignores password filter options)."""
    import tempfile

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print("LibreOffice not found: not rebuilt:", ", ".join(out.name for _, out, _, _ in jobs))
        return
    with tempfile.TemporaryDirectory() as tmp:
        profile = f"-env:UserInstallation=file://{tmp}/profile"
        subprocess.run([soffice, profile, "--headless", "--terminate_after_init"], capture_output=True, timeout=240)
        (Path(tmp) / "profile/user/basic/Standard/Module1.xba").write_text(SAVE_WITH_PASSWORD, encoding="utf-8")
        for src, out, filt, password in jobs:
            macro = f'macro:///Standard.Module1.SaveWithPassword("{src}","{out}","{filt}","{password}")'
            subprocess.run([soffice, profile, "--headless", macro], check=True, capture_output=True, timeout=240)


DEFAULT_KEY = "VelvetSweatshop"  # the key Excel encrypts with when no open password was set, and tries first on opening


def default_key() -> None:
    """Files encrypted with Excel's built-in key, which Excel opens without asking: a .xls saved with a 修改权限密码
    (password to modify) or a protected workbook structure is encrypted with "VelvetSweatshop". Built here: RC4 (.xls by
    LibreOffice with that password), RC4 CryptoAPI (Excel's kind since 2002, written below from LibreOffice's plain .xls)
    and an agile-encrypted .xlsx (msoffcrypto-tool); and an RC4 CryptoAPI .xls with a real open password."""
    import olefile
    from msoffcrypto.format.ooxml import OOXMLFile

    src = HERE / "title_and_unit_line.xlsx"
    _save_with_password([(src, HERE / "default_key_rc4.xls", "MS Excel 97", DEFAULT_KEY)])
    enc = io.BytesIO()
    OOXMLFile(io.BytesIO(src.read_bytes())).encrypt(DEFAULT_KEY, enc)
    (HERE / "default_key.xlsx").write_bytes(enc.getvalue())
    plain = HERE / "lo" / "title_and_unit_line.xls"
    if plain.exists():
        with olefile.OleFileIO(str(plain)) as ole:
            stream = ole.openstream("Workbook").read()
        (HERE / "default_key_cryptoapi.xls").write_bytes(_compound_file("Workbook", _rc4_cryptoapi(stream, DEFAULT_KEY, bytes(range(16)))))
        (HERE / "encrypted_cryptoapi.xls").write_bytes(_compound_file("Workbook", _rc4_cryptoapi(stream, "123456", bytes(range(16, 32)))))


# records MS-XLS 2.2.10 leaves in the clear (BOF, FilePass, UsrExcl, FileLock, InterfaceHdr, RRDInfo, RRDHead)
_CLEAR = {0x0809, 0x002F, 0x0194, 0x0195, 0x00E1, 0x0196, 0x0138}


def _rc4_cryptoapi(stream: bytes, password: str, salt: bytes) -> bytes:
    """A plain BIFF8 workbook stream encrypted with RC4 CryptoAPI (MS-OFFCRYPTO 2.3.5.1, 128-bit key, SHA-1): a FilePass
    record after the first BOF, the stream positions it shifts (BoundSheet8, Index, ExtSST) moved, then every record body
    but those MS-XLS leaves in the clear XORed with the key stream at its position (re-keyed every 1024 bytes)."""
    import hashlib
    import struct

    from msoffcrypto.method.rc4_cryptoapi import DocumentRC4CryptoAPI, _makekey

    try:
        from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
    except ImportError:
        from cryptography.hazmat.primitives.ciphers.algorithms import ARC4
    from cryptography.hazmat.primitives.ciphers import Cipher

    verifier = hashlib.sha1(salt + password.encode()).digest()[:16]  # any 16 bytes; derived so rebuilds are identical
    rc4 = Cipher(ARC4(_makekey(password, salt, 128, 0)), mode=None).encryptor()
    sealed = rc4.update(verifier + hashlib.sha1(verifier).digest())
    csp = "Microsoft Enhanced Cryptographic Provider v1.0\0".encode("utf-16-le")
    header = struct.pack("<8I", 0x04, 0, 0x6801, 0x8004, 128, 1, 0, 0) + csp  # fCryptoAPI, RC4, SHA-1, 128 bits, PROV_RSA_FULL
    body = (struct.pack("<HHHII", 1, 4, 2, 0x04, len(header)) + header  # RC4, version 4.2 (LibreOffice reads 3.2 and 4.2)
            + struct.pack("<I", 16) + salt + sealed[:16] + struct.pack("<I", 20) + sealed[16:])
    filepass = struct.pack("<HH", 0x002F, len(body)) + body
    records, i = [], 0
    while i + 4 <= len(stream):
        rtype, size = struct.unpack_from("<HH", stream, i)
        records.append([rtype, bytearray(stream[i + 4: i + 4 + size])])
        i += 4 + size
    shift = len(filepass)
    for rtype, rec in records:
        if rtype == 0x0085:  # BoundSheet8: lbPlyPos, where the sheet's BOF is
            struct.pack_into("<I", rec, 0, struct.unpack_from("<I", rec, 0)[0] + shift)
        elif rtype == 0x020B:  # Index: ibXF and each DBCell's position
            for at in range(12, len(rec) - 3, 4):
                if struct.unpack_from("<I", rec, at)[0]:
                    struct.pack_into("<I", rec, at, struct.unpack_from("<I", rec, at)[0] + shift)
        elif rtype == 0x00FF:  # ExtSST: each bucket's stream position
            for at in range(2, len(rec) - 7, 8):
                struct.pack_into("<I", rec, at, struct.unpack_from("<I", rec, at)[0] + shift)
    out = bytearray(struct.pack("<HH", records[0][0], len(records[0][1])) + records[0][1] + filepass)
    for rtype, rec in records[1:]:
        out += struct.pack("<HH", rtype, len(rec)) + rec
    keystream = DocumentRC4CryptoAPI.decrypt(password, salt, 128, io.BytesIO(bytes(len(out))), blocksize=1024).read()
    i = 0
    while i + 4 <= len(out):
        rtype, size = struct.unpack_from("<HH", out, i)
        start = i + 4 + (4 if rtype == 0x0085 else 0)  # BoundSheet8's lbPlyPos stays in the clear
        if rtype not in _CLEAR:
            for at in range(start, i + 4 + size):
                out[at] ^= keystream[at]
        i += 4 + size
    return bytes(out)


def _compound_file(name: str, data: bytes) -> bytes:
    """A compound file (CFB version 3, 512-byte sectors) holding one stream: header, a FAT sector, a directory sector,
    then the stream's sectors, or, under 4096 bytes, a mini FAT sector and the mini stream (64-byte sectors) holding it."""
    import struct

    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    small = len(data) < 4096
    unit = 64 if small else 512
    count = -(-len(data) // unit)
    chain = [n + 1 for n in range(count - 1)] + [end]
    body = data.ljust(count * unit, b"\0")
    if small:  # sector 2 the mini FAT, from 3 the mini stream (in 512-byte sectors)
        minifat = struct.pack("<128I", *(chain + [free] * (128 - count)))
        container = -(-len(body) // 512)
        fat = [0xFFFFFFFD, end, end] + [4 + n for n in range(container - 1)] + [end]
        tail, root_start, root_size, stream_start = minifat + body.ljust(container * 512, b"\0"), 3, len(body), 0
    else:  # from sector 2 the stream
        fat = [0xFFFFFFFD, end] + [2 + n for n in chain[:-1]] + [end]
        tail, root_start, root_size, stream_start = body, end, 0, 2
    assert len(fat) <= 128
    fat += [free] * (128 - len(fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<9I", 0, 1, 1, 0, 4096, 2 if small else end, 1 if small else 0, end, 0)
              + struct.pack("<I", 0) + b"\xff" * (108 * 4))

    def entry(title: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = (title + "\0").encode("utf-16-le")
        return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1, free, free, child) + bytes(16)
                + bytes(4 + 16) + struct.pack("<IQ", start, size))

    empty = bytes(64) + struct.pack("<HBBIII", 0, 0, 0, free, free, free) + bytes(36) + struct.pack("<IQ", 0, 0)
    directory = entry("Root Entry", 5, 1, root_start, root_size) + entry(name, 2, free, stream_start, len(data)) + empty * 2
    return header + struct.pack("<128I", *fat) + directory + tail


def _rename_stream(data: bytes, old: str, new: str) -> bytes:
    """Rename a stream in an OLE directory entry (UTF-16 name, then its byte length at offset 64)."""
    import struct

    out = bytearray(data)
    key = old.encode("utf-16-le") + b"\0\0"
    pos = out.find(key)
    while pos != -1:
        if pos % 128 == 0:
            out[pos:pos + 64] = (new.encode("utf-16-le") + b"\0\0").ljust(64, b"\0")
            struct.pack_into("<H", out, pos + 64, len(new) * 2 + 2)
        pos = out.find(key, pos + 1)
    return bytes(out)


def odd_but_real_workbooks() -> None:
    """Real workbooks in forms some writers produce: capital stream names, backslash part names, the workbook
    part elsewhere, no sharedStrings relationship, an Excel 4.0 macro sheet; and Excel 2.x/4.0 files."""
    import struct

    lo_xls = HERE / "lo" / "title_and_unit_line.xls"
    if lo_xls.exists():
        (HERE / "stream_WORKBOOK.xls").write_bytes(_rename_stream(lo_xls.read_bytes(), "Workbook", "WORKBOOK"))
        (HERE / "stream_BOOK.xls").write_bytes(_rename_stream(lo_xls.read_bytes(), "Workbook", "BOOK"))
    package = (HERE / "title_and_unit_line.xlsx").read_bytes()
    _rewrite_package(package, HERE / "backslash_part_names.xlsx", lambda n, d: (n.replace("/", "\\"), d))

    def moved(n, d):
        if n == "xl/workbook.xml":
            return "xl/main.xml", d
        if n == "xl/_rels/workbook.xml.rels":
            return "xl/_rels/main.xml.rels", d
        if n in ("_rels/.rels", "[Content_Types].xml"):
            return n, d.replace(b"xl/workbook.xml", b"xl/main.xml")
        return n, d
    _rewrite_package(package, HERE / "workbook_part_elsewhere.xlsx", moved)

    lo_xlsx = HERE / "lo" / "title_and_unit_line.xlsx"
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice:
        subprocess.run([soffice, "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(HERE / "lo"),
                        str(HERE / "title_and_unit_line.xlsx")], check=True, capture_output=True, timeout=240)
    if lo_xlsx.exists():  # LibreOffice writes shared strings; drop their relationship (the part stays)
        _rewrite_package(lo_xlsx.read_bytes(), HERE / "no_sharedstrings_rel.xlsx",
                         lambda n, d: (n, re.sub(rb"<Relationship [^>]*sharedStrings[^>]*/>", b"", d))
                         if n == "xl/_rels/workbook.xml.rels" else (n, d))
        lo_xlsx.unlink()

    macro = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><xm:macrosheet '
             b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
             b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1">'
             b'<c r="A1" t="str"><f>HALT()</f><v></v></c></row></sheetData></xm:macrosheet>')

    def with_macro_sheet(n, d):
        if n == "xl/_rels/workbook.xml.rels":
            d = d.replace(b"</Relationships>", b'<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/'
                                                b'relationships/xlMacrosheet" Target="macrosheets/sheet2.xml"/></Relationships>')
        elif n == "xl/workbook.xml":
            d = re.sub(rb"(<sheet [^>]*/>)", rb'<sheet name="Macro1" sheetId="9" state="hidden" r:id="rId9"/>\1', d, count=1)
        elif n == "[Content_Types].xml":
            d = d.replace(b"</Types>", b'<Override PartName="/xl/macrosheets/sheet2.xml" '
                                       b'ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>')
            d = d.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                          b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
        return n, d
    _rewrite_package(package, HERE / "excel4_macro_sheet.xlsm", with_macro_sheet,
                     extra={"xl/macrosheets/sheet2.xml": macro})

    def record(rtype: int, body: bytes) -> bytes:
        return struct.pack("<HH", rtype, len(body)) + body
    biff2 = record(0x0009, struct.pack("<HH", 0x0002, 0x0010)) + b"".join(
        record(0x0004, struct.pack("<HH", 0, c) + b"\0\0\0" + bytes([len(t)]) + t)
        for c, t in enumerate([b"ID", b"Unit", b"Category"])) + record(0x000A, b"")
    (HERE / "excel2_biff2.xls").write_bytes(biff2)
    biff4 = record(0x0409, struct.pack("<HHH", 0x0000, 0x0010, 0)) + b"".join(
        record(0x0204, struct.pack("<HHHH", 0, c, 15, len(t)) + t)
        for c, t in enumerate([b"ID", b"Unit", b"Category"])) + record(0x000A, b"")
    (HERE / "excel4_biff4.xls").write_bytes(biff4)


def _rewrite_package(package: bytes, out: Path, change, extra: dict | None = None) -> None:
    """Copy a package part by part through ``change(name, data) -> (name, data)``, adding ``extra`` parts."""
    src = zipfile.ZipFile(io.BytesIO(package))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            name, data = change(info.filename, src.read(info.filename))
            dst.writestr(name, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)


def _rewrite_part(package: bytes, part: str, change, out: Path) -> None:
    src = zipfile.ZipFile(io.BytesIO(package))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info.filename, change(data) if info.filename == part else data)


def xls_saved_as_xlsx() -> None:
    src = HERE / "lo" / "title_and_unit_line.xls"
    if src.exists():
        shutil.copy(src, HERE / "xls_named_xlsx.xlsx")


def real_ledgers() -> None:
    """Synthetic files in the layouts of the ledgers units really keep (hazard-check ledgers, problem lists,
    task and 销号 lists): the problem list beside a statistics table and an older list, a header in the
    units' own words, notes and group titles merged across, filtered rows. No third-party content."""
    # a statistics table whose header names more fields than the real list beside it, and an old list
    wb = Workbook()
    stats = wb.active
    stats.title = "费用统计"
    put(stats, 1, 1, "2026年度费用统计表")
    sheet(stats, 2, ["问题类别", "问题描述", "责任单位", "涉及金额", "完成进度（%）", "整改目标", "牵头领导", "备注"],
          [[name, 1200.5 + i, 300 + i, 25.5 * i, 0.5, 10 + i, 3, None]
           for i, name in enumerate(["主营业务收入", "其他业务收入", "营业成本", "∑B", "∑C"], 1)])
    main = wb.create_sheet("问题清单")
    header = ["问题编号", "责任单位", "问题类别", "存在问题", "线索来源", "牵头领导", "整改责任人", "交办日期", "整改期限", "办理状态"]
    listed = [[f"CG-2026-{i:03d}", "城关镇", "账款支付不到位", f"拖欠工程款问题{i}", "自查摸排", "王伟", "李娜", D(2026, 10, 9),
               D(2026, 12, 31), "整改中"] for i in range(1, 5)]
    sheet(main, 1, header, listed)
    second = wb.create_sheet("第二批")
    put(second, 1, 1, "第二批问题清单")
    sheet(second, 2, ["问题编号", "责任单位", "线索来源", "问题类别", "问题描述", "牵头领导", "具体责任人", "交办日期", "办理状态"],
          [[f"CG-2026-{i:03d}", "城关镇", "信访举报", "合作协议不履行", f"协议未履行问题{i}", "王伟", "李娜", D(2026, 10, 20), "未启动"]
           for i in (5, 6)])
    copy = wb.create_sheet("备份")
    sheet(copy, 1, header, listed[:2])  # a copy of cases already listed
    wb.create_sheet("空白模板")
    sheet(wb["空白模板"], 1, header, [])
    wb.save(HERE / "multi_sheet_statistics.xlsx")

    # a real header row in the unit's own words: only two names match
    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    put(ws, 1, 1, "系统试运行问题清单")
    sheet(ws, 3, ["序号", "板块", "菜单", "问题描述", "修改意见", "备注"],
          [[i, "台账", "录入", f"保存后页面不刷新{i}", "改为自动刷新", None] for i in range(1, 5)])
    wb.save(HERE / "header_unrecognised.xlsx")

    # the column names and status words of a hazard-check ledger; dates as 8-digit numbers and “/”
    wb = Workbook()
    ws = wb.active
    ws.title = "隐患台账"
    header = ["序号", "隐患内容", "问题类型", "线索来源", "责任单位/人员", "包保领导", "整改责任人", "检查时间", "整改期限",
              "整改要求", "整改情况", "隐患状态", "实际完成时间", "销号审核人", "销号日期"]
    statuses = ["已关闭", "整改完毕", "开放", "未关闭", "已完成", "关闭"]
    rows = []
    for i, status in enumerate(statuses, 1):
        closed = status in ("已关闭", "关闭")
        done = closed or status in ("整改完毕", "已完成")
        rows.append([i, f"拖欠工程款问题{i}", "账款支付不到位", "自查摸排", "城关镇", "王伟", "李娜", 20261009, 20261231,
                     "限期支付", "已支付" if done else "正在协调", status, 20261110 if done else "/",
                     "赵敏" if closed else "—", 20261115 if closed else "无"])
    sheet(ws, 1, header, rows)
    wb.save(HERE / "hazard_column_names.xlsx")

    # notes and group titles merged across the table, pre-numbered blank rows, a total without 合计, a date footer
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    header = ["序号"] + HEAD + ["涉及金额（万元）"]
    width = len(header)
    sheet(ws, 1, header, [])

    def across(row: int, text: str) -> None:
        put(ws, row, 1, text)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)

    across(2, "一、账款支付不到位")
    for r, i in ((3, 1), (4, 2)):
        for c, v in enumerate([i] + good_row(i) + [12.5], 1):
            put(ws, r, c, v)
    across(5, "说明：以上问题由区发改委牵头核查，隐患类型：按照《办法》第三条认定。")
    across(6, "二、合作协议不履行")
    for c, v in enumerate([3] + good_row(3) + [10], 1):
        put(ws, 7, c, v)
    ws.cell(7, 5).value = "合作协议不履行"
    put(ws, 8, width, 35)                     # the sum of 涉及金额, without the word 合计
    put(ws, 9, 1, 4)                          # numbered in advance, left blank
    put(ws, 10, 1, 5)
    put(ws, 11, 1, "合计")
    put(ws, 11, 2, "3件")
    across(12, "备注：本表一式两份，报区专项办。")
    put(ws, 13, 10, "2026年11月20日")          # the footer's date, alone
    put(ws, 14, 12, D(2026, 11, 20))
    wb.save(HERE / "notes_merged_across.xlsx")

    # rows filtered out by an AutoFilter (cases), and a row hidden by hand below the table
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    sheet(ws, 1, HEAD, [good_row(i) for i in range(1, 6)])
    ws.auto_filter.ref = "A1:P6"
    ws.auto_filter.add_filter_column(12, ["整改中"])
    ws.cell(3, 13).value = "已办结"
    ws.cell(3, 14).value = D(2026, 11, 1)
    ws.cell(5, 13).value = "已办结"
    ws.cell(5, 14).value = D(2026, 11, 2)
    ws.row_dimensions[3].hidden = True
    ws.row_dimensions[5].hidden = True
    for c, v in enumerate(good_row(9), 1):
        put(ws, 8, c, v)
    ws.row_dimensions[8].hidden = True
    wb.save(HERE / "filtered_rows.xlsx")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print("LibreOffice not found: lo/filtered_rows.xls/.ods not rebuilt")
        return
    for fmt in ("xls", "ods"):  # LibreOffice writes filtered rows as hidden (.xls) and visibility="filter" (.ods)
        subprocess.run([soffice, "--headless", "--convert-to", fmt, "--outdir", str(HERE / "lo"), str(HERE / "filtered_rows.xlsx")],
                       check=True, capture_output=True, timeout=240)


def footer_at_the_left() -> None:
    """The footer's date written at the left, in the 序号 column (a date cell, and a date typed as text), below a
    row numbered in advance: the dates are the footer, not numbered blank rows ("第2026-11-20号"). No third-party
    content."""
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    sheet(ws, 1, ["序号"] + HEAD, [[i] + good_row(i) for i in (1, 2)])
    put(ws, 4, 1, 3)                          # numbered in advance, left blank
    put(ws, 5, 1, D(2026, 11, 20))            # the footer's date, a date cell under 序号
    put(ws, 6, 1, "2026年11月20日")            # the same typed as text
    wb.save(HERE / "footer_at_the_left.xlsx")


if __name__ == "__main__":
    title_and_unit_line()
    renamed_reordered()
    instruction_first_hidden()
    every_error()
    zero_report()
    files_that_are_not_ledgers()
    csv_files()
    libreoffice_copies()
    hostile()
    xls_saved_as_xlsx()
    subtotal_groups()
    panicking_xls()
    huge_declared_sheets()
    encrypted_legacy()
    odd_but_real_workbooks()
    default_key()
    real_ledgers()
    footer_at_the_left()
    print("corpus rebuilt in", HERE)
