"""审批台账 (#31): one case's whole life across report days, every request and decision one row of an append-only
sheet, nothing lost while the office edits its master in between (openpyxl and a LibreOffice save).

Seed 004: "确因客观原因不能及时办结的，须书面申报，并及时按程序报送审批"; seed 000: "相关工作的核准、退出、销号要同时报
领导小组办公室备案待查"; seed 002: "把群众是否满意作为检验专项治理工作成效的重要标准"; seed 003: "对交办问题线索查否的,
按一定比例进行复查,一经查实,严肃追究承办单位的责任".
"""

from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest
from conftest import convert, needs_libreoffice

from taizhang.book.master import create_master, load_master
from taizhang.book.sheets import APPROVAL_HEADERS, CLOSURE_HEADERS, S_TRAIL, TRAIL_HEADERS
from taizhang.book.template import HEADER_ROW, TEMPLATE_FIELDS
from taizhang.fields import FIELDS
from taizhang.findings import col_letter
from taizhang.intake.units import build_directory
from taizhang.jobs import run_merge, run_status, run_template
from taizhang.rules.rulebook import find_rulebook

D = dt.date
SANLUAN = find_rulebook("sanluan")
UNITS = build_directory([(2, "城关镇", "乡镇", "城关", "CG"), (3, "北山镇", "乡镇", "", "BS")], "test")
BASE = {"责任单位": "城关镇", "线索来源": "群众来信来电", "问题类别": SANLUAN.categories[0].name,
        "问题描述": "城关镇惠民政策明白纸未入户", "牵头领导": "张镇长", "具体责任人": "李四", "交办日期": "2026-11-02",
        "签收日期": "2026-11-03", "整改方式": "立行立改", "整改措施": "逐户发放明白纸", "整改目标": "全部入户",
        "办理状态": "整改中"}


def send(folder, day: D, **row) -> None:
    """The unit's file for the report day (a fresh folder each day, as a unit sends one file per period)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    data = {**BASE, **row}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(list(data))
    ws.append(list(data.values()))
    # created on its report day (openpyxl stamps "modified" with the clock): the same rows sent on another day are
    # another file, not last period's sent again (file-resent), whatever second the test runs in
    wb.properties.created = dt.datetime(day.year, day.month, day.day, 9)
    wb.save(folder / f"城关镇-{day.isoformat()}.xlsx")


def sheet(path, title) -> list[dict]:
    ws = openpyxl.load_workbook(path)[title]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    return [dict(zip(rows[0], r)) for r in rows[1:] if any(v is not None for v in r)]


def decide(path, title, cid, decision, by, opinion="", edit=None) -> None:
    """The office's decision, typed in the master's 待审批 / 待销号确认 (with openpyxl, as Excel would save it)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[title]
    head = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, head.index("问题编号") + 1).value == cid:
            ws.cell(r, head.index("决定") + 1, decision)
            ws.cell(r, head.index("决定人") + 1, by)
            ws.cell(r, head.index("决定意见") + 1, opinion)
            break
    else:
        raise AssertionError(f"{cid} not on {title}")
    if edit:
        edit(wb)
    wb.save(path)


def ledger_edit(path, cid, **cells) -> None:
    """The office writes in 台账 by header (回访 columns), and keeps a column of its own with a note per case."""
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    head = [c.value for c in ws[1]]
    if "办公室备注" not in head:
        ws.cell(1, len(head) + 1, "办公室备注")
        head.append("办公室备注")
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value == cid:
            for h, v in cells.items():
                ws.cell(r, head.index(h) + 1, v)
    wb.save(path)


def trail(path) -> list[dict]:
    return sheet(path, S_TRAIL)


def steps(path) -> list[tuple]:
    return [(r["事项"], r["决定"] or "") for r in trail(path)]


