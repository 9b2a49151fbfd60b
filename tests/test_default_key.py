"""Files encrypted with Excel's built-in key ("VelvetSweatshop") are read as Excel reads them, with a note;
files with a real open password are refused as before; the decrypted content meets every size and bomb check."""

import io
import json
import shutil
import zipfile

import msoffcrypto
import pytest
from conftest import REPORT_DAY, needs_libreoffice
from msoffcrypto.format.ooxml import OOXMLFile
from test_corpus import CORPUS

from taizhang.doors.cli import main
from taizhang.rules.rulebook import find_rulebook
from taizhang.rules.validate import validate_file
from taizhang.xlsx import safety
from taizhang.xlsx.safety import DEFAULT_PASSWORD, FileProblem, sniff

DEFAULT_KEY = ["default_key_rc4.xls", "default_key_cryptoapi.xls", "default_key.xlsx"]
REAL_PASSWORD = ["encrypted_rc4.xls", "encrypted_cryptoapi.xls", "encrypted.xlsx"]


def _opens_with(path, password: str) -> str | None:
    """msoffcrypto-tool's own verdict: the kind of encryption when ``password`` opens the file, else None."""
    with open(path, "rb") as fh:
        office = msoffcrypto.OfficeFile(fh)
        try:
            office.load_key(password=password, **({"verify_password": True} if isinstance(office, OOXMLFile) else {}))
        except msoffcrypto.exceptions.InvalidKeyError:
            return None
        return office.type


@pytest.mark.parametrize("name", DEFAULT_KEY + REAL_PASSWORD)
def test_the_corpus_files_are_what_their_names_say(name):
    """The default-key files open with Excel's key and the others only with their own password (123456)."""
    kind = "agile" if name.endswith(".xlsx") else "rc4_cryptoapi" if "cryptoapi" in name else "rc4"
    if name in DEFAULT_KEY:
        assert _opens_with(CORPUS / name, DEFAULT_PASSWORD) == kind
    else:
        assert _opens_with(CORPUS / name, DEFAULT_PASSWORD) is None and _opens_with(CORPUS / name, "123456") == kind


@pytest.mark.parametrize("name", DEFAULT_KEY)
def test_a_default_key_file_is_read_with_its_rows_and_a_note(name, capsys):
    code = main(["validate", str(CORPUS / name), "--preset", "xinguan", "--json", "--today", REPORT_DAY.isoformat()])
    res = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (res["sheet"], res["header_row"], res["rows"], res["rows_ok"], res["unit"]) == ("台账", 3, 2, 2, "城关镇")
    [note] = [f for f in res["findings"] if f["code"] == "file-default-password"]
    assert note["severity"] == "info" and note["file"] == name
    assert name in note["message"] and "默认密钥" in note["message"] and "无需处理" in note["message"]
    assert not [f for f in res["findings"] if f["severity"] == "error"]
    main(["validate", str(CORPUS / name), "--preset", "xinguan", "--today", REPORT_DAY.isoformat()])
    assert "默认密钥" in capsys.readouterr().out  # the terminal account says so too


@pytest.mark.parametrize("name", REAL_PASSWORD)
def test_a_real_open_password_is_still_refused(name, capsys):
    code = main(["validate", str(CORPUS / name), "--preset", "xinguan", "--json"])
    res = json.loads(capsys.readouterr().out)
    assert code == 2
    assert [f["code"] for f in res["findings"]] == ["file-encrypted"]
    assert res["findings"][0]["message"].startswith(f"{name} 设置了打开密码，台账助手无法读取。")


def test_the_decrypted_rows_are_the_plain_files_rows():
    book = find_rulebook("xinguan")
    plain = {n: validate_file(CORPUS / n, rulebook=book, today=REPORT_DAY)[1].frame for n in
             ("title_and_unit_line.xlsx", "lo/title_and_unit_line.xls")}
    for name in DEFAULT_KEY:
        frame = validate_file(CORPUS / name, rulebook=book, today=REPORT_DAY)[1].frame
        same = plain["title_and_unit_line.xlsx" if name.endswith(".xlsx") else "lo/title_and_unit_line.xls"]
        assert frame.astype(str).equals(same.astype(str)), name


