"""佐证材料 (#31 item 1) and the 销号 pack (item 4): evidence units send beside their ledger is filed under its case
beside the master, by content; unsafe or foreign pieces are refused with their reason; the ledger indexes and links
it; cases closed without it are flagged; ``taizhang pack`` writes one readable, valid .docx per case."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
from conftest import REPORT_DAY, convert, copy_sample, needs_libreoffice, pdf_text
from openpyxl import Workbook, load_workbook

from taizhang.book.evidence import evidence_dir
from taizhang.book.master import load_master
from taizhang.doors.cli import main
from taizhang.jobs import run_merge, run_pack, run_status

DAY2 = REPORT_DAY + dt.timedelta(days=1)
DAY3 = REPORT_DAY + dt.timedelta(days=2)


@pytest.fixture
def camp(_pristine_merged, tmp_path):
    """The sample campaign after its first report day, private to the test."""
    return copy_sample(_pristine_merged, tmp_path / "campaign")


def _cases(master: Path, unit: str | None = None) -> list[str]:
    ledger = load_master(master).ledger
    if unit:
        ledger = ledger[ledger["unit"] == unit]
    return [str(c) for c in ledger["case_id"].tolist()]


def _units(master: Path) -> list[str]:
    ledger = load_master(master).ledger
    return list(dict.fromkeys(ledger["unit"].tolist()))


def _folder(camp, tmp_path: Path, name: str = "day2") -> Path:
    """The period's report folder again (every unit's ledger, as on the first day), for evidence to be put beside."""
    f = tmp_path / name
    shutil.copytree(camp.submissions, f)
    return f


def _row_of(master: Path, cid: str) -> dict:
    ledger = load_master(master).ledger
    return ledger[ledger["case_id"] == cid].iloc[0].to_dict()


def _sheet(master: Path, title: str) -> list[tuple]:
    wb = load_workbook(master)
    return list(wb[title].iter_rows(min_row=2, values_only=True)) if title in wb.sheetnames else []


def _stored(master: Path) -> dict[str, list[str]]:
    root = evidence_dir(master)
    return {d.name: sorted(p.name for p in d.iterdir()) for d in sorted(root.iterdir())} if root.is_dir() else {}


def test_evidence_in_a_subfolder_is_filed_under_its_case_and_indexed(camp, tmp_path):
    cid = _cases(camp.master)[0]
    f = _folder(camp, tmp_path)
    (f / "佐证材料" / cid).mkdir(parents=True)
    (f / "佐证材料" / cid / "整改照片.jpg").write_bytes(b"photo")
    (f / "佐证材料" / cid / "验收表.xlsx").write_bytes(b"not read as a submission")  # a workbook here is evidence
    out = run_merge(camp.master, f, DAY2)
    assert {(e.status, e.case_id, e.stored) for e in out.result.evidence} == {
        ("已归档", cid, f"{cid}/整改照片.jpg"), ("已归档", cid, f"{cid}/验收表.xlsx")}
    assert not any(x.file.startswith("佐证材料") for x in out.result.files)  # not a submission, not skipped
    assert (evidence_dir(camp.master) / cid / "整改照片.jpg").read_bytes() == b"photo"
    row = _row_of(camp.master, cid)
    assert (row["evidence_count"], set(row["evidence"].split("、")), row["evidence_first"]) == (
        2, {"整改照片.jpg", "验收表.xlsx"}, DAY2)
    listed = _sheet(camp.master, "佐证材料清单")
    assert {(r[0], r[2], r[3], r[8]) for r in listed} == {
        (cid, "整改照片.jpg", hashlib.sha256(b"photo").hexdigest(), "已归档"),
        (cid, "验收表.xlsx", hashlib.sha256(b"not read as a submission").hexdigest(), "已归档")}


def test_files_named_by_their_case_are_filed_in_the_folder_or_in_the_evidence_folder(camp, tmp_path):
    a, b = _cases(camp.master)[:2]
    f = _folder(camp, tmp_path)
    (f / f"{a} 整改说明.pdf").write_bytes(b"pdf-a")  # directly in the report folder
    (f / "佐证材料").mkdir()
    (f / "佐证材料" / f"{b}_验收报告.docx").write_bytes(b"docx-b")
    out = run_merge(camp.master, f, DAY2)
    assert _stored(camp.master) == {a: [f"{a} 整改说明.pdf"], b: [f"{b}_验收报告.docx"]}
    fates = {x.file: x.status for x in out.result.files}
    assert fates["报送说明.txt"] == "skipped"  # a file that is no evidence keeps its fate: skipped, said so
    assert not any(a in k or b in k for k in fates)


def test_evidence_in_a_zip_is_filed_by_its_paths(camp, tmp_path):
    unit = _units(camp.master)[1]
    a, b = _cases(camp.master, unit)[:2]
    f = _folder(camp, tmp_path)
    with zipfile.ZipFile(f / f"{unit}佐证材料.zip", "w") as z:
        z.writestr(f"佐证材料/{a}/现场照片.png", b"png-a")
        z.writestr(f"{b}.pdf", b"pdf-b")
        z.writestr("说明.txt", b"readme")
    out = run_merge(camp.master, f, DAY2)
    assert _stored(camp.master) == {a: ["现场照片.png"], b: [f"{b}.pdf"]}
    [refused] = [e for e in out.result.evidence if e.status == "退回"]
    assert refused.source.endswith("!说明.txt") and "问题编号" in refused.reason


def test_a_resend_is_not_a_second_copy_and_the_offices_file_is_never_overwritten(camp, tmp_path):
    cid = _cases(camp.master)[0]
    office_file = evidence_dir(camp.master) / cid / "照片.jpg"
    office_file.parent.mkdir(parents=True)
    office_file.write_bytes(b"the office's own scan")
    f = _folder(camp, tmp_path)
    (f / "佐证材料" / cid).mkdir(parents=True)
    (f / "佐证材料" / cid / "照片.jpg").write_bytes(b"unit photo")
    run_merge(camp.master, f, DAY2)
    assert office_file.read_bytes() == b"the office's own scan"
    assert _stored(camp.master) == {cid: ["照片.jpg", "照片（2）.jpg"]}
    g = _folder(camp, tmp_path, "day3")
    (g / "佐证材料").mkdir()
    (g / "佐证材料" / f"{cid} 照片重发.jpg").write_bytes(b"unit photo")  # the same content again, another name
    out = run_merge(camp.master, g, DAY3)
    [e] = out.result.evidence
    assert (e.status, e.duplicate, e.stored) == ("已归档", True, f"{cid}/照片（2）.jpg")
    assert _stored(camp.master) == {cid: ["照片.jpg", "照片（2）.jpg"]}
    [row] = [r for r in _sheet(camp.master, "佐证材料清单") if r[3] == hashlib.sha256(b"unit photo").hexdigest()]
    assert (row[5], row[6]) == (dt.datetime.combine(DAY2, dt.time()), dt.datetime.combine(DAY3, dt.time()))
    assert _row_of(camp.master, cid)["evidence_count"] == 1
    again = run_merge(camp.master, g, DAY3)
    assert again.written is False  # the same folder twice on one day: nothing new, the master untouched


def test_traversal_absolute_and_symlink_entries_are_refused(camp, tmp_path):
    unit = _units(camp.master)[0]
    cid = _cases(camp.master, unit)[0]
    f = _folder(camp, tmp_path)
    link = zipfile.ZipInfo(f"{cid}/link.pdf")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(f / f"{unit}佐证.zip", "w") as z:
        z.writestr(f"{cid}/../../../evil.txt", b"x")
        z.writestr(f"/{cid}/abs.txt", b"y")
        z.writestr(link, "/etc/passwd")
        z.writestr(f"{cid}/ok.pdf", b"fine")
    out = run_merge(camp.master, f, DAY2)
    refused = {e.source.split("!")[1]: e.reason for e in out.result.evidence if e.status == "退回"}
    assert set(refused) == {f"{cid}/../../../evil.txt", f"/{cid}/abs.txt", f"{cid}/link.pdf"}
    assert "“..”" in refused[f"{cid}/../../../evil.txt"] and "绝对路径" in refused[f"/{cid}/abs.txt"]
    assert "符号链接" in refused[f"{cid}/link.pdf"]
    assert _stored(camp.master) == {cid: ["ok.pdf"]}
    assert not list(tmp_path.rglob("evil.txt")) and not list(tmp_path.rglob("abs.txt"))
    assert sum(i.code == "evidence-refused" for i in out.result.issues) == 3
    assert sum(r[8] == "退回" for r in _sheet(camp.master, "佐证材料清单")) == 3


def test_a_bomb_entry_is_refused_before_it_inflates(camp, tmp_path):
    unit = _units(camp.master)[0]
    cid = _cases(camp.master, unit)[0]
    f = _folder(camp, tmp_path)
    with zipfile.ZipFile(f / f"{unit}佐证.zip", "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{cid}/bomb.bin", b"\0" * (101 * 1024 * 1024))
    out = run_merge(camp.master, f, DAY2)
    [e] = out.result.evidence
    assert e.status == "退回" and "上限" in e.reason
    assert _stored(camp.master) == {}


def test_evidence_for_another_units_case_is_refused(camp, tmp_path):
    mine, other = _units(camp.master)[:2]
    theirs = _cases(camp.master, other)[0]
    f = _folder(camp, tmp_path)
    with zipfile.ZipFile(f / f"{mine}佐证材料.zip", "w") as z:
        z.writestr(f"{theirs}/照片.jpg", b"not mine")
    (f / mine / "佐证材料").mkdir(parents=True)  # a unit's own subfolder names the sender too
    (f / mine / "佐证材料" / f"{theirs}.pdf").write_bytes(b"nor this")
    own = _cases(camp.master, mine)[0]
    (f / "佐证材料").mkdir(exist_ok=True)
    (f / "佐证材料" / f"{own} 与{other}协调纪要.pdf").write_bytes(b"mine, naming the other unit")
    out = run_merge(camp.master, f, DAY2)
    fates = {e.source: e for e in out.result.evidence}
    assert [e.status for e in fates.values()].count("退回") == 2
    assert all(f"是 {other} 的问题，{mine} 不能报送" in e.reason for e in fates.values() if e.status == "退回")
    assert _stored(camp.master) == {own: [f"{own} 与{other}协调纪要.pdf"]}  # a unit named in a file's name is no sender


def test_the_link_follows_its_case_after_the_office_resorts_the_ledger(camp, tmp_path):
    ids = _cases(camp.master)
    f = _folder(camp, tmp_path)
    (f / "佐证材料").mkdir()
    for cid in ids[:3]:
        (f / "佐证材料" / f"{cid}.pdf").write_bytes(cid.encode())
    run_merge(camp.master, f, DAY2)
    wb = load_workbook(camp.master)  # the office sorts 台账 its own way (descending 问题编号) and saves
    ws = wb["台账"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    rows.sort(key=lambda r: str(r[0]), reverse=True)
    for i, r in enumerate(rows, 2):
        for j, v in enumerate(r, 1):
            ws.cell(i, j).value = v
    wb.save(camp.master)
    run_status(camp.master, DAY2)
    ws = load_workbook(camp.master)["台账"]
    head = [c.value for c in ws[1]]
    at = head.index("已归档佐证材料") + 1
    links = {ws.cell(r, 1).value: ws.cell(r, at).value for r in range(2, ws.max_row + 1)}
    stem = camp.master.stem
    for cid in ids[:3]:
        assert links[cid] == f'=HYPERLINK("{stem}-佐证材料/{cid}","{cid}.pdf")'
    assert not any(str(v).startswith("=") for k, v in links.items() if k not in ids[:3] and v)
    assert (evidence_dir(camp.master) / ids[0]).is_dir()
    from test_papers import audit_errors, workbook_problems

    assert audit_errors(camp.master) == [] and workbook_problems(camp.master) == []  # the links are valid cells


def test_a_file_name_like_a_formula_stays_text_inside_its_link(camp, tmp_path):
    cid = _cases(camp.master)[0]
    f = _folder(camp, tmp_path)
    (f / "佐证材料" / cid).mkdir(parents=True)
    (f / "佐证材料" / cid / '=SUM(A1),"x"&B2.pdf').write_bytes(b"q")
    run_merge(camp.master, f, DAY2)
    assert _stored(camp.master) == {cid: ["=SUM(A1),－x－&B2.pdf"]}  # the characters Windows forbids replaced
    ws = load_workbook(camp.master)["台账"]
    at = [c.value for c in ws[1]].index("已归档佐证材料") + 1
    [cell] = [ws.cell(r, at).value for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == cid]
    assert cell == f'=HYPERLINK("{camp.master.stem}-佐证材料/{cid}","=SUM(A1),－x－&B2.pdf")'
    ledger = load_master(camp.master).ledger
    assert ledger.loc[ledger["case_id"] == cid, "evidence"].iat[0] == "=SUM(A1),－x－&B2.pdf"


def test_a_link_quotes_what_it_shows():
    from taizhang.xlsx.cells import Link

    assert Link('a"b', 'say "hi"').formula() == 'HYPERLINK("a""b","say ""hi""")'
    assert len(Link("t", "x" * 400).text) == 255


