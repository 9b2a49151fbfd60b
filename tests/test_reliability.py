"""Hostile inputs, crashes mid-write, two people at once — and nothing lost."""

import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPORT_DAY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from test_corpus import CASES, CORPUS

from taizhang.book.master import create_master, load_master
from taizhang.book.merge import merge_folder
from taizhang.book.template import safe_name
from taizhang.doors.cli import main
from taizhang.intake.units import build_directory
from taizhang.rules.rulebook import find_rulebook
from taizhang.xlsx.storage import master_lock
from taizhang.xlsx.xlsxout import put


def test_the_whole_corpus_in_one_report_day_folder(fresh_sample, capsys):
    s = fresh_sample
    good_before = {p.name for p in s.submissions.iterdir()}
    for p in CORPUS.rglob("*"):
        if p.is_file() and p.suffix not in (".py", ".json"):
            shutil.copy(p, s.submissions / p.name)
    code = main(["merge", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat(), "--json"])
    res = json.loads(capsys.readouterr().out)
    assert code == 0
    assert res["rows_read"] == res["rows_new"] + res["rows_updated"] + res["rows_unchanged"] + res["rows_rejected"]
    files = {f["file"]: f for f in res["files"]}
    for name, exp in CASES.items():
        base = Path(name).name
        f = files[base]
        if "failed" in exp:
            assert f["status"] == ("skipped" if exp["failed"] == "file-skipped" else "rejected"), base
            assert f["reason"]
    # every good row of every ordinary submission still merged
    for name in good_before:
        f = files[name]
        if f["status"] == "merged" and "盖章" not in name:
            assert f["rows_rejected"] == 0, name


KILLER = """
import sys, datetime as dt
from taizhang.jobs import run_merge
run_merge(sys.argv[1], sys.argv[2], dt.date(2026, 11, 23))
"""


def _temp_files(folder: Path) -> list[Path]:
    """atomic_write's temporary files (not the merge lock, which shares the prefix)."""
    return [p for p in folder.glob(".~taizhang-*") if not p.name.startswith(".~taizhang-lock-")]


def test_a_merge_killed_at_any_moment_leaves_old_or_new_master(fresh_sample, tmp_path):
    s = fresh_sample
    original = s.master.read_bytes()
    old_rows = len(load_master(s.master).ledger)
    reference = tmp_path / "reference.xlsx"
    from taizhang.jobs import run_merge

    run_merge(s.master, s.submissions, REPORT_DAY, reference)
    new_rows = len(load_master(reference).ledger)
    rng = random.Random(7)
    landed = 0
    for _attempt in range(6):
        proc = subprocess.Popen([sys.executable, "-c", KILLER, str(s.master), str(s.submissions)])
        # wait until the new master is being written (its temporary file exists), then kill at a random moment
        deadline = time.monotonic() + 120
        while not _temp_files(s.master.parent) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.03))
        alive = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        left = _temp_files(s.master.parent)
        m = load_master(s.master)  # always a complete, readable workbook
        assert len(m.ledger) in (old_rows, new_rows)
        if alive and left:  # the kill landed while the new master was being written
            landed += 1
            assert s.master.read_bytes() == original  # the old master, byte for byte
        for p in left:
            p.unlink()
        if len(m.ledger) == new_rows:
            s.master.write_bytes(original)  # start over from the old master
    assert landed >= 3, f"only {landed} of 6 kills interrupted a write"
    # a lock left by a killed merge on this machine does not block the next one
    run_merge(s.master, s.submissions, REPORT_DAY)
    assert len(load_master(s.master).ledger) == new_rows


def test_two_merges_cannot_both_write(fresh_sample, capsys, monkeypatch):
    import taizhang.xlsx.storage as storage

    monkeypatch.setattr(storage, "LOCK_WAIT_SECONDS", 0.3)  # the second writer waits this long, then is refused
    s = fresh_sample
    before = s.master.read_bytes()
    with master_lock(s.master):
        code = main(["merge", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat()])
    err = capsys.readouterr().err
    assert code == 2 and "正由另一次合并占用" in err and os.uname().nodename in err
    assert s.master.read_bytes() == before


def test_backups_keep_the_last_n(fresh_sample, capsys):
    s = fresh_sample
    wb = load_workbook(s.master)
    for row in wb["参数设置"].iter_rows(min_row=2):
        if row[0].value == "备份保留份数":
            row[1].value = 2
    wb.save(s.master)
    for day in range(4):  # four days: each run changes the lights (a run that changes nothing writes nothing)
        assert main(["status", str(s.master), "--today", (REPORT_DAY + dt.timedelta(days=day)).isoformat()]) == 0
    capsys.readouterr()
    assert len(list((s.master.parent / "台账备份").iterdir())) == 2


@pytest.mark.parametrize("raw, expected", [
    ("城关镇/东城..街道", "城关镇_东城_街道"), ("a:b*c?d\"e<f>g|h", "a_b_c_d_e_f_g_h"), ("CON", "_CON"),
    (" 区发改委（盖章）. ", "区发改委（盖章）"), ("", "未命名"),
])
def test_names_from_data_are_sanitised(raw, expected):
    assert safe_name(raw) == expected


def test_template_file_names_stay_unique(tmp_path):
    units = build_directory([(2, "区/商务局", "", "", ""), (3, "区_商务局", "", "", "")], "t")
    master_path = tmp_path / "m.xlsx"
    create_master(master_path, find_rulebook("xinguan"), units)
    from taizhang.book.template import write_templates

    paths = write_templates(load_master(master_path), tmp_path / "out", REPORT_DAY)
    assert len({p.name for p in paths}) == 2 and all(p.exists() for p in paths)


