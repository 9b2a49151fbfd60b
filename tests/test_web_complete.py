"""The browser door does the whole report day: templates, uploads whose outcome stays, a merge that survives a
refresh, a remembered folder, undo from the backups (page and CLI), and progress on the 汇总/通报 buttons."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("starlette")
from conftest import REPORT_DAY  # noqa: E402
from test_web import TOKEN, client_for, upload, wait_job  # noqa: E402
from webserve import chrome, free_port, serving  # noqa: E402

from taizhang.doors.web.app import create_app  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
JSON = {"Accept": "application/json"}


@pytest.fixture(autouse=True)
def _log_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TAIZHANG_LOG_DIR", str(tmp_path / "log"))


@pytest.fixture
def web(fresh_sample):
    with client_for(fresh_sample.root) as c:
        yield c, fresh_sample


# --------------------------------------------------------------------------- 1. 填报模板

def test_templates_for_all_units_or_one_as_a_zip(web, tmp_path):
    from taizhang.jobs import load_master, run_template

    c, s = web
    units = load_master(s.master, ledger=False).units.names()
    page = c.get(f"/report?m={s.master.name}").text
    assert 'id="template-form"' in page and all(u in page for u in units[:3])
    r = c.post(f"/template?m={s.master.name}", data={"today": REPORT_DAY.isoformat(), "unit": ""})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert "attachment" in r.headers["content-disposition"]
    expect = [p.name for p in run_template(s.master, tmp_path / "cli", REPORT_DAY)]
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert sorted(z.namelist()) == sorted(expect) and len(expect) == len(units)
        with z.open(expect[0]) as fh:
            assert fh.read(4) == b"PK\x03\x04"
    r = c.post(f"/template?m={s.master.name}", data={"today": REPORT_DAY.isoformat(), "unit": units[1]})
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert len(z.namelist()) == 1 and z.namelist()[0].startswith(units[1])
    r = c.post(f"/template?m={s.master.name}", data={"today": REPORT_DAY.isoformat(), "unit": "不存在的单位"}, headers=JSON)
    assert r.status_code == 400 and "不在成员单位名单中" in r.json()["error"]
    assert not [p for p in s.root.rglob("*") if "填报模板" in p.name]  # nothing left in the office's folder


# --------------------------------------------------------------------------- 2. upload outcomes stay

def test_every_upload_outcome_stays_on_the_page_until_dismissed(web):
    c, s = web
    good = next(p for p in sorted(s.submissions.glob("*.xlsx")) if not p.name.startswith("~$"))
    assert upload(c, s.master.name, good.name, good.read_bytes()).status_code == 200
    assert upload(c, s.master.name, "城关镇-假表格.xlsx", b"just text, not a workbook").status_code == 400
    assert upload(c, s.master.name, "说明.docx", b"PK\x03\x04").status_code == 400
    page = c.get(f"/report?m={s.master.name}&r=报送").text  # what the page shows after its own reload
    box = page[page.index('id="upload-outcomes"'):]
    box = box[:box.index("</div>")]
    assert "3个文件，其中 2 个未保存" in box
    assert good.name in box and "城关镇-假表格.xlsx：未保存" in box and "说明.docx：未保存" in box
    assert c.get(f"/report?m={s.master.name}&r=报送").text.count("城关镇-假表格.xlsx：未保存") == 1  # still there
    c.post(f"/uploads/dismiss?m={s.master.name}", data={"r": "报送"})
    assert 'id="upload-outcomes"' not in c.get(f"/report?m={s.master.name}&r=报送").text


# --------------------------------------------------------------------------- 3. a merge survives a refresh

def _held_merge(monkeypatch):
    import taizhang.jobs

    real, gate, first_file = taizhang.jobs.run_merge, threading.Event(), threading.Event()

    def held(*args, progress=None, **kw):
        def slow(*p):
            first_file.set()
            gate.wait(60)
            progress(*p)
        return real(*args, progress=slow, **kw)

    monkeypatch.setattr(taizhang.jobs, "run_merge", held)
    return gate, first_file


def test_a_refreshed_page_finds_its_running_merge_and_later_its_account(web, monkeypatch):
    c, s = web
    gate, first_file = _held_merge(monkeypatch)
    m = s.master.name
    started = c.post(f"/merge?m={m}", data={"r": "报送", "today": REPORT_DAY.isoformat()}, headers=JSON).json()
    assert first_file.wait(60)
    page = c.get(f"/report?m={m}&r=报送").text  # a refresh: the address has no job in it
    assert 'id="job-running"' in page and started["status"] in page and f"job={started['job']}" in page
    r = c.post(f"/merge?m={m}", data={"r": "报送", "today": REPORT_DAY.isoformat()}, headers=JSON)
    assert r.status_code == 409 and "本页面的台账助手正在合并" in r.json()["error"] and "删除" not in r.json()["error"]
    gate.set()
    assert wait_job(c, started["status"])["state"] == "done"
    page = c.get(f"/report?m={m}").text  # later: the last account can be viewed again
    link = re.search(r'href="([^"]+)" id="last-merge-link"', page).group(1).replace("&amp;", "&")
    account = c.get(link).text
    assert 'id="equation"' in account and "各项相符" in account


def test_a_lock_of_a_live_program_is_never_offered_for_deletion(web, tmp_path):
    import json
    import socket

    c, s = web
    m = s.master.name
    lock = s.master.with_name(f".~taizhang-lock-{m}")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock.write_text(json.dumps({"host": socket.gethostname(), "pid": other.pid, "time": "2026-11-23T09:00:00"}))
        r = c.post(f"/merge?m={m}", data={"r": "报送", "today": REPORT_DAY.isoformat()}, headers=JSON)
        error = r.json()["error"]
        assert r.status_code == 409 and f"进程 {other.pid}" in error and "删除" not in error
    finally:
        other.kill()
        other.wait()
    # the same lock once that program stopped: taken over, the merge runs
    r = c.post(f"/merge?m={m}", data={"r": "报送", "today": REPORT_DAY.isoformat()}, headers=JSON)
    assert r.status_code == 202 and wait_job(c, r.json()["status"])["state"] == "done"
    assert not lock.exists()


# --------------------------------------------------------------------------- 4. what the page remembers

def test_the_only_master_is_preselected(web, fresh_sample):
    c, s = web
    home = c.get("/").text
    assert f'id="current-master">{s.master.name}<' in home and "尚未选择台账总表" not in home
    r = c.get("/report")  # 报送 first, no master named
    assert r.status_code == 200 and "报送文件夹" in r.text and f'data-m="{s.master.name}"' in r.text
    shutil.copy2(s.master, s.root / "另一个台账.xlsx")
    assert "尚未选择台账总表" in c.get("/").text
    r = c.get("/report")
    assert r.status_code == 400 and "请先在“台账总表”页选择" in r.text


def _set_recorded_folder(master: Path, folder: str) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(master)
    ws = wb["参数设置"]
    row = next(r for r in ws.iter_rows() if r[0].value == "报送文件夹")
    row[1].value = folder
    wb.save(master)


def test_the_recorded_folder_is_offered_first_and_output_folders_never(web):
    c, s = web
    m = s.master.name
    for name in ("A-报送", "第二批报送", f"{s.master.stem}-交办通知单-2026-11-23-101010"):
        (s.root / name).mkdir()
    _set_recorded_folder(s.master, str(s.root / "第二批报送"))
    page = c.get(f"/report?m={m}").text
    options = re.findall(r'<option value="([^"]*)"', page[page.index('id="folder-select"'):page.index("</select>")])
    assert options[1] == "第二批报送" and 'value="第二批报送" selected' in page
    assert not [o for o in options if "交办通知单" in o]
    # after a merge from the page, the folder it merged is offered first
    r = c.post(f"/merge?m={m}", data={"r": "报送", "today": REPORT_DAY.isoformat()}, headers=JSON)
    assert wait_job(c, r.json()["status"])["state"] == "done"
    page = c.get(f"/report?m={m}").text
    options = re.findall(r'<option value="([^"]*)"', page[page.index('id="folder-select"'):page.index("</select>")])
    assert options[1] == "报送" and 'value="报送" selected' in page


# --------------------------------------------------------------------------- 5. undo

def test_backups_are_listed_and_restored_on_the_page(web):
    from taizhang.jobs import list_backups, load_master

    c, s = web
    m = s.master.name
    assert 'id="no-backups"' in c.get(f"/backups?m={m}").text
    original = s.master.read_bytes()
    cases_before = len(load_master(s.master).ledger)
    r = c.post(f"/merge?m={m}", data={"r": "报送", "today": REPORT_DAY.isoformat()}, headers=JSON)
    assert wait_job(c, r.json()["status"])["state"] == "done"
    merged = s.master.read_bytes()
    page = c.get(f"/backups?m={m}").text
    assert "第1版" in page and f"{cases_before}个问题" in page and f"合并了报送日 {REPORT_DAY}" in page
    assert 'id="restore-1"' in page and "恢复到这一版" in page
    r = c.post(f"/restore?m={m}", data={"version": "1"})
    assert r.status_code == 200 and 'id="restored"' in r.text and "已恢复到第1版" in r.text
    assert s.master.read_bytes() == original
    versions = list_backups(s.master)
    assert len(versions) == 2 and Path(versions[0].file).read_bytes() == merged  # the merged file, kept first
    assert c.post(f"/restore?m={m}", data={"version": "9"}).status_code == 400


def test_restore_on_the_command_line(fresh_sample, capsys):
    from taizhang.doors.cli import main
    from taizhang.jobs import run_status

    s = fresh_sample
    original = s.master.read_bytes()
    run_status(s.master, REPORT_DAY)
    assert main(["restore", str(s.master), "--list"]) == 0
    out = capsys.readouterr().out
    assert "共1版" in out and "第1版" in out and "restore" in out
    assert main(["restore", str(s.master)]) == 0 and "第1版" in capsys.readouterr().out  # listing is the default
    changed = s.master.read_bytes()
    assert main(["restore", str(s.master), "--version", "1"]) == 0
    out = capsys.readouterr().out
    assert "已恢复到第1版" in out and "已备份到" in out
    assert s.master.read_bytes() == original
    assert main(["restore", str(s.master), "--version", "1"]) == 0  # the restore itself can be undone
    assert s.master.read_bytes() == changed
    assert main(["restore", str(s.master), "--version", "7"]) == 2
    assert "没有第 7 版备份" in capsys.readouterr().err


# --------------------------------------------------------------------------- 6. 汇总/通报 show progress

def test_summary_and_notice_buttons_run_as_jobs_with_progress(web):
    c, s = web
    m = s.master.name
    for kind, expect in (("summary", ".xlsx"), ("notice", ".docx"), ("summary", ".xlsx")):
        r = c.post(f"/summary/make?m={m}", data={"today": REPORT_DAY.isoformat(), "kind": kind, "public": "0"}, headers=JSON)
        assert r.status_code == 202
        seen = [c.get(r.json()["status"], headers=JSON).json()]
        while seen[-1]["state"] == "running":
            time.sleep(0.1)
            seen.append(c.get(r.json()["status"], headers=JSON).json())
        job = seen[-1]
        assert job["state"] == "done" and job["made"].endswith(expect) and (s.root / job["made"]).exists()
        assert job["elapsed"] > 0 and all("elapsed" in j for j in seen)
    assert job["expected"] > 0  # the second summary knows how long the first took
    page = c.get(f"/summary?m={m}&today={REPORT_DAY}").text
    assert 'id="make-progress"' in page and 'data-job="通报"' in page


def test_summary_and_notice_report_their_steps_not_a_guess_from_the_time(web, monkeypatch):
    """Each output job reports its steps (read, compute, write): the page's bar follows them."""
    import taizhang.jobs as jobs_mod

    c, s = web
    m = s.master.name
    seen: list[tuple[int, int, str]] = []
    real = jobs_mod._Steps.next

    def slow_next(self):  # slow enough for the page to poll every step
        real(self)
        seen.append((self.done, len(self.names), self.names[self.done] if self.done < len(self.names) else ""))
        time.sleep(0.3)

    monkeypatch.setattr(jobs_mod._Steps, "next", slow_next)
    for kind, last_step in (("summary", "写入汇总表"), ("notice", "写通报"), ("supervision", "写通报和督办通知单")):
        seen.clear()
        r = c.post(f"/summary/make?m={m}", data={"today": REPORT_DAY.isoformat(), "kind": kind, "public": "0"}, headers=JSON)
        polled = [c.get(r.json()["status"], headers=JSON).json()]
        while polled[-1]["state"] == "running":
            time.sleep(0.05)
            polled.append(c.get(r.json()["status"], headers=JSON).json())
        assert polled[-1]["state"] == "done", polled[-1]
        assert [n for _, _, n in seen] == ["计算时限、红绿灯和统计", last_step, ""], kind
        steps = {(j["done"], j["current"]) for j in polled if j["state"] == "running" and j["total"]}
        assert {j["total"] for j in polled if j["total"]} == {3}
        assert (2, last_step) in steps or any(d == 2 and cur.startswith("督办通知单") for d, cur in steps), (kind, steps)