def _report(folder: Path, master: Path, cid: str, **change) -> Path:
    """A unit's report of one existing case, as its template has it, with ``change`` (header → value)."""
    row = _row_of(master, cid)
    headers = ["问题编号", "责任单位", "线索来源", "问题类别", "问题描述", "牵头领导", "具体责任人", "交办日期", "办理状态",
               "办结日期", "佐证文号或链接"]
    keys = ["case_id", "unit", "source", "category", "description", "leader", "person", "assigned", "status", "done_date",
            "evidence_ref"]
    values = {h: row.get(k) for h, k in zip(headers, keys)}
    values.update(change)
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(headers)
    ws.append([values[h] for h in headers])
    path = folder / f"{row['unit']}-2026年11月.xlsx"
    wb.save(path)
    return path


def test_a_case_found_unfounded_without_evidence_is_flagged_on_the_spot_list(camp, tmp_path):
    a, b = [c for c in _cases(camp.master) if _row_of(camp.master, c)["status"] == "整改中"][:2]
    f = _folder(camp, tmp_path)
    _report(f, camp.master, a, 办理状态="查否")
    g = _folder(camp, tmp_path, "other")
    _report(g, camp.master, b, 办理状态="查否", 佐证文号或链接="区纪委〔2026〕12号")
    out = run_merge(camp.master, f, DAY2)
    [hit] = [i for i in out.result.issues if i.code == "evidence-missing"]
    assert hit.case_id == a and "查否" in hit.message
    spot = [r for r in _sheet(camp.master, "抽查清单") if r[1] == "佐证材料核查"]
    closed = {c for c in _cases(camp.master) if _row_of(camp.master, c)["status"] == "已销号"}  # the sample's, none with any
    assert {r[2] for r in spot} == {a} | closed and len(spot) == len({r[2] for r in spot})  # each case listed once
    assert all("缺佐证材料" in r[4] for r in spot)
    out = run_merge(camp.master, g, DAY3)  # a 文号 stands for the file: not flagged
    assert not any(i.code == "evidence-missing" for i in out.result.issues)
    again = [r[2] for r in _sheet(camp.master, "抽查清单") if r[1] == "佐证材料核查"]
    assert sorted(again) == sorted(r[2] for r in spot)  # not listed again on a later day, b never


