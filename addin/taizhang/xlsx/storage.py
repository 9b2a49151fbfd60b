"""Safe writing: temp file + atomic replace, backups, the lock per master and the transaction around a write.

Every workbook taizhang writes goes through ``atomic_write``: the new content
is written to a temporary file in the target's folder, flushed to disk, and
moved into place with ``os.replace`` — a crash at any moment leaves the old
file or the new one, never a half-written one. The temporary file's name
carries this machine and process (``.~taizhang-w<host>-<pid>-….xlsx``), so a
later run removes the leftovers of a process that was killed. Replacing the
master first copies it into ``台账备份/`` beside it and keeps the last N copies
of that file (pruned by exact name, never by a pattern on the stem).

Every job that writes the master runs in one ``master_transaction``: take the
lock (waiting up to ``LOCK_WAIT_SECONDS``), THEN read the master (the reader
calls ``note_read``, which remembers the file's digest: size, mtime, sha256),
write inside the same lock, and ``atomic_write`` refuses to replace a master
that changed since it was read, and writes nothing when the new package holds
the same parts as the old one (no replace, no backup).

The lock is a file beside the master, made whole before anyone can see it
(written under a private name, then hard-linked into place, which fails if the
lock exists). A lock whose holder is gone — the same computer, and
``psutil`` finds no such process, or one started later under the same number —
is taken over under a take-over file made the same way, so two processes that
both find it stale cannot both take it.

``recording()`` collects the files written during one request (a command, a
button, a web page's request), with their backups, for the bug message.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import socket
import time
import uuid
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from taizhang.errors import UserError

BACKUP_DIR = "台账备份"
LOCK_PREFIX = ".~taizhang-lock-"
LOCK_WAIT_SECONDS = 15.0  # how long a second writer waits for the master's lock before it is refused
LOCK_POLL_SECONDS = 0.1
TAKEOVER_STALE_SECONDS = 10.0  # a take-over file is held for microseconds: one this old was left by a killed process
TEMP_PREFIX = ".~taizhang-w"  # atomic_write's temporary files: .~taizhang-w<host hash>-<pid>-<random><suffix>


class WriteError(UserError):
    """A file could not be written; the message says why and what to do."""


def excel_lock_file(path: Path) -> Path:
    """Excel's owner file for an open workbook: ``~$`` + name (first two chars cut for long names)."""
    name = path.name
    return path.with_name("~$" + (name[2:] if len(name) > 2 else name))


def check_not_open(path: Path) -> None:
    for cand in (excel_lock_file(path), path.with_name("~$" + path.name), path.with_name(".~lock." + path.name + "#")):
        if cand.exists():
            raise WriteError(f"{path.name} 似乎正在被 Excel 或 WPS 打开（发现 {cand.name}）。"
                             f"请先关闭该文件再操作；若确认没有打开，可删除 {cand.name} 后重试。")


# --------------------------------------------------------------------------- who is running

def _host() -> str:
    return socket.gethostname()


def _host_tag() -> str:
    return hashlib.sha256(_host().encode("utf-8")).hexdigest()[:8]


def _started(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), None if it cannot be told."""
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except (psutil.Error, OSError):
        return None


def process_gone(pid: int, started: float | None = None) -> bool:
    """True when no process ``pid`` runs on this computer, or the one that does started later than ``started``
    (the number was given again to another program). ``psutil.pid_exists`` asks the system itself, on Windows too
    (``os.kill(pid, 0)`` there would send CTRL_C_EVENT, not test a process)."""
    import psutil

    if pid <= 0 or not psutil.pid_exists(pid):
        return True
    if started is not None:
        now = _started(pid)
        if now is not None and abs(now - float(started)) > 1.0:
            return True
    return False


# --------------------------------------------------------------------------- the lock

def lock_file(path: Path) -> Path:
    return path.with_name(f"{LOCK_PREFIX}{path.name}")


def _create_whole(target: Path, data: bytes) -> bool:
    """Make ``target`` with ``data`` if it does not exist, atomically and whole: nobody ever reads it half-written.
    False if it exists."""
    tmp = target.with_name(f"{target.name}.{_host_tag()}-{os.getpid()}-{uuid.uuid4().hex[:8]}.part")
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, target)  # fails if target exists: O_EXCL's promise, with the content already in place
            return True
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links (FAT, some shares): exclusive create, then write
            pass
        try:
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return False
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        return True
    finally:
        _unlink(tmp)


def create_new(target: str | Path, data: bytes) -> bool:
    """Write a new file whole (written beside it, fsynced, then linked in): False, and nothing touched, if ``target``
    exists. For files taizhang adds among the office's own (佐证材料): it never overwrites one."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    return _create_whole(target, data)


