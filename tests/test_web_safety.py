"""The browser door probed as an attacker would: another user of the same computer (another port on 127.0.0.1,
the process list, a shared folder with links in it, a terminal) or the author of a web page the clerk visits,
and the file vetting it relies on (xlsx.safety)."""

from __future__ import annotations

import asyncio
import http.server
import io
import logging
import os
import re
import shutil
import socket
import stat
import threading
import time
import warnings
import zipfile
from pathlib import Path
from urllib.parse import urlencode

import pytest

pytest.importorskip("starlette")
from conftest import REPORT_DAY  # noqa: E402
from test_web import BASE, PORT, TOKEN, upload  # noqa: E402
from webserve import chrome, free_port, serving  # noqa: E402

from taizhang.doors.web.app import PrintableFormatter, create_app, open_file_for, printable, safe_name  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PREFIX = "s3cr3t-r00t-Abc123"
ROOT = f"{BASE}/{PREFIX}"


@pytest.fixture(autouse=True)
def _log_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TAIZHANG_LOG_DIR", str(tmp_path / "log"))


def rooted(folder: Path, **kw) -> TestClient:
    app = create_app(folder, TOKEN, PORT, prefix=PREFIX, **kw)
    c = TestClient(app, base_url=ROOT, headers={"Origin": BASE}, follow_redirects=True)
    c.get(f"/?token={TOKEN}")
    return c


@pytest.fixture
def web(fresh_sample):
    with rooted(fresh_sample.root) as c:
        yield c, fresh_sample





# --------------------------------------------------------------------------- 7. the cookie stays with its port

def test_with_a_prefix_every_address_is_under_it_and_so_is_the_cookie(fresh_sample):
    app = create_app(fresh_sample.root, TOKEN, PORT, prefix=PREFIX)
    with TestClient(app, base_url=BASE, headers={"Origin": BASE}, follow_redirects=False) as c:
        r = c.get(f"/{PREFIX}/report?m=x&token={TOKEN}")
        assert r.status_code == 303 and r.headers["location"] == f"/{PREFIX}/report?m=x"
        cookie = r.headers["set-cookie"]
        assert f"taizhang_token_{PORT}={TOKEN}" in cookie and f"Path=/{PREFIX}/" in cookie
        for path in ("/", f"/?token={TOKEN}", "/report", "/static/app.js", f"/{PREFIX}x/", "/favicon.ico"):
            r = c.get(path)
            assert r.status_code == 404, path  # nothing outside the root, and the page does not say where it is
            assert PREFIX not in r.text and r.headers["content-security-policy"].startswith("default-src 'self'")
        assert c.get(f"/{PREFIX}").headers["location"] == f"/{PREFIX}/"  # the cookie's path
        r = c.get(f"/{PREFIX}/")
        assert r.status_code == 200
        for link in re.findall(r'(?:href|src|action)="([^"#]+)"', r.text):
            assert link.startswith(f"/{PREFIX}/"), link
        assert f'data-root="/{PREFIX}"' in r.text
        assert c.get(f"/{PREFIX}/static/app.js").status_code == 200


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Another local user's server: records the Cookie header of every request, makes sub-requests to itself."""

    seen: list[tuple[str, str]] = []

    def do_GET(self):  # noqa: N802 - the standard library's name
        self.seen.append((self.path, self.headers.get("Cookie", "")))
        body = (b"<html><body><img src='/sub.png'><img src='/" + PREFIX.encode() + b"x/sub.png'>"
                b"<iframe src='/frame'></iframe><a id='l' href='/link'>x</a></body></html>")
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Set-Cookie", "probe=1; Path=/")  # the control: this server does receive cookies
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def rooted_live(fresh_sample):
    port = free_port()
    with serving(create_app(fresh_sample.root, TOKEN, port, prefix=PREFIX), port):
        yield f"http://127.0.0.1:{port}", fresh_sample


@pytest.fixture
def browser():
    with chrome() as driver:
        yield driver


