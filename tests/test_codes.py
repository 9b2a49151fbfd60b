"""One row per finding code: the smallest input that raises it, and where it lands (STYLE §4, csvkit's table of cases).

Every registered code is named by some test (the last test here fails for a code nobody triggers).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from taizhang.calendar.deadlines import compute_lights
from taizhang.calendar.workdays import WorkCalendar
from taizhang.findings import CODES
from taizhang.intake.units import build_directory
from taizhang.rules.rulebook import DEFAULT_TIERS, find_rulebook
from taizhang.rules.validate import validate_file

D = dt.date
TODAY = D(2026, 11, 20)
XINGUAN = find_rulebook("xinguan")
UNITS = build_directory([(2, "城关镇", "镇（街、区）", "城关", ""), (3, "北山镇", "镇（街、区）", "", "")], "test")
ROW = {"问题编号": None, "责任单位": "城关镇", "线索来源": "自查", "问题类别": XINGUAN.categories[0].name, "问题描述": "甲",
       "牵头领导": "张三", "具体责任人": "李四", "联系电话": "0557-1234567", "交办日期": "2026-11-02",
       "整改时限": "2026-12-01", "办理状态": "整改中"}


def submission(tmp_path: Path, change: dict, name: str = "城关镇-2026年11月.xlsx", drop: tuple = ()) -> Path:
    row = {k: v for k, v in {**ROW, **change}.items() if k not in drop}
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(list(row))
    ws.append(list(row.values()))
    wb.save(tmp_path / name)
    return tmp_path / name


# (code, change to the one row, header the finding names, severity)
CELL_CASES = [
    ("missing-recommended", {"牵头领导": None}, "牵头领导", "warning"),
    ("unknown-complexity", {"复杂程度": "超级难"}, "复杂程度", "error"),
    ("bad-phone", {"联系电话": "找老王"}, "联系电话", "warning"),
    ("date-in-future", {"办理状态": "已办结", "办结日期": "2026-11-30"}, "办结日期", "warning"),
    ("unknown-co-unit", {"配合单位": "北山镇、火星办"}, "配合单位", "warning"),
]


@pytest.mark.parametrize(("code", "change", "header", "severity"), CELL_CASES, ids=[c[0] for c in CELL_CASES])
def test_a_cell_code_names_its_row_column_and_header(tmp_path, code, change, header, severity):
    # 复杂程度 tiers are seed 004's alone: the xinguan rulebook with the office's tiers switched on
    book = XINGUAN.model_copy(update={"tiers": list(DEFAULT_TIERS)}) if code == "unknown-complexity" else XINGUAN
    report, _ = validate_file(submission(tmp_path, change), rulebook=book, units=UNITS, today=TODAY)
    [f] = [f for f in report.findings if f.code == code]
    assert (f.row, f.header, f.severity) == (2, header, severity)
    assert re.fullmatch(r"[A-Z]+", f.column) and f.message and f.file == "城关镇-2026年11月.xlsx"


def test_the_sender_is_identified_or_the_file_is_refused(tmp_path):
    report, _ = validate_file(submission(tmp_path, {}), rulebook=XINGUAN, units=UNITS, today=TODAY)
    [f] = [f for f in report.findings if f.code == "unit-identified"]
    assert f.severity == "info" and "城关镇" in f.message and report.unit == "城关镇"
    report, _ = validate_file(submission(tmp_path, {"责任单位": "火星办"}, name="报送表.xlsx"), rulebook=XINGUAN,
                              units=UNITS, today=TODAY)
    assert [f.severity for f in report.findings if f.code == "unit-unidentified"] == ["error"]


def test_a_row_of_another_unit_in_a_units_own_sheet_is_questioned(tmp_path):
    """校验本表 on a unit's own sheet (single-unit mode): a row naming another unit is asked about, not refused."""
    from openpyxl import load_workbook

    from taizhang.intake.reader import read_submission
    from taizhang.rules.validate import Context, check_submission, report_of

    path = submission(tmp_path, {})
    wb = load_workbook(path)
    wb.active.append(["北山镇" if c.column == 2 else c.value for c in wb.active[2]])
    wb.save(path)
    report = report_of(check_submission(read_submission(path), Context(XINGUAN, UNITS, TODAY, single_unit=True)))
    [f] = [f for f in report.findings if f.code == "unit-mismatch"]
    assert (f.row, f.header, f.severity, f.value) == (3, "责任单位", "warning", "北山镇") and report.rows_ok == 2


def test_a_missing_required_column_refuses_every_row(tmp_path):
    report, _ = validate_file(submission(tmp_path, {}, drop=("办理状态",)), rulebook=XINGUAN, units=UNITS, today=TODAY)
    [f] = [f for f in report.findings if f.code == "missing-column"]
    assert f.severity == "error" and "办理状态" in f.message and report.rows_ok == 0


# ----------------------------------------------------------------- deadlines and lights

