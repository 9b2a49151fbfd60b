"""交办通知单 (handover notices): one .docx per unit that received cases, in the GB/T 9704-2012 公文 layout.

The layout (A4, 版心, 仿宋三号 on a 22-line grid, 黑体 run-in headings, odd/even page numbers, the signature
laid out for the seal) is the shared 公文 builder's (``report.gongwen``); this module only says what a 交办通知单 holds:
each case (编号 with the clue's own 工单编号/留言编号, 问题描述, 整改时限, 签收期限 where the campaign sets a 签收 limit,
牵头督办部门 where a case has one, 转办 noted), what the unit must report and by when, the office and the date, and
(seed 001) the 行业主管部门 copied ("同时抄送案件涉及领域的行业主管部门") in the text and the 抄送 line. The
reporters of clues never appear here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx.shared import Pt

from taizhang.book.assign import Notice
from taizhang.book.template import safe_name
from taizhang.report.gongwen import Gongwen, table_date
from taizhang.report.gongwen import cn_date as _cn_date

TABLE_HEADERS = ["序号", "问题编号", "问题描述", "整改时限", "签收期限", "牵头\n督办部门"]
TABLE_WIDTHS_MM = [12, 33, 47, 22, 22, 20]  # the 156 mm 版心; the description widest, so a one-case notice fits a page


def cn_date(day: dt.date | None) -> str:
    return _cn_date(day) if day else "待定"


def _table_date(day: dt.date | None) -> str:
    """A date in a narrow column: the year on its own line (2026年 / 11月30日)."""
    return table_date(day, "待定")


def notice_path(folder: Path, notice: Notice) -> Path:
    return folder / f"{safe_name(f'{notice.unit}-交办通知单-{notice.day.isoformat()}')}.docx"


def write_notices(notices: list[Notice], folder: str | Path) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [build_notice(n).save(notice_path(folder, n)) for n in notices]


def build_notice(n: Notice) -> Gongwen:
    count = f"{len(n.cases)}个问题" + (f"（其中转办{n.transfers}个）" if n.transfers else "")
    doc = Gongwen(f"{n.campaign}问题交办通知单", addressee=n.unit, run_in_headings=True)
    doc.para(f"根据{n.campaign}工作安排，现将{count}交办你单位办理，具体如下：")  # 报送进展 says the ids stay
    rows = [[str(i), c.id + (f"\n（原始编号{c.ref}）" if c.ref else "") +
             (f"\n（转办，原责任单位{c.transfer_from}）" if c.transfer_from else ""), c.description,
             _table_date(c.deadline), _table_date(c.sign_by), c.supervisor or "—"] for i, c in enumerate(n.cases, 1)]
    headers, widths = TABLE_HEADERS, TABLE_WIDTHS_MM
    if not n.sign_workdays:  # no 签收 limit in this campaign (only seed 004 sets one): no 签收期限 column
        rows = [r[:4] + r[5:] for r in rows]
        headers, widths = headers[:4] + headers[5:], widths[:2] + [widths[2] + widths[4]] + widths[3:4] + widths[5:]
    if not any(c.supervisor for c in n.cases):  # a campaign without 牵头督办部门 (sanluan): no column of dashes
        headers, widths = headers[:-1], [*widths[:2], widths[2] + widths[-1], *widths[3:-1]]
        rows = [r[:-1] for r in rows]
    doc.table(headers, rows, widths_mm=widths, size=Pt(10.5))  # 五号: ids and dates fit their columns
    doc.heading1("签收部署", numbered=True)
    if n.sign_workdays:
        signs = sorted({c.sign_by for c in n.cases if c.sign_by})
        sign_text = f"{cn_date(signs[0])}前" if len(signs) == 1 else "表中签收期限前"
        doc.para(f"请于{sign_text}签收并部署（交办后{n.sign_workdays}个工作日内），逐项明确牵头领导、具体责任人、"
                 f"整改措施和整改目标，在本单位填报模板中填写后报送。")
    else:
        doc.para("请及时签收并部署，逐项明确牵头领导、具体责任人、整改措施和整改目标，在本单位填报模板中填写后报送。")
    doc.heading1("报送进展")
    doc.para(f"{n.reporting}：在填报模板中更新办理进展、完成进度和办理状态，问题编号保持不变。"
             + (f"报送时同时抄送案件涉及领域的行业主管部门：{'、'.join(n.copy_to)}（领导小组办公室每个报送日另向其转送台账摘录）。"
                if n.copy_to else ""))
    doc.heading1("办结反馈")
    feedback = f"办结后{n.feedback_workdays}个工作日内书面反馈办理结果" if n.feedback_workdays else "办结后在填报模板中如实填写办结情况"
    doc.para(f"{feedback}；确需延期的，须在整改时限届满前申请，经批准后方可延期。")
    if n.transfers:
        doc.heading1("转办事项")
        doc.para("转办的问题自本通知之日起由你单位负责办理，请主动与原责任单位对接已办理的情况。")
    doc.signature(n.office, n.day)
    if n.copy_to:  # 版记 (GB/T 9704-2012 7.4.2): 抄送机关
        doc.para(f"抄送：{'、'.join(n.copy_to)}。", lead=None)
    return doc
