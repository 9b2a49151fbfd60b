"""审批台账: every request a unit makes and every decision or record of the office, one row each, never rewritten.

Seed 004: "确因客观原因不能及时办结的，须书面申报，并及时按程序报送审批"; seed 000: "相关工作的核准、退出、销号要同时
报领导小组办公室备案待查". The sheet (``S_TRAIL``, ``TRAIL_HEADERS``) only grows: a row is added, never changed.

- A unit asks in its file: 申请延期至 with 申请理由 (延期), or 申请事项 销号 / 查否 / 不属本单位 (with 申请理由); a 销号申请
  (where the leading group confirms 销号) and a unit's 查否 are recorded too. Each is a row with 决定 申请中 (查否: a
  record) and, while open, a row of 待审批 (or 待销号确认).
- The office decides in the master, in the 决定 / 决定人 / 决定意见 columns of 待审批 and 待销号确认 (同意, 不同意,
  退回补充). The next run (merge or status) applies it — 同意 a 延期: 延期至 and 延期审批人 in 台账; 同意 a 销号:
  销号审核人 and 销号日期 — and records the decision with what it changed. The deadline before is in 变更内容 and in
  变更记录: nothing is overwritten unrecorded. A 不同意 or 退回补充 goes back to the unit with its reason in 办公室答复
  of its next template.
- 不属本单位 waits on 待指定单位 (the sheet 交办 leaves its uncertain clues on), not on 待审批: a row with the case's
  问题编号, the units its reason and description name (``UnitDirectory.locate``, the asking unit left out) as 候选单位,
  and the reason (``not_ours_rows``). The case stays with its unit and its deadline meanwhile. The office writes the
  right unit in 指定单位 (the asking unit itself: 不同意) and 决定人; the next 交办 applies it (``decide_not_ours``):
  the decision on 审批台账, and the move a 转办 as any office move (book.assign: 变更记录, the unit's notice).
  A unit's file never moves a case by itself.
- 回访 (the office's 回访方式/日期/回访人/回访结果/回访意见 in 台账): each 回访 is a record. 不满意 reopens a finished case
  as 重办: 整改中, a new 整改时限 under the campaign's own 时限规则 counted from the 回访日期 (calendar.deadlines), the old
  one on the row. Where ``visit_sources`` names the case's source, 销号 waits for a 回访 (满意 / 基本满意) after 办结.
- 抽查 results (属实 / 不属实 / 整改不到位 on 抽查清单) are records; a 查否 found 属实 on 复查 ("一经查实，严肃追究承办单位的
  责任", seed 003) is listed for the office, unit by unit.

- Seed 000 (``approve_cases``): a unit's new case is a 核准 request (with the 主管副区长审签 it wrote) on 待审批, shown
  as 待核准 until the office's 核准; 退出, written in 决定 on 待销号确认, is recorded beside 销号 and the case is no
  longer counted (``held_out``); nor is a case not yet 核准 (``HOLD_UNAPPROVED``, ``unapproved``): the figures say
  "待核准N个，未计入".

What units reported (requests, 销号申请, 查否, a 已销号) is recorded by a merge; any run (merge or status) applies the
office's decisions and records its 回访 and 抽查 results. ``申请状态`` (a computed 台账 column) shows each case's open or
last-decided request: 申请中 vs 已批准, 待核准, 重办N次.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from taizhang.book.sheets import (
    APPROVAL_HEADERS,
    CHANGE_HEADERS,
    CLOSURE_HEADERS,
    S_UNASSIGNED,
    TRAIL_HEADERS,
    UNASSIGNED_HEADERS,
)
from taizhang.fields import ORIGIN_WRITTEN, STATUS_CLOSED, STATUS_DONE, STATUS_IN_PROGRESS, STATUS_UNFOUNDED
from taizhang.findings import Finding, finding

K_EXT, K_CLOSE, K_UNFOUNDED, K_NOT_OURS, K_COORD = "延期", "销号", "查否", "不属本单位", "区级协调"
K_VISIT, K_SPOT, K_REDO, K_APPROVE, K_EXIT = "回访", "抽查", "重办", "核准", "退出"
KINDS = (K_EXT, K_CLOSE, K_UNFOUNDED, K_NOT_OURS, K_COORD, K_VISIT, K_SPOT, K_REDO, K_APPROVE, K_EXIT)
D_PENDING, D_YES, D_NO, D_BACK = "申请中", "同意", "不同意", "退回补充"
D_EXIT = "退出"  # a word of the office's on 待销号确认 (seed 000): recorded as 事项 退出, 决定 同意
DECISION_WORDS = {"同意": D_YES, "批准": D_YES, "准予": D_YES, "通过": D_YES, "核准": D_YES,
                  "不同意": D_NO, "不批准": D_NO, "驳回": D_NO, "不予批准": D_NO,
                  "退回补充": D_BACK, "退回": D_BACK, "补充材料": D_BACK, "退出": D_EXIT}
VISIT_OK, VISIT_BAD = ("满意", "基本满意"), "不满意"
VISIT_RESULTS = (*VISIT_OK, VISIT_BAD)
VISIT_MODES = ("电话", "走访", "问卷")
SPOT_TRUE, SPOT_FALSE, SPOT_POOR = "属实", "不属实", "整改不到位"
SPOT_RESULTS = (SPOT_TRUE, SPOT_FALSE, SPOT_POOR)
FROM_APPROVALS, FROM_CLOSURES, FROM_LEDGER = "待审批", "待销号确认", "台账"
REQUEST_KINDS = {"延期": K_EXT, "申请延期": K_EXT, "销号": K_CLOSE, "申请销号": K_CLOSE, "查否": K_UNFOUNDED,
                 "不属本单位": K_NOT_OURS, "非本单位": K_NOT_OURS, "不属于本单位": K_NOT_OURS,
                 "区级协调": K_COORD, "申请区级协调": K_COORD}  # (区级协调: only where the plan has it, seed 001)
COORD_ASKED = "申请提交区级层面专项研究、专题协调"
COORD_BY = "办公室（台账“区级协调”列）"
EXT_HOW = "在“决定”列填写同意、不同意或退回补充，并填写决定人、决定意见；下次合并或计算时生效，记入审批台账"


def _text(v) -> str:
    if type(v) is str:
        return v.strip()
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _date(v) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str) and v.strip():
        from taizhang.intake.normalize import parse_date_text

        return parse_date_text(v.strip(), None)[0]
    return None


def ext_content(day) -> str:
    return f"延期至{_text(day)}"


class Trail:
    """The 审批台账 rows (``TRAIL_HEADERS`` order), read from the master and added to in this run."""

    def __init__(self, rows: list[list] | None = None):
        self.rows = [(list(r) + [None] * len(TRAIL_HEADERS))[:len(TRAIL_HEADERS)] for r in rows or []
                     if len(r) > 3 and _text(r[3]) in KINDS]
        self.added = 0
        self._last: dict[tuple[str, str], list] = {}
        self._content: set[tuple[str, str, str]] = set()
        self._count: dict[tuple[str, str], int] = {}
        self._seq = max((int(r[0]) for r in self.rows if isinstance(r[0], (int, float))), default=0)
        for r in self.rows:
            self._index(r)

    def _index(self, r: list) -> None:
        key = (_text(r[1]), _text(r[3]))
        self._last[key] = r
        self._content.add((key[0], key[1], _text(r[4])))
        self._count[key] = self._count.get(key, 0) + 1

    def add(self, case, unit, kind: str, content="", reason="", asked_on=None, file="", decision="", by="",
            decided_on=None, opinion="", change="", today: dt.date | None = None) -> list:
        self._seq += 1
        row = [self._seq, _text(case), _text(unit), kind, content, reason or "", asked_on, file or "", decision,
               by or "", decided_on, opinion or "", change or "", today]
        self.rows.append(row)
        self._index(row)
        self.added += 1
        return row

    def count(self, case, kind: str) -> int:
        return self._count.get((_text(case), kind), 0)

    def last(self, case, kind: str) -> list | None:
        return self._last.get((_text(case), kind))

    def open(self, case, kind: str) -> list | None:
        """The request of ``kind`` still waiting for a decision (its last row is 申请中)."""
        r = self.last(case, kind)
        return r if r is not None and _text(r[8]) == D_PENDING else None

    def has(self, case, kind: str, content: str) -> bool:
        return (_text(case), kind, content) in self._content

    def of_kind(self, kind: str) -> list[list]:
        return [r for r in self.rows if r[3] == kind]

    def open_requests(self) -> list[list]:
        return [r for r in self._last.values() if _text(r[8]) == D_PENDING]


# --------------------------------------------------------------------------- reading the office's decisions

def _by_header(table: list[list] | None, headers: list[str]) -> list[dict]:
    """The rows of a sheet below its header, as {header: value} (read by header: the office may move columns)."""
    if not table:
        return []
    head = [_text(h) for h in table[0]]
    at = {h: head.index(h) for h in headers if h in head}
    out = []
    for r in table[1:]:
        r = list(r)
        out.append({h: (r[i] if i < len(r) else None) for h, i in at.items()})
    return out


def decision_of(v) -> str | None:
    """The office's word in 决定 as a decision (None: blank or a word taizhang does not read)."""
    t = _text(v).replace(" ", "")
    return DECISION_WORDS.get(t) if t else None


