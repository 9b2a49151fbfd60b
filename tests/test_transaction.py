"""One writer at a time, and nothing lost: the master's transaction, its lock, temp files, backups, and what a bug
message says was written (xlsx/storage.py and the jobs that write the master)."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import REPORT_DAY
from openpyxl import Workbook, load_workbook

import taizhang.xlsx.storage as storage
from taizhang.book.master import load_master
from taizhang.book.sheets import S_REPORTS
from taizhang.errors import bug_message
from taizhang.jobs import run_assign, run_merge, run_status
from taizhang.xlsx.storage import WriteError, atomic_write, backup, master_lock


def lock_file(master: Path) -> Path:
    return master.with_name(f".~taizhang-lock-{master.name}")


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _wait_for(path: Path, proc=None, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < end, f"{path.name} never appeared"
        if proc is not None and hasattr(proc, "is_alive") and not proc.is_alive():
            raise AssertionError("the first writer ended before its lock was seen")
        time.sleep(0.001)


def _case_ids(master: Path) -> set[str]:
    return {str(c) for c in load_master(master).ledger["case_id"] if c}


@pytest.fixture
def reference(fresh_sample, tmp_path):
    """The cases one merge of the sample's folder gives (written to another file, the master untouched)."""
    out = tmp_path / "reference.xlsx"
    run_merge(fresh_sample.master, fresh_sample.submissions, REPORT_DAY, out)
    return _case_ids(out)


# --------------------------------------------------------------------------- concurrent writers lose nothing

def _threads(n: int):
    """A runner for ``n`` jobs in threads: (errors, results, run(i, fn, wait_for_this_file_first))."""
    errors: list[BaseException] = []
    results: list = [None] * n

    def run(i, fn, lock_seen_first: Path | None):
        try:
            if lock_seen_first is not None:
                _wait_for(lock_seen_first)
            results[i] = fn()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    return errors, results, run


def test_a_status_during_a_merge_loses_none_of_its_cases_threads(fresh_sample, reference):
    s = fresh_sample
    assert len(reference) > len(_case_ids(s.master))  # the merge brings new cases
    errors, results, run = _threads(2)
    merge = threading.Thread(target=run, args=(0, lambda: run_merge(s.master, s.submissions, REPORT_DAY), None))
    status = threading.Thread(target=run, args=(1, lambda: run_status(s.master, REPORT_DAY), lock_file(s.master)))
    status.start()
    merge.start()  # the status starts once the merge holds the lock: it waits, then reads the merged master
    merge.join()
    status.join()
    assert not errors, errors
    assert _case_ids(s.master) == reference


def test_two_assigns_at_once_give_two_numbers_and_both_land_threads(fresh_sample, tmp_path):
    s = fresh_sample
    before = _case_ids(s.master)
    a = _clue_file(tmp_path / "a.xlsx", "GD101", "城关镇政府承诺的厂房租金补贴一直未兑现")
    b = _clue_file(tmp_path / "b.xlsx", "GD102", "城关镇安置小区配套道路迟迟未建设")
    errors, results, run = _threads(2)
    first = threading.Thread(target=run, args=(0, lambda: run_assign(s.master, REPORT_DAY, a), None))
    second = threading.Thread(target=run, args=(1, lambda: run_assign(s.master, REPORT_DAY, b), lock_file(s.master)))
    second.start()
    first.start()
    first.join()
    second.join()
    assert not errors, errors
    ids = [x.id for r in results for x in r.new_cases]
    assert len(ids) == 2 and len(set(ids)) == 2
    assert _case_ids(s.master) == before | set(ids)


def _clue_file(path: Path, number: str, text: str) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["工单号", "来电日期", "反映人", "联系电话", "反映问题", "被反映单位", "来源"])
    ws.append([number, "2026-11-18", "", "", text, "城关镇", "12345热线"])
    wb.save(path)
    return path


def _merge_in_process(master: str, folder: str) -> None:
    run_merge(master, folder, REPORT_DAY)


def _after_the_lock(ready, master: str) -> None:
    """In the second process: say it is ready, then start the moment the first process holds the master's lock."""
    ready.set()
    _wait_for(lock_file(Path(master)))


def _status_in_process(master: str, ready=None) -> None:
    if ready is not None:
        _after_the_lock(ready, master)
    run_status(master, REPORT_DAY)


def _assign_in_process(master: str, clues: str, out: str, ready=None) -> None:
    if ready is not None:
        _after_the_lock(ready, master)
    res = run_assign(master, REPORT_DAY, clues)
    Path(out).write_text(json.dumps([a.id for a in res.new_cases]), encoding="utf-8")


