"""销号 reserved to the leading group (seeds 000 and 003).

Seed 000: "区政府确定的攻坚任务完成后，要报领导小组组长审定核准;相关工作的核准、退出、销号要同时报领导小组办公室
备案待查". Seed 003: "建立台账，挂账督办，做到整改完成一件销号一件" (by 县委办公室). Where the rulebook says
``office_closes``, a unit's 已销号 arrives as 已办结 with a 销号申请 (see rules.validate); the office sees it in the
待销号确认 sheet and confirms by filling 销号审核人 and 销号日期 in the master (or 决定 同意 on 待销号确认, book.trail);
the next run closes the case — where ``visit_sources`` names its source, only after a 回访 (book.trail). An
application without the 佐证材料 the campaign requires (book.evidence) says so in its 说明.
"""

from __future__ import annotations

import pandas as pd

from taizhang.book.evidence import lacks_evidence
from taizhang.fields import STATUS_CLOSED, STATUS_DONE


def _filled(series: pd.Series) -> pd.Series:
    return series.notna() & (series.astype(str).str.strip() != "")


def confirm_closures(ledger: pd.DataFrame, book) -> pd.DataFrame:
    """Cases the office confirmed (销号审核人 and 销号日期 filled in the master) become 已销号."""
    if not book.office_closes or not len(ledger):
        return ledger
    ok = (ledger["status"] == STATUS_DONE) & _filled(ledger["closer"]) & _filled(ledger["closed_date"])
    if book.visit_sources:  # a 回访 first where the campaign asks for one (book.trail; its 待销号确认 says so)
        from taizhang.book.trail import visit_missing_mask

        ok &= ~visit_missing_mask(ledger, book)
    if not ok.any():
        return ledger
    df = ledger.copy()
    df.loc[ok, "status"] = STATUS_CLOSED
    return df


def pending_rows(ledger: pd.DataFrame, book) -> list[list]:
    """The 待销号确认 list: units' applications the office has not yet confirmed."""
    if not book.office_closes or not len(ledger):
        return []
    wait = _filled(ledger["close_request"]) & (ledger["status"] != STATUS_CLOSED)
    rows = []
    for _, r in ledger[wait].iterrows():
        missing = [h for k, h in (("closer", "销号审核人"), ("closed_date", "销号日期")) if not _filled(pd.Series([r[k]])).iat[0]]
        note = f"请经领导小组审定后在台账中填写{'、'.join(missing)}" if missing else "已确认"
        if lacks_evidence(r.to_dict(), book):  # 佐证材料要求 (book.evidence): said before the office confirms
            note = f"缺佐证材料（未归档佐证材料，也未填佐证文号或链接）；{note}"
        rows.append([r["case_id"], r["unit"], r["description"], r["done_date"], r["close_request"], r["closer"],
                     r["closed_date"], note])
    return rows
