"""The 参数设置 sheet: a rulebook as rows office staff edit in Excel, and back.

Each row is (参数, 值, 说明). Reading it rebuilds a ``Rulebook`` through the
same pydantic model the rulebook files use, so an impossible setting is
caught the same way, naming the sheet and the row.
"""

from __future__ import annotations

import datetime as dt
import re

from taizhang.fields import BY_KEY, FIELDS
from taizhang.rules.rulebook import DEFAULT_TIERS, Rulebook, RulebookError, parse_rulebook

CADENCE_ZH = {"weekly": "每周", "ten_days": "每旬", "monthly": "每月", "quarterly": "每季度",
              "once": "一次性", "per_event": "一事一报"}
RANK_ZH = {"completion_rate": "办结率", "on_time_rate": "按时办结率", "overdue": "超期数", "schedule": "序时进度"}
TIER_PREFIX = "时限档次·"
# seed 004's task types: one row a type, its value the shortenings units may write (顿号 between); the names and
# rhythms are the plan's (no row of their own), the shortenings an office setting
TASK_ALIAS_PREFIX = "任务类型简称·"
BULLETIN_ZH = {"month": "每月", "quarter": "每季度"}
EXTRACTS_ZH = {"": "否", "supervisor": "抄送行业主管部门", "summary_dept": "报归口汇总部门"}