def _ledger(**case) -> pd.DataFrame:
    from taizhang.book.master import empty_ledger

    base = dict(case_id="C1", unit="城关镇", description="甲", category="x", status="整改中", assigned=D(2026, 11, 2))
    df = pd.concat([empty_ledger(), pd.DataFrame([{**base, **case}])], ignore_index=True).astype(object)
    return df.where(df.notna(), None)


def _codes(book, today=TODAY, **case) -> dict[str, str]:
    res = compute_lights(_ledger(**case), book, WorkCalendar(), today)
    return {f.code: f.severity for f in res.findings}


def test_what_the_plan_requires_of_a_problem_is_an_error(tmp_path):
    """Seed 003: "逐项逐条标明整改措施、整改目标" — a row without them is returned."""
    sanluan = find_rulebook("sanluan")
    path = submission(tmp_path, {"问题类别": sanluan.categories[0].name, "整改方式": "立行立改", "整改措施": "建章立制"})
    report, _ = validate_file(path, rulebook=sanluan, units=UNITS, today=TODAY)
    [f] = [f for f in report.findings if f.code == "plan-required"]
    assert (f.row, f.header, f.severity) == (2, "整改目标", "error")


def test_by_rectification_mode_without_a_mode_or_deadline_cannot_be_computed():
    """Seed 003 sets deadlines by 整改方式: with neither a mode nor a written deadline there is nothing to go on."""
    assert _codes(find_rulebook("sanluan"))["rectify-mode-missing"] == "warning"


def test_a_stage_end_that_is_not_filled_in_is_said_not_guessed():
    book = find_rulebook("lijiuzhang").for_year(2026)
    stages = [p.model_copy(update={"end": None}) if p.name == book.deadline_stage else p for p in book.phases]
    assert _codes(book.model_copy(update={"phases": stages}))["stage-end-missing"] == "warning"


def test_a_case_assigned_after_every_stage_gets_no_deadline_but_a_finding():
    """Seed 000's stages all end by 12月25日: a case assigned after them gets no deadline before its assignment."""
    book = find_rulebook("lijiuzhang").for_year(2026)
    assert _codes(book, D(2026, 12, 29), assigned=D(2026, 12, 28))["assigned-after-all-stages"] == "warning"


def test_a_deadline_on_a_day_off_moves_to_the_next_working_day():
    """Civil Code art. 203: a period ending on a statutory day off ends on the next working day."""
    assert _codes(XINGUAN, deadline=D(2026, 11, 28))["deadline-on-day-off"] == "info"  # a Saturday


def test_a_deadline_in_a_year_without_published_holidays_is_an_estimate():
    assert _codes(XINGUAN, deadline=D(2031, 3, 3))["estimated-calendar"] == "warning"


# ----------------------------------------------------------------- 交办

def test_an_alias_inside_another_units_name_is_warned():
    from taizhang.intake.units import alias_warnings

    units = build_directory([(2, "县第一中学", "学校", "一中", ""), (3, "县第一中心医院", "医院", "", "")], "units.csv")
    [f] = alias_warnings(units, "units.csv")
    assert (f.code, f.severity, f.row, f.header, f.value) == ("unit-alias-ambiguous", "warning", 2, "别名", "一中")
    assert "县第一中心医院" in f.message


def test_a_clue_handed_over_before_is_said_to_be_assigned():
    from pathlib import Path

    from taizhang.book.assign import assign_cases, clues_from_rows
    from taizhang.book.master import Master, empty_ledger

    master = Master(Path("台账.xlsx"), XINGUAN, UNITS, {}, empty_ledger())
    clues = clues_from_rows([["工单编号", "线索内容"], ["GD1", "反映城关镇政府窗口推诿"]], "12345.csv")
    master, first = assign_cases(master, TODAY, clues)
    _, again = assign_cases(master, TODAY, clues)
    [f] = [f for f in again.issues if f.code == "clue-already-assigned"]
    assert f.severity == "info" and first.assigned[0].id in f.message and "已交办" in f.message and not again.assigned


# ----------------------------------------------------------------- 审批台账 (book.trail)

