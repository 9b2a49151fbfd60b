"""The leaders' papers as 公文: the 通报 draft and one 督办通知单 per unit with red cases.

Both are built only from ``Figures`` (the summary's own numbers) plus the office's settings, so the
通报, the summary workbook and ``summary --json`` never disagree. The 通报 is a draft for the office
to edit (marked so at the top); 问责提示 are suggestions, never decisions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from docx.shared import Pt

from taizhang.fields import LIGHT_ZH
from taizhang.report.figures import (
    RULE_ZH,
    Figures,
    UnitFigures,
    collective_sentence,
    in_progress_parts,
    ranking_ends,
    remind_sentences,
    report_summary,
    short_sentence,
    unapproved_sentence,
    unit_label,
)
from taizhang.report.gongwen import Gongwen, cn_date, safe_file_name, table_date
from taizhang.report.periods import PeriodFigures

NOTICE_SUFFIX = "督办通知单"
SMALL = Pt(12)  # 小四: tables
FIVE = Pt(10.5)  # 五号: the 督办通知单's table, so three cases and a long office name's signature fit one page
SUPERVISION_HEADERS = ["问题编号", "问题描述", "整改时限", "超期工作日", "督办意见"]
SUPERVISION_WIDTHS_MM = [30, 44, 24, 25, 33]  # the 156 mm 版心: ids on one line, dates on two (2026年 / 6月29日)


@dataclass
class Supervision:
    """One unit's 督办通知单 content."""
    unit: str
    serial: str
    reply_by: dt.date
    cases: list[list] = field(default_factory=list)  # [编号, 问题描述, 整改时限, 超期工作日, 督办意见]


def _names(units: list[str]) -> str:
    return "、".join(units)


def accountability_items(figs: Figures) -> list[dict]:
    """The escalation suggestions, if the figures carry them (dicts or models), with plain keys."""
    raw = getattr(figs, "accountability", None) or []
    out = []
    for item in raw:
        d = item if isinstance(item, dict) else (item.model_dump() if hasattr(item, "model_dump") else vars(item))

        def pick(*keys, d=d):
            return next((d[k] for k in keys if d.get(k) not in (None, "")), None)
        unit = pick("unit", "单位")
        if not unit:
            continue
        out.append({"unit": str(unit), "red": pick("red", "red_cases", "红灯"),
                    "days": pick("consecutive_days", "days", "consecutive", "连续报送日"),
                    "step": pick("suggested_step", "step", "建议措施"),
                    "wording": pick("seed_wording", "wording", "quote", "方案原文"), "top": bool(d.get("top"))})
    return out


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:g}%"