# (参数, rulebook key, 说明)
SCALARS = [
    ("专项行动名称", "name", "显示在汇总表标题和通报中"),
    ("预案编号", "id", "创建台账时使用的预案"),
    ("领导小组办公室", "office", "牵头办公室名称"),
    ("报送周期", "reporting.cadence", "每周、每旬、每月、每季度、一次性 或 一事一报"),
    ("报送截止日", "reporting.due_day", "每月为几号；每周为星期几（1=周一…7=周日）；每旬为每旬第几天前（10、20、月末）"),
    ("报送截止日期", "reporting.due_date", "仅“一次性”报送时填写，如 2020-12-07"),
    ("报送要求", "reporting.note", "方案原文要求，供参考"),
    ("黄灯预警（工作日）", "lights.yellow_workdays", "距时限不超过几个工作日亮黄灯"),
    ("序时进度容差（百分点）", "lights.progress_margin", "完成进度落后于时间进度超过该值亮黄灯"),
    ("排名规则", "lights.rank_rule", "红绿灯排行榜排序依据：办结率、按时办结率、超期数 或 序时进度（完成进度对照时间进度）"),
    ("签收时限（工作日）", "sign_workdays", "交办后几个工作日内签收部署；留空表示不设签收时限"),
    ("反馈时限（工作日）", "feedback_workdays", "办结后几个工作日内反馈办理情况；留空表示不设反馈时限"),
    ("督办回复时限（工作日）", "supervise_reply_workdays", "办公室设定（方案未规定）：督办通知单要求责任单位在几个工作日内书面回复"),
    ("重复线索相似度", "duplicate_ratio", "办公室设置（方案未规定）：交办线索时，与同一单位已有问题的描述相似度达到该值（0.5–1）即视为重复，只提醒、不新增"),
    ("默认复杂程度", "default_tier", "复杂程度未填写时按此档次计算时限"),
    ("时限规则", "deadline_rule", "没有写明整改时限的问题按此规则计算时限：按复杂程度、当年年底、阶段结束 或 按整改方式；"
                                "写明的整改时限始终优先"),
    ("整改阶段", "deadline_stage", "时限规则为“阶段结束”时，以“工作阶段”表中该阶段的结束日为时限"),
    ("立行立改时限（工作日）", "quick_fix_workdays", "时限规则为“按整改方式”时，立行立改的问题交办后几个工作日内完成"
                                          "（方案未规定天数，此为办公室设定，默认5个工作日）"),
    ("实行零报告", "zero_report", "是 或 否；是：没有问题行的报送表记为零报告，并按抽查比例列入零报告抽查；否：记为已报送（无问题行），不抽查"),
    ("跟踪签收和反馈", "track_sign_feedback", "是：签收期限、反馈期限已过仍未填写签收日期、反馈日期的，也计为逾期；"
                                        "否：只核对已填写的日期（未设签收时限、反馈时限的不统计）"),
    ("销号由办公室确认", "office_closes", "是：单位报“已销号”按“已办结”并列入“待销号确认”，由办公室填写销号审核人、销号日期后销号"
                                    "（方案：销号须报领导小组审定）；否：单位报送销号及审核人"),
    ("连续红灯报送日数", "escalate_after", "单位连续该数目的报送期（按报送周期计，同一期多次合并只计一次）有红灯（超期）问题的，"
                                      "汇总表“问责提示”建议“问责阶梯”中性质为“按时限递进”的下一级措施，此后每多一期上升一级"
                                      "（方案未规定天数，此为办公室设定，默认2）；性质为“按情节由办公室选择”的措施只列出、不据超期提出；"
                                      "措施由办公室决定"),
    ("挂牌督办建议（超期工作日）", "listing_after_workdays", "方案有挂牌督办规定的（中梗阻），超期达到该工作日数仍未办结的问题列入“问责提示”"
                                              "供办公室筛选（方案未规定天数，此为办公室设定，默认20）"),
    ("抽查比例（%）", "spot_ratio", "每个报送日从查否问题和零报告单位中随机抽取的比例（方案只说“按一定比例”，此为办公室设定，默认20%）；"
                                "同一问题不会被重复抽中"),
    ("抽查随机种子", "spot_seed", "抽查的随机种子：同一种子、同一报送日抽出的清单相同，便于复核"),
    ("区级协调", "district_coord", "是：台账中“区级协调”列由办公室标记需提交区级层面专项研究、专题协调的案件，汇总表单列统计"),
    ("分送摘录", "extracts_by", "每个报送日在汇总表旁为每个部门各生成一份台账摘录（单位情况、问题清单）供办公室转送："
                             "抄送行业主管部门（按牵头督办部门）、报归口汇总部门（按“归口汇总”表的分管系统）或 否"),
    ("填报表标题", "form_title", "各单位填报表第1行的标题（留空：专项行动名称加“台账”）；方案附有表格的，用方案附件的名称"),
    ("负责人签字盖章", "form_signed", "是：填报表末尾留出部门主要负责同志签字和单位盖章的位置（方案要求签字盖章后报送）"),
    ("集体研究会商金额（万元）", "collective_amount", "涉及金额达到该值（万元）的未办结问题列入汇总表和通报的“集体研究会商建议”，"
                                               "是否集体研究会商由办公室决定；留空表示不提示"),
    ("办公室通报", "bulletins", "办公室按自己的节奏印发的通报，写成“名称：每月”或“名称：每季度”，多个用顿号分隔"
                             "（如 月晾晒：每月、季通报：每季度）；notice --period 2026-11 或 2026Q4 按该期生成"),
    ("催报提前（工作日）", "remind_lead_workdays", "办公室设定（方案未规定）：报送截止日和整改时限前几个工作日起，"
                                        "“催报”列出尚未报送的单位和临期的问题（默认3）"),
    ("每期催办次数上限", "remind_cap", "办公室设定（方案未规定）：同一单位同一报送期最多催办几次（记入“催办记录”的才算，默认2，0 表示不限）"),
    ("截止日遇休息日", "due_on_day_off", "办公室设定（方案未规定）：报送截止日是休息日时，“顺延”到下一个工作日（同民法典第二百零三条）"
                                   "或“提前”到前一个工作日；判断逾期报送和催报都按调整后的截止日"),
    ("每单位至少问题数", "min_cases", "方案要求每个成员单位至少确定的问题数；不足的单位在报送情况和汇总表中标出（0 表示不要求）"),
    ("方案要求必填项", "required_fields", "方案要求每个未办结问题必须填写的项（表头，多个用顿号分隔）；未填写的行退回单位补填"),
    ("必填项方案依据", "required_quote", "方案原文，退回时写在退回原因中"),
    ("佐证材料要求", "evidence_required", "办公室设定（方案未规定）：哪些环节须有佐证材料（办结、销号、查否，多个用顿号分隔，"
                                      "留空或填“无”表示不要求；默认销号、查否）；缺佐证材料的问题列入“待销号确认”和“抽查清单”"),
    ("回访后销号的线索来源", "visit_sources", "办公室设定（方案未规定）：这些来源的问题须经回访（回访结果为满意或基本满意）方可销号；"
                                       "回访不满意的按“重办”退回责任单位，按本专项行动的时限规则自回访日期起重新计算整改时限；"
                                       "多个来源用顿号分隔，如本专项行动的12345、信访、企业来源；留空（默认）表示不要求回访"),
    ("新增问题须经核准", "approve_cases", "是：单位新报的问题列入“待审批”（申请事项“核准”，附单位填写的主管副区长审签），办公室审定、核准前"
                                   "台账“申请状态”显示“待核准”，不计入统计（汇总表、通报写明“待核准N个，未计入”）；“待销号确认”中可填“退出”，与销号一并记入审批台账备案，退出的问题不再计入统计"),
    ("备份保留份数", "backups_kept", "覆盖台账前保留的历史备份份数"),
    ("停用的校验规则", "rules_off", "填写规则代码，多个用顿号分隔（代码见说明文档），留空表示全部启用"),
]
FOLDER_KEY = "报送文件夹"
# 设置版本: written by this version. A master without it was made before the 签收/反馈 limits and 零报告 followed each
# plan (issue 26): its old defaults (签收3、反馈5个工作日, 实行零报告 是) are recognised and migrated (migrate_settings)
# (version 2). Version 3: the 复杂程度 tiers only where the plan sets them (seed 004) or the office switched them on; a
# master of 000–003 written before carries seed 004's four tiers as every preset's old default, migrated likewise
VERSION_KEY, SETTINGS_VERSION = "设置版本", 3
OLD_DEFAULTS = {"sign_workdays": 3, "feedback_workdays": 5, "zero_report": True}
OLD_TIERS = [t.model_dump() for t in DEFAULT_TIERS]  # what every preset carried before version 3
# where the plan sets no tiers: one row says so, and 是 switches them on (DEFAULT_TIERS, then each 时限档次· row)
TIERS_KEY = "复杂程度档次"
# extras key: the office switched the tiers on or off in 参数设置, so the sheet is written whole on the next save
# (the 时限档次· rows appear, or go)
REWRITE_KEY = "_rewrite_settings"
OFFICE_SETTING = "办公室设定（方案未规定）"
SIGN_FEEDBACK_KEYS = ("sign_workdays", "feedback_workdays")
BOOL_KEYS = ("zero_report", "track_sign_feedback", "office_closes", "district_coord", "form_signed", "approve_cases")


