"""Findings are data: a stable code, a severity, where, the raw value, and what to do.

Codes are registered by level, one module each (``file``, ``sheet``, ``cell``, ``report_day``, ``case``),
with their Chinese title, meaning and 处理办法; ``docs/codes.md`` is generated from them
(``python -m taizhang.findings.reference``) and a test keeps the two equal.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from taizhang.findings import case, cell, file, report_day, sheet
from taizhang.findings.code import Code, Severity

LEVELS = (file, sheet, cell, report_day, case)  # the order docs/codes.md lists them in
CODES: dict[str, Code] = {c.code: c for level in LEVELS for c in level.CODES}

SEVERITY_ZH: dict[str, str] = {"error": "错误", "warning": "提醒", "info": "说明"}  # as the office reads them


class Finding(BaseModel):
    """One thing wrong (or worth knowing) about one place in one file."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    message: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    header: str = ""
    value: str = ""
    unit: str = ""
    case_id: str = ""  # the case (问题编号) a finding on the master's 台账 concerns; its row is where the case is written

    @property
    def title(self) -> str:
        return CODES[self.code].title

    @property
    def advice(self) -> str:
        """What to do about it (处理办法), as docs/codes.md says."""
        return CODES[self.code].advice

    def where(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.row:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"{self.column}列" + (f"（{self.header}）" if self.header else ""))
        elif self.header:
            parts.append(f"“{self.header}”列")
        return "，".join(p for p in parts if p)


def finding(code: str, message: str, **where) -> Finding:
    """Make a finding of a registered code; severity comes from the registry."""
    c = CODES[code]
    if "value" in where and where["value"] is not None and not isinstance(where["value"], str):
        where["value"] = str(where["value"])
    if where.get("value") is None:
        where.pop("value", None)
    return Finding(code=code, severity=where.pop("severity", c.severity), message=message, **where)


def col_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def count(findings: list[Finding]) -> dict[str, int]:
    out = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        out[f.severity] += 1
    return out


def flatten(findings: list[Finding], spec: tuple[str, ...] = ("row", "column", "code"),
            severities: tuple[str, ...] = ("error", "warning")) -> list[tuple]:
    """Findings as plain tuples of the fields in ``spec``, sorted (as frictionless's ``Report.flatten``):
    what a test or a script compares, e.g. ``[(5, "M", "unknown-status"), …]``."""
    rows = [tuple(getattr(f, k) for k in spec) for f in findings if f.severity in severities]
    return sorted(rows, key=lambda t: tuple((v is not None, v) if not isinstance(v, str) else (True, v) for v in t))