def test_a_real_browser_never_sends_the_token_to_another_port(rooted_live, browser, tmp_path):
    """Chromium, logged in to the page, then sent to another server on 127.0.0.1 (as a link from a foreign site
    would): that server and its own sub-requests see its cookie, never ours."""
    from selenium.webdriver.common.by import By

    base, s = rooted_live
    other_port = free_port()
    _Recorder.seen = []
    other = http.server.ThreadingHTTPServer(("127.0.0.1", other_port), _Recorder)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        # the browser is opened as `serve` opens it: through a file only this user can read
        page = open_file_for(f"{base}/{PREFIX}/?token={TOKEN}")
        browser.get(page.as_uri())
        for _ in range(100):
            if browser.current_url.startswith(base):
                break
            time.sleep(0.1)
        assert browser.current_url == f"{base}/{PREFIX}/" and "台账总表" in browser.title
        ours = [c for c in browser.get_cookies() if c["value"] == TOKEN]
        assert ours and ours[0]["path"] == f"/{PREFIX}/"
        o = f"http://127.0.0.1:{other_port}"
        for path in ("/", "/", f"/{PREFIX}x/", "/static/app.css"):
            browser.get(o + path)
            browser.find_element(By.ID, "l").click()
        time.sleep(0.5)
        browser.get(f"{base}/{PREFIX}/report?m={s.master.name}")  # still logged in on our own page
        assert "报送文件夹" in browser.page_source
    finally:
        other.shutdown()
        other.server_close()
        shutil.rmtree(page.parent, ignore_errors=True)
    seen = _Recorder.seen
    assert len(seen) >= 12 and {"/sub.png", "/frame", "/link"} <= {p for p, _ in seen}
    assert any("probe=1" in cookie for _, cookie in seen)  # cookies do reach that server…
    assert not [c for _, c in seen if TOKEN in c or "taizhang_token" in c]  # …but never ours


# --------------------------------------------------------------------------- 8, 10. serve: bind, then print and open

