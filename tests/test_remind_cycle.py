"""What is left of issue #30: the next cycle's templates, 催办次数 in the summary and the 通报, and 材料报送.

The campaign is the merged xinguan sample (report day 2026-11-23; seed 001: "每月20日,报送当月工作推进情况").
2026-12-20 is a Sunday: December's due date in force is Monday 12-21 (顺延, the default of 截止日遇休息日).
"""

import datetime as dt

import pytest
from conftest import copy_sample
from openpyxl import load_workbook

from taizhang.doors.cli import main

D = dt.date


@pytest.fixture
def campaign(_pristine_merged, tmp_path):
    return copy_sample(_pristine_merged, tmp_path / "campaign")


def _row2(path):
    ws = load_workbook(path)["台账"]
    return " ".join(str(c.value) for c in ws[2] if c.value)


def test_template_for_the_next_cycle_names_its_period_and_due_date(campaign, tmp_path, capsys):
    assert main(["template", str(campaign.master), "--out", str(tmp_path / "now"), "--today", "2026-11-23"]) == 0
    assert main(["template", str(campaign.master), "--out", str(tmp_path / "next"), "--today", "2026-11-23",
                 "--cycle", "next"]) == 0
    now, nxt = sorted((tmp_path / "now").glob("*.xlsx")), sorted((tmp_path / "next").glob("*.xlsx"))
    assert len(now) == len(nxt) == 24
    assert all("2026年11月" in p.name for p in now) and all("2026年12月" in p.name for p in nxt)
    line = _row2(next(p for p in nxt if p.name.startswith("区商务局")))
    assert "报送期：2026年12月" in line and "报送截止：2026年12月21日（星期一）（12月20日为休息日，顺延）" in line
    assert "报送截止：2026年11月20日（星期五）" in _row2(next(p for p in now if p.name.startswith("区商务局")))
    # prefilled as today's: the same open cases
    a = load_workbook(next(p for p in now if p.name.startswith("区商务局")))["台账"]
    b = load_workbook(next(p for p in nxt if p.name.startswith("区商务局")))["台账"]
    assert a.max_row > 4 and [[c.value for c in r] for r in a.iter_rows(min_row=3, max_row=a.max_row)] == \
        [[c.value for c in r] for r in b.iter_rows(min_row=3, max_row=b.max_row)]


def test_the_summary_and_the_notice_count_each_units_reminders_this_period(campaign, tmp_path, capsys):
    import docx

    from taizhang.book.master import load_master
    from taizhang.jobs import run_remind

    for day in ("2026-12-16", "2026-12-17"):
        assert main(["remind", str(campaign.master), "--today", day, "--out-dir", str(tmp_path / day), "--sent"]) == 0
    run_remind(campaign.master, D(2027, 1, 18), out_dir=tmp_path / "jan", sent=True)  # January's: not December's
    assert len(load_master(campaign.master).remind_log) == 3 * 24
    out = tmp_path / "out"
    assert main(["summary", str(campaign.master), "--today", "2026-12-21", "--out", str(out / "汇总.xlsx")]) == 0
    ws = load_workbook(out / "汇总.xlsx")["催办与材料"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    head = next(i for i, r in enumerate(rows) if r[0] == "单位名称")
    assert rows[head][:6] == ["单位名称", "本期报送情况", "本期催办次数", "累计催办次数", "已报送材料", "尚欠材料"]
    by_unit = {r[0]: r for r in rows[head + 1:] if r[0]}
    assert by_unit["区商务局"][2:4] == [2, 3]
    assert "没有要求单独报送的材料" in str(rows[2][0])  # seed 001 names no dated material
    capsys.readouterr()
    assert main(["notice", str(campaign.master), "--today", "2026-12-21", "--out", str(out / "通报.docx")]) == 0
    text = "\n".join(p.text for p in docx.Document(out / "通报.docx").paragraphs)
    assert "本期（2026年12月）办公室共催办48次，涉及24个单位" in text and "区商务局（2次）" in text


@pytest.mark.parametrize("preset, today, period, due", [
    ("lijiuzhang", "2026-10-05", "2026年10月中旬", "报送截止：2026年10月20日（星期二）"),   # 旬: 10-05 → 中旬
    ("sanluan", "2026-09-30", "2026年第41周", "报送截止：2026年10月9日（星期五）"),        # the 国庆 week: Fri 10-09 works
])
def test_the_next_cycle_of_ten_day_and_weekly_plans(tmp_path, capsys, preset, today, period, due):
    from taizhang.book.master import create_master
    from taizhang.rules.rulebook import builtin_rulebooks

    master = create_master(tmp_path / "m.xlsx", builtin_rulebooks()[preset].for_year(2026))
    assert main(["template", str(master), "--out", str(tmp_path / "t"), "--today", today, "--cycle", "next"]) == 0
    # a master without units writes no template: the period and due date are checked through the template writer itself
    from taizhang.book.master import load_master
    from taizhang.book.template import cycle_day, due_line, period_label

    m = load_master(master)
    day = cycle_day(m, D.fromisoformat(today), "next")
    assert period_label(day, m.rulebook.reporting.cadence) == period and due in due_line(m, day)


def test_a_one_off_plan_has_no_next_cycle(tmp_path, capsys):
    from taizhang.book.master import create_master
    from taizhang.rules.rulebook import builtin_rulebooks

    master = create_master(tmp_path / "m.xlsx", builtin_rulebooks()["zhonggengzu"].for_year(2026))
    assert main(["template", str(master), "--out", str(tmp_path / "t"), "--today", "2026-11-23", "--cycle", "next"]) != 0
    assert "没有“下一期”" in capsys.readouterr().err