def test_a_status_during_a_merge_loses_nothing_processes(fresh_sample, reference):
    s = fresh_sample
    ctx = multiprocessing.get_context("spawn")  # as on Windows: a fresh interpreter per process
    ready = ctx.Event()
    merge = ctx.Process(target=_merge_in_process, args=(str(s.master), str(s.submissions)))
    status = ctx.Process(target=_status_in_process, args=(str(s.master), ready))
    status.start()
    assert ready.wait(60)
    merge.start()  # the status process starts its job as soon as the merge holds the lock
    merge.join(120)
    status.join(120)
    assert (merge.exitcode, status.exitcode) == (0, 0)
    assert _case_ids(s.master) == reference


def test_two_assigns_at_once_both_land_processes(fresh_sample, tmp_path):
    s = fresh_sample
    before = _case_ids(s.master)
    ctx = multiprocessing.get_context("spawn")
    files = [_clue_file(tmp_path / "1.xlsx", "GD201", "城关镇政府承诺的厂房租金补贴一直未兑现"),
             _clue_file(tmp_path / "2.xlsx", "GD202", "城关镇安置小区配套道路迟迟未建设")]
    outs = [tmp_path / f"ids{n}.json" for n in (1, 2)]
    ready = ctx.Event()
    first = ctx.Process(target=_assign_in_process, args=(str(s.master), str(files[0]), str(outs[0])))
    second = ctx.Process(target=_assign_in_process, args=(str(s.master), str(files[1]), str(outs[1]), ready))
    second.start()
    assert ready.wait(60)
    first.start()  # the second press comes while the first holds the lock
    first.join(120)
    second.join(120)
    assert (first.exitcode, second.exitcode) == (0, 0)
    ids = [i for o in outs for i in json.loads(o.read_text(encoding="utf-8"))]
    assert len(ids) == 2 and len(set(ids)) == 2
    assert _case_ids(s.master) == before | set(ids)


def test_a_master_changed_after_it_was_read_is_not_replaced(fresh_sample, monkeypatch):
    """Excel (or a script) saves the master while a job computes: the job's result is refused, that save kept."""
    import taizhang.jobs as jobs

    s = fresh_sample
    real = jobs.with_lights
    theirs = {}

    def meanwhile(master, today):
        wb = load_workbook(s.master)
        wb["台账"]["A1"].value = "问题编号"
        wb.save(s.master)  # the office's save, without taizhang's lock
        theirs["bytes"] = s.master.read_bytes()
        return real(master, today)

    monkeypatch.setattr(jobs, "with_lights", meanwhile)
    with pytest.raises(WriteError, match="被其他程序修改"):
        run_status(s.master, REPORT_DAY)
    assert s.master.read_bytes() == theirs["bytes"] and not _backups(s.master)


def test_the_master_is_never_replaced_outside_a_transaction_that_read_it(fresh_sample):
    from taizhang.book.ledger_sheet import save_master

    s = fresh_sample
    m = load_master(s.master)  # read before any lock
    with pytest.raises(RuntimeError, match="outside its master_transaction"):
        save_master(m, s.master, backup_keep=3)
    with storage.master_transaction(s.master), pytest.raises(RuntimeError, match="did not read it"):
        save_master(m, s.master, backup_keep=3)  # the read happened before the lock: a lost update in waiting


def test_one_transaction_may_write_twice_but_not_over_another_save(tmp_path):
    import zipfile

    def package(text: str):
        def write(tmp: Path) -> None:
            with zipfile.ZipFile(tmp, "w") as z:
                z.writestr("a.xml", text)
        return write

    master = tmp_path / "台账.xlsx"
    package("0")(master)
    with storage.master_transaction(master) as txn:
        storage.note_read(master)
        atomic_write(master, package("1"), backup_keep=5)
        atomic_write(master, package("2"), backup_keep=5)  # its own write is not "another program's"
        assert txn.replaced
        package("3")(master)  # now another program saves
        with pytest.raises(WriteError, match="被其他程序修改"):
            atomic_write(master, package("4"), backup_keep=5)
    assert zipfile.ZipFile(master).read("a.xml") == b"3"


# --------------------------------------------------------------------------- a write that changes nothing

