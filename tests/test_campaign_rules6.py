"""Each campaign by its own seed, round 6 (issue 26): seed 004's task types are the plan's three, and its demo shows
their rhythm.

Every test quotes, in its docstring, the seed sentence it implements.
"""

import datetime as dt

import openpyxl
import pytest
from conftest import REPORT_DAY
from test_campaign_rules5 import _task_file
from test_seed_rules import book

from taizhang.rules.validate import validate_file

D = dt.date


def _task_types(tmp_path, preset, kinds):
    """One file of ``preset`` with one row per 任务类型 in ``kinds``; (the findings, the typed frame)."""
    b = book(preset)
    folder = tmp_path / preset
    _task_file(folder, b, "城关镇", kinds[0], D(2026, 4, 20))
    [path] = folder.iterdir()
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for k in kinds[1:]:
        ws.append([c.value for c in ws[2]][:-3] + [k, None, "整改中"])
    wb.save(path)
    report, checked = validate_file(path, rulebook=b, today=D(2026, 4, 20))
    return report.findings, checked.frame


def test_xiaoneng_task_type_outside_the_plans_three_is_a_warning_kept_as_written(tmp_path):
    """Seed 004: "常规工作实行季报告，重要任务实行月报告，紧急的重点事项实行一事一报" — 任务类型 is one of the plan's three
    (the ways units write them, 常规/重要/紧急, become the plan's names); anything else is kept as written, the row is
    imported, and unknown-task-type (a warning) says which three there are."""
    findings, frame = _task_types(tmp_path, "xiaoneng", ["常规", "重要任务", "紧急", "日常工作", "紧急的重点事项"])
    assert frame["task_type"].tolist() == ["常规工作", "重要任务", "紧急的重点事项", "日常工作", "紧急的重点事项"]
    [f] = [f for f in findings if f.code == "unknown-task-type"]
    assert f.severity == "warning" and f.value == "日常工作" and f.header == "任务类型"
    for name in ("常规工作", "重要任务", "紧急的重点事项"):
        assert name in f.message
    assert not [g for g in findings if g.severity == "error"]


@pytest.mark.parametrize("preset", ["lijiuzhang", "xinguan", "zhonggengzu", "sanluan"])
def test_no_other_campaign_checks_task_types(tmp_path, preset):
    """Only seed 004 has task types: a 任务类型 column in another campaign's file is read as the unit's text, never
    checked against seed 004's three."""
    findings, frame = _task_types(tmp_path, preset, ["日常工作"])
    assert frame["task_type"].tolist() == ["日常工作"]
    assert "unknown-task-type" not in {f.code for f in findings}


def test_the_xiaoneng_demo_shows_each_task_types_rhythm(tmp_path):
    """Seed 004: "常规工作实行季报告，重要任务实行月报告，紧急的重点事项实行一事一报" — the demo's cases carry the plan's
    task types, and in November (not a quarter's last month) its unit with only 常规工作 owes no report and sends none:
    报送情况 says 本期无需报送 until December's 季报告; the unit that does not report holds a 重要任务 and is 未报送."""
    from test_trail import sheet

    from taizhang.book.master import load_master
    from taizhang.demo import generate
    from taizhang.jobs import run_merge

    s = generate(tmp_path / "xiaoneng", preset="xiaoneng", seed=3, today=REPORT_DAY, n_units=8)
    ledger = load_master(s.master).ledger
    kinds = set(ledger["task_type"].dropna())
    assert kinds == {"常规工作", "重要任务", "紧急的重点事项"}
    assert s.quiet_unit and set(ledger.loc[ledger["unit"] == s.quiet_unit, "task_type"]) == {"常规工作"}
    out = run_merge(s.master, s.submissions, REPORT_DAY)
    assert s.quiet_unit not in out.result.missing_units and s.missing_unit in out.result.missing_units
    states = {r["单位名称"]: r for r in sheet(s.master, "报送情况")}
    assert states[s.quiet_unit]["报送情况"] == "本期无需报送" and "12月报送季报告" in states[s.quiet_unit]["说明"]
    assert states[s.missing_unit]["报送情况"] == "未报送"