def test_the_summary_page_tiles_add_up(web):
    """总数 = 已办结 + 已销号 + 正在整改, and 正在整改 = 红 + 黄 + 绿 (+ 持续整改 + 时限无法确定), as shown."""
    c, s = web
    page = c.get(f"/summary?m={s.master.name}&today={REPORT_DAY}").text
    shown = {k: int(v) for k, v in re.findall(r'data-count="(\w+)"><span>[^<]*</span><b>(\d+)</b>', page)}
    assert shown["total"] == shown["done"] + shown["closed"] + shown["in_progress"] > 0
    assert shown["in_progress"] == sum(shown.get(k, 0) for k in ("red", "yellow", "green", "long_term", "no_deadline"))


def test_every_merge_records_its_folder_in_the_master_and_a_new_server_offers_it(fresh_sample, tmp_path):
    """A merge from the command line writes 参数设置's 报送文件夹 (only that cell changes); a page started later
    offers that folder first, and shows the last merge's account from the master (the server never ran it)."""
    from openpyxl import load_workbook

    from taizhang.doors.cli import main
    from taizhang.jobs import load_master, recorded_folder

    s = fresh_sample
    second = s.root / "第二批"
    shutil.copytree(s.submissions, second)
    (s.root / "A-报送").mkdir()
    before = [[c.value for c in r] for r in load_workbook(s.master)["参数设置"].iter_rows()]
    assert recorded_folder(load_master(s.master, ledger=False)) == ""
    assert main(["merge", str(s.master), str(second), "--today", REPORT_DAY.isoformat()]) == 0
    assert recorded_folder(load_master(s.master, ledger=False)) == str(second.resolve())
    after = [[c.value for c in r] for r in load_workbook(s.master)["参数设置"].iter_rows()]
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and len(changed) == 1 and changed[0][1][:2] == ["报送文件夹", str(second.resolve())]
    with client_for(s.root) as c:  # a server started after the merge
        page = c.get(f"/report?m={s.master.name}").text
        assert 'value="第二批" selected' in page
        assert 'id="stored-account"' in page and f"上次合并（报送日 {REPORT_DAY}）" in page
        text = re.sub(r"<[^>]+>", "", page[page.index('id="stored-text"'):page.index('id="stored-reports"')])
        sums = [int(n) for n in re.search(r"新增(\d+) \+ 更新(\d+) \+ 未变(\d+) \+ 退回(\d+)行", text).groups()]
        reports = load_workbook(s.master)["报送情况"]
        head = [c.value for c in reports[1]]
        rows = [[c.value for c in r] for r in reports.iter_rows(min_row=2)]
        assert sums == [sum(int(r[head.index(h)] or 0) for r in rows) for h in ("新增", "更新", "未变", "退回")]
        assert page.count("<tr class=\"state-") >= len(rows)
        # once this server merged, its own account is shown instead
        r = c.post(f"/merge?m={s.master.name}", data={"r": "第二批", "today": REPORT_DAY.isoformat()}, headers=JSON)
        assert wait_job(c, r.json()["status"])["state"] == "done"
        assert 'id="stored-account"' not in c.get(f"/report?m={s.master.name}").text


