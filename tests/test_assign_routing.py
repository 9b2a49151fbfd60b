"""交办 that never sends a clue to the wrong unit (issue 25): names as whole words at their level, real export
layouts (12345 工单, 留言板), category and source, a clue list given again, the 工单编号 on the notice, redaction,
and the 转办 of a case that came in through a merge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import REPORT_DAY
from openpyxl import Workbook, load_workbook

from taizhang.book.assign import assign_cases, clues_from_rows, scrub
from taizhang.book.master import load_master
from taizhang.doors.cli import main
from taizhang.intake.units import build_directory
from taizhang.jobs import run_assign, run_merge, run_new

UNITS_CSV = """单位名称,单位类型,别名
县第一中学,学校,一中、第一中学
县第一中心医院,医院,一中心医院
县自然资源局,县直部门,自然资源局
市自然资源局,市直部门,
城南镇,乡镇,城南
城南街道,街道,
古城镇,乡镇,古城镇政府
古城镇街道,街道,
县住房和城乡建设局,县直部门,县住建局、住建局
"""

HOTLINE = ["工单编号", "来电时间", "来电人", "来电号码", "诉求内容", "承办单位", "办理时限"]
HOTLINE_ROWS = [  # (工单编号, …, the unit it must reach — None: it must wait)
    ["GD2026110001", "2026-11-18 09:12:00", "张三丰", "13812345678", "市民反映县第一中心医院门诊挂号难，排队两小时", None,
     "2026-11-30", "县第一中心医院"],
    ["GD2026110002", "2026-11-18 10:03:00", "李四光", "13900001111", "反映江北新区统一中央空调收费不合理", None, None, None],
    ["GD2026110003", "2026-11-18 11:40:00", "王五", None, "反映市自然资源局不动产登记窗口推诿", None, None, "市自然资源局"],
    ["GD2026110004", "2026-11-19 08:30:00", "赵六", None, "家长反映一中食堂收费过高", None, None, "县第一中学"],
    ["GD2026110005", "2026-11-19 09:00:00", "孙七", None, "反映城南街道某小区违建无人管", None, None, "城南街道"],
    ["GD2026110006", "2026-11-19 09:30:00", "周八", None, "反映古城镇街道某路段积水严重", None, None, "古城镇街道"],
    ["GD2026110007", "2026-11-19 10:00:00", "吴九", None, "反映古城镇政府拖欠工程尾款", None, None, "古城镇"],
    ["GD2026110008", "2026-11-19 10:30:00", "郑十", None, "反映省自然资源局审批材料反复退回", None, None, None],
    ["GD2026110009", "2026-11-19 11:00:00", "钱一", None, "反映江北第一中学乱收费", None, None, None],
    ["GD2026110010", "2026-11-20 09:00:00", "陈二", None, "反映住建局审批慢", "县住建局", "2026-12-04", "县住房和城乡建设局"],
    ["GD2026110011", "2026-11-20 09:30:00", "冯三", None, "反映城南派出所户籍窗口排长队", None, None, None],
]
BOARD = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见"]
BOARD_ROWS = [
    ["LY20261101", "王小明", "关于一中周边交通拥堵的问题", "2026-11-17", "上下学时段校门口拥堵严重，希望加派交警疏导",
     "已转县公安局交警大队", "县第一中学"],
    ["LY20261102", "李大海", "中央空调收费", "2026-11-17", "群众李大海反映江北新区统一中央空调收费不合理，多次反映无果",
     "", None],
    ["LY20261103", "网友8848", "第一中心医院挂号难", "2026-11-18", "反映第一中心医院挂号难", "", None],
    ["LY20261104", "网友9527", "县第一中心医院停车难", "2026-11-18", "周边停车位太少", "", "县第一中心医院"],
]


def book_of(path: Path, header: list[str], rows: list[list], title: str | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(header)
    for r in rows:
        ws.append(r[:len(header)])
    wb.save(path)
    return path


@pytest.fixture
def county(tmp_path):
    """A xinguan master whose units carry short and nested aliases, two levels of 自然资源局, towns inside streets."""
    units = tmp_path / "成员单位.csv"
    units.write_text(UNITS_CSV, encoding="utf-8")
    master = tmp_path / "台账.xlsx"
    outcome = run_new(master, "xinguan", 2026, units)
    return master, outcome, tmp_path


def test_no_clue_reaches_a_wrong_unit_and_every_uncertain_one_waits_with_candidates(county):
    master, _, tmp = county
    hotline = book_of(tmp / "12345工单.xlsx", HOTLINE, HOTLINE_ROWS, "12345政务服务便民热线工单导出")
    res = run_assign(master, REPORT_DAY, hotline)
    got = {a.ref: a.unit for a in res.assigned}
    want = {r[0]: r[7] for r in HOTLINE_ROWS if r[7]}
    assert got == want
    pending = {p.ref: p for p in res.pending}
    assert set(pending) == {r[0] for r in HOTLINE_ROWS if not r[7]}
    assert all(p.candidates and p.reason for p in pending.values())
    assert pending["GD2026110002"].candidates == ["县第一中学"] and "统一" in pending["GD2026110002"].reason
    assert "省级" in pending["GD2026110008"].reason and pending["GD2026110008"].candidates == ["县自然资源局"]
    assert pending["GD2026110009"].candidates == ["县第一中学"] and "江北" in pending["GD2026110009"].reason
    assert "城南派出所" in pending["GD2026110011"].reason
    # the office's list in the master carries the clue's own number and the candidates
    rows = [list(r) for r in load_workbook(master, read_only=True)["待指定单位"].iter_rows(values_only=True)]
    at = {h: i for i, h in enumerate(rows[0])}
    assert {r[at["原始编号"]]: r[at["候选单位"]] for r in rows[1:]}["GD2026110008"] == "县自然资源局"

    board = book_of(tmp / "问政留言.xlsx", BOARD, BOARD_ROWS)
    res = run_assign(master, REPORT_DAY, board)
    assert {a.ref: a.unit for a in res.assigned} == {r[0]: r[6] for r in BOARD_ROWS if r[6]}
    wait = {p.ref: p for p in res.pending if p.file == "问政留言.xlsx"}
    assert set(wait) == {"LY20261102", "LY20261103"} and wait["LY20261102"].candidates == ["县第一中学"]
    # “第一中心医院” without its 县 may be another level's hospital: it waits, and only the hospital is a candidate
    assert wait["LY20261103"].candidates == ["县第一中心医院"]
    assert "群众李大海" not in wait["LY20261102"].description and "群众群众" not in wait["LY20261102"].description
    warned = {f.value: f.message for f in res.issues if f.code == "unit-alias-ambiguous"}
    assert "统一中央" in warned["一中"]  # “一中” held inside “统一中央”: said, with where
    assert "市自然资源局" in warned["自然资源局"] and "城南街道" in warned["城南"]  # and the list's own nested aliases


def test_a_level_written_in_the_text_must_be_the_units_own(county):
    """Without a 市自然资源局 in the list, “市自然资源局” is not the county's bureau through the alias 自然资源局."""
    master, _, _ = county
    m = load_master(master)
    m.units = build_directory([(2, "县自然资源局", "县直部门", "自然资源局", ""), (3, "县第一中学", "学校", "一中", ""),
                               (4, "古城镇", "乡镇", "", "")], "t")
    rows = [["线索内容"], ["反映市自然资源局不动产登记窗口推诿"], ["反映自然资源局窗口推诿"], ["反映县第一中心医院门诊挂号难"],
            ["反映古城镇街道某路段积水"]]
    _, res = assign_cases(m, REPORT_DAY, clues_from_rows(rows, "线索.csv"))
    assert [(a.origin, a.unit) for a in res.assigned] == [("线索.csv 第3行", "县自然资源局")]
    by_row = {p.row: p for p in res.pending}
    assert "市级" in by_row[2].reason and by_row[2].candidates == ["县自然资源局"]
    assert by_row[4].candidates == ["县第一中学"] and "第一" in by_row[4].reason  # not 县第一中学 through “一中”
    assert by_row[5].candidates == ["古城镇"] and "古城镇街道" in by_row[5].reason  # a 街道 not listed is not the 镇