def test_other_demos_carry_no_task_types(tmp_path):
    """Only seed 004's plan has task types: another campaign's demo has none, and no unit is excused a report."""
    from taizhang.demo import generate

    s = generate(tmp_path / "xinguan", preset="xinguan", seed=3, today=REPORT_DAY, n_units=8)
    assert not s.quiet_unit
    assert "任务类型" not in [c.value for c in openpyxl.load_workbook(s.master)["台账"][1]]


# ----------------------------------------------------------------- #33 item 12: no column of blanks in 问题类别

def _categories_sheet(path):
    return [[c.value for c in r] for r in openpyxl.load_workbook(path)["问题类别"].iter_rows()]


def test_categories_carry_a_supervising_department_only_where_the_plan_names_one(tmp_path):
    """Seed 001: "区商务局负责招商引资政策不兑现等问题的督促整改" — its 问题类别 sheet has 牵头督办部门; seed 003 names
    none, so sanluan's has no always-empty column (#33 item 12). The sheet is read by header: an office that adds a
    牵头督办部门 column gives its categories departments, and a master written with the old blank column reads alike."""
    from taizhang.book.master import create_master, load_master

    for preset, head in (("xinguan", ["问题类别", "牵头督办部门", "说明"]), ("sanluan", ["问题类别", "说明"])):
        b = book(preset)
        path = tmp_path / f"{preset}.xlsx"
        create_master(path, b)
        rows = _categories_sheet(path)
        assert rows[0] == head
        m = load_master(path)
        assert [(c.name, c.supervisor, c.note) for c in m.rulebook.categories] == \
            [(c.name, c.supervisor, c.note) for c in b.categories]
    # sanluan's office adds the column itself, between the name and the note
    wb = openpyxl.load_workbook(path)
    ws = wb["问题类别"]
    ws.insert_cols(2)
    ws.cell(1, 2, "牵头督办部门")
    ws.cell(2, 2, "县监察局")
    wb.save(path)
    cats = load_master(path).rulebook.categories
    assert (cats[0].supervisor, cats[0].note) == ("县监察局", b.categories[0].note) and not cats[1].supervisor
    # an old master: the blank 牵头督办部门 column every preset wrote before
    wb = openpyxl.load_workbook(path)
    ws = wb["问题类别"]
    ws.cell(2, 2).value = None
    wb.save(path)
    assert [(c.supervisor, c.note) for c in load_master(path).rulebook.categories] == [("", c.note) for c in b.categories]


# ----------------------------------------------------------------- seed 000: a 零报告 is no 攻坚难题

def test_lijiuzhang_unit_sending_a_zero_report_is_flagged_not_shown_as_without_problems(tmp_path):
    """Seed 000: "各相关单位都要在工作职责内确定1个以上“烂尾”工程或“久拖不决重要事项”，作为本单位、本部门的攻坚难题" — where
    the office has switched 零报告 on (its own setting: the plan has none), a unit without a case that sends a 零报告 is still
    flagged in 报送情况 and the 通报 as not yet having its 攻坚难题."""
    from test_campaign_rules2 import _empty_submission

    from taizhang.book.master import create_master, load_master
    from taizhang.intake.units import build_directory
    from taizhang.jobs import report_day, report_rows
    from taizhang.report.figures import briefing

    b = book("lijiuzhang").model_copy(update={"zero_report": True})
    t = b.unit_types[0]
    master = tmp_path / "m.xlsx"
    create_master(master, b, build_directory([(2, "区财政局", t, "", "")], "成员单位"))
    folder = tmp_path / "报送"
    folder.mkdir()
    _empty_submission(folder / "区财政局.xlsx", "区财政局")
    wb = openpyxl.load_workbook(folder / "区财政局.xlsx")
    wb.active.append(["零报告"])
    wb.save(folder / "区财政局.xlsx")
    merged, result, figs = report_day(load_master(master), folder, D(2026, 6, 30), supervise=True)
    assert result.zero_report_units == ["区财政局"]
    [row] = report_rows(merged, result)
    assert row[2] == "零报告" and "方案要求每个单位确定1个以上攻坚难题" in row[9]
    assert figs.units[0].below_min
    assert any("区财政局" in line and "尚未确定" in line for line in briefing(figs))