def test_the_setting_says_where_evidence_is_required(camp, tmp_path):
    wb = load_workbook(camp.master)
    ws = wb["参数设置"]
    [row] = [r for r in ws.iter_rows(min_row=2) if r[0].value == "佐证材料要求"]
    assert row[1].value == "销号、查否" and "办公室设定" in row[2].value
    row[1].value = "办结"
    wb.save(camp.master)
    cid = next(c for c in _cases(camp.master) if _row_of(camp.master, c)["status"] == "整改中")
    f = _folder(camp, tmp_path)
    _report(f, camp.master, cid, 办理状态="已办结", 办结日期=dt.datetime(2026, 11, 23))
    out = run_merge(camp.master, f, DAY2)
    assert [i.case_id for i in out.result.issues if i.code == "evidence-missing"] == [cid]
    assert load_master(camp.master).rulebook.evidence_required == ["办结"]


def test_an_application_for_closure_without_evidence_says_so_on_the_confirmation_list():
    import pandas as pd

    from taizhang.book.closures import pending_rows
    from taizhang.book.master import empty_ledger
    from taizhang.rules.rulebook import find_rulebook

    book = find_rulebook("lijiuzhang")
    assert book.office_closes and book.evidence_required == ["销号", "查否"]
    ledger = empty_ledger()
    base = {"unit": "城关镇", "description": "甲", "status": "已办结", "close_request": DAY2}
    ledger = pd.concat([ledger, pd.DataFrame([{**base, "case_id": "A"}, {**base, "case_id": "B", "evidence_count": 2},
                                              {**base, "case_id": "C", "evidence_ref": "https://example.org/x"}])],
                       ignore_index=True)
    notes = {r[0]: r[7] for r in pending_rows(ledger, book)}
    assert notes["A"].startswith("缺佐证材料") and not notes["B"].startswith("缺") and not notes["C"].startswith("缺")
    assert not pending_rows(ledger, book.model_copy(update={"evidence_required": []}))[0][7].startswith("缺")