# ----------------------------------------------------------------------------- fuzzing

UNITS = [("城关镇", "镇", "城关"), ("东城街道", "街道", "东城办"), ("区商务局", "部门", "商务局")]
HEADERS = {
    "case_id": ["问题编号", "编号", "线索编号"], "unit": ["责任单位", "责任部门", "承办单位"],
    "source": ["线索来源", "问题来源"], "category": ["问题类别", "问题类型"], "description": ["问题描述", "问题内容"],
    "leader": ["牵头领导", "包保领导"], "person": ["具体责任人", "责任人"], "assigned": ["交办日期", "交办时间"],
    "status": ["办理状态", "状态"], "progress": ["完成进度（%）", "进度"], "amount": ["涉及金额（万元）", "涉及金额（元）"],
}
JUNK = st.one_of(st.none(), st.integers(-10**6, 10**9), st.floats(allow_nan=False, allow_infinity=False, width=32),
                 st.text(alphabet="甲乙丙丁ＡＢ１２ 　-=+@/.\n（）()年月日%", max_size=12),
                 st.dates(dt.date(1950, 1, 1), dt.date(2090, 1, 1)), st.booleans())
VALUES = {
    "unit": st.sampled_from(["城关镇", "东城办", " 商务局（盖章）", "火星办", None]),
    "category": st.sampled_from(["账款支付不到位", "1.招商引资政策不兑现", "乱收费", None]),
    "status": st.sampled_from(["推进中", "已完成", "已销号", "差不多", None]),
    "assigned": st.one_of(st.dates(dt.date(2026, 1, 1), dt.date(2026, 11, 20)),
                          st.sampled_from(["2026年3月5日", "2026.13.1", "5月31日", "４６１００"])),
    "case_id": st.one_of(st.none(), st.sampled_from(["001", "A-1", "0012", "001"]), st.integers(1, 30)),
}


@st.composite
def ledgers(draw):
    keys = draw(st.lists(st.sampled_from(sorted(HEADERS)), min_size=3, max_size=len(HEADERS), unique=True))
    for required in ("description", "category", "status"):
        if required not in keys:
            keys.append(required)
    draw(st.randoms()).shuffle(keys)
    headers = [draw(st.sampled_from(HEADERS[k])) for k in keys]
    n = draw(st.integers(0, 12))
    rows = []
    for i in range(n):
        if draw(st.integers(0, 9)) == 0:
            rows.append([draw(JUNK) for _ in keys])  # a junk row
            continue
        rows.append([draw(VALUES.get(k, JUNK)) if k != "description" else f"问题{i}{draw(st.text('xyz=+-@', max_size=3))}"
                     for k in keys])
    above = draw(st.sampled_from([[], ["台账"], ["台账", "填报单位：城关镇（盖章）"]]))
    return above, headers, rows


@pytest.fixture(scope="module")
def fuzz_master(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    path = root / "m.xlsx"
    create_master(path, find_rulebook("xinguan"), build_directory([(i, *u, "") for i, u in enumerate(UNITS, 2)], "fuzz"))
    return load_master(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(ledgers())
def test_fuzz_every_row_is_merged_or_reported_and_merging_twice_equals_once(fuzz_master, tmp_path_factory, case):
    above, headers, rows = case
    folder = tmp_path_factory.mktemp("sub")
    wb = Workbook()
    ws = wb.active
    for r, text in enumerate(above, 1):
        put(ws, r, 1, text)
    top = len(above) + 1
    for c, h in enumerate(headers, 1):
        put(ws, top, c, h)
    for r, values in enumerate(rows, top + 1):
        for c, v in enumerate(values, 1):
            put(ws, r, c, v)
    wb.save(folder / "报送.xlsx")
    nonblank = sum(1 for r in rows if any(v not in (None, "") for v in r))
    merged, res = merge_folder(fuzz_master, folder, REPORT_DAY)  # never raises
    assert res.balanced()
    (f,) = res.files
    skipped_rows = sum(1 for i in res.issues if i.code == "repeated-header")
    if f.status in ("merged", "zero_report"):
        assert res.rows_read + skipped_rows <= nonblank
        assert res.rows_read + skipped_rows >= nonblank - sum(
            1 for r in rows if sum(v not in (None, "") for v in r) <= 2)  # zero-report markers and notes may end a table
    else:
        assert f.reason  # a whole file refused says why
    again, res2 = merge_folder(merged, folder, REPORT_DAY)
    assert (res2.rows_new, res2.rows_updated) == (0, 0)
    assert len(again.ledger) == len(merged.ledger)


def test_a_job_pauses_the_cycle_collector_only_while_it_runs(fresh_sample, tmp_path):
    """jobs.bulk: the collector is back on after a merge, and after a merge that fails."""
    import gc

    from taizhang.jobs import run_merge

    assert gc.isenabled()
    run_merge(fresh_sample.master, fresh_sample.submissions, REPORT_DAY, tmp_path / "out.xlsx")
    assert gc.isenabled()
    with pytest.raises(FileNotFoundError):
        run_merge(fresh_sample.master, tmp_path / "no-such-folder", REPORT_DAY, tmp_path / "out2.xlsx")
    assert gc.isenabled()
