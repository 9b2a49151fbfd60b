"""taizhang new: the master workbook for each preset, its drop-downs, and settings read back from Excel."""

import datetime as dt

import pytest
from conftest import convert, needs_libreoffice, pdf_text
from openpyxl import load_workbook

from taizhang.book.master import MasterError, create_master, load_master
from taizhang.doors.cli import main
from taizhang.rules.rulebook import builtin_rulebooks, find_rulebook

PRESETS = ["lijiuzhang", "xinguan", "zhonggengzu", "sanluan", "xiaoneng"]


@pytest.fixture(scope="module")
def masters(tmp_path_factory):
    root = tmp_path_factory.mktemp("masters")
    units = root / "units.csv"
    units.write_text("单位名称,单位类型,别名\n城关镇,乡镇,城关\n区商务局,政府部门,商务局\n", encoding="utf-8-sig")
    out = {}
    for p in PRESETS:
        path = root / f"{p}.xlsx"
        assert main(["new", str(path), "--preset", p, "--units", str(units)]) == 0
        out[p] = path
    return out


def test_sheets_and_headers(masters):
    wb = load_workbook(masters["xinguan"])
    assert wb.sheetnames[:7] == ["台账", "材料报送", "说明", "参数设置", "成员单位", "问题类别", "工作阶段"]
    ws = wb["台账"]
    headers = [c.value for c in ws[1]]
    for h in ["问题编号", "责任单位", "线索来源", "问题类别", "问题描述", "涉及主体", "涉及金额（万元）", "牵头领导", "具体责任人",
              "联系电话", "整改措施", "整改目标", "交办日期", "整改时限", "延期至", "完成进度（%）", "办理进展",
              "办理状态", "办结日期", "销号审核人", "销号日期", "备注", "督办意见", "牵头督办部门", "剩余工作日", "红绿灯"]:
        assert h in headers
    assert "复杂程度" not in headers  # seed 001 sets no tiers (only seed 004's plan does)
    assert ws.freeze_panes == "C2"


@pytest.mark.parametrize("preset", PRESETS)
def test_dropdowns_read_back(masters, preset):
    ws = load_workbook(masters[preset])["台账"]
    headers = [c.value for c in ws[1]]
    formulas = {}
    for dv in ws.data_validations.dataValidation:
        col = str(dv.sqref).split(":")[0].rstrip("0123456789")
        idx = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(col))) - 1
        formulas[headers[idx]] = dv.formula1
    tiered = {"复杂程度"} if builtin_rulebooks()[preset].tiers else set()  # seed 004 alone sets tiers
    assert set(formulas) == {"问题类别", "线索来源", "办理状态", "责任单位", "整改方式"} | tiered
    assert formulas["问题类别"].startswith("'问题类别'!$A$2")
    assert formulas["整改方式"] == "'代码表'!$E$2:$E$4"  # every preset: 整改方式 is a column of every ledger
    wb = load_workbook(masters[preset])
    cats = [r[0].value for r in wb["问题类别"].iter_rows(min_row=2) if r[0].value]
    assert cats == [c.name for c in builtin_rulebooks()[preset].categories]


@pytest.mark.parametrize("preset", PRESETS)
def test_settings_read_back_equal_the_rulebook(masters, preset):
    m = load_master(masters[preset])
    book = find_rulebook(preset).for_year(dt.date.today().year)  # `new` places the plan's stages in this year
    for key in ("id", "name", "categories", "sources", "tiers", "reporting", "lights", "routing", "sign_workdays",
                "feedback_workdays", "phases"):
        assert getattr(m.rulebook, key) == getattr(book, key), key
    assert m.units.match("商务局") == "区商务局"


def _with_settings(src, tmp_path, changes: dict) -> tuple:
    """A copy of a master with some 参数设置 values changed in place, as office staff would; returns (path, rows)."""
    path = tmp_path / "m.xlsx"
    path.write_bytes(src.read_bytes())
    wb = load_workbook(path)
    rows = {}
    for row in wb["参数设置"].iter_rows(min_row=2):
        if row[0].value in changes:
            row[1].value = changes[row[0].value]
            rows[row[0].value] = row[0].row
    wb.save(path)
    return path, rows


def test_office_edits_in_excel_take_effect(masters, tmp_path):
    path, _ = _with_settings(masters["xiaoneng"], tmp_path, {"时限档次·一般": "7个工作日", "黄灯预警（工作日）": 5})
    m = load_master(path)
    assert m.rulebook.tier("一般").workdays == 7
    assert m.rulebook.lights.yellow_workdays == 5


def test_bad_setting_names_the_sheet_and_row(masters, tmp_path):
    path, rows = _with_settings(masters["xiaoneng"], tmp_path, {"时限档次·较复杂": "很快"})
    bad_row = rows["时限档次·较复杂"]
    with pytest.raises(MasterError) as e:
        load_master(path)
    assert "参数设置" in str(e.value) and f"第{bad_row}行" in str(e.value)


def test_new_never_overwrites(masters):
    with pytest.raises(MasterError, match="已存在"):
        create_master(masters["xinguan"], find_rulebook("xinguan"))


@needs_libreoffice
def test_every_preset_opens_in_libreoffice(masters, tmp_path):
    pdfs = convert(list(masters.values()), "pdf", tmp_path)
    for name, pdf in zip(masters, pdfs):
        text = pdf_text(pdf)
        assert "台账总表" in text and "问题编号" in text and "报送周期" in text, name  # 说明, 台账, 参数设置
