"""validate: JSON parity with the library, exit codes, the marked copy, and the LibreOffice formats."""

import datetime as dt
import json
import re
import shutil

from conftest import REPORT_DAY, convert, needs_libreoffice
from openpyxl import load_workbook
from test_corpus import CORPUS

from taizhang.book.master import load_master
from taizhang.doors.cli import main
from taizhang.findings import CODES
from taizhang.rules.validate import validate_file


def _messy(sample):
    return next(p for p in sample.submissions.iterdir() if "盖章" in p.name)


def test_json_is_the_library_report(sample, capsys):
    f = _messy(sample)
    code = main(["validate", str(f), "--master", str(sample.master), "--today", REPORT_DAY.isoformat(), "--json"])
    printed = json.loads(capsys.readouterr().out)
    m = load_master(sample.master)
    report, _ = validate_file(f, rulebook=m.rulebook, units=m.units, today=REPORT_DAY)
    assert printed == json.loads(report.model_dump_json())
    assert code == (1 if report.counts["error"] else 0)


def test_exit_codes(capsys):
    assert main(["validate", str(CORPUS / "title_and_unit_line.xlsx"), "--today", "2026-11-23"]) == 0
    assert main(["validate", str(CORPUS / "every_error.xlsx"), "--today", "2026-11-23"]) == 1
    assert main(["validate", str(CORPUS / "truncated.xlsx")]) == 2
    out = capsys.readouterr().out
    assert "第5行" in out and "办理状态" in out and "已损坏" in out


def test_marked_copy_fills_and_comments_bad_cells(tmp_path, capsys):
    src = tmp_path / "every_error.xlsx"
    shutil.copy(CORPUS / "every_error.xlsx", src)
    before = src.read_bytes()
    out = tmp_path / "marked.xlsx"
    main(["validate", str(src), "--today", "2026-11-23", "--marked", str(out)])
    assert src.read_bytes() == before  # the original is never touched
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "校验结果"
    ws = wb["Sheet"]
    assert ws["M5"].fill.fgColor.rgb.endswith("FF9999")
    assert ws["M5"].comment.text.startswith(f"【{CODES['unknown-status'].title}】")
    assert not re.search(r"[a-z]+-[a-z]+", ws["M5"].comment.text)  # no internal code in the unit's note
    res = wb["校验结果"]
    links = [c.hyperlink.location if c.hyperlink and c.hyperlink.location else (c.hyperlink.target if c.hyperlink else None)
             for c in res["E"][1:]]
    assert any(link and "M5" in link for link in links)
    status = next(r for r in res.iter_rows(min_row=2, values_only=True) if r[1] == "unknown-status")
    assert res["I1"].value == "处理办法" and status[8] == CODES["unknown-status"].advice


@needs_libreoffice
def test_xls_and_ods_made_by_libreoffice_from_generator_output(sample, tmp_path):
    f = next(p for p in sample.submissions.iterdir() if p.name.endswith(".xlsx") and "盖章" not in p.name
             and not p.name.startswith("~$") and "损坏" not in p.name)
    m = load_master(sample.master)
    ref, _ = validate_file(f, rulebook=m.rulebook, units=m.units, today=REPORT_DAY)
    for fmt in ("xls", "ods"):
        copy = convert([f], fmt, tmp_path / fmt)[0]
        rep, checked = validate_file(copy, rulebook=m.rulebook, units=m.units, today=REPORT_DAY)
        assert (rep.rows, rep.rows_ok, rep.unit) == (ref.rows, ref.rows_ok, ref.unit)
        assert checked.frame["assigned"].map(lambda d: isinstance(d, dt.date)).all()
