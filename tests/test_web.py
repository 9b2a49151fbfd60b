"""The browser door (taizhang serve): HTTP-level tests of every page and action, and a real-browser run."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import threading
import time
import warnings
from pathlib import Path

import pytest

pytest.importorskip("starlette")
from conftest import REPORT_DAY, copy_sample  # noqa: E402

from taizhang.doors.web.app import HERE, WebError, create_app, safe_name  # noqa: E402

with warnings.catch_warnings():  # Starlette 1.x suggests httpx2 for its test client; httpx still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CORPUS = Path(__file__).parent / "corpus"
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
TOKEN = "test-token-0123456789"


@pytest.fixture(autouse=True)
def _log_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TAIZHANG_LOG_DIR", str(tmp_path / "log"))


def client_for(folder: Path, **kw) -> TestClient:
    app = create_app(folder, TOKEN, PORT, **kw)
    c = TestClient(app, base_url=BASE, headers={"Origin": BASE}, follow_redirects=True)
    c.get(f"/?token={TOKEN}")  # first visit: token → cookie
    return c


@pytest.fixture
def web(fresh_sample):
    with client_for(fresh_sample.root) as c:
        yield c, fresh_sample


def wait_job(c: TestClient, status_url: str) -> dict:
    for _ in range(600):
        job = c.get(status_url, headers={"Accept": "application/json"}).json()
        if job["state"] != "running":
            return job
        time.sleep(0.1)
    raise AssertionError("merge did not finish")


def no_traceback(text: str) -> None:
    assert "Traceback" not in text and 'File "' not in text


# --------------------------------------------------------------------------- the guard

def test_token_is_required_and_moves_into_a_cookie(sample):
    app = create_app(sample.root, TOKEN, PORT)
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        r = c.get("/")
        assert r.status_code == 403 and "访问口令" in r.text
        r = c.get("/?token=wrong")
        assert r.status_code == 403 and "不正确" in r.text
        r = c.get(f"/report?m=x&token={TOKEN}")
        assert r.status_code == 303 and r.headers["location"] == "/report?m=x"  # the token leaves the address bar
        assert f"taizhang_token_{PORT}={TOKEN}" in r.headers["set-cookie"]
        assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
        assert c.get("/").status_code == 200
        c.cookies.set(f"taizhang_token_{PORT}", "forged")
        assert c.get("/").status_code == 403


def test_host_and_origin_are_checked(web):
    c, s = web
    assert c.get("/", headers={"Host": "evil.example:8765"}).status_code == 421  # DNS rebinding
    assert c.get("/", headers={"Host": "127.0.0.1:9999"}).status_code == 421
    assert c.get("/", headers={"Host": f"localhost:{PORT}", "Origin": f"http://localhost:{PORT}"}).status_code == 200
    r = c.get("/", headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and "其他网页" in r.text
    r = c.post(f"/merge?m={s.master.name}", data={"r": "报送"}, headers={"Origin": "null"})
    assert r.status_code == 403
    # a POST that shows no origin at all (neither Origin nor Referer) is refused too
    del c.headers["Origin"]
    assert c.post(f"/merge?m={s.master.name}", data={"r": "报送"}).status_code == 403
    assert not (s.master.parent / f".~taizhang-lock-{s.master.name}").exists()


def test_state_changes_are_post_only_and_pages_carry_a_csp(web):
    c, s = web
    for path in ("/merge", "/upload", "/new", "/summary/make"):
        r = c.get(f"{path}?m={s.master.name}")
        assert r.status_code == 405 and "只能通过页面上的按钮" in r.text
    r = c.get("/")
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert c.get("/no-such-page").status_code == 404


def test_nothing_is_loaded_from_outside():
    for f in list((HERE / "templates").glob("*.html")) + list((HERE / "static").glob("*")):
        text = f.read_text(encoding="utf-8").replace('xmlns="http://www.w3.org/2000/svg"', "")  # a name, not a load
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), f"external address in {f.name}"
        assert "@import" not in text and "url(" not in text.replace("url('/", "").replace("url(path", "")


@pytest.mark.parametrize("query", [
    "m=../../etc/passwd", "m=/etc/passwd", "m=..%2F..%2Fetc%2Fpasswd", "m=%2e%2e%2fsecret.xlsx",
    "m=C:%5CWindows%5Cwin.ini", "m=报送/x.xlsx"])
def test_master_names_only_from_the_folder(web, query):
    c, _ = web
    for page in ("/report", "/summary", "/download"):
        r = c.get(f"{page}?{query}&name=x.xlsx")
        assert r.status_code == 404 and "没有名为" in r.text
        no_traceback(r.text)


def test_folder_and_file_traversal_is_refused(web, tmp_path):
    c, s = web
    secret = s.root.parent / "secret.xlsx"
    secret.write_bytes(b"PK\x03\x04 secret")
    m = s.master.name
    assert c.get(f"/report?m={m}&r=..").status_code == 404
    assert c.get(f"/report?m={m}&r=/etc").status_code == 404
    r = c.post(f"/merge?m={m}", data={"r": "../"})
    assert r.status_code == 404 and "没有名为" in r.text
    for f in ("../secret.xlsx", "../../secret.xlsx", "/etc/passwd", "..%2Fsecret.xlsx", str(secret)):
        r = c.get(f"/marked?m={m}&r=报送&f={f}")
        assert r.status_code == 404, f
    for name in ("../secret.xlsx", str(secret), "%2e%2e/secret.xlsx", "报送/../../secret.xlsx"):
        assert c.get(f"/download?m={m}&name={name}").status_code == 404
    assert c.get("/static/../app.py").status_code == 404
    assert c.get("/static/..%2fapp.py").status_code == 404
    assert c.get("/validate/marked/../../etc").status_code == 404


def test_safe_name():
    s = {".xlsx", ".csv"}
    assert safe_name("../../evil.xlsx", s) == "evil.xlsx"
    assert safe_name("C:\\Users\\x\\城关镇报送.xlsx", s) == "城关镇报送.xlsx"
    assert safe_name("..\\..\\.hidden.xlsx", s) == "hidden.xlsx"
    assert safe_name("a<b>:c|d?.xlsx", s) == "a_b__c_d_.xlsx"
    assert safe_name("CON.xlsx", s) == "_CON.xlsx"
    for bad in ("run.exe", "payload.xlsx.sh", "noext", "", ".xlsx"):
        with pytest.raises(WebError):
            safe_name(bad, s)


# --------------------------------------------------------------------------- uploads

def upload(c, m, name, data: bytes, folder="报送", mtime=None):
    fields = {"r": folder}
    if mtime is not None:
        fields["mtime"] = str(mtime)
    return c.post(f"/upload?m={m}", data=fields, files={"file": (name, data)}, headers={"Accept": "application/json"})


def test_upload_saves_a_sanitised_copy_with_its_own_time(web):
    c, s = web
    src = next(p for p in sorted(s.submissions.glob("*.xlsx")) if not p.name.startswith("~$"))
    stamp = int(src.stat().st_mtime * 1000) - 86400_000
    r = upload(c, s.master.name, "../../" + src.name.replace(".xlsx", "-新.xlsx"), src.read_bytes(), mtime=stamp)
    assert r.status_code == 200, r.text
    saved = s.submissions / r.json()["saved"]
    assert saved.parent == s.submissions and saved.read_bytes() == src.read_bytes()
    assert abs(saved.stat().st_mtime - stamp / 1000) < 2  # lateness is the file's own time, not the upload's
    assert not (s.root.parent / saved.name).exists()
    # the same name again: replaced, the earlier copy kept
    r = upload(c, s.master.name, saved.name, src.read_bytes())
    assert r.json()["replaced"] and list((s.root / "台账备份" / "被替换的报送文件").glob(f"*{saved.name}"))
    assert not list(s.submissions.glob(".~taizhang-upload-*"))


def test_upload_into_a_new_folder_by_name_only(web):
    c, s = web
    src = next(s.submissions.glob("*.xlsx"))
    r = c.post(f"/upload?m={s.master.name}", data={"new_folder": "../../逃逸"}, files={"file": (src.name, src.read_bytes())},
               headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()["folder"] == "_.._逃逸"
    assert (s.root / "_.._逃逸" / src.name).exists() and not (s.root.parent / "逃逸").exists()


@pytest.mark.parametrize("name, expect", [
    ("zip_bomb.xlsx", "炸弹"), ("entity_bomb.xlsx", ""), ("word_renamed.xlsx", ""), ("encrypted.xlsx", "密码")])
def test_hostile_uploads_are_refused_and_not_kept(web, name, expect):
    c, s = web
    before = sorted(p.name for p in s.submissions.iterdir())
    r = upload(c, s.master.name, name, (CORPUS / name).read_bytes())
    assert r.status_code == 400, r.text
    assert expect in r.json()["error"] and name in r.json()["error"] and ".~taizhang-upload" not in r.json()["error"]
    assert sorted(p.name for p in s.submissions.iterdir()) == before


def test_non_tables_and_oversized_uploads_are_refused(fresh_sample):
    s = fresh_sample
    with client_for(s.root, max_upload=20_000) as c:
        before = sorted(p.name for p in s.submissions.iterdir())
        r = upload(c, s.master.name, "脚本.exe", b"MZ\x90\x00" * 100)
        assert r.status_code == 400 and "不是表格文件" in r.json()["error"]
        r = upload(c, s.master.name, "大文件.xlsx", b"PK\x03\x04" + b"\x00" * 30_000)
        assert r.status_code == 413 and "上限" in r.json()["error"]
        r = upload(c, s.master.name, "大文件.xlsx", b"PK\x03\x04" + b"\x00" * 19_000 + b"x" * 30_000)
        assert r.status_code == 413
        r = upload(c, s.master.name, "假的.xlsx", b"<html><script>alert(1)</script></html>")
        assert r.status_code == 400
        assert sorted(p.name for p in s.submissions.iterdir()) == before


# --------------------------------------------------------------------------- 台账总表

def test_create_a_master_with_a_unit_list(web):
    c, s = web
    units = s.units_file.read_bytes()
    r = c.post("/new", data={"preset": "xinguan", "year": "2027", "name": "测试台账"},
               files={"units": ("成员单位.csv", units)})
    assert r.status_code == 200 and "已创建台账总表：测试台账.xlsx" in r.text
    from taizhang.book.master import load_master

    m = load_master(s.root / "测试台账.xlsx", ledger=False)
    assert len(m.units) == len(load_master(s.master, ledger=False).units)
    r = c.post("/new", data={"preset": "xinguan", "year": "2027", "name": "测试台账"})
    assert r.status_code == 400 and "已存在" in r.text  # never overwritten
    assert c.post("/new", data={"preset": "nope", "year": "2027"}).status_code == 400
    assert "年度" in c.post("/new", data={"preset": "xinguan", "year": "27"}).text
    r = c.post("/new", data={"preset": "xinguan", "year": "2027", "name": "坏名单"}, files={"units": ("名单.csv", b"\xff\xfe\x00")})
    assert r.status_code == 400 and not (s.root / "坏名单.xlsx").exists()
    no_traceback(r.text)
    r = c.post("/new", data={"preset": "xinguan", "year": "2026"})
    assert r.status_code == 200 and (s.root / "新官不理旧账台账（2026年）.xlsx").exists()
    # the stages are placed in the year chosen, as `taizhang new --year` does (the same job)
    r = c.post("/new", data={"preset": "lijiuzhang", "year": "2027", "name": "理旧账2027"})
    stages = load_master(s.root / "理旧账2027.xlsx", ledger=False).rulebook.phases
    assert r.status_code == 200 and {p.end.year for p in stages if p.end} == {2027}
    home = c.get("/").text
    assert "测试台账.xlsx" in home and s.master.name in home


# --------------------------------------------------------------------------- 报送 and 合并报送

def test_merge_on_the_demo_gives_the_cli_account(web, tmp_path, capsys):
    c, s = web
    twin = copy_sample(s, tmp_path / "twin")  # the same campaign, for the CLI
    from taizhang.doors.cli import main

    assert main(["merge", str(twin.master), str(twin.submissions), "--today", REPORT_DAY.isoformat(), "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)

    page = c.get(f"/report?m={s.master.name}&r=报送")
    assert page.status_code == 200 and "合并报送" in page.text and "报送说明.txt" in page.text
    r = c.post(f"/merge?m={s.master.name}", data={"r": "报送", "today": REPORT_DAY.isoformat()},
               headers={"Accept": "application/json"})
    assert r.status_code == 202, r.text
    job = wait_job(c, r.json()["status"])
    assert job["state"] == "done", job
    assert job["account"] == cli
    assert job["done"] == job["total"] == len([p for p in s.submissions.rglob("*") if p.is_file()])
    assert len(job["seen"]) == job["total"]

    html = c.get(r.json()["result"]).text
    words = re.sub(r"<[^>]+>|\s+", "", html)
    assert (f"读取{cli['rows_read']}行=新增{cli['rows_new']}+更新{cli['rows_updated']}+未变{cli['rows_unchanged']}"
            f"+退回{cli['rows_rejected']}，各项相符。") in words
    for unit in cli["missing_units"] + cli["late_units"] + cli["zero_report_units"]:
        assert unit in html
    for row in cli["rejected_rows"]:
        assert row["reasons"] in html  # each rejected row with its reasons
    assert "未报送" in html and "逾期报送" in html and "零报告" in html and "损坏的报送表.xlsx" in html
    # the units' marked copies
    links = re.findall(r'href="(/marked\?[^"]+)"', html)
    assert links
    got = c.get(links[0].replace("&amp;", "&"))
    assert got.status_code == 200 and got.content[:4] == b"PK\x03\x04"
    assert "attachment" in got.headers["content-disposition"]
    # the merged master, downloadable
    assert c.get(f"/download?m={s.master.name}&name={s.master.name}").content == s.master.read_bytes()


def test_a_second_merge_on_the_same_master_is_refused_with_the_lock_message(web, monkeypatch):
    c, s = web
    import taizhang.jobs
    import taizhang.xlsx.storage as storage
    from taizhang.xlsx.storage import master_lock

    monkeypatch.setattr(storage, "LOCK_WAIT_SECONDS", 0.2)  # a second writer waits this long, then is refused

    form = {"r": "报送", "today": REPORT_DAY.isoformat()}
    json_ = {"Accept": "application/json"}
    # a merge from another program (Excel, the CLI) holds the master: refused at once, and since that program
    # is alive, the message never suggests deleting its lock (issue 28.3)
    with master_lock(s.master):
        r = c.post(f"/merge?m={s.master.name}", data=form, headers=json_)
        assert r.status_code == 409 and "请等待" in r.json()["error"] and "删除" not in r.json()["error"]

    # this page's own merge is running (held at its first file): a second one is refused at once, same message
    real, gate, first_file = taizhang.jobs.run_merge, threading.Event(), threading.Event()

    def held_at_first_file(*args, progress=None, **kw):
        def slow(*p):
            first_file.set()
            gate.wait(30)
            progress(*p)
        return real(*args, progress=slow, **kw)

    monkeypatch.setattr(taizhang.jobs, "run_merge", held_at_first_file)
    first = c.post(f"/merge?m={s.master.name}", data=form, headers=json_).json()
    assert first_file.wait(60)
    r = c.post(f"/merge?m={s.master.name}", data=form, headers=json_)
    assert r.status_code == 409 and "本页面的台账助手正在合并" in r.json()["error"] and "删除" not in r.json()["error"]
    running = c.get(first["status"], headers=json_).json()
    assert running["state"] == "running"
    gate.set()
    assert wait_job(c, first["status"])["state"] == "done"
    assert not (s.master.parent / f".~taizhang-lock-{s.master.name}").exists()


def test_a_bug_is_one_chinese_line_and_a_log_entry(web, monkeypatch, tmp_path):
    c, s = web
    import taizhang.jobs

    def boom(*a, **k):
        raise RuntimeError("planted bug")

    monkeypatch.setattr(taizhang.jobs, "run_merge", boom)
    r = c.post(f"/merge?m={s.master.name}", data={"r": "报送", "today": REPORT_DAY.isoformat()},
               headers={"Accept": "application/json"})
    job = wait_job(c, r.json()["status"])
    assert job["state"] == "failed" and "内部出错" in job["error"] and "planted" not in job["error"]
    monkeypatch.setattr(taizhang.jobs, "figures_of", boom)
    r = c.get(f"/summary?m={s.master.name}")
    assert r.status_code == 500 and "内部出错" in r.text and "planted" not in r.text
    no_traceback(r.text)
    assert "planted bug" in (tmp_path / "log" / "taizhang.log").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- 校验单个文件

def test_validate_one_file_with_findings_and_a_marked_copy(web):
    c, s = web
    page = c.get("/validate")
    assert page.status_code == 200 and "按哪个预案校验" in page.text
    messy = next(p for p in s.submissions.glob("*（盖章）报送.xlsx"))
    r = c.post(f"/validate?m={s.master.name}", data={"today": REPORT_DAY.isoformat()}, files={"file": (messy.name, messy.read_bytes())})
    assert r.status_code == 200
    from taizhang.book.master import load_master
    from taizhang.rules.validate import validate_file

    m = load_master(s.master, ledger=False)
    report, _ = validate_file(messy, rulebook=m.rulebook, units=m.units, today=REPORT_DAY)
    assert f"错误{report.counts['error']}个，提醒{report.counts['warning']}个" in r.text
    for f in report.findings:
        if f.severity != "info" and f.column:
            assert f"<td>{f.column}（{f.header}）</td>" in r.text
            assert f"<summary>处理办法</summary>{html.escape(f.advice, quote=True)}</details>" in r.text
    link = re.search(r'href="(/validate/marked/[0-9a-f]+)"', r.text).group(1)
    got = c.get(link)
    assert got.status_code == 200 and got.content[:4] == b"PK\x03\x04"
    # nothing was written to the user's folders
    assert not any(p.name.startswith(messy.stem + "-标注") for p in s.root.rglob("*"))
    r = c.post("/validate", data={"preset": "xinguan"}, files={"file": ("损坏.xlsx", (CORPUS / "truncated.xlsx").read_bytes())})
    assert r.status_code in (200, 400) and ("无法读取" in r.text or "损坏" in r.text)
    no_traceback(r.text)


# --------------------------------------------------------------------------- 汇总

def test_summary_page_and_workbooks(web):
    c, s = web
    from taizhang.book.master import load_master
    from taizhang.jobs import default_summary_path, figures_of

    figs = figures_of(load_master(s.master), REPORT_DAY)
    r = c.get(f"/summary?m={s.master.name}&today={REPORT_DAY}")
    assert r.status_code == 200
    for u in figs.units[:5]:
        assert u.unit in r.text
    assert r.text.count('class="light-red"') == sum(u.light == "red" for u in figs.units)
    for public in (0, 1):
        r = c.post(f"/summary/make?m={s.master.name}", data={"today": REPORT_DAY.isoformat(), "public": str(public)})
        out = default_summary_path(s.master, REPORT_DAY, bool(public))
        assert r.status_code == 200 and out.exists() and f"已生成：{out.name}" in r.text
        got = c.get(f"/download?m={s.master.name}&name={out.name}")
        assert got.content == out.read_bytes()


# --------------------------------------------------------------------------- 工作日计算器

def test_workday_calculator(web):
    c, s = web
    import datetime as dt

    from taizhang.calendar.workdays import WorkCalendar

    cal = WorkCalendar({})
    r = c.get("/workday?date=2026-09-28&n=10")
    assert f'id="wd-answer">{cal.add_workdays(dt.date(2026, 9, 28), 10)}<' in r.text and "放假" in r.text
    r = c.get("/workday?date=2026-01-31&months=1")
    assert f'id="wd-answer">{cal.add_months(dt.date(2026, 1, 31), 1)}<' in r.text
    r = c.get(f"/workday?m={s.master.name}&date=2026-09-28&n=abc")
    assert r.status_code == 400 and "整数" in r.text
    assert c.get("/workday?date=2026-13-01&n=3").status_code == 400


# --------------------------------------------------------------------------- serve

def test_serve_prints_the_address_with_its_token(tmp_path, monkeypatch, capsys):
    import webbrowser

    import uvicorn

    from taizhang.doors.cli import main

    seen, opened = {}, []

    def run(server, sockets):  # the port is bound before the server runs
        seen.update(host=sockets[0].getsockname()[0], port=sockets[0].getsockname()[1])

    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.setattr(webbrowser, "open", opened.append)
    assert main(["serve", "--folder", str(tmp_path), "--no-browser"]) == 0
    out = capsys.readouterr().out
    assert seen["host"] == "127.0.0.1"  # never the network
    assert re.search(rf"http://127\.0\.0\.1:{seen['port']}/[\w-]{{16}}/\?token=[\w-]{{20,}}", out)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["serve", "--folder", str(tmp_path), "--port", "9123"]) == 0  # no display: no browser either
    assert seen["port"] == 9123
    time.sleep(1.3)
    assert opened == []
    assert main(["serve", "--folder", str(tmp_path / "none"), "--no-browser"]) == 2
    assert "不存在" in capsys.readouterr().err


# --------------------------------------------------------------------------- a real browser

from webserve import CHROMEDRIVER, CHROMIUM, chrome, free_port, serving  # noqa: E402,F401  (CHROMIUM, CHROMEDRIVER: for the other web tests)


@pytest.fixture
def live(fresh_sample):
    """A real uvicorn server on 127.0.0.1 for the demo's folder."""
    port = free_port()
    with serving(create_app(fresh_sample.root, TOKEN, port), port):
        yield f"http://127.0.0.1:{port}", fresh_sample


