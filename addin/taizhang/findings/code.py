"""A finding code's registry entry: the data every level module lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Code:
    """``title`` names the finding in messages and the 提醒 sheet; ``meaning`` and ``advice`` (处理办法) are what
    docs/codes.md shows the office, and ``advice`` is also written beside each finding in a marked copy."""
    code: str
    severity: Severity
    title: str
    meaning: str
    advice: str
