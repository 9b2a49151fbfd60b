"""The messy-submission corpus: each workbook's outcome equals expected.json beside it."""

import datetime as dt
import json
from pathlib import Path

import pytest

from taizhang.rulebook import find_rulebook
from taizhang.units import build_directory
from taizhang.validate import validate_file

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
UNITS = build_directory([(i, n, t, a, "") for i, (n, t, a) in enumerate(EXPECTED["_units"], 2)], "corpus")
BOOK = find_rulebook(EXPECTED["_preset"])
TODAY = dt.date.fromisoformat(EXPECTED["_today"])
CASES = {k: v for k, v in EXPECTED.items() if not k.startswith("_")}


def outcome(name: str):
    report, checked = validate_file(CORPUS / name, rulebook=BOOK, units=UNITS, today=TODAY, display_name=name)
    return report, checked


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_file(name):
    exp = CASES[name]
    report, checked = outcome(name)
    if "failed" in exp:
        assert checked.read.failed
        assert [f.code for f in report.findings if f.severity != "info" or f.code == "file-skipped"] == [exp["failed"]]
        msg = report.findings[0].message
        assert name in msg  # the message names the file
        return
    got = {k: getattr(report, k) for k in ("sheet", "header_row", "rows", "rows_ok", "unit", "unit_source")}
    assert got == {k: exp[k] for k in got}
    assert report.zero_report == exp.get("zero_report", False)
    triples = sorted(([f.row, f.column, f.code] for f in report.findings if f.severity != "info"),
                     key=lambda t: (t[0] or 0, t[1], t[2]))
    assert triples == sorted(exp["findings"], key=lambda t: (t[0] or 0, t[1], t[2]))


def test_values_are_normalised_with_the_original_kept():
    report, checked = outcome("renamed_reordered.xlsx")
    df = checked.frame
    assert set(df["assigned"]) == {dt.date(2026, 10, 9)}           # six date styles incl. full-width digits
    assert set(df["amount"]) == {125.0}                             # 1,250,000 元 → 125 万元
    assert set(df["status"]) == {"整改中"}                           # 推进中 → 整改中
    assert set(df["phone"]) == {"13912345678"}                      # a number cell stays a phone number
    assert set(df["progress"]) == {60.0}
    assert list(df["case_id"]) == [f"00{i}" for i in range(1, 7)]   # leading zeros kept
    guessed = [f for f in report.findings if f.code == "date-year-guessed"][0]
    assert guessed.value == "10月9日"


def test_unit_line_fills_blank_unit_cells_and_totals_stop_reading():
    _, checked = outcome("title_and_unit_line.xlsx")
    assert list(checked.frame["unit"]) == ["城关镇", "城关镇"]
    assert list(checked.frame["_row"]) == [4, 5]


def test_hidden_rows_and_sheets_are_not_data():
    _, checked = outcome("instruction_first_hidden.xlsx")
    assert list(checked.frame["_row"]) == [2, 4, 6]


def test_every_finding_has_a_place_and_a_chinese_message():
    report, _ = outcome("every_error.xlsx")
    for f in report.findings:
        if f.severity == "info":
            continue
        assert f.file == "every_error.xlsx" and f.sheet == "Sheet" and f.row
        assert f.column and f.header
        assert any("\u4e00" <= ch <= "\u9fff" for ch in f.message)