def _unlink(path: Path) -> None:
    """Remove ``path``; on Windows a file another process is reading this instant cannot be removed: try again."""
    for attempt in range(50):
        try:
            path.unlink(missing_ok=True)
            return
        except PermissionError:
            if attempt == 49:
                raise
            time.sleep(0.01)


def _read_holder(lock: Path) -> tuple[bytes, dict] | None:
    """The lock's bytes and what they say ({} if unreadable); None if there is no lock."""
    try:
        raw = lock.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        return b"", {}
    try:
        held = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        held = {}
    return raw, held if isinstance(held, dict) else {}


def _holder_gone(held: dict) -> bool:
    """The lock's holder is certainly gone: it ran on this computer and its process no longer does."""
    if held.get("host") != _host():
        return False
    try:
        pid = int(held.get("pid"))
    except (TypeError, ValueError):
        return False
    return process_gone(pid, held.get("started"))


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _take_over(lock: Path, stale: bytes) -> bool:
    """Remove a lock left by a process that is gone — only if it is still that same lock, and only while holding
    the take-over file, so a lock taken in the meantime by a live process is never removed. False: another process
    holds the take-over file."""
    guard = lock.with_name(lock.name + ".takeover")
    me = json.dumps({"host": _host(), "pid": os.getpid(), "started": _started(os.getpid())}).encode("utf-8")
    if not _create_whole(guard, me):
        got = _read_holder(guard)
        if got is not None and (_holder_gone(got[1]) or _age(guard) > TAKEOVER_STALE_SECONDS):
            _remove_stale(guard, got[0])
        return False  # someone else is taking over: look again
    try:
        now = _read_holder(lock)
        if now is not None and now[0] == stale:
            _unlink(lock)
    finally:
        _unlink(guard)
    return True


def _remove_stale(path: Path, raw: bytes) -> None:
    """Remove a take-over file left by a killed process: moved aside first, and put back if it was not that one."""
    aside = path.with_name(f"{path.name}.{_host_tag()}-{os.getpid()}-{uuid.uuid4().hex[:8]}.old")
    try:
        os.rename(path, aside)
    except OSError:
        return
    try:
        if aside.read_bytes() != raw:
            try:
                os.link(aside, path)
            except OSError:
                pass
    except OSError:
        pass
    aside.unlink(missing_ok=True)


def lock_message(path: Path, held: dict | None, waited: float = 0) -> str:
    """Why ``path`` cannot be written now, and what to do: never to delete a lock a live process holds.
    ``waited``: the seconds this writer waited for it (said when at least one)."""
    lock = lock_file(path)
    held = held or {}
    what = held.get("action") or "合并"
    waited_text = f"已等待{waited:.0f}秒仍未完成，" if waited >= 1 else ""
    if not held:
        if _age(lock) < 60:
            return (f"{path.name} 正由另一次操作占用（锁文件 {lock.name} 刚刚创建）。{waited_text}请等待其完成后重试。")
        return (f"{path.name} 被锁文件 {lock.name} 占用，但该文件无法读取（内容不完整）。若没有人正在用台账助手处理"
                f"这份台账，可删除 {lock.name} 后重试。")
    who = f"（计算机：{held.get('host')}，进程：{held.get('pid')}，开始于：{held.get('time')}）"
    if held.get("host") == _host():
        return f"{path.name} 正由另一次{what}占用{who}。该进程仍在运行，{waited_text}请等待其完成后重试。"
    return (f"{path.name} 正由另一次{what}占用{who}，它运行在另一台计算机上。{waited_text}请等待其完成后重试；"
            f"若确认计算机“{held.get('host')}”上的台账助手已经关闭（在该计算机的任务管理器中没有 taizhang 或 python 进程，"
            f"或该计算机已关机），可删除 {lock.name} 后重试。")


