"""Each campaign by its own seed, round 5 (issue 26, what was left): seed 001's units ask for 区级协调 and the office's
flag decides, seed 004's task types report on their own rhythm, and no 复杂程度 column in 000–003's 台账.

Every test quotes, in its docstring, the seed sentence it implements.
"""

import datetime as dt

import openpyxl
import pytest
from test_seed_rules import book
from test_trail import send, sheet

from taizhang.book.master import create_master, load_master
from taizhang.intake.units import build_directory

D = dt.date
OTHERS = ["lijiuzhang", "xinguan", "zhonggengzu", "sanluan"]


def _master(tmp_path, preset, b=None):
    path = tmp_path / f"台账总表-{preset}.xlsx"
    b = b or book(preset)
    create_master(path, b, build_directory([(2, "城关镇", b.unit_types[0], "", "CG")], "成员单位"))
    return path


def _send(folder, day, b, **row):
    """城关镇's file of the day: one case of campaign ``b`` with ``row``'s cells."""
    send(folder, day, {"责任单位": "城关镇", "线索来源": b.sources[0], "问题类别": b.categories[0].name,
                       "问题描述": "拖欠某企业工程款", "涉及金额（万元）": 80, "牵头领导": "张镇长", "具体责任人": "李四",
                       "交办日期": "2026-06-02", "办理状态": "整改中"}, **row)


_rows = sheet


def _set_ledger(path, cid, header, value):
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    head = [c.value for c in ws[1]]
    for r in ws.iter_rows(min_row=2):
        if r[head.index("问题编号")].value == cid:
            r[head.index(header)].value = value
    wb.save(path)


# ----------------------------------------------------------------- seed 001: 区级协调 asked by the units

def test_xinguan_units_ask_for_district_coordination_and_the_offices_flag_decides(tmp_path):
    """Seed 001: "对一些政策性强、争议标的较大、社会影响面广、需要区级层面协调解决的陈年积案和重大疑难案件,由各部门报送专项
    治理工作组(区指挥部改革创新组)汇总,统一提交区级层面专项研究讨论、专题协调解决" — the unit's form has its own 申请区级协调
    and 区级协调理由; a request is recorded on 审批台账 and listed on 区级协调事项 for the office's meeting, never setting the
    office's 区级协调 flag; the office's 是 in 台账 decides, recorded once."""
    from taizhang.jobs import run_merge, run_status, run_summary, run_template

    b = book("xinguan")
    path = _master(tmp_path, "xinguan", b)
    [tpl] = run_template(path, tmp_path / "模板", D(2026, 6, 10))
    head = [c.value for c in openpyxl.load_workbook(tpl)["台账"][3]]
    assert "申请区级协调" in head and "区级协调理由" in head
    folder = tmp_path / "报送"
    _send(folder, D(2026, 6, 19), b, 申请区级协调="是", 区级协调理由="涉及区财政、住建多部门，需区级统筹资金")
    run_merge(path, folder, D(2026, 6, 19))
    [case] = _rows(path, "台账")
    cid = case["问题编号"]
    assert case["区级协调"] is None  # the unit's request is not the office's flag
    assert "区级协调申请中" in case["申请状态"]
    [asked] = [r for r in _rows(path, "审批台账") if r["事项"] == "区级协调"]
    assert asked["决定"] == "申请中" and asked["申请理由"] == "涉及区财政、住建多部门，需区级统筹资金"
    [listed] = _rows(path, "区级协调事项")
    assert listed["问题编号"] == cid and listed["提出"] == "城关镇申请" and listed["办公室决定"].startswith("待研究")
    assert not [r for r in _rows(path, "待审批") if r["申请事项"] == "区级协调"]  # its own list, not 待审批
    assert run_summary(path, D(2026, 6, 19), tmp_path / "汇总.xlsx") and _coord_count(tmp_path / "汇总.xlsx") == 0

    _set_ledger(path, cid, "区级协调", "是")  # the office decides, in its own column
    run_status(path, D(2026, 6, 22))
    decided = [r for r in _rows(path, "审批台账") if r["事项"] == "区级协调"]
    assert [r["决定"] for r in decided] == ["申请中", "同意"] and "区级层面" in decided[1]["变更内容"]
    [listed] = _rows(path, "区级协调事项")
    assert listed["办公室决定"].startswith("提交区级层面")
    run_summary(path, D(2026, 6, 22), tmp_path / "汇总2.xlsx")
    assert _coord_count(tmp_path / "汇总2.xlsx") == 1
    run_merge(path, folder, D(2026, 7, 20))  # the same request sent again: answered, not recorded again
    assert len([r for r in _rows(path, "审批台账") if r["事项"] == "区级协调"]) == 2

    for preset in ("lijiuzhang", "zhonggengzu", "sanluan", "xiaoneng"):  # only seed 001's plan has 区级协调
        other = _master(tmp_path, preset)
        [tpl] = run_template(other, tmp_path / preset, D(2026, 6, 10))
        wb = openpyxl.load_workbook(tpl)
        guide = " ".join(str(c.value) for r in wb["填报说明"].iter_rows() for c in r if c.value)
        assert "申请区级协调" not in [c.value for c in wb["台账"][3]] and "申请区级协调" not in guide
        assert "区级协调事项" not in openpyxl.load_workbook(other).sheetnames


