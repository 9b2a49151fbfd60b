"""Report day: merge accounts for every row and file, is repeatable, and never loses the office's work."""

import datetime as dt
import json
import shutil
import zipfile

import pytest
from conftest import REPORT_DAY, convert, needs_libreoffice, pdf_text
from openpyxl import load_workbook
from test_corpus import CORPUS

from taizhang.book.master import load_master
from taizhang.book.template import HEADER_ROW, template_fields
from taizhang.doors.cli import main
from taizhang.rules.rulebook import find_rulebook
from taizhang.xlsx.xlsxout import put

COL = {f.key: i for i, f in enumerate(template_fields(find_rulebook("xinguan")), 1)}  # the sample's form


def merge_json(master, folder, capsys, *extra):
    code = main(["merge", str(master), str(folder), "--today", REPORT_DAY.isoformat(), "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_every_count_adds_up(fresh_sample, capsys):
    s = fresh_sample
    code, res = merge_json(s.master, s.submissions, capsys)
    assert code == 0
    assert res["rows_read"] == res["rows_new"] + res["rows_updated"] + res["rows_unchanged"] + res["rows_rejected"]
    assert res["missing_units"] == [s.missing_unit]
    assert res["zero_report_units"] == [s.zero_unit]
    assert res["late_units"] == [s.late_unit]
    status = {f["file"]: f["status"] for f in res["files"]}
    assert status["损坏的报送表.xlsx"] == "rejected"
    assert status["报送说明.txt"] == "skipped"
    assert any(k.startswith("~$") and v == "skipped" for k, v in status.items())
    alias = next(f for f in res["files"] if f["file"].endswith("-报送表.xlsx"))
    assert alias["status"] == "merged" and alias["unit"] in s.messy
    messy = next(f for f in res["files"] if "盖章" in f["file"])
    assert (messy["rows_read"], messy["rows_new"], messy["rows_rejected"]) == (6, 5, 1)
    assert {f["status"] for f in res["files"]} <= {"merged", "zero_report", "rejected", "skipped"}
    codes = {i["code"] for i in res["issues"]}
    assert {"unknown-category", "file-unreadable", "missing-report", "zero-report", "late-report"} <= codes


def test_sheets_written_to_the_master(fresh_sample, capsys):
    s = fresh_sample
    _, res = merge_json(s.master, s.submissions, capsys)
    wb = load_workbook(s.master)
    rejects = list(wb["退回清单"].iter_rows(min_row=2, values_only=True))
    assert len(rejects) == res["rows_rejected"] == 1
    assert rejects[0][0] in s.messy and "乱收费" in rejects[0][6] and rejects[0][3] == 8
    reports = {r[0]: r[2] for r in wb["报送情况"].iter_rows(min_row=2, values_only=True)}
    assert reports[s.missing_unit] == "未报送" and reports[s.zero_unit] == "零报告" and reports[s.late_unit] == "逾期报送"
    changes = list(wb["变更记录"].iter_rows(min_row=2, values_only=True))
    assert len(changes) == res["changes"] > 0
    assert all(r[6] is not None for r in changes)
    ledger = load_master(s.master).ledger
    assert ledger["src_file"].notna().sum() >= res["rows_new"] + res["rows_updated"]
    assert ledger["light"].notna().any()
    assert (s.master.parent / "台账备份").is_dir()


def test_merging_the_same_folder_twice_changes_nothing(fresh_sample, capsys):
    s = fresh_sample
    merge_json(s.master, s.submissions, capsys)
    first = load_master(s.master)
    _, res = merge_json(s.master, s.submissions, capsys)
    assert (res["rows_new"], res["rows_updated"], res["changes"]) == (0, 0, 0)
    second = load_master(s.master)
    assert len(second.changes) == len(first.changes)
    cols = [c for c in first.ledger.columns if c not in ("remaining", "light")]
    assert first.ledger[cols].astype(str).equals(second.ledger[cols].astype(str))


def test_out_leaves_the_master_untouched(fresh_sample, tmp_path, capsys):
    s = fresh_sample
    before = s.master.read_bytes()
    code, res = merge_json(s.master, s.submissions, capsys, "--out", str(tmp_path / "new.xlsx"))
    assert s.master.read_bytes() == before
    assert len(load_master(tmp_path / "new.xlsx").ledger) > len(load_master(s.master).ledger)


def test_strict_exits_1_when_anything_was_rejected(fresh_sample, tmp_path, capsys):
    code, _ = merge_json(fresh_sample.master, fresh_sample.submissions, capsys, "--strict", "--out", str(tmp_path / "x.xlsx"))
    assert code == 1


def test_submissions_are_never_modified(fresh_sample, capsys):
    before = {p: p.read_bytes() for p in fresh_sample.submissions.iterdir()}
    merge_json(fresh_sample.master, fresh_sample.submissions, capsys)
    assert {p: p.read_bytes() for p in fresh_sample.submissions.iterdir()} == before


def test_a_master_open_in_excel_is_refused_without_change(fresh_sample, capsys):
    s = fresh_sample
    lock = s.master.with_name("~$" + s.master.name[2:])
    lock.write_bytes(b"owner")
    before = s.master.read_bytes()
    code = main(["merge", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat()])
    assert code == 2
    assert "正在被 Excel" in capsys.readouterr().err
    assert s.master.read_bytes() == before


@pytest.fixture
def campaign(tmp_path):
    """new → template: a master with three units and two known cases, and the units' templates."""
    units = tmp_path / "units.csv"
    units.write_text("单位名称,单位类型,别名\n城关镇,乡镇,城关\n区商务局,政府部门,商务局\n东城街道,街道,\n", encoding="utf-8")
    master = tmp_path / "master.xlsx"
    assert main(["new", str(master), "--preset", "xinguan", "--units", str(units)]) == 0
    m = load_master(master)
    import pandas as pd

    from taizhang.book.ledger_sheet import save_master
    from taizhang.book.master import empty_ledger

    rows = [dict(case_id="DW001-2026-001", unit="城关镇", source="自查摸排", category="账款支付不到位", description="拖欠工程款",
                 leader="王伟", person="李娜", phone="0557-1234567", assigned=dt.date(2026, 11, 2), complexity="较复杂",
                 status="整改中", progress=30.0, office_opinion="月底前拿出方案"),
            dict(case_id="DW002-2026-001", unit="区商务局", source="信访举报", category="招商引资政策不兑现",
                 description="奖励资金未拨付", leader="张强", person="刘洋", assigned=dt.date(2026, 11, 9), complexity="一般",
                 status="整改中")]
    m.ledger = pd.concat([empty_ledger(), pd.DataFrame(rows)], ignore_index=True).astype(object)
    m.ledger = m.ledger.where(m.ledger.notna(), None)
    save_master(m, master)
    out = tmp_path / "templates"
    assert main(["template", str(master), "--out", str(out), "--today", REPORT_DAY.isoformat()]) == 0
    return master, out


def _edit(path, edits: dict, new_rows: list[dict] = ()):
    wb = load_workbook(path)
    ws = wb["台账"]
    row = HEADER_ROW + 1
    for (r, key), value in edits.items():
        put(ws, HEADER_ROW + r, COL[key], value)
    while ws.cell(row=row, column=COL["description"]).value:
        row += 1
    for nr in new_rows:
        for k, v in nr.items():
            put(ws, row, COL[k], v)
        row += 1
    wb.save(path)


def test_round_trip_new_template_merge(campaign, capsys):
    master, folder = campaign
    files = sorted(p.name for p in folder.iterdir())
    assert files == [f"{u}-2026年11月.xlsx" for u in sorted(["东城街道", "城关镇", "区商务局"])]
    cg = folder / "城关镇-2026年11月.xlsx"
    ws = load_workbook(cg)["台账"]
    assert ws.cell(row=2, column=1).value == "填报单位：城关镇（盖章）"
    assert ws.cell(row=HEADER_ROW + 1, column=COL["case_id"]).value == "DW001-2026-001"
    assert ws.protection.sheet and ws.cell(row=HEADER_ROW + 1, column=COL["office_opinion"]).protection.locked
    assert not ws.cell(row=HEADER_ROW + 1, column=COL["progress"]).protection.locked
    # the unit changes progress, tries to overwrite the office's opinion, and adds a case whose text starts with '='
    _edit(cg, {(1, "progress"): 60, (1, "progress_note"): "已拨付首期款", (1, "office_opinion"): "单位自己改的"},
          [dict(unit="城关镇", source="12345热线", category="法院判决不执行", description="=HYPERLINK(\"http://x\")判决未执行",
                leader="赵敏", person="孙磊", assigned=dt.date(2026, 11, 20), status="整改中")])
    code, res = merge_json(master, folder, capsys)
    assert code == 0
    assert (res["rows_read"], res["rows_new"], res["rows_updated"], res["rows_unchanged"], res["rows_rejected"]) == (3, 1, 1, 1, 0)
    # seed 001 has no 零报告 (only seeds 002, 003): 东城街道's template without rows is 已报送, with no rows
    assert res["zero_report_units"] == [] and "东城街道" in res["reported_units"] and res["missing_units"] == []
    m = load_master(master)
    by_id = {r["case_id"]: r for r in m.ledger.to_dict("records")}
    assert set(by_id) == {"DW001-2026-001", "DW002-2026-001", "DW001-2026-002"}
    a = by_id["DW001-2026-001"]
    assert (a["progress"], a["progress_note"], a["office_opinion"]) == (60.0, "已拨付首期款", "月底前拿出方案")
    assert a["complexity"] == "较复杂" and a["phone"] == "0557-1234567"
    b = by_id["DW002-2026-001"]
    assert b["progress"] is None and b["supervisor"] == "区商务局"  # 分办 from the category
    new = by_id["DW001-2026-002"]
    assert new["description"].startswith("=HYPERLINK") and new["supervisor"] == "区人民法院"
    changed = sorted((r[1], r[3]) for r in m.changes.values.tolist() if r[0] == "DW001-2026-001")
    assert changed == [("办理进展", "已拨付首期款"), ("完成进度（%）", "60")]
    ws = load_workbook(master)["台账"]
    cell = next(r[4] for r in ws.iter_rows(min_row=2) if r[0].value == "DW001-2026-002")
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")  # text, never a formula
    # the next template carries the new case with its number; merging it back changes nothing
    out2 = folder.parent / "templates2"
    main(["template", str(master), "--out", str(out2), "--today", REPORT_DAY.isoformat(), "--unit", "城关"])
    capsys.readouterr()
    assert [p.name for p in out2.iterdir()] == ["城关镇-2026年11月.xlsx"]
    _, again = merge_json(master, out2, capsys)
    assert (again["rows_read"], again["rows_unchanged"], again["changes"]) == (2, 2, 0)


def test_a_row_without_number_is_recognised_on_rerun(campaign, capsys):
    master, folder = campaign
    _edit(folder / "区商务局-2026年11月.xlsx", {}, [dict(unit="商务局", source="暗访", category="其他情形", description="新问题",
                                                        leader="甲", person="乙", assigned=dt.date(2026, 11, 20), status="未启动")])
    _, first = merge_json(master, folder, capsys)
    _, second = merge_json(master, folder, capsys)
    assert first["rows_new"] == 1 and second["rows_new"] == 0 and second["changes"] == 0


@needs_libreoffice
def test_a_messy_folder_with_xls_ods_encrypted_and_lock_files(fresh_sample, tmp_path, capsys):
    s = fresh_sample
    folder = s.submissions
    plain = sorted(p for p in folder.iterdir() if p.suffix == ".xlsx" and p.name.startswith("区"))[:2]
    sub = folder / "子文件夹"
    sub.mkdir()
    converted = [convert([plain[0]], "xls", tmp_path / "a")[0], convert([plain[1]], "ods", tmp_path / "b")[0]]
    for p, c in zip(plain, converted):
        shutil.move(str(c), sub / c.name)
        p.unlink()
    shutil.copy(CORPUS / "encrypted.xlsx", folder / "加密的报送表.xlsx")
    code, res = merge_json(s.master, folder, capsys)
    status = {f["file"]: f for f in res["files"]}
    for c in converted:
        f = status[f"子文件夹/{c.name}"]
        assert f["status"] == "merged" and f["rows_rejected"] == 0 and f["unit"]
    assert status["加密的报送表.xlsx"]["status"] == "rejected" and "密码" in status["加密的报送表.xlsx"]["reason"]
    from taizhang.book.merge import MergeResult

    flat = MergeResult.model_validate(res).flatten(("file", "code"))  # the JSON reads back as the library's object
    assert ("加密的报送表.xlsx", "file-encrypted") in flat and ("", "missing-report") in flat
    assert res["rows_read"] == res["rows_new"] + res["rows_updated"] + res["rows_unchanged"] + res["rows_rejected"]


def test_the_offices_own_sheets_survive_byte_for_byte(fresh_sample, tmp_path, capsys):
    """Only taizhang's sheets are rewritten: a chart the office added elsewhere is kept exactly."""
    import zipfile

    from openpyxl.chart import BarChart, Reference

    s = fresh_sample
    wb = load_workbook(s.master)
    ws = wb.create_sheet("办公室自己的图")
    for i in range(1, 6):
        ws.append([f"第{i}周", i * 3])
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=5))
    ws.add_chart(chart, "D2")
    wb.save(s.master)
    before = {n: zipfile.ZipFile(s.master).read(n) for n in zipfile.ZipFile(s.master).namelist()
              if "chart" in n or "drawing" in n}
    assert any("charts/chart" in n for n in before)
    merge_json(s.master, s.submissions, capsys)
    after = zipfile.ZipFile(s.master)
    for name, body in before.items():
        assert after.read(name) == body
    wb2 = load_workbook(s.master)
    assert "办公室自己的图" in wb2.sheetnames and wb2["历史统计"].sheet_state == "hidden"
    assert len(wb2["台账"].data_validations.dataValidation) == 5  # (seed 001 has no 复杂程度 column)