# ---------------------------------------------------------------- the 销号 pack


TRAIL_HEADERS = ["序号", "问题编号", "责任单位", "事项", "申请内容", "申请理由", "申请日期", "来源文件", "决定", "决定人",
                 "决定日期", "决定意见", "变更内容", "记录日期"]


def _with_trail(master: Path, cid: str, unit: str) -> None:
    """A 审批台账 as the trail work writes it, columns by header (here with the office's own column in front)."""
    wb = load_workbook(master)
    if "审批台账" in wb.sheetnames:  # a merge writes it (header only while empty): this one replaces it
        del wb["审批台账"]
    ws = wb.create_sheet("审批台账")
    ws.append(["办公室备注"] + TRAIL_HEADERS)
    ws.append([None, 1, cid, unit, "延期", "申请延期至2027-01-31", "需协调供电部门", "2026-11-10", "报送.xlsx",
               "同意", "王主任", "2026-11-12", "同意延期一次", "延期至 2027-01-31", "2026-11-12"])
    ws.append([None, 2, "OTHER-1", unit, "销号", "", "", "2026-11-10", "", "申请中", "", "", "", ""])
    wb.save(master)


def test_the_pack_holds_the_case_its_history_its_approvals_and_its_evidence(camp, tmp_path):
    cid = _cases(camp.master)[0]
    unit = _row_of(camp.master, cid)["unit"]
    f = _folder(camp, tmp_path)
    (f / "佐证材料" / cid).mkdir(parents=True)
    (f / "佐证材料" / cid / "验收报告.pdf").write_bytes(b"report")
    run_merge(camp.master, f, DAY2)
    _with_trail(camp.master, cid, unit)
    res = run_pack(camp.master, [cid], DAY3, tmp_path / "packs")
    [paper] = res.papers
    assert (paper.case_id, paper.evidence, paper.approvals) == (cid, 1, 1)
    assert Path(paper.path).name == f"销号审定材料-{cid}.docx"
    from docx import Document

    doc = Document(paper.path)
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    digest = hashlib.sha256(b"report").hexdigest()[:16]
    for want in ("问题销号审定材料", cid, unit, "验收报告.pdf", digest, "需协调供电部门", "王主任", "同意延期一次", "审定意见"):
        assert want in text, want
    assert "OTHER-1" not in text  # another case's row of 审批台账 stays out
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)