def test_serve_binds_first_and_opens_the_browser_through_a_private_file(tmp_path, monkeypatch, capsys):
    import webbrowser

    import uvicorn

    from taizhang.doors.cli import main

    opened, seen = [], {}

    def run(server, sockets):
        seen["listening"] = sockets[0].getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
        for _ in range(50):
            if opened:
                break
            time.sleep(0.1)
        from urllib.parse import unquote

        page = Path(unquote(opened[0][len("file://"):]))
        seen.update(mode=stat.S_IMODE(page.stat().st_mode), dir_mode=stat.S_IMODE(page.parent.stat().st_mode),
                    text=page.read_text(encoding="utf-8"), page=page)

    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.setattr(webbrowser, "open", opened.append)
    monkeypatch.setenv("DISPLAY", ":99")
    assert main(["serve", "--folder", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    address = re.search(r"http://127\.0\.0\.1:\d+/[\w-]+/\?token=([\w-]+)", out)
    token = address.group(1)
    assert seen["listening"] == 1  # bound and listening before anything was printed or opened
    assert len(opened) == 1 and opened[0].startswith("file://") and token not in opened[0]  # not on the command line
    assert seen["mode"] == 0o600 and seen["dir_mode"] == 0o700
    assert f'url={address.group(0)}"' in seen["text"]
    assert not seen["page"].exists()  # removed when the server stops


def test_a_taken_port_is_said_in_chinese_and_nothing_is_printed_or_opened(tmp_path, monkeypatch, capsys):
    import webbrowser

    import uvicorn

    from taizhang.doors.cli import main

    opened = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets: pytest.fail("served on a taken port"))
    monkeypatch.setenv("DISPLAY", ":99")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        assert main(["serve", "--folder", str(tmp_path), "--port", str(port)]) == 2
    out, err = capsys.readouterr()
    assert f"端口 {port} 已被其他程序占用" in err and "Errno" not in err + out
    assert "token" not in out and "已启动" not in out
    time.sleep(0.7)
    assert opened == []


# --------------------------------------------------------------------------- 9. nothing reaches a terminal raw

def test_control_characters_are_escaped_in_the_log_and_in_what_serve_prints(web, caplog, tmp_path, monkeypatch, capsys):
    c, s = web
    evil = "\x1b[2J\x1b[1A\r台账助手网页已重启，请打开：http://evil.example/\n\u202e"
    with caplog.at_level(logging.INFO, logger="taizhang.web"):
        c.cookies.clear()
        from urllib.parse import quote

        r = c.get("/" + quote(evil))  # refused: no cookie (the server decodes %1B to ESC)
        assert r.status_code == 403
        TestClient(c.app, base_url=BASE).get("/" + quote(evil) + "/img.png")  # outside the root
    lines = [rec.getMessage() for rec in caplog.records]
    assert len(lines) >= 2 and all("\\x1b[2J" in line for line in lines)
    for line in lines:
        assert not re.search(r"[\x00-\x1f\x7f\u202e]", line), repr(line)

    # a formatter for every other logger (uvicorn's) does the same, and keeps a traceback's own lines
    try:
        raise ValueError("bad \x1b[31m")
    except ValueError:
        import sys

        record = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, "x %s", ("\x1b]0;title\x07",),
                                   sys.exc_info())
    text = PrintableFormatter("%(message)s").format(record)
    assert "\x1b" not in text and "\x07" not in text and "\\x1b]0;title\\x07" in text and "Traceback" in text
    assert text.count("\n") >= 2
    assert printable("a\nb") == "a\\x0ab" and printable("a\nb", keep_newlines=True) == "a\nb"

    # serve prints the folder's name escaped
    import uvicorn

    from taizhang.doors.cli import main

    folder = tmp_path / "报送\x1b[31m红"
    folder.mkdir()
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets: None)
    assert main(["serve", "--folder", str(folder), "--no-browser"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "报送\\x1b[31m红" in out


# --------------------------------------------------------------------------- 11. links are never followed

def _outside(tmp_path: Path, s) -> tuple[Path, Path]:
    out = tmp_path / "outside"
    out.mkdir()
    secret = out / "别人的台账.xlsx"
    shutil.copy2(s.master, secret)
    (out / "passwd").write_text("root:x:0:0\n")
    return out, secret


@pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges on Windows")
def test_links_in_the_served_folder_are_never_followed(web, tmp_path):
    c, s = web
    out, secret = _outside(tmp_path, s)
    before = secret.read_bytes()
    m = s.master.name
    (s.root / "链接台账.xlsx").symlink_to(secret)
    (s.root / "链接下载.pdf").symlink_to(out / "passwd")
    (s.root / "外部文件夹").symlink_to(out, target_is_directory=True)

    # reads: not listed, not downloadable, not a master
    home = c.get("/").text
    assert "链接台账.xlsx" not in home and m in home
    for name in ("链接台账.xlsx", "链接下载.pdf"):
        assert c.get(f"/download?m={m}&name={name}").status_code == 404
    assert c.get("/report?m=链接台账.xlsx").status_code == 404
    r = c.get(f"/report?m={m}")
    assert "外部文件夹" not in r.text
    assert c.get(f"/report?m={m}&r=外部文件夹").status_code == 404

    # writes: into a linked folder, by either way of naming it
    src = next(p for p in sorted(s.submissions.glob("*.xlsx")) if not p.name.startswith("~$"))
    assert upload(c, m, src.name, src.read_bytes(), folder="外部文件夹").status_code == 404
    r = c.post(f"/upload?m={m}", data={"new_folder": "外部文件夹"}, files={"file": (src.name, src.read_bytes())},
               headers={"Accept": "application/json"})
    assert r.status_code == 403 and "链接" in r.json()["error"]
    assert sorted(p.name for p in out.iterdir()) == ["passwd", "别人的台账.xlsx"]

    # a link inside the report folder: shown as a link, never read, and the merge refuses to run
    (s.submissions / "链接报送.xlsx").symlink_to(secret)
    (s.submissions / "子文件夹").symlink_to(out, target_is_directory=True)
    r = c.get(f"/report?m={m}&r=报送")
    assert "链接报送.xlsx" in r.text and "台账助手不读取链接" in r.text
    assert c.get(f"/marked?m={m}&r=报送&f=链接报送.xlsx").status_code == 403
    master_before = s.master.read_bytes()
    r = c.post(f"/merge?m={m}", data={"r": "报送", "today": "2026-11-23"}, headers={"Accept": "application/json"})
    assert r.status_code == 403 and "链接报送.xlsx" in r.json()["error"] and "子文件夹" in r.json()["error"]
    assert s.master.read_bytes() == master_before

    # an upload over a link replaces the link itself: the file it pointed at is neither read nor written
    (s.submissions / "链接报送.xlsx").unlink()
    (s.submissions / "子文件夹").unlink()
    (s.submissions / src.name).unlink()
    (s.submissions / src.name).symlink_to(secret)
    r = upload(c, m, src.name, src.read_bytes())
    assert r.status_code == 200 and not r.json()["replaced"]
    assert not (s.submissions / src.name).is_symlink() and (s.submissions / src.name).read_bytes() == src.read_bytes()
    assert secret.read_bytes() == before
    kept = s.root / "台账备份" / "被替换的报送文件"
    assert not kept.exists() or not any(p.read_bytes() == before for p in kept.iterdir())

    # an output beside the master that is a link is not written through
    (s.root / f"{s.master.stem}-汇总-2026-11-23.xlsx").symlink_to(out / "passwd")
    r = c.post(f"/summary/make?m={m}", data={"today": "2026-11-23", "kind": "summary", "public": "0"})
    assert r.status_code == 403
    assert (out / "passwd").read_text() == "root:x:0:0\n"


@pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges on Windows")
def test_a_linked_backup_folder_stops_every_write(web, tmp_path):
    c, s = web
    out, _ = _outside(tmp_path, s)
    shutil.rmtree(s.root / "台账备份", ignore_errors=True)
    (s.root / "台账备份").symlink_to(out, target_is_directory=True)
    m = s.master.name
    before = s.master.read_bytes()
    r = c.post(f"/merge?m={m}", data={"r": "报送", "today": "2026-11-23"}, headers={"Accept": "application/json"})
    assert r.status_code == 403 and "台账备份" in r.json()["error"]
    assert c.post(f"/assign?m={m}", data={"today": "2026-11-23"}).status_code == 403
    assert c.post(f"/summary/make?m={m}", data={"today": "2026-11-23", "kind": "summary"}).status_code == 403
    assert s.master.read_bytes() == before and sorted(p.name for p in out.iterdir()) == ["passwd", "别人的台账.xlsx"]


# --------------------------------------------------------------------------- 12. the size limit while streaming

def _multipart_chunks(boundary: str, total: int, chunk: int = 64 * 1024):
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"r\"\r\n\r\n报送\r\n"
           f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"大.xlsx\"\r\n"
           f"Content-Type: application/octet-stream\r\n\r\n").encode()
    sent = 0
    while sent < total:
        yield b"PK\x03\x04" + b"\0" * (chunk - 4)
        sent += chunk
    yield f"\r\n--{boundary}--\r\n".encode()


def test_a_chunked_upload_is_refused_while_it_streams(fresh_sample):
    """A body without Content-Length (chunked) is counted as it arrives: refused soon after the limit, not after
    the whole body was stored."""
    limit = 1024 * 1024
    app = create_app(fresh_sample.root, TOKEN, PORT, max_upload=limit)
    boundary = "taizhangboundary"
    body = _multipart_chunks(boundary, 40 * limit)
    consumed = 0
    sent: list[dict] = []

    async def receive():
        nonlocal consumed
        try:
            data = next(body)
        except StopIteration:
            return {"type": "http.request", "body": b"", "more_body": False}
        consumed += len(data)
        return {"type": "http.request", "body": data, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/upload", "raw_path": b"/upload", "root_path": "",
             "query_string": urlencode({"m": fresh_sample.master.name}).encode(), "server": ("127.0.0.1", PORT),
             "client": ("127.0.0.1", 50000),
             "headers": [(b"host", f"127.0.0.1:{PORT}".encode()), (b"origin", BASE.encode()),
                         (b"accept", b"application/json"), (b"transfer-encoding", b"chunked"),
                         (b"cookie", f"taizhang_token_{PORT}={TOKEN}".encode()),
                         (b"content-type", f"multipart/form-data; boundary={boundary}".encode())]}
    before = sorted(p.name for p in fresh_sample.submissions.iterdir())
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    text = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode()
    assert "上限" in text
    assert consumed < 3 * limit, f"{consumed // 1048576} MiB read before the refusal"
    assert sorted(p.name for p in fresh_sample.submissions.iterdir()) == before


# --------------------------------------------------------------------------- 13. the whole prolog of every part

def _rewritten(src: Path, dst: Path, part: str, change) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, change(data) if info.filename == part else data)
    return dst


