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


UNCHANGED_TEXT = "没有新内容，台账总表未改动（也没有占用一份备份）。"


def written_text(out, backup, what: str = "台账") -> str:
    """Where a job wrote the master, and where the version it replaced is kept (``out`` None: it was not written)."""
    if out is None:
        return UNCHANGED_TEXT
    return f"{what}已写入：{out}" + (f"（原文件已备份到 {backup}）" if backup else "")


def merge_text(res: MergeResult, out: Path, backup) -> list[str]:
    """The merge account in plain Chinese, for the terminal and the ribbon's message box."""
    lines = [f"合并完成（报送日 {res.report_day}）：读取{res.rows_read}行 = 新增{res.rows_new} + 更新{res.rows_updated} + "
             f"未变{res.rows_unchanged} + 退回{res.rows_rejected}" + ("，各项相符。" if res.balanced() else "，数目不符！")]
    n_files = len([f for f in res.files if f.status != "skipped"])
    lines.append(f"文件{n_files}个：合并{sum(f.status == 'merged' for f in res.files)}，零报告{sum(f.status == 'zero_report' for f in res.files)}，"
                 f"整体退回{sum(f.status == 'rejected' for f in res.files)}"
                 + (f"，被同单位较新的文件取代{n_old}" if (n_old := sum(f.status == 'superseded' for f in res.files)) else "")
                 + (f"，材料{sum(f.status == 'material' for f in res.files)}" if any(f.status == "material" for f in res.files) else "")
                 + f"；跳过非报送文件{sum(f.status == 'skipped' for f in res.files)}个。")
    if res.missing_units:
        lines.append(f"未报送单位（{len(res.missing_units)}）：{'、'.join(res.missing_units)}")
    if res.late_units:
        lines.append(f"逾期报送单位（截止 {res.due_date}）：{'、'.join(res.late_units)}")
    if res.zero_report_units:
        lines.append(f"零报告单位：{'、'.join(res.zero_report_units)}")
    for f in res.files:
        if f.status == "rejected":
            lines.append(f"退回文件 {f.file}：{f.reason}")
        elif f.status == "superseded":
            lines.append(f"未合并 {f.file}：{f.reason}")
        elif f.rows_skipped:
            lines.append(f"{f.file}：{skipped_text(f.rows_skipped)}")
    if res.materials_received:
        lines.append(f"收到材料{len(res.materials_received)}份（记入“材料报送”表）："
                     + "、".join(f"{u}《{m}》（{f}）" for u, m, _d, f in res.materials_received[:10])
                     + ("等" if len(res.materials_received) > 10 else ""))
    if res.materials_owed:
        owing = [f"{u}：{'、'.join(ms)}" for u, ms in res.materials_owed.items()]
        lines.append(f"尚欠材料的单位（{len(owing)}）：" + "；".join(owing[:8]) + ("等" if len(owing) > 8 else ""))
    if res.pending:
        lines.append(f"待审批（{len(res.pending)}）：以下整改时限变更未直接采用，见台账总表“{S_APPROVALS}”表：")
        lines.extend(f"  {p['unit']} 问题“{p['case_id']}”：{_day(p['old'])} → {_day(p['new'])}" for p in res.pending)
    if res.rows_rejected:
        lines.append(f"退回的{res.rows_rejected}行见台账总表的“{S_REJECTS}”工作表。")
    lines.extend(evidence_lines(res))
    lines.extend(warning_lines(res.issues))
    lines.append(f"变更记录{res.changes}条。{written_text(out, backup)}"
                 + ("“报送情况”保留上次合并的记录。" if out is None else ""))
    return lines


def last_account_text(acc) -> list[str]:
    """The last merge's account as the master keeps it (``jobs.LastAccount``): for a page opened after a restart,
    or a merge made by another door."""
    if not acc.reports:
        return [f"{acc.master.name} 还没有合并记录（“报送情况”为空）。"]
    sums = acc.sums()
    states = "，".join(f"{k}{v}个" for k, v in acc.by_state().items())
    lines = [f"上次合并（报送日 {acc.report_day or '未记录'}），据台账总表中的“报送情况”：新增{sums['新增']} + 更新{sums['更新']} + "
             f"未变{sums['未变']} + 退回{sums['退回']}行。",
             f"单位{len(acc.reports)}个：{states}。"]
    if acc.rejects:
        lines.append(f"退回的{len(acc.rejects)}行见台账总表的“{S_REJECTS}”工作表。")
    if acc.reminders:
        lines.append(f"提醒{acc.reminders}条，见台账总表的“{S_REMINDERS}”工作表。")
    if acc.folder:
        lines.append(f"报送文件夹：{acc.folder}")
    return lines