def test_aliases_inside_other_names_are_warned_at_new_and_listed(county, tmp_path, capsys):
    _, outcome, tmp = county
    said = {f.value: f.message for f in outcome.warnings}
    assert set(said) == {"一中", "自然资源局", "城南"}
    assert "县第一中心医院" in said["一中"] and "市自然资源局" in said["自然资源局"] and "城南街道" in said["城南"]
    assert all(f.code == "unit-alias-ambiguous" and f.severity == "warning" for f in outcome.warnings)
    capsys.readouterr()
    assert main(["new", str(tmp_path / "again.xlsx"), "--preset", "xinguan", "--units", str(tmp / "成员单位.csv")]) == 0
    assert "提醒：县第一中学的别名“一中”" in capsys.readouterr().out


def test_category_from_the_export_or_proposed_never_set_and_a_blank_one_never_rejects_a_report(county):
    master, _, tmp = county
    clues = book_of(tmp / "线索.xlsx", ["线索编号", "线索内容", "涉及单位", "问题类别", "来源"], [
        ["X1", "某公司反映古城镇政府拖欠工程尾款未支付", "古城镇", None, "12345"],
        ["X2", "某公司反映城南镇招商奖励资金未兑现", "城南镇", "招商引资政策不兑现", "12345"],
        ["X3", "反映城南街道路灯不亮", "城南街道", "路灯", "12345"],
    ])
    res = run_assign(master, REPORT_DAY, clues)
    by = {a.ref: a for a in res.assigned}
    assert by["X1"].category is None and by["X1"].proposed_category == "账款支付不到位"  # proposed, not set
    assert by["X2"].category == "招商引资政策不兑现" and by["X2"].proposed_category is None
    assert by["X3"].category is None
    needs = {f.unit: f.message for f in res.issues if f.code == "assign-needs-input"}
    assert "建议问题类别为“账款支付不到位”" in needs["古城镇"] and "“路灯”不是本专项行动的问题类别" in needs["城南街道"]
    m = load_master(master)
    assert m.ledger.set_index("case_id").loc[by["X1"].id, "category"] is None

    # 古城镇 reports progress on its clue case, 问题类别 left blank as the template shows it: taken, not rejected
    from taizhang.book.template import HEADER_ROW, template_fields, write_templates

    [tpl] = write_templates(m, tmp / "报送", REPORT_DAY, only_unit="古城镇")
    wb = load_workbook(tpl)
    ws = wb["台账"]
    col = {f.key: i for i, f in enumerate(template_fields(m.rulebook), 1)}
    row = next(r for r in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(r, col["case_id"]).value == by["X1"].id)
    assert ws.cell(row, col["category"]).value is None
    for key, value in (("leader", "周明"), ("person", "吴芳"), ("status", "整改中"), ("progress_note", "已约谈施工方")):
        ws.cell(row, col[key], value)
    wb.save(tpl)
    outcome = run_merge(master, tmp / "报送", dt.date(2026, 11, 25))
    assert outcome.result.rows_rejected == 0 and outcome.result.rows_updated == 1
    assert not [f for f in outcome.result.issues if f.code == "missing-required" and f.header == "问题类别"]
    case = load_master(master).ledger.set_index("case_id").loc[by["X1"].id]
    assert (case["leader"], case["progress_note"], case["category"]) == ("周明", "已约谈施工方", None)


