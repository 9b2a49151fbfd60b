"""The web page's 催报 view (issue #30): who owes the period's report, cases due soon, materials owed; the 催报单
zip and the 催办记录 it logs — by request, and in a real Chromium (its screenshot is docs/web-remind.png).

The campaign is the merged xinguan sample (seed 001 "每月20日"): on 2026-12-16 December's report (due Monday 12-21,
12-20 being a Sunday) is 3 working days away, so every unit is chased.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("starlette")
from conftest import copy_sample  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from test_web import TOKEN, client_for  # noqa: E402
from webserve import chrome, free_port, serving  # noqa: E402

from taizhang.doors.web.app import create_app  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
DAY = "2026-12-16"
SHOT = Path(__file__).resolve().parents[1] / "docs" / "web-remind.png"


@pytest.fixture(autouse=True)
def _log_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TAIZHANG_LOG_DIR", str(tmp_path / "log"))


@pytest.fixture
def campaign(_pristine_merged, tmp_path):
    return copy_sample(_pristine_merged, tmp_path / "campaign")


def test_the_remind_page_lists_who_owes_and_writes_and_logs_the_papers(campaign):
    m = campaign.master.name
    with client_for(campaign.root) as c:
        page = c.get(f"/remind?m={m}&today={DAY}").text
        assert 'id="remind-owed"' in page and "区商务局" in page and "本期（2026年12月）报送截止日：2026-12-21" in page
        assert "区商务局：本期（2026年12月）台账请于12月21日（星期一）前报送" in page and "【催报" in page
        assert 'id="remind-materials-none"' in page  # seed 001 names no dated material
        before = campaign.master.read_bytes()
        r = c.post(f"/remind/make?m={m}", data={"today": DAY, "sent": "0"})
        assert r.status_code == 200 and "已生成：" in r.text and campaign.master.read_bytes() == before
        zipped = campaign.master.with_name(f"{campaign.master.stem}-催报-{DAY}.zip")
        got = c.get(f"/download?m={m}&name={zipped.name}")
        with zipfile.ZipFile(io.BytesIO(got.content)) as z:
            names = z.namelist()
        assert len([n for n in names if n.endswith("-催报单-2026-12-16.docx")]) == 24
        assert f"短信-{DAY}.csv" in names and f"催报消息-{DAY}.txt" in names
        r = c.post(f"/remind/make?m={m}", data={"today": DAY, "sent": "1", "channel": "短信"})
        assert "已在“催办记录”表记录24条" in r.text
        log = [[x.value for x in row] for row in load_workbook(campaign.master)["催办记录"].iter_rows(min_row=2)]
        assert len(log) == 24 and {row[3] for row in log} == {"短信"}
        assert "1次" in c.get(f"/remind?m={m}&today={DAY}").text  # 本期已催办
        r = c.post(f"/remind/make?m={m}", data={"today": DAY, "sent": "1", "channel": "<script>"})
        assert r.status_code == 400 and len(list(load_workbook(campaign.master)["催办记录"].iter_rows(min_row=2))) == 24


def test_the_remind_view_in_a_real_browser(campaign, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    port = free_port()
    with serving(create_app(campaign.root, TOKEN, port, prefix="remind-root-0123"), port), chrome() as browser:
        base = f"http://127.0.0.1:{port}/remind-root-0123"
        browser.get(f"{base}/?token={TOKEN}")
        browser.find_element(By.LINK_TEXT, "催报").click()
        wait = WebDriverWait(browser, 90)
        wait.until(EC.presence_of_element_located((By.ID, "remind-account")))
        browser.get(f"{base}/remind?m={campaign.master.name}&today={DAY}")
        rows = browser.find_elements(By.CSS_SELECTOR, "#remind-owed tbody tr")
        assert len(rows) == 24 and "未报送" in rows[0].text
        browser.find_element(By.ID, "remind-make").click()
        wait.until(EC.presence_of_element_located((By.ID, "made")))
        assert browser.find_element(By.ID, "remind-download").is_displayed()
        if os.environ.get("TAIZHANG_SCREENSHOTS"):  # docs/web-remind.png, for the README
            browser.set_window_size(1280, 1500)
            browser.save_screenshot(str(SHOT))
        browser.find_element(By.ID, "remind-sent").click()
        wait.until(lambda d: "记录24条" in d.find_element(By.ID, "made").text)
        errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
        assert not errors, "\n".join(e["message"] for e in errors)