def settings_rows(book: Rulebook) -> list[tuple[str, object, str]]:
    data = book.model_dump()
    rows: list[tuple[str, object, str]] = []
    for label, key, note in SCALARS:
        if key == "default_tier" and not book.tiers:
            continue  # no tiers (the plan sets none): nothing to default to
        value = data
        for part in key.split("."):
            value = value[part]
        if key == "reporting.cadence":
            value = CADENCE_ZH[value]
        elif key == "lights.rank_rule":
            value = RANK_ZH[value]
        elif key in BOOL_KEYS:
            value = "是" if value else "否"
        elif key == "extracts_by":
            value = EXTRACTS_ZH[value]
        elif key == "bulletins":
            value = "、".join(f"{b['name']}：{BULLETIN_ZH[b['period']]}" for b in value)
        elif key in ("rules_off", "evidence_required", "visit_sources"):
            value = "、".join(value) or ("无" if key == "evidence_required" else "")
        elif key == "required_fields":
            value = "、".join(BY_KEY[k].header for k in value)
        if key in SIGN_FEEDBACK_KEYS:
            note = (f"方案规定：“{book.sign_feedback_quote}”。{note}" if book.sign_feedback_quote
                    else f"{OFFICE_SETTING}：{note}。填写天数后，交办通知单按此要求签收、反馈，汇总表统计逾期")
        if key == "min_cases" and book.min_cases_quote:
            note = f"{note}。方案：“{book.min_cases_quote}”"
        if key == "reporting.due_day" and book.due_day_basis:
            note = f"{note}。{book.due_day_basis}"
        if key == "collective_amount":
            note = (f"{OFFICE_SETTING}：方案只写“{book.collective_quote}”，未规定金额。{note}" if book.collective_quote
                    else f"{OFFICE_SETTING}：{note}")
        if key == "zero_report":
            note = f"方案规定：“{book.zero_report_quote}”。{note}" if book.zero_report_quote else f"{OFFICE_SETTING}：{note}"
        if key == "approve_cases" and book.approve_quote:
            note = f"方案规定：“{book.approve_quote}”。{note}"
        if key == "deadline_rule" and book.deadline_rule_quote:
            note = f"{note}。本专项行动方案：“{book.deadline_rule_quote}”"
        rows.append((label, "" if value is None else value, note))
    # the plan's tiers (seed 004: its 时限规则 and sentence); otherwise the office switched them on
    plan_tiers = book.deadline_rule == "按复杂程度" and bool(book.deadline_rule_quote)
    if not book.tiers:
        rows.append((TIERS_KEY, "不设", f"{OFFICE_SETTING}：本专项行动方案未规定按复杂程度分档的办结时限，填报表不设“复杂程度”列。"
                                      "办公室需要时填“是”：按一般5个工作日、较复杂10个工作日、特别复杂20个工作日、极特殊经申请同意"
                                      "1个月增设档次（保存后列为“时限档次·”各行，可修改），“时限规则”改为“按复杂程度”后按档次计算时限"))
    elif not plan_tiers:
        rows.append((TIERS_KEY, "是", f"{OFFICE_SETTING}：办公室启用的复杂程度档次（见下方“时限档次·”各行）；"
                                    "填“不设”并删除各行即停用"))
    for t in book.tiers:
        note = "需经申请同意" if t.needs_approval else "复杂程度为该档次时的办结时限"
        if not plan_tiers:
            note = f"{OFFICE_SETTING}：{note}"
        rows.append((TIER_PREFIX + t.name, t.describe(), note))
    for r in book.task_rhythms:
        rows.append((TASK_ALIAS_PREFIX + r.name, "、".join(r.aliases),
                     f"{OFFICE_SETTING}：单位填写的任务类型为这些简称时，记为方案的“{r.name}”（{CADENCE_ZH[r.cadence]}），"
                     f"并在合并记录中提示。多个用顿号分隔，留空表示只认方案名称；请只填只能指这一种任务类型的简称"
                     f"（方案：“{book.task_rhythm_quote}”）"))
    rows.append((FOLDER_KEY, "", "“合并报送”上次选择的报送文件夹（自动记录）"))
    rows.append((VERSION_KEY, SETTINGS_VERSION, "台账助手写入的设置版本（自动记录，请勿修改）：没有此行的台账总表由旧版本创建，"
                                                "打开时其旧默认值按方案更正并在“提醒”中说明"))
    return rows