DOCTYPE = b'<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'


def _after_decl(data: bytes, insert: bytes) -> bytes:
    end = data.index(b"?>") + 2 if data.startswith(b"<?xml") else 0
    return data[:end] + insert + data[end:]


@pytest.mark.parametrize("part", ["xl/workbook.xml", "[Content_Types].xml", "xl/worksheets/sheet1.xml", "_rels/.rels"])
@pytest.mark.parametrize("comment", [5000, 3 * 1024 * 1024])
def test_a_doctype_after_a_long_comment_is_refused(sample, tmp_path, part, comment):
    from taizhang.xlsx.safety import FileProblem, sniff

    src = next(p for p in sorted(sample.submissions.glob("*.xlsx")) if not p.name.startswith("~$"))
    pad = b"<!-- " + b"x" * comment + b" -->\n<?pi " + b"y" * 100 + b"?>\n"
    bad = _rewritten(src, tmp_path / "bad.xlsx", part, lambda d: _after_decl(d, pad + DOCTYPE))
    with pytest.raises(FileProblem) as e:
        sniff(bad)
    assert e.value.code == "file-too-large" and "实体" in e.value.message and part in e.value.message
    ok = _rewritten(src, tmp_path / "ok.xlsx", part, lambda d: _after_decl(d, pad))
    assert sniff(ok).kind == "xlsx"  # comments alone are fine


