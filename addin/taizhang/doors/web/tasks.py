"""Background work of the page (merges, summaries, 通报) in threads, with their progress; and who holds a
master's lock. (Named apart from ``taizhang.jobs``, the user actions these threads run.)"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from taizhang.doors.web.views import WebError, log


@dataclass
class Job:
    id: str
    kind: str
    master: Path
    folder: Path
    today: dt.date
    state: str = "running"  # running, done, failed
    done: int = 0
    total: int = 0
    current: str = ""
    seen: list[str] = field(default_factory=list)
    error: str = ""
    outcome: object = None
    reports: list = field(default_factory=list)
    started: float = field(default_factory=time.time)
    finished: float | None = None

    def progress(self, done: int, total: int, current: str) -> None:
        if self.current and self.current not in self.seen:
            self.seen.append(self.current)
        self.done, self.total, self.current = done, total, current

    expected: float = 0.0  # seconds the last job of this kind took (0: none yet)

    def public(self) -> dict:
        data = {"id": self.id, "kind": self.kind, "state": self.state, "done": self.done, "total": self.total,
                "current": self.current, "seen": self.seen, "error": self.error,
                "elapsed": round((self.finished or time.time()) - self.started, 1), "expected": round(self.expected, 1)}
        if self.state == "done" and self.outcome is not None:
            if self.kind == "merge":
                data["account"] = self.outcome.result.model_dump(mode="json")
            else:
                data["made"] = str(self.outcome)
        return data


def _bug_line(context: str, written=()) -> str:
    """Log the current exception's traceback; the one Chinese line the page shows instead (naming ``written``: the
    files this request wrote, from ``storage.recording``)."""
    from taizhang import errors

    path = errors.log_exception(f"taizhang serve: {context}")
    log.error("internal error in %s (details in %s)", context, path)
    return errors.bug_message(path, list(written))


def lock_file(master: Path) -> Path:
    return master.with_name(f".~taizhang-lock-{master.name}")  # the name xlsx.storage.master_lock uses


def held_message(master: Path) -> str:
    """Who holds ``master``'s lock, when another program does ('' if nobody does, or a dead process did)."""
    import json
    import socket as _socket

    lock = lock_file(master)
    if not lock.exists():
        return ""
    try:
        held = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        held = {}
    host, pid, since = held.get("host"), held.get("pid"), held.get("time", "未知")
    if host == _socket.gethostname() and isinstance(pid, int):
        from taizhang.jobs import process_gone

        if process_gone(pid, held.get("started")):  # psutil, with the start time: works on Windows too
            return ""  # left by a process that stopped: the next merge takes it over by itself
        if pid == os.getpid():
            return f"本页面的台账助手正在写入 {master.name}（开始于 {since}）。请等待它完成后再试（完成后会自动解除占用）。"
        return (f"{master.name} 正由本机另一个正在运行的台账助手（进程 {pid}，开始于 {since}）合并或写入。"
                f"请等待它完成后再试（它完成后会自动解除占用）。")
    return (f"{master.name} 正由计算机“{host or '未知'}”上的台账助手合并或写入（开始于 {since}）。请等待其完成后再试；"
            f"只有在确认那台电脑上的台账助手已经关闭后，才可删除 {lock.name}。")


class Jobs:
    """Merges (and summaries, 通报) running in threads; one merge per master at a time (a second is refused,
    saying whose merge runs and how far it is: never suggesting to delete a lock a live taizhang holds)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.all: dict[str, Job] = {}

    def busy_message(self, master: Path) -> str:
        """Why a merge cannot start now; never suggests deleting a lock that a running taizhang holds."""
        own = self.running(master)
        if own is not None:
            done = f"已合并 {own.done}/{own.total} 个文件" if own.total else "正在读取台账总表和报送文件"
            return (f"本页面的台账助手正在合并 {master.name}（报送文件夹“{own.folder.name}”，{done}）。"
                    f"请等待它完成，进度和结果会显示在本页。")
        return held_message(master) or f"{master.name} 正由另一次合并占用。请等待其完成后再试。"

    def running(self, master: Path) -> Job | None:
        return next((j for j in reversed(list(self.all.values())) if j.master == master and j.state == "running"), None)

    def latest(self, master: Path) -> Job | None:
        """The newest merge of ``master`` (running or finished) this server ran: a refreshed page finds it again."""
        return next((j for j in reversed(list(self.all.values())) if j.master == master), None)

    def start_merge(self, master: Path, folder: Path, today: dt.date) -> Job:
        with self._lock:
            if self.running(master) is not None or held_message(master):
                raise WebError(self.busy_message(master), 409)
            job = Job(uuid.uuid4().hex, "merge", master, folder, today)
            self._add(job)
        threading.Thread(target=self._run_merge, args=(job,), daemon=True, name=f"merge-{job.id[:8]}").start()
        return job

    def _add(self, job: Job) -> None:
        """Keep the running jobs, each master's latest merge, and the 20 newest others."""
        self.all[job.id] = job
        if len(self.all) > 50:
            latest = {m.master: m.id for m in self.all.values() if m.kind == "merge"}
            others = [k for k, j in self.all.items() if j.state != "running" and latest.get(j.master) != k]
            for old in others[:-20]:
                del self.all[old]

    def start_output(self, kind: str, master: Path, today: dt.date, make) -> Job:
        """A summary or 通报 written in a thread: ``make(progress)`` reports its steps to the job (the page shows
        "第2步，共3步：…"), and the page also shows how long it has taken (and the last one took)."""
        with self._lock:
            took = [j.finished - j.started for j in self.all.values() if j.kind == kind and j.state == "done" and j.finished]
            job = Job(uuid.uuid4().hex, kind, master, master.parent, today, expected=took[-1] if took else 0.0)
            self._add(job)

        def run() -> None:
            from taizhang import errors
            from taizhang.jobs import recording

            written = ()
            try:
                with recording() as written:
                    job.outcome = make(job.progress)
                job.state = "done"
            except Exception as exc:  # noqa: BLE001 - one line either way, as for a merge
                job.error = (errors.user_message(exc) if errors.is_user_error(exc)
                             else _bug_line(f"{kind} {master}", written))
                job.state = "failed"
            finally:
                job.finished = time.time()

        threading.Thread(target=run, daemon=True, name=f"{kind}-{job.id[:8]}").start()
        return job

    def _run_merge(self, job: Job) -> None:
        from taizhang import errors
        from taizhang.jobs import recording, run_merge

        written = ()
        try:
            with recording() as written:
                outcome = run_merge(job.master, job.folder, job.today, progress=job.progress)
            job.reports = outcome.master.reports
            job.outcome = dataclasses.replace(outcome, master=None)  # the page needs the account, not the ledger
            job.state = "done"
        except Exception as exc:  # noqa: BLE001 - the user's to fix, or a bug of ours: one line either way
            if errors.is_user_error(exc):
                job.error = errors.user_message(exc)
                log.info("merge refused: %s", exc)
            else:
                job.error = _bug_line(f"merge {job.master} {job.folder}", written)
            job.state = "failed"  # last: a page polling the job never sees "failed" without its message
        finally:
            job.finished = time.time()