def test_source_from_the_export_or_stated_once_for_the_file_in_the_campaigns_wording(county, capsys):
    master, _, tmp = county
    rows = [["S1", "反映一中食堂收费过高", "市长热线"], ["S2", "反映住建局审批慢", "微信"], ["S3", "反映城南街道违建", None]]
    with_column = book_of(tmp / "线索.xlsx", ["编号", "线索内容", "来源"], rows)
    res = run_assign(master, REPORT_DAY, with_column, source="信访")
    m = load_master(master)
    source = {a.ref: m.ledger.set_index("case_id").loc[a.id, "source"] for a in res.assigned}
    assert source == {"S1": "12345热线", "S2": "微信", "S3": "信访举报"}  # the row's own first, then the office's word
    assert any("“微信”不是本专项行动的线索来源" in f.message for f in res.issues if f.code == "assign-needs-input")

    board = book_of(tmp / "留言.xlsx", BOARD, BOARD_ROWS[:1])
    res = run_assign(master, REPORT_DAY, board, source="12345")
    assert load_master(master).ledger.set_index("case_id").loc[res.assigned[0].id, "source"] == "12345热线"
    capsys.readouterr()  # a source the campaign has no word for is refused, nothing written
    stamp = master.read_bytes()
    assert main(["assign", str(master), "--clues", str(board), "--source", "问政平台"]) == 2
    assert "问政平台" in capsys.readouterr().err and master.read_bytes() == stamp