@pytest.fixture
def browser():
    with chrome() as driver:
        yield driver


def shot(driver, name: str, from_id: str | None = None) -> None:
    """Screenshots for the README when TAIZHANG_SCREENSHOTS names a folder (docs/): the page from its top
    (or from the element ``from_id``), at most 2000 pixels high."""
    folder = os.environ.get("TAIZHANG_SCREENSHOTS")
    if not folder:
        return
    top = driver.execute_script(f"return document.getElementById('{from_id}').closest('section')"
                                ".getBoundingClientRect().top + window.scrollY - 10") if from_id else 0
    height = driver.execute_script("return document.body.scrollHeight") - top
    driver.set_window_size(1280, min(max(height + 120, 600), 2000))
    driver.execute_script("window.scrollTo(0, arguments[0])", top)
    driver.save_screenshot(str(Path(folder) / f"web-{name}.png"))
    driver.set_window_size(1280, 900)


def test_real_browser_creates_a_master_uploads_and_merges(live, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from taizhang.book.master import create_master
    from taizhang.intake.units import read_unit_file
    from taizhang.jobs import run_merge
    from taizhang.rules.rulebook import find_rulebook
    from taizhang.xlsx.safety import WORKBOOK_SUFFIXES, sniff

    base, s = live
    wait = WebDriverWait(browser, 60)
    browser.get(f"{base}/?token={TOKEN}")
    assert "台账总表" in browser.title and "token" not in browser.current_url

    # create a master: preset, year, unit list
    Select(browser.find_element(By.ID, "preset")).select_by_value("xinguan")
    year = browser.find_element(By.ID, "year")
    year.clear()
    year.send_keys("2026")
    browser.find_element(By.ID, "name").send_keys("浏览器台账")
    browser.find_element(By.ID, "units").send_keys(str(s.units_file))
    browser.find_element(By.ID, "create").click()
    wait.until(EC.presence_of_element_located((By.ID, "created")))
    assert (s.root / "浏览器台账.xlsx").exists()
    shot(browser, "masters")

    # drop the demo's submissions (the file chooser of the drop zone), saved into a new report folder
    browser.get(f"{base}/report?m=浏览器台账.xlsx&r=")
    files = sorted(p for p in s.submissions.iterdir() if p.is_file())
    browser.find_element(By.ID, "drop-input").send_keys("\n".join(str(p) for p in files))
    wait.until(EC.presence_of_element_located((By.ID, "merge-form")))
    folder = s.root / "浏览器台账-报送"

    def vetted(p):
        try:
            return safe_name(p.name, WORKBOOK_SUFFIXES) and sniff(p)
        except Exception:
            return False

    kept = sorted(p.name for p in files if vetted(p))
    assert sorted(p.name for p in folder.iterdir()) == kept and len(kept) < len(files)  # lock, text, corrupt: refused

    # the same campaign through the job directly: what the page must show
    twin = tmp_path / "twin"
    twin.mkdir()
    create_master(twin / "浏览器台账.xlsx", find_rulebook("xinguan"), read_unit_file(s.units_file))
    shutil.copytree(folder, twin / "报送", copy_function=shutil.copy2)
    expect = run_merge(twin / "浏览器台账.xlsx", twin / "报送", REPORT_DAY).result

    day = browser.find_element(By.ID, "today")
    browser.execute_script("arguments[0].value = arguments[1]", day, REPORT_DAY.isoformat())
    browser.find_element(By.ID, "merge-button").click()
    wait.until(EC.presence_of_element_located((By.ID, "equation")))
    text = browser.find_element(By.ID, "equation").text.replace(" ", "")
    assert (f"读取{expect.rows_read}行=新增{expect.rows_new}+更新{expect.rows_updated}+未变{expect.rows_unchanged}"
            f"+退回{expect.rows_rejected}，各项相符。") in text
    reports = browser.find_element(By.ID, "reports").text
    for unit in expect.missing_units + expect.late_units:
        assert unit in reports
    assert s.late_unit in expect.late_units  # the upload kept each file's own time
    assert browser.find_elements(By.CSS_SELECTOR, "#marked a")
    shot(browser, "report")
    shot(browser, "report-rejects", "rejects")

    # the other pages render in the browser without a script error
    browser.get(f"{base}/validate?m=浏览器台账.xlsx")
    messy = next(s.submissions.glob("*（盖章）报送.xlsx"))
    browser.find_element(By.ID, "validate-file").send_keys(str(messy))
    browser.execute_script("document.querySelector('input[name=today]').value = arguments[0]", REPORT_DAY.isoformat())
    browser.find_element(By.ID, "validate-button").click()
    wait.until(EC.presence_of_element_located((By.ID, "findings")))
    shot(browser, "validate")
    browser.get(f"{base}/summary?m={s.master.name}&today={REPORT_DAY}")
    assert browser.find_elements(By.CSS_SELECTOR, "#ranking tbody tr")
    shot(browser, "summary")
    browser.get(f"{base}/workday?m={s.master.name}&date=2026-09-28&n=10")
    assert browser.find_element(By.ID, "wd-answer").text
    shot(browser, "workday")
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"
              and not ("/upload?" in e["message"] and "400" in e["message"])]  # the refused lock, text and corrupt files
    assert not errors, "\n".join(e["message"] for e in errors)