def _coord_count(summary) -> int:
    for ws in openpyxl.load_workbook(summary):
        for r in ws.iter_rows(values_only=True):
            if r and r[0] == "提交区级协调":
                return r[1]
    raise AssertionError("no 提交区级协调 row")


def test_xinguan_office_saying_no_answers_the_unit_in_its_next_template(tmp_path):
    """Seed 001: "由各部门报送专项治理工作组…汇总,统一提交区级层面专项研究讨论" — the working group decides: its 否 is recorded
    as 不同意 and goes back to the unit in 办公室答复; an older form's 区级协调 column (the office's header) is read as the
    unit's request, never as the office's flag."""
    from taizhang.jobs import run_merge, run_status, run_template

    b = book("xinguan")
    path = _master(tmp_path, "xinguan", b)
    folder = tmp_path / "报送"
    _send(folder, D(2026, 6, 19), b, 区级协调="是，涉及多部门")
    run_merge(path, folder, D(2026, 6, 19))
    [case] = _rows(path, "台账")
    assert case["区级协调"] is None
    [asked] = [r for r in _rows(path, "审批台账") if r["事项"] == "区级协调"]
    assert asked["申请理由"] == "是，涉及多部门"
    _set_ledger(path, case["问题编号"], "区级协调", "否")
    run_status(path, D(2026, 6, 22))
    assert [r["决定"] for r in _rows(path, "审批台账") if r["事项"] == "区级协调"] == ["申请中", "不同意"]
    [tpl] = run_template(path, tmp_path / "模板", D(2026, 6, 25))
    ws = openpyxl.load_workbook(tpl)["台账"]
    head = [c.value for c in ws[3]]
    assert "区级协调申请" in ws.cell(4, head.index("办公室答复") + 1).value


# ----------------------------------------------------------------- 复杂程度: a column only where there are tiers

def _ledger_sheet(path):
    ws = openpyxl.load_workbook(path)["台账"]
    head = [c.value for c in ws[1]]
    lists = [(str(dv.sqref), dv.formula1) for dv in ws.data_validations.dataValidation]
    return ws, head, lists


def _column_of(head, name) -> str:
    from taizhang.findings import col_letter

    return col_letter(head.index(name))


@pytest.mark.parametrize("preset", OTHERS)
def test_other_campaigns_master_ledger_has_no_complexity_column_unless_switched_on(tmp_path, preset):
    """Seed 004 alone: "没有时限要求原则上5个工作日内办结，较复杂的10个工作日内办结，特别复杂的20个工作日内办结，极特殊的经
    申请同意后1个月内办结" — seeds 000–003 name no tier, so their master's 台账 has no 复杂程度 column (and no drop-down of an
    empty list); the office's switch (复杂程度档次 是, 办公室设定（方案未规定）) adds it at the right edge, with its list."""
    from taizhang.jobs import run_status

    path = _master(tmp_path, preset)
    ws, head, lists = _ledger_sheet(path)
    assert "复杂程度" not in head and "办理状态" in head and "整改时限" in head
    assert not [f for _, f in lists if "$B$" in f and "代码表" in f]  # 代码表 B: the (empty) tiers list
    run_status(path, D(2026, 11, 20))
    assert "复杂程度" not in _ledger_sheet(path)[1]

    wb = openpyxl.load_workbook(path)
    next(r for r in wb["参数设置"].iter_rows(min_row=2) if r[0].value == "复杂程度档次")[1].value = "是"
    wb.save(path)
    run_status(path, D(2026, 11, 20))
    ws, head, lists = _ledger_sheet(path)
    assert head[-1] == "复杂程度" and head[:len(head) - 1] == _ledger_sheet(_master(tmp_path / "x", preset))[1]
    col = _column_of(head, "复杂程度")
    assert any(sq.startswith(f"{col}2:") and "$B$2:$B$" in f for sq, f in lists)