@needs_libreoffice
def test_the_pack_renders_readably_and_passes_package_validation(camp, tmp_path):
    from test_papers import audit_errors

    cid = _cases(camp.master)[0]
    _with_trail(camp.master, cid, _row_of(camp.master, cid)["unit"])
    [paper] = run_pack(camp.master, [cid], DAY3, tmp_path / "packs").papers
    assert audit_errors(Path(paper.path)) == []
    [pdf] = convert([Path(paper.path)], "pdf", tmp_path / "pdf")
    text = re.sub(r"\s+", "", pdf_text(pdf))
    for want in ("问题销号审定材料", "一、问题基本情况", "二、办理经过", "三、申请与审批", "四、佐证材料", "五、审定意见", cid,
                 "王主任", "组长（签字）"):
        assert want in text, want


def test_pack_on_the_command_line_for_every_case_awaiting_closure(camp, tmp_path, capsys):
    out = tmp_path / "packs"
    assert main(["pack", str(camp.master), "--today", DAY3.isoformat(), "--out-dir", str(out)]) == 0
    said = capsys.readouterr().out
    waiting = [c for c in _cases(camp.master) if _row_of(camp.master, c)["status"] == "已办结"]
    assert waiting and sorted(p.name for p in out.iterdir()) == sorted(f"销号审定材料-{c}.docx" for c in waiting)
    assert f"已生成销号审定材料{len(waiting)}份" in said
    assert main(["pack", str(camp.master), "--case", "没有这个编号", "--out-dir", str(tmp_path / "none")]) != 0
    assert "没有问题编号“没有这个编号”" in capsys.readouterr().err and not (tmp_path / "none").exists()


