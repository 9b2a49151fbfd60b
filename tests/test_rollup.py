"""Two-level roll-up (issue #32 item 2): seed 003's five 归口 masters (县委办公室 for the 乡镇, 县直机关党委, 县监察局,
县教育局, 县财政局（国资局）) rolled up into the 县委办公室's master, then rolled up again after a lower office worked
on its master and the 县委办公室 wrote its own 督办意见 and a column of its own."""

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from taizhang.book.ledger_sheet import save_master
from taizhang.book.master import create_master, load_master
from taizhang.doors.cli import main
from taizhang.intake.units import UnitDirectory
from taizhang.jobs import run_merge, run_rollup

DAYS = (dt.date(2026, 11, 20), dt.date(2026, 11, 27))
HIGHER = "县委办公室"


def _lower(path, book, units, ledger, changes):
    create_master(path, book.model_copy(update={"office": units[0]}), UnitDirectory(units[1]))
    m = load_master(path)
    m.ledger, m.changes = ledger.reset_index(drop=True), changes.reset_index(drop=True)
    save_master(m, path)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    from taizhang.demo import generate

    root = tmp_path_factory.mktemp("county")
    s = generate(root / "样本", preset="sanluan", seed=3, today=DAYS[0], n_units=15)
    run_merge(s.master, s.submissions, DAYS[0])
    whole = load_master(s.master)
    book = whole.rulebook
    lower_dir = root / "下级台账"
    lower_dir.mkdir()
    for route in book.routing:
        units = [u for u in whole.units.units if u.type == route.unit_type]
        names = {u.name for u in units}
        ledger = whole.ledger[whole.ledger["unit"].isin(names)]
        changes = whole.changes[whole.changes["责任单位"].isin(names)]
        _lower(lower_dir / f"{route.summary_dept}台账.xlsx", book, (route.summary_dept, units), ledger, changes)
    # the 县委办公室's own master: every unit; one school case it handed down itself before the 教育局 kept it
    higher = root / f"{HIGHER}台账.xlsx"
    create_master(higher, book.model_copy(update={"office": HIGHER}), whole.units)
    m = load_master(higher)
    school = next(u.name for u in whole.units.units if u.type == "学校")
    own = whole.ledger[whole.ledger["unit"] == school].head(1).copy()
    own["progress"], own["src_file"] = 10, "县委办公室交办.xlsx"
    m.ledger = own.reset_index(drop=True)
    save_master(m, higher)
    wb = Workbook()
    wb.active["A1"] = "说明"
    wb.save(lower_dir / "报送说明.xlsx")
    return root, higher, lower_dir, whole, own.iloc[0]["case_id"]


def _by_id(path):
    df = load_master(path).ledger
    return {r["case_id"]: r for r in df.to_dict("records")}


def test_five_lower_masters_roll_up_every_case_accounted_for(county):
    root, higher, lower_dir, whole, handed = county
    out = run_rollup(higher, lower_dir, DAYS[0])
    r = out.result
    done = [f for f in r.files if f.status == "rolled_up"]
    assert len(done) == 5 and {f.office for f in done} == {rt.summary_dept for rt in whole.rulebook.routing}
    assert [(f.file, f.status) for f in r.files if f.status != "rolled_up"] == [("报送说明.xlsx", "skipped")]
    assert r.balanced() and r.total("rows_read") == len(whole.ledger)
    assert r.total("rows_new") == len(whole.ledger) - 1 and r.total("rows_updated") == 1  # the handed-down case
    cases = _by_id(higher)
    assert set(cases) == set(whole.ledger["case_id"])
    types = {u.name: u.type for u in whole.units.units}
    dept = {rt.unit_type: rt.summary_dept for rt in whole.rulebook.routing}
    for c in cases.values():
        assert c["src_file"] == f"{dept[types[c['unit']]]}台账.xlsx" and c["src_sheet"] == "台账"
        assert c["summary_dept"] == dept[types[c["unit"]]]
    assert cases[handed]["progress"] == whole.ledger.set_index("case_id").at[handed, "progress"]
    m = load_master(higher)
    log = m.changes
    moved = log[(log["问题编号"] == handed) & (log["字段"] == "来源文件")]
    assert moved["原值"].tolist() == ["县委办公室交办.xlsx"]
    # the lower masters' own history came with their cases, marked with the lower master
    copied = log[log["来源文件"].astype(str).str.contains("台账.xlsx：")]
    assert len(copied) == len(whole.changes) and r.total("history_copied") == len(whole.changes)
    wb = load_workbook(higher, read_only=True)
    assert "下级台账汇总" in wb.sheetnames
    rows = list(wb["下级台账汇总"].values)
    assert rows[0][:3] == ("下级台账", "下级办公室", "汇总情况")
    assert {row[0] for row in rows[1:6]} == {f.file for f in done}
    assert len(m.history) and set(m.history["报送日"].map(lambda d: str(d)[:10])) == {DAYS[0].isoformat()}