def test_the_offices_decisions_and_visits_raise_their_codes():
    """One in-memory master: each decision, 回访 and 抽查 code with its severity (the whole life: tests/test_trail.py)."""
    from pathlib import Path

    from taizhang.book.master import Master, empty_ledger
    from taizhang.book.sheets import APPROVAL_HEADERS
    from taizhang.book.trail import apply_trail

    book = find_rulebook("sanluan").model_copy(update={"visit_sources": ["群众来信来电"]})
    ledger = empty_ledger().reindex(range(4))
    ledger["case_id"] = ["CG-2026-001", "CG-2026-002", "CG-2026-003", "CG-2026-004"]
    ledger["unit"], ledger["source"] = "城关镇", "群众来信来电"
    ledger["status"] = ["整改中", "已办结", "已办结", "查否"]
    ledger["done_date"] = [None, D(2026, 11, 10), D(2026, 11, 10), None]
    ledger["visit_result"], ledger["visit_date"] = [None, None, "不满意", None], [None, None, D(2026, 11, 12), None]
    ledger["rectify_mode"] = "立行立改"

    def ask(cid, kind, decision, by, opinion=""):
        row = dict.fromkeys(APPROVAL_HEADERS)
        row.update({"问题编号": cid, "责任单位": "城关镇", "申请事项": kind, "申请整改时限": D(2026, 12, 4), "决定": decision,
                    "决定人": by, "决定意见": opinion})
        return [row[h] for h in APPROVAL_HEADERS]

    approvals = [APPROVAL_HEADERS, ask("CG-2026-001", "延期", "同意", ""), ask("CG-2026-002", "不属本单位", "同意", "王主任")]
    closures = [["问题编号", "决定", "决定人"], ["CG-2026-002", "同意", "县委办主任"]]
    master = Master(Path("台账.xlsx"), book, UNITS, {}, ledger, approval_rows=approvals, closure_rows=closures,
                    spot_checks=[[D(2026, 11, 13), "查否复查", "CG-2026-004", "城关镇", "甲", "属实"]])
    got = {f.code: f.severity for f in apply_trail(master, TODAY)}
    assert got == {"decision-incomplete": "warning", "close-needs-visit": "warning",
                   "visit-reopened": "warning", "spot-check-confirmed": "warning"}
    master.ledger.loc[2, ["status", "done_date"]] = ["已办结", D(2026, 11, 10)]  # the unit's stale file after 重办
    master.trail_done, master.approval_rows = False, [APPROVAL_HEADERS, ask("CG-2026-001", "延期", "同意", "王主任")]
    got = {f.code: f.severity for f in apply_trail(master, TODAY)}
    assert got == {"redo-stale-done": "warning", "decision-applied": "info"}
    # 不属本单位 is answered on 待指定单位 (book.trail.decide_not_ours): a unit that is not a member unit
    from taizhang.book.sheets import UNASSIGNED_HEADERS
    from taizhang.book.trail import K_NOT_OURS, decide_not_ours

    master.trail.add("CG-2026-002", "城关镇", K_NOT_OURS, K_NOT_OURS, "不归本镇", TODAY, "城关镇.xlsx", "申请中", today=TODAY)
    row = dict.fromkeys(UNASSIGNED_HEADERS)
    row.update({"问题编号": "CG-2026-002", "指定单位（办公室填写）": "南山镇", "决定人": "王主任"})
    got = {f.code: f.severity for f in decide_not_ours(master, master.ledger, [UNASSIGNED_HEADERS, list(row.values())], TODAY)}
    assert got == {"not-ours-needs-unit": "warning"}


# ----------------------------------------------------------------- the registry

def test_every_code_is_raised_by_some_test():
    here = Path(__file__).parent
    text = "".join(p.read_text(encoding="utf-8") for p in here.glob("*.py"))
    text += (here / "corpus" / "expected.json").read_text(encoding="utf-8")
    untested = [c for c in CODES if f"\"{c}\"" not in text and f"'{c}'" not in text]
    assert not untested, f"no test names these codes: {untested}"


# ----------------------------------------------------------------- 报送日: a unit's several files, last period's file

def test_a_units_older_file_is_superseded_and_last_periods_file_is_sent_back(tmp_path):
    """The smallest inputs of file-superseded, file-order-unknown and file-resent (more in tests/test_resends.py)."""
    import shutil

    from test_resends import GOOD, ledger_file

    from taizhang.book.master import create_master
    from taizhang.jobs import run_merge

    master = create_master(tmp_path / "台账.xlsx", XINGUAN, UNITS)
    folder = tmp_path / "一"
    ledger_file(folder / "城关镇-定稿.xlsx", GOOD, filled="2026年11月16日")
    ledger_file(folder / "城关镇-修改.xlsx", GOOD, filled="2026年11月17日")
    res = run_merge(master, folder, TODAY).result
    [f] = [f for f in res.issues if f.code == "file-superseded"]
    assert (f.severity, f.file, f.unit) == ("warning", "城关镇-定稿.xlsx", "城关镇")
    same = tmp_path / "二"
    ledger_file(same / "北山镇-a.xlsx", GOOD, saved=dt.datetime(2026, 11, 2, 8))
    shutil.copy(same / "北山镇-a.xlsx", same / "北山镇-b.xlsx")
    res = run_merge(master, same, TODAY).result
    assert [f.severity for f in res.issues if f.code == "file-order-unknown"] == ["error", "error"]
    later = tmp_path / "三"
    later.mkdir()
    shutil.copy(folder / "城关镇-修改.xlsx", later / "城关镇-12月.xlsx")
    res = run_merge(master, later, D(2026, 12, 18)).result
    [f] = [f for f in res.issues if f.code == "file-resent"]
    assert f.severity == "error" and "城关镇-12月.xlsx" in f.message