def test_an_old_master_with_a_complexity_column_keeps_it_and_its_values(tmp_path):
    """Seed 001 ("原则上应在当年办结") has no tiers; a master made when every preset carried seed 004's tiers has a
    复杂程度 column. It still reads; the column stays where it is with what the office typed (read and written by header,
    the office's columns after it unmoved), without the drop-down of an empty list; a unit's old form that still sends a
    复杂程度 to a master without the column gets the column back at the right edge rather than losing the value. Seed 004
    keeps its column in place."""
    from taizhang.jobs import run_merge, run_status
    from taizhang.rules.rulebook import DEFAULT_TIERS

    b = book("xinguan")
    old = b.model_copy(update={"tiers": list(DEFAULT_TIERS)})
    path = _master(tmp_path, "xinguan", old)
    folder = tmp_path / "报送"
    _send(folder, D(2026, 6, 19), b)
    run_merge(path, folder, D(2026, 6, 19))
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    head = [c.value for c in ws[1]]
    at = head.index("复杂程度") + 1
    ws.cell(2, at).value = "较复杂"
    ws.cell(1, len(head) + 1).value = "办公室备注"
    ws.cell(2, len(head) + 1).value = "周例会研究"
    next(r for r in wb["参数设置"].iter_rows(min_row=2) if r[0].value == "复杂程度档次")[1].value = "不设"  # switched off
    wb.save(path)
    m = load_master(path)
    assert m.rulebook.tiers == [] and m.ledger["complexity"].tolist() == ["较复杂"]
    run_status(path, D(2026, 6, 22))
    ws, after, lists = _ledger_sheet(path)
    assert after == head + ["办公室备注"] and ws.cell(2, at).value == "较复杂" and ws.cell(2, len(head) + 1).value == "周例会研究"
    assert not [sq for sq, _ in lists if sq.startswith(f"{_column_of(after, '复杂程度')}2:")]

    fresh = _master(tmp_path / "new", "xinguan") if (tmp_path / "new").mkdir() is None else None
    _send(folder, D(2026, 6, 19), b, 复杂程度="较复杂")
    run_merge(fresh, folder, D(2026, 6, 19))
    _, head, _ = _ledger_sheet(fresh)
    assert head[-1] == "复杂程度" and load_master(fresh).ledger["complexity"].tolist() == ["较复杂"]

    # seed 004: "没有时限要求原则上5个工作日内办结，较复杂的10个工作日内办结…": 复杂程度 in its place, with the tiers' list
    (tmp_path / "x").mkdir()
    _, head, lists = _ledger_sheet(_master(tmp_path / "x", "xiaoneng"))
    assert head.index("复杂程度") == head.index("签收日期") + 1
    assert any(sq.startswith(f"{_column_of(head, '复杂程度')}2:") for sq, _ in lists)


# ----------------------------------------------------------------- seed 004: each task type's own report rhythm

def _task_file(folder, b, unit, kind, day, note=""):
    folder.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    row = {"责任单位": unit, "线索来源": b.sources[0], "问题类别": b.categories[0].name, "问题描述": f"{unit}的任务",
           "牵头领导": "张三", "具体责任人": "李四", "交办日期": "2026-03-02", "整改时限": "2026-12-31",
           "任务类型": kind, "办理进展": note or None, "办理状态": "整改中"}
    ws.append(list(row))
    ws.append(list(row.values()))
    wb.properties.created = dt.datetime(day.year, day.month, day.day, 9)
    wb.save(folder / f"{unit}-{day.year}年{day.month}月.xlsx")


