"""Each campaign by its own seed, round 3 (issue 26, what was left): 抄送 and 归口 extracts, the office's own rhythm
(通报 for a month or a quarter), seed 002's 排查清单, and masters made before round 2.

Every test quotes, in its docstring, the seed sentence it implements.
"""

import datetime as dt

from openpyxl import load_workbook
from test_seed_rules import book, ledger  # the same small ledgers and rulebooks as round 1's seed tests

from taizhang.book.master import create_master, load_master
from taizhang.intake.units import build_directory

D = dt.date


def _master(tmp_path, preset, units, *rows, year=2026):
    path = tmp_path / "台账总表.xlsx"
    b = book(preset, year)
    create_master(path, b, build_directory([(i, *u, "", "") for i, u in enumerate(units, 2)], "成员单位"))
    m = load_master(path)
    m.ledger = ledger(*rows)
    return m


def _cells(path, sheet):
    return [[c for c in r] for r in load_workbook(path)[sheet].iter_rows(min_row=4, values_only=True)]


# ----------------------------------------------------------------- seed 001: 抄送 the 行业主管部门

def test_xinguan_report_day_writes_one_extract_per_supervising_department(tmp_path):
    """Seed 001: "各镇（街、区）每月20日报送当月工作推进情况,同时抄送案件涉及领域的行业主管部门" — each report day gives one
    extract per 行业主管部门 (its cases, their progress and lights), beside the summary, for the office to send on."""
    from taizhang.jobs import save_extracts

    b = book("xinguan")
    assert b.extracts_by == "supervisor"
    t = b.unit_types[0]
    m = _master(tmp_path, "xinguan", [("城关镇", t), ("河口镇", t)],
                {"case_id": "A1", "unit": "城关镇", "category": "账款支付不到位", "supervisor": "区工信局",
                 "assigned": D(2026, 6, 1), "progress": 40, "progress_note": "已拨付一半", "reporter": "王五"},
                {"case_id": "A2", "unit": "河口镇", "category": "账款支付不到位", "supervisor": "区工信局",
                 "assigned": D(2026, 6, 1), "deadline": D(2026, 7, 1)},
                {"case_id": "B1", "unit": "河口镇", "category": "法院判决不执行", "supervisor": "区人民法院",
                 "assigned": D(2026, 6, 1)},
                {"case_id": "C1", "unit": "城关镇", "category": "其他情形", "assigned": D(2026, 6, 1)})
    written = save_extracts(m, D(2026, 11, 20), tmp_path)
    assert {p.name for p in written} == {"台账总表-抄送-区人民法院-2026-11-20.xlsx", "台账总表-抄送-区工信局-2026-11-20.xlsx"}
    gx = tmp_path / "台账总表-抄送-区工信局-2026-11-20.xlsx"
    cases = _cells(gx, "问题清单")
    assert [r[0] for r in cases] == ["A2", "A1"]  # the red case first
    assert cases[0][10] == "红灯" and cases[1][7] == 40 and cases[1][8] == "已拨付一半"
    assert cases[1][5].date() == D(2026, 12, 31)  # seed 001's 当年办结, as computed
    units = {r[0]: r for r in _cells(gx, "单位情况")}
    assert set(units) == {"城关镇", "河口镇"} and units["河口镇"][5] == 1
    text = str([[c for c in r] for ws in load_workbook(gx) for r in ws.iter_rows(values_only=True)])
    assert "抄送区工信局" in text and "王五" not in text and "B1" not in text and "C1" not in text