def evidence_lines(res) -> list[str]:
    """The 佐证材料 of a merge: how many pieces were filed (a resend not stored twice), and each refusal with its reason."""
    ev = getattr(res, "evidence", None) or []
    if not ev:
        return []
    filed = [e for e in ev if e.status == "已归档"]
    again = sum(e.duplicate for e in filed)
    refused = [e for e in ev if e.status != "已归档"]
    lines = [f"佐证材料{len(ev)}件：归档{len(filed) - again}件" + (f"，内容已有、未重复存放{again}件" if again else "")
             + f"，退回{len(refused)}件（见台账总表“佐证材料清单”）。"]
    lines.extend(f"  退回 {e.source}：{e.reason}" for e in refused[:20])
    if len(refused) > 20:
        lines.append(f"  …另有{len(refused) - 20}件退回，见“佐证材料清单”。")
    return lines


def pack_text(res) -> list[str]:
    """`taizhang pack`: the 销号审定材料 written, one per case."""
    if not res.papers:
        return ["没有待销号的问题，未生成销号审定材料。" if res.all_waiting else "未生成销号审定材料。"]
    lines = [f"已生成销号审定材料{len(res.papers)}份（报领导小组审定核准）：{res.out_dir}"]
    for p in res.papers:
        gaps = f"；注意：{p.warning}" if p.warning else ""
        lines.append(f"  {p.case_id}（{p.unit}）：{Path(p.path).name}，佐证材料{p.evidence}件，"
                     f"办理记录{p.history}条，申请与审批{p.approvals}条{gaps}")
    return lines


# warnings the account already states in its own lines
_LISTED = {"late-report", "missing-report", "evidence-refused"}


def warnings_by_kind(issues: list[Finding]) -> dict[str, list[Finding]]:
    by_code: dict[str, list[Finding]] = {}
    for f in reminder_findings(issues):
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
             f"重复线索{len(res.duplicates)}条（未新增）" + (f"；已交办过的线索{len(res.known)}条（未重复登记）" if
                                                      getattr(res, "known", None) else "") + "。"]
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
    for k in getattr(res, "known", []):
        lines.append(f"  {k.file} 第{k.row}行：已交办（问题编号 {k.id}，{k.unit}）")
    for f in res.issues:
        if f.code in ("assign-needs-input", "unit-alias-ambiguous"):
            lines.append(f"  提醒：{f.message}")
    if res.pending:
        lines.append(f"待指定单位的线索已列入台账总表的“{S_UNASSIGNED}”表：在“指定单位”列填写单位后再次运行交办。")
    if res.notices:
        lines.append(f"交办通知单{len(res.notices)}份：{notices_at or Path(res.notices[0]).parent}")
    lines.append(written_text(res.out, res.backup) if res.out else "没有需要交办、转办或登记的内容，台账未改动。")
    return lines


def validate_where(report) -> str:
    """“工作表“台账”，12行，其中2行有错误”, or “没有读到台账工作表” (never a sheet “-” of 0 rows): the terminal and the
    web page's check say the same."""
    sheets = getattr(report, "sheets", None) or ([report.sheet] if report.sheet else [])
    return (f"工作表{'、'.join(f'“{s}”' for s in sheets)}，{report.rows}行，其中{report.rows_with_errors}行有错误"
            if sheets else "没有读到台账工作表")


def reminder_findings(issues: list[Finding]) -> list[Finding]:
    """The warnings a merge lists as 提醒 (late and missing reports are told in 报送情况 instead): the terminal's
    “提醒N条” and the web page's 提醒 table count the same findings."""
    return [f for f in issues if f.severity == "warning" and f.code not in _LISTED]