# --------------------------------------------------------------------------- the run

class TrailRun:
    """One run's work on the trail: decisions applied, requests and records added, findings for the office."""

    def __init__(self, master, today: dt.date):
        self.master, self.today = master, today
        self.trail: Trail = master.trail if isinstance(master.trail, Trail) else Trail(master.trail)
        master.trail = self.trail
        self.findings: list[Finding] = []
        self.changes: list[list] = []
        self.df = master.ledger.copy() if len(master.ledger) else master.ledger
        self.at = {str(c): i for i, c in enumerate(self.df["case_id"].tolist())} if len(self.df) else {}
        self.file = master.path.name if getattr(master, "path", None) else ""
        self.touched = False  # a decision was read from 待审批 / 待销号确认 (the sheets must be written again)
        self._cols: dict[str, list] = {}  # column → its values, read once for ``get`` (``set`` keeps them true)

    # ---- ledger helpers
    def get(self, cid, key):
        i = self.at.get(_text(cid))
        if i is None:
            return None
        values = self._cols.get(key)
        if values is None:  # a frame lookup per case costs more than the whole column once (``guard`` asks per case)
            values = self._cols[key] = list(self.df[key].array)
        return values[i]

    def set(self, cid, key, value, origin: str) -> None:
        i = self.at.get(_text(cid))
        if i is None:
            return
        old = self.df[key].iat[i]
        if _text(old) == _text(value):
            return
        from taizhang.fields import BY_KEY

        col = self.df[key]
        dtype = col.dtype
        self.df.iat[i, self.df.columns.get_loc(key)] = value
        if key in self._cols:  # the cell as the frame now holds it; the whole column again if its type changed
            col = self.df[key]
            if col.dtype == dtype:
                self._cols[key][i] = col.iat[i]
            else:
                del self._cols[key]
        self.changes.append([_text(cid), BY_KEY[key].header, _text(old) or None, _text(value) or None,
                             self.df["unit"].iat[i], origin, self.today])

    def in_force(self, cid):
        ext, approver = self.get(cid, "extended_to"), self.get(cid, "extension_approver")
        return ext if _text(ext) and _text(approver) else self.get(cid, "deadline")

    # ---- steps
    def decide_approvals(self, table: list[list] | None) -> None:
        for r in _by_header(table, APPROVAL_HEADERS):
            word = _text(r.get("决定"))
            if not word:
                continue
            cid, kind = _text(r.get("问题编号")), _text(r.get("申请事项")) or K_EXT
            decision = decision_of(word)
            by, opinion = _text(r.get("决定人")), _text(r.get("决定意见"))
            if cid not in self.at:
                continue
            if decision is None or decision == D_EXIT or not by:
                why = f"“决定”写的是“{word}”，应为同意、不同意或退回补充" if decision in (None, D_EXIT) else "未填写决定人"
                self.findings.append(finding("decision-incomplete", f"待审批中问题“{cid}”的{kind}申请：{why}，本次未执行，"
                                             f"申请仍在待审批中。请补正后再次运行。", file=self.file, sheet=FROM_APPROVALS,
                                             value=word, unit=_text(r.get("责任单位"))))
                continue
            request = self.trail.open(cid, kind)
            content = _text(request[4]) if request else (ext_content(r.get("申请整改时限")) if kind == K_EXT else kind)
            change = ""
            if decision == D_YES and kind == K_EXT:
                new = _date(r.get("申请整改时限")) or (_date(content[3:]) if content.startswith("延期至") else None)
                if new is None:
                    self.findings.append(finding("decision-incomplete", f"待审批中问题“{cid}”的延期申请没有申请日期，"
                                                 f"无法执行“同意”。请在“申请整改时限”中填写日期后再次运行。",
                                                 file=self.file, sheet=FROM_APPROVALS, unit=_text(r.get("责任单位"))))
                    continue
                was = self.in_force(cid)
                self.set(cid, "extended_to", new, FROM_APPROVALS)
                self.set(cid, "extension_approver", by, FROM_APPROVALS)
                change = f"延期至{new.isoformat()}（原时限{_text(was) or '按时限规则计算'}，原整改时限{_text(self.get(cid, 'deadline')) or '无'}保留）"
            elif kind == K_NOT_OURS:  # (a 待审批 of an older master): decided where the office names the unit
                self.findings.append(finding("decision-incomplete", f"问题“{cid}”的“不属本单位”申请改在“{S_UNASSIGNED}”表中"
                                             f"决定，本次未执行：请在该表“指定单位”列填写应承办的单位（仍由本单位办理的填本单位）"
                                             f"和决定人，再运行交办。", file=self.file, sheet=FROM_APPROVALS, value=word,
                                             unit=_text(r.get("责任单位"))))
                continue
            elif kind == K_APPROVE and decision == D_YES:
                signed = _text(request[5]) if request else ""
                if not signed.startswith("主管副区长审签："):
                    self.findings.append(finding("decision-incomplete", f"问题“{cid}”尚无主管副区长审签（方案：“经主管副区长"
                                                 f"审签后报领导小组办公室审定、核准”），本次未核准，仍在待审批中。请退回单位"
                                                 f"补充审签（决定填“退回补充”），或单位在报送表“主管副区长审签”中填写后再报。",
                                                 file=self.file, sheet=FROM_APPROVALS, unit=_text(r.get("责任单位"))))
                    continue
                change = f"审定、核准，列入攻坚台账（{signed}）"
            elif kind == K_APPROVE:
                change = "未核准，不计入攻坚台账统计"
            elif decision == D_YES and kind == K_CLOSE:
                change = self._close(cid, by, r.get("决定日期") or self.today, FROM_APPROVALS)
                if change is None:
                    continue
            self.touched = True
            self.trail.add(cid, _text(r.get("责任单位")) or self.get(cid, "unit"), kind, content, request[5] if request else _text(r.get("申请理由")),
                           request[6] if request else r.get("报送日"), FROM_APPROVALS, decision, by, self.today,
                           opinion, change, self.today)
            self.findings.append(finding("decision-applied", f"问题“{cid}”的{kind}申请：办公室{decision}（{by}）"
                                         f"{'，' + change if change else ''}，已记入审批台账。", file=self.file,
                                         sheet=FROM_APPROVALS, unit=_text(r.get("责任单位"))))

    def decide_closures(self, table: list[list] | None) -> None:
        for r in _by_header(table, CLOSURE_HEADERS):
            word = _text(r.get("决定"))
            cid = _text(r.get("问题编号"))
            if not word or cid not in self.at:
                continue
            decision = decision_of(word)
            by, opinion = _text(r.get("决定人")), _text(r.get("决定意见"))
            if decision is None or not by:
                why = f"“决定”写的是“{word}”，应为同意、不同意或退回补充" if decision is None else "未填写决定人"
                self.findings.append(finding("decision-incomplete", f"待销号确认中问题“{cid}”：{why}，本次未执行。请补正后"
                                             f"再次运行。", file=self.file, sheet=FROM_CLOSURES, value=word,
                                             unit=_text(r.get("责任单位"))))
                continue
            request = self.trail.open(cid, K_CLOSE)
            content = _text(request[4]) if request else f"销号申请{_text(r.get('销号申请'))}"
            if decision == D_EXIT:  # seed 000: "核准、退出、销号要同时报领导小组办公室备案": beside 销号, on the trail
                self.set(cid, "close_request", None, FROM_CLOSURES)
                self.touched = True
                self.trail.add(cid, self.get(cid, "unit"), K_EXIT, "领导小组决定退出", request[5] if request else "",
                               request[6] if request else r.get("销号申请"), FROM_CLOSURES, D_YES, by, self.today,
                               opinion, "退出攻坚台账，不再计入统计", self.today)
                self.findings.append(finding("decision-applied", f"问题“{cid}”：办公室记录退出（{by}），已记入审批台账备案。",
                                             file=self.file, sheet=FROM_CLOSURES, unit=_text(r.get("责任单位"))))
                continue
            if decision == D_YES:
                change = self._close(cid, by, self.today, FROM_CLOSURES)
                if change is None:
                    continue
            else:  # the application is answered: the unit may apply again once it has done what is asked
                self.set(cid, "close_request", None, FROM_CLOSURES)
                change = "销号申请退回，问题仍为已办结"
            self.touched = True
            self.trail.add(cid, self.get(cid, "unit"), K_CLOSE, content, request[5] if request else "",
                           request[6] if request else r.get("销号申请"), FROM_CLOSURES, decision, by, self.today,
                           opinion, change, self.today)
            self.findings.append(finding("decision-applied", f"问题“{cid}”的销号申请：办公室{decision}（{by}），{change}，"
                                         f"已记入审批台账。", file=self.file, sheet=FROM_CLOSURES, unit=_text(r.get("责任单位"))))

    def _close(self, cid, by: str, day, origin: str) -> str | None:
        """销号 a case the office agreed to close; None (and a finding) where a required 回访 is missing."""
        missing = self.visit_missing(cid)
        if missing:
            self.findings.append(finding("close-needs-visit", f"问题“{cid}”{missing}，办公室同意销号暂不执行，"
                                         f"销号申请仍在待确认中。请回访后在台账中填写回访结果，再次运行。",
                                         file=self.file, sheet=origin, unit=_text(self.get(cid, "unit"))))
            return None
        day = _date(day) or self.today
        self.set(cid, "closer", by, origin)
        self.set(cid, "closed_date", day, origin)
        if self.get(cid, "status") == STATUS_DONE:
            self.set(cid, "status", STATUS_CLOSED, origin)
        return f"办理状态改为已销号（销号审核人{by}，销号日期{day.isoformat()}）"

    def needs_visit(self, cid) -> bool:
        return _text(self.get(cid, "source")) in self.master.rulebook.visit_sources

    def visit_missing(self, cid) -> str:
        """Why the case may not be 销号 for want of a 回访 ("" : it may)."""
        if not self.needs_visit(cid):
            return ""
        result, on, done = _text(self.get(cid, "visit_result")), _date(self.get(cid, "visit_date")), _date(self.get(cid, "done_date"))
        if result not in VISIT_OK or on is None:
            return f"来源为“{_text(self.get(cid, 'source'))}”，须经回访（满意或基本满意）方可销号，尚未回访"
        if done is not None and on < done:
            return f"须经回访方可销号，最近一次回访（{on}）早于办结日期（{done}）"
        return ""

    def record_merge(self, result) -> None:
        """The requests units made in today's files (book.merge): 延期 and 申请事项."""
        if result is None:
            return
        for p in result.pending:
            cid, content = _text(p["case_id"]), ext_content(p["new"])
            open_ = self.trail.open(cid, K_EXT)
            if open_ is not None and _text(open_[4]) == content:
                continue  # asked again while waiting: the request stands once
            if any(_text(r[1]) == cid and r[3] == K_EXT and _text(r[4]) == content and _text(r[7]) == p["file"]
                   and _text(r[8]) == D_PENDING for r in self.trail.rows):
                continue  # the same file merged again
            self.trail.add(cid, p["unit"], K_EXT, content, p.get("reason") or "", p["day"], p["file"], D_PENDING,
                           today=self.today)
        for q in getattr(result, "requests", []):
            cid, kind = _text(q["case_id"]), q["kind"]
            if self.trail.open(cid, kind) is not None:
                continue
            if kind == K_COORD and not self.master.rulebook.district_coord:
                continue  # only seed 001's plan has 区级协调
            if kind == K_COORD and self.trail.last(cid, kind) is not None and _text(self.get(cid, "district_coord")):
                continue  # answered, and the office's flag still stands: asked again, not recorded again
            content = "攻坚难题审定、核准" if kind == K_APPROVE else COORD_ASKED if kind == K_COORD else kind
            self.trail.add(cid, q["unit"], kind, content, q.get("reason") or "", q["day"], q["file"], D_PENDING,
                           today=self.today)

    def coord_decisions(self) -> None:
        """Seed 001: each unit's open 区级协调 request decided by the office's own flag in 台账 (区级协调: 是 → 同意, 提交区级
        层面; 否 → 不同意), recorded once on the trail. A blank flag leaves it waiting on 区级协调事项; a unit's request
        never sets the flag (book.merge keeps it apart)."""
        from taizhang.rules.checks import COORD_NO

        if not self.master.rulebook.district_coord or "district_coord" not in self.df:
            return
        for r in [r for r in self.trail.open_requests() if r[3] == K_COORD]:
            flag = _text(self.get(r[1], "district_coord"))
            if not flag:
                continue
            yes = flag not in COORD_NO
            decision = D_YES if yes else D_NO
            change = "提交区级层面专项研究讨论、专题协调解决" if yes else "不提交区级协调，由责任单位继续办理"
            self.trail.add(r[1], r[2], K_COORD, r[4], r[5], r[6], FROM_LEDGER, decision, COORD_BY, self.today,
                           f"台账“区级协调”为“{flag}”", change, self.today)
            self.findings.append(finding("decision-applied", f"问题“{_text(r[1])}”的区级协调申请：办公室{decision}（台账“区级"
                                         f"协调”为“{flag}”），{change}，已记入审批台账。", file=self.file, sheet=FROM_LEDGER,
                                         unit=_text(r[2])))

    def record_ledger(self) -> None:
        """What units reported that the trail must hold: each 销号申请 and each 查否 (on a merge)."""
        df, book = self.df, self.master.rulebook
        if not len(df):
            return
        ids, units, status = df["case_id"].tolist(), df["unit"].tolist(), df["status"].tolist()
        if book.office_closes:
            for cid, unit, st, req in zip(ids, units, status, df["close_request"].tolist()):
                if _text(req) and st != STATUS_CLOSED and self.trail.open(cid, K_CLOSE) is None \
                        and not self.trail.has(cid, K_CLOSE, f"销号申请{_text(req)}"):
                    self.trail.add(cid, unit, K_CLOSE, f"销号申请{_text(req)}", "", _date(req), FROM_LEDGER, D_PENDING,
                                   today=self.today)
        for cid, unit, st, on in zip(ids, units, status, df["updated_on"].tolist()):
            if st == STATUS_UNFOUNDED and self.trail.last(cid, K_UNFOUNDED) is None:
                self.trail.add(cid, unit, K_UNFOUNDED, "单位报查否", "", on, FROM_LEDGER, "",
                               change="列入查否复查（抽查清单）范围", today=self.today)

    def visits(self) -> None:
        """Each 回访 the office wrote in 台账, once; a 不满意 reopens the case (``_redo``)."""
        df = self.df
        if "visit_result" not in df:
            return
        filled = [i for i, v in enumerate(df["visit_result"].tolist()) if _text(v)]
        for i in filled:
            cid = _text(df["case_id"].iat[i])
            result, on = _text(df["visit_result"].iat[i]), _date(df["visit_date"].iat[i])
            if not cid or on is None:
                continue
            mode, who, note = _text(df["visit_mode"].iat[i]), _text(df["visitor"].iat[i]), _text(df["visit_note"].iat[i])
            content = f"{on.isoformat()}{mode}回访：{result}"
            if self.trail.has(cid, K_VISIT, content):
                continue
            if result not in VISIT_RESULTS:
                self.findings.append(finding("decision-incomplete", f"问题“{cid}”的回访结果“{result}”应为满意、基本满意或"
                                             f"不满意，本次未记录。", file=self.file, sheet=FROM_LEDGER, value=result,
                                             unit=_text(df["unit"].iat[i])))
                continue
            self.trail.add(cid, df["unit"].iat[i], K_VISIT, content, "", on, FROM_LEDGER, "", who, on, note,
                           "", self.today)
            if result == VISIT_BAD:
                self._redo(cid, on, who, note)

    def _redo(self, cid: str, on: dt.date, who: str, note: str) -> None:
        """回访不满意: the case is 重办, with a new deadline under the campaign's own rule from the 回访日期."""
        from taizhang.calendar.deadlines import default_deadline

        st = self.get(cid, "status")
        if st not in (STATUS_DONE, STATUS_CLOSED):
            return
        master, book = self.master, self.master.rulebook
        was = self.in_force(cid)
        due = default_deadline(book, master.calendar(), on, complexity=self.get(cid, "complexity"),
                               mode=self.get(cid, "rectify_mode"), approved=bool(_text(self.get(cid, "extension_approver"))))
        parts = [f"办理状态由{st}改为{STATUS_IN_PROGRESS}"]
        self.set(cid, "status", STATUS_IN_PROGRESS, K_REDO)
        for key in ("done_date", "close_request", "closer", "closed_date"):
            self.set(cid, key, None, K_REDO)
        if due.date is not None:
            self.set(cid, "deadline", due.date, K_REDO)
            self.set(cid, "deadline_origin", ORIGIN_WRITTEN, K_REDO)
            self.set(cid, "extended_to", None, K_REDO)
            self.set(cid, "extension_approver", None, K_REDO)
            parts.append(f"整改时限由{_text(was) or '无'}改为{due.date.isoformat()}（{due.note}，自回访日期起算）")
        else:
            parts.append(f"整改时限仍为{_text(was) or '无'}（{due.note or '时限规则无法给出新时限'}）")
        n = self.trail.count(cid, K_REDO) + 1
        change = "；".join(parts)
        self.trail.add(cid, self.get(cid, "unit"), K_REDO, f"第{n}次重办（{on.isoformat()}回访不满意）", note, on, K_VISIT,
                       "", who, on, note, change, self.today)
        self.findings.append(finding("visit-reopened", f"问题“{cid}”{on}回访不满意，按重办退回{_text(self.get(cid, 'unit'))}："
                                     f"{change}，计入该单位重办数，已记入审批台账。", file=self.file, sheet=FROM_LEDGER,
                                     unit=_text(self.get(cid, "unit"))))

    def guard(self, merging: bool = True) -> None:
        """A 重办 case the unit's stale file reports 已办结 again (办结日期 not after the 回访), and a 已销号 a unit
        reported where the campaign wants a 回访 first: held, with a finding."""
        df = self.df
        if not len(df):
            return
        # the columns read once (a 100,000-case ledger: no per-row frame lookups); ``set`` changes only the rows it
        # ``continue``s past, so these stay true for the rows still to come
        statuses, ids, dones = df["status"].tolist(), df["case_id"].tolist(), df["done_date"].tolist()
        units, updated = df["unit"].tolist(), df["updated_on"].tolist()
        for i in [i for i, s in enumerate(statuses) if s in (STATUS_DONE, STATUS_CLOSED)]:
            cid = _text(ids[i])
            redo = self.trail.last(cid, K_REDO)
            if redo is not None:
                on, done = _date(redo[6]), _date(dones[i])
                if on is not None and (done is None or done <= on):
                    self.set(cid, "status", STATUS_IN_PROGRESS, K_REDO)
                    self.set(cid, "done_date", None, K_REDO)
                    self.findings.append(finding("redo-stale-done", f"问题“{cid}”{on}回访不满意已重办，报送的办结日期"
                                                 f"（{_text(done) or '未填'}）不晚于回访日期，仍按重办（整改中）处理。"
                                                 f"请单位重办完成后填写新的办结日期。", file=self.file, sheet=FROM_LEDGER,
                                                 unit=_text(units[i])))
                    continue
            if statuses[i] == STATUS_CLOSED and not self.master.rulebook.office_closes:
                if not self.trail.last(cid, K_CLOSE) and (why := self.visit_missing(cid)):
                    self.set(cid, "status", STATUS_DONE, FROM_LEDGER)
                    self.findings.append(finding("close-needs-visit", f"问题“{cid}”{why}，单位报的“已销号”暂按“已办结”"
                                                 f"处理。请回访后在台账中填写回访结果。", file=self.file,
                                                 sheet=FROM_LEDGER, unit=_text(units[i])))
                elif merging and not self.trail.last(cid, K_CLOSE):  # (a unit's report arrives by a merge)
                    self.trail.add(cid, units[i], K_CLOSE, "单位报已销号", "", updated[i],
                                   FROM_LEDGER, "", change="办理状态为已销号", today=self.today)

    def confirmed_in_ledger(self) -> None:
        """销号 the office confirmed by 销号审核人 + 销号日期 in 台账 (book.closures): recorded as its decision."""
        df = self.df
        if not self.master.rulebook.office_closes or not len(df):
            return
        for cid, st, who, on in zip(df["case_id"].tolist(), df["status"].tolist(), df["closer"].tolist(),
                                    df["closed_date"].tolist()):
            if st == STATUS_CLOSED and self.trail.open(cid, K_CLOSE) is not None:
                req = self.trail.open(cid, K_CLOSE)
                self.trail.add(cid, self.get(cid, "unit"), K_CLOSE, req[4], req[5], req[6], FROM_LEDGER, D_YES,
                               _text(who), _date(on) or self.today, "在台账中填写销号审核人、销号日期",
                               "办理状态改为已销号", self.today)

    def spot_results(self) -> None:
        from taizhang.book.sampling import KIND_UNFOUNDED

        for r in self.master.spot_checks or []:
            r = (list(r) + [None] * 6)[:max(6, len(r))]
            result = _text(r[5])
            if result not in SPOT_RESULTS:
                continue
            cid, unit, day = _text(r[2]), _text(r[3]), _date(r[0])
            content = f"{_text(r[1])}（{_text(day)}抽取）：{result}"
            if self.trail.has(cid, K_SPOT, content) and any(_text(x[2]) == unit for x in self.trail.of_kind(K_SPOT)
                                                            if _text(x[4]) == content):
                continue
            confirmed = result == SPOT_TRUE and _text(r[1]) == KIND_UNFOUNDED
            change = "查否问题经复查属实：列入查实名单，追究承办单位责任" if confirmed else \
                "整改不到位：计入该单位抽查问题" if result == SPOT_POOR else ""
            self.trail.add(cid, unit, K_SPOT, content, "", day, "抽查清单", "", "", self.today, "", change, self.today)
            if confirmed:
                self.findings.append(finding("spot-check-confirmed", f"{unit}报查否的问题“{cid}”经复查属实（一经查实，严肃追究"
                                             f"承办单位的责任），已列入查实名单并记入审批台账。", file=self.file,
                                             sheet="抽查清单", unit=unit))

    def states(self) -> None:
        """申请状态: each case's open request, else its last decided one, else its 重办."""
        df = self.df
        if not len(df):
            return
        if not self.trail.rows:  # nothing asked or decided yet (most masters): no state to show
            df["request_state"] = pd.Series([None] * len(df), index=df.index, dtype=object)
            self._cols.pop("request_state", None)
            return
        out = []
        shown = (K_EXT, K_CLOSE, K_NOT_OURS, K_APPROVE, K_EXIT, K_REDO, K_COORD)
        asked = {c for c, k in self.trail._last if k in shown}
        for cid in df["case_id"].tolist():
            if _text(cid) not in asked:
                out.append(None)
                continue
            words = []
            for kind in (K_EXT, K_CLOSE, K_NOT_OURS, K_COORD):
                r = self.trail.last(cid, kind)
                if r is None or r[3] != kind:
                    continue
                d = _text(r[8])
                what = _text(r[4]) if kind == K_EXT else kind
                if d == D_PENDING:
                    words.append(f"{what}申请中")
                elif d == D_YES and kind == K_EXT:
                    words.append(f"{what}已批准")
                elif d == D_YES and kind == K_COORD:
                    words.append("已提交区级协调")
                elif d in (D_NO, D_BACK):
                    words.append(f"{what}{d}")
            r = self.trail.last(cid, K_APPROVE)
            if r is not None:
                words.insert(0, {D_PENDING: "待核准", D_YES: "已核准"}.get(_text(r[8]), f"核准{_text(r[8])}"))
            if self.trail.last(cid, K_EXIT) is not None:
                words.insert(0, "已退出")
            redo = self.trail.count(cid, K_REDO)
            if redo:
                words.append(f"重办{redo}次")
            out.append("；".join(words) or None)
        df["request_state"] = pd.Series(out, index=df.index, dtype=object)
        self._cols.pop("request_state", None)

    def finish(self) -> list[Finding]:
        self.master.ledger = self.df
        if self.changes:
            log = pd.DataFrame(self.changes, columns=CHANGE_HEADERS)
            old = self.master.changes
            self.master.changes = pd.concat([old, log], ignore_index=True) if len(old) else log
        return self.findings