_PERIOD = re.compile(r"^\s*(\d+)\s*(个)?\s*(工作日|月)\s*$")


def rulebook_from_sheets(rows: list[tuple[int, str, object]], lists: dict[str, list], origin: str) -> tuple[Rulebook, dict[str, str]]:
    """参数设置 rows (row number, 参数, 值) plus the list sheets → (Rulebook, extras).

    ``extras`` holds settings that are not part of the rulebook (the folder).
    """
    inverse_cadence = {v: k for k, v in CADENCE_ZH.items()}
    inverse_rank = {v: k for k, v in RANK_ZH.items()}
    by_label = {label: key for label, key, _ in SCALARS}
    data: dict = {"reporting": {}, "lights": {}, "tiers": []}
    extras: dict[str, str] = {}
    problems: list[str] = []
    tiers_on: bool | None = None  # the 复杂程度档次 row: None where it is absent (the plan's own tiers, seed 004)
    for rowno, label, value in rows:
        label = str(label or "").strip()
        if not label:
            continue
        text = "" if value is None else str(value).strip()
        if label.startswith(TIER_PREFIX):
            m = _PERIOD.match(text)
            name = label[len(TIER_PREFIX):]
            if not m:
                problems.append(f"第{rowno}行“{label}”的值“{text}”应写成“5个工作日”或“1个月”")
                continue
            tier = {"name": name, ("workdays" if m.group(3) == "工作日" else "months"): int(m.group(1))}
            if name == "极特殊":
                tier["needs_approval"] = True
            data["tiers"].append(tier)
            continue
        if label in (FOLDER_KEY, VERSION_KEY) or label.startswith(TASK_ALIAS_PREFIX):
            extras[label] = text  # 任务类型简称·: applied to the plan's task types (migrate_settings)
            continue
        if label == TIERS_KEY:
            tiers_on = text in ("是", "启用", "true", "True", "1")
            extras[label] = text
            continue
        key = by_label.get(label)
        if key is None:
            problems.append(f"第{rowno}行“{label}”不是可识别的参数")
            continue
        if key == "evidence_required" and text in ("", "无", "不要求"):
            data[key] = []
            continue
        if text == "":
            continue
        if key == "reporting.cadence":
            value = inverse_cadence.get(text, text)
        elif key == "lights.rank_rule":
            value = inverse_rank.get(text, text)
        elif key in BOOL_KEYS:
            value = text in ("是", "true", "True", "1")
        elif key == "extracts_by":
            value = {v: k for k, v in EXTRACTS_ZH.items()}.get(text, text)
        elif key == "bulletins":
            value = []
            for part in (p.strip() for p in re.split(r"[、,，;；]+", text) if p.strip()):
                name, _, every = part.replace(":", "：").partition("：")
                value.append({"name": name.strip(), "period": {v: k for k, v in BULLETIN_ZH.items()}.get(every.strip(),
                                                                                                     every.strip())})
        elif key in ("rules_off", "evidence_required", "visit_sources"):
            value = [p.strip() for p in re.split(r"[、,，\s]+", text) if p.strip()]
        elif key == "required_fields":
            by_header = {f.header: f.key for f in FIELDS}
            parts = [p.strip() for p in re.split(r"[、,，\s]+", text) if p.strip()]
            value = [by_header.get(p, p) for p in parts]  # an unknown header is named by the rulebook check
        elif isinstance(value, dt.datetime):
            value = value.date()
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        target = data
        parts = key.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    if problems:
        raise RulebookError(f"{origin} 的“参数设置”表有误：\n  " + "\n  ".join(problems))
    data.update(lists)
    # switched on (复杂程度档次 是, or 时限规则 按复杂程度), no 时限档次· row yet: seed 004's tiers to start from
    if not data["tiers"] and (tiers_on or data.get("deadline_rule") == "按复杂程度"):
        data["tiers"] = [t.model_dump() for t in DEFAULT_TIERS]
        extras[REWRITE_KEY] = "是"
    elif data["tiers"] and tiers_on is False and data.get("deadline_rule") != "按复杂程度":  # 不设: switched off
        data["tiers"] = []
        extras[REWRITE_KEY] = "是"
    if not data["tiers"]:
        data.pop("tiers")
    return parse_rulebook(data, f"{origin} 的“参数设置”等设置表"), extras