def test_summary_page_makes_the_notice_and_the_supervision_notices(web):
    """The same `notice` job as the CLI: the 通报 .docx, its public version, and the 督办通知单 as one .zip."""
    import io
    import zipfile

    import docx

    from taizhang.jobs import default_notice_path, run_notice

    c, s = web
    for public in (0, 1):
        r = c.post(f"/summary/make?m={s.master.name}",
                    data={"today": REPORT_DAY.isoformat(), "public": str(public), "kind": "notice"})
        out = default_notice_path(s.master, REPORT_DAY, bool(public))
        assert r.status_code == 200 and out.exists() and f"已生成：{out.name}" in r.text
        text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
        assert "通报" in text
    r = c.post(f"/summary/make?m={s.master.name}", data={"today": REPORT_DAY.isoformat(), "kind": "supervision"})
    name = f"{s.master.stem}-督办通知单-{REPORT_DAY.isoformat()}.zip"
    assert r.status_code == 200 and f"已生成：{name}" in r.text
    got = c.get(f"/download?m={s.master.name}&name={name}")
    names = sorted(zipfile.ZipFile(io.BytesIO(got.content)).namelist())
    cli = run_notice(s.master, REPORT_DAY, s.root / "cli-通报.docx", units_dir=s.root / "cli-督办")
    assert names == sorted(p.split("/")[-1] for p in cli.supervision) and names
    assert c.post(f"/summary/make?m={s.master.name}", data={"kind": "../../x"}).status_code == 400