@needs_libreoffice
def test_merged_master_opens_in_libreoffice(fresh_sample, tmp_path, capsys):
    _, res = merge_json(fresh_sample.master, fresh_sample.submissions, capsys)
    text = pdf_text(convert([fresh_sample.master], "pdf", tmp_path)[0])
    ledger = load_master(fresh_sample.master).ledger
    assert "问题编号" in text and "退回原因" in text  # the ledger and the 退回清单 headers
    assert str(ledger["case_id"].iloc[-1]) in text  # a case added by this merge, on its page
    assert fresh_sample.late_unit in text and "逾期报送" in text  # 报送情况


def test_parallel_reading_gives_the_same_result(fresh_sample, monkeypatch):
    from taizhang.book import merge as merge_mod

    master = load_master(fresh_sample.master)
    monkeypatch.setenv("TAIZHANG_WORKERS", "1")
    serial_master, serial = merge_mod.merge_folder(master, fresh_sample.submissions, REPORT_DAY)
    monkeypatch.setenv("TAIZHANG_WORKERS", "2")
    monkeypatch.setattr(merge_mod, "PARALLEL_MIN_BYTES", 0)
    parallel_master, parallel = merge_mod.merge_folder(master, fresh_sample.submissions, REPORT_DAY)
    assert parallel.model_dump() == serial.model_dump()
    assert parallel_master.ledger.astype(str).equals(serial_master.ledger.astype(str))