QUOTED = {"sign_feedback_quote": ("sign_workdays", "feedback_workdays"), "zero_report_quote": ("zero_report",),
          "min_cases_quote": ("min_cases",), "deadline_rule_quote": ("deadline_rule",), "due_day_basis": ("reporting",),
          "collective_quote": ("collective_amount",)}


def migrate_settings(book: Rulebook, extras: dict[str, str], labels: set[str]) -> tuple[Rulebook, list[str]]:
    """The settings of a built-in preset's master as the plan means them.

    A master made before this version (no 设置版本 row): the old defaults every preset then carried (签收 3 and 反馈 5
    working days, 实行零报告 是) become the plan's own where the plan sets none, and a setting whose row the old
    参数设置 did not have takes the plan's value; one note per change, for 提醒. Any master: the plan's sentence a
    setting rests on (not a 参数设置 row) comes back while the setting is still the plan's, so 参数设置 keeps saying
    方案规定 rather than 办公室设定. A master of the office's own rulebook is read as written."""
    from taizhang.rules.rulebook import builtin_rulebooks

    plan = builtin_rulebooks().get(book.id)
    if plan is None:
        return book, []
    update: dict = {}
    notes = []
    try:
        version = int(float(extras.get(VERSION_KEY) or 0))
    except ValueError:
        version = 0
    if version < 3 and not plan.tiers and book.deadline_rule != "按复杂程度" \
            and [t.model_dump() for t in book.tiers] == OLD_TIERS:
        update["tiers"] = []
        notes.append(f"台账总表由旧版本台账助手创建：“时限档次”（一般、较复杂、特别复杂、极特殊）为旧版本对所有专项行动的默认值，"
                     f"{plan.name}方案未规定按复杂程度分档，已不再使用（填报表不设“复杂程度”列，台账中已填的复杂程度保留）。"
                     f"如办公室确需此项，请在“参数设置”的“{TIERS_KEY}”中填“是”。")
    if not extras.get(VERSION_KEY):
        label_of = {key: label for label, key, _ in SCALARS}
        for key, old in OLD_DEFAULTS.items():
            mine, wanted = getattr(book, key), getattr(plan, key)
            if mine == old and wanted != old:
                update[key] = wanted
                shown = "是" if old is True else f"{old}个工作日"
                now = "否" if wanted is False else "不设（留空）" if wanted is None else str(wanted)
                notes.append(f"台账总表由旧版本台账助手创建：“{label_of[key]}”为旧版本对所有专项行动的默认值“{shown}”，"
                             f"{plan.name}方案未作此规定，已改为“{now}”。如办公室确需此项，请在“参数设置”中重新填写。")
        for label, key, _ in SCALARS:
            if label not in labels and "." not in key and key not in update and getattr(book, key) != getattr(plan, key):
                update[key] = getattr(plan, key)  # a row this master's version did not have: the plan's setting
    if not book.task_rhythms and plan.task_rhythms:  # the plan's task types (seed 004), no 参数设置 row of their own
        rhythms, alias_notes = task_types(plan.task_rhythms, extras)
        update["task_rhythms"] = rhythms
        update["task_rhythm_quote"] = plan.task_rhythm_quote
        notes += alias_notes
        if any(TASK_ALIAS_PREFIX + r.name not in extras for r in plan.task_rhythms):
            extras[REWRITE_KEY] = "是"  # a type's row missing (a master written before them, a row relabelled): written
            # again; a shortening set aside stays as the office wrote it, told on every reading until it is corrected
    for quote, keys in QUOTED.items():
        same = all(update.get(k, getattr(book, k)) == getattr(plan, k) for k in keys)
        if not getattr(book, quote) and getattr(plan, quote) and same:
            update[quote] = getattr(plan, quote)
    return (book.model_copy(update=update) if update else book), notes