def test_the_marked_copy_of_a_default_key_xlsx_is_its_own_sheet_unencrypted(tmp_path, capsys):
    from openpyxl import load_workbook

    out = tmp_path / "标注.xlsx"
    assert main(["validate", str(CORPUS / "default_key.xlsx"), "--preset", "xinguan", "--marked", str(out)]) == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["校验结果", "台账"]
    assert wb["台账"]["A4"].value == "CG-2026-001" and wb["台账"]["A1"].value == "新官不理旧账问题台账"  # the unit's own sheet
    assert "file-default-password" in [r[1] for r in wb["校验结果"].iter_rows(values_only=True)]


def _encrypted(package: bytes, password: str = DEFAULT_PASSWORD) -> bytes:
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(package)).encrypt(password, out)
    return out.getvalue()


CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                 'spreadsheetml.sheet.main+xml"/></Types>')


def test_a_zip_bomb_under_the_default_key_is_refused_quickly(tmp_path):
    import time

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for _ in range(48):  # 768 MB of zeros
                fh.write(b"\0" * (1 << 24))
    path = tmp_path / "城关镇.xlsx"
    path.write_bytes(_encrypted(bomb.getvalue()))
    t = time.perf_counter()
    with pytest.raises(FileProblem) as info:
        sniff(path)
    assert time.perf_counter() - t < 5
    assert info.value.code == "file-too-large" and "炸弹" in info.value.message


def test_an_entity_bomb_under_the_default_key_is_refused(tmp_path):
    src = zipfile.ZipFile(CORPUS / "entity_bomb.xlsx")
    path = tmp_path / "城关镇.xlsx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    path.write_bytes(_encrypted(buf.getvalue()))
    with pytest.raises(FileProblem) as info:
        sniff(path)
    assert info.value.code == "file-too-large" and "实体" in info.value.message


def test_decryption_is_bounded(monkeypatch):
    monkeypatch.setattr(safety, "MAX_DECRYPTED_XLS", 1024)  # a .xls workbook stream beyond this is not decrypted
    with pytest.raises(FileProblem) as info:
        sniff(CORPUS / "default_key_rc4.xls")
    assert info.value.code == "file-too-large" and "默认密钥" in info.value.message
    monkeypatch.setattr(safety, "MAX_SPIN_COUNT", 50_000)  # Excel hashes 100000 times; a key costing more is not tried
    with pytest.raises(FileProblem) as info:
        sniff(CORPUS / "default_key.xlsx")
    assert info.value.code == "file-encrypted"
    monkeypatch.setattr(safety, "MAX_FILE", 1024)  # the decrypted file meets the size limit too
    with pytest.raises(FileProblem) as info:
        safety._vet_decrypted(CORPUS / "default_key.xlsx", b"PK\x03\x04" + bytes(2048), [], {}, [])
    assert info.value.code == "file-too-large" and "解密后" in info.value.message


def test_a_decrypted_word_document_is_not_a_workbook(tmp_path):
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES.replace("spreadsheetml.sheet", "wordprocessingml.document")
                   .replace("/xl/workbook.xml", "/word/document.xml"))
        z.writestr("word/document.xml", "<w:document/>" + " " * 5000)  # msoffcrypto-tool's round trip needs 4 KB or more
    path = tmp_path / "报送.xlsx"
    path.write_bytes(_encrypted(docx.getvalue()))
    with pytest.raises(FileProblem) as info:
        sniff(path)
    assert info.value.code == "file-not-workbook" and "Word" in info.value.message


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_merge_reads_default_key_files_in_worker_processes(fresh_sample, monkeypatch, capsys, tmp_path, workers):
    """The same folder merged with two units' files encrypted with the default key gives the same accounts as plain,
    in one process and in worker processes; a real password is refused; nothing is written beside the files."""
    from taizhang.book import merge as merge_mod

    s = fresh_sample
    monkeypatch.setenv("TAIZHANG_WORKERS", "1")

    def merge(out: str) -> dict:
        assert main(["merge", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat(), "--json",
                     "--out", str(tmp_path / out)]) == 0
        return json.loads(capsys.readouterr().out)

    plain = merge("plain.xlsx")
    chosen = sorted(p for p in s.submissions.iterdir() if p.name.startswith("区") and p.suffix == ".xlsx")[:2]
    for p in chosen:
        p.write_bytes(_encrypted(p.read_bytes()))
    shutil.copy(CORPUS / "encrypted_cryptoapi.xls", s.submissions / "加密的报送表.xls")
    before = sorted(p.name for p in s.submissions.iterdir())
    monkeypatch.setenv("TAIZHANG_WORKERS", workers)
    monkeypatch.setattr(merge_mod, "PARALLEL_MIN_BYTES", 0)  # worker processes even for the small sample
    res = merge("encrypted.xlsx")
    assert sorted(p.name for p in s.submissions.iterdir()) == before  # no decrypted copy beside the units' files
    counts = ("rows_read", "rows_new", "rows_updated", "rows_unchanged", "rows_rejected", "reported_units", "missing_units")
    assert {k: res[k] for k in counts} == {k: plain[k] for k in counts}
    files, plain_files = {f["file"]: f for f in res["files"]}, {f["file"]: f for f in plain["files"]}
    for p in chosen:
        assert files[p.name] == plain_files[p.name] and files[p.name]["status"] == "merged" and files[p.name]["rows_new"] > 0
        notes = [f for f in res["issues"] if f["file"] == p.name and f["code"] == "file-default-password"]
        assert len(notes) == 1 and notes[0]["severity"] == "info"
    assert files["加密的报送表.xls"]["status"] == "rejected" and "设置了打开密码" in files["加密的报送表.xls"]["reason"]