def office_setting(path, label, value) -> None:
    """The office switches a setting on in 参数设置 (no plan gives a 回访 rule: it is the office's own)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["参数设置"]
    [row] = [r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == label]
    assert "办公室设定（方案未规定）" in ws.cell(row, 3).value and ws.cell(row, 2).value in (None, "")
    ws.cell(row, 2, value)
    wb.save(path)


@pytest.fixture
def master(tmp_path):
    path = tmp_path / "三乱台账.xlsx"
    create_master(path, SANLUAN, UNITS)
    office_setting(path, "回访后销号的线索来源", "群众来信来电、公开举报平台")
    assert load_master(path).rulebook.visit_sources == ["群众来信来电", "公开举报平台"]
    return path


@needs_libreoffice
def test_one_case_from_handover_to_closing(master, tmp_path):
    folder = tmp_path / "报送"
    # 交办 → 签收 → 整改: the unit's first report of the case
    send(folder, D(2026, 11, 6))
    run_merge(master, folder, D(2026, 11, 6))
    [cid] = load_master(master).ledger["case_id"].tolist()
    assert trail(master) == []  # nothing asked, nothing decided yet

    # 延期 requested, with its reason
    send(folder, D(2026, 11, 13), 问题编号=cid, **{"完成进度（%）": 50, "申请延期至": "2026-12-04", "申请理由": "资金未到位"})
    out = run_merge(master, folder, D(2026, 11, 13))
    assert "extension-request" in {f.code for f in out.result.issues}
    [asked] = trail(master)
    assert (asked["事项"], asked["申请内容"], asked["申请理由"], asked["决定"]) == ("延期", "延期至2026-12-04", "资金未到位", "申请中")
    [pending] = sheet(master, "待审批")
    assert list(pending) == APPROVAL_HEADERS and pending["申请事项"] == "延期"
    m = load_master(master)
    assert m.ledger["request_state"].tolist() == ["延期至2026-12-04申请中"]
    first_deadline = m.ledger["deadline"].iat[0]

    # refused: the office decides in 待审批 and keeps its own column in 台账; the next status run applies it
    ledger_edit(master, cid, 办公室备注="重点跟踪")
    decide(master, "待审批", cid, "不同意", "王主任", "理由不充分，请说明资金缺口")
    res = run_status(master, D(2026, 11, 16))
    assert "decision-applied" in {f.code for f in res.issues}
    assert steps(master) == [("延期", "申请中"), ("延期", "不同意")]
    m = load_master(master)
    assert m.ledger["extended_to"].iat[0] is None and m.ledger["deadline"].iat[0] == first_deadline
    assert m.ledger["request_state"].iat[0] == "延期至2026-12-04不同意"
    assert sheet(master, "待审批")[0]["问题编号"] == "（本次没有待审批的申请）"
    # the refusal goes back to the unit with its reason, in its next template
    [tpl] = run_template(master, tmp_path / "模板", D(2026, 11, 16), unit="城关镇")
    ws = openpyxl.load_workbook(tpl)["台账"]
    col = [f.header for f in TEMPLATE_FIELDS].index("办公室答复") + 1
    assert "不同意：理由不充分，请说明资金缺口" in ws.cell(HEADER_ROW + 1, col).value
    heads = [c.value for c in ws[HEADER_ROW]]
    assert "申请事项" in heads and "主管副区长审签" not in heads  # seed 000's 审签 only in seed 000's template

    # requested again; the office saves its master in LibreOffice, then grants it
    send(folder, D(2026, 11, 20), 问题编号=cid, **{"申请延期至": "2026-12-11", "申请理由": "资金缺口30万元，12月初到位"})
    run_merge(master, folder, D(2026, 11, 20))
    [lo] = convert([master], "xlsx", tmp_path / "lo")
    shutil.copy(lo, master)
    decide(master, "待审批", cid, "同意", "赵副县长", "同意延期")
    send(folder, D(2026, 11, 27), 问题编号=cid, 办理状态="已办结", 办结日期="2026-11-26", **{"完成进度（%）": 100})
    run_merge(master, folder, D(2026, 11, 27))
    m = load_master(master)
    assert m.ledger["extended_to"].iat[0] == D(2026, 12, 11) and m.ledger["extension_approver"].iat[0] == "赵副县长"
    assert m.ledger["deadline"].iat[0] == first_deadline  # the original deadline is kept beside the extension
    assert m.ledger["status"].iat[0] == "已办结" and m.ledger["request_state"].iat[0] == "延期至2026-12-11已批准"
    granted = trail(master)[-1]
    assert (granted["决定"], granted["决定人"]) == ("同意", "赵副县长") and "原时限" in granted["变更内容"]

    # 回访 不满意 → 重办 under the campaign's own rule (立行立改: 5 working days, from the 回访日期)
    ledger_edit(master, cid, 回访方式="电话", 回访日期=dt.datetime(2026, 11, 30), 回访人="刘干事", 回访结果="不满意",
                回访意见="仍有三户未收到")
    send(folder, D(2026, 12, 4), 问题编号=cid, 办理状态="已办结", 办结日期="2026-11-26")  # last week's file again
    out = run_merge(master, folder, D(2026, 12, 4))
    assert "visit-reopened" in {f.code for f in out.result.issues}
    m = load_master(master)
    assert m.ledger["status"].iat[0] == "整改中" and m.ledger["done_date"].iat[0] is None
    assert m.ledger["deadline"].iat[0] == D(2026, 12, 7)  # 11-30 + 5 working days
    redo = trail(master)[-1]
    assert redo["事项"] == "重办" and "2026-12-11" in redo["变更内容"] and "2026-12-07" in redo["变更内容"]
    changes = m.changes
    assert ((changes["字段"] == "整改时限") & (changes["新值"] == "2026-12-07")).any()
    # the unit's stale file again: its old 办结 does not undo the 重办
    send(folder, D(2026, 12, 7), 问题编号=cid, 办理状态="已办结", 办结日期="2026-11-26")
    out = run_merge(master, folder, D(2026, 12, 7))
    assert "redo-stale-done" in {f.code for f in out.result.issues}
    assert load_master(master).ledger["status"].iat[0] == "整改中"

    # 办结 again, 回访 满意, 销号 applied for: the office's 同意 waits for a 回访 after the new 办结
    send(folder, D(2026, 12, 11), 问题编号=cid, 办理状态="已销号", 办结日期="2026-12-09")
    run_merge(master, folder, D(2026, 12, 11))
    assert steps(master)[-1] == ("销号", "申请中")
    [closing] = sheet(master, "待销号确认")
    assert list(closing) == CLOSURE_HEADERS and "须经回访" in closing["说明"]
    decide(master, "待销号确认", cid, "同意", "县委办主任")
    res = run_status(master, D(2026, 12, 11))
    assert "close-needs-visit" in {f.code for f in res.issues}
    assert load_master(master).ledger["status"].iat[0] == "已办结"
    ledger_edit(master, cid, 回访方式="走访", 回访日期=dt.datetime(2026, 12, 14), 回访人="刘干事", 回访结果="满意")
    decide(master, "待销号确认", cid, "同意", "县委办主任", "经领导小组审定")
    run_status(master, D(2026, 12, 15))
    m = load_master(master)
    assert m.ledger["status"].iat[0] == "已销号" and m.ledger["closer"].iat[0] == "县委办主任"
    assert steps(master) == [("延期", "申请中"), ("延期", "不同意"), ("延期", "申请中"), ("延期", "同意"),
                             ("回访", ""), ("重办", ""), ("销号", "申请中"), ("回访", ""), ("销号", "同意")]
    rows = trail(master)
    assert list(rows[0]) == TRAIL_HEADERS and [r["序号"] for r in rows] == list(range(1, 10))
    assert rows[0]["申请内容"] == "延期至2026-12-04" and rows[1]["决定意见"] == "理由不充分，请说明资金缺口"
    # the office's own column stayed with its case through every write
    wb = openpyxl.load_workbook(master)
    ws = wb["台账"]
    head = [c.value for c in ws[1]]
    assert ws.cell(2, head.index("办公室备注") + 1).value == "重点跟踪"
    assert head[:len(FIELDS)] == [f.header for f in FIELDS]
    # a status run with nothing new adds nothing to the trail
    run_status(master, D(2026, 12, 16))
    assert len(trail(master)) == 9
    # the summary and the 通报 show 满意率, 重办数 (by unit in the office's version) and the 抽查 results
    from docx import Document

    from taizhang.jobs import run_notice, run_summary

    figs = run_summary(master, D(2026, 12, 16), tmp_path / "汇总.xlsx")
    assert (figs.closing["visits"], figs.closing["satisfaction"], figs.closing["redo"]) == (2, 50.0, 1)
    cells = [c.value for r in openpyxl.load_workbook(tmp_path / "汇总.xlsx")["总体情况"].iter_rows() for c in r]
    assert "回访和抽查（审批台账）" in cells and "满意率" in cells
    run_notice(master, D(2026, 12, 16), tmp_path / "通报.docx")
    text = "\n".join(p.text for p in Document(tmp_path / "通报.docx").paragraphs)
    assert "满意率50%" in text and "退回重办的问题1个：城关镇1个" in text


def test_a_decision_without_who_decided_is_not_applied(master, tmp_path):
    folder = tmp_path / "报送"
    send(folder, D(2026, 11, 6), **{"申请延期至": "2026-12-04", "申请理由": "资金未到位"})
    run_merge(master, folder, D(2026, 11, 6))
    cid = load_master(master).ledger["case_id"].iat[0]
    decide(master, "待审批", cid, "同意", "")
    res = run_status(master, D(2026, 11, 9))
    assert "decision-incomplete" in {f.code for f in res.issues}
    assert load_master(master).ledger["extended_to"].iat[0] is None
    assert sheet(master, "待审批")[0]["问题编号"] == cid  # still waiting
    decide(master, "待审批", cid, "批准", "王主任")  # the office's own word for 同意
    run_status(master, D(2026, 11, 9))
    assert load_master(master).ledger["extended_to"].iat[0] == D(2026, 12, 4)


def test_not_our_case_moves_only_to_the_unit_the_office_names(master, tmp_path):
    folder = tmp_path / "报送"
    send(folder, D(2026, 11, 6), 申请事项="不属本单位", 申请理由="该路段归北山镇管理")
    run_merge(master, folder, D(2026, 11, 6))
    cid = load_master(master).ledger["case_id"].iat[0]
    [row] = sheet(master, "待审批")
    assert (row["申请事项"], row["申请理由"]) == ("不属本单位", "该路段归北山镇管理")
    decide(master, "待审批", cid, "同意", "王主任", "")
    res = run_status(master, D(2026, 11, 9))
    assert "not-ours-needs-unit" in {f.code for f in res.issues}
    assert load_master(master).ledger["unit"].iat[0] == "城关镇"
    decide(master, "待审批", cid, "同意", "王主任", "移交北山镇办理")
    run_status(master, D(2026, 11, 9))
    assert load_master(master).ledger["unit"].iat[0] == "北山镇"
    assert trail(master)[-1]["变更内容"] == "责任单位由城关镇改为北山镇"


def test_a_unit_closing_a_case_from_12345_itself_waits_for_the_visit(tmp_path):
    """Where units 销号 themselves (seed 002), a 信访 case is held at 已办结 until the office's 回访."""
    b = find_rulebook("zhonggengzu")
    path = tmp_path / "m.xlsx"
    create_master(path, b, build_directory([(2, "城关镇", "区直部门", "", "CG")], "t"))
    office_setting(path, "回访后销号的线索来源", "信访举报")
    folder = tmp_path / "报送"
    row = {**BASE, "线索来源": "信访举报", "问题类别": b.categories[0].name, "整改时限": "2026-12-20", "办理状态": "已销号",
           "办结日期": "2026-11-05", "销号审核人": "单位主任", "销号日期": "2026-11-05"}
    send(folder, D(2026, 11, 6), **row)
    out = run_merge(path, folder, D(2026, 11, 6))
    assert "close-needs-visit" in {f.code for f in out.result.issues}
    assert load_master(path).ledger["status"].iat[0] == "已办结"


