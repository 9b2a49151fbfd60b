"""A new year's holidays from the State Council's notice (issue #30 item 6): `taizhang holidays MASTER --notice FILE`.

The expected result of the 2026 notice is DOMAIN.md's 2026 table; the notice text is in the form the
国务院办公厅 notices are written in (农历 notes in brackets, "放假调休，共N天", make-up days listed after).
"""

import datetime as dt

import pytest
from openpyxl import load_workbook

from taizhang.book.master import load_master
from taizhang.calendar.holiday_notice import NOTICE_MARK, parse_notice
from taizhang.calendar.workdays import WorkCalendar, published_years
from taizhang.doors.cli import main

D = dt.date

NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作，遇有重大突发事件，要按规定及时报告并妥善处置。
"""

# DOMAIN.md, "The 2026 schedule": holiday → (days off, make-up working days)
DOMAIN_2026 = {
    "元旦": ((D(2026, 1, 1), D(2026, 1, 3)), [D(2026, 1, 4)]),
    "春节": ((D(2026, 2, 15), D(2026, 2, 23)), [D(2026, 2, 14), D(2026, 2, 28)]),
    "清明节": ((D(2026, 4, 4), D(2026, 4, 6)), []),
    "劳动节": ((D(2026, 5, 1), D(2026, 5, 5)), [D(2026, 5, 9)]),
    "端午节": ((D(2026, 6, 19), D(2026, 6, 21)), []),
    "中秋节": ((D(2026, 9, 25), D(2026, 9, 27)), []),
    "国庆节": ((D(2026, 10, 1), D(2026, 10, 7)), [D(2026, 9, 20), D(2026, 10, 10)]),
}


def _span(a, b):
    return [a + dt.timedelta(n) for n in range((b - a).days + 1)]


def test_the_2026_notice_reads_as_domain_table():
    s = parse_notice(NOTICE_2026)
    assert s.year == 2026 and s.problems == [] and s.ignored == []
    got = {i.name: (i.off, i.work) for i in s.items}
    assert got == {name: (_span(*off), work) for name, (off, work) in DOMAIN_2026.items()}


def test_a_calendar_from_the_notice_alone_is_the_published_2026_calendar():
    """The notice's days, with the library's 2026 dropped, give the same working days on every day of 2026."""
    s = parse_notice(NOTICE_2026)
    mine, library = WorkCalendar(s.days(), official_years={2026}), WorkCalendar()
    days = _span(D(2026, 1, 1), D(2026, 12, 31))
    assert [mine.is_workday(d) for d in days] == [library.is_workday(d) for d in days]
    assert mine.add_workdays(D(2026, 9, 30), 5) == D(2026, 10, 13)   # DOMAIN.md's examples hold on it
    assert mine.add_workdays(D(2026, 2, 13), 10) == D(2026, 3, 5)
    assert 2026 not in mine.estimated


@pytest.mark.parametrize("text, year, off, work", [
    # the 2021 form: one day off, run together with the weekend
    ("一、元旦：1月1日（周五）放假，与周末连休。", 2021, [D(2021, 1, 1)], []),
    # the 2025 form: "放假1天，不调休"
    ("一、元旦：1月1日（周三）放假1天，不调休。", 2025, [D(2025, 1, 1)], []),
    # 星期 instead of 周, and a range across the new year with explicit years
    ("一、元旦：2023年12月30日（星期六）至2024年1月1日（星期一）放假调休，共3天。", 2024,
     _span(D(2023, 12, 30), D(2024, 1, 1)), []),
    # a range into the next month, 农历 notes, make-up days in 星期 form
    ("二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（星期日）、2月8日（星期六）上班。",
     2025, _span(D(2025, 1, 28), D(2025, 2, 4)), [D(2025, 1, 26), D(2025, 2, 8)]),
    # full-width digits and brackets, as a pasted PDF gives them
    ("三、清明节：４月４日（周六）至６日（周一）放假，共３天。", 2026, _span(D(2026, 4, 4), D(2026, 4, 6)), []),
    # two holidays in one item (2023)
    ("六、中秋节、国庆节：9月29日至10月6日放假调休，共8天。10月7日（星期六）、10月8日（星期日）上班。", 2023,
     _span(D(2023, 9, 29), D(2023, 10, 6)), [D(2023, 10, 7), D(2023, 10, 8)]),
])
def test_the_forms_notices_are_written_in(text, year, off, work):
    s = parse_notice(text, year)
    assert s.problems == []
    assert [(i.off, i.work) for i in s.items] == [(off, work)]


def test_a_date_named_without_a_day_off_is_listed_not_applied():
    text = ("二、春节：2月10日至17日放假调休，共8天。2月4日（周日）、2月18日（周日）上班。"
            "鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。")
    s = parse_notice(text, 2024)
    assert s.problems == [] and D(2024, 2, 9) not in s.days()
    assert len(s.ignored) == 1 and "2月9日" in s.ignored[0] and "未采用" in s.ignored[0]


@pytest.mark.parametrize("text, year, said", [
    (NOTICE_2026, 2027, "按2027年算是"),                                       # the wrong year: every weekday disagrees
    ("三、清明节：4月4日（周六）至6日（周一）放假，共4天。", 2026, "写的是共4天，按日期算是3天"),
    ("一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月5日（周一）上班。", 2026, "本来就是工作日"),
    ("一、元旦：1月1日至3日放假。", None, "没有找到年份"),
    ("元旦放假三天，具体另行通知。", 2026, "没有找到“一、元旦"),
])
def test_a_notice_that_contradicts_itself_is_refused_with_the_place(text, year, said):
    s = parse_notice(text, year)
    assert any(said in p for p in s.problems), s.problems


# ----------------------------------------------------------------------------- the command, on a master

def _weekday(d):
    return "一二三四五六日"[d.weekday()]


def _notice_for(year: int) -> tuple[str, list[dt.date], list[dt.date]]:
    """A notice in the usual form for a year no library has published (weekdays computed, so it is consistent)."""
    a, b, work = D(year, 10, 1), D(year, 10, 7), D(year, 10, 10)
    if work.weekday() < 5:  # a make-up day must be a weekend day: take the Saturday after the holiday
        work = b + dt.timedelta((5 - b.weekday()) % 7 or 7)
    text = (f"国务院办公厅关于{year}年部分节假日安排的通知\n"
            f"一、元旦：1月1日（周{_weekday(D(year, 1, 1))}）放假1天。\n"
            f"七、国庆节：10月1日（周{_weekday(a)}）至7日（周{_weekday(b)}）放假调休，共7天。"
            f"{work.month}月{work.day}日（周{_weekday(work)}）上班。\n")
    return text, [D(year, 1, 1), *_span(a, b)], [work]


@pytest.fixture
def master(tmp_path):
    path = tmp_path / "台账总表.xlsx"
    assert main(["new", str(path), "--preset", "xiaoneng"]) == 0
    return path


def test_entering_a_notice_ends_the_estimate_for_its_year(master, tmp_path, capsys):
    year = max(published_years()) + 1
    text, off, work = _notice_for(year)
    notice = tmp_path / "通知.txt"
    notice.write_text(text, encoding="gbk")  # Notepad's ANSI on a Chinese Windows
    assert year in load_master(master).calendar().estimated
    capsys.readouterr()

    assert main(["holidays", str(master), "--notice", str(notice)]) == 0
    said = capsys.readouterr().out
    assert f"从通知中读出{year}年的放假安排" in said and "国庆节：10月1日至7日放假，共7天" in said
    assert f"{year}年的时限不再是推算结果" in said and "已备份" in said

    m = load_master(master)
    assert m.notice_years == {year}
    cal = m.calendar()
    assert year not in cal.estimated
    assert all(not cal.is_workday(d) for d in off) and all(cal.is_workday(d) for d in work)
    rows = [[c.value for c in r] for r in load_workbook(master)["节假日"].iter_rows(min_row=2)]
    assert len(rows) == len(off) + len(work)
    assert all(str(r[2]).startswith(f"{NOTICE_MARK}（{year}年）") for r in rows)

    # `workday` over that year no longer warns of an estimate
    capsys.readouterr()
    assert main(["workday", f"{year}-09-30", "3", "--master", str(master)]) == 0
    assert "推算" not in capsys.readouterr().err


def test_entering_it_again_replaces_the_year_and_keeps_the_office_own_days(master, tmp_path, capsys):
    year = max(published_years()) + 1
    text, off, work = _notice_for(year)
    notice = tmp_path / "通知.txt"
    notice.write_text(text, encoding="utf-8")
    wb = load_workbook(master)  # the office's own days: one a notice day (it wins), one elsewhere
    ws = wb["节假日"]
    ws.append([dt.datetime(year, 10, 2), "上班", "本县防汛值守"])
    ws.append([dt.datetime(year, 3, 6), "放假", "本地庙会"])
    wb.save(master)

    assert main(["holidays", str(master), "--notice", str(notice)]) == 0
    assert main(["holidays", str(master), "--notice", str(notice)]) == 0
    said = capsys.readouterr().out
    assert "替换了先前录入的" in said and "保留本地安排：10月2日" in said
    rows = [[c.value for c in r] for r in load_workbook(master)["节假日"].iter_rows(min_row=2)]
    assert len(rows) == len(off) + len(work) - 1 + 2  # no row twice; 10-02 is the office's row, not the notice's
    cal = load_master(master).calendar()
    assert cal.is_workday(D(year, 10, 2)) and not cal.is_workday(D(year, 3, 6))


def test_a_contradicting_notice_or_a_preview_leaves_the_master_untouched(master, tmp_path, capsys):
    before = master.read_bytes()
    bad = tmp_path / "通知.txt"
    bad.write_text(NOTICE_2026, encoding="utf-8")
    assert main(["holidays", str(master), "--notice", str(bad), "--year", "2027"]) == 1
    said = capsys.readouterr().out
    assert "对不上，台账总表未改动" in said and "按2027年算是" in said
    year = max(published_years()) + 1
    good = tmp_path / "好通知.txt"
    good.write_text(_notice_for(year)[0], encoding="utf-8")
    assert main(["holidays", str(master), "--notice", str(good), "--dry-run"]) == 0
    assert "只是预览" in capsys.readouterr().out
    assert master.read_bytes() == before


def test_a_notice_saved_from_word(master, tmp_path, capsys):
    import docx

    doc = docx.Document()
    for line in NOTICE_2026.splitlines():
        doc.add_paragraph(line)
    path = tmp_path / "通知.docx"
    doc.save(path)
    assert main(["holidays", str(master), "--notice", str(path), "--dry-run"]) == 0
    assert "春节：2月15日至23日放假，共9天；2月14日（周六）、2月28日（周六）上班" in capsys.readouterr().out


def test_a_notice_that_is_not_text_is_refused_in_chinese(master, tmp_path, capsys):
    pdf = tmp_path / "通知.pdf"
    pdf.write_bytes(b"%PDF-1.4 ...")
    assert main(["holidays", str(master), "--notice", str(pdf)]) == 2
    assert "另存为 .docx" in capsys.readouterr().err


def test_each_problem_names_the_line_of_its_item():
    s = parse_notice(NOTICE_2026, 2027)
    assert any(p.startswith("第4行“元旦”") for p in s.problems)   # line 4 of the pasted text
    assert any(p.startswith("第5行“春节”") for p in s.problems)
