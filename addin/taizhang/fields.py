"""The ledger's fields: one canonical list that every part of taizhang uses.

A field knows its Chinese header (exactly as offices write it), its value kind,
whether a unit must fill it, who owns it (the unit, the office, or taizhang's
own computation) and the aliases offices commonly use for it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Owner = Literal["unit", "office", "computed", "provenance", "request"]
Kind = Literal[
    "id", "text", "date", "amount", "percent", "int", "phone",
    "status", "complexity", "category", "source", "unit", "light", "mode",
]


@dataclass(frozen=True)
class Field:
    key: str
    header: str
    kind: Kind
    owner: Owner
    required: bool = False
    aliases: tuple[str, ...] = ()
    width: int = 12


FIELDS: tuple[Field, ...] = (
    Field("case_id", "问题编号", "id", "unit", False, ("编号", "序号编号", "线索编号", "案件编号", "问题序号"), 16),
    Field("unit", "责任单位", "unit", "unit", True, ("责任部门", "承办单位", "主责单位", "填报单位", "单位名称", "责任主体单位", "责任单位/人员"), 18),
    Field("source", "线索来源", "source", "unit", True, ("问题来源", "来源", "线索渠道"), 12),
    Field("category", "问题类别", "category", "unit", True, ("问题类型", "类别", "问题分类", "类型"), 18),
    Field("description", "问题描述", "text", "unit", True, ("问题内容", "问题表现", "主要问题", "问题简要描述", "具体问题", "问题名称",
                                                             "存在问题", "隐患内容", "不合格项描述", "问题说明", "内容描述"), 40),
    Field("subject", "涉及主体", "text", "unit", False, ("涉及企业", "涉事主体", "涉及对象", "当事人", "市场主体"), 18),
    Field("amount", "涉及金额（万元）", "amount", "unit", False, ("涉及金额", "金额（万元）", "金额", "涉及金额(万元)", "争议金额"), 12),
    Field("leader", "牵头领导", "text", "unit", True, ("包保领导", "责任领导", "分管领导"), 10),
    Field("person", "具体责任人", "text", "unit", True, ("责任人", "经办人", "联系人", "整改责任人", "修改责任人"), 10),
    Field("phone", "联系电话", "phone", "unit", False, ("电话", "联系方式", "手机号码", "手机"), 14),
    Field("measures", "整改措施", "text", "unit", False, ("工作措施", "处理措施", "整改举措", "整改要求", "整改措施与要求"), 30),
    Field("target", "整改目标", "text", "unit", False, ("工作目标", "目标"), 20),
    Field("assigned", "交办日期", "date", "unit", True, ("交办时间", "登记日期", "受理日期", "交办日", "发现日期", "问题提出日期", "排查日期", "检查时间"), 12),
    Field("sign_date", "签收日期", "date", "unit", False, ("签收时间", "签批日期", "部署日期"), 12),
    Field("complexity", "复杂程度", "complexity", "unit", False, ("难易程度", "办理类型", "复杂度"), 10),
    Field("rectify_mode", "整改方式", "mode", "unit", False, ("处置方式", "整改类型"), 10),
    Field("deadline", "整改时限", "date", "unit", False, ("完成时限", "办结时限", "整改期限", "办理时限", "时限", "计划完成时间", "限时时间"), 12),
    # the office's, with 延期审批人: a unit applies for an extension in 申请延期至 (REQUEST_FIELDS), never writes this
    Field("extended_to", "延期至", "date", "office", False, ("延期时限", "延期日期", "延长至"), 12),
    Field("extension_approver", "延期审批人", "text", "office", False, ("延期批准人", "延期审核人"), 10),
    Field("progress", "完成进度（%）", "percent", "unit", False, ("完成进度", "进度", "完成比例", "完成进度(%)", "进度（%）"), 10),
    Field("progress_note", "办理进展", "text", "unit", False, ("进展情况", "推进情况", "整改进展", "工作进展", "办理情况", "整改情况", "完成情况"), 30),
    Field("status", "办理状态", "status", "unit", True, ("状态", "整改状态", "办结情况", "是否办结", "是否关闭", "隐患状态", "是否销号"), 10),
    Field("done_date", "办结日期", "date", "unit", False, ("办结时间", "完成日期", "完成时间", "实际完成时间", "修改完成日期"), 12),
    Field("feedback_date", "反馈日期", "date", "unit", False, ("反馈时间", "反馈办理情况日期"), 12),
    Field("closer", "销号审核人", "text", "unit", False, ("销号审批人", "审核人"), 10),
    Field("closed_date", "销号日期", "date", "unit", False, ("销号时间",), 12),
    Field("remarks", "备注", "text", "unit", False, ("说明",), 20),
    Field("office_opinion", "督办意见", "text", "office", False, ("督查意见", "督办要求"), 24),
    Field("supervisor", "牵头督办部门", "text", "office", False, ("督办部门", "行业主管部门", "牵头部门", "主管部门"), 14),
    Field("summary_dept", "归口汇总部门", "text", "office", False, ("汇总部门", "归口部门", "分管部门"), 14),
    Field("assigned_unit", "已交办单位", "unit", "office", False, (), 18),
    Field("reporter", "反映人", "text", "office", False, ("来电人", "信访人", "举报人", "提出人"), 10),
    Field("reporter_phone", "反映人电话", "phone", "office", False, ("来电号码", "举报人电话"), 14),
    Field("district_coord", "区级协调", "text", "office", False, ("提交区级协调", "区级层面协调"), 10),
    Field("disposal", "处置措施", "text", "office", False, ("问责处置", "处置情况"), 20),
    # 回访 (#31): the office's call-back before 销号; 不满意 reopens the case as 重办 (book.trail)
    Field("visit_mode", "回访方式", "text", "office", False, ("回访形式",), 10),
    Field("visit_date", "回访日期", "date", "office", False, ("回访时间",), 12),
    Field("visitor", "回访人", "text", "office", False, (), 10),
    Field("visit_result", "回访结果", "text", "office", False, ("满意度", "群众满意度", "回访评价"), 10),
    Field("visit_note", "回访意见", "text", "office", False, ("回访情况",), 24),
    Field("sign_by", "签收期限", "date", "computed", False, (), 12),
    Field("feedback_by", "反馈期限", "date", "computed", False, (), 12),
    Field("remaining", "剩余工作日", "int", "computed", False, (), 10),
    Field("light", "红绿灯", "light", "computed", False, ("预警", "亮灯"), 8),
    Field("deadline_note", "时限说明", "text", "computed", False, (), 24),
    # whether 整改时限 was written (by the unit or the office) or computed by the campaign's 时限规则: a stored fact,
    # never read back from 时限说明's wording
    Field("deadline_origin", "时限来源", "text", "computed", False, (), 10),
    # what the 审批台账 holds open or last decided for the case: 延期申请中 / 延期已批准 / 销号申请中 / 重办 (book.trail)
    Field("request_state", "申请状态", "text", "computed", False, (), 20),
    # the report day a unit applied for 销号 where the leading group reserves it (the office confirms; see book.closures)
    Field("close_request", "销号申请", "date", "provenance", False, ("申请销号日期",), 12),
    Field("src_file", "来源文件", "text", "provenance", False, (), 20),
    Field("src_sheet", "来源工作表", "text", "provenance", False, (), 10),
    Field("src_row", "来源行", "int", "provenance", False, (), 7),
    Field("updated_on", "最后更新报送日", "date", "provenance", False, (), 12),
    # 佐证材料 (book.evidence): a unit's 文号 or link standing for a file, and taizhang's index of the pieces filed
    # under the case (count, names with a link to the case's folder, first received); never taken from a submission
    Field("evidence_ref", "佐证文号或链接", "text", "unit", False, ("佐证材料文号", "佐证文号", "佐证链接", "佐证材料链接"), 24),
    Field("evidence_count", "佐证材料数", "int", "computed", False, (), 8),
    Field("evidence", "已归档佐证材料", "text", "computed", False, (), 24),  # not "佐证材料": offices keep columns of that name
    Field("evidence_first", "佐证首次收到", "date", "computed", False, (), 12),
    # 配合单位 (#27): the units that work on a case beside its 责任单位, named by the 责任单位 in its own file ("、"
    # between names, each the unit list's name where it matches); counted apart, and their own files never change the
    # case (book.merge). Last, so that a master made before it gets the column at its right edge (book.ledger_plan).
    Field("co_units", "配合单位", "text", "unit", False, ("协办单位", "配合部门", "协同单位", "协办部门", "协助单位",
                                                          "协同部门", "配合责任单位", "配合单位名称"), 18),
    # seed 004's task types, each with its report rhythm ("常规工作实行季报告，重要任务实行月报告，紧急的重点事项实行一事
    # 一报"; rules.rulebook.TaskRhythm): a column only where the plan has them (book.ledger_plan.omitted)
    Field("task_type", "任务类型", "text", "unit", False, ("任务性质", "事项类型", "任务类别", "工作类型"), 12),
)

# A unit's application to move a case's deadline, in its own columns of the unit's file: read from a submission and put
# on the master's 待审批 (book.merge), never a column of the master's 台账.
REQUEST_FIELDS: tuple[Field, ...] = (
    Field("ext_request", "申请延期至", "date", "request", False, ("申请延期时限", "申请延期日期", "拟延期至"), 12),
    Field("ext_reason", "申请理由", "text", "request", False, ("延期理由", "申请延期理由", "延期申请理由"), 24),
    # what the unit asks for: 延期, 销号, 查否, 不属本单位 (with 申请理由); read by book.trail
    Field("request_kind", "申请事项", "text", "request", False, ("申请类型", "申请事由"), 12),
    # seed 000: who signed the unit's proposed 攻坚难题 ("经主管副区长审签后报领导小组办公室审定、核准")
    Field("signoff", "主管副区长审签", "text", "request", False, ("审签人", "审签领导", "主管领导审签"), 12),
    # seed 001: a unit asks for 区级协调 ("由各部门报送专项治理工作组…汇总,统一提交区级层面专项研究讨论"); the office's own
    # 区级协调 flag in 台账 decides (book.trail), a unit's request never sets it
    Field("coord_request", "申请区级协调", "text", "request", False, ("申请提交区级协调", "是否申请区级协调", "申请区级层面协调"), 12),
    Field("coord_reason", "区级协调理由", "text", "request", False, ("申请区级协调理由", "申请协调理由", "协调理由"), 24),
    # the office's answer to the unit's last request (a 不同意 with its reason), shown in the unit's next template
    Field("request_reply", "办公室答复", "text", "computed", False, ("申请答复",), 30),
)

BY_KEY: dict[str, Field] = {f.key: f for f in (*FIELDS, *REQUEST_FIELDS)}
LEDGER_KEYS: frozenset[str] = frozenset(f.key for f in FIELDS)
UNIT_FIELDS: tuple[str, ...] = tuple(f.key for f in FIELDS if f.owner == "unit")
# office-only: who reported a clue, and the unit a case was last handed to (assign compares it to 责任单位
# to see a 转办). Never written to a unit's template, a notice or any public output.
OFFICE_ONLY: frozenset[str] = frozenset({"assigned_unit", "reporter", "reporter_phone"})

# Canonical status words and the variants offices write.
STATUS_NOT_STARTED, STATUS_IN_PROGRESS, STATUS_DONE, STATUS_CLOSED, STATUS_UNFOUNDED = (
    "未启动", "整改中", "已办结", "已销号", "查否",
)
STATUSES: tuple[str, ...] = (STATUS_NOT_STARTED, STATUS_IN_PROGRESS, STATUS_DONE, STATUS_CLOSED, STATUS_UNFOUNDED)
STATUS_VARIANTS: dict[str, str] = {
    "未启动": STATUS_NOT_STARTED, "未开始": STATUS_NOT_STARTED, "未办理": STATUS_NOT_STARTED,
    "待办": STATUS_NOT_STARTED, "未整改": STATUS_NOT_STARTED, "已交办": STATUS_NOT_STARTED, "待签收": STATUS_NOT_STARTED,
    "整改中": STATUS_IN_PROGRESS, "推进中": STATUS_IN_PROGRESS, "正在推进": STATUS_IN_PROGRESS,
    "办理中": STATUS_IN_PROGRESS, "正在整改": STATUS_IN_PROGRESS, "进行中": STATUS_IN_PROGRESS,
    "已签收": STATUS_IN_PROGRESS, "持续推进": STATUS_IN_PROGRESS, "未完成": STATUS_IN_PROGRESS, "否": STATUS_IN_PROGRESS,
    "已办结": STATUS_DONE, "办结": STATUS_DONE, "已完成": STATUS_DONE, "完成": STATUS_DONE,
    "已整改": STATUS_DONE, "整改完成": STATUS_DONE, "已解决": STATUS_DONE, "是": STATUS_DONE,
    "已销号": STATUS_CLOSED, "销号": STATUS_CLOSED, "已销账": STATUS_CLOSED,
    # the words of hazard-check and problem-list ledgers: a 关闭 item is closed out (销号), an 开放 one still open
    "关闭": STATUS_CLOSED, "已关闭": STATUS_CLOSED, "整改完毕": STATUS_DONE, "已整改完毕": STATUS_DONE,
    "开放": STATUS_IN_PROGRESS, "未关闭": STATUS_IN_PROGRESS, "未销号": STATUS_IN_PROGRESS,
    "查否": STATUS_UNFOUNDED, "已查否": STATUS_UNFOUNDED, "不属实": STATUS_UNFOUNDED, "经查不属实": STATUS_UNFOUNDED,
}

COMPLEXITY_VARIANTS: dict[str, str] = {
    "一般": "一般", "普通": "一般", "简单": "一般",
    "较复杂": "较复杂", "复杂": "较复杂", "比较复杂": "较复杂",
    "特别复杂": "特别复杂", "很复杂": "特别复杂", "非常复杂": "特别复杂",
    "极特殊": "极特殊", "特殊": "极特殊", "极其特殊": "极特殊",
}

_PAREN_UNIT = re.compile(r"[（(]\s*(万元|元|%)\s*[)）]")
_NOISE = re.compile(r"[\s\u3000*＊※#＃:：]+")


def norm_text(value: object) -> str:
    """NFKC-fold (full-width → half-width), strip all white space and line breaks."""
    if value is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def norm_header(value: object) -> str:
    """Header text reduced for matching: folded, no spaces, marks or stars."""
    text = _NOISE.sub("", norm_text(value))
    return text.replace("(", "（").replace(")", "）")


def _index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for f in (*FIELDS, *REQUEST_FIELDS):
        for name in (f.header, *f.aliases):
            idx.setdefault(norm_header(name), f.key)
    return idx


_HEADER_INDEX = _index()


# Columns offices add that carry no ledger data: recognised, not imported, not reported.
IGNORED_HEADERS = frozenset({"序号", "序", "No", "NO", "No.", "行号"})


def match_header(text: object) -> tuple[str | None, float]:
    """Map a header cell to (field key, amount factor). Unknown → (None, 1.0).

    An amount column headed in 元 rather than 万元 gets factor 1/10000 so that
    every amount lands in the ledger in 万元.
    """
    key = norm_header(text)
    if not key:
        return None, 1.0
    factor = 1.0
    unit = _PAREN_UNIT.search(key)
    if key in _HEADER_INDEX:
        found = _HEADER_INDEX[key]
    else:
        bare = _PAREN_UNIT.sub("", key)
        found = _HEADER_INDEX.get(bare)
    if found == "amount" and unit and unit.group(1) == "元":
        factor = 1 / 10000
    return found, factor


@lru_cache(maxsize=1024)
def field_like(text: str) -> str | None:
    """The header of the one unit field whose name or alias (two characters or more) a column name contains,
    e.g. 整改责任单位 → 责任单位; None when no field or several fit (a proposal, never a reading)."""
    key = norm_header(text)
    if len(key) < 3:
        return None
    hits = {f.key for f in FIELDS if f.owner == "unit"
            for name in (f.header, *f.aliases) if len(norm_header(name)) >= 2 and norm_header(name) in key}
    return BY_KEY[hits.pop()].header if len(hits) == 1 else None


def column_names_index(pairs) -> dict[str, str]:
    """An office's own column names (列名对照: a unit's column name → a ledger field, by its header or an alias)
    as the reader looks them up: folded name → field key. ValueError names the first field that is none."""
    out: dict[str, str] = {}
    for name, target in pairs:
        key = _HEADER_INDEX.get(norm_header(target)) or (target if target in BY_KEY else None)
        if key is None:
            raise ValueError(str(target))
        if norm_header(name):
            out[norm_header(name)] = key
    return out


# 时限来源 values
ORIGIN_WRITTEN, ORIGIN_COMPUTED = "填写", "计算"

# traffic lights: key → the word on the sheet, and back; 持续整改 cases (long) are tracked, never overdue
LIGHT_ZH = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已办结", "closed": "已销号", "long": "长期整改"}
LIGHT_FROM_ZH = {v: k for k, v in LIGHT_ZH.items()}
