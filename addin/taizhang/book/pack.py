"""The file of one case for its 销号: what the leading group reads before it 审定核准 (seed 000: "审慎对待销号、退出工作…
要报领导小组组长审定核准;相关工作的核准、退出、销号要同时报领导小组办公室备案待查").

``case_file`` gathers, from the master as read, one case's fields (as 台账 shows them), its history (变更记录), its
requests and decisions (the 审批台账 sheet, read by header and matched on 问题编号, when the master has one; the
approvals 台账 itself holds — 延期审批人, 销号审核人 — either way), its evidence (佐证材料清单: names, content digests,
dates received) and whether evidence the campaign requires is missing. ``report.closing_pack`` lays it out as the
paper. Pure: nothing is written here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from taizhang.book.evidence import FILED, lacks_evidence
from taizhang.fields import FIELDS, OFFICE_ONLY, STATUS_CLOSED
from taizhang.intake.normalize import to_text

# the 审批台账 columns the pack shows, by header (the sheet's order may differ)
TRAIL_SHOWN = ["申请日期", "事项", "申请内容", "申请理由", "决定", "决定人", "决定日期", "决定意见", "变更内容"]
_NOT_SHOWN = {"evidence", "evidence_count", "evidence_first", "src_sheet", "src_row", "light", "remaining", "deadline_origin"}


@dataclass
class CaseFile:
    case_id: str
    unit: str
    description: str
    status: str
    campaign: str
    office: str
    day: dt.date
    fields: list[tuple[str, str]] = field(default_factory=list)  # (header, value as shown) of the filled fields
    history: list[list] = field(default_factory=list)  # 报送日, 字段, 原值, 新值, 来源文件
    trail: list[list] = field(default_factory=list)  # TRAIL_SHOWN per row of 审批台账
    approvals: list[list] = field(default_factory=list)  # 事项, 审批人, 日期 as 台账 holds them
    evidence: list[list] = field(default_factory=list)  # 文件名, 内容指纹, 大小, 首次收到, 最近收到, 来源
    evidence_ref: str = ""
    missing: list[str] = field(default_factory=list)  # stages of 佐证材料要求 without evidence
    trail_sheet: bool = False  # whether the master has a 审批台账


def _shown(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, dt.datetime):
        v = v.date()
    return to_text(v) or ""


def trail_rows(table: list[list] | None, case_id: str) -> list[list]:
    """The 审批台账 rows of one case (by the 问题编号 column, wherever the office keeps it), as TRAIL_SHOWN."""
    if not table:
        return []
    head = [str(h or "").strip() for h in table[0]]
    if "问题编号" not in head:
        return []
    at = head.index("问题编号")
    cols = [head.index(h) if h in head else None for h in TRAIL_SHOWN]
    out = []
    for r in table[1:]:
        r = list(r)
        if at < len(r) and _shown(r[at]) == case_id:
            out.append([_shown(r[i]) if i is not None and i < len(r) else "" for i in cols])
    return out


def case_file(master, case_id: str, day: dt.date, trail: list[list] | None = None) -> CaseFile | None:
    """The file of ``case_id`` (None: no such case in the ledger). ``trail``: the 审批台账 sheet's rows as read."""
    ledger: pd.DataFrame = master.ledger
    hits = ledger.index[ledger["case_id"].astype(str) == str(case_id)].tolist() if len(ledger) else []
    if not hits:
        return None
    row = ledger.loc[hits[0]].to_dict()
    book = master.rulebook
    cf = CaseFile(str(case_id), _shown(row.get("unit")), _shown(row.get("description")), _shown(row.get("status")),
                  book.name, book.office or "领导小组办公室", day, trail_sheet=trail is not None)
    cf.fields = [(f.header, _shown(row.get(f.key))) for f in FIELDS
                 if f.key not in OFFICE_ONLY and f.key not in _NOT_SHOWN and _shown(row.get(f.key))]
    ch = master.changes
    if len(ch):
        mine = ch[ch["问题编号"].astype(str) == str(case_id)]
        cf.history = [[_shown(r["报送日"]), _shown(r["字段"]), _shown(r["原值"]), _shown(r["新值"]), _shown(r["来源文件"])]
                      for _, r in mine.iterrows()]
    cf.trail = trail_rows(trail, str(case_id))
    for what, who, when in (("延期（延期至）", "extension_approver", "extended_to"), ("销号", "closer", "closed_date")):
        if _shown(row.get(who)) or (what == "销号" and row.get("status") == STATUS_CLOSED and _shown(row.get(when))):
            cf.approvals.append([what, _shown(row.get(who)), _shown(row.get(when))])
    cf.evidence = [[_shown(r[2]), _shown(r[3]), _shown(r[4]), _shown(r[5]), _shown(r[6]), _shown(r[7])]
                   for r in master.evidence if len(r) > 8 and _shown(r[0]) == str(case_id) and r[8] == FILED]
    cf.evidence_ref = _shown(row.get("evidence_ref"))
    cf.missing = lacks_evidence(row, book) if not cf.evidence else []
    return cf


def awaiting_closure(master) -> list[str]:
    """The cases awaiting 销号: a 销号申请 not yet confirmed; where units close cases themselves, those 已办结."""
    ledger = master.ledger
    if not len(ledger):
        return []
    status = ledger["status"]
    req = ledger["close_request"].map(lambda v: bool(_shown(v)))
    wait = req & (status != STATUS_CLOSED)
    if not wait.any() and not master.rulebook.office_closes:
        wait = status == "已办结"
    return [str(c) for c in ledger.loc[wait, "case_id"].tolist() if c]