def validate_text(report, marked: Path | None = None) -> list[str]:
    """``taizhang validate`` without --json: the counts, then each problem row with its cells."""
    sheets = getattr(report, "sheets", None) or ([report.sheet] if report.sheet else [])
    where = validate_where(report)
    lines = [f"{report.file}：{where}；错误{report.counts['error']}个，提醒{report.counts['warning']}个。"]
    if report.unit:
        lines.append(f"报送单位：{report.unit}")
    lines += [f"说明：{f.message}" for f in report.findings if f.code == "file-default-password"]  # read as Excel reads it
    if report.rows_skipped:
        lines.append(skipped_text(report.rows_skipped))
    by_row: dict[tuple[str, int | None], list[Finding]] = {}
    several = len(sheets) > 1
    for f in report.findings:
        if f.severity != "info":
            by_row.setdefault((f.sheet if several and f.row else "", f.row), []).append(f)
    for sheet, row in sorted(by_row, key=lambda k: (sheets.index(k[0]) if k[0] in sheets else -1, k[1] or 0)):
        place = f"工作表“{sheet}”" if sheet else ""
        lines.append(f"\n{place}第{row}行：" if row else "\n文件：")
        for f in by_row[(sheet, row)]:
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
             written_text(res.out if getattr(res, "written", True) else None, res.backup, "")]
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
    lines = [f"已生成{getattr(res, 'period', '') or ''}通报草稿：{res.notice}（请办公室修改定稿）"]
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
    lines = merge_text(m.result, m.out if m.written else None, m.backup) + copy_text(getattr(day, "source", None), m.out)
    lines.append(totals_text(m.figures))
    lines.append("汇总表：" + "；".join(map(str, day.summaries)))
    lines.extend(notice_text(day.notice, day.units_dir))
    extracts = getattr(day, "extracts", None) or []
    if extracts:
        lines.append(f"分送摘录{len(extracts)}份（供办公室转送各部门）：" + "；".join(Path(p).name for p in extracts))
    return lines


def new_text(res) -> list[str]:
    return [f"已创建台账总表：{res.path}（预案：{res.rulebook.name}，工作阶段按{res.year}年排定，成员单位{res.units}个）"] + \
        [f"  提醒：{f.message}" for f in getattr(res, "warnings", None) or []]


def presets_text(books) -> list[str]:
    return ["内置预案（--preset 后写代号或名称）："] + [f"  {b.id:12s} {b.name}（{len(b.categories)}个问题类别）" for b in books]


def holidays_text(res) -> list[str]:
    """`taizhang holidays --notice`: what the notice says, day by day, for the office to check against it."""
    s = res.schedule
    lines = [f"从通知中读出{s.year}年的放假安排：" if s.year else "没有读出放假安排："]
    for item in s.items:
        off = f"{_span(item.off)}放假，共{len(item.off)}天" if item.off else "（没有放假日期）"
        work = "；" + "、".join(f"{d.month}月{d.day}日（周{'一二三四五六日'[d.weekday()]}）" for d in item.work) + "上班" if item.work else ""
        lines.append(f"  {item.name}：{off}{work}")
    lines += [f"  未采用：{x}" for x in s.ignored]
    if s.problems:
        lines.append("通知中有以下地方对不上，台账总表未改动，请核对通知原文后再运行：")
        lines += [f"  {p}" for p in s.problems]
        return lines
    if not res.written:
        lines.append("（只是预览，台账总表未改动；去掉 --dry-run 即写入“节假日”表。）" if s.items else "台账总表未改动。")
        return lines
    lines.append(f"已写入“节假日”表{res.added}行（说明列注明“国务院办公厅通知（{s.year}年）”）"
                 + (f"，替换了先前录入的{res.replaced}行" if res.replaced else "") + "。")
    if res.local_kept:
        lines.append("以下日期“节假日”表中已有本地安排，保留本地安排：" + "、".join(f"{d.month}月{d.day}日" for d in res.local_kept))
    if res.was_estimated:
        lines.append(f"{s.year}年的时限不再是推算结果；下次合并或“计算时限与红绿灯”时按通知重新计算。")
    lines.append(written_text(res.master, res.backup))
    return lines


def _span(days) -> str:
    a, b = days[0], days[-1]
    if a == b:
        return f"{a.month}月{a.day}日"
    tail = f"{b.day}日" if (a.year, a.month) == (b.year, b.month) else (f"{b.month}月{b.day}日" if a.year == b.year
                                                                        else f"{b.year}年{b.month}月{b.day}日")
    return f"{a.month}月{a.day}日至{tail}"