def test_a_doctype_in_utf16_is_refused(sample, tmp_path):
    from taizhang.xlsx.safety import FileProblem, sniff

    src = next(p for p in sorted(sample.submissions.glob("*.xlsx")) if not p.name.startswith("~$"))

    def utf16(data: bytes) -> bytes:
        text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
        text = _after_decl(text.encode("utf-8"), b"<!-- " + b"z" * 9000 + b" -->" + DOCTYPE).decode("utf-8")
        return text.encode("utf-16")

    bad = _rewritten(src, tmp_path / "bad16.xlsx", "xl/workbook.xml", utf16)
    with pytest.raises(FileProblem, match="实体"):
        sniff(bad)


def test_a_sheet_under_any_name_is_checked(sample, tmp_path):
    """A worksheet part need not be named .xml (the relationships name it); what starts with "<" is XML."""
    from taizhang.xlsx.safety import FileProblem, sniff

    src = next(p for p in sorted(sample.submissions.glob("*.xlsx")) if not p.name.startswith("~$"))
    bad = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
        zout.writestr("xl/worksheets/data", b'<?xml version="1.0"?>\n<!--' + b"c" * 8000 + b"-->" + DOCTYPE + b"<worksheet/>")
    with pytest.raises(FileProblem, match="实体"):
        sniff(bad)


def test_a_long_comment_doctype_upload_is_refused_on_the_page(web, tmp_path):
    c, s = web
    src = next(p for p in sorted(s.submissions.glob("*.xlsx")) if not p.name.startswith("~$"))
    bad = _rewritten(src, tmp_path / "长注释.xlsx", "xl/workbook.xml",
                     lambda d: _after_decl(d, b"<!--" + b"x" * 10000 + b"-->" + DOCTYPE))
    before = sorted(p.name for p in s.submissions.iterdir())
    r = upload(c, s.master.name, bad.name, bad.read_bytes())
    assert r.status_code == 400 and "实体" in r.json()["error"]
    assert sorted(p.name for p in s.submissions.iterdir()) == before


# --------------------------------------------------------------------------- 14. and the rest

def _docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph("关于报送台账的说明")
    d.save(path)
    return path


def _pptx_like(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
                   ' Target="ppt/presentation.xml"/></Relationships>')
        z.writestr("ppt/presentation.xml", '<?xml version="1.0"?><p:presentation xmlns:p="x"/>')
    return path


@pytest.mark.parametrize("name", ["说明.xlsx", "说明.xls", "说明.xlsm"])
def test_a_real_word_document_renamed_is_named_as_such(tmp_path, name):
    from taizhang.xlsx.safety import FileProblem, sniff

    doc = _docx(tmp_path / "说明.docx")
    renamed = tmp_path / name
    shutil.copy(doc, renamed)
    with pytest.raises(FileProblem) as e:
        sniff(renamed)
    assert e.value.code == "file-not-workbook"
    assert e.value.message.startswith(f"{name}：这是 Word 文档（改了扩展名）") and "损坏" not in e.value.message
    pp = _pptx_like(tmp_path / ("演示" + renamed.suffix))
    with pytest.raises(FileProblem, match="这是 PowerPoint 演示文稿（改了扩展名）"):
        sniff(pp)


