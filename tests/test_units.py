"""The unit list: .csv and .xlsx, aliases, and conflicts that name both rows."""

import pytest
from openpyxl import Workbook

from taizhang.intake.units import UnitListError, norm_unit, read_unit_file


def test_csv_in_gbk_and_matching_forms(tmp_path):
    f = tmp_path / "units.csv"
    f.write_bytes("单位名称,单位类型,别名\n区发展和改革委员会,区直部门,区发改委、发改委\n城关镇,乡镇,\n".encode("gbk"))
    d = read_unit_file(f)
    assert d.match("区发改委") == "区发展和改革委员会"
    assert d.match(" 区发改委（盖章） ") == "区发展和改革委员会"
    assert d.match("城关镇(盖章)") == "城关镇"
    assert d.match("ＣＧ") is None
    assert d.find_in("城关镇-2026年11月报送") == "城关镇"
    assert d.suggest("城关") == ["城关镇"]


def test_xlsx_with_codes(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["单位名称", "单位类型", "别名", "单位代码"])
    ws.append(["东城街道", "街道", "东城办事处", "DC"])
    ws.append(["西城街道", "街道", None, None])
    wb.save(tmp_path / "u.xlsx")
    d = read_unit_file(tmp_path / "u.xlsx")
    assert [u.code for u in d.units] == ["DC", "DW002"]


def test_a_unit_listed_twice_names_both_rows(tmp_path):
    f = tmp_path / "units.csv"
    f.write_text("单位名称,单位类型,别名\n城关镇,乡镇,\n东城街道,街道,\n城关镇 ,乡镇,\n", encoding="utf-8")
    with pytest.raises(UnitListError) as e:
        read_unit_file(f)
    assert "第4行" in str(e.value) and "第2行" in str(e.value)


def test_an_alias_claimed_by_two_units_names_both_rows(tmp_path):
    f = tmp_path / "units.csv"
    f.write_text("单位名称,单位类型,别名\n区工业和信息化局,部门,工信局\n区商务局,部门,商务、工信局\n", encoding="utf-8")
    with pytest.raises(UnitListError) as e:
        read_unit_file(f)
    assert "第3行" in str(e.value) and "第2行" in str(e.value) and "工信局" in str(e.value)


def test_norm_unit_folds_full_width_and_stamps():
    assert norm_unit("填报单位：区　商务局（盖章）") == "区商务局"
