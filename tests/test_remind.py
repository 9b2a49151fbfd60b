"""催报 and 临期提醒 before the due date (issue #30 items 1–2): `taizhang remind`.

The campaign is the merged xinguan sample (24 units, report day 2026-11-23; seed 001: "每月20日,报送当月工作推进
情况"). 2026-12-20 is a Sunday, so December's due date is Monday 12-21 under the default 顺延 (Civil Code art. 203).
The lead (催报提前, 3 working days), the cap (2 a period) and 截止日遇休息日 are office settings.
"""

import csv
import datetime as dt
import shutil

import pytest
from conftest import copy_sample
from openpyxl import load_workbook

from taizhang.book.master import load_master
from taizhang.book.reminders import plan_reminders, report_due
from taizhang.calendar.deadlines import compute_lights
from taizhang.doors.cli import main
from taizhang.jobs import run_remind
from taizhang.report.reminder_papers import CSV_HEADERS

D = dt.date


@pytest.fixture
def campaign(_pristine_merged, tmp_path):
    return copy_sample(_pristine_merged, tmp_path / "campaign")


def _set(master, **settings):
    wb = load_workbook(master)
    ws = wb["参数设置"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in settings:
            row[1].value = settings[row[0].value]
    wb.save(master)


def _plan(master, today, **kw):
    m = load_master(master)
    lights = compute_lights(m.ledger, m.rulebook, m.calendar(), today)
    return plan_reminders(m, today, lights, **kw)


@pytest.mark.parametrize("settings, today, due", [
    ({}, D(2026, 12, 10), D(2026, 12, 21)),                           # Sun 12-20 → Mon 12-21 (顺延)
    ({"截止日遇休息日": "提前"}, D(2026, 12, 10), D(2026, 12, 18)),      # → Fri 12-18 (the office's setting)
    ({"报送截止日": 10}, D(2026, 10, 5), D(2026, 10, 10)),              # Sat 10-10 is a make-up working day: stays
    ({"报送截止日": 3}, D(2026, 10, 2), D(2026, 10, 8)),                # 10-03 in the 国庆 week → Thu 10-08
    ({"报送截止日": 3, "截止日遇休息日": "提前"}, D(2026, 10, 2), D(2026, 9, 30)),
])
def test_the_due_date_in_force_moves_off_a_day_off_by_the_office_setting(campaign, settings, today, due):
    _set(campaign.master, **settings)
    m = load_master(campaign.master)
    assert report_due(m.rulebook, today, m.calendar())[0] == due


@pytest.mark.parametrize("today, reminded, state", [
    (D(2026, 12, 10), False, None),            # 7 working days before 12-21: too early to chase
    (D(2026, 12, 16), True, "未报送"),          # 3 working days before: every unit that has not reported
    (D(2026, 12, 21), True, "未报送"),          # the due day itself
    (D(2026, 12, 23), True, "逾期未报送"),       # after it
])
def test_units_are_chased_from_n_working_days_before_the_due_date(campaign, today, reminded, state):
    plan = _plan(campaign.master, today)
    owed = {r.unit: r.report for r in plan.reminders + plan.capped if r.report}
    assert bool(owed) == reminded
    if reminded:  # November's files (received up to 11-23) are November's: nobody has reported for December
        assert set(owed) == set(load_master(campaign.master).units.names())
        assert set(owed.values()) == {state}


def test_the_lead_counts_working_days_across_the_national_day_week(campaign):
    """Due on the 3rd: October's falls in the 国庆 week and moves to 10-08. On 9-24 that is 4 working days away
    (9-28, 9-29, 9-30, 10-08), so September (due 9-03, nobody reported) is still the period chased, as overdue;
    on 9-28 it is 3 working days away and October is chased, September's missing units named beside it."""
    _set(campaign.master, 报送截止日=3)
    sept = _plan(campaign.master, D(2026, 9, 24))
    assert sept.period == "2026年9月" and {r.report for r in sept.reminders if r.report} == {"逾期未报送"}
    octo = _plan(campaign.master, D(2026, 9, 28))
    assert octo.period == "2026年10月" and octo.due == D(2026, 10, 8) and octo.workdays_left == 3
    assert {r.report for r in octo.reminders if r.report} == {"未报送"}
    assert octo.previous_period == "2026年9月" and len(octo.previous_missing) == 24


def test_a_unit_with_a_file_in_the_folder_or_a_report_this_period_is_not_chased(campaign, tmp_path):
    folder = tmp_path / "十二月报送"
    folder.mkdir()
    first = next(p for p in sorted(campaign.submissions.rglob("*.xlsx")) if "城关镇" in p.name)
    shutil.copy(first, folder / first.name)  # November's file, merged on 11-23: not a report for December
    again = run_remind(campaign.master, D(2026, 12, 16), out_dir=tmp_path / "again", folder=folder)
    assert again.plan.in_folder == [] and "城关镇" in {r.unit for r in again.plan.reminders if r.report}
    wb = load_workbook(folder / first.name)  # December's file: new content
    wb.active["A1"] = f"{wb.active['A1'].value or ''}（12月）"
    wb.save(folder / first.name)
    out = run_remind(campaign.master, D(2026, 12, 16), out_dir=tmp_path / "out", folder=folder)
    in_folder = out.plan.in_folder
    assert in_folder == ["城关镇"] and "城关镇" not in {r.unit for r in out.plan.reminders if r.report}
    assert len([r for r in out.plan.reminders if r.report]) == 23
    # November: the 11-23 merge's 报送情况 shows who reported by 11-18 (城关镇's file was received then)
    nov = _plan(campaign.master, D(2026, 11, 18))
    assert "城关镇" in nov.reported and "城关镇" not in {r.unit for r in nov.reminders if r.report}


def test_cases_due_within_the_lead_or_behind_schedule_are_reminded_and_red_ones_left_to_supervision(campaign):
    today = D(2026, 12, 16)
    m = load_master(campaign.master)
    lights = compute_lights(m.ledger, m.rulebook, m.calendar(), today)
    plan = plan_reminders(m, today, lights)
    listed = {c.case_id: c for r in plan.reminders + plan.capped for c in r.cases}
    df = lights.ledger
    for cid, rem, light in zip(df["case_id"], df["remaining"], lights.lights):
        soon = light in ("yellow", "green") and rem == rem and rem is not None and 0 <= rem <= 3
        assert (cid in listed) == (soon or light == "yellow"), (cid, rem, light)
    reds = sum(1 for lt in lights.lights if lt == "red")
    assert sum(r.overdue_cases for r in plan.reminders + plan.capped) == reds


def test_papers_messages_and_the_sms_table(campaign, tmp_path, capsys):
    wb = load_workbook(campaign.master)  # contacts in new 联系人/联系电话 columns of 成员单位
    ws = wb["成员单位"]
    head = [c.value for c in ws[1]]
    assert head[-2:] == ["联系人", "联系电话"] or "联系人" not in head
    col = len(head) + 1 if "联系人" not in head else head.index("联系人") + 1
    ws.cell(1, col, "联系人")
    ws.cell(1, col + 1, "联系电话")
    hostile = ws.cell(2, col, "=HYPERLINK(\"http://x\")")  # text that looks like a formula never becomes one
    hostile.data_type = "s"
    ws.cell(2, col + 1, 13800138000)  # a phone typed as a number
    unit1 = ws.cell(2, 1).value
    wb.save(campaign.master)

    out_dir = tmp_path / "催报"
    assert main(["remind", str(campaign.master), "--today", "2026-12-16", "--out-dir", str(out_dir)]) == 0
    said = capsys.readouterr().out
    assert "本期（2026年12月）报送截止日：2026-12-21（12月20日是休息日，按设置调整），还有3个工作日" in said
    assert "--sent" in said
    papers = sorted(out_dir.glob("*.docx"))
    assert len(papers) == 24 and all("催报单" in p.name for p in papers)
    rows = list(csv.reader(next(out_dir.glob("短信-*.csv")).read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == CSV_HEADERS and len(rows) == 25
    first = next(r for r in rows[1:] if r[0] == unit1)
    assert first[1].startswith("'=") and first[2] == "13800138000"
    assert first[3].startswith("【催报") and "12月21日（星期一）前报送，目前尚未收到" in first[3]
    text = next(out_dir.glob("催报消息-*.txt")).read_text(encoding="utf-8-sig")
    assert text.count("——区营商环境指挥部改革创新组") == 24
    assert "反映人" not in text and "联系电话" not in text  # no description or personal data in group messages
    assert load_master(campaign.master).reports  # nothing was written to the master without --sent


def test_sent_reminders_are_logged_and_capped_per_period(campaign, tmp_path, capsys):
    before = campaign.master.read_bytes()
    assert main(["remind", str(campaign.master), "--today", "2026-12-16", "--out-dir", str(tmp_path / "a")]) == 0
    assert campaign.master.read_bytes() == before  # a preview writes only the papers
    for k in range(2):
        assert main(["remind", str(campaign.master), "--today", "2026-12-17", "--out-dir", str(tmp_path / f"s{k}"),
                     "--sent", "--channel", "短信"]) == 0
    log = [[c.value for c in r] for r in load_workbook(campaign.master)["催办记录"].iter_rows(min_row=1)]
    assert log[0] == ["日期", "单位名称", "类别", "方式", "报送期", "内容"]
    assert {r[3] for r in log[1:]} == {"短信"} and {r[4] for r in log[1:]} == {"2026年12月"}
    assert len([r for r in log[1:] if "催报" in r[2]]) == 2 * 24 and len(log) - 1 == 2 * 24
    capsys.readouterr()
    third = run_remind(campaign.master, D(2026, 12, 18), out_dir=tmp_path / "third")
    assert not third.plan.reminders and len(third.plan.capped) >= 24 and not (tmp_path / "third").exists()
    # a new period starts the count again
    jan = run_remind(campaign.master, D(2027, 1, 18), out_dir=tmp_path / "jan")
    assert any(r.report for r in jan.plan.reminders)


def test_a_paper_is_one_page(campaign, tmp_path):
    from conftest import SOFFICE, convert

    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed")
    out = run_remind(campaign.master, D(2026, 12, 16), out_dir=tmp_path / "p")
    longest = max(out.papers, key=lambda p: p.stat().st_size)
    pdf = convert([longest], "pdf", tmp_path / "pdf")[0]
    import subprocess

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "Pages:           1" in info
