"""材料报送 (issue #30 item 4): the dated materials each plan requires, recognised in the report folder.

The campaign is the sanluan sample (seed 003: "各乡镇、县直各部门在11月15日前要形成专项清理总结报告,按要求报送县委办公室"),
placed in 2026, merged on 2026-11-23 — after the 总结报告's date, so a unit without one owes it, overdue.
"""

import datetime as dt
import shutil

import docx
import pytest
from conftest import copy_sample
from openpyxl import load_workbook

from taizhang.book.master import create_master, load_master
from taizhang.book.materials import materials_of
from taizhang.jobs import run_merge, run_remind
from taizhang.report.text import merge_text, remind_text
from taizhang.rules.rulebook import builtin_rulebooks

D = dt.date
DAY = D(2026, 11, 23)


@pytest.fixture(scope="module")
def _pristine(tmp_path_factory):
    from taizhang.demo import generate

    return generate(tmp_path_factory.mktemp("sanluan"), preset="sanluan", seed=5, today=DAY)


@pytest.fixture
def campaign(_pristine, tmp_path):
    return copy_sample(_pristine, tmp_path / "campaign")


def _doc(path, title=None):
    d = docx.Document()
    if title:
        d.core_properties.title = title
    d.add_paragraph("专项清理工作总结")
    d.save(path)


