"""Report day survives the files units really send: a parser panic, a huge declared sheet, true reasons."""

import io
import json
import shutil

import pytest
from conftest import REPORT_DAY
from test_corpus import CORPUS

from taizhang.doors.cli import main

PANIC = CORPUS / "panic_truncated_directory.xls"


def test_calamine_really_panics_on_the_truncated_directory():
    from python_calamine import CalamineWorkbook

    with pytest.raises(BaseException) as info:
        CalamineWorkbook.from_filelike(io.BytesIO(PANIC.read_bytes()))
    assert type(info.value).__name__ == "PanicException" and not isinstance(info.value, Exception)


def test_validate_reports_a_panicking_file_in_chinese(capsys):
    code = main(["validate", str(PANIC), "--json"])
    out = capsys.readouterr()
    res = json.loads(out.out)
    assert code == 2
    [f] = [f for f in res["findings"] if f["severity"] == "error"]
    assert f["code"] == "file-unreadable" and PANIC.name in f["message"]
    assert "Panic" not in f["message"] and "range" not in f["message"]
    assert "panicked" not in out.err  # the Rust side's English went to the log


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_panicking_file_never_stops_a_merge(fresh_sample, monkeypatch, capsys, workers):
    from taizhang.book import merge as merge_mod

    monkeypatch.setenv("TAIZHANG_WORKERS", workers)
    monkeypatch.setattr(merge_mod, "PARALLEL_MIN_BYTES", 0)  # worker processes even for the small sample
    s = fresh_sample
    good = sorted(p.name for p in s.submissions.iterdir())
    assert len(good) >= 8  # enough files for the worker pool
    shutil.copy(PANIC, s.submissions / "城关镇-报送.xls")
    code = main(["merge", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat(), "--json"])
    res = json.loads(capsys.readouterr().out)
    assert code == 0
    files = {f["file"]: f for f in res["files"]}
    assert files["城关镇-报送.xls"]["status"] == "rejected"
    assert "已损坏" in files["城关镇-报送.xls"]["reason"]
    for n in good:  # every other workbook is merged as without the panicking file (the sample has one broken file of its own)
        if n.endswith(".xlsx") and not n.startswith("~$"):
            assert files[n]["status"] == ("rejected" if "损坏" in n else ("zero_report" if "零" in n or "东城" in n else "merged")), n
    assert res["rows_new"] + res["rows_updated"] + res["rows_unchanged"] > 0


MEASURE = """
import json, resource, sys, time
from pathlib import Path
from taizhang.rules.rulebook import find_rulebook
from taizhang.rules.validate import validate_file
book = find_rulebook("xinguan")
t = time.perf_counter()
report, _ = validate_file(Path(sys.argv[1]), rulebook=book)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "codes": [f.code for f in report.findings if f.severity == "error"]}))
"""


@pytest.mark.parametrize("name", ["huge_sparse_xfd.xlsx", "huge_legacy_iv65536.xls", "huge_legacy_iv65536.ods",
                                  "million_row_range.xlsx"])
def test_a_huge_declared_sheet_is_read_or_refused_under_1gb_and_in_seconds(name):
    """Measured in a fresh process: its peak resident size is this one file's reading (an abort would show too)."""
    import resource
    import subprocess
    import sys

    limit = 3 << 30  # with a 3 GB address space the 17-billion-cell range would fail, not swap the machine
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(CORPUS / name)], capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)))
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    assert got["peak_mb"] < 1024, got
    assert got["seconds"] < 5, got
    if name.startswith("huge_legacy"):
        assert got["codes"] == ["sheet-range-too-large"]
    else:  # .xlsx: the table is read, the stray value is left out with a warning
        assert got["codes"] == []


def test_the_refusal_names_the_far_cell():
    from taizhang.rules.rulebook import find_rulebook
    from taizhang.rules.validate import validate_file

    report, _ = validate_file(CORPUS / "huge_legacy_iv65536.xls", rulebook=find_rulebook("xinguan"))
    msg = report.findings[0].message
    assert "IV65536" in msg and "台账" in msg and "65536 行 × 256 列" in msg


def test_a_stray_far_value_is_left_out_by_name_and_the_table_read():
    from taizhang.rules.rulebook import find_rulebook
    from taizhang.rules.validate import validate_file

    report, checked = validate_file(CORPUS / "huge_sparse_xfd.xlsx", rulebook=find_rulebook("xinguan"))
    [far] = [f for f in report.findings if f.code == "cell-outside-table"]
    assert (far.row, far.column, far.value) == (1048576, "XFD", "误输入") and "未读取" in far.message
    assert list(checked.frame["_row"]) == [2]


def test_many_far_values_are_not_strays_and_the_file_is_refused(tmp_path):
    from openpyxl import Workbook

    from taizhang.rules.rulebook import find_rulebook
    from taizhang.rules.validate import validate_file

    wb = Workbook()
    ws = wb.active
    ws.append(["问题编号", "责任单位", "问题类别", "问题描述", "办理状态"])
    for i in range(30):
        ws.cell(row=900_000 + i, column=16_000, value=i)
    wb.save(tmp_path / "far.xlsx")
    report, checked = validate_file(tmp_path / "far.xlsx", rulebook=find_rulebook("xinguan"))
    assert checked.read.failed and report.findings[0].code == "sheet-range-too-large"


def test_skipped_rows_in_the_terminal_and_json_of_validate(capsys):
    f = CORPUS / "subtotal_groups.xlsx"
    assert main(["validate", str(f), "--today", REPORT_DAY.isoformat()]) == 0
    text = capsys.readouterr().out
    assert "表头下有6行不是问题行，未导入" in text and "第5行小计行" in text and "第14行说明或落款" in text
    main(["validate", str(f), "--json", "--today", REPORT_DAY.isoformat()])
    res = json.loads(capsys.readouterr().out)
    assert res["rows"] == 7 and res["rows_in_file"] == 13
    assert [(s["row"], s["kind"]) for s in res["rows_skipped"]] == [
        (5, "subtotal"), (8, "subtotal"), (11, "total"), (13, "total"), (14, "note"), (15, "note")]


def test_skipped_rows_in_the_merge_account(fresh_sample, capsys):
    s = fresh_sample
    for own in s.submissions.glob("城关镇*"):  # this file is 城关镇's report (of two, only the later would be merged)
        own.unlink()
    shutil.copy(CORPUS / "subtotal_groups.xlsx", s.submissions / "城关镇-分类小计.xlsx")
    assert main(["merge", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat(), "--json", "--out",
                 str(s.root / "out.xlsx")]) == 0
    res = json.loads(capsys.readouterr().out)
    f = {x["file"]: x for x in res["files"]}["城关镇-分类小计.xlsx"]
    assert f["rows_in_file"] == 13 and f["rows_read"] == 7 and len(f["rows_skipped"]) == 6
    assert f["rows_in_file"] == f["rows_read"] + len(f["rows_skipped"])
    assert main(["merge", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat(), "--out",
                 str(s.root / "out2.xlsx")]) == 0
    text = capsys.readouterr().out
    assert "城关镇-分类小计.xlsx：表头下有6行不是问题行，未导入：第5行小计行" in text
