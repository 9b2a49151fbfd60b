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

from taizhang.book.ledger_plan import omitted
from taizhang.book.master import create_master, load_master
from taizhang.book.sheets import APPROVAL_HEADERS, CLOSURE_HEADERS, S_TRAIL, TRAIL_HEADERS
from taizhang.book.template import HEADER_ROW, template_fields
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


def send(folder, day: D, base: dict = BASE, **row) -> None:
    """The unit's file for the report day (a fresh folder each day, as a unit sends one file per period): the row
    ``base`` with ``row``'s cells written over it."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    data = {**base, **row}
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
    """One case's whole life across report days (#31): 交办 → 签收 → 整改 → 延期 requested, refused, requested again
    (the office saving its master in LibreOffice between) and granted → 办结 with evidence → 回访 不满意 → 重办 →
    办结 → 回访 满意 → 销号 applied for → confirmed; every step on 审批台账, the office's own column and the evidence
    kept through every write, and the 销号 pack listing both."""
    import hashlib

    from docx import Document

    from taizhang.book.evidence import evidence_dir
    from taizhang.jobs import run_notice, run_pack, run_summary

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
    col = [f.header for f in template_fields(load_master(master).rulebook)].index("办公室答复") + 1
    assert "不同意：理由不充分，请说明资金缺口" in ws.cell(HEADER_ROW + 1, col).value
    heads = [c.value for c in ws[HEADER_ROW]]
    assert "申请事项" in heads and "主管副区长审签" not in heads  # seed 000's 审签 only in seed 000's template

    # requested again; the office saves its master in LibreOffice, then grants it
    send(folder, D(2026, 11, 20), 问题编号=cid, **{"申请延期至": "2026-12-11", "申请理由": "资金缺口30万元，12月初到位"})
    run_merge(master, folder, D(2026, 11, 20))
    [lo] = convert([master], "xlsx", tmp_path / "lo")
    shutil.copy(lo, master)
    decide(master, "待审批", cid, "同意", "赵副县长", "同意延期")
    # 办结 with evidence: the unit's 佐证 beside its ledger, filed under the case (it stays in the folder from now on,
    # kept once by its digest however often it is seen again)
    send(folder, D(2026, 11, 27), 问题编号=cid, 办理状态="已办结", 办结日期="2026-11-26", **{"完成进度（%）": 100})
    (folder / "佐证材料" / cid).mkdir(parents=True)
    photo = "补贴发放签收表.jpg".encode() + b"\xff\xd8 scan bytes"
    (folder / "佐证材料" / cid / "补贴发放签收表.jpg").write_bytes(photo)
    run_merge(master, folder, D(2026, 11, 27))
    assert (evidence_dir(master) / cid / "补贴发放签收表.jpg").read_bytes() == photo
    m = load_master(master)
    assert (m.ledger["evidence_count"].iat[0], m.ledger["evidence_first"].iat[0]) == (1, D(2026, 11, 27))
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
    laid_out = [f.header for f in FIELDS if f.key not in omitted(SANLUAN)]  # seed 003: no 复杂程度, no 任务类型
    assert head[:len(laid_out)] == laid_out
    # the evidence was filed once, through every later merge of the same folder, and LibreOffice's save
    assert load_master(master).ledger["evidence_count"].iat[0] == 1
    assert [p.name for p in (evidence_dir(master) / cid).iterdir()] == ["补贴发放签收表.jpg"]
    # a status run with nothing new adds nothing to the trail
    run_status(master, D(2026, 12, 16))
    assert len(trail(master)) == 9
    # the 销号 pack of the closed case: its evidence with the digest, its nine trail rows
    pack = run_pack(master, [cid], D(2026, 12, 16), tmp_path / "销号材料")
    [paper] = pack.papers
    assert paper.evidence == 1 and not paper.warning
    tables = [[[c.text for c in r.cells] for r in t.rows] for t in Document(paper.path).tables]
    [ev] = [t for t in tables if t[0][:3] == ["序号", "文件名", "内容指纹"]]
    assert ev[1][:3] == ["1", "补贴发放签收表.jpg", hashlib.sha256(photo).hexdigest()[:16]]
    [tr] = [t for t in tables if "事项" in t[0] and "决定" in t[0]]
    assert len(tr) - 1 == 9
    # the summary and the 通报 show 满意率, 重办数 (by unit in the office's version) and the 抽查 results
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


def unassigned_edit(path, cid, **cells) -> None:
    """The office answers a 不属本单位 on 待指定单位 (openpyxl, as Excel would save it), by header."""
    wb = openpyxl.load_workbook(path)
    ws = wb["待指定单位"]
    head = [c.value for c in ws[1]]
    [row] = [r for r in range(2, ws.max_row + 1) if ws.cell(r, head.index("问题编号") + 1).value == cid]
    for h, v in cells.items():
        ws.cell(row, head.index(h) + 1).value = v  # (ws.cell(r, c, None) would leave the old value)
    wb.save(path)


def test_not_our_case_waits_on_unassigned_and_moves_only_as_a_transfer(master, tmp_path):
    """A unit's 不属本单位 waits on 待指定单位 with its candidates and reason; the case stays with the unit and its
    deadline until the office names the unit there; the next 交办 records the decision and moves it as a 转办."""
    from docx import Document

    from taizhang.jobs import run_assign

    folder = tmp_path / "报送"
    send(folder, D(2026, 11, 6), 申请事项="不属本单位", 申请理由="该路段归北山镇管理")
    run_merge(master, folder, D(2026, 11, 6))
    m = load_master(master)
    cid, deadline = m.ledger["case_id"].iat[0], m.ledger["deadline"].iat[0]
    assert steps(master) == [("不属本单位", "申请中")]
    assert sheet(master, "待审批")[0]["问题编号"] == "（本次没有待审批的申请）"  # not a 待审批
    [row] = sheet(master, "待指定单位")
    assert (row["问题编号"], row["涉及单位（原文）"], row["候选单位"]) == (cid, "城关镇", "北山镇")
    assert "该路段归北山镇管理" in row["原因"] and row["办理时限"].date() == deadline
    # the unit's own file moves nothing; nor does a status run
    send(folder, D(2026, 11, 9), 问题编号=cid, 申请事项="不属本单位", 申请理由="该路段归北山镇管理", 责任单位="北山镇")
    run_merge(master, folder, D(2026, 11, 9))
    run_status(master, D(2026, 11, 9))
    m = load_master(master)
    assert m.ledger["unit"].iat[0] == "城关镇" and m.ledger["deadline"].iat[0] == deadline
    assert m.ledger["request_state"].iat[0] == "不属本单位申请中" and len(trail(master)) == 1
    # a unit that is not a member unit, then no 决定人: said, nothing moves, the request waits
    unassigned_edit(master, cid, **{"指定单位（办公室填写）": "南山镇", "决定人": "王主任"})
    res = run_assign(master, D(2026, 11, 10))
    assert "not-ours-needs-unit" in {f.code for f in res.issues} and not res.transfers
    unassigned_edit(master, cid, **{"指定单位（办公室填写）": "北山镇", "决定人": None})
    res = run_assign(master, D(2026, 11, 10))
    assert "decision-incomplete" in {f.code for f in res.issues} and not res.transfers
    assert load_master(master).ledger["unit"].iat[0] == "城关镇" and len(trail(master)) == 1
    assert sheet(master, "待指定单位")[0]["指定单位（办公室填写）"] == "北山镇"  # what the office typed is kept
    # named with who decided: recorded on 审批台账, moved as a 转办 (变更记录, the receiving unit's notice)
    unassigned_edit(master, cid, 决定人="王主任", 决定意见="经核实属北山镇辖区")
    res = run_assign(master, D(2026, 11, 11), units_dir=tmp_path / "通知")
    [moved] = res.transfers
    assert (moved.id, moved.from_unit, moved.unit) == (cid, "城关镇", "北山镇")
    m = load_master(master)
    assert m.ledger["unit"].iat[0] == "北山镇" and m.ledger["deadline"].iat[0] == deadline
    ch = m.changes
    assert ((ch["问题编号"] == cid) & (ch["字段"] == "转办") & (ch["原值"] == "城关镇") & (ch["新值"] == "北山镇")).sum() == 1
    last = trail(master)[-1]
    assert (last["事项"], last["决定"], last["决定人"], last["来源文件"], last["决定意见"]) == (
        "不属本单位", "同意", "王主任", "待指定单位", "经核实属北山镇辖区")
    assert last["变更内容"] == "责任单位由城关镇改为北山镇（转办），整改时限不变" and last["申请理由"] == "该路段归北山镇管理"
    [notice] = res.notices
    assert "北山镇" in notice and cid in "".join(p.text for p in Document(notice).paragraphs) + "".join(
        c.text for t in Document(notice).tables for r in t.rows for c in r.cells)
    assert sheet(master, "待指定单位") == [] or all(r["问题编号"] != cid for r in sheet(master, "待指定单位"))
    run_assign(master, D(2026, 11, 12))  # decided once: a second 交办 adds nothing
    assert len(trail(master)) == 2 and (load_master(master).changes["字段"] == "转办").sum() == 1


def test_not_our_case_kept_when_the_office_names_the_same_unit(master, tmp_path):
    """The office writes the asking unit itself: 不同意, the case stays, the reason goes back in 办公室答复."""
    from taizhang.jobs import run_assign

    folder = tmp_path / "报送"
    send(folder, D(2026, 11, 6), 申请事项="不属本单位", 申请理由="该路段归北山镇管理")
    run_merge(master, folder, D(2026, 11, 6))
    cid = load_master(master).ledger["case_id"].iat[0]
    unassigned_edit(master, cid, **{"指定单位（办公室填写）": "城关", "决定人": "王主任", "决定意见": "属城关镇辖区"})
    res = run_assign(master, D(2026, 11, 9))
    assert not res.transfers and load_master(master).ledger["unit"].iat[0] == "城关镇"
    assert steps(master) == [("不属本单位", "申请中"), ("不属本单位", "不同意")]
    [tpl] = run_template(master, tmp_path / "模板", D(2026, 11, 9), unit="城关镇")
    ws = openpyxl.load_workbook(tpl)["台账"]
    col = [f.header for f in template_fields(load_master(master).rulebook)].index("办公室答复") + 1
    assert "不属本单位申请（不属本单位）不同意：属城关镇辖区" in ws.cell(HEADER_ROW + 1, col).value


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
    assert openpyxl.load_workbook(tpl)["台账"].cell(HEADER_ROW, len(template_fields(b))).value == "主管副区长审签"
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


def test_summary_ranking_shows_redo_per_unit_from_the_notices_figures(master, tmp_path):
    """重办数 per unit on 红绿灯排行榜, from ``figs.closing`` (the very figures the 通报 names the units by); the public
    version, like the public 通报, names no unit's 重办."""
    from taizhang.book.trail import K_REDO, K_VISIT, Trail
    from taizhang.jobs import figures_of
    from taizhang.report.notice import closing_lines
    from taizhang.report.summary_book import write_summary

    folder = tmp_path / "报送"
    send(folder, D(2026, 11, 6))
    run_merge(master, folder, D(2026, 11, 6))
    m = load_master(master)
    cid = m.ledger["case_id"].iat[0]
    m.trail = Trail([[1, cid, "城关镇", K_VISIT, "2026-11-20电话回访：不满意", "", D(2026, 11, 20), "台账", "", "刘干事",
                      D(2026, 11, 20), "", "", D(2026, 11, 20)],
                     [2, cid, "城关镇", K_REDO, "第1次重办（2026-11-20回访不满意）", "", D(2026, 11, 20), "回访", "", "",
                      D(2026, 11, 20), "", "", D(2026, 11, 20)]])
    figs = figures_of(m, D(2026, 11, 23))
    assert "退回重办的问题1个：城关镇1个" in "".join(closing_lines(figs))
    write_summary(figs, tmp_path / "汇总.xlsx", m.reports, public=False)
    ws = openpyxl.load_workbook(tmp_path / "汇总.xlsx")["红绿灯排行榜"]
    head = [c.value for c in ws[3]]
    rows = {r[1].split("（")[0]: dict(zip(head, r)) for r in ws.iter_rows(min_row=4, values_only=True) if r[1]}
    assert rows["城关镇"]["重办数"] == 1 and rows["北山镇"]["重办数"] == 0  # (北山镇: no cases, listed as 无问题)
    write_summary(figs, tmp_path / "公开.xlsx", m.reports, public=True)
    assert "重办数" not in [c.value for c in openpyxl.load_workbook(tmp_path / "公开.xlsx")["红绿灯排行榜"][3]]