def _events(monkeypatch):
    """The order in which a merge reads files (``Checking.get``) and merges their rows (``_apply``)."""
    from taizhang.book import merge as merge_mod

    events: list[tuple[str, str]] = []
    get, apply = merge_mod.Checking.get, merge_mod._apply

    def reading(self, path):
        events.append(("read", path.name))
        return get(self, path)

    def applying(checked, *args):
        events.append(("apply", checked.read.file))
        return apply(checked, *args)

    monkeypatch.setattr(merge_mod.Checking, "get", reading)
    monkeypatch.setattr(merge_mod, "_apply", applying)
    return events


def test_files_are_merged_while_the_folder_is_still_being_read(fresh_sample, monkeypatch):
    """Issue 29: a unit's file is merged once read, not after the whole folder is (the reading workers and the
    merge overlap); a unit with a second file later in the folder is decided on all of them (test_resends)."""
    from taizhang.book import merge as merge_mod

    events = _events(monkeypatch)
    monkeypatch.setenv("TAIZHANG_WORKERS", "1")
    merge_mod.merge_folder(load_master(fresh_sample.master), fresh_sample.submissions, REPORT_DAY)
    reads = [i for i, (kind, _) in enumerate(events) if kind == "read"]
    applies = [i for i, (kind, _) in enumerate(events) if kind == "apply"]
    assert len(reads) > 3 and len(applies) > 3
    assert applies[0] < reads[1], events  # the first file is merged before the second is read
    assert applies[-2] < reads[-1], events