@contextmanager
def master_lock(path: Path, *, wait: float | None = None, action: str = "合并") -> Iterator[None]:
    """An exclusive lock file beside the master. A second writer polls for up to ``wait`` seconds (default
    ``LOCK_WAIT_SECONDS``) and is then refused with the holder's computer, process and start time."""
    path = Path(path)
    lock = lock_file(path)
    token = uuid.uuid4().hex
    info = {"host": _host(), "pid": os.getpid(), "started": _started(os.getpid()), "action": action,
            "time": dt.datetime.now().isoformat(timespec="seconds"), "token": token}
    data = json.dumps(info, ensure_ascii=False).encode("utf-8")
    wait = LOCK_WAIT_SECONDS if wait is None else wait
    begun = time.monotonic()
    while True:
        try:
            if _create_whole(lock, data):
                break
        except OSError as exc:
            raise WriteError(f"无法在 {path.parent} 中创建锁文件：{exc}。请检查该文件夹是否可写。") from None
        got = _read_holder(lock)
        if got is None:
            continue  # released between our two looks
        raw, held = got
        if held and _holder_gone(held):
            if not _take_over(lock, raw):
                time.sleep(0.01)  # another process is taking it over this instant: look again shortly
            continue
        waited = time.monotonic() - begun
        if waited >= wait:
            raise WriteError(lock_message(path, held, wait)) from None
        time.sleep(min(LOCK_POLL_SECONDS, max(wait - waited, 0.001)))
    try:
        yield
    finally:
        got = _read_holder(lock)
        if got is not None and got[1].get("token") == token:
            _unlink(lock)


# --------------------------------------------------------------------------- the transaction

class Digest(NamedTuple):
    size: int
    mtime_ns: int
    sha256: str


def file_digest(path: Path) -> Digest | None:
    """What a file holds now (None if it does not exist)."""
    try:
        st = os.stat(path)
        with open(path, "rb") as fh:
            sha = hashlib.file_digest(fh, "sha256").hexdigest()
    except FileNotFoundError:
        return None
    return Digest(st.st_size, st.st_mtime_ns, sha)


@dataclass
class Transaction:
    """One job's hold on a master: what it read (``digest``) and what it did (``replaced``, ``backup``)."""
    path: Path
    digest: Digest | None = None
    read: bool = False
    replaced: bool = False
    backup: Path | None = None

    def covers(self, path: Path) -> bool:
        return _same_file(self.path, path)

    def check_unchanged(self) -> None:
        """Refuse to go on when the master is no longer what this job read."""
        if not self.read:
            raise RuntimeError(f"{self.path} is written by a transaction that did not read it (read before the lock?)")
        if self.digest is not None and not self.digest.sha256:  # the file this job wrote: its stat is enough
            try:
                st = os.stat(self.path)
                if (st.st_size, st.st_mtime_ns) == self.digest[:2]:
                    return
            except OSError:
                pass
        now = file_digest(self.path)
        if now is None or self.digest is None or (now.size, now.sha256) != (self.digest.size, self.digest.sha256):
            raise WriteError(f"{self.path.name} 在台账助手读取之后被其他程序修改或替换了（例如在 Excel、WPS 中保存）。"
                             f"为免覆盖那次修改，本次结果没有写入，{self.path.name} 保持那次修改后的样子。"
                             f"请关闭正在编辑它的程序，再重新运行本操作。")