def test_one_case_life_with_its_evidence_from_closing_to_the_pack(master, tmp_path):
    """办结 without 佐证 (flagged, 待销号确认 缺佐证材料) → the unit sends it in its folder (filed, indexed) → 回访 满意 →
    销号 confirmed → the 销号 pack lists the piece with its digest and the case's 审批台账 rows, exactly."""
    import hashlib

    from docx import Document

    from taizhang.book.evidence import evidence_dir
    from taizhang.jobs import run_pack

    folder = tmp_path / "报送"
    send(folder, D(2026, 11, 6))
    run_merge(master, folder, D(2026, 11, 6))
    [cid] = load_master(master).ledger["case_id"].tolist()
    # 办结 and 销号 applied for, without evidence: flagged for the office
    send(folder, D(2026, 11, 13), 问题编号=cid, 办理状态="已销号", 办结日期="2026-11-12", **{"完成进度（%）": 100})
    out = run_merge(master, folder, D(2026, 11, 13))
    assert "evidence-missing" in {f.code for f in out.result.issues}
    [closing] = sheet(master, "待销号确认")
    assert closing["问题编号"] == cid and "缺佐证材料" in closing["说明"]
    assert any(r["问题编号"] == cid and r["抽查类型"] == "佐证材料核查" and "缺佐证材料" in r["问题描述"]
               for r in sheet(master, "抽查清单"))
    # the unit sends its 佐证 in its report folder: filed under the case and indexed
    send(folder, D(2026, 11, 16), 问题编号=cid, 办理状态="已销号", 办结日期="2026-11-12", **{"完成进度（%）": 100})
    (folder / "佐证材料" / cid).mkdir(parents=True)
    photo = "入户发放照片.jpg".encode() + b"\xff\xd8 photo bytes"
    (folder / "佐证材料" / cid / "入户发放照片.jpg").write_bytes(photo)
    out = run_merge(master, folder, D(2026, 11, 16))
    assert "evidence-missing" not in {f.code for f in out.result.issues}
    assert (evidence_dir(master) / cid / "入户发放照片.jpg").read_bytes() == photo
    m = load_master(master)
    row = m.ledger.iloc[0]
    assert (row["evidence_count"], row["evidence"]) == (1, "入户发放照片.jpg") and row["evidence_first"] == D(2026, 11, 16)
    digest = hashlib.sha256(photo).hexdigest()
    [listed] = sheet(master, "佐证材料清单")
    assert (listed["问题编号"], listed["文件名"], listed["内容指纹"], listed["状态"]) == (cid, "入户发放照片.jpg", digest, "已归档")
    assert "缺佐证材料" not in sheet(master, "待销号确认")[0]["说明"]
    # 回访 满意, then the office's 同意 on 待销号确认: 销号 confirmed
    ledger_edit(master, cid, 回访方式="电话", 回访日期=dt.datetime(2026, 11, 17), 回访人="刘干事", 回访结果="满意")
    decide(master, "待销号确认", cid, "同意", "县委办主任", "佐证齐全，回访满意")
    run_status(master, D(2026, 11, 18))
    m = load_master(master)
    assert (m.ledger["status"].iat[0], m.ledger["closer"].iat[0], m.ledger["closed_date"].iat[0]) == (
        "已销号", "县委办主任", D(2026, 11, 18))
    rows = trail(master)
    got = [(r["事项"], r["申请内容"], r["决定"], r["决定人"], r["决定意见"], r["变更内容"]) for r in rows]
    assert got == [
        ("销号", "销号申请2026-11-13", "申请中", None, None, None),
        ("回访", "2026-11-17电话回访：满意", None, "刘干事", None, None),
        ("销号", "销号申请2026-11-13", "同意", "县委办主任", "佐证齐全，回访满意",
         "办理状态改为已销号（销号审核人县委办主任，销号日期2026-11-18）")]
    # the 销号 pack of the case: the evidence with its digest, the trail rows
    res = run_pack(master, [cid], D(2026, 11, 18), tmp_path / "销号材料")
    [paper] = res.papers
    assert paper.evidence == 1 and not paper.warning
    doc = Document(paper.path)
    tables = [[[c.text for c in r.cells] for r in t.rows] for t in doc.tables]
    [ev] = [t for t in tables if t[0][:3] == ["序号", "文件名", "内容指纹"]]
    assert ev[1][:3] == ["1", "入户发放照片.jpg", digest[:16]]
    [tr] = [t for t in tables if "事项" in t[0] and "决定" in t[0]]
    assert [(r[tr[0].index("事项")], r[tr[0].index("决定")]) for r in tr[1:]] == [("销号", "申请中"), ("回访", ""),
                                                                                 ("销号", "同意")]