def apply_trail(master, today: dt.date, result=None) -> list[Finding]:
    """One run on the 审批台账: the office's decisions on 待审批 / 待销号确认 applied and recorded, today's requests,
    回访, 重办 and 抽查 results recorded, 申请状态 set. Idempotent: a second call in the same run adds nothing."""
    if master.trail_done:
        return []
    run = TrailRun(master, today)
    added = run.trail.added
    run.visits()  # facts first: a decision to 销号 is judged on the 回访 the office has recorded
    run.decide_approvals(master.approval_rows)
    if master.rulebook.office_closes:
        run.decide_closures(master.closure_rows)
    master.approval_rows = master.closure_rows = None  # applied: the sheets are written again from the trail
    run.record_merge(result)
    run.coord_decisions()  # (after today's requests: a flag the office set before the request decides it at once)
    if result is not None:  # what units reported (销号申请, 查否) arrives by a merge; a status run only applies decisions
        run.record_ledger()
    run.guard(merging=result is not None)
    run.spot_results()
    run.states()
    master.trail_done = True
    master.trail_touched = run.touched or run.trail.added > added
    return run.finish()


def after_closures(master, today: dt.date) -> None:
    """After book.closures confirmed the 销号 the office filled in 台账: record them, refresh 申请状态."""
    run = TrailRun(master, today)
    run.confirmed_in_ledger()
    run.states()
    run.finish()