def _xiaoneng(tmp_path):
    from taizhang.jobs import run_merge

    b = book("xiaoneng")
    path = tmp_path / "台账总表-xiaoneng.xlsx"
    t = b.unit_types[0]
    create_master(path, b, build_directory([(2, "城关镇", t, "", "CG"), (3, "河口镇", t, "", "HK"),
                                            (4, "北山镇", t, "", "BS")], "成员单位"))
    for unit, kind in (("城关镇", "常规工作"), ("河口镇", "重要任务"), ("北山镇", "紧急")):
        _task_file(tmp_path / "报送", b, unit, kind, D(2026, 3, 20))
    run_merge(path, tmp_path / "报送", D(2026, 3, 20))
    return path, b


def test_xiaoneng_task_types_report_on_their_own_rhythm(tmp_path):
    """Seed 004: "常规工作实行季报告，重要任务实行月报告，紧急的重点事项实行一事一报" — each case carries its 任务类型; on April's
    report day a unit whose open tasks are all 常规工作 owes no report (its quarterly report is due in June), nor one whose
    only task is 紧急的重点事项 (一事一报); a 重要任务's unit does. In June the 常规工作's unit owes its quarterly report.
    The 催报 follows the same rhythm."""
    from taizhang.jobs import remind_preview, run_merge

    path, b = _xiaoneng(tmp_path)
    assert [r.name for r in b.task_rhythms] == ["常规工作", "重要任务", "紧急的重点事项"]
    m = load_master(path)
    assert m.rulebook.task_rhythms == b.task_rhythms
    assert sorted(m.ledger["task_type"].tolist()) == sorted(["常规工作", "重要任务", "紧急的重点事项"])  # 紧急: the plan's name
    assert "任务类型" in [c.value for c in openpyxl.load_workbook(path)["台账"][1]]

    april = tmp_path / "四月"
    _task_file(april, b, "河口镇", "重要任务", D(2026, 4, 24), "四月进展")
    assert remind_preview(path, D(2026, 4, 22)).plan and \
        [r.unit for r in remind_preview(path, D(2026, 4, 22)).plan.reminders if r.report] == ["河口镇"]
    out = run_merge(path, april, D(2026, 4, 24))
    assert out.result.missing_units == []  # 河口镇 reported; 城关镇 and 北山镇 owed nothing this month
    states = {r["单位名称"]: r for r in _rows(path, "报送情况")}
    assert states["城关镇"]["报送情况"] == "本期无需报送" and "6月报送季报告" in states["城关镇"]["说明"]
    assert states["北山镇"]["报送情况"] == "本期无需报送" and "一事一报" in states["北山镇"]["说明"]
    assert states["河口镇"]["报送情况"] in ("已报送", "逾期报送")
    from taizhang.report.notice import build_bulletin

    figs = out.figures
    paras = " ".join(p.text for p in build_bulletin(figs, load_master(path).reports, "区效能办").doc.paragraphs)
    assert "本期应报送单位1个，已报送1个" in paras  # the units owed no report are not counted as owing one

    june = tmp_path / "六月"
    _task_file(june, b, "河口镇", "重要任务", D(2026, 6, 25), "六月进展")
    # June: the 常规工作's 季报告 is owed beside the 重要任务's 月报告; the 紧急的重点事项 still 一事一报
    assert {r.unit for r in remind_preview(path, D(2026, 6, 23)).plan.reminders if r.report} == {"城关镇", "河口镇"}
    out = run_merge(path, june, D(2026, 6, 25))
    assert out.result.missing_units == ["城关镇"]  # the quarter's last month: 常规工作's 季报告 is owed


def test_other_campaigns_have_no_task_type_column(tmp_path):
    """Seed 004 alone: "常规工作实行季报告，重要任务实行月报告，紧急的重点事项实行一事一报" — no other plan has task types: no
    任务类型 in their 台账 or unit form, and every unit owes every period's report as before."""
    from taizhang.jobs import run_template

    for preset in OTHERS:
        path = _master(tmp_path / preset if (tmp_path / preset).mkdir() is None else None, preset)
        assert "任务类型" not in [c.value for c in openpyxl.load_workbook(path)["台账"][1]]
        [tpl] = run_template(path, tmp_path / preset / "模板", D(2026, 6, 10))
        assert "任务类型" not in [c.value for c in openpyxl.load_workbook(tpl)["台账"][3]]
        assert book(preset).task_rhythms == []