# --------------------------------------------------------------------------- 交办

def test_assign_page_hands_over_clues_and_offers_the_notices(web, tmp_path):
    """Issue 20 left "the 交办 button on the web page": the page runs the same job as `taizhang assign`."""
    import io
    import zipfile

    from openpyxl import Workbook

    from taizhang.book.master import load_master

    c, s = web
    before = len(load_master(s.master).ledger)
    wb = Workbook()
    ws = wb.active
    ws.append(["工单号", "来电日期", "反映人", "联系电话", "反映问题", "被反映单位", "来源"])
    ws.append(["GD001", "2026-11-18", "张三丰", "13812345678", "城关镇政府承诺的厂房租金补贴一直未兑现", None, "12345热线"])
    ws.append(["GD002", "2026-11-19", "李四光", "13900001111", "区工信局和区财政局互相推诿工程尾款支付", None, "12345热线"])
    clues = tmp_path / "12345工单.xlsx"
    wb.save(clues)
    page = c.get(f"/assign?m={s.master.name}")
    assert page.status_code == 200 and 'id="assign-form"' in page.text and "data-busy" in page.text
    r = c.post(f"/assign?m={s.master.name}", data={"today": REPORT_DAY.isoformat()},
               files={"clues": (clues.name, clues.read_bytes(), "application/octet-stream")})
    assert r.status_code == 200 and "交办完成" in r.text, r.text[:500]
    cases = re.findall(r"<tr><td>([^<]+)</td><td>交办</td><td>([^<]+)</td>", r.text)
    assert [u for _, u in cases] == ["城关镇"]
    m = load_master(s.master)
    assert len(m.ledger) == before + 1 and cases[0][0] in set(m.ledger["case_id"])
    assert 'id="assign-pending"' in r.text and "区工信局和区财政局" in r.text  # two units named: not guessed
    assert "张三丰" not in r.text and "13812345678" not in r.text  # reporters stay in the office's columns
    link = re.search(r'id="assign-notices" href="([^"]+)"', r.text).group(1).replace("&amp;", "&")
    z = zipfile.ZipFile(io.BytesIO(c.get(link).content))
    assert [n for n in z.namelist() if n.endswith(".docx") and "城关镇" in n]
    assert f'value="{REPORT_DAY.isoformat()}"' in r.text  # the form keeps the date just used
    from urllib.parse import unquote

    first_zip = s.root / unquote(link.split("name=")[1])
    kept = first_zip.read_bytes()
    # a second press the same day with nothing new changes nothing
    stamp = s.master.read_bytes()
    again = c.post(f"/assign?m={s.master.name}", data={"today": REPORT_DAY.isoformat()})
    assert "台账未改动" in again.text and s.master.read_bytes() == stamp
    # another clue list the same day: its notices go beside the first ones, which stay as they were
    ws.delete_rows(2, 2)
    ws.append(["GD003", "2026-11-20", "王五", None, "北山镇政府窗口推诿", None, "信访"])
    wb.save(clues)
    import time as _time

    _time.sleep(1.1)  # the notices' folder is named to the second
    third = c.post(f"/assign?m={s.master.name}", data={"today": REPORT_DAY.isoformat()},
                   files={"clues": (clues.name, clues.read_bytes(), "application/octet-stream")})
    second_zip = s.root / unquote(re.search(r'id="assign-notices" href="[^"]*name=([^"&]+)"', third.text).group(1))
    assert second_zip != first_zip and first_zip.read_bytes() == kept
    assert [n for n in zipfile.ZipFile(second_zip).namelist() if "北山镇" in n]
    assert any(p.is_dir() and "交办通知单" in p.name for p in s.root.iterdir())  # the .docx themselves, beside the master
    assert c.get("/assign?m=other.xlsx&done=x").status_code == 404  # a master the server did not list