def test_xinguan_handover_notice_names_the_copied_departments():
    """Seed 001: "同时抄送案件涉及领域的行业主管部门" — the 交办通知单 names the 行业主管部门 it is copied to (in the text and on
    the 抄送 line); a campaign whose plan copies nobody has no 抄送 line."""
    from taizhang.book.assign import Notice, NoticeCase
    from taizhang.report.handover import build_notice

    cases = [NoticeCase("JB-1", "拖欠工程款", D(2026, 12, 31), None, "区工信局"),
             NoticeCase("JB-2", "判决未执行", D(2026, 12, 31), None, "区人民法院")]
    n = Notice("城关镇", "新官不理旧账", "改革创新组", D(2026, 6, 1), cases, None, None, "每月20日前报送办理进展",
               ["区人民法院", "区工信局"])
    paras = [p.text for p in build_notice(n).doc.paragraphs]
    assert "抄送：区人民法院、区工信局。" in paras
    assert any("同时抄送案件涉及领域的行业主管部门：区人民法院、区工信局" in p for p in paras)
    plain = Notice("城关镇", "效能提升年", "区效能办", D(2026, 6, 1), cases, 3, 5, "每月20日前报送办理进展")
    assert not [p for p in (q.text for q in build_notice(plain).doc.paragraphs) if "抄送" in p]


def test_only_xinguan_copies_in_the_handover(tmp_path):
    """Only seed 001 writes "同时抄送案件涉及领域的行业主管部门": notices_of fills the 抄送 list there, and nowhere else."""
    from types import SimpleNamespace

    from taizhang.book.assign import notices_of

    a = SimpleNamespace(unit="城关镇", id="JB-1", description="甲", deadline=D(2026, 12, 31), sign_by=None,
                        supervisor="区工信局", from_unit=None, deadline_note="", ref="")
    result = SimpleNamespace(assigned=[a], today=D(2026, 6, 1))
    for preset, want in (("xinguan", ["区工信局"]), ("xiaoneng", []), ("lijiuzhang", [])):
        m = SimpleNamespace(rulebook=book(preset), units=SimpleNamespace(names=lambda: ["城关镇"]))
        assert notices_of(m, result)[0].copy_to == want


# ----------------------------------------------------------------- seed 003: each 归口汇总部门 its system

def test_sanluan_each_summary_department_gets_its_systems_extract(tmp_path):
    """Seed 003: "各系统分管部门要…定期向县委办公室报送各自分管系统的清理工作情况及相关材料" — each 归口汇总部门 gets an
    extract of its system's units (a unit with no case, e.g. a 零报告, is listed with its 报送情况) to send up."""
    from taizhang.jobs import save_extracts

    b = book("sanluan")
    assert b.extracts_by == "summary_dept"
    m = _master(tmp_path, "sanluan", [("城关镇", "乡镇"), ("河口镇", "乡镇"), ("县一中", "学校")],
                {"case_id": "S1", "unit": "城关镇", "summary_dept": "县委办公室", "assigned": D(2026, 11, 2),
                 "rectify_mode": "持续整改"},
                {"case_id": "S2", "unit": "县一中", "assigned": D(2026, 11, 2), "rectify_mode": "限时整改",
                 "deadline": D(2026, 11, 10)})
    m.reports = [["城关镇", "乡镇", "已报送"], ["河口镇", "乡镇", "零报告"], ["县一中", "学校", "已报送"]]
    written = save_extracts(m, D(2026, 11, 20), tmp_path)
    assert {p.name for p in written} == {"台账总表-归口汇总-县教育局-2026-11-20.xlsx",
                                         "台账总表-归口汇总-县委办公室-2026-11-20.xlsx"}  # no unit, no extract
    office = tmp_path / "台账总表-归口汇总-县委办公室-2026-11-20.xlsx"
    units = {r[0]: r for r in _cells(office, "单位情况")}
    assert set(units) == {"城关镇", "河口镇"} and units["河口镇"][1:3] == ["零报告", 0]
    assert [r[0] for r in _cells(office, "问题清单")] == ["S1"]
    school = _cells(tmp_path / "台账总表-归口汇总-县教育局-2026-11-20.xlsx", "问题清单")
    assert [r[0] for r in school] == ["S2"] and school[0][10] == "红灯"  # its unit's system, from 归口汇总
    assert load_workbook(office)["单位情况"]["A1"].value == "不作为、乱作为、慢作为县委办公室分管系统清理工作情况"