def _sheet(master):
    ws = load_workbook(master)["材料报送"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return rows[0], {r[0]: dict(zip(rows[0], r)) for r in rows[1:] if r[0]}


@pytest.mark.parametrize("preset, name, due", [
    ("lijiuzhang", "攻坚难题清单", D(2026, 5, 15)),          # 000 "于5月15日前，经主管副区长审签后报领导小组办公室"
    ("zhonggengzu", "“中梗阻”问题排查清单", D(2026, 12, 7)),  # 002 "于12月7日前径送开发区纪工委"
    ("sanluan", "专项清理总结报告", D(2026, 11, 15)),         # 003 "11月15日前要形成专项清理总结报告"
    ("sanluan", "清理工作方案（备案）", None),                 # 003 "分报各系统分管部门备案": no date in the plan
    ("xiaoneng", "六项行动工作总结", D(2026, 11, 30)),        # 004 "于11月30日前向区效能办报送"
    ("xiaoneng", "调研报告", D(2026, 12, 15)),                # 004 "于2022年12月15日前向区政府督查室报送1篇以上"
    ("xiaoneng", "效能提升年工作开展情况（备案）", D(2026, 2, 8)),
    ("xiaoneng", "整改工作方案及开展情况（备案）", D(2026, 3, 31)),
])
def test_each_presets_master_lists_its_plans_dated_materials(tmp_path, preset, name, due):
    path = create_master(tmp_path / "m.xlsx", builtin_rulebooks()[preset].for_year(2026))
    head, rows = _sheet(path)
    assert head == ["材料名称", "截止日期", "报送单位", "报送对象", "方案原文", "识别词", "已报送单位", "未报送单位"]
    got = rows[name]["截止日期"]
    assert (got.date() if got else None) == due
    assert rows[name]["方案原文"] and {m.name: m.due for m in materials_of(load_master(path))}[name] == due


def test_a_material_is_received_by_name_or_title_and_the_others_are_owed(campaign):
    subs = campaign.submissions
    _doc(subs / "河口镇专项清理总结报告.docx")
    _doc(subs / "报告（终稿）.docx", title="城关镇专项清理总结报告")  # recognised by the document's title
    out = run_merge(campaign.master, subs, DAY)
    fates = {f.file: f for f in out.result.files}
    assert fates["河口镇专项清理总结报告.docx"].status == "material" and fates["河口镇专项清理总结报告.docx"].unit == "河口镇"
    assert fates["报告（终稿）.docx"].status == "material" and fates["报告（终稿）.docx"].unit == "城关镇"
    assert not [i for i in out.result.issues if i.file in fates and fates[i.file].status == "material"]
    _, rows = _sheet(campaign.master)
    got = rows["专项清理总结报告"]
    assert got["已报送单位"] == "城关镇（2026-11-23）、河口镇（2026-11-23）"
    assert "东城街道" in got["未报送单位"] and "河口镇" not in got["未报送单位"]
    assert out.result.materials_owed["东城街道"] == ["清理工作方案（备案）（日期待定）", "专项清理总结报告（11月15日前，已逾期）"]
    assert "专项清理总结报告" not in "".join(out.result.materials_owed["河口镇"])
    text = "\n".join(merge_text(out.result, out.out, out.backup))
    assert "，材料2；" in text and "收到材料2份" in text and "河口镇《专项清理总结报告》" in text and "东城街道：清理工作方案（备案）" in text
    # a material is not the period's ledger: 报送情况 does not list it among the unit's files
    files = {r[0]: str(r[3] or "") for r in load_master(campaign.master).reports}
    assert "总结报告" not in files["河口镇"] and "终稿" not in files["城关镇"]

    # the record is the sheet: merged again later without the file, the unit stays received on its first day
    (subs / "河口镇专项清理总结报告.docx").unlink()
    run_merge(campaign.master, subs, D(2026, 11, 30))
    assert _sheet(campaign.master)[1]["专项清理总结报告"]["已报送单位"].startswith("城关镇（2026-11-23）、河口镇（2026-11-23）")


def test_the_offices_own_rows_and_columns_are_kept_and_matched(campaign):
    wb = load_workbook(campaign.master)
    ws = wb["材料报送"]
    ws.cell(1, 9, "备注（办公室）")
    ws.append(["自查报告", dt.datetime(2026, 11, 30), "北山镇", "县委办公室", "", "自查报告", None, None, "会上补充要求"])
    ws.cell(3, 7, "河口镇")  # 总结报告: a paper copy, entered by hand
    wb.save(campaign.master)
    shutil.copy(campaign.master, campaign.root / "copy.xlsx")
    (campaign.submissions / "北山镇自查报告.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\n")
    out = run_merge(campaign.master, campaign.submissions, DAY)
    head, rows = _sheet(campaign.master)
    assert head[8] == "备注（办公室）"
    assert rows["自查报告"]["已报送单位"] == "北山镇（2026-11-23）" and rows["自查报告"]["未报送单位"] in ("", None)
    assert rows["自查报告"]["备注（办公室）"] == "会上补充要求"
    assert {f.file: f.status for f in out.result.files}["北山镇自查报告.pdf"] == "material"
    assert rows["专项清理总结报告"]["已报送单位"] == "河口镇" and "河口镇" not in rows["专项清理总结报告"]["未报送单位"]
    assert "自查报告" not in "".join(out.result.materials_owed.get("东城街道", []))  # only 北山镇 owes it


def test_remind_chases_the_materials_owed(campaign, tmp_path):
    _doc(campaign.submissions / "河口镇专项清理总结报告.docx")
    run_merge(campaign.master, campaign.submissions, DAY)
    out = run_remind(campaign.master, D(2026, 11, 24), out_dir=tmp_path / "r")
    by_unit = {r.unit: r for r in out.plan.reminders}
    assert "河口镇" not in by_unit or not by_unit["河口镇"].materials
    east = by_unit["东城街道"]
    assert [o.name for o in east.materials] == ["专项清理总结报告"]  # the undated 方案 is not chased by date
    assert "《专项清理总结报告》已过报送期限（11月15日），目前尚未收到，请立即报送" in out.messages["东城街道"]
    assert out.messages["东城街道"].startswith("【催交材料")
    assert any("催交材料" in line and "东城街道（专项清理总结报告）" in line for line in remind_text(out))
    paper = next(p for p in out.papers if p.name.startswith("东城街道-催报单"))
    assert "《专项清理总结报告》已过报送期限" in "".join(p.text for p in docx.Document(paper).paragraphs)


def test_the_summary_and_the_notice_show_who_owes_which_material(campaign, tmp_path, capsys):
    from taizhang.doors.cli import main

    _doc(campaign.submissions / "河口镇专项清理总结报告.docx")
    run_merge(campaign.master, campaign.submissions, DAY)
    assert main(["summary", str(campaign.master), "--today", "2026-11-23", "--out", str(tmp_path / "汇总.xlsx")]) == 0
    rows = [[c.value for c in r] for r in load_workbook(tmp_path / "汇总.xlsx")["催办与材料"].iter_rows()]
    table = {r[0]: r for r in rows if r[0]}
    assert table["专项清理总结报告"][3:5] == [1, 23] and table["清理工作方案（备案）"][1] == "（日期待定）"
    assert table["河口镇"][4] == "专项清理总结报告（2026-11-23）" and table["河口镇"][5] == "清理工作方案（备案）（日期待定）"
    assert table["东城街道"][5] == "清理工作方案（备案）（日期待定）、专项清理总结报告（11月15日前，已逾期）"
    assert main(["notice", str(campaign.master), "--today", "2026-11-23", "--out", str(tmp_path / "通报.docx")]) == 0
    text = "\n".join(p.text for p in docx.Document(tmp_path / "通报.docx").paragraphs)
    said = next(p for p in text.split("\n") if p.startswith("方案要求的《专项清理总结报告》"))
    assert said.startswith("方案要求的《专项清理总结报告》（11月15日前报送），已报送1个单位，已过报送期限，尚未报送的：")
    assert "东城街道" in said and "河口镇" not in said and said.endswith("等23个单位。")