# --------------------------------------------------------------------------- what is written

def approval_rows(master, result=None) -> list[list]:
    """待审批: every open request of the trail (延期, 不属本单位, …), with where today's came from."""
    trail = master.trail if isinstance(master.trail, Trail) else Trail(master.trail)
    where = {(_text(p["case_id"]), ext_content(p["new"])): p for p in (result.pending if result else [])}
    ledger = master.ledger
    at = {str(c): i for i, c in enumerate(ledger["case_id"].tolist())} if len(ledger) else {}
    rows = []
    for r in trail.open_requests():
        if r[3] in (K_CLOSE,) and master.rulebook.office_closes or r[3] in (K_NOT_OURS, K_COORD):
            continue  # on 待销号确认; 不属本单位 on 待指定单位 (``not_ours_rows``); 区级协调 on 区级协调事项 (``coord_rows``)
        cid = _text(r[1])
        i = at.get(cid)
        now = None
        if i is not None:
            ext, ap = ledger["extended_to"].iat[i], ledger["extension_approver"].iat[i]
            now = ext if _text(ext) and _text(ap) else ledger["deadline"].iat[i]
        p = where.get((cid, _text(r[4])))
        asked = _date(r[4][3:]) if r[3] == K_EXT and _text(r[4]).startswith("延期至") else None
        rows.append([cid, r[2], now, asked, r[7], p["sheet"] if p else None, p["row"] if p else None, r[6], EXT_HOW,
                     r[5] or None, r[3], None, None, None])
    return rows