def test_a_plan_that_sends_nothing_on_writes_no_extract(tmp_path):
    """Seed 004 names no department the office copies or reports to per system: no extract is written."""
    from taizhang.jobs import save_extracts

    m = _master(tmp_path, "xiaoneng", [("城关镇", book("xiaoneng").unit_types[0])],
                {"case_id": "X", "unit": "城关镇", "supervisor": "区工信局", "assigned": D(2026, 11, 2)})
    assert save_extracts(m, D(2026, 11, 20), tmp_path) == []
    assert not list(tmp_path.glob("*抄送*")) and not list(tmp_path.glob("*归口汇总*"))


def test_the_extract_setting_survives_the_master(tmp_path):
    """The 分送摘录 row of 参数设置 is the office's to change and reads back as written."""
    from taizhang.book.settings_sheet import settings_rows

    path = tmp_path / "m.xlsx"
    create_master(path, book("xinguan"))
    rows = {label: value for label, value, _ in settings_rows(load_master(path).rulebook)}
    assert rows["分送摘录"] == "抄送行业主管部门" and load_master(path).rulebook.extracts_by == "supervisor"


# ----------------------------------------------------------------- the office's own rhythm: a month's, a quarter's 通报

def _three_months(tmp_path):
    """A seed 000 master with history on each 旬 report day of September to November 2026 and changes in October."""
    import pandas as pd

    from taizhang.book.ledger_sheet import save_master
    from taizhang.book.sheets import CHANGE_HEADERS, HISTORY_HEADERS

    t = book("lijiuzhang").unit_types[0]
    m = _master(tmp_path, "lijiuzhang", [("区商务局", t), ("区财政局", t)],
                {"case_id": "L1", "unit": "区商务局", "assigned": D(2026, 9, 2), "status": "已办结", "done_date": D(2026, 11, 12)},
                {"case_id": "L2", "unit": "区商务局", "assigned": D(2026, 10, 15), "deadline": D(2026, 10, 30)},
                {"case_id": "L3", "unit": "区财政局", "assigned": D(2026, 11, 3), "progress": 60})
    days = [D(2026, mo, d) for mo in (9, 10, 11) for d in (10, 20, 30 if mo != 10 else 31)]
    hist = []
    for day in days:
        red = 1 if day >= D(2026, 11, 1) else 0
        hist += [[day, "区商务局", 1 if day < D(2026, 10, 15) else 2, 1 if day > D(2026, 11, 12) else 0, 0, red, 0, 1, 0],
                 [day, "区财政局", 0 if day < D(2026, 11, 3) else 1, 0, 0, 0, 0, 0, 0]]
    m.history = pd.DataFrame(hist, columns=HISTORY_HEADERS)
    m.changes = pd.DataFrame([["L2", "完成进度（%）", 10, 30, "区商务局", "区商务局.xlsx", D(2026, 10, 20)],
                              ["L1", "办理状态", "整改中", "已办结", "区商务局", "区商务局.xlsx", D(2026, 11, 20)]],
                             columns=CHANGE_HEADERS)
    save_master(m, m.path)
    return m.path


def _docx_text(path) -> str:
    from docx import Document

    doc = Document(path)
    return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])