def _resend_folder(tmp_path):
    from test_resends import DRAFT, GOOD, ledger_file

    folder = tmp_path / "报送"
    ledger_file(folder / "北山镇-11月.xlsx", [{"责任单位": "北山镇", "问题描述": "丙"}])
    ledger_file(folder / "城关镇-定稿.xlsx", DRAFT, filled="2026年11月16日")
    ledger_file(folder / "城关镇-修改.xlsx", GOOD, filled="2026年11月17日")
    return folder


@pytest.mark.parametrize("folder", ["sample", "resends"])
def test_merging_while_reading_changes_no_outcome_and_no_byte(folder, fresh_sample, tmp_path, monkeypatch):
    """The same account and the same master, byte for byte, as when every file is read before any is merged, on the
    sample (one file per unit) and on a folder where a unit's files supersede each other (the merge starts again)."""
    from test_codes import UNITS, XINGUAN

    from taizhang.book import merge as merge_mod
    from taizhang.book.master import create_master
    from taizhang.jobs import run_merge

    if folder == "sample":
        master, subs, day = fresh_sample.master, fresh_sample.submissions, REPORT_DAY
    else:
        master, subs, day = create_master(tmp_path / "台账总表.xlsx", XINGUAN, UNITS), _resend_folder(tmp_path), dt.date(2026, 11, 19)
    events = _events(monkeypatch)
    outs = {}
    for ahead in (False, True):
        events.clear()
        monkeypatch.setattr(merge_mod, "APPLY_WHILE_READING", ahead)
        out = tmp_path / f"out-{ahead}.xlsx"
        res = run_merge(master, subs, day, out).result
        with zipfile.ZipFile(out) as z:  # every part's bytes (the zip's own entry times are the clock's)
            outs[ahead] = (res.model_dump(), [(i.filename, z.read(i)) for i in z.infolist()])
    assert outs[True][0] == outs[False][0]
    assert outs[True][1] == outs[False][1]
    if folder == "resends":
        statuses = {f["file"]: f["status"] for f in outs[True][0]["files"]}
        assert statuses == {"北山镇-11月.xlsx": "merged", "城关镇-修改.xlsx": "merged", "城关镇-定稿.xlsx": "superseded"}
        applied = [name for kind, name in events if kind == "apply"]  # 修改 sorts before 定稿: merged ahead, then again
        assert applied == ["北山镇-11月.xlsx", "城关镇-修改.xlsx", "北山镇-11月.xlsx", "城关镇-修改.xlsx"], events