def test_the_same_clue_file_again_is_already_assigned_not_a_duplicate(county, capsys):
    master, _, tmp = county
    hotline = book_of(tmp / "12345工单.xlsx", HOTLINE, HOTLINE_ROWS)
    plain = tmp / "暗访记录.csv"  # no number: known by its content within the same file
    plain.write_text("线索内容,涉及单位\n暗访发现古城镇政府窗口无人值守,古城镇\n", encoding="utf-8")
    first = run_assign(master, REPORT_DAY, hotline)
    first_plain = run_assign(master, REPORT_DAY, plain)
    capsys.readouterr()
    assert main(["assign", str(master), "--clues", str(hotline), "--today", "2026-11-24"]) == 0
    out = capsys.readouterr().out
    for a in first.assigned:
        assert f"已交办（问题编号 {a.id}，{a.unit}）" in out
    again = run_assign(master, REPORT_DAY, hotline)
    assert not again.assigned and not again.duplicates
    assert sorted((k.ref, k.id) for k in again.known) == sorted((a.ref, a.id) for a in first.assigned)
    assert {p.ref for p in again.pending} == {p.ref for p in first.pending}
    [k] = run_assign(master, REPORT_DAY, plain).known
    assert (k.id, k.on) == (first_plain.assigned[0].id, "线索内容")
    # the same complaint from another channel's file is a near-duplicate: a warning naming both, as before
    other = tmp / "信访件.csv"
    other.write_text("线索内容,涉及单位\n暗访发现古城镇政府窗口无人值守。,古城镇\n", encoding="utf-8")
    res = run_assign(master, REPORT_DAY, other)
    [d] = res.duplicates
    assert not res.known and d.existing_id == first_plain.assigned[0].id and d.file == "信访件.csv"


def test_the_notice_shows_the_original_ticket_number_and_the_export_deadline(county):
    from docx import Document

    master, _, tmp = county
    hotline = book_of(tmp / "12345工单.xlsx", HOTLINE, HOTLINE_ROWS)
    res = run_assign(master, REPORT_DAY, hotline, units_dir=tmp / "通知")
    [a] = [a for a in res.assigned if a.ref == "GD2026110001"]
    assert a.deadline == dt.date(2026, 11, 30)  # the export's 办理时限 is the case's written deadline
    case = load_master(master).ledger.set_index("case_id").loc[a.id]
    assert (case["deadline"], case["deadline_origin"]) == (dt.date(2026, 11, 30), "填写")
    doc = Document(str(tmp / "通知" / "县第一中心医院-交办通知单-2026-11-23.docx"))
    [cell] = [c.text for t in doc.tables for r in t.rows for c in r.cells if a.id in c.text]
    assert "原始编号GD2026110001" in cell
    dates = [c.text for t in doc.tables for r in t.rows[1:] for c in r.cells]
    assert "2026年\n11月30日" in dates
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(dates)
    assert "张三丰" not in text and "13812345678" not in text


def test_redaction_leaves_a_sentence():
    assert scrub("群众张三丰反映厂房补贴未兑现", "张三丰") == "群众反映厂房补贴未兑现"
    assert scrub("张三丰来电反映补贴未兑现", "张三丰") == "群众来电反映补贴未兑现"
    assert scrub("来电人张三丰（13812345678）反映道路未修", "张三丰", "13812345678") == "来电人反映道路未修"
    assert scrub("市民李大海先生反映，李大海的厂房漏水", "李大海") == "市民反映，群众的厂房漏水"
    assert scrub("匿名反映道路未修", "匿名") == "匿名反映道路未修"
    rows = [["线索内容", "反映人", "涉及单位"], ["群众李大海反映城南街道违建", "李大海", "城南街道"]]
    assert [c.content for c in clues_from_rows(rows, "x.csv")] == ["群众李大海反映城南街道违建"]
    assert "群众群众" not in scrub(rows[1][0], "李大海")


def test_a_merged_case_moved_by_the_office_is_a_transfer_with_a_log_line_and_a_notice(merged, tmp_path):
    from docx import Document

    s = merged
    m = load_master(s.master)
    added = set(m.changes.loc[m.changes["字段"] == "（新增问题）", "问题编号"])
    df = m.ledger
    case = df[df["case_id"].isin(added) & df["assigned_unit"].isna() & (df["unit"] == "城关镇")].iloc[0]
    cid = case["case_id"]
    wb = load_workbook(s.master)
    ws = wb["台账"]
    col = {c.value: c.column for c in ws[1]}
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col["问题编号"]).value == cid)
    ws.cell(row, col["责任单位"], "北山镇")  # the office gives the unit's own case to another unit
    wb.save(s.master)
    res = run_assign(s.master, dt.date(2026, 11, 24), units_dir=tmp_path / "通知")
    assert [(t.id, t.from_unit, t.unit) for t in res.transfers] == [(cid, "城关镇", "北山镇")]
    m = load_master(s.master)
    log = m.changes[(m.changes["字段"] == "转办") & (m.changes["问题编号"] == cid)]
    assert log[["原值", "新值"]].values.tolist() == [["城关镇", "北山镇"]]
    [notice] = list((tmp_path / "通知").glob("北山镇-*.docx"))
    doc = Document(str(notice))
    assert any("转办，原责任单位城关镇" in c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert run_assign(s.master, dt.date(2026, 11, 24)).assigned == []  # recorded once