def test_a_months_and_a_quarters_bulletin_from_three_months_of_history(tmp_path):
    """Seed 000: "建立“旬调度、月晾晒、季通报”的工作机制" — the office's own rhythm. `notice --period 2026-11` draws up the
    月晾晒 for November and `--period 2026Q4` the 季通报 for October–December, from the master's 历史统计 and 变更记录,
    not only "since the last report day"."""
    from taizhang.jobs import run_notice

    path = _three_months(tmp_path)
    month = run_notice(path, D(2026, 12, 3), period="2026-11")
    assert month.period == "2026年11月" and month.figures.as_of == D(2026, 11, 30)
    assert month.notice.endswith("台账总表-月晾晒（草稿）-2026年11月.docx")
    text = _docx_text(month.notice)
    assert "关于理旧账、解难题专项行动\n2026年11月推进情况的通报（月晾晒）" in text  # the title wraps at a word break
    assert "2026年11月（2026年11月1日至2026年11月30日）" in text
    assert "本期共有报送日3个（11月10日、11月20日、11月30日）" in text
    assert "本期新交办问题1个，办结（含销号）1个" in text  # L3 assigned, L1 done in November
    assert "超期问题由上期末报送日（2026年10月31日）的0个变为本期末的1个" in text
    assert "本期每个报送日都有超期问题的单位：区商务局" in text
    quarter = run_notice(path, D(2026, 12, 3), period="2026Q4")
    assert quarter.period == "2026年第四季度" and quarter.figures.as_of == D(2026, 12, 3)  # the quarter has not ended
    text = _docx_text(quarter.notice)
    assert "2026年第四季度推进情况的通报（季通报）" in text and "本期共有报送日6个" in text
    assert "本期新交办问题2个" in text and "上期末报送日（2026年9月30日）的0个" in text
    assert "本期每个报送日都有超期问题的单位" not in text  # red only in November


def test_a_period_bulletin_counts_each_units_changes_in_the_period(tmp_path):
    """The 本期推进情况 table: each unit's cases on the period's last report day, assigned, finished, red report days and
    the changes (变更记录) of the period."""
    from taizhang.book.master import load_master
    from taizhang.report.periods import parse_period, period_figures

    m = load_master(_three_months(tmp_path))
    oct_ = period_figures(parse_period("2026年10月"), m.ledger, m.history, m.changes, m.units.names())
    by = {u.unit: u for u in oct_.units}
    assert by["区商务局"].changes == 1 and by["区商务局"].assigned == 1 and by["区商务局"].total == 2
    assert by["区财政局"].total == 0 and oct_.report_days == [D(2026, 10, 10), D(2026, 10, 20), D(2026, 10, 31)]
    assert parse_period("2026年第四季度").start == D(2026, 10, 1) and parse_period("2026-13") is None


def test_a_period_that_cannot_be_read_is_refused(tmp_path):
    """A period that is neither a month nor a quarter, or that has not begun, is a plain refusal, not a crash."""
    import pytest

    from taizhang.errors import BadRequest
    from taizhang.jobs import run_notice

    path = _three_months(tmp_path)
    with pytest.raises(BadRequest, match="2026Q4"):
        run_notice(path, D(2026, 12, 3), period="第四季")
    with pytest.raises(BadRequest, match="还没有开始"):
        run_notice(path, D(2026, 12, 3), period="2027-01")


def test_the_offices_bulletins_follow_each_plan():
    """Seed 000 "旬调度、月晾晒、季通报"; seed 003 "每月对各乡镇、县直各部门工作情况进行通报"; seeds 001, 002 and 004 name no
    bulletin of a fixed period ("定期通报"): the office may write its own in 参数设置 办公室通报."""
    from taizhang.book.settings_sheet import rulebook_from_sheets, settings_rows

    assert [(b.name, b.period) for b in book("lijiuzhang").bulletins] == [("月晾晒", "month"), ("季通报", "quarter")]
    assert [(b.name, b.period) for b in book("sanluan").bulletins] == [("月通报", "month")]
    assert not book("xiaoneng").bulletins and not book("xinguan").bulletins
    b = book("xiaoneng")
    rows = [(i, label, "季度通报：每季度" if label == "办公室通报" else value)
            for i, (label, value, _) in enumerate(settings_rows(b), 2)]
    mine, _ = rulebook_from_sheets(rows, {"categories": b.categories, "sources": b.sources}, "m.xlsx")
    assert [(x.name, x.period) for x in mine.bulletins] == [("季度通报", "quarter")]