def task_types(plan_rhythms, extras: dict[str, str]) -> tuple[list, list[str]]:
    """The plan's task types with the office's 任务类型简称· rows (``_with_aliases``), and a note for 提醒 on each row or
    shortening set aside: a row naming no type of the plan, a shortening that is another type's own name, or one
    written under two types (which of them it meant cannot be told: a monthly 重要任务 must never pass as a quarterly
    常规工作). What is set aside is not applied; the preset's shortenings stand where a type's row is missing."""
    from taizhang.fields import norm_text

    names = {r.name for r in plan_rhythms}
    notes = [f"参数设置“{label}”：方案没有“{label[len(TASK_ALIAS_PREFIX):]}”这一任务类型（方案的任务类型："
             f"{'、'.join(r.name for r in plan_rhythms)}），本行未采用，已按方案重写。"
             for label in extras if label.startswith(TASK_ALIAS_PREFIX) and label[len(TASK_ALIAS_PREFIX):] not in names]
    rhythms = [_with_aliases(r, extras) for r in plan_rhythms]
    own = {norm_text(r.name): r.name for r in plan_rhythms}
    under: dict[str, list[str]] = {}
    for r in rhythms:
        for a in r.aliases:
            under.setdefault(norm_text(a), []).append(r.name)
    dropped: set[str] = set()
    for a, types in under.items():
        others = [t for t in types if a in own and t != own[a]]
        if others:
            notes.append(f"参数设置中的任务类型简称“{a}”是方案任务类型“{own[a]}”的名称，不能作为"
                         f"{'、'.join(others)}的简称，未采用。")
            dropped.add(a)
        elif len(types) > 1:
            notes.append(f"参数设置中的任务类型简称“{a}”同时写在{'、'.join(types)}下，无法判断所指类型，未采用；"
                         "请只写在一个任务类型下。")
            dropped.add(a)
    if dropped:
        rhythms = [r.model_copy(update={"aliases": [a for a in r.aliases if norm_text(a) not in dropped]})
                   for r in rhythms]
    return rhythms, notes


def _with_aliases(rhythm, extras: dict[str, str]):
    """The plan's task type with the shortenings its 任务类型简称· row gives (the office's; no row, a master written
    before the row: the preset's)."""
    text = extras.get(TASK_ALIAS_PREFIX + rhythm.name)
    if text is None:
        return rhythm
    aliases = [p.strip() for p in re.split(r"[、,，;；\s]+", text) if p.strip()]
    return rhythm.model_copy(update={"aliases": list(dict.fromkeys(aliases))})
