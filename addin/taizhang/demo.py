"""A realistic sample campaign, reproducible from a seed.

Writes a unit list, a master workbook with existing cases, and one report
day's submissions made from the real templates — most filled in cleanly, a
few messy the way units really send them (title and 填报单位 lines, a two-row
merged header, renamed and reordered columns, dates in five styles,
full-width digits, a totals row, a hidden sheet and a hidden row, an
instruction sheet first, an alias unit name, a zero report, a late file, a
corrupt file, an Excel lock file) and one unit that does not report at all (and, seed 004, one whose tasks are
all 常规工作, which owes no report outside a quarter's last month and sends none).
Where the campaign's plan has no 零报告, the sample's office switches it on as its own setting (参数设置 says so),
so that the zero report is shown. The demo, the tests and the benchmarks all use it.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook

from taizhang.rules.rulebook import find_rulebook

TOWNS = ["城关镇", "东城街道", "西城街道", "南湖街道", "北山镇", "河口镇", "青石镇", "柳河镇", "新华街道", "白沙镇",
         "红旗街道", "太平镇", "安乐镇", "永宁镇", "长青街道", "金山镇"]
DEPTS = [("区发展和改革委员会", "区发改委"), ("区工业和信息化局", "区工信局"), ("区商务局", ""), ("区财政局", ""),
         ("区自然资源局", "区自然资源分局"), ("区住房和城乡建设局", "区住建局"), ("区人力资源和社会保障局", "区人社局"),
         ("区市场监督管理局", "区市场监管局"), ("区生态环境局", "区环保局"), ("区交通运输局", "区交通局"),
         ("区农业农村局", "区农业局"), ("区教育局", ""), ("区卫生健康委员会", "区卫健委"), ("区城市管理局", "区城管局"),
         ("区行政审批局", "区审批局"), ("区应急管理局", "区应急局")]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅志文斌鹏宇浩然晨辉玲婷雪峰海波俊"
COMPANY = ["宏达", "鑫源", "华泰", "瑞丰", "恒信", "盛世", "永安", "金桥", "长城", "东方", "天成", "博远"]
ISSUES = ["承诺的厂房租金补贴至今未兑现", "工程款尾款拖欠三年未支付", "土地出让合同约定的配套道路未建设",
          "法院判决的补偿款长期未执行", "征地拆迁补偿标准争议未解决", "招商引资奖励资金未按协议拨付",
          "政府采购服务费拖欠", "园区供水供电配套承诺未落实", "项目审批手续久拖不决", "历史遗留产权证办理停滞",
          "企业搬迁补偿款未足额支付", "合作协议约定的税收返还未兑现"]
PROGRESS = ["已召开协调会，明确责任分工", "正在核实债权债务数额", "已制定分期支付方案", "已与企业达成初步意见",
            "等待上级资金下达", "已完成审计核算", "已提交区政府常务会研究"]


@dataclass
class SampleSet:
    root: Path
    master: Path
    submissions: Path
    units_file: Path
    today: dt.date
    preset: str
    missing_unit: str = ""
    zero_unit: str = ""
    late_unit: str = ""
    quiet_unit: str = ""  # seed 004: every open task 常规工作 (季报告), so it owes no report in a quarter's first months
    messy: dict[str, str] = field(default_factory=dict)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def unit_list(preset_types: list[str], n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    towns = TOWNS[: n // 2]
    depts = DEPTS[: n - len(towns)]
    extra = n - len(towns) - len(depts)
    if extra > 0:  # benchmark sizes: numbered communities beyond the named towns and departments
        towns = towns + [f"第{i}社区" for i in range(1, extra + 1)]
    town_type = next((t for t in preset_types if "镇" in t or "乡" in t), preset_types[0])
    dept_types = [t for t in preset_types if t != town_type] or preset_types
    rows = [(t, town_type, (t.replace("镇", "") + "镇政府") if t.endswith("镇") else
             t.replace("街道", "办事处") if t.endswith("街道") else f"{t}居委会") for t in towns]
    rows += [(d, dept_types[i % len(dept_types)], a) for i, (d, a) in enumerate(depts)]
    return rows


def _case(rng: random.Random, book, unit: str, assigned: dt.date, today: dt.date) -> dict:
    cat = rng.choice(book.categories).name
    status = rng.choices(["整改中", "未启动", "已办结", "已销号"], weights=[6, 1, 3, 1])[0]
    names = [t.name for t in book.tiers] or ["一般", "较复杂", "特别复杂", "极特殊"]  # drawn alike: the same stream
    tier = rng.choices(names, weights=[5, 3, 2, 1][: len(names)])[0] if book.tiers else None
    c = {"unit": unit, "source": rng.choice(book.sources), "category": cat,
         "description": f"{rng.choice(COMPANY)}{rng.choice(['有限公司', '实业公司', '建设集团'])}反映{rng.choice(ISSUES)}",
         "subject": f"{rng.choice(COMPANY)}{rng.choice(['有限公司', '股份有限公司'])}",
         "amount": round(rng.uniform(5, 900), 1), "leader": _name(rng), "person": _name(rng), "phone": _phone(rng),
         "measures": "成立专班，逐项对账，限期解决", "target": "按期化解，企业满意", "assigned": assigned,
         "complexity": tier, "progress": rng.choice([10, 30, 50, 70, 90]), "progress_note": rng.choice(PROGRESS),
         "status": status}
    if rng.random() < 0.4:  # the office wrote a deadline on the case (it prevails over the campaign's 时限规则)
        c["deadline"] = assigned + dt.timedelta(days=rng.randrange(14, 75))
    if book.deadline_rule == "按整改方式":
        c["rectify_mode"] = rng.choices(["立行立改", "限时整改", "持续整改"], weights=[3, 5, 2])[0]
        if c["rectify_mode"] == "限时整改" and "deadline" not in c:
            c["deadline"] = assigned + dt.timedelta(days=rng.randrange(20, 90))
    if status in ("已办结", "已销号"):
        c["done_date"] = min(today - dt.timedelta(days=1), assigned + dt.timedelta(days=rng.randrange(3, 40)))
        c["progress"] = 100
    if status == "已销号":
        c["closer"] = _name(rng)
        c["closed_date"] = min(today - dt.timedelta(days=1), c["done_date"] + dt.timedelta(days=3))
    if book.task_rhythms:  # seed 004: "常规工作实行季报告，重要任务实行月报告，紧急的重点事项实行一事一报"
        c["task_type"] = rng.choices([r.name for r in book.task_rhythms], weights=[5, 3, 1][: len(book.task_rhythms)])[0]
    return c


def generate(root: str | Path, preset: str = "xinguan", seed: int = 7, today: dt.date = dt.date(2026, 11, 20),
             n_units: int = 24, cases_per_unit: tuple[int, int] = (2, 5), messy: bool = True) -> SampleSet:
    import pandas as pd

    from taizhang.book.ledger_sheet import save_master
    from taizhang.book.master import create_master, empty_ledger, load_master
    from taizhang.book.template import write_templates
    from taizhang.intake.units import read_unit_file

    rng = random.Random(seed)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    book = find_rulebook(preset).for_year(today.year)
    if messy and not book.zero_report:  # the sample shows a 零报告: here the office's own setting (labelled so in 参数设置)
        book = book.model_copy(update={"zero_report": True})
    units_file = root / "成员单位.csv"
    rows = unit_list(book.unit_types, n_units, rng)
    units_file.write_text("单位名称,单位类型,别名\n" + "\n".join(f"{n},{t},{a}" for n, t, a in rows) + "\n", encoding="utf-8-sig")
    master_path = root / f"{book.name}台账.xlsx"
    if master_path.exists():
        master_path.unlink()
    units = read_unit_file(units_file)
    create_master(master_path, book, units)
    master = load_master(master_path)
    records = []
    for u in units.units:
        for k in range(rng.randint(*cases_per_unit)):
            # most cases are recent; some date from earlier in the campaign year, in its earlier stages
            assigned = today - dt.timedelta(days=rng.randrange(3, 45) if rng.random() < 0.6 else rng.randrange(45, 230))
            c = _case(rng, book, u.name, assigned, today)
            c["case_id"] = f"{u.code}-{today.year}-{k + 1:03d}"
            c["updated_on"] = today - dt.timedelta(days=30)
            records.append(c)
    quiet = ""
    if book.task_rhythms:  # seed 004: "常规工作实行季报告，重要任务实行月报告，紧急的重点事项实行一事一报"
        # the units shown missing and late owe this month's report: each holds an open 重要任务
        monthly = next((r.name for r in book.task_rhythms if r.cadence == "monthly"), None)
        for u in (units.units[-1], units.units[min(4, len(units.units) - 1)]):
            c = next((c for c in records if c["unit"] == u.name and c["status"] in ("整改中", "未启动")), None)
            if c is not None and monthly:
                c["task_type"] = monthly
        # and one unit has only 常规工作: outside a quarter's last month it owes no report, and sends none
        quarterly = next((r.name for r in book.task_rhythms if r.cadence == "quarterly"), None)
        alias = next((u.name for u in units.units[2:] if u.aliases), "")
        names = [u.name for u in units.units]
        if quarterly and messy and len(names) >= 8 and today.month not in (3, 6, 9, 12) and \
                names[-2] not in {*names[:5], names[-1], alias}:
            quiet = names[-2]
            for c in records:
                if c["unit"] == quiet:
                    c["task_type"] = quarterly
    ledger = pd.concat([empty_ledger(), pd.DataFrame(records)], ignore_index=True).astype(object)
    ledger = ledger.where(ledger.notna(), None)
    ledger.loc[0, "office_opinion"] = "请于月底前拿出解决方案，逾期约谈"
    master.ledger = ledger
    save_master(master, master_path)
    master = load_master(master_path)

    subs = root / "报送"
    subs.mkdir(exist_ok=True)
    for old in subs.iterdir():
        old.unlink()
    written = write_templates(master, subs, today)
    sample = SampleSet(root, master_path, subs, units_file, today, book.id)
    by_unit = dict(zip([u.name for u in units.units], written))
    names = list(by_unit)
    sample.missing_unit = names[-1]
    by_unit[names[-1]].unlink()
    if quiet:
        sample.quiet_unit = quiet
        by_unit.pop(quiet).unlink()
    if messy:
        sample.zero_unit = names[1]
        _zero_report(by_unit[names[1]])
        sample.messy[names[0]] = "two-row header, renamed columns, text dates, totals row, hidden sheet and row"
        by_unit[names[0]].unlink()
        _messy_submission(subs / f"{names[0]}（盖章）报送.xlsx", master, names[0], rng, today)
        alias_unit = next(u for u in units.units[2:] if u.aliases)
        src = by_unit[alias_unit.name]
        alias_path = subs / f"{alias_unit.aliases[0]}-报送表.xlsx"
        _fill_template(src, master, alias_unit.name, rng, today, alias=alias_unit.aliases[0])
        src.rename(alias_path)
        sample.messy[alias_unit.name] = "alias unit name in file and cells"
        (subs / ("~$" + by_unit[names[3]].name)).write_bytes(b"\x00" * 162)
        (subs / "损坏的报送表.xlsx").write_bytes(b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(300)))
        (subs / "报送说明.txt").write_text("各单位请于每月20日前报送。", encoding="utf-8")
        skip = {names[0], names[1], alias_unit.name, names[-1]}
    else:
        skip = {names[-1]}
    for name, path in by_unit.items():
        if name in skip:
            continue
        _fill_template(path, master, name, rng, today)
    due = today.replace(day=min(book.reporting.due_day, 28)) if book.reporting.cadence == "monthly" else today
    if messy:  # one unit fills its file in the day after the due date, and says so (填报日期)
        sample.late_unit = names[4]
        _date_line(by_unit[sample.late_unit], due + dt.timedelta(days=1))
    # every file's modification time says "on time", the late unit's too: lateness never rests on it
    on_time = time.mktime((due - dt.timedelta(days=1)).timetuple())
    for p in subs.iterdir():
        os.utime(p, (on_time, on_time))
    return sample


def _fill_template(path: Path, master, unit: str, rng: random.Random, today: dt.date, alias: str | None = None) -> None:
    """What a diligent unit does: update progress on its open cases, add one or two new ones."""
    from taizhang.book.template import HEADER_ROW, template_fields
    from taizhang.xlsx.xlsxout import put

    wb = load_workbook(path)
    ws = wb["台账"]
    col = {f.key: i for i, f in enumerate(template_fields(master.rulebook), 1)}
    row = HEADER_ROW + 1
    while ws.cell(row=row, column=col["description"]).value:
        status = ws.cell(row=row, column=col["status"]).value
        if status in ("整改中", "未启动") and rng.random() < 0.6:
            if rng.random() < 0.3:
                put(ws, row, col["status"], "已办结")
                put(ws, row, col["done_date"], today - dt.timedelta(days=rng.randrange(1, 5)))
                put(ws, row, col["progress"], 100)
            else:
                put(ws, row, col["status"], "整改中")
                put(ws, row, col["progress"], min(95, (ws.cell(row=row, column=col["progress"]).value or 0) + 20))
                put(ws, row, col["progress_note"], rng.choice(PROGRESS))
        if alias:
            put(ws, row, col["unit"], alias)
        row += 1
    for _ in range(rng.randint(0, 2)):
        c = _case(rng, master.rulebook, alias or unit, today - dt.timedelta(days=rng.randrange(1, 10)), today)
        c["status"] = "整改中"
        for k in ("done_date", "closer", "closed_date"):
            c.pop(k, None)
        for k, v in c.items():
            if k in col:
                put(ws, row, col[k], v)
        row += 1
    wb.save(path)


def _date_line(path: Path, day: dt.date) -> None:
    """A 填报日期 line above the header, as units write it beside 填报单位."""
    from taizhang.book.template import HEADER_ROW
    from taizhang.xlsx.xlsxout import put

    wb = load_workbook(path)
    ws = wb["台账"]
    put(ws, HEADER_ROW - 1, 10, f"填报日期：{day.year}年{day.month}月{day.day}日")
    wb.save(path)


def _zero_report(path: Path) -> None:
    from taizhang.book.template import HEADER_ROW
    from taizhang.xlsx.xlsxout import put

    wb = load_workbook(path)
    ws = wb["台账"]
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        for cell in row:
            cell.value = None
    put(ws, HEADER_ROW + 1, 1, "零报告")
    wb.save(path)


def _messy_submission(path: Path, master, unit: str, rng: random.Random, today: dt.date) -> None:
    """A unit that built its own sheet: every irregularity the reader must cope with."""
    from taizhang.xlsx.xlsxout import put

    book = master.rulebook
    wb = Workbook()
    guide = wb.active
    guide.title = "填表说明"
    put(guide, 1, 1, "填表说明：本表由本单位自行整理，日期格式不统一。")
    junk = wb.create_sheet("草稿")
    for c, h in enumerate(["问题编号", "责任单位", "问题类别", "问题描述", "办理状态"], 1):
        put(junk, 1, c, h)
    put(junk, 2, 4, "这是隐藏的草稿，不应导入")
    junk.sheet_state = "hidden"
    ws = wb.create_sheet("问题台账")
    put(ws, 1, 1, f"{book.name}问题台账")
    filled = today - dt.timedelta(days=5)  # before the month's due date (the 20th) on the sample's report day
    put(ws, 2, 1, f"填报单位：{unit}（盖章）    填报时间：{filled.isoformat()}")
    # two-row header: group headers merged over their sub-columns
    layout = [("序号", None), ("问题类型", None), ("问题描述", None), ("责任部门", None), ("线索来源", None),
              ("交办日期", None), ("整改情况", "整改措施"), ("整改情况", "完成时限"), ("整改情况", "办理状态"),
              ("整改情况", "完成进度"), ("责任人员", "牵头领导"), ("责任人员", "具体责任人"), ("责任人员", "联系电话"),
              ("涉及金额（元）", None), ("办结日期", None), ("本单位内部编号", None)]
    for c, (top, sub) in enumerate(layout, 1):
        put(ws, 3, c, top)
        if sub:
            put(ws, 4, c, sub)
        else:
            ws.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
    starts = {}
    for c, (top, sub) in enumerate(layout, 1):
        if sub:
            starts.setdefault(top, [c, c])[1] = c
    for a, b in starts.values():
        ws.merge_cells(start_row=3, start_column=a, end_row=3, end_column=b)
    date_styles = [lambda d: f"{d.year}年{d.month}月{d.day}日", lambda d: f"{d.year}.{d.month}.{d.day}",
                   lambda d: f"{d.year}/{d.month}/{d.day}", lambda d: f"{d.year}-{d.month}-{d.day}",
                   lambda d: f"{d.month}月{d.day}日", lambda d: d]
    r = 5
    for k in range(6):
        c = _case(rng, book, unit, today - dt.timedelta(days=rng.randrange(2, 40)), today)
        style = date_styles[k % len(date_styles)]
        values = [k + 1, c["category"], c["description"], unit, c["source"], style(c["assigned"]), c["measures"],
                  None, "推进中" if k % 2 else "正在推进", f"{c['progress']}%", c["leader"], c["person"], int(c["phone"]),
                  f"{int(c['amount'] * 10000):,}", None, f"内{k + 1:02d}"]
        if k == 1:
            values[7] = "２０２６年１２月３１日"  # full-width digits
        if k == 3:
            values[1] = "乱收费"  # not a category of this campaign: must be rejected with a reason
        for col, v in enumerate(values, 1):
            put(ws, r, col, v)
        r += 1
    ws.row_dimensions[r].hidden = True
    for col, v in enumerate([99, book.categories[0].name, "隐藏行：已删除的问题", unit], 1):
        put(ws, r, col, v)
    r += 1
    put(ws, r, 1, "合计")
    put(ws, r, 3, "6个问题")
    put(ws, r + 2, 1, "注：本表由本单位自行整理")
    wb.active = 2
    wb.save(path)