_TXN: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar("taizhang_txn", default=None)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return Path(a).absolute() == Path(b).absolute()


@contextmanager
def master_transaction(path: str | Path, *, action: str = "合并", wait: float | None = None) -> Iterator[Transaction]:
    """Lock the master, then let the job read and write it: ``note_read`` remembers what was read, ``atomic_write``
    replaces it only if it is still that, and not at all if nothing changed. Reading the master before this is
    entered is a bug: the write is then refused (the transaction saw no read)."""
    path = Path(path)
    with master_lock(path, wait=wait, action=action):
        txn = Transaction(path)
        token = _TXN.set(txn)
        try:
            yield txn
        finally:
            _TXN.reset(token)


def current_transaction(path: Path | None = None) -> Transaction | None:
    txn = _TXN.get()
    if txn is None or (path is not None and not txn.covers(path)):
        return None
    return txn


def note_read(path: Path) -> None:
    """Called by the master's reader before it reads: inside a transaction on ``path``, remember the file's digest
    (the first read) or check it is still the same (a later read of the same job)."""
    txn = current_transaction(path)
    if txn is None:
        return
    if not txn.read:
        txn.digest, txn.read = file_digest(txn.path), True
        return
    try:
        st = os.stat(txn.path)
    except OSError:
        st = None
    if st is None or txn.digest is None or (st.st_size, st.st_mtime_ns) != txn.digest[:2]:
        txn.check_unchanged()  # the file's stat moved: compare the content itself


# --------------------------------------------------------------------------- what one request wrote

class Written(NamedTuple):
    path: Path
    backup: Path | None = None


class Record(list):
    """The files one request wrote, in order (``Written`` items)."""

    def __init__(self, parent: "Record | None" = None):
        super().__init__()
        self.parent = parent


_RECORD: contextvars.ContextVar[Record | None] = contextvars.ContextVar("taizhang_written", default=None)
_EVER: list[Written] = []  # every file this process replaced: only for a door that opened no recording


@contextmanager
def recording() -> Iterator[Record]:
    """Collect the files written until the block ends (also in threads started with a copy of this context, such as
    starlette's ``run_in_threadpool``); an enclosing recording sees them too."""
    rec = Record(_RECORD.get())
    token = _RECORD.set(rec)
    try:
        yield rec
    finally:
        _RECORD.reset(token)


def _note_written(item: Written) -> None:
    _EVER.append(item)
    del _EVER[:-1000]  # a long-running server keeps only the latest
    rec = _RECORD.get()
    while rec is not None:
        rec.append(item)
        rec = rec.parent


def replaced_files() -> list[Path]:
    """The files written in the current ``recording()`` (every file this process wrote, outside one)."""
    rec = _RECORD.get()
    return [w.path for w in (rec if rec is not None else _EVER)]


# --------------------------------------------------------------------------- backups and temp files

