"""Report day survives the files units really send: a parser panic, a huge declared sheet, true reasons."""

import io
import json
import shutil
from pathlib import Path

import pytest

from taizhang.doors.cli import main

from conftest import REPORT_DAY
from test_corpus import CORPUS

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