def test_evidence_lines_in_the_merge_account(camp, tmp_path, capsys):
    cid = _cases(camp.master)[0]
    f = _folder(camp, tmp_path)
    (f / "佐证材料").mkdir()
    (f / "佐证材料" / f"{cid}.pdf").write_bytes(b"x")
    (f / "佐证材料" / "未知-2026-999.pdf").write_bytes(b"y")
    assert main(["merge", str(camp.master), str(f), "--today", DAY2.isoformat()]) == 0
    said = capsys.readouterr().out
    assert "佐证材料2件：归档1件，退回1件" in said and "退回 佐证材料/未知-2026-999.pdf" in said
    shutil.rmtree(f)


def test_the_ribbon_writes_each_case_link_to_its_evidence_folder(camp, tmp_path):
    """The ribbon writes 台账 through Excel: 已归档佐证材料 is linked to the case's folder by Hyperlinks.Add (the file
    writer's HYPERLINK formula would be lost to the names written as text), the name kept as text, and no link on a
    case without evidence."""
    from memengine import open_book

    from taizhang.doors import excel

    ids = _cases(camp.master)
    f = _folder(camp, tmp_path)
    (f / "佐证材料").mkdir()
    (f / "佐证材料" / f"{ids[0]}.pdf").write_bytes(b"a")
    (f / "佐证材料" / ids[1]).mkdir()
    (f / "佐证材料" / ids[1] / '=SUM(A1),"x"&B2.pdf').write_bytes(b"q")
    run_merge(camp.master, f, DAY2)
    book = open_book(camp.master)
    sheet = book.sheets["台账"]
    at = [c.value for c in load_workbook(camp.master)["台账"][1]].index("已归档佐证材料") + 1
    excel.compute_status(book=book, today=DAY2)
    stem = camp.master.stem
    rows = {sheet.range((r, 1)).value: sheet.range((r, at)) for r in range(2, len(ids) + 2)}
    assert rows[ids[0]].value == f"{ids[0]}.pdf" and rows[ids[0]].hyperlink == f"{stem}-佐证材料/{ids[0]}"
    assert rows[ids[1]].value == "=SUM(A1),－x－&B2.pdf" and rows[ids[1]].formula == "=SUM(A1),－x－&B2.pdf"
    # text inside its link, never a formula (xlwings' .hyperlink reads a text starting with = as a formula: COM's own)
    assert rows[ids[1]].api.Hyperlinks(1).Address == f"{stem}-佐证材料/{ids[1]}"
    others = [sheet.range((r, at)).api.Hyperlinks.Count for r in range(2, len(ids) + 2)
              if sheet.range((r, 1)).value not in ids[:2]]
    assert others and not any(others)