# --------------------------------------------------------------------------- 区级协调 on 区级协调事项 (seed 001)

COORD_WAITING = "待研究：请在台账“区级协调”列填写“是”（提交区级层面研究）或“否”（不提交），下次合并或计算时记入审批台账"


def coord_rows(master) -> list[list]:
    """区级协调事项 (``COORD_HEADERS``), the office's list for the 区级层面 meeting (seed 001: "由各部门报送专项治理工作组
    …汇总,统一提交区级层面专项研究讨论、专题协调解决"): every case not yet 办结 a unit asked 区级协调 for (its last request
    and the office's answer, from the trail), and every case the office flagged itself in 台账's 区级协调."""
    from taizhang.rules.checks import COORD_NO

    trail = master.trail if isinstance(master.trail, Trail) else Trail(master.trail)
    ledger = master.ledger
    if not len(ledger):
        return []
    asked = {}  # 问题编号 → the unit's last request (申请中 when made; its decision is a later row)
    for r in trail.of_kind(K_COORD):
        if _text(r[8]) == D_PENDING:
            asked[_text(r[1])] = r
    cols = {k: ledger[k].tolist() for k in ("case_id", "unit", "category", "description", "amount", "deadline",
                                             "extended_to", "extension_approver", "status", "light", "district_coord")}
    rows = []
    for i, cid in enumerate(cols["case_id"]):
        cid = _text(cid)
        flag = _text(cols["district_coord"][i])
        r = asked.get(cid)
        if r is None and not flag or cols["status"][i] in (STATUS_DONE, STATUS_CLOSED, STATUS_UNFOUNDED):
            continue
        due = cols["extended_to"][i] if _text(cols["extended_to"][i]) and _text(cols["extension_approver"][i]) \
            else cols["deadline"][i]
        if not flag:
            state = COORD_WAITING
        elif flag in COORD_NO:
            state = f"不提交（台账“区级协调”为“{flag}”）"
        else:
            state = f"提交区级层面专项研究、专题协调（台账“区级协调”为“{flag}”）"
        who, reason, on, file = (f"{_text(r[2])}申请", _text(r[5]) or None, r[6], _text(r[7]) or None) if r is not None \
            else ("办公室标记", None, None, None)
        rows.append([cid, cols["unit"][i], cols["category"][i], cols["description"][i], cols["amount"][i], due,
                     cols["status"][i], cols["light"][i], who, reason, on, file, state])
    return rows