def build_bulletin(figs: Figures, reports: list[list] | None, office: str, public: bool = False,
                   reply_workdays: int | None = None, period: PeriodFigures | None = None) -> Gongwen:
    """The 通报 draft: 总体情况, 报送情况, 排名, 超期问题, 问责提示, 下一步要求; the ranking as 附件. With ``period`` (the
    office's own rhythm: a month's or a quarter's 通报) it is that period's, with a 本期推进情况 section from the history."""
    t = figs.totals
    d = figs.as_of
    state = report_summary(reports or [])
    top, bottom = ranking_ends(figs)
    reds = sorted((u for u in figs.units if u.red), key=lambda u: (-u.red, u.rank or 0))
    span = (f"{period.period.label}（{cn_date(period.period.start)}至{cn_date(period.period.end)}）" if period else "")
    doc = Gongwen(f"关于{figs.campaign}专项行动{period.period.label if period else ''}推进情况的通报"
                  + (f"（{period.name}）" if period and period.name else ""), draft=True, addressee="各成员单位",
                  draft_note=f"草稿（由台账助手根据截至{cn_date(d)}的台账生成，供办公室修改后印发）"
                             + ("　公开版" if public else ""))
    doc.para(f"按照{figs.campaign}专项行动工作安排，现将" + (f"{span}" if period else f"截至{cn_date(d)}")
             + "的问题整改推进情况通报如下。")

    doc.heading1("总体情况")
    text = (f"台账共有问题{t.total}个，已办结{t.done}个、已销号{t.closed}个，办结率{t.completion_rate:g}%；"
            f"正在整改{t.in_progress}个，其中" + "、".join(f"{label}{n}个" for label, n in in_progress_parts(t)) + "。")
    if t.on_time_rate is not None:
        text += f"已办结问题中按时办结率为{t.on_time_rate:g}%。"
    doc.para(text)
    if period is not None:
        _period_section(doc, period)
    elif figs.change and figs.previous_day:
        c = figs.change
        new_done = c.get("done", 0) + c.get("closed", 0)
        red = c.get("red", 0)
        doc.para(f"与上次报送日（{cn_date(figs.previous_day)}）相比，问题总数{_delta(c.get('total', 0))}，"
                 f"新办结（含销号）{new_done}个，超期问题{'增加' if red > 0 else '减少' if red < 0 else '持平'}"
                 + (f"{abs(red)}个" if red else "") + "。")

    doc.heading1("报送情况")
    if reports:
        # seed 004: a unit whose open tasks' rhythm skips the period (常规工作季报告) owes none: not 应报送
        n_units = sum(1 for r in reports if r and r[0] != "（无法识别的单位）" and not (len(r) > 2 and r[2] == "本期无需报送"))
        rejected = [r[0] for r in reports if len(r) > 2 and r[2] == "文件被退回" and r[0] != "（无法识别的单位）"]
        sent = n_units - len(state["missing"]) - len(rejected)  # a unit whose file was sent back has not reported yet
        doc.para(f"本期应报送单位{n_units}个，已报送{sent}个（其中零报告{len(state['zero'])}个），"
                 + (f"文件被整体退回{len(rejected)}个，" if rejected else "")
                 + f"未报送{len(state['missing'])}个，逾期报送{len(state['late'])}个。")
        if state["missing"]:
            doc.para(f"未报送的单位：{_names(state['missing'])}。")
        if state["late"]:
            doc.para(f"逾期报送的单位：{_names(state['late'])}。")
        if state["zero"]:
            doc.para(f"零报告单位：{_names(state['zero'])}，办公室将按规定进行抽查。")
        if rejected:
            doc.para(f"报送文件被整体退回的单位：{_names(rejected)}，请按退回原因修改后重新报送。")
        unknown = [r for r in reports if r and r[0] == "（无法识别的单位）"]
        unnamed = sum(1 for r in unknown if len(r) > 9 and r[9] == "无法确定报送单位")  # read, but no unit in it
        if unnamed:
            doc.para(f"另有{unnamed}个文件无法识别报送单位，已退回。")
        if len(unknown) - unnamed:  # could not be read at all (corrupt, not a workbook): the sender is not known
            doc.para(f"另有{len(unknown) - unnamed}个文件无法读取（文件已损坏或不是有效的表格），无法确定报送单位，"
                     "请办公室核实来源后通知重新报送。")
    else:
        doc.para("台账总表中还没有合并报送的记录，本期报送情况待合并报送后补充。")
    if short_sentence(figs):  # seed 000: each unit takes at least one 攻坚难题
        doc.para(short_sentence(figs))
    if unapproved_sentence(figs):  # seed 000: proposed 攻坚难题 awaiting 核准 are not counted
        doc.para(unapproved_sentence(figs))
    for para in remind_sentences(figs):  # 催办次数 (催办记录) and the plan's materials owed (材料报送)
        doc.para(para)

    doc.heading1("红绿灯排名情况")
    ranked = [u for u in figs.units if u.rank is not None]
    unranked = [u for u in figs.units if u.rank is None and not u.below_min and not u.unapproved]
    doc.para(f"排名规则：{RULE_ZH[figs.rank_rule]}。参加排名的单位{len(ranked)}个"
             + (f"，另有{len(unranked)}个单位没有问题，不参加排名" if unranked else "") + "，完整排名见附件。")
    def measure(u) -> str:  # the figure the ranking is by
        if figs.rank_rule == "schedule":
            return "序时进度差—" if u.schedule_gap is None else f"完成进度较时间进度{'超前' if u.schedule_gap >= 0 else '落后'}{abs(u.schedule_gap):g}个百分点"
        return f"办结率{u.completion_rate:g}%"
    if top:
        doc.para("排名前列的单位：" + "、".join(f"{unit_label(u)}（{measure(u)}）" for u in top) + "。")
    if bottom:
        doc.para("排名靠后的单位：" + "、".join(f"{unit_label(u)}（{measure(u)}，超期{u.red}个）"
                                         for u in bottom) + "。")

    doc.heading1("超期未办结问题")
    if reds:
        doc.para(f"超期未办结问题{t.red}个，涉及{len(reds)}个单位，分布如下。")
        longest = _longest_overdue(figs)
        doc.table(["单位", "超期问题数", "最长超期\n（工作日）", "问题总数", "办结率"],
                  [[unit_label(u), u.red, longest.get(u.unit, "—"), u.total, _pct(u.completion_rate)] for u in reds],
                  widths_mm=[62, 24, 30, 20, 20], size=SMALL)
        if not public and figs.supervise:
            worst = [o for o in figs.supervise if o.light == "red"][:10]
            if worst:
                doc.para("超期时间最长的问题：")
                doc.table(["问题编号", "责任单位", "问题描述", "超期工作日"],
                          [[o.id or "", o.unit or "", _short(o.description, 60), o.days_overdue] for o in worst],
                          widths_mm=[30, 34, 70, 22], size=SMALL)
    else:
        doc.para("目前没有超期未办结的问题。")
    if t.yellow:
        doc.para(f"另有{t.yellow}个问题临近整改时限或进度滞后（黄灯），请相关单位加快推进。")

    if figs.collective:
        doc.heading1("集体研究会商建议（供办公室研究）")
        doc.para(collective_sentence(figs))
        if not public:
            doc.table(["问题编号", "责任单位", "问题描述", "涉及金额\n（万元）"],
                      [[c["id"] or "", c["unit"] or "", _short(c["description"], 60), f"{c['amount']:g}"]
                       for c in figs.collective[:20]], widths_mm=[30, 34, 66, 26], size=SMALL)
    for line in closing_lines(figs, public):  # 回访, 重办, 抽查 (审批台账)
        if line == closing_lines.HEAD:
            doc.heading1(line)
        else:
            doc.para(line)

    items = accountability_items(figs)
    if items:
        doc.heading1("问责提示（供办公室研究）")
        doc.para("根据专项行动方案的规定，下列单位的超期问题已连续多个报送日未解决，建议办公室研究是否采取相应措施。"
                 "以下仅为提示，是否采取及采取何种措施由领导小组研究决定。")
        for it in items:
            line = f"{it['unit']}：超期问题{it['red'] if it['red'] is not None else '—'}个"
            if it["days"] is not None:
                line += f"，已连续{it['days']}个报送日亮红灯"
            if it["step"] and it["top"]:  # the plan's own last step (seed 003): put to the leading group, plainly a suggestion
                line += f"，建议提请领导小组研究是否启动方案问责阶梯的最后一级“{it['step']}”（仅为提示，由领导小组按有关规定决定）"
            elif it["step"]:
                line += f"，建议考虑{it['step']}"
            line += "。"
            if it["wording"]:
                line += f"方案原文：“{it['wording']}”"
            doc.para(line)

    doc.heading1("下一步工作要求")
    if reds:
        within = f"于{reply_workdays}个工作日内" if reply_workdays else "尽快"
        doc.para(f"请{_names([u.unit for u in reds])}对超期问题逐一分析原因，{within}向领导小组办公室书面说明超期原因、"
                 "整改进展和下一步措施，确保按期销号。")
    if state["missing"]:
        doc.para(f"请{_names(state['missing'])}立即补报本期台账，今后严格按规定时间报送。")
    doc.para("各成员单位要对照台账逐项推进整改，如实填报办理进展，办结一个、销号一个，确保专项行动取得实效。")
    doc.para("特此通报。")
    doc.signature(office or f"{figs.campaign}专项行动领导小组办公室", d)

    doc.page_break()
    doc.mark("附件")
    doc.blank()
    doc.title_lines(f"{figs.campaign}专项行动红绿灯排名（截至{cn_date(d)}）")  # GB/T 9704: on the 3rd line, as a title
    doc.table(["排名", "单位", "亮灯", "问题数", "超期", "预警", "办结率"],
              [[u.rank, unit_label(u), LIGHT_ZH.get(u.light, ""), u.total, u.red, u.yellow, _pct(u.completion_rate)]
               for u in ranked], widths_mm=[14, 54, 16, 22, 14, 14, 22], size=SMALL)
    if unranked:
        doc.para("没有问题、不参加排名的单位（无问题）：" + "、".join(unit_label(u) for u in unranked) + "。")
    return doc