# --------------------------------------------------------------------------- a clerk's report day in Chromium

@pytest.fixture
def live(fresh_sample):
    port = free_port()
    with serving(create_app(fresh_sample.root, TOKEN, port, prefix="clerk-day-root-0123"), port):
        yield f"http://127.0.0.1:{port}/clerk-day-root-0123", fresh_sample


@pytest.fixture
def browser(tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with chrome({"download.default_directory": str(downloads), "download.prompt_for_download": False}) as driver:
        driver.downloads = downloads
        yield driver


def test_a_clerks_report_day_in_a_real_browser(live, browser, monkeypatch):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from taizhang.jobs import load_master

    base, s = live
    wait = WebDriverWait(browser, 90)
    browser.get(f"{base}/?token={TOKEN}")
    assert browser.find_element(By.ID, "current-master").text == s.master.name  # the only master, preselected
    browser.find_element(By.LINK_TEXT, "报送").click()  # 报送 first: no "操作没有完成"
    wait.until(EC.presence_of_element_located((By.ID, "template-form")))

    # step 2 of report day: the templates, one unit's and all units'
    units = load_master(s.master, ledger=False).units.names()
    Select(browser.find_element(By.ID, "template-unit")).select_by_value(units[0])
    browser.find_element(By.ID, "template-button").click()
    Select(browser.find_element(By.ID, "template-unit")).select_by_value("")
    browser.find_element(By.ID, "template-button").click()
    for _ in range(300):
        zips = sorted(p for p in browser.downloads.glob("*.zip"))
        if len(zips) == 2:
            break
        time.sleep(0.1)
    sizes = sorted(len(zipfile.ZipFile(z).namelist()) for z in zips)
    assert sizes == [1, len(units)]

    # the units' files, dropped in a new folder: the refused ones are still said after the page's reload
    browser.get(f"{base}/report?m={s.master.name}&r=")
    files = sorted(p for p in s.submissions.iterdir() if p.is_file())
    browser.find_element(By.ID, "drop-input").send_keys("\n".join(str(p) for p in files))
    wait.until(EC.presence_of_element_located((By.ID, "merge-form")))
    box = wait.until(EC.presence_of_element_located((By.ID, "upload-outcomes"))).text
    assert "未保存" in box and f"{len(files)}个文件" in box

    # merge, held at its first file; the clerk refreshes: the progress comes back and then the account
    gate, first_file = _held_merge(monkeypatch)
    day = browser.find_element(By.ID, "today")
    browser.execute_script("arguments[0].value = arguments[1]", day, REPORT_DAY.isoformat())
    browser.find_element(By.ID, "merge-button").click()
    assert first_file.wait(60)
    browser.refresh()
    wait.until(EC.presence_of_element_located((By.ID, "job-running")))
    assert not browser.find_element(By.ID, "merge-button").is_enabled()
    wait.until(lambda d: "正在" in d.find_element(By.ID, "progress-text").text)
    gate.set()
    wait.until(EC.presence_of_element_located((By.ID, "equation")))
    assert "各项相符" in browser.find_element(By.ID, "equation").text

    # the 汇总 button shows its progress, then the file
    browser.get(f"{base}/summary?m={s.master.name}&today={REPORT_DAY}")
    browser.find_element(By.ID, "make-0").click()
    wait.until(lambda d: "已用" in d.find_element(By.ID, "make-progress-text").text
               or d.find_elements(By.ID, "made"))
    wait.until(EC.presence_of_element_located((By.ID, "made")))

    # undo the merge from 台账备份
    browser.get(f"{base}/backups?m={s.master.name}")
    browser.find_element(By.ID, "restore-1").click()
    browser.switch_to.alert.accept()
    wait.until(EC.presence_of_element_located((By.ID, "restored")))
    assert "已恢复到第1版" in browser.find_element(By.ID, "restored").text
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"
              and not ("/upload?" in e["message"] and "400" in e["message"])]
    assert not errors, "\n".join(e["message"] for e in errors)


def test_the_ranking_names_a_unit_without_cases_in_chinese(fresh_sample):
    """#33 item 8: a member unit with no cases has no light ("none" internally); the page's 单位灯 says 无问题."""
    from openpyxl import load_workbook

    wb = load_workbook(fresh_sample.master)
    wb["成员单位"].append(["新设办事处", "镇（街、区）", None, "DW099", None, None])
    wb.save(fresh_sample.master)
    with client_for(fresh_sample.root) as c:
        page = c.get(f"/summary?m={fresh_sample.master.name}&today={REPORT_DAY}").text
    row = re.search(r"<tr class=\"light-none\">(.*?)</tr>", page, re.S)
    assert row and "新设办事处" in row.group(1), page[:300]
    assert "无问题" in row.group(1) and ">none<" not in row.group(1) and "none</td>" not in row.group(1)