@needs_libreoffice
def test_a_merge_reads_a_default_key_xls_saved_by_libreoffice(fresh_sample, monkeypatch, capsys, tmp_path):
    """A unit's own file saved by LibreOffice as .xls with Excel's default key, merged in worker processes."""
    from corpus.build import _save_with_password

    from taizhang.book import merge as merge_mod

    s = fresh_sample
    src = sorted(p for p in s.submissions.iterdir() if p.name.startswith("区") and p.suffix == ".xlsx")[0]
    staged = tmp_path / src.name
    shutil.move(src, staged)
    out = s.submissions / (src.stem + ".xls")
    _save_with_password([(staged, out, "MS Excel 97", DEFAULT_PASSWORD)])
    assert _opens_with(out, DEFAULT_PASSWORD) == "rc4"
    monkeypatch.setenv("TAIZHANG_WORKERS", "2")
    monkeypatch.setattr(merge_mod, "PARALLEL_MIN_BYTES", 0)
    assert main(["merge", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat(), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    f = next(f for f in res["files"] if f["file"] == out.name)
    assert f["status"] == "merged" and f["rows_new"] > 0 and f["rows_rejected"] == 0 and f["unit"]
    assert any(i["code"] == "file-default-password" and i["file"] == out.name for i in res["issues"])



@needs_libreoffice
def test_libreoffice_also_opens_the_default_key_files_without_asking(tmp_path):
    """Another application's verdict on the built files: LibreOffice, which tries Excel's key as Excel does, opens the
    default-key files silently (the RC4 CryptoAPI one is written by build.py, not by an office suite) and not the others."""
    from conftest import convert

    names = DEFAULT_KEY + REAL_PASSWORD
    convert([CORPUS / n for n in names], "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path)  # 76: UTF-8
    for name in names:
        csv = tmp_path / (name.rsplit(".", 1)[0] + ".csv")
        assert csv.exists() == (name in DEFAULT_KEY), name
        if csv.exists():
            assert "CG-2026-001,城关镇" in csv.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["status", "assign", "summary"])
def test_a_master_encrypted_with_the_default_key_is_refused_in_chinese(fresh_sample, capsys, command):
    """A master is rewritten by status, merge and assign: taizhang reads a default-key master but cannot write it
    back encrypted, so every command refuses it with what to do, instead of failing inside the writer (exit 3)."""
    master = fresh_sample.master
    stamp = _encrypted(master.read_bytes())
    master.write_bytes(stamp)
    capsys.readouterr()
    assert main([command, str(master), "--today", REPORT_DAY.isoformat()]) == 2
    err = capsys.readouterr().err
    assert "加密" in err and "修改权限密码" in err and "报送单位" not in err and "内部出错" not in err
    assert master.read_bytes() == stamp  # untouched
    assert main(["merge", str(master), str(fresh_sample.submissions), "--today", REPORT_DAY.isoformat()]) == 2
    assert "加密" in capsys.readouterr().err
