"""抽查清单: a reproducible random draw of 查否 cases and zero-report units for the office to re-check.

Seed 003: "对交办问题线索查否的，按一定比例进行复查，一经查实，严肃追究承办单位的责任"; seeds 002/003:
"对…零报告单位要重点抽查". Each report day draws ``spot_ratio`` % (at least one where there is any candidate)
of the 查否 cases not drawn before and of the units that sent a zero report that day. The draw depends only on
the 抽查随机种子, the report day and the candidates, so the office can repeat it; a case is never drawn twice.
Besides the draw, every case closed (or 查否) without the 佐证材料 the campaign requires is listed once, as 佐证材料核查.
A second merge on the same day draws that day again (``redraw``), but what the office already wrote on the day's
rows (抽查结果, and any column it added) stays with its case or unit, and a row it has written on is never dropped.
"""

from __future__ import annotations

import datetime as dt
import math
import random

import pandas as pd

from taizhang.book.evidence import missing_rows
from taizhang.fields import STATUS_UNFOUNDED

SPOT_HEADERS = ["报送日", "抽查类型", "问题编号", "责任单位", "问题描述", "抽查结果"]
KIND_UNFOUNDED, KIND_ZERO = "查否复查", "零报告抽查"
KIND_EVIDENCE = "佐证材料核查"  # not drawn: every case at a stage of 佐证材料要求 without evidence (book.evidence)


def _how_many(n: int, ratio: float) -> int:
    return 0 if n == 0 or ratio <= 0 else min(n, max(1, math.ceil(n * ratio / 100)))


def draw_spot_checks(book, ledger: pd.DataFrame, zero_units: list[str], previous: list[list], day: dt.date) -> list[list]:
    """Today's new 抽查清单 rows (``previous``: the rows already in the master, which are never drawn again)."""
    drawn_cases = {str(r[2]) for r in previous if len(r) > 2 and r[1] == KIND_UNFOUNDED and r[2]}
    done_today = {(str(r[0])[:10], r[1], str(r[2] or ""), str(r[3] or "")) for r in previous if len(r) > 3}
    rng = random.Random(f"{book.spot_seed}:{day.isoformat()}")
    rows: list[list] = []
    unfounded = ledger[(ledger["status"] == STATUS_UNFOUNDED) & ledger["case_id"].notna()]
    candidates = sorted((str(c), u, d) for c, u, d in zip(unfounded["case_id"], unfounded["unit"], unfounded["description"])
                        if str(c) not in drawn_cases)
    for cid, unit, desc in rng.sample(candidates, _how_many(len(candidates), book.spot_ratio)):
        rows.append([day, KIND_UNFOUNDED, cid, unit, desc, ""])
    zeros = sorted(set(zero_units)) if book.zero_report else []  # no 零报告 in the campaign: no 零报告抽查
    for unit in rng.sample(zeros, _how_many(len(zeros), book.spot_ratio)):
        rows.append([day, KIND_ZERO, None, unit, "本期零报告", ""])
    listed = {str(r[2]) for r in previous if len(r) > 2 and r[1] == KIND_EVIDENCE and r[2]}
    cols = {k: ledger[k].tolist() for k in ("case_id", "unit", "description") if k in ledger.columns}
    for i, at in missing_rows(ledger, book):  # every case closed without its 佐证材料, listed once for the office
        cid = cols["case_id"][i]
        if cid and str(cid) not in listed:
            listed.add(str(cid))
            rows.append([day, KIND_EVIDENCE, str(cid), cols["unit"][i], f"已{'、'.join(at)}，缺佐证材料：{cols['description'][i] or ''}", ""])
    return [r for r in rows if (day.isoformat(), r[1], str(r[2] or ""), str(r[3] or "")) not in done_today]


def _key(r: list) -> tuple:
    """A 抽查清单 row's identity within its day: the kind, the case (查否复查) or the unit (零报告抽查)."""
    return (str(r[1] or ""), str(r[2] or "") if len(r) > 2 else "", str(r[3] or "") if len(r) > 3 else "")


def _written_on(r: list) -> bool:
    return any(v not in (None, "") and str(v).strip() for v in r[5:])


def redraw(book, ledger: pd.DataFrame, zero_units: list[str], previous: list[list], day: dt.date) -> list[list]:
    """The whole 抽查清单 after today's draw: earlier days' rows as they are, then today's, drawn again.

    A row of today already in the master keeps what the office wrote from 抽查结果 on; a row of today that the
    new draw no longer picks (the candidates changed since the first merge) stays if the office wrote on it."""
    iso = day.isoformat()
    earlier = [r for r in previous if str(r[0])[:10] != iso]
    today = {_key(r): list(r) for r in previous if str(r[0])[:10] == iso}
    rows = []
    for r in draw_spot_checks(book, ledger, zero_units, earlier, day):
        old = today.pop(_key(r), None)
        rows.append(r[:5] + list(old[5:]) if old is not None and len(old) > 5 else r)
    rows += [r for r in today.values() if _written_on(r)]
    return earlier + rows
