"""Deadlines and traffic lights as of a day: tiers, Art. 203, approved extensions, progress, estimates."""

import datetime as dt
import json

import pandas as pd
import pytest
from openpyxl import load_workbook

from taizhang.book.ledger_sheet import save_master
from taizhang.book.master import create_master, empty_ledger, load_master
from taizhang.doors.cli import main
from taizhang.rules.rulebook import find_rulebook

D = dt.date
TODAY = D(2026, 11, 23)  # a Monday
CASES = [
    # id, assigned, complexity, deadline, extended_to, approver, progress, status → (deadline, remaining, light)
    ("A", D(2026, 11, 16), "一般", None, None, None, None, "整改中", (D(2026, 11, 23), 0, "yellow")),
    ("B", D(2026, 11, 2), "一般", None, None, None, None, "整改中", (D(2026, 11, 9), -10, "red")),
    ("C", D(2026, 11, 20), "较复杂", None, None, None, None, "整改中", (D(2026, 12, 4), 9, "green")),
    ("D", D(2026, 11, 2), None, D(2026, 11, 28), None, None, None, "整改中", (D(2026, 11, 30), 5, "green")),
    ("E", D(2026, 11, 2), "一般", None, None, None, None, "已办结", (D(2026, 11, 9), None, "done")),
    ("F", D(2026, 11, 2), "一般", None, None, None, None, "已销号", (D(2026, 11, 9), None, "closed")),
    ("G", D(2026, 11, 2), "一般", None, None, None, None, "查否", (D(2026, 11, 9), None, "done")),
    ("H", None, None, None, None, None, None, "整改中", (None, None, None)),
    ("I", D(2026, 11, 2), None, D(2026, 11, 10), D(2026, 12, 31), None, None, "整改中", (D(2026, 11, 10), -9, "red")),
    ("J", D(2026, 11, 2), None, D(2026, 11, 10), D(2026, 12, 31), "李组长", None, "整改中", (D(2026, 12, 31), 28, "green")),
    ("K", D(2026, 11, 2), None, D(2026, 11, 27), None, None, 10.0, "整改中", (D(2026, 11, 27), 4, "yellow")),
    ("L", D(2026, 11, 20), None, D(2027, 1, 15), None, None, None, "整改中", (D(2027, 1, 15), None, "green")),
    ("M", D(2026, 9, 1), "极特殊", None, None, "王组长", None, "整改中", (D(2026, 10, 8), None, "red")),
    ("M2", D(2026, 9, 1), "极特殊", None, None, None, None, "整改中", (D(2026, 9, 29), None, "red")),  # not approved: 20 workdays
    ("N", D(2026, 9, 30), "一般", None, None, None, None, "整改中", (D(2026, 10, 13), None, "red")),
]


@pytest.fixture
def master(tmp_path):
    path = tmp_path / "m.xlsx"
    create_master(path, find_rulebook("xiaoneng"))
    m = load_master(path)
    rows = [dict(case_id=c[0], unit="区商务局", assigned=c[1], complexity=c[2], deadline=c[3], extended_to=c[4],
                 extension_approver=c[5], progress=c[6], status=c[7], description="测试", category="一抓到底深入落实行动")
            for c in CASES]
    m.ledger = pd.concat([empty_ledger(), pd.DataFrame(rows)], ignore_index=True).astype(object)
    m.ledger = m.ledger.where(m.ledger.notna(), None)
    save_master(m, path)
    return path


def _status(path, capsys, *extra):
    assert main(["status", str(path), "--today", TODAY.isoformat(), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_lights_for_every_kind_of_case(master, capsys):
    out = _status(master, capsys)
    got = {c["id"]: c for c in out["cases"]}
    for cid, *_, (deadline, remaining, light) in CASES:
        c = got[cid]
        assert c["light"] == light, cid
        assert c["deadline"] == (deadline.isoformat() if deadline else None), cid
        if remaining is not None:
            assert c["remaining_workdays"] == remaining, cid
    assert any("2027" in w for w in out["warnings"])


def test_status_writes_colours_and_the_estimate_note(master, capsys):
    _status(master, capsys)
    ws = load_workbook(master)["台账"]
    headers = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(headers)}
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert rows["B"][col["红绿灯"]].value == "红灯"
    assert rows["B"][col["红绿灯"]].fill.fgColor.rgb.endswith("FFC7CE")
    assert rows["A"][col["剩余工作日"]].value == 0
    assert "推算" in rows["L"][col["时限说明"]].value
    assert rows["C"][col["整改时限"]].value.date() == D(2026, 12, 4)  # computed deadline written back
    assert "顺延" in rows["D"][col["时限说明"]].value
    assert rows["E"][col["反馈期限"]].value is None  # no 办结日期 → no feedback date


def test_a_local_day_off_moves_the_deadline(master, capsys):
    before = {c["id"]: c["deadline"] for c in _status(master, capsys)["cases"]}
    wb = load_workbook(master)
    wb["节假日"].append([D(2026, 12, 1), "放假", "本地放假"])
    wb.save(master)
    after = {c["id"]: c["deadline"] for c in _status(master, capsys)["cases"]}
    assert before["C"] == "2026-12-04" and after["C"] == "2026-12-07"


def test_status_to_a_new_file_leaves_the_master_alone(master, tmp_path, capsys):
    before = master.read_bytes()
    _status(master, capsys, "--out", str(tmp_path / "new.xlsx"))
    assert master.read_bytes() == before
    assert (tmp_path / "new.xlsx").exists()


def test_in_place_status_keeps_a_backup(master, capsys):
    _status(master, capsys)
    backups = list((master.parent / "台账备份").glob("m.*.xlsx"))
    assert len(backups) == 1


def test_findings_for_unapproved_extension_and_missing_deadline(master):
    from taizhang.jobs import with_lights

    m = load_master(master)
    res = with_lights(m, TODAY)
    codes = {(f.code, f.row) for f in res.findings}
    assert ("extension-unapproved", 10) in codes  # case I is on sheet row 10
    assert ("no-deadline", 9) in codes            # case H


def test_workday_command(capsys):
    assert main(["workday", "2026-09-30", "5"]) == 0
    assert main(["workday", "2026-09-01", "--month", "1"]) == 0
    assert capsys.readouterr().out.split() == ["2026-10-13", "2026-10-08"]