# ----------------------------------------------------------------- masters made before round 2

def _old_master(tmp_path, preset, **values):
    """A master as the version before round 2 wrote it: no 设置版本 row, no 分送摘录 row, and 签收 3 / 反馈 5 working
    days and 实行零报告 是 for every preset."""
    from openpyxl import load_workbook as open_book

    path = tmp_path / f"旧台账总表-{preset}.xlsx"
    create_master(path, book(preset))
    wb = open_book(path)
    ws = wb["参数设置"]
    old = {"签收时限（工作日）": 3, "反馈时限（工作日）": 5, "实行零报告": "是", **values}
    for r in range(ws.max_row, 1, -1):
        label = ws.cell(r, 1).value
        if label in ("设置版本", "分送摘录"):
            ws.delete_rows(r)
        elif label in old:
            ws.cell(r, 2).value = old[label]
    wb.save(path)
    return path


def test_an_old_masters_default_sign_and_zero_report_settings_are_migrated_with_a_note(tmp_path):
    """Seed 001 sets no 签收 or 反馈 period and no 零报告 (only seed 004 writes "收到工作任务后3个工作日内签批或部署"; only seeds
    002 and 003 "实行零报告"). A master made before these followed each plan carries the old defaults for every preset: they
    are recognised (no 设置版本 row) and become the plan's, each change noted on 提醒; a row the old 参数设置 lacked
    (分送摘录) takes the plan's value. Once saved, the master is marked and read as written."""
    from taizhang.jobs import run_status

    path = _old_master(tmp_path, "xinguan")
    m = load_master(path)
    b = m.rulebook
    assert (b.sign_workdays, b.feedback_workdays, b.zero_report, b.extracts_by) == (None, None, False, "supervisor")
    assert len(m.settings_notes) == 3 and all("旧版本" in n for n in m.settings_notes)
    assert any("“签收时限（工作日）”为旧版本对所有专项行动的默认值“3个工作日”" in n for n in m.settings_notes)
    res = run_status(path, D(2026, 11, 20))
    notes = [f for f in res.issues if f.code == "settings-migrated"]
    assert len(notes) == 3 and notes[0].sheet == "参数设置" and notes[0].severity == "warning"
    again = load_master(path)
    assert again.settings_notes == [] and again.rulebook.sign_workdays is None
    rows = {r[0]: r[1] for r in load_workbook(path)["参数设置"].iter_rows(min_row=2, values_only=True)}
    assert rows["设置版本"] == 3 and rows["签收时限（工作日）"] is None and rows["实行零报告"] == "否"


def test_an_old_master_keeps_what_the_plan_itself_sets_and_what_the_office_chose(tmp_path):
    """Seed 004: "承办单位主要负责人应在收到工作任务后3个工作日内签批或部署" — its 3 days are the plan's and stay; a value
    other than the old default is the office's choice and stays; a marked master is never migrated."""
    assert load_master(_old_master(tmp_path, "xiaoneng")).rulebook.sign_workdays == 3
    assert load_master(tmp_path / "旧台账总表-xiaoneng.xlsx").rulebook.zero_report is False  # 004 has no 零报告
    m = load_master(_old_master(tmp_path, "lijiuzhang", **{"签收时限（工作日）": 4}))
    assert m.rulebook.sign_workdays == 4 and m.rulebook.feedback_workdays is None and len(m.settings_notes) == 2
    path = tmp_path / "新台账总表.xlsx"
    create_master(path, book("lijiuzhang"))
    from openpyxl import load_workbook as open_book

    wb = open_book(path)
    ws = wb["参数设置"]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value == "签收时限（工作日）":
            ws.cell(r, 2).value = 3  # the office's own setting, in a marked master
    wb.save(path)
    marked = load_master(path)
    assert marked.rulebook.sign_workdays == 3 and marked.settings_notes == []


