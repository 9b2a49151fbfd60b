"""The exceptions that are the user's to fix (shown as one Chinese line, exit code 2)."""

from __future__ import annotations


def user_errors() -> tuple[type[BaseException], ...]:
    from taizhang.book.master import MasterError
    from taizhang.rules.rulebook import RulebookError
    from taizhang.xlsx.safety import FileProblem
    from taizhang.xlsx.storage import WriteError
    from taizhang.intake.units import UnitListError
    from taizhang.book.merge import NoSubmissionsError

    return (NoSubmissionsError, MasterError, RulebookError, UnitListError, WriteError, FileProblem, FileNotFoundError, PermissionError,
            ValueError)


def log_path():
    import os
    from pathlib import Path

    if os.environ.get("TAIZHANG_LOG_DIR"):
        folder = Path(os.environ["TAIZHANG_LOG_DIR"])
    elif os.environ.get("LOCALAPPDATA"):  # Windows
        folder = Path(os.environ["LOCALAPPDATA"]) / "taizhang"
    else:
        folder = Path.home() / ".taizhang"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "taizhang.log"


def log_exception(context: str):
    """Append the current exception's traceback to the log file; return the file's path."""
    import datetime as dt
    import traceback

    path = log_path()
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"\n=== {dt.datetime.now().isoformat(timespec='seconds')} {context}\n")
        fh.write(traceback.format_exc())
    return path