def _backups(master: Path) -> list[Path]:
    folder = master.parent / "台账备份"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_status_that_changes_nothing_writes_nothing(fresh_sample):
    from taizhang.report.text import status_text

    s = fresh_sample
    first = run_status(s.master, REPORT_DAY)
    assert first.written
    stamp, mtime, kept = s.master.read_bytes(), s.master.stat().st_mtime_ns, _backups(s.master)
    again = run_status(s.master, REPORT_DAY)
    assert not again.written and again.backup is None
    assert s.master.read_bytes() == stamp and s.master.stat().st_mtime_ns == mtime and _backups(s.master) == kept
    assert "台账总表未改动" in "\n".join(status_text(again))


def test_a_second_merge_of_the_same_folder_keeps_the_first_account(fresh_sample, capsys):
    from taizhang.doors.cli import main

    s = fresh_sample
    first = run_merge(s.master, s.submissions, REPORT_DAY)
    assert first.written and sum(r[5] for r in first.master.reports) > 0  # 新增 per unit
    account = [list(r) for r in load_workbook(s.master, read_only=True)[S_REPORTS].iter_rows(values_only=True)]
    stamp, kept = s.master.read_bytes(), _backups(s.master)
    capsys.readouterr()
    assert main(["merge", str(s.master), str(s.submissions), "--today", REPORT_DAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "没有新内容，台账总表未改动" in out and "报送情况”保留上次合并的记录" in out
    assert s.master.read_bytes() == stamp and _backups(s.master) == kept
    assert [list(r) for r in load_workbook(s.master, read_only=True)[S_REPORTS].iter_rows(values_only=True)] == account
    # a unit's file taken out of the folder: its state changes, so the account is written again
    gone = next(f for f in first.result.files if f.status == "merged" and f.unit)
    next(p for p in s.submissions.rglob("*") if p.name == gone.file).unlink()
    again = run_merge(s.master, s.submissions, REPORT_DAY)
    assert again.written and gone.unit in again.result.missing_units
    # a later day is a new report day: the lights move, the master is written
    later = run_merge(s.master, s.submissions, REPORT_DAY + dt.timedelta(days=7))
    assert later.written and s.master.read_bytes() != stamp


# --------------------------------------------------------------------------- the lock

def _write_lock(master: Path, **info) -> Path:
    lock = lock_file(master)
    lock.write_text(json.dumps({"host": socket.gethostname(), "pid": 1, "time": "2026-11-23T09:00:00", **info}),
                    encoding="utf-8")
    return lock


def test_the_stale_lock_check_asks_psutil_not_os_kill(tmp_path, monkeypatch):
    """On Windows ``os.kill(pid, 0)`` sends CTRL_C_EVENT: the check must ask the system through psutil."""
    import psutil

    master = tmp_path / "台账.xlsx"
    master.write_bytes(b"x")

    def no_kill(*a):
        raise AssertionError("os.kill must not be used to test a process")

    monkeypatch.setattr(os, "kill", no_kill)
    asked = []
    monkeypatch.setattr(psutil, "pid_exists", lambda pid: asked.append(pid) or False)
    _write_lock(master, pid=4242)
    with master_lock(master, wait=0):  # its holder is gone: taken over at once
        assert json.loads(lock_file(master).read_text(encoding="utf-8"))["pid"] == os.getpid()
    assert 4242 in asked and not lock_file(master).exists()


def test_a_live_holder_is_waited_for_then_refused_without_being_told_to_delete(tmp_path, monkeypatch):
    import psutil

    master = tmp_path / "台账.xlsx"
    master.write_bytes(b"x")
    monkeypatch.setattr(psutil, "pid_exists", lambda pid: True)
    monkeypatch.setattr(storage, "_started", lambda pid: 1000.0)
    _write_lock(master, pid=4242, started=1000.0, action="交办")
    begun = time.monotonic()
    with pytest.raises(WriteError) as exc, master_lock(master, wait=0.5):
        pass
    assert time.monotonic() - begun >= 0.5  # it waited the stated time, polling
    text = str(exc.value)
    assert "正由另一次交办占用" in text and "4242" in text and "仍在运行" in text and "删除" not in text
    assert "未知" not in text
    monkeypatch.setattr(storage, "LOCK_WAIT_SECONDS", 1.0)
    with pytest.raises(WriteError, match="已等待1秒仍未完成"), master_lock(master):  # the stated wait, said
        pass


def test_a_number_given_again_to_another_program_is_a_gone_holder(tmp_path, monkeypatch):
    import psutil

    master = tmp_path / "台账.xlsx"
    master.write_bytes(b"x")
    monkeypatch.setattr(psutil, "pid_exists", lambda pid: True)
    monkeypatch.setattr(storage, "_started", lambda pid: 5000.0)  # started after the lock was taken
    _write_lock(master, pid=4242, started=1000.0)
    with master_lock(master, wait=0):
        pass


def test_a_lock_from_another_computer_says_how_to_check(tmp_path):
    master = tmp_path / "台账.xlsx"
    master.write_bytes(b"x")
    _write_lock(master, host="办公室-PC2", pid=_dead_pid())
    with pytest.raises(WriteError) as exc, master_lock(master, wait=0):
        pass
    text = str(exc.value)
    assert "办公室-PC2" in text and "任务管理器" in text and f"删除 {lock_file(master).name}" in text


def test_two_takers_of_one_stale_lock_cannot_both_hold_it(tmp_path, monkeypatch):
    """Both find the lock stale at the same moment (held at a barrier), then race to take it."""
    master = tmp_path / "台账.xlsx"
    master.write_bytes(b"x")
    _write_lock(master, pid=_dead_pid())
    barrier = threading.Barrier(2)
    real = storage._holder_gone
    met = threading.local()

    def gone(held):
        result = real(held)
        if result and not getattr(met, "done", False):
            met.done = True
            barrier.wait(5)  # both judged it stale before either takes it
        return result

    monkeypatch.setattr(storage, "_holder_gone", gone)
    inside, overlaps, errors = [], [], []

    def take():
        try:
            with master_lock(master, wait=10):
                inside.append(1)
                if len(inside) > 1:
                    overlaps.append(1)
                time.sleep(0.2)
                inside.pop()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=take) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and not overlaps


def _hold_lock(master: str, log: str) -> None:
    with master_lock(Path(master), wait=30):
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"in {time.time()!r}\n")
        time.sleep(0.3)
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"out {time.time()!r}\n")


