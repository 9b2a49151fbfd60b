"""Findings are data: a stable code, a severity, where, the raw value, and what to do.

Every code is registered here with its Chinese title and a description; the
docs list them all (a test keeps ``docs/codes.md`` in step with this table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

Severity = Literal["error", "warning", "info"]
SEVERITY_ZH: dict[str, str] = {"error": "错误", "warning": "提醒", "info": "说明"}  # as the office reads them


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    title: str


_CODES = [
    # file level
    Code("file-unreadable", "error", "文件无法读取（损坏或被截断）"),
    Code("file-encrypted", "error", "文件已加密（设置了打开密码）"),
    Code("file-not-workbook", "error", "不是 Excel/WPS 表格文件"),
    Code("file-too-old", "error", "很旧的 Excel 格式（Excel 2.x–4.0），需另存为 .xlsx"),
    Code("file-too-large", "error", "文件解压后过大或含危险结构，已拒绝"),
    Code("sheet-range-too-large", "error", "工作表的使用范围过大（远处有零散内容），已拒绝"),
    Code("file-skipped", "info", "已跳过的非台账文件（锁定文件、临时文件等）"),
    Code("file-extension-mismatch", "warning", "文件扩展名与实际格式不符"),
    Code("file-empty", "error", "空文件（0 字节）"),
    Code("no-ledger-sheet", "error", "未找到台账工作表或表头"),
    Code("unit-unidentified", "error", "无法确定报送单位"),
    Code("unit-identified", "info", "报送单位的识别依据"),
    # sheet / header level
    Code("unknown-column", "warning", "无法识别的列（已保留，未导入台账）"),
    Code("duplicate-column", "warning", "同一字段出现多列"),
    Code("missing-column", "error", "缺少必填列"),
    Code("repeated-header", "warning", "数据中再次出现表头行（疑似粘贴了第二张表）"),
    Code("formula-no-value", "warning", "公式单元格没有计算结果"),
    Code("cell-outside-table", "warning", "远在表格之外的零散内容，未读取"),
    # cell level
    Code("missing-required", "error", "必填项为空"),
    Code("missing-recommended", "warning", "建议填写的项为空"),
    Code("bad-date", "error", "日期无法识别"),
    Code("date-year-guessed", "warning", "日期未写年份，已按报送年份补全"),
    Code("unknown-category", "error", "问题类别不在本专项行动的类别中"),
    Code("unknown-source", "warning", "线索来源不在预设来源中"),
    Code("unknown-status", "error", "办理状态无法识别"),
    Code("unknown-complexity", "error", "复杂程度无法识别"),
    Code("unknown-unit", "error", "责任单位不在成员单位名单中"),
    Code("unit-mismatch", "warning", "责任单位与报送单位不一致"),
    Code("deadline-before-assigned", "error", "整改时限早于交办日期"),
    Code("done-without-date", "error", "已办结但未填写办结日期"),
    Code("closed-without-approval", "error", "已销号但缺少销号审核人或销号日期"),
    Code("duplicate-id", "error", "问题编号重复"),
    Code("bad-amount", "error", "涉及金额不是数字"),
    Code("bad-progress", "warning", "完成进度不是 0–100 的数字"),
    Code("bad-phone", "warning", "联系电话格式可疑"),
    Code("date-in-future", "warning", "办结或销号日期晚于报送日"),
    Code("unknown-mode", "error", "整改方式无法识别"),
    Code("late-sign-off", "warning", "未在签收期限内签收"),
    Code("close-requested", "info", "单位申请销号，待办公室确认"),
    Code("late-feedback", "warning", "办结后未在反馈期限内反馈"),
    Code("deadline-required", "error", "限时整改未填写整改时限"),
    Code("rectify-mode-missing", "warning", "未填写整改方式，无法确定时限"),
    Code("extraordinary-unapproved", "warning", "极特殊事项未经审批，暂按较短档次计算"),
    Code("assigned-after-stage", "warning", "交办时整改阶段已结束，暂按最后阶段结束日计算"),
    Code("stage-end-missing", "warning", "整改阶段的结束日期待填写，无法计算时限"),
    Code("extension-unapproved", "warning", "填写了延期至但没有延期审批人"),
    Code("deadline-on-day-off", "info", "整改时限为休息日，依法顺延至下一工作日"),
    Code("no-deadline", "error", "无法确定整改时限"),
    Code("estimated-calendar", "warning", "时限所在年份的放假安排尚未公布，为推算结果"),
    # report day
    Code("zero-report", "info", "零报告"),
    Code("late-report", "warning", "逾期报送"),
    Code("missing-report", "warning", "未报送"),
    # 交办 (assign)
    Code("case-assigned", "info", "问题已编号并交办"),
    Code("case-transferred", "info", "问题已转办"),
    Code("clue-unit-unclear", "warning", "线索无法确定责任单位，待办公室指定"),
    Code("clue-duplicate", "warning", "线索与已有问题重复，未新增"),
    Code("assign-needs-input", "warning", "交办的问题缺少办公室应填写的内容"),
    Code("deadline-change-request", "warning", "单位申请变更整改时限，待办公室审批"),
    Code("case-of-other-unit", "error", "问题编号属于其他单位的问题"),
    Code("unit-change-ignored", "warning", "报送表改动了责任单位，未采用"),
]

CODES: dict[str, Code] = {c.code: c for c in _CODES}


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

    @property
    def title(self) -> str:
        return CODES[self.code].title

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
