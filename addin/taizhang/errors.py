"""The exceptions that are the user's to fix (shown as one Chinese line, exit code 2)."""

from __future__ import annotations


def user_errors() -> tuple[type[BaseException], ...]:
    from .master import MasterError
    from .rulebook import RulebookError
    from .safety import FileProblem
    from .storage import WriteError
    from .units import UnitListError

    return (MasterError, RulebookError, UnitListError, WriteError, FileProblem, FileNotFoundError, PermissionError,
            ValueError)
