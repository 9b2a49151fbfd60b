"""交办 (taizhang assign): numbering, departments, deadlines, clues, duplicates, 转办, notices, round trip."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import REPORT_DAY, convert, needs_libreoffice
from openpyxl import Workbook, load_workbook

from taizhang.book.assign import assign_cases, clues_from_rows
from taizhang.book.master import load_master
from taizhang.book.sheets import S_UNASSIGNED
from taizhang.book.template import HEADER_ROW, template_fields, write_templates
from taizhang.doors.cli import main
from taizhang.jobs import run_assign, run_merge, run_summary
from taizhang.rules.rulebook import builtin_rulebooks

REPORTERS = ("张三丰", "13812345678", "欧阳修远", "0557-7654321", "李四光", "13900001111")


def office_rows(master: Path, rows: list[dict]) -> None:
    """What the office does in Excel: type new cases at the end of 台账, 问题编号 left blank."""
    wb = load_workbook(master)
    ws = wb["台账"]
    col = {c.value: c.column for c in ws[1]}
    r = ws.max_row + 1
    for row in rows:
        for header, value in row.items():
            ws.cell(r, col[header], value)
        r += 1
    wb.save(master)


def ledger(master: Path):
    m = load_master(master)
    return m, m.ledger.set_index("case_id", drop=False)


def all_text_of(path: Path) -> str:
    wb = load_workbook(path)
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


def clue_book(path: Path, rows: list[list]) -> Path:
    """A clue list as a 12345 system exports it: a title line, then the header."""
    wb = Workbook()
    ws = wb.active
    ws.append(["12345政务服务便民热线工单导出（2026年11月）"])
    ws.append(["工单号", "来电日期", "反映人", "联系电话", "反映问题", "被反映单位", "来源"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


# --------------------------------------------------------------------------- office-entered rows

def test_office_rows_get_numbers_deadlines_departments_and_a_log_line(fresh_sample):
    s = fresh_sample
    before, by_id = ledger(s.master)
    last = max(int(c.rsplit("-", 1)[1]) for c in by_id.index if c.startswith("DW015-2026-"))
    office_rows(s.master, [
        {"责任单位": "区商务局", "线索来源": "上级交办", "问题类别": "招商引资政策不兑现",
         "问题描述": "某公司反映2024年招商奖励资金200万元未拨付", "反映人": "张三丰", "反映人电话": "13812345678"},
        {"责任单位": "区工信局", "线索来源": "暗访", "问题类别": "账款支付不到位", "问题描述": "安置房项目工程款拖欠"},
    ])
    res = run_assign(s.master, REPORT_DAY)
    assert [a.kind for a in res.assigned] == ["交办", "交办"] and res.out == str(s.master) and res.backup
    a, b = res.assigned
    assert a.id == f"DW015-2026-{last + 1:03d}" and a.unit == "区商务局"
    assert re.fullmatch(r"DW014-2026-\d{3}", b.id) and b.unit == "区工业和信息化局"  # the alias became the official name
    m, df = ledger(s.master)
    assert len(m.ledger) == len(before.ledger) + 2
    ra, rb = df.loc[a.id], df.loc[b.id]
    assert ra["assigned"] == rb["assigned"] == REPORT_DAY
    assert (ra["supervisor"], rb["supervisor"]) == ("区商务局", "区工信局")  # from the category
    # xinguan (seed 001) "所有纳入专项治理行动范围的纠纷案件，原则上应在当年办结": 2026-12-31 (a Thursday): no
    # 复杂程度 tiers (its 台账 has no such column); no 签收 limit (only seed 004 sets one), so no 签收期限
    assert (ra["deadline"], rb["deadline"]) == (dt.date(2026, 12, 31), dt.date(2026, 12, 31))
    assert ra["sign_by"] is None and rb["sign_by"] is None and a.sign_by is None
    assert ra["status"] == "未启动" and ra["assigned_unit"] == "区商务局" and ra["reporter"] == "张三丰"
    log = m.changes[m.changes["字段"] == "交办"]
    assert sorted(log["问题编号"]) == sorted([a.id, b.id])
    assert {str(d)[:10] for d in log["报送日"]} == {"2026-11-23"} and set(log["新值"]) == {"区商务局", "区工业和信息化局"}

    # a second run changes nothing: no numbers, no log lines, the master is not even rewritten
    stamp = s.master.read_bytes()
    again = run_assign(s.master, REPORT_DAY)
    assert again.assigned == [] and again.out is None and s.master.read_bytes() == stamp


def test_summary_department_from_the_unit_type(fresh_sample):
    from taizhang.rules.rulebook import Route

    s = fresh_sample
    office_rows(s.master, [{"责任单位": "城关镇", "线索来源": "暗访", "问题类别": "其他情形", "问题描述": "镇属企业欠薪"}])
    m = load_master(s.master)
    m.rulebook = m.rulebook.model_copy(update={"routing": [Route(unit_type="镇（街、区）", summary_dept="区委办公室")]})
    new, res = assign_cases(m, REPORT_DAY)
    row = new.ledger[new.ledger["case_id"] == res.assigned[0].id].iloc[0]
    assert row["summary_dept"] == "区委办公室" and row["supervisor"] is None  # 其他情形 has no supervising department
    assert res.assigned[0].summary_dept == "区委办公室"


def test_office_row_without_a_unit_is_matched_from_the_text_or_waits(fresh_sample):
    s = fresh_sample
    office_rows(s.master, [{"线索来源": "暗访", "问题类别": "其他情形", "问题描述": "暗访发现北山镇政府窗口推诿"},
                           {"线索来源": "暗访", "问题类别": "其他情形", "问题描述": "暗访发现窗口推诿"}])
    res = run_assign(s.master, REPORT_DAY)
    assert [(a.unit, a.basis) for a in res.assigned] == [("北山镇", "线索内容中出现“北山镇政府”，是北山镇的别名")]
    assert len(res.pending) == 1 and res.pending[0].file == "台账（办公室登记）"
    m, df = ledger(s.master)
    waiting = m.ledger[m.ledger["description"] == "暗访发现窗口推诿"].iloc[0]
    assert waiting["case_id"] is None and waiting["unit"] is None  # not guessed, not numbered


# --------------------------------------------------------------------------- clues

@pytest.fixture
def clued(fresh_sample, tmp_path, capsys):
    """The sample master after `assign --clues` with aliases, two unclear units, a duplicate and reporters."""
    s = fresh_sample
    m = load_master(s.master)
    existing = m.ledger[m.ledger["unit"] == "区财政局"].iloc[0]
    clues = clue_book(tmp_path / "12345工单.xlsx", [
        ["GD001", "2026-11-18", "张三丰", "13812345678", "张三丰来电反映城关镇政府承诺的厂房租金补贴一直未兑现，请回电13812345678", None, "12345热线"],
        ["GD002", "2026-11-19", "欧阳修远", "0557-7654321", "反映安置小区配套道路迟迟未建设", "区住建局", "12345"],
        ["GD003", "2026-11-19", "李四光", "13900001111", "某企业反映区工信局和区财政局互相推诿工程尾款支付", None, "12345热线"],
        ["GD004", dt.date(2026, 11, 20), "王五", None, "宏达有限公司反映开发区管委会拖欠服务费", "开发区管委会", "信访"],
        ["GD005", "2026-11-21", "赵六", "13700002222", existing["description"] + "。", "区财政局", "12345热线"],
    ])
    out = tmp_path / "通知单"
    capsys.readouterr()
    assert main(["assign", str(s.master), "--today", "2026-11-23", "--clues", str(clues), "--units-dir", str(out), "--json"]) == 0
    return s, clues, out, existing, json.loads(capsys.readouterr().out)


def test_clues_become_cases_with_their_basis(clued):
    s, clues, out, existing, res = clued
    got = {(a["unit"], a["origin"]): a for a in res["assigned"]}
    assert set(got) == {("城关镇", "12345工单.xlsx 第3行"), ("区住房和城乡建设局", "12345工单.xlsx 第4行")}
    assert got[("城关镇", "12345工单.xlsx 第3行")]["basis"] == "线索内容中出现“城关镇政府”，是城关镇的别名"
    assert "区住建局" in got[("区住房和城乡建设局", "12345工单.xlsx 第4行")]["basis"]
    codes = {f["code"] for f in res["issues"]}
    assert {"case-assigned", "clue-unit-unclear", "assign-needs-input"} <= codes  # each step is a finding too
    # not guessed: two units named, and a unit that is not a member
    pending = {p["row"]: p for p in res["pending"]}
    assert set(pending) == {5, 6}
    assert pending[5]["candidates"] == ["区工业和信息化局", "区财政局"] and "多个" in pending[5]["reason"]
    assert "不在成员单位名单中" in pending[6]["reason"]
    # a near-identical description of the same unit's case: a warning listing both, no second case
    [dup] = res["duplicates"]
    assert (dup["row"], dup["unit"], dup["existing_id"]) == (7, "区财政局", existing["case_id"]) and dup["ratio"] >= 0.85
    assert any(i["code"] == "clue-duplicate" and existing["case_id"] in i["message"] for i in res["issues"])
    m, df = ledger(s.master)
    assert (m.ledger["description"] == existing["description"] + "。").sum() == 0
    town = df.loc[got[("城关镇", "12345工单.xlsx 第3行")]["id"]]
    assert (town["source"], town["status"], town["assigned_unit"]) == ("12345热线", "未启动", "城关镇")
    assert "GD001" in town["remarks"] and "2026-11-18" in town["remarks"]
    # reporter details only in the office-only columns; the description a unit sees has them taken out
    assert (town["reporter"], town["reporter_phone"]) == ("张三丰", "13812345678")
    assert "张三丰" not in town["description"] and "13812345678" not in town["description"]
    assert not any(r in json.dumps(res, ensure_ascii=False) for r in REPORTERS)
    # the office's list of clues to place, in the master, with the reporter kept so nothing is lost
    wb = load_workbook(s.master, read_only=True)
    rows = [list(r) for r in wb[S_UNASSIGNED].iter_rows(values_only=True)]
    assert rows[0][10] == "指定单位（办公室填写）" and [r[1] for r in rows[1:]] == [5, 6] and rows[1][8] == "李四光"
    assert rows[0][11] == "原始编号" and [r[11] for r in rows[1:]] == ["GD003", "GD004"]  # kept while the clue waits


def test_reporters_never_reach_templates_notices_or_public_outputs(clued, tmp_path):
    s, clues, out, existing, _ = clued
    m = load_master(s.master)
    # the units whose cases came from the clues (every template is written the same way)
    paths = [p for u in ("城关镇", "区住房和城乡建设局") for p in write_templates(m, tmp_path / "模板", REPORT_DAY, u)]
    assert all(f.key not in ("reporter", "reporter_phone", "assigned_unit") for b in builtin_rulebooks().values() for f in template_fields(b))
    text = "\n".join(all_text_of(p) for p in paths)
    assert "城关镇政府承诺的厂房租金补贴" in text  # the case is there …
    assert not any(r in text for r in REPORTERS)  # … its reporter is not
    public = tmp_path / "公开.xlsx"
    run_summary(s.master, REPORT_DAY, public, public=True)
    assert not any(r in all_text_of(public) for r in REPORTERS)
    from docx import Document

    for p in out.glob("*.docx"):
        doc = Document(str(p))
        words = "\n".join([x.text for x in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
        assert not any(r in words for r in REPORTERS)


def test_the_office_chooses_the_unit_of_a_waiting_clue(clued):
    s, clues, out, existing, _ = clued
    wb = load_workbook(s.master)
    ws = wb[S_UNASSIGNED]
    ws.cell(2, 11, "区财政局")  # the office decides the clue naming two units
    wb.save(s.master)
    res = run_assign(s.master, REPORT_DAY)
    [a] = res.assigned
    assert a.unit == "区财政局" and "待指定单位" in a.basis and [p.row for p in res.pending] == [6]
    m, df = ledger(s.master)
    assert df.loc[a.id, "reporter"] == "李四光"
    # the same clue list again: everything is known — no new case, nothing waits twice; the clues handed over are
    # 已交办 (by their 工单号, GD003 too: kept on 待指定单位), only the near-copy of another case is a 重复线索
    again = run_assign(s.master, REPORT_DAY, clues)
    assert again.assigned == [] and [p.row for p in again.pending] == [6] and len(again.duplicates) == 1
    assert sorted((k.ref, k.on) for k in again.known) == [("GD001", "原始编号"), ("GD002", "原始编号"), ("GD003", "原始编号")]
    assert a.id in {k.id for k in again.known}
    wb = load_workbook(s.master, read_only=True)
    assert len([r for r in wb[S_UNASSIGNED].iter_rows(values_only=True)]) == 2


def test_duplicate_threshold_is_an_office_setting(fresh_sample):
    s = fresh_sample
    m = load_master(s.master)
    existing = m.ledger[m.ledger["unit"] == "区财政局"].iloc[0]
    rows = [["线索内容", "涉及单位"], [existing["description"] + "，至今没有答复", "区财政局"]]
    loose = m.rulebook.duplicate_ratio
    _, res = assign_cases(m, REPORT_DAY, clues_from_rows(rows, "线索.csv"))
    assert loose == 0.85 and len(res.duplicates) == 1 and not res.assigned
    m.rulebook = m.rulebook.model_copy(update={"duplicate_ratio": 0.98})
    _, res = assign_cases(m, REPORT_DAY, clues_from_rows(rows, "线索.csv"))
    assert not res.duplicates and len(res.assigned) == 1
    settings = {r[0]: r[1] for r in load_workbook(s.master, read_only=True)["参数设置"].iter_rows(values_only=True)}
    assert settings["重复线索相似度"] == 0.85


def test_a_clue_file_without_a_content_column_is_refused(fresh_sample, tmp_path):
    bad = tmp_path / "名单.csv"
    bad.write_text("姓名,电话\n张三,138\n", encoding="utf-8")
    assert main(["assign", str(fresh_sample.master), "--clues", str(bad)]) == 2


# --------------------------------------------------------------------------- notices and 转办

def _docx_text(path: Path) -> str:
    from docx import Document

    doc = Document(str(path))
    return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])


@needs_libreoffice
def test_one_notice_per_receiving_unit(clued, tmp_path):
    s, clues, out, existing, _ = clued
    m, df = ledger(s.master)
    files = sorted(out.glob("*.docx"))
    assert [p.name for p in files] == sorted(["城关镇-交办通知单-2026-11-23.docx", "区住房和城乡建设局-交办通知单-2026-11-23.docx"])
    text = _docx_text(out / "城关镇-交办通知单-2026-11-23.docx")
    cid = m.ledger[(m.ledger["unit"] == "城关镇") & (m.ledger["assigned"] == REPORT_DAY)]["case_id"].iloc[0]
    for want in ("城关镇：", cid, "2026年\n12月31日", "请及时签收并部署", "每月20日前报送办理进展",
                 "区营商环境指挥部改革创新组", "2026年11月23日"):
        assert want in text, want
    pdfs = convert(files, "pdf", tmp_path / "pdf")
    for pdf in pdfs:
        rendered = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        squashed = re.sub(r"\s+", "", rendered)
        assert "交办通知单" in squashed and "签收并部署" in squashed
    assert cid.replace("-", "") in re.sub(r"[\s-]+", "", subprocess.run(
        ["pdftotext", str(pdfs[0]), "-"], capture_output=True, text=True).stdout) or \
        cid.replace("-", "") in re.sub(r"[\s-]+", "", subprocess.run(["pdftotext", str(pdfs[1]), "-"], capture_output=True, text=True).stdout)


def test_transfer_moves_the_case_between_templates(fresh_sample, tmp_path):
    s = fresh_sample
    run_assign(s.master, REPORT_DAY)  # records the unit every case is with
    m, df = ledger(s.master)
    case = m.ledger[(m.ledger["unit"] == "区商务局") & (m.ledger["status"] == "整改中")].iloc[0]
    cid = case["case_id"]
    wb = load_workbook(s.master)
    ws = wb["台账"]
    col = {c.value: c.column for c in ws[1]}
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col["问题编号"]).value == cid)
    ws.cell(row, col["责任单位"], "区发改委")  # the office re-assigns it (an alias, as people type)
    wb.save(s.master)
    res = run_assign(s.master, dt.date(2026, 11, 24), units_dir=tmp_path / "通知")
    [t] = res.transfers
    assert (t.id, t.from_unit, t.unit) == (cid, "区商务局", "区发展和改革委员会") and not res.new_cases
    # the finding's row is where the case is once written: moved to its new unit's block of 台账
    ws = load_workbook(s.master)["台账"]
    written = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col["问题编号"]).value == cid)
    assert written != row
    assert [(f.row, f.case_id) for f in res.issues if f.code == "case-transferred"] == [(written, cid)]
    m, df = ledger(s.master)
    log = m.changes[m.changes["字段"] == "转办"]
    assert log[["问题编号", "原值", "新值"]].values.tolist() == [[cid, "区商务局", "区发展和改革委员会"]]
    assert df.loc[cid, "assigned_unit"] == "区发展和改革委员会"
    [notice] = list((tmp_path / "通知").glob("*.docx"))
    assert notice.name.startswith("区发展和改革委员会") and "转办，原责任单位区商务局" in _docx_text(notice)
    paths = {u: write_templates(m, tmp_path / "模板", dt.date(2026, 11, 24), u)[0] for u in ("区商务局", "区发展和改革委员会")}
    assert cid not in all_text_of(paths["区商务局"]) and cid in all_text_of(paths["区发展和改革委员会"])
    assert run_assign(s.master, dt.date(2026, 11, 24)).assigned == []  # recorded once


# --------------------------------------------------------------------------- round trip

def test_round_trip_assign_template_unit_edits_merge_keeps_the_numbers(fresh_sample, tmp_path):
    s = fresh_sample
    office_rows(s.master, [{"责任单位": "区商务局", "线索来源": "上级交办", "问题类别": "招商引资政策不兑现",
                            "问题描述": "上级交办：奖励资金未拨付", "反映人": "欧阳修远"}])
    [a] = run_assign(s.master, REPORT_DAY).assigned
    m = load_master(s.master)
    [tpl] = write_templates(m, tmp_path / "报送", REPORT_DAY, only_unit="区商务局")
    wb = load_workbook(tpl)
    ws = wb["台账"]
    col = {f.key: i for i, f in enumerate(template_fields(m.rulebook), 1)}
    row = next(r for r in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(r, col["case_id"]).value == a.id)
    assert ws.cell(row, col["description"]).value == "上级交办：奖励资金未拨付"
    for key, value in (("leader", "周明"), ("person", "吴芳"), ("status", "整改中"), ("progress", 30),
                       ("progress_note", "已召开协调会")):
        ws.cell(row, col[key], value)
    wb.save(tpl)
    outcome = run_merge(s.master, tmp_path / "报送", dt.date(2026, 11, 25))
    assert outcome.result.rows_new == 0 and outcome.result.rows_rejected == 0 and outcome.result.rows_updated >= 1
    m, df = ledger(s.master)
    row = df.loc[a.id]
    assert (row["leader"], row["status"], row["progress"], row["reporter"]) == ("周明", "整改中", 30, "欧阳修远")
    assert (m.ledger["description"] == "上级交办：奖励资金未拨付").sum() == 1
    assert run_assign(s.master, dt.date(2026, 11, 25)).assigned == []


# --------------------------------------------------------------------------- the ribbon button

def test_the_ribbon_button_runs_the_same_assign(fresh_sample, tmp_path, monkeypatch):
    from memengine import open_book

    from taizhang.doors import excel

    monkeypatch.setenv("TAIZHANG_LOG_DIR", str(tmp_path / "log"))
    office_rows(fresh_sample.master, [{"责任单位": "区商务局", "线索来源": "暗访", "问题类别": "招商引资政策不兑现",
                                       "问题描述": "暗访发现奖励政策兑现慢"}])
    book = open_book(fresh_sample.master)
    msg = excel.assign_cases(book=book, today=REPORT_DAY)
    assert msg.startswith("交办完成") and "新交办1个问题" in msg
    rows = book.sheets["台账"].impl.values()
    at = {h: i for i, h in enumerate(rows[0])}
    row = next(r for r in rows[1:] if r[at["问题描述"]] == "暗访发现奖励政策兑现慢")
    assert re.fullmatch(r"DW015-2026-\d{3}", row[at["问题编号"]]) and row[at["牵头督办部门"]] == "区商务局"
    log = book.sheets["变更记录"].impl.values()
    assert [r[1] for r in log[1:] if r[0] == row[at["问题编号"]]] == ["交办"]
    assert "新交办0个问题" in excel.assign_cases(book=book, today=REPORT_DAY)
