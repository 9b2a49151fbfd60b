"""The plain Chinese accounts of each job, for the terminal, the ribbon's message box and the web page.

Rendering lives beside the report it renders (as frictionless's ``Report.to_summary``):
the doors only print these lines, so the CLI, Excel and the browser say the same thing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from taizhang.book.sheets import S_APPROVALS, S_REJECTS, S_REMINDERS, S_UNASSIGNED
from taizhang.findings import SEVERITY_ZH, Finding

if TYPE_CHECKING:
    from taizhang.book.merge import MergeResult


def written_text(out, backup, what: str = "台账") -> str:
    """Where a job wrote the master, and where the version it replaced is kept."""
    return f"{what}已写入：{out}" + (f"（原文件已备份到 {backup}）" if backup else "")


def merge_text(res: MergeResult, out: Path, backup) -> list[str]:
    """The merge account in plain Chinese, for the terminal and the ribbon's message box."""
    lines = [f"合并完成（报送日 {res.report_day}）：读取{res.rows_read}行 = 新增{res.rows_new} + 更新{res.rows_updated} + "
             f"未变{res.rows_unchanged} + 退回{res.rows_rejected}" + ("，各项相符。" if res.balanced() else "，数目不符！")]
    n_files = len([f for f in res.files if f.status != "skipped"])
    lines.append(f"文件{n_files}个：合并{sum(f.status == 'merged' for f in res.files)}，零报告{sum(f.status == 'zero_report' for f in res.files)}，"
                 f"整体退回{sum(f.status == 'rejected' for f in res.files)}；跳过非报送文件{sum(f.status == 'skipped' for f in res.files)}个。")
    if res.missing_units:
        lines.append(f"未报送单位（{len(res.missing_units)}）：{'、'.join(res.missing_units)}")
    if res.late_units:
        lines.append(f"逾期报送单位（截止 {res.due_date}）：{'、'.join(res.late_units)}")
    if res.zero_report_units:
        lines.append(f"零报告单位：{'、'.join(res.zero_report_units)}")
    for f in res.files:
        if f.status == "rejected":
            lines.append(f"退回文件 {f.file}：{f.reason}")
        elif f.rows_skipped:
            lines.append(f"{f.file}：{skipped_text(f.rows_skipped)}")
    if res.pending:
        lines.append(f"待审批（{len(res.pending)}）：以下整改时限变更未直接采用，见台账总表“{S_APPROVALS}”表：")
        lines.extend(f"  {p['unit']} 问题“{p['case_id']}”：{_day(p['old'])} → {_day(p['new'])}" for p in res.pending)
    if res.rows_rejected:
        lines.append(f"退回的{res.rows_rejected}行见台账总表的“{S_REJECTS}”工作表。")
    lines.extend(warning_lines(res.issues))
    lines.append(f"变更记录{res.changes}条。{written_text(out, backup)}")
    return lines


# warnings the account already states in its own lines
_LISTED = {"late-report", "missing-report"}


def warnings_by_kind(issues: list[Finding]) -> dict[str, list[Finding]]:
    by_code: dict[str, list[Finding]] = {}
    for f in issues:
        if f.severity == "warning" and f.code not in _LISTED:
            by_code.setdefault(f.code, []).append(f)
    return dict(sorted(by_code.items(), key=lambda kv: -len(kv[1])))


def warning_lines(issues: list[Finding], examples: int = 2) -> list[str]:
    """Warnings by kind, with counts and a few examples: what the office reads without --json."""
    groups = warnings_by_kind(issues)
    if not groups:
        return []
    lines = [f"提醒{sum(map(len, groups.values()))}条（照常导入，请核对；全部列在台账总表“{S_REMINDERS}”表）："]
    for fs in groups.values():
        lines.append(f"  {fs[0].title}：{len(fs)}条，例如：")  # the code is for --json and the log
        for f in fs[:examples]:
            where = "".join([f.file, f" 第{f.row}行" if f.row else "", f" {f.column}列" if f.column else ""]).strip()
            lines.append(f"    {where + '：' if where else ''}{f.message}")
    return lines


def _day(v) -> str:
    return v.isoformat()[:10] if isinstance(v, dt.date) else str(v or "")


def skipped_text(skipped: list, limit: int = 8) -> str:
    """“表头下N行不是问题行，未导入：第7行（小计行（“小计”））…” for the terminal account."""
    shown = "；".join(f"第{s.row}行{s.reason}" for s in skipped[:limit])
    more = f"等，共{len(skipped)}行" if len(skipped) > limit else ""
    return f"表头下有{len(skipped)}行不是问题行，未导入：{shown}{more}。"