def test_a_word_document_renamed_through_the_check_job_and_the_page(web, tmp_path):
    from taizhang.jobs import run_validate

    c, s = web
    doc = _docx(tmp_path / "说明.docx")
    renamed = shutil.copy(doc, tmp_path / "城关镇报送.xlsx")
    res = run_validate(Path(renamed), REPORT_DAY, None, "xinguan", None)
    said = (res.refusal or "") + " ".join(f.message for f in res.report.findings)
    assert "这是 Word 文档（改了扩展名）" in said and "已损坏" not in said
    r = upload(c, s.master.name, "城关镇报送.xls", doc.read_bytes())
    assert r.status_code == 400 and "这是 Word 文档（改了扩展名）" in r.json()["error"]
    assert "xlsx 格式" not in r.json()["error"]


def test_refusals_carry_the_security_headers(web):
    c, _ = web
    for response in (c.get("/", headers={"Host": "evil.example:8765"}), c.get("/", headers={"Origin": "http://evil.example"}),
                     TestClient(c.app, base_url=ROOT).get("/"), TestClient(c.app, base_url=BASE).get("/x")):
        assert response.status_code in (403, 404, 421)
        h = response.headers
        assert h["content-security-policy"].startswith("default-src 'self'") and h["x-frame-options"] == "DENY"
        assert h["x-content-type-options"] == "nosniff" and h["cache-control"] == "no-store"
        assert h["referrer-policy"] == "same-origin"


def test_a_long_chinese_file_name_is_saved_shortened_not_a_500(web):
    c, s = web
    src = next(p for p in sorted(s.submissions.glob("*.xlsx")) if not p.name.startswith("~$"))
    names = []
    for n in (84, 200):
        for tail in ("甲", "乙"):
            name = "城关镇" + "关于报送专项整治工作台账的情况说明" * (n // 17 + 1) + tail + ".xlsx"
            assert len(name) > 84
            r = upload(c, s.master.name, name, src.read_bytes())
            assert r.status_code == 200, r.text
            saved = r.json()["saved"]
            assert saved.startswith("城关镇关于报送") and saved.endswith(".xlsx") and len(saved.encode()) <= 150
            names.append(saved)
    assert len(set(names)) == 4  # two long names that share their start do not replace each other
    assert all((s.submissions / n).read_bytes() == src.read_bytes() for n in names)
    r = c.post(f"/upload?m={s.master.name}", data={"new_folder": "报送" * 60}, files={"file": (src.name, src.read_bytes())},
               headers={"Accept": "application/json"})
    assert r.status_code == 400 and "不可用" in r.json()["error"]


@pytest.mark.parametrize("raw, saved", [
    ("CON .xlsx", "_CON.xlsx"), ("con.xlsx", "_con.xlsx"), ("Nul.tar.xlsx", "_Nul.tar.xlsx"), ("COM1 .xlsx", "_COM1.xlsx"),
    ("lpt\u00b9.xlsx", "_lpt\u00b9.xlsx"), ("CONIN$.xlsx", "_CONIN$.xlsx"), ("aux . .xlsx", "_aux.xlsx"),
    ("报送 .xlsx", "报送.xlsx"), ("CONSOLE.xlsx", "CONSOLE.xlsx"), ("com10.xlsx", "com10.xlsx")])
def test_windows_device_names_are_renamed(raw, saved):
    assert safe_name(raw, {".xlsx"}) == saved


def test_reserved_folder_names_are_refused():
    from taizhang.doors.web.app import WebError, safe_folder_name

    for bad in ("CON ", "aux.", "Nul.报送", "lpt9"):
        with pytest.raises(WebError):
            safe_folder_name(bad)
    assert safe_folder_name("报送 .") == "报送"


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_the_log_file_is_readable_by_this_user_only(tmp_path, monkeypatch):
    from taizhang import errors
    from taizhang.doors.web.app import _private_log
    from taizhang.xlsx.safety import log_original

    monkeypatch.setattr(os, "umask", os.umask)  # keep the process umask as it is
    old = os.umask(0o022)
    try:
        try:
            raise RuntimeError("x")
        except RuntimeError:
            path = errors.log_exception("test")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        path.unlink()
        log_original("opening 城关镇.xlsx", OSError("x"))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        path.chmod(0o644)  # a log written by an earlier version
        _private_log()  # serve makes it private on start
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_an_error_page_outside_the_root_has_no_links_to_it(fresh_sample):
    app = create_app(fresh_sample.root, TOKEN, PORT, prefix=PREFIX)
    with TestClient(app, base_url=BASE) as c:
        r = c.get("/")
        assert r.status_code == 404 and PREFIX not in r.text and "/static/" not in r.text
        assert io.StringIO(r.text).read().count('href="#"') >= 1