def test_spot_check_found_true_lists_the_unit(master, tmp_path):
    folder = tmp_path / "报送"
    send(folder, D(2026, 11, 6), 办理状态="查否", 办理进展="经查不属实")
    run_merge(master, folder, D(2026, 11, 6))
    cid = load_master(master).ledger["case_id"].iat[0]
    assert steps(master) == [("查否", "")]
    wb = openpyxl.load_workbook(master)
    ws = wb["抽查清单"]
    assert ws["C2"].value == cid
    ws["F2"] = "属实"
    wb.save(master)
    res = run_status(master, D(2026, 11, 9))
    assert "spot-check-confirmed" in {f.code for f in res.issues}
    last = trail(master)[-1]
    assert last["事项"] == "抽查" and last["责任单位"] == "城关镇" and "查实" in last["变更内容"]
    from taizhang.book.trail import trail_figures

    figs = trail_figures(load_master(master))
    assert figs["spot"]["属实"] == 1 and figs["spot_units"] == {"城关镇": 1}


def test_visit_columns_are_office_columns_written_back_by_header():
    from taizhang.book.ledger_plan import plan_ledger

    heads = [f.header for f in FIELDS]
    for h in ("回访方式", "回访日期", "回访人", "回访结果", "回访意见", "申请状态"):
        assert h in heads
    moved = ["回访结果", "办公室列"] + [h for h in heads if h != "回访结果"]
    plan = plan_ledger(moved)
    assert plan.field_at("visit_result") == 0 and plan.office == {1: 1}
    assert col_letter(plan.field_at("visit_date"))