def test_processes_that_all_find_a_stale_lock_take_it_one_at_a_time(tmp_path):
    master = tmp_path / "台账.xlsx"
    master.write_bytes(b"x")
    _write_lock(master, pid=_dead_pid())
    log = tmp_path / "log.txt"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_hold_lock, args=(str(master), str(log))) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    events = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    assert [e[0] for e in events] == ["in", "out"] * 4  # never two inside at once
    assert not lock_file(master).exists()


def test_the_lock_file_is_whole_the_moment_it_exists(tmp_path, monkeypatch):
    """Whoever looks at the lock as soon as it exists reads who holds it (never "计算机：未知，进程：未知")."""
    master = tmp_path / "台账.xlsx"
    master.write_bytes(b"x")
    lock = lock_file(master)
    seen = []
    real_open, real_link = os.open, os.link

    def look():
        if lock.exists():
            seen.append(lock.read_bytes())

    def spy_open(path, flags, *a, **k):
        fd = real_open(path, flags, *a, **k)
        if Path(path) == lock:
            look()
        return fd

    def spy_link(src, dst, *a, **k):
        real_link(src, dst, *a, **k)
        if Path(dst) == lock:
            look()

    monkeypatch.setattr(os, "open", spy_open)
    monkeypatch.setattr(os, "link", spy_link)
    with master_lock(master, wait=0):
        pass
    assert seen and all(json.loads(raw)["pid"] == os.getpid() for raw in seen)
    assert "未知" not in storage.lock_message(master, {})


# --------------------------------------------------------------------------- temp files

KILLER = """
import sys, datetime as dt
from taizhang.jobs import run_merge
run_merge(sys.argv[1], sys.argv[2], dt.date(2026, 11, 23))
"""


def _temps(folder: Path) -> list[Path]:
    return sorted(folder.glob(storage.TEMP_PREFIX + "*"))


def test_no_temp_file_outlives_a_kill_9(fresh_sample):
    s = fresh_sample
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", KILLER, str(s.master), str(s.submissions)])
        end = time.monotonic() + 120
        while not _temps(s.master.parent) and proc.poll() is None and time.monotonic() < end:
            time.sleep(0.001)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if _temps(s.master.parent):
            break
    left = _temps(s.master.parent)
    assert left, "no kill landed while the master was being written"
    run_status(s.master, REPORT_DAY)  # the next run, on this machine: the dead process's files go
    assert not _temps(s.master.parent)
    assert not [p for p in s.master.parent.iterdir() if p.name.startswith(".~taizhang-lock-")]