def test_xiaoneng_task_type_guesses_are_not_shortenings_and_are_kept_as_written(tmp_path):
    """Seed 004: "常规工作实行季报告，重要任务实行月报告，紧急的重点事项实行一事一报" — only a shortening of these words names
    a type. "三、重点任务" heads all the campaign's tasks (and 重点 is in 紧急的重点事项 too); "一般工作" would excuse a
    monthly case as quarterly: these, and words the plan does not use (特急), are kept as written with unknown-task-type."""
    kinds = ["重点任务", "一般工作", "特急", "紧急任务", "重要工作", "常规任务"]
    findings, frame = _task_types(tmp_path, "xiaoneng", kinds)
    assert frame["task_type"].tolist() == kinds
    assert sorted(f.value for f in findings if f.code == "unknown-task-type") == sorted(kinds)
    assert not [f for f in findings if f.code == "task-type-named"]


def test_xiaoneng_task_type_shortening_becomes_the_plans_name_with_an_info(tmp_path):
    """Seed 004: "紧急的重点事项实行一事一报" — a unit's "紧急" is recorded as 紧急的重点事项, and an info finding
    (task-type-named) names the cell, so the office sees the rewrite; the plan's own name raises nothing."""
    findings, frame = _task_types(tmp_path, "xiaoneng", ["紧急", "常规", "重要", "紧急重点事项", "重要任务"])
    assert frame["task_type"].tolist() == ["紧急的重点事项", "常规工作", "重要任务", "紧急的重点事项", "重要任务"]
    named = [f for f in findings if f.code == "task-type-named"]
    assert [f.value for f in named] == ["紧急", "常规", "重要", "紧急重点事项"]
    f = named[0]
    assert f.severity == "info" and f.message == "任务类型“紧急”已按方案名称记为“紧急的重点事项”。"
    assert f.file and f.sheet and f.row == 2 and f.column and f.header == "任务类型" and f.unit == "城关镇"
    assert not [g for g in findings if g.code == "unknown-task-type"]