def test_lijiuzhang_proposed_cases_wait_for_approval_and_exit_is_recorded(tmp_path):
    """Seed 000: "并于5月15日前，经主管副区长审签后报领导小组办公室审定、核准" and "领导小组办公室对各责任单位上报的攻坚难题
    进行审定、核准后，建立《…攻坚台账》"; "相关工作的核准、退出、销号要同时报领导小组办公室备案待查"."""
    from taizhang.jobs import run_figures

    b = find_rulebook("lijiuzhang")
    assert b.approve_cases and not any(find_rulebook(p).approve_cases for p in ("xinguan", "zhonggengzu", "sanluan", "xiaoneng"))
    path = tmp_path / "m.xlsx"
    create_master(path, b, build_directory([(2, "住建局", "区直部门", "", "ZJ"), (3, "城管局", "区直部门", "", "CG")], "t"))
    folder = tmp_path / "报送"
    folder.mkdir()
    rows = [{"责任单位": "住建局", "线索来源": "摸底排查", "问题类别": b.categories[0].name, "问题描述": f"烂尾工程{i}",
             "牵头领导": "张局长", "具体责任人": "李四", "交办日期": "2026-05-14", "办理状态": "整改中",
             "主管副区长审签": signed} for i, signed in ((1, "王副区长"), (2, None))]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(rows[0]))
    for r in rows:
        ws.append(list(r.values()))
    wb.save(folder / "住建局-2026年5月.xlsx")
    run_merge(path, folder, D(2026, 5, 15))
    ids = load_master(path).ledger["case_id"].tolist()
    assert [(r["事项"], r["决定"], r["申请理由"]) for r in trail(path)] == [
        ("核准", "申请中", "主管副区长审签：王副区长"), ("核准", "申请中", "未填写主管副区长审签")]
    assert {r["申请事项"] for r in sheet(path, "待审批")} == {"核准"}
    figs = run_figures(path, D(2026, 5, 15))  # 待核准: shown so, not yet counted (HOLD_UNAPPROVED)
    assert (figs.totals.total, figs.unapproved) == (0, 2)
    [tpl] = run_template(path, tmp_path / "模板", D(2026, 5, 15), unit="住建局")
    assert openpyxl.load_workbook(tpl)["台账"].cell(HEADER_ROW, len(TEMPLATE_FIELDS) + 1).value == "主管副区长审签"
    decide(path, "待审批", ids[0], "核准", "领导小组办公室")
    decide(path, "待审批", ids[1], "同意", "领导小组办公室")
    res = run_status(path, D(2026, 5, 18))
    assert "decision-incomplete" in {f.code for f in res.issues}  # no 审签: not approved
    m = load_master(path)
    assert dict(zip(m.ledger["case_id"], m.ledger["request_state"])) == {ids[0]: "已核准", ids[1]: "待核准"}
    figs = run_figures(path, D(2026, 5, 18))
    assert (figs.totals.total, figs.unapproved) == (1, 1)  # the one 核准 counts; the one without 审签 waits
    # 退出, recorded beside 销号 on 待销号确认 (a case applied for 销号)
    ws_unit = openpyxl.Workbook()
    w = ws_unit.active
    w.append(["问题编号", *rows[0]])
    w.append([ids[0], *{**rows[0], "办理状态": "已销号", "办结日期": "2026-06-01"}.values()])
    for f in folder.iterdir():
        f.unlink()
    ws_unit.save(folder / "住建局-2026年6月.xlsx")
    run_merge(path, folder, D(2026, 6, 5))
    decide(path, "待销号确认", ids[0], "退出", "领导小组组长", "政策调整，不再作为攻坚难题")
    run_status(path, D(2026, 6, 8))
    last = trail(path)[-1]
    assert (last["事项"], last["决定"], last["决定人"]) == ("退出", "同意", "领导小组组长")
    figs = run_figures(path, D(2026, 6, 8))
    assert (figs.totals.total, figs.unapproved) == (0, 1)  # 退出: no longer counted; the other still 待核准
    assert load_master(path).ledger.set_index("case_id")["request_state"][ids[0]].startswith("已退出")
