"""Issue 33, item 12: the small untruths seen on the way, each said truly now in every door that showed it."""

from __future__ import annotations

import re

import pytest
from conftest import REPORT_DAY
from openpyxl import Workbook, load_workbook

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_the_check_page_never_shows_a_sheet_dash_of_zero_rows(fresh_sample, tmp_path):
    """A readable file with no ledger in it: the page says so, as the terminal does — not “工作表“-”，0行”, and not
    “文件无法读取” for a file that was read."""
    from test_web import client_for

    wb = Workbook()
    wb.active.append(["月份", "主营业务收入"])
    wb.active.append(["1月", 120])
    path = tmp_path / "收入表.xlsx"
    wb.save(path)
    with client_for(fresh_sample.root) as c:
        r = c.post("/validate", data={"preset": "xinguan", "today": REPORT_DAY.isoformat()},
                   files={"file": (path.name, path.read_bytes())})
    assert r.status_code == 200
    summary = re.search(r'id="check-summary">(.*?)</p>', r.text, re.S).group(1)
    assert "工作表“-”" not in summary and summary.startswith("没有读到台账工作表"), summary
    assert "无法读取" not in summary and "没有找到台账表头" in r.text


def test_the_upload_fields_do_not_offer_xlsb(fresh_sample):
    """.xlsb is refused by every door (save it as .xlsx): the file pickers do not offer it."""
    from test_web import client_for

    with client_for(fresh_sample.root) as c:
        for page in (f"/report?m={fresh_sample.master.name}&r=报送", "/validate"):
            html = c.get(page).text
            accepts = re.findall(r'accept="([^"]*)"', html)
            assert accepts and all(".xlsb" not in a for a in accepts), (page, accepts)


def test_the_merge_page_counts_the_reminders_its_account_counts(fresh_sample):
    """The page's 提醒 table holds the findings its account calls “提醒N条”: late and missing reports are told in
    报送情况, not counted twice."""
    from test_web import client_for, wait_job

    with client_for(fresh_sample.root) as c:
        r = c.post(f"/merge?m={fresh_sample.master.name}", data={"r": "报送", "today": REPORT_DAY.isoformat()},
                   headers={"Accept": "application/json"})
        job = wait_job(c, r.json()["status"])
        assert job["state"] == "done", job
        html = c.get(r.json()["result"]).text
    account = re.findall(r"提醒(\d+)条（照常导入", html)
    table = re.findall(r"<h2>提醒（(\d+)条）</h2>", html)
    assert account and table and account == table, (account, table)
    assert "late-report" in str(job) or "逾期" in html  # the sample has a late unit: the old page counted it twice


def test_a_campaign_without_supervising_departments_has_no_blank_column(tmp_path):
    """sanluan's categories name no 牵头督办部门: 分类统计 has no column of blanks; xinguan's keeps it."""
    from taizhang.demo import generate
    from taizhang.jobs import run_merge, run_summary

    for preset, want in (("sanluan", False), ("xinguan", True)):
        s = generate(tmp_path / preset, preset=preset, seed=3, today=REPORT_DAY)
        run_merge(s.master, s.submissions, REPORT_DAY)
        out = tmp_path / f"{preset}-汇总.xlsx"
        run_summary(s.master, REPORT_DAY, out)
        ws = load_workbook(out)["分类统计"]
        header = [c.value for c in ws[3]]
        assert ("牵头督办部门" in header) is want, (preset, header)
        (chart,) = ws._charts
        ref = chart.series[0].val.numRef.f  # the chart still counts 问题数
        col = re.search(r"\$([A-Z]+)\$", ref).group(1)
        assert ws[f"{col}3"].value == "问题数", (preset, ref)


def test_the_merge_page_shows_no_finding_code(fresh_sample):
    """#33 item 8: the merge account on the page names each kind of finding in Chinese; no code such as
    (missing-recommended), (unknown-column) or [unknown-category] reaches office staff (codes stay in --json)."""
    from test_web import client_for, wait_job

    from taizhang.findings import CODES

    with client_for(fresh_sample.root) as c:
        r = c.post(f"/merge?m={fresh_sample.master.name}", data={"r": "报送", "today": REPORT_DAY.isoformat()},
                   headers={"Accept": "application/json"})
        assert wait_job(c, r.json()["status"])["state"] == "done"
        html = c.get(r.json()["result"]).text
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S))
    assert "提醒" in text
    assert [code for code in CODES if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)] == []