def test_xiaoneng_task_type_shortenings_are_an_office_setting_in_the_settings_sheet(tmp_path):
    """Seed 004 names the three types, not how units shorten them: 参数设置 lists the shortenings as 办公室设定（方案未规定）,
    one row a type, and the office's edit is what the next merge reads."""
    from openpyxl import load_workbook

    from taizhang.book.master import create_master, load_master

    path = tmp_path / "台账总表.xlsx"
    create_master(path, book("xiaoneng"))
    wb = load_workbook(path)
    ws = wb["参数设置"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    value, note = rows["任务类型简称·紧急的重点事项"][1], rows["任务类型简称·紧急的重点事项"][2]
    assert value.value == "紧急、紧急事项、紧急重点事项" and note.value.startswith("办公室设定（方案未规定）")
    assert rows["任务类型简称·常规工作"][1].value == "常规" and rows["任务类型简称·重要任务"][1].value == "重要"
    value.value = "紧急、特急"
    rows["任务类型简称·常规工作"][1].value = None
    wb.save(path)
    b = load_master(path).rulebook
    assert b.task_rhythm("特急").name == "紧急的重点事项" and b.task_rhythm("紧急事项") is None
    assert b.task_rhythm("常规") is None and b.task_rhythm("常规工作").name == "常规工作"
    assert b.task_rhythm("重要").name == "重要任务"


def test_xiaoneng_master_without_the_shortening_rows_gets_them_once(tmp_path):
    """A master written before the 任务类型简称· rows: the preset's shortenings apply, and the next save writes the rows."""
    from openpyxl import load_workbook

    from taizhang.book.master import create_master, load_master
    from taizhang.book.settings_sheet import REWRITE_KEY

    path = tmp_path / "台账总表.xlsx"
    create_master(path, book("xiaoneng"))
    wb = load_workbook(path)
    ws = wb["参数设置"]
    for r in range(ws.max_row, 1, -1):
        if str(ws.cell(r, 1).value or "").startswith("任务类型简称·"):
            ws.delete_rows(r)
    wb.save(path)
    m = load_master(path)
    assert m.rulebook.task_rhythm("紧急").name == "紧急的重点事项" and m.extras.get(REWRITE_KEY)
    assert m.rulebook.task_rhythm("重点任务") is None
    from taizhang.book.ledger_sheet import save_master

    save_master(m, path)
    rows = {r[0].value: r[1].value for r in load_workbook(path)["参数设置"].iter_rows(min_row=2)}
    assert rows.get("任务类型简称·常规工作") == "常规" and rows.get("任务类型简称·重要任务") == "重要"
    assert "紧急" in str(rows.get("任务类型简称·紧急的重点事项"))


def _rename_category_headers(path, renames):
    wb = openpyxl.load_workbook(path)
    ws = wb["问题类别"]
    for col, text in renames.items():
        ws.cell(1, col, text)
    wb.save(path)


def test_a_renamed_name_header_never_makes_the_notes_departments(tmp_path):
    """Seed 003 names no 牵头督办部门, so sanluan's 问题类别 sheet is [问题类别, 说明]: an office that renames A1 (to
    类别, or to a word no alias knows) keeps its categories without departments — 说明 is never read as a department —
    and merging leaves 台账 without a 牵头督办部门 column (the reviewer's /tmp/rv/cat2.py)."""
    from test_trail import sheet

    from taizhang.book.master import load_master
    from taizhang.demo import generate
    from taizhang.jobs import run_merge

    b = book("sanluan")
    s = generate(tmp_path / "sanluan", preset="sanluan", seed=3, today=REPORT_DAY, n_units=8)
    _rename_category_headers(s.master, {1: "类别"})
    m = load_master(s.master)
    assert [(c.name, c.supervisor, c.note) for c in m.rulebook.categories] == [(c.name, "", c.note) for c in b.categories]
    assert not m.sheet_findings
    run_merge(s.master, s.submissions, REPORT_DAY)
    rows = sheet(s.master, "台账")
    assert rows and "牵头督办部门" not in rows[0]
    # a header no alias knows: the name is column A by position, and the office is told which cell; 说明 stays a note
    _rename_category_headers(s.master, {1: "分类"})
    m = load_master(s.master)
    assert [(c.name, c.supervisor, c.note) for c in m.rulebook.categories] == [(c.name, "", c.note) for c in b.categories]
    [f] = m.sheet_findings
    assert (f.code, f.severity, f.sheet, f.column, f.row, f.header) == \
        ("category-column-by-position", "warning", "问题类别", "A", 1, "分类")
    assert s.master.name in f.message and "A1" in f.message and "“问题类别”" in f.message
    # a 序号 column before it, headed by a word no alias knows either: the names are not the numbers
    wb = openpyxl.load_workbook(s.master)
    ws = wb["问题类别"]
    ws.insert_cols(1)
    for r in range(1, ws.max_row + 1):
        ws.cell(r, 1, "编号" if r == 1 else r - 1)
    wb.save(s.master)
    m = load_master(s.master)
    assert [c.name for c in m.rulebook.categories] == [c.name for c in b.categories]
    assert [(f.code, f.column) for f in m.sheet_findings] == [("category-column-by-position", "B"),
                                                               ("category-column-unknown", "A")]
    wb = openpyxl.load_workbook(s.master)
    wb["问题类别"].delete_cols(1)
    wb.save(s.master)
    # a note headed 备注 is a note too, never a department
    _rename_category_headers(s.master, {1: "问题类别", 2: "备注"})
    assert [(c.supervisor, c.note) for c in load_master(s.master).rulebook.categories] == \
        [("", c.note) for c in b.categories]


@pytest.mark.parametrize("header", ["牵头部门", "主管部门", "牵头督办单位", "行业主管部门"])
def test_a_renamed_department_header_keeps_the_departments(tmp_path, header):
    """Seed 001: "区商务局负责招商引资政策不兑现等问题的督促整改" — an office that renames xinguan's 牵头督办部门 header
    to another usual word keeps 招商引资政策不兑现's 区商务局 (the reviewer's /tmp/rv/cat.py)."""
    from taizhang.book.master import create_master, load_master

    b = book("xinguan")
    path = tmp_path / "xinguan.xlsx"
    create_master(path, b)
    _rename_category_headers(path, {2: header})
    m = load_master(path)
    assert [(c.name, c.supervisor, c.note) for c in m.rulebook.categories] == \
        [(c.name, c.supervisor, c.note) for c in b.categories]
    assert m.categories["招商引资政策不兑现"] == "区商务局" and not m.sheet_findings


def test_a_department_header_no_alias_knows_is_read_by_position_and_said(tmp_path):
    """Seed 001's departments in a sheet of the old three columns whose B1 no alias knows are read by position, as
    before headers were read, and the office is told (category-column-by-position); in any other layout the column is
    not read and the office is told (category-column-unknown), never blanks read silently."""
    from taizhang.book.master import create_master, load_master
    from taizhang.jobs import settings_findings

    b = book("xinguan")
    path = tmp_path / "xinguan.xlsx"
    create_master(path, b)
    _rename_category_headers(path, {2: "负责单位"})
    m = load_master(path)
    assert m.categories["招商引资政策不兑现"] == "区商务局"
    [f] = m.sheet_findings
    assert (f.code, f.column, f.header) == ("category-column-by-position", "B", "负责单位")
    assert "B1" in f.message and "牵头督办部门" in f.message and f in settings_findings(m)
    # a fourth column: not the old layout, so B is not guessed at — it is not read, and the office is told
    wb = openpyxl.load_workbook(path)
    wb["问题类别"].cell(1, 4, "序号")
    wb.save(path)
    m = load_master(path)
    assert [(c.name, c.supervisor, c.note) for c in m.rulebook.categories] == [(c.name, "", c.note) for c in b.categories]
    assert [(f.code, f.column) for f in m.sheet_findings] == [("category-column-unknown", "B"),
                                                               ("category-column-unknown", "D")]
    assert all("请将" in f.message and path.name in f.message for f in m.sheet_findings)


def test_an_office_shortening_never_makes_another_type_and_a_stray_row_is_told(tmp_path):
    """Seed 004 "常规工作季报告，重要任务月报告": a 重要任务 case must never pass as a quarterly 常规工作. The office's
    任务类型简称· rows: a shortening that is another type's own name, or one written under two types, is not applied
    and is told (提醒's notes); a row naming no type of the plan is told and 参数设置 is written again with the plan's
    rows; the next save writes a type's missing row (the reviewer's /tmp/rv2/tt.py)."""
    from openpyxl import load_workbook

    from taizhang.book.ledger_sheet import save_master
    from taizhang.book.master import create_master, load_master

    def master(name, edit):
        path = tmp_path / f"{name}.xlsx"
        create_master(path, book("xiaoneng"))
        wb = load_workbook(path)
        rows = {r[0].value: r for r in wb["参数设置"].iter_rows(min_row=2)}
        edit(rows)
        wb.save(path)
        return load_master(path)

    m = master("全称", lambda rows: setattr(rows["任务类型简称·常规工作"][1], "value", "常规、重要任务"))
    assert m.rulebook.task_rhythm("重要任务").name == "重要任务" and m.rulebook.task_rhythm("常规").name == "常规工作"
    assert any("“重要任务”是方案任务类型“重要任务”的名称" in n for n in m.settings_notes)
    m = master("两处", lambda rows: setattr(rows["任务类型简称·常规工作"][1], "value", "常规、重要"))
    assert m.rulebook.task_rhythm("重要") is None and m.rulebook.task_rhythm("重要任务").name == "重要任务"
    assert any("“重要”同时写在常规工作、重要任务下" in n for n in m.settings_notes)
    m = master("改名", lambda rows: setattr(rows["任务类型简称·常规工作"][0], "value", "任务类型简称·常规"))
    assert any("方案没有“常规”这一任务类型" in n for n in m.settings_notes)
    out = tmp_path / "改名-保存.xlsx"
    save_master(m, out)
    labels = [r[0].value for r in load_workbook(out)["参数设置"].iter_rows(min_row=2)]
    assert "任务类型简称·常规" not in labels
    assert [x for x in labels if str(x).startswith("任务类型简称·")] == [
        "任务类型简称·常规工作", "任务类型简称·重要任务", "任务类型简称·紧急的重点事项"]