def test_real_browser_hands_over_a_clue_list(live, browser, tmp_path):
    from openpyxl import Workbook
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    base, s = live
    wb = Workbook()
    wb.active.append(["反映问题", "被反映单位", "来源", "反映人"])
    wb.active.append(["城关镇政府承诺的厂房租金补贴一直未兑现", None, "12345热线", "张三丰"])
    wb.active.append(["安置小区配套道路迟迟未建设", "区住建局", "信访", "欧阳修远"])
    clues = tmp_path / "线索清单.xlsx"
    wb.save(clues)
    browser.get(f"{base}/?token={TOKEN}")
    browser.get(f"{base}/assign?m={s.master.name}")
    browser.execute_script(f"document.getElementById('assign-today').value = '{REPORT_DAY.isoformat()}'")
    browser.find_element(By.ID, "assign-clues").send_keys(str(clues))
    browser.find_element(By.ID, "assign-button").click()
    WebDriverWait(browser, 60).until(EC.presence_of_element_located((By.ID, "assign-result")))
    shot(browser, "assign", "assign-result")
    units = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#assign-cases tbody tr td:nth-child(3)")]
    assert units == ["城关镇", "区住房和城乡建设局"]
    assert browser.find_element(By.ID, "assign-notices").text.startswith("下载交办通知单（2份")
    assert "张三丰" not in browser.page_source


def test_the_check_page_says_when_a_file_was_opened_with_excels_default_key(web):
    c, s = web
    r = c.post("/validate", data={"preset": "xinguan", "today": REPORT_DAY.isoformat()},
               files={"file": ("default_key.xlsx", (CORPUS / "default_key.xlsx").read_bytes())})
    assert r.status_code == 200
    notes = re.findall(r'<p class="muted note">说明：([^<]+)</p>', r.text)
    assert len(notes) == 1 and "默认" in notes[0]