# --------------------------------------------------------------------------- 不属本单位 on 待指定单位

NOT_OURS_CHOSEN = "指定单位（办公室填写）"


def _typed(waiting: list[list] | None) -> dict[str, dict]:
    """What the office typed on 待指定单位's 不属本单位 rows (those with a 问题编号), by 问题编号."""
    return {_text(r.get("问题编号")): r for r in _by_header(waiting, UNASSIGNED_HEADERS) if _text(r.get("问题编号"))}


def not_ours_waiting(master) -> bool:
    """Some unit's 不属本单位 is still waiting for the office (a merge then writes 待指定单位)."""
    trail = master.trail if isinstance(master.trail, Trail) else Trail(master.trail)
    return any(r[3] == K_NOT_OURS for r in trail.open_requests())


def not_ours_rows(master, waiting: list[list] | None = None) -> list[list]:
    """The 待指定单位 rows (``UNASSIGNED_HEADERS``) of every open 不属本单位 request: the case, the unit it is with, the
    units its reason and description name (``UnitDirectory.locate``'s sure matches, the asking unit left out), the
    deadline in force; what the office typed on the sheet (``waiting``, header first) kept by 问题编号."""
    trail = master.trail if isinstance(master.trail, Trail) else Trail(master.trail)
    ledger = master.ledger
    at = {str(c): i for i, c in enumerate(ledger["case_id"].tolist())} if len(ledger) else {}
    typed = _typed(waiting)
    rows = []
    for r in trail.open_requests():
        cid = _text(r[1])
        if r[3] != K_NOT_OURS or cid not in at:
            continue
        i = at[cid]
        unit, desc = _text(ledger["unit"].iat[i]), _text(ledger["description"].iat[i])
        ext, ap = ledger["extended_to"].iat[i], ledger["extension_approver"].iat[i]
        due = ext if _text(ext) and _text(ap) else ledger["deadline"].iat[i]
        reason = _text(r[5])
        cands = [o for o, _ in master.units.locate(f"{reason}。{desc}").sure if o != unit]
        why = (f"{unit}申请“不属本单位”：{reason or '未写明理由'}。问题仍由{unit}办理、整改时限不变，直到办公室指定；请在"
               f"“指定单位”列填写应承办的单位（仍由{unit}办理的填{unit}，即不同意）和决定人，再运行交办")
        t = typed.get(cid, {})
        rows.append([r[7] or None, None, desc or None, _text(ledger["source"].iat[i]) or None, r[6], unit, "、".join(cands),
                     why, None, None, t.get(NOT_OURS_CHOSEN), None, due, cid, t.get("决定人"), t.get("决定意见")])
    return rows