def test_the_ribbon_answers_a_not_our_case_as_the_cli_does(master, tmp_path, monkeypatch):
    """交办 on the ribbon (memengine): the 不属本单位 answered on 待指定单位 is written to 审批台账 in the workbook, and the
    case moves as a 转办 (变更记录)."""
    from memengine import open_book

    from taizhang.doors import excel

    monkeypatch.setenv("TAIZHANG_LOG_DIR", str(tmp_path / "log"))
    folder = tmp_path / "报送"
    send(folder, D(2026, 11, 6), 申请事项="不属本单位", 申请理由="该路段归北山镇管理")
    run_merge(master, folder, D(2026, 11, 6))
    cid = load_master(master).ledger["case_id"].iat[0]
    book = open_book(master)
    ws = book.sheets["待指定单位"]
    head = ws.range((1, 1), (1, 16)).value
    ws.range((2, head.index("指定单位（办公室填写）") + 1)).value = "北山镇"
    ws.range((2, head.index("决定人") + 1)).value = "王主任"
    msg = excel.assign_cases(book=book, today=D(2026, 11, 9))
    assert "Traceback" not in msg
    rows = book.sheets["审批台账"].range((1, 1), (3, 14)).value
    got = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [(r["事项"], r["决定"], r["决定人"]) for r in got] == [("不属本单位", "申请中", None), ("不属本单位", "同意", "王主任")]
    ledger = book.sheets["台账"].range((1, 1), (2, 5)).value
    assert ledger[1][ledger[0].index("责任单位")] == "北山镇"
    log = [book.sheets["变更记录"].range((r, 1), (r, 4)).value for r in range(2, 10)]
    assert [cid, "转办", "城关镇", "北山镇"] in log