def test_a_reloaded_master_keeps_saying_which_settings_are_the_plans(tmp_path):
    """Seed 004's "3个工作日内签批或部署" stays labelled 方案规定 in 参数设置 after the master is read and written again (the
    plan's sentence is not a 参数设置 row; it comes back while the setting is the plan's)."""
    from taizhang.book.settings_sheet import settings_rows

    path = tmp_path / "m.xlsx"
    create_master(path, book("xiaoneng"))
    rows = {label: note for label, _, note in settings_rows(load_master(path).rulebook)}
    assert rows["签收时限（工作日）"].startswith("方案规定：") and "3个工作日内签批或部署" in rows["签收时限（工作日）"]


# ----------------------------------------------------------------- seed 002: the unit's form is the 排查清单

def test_zhonggengzu_form_is_the_checklist_signed_and_sealed(tmp_path):
    """Seed 002: "“中梗阻”问题排查清单(表格见附件)经部门主要负责同志签字盖章后，于12月7日前径送开发区纪工委" — the unit's form
    carries the 排查清单's title and, under the table, the lines for the head's 签字 and the unit's 盖章; read back, its
    rows are cases and the signature lines are skipped as 说明或落款, each with its fate."""
    from taizhang.book.template import write_templates
    from taizhang.intake.reader import read_submission

    b = book("zhonggengzu", 2020)
    assert b.form_signed and b.form_title == "砀山经济开发区“中梗阻”问题排查清单"
    m = _master(tmp_path, "zhonggengzu", [("经发局", b.unit_types[0])],
                {"case_id": "Z1", "unit": "经发局", "category": b.categories[0].name, "assigned": D(2020, 11, 25),
                 "deadline": D(2020, 12, 20), "description": "审批拖延"}, year=2020)
    [path] = write_templates(m, tmp_path / "模板", D(2020, 12, 1))
    ws = load_workbook(path)["台账"]
    assert ws["A1"].value == "砀山经济开发区“中梗阻”问题排查清单（2020年12月）"
    texts = {c.value: c.row for r in ws.iter_rows() for c in r if isinstance(c.value, str)}
    assert "部门主要负责同志（签字）：" in texts and "单位（盖章）：" in texts
    assert texts["部门主要负责同志（签字）："] == texts["单位（盖章）："] > 4 and ws.print_area
    guide = " ".join(str(c.value) for r in load_workbook(path)["填报说明"].iter_rows() for c in r if c.value)
    assert "签字、加盖单位公章后报送" in guide
    sheet = read_submission(path)
    assert [row for row, _ in sheet.rows] == [4] and "Z1" in sheet.rows[0][1]
    fates = {row: reason for row, _, reason in sheet.skipped}
    assert fates[texts["部门主要负责同志（签字）："]].startswith("说明或落款")
    assert fates[texts["部门主要负责同志（签字）："] + 1].startswith("说明或落款")
    (tmp_path / "x").mkdir()
    plain = _master(tmp_path / "x", "xinguan", [("城关镇", book("xinguan").unit_types[0])])
    [other] = write_templates(plain, tmp_path / "模板2", D(2026, 12, 1))
    cells = [c.value for r in load_workbook(other)["台账"].iter_rows() for c in r if isinstance(c.value, str)]
    assert load_workbook(other)["台账"]["A1"].value.startswith("新官不理旧账台账") and "部门主要负责同志（签字）：" not in cells