def test_reroll_takes_the_lower_decisions_and_keeps_the_higher_office_work(county, capsys):
    root, higher, lower_dir, whole, _ = county
    edu = lower_dir / "县教育局台账.xlsx"
    lower = load_master(edu)
    ids = lower.ledger["case_id"].tolist()
    done_id, ext_id, kept_id = ids[0], ids[1], ids[2]
    # the 县委办公室 writes its own 督办意见 on a school case and keeps a column of its own
    wb = load_workbook(higher)
    ws = wb["台账"]
    head = [c.value for c in ws[1]]
    col_id, col_op, col_pr = head.index("问题编号") + 1, head.index("督办意见") + 1, head.index("完成进度（%）") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col_id).value == kept_id)
    ws.cell(row, col_op).value = "请县教育局本周内报告进展"
    ws.cell(row, ws.max_column + 1).value = "县委办跟踪：已电话督办"
    ws.cell(1, ws.max_column).value = "县委办跟踪"
    ws.cell(row, col_pr).value = 99  # a higher edit in the lower office's field: the lower master decides it below
    wb.save(higher)
    # the 教育局 works on its master: a case done, an extension it granted, a new case, a 督办意见 of its own
    df = lower.ledger
    i_done, i_ext, i_kept = (df.index[df["case_id"] == c][0] for c in (done_id, ext_id, kept_id))
    df.at[i_done, "status"], df.at[i_done, "done_date"], df.at[i_done, "progress"] = "已办结", DAYS[1], 100
    df.at[i_ext, "extended_to"], df.at[i_ext, "extension_approver"] = dt.date(2026, 12, 31), "县教育局张某"
    df.at[i_kept, "office_opinion"] = "教育局的意见"
    df.at[i_kept, "progress"] = 55
    kept_measures = df.at[i_kept, "measures"]
    assert kept_measures
    df.at[i_kept, "measures"] = None  # a blank in the lower master never erases what the higher one holds
    new = df.loc[[i_done]].copy()
    new["case_id"], new["description"], new["status"], new["done_date"] = "NEW-2026-001", "新发现的违规收费问题", "整改中", None
    new["_xrow"] = None
    lower.ledger = pd.concat([df, new], ignore_index=True)
    save_master(lower, edu)
    res = run_rollup(higher, lower_dir, DAYS[1])
    edu_out = next(f for f in res.result.files if f.file == edu.name)
    assert (edu_out.rows_new, edu_out.rows_updated) == (1, 3) and res.result.balanced()
    cases = _by_id(higher)
    assert cases[done_id]["status"] == "已办结" and cases[done_id]["light"] == "已办结"
    assert cases[ext_id]["extended_to"] == dt.date(2026, 12, 31) and cases[ext_id]["extension_approver"] == "县教育局张某"
    assert cases[kept_id]["office_opinion"] == "请县教育局本周内报告进展"  # the higher office's, not the lower's
    assert cases[kept_id]["progress"] == 55
    assert "NEW-2026-001" in cases
    added = cases["NEW-2026-001"]  # one new case among updated ones: the block path's single-row pick
    assert (added["src_file"], added["src_sheet"], added["summary_dept"]) == (edu.name, "台账", "县教育局")
    assert added["description"] == "新发现的违规收费问题" and added["unit"] == cases[done_id]["unit"]
    from taizhang.book.master import SOURCE_ROW

    again = load_master(edu).ledger
    assert added["src_row"] == again.loc[again["case_id"] == "NEW-2026-001", SOURCE_ROW].item()  # its row down there
    assert pd.isna(added["office_opinion"]) or not added["office_opinion"]  # the higher office's column: blank
    assert cases[kept_id]["measures"] == kept_measures
    wb = load_workbook(higher)
    ws = wb["台账"]
    head = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, head.index("问题编号") + 1).value == kept_id)
    assert ws.cell(row, head.index("县委办跟踪") + 1).value == "县委办跟踪：已电话督办"  # its own column moved with its case
    log = load_master(higher).changes
    mine = log[(log["问题编号"] == kept_id) & (log["字段"] == "完成进度（%）") & (log["报送日"].astype(str).str[:10] == "2026-11-27")]
    assert mine["原值"].tolist() == ["99"] and mine["新值"].tolist() == ["55"]  # the office's 99 is not lost
    # the same folder again: nothing new, nothing written
    before = higher.read_bytes()
    assert main(["rollup", str(higher), str(lower_dir), "--today", "2026-11-27"]) == 0
    said = capsys.readouterr().out
    assert "未改动" in said and higher.read_bytes() == before


