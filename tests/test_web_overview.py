"""The 领导总览 page (issue #32): the served folder's masters in one workbook, with `taizhang overview`'s lines;
the workbook offered for download by name only; in a real Chromium too."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette")
from conftest import REPORT_DAY  # noqa: E402
from test_web import TOKEN, client_for  # noqa: E402
from webserve import chrome, free_port, serving  # noqa: E402

from taizhang.doors.web.app import create_app  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(autouse=True)
def _log_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TAIZHANG_LOG_DIR", str(tmp_path / "log"))


def test_the_page_writes_the_overview_and_shows_the_cli_lines(fresh_sample):
    from taizhang.jobs import run_overview
    from taizhang.report.text import overview_text

    master = fresh_sample.master
    before = master.read_bytes()
    with client_for(fresh_sample.root) as c:
        page = c.get("/overview")
        assert page.status_code == 200 and 'id="overview-form"' in page.text and "已生成的领导总览" not in page.text
        done = c.post("/overview", data={"today": REPORT_DAY.isoformat()})
        assert done.status_code == 200 and "done=" in str(done.url)
        name = f"领导总览-{REPORT_DAY.isoformat()}.xlsx"
        made = fresh_sample.root / name
        assert made.exists() and master.read_bytes() == before  # a new file; the master is not changed
        want = overview_text(run_overview(fresh_sample.root, REPORT_DAY, fresh_sample.root / "对照.xlsx"))
        for line in want[:-1]:  # the same job's lines (the last names the file it wrote)
            assert line.replace("对照.xlsx", name).strip() in done.text
        assert f"领导总览已生成：{made}" in done.text
        got = c.get("/overview/file", params={"name": name})
        assert got.status_code == 200 and got.content[:2] == b"PK" and got.content == made.read_bytes()
        assert c.get("/overview/file", params={"name": master.name}).status_code == 404  # its own files only
        assert c.get("/overview/file", params={"name": "../" + name}).status_code == 404
        assert name in c.get("/overview").text  # listed for later


def test_the_overview_in_a_real_browser(fresh_sample):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    port = free_port()
    with serving(create_app(fresh_sample.root, TOKEN, port, prefix="overview-root-0123"), port), chrome() as browser:
        base = f"http://127.0.0.1:{port}/overview-root-0123"
        wait = WebDriverWait(browser, 90)
        browser.get(f"{base}/?token={TOKEN}")
        browser.find_element(By.LINK_TEXT, "领导总览").click()
        day = wait.until(EC.presence_of_element_located((By.ID, "overview-today")))
        browser.execute_script("arguments[0].value = arguments[1]", day, REPORT_DAY.isoformat())
        browser.find_element(By.ID, "overview-button").click()
        account = wait.until(EC.presence_of_element_located((By.ID, "overview-account"))).text
        assert "共读取1个专项行动的台账总表" in account and "各台账总表未改动" in account
        link = browser.find_element(By.ID, "overview-download")
        assert link.text == f"下载 领导总览-{REPORT_DAY.isoformat()}.xlsx"
        assert not [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