def test_zhonggengzu_problem_without_a_deadline_is_returned_by_the_merge_never_given_year_end(tmp_path):
    """Seed 002: "据实列出问题清单并逐条研究整改措施，明确完成时限和整改责任" — through a whole merge, a listed problem without
    完成时限 goes to 退回清单 with that reason and never reaches the ledger with the campaign's 12月31日."""
    from openpyxl import Workbook

    from taizhang.book.merge import merge_folder

    b = book("zhonggengzu", 2020)
    m = _master(tmp_path, "zhonggengzu", [("经发局", b.unit_types[0])], year=2020)
    m.ledger = m.ledger.iloc[0:0]
    folder = tmp_path / "报送"
    folder.mkdir()
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    head = ["责任单位", "线索来源", "问题类别", "问题描述", "牵头领导", "具体责任人", "交办日期", "完成时限", "办理状态"]
    ws.append(head)
    ws.append(["经发局", b.sources[0], b.categories[0].name, "审批拖延", "张三", "李四", "2020-11-25", None, "整改中"])
    ws.append(["经发局", b.sources[0], b.categories[1].name, "推诿扯皮", "张三", "李四", "2020-11-25", "2020-12-20", "整改中"])
    wb.save(folder / "经发局.xlsx")
    merged, result = merge_folder(m, folder, D(2020, 12, 7))
    assert result.rows_new == 1 and result.rows_rejected == 1
    [rej] = result.rejected_rows
    assert "明确完成时限和整改责任" in str(rej)
    assert list(merged.ledger["description"]) == ["推诿扯皮"]
    assert D(2020, 12, 31) not in set(merged.ledger["deadline"])


# ----------------------------------------------------------------- seed 001: 集体研究会商

def test_xinguan_suggests_collective_study_for_large_disputes_at_the_offices_amount(tmp_path):
    """Seed 001: "对于重大疑难、争议金额较大的案件,应集体研究会商,依法依规妥善解决" — an unfinished case whose 涉及金额 reaches
    the amount is put forward for 集体研究会商 in the briefing and the 通报, as a suggestion. The plan names no amount: the
    figure is the office's, labelled so in 参数设置; other plans suggest none."""
    from taizhang.book.settings_sheet import OFFICE_SETTING, settings_rows
    from taizhang.jobs import figures_of
    from taizhang.report.figures import briefing
    from taizhang.report.notice import build_bulletin

    b = book("xinguan")
    assert b.collective_amount == 100
    value, note = {r[0]: (r[1], r[2]) for r in settings_rows(b)}["集体研究会商金额（万元）"]
    assert value == 100 and note.startswith(OFFICE_SETTING) and "争议金额较大的案件,应集体研究会商" in note
    t = b.unit_types[0]
    m = _master(tmp_path, "xinguan", [("城关镇", t)],
                {"case_id": "K1", "unit": "城关镇", "amount": 350.0, "assigned": D(2026, 6, 1), "description": "拖欠工程款"},
                {"case_id": "K2", "unit": "城关镇", "amount": 20.0, "assigned": D(2026, 6, 1)},
                {"case_id": "K3", "unit": "城关镇", "amount": 500.0, "assigned": D(2026, 6, 1), "status": "已办结",
                 "done_date": D(2026, 7, 1)})
    figs = figures_of(m, D(2026, 11, 20))
    assert [c["id"] for c in figs.collective] == ["K1"]
    text = "\n".join(briefing(figs))
    assert "涉及金额100万元以上（办公室设定）的未办结问题1个，建议领导小组办公室研究是否集体研究会商" in text and "以上仅为建议" in text
    doc = build_bulletin(figs, [], "改革创新组").doc
    paras = [p.text for p in doc.paragraphs]
    assert "集体研究会商建议（供办公室研究）" in " ".join(paras)
    assert any(c.text == "拖欠工程款" for t_ in doc.tables for r in t_.rows for c in r.cells)
    other = _master(tmp_path / "o" if (tmp_path / "o").mkdir() is None else None, "xiaoneng", [("城关镇", book("xiaoneng").unit_types[0])],
                    {"case_id": "X", "unit": "城关镇", "amount": 900.0, "assigned": D(2026, 6, 1)})
    assert figures_of(other, D(2026, 11, 20)).collective == [] and book("xiaoneng").collective_amount is None