def test_leftovers_of_gone_processes_are_removed_live_ones_kept(tmp_path):
    tag = storage._host_tag()
    dead = tmp_path / f"{storage.TEMP_PREFIX}{tag}-{_dead_pid()}-0a1b2c.xlsx"
    live = tmp_path / f"{storage.TEMP_PREFIX}{tag}-{os.getpid()}-0a1b2d.xlsx"
    other_host = tmp_path / f"{storage.TEMP_PREFIX}00000000-{_dead_pid()}-0a1b2e.xlsx"
    upload = tmp_path / ".~taizhang-upload-0123456789abcdef0123456789abcdef.xlsx"  # the web page's, being received
    lock_part = tmp_path / f".~taizhang-lock-台账.xlsx.{tag}-{_dead_pid()}-0a1b2c3d.part"  # a lock being made, killed
    for p in (dead, live, other_host, upload, lock_part):
        p.write_bytes(b"partial")
    atomic_write(tmp_path / "summary.xlsx", lambda tmp: tmp.write_bytes(b"whole"))
    assert not dead.exists() and not lock_part.exists()
    assert live.exists() and other_host.exists() and upload.exists()
    assert (tmp_path / "summary.xlsx").read_bytes() == b"whole"


# --------------------------------------------------------------------------- backups

def test_backups_of_two_masters_in_one_folder_are_pruned_apart(tmp_path):
    this, that, odd = tmp_path / "台账.xlsx", tmp_path / "台账.2025.xlsx", tmp_path / "台账[1].xlsx"
    for p in (this, that, odd):
        p.write_bytes(p.name.encode())
    for _ in range(3):
        backup(that, 5)
    for _ in range(4):
        backup(this, 1)
        backup(odd, 2)
    names = [p.name for p in sorted((tmp_path / "台账备份").iterdir())]
    assert len([n for n in names if n.startswith("台账.2025.")]) == 3  # 台账.xlsx's pruning left them alone
    assert len([n for n in names if n.startswith("台账[1].")]) == 2  # "[1]" is a name, not a pattern
    assert len(names) == 3 + 1 + 2


# --------------------------------------------------------------------------- what a bug message says was written

def test_a_bug_message_promises_a_backup_only_where_there_is_one(tmp_path):
    text = bug_message(tmp_path / "log", [storage.Written(tmp_path / "台账.xlsx", tmp_path / "台账备份" / "b.xlsx"),
                                          storage.Written(tmp_path / "汇总.xlsx", None)])
    assert "台账.xlsx（替换前的版本在同一文件夹的“台账备份”中）" in text and "汇总.xlsx。" in text
    assert text.count("台账备份") == 1


def test_each_request_names_only_its_own_files(tmp_path):
    first = tmp_path / "a.xlsx"
    with storage.recording() as outer:
        with storage.recording() as one:
            atomic_write(first, lambda tmp: tmp.write_bytes(b"1"))
        with storage.recording() as two:
            pass
        seen = {}

        def other_thread():
            with storage.recording() as mine:
                atomic_write(tmp_path / "b.xlsx", lambda tmp: tmp.write_bytes(b"2"))
                seen["mine"] = list(mine)

        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
    assert [w.path for w in one] == [first] and list(two) == []
    assert [w.path for w in seen["mine"]] == [tmp_path / "b.xlsx"]
    assert [w.path for w in outer] == [first]  # another thread's request is not this one's


def test_the_web_page_names_only_the_files_this_request_wrote(fresh_sample, tmp_path, monkeypatch):
    pytest.importorskip("starlette")
    from test_web import client_for

    import taizhang.jobs

    monkeypatch.setenv("TAIZHANG_LOG_DIR", str(tmp_path / "log"))
    s = fresh_sample
    with client_for(s.root) as c:
        r = c.post(f"/assign?m={s.master.name}", data={"today": REPORT_DAY.isoformat()},
                   files={"clues": ("c.xlsx", _clue_file(tmp_path / "c.xlsx", "GD9", "城关镇补贴未兑现").read_bytes(),
                                    "application/octet-stream")})
        assert r.status_code == 200 and "交办完成" in r.text  # this request replaced the master

        def boom(*a, **k):
            raise RuntimeError("planted bug")

        monkeypatch.setattr(taizhang.jobs, "figures_of", boom)
        r = c.get(f"/summary?m={s.master.name}")
    assert r.status_code == 500 and "内部出错" in r.text
    assert "原文件未改动" in r.text and s.master.name not in r.text.split("内部出错", 1)[1].split("详细信息")[0]