def unassigned_rows(master, waiting: list[list] | None) -> list[list] | None:
    """待指定单位 after a merge: the clues waiting there as they are (by header), then the open 不属本单位 requests
    (``not_ours_rows``). None where there is no request to list (the sheet is then left as it is)."""
    mine = not_ours_rows(master, waiting)
    if not mine:
        return None
    clues = [[r.get(h) for h in UNASSIGNED_HEADERS] for r in _by_header(waiting, UNASSIGNED_HEADERS)
             if not _text(r.get("问题编号")) and any(_text(v) for v in r.values())
             and not _text(r.get("来源文件")).startswith("（")]
    return clues + mine


def decide_not_ours(master, ledger: pd.DataFrame, waiting: list[list] | None, today: dt.date) -> list[Finding]:
    """The office's answer to each 不属本单位 on 待指定单位 (``waiting``, header first), for 交办 (book.assign).

    A member unit in 指定单位 with a 决定人: 同意 (another unit: 责任单位 set in ``ledger``, in place, and the caller records
    the move as a 转办) or 不同意 (the asking unit itself: it stays, and the reason goes back in 办公室答复); each a row of
    审批台账. A unit not in 成员单位 or no 决定人: a finding, and the request keeps waiting."""
    trail = master.trail if isinstance(master.trail, Trail) else Trail(master.trail)
    master.trail = trail
    at = {_text(c): i for i, c in enumerate(ledger["case_id"].tolist())} if len(ledger) else {}
    file = master.path.name if getattr(master, "path", None) else ""
    out: list[Finding] = []
    for cid, t in _typed(waiting).items():
        chosen, by, opinion = _text(t.get(NOT_OURS_CHOSEN)), _text(t.get("决定人")), _text(t.get("决定意见"))
        request = trail.open(cid, K_NOT_OURS)
        if not chosen or request is None or cid not in at:
            continue
        i = at[cid]
        unit = _text(ledger["unit"].iat[i])
        target = master.units.match(chosen)
        if target is None:
            near = "、".join(master.units.suggest(chosen))
            out.append(finding("not-ours-needs-unit", f"问题“{cid}”的“不属本单位”申请：“{S_UNASSIGNED}”表中指定的“{chosen}”"
                                f"不在成员单位名单中{'（是否为' + near + '？）' if near else ''}，本次未转办，问题仍由{unit}办理。"
                                f"请改为成员单位全称后再运行交办。", file=file, sheet=S_UNASSIGNED, value=chosen, unit=unit))
            continue
        if not by:
            out.append(finding("decision-incomplete", f"问题“{cid}”的“不属本单位”申请：“{S_UNASSIGNED}”表中未填写决定人，"
                                f"本次未执行，问题仍由{unit}办理。请补填后再运行交办。", file=file, sheet=S_UNASSIGNED,
                                value=chosen, unit=unit))
            continue
        if target == unit:
            decision, change = D_NO, f"仍由{unit}办理，整改时限不变"
        else:
            decision, change = D_YES, f"责任单位由{unit}改为{target}（转办），整改时限不变"
            ledger.iat[i, ledger.columns.get_loc("unit")] = target
        trail.add(cid, unit, K_NOT_OURS, request[4], request[5], request[6], S_UNASSIGNED, decision, by, today, opinion,
                  change, today)
        master.trail_touched = True
        out.append(finding("decision-applied", f"问题“{cid}”的不属本单位申请：办公室{decision}（{by}），{change}，已记入审批台账。",
                           file=file, sheet=S_UNASSIGNED, unit=unit))
    return out


