"""Safe writing: temp file + atomic replace, backups, and a lock per master.

Every workbook taizhang writes goes through ``atomic_write``: the new content
is written to a temporary file in the target's folder, flushed to disk, and
moved into place with ``os.replace`` — a crash at any moment leaves the old
file or the new one, never a half-written one. Replacing the master first
copies it into ``台账备份/`` beside it and keeps the last N copies.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from taizhang.errors import UserError

BACKUP_DIR = "台账备份"


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


@contextmanager
def master_lock(path: Path) -> Iterator[None]:
    """An exclusive lock file beside the master; a second merge is refused with the holder's name."""
    lock = path.with_name(f".~taizhang-lock-{path.name}")
    info = {"host": socket.gethostname(), "pid": os.getpid(), "time": dt.datetime.now().isoformat(timespec="seconds")}
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        try:
            held = json.loads(lock.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            held = {}
        if held.get("host") == info["host"] and held.get("pid") and not _pid_alive(int(held["pid"])):
            lock.unlink(missing_ok=True)  # left behind by a process that died: safe to take over
            with master_lock(path):
                yield
            return
        raise WriteError(f"{path.name} 正由另一次合并占用（计算机：{held.get('host', '未知')}，"
                         f"进程：{held.get('pid', '未知')}，开始于：{held.get('time', '未知')}）。"
                         f"请等待其完成；若确认对方已停止，可删除 {lock.name} 后重试。") from None
    except OSError as exc:
        raise WriteError(f"无法在 {path.parent} 中创建锁文件：{exc}。请检查该文件夹是否可写。") from None
    try:
        os.write(fd, json.dumps(info).encode("utf-8"))
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def backup(path: Path, keep: int) -> Path | None:
    """Copy ``path`` into 台账备份/ with a timestamp; keep the newest ``keep`` copies."""
    if not path.exists():
        return None
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    shutil.copy2(path, target)
    olds = sorted(folder.glob(f"{path.stem}.*{path.suffix}"))
    for old in olds[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return target


_REPLACED: list[Path] = []


def replaced_files() -> list[Path]:
    """The files this process has replaced so far, so an error message never claims they are untouched."""
    return list(_REPLACED)


def atomic_write(path: str | Path, write: Callable[[Path], None], *, backup_keep: int | None = None) -> Path | None:
    """Call ``write(tmp)`` then move tmp over ``path``. Returns the backup made, if any."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    check_not_open(path)
    fd, tmp_name = tempfile.mkstemp(prefix=".~taizhang-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    made = None
    try:
        write(tmp)
        _set_mode(tmp, path)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if backup_keep is not None and path.exists():
            made = backup(path, backup_keep)
        try:
            os.replace(tmp, path)
            _REPLACED.append(path)
        except PermissionError:
            raise WriteError(f"无法替换 {path.name}：文件被其他程序占用（可能在 Excel 中打开）。请关闭后重试，原文件未改动。") from None
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
