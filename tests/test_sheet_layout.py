"""The master's tabs: working sheets first, settings grouped after them, technical sheets hidden (book/sheets.py's
SHEET_LAYOUT), and a sheet taizhang adds later placed by the same list without moving the office's sheets."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import openpyxl

from taizhang.book.master import create_master
from taizhang.book.sheets import HIDDEN, SETTING, SHEET_LAYOUT, SHEET_ORDER, WORK
from taizhang.intake.units import UnitDirectory
from taizhang.jobs import run_merge
from taizhang.rules.rulebook import find_rulebook
from taizhang.xlsx.xlsxpatch import SheetSpec, patch_package

KIND = dict(SHEET_LAYOUT)


def tabs(path) -> list[tuple[str, str]]:
    """(name, state) of every sheet, in tab order, as workbook.xml says."""
    xml = zipfile.ZipFile(path).read("xl/workbook.xml").decode("utf-8")
    out = []
    for el in re.findall(r"<(?:\w+:)?sheet [^>]*>", xml):
        state = re.search(r'state="(\w+)"', el)
        out.append((re.search(r'name="([^"]*)"', el).group(1), state.group(1) if state else "visible"))
    return out


def check_layout(path) -> list[str]:
    order = tabs(path)
    names = [n for n, _ in order]
    assert names == sorted(names, key=SHEET_ORDER.index), names  # every tab where the list puts it
    for name, state in order:
        assert (state == "hidden") == (KIND[name] == HIDDEN), (name, state)
    visible = [n for n, s in order if s == "visible"]
    kinds = [KIND[n] for n in visible]
    assert kinds == sorted(kinds, key=[WORK, SETTING].index), kinds  # working sheets first, then the settings
    return visible


def test_a_new_master_opens_on_its_ledger_with_the_settings_after_it(tmp_path):
    path = create_master(tmp_path / "台账总表.xlsx", find_rulebook("sanluan"), UnitDirectory([]))
    visible = check_layout(path)
    assert visible == ["台账", "材料报送", "说明", "参数设置", "成员单位", "问题类别", "工作阶段", "节假日"]
    wb = openpyxl.load_workbook(path)
    assert wb.active.title == "台账"
    assert all(wb[n].sheet_properties.tabColor is not None for n in visible[2:])  # the settings' grey tabs
    assert wb["台账"].sheet_properties.tabColor is None


def test_after_a_merge_the_report_day_sheets_sit_between_the_ledger_and_the_settings(fresh_sample):
    run_merge(fresh_sample.master, fresh_sample.submissions, dt.date(2026, 11, 23))
    visible = check_layout(fresh_sample.master)
    assert visible == ["台账", "报送情况", "退回清单", "提醒", "待审批", "区级协调事项", "抽查清单", "变更记录", "材料报送", "审批台账",
                       "说明", "参数设置", "成员单位", "问题类别", "工作阶段", "节假日"]
    wb = openpyxl.load_workbook(fresh_sample.master)
    for name in ("台账", "报送情况", "退回清单", "变更记录"):  # every print title still names its own sheet
        assert wb[name].print_title_rows == "$1:$1", name
    assert wb.active.title == "台账"
    # item 9: 报送情况's file names and the 退回清单's reasons wrap in a wide column instead of being cut at 16 characters
    for sheet, header in (("报送情况", "报送文件"), ("报送情况", "说明"), ("退回清单", "退回原因")):
        ws = wb[sheet]
        col = [c.value for c in ws[1]].index(header) + 1
        letter = ws.cell(1, col).column_letter
        assert ws.column_dimensions[letter].width >= 34, (sheet, header)
        cells = [ws.cell(r, col) for r in range(2, ws.max_row + 1)]
        assert cells and all(c.alignment.wrap_text for c in cells), (sheet, header)


def test_a_new_sheet_joins_by_the_list_and_every_sheet_index_follows_it(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "台账"
    wb["台账"]["A1"] = "问题编号"
    for name in ("办公室自用", "说明"):
        wb.create_sheet(name)["A1"] = name
    wb["说明"].print_title_rows = "1:1"
    wb.active = 2  # the office left 说明 open
    path = tmp_path / "book.xlsx"
    wb.save(path)
    out = tmp_path / "out.xlsx"
    patch_package(path, out, {"报送情况": SheetSpec([["责任单位"]], landscape=True),
                              "工作日历": SheetSpec([["日期"]], hidden=True)}, order=SHEET_ORDER)
    # 报送情况 after 台账 (the office's sheet stays where it was, behind it); 工作日历 after 说明
    assert tabs(out) == [("台账", "visible"), ("报送情况", "visible"), ("办公室自用", "visible"), ("说明", "visible"),
                         ("工作日历", "hidden")]
    back = openpyxl.load_workbook(out)
    assert back.active.title == "说明"
    assert back["说明"].print_title_rows == "$1:$1" and back["报送情况"].print_title_rows == "$1:$1"
    xml = zipfile.ZipFile(out).read("xl/workbook.xml").decode("utf-8")
    assert "localSheetId=\"3\">'说明'" in xml and "localSheetId=\"1\">'报送情况'" in xml