def remind_text(res) -> list[str]:
    """`taizhang remind`: who owes what today, and where the papers are."""
    p = res.plan
    lines = []
    if p.due:
        moved = f"（{p.due_written.month}月{p.due_written.day}日是休息日，按设置调整）" if p.due_written and p.due_written != p.due else ""
        when = (f"还有{p.workdays_left}个工作日" if p.workdays_left and p.workdays_left > 0 else
                "今天截止" if p.workdays_left == 0 and p.today <= p.due else f"已过截止日{-p.workdays_left}个工作日"
                if p.workdays_left and p.workdays_left < 0 else "已过截止日")
        lines.append(f"本期（{p.period}）报送截止日：{p.due.isoformat()}{moved}，{when}；已报送{len(p.reported)}个单位"
                     + (f"（其中{len(p.in_folder)}个是报送文件夹中尚未合并的文件）" if p.in_folder else "") + "。")
        if p.previous_missing:
            lines.append(f"上期（{p.previous_period}）截止日已过，仍未报送的{len(p.previous_missing)}个单位："
                         + "、".join(p.previous_missing[:10]) + ("等" if len(p.previous_missing) > 10 else "")
                         + "（催报单中一并提醒）。")
        if p.workdays_left is not None and p.workdays_left > p.lead:
            lines.append(f"距截止日超过{p.lead}个工作日（参数设置“催报提前（工作日）”），暂不催报尚未报送的单位。")
    else:
        lines.append("本专项行动没有固定的报送截止日（一事一报），只提醒临期的问题。")
    if res.folder is None:
        lines.append("没有查看报送文件夹（用 --folder 指定，或先合并一次以记录报送文件夹）：已交来但尚未合并的文件不计为已报送。")
    report = [r for r in p.reminders if r.report]
    cases = [r for r in p.reminders if r.cases]
    if not p.reminders:
        lines.append("今天没有需要催报或临期提醒的单位。")
    if report:
        lines.append(f"催报{len(report)}个单位：" + "、".join(f"{r.unit}（{r.report}）" for r in report))
    mats = [r for r in p.reminders if r.materials]
    if mats:
        lines.append(f"催交材料{len(mats)}个单位：" + "、".join(f"{r.unit}（{'、'.join(o.name for o in r.materials)}）"
                                                      for r in mats[:10]) + ("等" if len(mats) > 10 else ""))
    if cases:
        lines.append(f"临期提醒{len(cases)}个单位：" + "、".join(f"{r.unit}（{len(r.cases)}个问题）" for r in cases))
    if p.capped:
        lines.append(f"本期已催办达到上限（{p.cap}次）、这次不再生成的单位：" + "、".join(f"{r.unit}（已{r.sent}次）" for r in p.capped))
    missing = [r.unit for r in p.reminders if not r.phone]
    if p.reminders and missing:
        lines.append(f"“成员单位”表中没有联系电话的单位（短信表中电话为空）：{'、'.join(missing[:10])}"
                     + (f"等{len(missing)}个" if len(missing) > 10 else ""))
    if res.out_dir:
        lines.append(f"已生成{len(res.papers)}份催报单/临期提醒单（Word），在文件夹：{res.out_dir}")
        lines.append(f"可直接粘贴到工作群的消息：{res.messages_file}")
        lines.append(f"短信平台导入表（单位名称、联系人、联系电话、短信内容）：{res.csv}")
        if res.logged:
            lines.append(f"已在“催办记录”表记录{res.logged}条。" + written_text(res.master, res.backup))
        else:
            lines.append("发出后，用 --sent 再运行一次（可加 --channel 短信/电话/政务微信），记入“催办记录”表，汇总和次数上限按记录计算。")
    return lines


NOT_A_MASTER = "不是台账总表，未读取"


def overview_text(res) -> list[str]:
    """`taizhang overview`: one line a campaign, the units worst off across campaigns, and where the workbook is."""
    ov = res.overview
    t = ov.totals
    names = ov.campaign_names
    read = (f"{len(names)}个专项行动的台账总表" if len(names) == len(ov.campaigns)
            else f"{len(ov.campaigns)}个台账总表（{len(names)}个专项行动）")
    lines = [f"共读取{read}：问题{t.total}个，已办结{t.done}个、已销号{t.closed}个，"
             f"办结率{t.completion_rate:g}%；超期{t.red}个，预警{t.yellow}个。"]
    for c in ov.campaigns:
        ct = c.totals
        done = f"，交办到办结平均{c.days_to_done:g}个工作日" if c.days_to_done is not None else ""
        lines.append(f"  {c.campaign}（{c.file}）：问题{ct.total}个，办结率{ct.completion_rate:g}%，超期{ct.red}个，预警{ct.yellow}个{done}")
    several = [u for u in ov.units if len(u.campaigns) > 1]
    if several:
        lines.append(f"参加多个专项行动的单位{len(several)}个。")
    worst = [u for u in ov.units if u.red][:5]
    if worst:
        lines.append("超期问题最多的单位：" + "、".join(f"{u.label}（{u.red}个，涉及{len(u.campaigns)}个专项行动）" for u in worst))
    plain = [f for f, reason in ov.skipped if reason == NOT_A_MASTER]
    if plain:
        lines.append(f"另有{len(plain)}个文件不是台账总表（如报送表、汇总表），未读取：{'、'.join(plain[:3])}"
                     + ("等，见总览表“说明”" if len(plain) > 3 else ""))
    for f, reason in ov.skipped:
        if reason != NOT_A_MASTER:
            lines.append(f"  未读取：{f}（{reason}）")
    lines.append(f"领导总览已生成：{res.out}（新文件，各台账总表未改动）")
    return lines