def assign_text(res, notices_at: str | None = None) -> list[str]:
    """The 交办 account in plain Chinese, for the terminal, the ribbon's message box and the web page
    (``notices_at``: where the notices are, when not the folder they were written to)."""
    new, moved = res.new_cases, res.transfers
    lines = [f"交办完成（{res.today}）：新交办{len(new)}个问题，转办{len(moved)}个；待指定单位{len(res.pending)}条；"
             f"重复线索{len(res.duplicates)}条（未新增）。"]
    for a in new:
        lines.append(f"  {a.id} → {a.unit}（{a.origin}；依据：{a.basis}）")
    for a in moved:
        lines.append(f"  {a.id}：{a.from_unit} → {a.unit}（转办）")
    for p in res.pending:
        where = f"{p.file} 第{p.row}行" if p.row else p.file
        lines.append(f"  待指定：{where}“{p.description[:30]}”——{p.reason}" +
                     (f"；候选：{'、'.join(p.candidates)}" if p.candidates else ""))
    for d in res.duplicates:
        lines.append(f"  重复：{d.file} 第{d.row}行“{d.description[:30]}”与{d.existing_id}“{d.existing_description[:30]}”"
                     f"（{d.on}相似度{d.ratio:.0%}）")
    for f in res.issues:
        if f.code == "assign-needs-input":
            lines.append(f"  提醒：{f.message}")
    if res.pending:
        lines.append(f"待指定单位的线索已列入台账总表的“{S_UNASSIGNED}”表：在“指定单位”列填写单位后再次运行交办。")
    if res.notices:
        lines.append(f"交办通知单{len(res.notices)}份：{notices_at or Path(res.notices[0]).parent}")
    lines.append(written_text(res.out, res.backup) if res.out else "没有需要交办、转办或登记的内容，台账未改动。")
    return lines


def validate_text(report, marked: Path | None = None) -> list[str]:
    """``taizhang validate`` without --json: the counts, then each problem row with its cells."""
    where = f"工作表“{report.sheet}”，{report.rows}行，其中{report.rows_with_errors}行有错误" if report.sheet else "没有读到台账工作表"
    lines = [f"{report.file}：{where}；错误{report.counts['error']}个，提醒{report.counts['warning']}个。"]
    if report.unit:
        lines.append(f"报送单位：{report.unit}")
    lines += [f"说明：{f.message}" for f in report.findings if f.code == "file-default-password"]  # read as Excel reads it
    if report.rows_skipped:
        lines.append(skipped_text(report.rows_skipped))
    by_row: dict[int | None, list[Finding]] = {}
    for f in report.findings:
        if f.severity != "info":
            by_row.setdefault(f.row, []).append(f)
    for row in sorted(by_row, key=lambda r: r or 0):
        lines.append(f"\n第{row}行：" if row else "\n文件：")
        for f in by_row[row]:
            where = (f"{f.column}列" + (f"（{f.header}）" if f.header else "") if f.column
                     else (f"“{f.header}”" if f.header else ""))
            lines.append(f"  [{SEVERITY_ZH[f.severity]}] {where}{'：' if where else ''}{f.message}")
    if marked:
        lines.append(f"\n已生成标注副本：{marked}")
    return lines


_LIGHT_COUNTS = (("red", "红灯"), ("yellow", "黄灯"), ("green", "绿灯"), ("done", "已办结"), ("closed", "已销号"),
                 (None, "无法计算"))


def status_text(res) -> list[str]:
    """``taizhang status``: how many cases got each light, where the master went, and what could not be computed."""
    counts: dict[str | None, int] = {}
    for c in res.cases:
        counts[c.light] = counts.get(c.light, 0) + 1
    lines = [f"已计算{len(res.cases)}个问题的时限和红绿灯（基准日 {res.as_of}）："
             + "，".join(f"{zh}{counts.get(key, 0)}" for key, zh in _LIGHT_COUNTS) + "。",
             written_text(res.out, res.backup, "")]
    lines += [f"提醒：{w}" for w in res.warnings]
    lines += [f"  第{f.row}行：{f.message}" for f in res.issues if f.severity == "error"]
    return lines


def totals_text(figs) -> str:
    """The totals in one line; the states of the cases in progress add up to it (持续整改 and 时限无法确定 included)."""
    from taizhang.report.figures import in_progress_parts

    t = figs.totals
    return (f"共{t.total}个问题，已办结{t.done}，已销号{t.closed}，办结率{t.completion_rate:g}%；正在整改{t.in_progress}："
            + "，".join(f"{label}{n}" for label, n in in_progress_parts(t, short=True)) + "。")


def summary_text(figs, out: Path) -> list[str]:
    return [f"已生成汇总表：{out}", totals_text(figs)]


def notice_text(res, units_dir: Path | None) -> list[str]:
    lines = [f"已生成通报草稿：{res.notice}（请办公室修改定稿）"]
    if units_dir is not None:
        lines.append(f"督办通知单{len(res.supervision)}份（回复期限 {res.reply_by}）：{units_dir}"
                     if res.supervision else "没有超期（红灯）问题，未生成督办通知单。")
    return lines


def copy_text(source, out) -> list[str]:
    """When the updated master went to another file: the original is unchanged, and next time the copy is the master."""
    if source is None or out is None or Path(source).resolve() == Path(out).resolve():
        return []
    return [f"注意：更新后的台账总表是副本 {out}；原文件 {source} 没有改动。下次合并请使用这个副本（或把它复制回原处），"
            "否则会合并进旧的台账总表。"]


def report_day_text(day) -> list[str]:
    """``taizhang run`` (and the demo's report day): the merge account, then the figures and every paper written."""
    m = day.merge
    lines = merge_text(m.result, m.out, m.backup) + copy_text(getattr(day, "source", None), m.out)
    lines.append(totals_text(m.figures))
    lines.append("汇总表：" + "；".join(map(str, day.summaries)))
    lines.extend(notice_text(day.notice, day.units_dir))
    return lines


def new_text(res) -> list[str]:
    return [f"已创建台账总表：{res.path}（预案：{res.rulebook.name}，工作阶段按{res.year}年排定，成员单位{res.units}个）"]


def presets_text(books) -> list[str]:
    return ["内置预案（--preset 后写代号或名称）："] + [f"  {b.id:12s} {b.name}（{len(b.categories)}个问题类别）" for b in books]