def _period_section(doc: Gongwen, p: PeriodFigures) -> None:
    """本期推进情况: the period's report days, cases assigned and finished in it, red cases at its start and end, and
    each unit's line (from 历史统计, 变更记录 and the ledger's dates)."""
    doc.heading1("本期推进情况")
    days = p.report_days
    text = (f"本期共有报送日{len(days)}个（{'、'.join(f'{x.month}月{x.day}日' for x in days)}）。" if days
            else "本期台账总表中没有报送日的记录（历史统计为空），以下按台账中的日期统计。")
    text += f"本期新交办问题{p.assigned}个，办结（含销号）{p.finished}个"
    if p.red_end is not None and p.red_start is not None:
        base = f"上期末报送日（{cn_date(p.baseline_day)}）" if p.baseline_day else "本期首个报送日"
        text += f"；超期问题由{base}的{p.red_start}个变为本期末的{p.red_end}个"
    doc.para(text + "。")
    rows = [[u.unit, u.total, u.assigned, u.finished, u.red_end, u.red_days, u.changes] for u in p.units
            if u.total or u.assigned or u.finished or u.red_days or u.changes]
    if rows:
        doc.table(["单位", "期末\n问题数", "本期\n新交办", "本期\n办结", "期末\n超期", "亮红灯\n报送日", "本期更新\n条数"], rows,
                  widths_mm=[46, 18, 18, 18, 18, 20, 18], size=SMALL)
    slow = [u.unit for u in p.units if u.red_days and days and u.red_days == len(days)]
    if slow:
        doc.para(f"本期每个报送日都有超期问题的单位：{_names(slow)}。")