def test_refused_cases_and_files_are_named_with_their_reason(county, tmp_path):
    root, higher, lower_dir, whole, _ = county
    folder = tmp_path / "另一批"
    folder.mkdir()
    book = whole.rulebook
    towns = [u for u in whole.units.units if u.type == "乡镇"]
    lg = whole.ledger[whole.ledger["unit"] == towns[0].name].head(3).copy()
    lg.iloc[1, lg.columns.get_loc("unit")] = "邻县某镇"  # a unit the 县委办公室 does not have
    _lower(folder / "甲镇台账.xlsx", book, ("甲", towns), lg.iloc[:1], whole.changes.iloc[:0])
    _lower(folder / "乙镇台账.xlsx", book, ("乙", [*towns, dataclasses.replace(towns[0], name="邻县某镇", aliases=[], code="LX")]),
           lg, whole.changes.iloc[:0])
    from taizhang.rules.rulebook import find_rulebook
    create_master(folder / "别的专项台账.xlsx", find_rulebook("xinguan").for_year(2026))
    out = tmp_path / "汇总后.xlsx"
    res = run_rollup(higher, folder, DAYS[1], out=out)
    r = res.result
    assert r.balanced()
    reasons = [row[3] for row in r.refused_rows]
    assert any("也在下级台账 乙镇台账.xlsx 中" in x for x in reasons)  # 乙 sorts first: 甲 comes second
    assert any("“邻县某镇”不在本台账的成员单位中" in x for x in reasons)
    other = next(f for f in r.files if f.file == "别的专项台账.xlsx")
    assert other.status == "refused" and "另一专项行动" in other.reason
    assert res.out == out and load_master(out)  # --out: the higher master itself untouched by this run
    sheet = [list(r) for r in load_workbook(out, read_only=True)["下级台账汇总"].values]
    at = next(i for i, r in enumerate(sheet) if r[0] == "未汇总的问题")
    assert sheet[at + 1][:4] == ["下级台账", "来源行", "问题编号", "未汇总原因"]
    assert sorted(r[3] for r in sheet[at + 2:]) == sorted(reasons) and len(reasons) == 2
    ws = load_workbook(out)["下级台账汇总"]  # each reason prints whole: wrapped in its red row, the row grown for it
    for r in range(at + 3, at + 5):
        cell = ws.cell(r, 4)
        assert cell.alignment.wrap_text and cell.fill.fgColor.rgb.endswith("FFC7CE"), cell.coordinate
        assert (ws.row_dimensions[r].height or 15) >= 14.5 * 2, cell.coordinate


def test_a_folder_without_lower_masters_is_refused_and_nothing_written(county, tmp_path, capsys):
    _, higher, _, _, _ = county
    before = higher.read_bytes()
    (tmp_path / "说明.txt").write_text("无", encoding="utf-8")
    assert main(["rollup", str(higher), str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "没有下级办公室的台账总表" in err and "未改动" in err
    assert higher.read_bytes() == before
