"""The 催报 papers: per unit a one-page 催报单 (a report or a material owed) or 临期提醒单 (公文 layout), a message ready to paste into a
政务微信/钉钉 group, and one CSV for an SMS platform (unit, contact, phone, text).

Messages name cases by 问题编号 and date only: a group chat or an SMS is no place for a problem's description,
which may carry names. The .docx goes to the unit itself, as the 督办通知单 does, and lists the descriptions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from docx.shared import Pt

from taizhang.book.reminders import KIND_CASES, KIND_MATERIALS, KIND_REPORT, ReminderPlan, UnitReminder
from taizhang.report.gongwen import Gongwen, cn_date, safe_file_name

WEEKDAY = "一二三四五六日"
CSV_HEADERS = ["单位名称", "联系人", "联系电话", "短信内容"]
SMALL = Pt(12)  # 小四, as the 督办通知单's table


def _md(d: dt.date) -> str:
    return f"{d.month}月{d.day}日（星期{WEEKDAY[d.weekday()]}）"


def _short(text: str, n: int = 40) -> str:
    text = (text or "").replace("\n", " ").strip()
    return text if len(text) <= n else text[:n - 1] + "…"


def report_sentence(plan: ReminderPlan, r: UnitReminder) -> str:
    zero = "；没有新情况的，请报送零报告" if plan.zero_report else ""
    if r.unit in plan.previous_missing:
        zero += f"。上期（{plan.previous_period}）台账也未收到，请一并报送"
    if r.report == "被退回":
        return f"本期（{plan.period}）报送的台账被退回（退回原因见退回清单），请修改后于{_md(plan.due)}前重新报送{zero}。"
    if r.report == "逾期未报送":
        late = -plan.workdays_left if plan.workdays_left is not None and plan.workdays_left < 0 else 0
        past = f"已逾期{late}个工作日，" if late else "已过截止日，"
        return f"本期（{plan.period}）台账应于{_md(plan.due)}前报送，{past}目前尚未收到，请立即报送{zero}。"
    return f"本期（{plan.period}）台账请于{_md(plan.due)}前报送，目前尚未收到{zero}。"


def materials_sentence(r: UnitReminder) -> str:
    """请于11月30日（星期一）前报送《六项行动工作总结》；《调研报告》已过报送期限（12月15日），请立即报送。"""
    soon = [o for o in r.materials if not o.overdue]
    late = [o for o in r.materials if o.overdue]
    parts = []
    if soon:
        parts.append("请于" + "、".join(f"{_md(o.due)}前报送《{o.name}》" for o in soon))
    if late:
        parts.append("、".join(f"《{o.name}》" for o in late) + "已过报送期限（"
                     + "、".join(f"{o.due.month}月{o.due.day}日" for o in late) + "），目前尚未收到，请立即报送")
    return "；".join(parts) + "。" if parts else ""


def cases_sentence(r: UnitReminder, limit: int = 6) -> str:
    soon = [c for c in r.cases if c.remaining is not None and c.why != "进度落后于序时进度"]
    behind = [c for c in r.cases if c.why == "进度落后于序时进度"]
    parts = []
    if soon:
        listed = "、".join(f"{c.case_id}（{c.deadline.month}月{c.deadline.day}日到期）" for c in soon[:limit] if c.deadline)
        more = f"等{len(soon)}个" if len(soon) > limit else ""
        parts.append(f"有{len(soon)}个问题即将到期：{listed}{more}")
    if behind:
        listed = "、".join(c.case_id for c in behind[:limit])
        more = f"等{len(behind)}个" if len(behind) > limit else ""
        parts.append(f"{len(behind)}个问题进度落后于序时进度：{listed}{more}")
    text = "你单位" + "；".join(parts) + "。请抓紧办理，按时报送进展。" if parts else ""
    if r.overdue_cases:
        text += f"另有{r.overdue_cases}个问题已超期，见督办通知单。"
    return text


def message(plan: ReminderPlan, r: UnitReminder) -> str:
    """The paste-ready text: 【催报】/【临期提醒】 unit：… ——office."""
    tag = "、".join(f"【{k}】" for k in r.kinds).replace("】、【", "·")
    body = ((report_sentence(plan, r) if r.report else "") + materials_sentence(r)
            + (cases_sentence(r) if r.cases else ""))
    return f"{tag}{r.unit}：{body}——{plan.office}"


def build_paper(plan: ReminderPlan, r: UnitReminder) -> Gongwen:
    """One unit's 催报单 (a report owed) or 临期提醒单 (cases due soon only): one page, 公文 layout."""
    title = "催报单" if r.report or r.materials else "临期提醒单"
    doc = Gongwen(f"{plan.campaign}专项行动\n{title}", addressee=r.unit)
    if r.report:
        doc.para(report_sentence(plan, r))
    if r.materials:
        doc.para(materials_sentence(r))
    if r.cases:
        doc.para(cases_sentence(r) or "")
        doc.table(["问题编号", "问题描述", "整改时限", "提醒事项"],
                  [[c.case_id, _short(c.description), cn_date(c.deadline) if c.deadline else "", c.why] for c in r.cases[:12]],
                  widths_mm=[36, 58, 36, 26], size=SMALL)
        if len(r.cases) > 12:
            doc.para(f"另有{len(r.cases) - 12}个问题，详见台账。")
    doc.para("确有客观原因不能按时完成的，请及时书面说明理由和预计完成时间。")
    doc.signature(plan.office, plan.today)
    return doc


def paper_file(folder: Path, r: UnitReminder, day: dt.date) -> Path:
    kind = "催报单" if KIND_REPORT in r.kinds or KIND_MATERIALS in r.kinds else "临期提醒单"
    return Path(folder) / f"{safe_file_name(r.unit)}-{kind}-{day.isoformat()}.docx"


def _csv_safe(v: str) -> str:
    """A cell an SMS platform reads as text, and a spreadsheet never as a formula (OWASP's CSV-injection rule)."""
    v = str(v or "")
    return "'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") else v


def sms_csv(plan: ReminderPlan, messages: dict[str, str]) -> bytes:
    """单位名称, 联系人, 联系电话, 短信内容 — UTF-8 with BOM, which Excel and the SMS platforms read as Chinese."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_HEADERS)
    for r in plan.reminders:
        w.writerow([_csv_safe(x) for x in (r.unit, r.contact, r.phone, messages[r.unit])])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


__all__ = ["CSV_HEADERS", "KIND_CASES", "KIND_MATERIALS", "KIND_REPORT", "build_paper", "message", "paper_file", "sms_csv"]