def visit_missing_mask(ledger: pd.DataFrame, book) -> pd.Series:
    """Cases whose source needs a 回访 before 销号 and that have none (满意 / 基本满意, not before 办结)."""
    if not book.visit_sources or not len(ledger):
        return pd.Series(False, index=ledger.index)
    need = ledger["source"].isin(book.visit_sources)
    ok = ledger["visit_result"].map(lambda v: _text(v) in VISIT_OK)
    on = ledger["visit_date"].map(_date)
    done = ledger["done_date"].map(_date)
    late = pd.Series([d is not None and (o is None or o < d) for o, d in zip(on, done)], index=ledger.index)
    return need & (~ok | on.isna() | late)


def closure_decision_rows(rows: list[list], master) -> list[list]:
    """待销号确认 rows (book.closures) with the decision columns, and the 回访 a case still lacks in 说明."""
    run = TrailRun(master, dt.date.today())
    out = []
    for r in rows:
        r = list(r)
        why = run.visit_missing(r[0]) if r and r[0] in run.at else ""
        if why:
            r[7] = f"{why}；{r[7]}"
        out.append(r + [None] * (len(CLOSURE_HEADERS) - len(r)))
    return out


def trail_rows(master) -> list[list]:
    trail = master.trail if isinstance(master.trail, Trail) else Trail(master.trail)
    return trail.rows


def replies(master) -> dict[str, str]:
    """办公室答复 for each case: the office's last 不同意 / 退回补充 of a request, with its reason (for the template)."""
    trail = master.trail if isinstance(master.trail, Trail) else Trail(master.trail)
    out: dict[str, str] = {}
    for r in trail.rows:
        d = _text(r[8])
        if r[3] in (K_EXT, K_CLOSE, K_NOT_OURS, K_UNFOUNDED, K_COORD) and d in (D_NO, D_BACK):
            out[_text(r[1])] = f"{_text(r[10])} {r[3]}申请（{_text(r[4])}）{d}：{_text(r[11]) or '未写明理由'}"
        elif r[3] in (K_EXT, K_CLOSE, K_NOT_OURS, K_COORD) and d in (D_YES, D_PENDING):
            out.pop(_text(r[1]), None)
        elif r[3] == K_REDO:
            out[_text(r[1])] = f"{_text(r[6])} 回访不满意，重办：{_text(r[11]) or _text(r[5])}"
    return out


# --------------------------------------------------------------------------- figures

HOLD_UNAPPROVED = True  # 待核准 cases are not yet on the 攻坚台账: left out of the figures, counted apart (unapproved)


def unapproved(master, ledger: pd.DataFrame) -> pd.Series:
    """Cases a unit proposed whose 核准 the office has not given (申请中, or 不同意 / 退回补充): seed 000 "领导小组办公室对
    各责任单位上报的攻坚难题进行审定、核准后，建立…攻坚台账" — not yet 攻坚难题, so not counted, but shown as 待核准."""
    trail = master.trail if isinstance(getattr(master, "trail", None), Trail) else Trail(getattr(master, "trail", None))
    out = {cid for (cid, kind), r in trail._last.items() if kind == K_APPROVE and _text(r[8]) != D_YES}
    if not out or not len(ledger):
        return pd.Series(False, index=ledger.index)
    return ledger["case_id"].map(lambda c: _text(c) in out).astype(bool)


def held_out(master, ledger: pd.DataFrame) -> pd.Series:
    """Cases not on the campaign's ledger for its figures: 退出 (seed 000: "核准、退出、销号要同时报领导小组办公室备案"),
    and, with ``HOLD_UNAPPROVED``, those not yet 核准 (``unapproved``): a unit's proposal stays on 台账, 待审批 and in
    申请状态, and the figures count it apart ("待核准N个，未计入")."""
    trail = master.trail if isinstance(getattr(master, "trail", None), Trail) else Trail(getattr(master, "trail", None))
    out = set()
    for r in trail.rows:
        if r[3] == K_EXIT:
            out.add(_text(r[1]))
    if not len(ledger):
        return pd.Series(False, index=ledger.index)
    held = ledger["case_id"].map(lambda c: _text(c) in out).astype(bool) if out else pd.Series(False, index=ledger.index)
    if HOLD_UNAPPROVED:
        held = held | unapproved(master, ledger)
    return held


def trail_figures(master) -> dict:
    """满意率, 重办数 and 抽查 results (for the summary and the 通报), by unit and in total."""
    trail = master.trail if isinstance(master.trail, Trail) else Trail(master.trail)
    visits = trail.of_kind(K_VISIT)
    results = [_text(r[4]).rsplit("：", 1)[-1] for r in visits]
    ok = sum(1 for x in results if x in VISIT_OK)
    redo_by_unit: dict[str, int] = {}
    for r in trail.of_kind(K_REDO):
        redo_by_unit[_text(r[2])] = redo_by_unit.get(_text(r[2]), 0) + 1
    spot: dict[str, int] = {k: 0 for k in SPOT_RESULTS}
    confirmed: dict[str, int] = {}
    for r in trail.of_kind(K_SPOT):
        res = _text(r[4]).rsplit("：", 1)[-1]
        if res in spot:
            spot[res] += 1
        if "查实" in _text(r[12]) or res == SPOT_POOR:
            confirmed[_text(r[2])] = confirmed.get(_text(r[2]), 0) + 1
    return {"visits": len(visits), "satisfied": ok, "satisfaction": (ok / len(visits) * 100) if visits else None,
            "redo": sum(redo_by_unit.values()), "redo_by_unit": redo_by_unit, "spot": spot, "spot_units": confirmed}