def backup(path: Path, keep: int) -> Path | None:
    """Copy ``path`` into 台账备份/ with a timestamp; keep the newest ``keep`` copies of this file.

    Copies are recognised by exact name (stem + "." + the stamp + suffix), so 台账.xlsx's pruning never touches
    台账.2025.xlsx's copies, and a ``[`` in a name is only a character."""
    if not path.exists():
        return None
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    shutil.copy2(path, target)
    mine = re.compile(re.escape(path.stem) + r"\.\d{8}-\d{6}-\d{6}" + re.escape(path.suffix) + r"\Z")
    olds = sorted(p for p in folder.iterdir() if mine.match(p.name))
    for old in olds[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return target


_TEMP_NAME = re.compile(re.escape(TEMP_PREFIX) + r"([0-9a-f]{8})-(\d+)-[0-9a-f]+(\.|\Z)")
_LOCK_PART = re.compile(re.escape(LOCK_PREFIX) + r".*\.([0-9a-f]{8})-(\d+)-[0-9a-f]{8}\.(part|old)\Z")
_OLD_TEMP_NAME = re.compile(r"\.~taizhang-[a-z0-9_]{8}\.(xlsx|xlsm|docx|zip|xlam)\Z")  # before names carried the pid


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete the temporary files that processes killed mid-write on this computer left in ``folder``
    (the process is gone, or its number now belongs to a process started after the file was made)."""
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    tag = _host_tag()
    for name in names:
        if not name.startswith(".~taizhang-"):
            continue
        p = Path(folder) / name
        m = _TEMP_NAME.match(name) or _LOCK_PART.match(name)
        try:
            if m:
                if m.group(1) != tag:
                    continue  # another computer's (a shared folder): its own next run cleans it
                pid = int(m.group(2))
                started = _started(pid)
                gone = process_gone(pid) or (started is not None and started > p.stat().st_mtime + 1)
            else:
                gone = bool(_OLD_TEMP_NAME.match(name)) and _age(p) > 86400
            if gone:
                p.unlink()
                removed.append(p)
        except OSError:
            continue
    return removed


def _same_parts(a: Path, b: Path) -> bool:
    """The two packages hold the same parts with the same bytes (zip dates and compression aside)."""
    try:
        with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
            ia = {i.filename: (i.CRC, i.file_size) for i in za.infolist()}
            ib = {i.filename: (i.CRC, i.file_size) for i in zb.infolist()}
            if ia != ib:
                return False
            for name in ia:
                with za.open(name) as fa, zb.open(name) as fb:
                    while True:
                        ca, cb = fa.read(1 << 20), fb.read(1 << 20)
                        if ca != cb:
                            return False
                        if not ca:
                            break
    except (OSError, zipfile.BadZipFile):
        return False
    return True


# --------------------------------------------------------------------------- writing

def atomic_write(path: str | Path, write: Callable[[Path], None], *, backup_keep: int | None = None) -> Path | None:
    """Call ``write(tmp)`` then move tmp over ``path``. Returns the backup made, if any.

    Replacing the master (``backup_keep`` given) must happen inside its ``master_transaction``: it is refused if the
    file changed since the job read it, and skipped (no replace, no backup) if the new package has the same parts."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    check_not_open(path)
    txn = current_transaction(path)
    if backup_keep is not None and txn is None and path.exists():
        raise RuntimeError(f"{path} is replaced outside its master_transaction")
    remove_leftovers(path.parent)
    tmp = path.with_name(f"{TEMP_PREFIX}{_host_tag()}-{os.getpid()}-{uuid.uuid4().hex[:12]}{path.suffix}")
    made = None
    try:
        open(tmp, "xb").close()
        write(tmp)
        _set_mode(tmp, path)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        check_not_open(path)  # again: Excel may have opened it while the new content was written
        if txn is not None:
            txn.check_unchanged()
            if path.exists() and _same_parts(tmp, path):
                return None  # nothing changed: the master stays as it is, and no backup is used up
        if backup_keep is not None and path.exists():
            made = backup(path, backup_keep)
        try:
            os.replace(tmp, path)
        except PermissionError:
            raise WriteError(f"无法替换 {path.name}：文件被其他程序占用（可能在 Excel 中打开）。请关闭后重试，原文件未改动。") from None
        _note_written(Written(path, made))
        if txn is not None:
            txn.replaced, txn.backup = True, made
            st = os.stat(path)  # what this job now holds, for a second write in the same job (hashed only if it moved)
            txn.digest = Digest(st.st_size, st.st_mtime_ns, "")
    finally:
        tmp.unlink(missing_ok=True)
    return made


def _set_mode(tmp: Path, path: Path) -> None:
    """The permission bits the file should have: the replaced file's own (a shared master stays shared),
    or for a new file what the user's umask gives (mkstemp's 0600 would lock colleagues out)."""
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        mode = 0o666 & ~mask
    try:
        os.chmod(tmp, mode)
    except OSError:  # a file system without POSIX modes (a Windows share): nothing to keep
        pass