def closing_lines(figs: Figures, public: bool = False) -> list[str]:
    """The 通报's 回访和抽查情况: 满意率, 重办数 and the 抽查 results (seed 002: "把群众是否满意作为检验专项治理工作成效的
    重要标准"; seed 003: "一经查实，严肃追究承办单位的责任"); the units by name only in the office's version."""
    c = figs.closing
    if not c:
        return []
    lines = [closing_lines.HEAD]
    if c["visits"]:
        lines.append(f"办公室共回访{c['visits']}次，满意（含基本满意）{c['satisfied']}次，满意率{c['satisfaction']:g}%。")
    if c["redo"]:
        text = f"因回访不满意退回重办的问题{c['redo']}个"
        if not public:
            text += "：" + "、".join(f"{u}{n}个" for u, n in sorted(c["redo_by_unit"].items(), key=lambda x: -x[1]))
        lines.append(text + "。")
    spot = {k: v for k, v in c["spot"].items() if v}
    if spot:
        text = "抽查结果：" + "、".join(f"{k}{v}个" for k, v in spot.items())
        if c["spot_units"] and not public:
            text += "；查实或整改不到位的单位：" + "、".join(f"{u}（{n}个）" for u, n in c["spot_units"].items())
        lines.append(text + "。")
    return lines


closing_lines.HEAD = "回访和抽查情况"


def _delta(n: int) -> str:
    return f"增加{n}个" if n > 0 else f"减少{-n}个" if n < 0 else "没有变化"


def _short(text: str | None, n: int) -> str:
    text = (text or "").replace("\n", " ").strip()
    return text if len(text) <= n else text[:n - 1] + "…"


def _longest_overdue(figs: Figures) -> dict[str, int]:
    out: dict[str, int] = {}
    for o in figs.supervise or []:
        if o.light == "red" and o.unit:
            out[o.unit] = max(out.get(o.unit, 0), o.days_overdue)
    return out


def supervisions(figs: Figures, reply_by: dt.date, opinions: dict[str, str] | None = None,
                 public: bool = False) -> list[Supervision]:
    """One 督办通知单 per unit with red cases, in the ranking's unit order; numbered DB-日期-序号."""
    if figs.supervise is None:
        raise ValueError("figures computed without supervise=True carry no red cases")
    opinions = opinions or {}
    by_unit: dict[str, list] = {}
    for o in figs.supervise:
        if o.light != "red" or not o.unit:
            continue
        opinion = (opinions.get(o.id or "") or "").strip() or \
            "请立即整改，书面说明超期原因和整改计划。"
        by_unit.setdefault(o.unit, []).append(
            [o.id or "", "（公开版不含问题描述）" if public else (o.description or ""),
             table_date(o.deadline), o.days_overdue, opinion])
    order = [u.unit for u in figs.units]
    units = sorted(by_unit, key=lambda u: order.index(u) if u in order else len(order))
    return [Supervision(unit, f"DB-{figs.as_of:%Y%m%d}-{i:03d}", reply_by, by_unit[unit])
            for i, unit in enumerate(units, 1)]


def build_supervision(s: Supervision, figs: Figures, office: str) -> Gongwen:
    office = office or f"{figs.campaign}专项行动领导小组办公室"
    doc = Gongwen(f"{figs.campaign}专项行动\n{NOTICE_SUFFIX}", addressee=s.unit)
    doc.para(f"根据{figs.campaign}专项行动台账（截至{cn_date(figs.as_of)}），你单位有{len(s.cases)}个问题"
             "超过整改时限仍未办结，现予督办。")
    doc.para(f"请你单位于{cn_date(s.reply_by)}前，将每个问题的整改进展、超期原因和下一步措施书面报送{office}；"
             "确有客观原因不能按期办结的，应说明理由和预计完成时间。")
    doc.table(SUPERVISION_HEADERS, s.cases, widths_mm=SUPERVISION_WIDTHS_MM, size=FIVE)
    doc.para(f"督办编号：{s.serial}。回复时请注明督办编号。", lead=None)
    doc.signature(office, figs.as_of)
    return doc


def supervision_file(folder: Path, unit: str, day: dt.date) -> Path:
    return Path(folder) / f"{safe_file_name(unit)}-{NOTICE_SUFFIX}-{day.isoformat()}.docx"


__all__ = ["Supervision", "UnitFigures", "accountability_items", "build_bulletin", "build_supervision", "supervisions",
           "supervision_file"]