def rollup_text(res) -> list[str]:
    """`taizhang rollup`: the account of every lower master and of every case not taken, and what was written."""
    r = res.result
    done = [f for f in r.files if f.status == "rolled_up"]
    lines = [f"汇总下级台账{len(done)}个：读取问题{r.total('rows_read')}个，新增{r.total('rows_new')}个、"
             f"更新{r.total('rows_updated')}个、未变{r.total('rows_unchanged')}个、未汇总{r.total('rows_refused')}个；"
             f"记入变更记录{r.changes}条，复制下级变更记录{r.total('history_copied')}条。"]
    for f in r.files:
        if f.status == "rolled_up":
            lines.append(f"  {f.file}（{f.office or '未填办公室'}）：{f.rows_read}个问题，新增{f.rows_new}、更新{f.rows_updated}、"
                         f"未变{f.rows_unchanged}、未汇总{f.rows_refused}" + (f"（{f.reason}）" if f.reason else ""))
        else:
            lines.append(f"  {'跳过' if f.status == 'skipped' else '拒绝'}：{f.file}（{f.reason}）")
    for row in r.refused_rows[:20]:
        lines.append(f"  未汇总：{row[0]} 第{row[1]}行 {row[2] or '（无编号）'}：{row[3]}")
    if len(r.refused_rows) > 20:
        lines.append(f"  ……另有{len(r.refused_rows) - 20}个未汇总的问题，见“下级台账汇总”工作表")
    t = res.figures.totals
    lines.append(f"本级台账：问题{t.total}个，办结率{t.completion_rate:g}%，超期{t.red}个，预警{t.yellow}个。")
    if not res.written:
        lines.append(f"下级台账与上次汇总相同，{res.out.name} 未改动。")
    else:
        lines.append(f"已写入 {res.out}（下级的决定以下级台账为准；本级的督办意见等列和自加的列未改动）"
                     + (f"，原文件已备份到 {res.backup}" if res.backup else ""))
    return lines


def backups_text(master: Path, versions) -> list[str]:
    """The master's backups (``jobs.list_backups``), newest first, one line each."""
    if not versions:
        return [f"{Path(master).name} 还没有备份（台账助手每次写入台账总表前，会把原文件备份到旁边的“台账备份”文件夹）。"]
    lines = [f"{Path(master).name} 的备份（共{len(versions)}版，第1版最新）："]
    for v in versions:
        then = f"；其后：{v.then}" if v.then else ""
        lines.append(f"  第{v.version}版  {v.replaced_at:%Y-%m-%d %H:%M:%S} 被替换  {v.about}{then}")
    lines.append(f"恢复某一版：taizhang restore \"{Path(master).name}\" --version N（恢复前会先备份当前文件）。")
    return lines


def restore_text(res) -> list[str]:
    """What ``jobs.run_restore`` did."""
    v = res.restored
    return [f"已恢复到第{v.version}版（{v.replaced_at:%Y-%m-%d %H:%M:%S} 的版本，{v.about}）：{res.master}",
            f"恢复前的台账总表已备份到 {res.backup}，如需撤销本次恢复，可再恢复该版。" if res.backup else "恢复前没有可备份的台账总表。"]


def period_prompt(bulletins, today: dt.date) -> tuple[str, str]:
    """The question the ribbon's and the page's 按期通报 ask (the office's own bulletins named, e.g. 月晾晒、季通报) and
    its default answer: the month before ``today`` (a 月晾晒 is drawn up once its month is over), or, where the office
    issues only quarterly bulletins, the quarter before."""
    named = "、".join(f"{b.name}（{'每月' if b.period == 'month' else '每季度'}）" for b in bulletins)
    quarterly = bool(bulletins) and all(b.period == "quarter" for b in bulletins)
    first = today.replace(day=1)
    if quarterly:
        q = (today.month - 1) // 3  # this quarter, 0-based; the one before it
        default = f"{today.year}Q{q}" if q else f"{today.year - 1}Q4"
    else:
        last = first - dt.timedelta(days=1)
        default = f"{last.year}-{last.month:02d}"
    prompt = ("请填写通报期：按月写 2026-11，按季度写 2026Q4。按该期的历史统计、变更记录和台账日期起草通报。"
              + (f"本专项行动的办公室通报：{named}。" if named else ""))
    return prompt, default

