"""taizhang's exceptions and the one table that turns an exception into an outcome.

``UserError`` and its subclasses are the user's to fix: the doors show their
Chinese message as it is (the CLI exits 2). Anything else is a bug of ours:
the door shows one short Chinese line, exits 3 and keeps the traceback in the
log. The subclasses live beside the code that raises them (``MasterError`` in
book/master.py, ``FileProblem`` in xlsx/safety.py, …); this module imports
nothing from taizhang, so every layer may import it.
"""

from __future__ import annotations

import datetime as dt
import os
import traceback
from pathlib import Path

EXIT_OK, EXIT_FINDINGS, EXIT_USER, EXIT_BUG, EXIT_CANCELLED = 0, 1, 2, 3, 130


class TaizhangError(Exception):
    """Every exception taizhang raises on purpose."""


class UserError(TaizhangError):
    """Something the user can fix: the message says, in Chinese, what happened and what to do."""


class BadRequest(UserError):
    """An argument that cannot be carried out (a unit not in the list, a copy over its original, …)."""


# Exceptions that are not ours but still the user's to fix: a path that does not exist, a file that may not be read.
_USER_OS_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


def is_user_error(exc: BaseException) -> bool:
    return isinstance(exc, (UserError, *_USER_OS_ERRORS))


def user_message(exc: BaseException) -> str:
    """What a user error says: taizhang's own Chinese text, or an operating-system error put into Chinese
    (Python's own text is English: "[Errno 21] Is a directory")."""
    name = getattr(exc, "filename", None)
    if isinstance(exc, OSError) and name:
        what = {IsADirectoryError: f"{name} 是一个文件夹，这里需要的是文件名。",
                NotADirectoryError: f"{name} 的路径中有一段不是文件夹（是一个文件），请检查路径。",
                FileNotFoundError: f"找不到 {name}，请检查路径和文件名。",
                PermissionError: f"没有权限读写 {name}（可能正被其他程序打开、只读，或没有该文件夹的权限）。请关闭占用它的程序或换一个位置。"}
        for kind, text in what.items():
            if isinstance(exc, kind):
                return text
    return str(exc)


def outcome(exc: BaseException) -> int:
    """The exit code for an exception, looked up along its class hierarchy (one table for every door)."""
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_CANCELLED
    return EXIT_USER if is_user_error(exc) else EXIT_BUG


def bug_message(log: Path, replaced: list) -> str:
    """The one line a user sees for a bug: names the files this request wrote (never claims they are untouched) and
    promises a backup only for a file that has one. ``replaced``: paths, or items with ``path`` and ``backup``."""
    if replaced:
        items = {}
        for item in replaced:
            path, kept = getattr(item, "path", item), getattr(item, "backup", None)
            items[Path(path).name] = items.get(Path(path).name) or kept is not None
        files = "、".join(name + ("（替换前的版本在同一文件夹的“台账备份”中）" if kept else "") for name, kept in items.items())
        state = f"本次已完整写入：{files}。"
    else:
        state = "原文件未改动。"
    return f"台账助手内部出错，操作未完成，{state}详细信息已写入日志 {log}，请将该文件发给技术支持。"


def log_path() -> Path:
    if os.environ.get("TAIZHANG_LOG_DIR"):
        folder = Path(os.environ["TAIZHANG_LOG_DIR"])
    elif os.environ.get("LOCALAPPDATA"):  # Windows
        folder = Path(os.environ["LOCALAPPDATA"]) / "taizhang"
    else:
        folder = Path.home() / ".taizhang"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "taizhang.log"


def private_opener(path, flags: int) -> int:
    """``open(..., opener=private_opener)``: a log created readable by this user only (it holds file names)."""
    return os.open(path, flags, 0o600)


def log_exception(context: str) -> Path:
    """Append the current exception's traceback to the log file; return the file's path."""
    path = log_path()
    with open(path, "a", encoding="utf-8", opener=private_opener) as fh:
        fh.write(f"\n=== {dt.datetime.now().isoformat(timespec='seconds')} {context}\n")
        fh.write(traceback.format_exc())
    return path
