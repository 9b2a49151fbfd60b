"""The plan 台账 is written back by, as data: office edit → expected cell map (book.ledger_plan).

Two tables. The first is the plan itself (header as read → written columns and where their cells come from). The
second edits a real master the way an office does (openpyxl), runs ``taizhang status`` on it (which reads, sorts
cases into 成员单位 order and writes 台账 back), and checks the written sheet cell by cell: the header row, and for
every case its taizhang values and its office cells (a value, and a formula pointing at its own row).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import openpyxl
import pytest
from conftest import REPORT_DAY

from taizhang.book.ledger_plan import Column, plan_ledger
from taizhang.fields import BY_KEY, FIELDS
from taizhang.findings import col_letter
from taizhang.jobs import run_status
from taizhang.rules.rulebook import find_rulebook

H = [f.header for f in FIELDS]
K = [f.key for f in FIELDS]
N = len(FIELDS)


def _cols(plan):
    return [(c.key or c.header, c.source) for c in plan.columns]


@pytest.mark.parametrize(("header", "expected"), [
    pytest.param(None, [(k, None) for k in K], id="new master: taizhang's layout"),
    pytest.param(H, [(k, i) for i, k in enumerate(K)], id="unedited"),
    pytest.param(H + ["办公室核查"], [(k, i) for i, k in enumerate(K)] + [("办公室核查", N)], id="appended at the right"),
    pytest.param(H[:3] + ["办公室核查"] + H[3:],
                 [(k, i) for i, k in enumerate(K[:3])] + [("办公室核查", 3)] + [(k, i + 4) for i, k in enumerate(K[3:])],
                 id="inserted between taizhang's"),
    pytest.param(H[:9] + H[10:] + ["办公室核查"],
                 [(k, i) for i, k in enumerate(K[:9])] + [(k, i + 9) for i, k in enumerate(K[10:])]
                 + [("办公室核查", N - 1), ("phone", None)], id="a taizhang column deleted: added at the right edge"),
    pytest.param([H[4], H[0]] + H[1:4] + H[5:], [("description", 0), ("case_id", 1)]
                 + [(k, i + 2) for i, k in enumerate(K[1:4])] + [(k, i + 5) for i, k in enumerate(K[5:])],
                 id="reordered"),
    pytest.param(H[:-6] + ["办公室核查"], [(k, i) for i, k in enumerate(K[:-6])] + [("办公室核查", N - 6)]
                 + [(k, None) for k in K[-6:]], id="an older master lacking fields"),
    pytest.param(H[:-2] + ["办公室核查"], [(k, i) for i, k in enumerate(K[:-2])] + [("办公室核查", N - 2), ("co_units", None),
                                                                                   ("task_type", None)],
                 id="a master made before 配合单位: the column at the right edge, the office's stays"),
    pytest.param(H[:-2] + ["协办单位"], [(k, i) for i, k in enumerate(K[:-1])] + [("task_type", None)],
                 id="the office's 协办单位 column is 配合单位"),
    pytest.param(H + ["办理状态", "办公室核查", "办公室核查"],
                 [(k, i) for i, k in enumerate(K)] + [("办理状态", N), ("办公室核查", N + 1), ("办公室核查", N + 2)],
                 id="duplicated headers: the second is the office's"),
    pytest.param(["编号"] + H[1:], [(k, i) for i, k in enumerate(K)], id="an alias header is taizhang's field"),
    pytest.param(H + [None, "办公室核查"], [(k, i) for i, k in enumerate(K)] + [("", N), ("办公室核查", N + 1)],
                 id="an office column without a header keeps its place"),
])
def test_the_plan_by_header(header, expected):
    plan = plan_ledger(header)
    assert _cols(plan) == expected
    assert sorted(c.key for c in plan.columns if c.key) == sorted(K)  # every field, once
    assert plan.office == {i: c.source for i, c in enumerate(plan.columns) if c.key is None}
    assert plan.columns[plan.field_at("case_id")] == Column("case_id", "问题编号", dict(expected)["case_id"])


# --------------------------------------------------------------------------- written back, cell by cell

OFFICE = "办公室核查"


def _append_office(ws):
    at = ws.max_column + 1
    ws.cell(1, at, OFFICE)
    return at


def _insert_office(ws, before=4):
    ws.insert_cols(before)
    ws.cell(1, before, OFFICE)
    return before


def _delete(ws, header):
    ws.delete_cols([c.value for c in ws[1]].index(header) + 1)


def _swap_columns(ws, a, b):
    ca, cb = ([c.value for c in ws[1]].index(h) + 1 for h in (a, b))
    for r in range(1, ws.max_row + 1):
        ws.cell(r, ca).value, ws.cell(r, cb).value = ws.cell(r, cb).value, ws.cell(r, ca).value


def _swap_rows(ws, a, b):
    for c in range(1, ws.max_column + 1):
        ws.cell(a, c).value, ws.cell(b, c).value = ws.cell(b, c).value, ws.cell(a, c).value


def edit_appended(ws):
    return _append_office(ws), {}


def edit_inserted(ws):
    return _insert_office(ws), {}


def edit_deleted(ws):
    _delete(ws, "联系电话")
    return _append_office(ws), {}


def edit_reordered(ws):
    _swap_columns(ws, "问题描述", "涉及主体")
    return _append_office(ws), {}


def edit_older(ws):
    for h in ("时限来源", "时限说明"):
        _delete(ws, h)
    return _append_office(ws), {}


def edit_before_co_units(ws):
    _delete(ws, "配合单位")
    return _append_office(ws), {}


def edit_duplicated(ws):
    at = _append_office(ws)
    ws.cell(1, at + 1, "办理状态")  # the office's second 办理状态 column: its own words, not the field
    return at, {at + 1: "复核中"}


def edit_emptied(ws):
    at = _append_office(ws)
    for c in range(1, ws.max_column + 1):
        ws.cell(6, c).value = None
    return at, {}


def edit_sorted(ws):
    at = _append_office(ws)
    _swap_rows(ws, 3, ws.max_row - 2)  # the next write sorts both cases back into 成员单位 order
    return at, {}


def edit_deleted_case(ws):
    at = _append_office(ws)
    ws.delete_rows(7)
    return at, {}


# name, edit, expected header row written (from the header as the office left it)
EDITS = [
    ("appended at the right", edit_appended, lambda h: h),
    ("inserted between taizhang's", edit_inserted, lambda h: h),
    ("a taizhang column deleted", edit_deleted, lambda h: h + ["联系电话"]),
    ("columns reordered", edit_reordered, lambda h: h),
    ("an older master lacking fields", edit_older, lambda h: h + ["时限说明", "时限来源"]),
    ("a master made before 配合单位", edit_before_co_units, lambda h: h + ["配合单位"]),
    ("a duplicated header", edit_duplicated, lambda h: h),
    ("an emptied row", edit_emptied, lambda h: h),
    ("a case sorted into the middle", edit_sorted, lambda h: h),
    ("a deleted case", edit_deleted_case, lambda h: h),
]


def _table(ws):
    header = [c.value for c in ws[1]]
    while header and header[-1] is None:
        header.pop()
    idc = header.index("问题编号") + 1
    rows = {ws.cell(r, idc).value: r for r in range(2, ws.max_row + 1) if ws.cell(r, idc).value}
    return header, idc, rows


@pytest.mark.parametrize(("name", "edit", "written_header"), EDITS, ids=[e[0] for e in EDITS])
def test_office_edit_written_back_cell_by_cell(fresh_sample, name, edit, written_header):
    path = fresh_sample.master
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    at, extra = edit(ws)
    header, idc, rows = _table(ws)
    id_letter = col_letter(idc - 1)
    formula_at = len(header) + 1  # a formula per case, pointing at its own 问题编号
    ws.cell(1, formula_at, "编号副本")
    before = {}  # case id → (its taizhang values by header, its office cells)
    for cid, r in rows.items():
        ws.cell(r, at, f"核查-{cid}")
        for c, v in extra.items():
            ws.cell(r, c, f"{v}-{cid}")
        ws.cell(r, formula_at, f'={id_letter}{r}&"#"')
        before[cid] = {h: ws.cell(r, i + 1).value for i, h in reversed(list(enumerate(header)))
                       if h in ("问题描述", "涉及主体", "责任单位", "办理状态", OFFICE)}
    header.append("编号副本")
    wb.save(path)

    run_status(path, REPORT_DAY)

    ws = openpyxl.load_workbook(path)["台账"]
    got_header, got_idc, got_rows = _table(ws)
    assert got_header == written_header(header)  # every column where the office has it; new fields at the right
    assert set(got_rows) == set(rows)  # every case, once (the emptied and the deleted ones gone)
    moved = sum(got_rows[c] != r for c, r in rows.items())
    if name in ("an emptied row", "a case sorted into the middle"):
        assert moved  # the write did move cases
    where = {h: i + 1 for i, h in reversed(list(enumerate(got_header)))}  # a duplicated header: its first column
    for cid, r in got_rows.items():
        assert ws.cell(r, at).value == f"核查-{cid}", (cid, r)  # the office's cell, with its case
        for c, v in extra.items():
            assert ws.cell(r, c).value == f"{v}-{cid}", (cid, r, c)
        assert ws.cell(r, formula_at).value == f'={col_letter(got_idc - 1)}{r}&"#"', (cid, r)
        for h, v in before[cid].items():
            assert ws.cell(r, where[h]).value == v, (cid, h)


def test_hyperlinks_merges_and_row_validations_follow_their_case_through_a_merge(fresh_sample):
    """An office hyperlink (the case's evidence PDF), a merged pair of office cells and a per-row drop-down stay on
    their cases' rows when a merge inserts new cases before them; a case's link never lands on another case."""
    from openpyxl.formatting.rule import CellIsRule, FormulaRule
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from taizhang.jobs import run_merge

    path = fresh_sample.master
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    _, idc, rows = _table(ws)
    at = _append_office(ws)
    ws.cell(1, at + 1, "核查人")
    L, R = col_letter(at - 1), col_letter(at)
    by_row = sorted(rows.items(), key=lambda kv: kv[1])
    (x, rx), (y, ry), (z, rz) = by_row[-1], by_row[-3], by_row[-5]  # late in the sheet: new cases come before them
    (v, rv), (_, rw) = by_row[-7], by_row[-9]
    ws[f"{L}{rx}"] = "证据材料"
    ws[f"{L}{rx}"].hyperlink = f"证据/{x}.pdf"
    ws[f"{L}{ry}"] = f"合并-{y}"
    ws.merge_cells(f"{L}{ry}:{R}{ry}")
    dv = DataValidation(type="list", formula1='"已核实,未核实"', allow_blank=True)
    dv.add(f"{R}{rz}")
    ws.add_data_validation(dv)
    red = PatternFill("solid", fgColor="FF0000")
    ws.conditional_formatting.add(f"{R}{rz}", CellIsRule(operator="equal", formula=['"未核实"'], fill=red))
    ws.conditional_formatting.add(f"{L}{rw}", FormulaRule(formula=[f'{L}{rw}="重点"'], fill=red))  # relative to its row
    ws[f"{R}{rv}"].hyperlink = f"证据/{v}.pdf"
    for c in range(1, ws.max_column + 1):  # the office empties case v's row: its link must land on no other case
        ws.cell(rv, c).value = None
    wb.save(path)

    out = run_merge(path, fresh_sample.submissions, REPORT_DAY)
    assert out.result.rows_new > 0

    ws = openpyxl.load_workbook(path)["台账"]
    _, _, got = _table(ws)
    assert got[x] != rx and got[y] != ry and got[z] != rz  # the cases did move
    links = {c.coordinate: c.hyperlink.target for row in ws.iter_rows() for c in row if c.hyperlink}
    assert links == {f"{L}{got[x]}": f"证据/{x}.pdf"}
    assert ws[f"{L}{got[x]}"].value == "证据材料"
    assert f"{L}{got[y]}:{R}{got[y]}" in {str(m) for m in ws.merged_cells.ranges}
    assert ws[f"{L}{got[y]}"].value == f"合并-{y}"
    office_dv = [d for d in ws.data_validations.dataValidation if d.formula1 == '"已核实,未核实"']
    assert [str(d.sqref) for d in office_dv] == [f"{R}{got[z]}"]
    # taizhang's five drop-downs, once each (the sample's seed 001 has no 复杂程度 tiers: no column), and the office's
    assert len(ws.data_validations.dataValidation) == 6
    formats = {str(cf.sqref): [r.formula for r in cf.rules] for cf in ws.conditional_formatting}
    assert formats.get(f"{R}{got[z]}") == [['"未核实"']]  # a per-row format with a constant rule: moved with its case
    # a per-row format whose formula is relative to its row cannot follow a moved range: dropped, not left on a
    # row that now holds another case
    assert not any(f"{L}{rw}=" in f for fs in formats.values() for rule in fs for f in rule), formats


# --------------------------------------------------------------------------- findings at their case's written row

def _reminders_hold_their_cases(path):
    wb = openpyxl.load_workbook(path)
    ledger, reminders = wb["台账"], wb["提醒"]
    ids = {ledger.cell(r, 1).value: r for r in range(2, ledger.max_row + 1)}
    head = [c.value for c in reminders[1]]
    sheet_at, row_at, msg_at = head.index("工作表"), head.index("行号"), head.index("说明")
    checked = 0
    for row in reminders.iter_rows(min_row=2, values_only=True):
        if row[sheet_at] != "台账" or not row[row_at]:
            continue
        cid = re.search(r"问题(\S+?)：", row[msg_at]).group(1)
        assert ids.get(cid) == row[row_at], (cid, row[row_at], ids.get(cid))  # that row of 台账 holds that case
        checked += 1
    return checked


def test_every_reminder_row_holds_its_case_on_the_written_ledger(tmp_path):
    """提醒's 行号 for a finding on 台账 is the row its case has in the written 台账, whatever the write moved: an
    emptied row (every case below moves up) and a merge that sorts new cases in among the old (效能提升年 tracks
    签收 and 反馈, so its 台账 has warnings to remind of)."""
    from taizhang.demo import generate
    from taizhang.jobs import run_merge

    s = generate(tmp_path / "xiaoneng", preset="xiaoneng", seed=3, today=REPORT_DAY, n_units=8)
    path = s.master
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    for c in range(1, ws.max_column + 1):
        ws.cell(4, c).value = None
    wb.save(path)
    out = run_merge(path, s.submissions, REPORT_DAY)
    assert out.result.rows_new > 0
    on_ledger = [f for f in out.result.issues if f.sheet == "台账" and f.file == path.name and f.row]
    assert on_ledger and all(f.case_id for f in on_ledger)
    warned = [f for f in on_ledger if f.severity == "warning"]
    assert len(warned) > 10
    assert _reminders_hold_their_cases(path) == len(warned)


def test_status_findings_carry_their_case_and_its_written_row(fresh_sample):
    path = fresh_sample.master
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    for c in range(1, ws.max_column + 1):
        ws.cell(3, c).value = None  # every case below moves up one on the write
    wb.save(path)
    res = run_status(path, REPORT_DAY)
    ws = openpyxl.load_workbook(path)["台账"]
    ids = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    on_ledger = [f for f in res.issues if f.sheet == "台账" and f.row]
    assert on_ledger
    assert [(f.case_id, f.row) for f in on_ledger] == [(f.case_id, ids[f.case_id]) for f in on_ledger]


def test_assign_asks_to_fill_in_on_the_row_the_case_is_written_to(fresh_sample):
    """交办's "请在台账第N行补填" names the row the case has once written: the office typed it at the end of 台账,
    the write sorts it into its unit's block."""
    from taizhang.jobs import run_assign

    path = fresh_sample.master
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    col = {c.value: c.column for c in ws[1]}
    r = ws.max_row + 1
    ws.cell(r, col["责任单位"], "区商务局")  # an early unit: its block is far above the end
    ws.cell(r, col["问题描述"], "某公司反映招商奖励资金未拨付")  # 问题类别 and 线索来源 left blank
    wb.save(path)
    res = run_assign(path, REPORT_DAY)
    [a] = res.assigned
    [ask] = [f for f in res.issues if f.code == "assign-needs-input" and f.case_id == a.id]
    ws = openpyxl.load_workbook(path)["台账"]
    written = next(i for i in range(2, ws.max_row + 1) if ws.cell(i, col["问题编号"]).value == a.id)
    assert written < r - 1  # sorted in among the unit's cases, not where the office typed it
    assert ask.row == written and f"请在台账第{written}行补填" in ask.message


# --------------------------------------------------------------------------- fields only some campaigns have

# preset → the CAMPAIGN_FIELDS its own plan gives (DOMAIN.md "Whose deadline rule"; seed 004's 签收/反馈 limits and
# tiers, 001's 区级协调 and 牵头督办部门, 003's 归口汇总部门, 000's and 003's 销号 by the leading group; 回访 in none)
PLAN_FIELDS = {
    "lijiuzhang": {"close_request"},
    "xinguan": {"district_coord", "supervisor"},
    "zhonggengzu": set(),
    "sanluan": {"summary_dept", "close_request"},
    "xiaoneng": {"complexity", "task_type", "sign_by", "feedback_by"},
}
SEED_OF = {"lijiuzhang": "000", "xinguan": "001", "zhonggengzu": "002", "sanluan": "003", "xiaoneng": "004"}
SEEDS = Path(os.environ.get("TAIZHANG_SEEDS", "/work/shared/seeds"))


def _campaign_keys():
    from taizhang.book.ledger_plan import CAMPAIGN_FIELDS

    return {k for row in CAMPAIGN_FIELDS for k in row.keys}


@pytest.mark.parametrize("preset", list(PLAN_FIELDS))
def test_campaign_fields_follow_each_plan_as_a_table(preset):
    """Each row of CAMPAIGN_FIELDS holds for exactly the presets whose seed gives its sentence: the predicate over the
    rulebook is true where the row names the preset's seed, false elsewhere (an office setting switches the rest on)."""
    from taizhang.book.ledger_plan import CAMPAIGN_FIELDS, campaign_uses, omitted

    b = find_rulebook(preset)
    assert {k for k in _campaign_keys() if campaign_uses(b, k)} == PLAN_FIELDS[preset]
    assert omitted(b) == frozenset(_campaign_keys() - PLAN_FIELDS[preset])
    for row in CAMPAIGN_FIELDS:
        by_seed = any(seed == SEED_OF[preset] for seed, _ in row.seeds)
        assert row.uses(b) == by_seed, (preset, row.keys)  # a field is on only where its own seed's sentence says so


def test_campaign_fields_quote_their_seeds_word_for_word():
    """Every sentence in CAMPAIGN_FIELDS is its seed's own words (the seed files, where present), and the rulebooks that
    carry the same rule quote it alike; a row without a seed is an office setting with its 参数设置 row."""
    from taizhang.book.ledger_plan import CAMPAIGN_FIELDS
    from taizhang.book.settings_sheet import SCALARS

    labels = {label for label, _, _ in SCALARS} | {"复杂程度档次"}
    x = find_rulebook("xiaoneng")
    for row in CAMPAIGN_FIELDS:
        assert row.seeds or row.setting in labels, row.keys  # no seed: the office's own setting, named
        assert not row.setting or row.setting in labels, row.setting
        for seed, sentence in row.seeds:
            if row.keys in (("sign_by",), ("feedback_by",)):
                assert sentence in x.sign_feedback_quote
            if row.keys == ("task_type",):
                assert sentence == x.task_rhythm_quote
            if row.keys == ("complexity",):
                assert sentence == x.deadline_rule_quote
            if SEEDS.is_dir():
                [text] = [p.read_text(encoding="utf-8") for p in SEEDS.glob(f"{seed}_*.txt")]
                assert sentence in text, (seed, sentence)


@pytest.mark.parametrize("preset", list(PLAN_FIELDS))
def test_ledger_and_unit_form_carry_a_campaign_column_only_where_its_seed_gives_it(tmp_path, preset):
    """台账 and the unit's form: 签收期限/反馈期限 only in seed 004's ("承办单位主要负责人应在收到工作任务后3个工作日内签批或
    部署"; "任务事项办结后需在5个工作日内反馈办理落实情况"), 区级协调 and 牵头督办部门 only in 001's, 归口汇总部门 only in 003's,
    销号申请 only where the leading group closes cases (000, 003), 回访 nowhere by default (no plan gives it)."""
    from taizhang.book.master import create_master
    from taizhang.book.template import write_templates
    from taizhang.intake.units import build_directory

    b = find_rulebook(preset)
    path = tmp_path / f"{preset}.xlsx"
    create_master(path, b, build_directory([(2, "城关镇", b.unit_types[0], "", "CG")], "成员单位"))
    header = [c.value for c in openpyxl.load_workbook(path)["台账"][1]]
    own = {BY_KEY[k].header for k in PLAN_FIELDS[preset]}
    others = {BY_KEY[k].header for k in _campaign_keys()} - own
    assert own <= set(header) and not others & set(header), (preset, others & set(header))
    from taizhang.book.master import load_master

    [tpl] = write_templates(load_master(path), tmp_path / "模板", REPORT_DAY)
    wb = openpyxl.load_workbook(tpl)
    form = [c.value for c in wb["台账"][3]]
    shown = own - {"销号申请"}  # (销号申请 is taizhang's record of a unit's application: never in a form)
    assert shown <= set(form) and not others & set(form), (preset, others & set(form))
    guide = "\n".join(str(c.value) for r in wb["填报说明"].iter_rows() for c in r if c.value)
    assert not [h for h in others if h in guide]  # the 填报说明 names no column the form does not have
    if preset == "sanluan":  # #33 item 12: no always-empty 牵头督办部门 column
        assert "牵头督办部门" not in header and "牵头督办部门" not in form


def test_an_office_setting_switches_a_campaign_column_on(tmp_path):
    """理旧账's plan sets no 签收 limit and no 回访; the office switches both on in 参数设置 (labelled 办公室设定 where no
    plan gives it): 签收期限 and the 回访 columns are added at 台账's right edge and shown in the unit's form."""
    from taizhang.book.master import create_master, load_master
    from taizhang.book.template import write_templates
    from taizhang.intake.units import build_directory

    b = find_rulebook("lijiuzhang")
    path = tmp_path / "理旧账.xlsx"
    create_master(path, b, build_directory([(2, "城关镇", b.unit_types[0], "", "CG")], "成员单位"))
    before = [c.value for c in openpyxl.load_workbook(path)["台账"][1]]
    assert "签收期限" not in before and "回访结果" not in before
    wb = openpyxl.load_workbook(path)
    ws = wb["参数设置"]
    at = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    ws.cell(at["签收时限（工作日）"], 2, 3)
    ws.cell(at["回访后销号的线索来源"], 2, "信访举报")
    assert "办公室设定（方案未规定）" in ws.cell(at["回访后销号的线索来源"], 3).value
    wb.save(path)
    run_status(path, REPORT_DAY)
    after = [c.value for c in openpyxl.load_workbook(path)["台账"][1]]
    assert after[:len(before)] == before  # nothing moved
    assert {"签收期限", "回访方式", "回访日期", "回访人", "回访结果", "回访意见"} == set(after[len(before):])
    [tpl] = write_templates(load_master(path), tmp_path / "模板", REPORT_DAY)
    form = [c.value for c in openpyxl.load_workbook(tpl)["台账"][3]]
    assert {"签收期限", "回访结果"} <= set(form) and "反馈期限" not in form


def test_an_old_master_keeps_a_campaign_column_its_plan_does_not_give_and_its_data(fresh_sample):
    """A master an earlier version wrote with every field (牵头督办部门, 归口汇总部门, 回访结果, 签收期限 where the plan has
    none): its columns stay where they are, by header, and the office's values in them stay with their cases."""
    path = fresh_sample.master  # seed 001: no 归口汇总部门, no 回访, no 签收 limit
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    _, idc, rows = _table(ws)
    olds = ["归口汇总部门", "回访结果", "签收期限"]
    at = {}
    for h in olds:
        at[h] = _append_office(ws)
        ws.cell(1, at[h], h)
    for cid, r in rows.items():
        ws.cell(r, at["归口汇总部门"], f"县委办公室-{cid}")
        ws.cell(r, at["回访结果"], "满意")
    header = [c.value for c in ws[1]]
    wb.save(path)

    run_status(path, REPORT_DAY)

    ws = openpyxl.load_workbook(path)["台账"]
    got_header, _, got_rows = _table(ws)
    assert got_header == header
    assert set(got_rows) == set(rows)
    for cid, r in got_rows.items():
        assert ws.cell(r, at["归口汇总部门"]).value == f"县委办公室-{cid}"
        assert ws.cell(r, at["回访结果"]).value == "满意"
