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
