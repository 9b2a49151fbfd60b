"""The command line: parse, call one job, present the result. Nothing else lives here.

Heavy modules are imported inside each command so ``taizhang --help`` and a
ribbon click start fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

COMMANDS = {
    "new": "创建台账总表（按预案生成参数、成员单位、问题类别、节假日、台账等工作表）",
    "presets": "列出内置的专项行动预案",
    "validate": "校验一个报送文件，按行列出问题（可生成标注副本）",
    "workday": "计算 N 个工作日之后（或 N 个月期间届满）的日期",
    "status": "重新计算台账的整改时限、剩余工作日和红绿灯",
    "template": "为每个成员单位生成预填本单位问题的填报模板",
    "assign": "交办：给办公室登记的问题和线索编号、定单位、定时限，记录转办，生成各单位交办通知单",
    "merge": "合并报送：把报送文件夹中的各单位报送表合并进台账总表",
    "summary": "生成领导汇总表（红绿灯排行榜、分类统计、督办清单、通报草稿）",
    "run": "报送日一键完成：合并报送、时限与红绿灯、汇总表、通报草稿和督办通知单",
    "notice": "生成通报草稿（Word 公文格式，GB/T 9704-2012），可为有超期问题的单位各生成一份督办通知单",
    "demo": "生成示例专项行动（台账总表、各单位报送表）并运行一次报送日流程",
    "addin": "构建或安装 Excel 加载项（台账助手选项卡）",
    "serve": "在本机浏览器中打开台账助手网页（供只有 WPS、不能用 Excel 加载项的电脑使用）",
}


def _date(text: str) -> dt.date:
    from taizhang.intake.normalize import parse_date_text

    d, _ = parse_date_text(text, None)
    if d is None:
        raise argparse.ArgumentTypeError(f"“{text}”不是日期，请写成 YYYY-MM-DD")
    return d


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="taizhang", description="台账助手：专项行动台账的校验、合并、时限、红绿灯与汇总。")
    p.add_argument("--version", action="version", version=f"taizhang {__import__('taizhang').__version__}")
    sub = p.add_subparsers(dest="command", metavar="命令")

    def cmd(name: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=COMMANDS[name], description=COMMANDS[name])

    c = cmd("new")
    c.add_argument("master", help="要创建的台账总表文件（.xlsx）")
    c.add_argument("--preset", required=True, help="预案编号或名称，如 xinguan、新官不理旧账，或规则文件路径")
    c.add_argument("--units", help="成员单位名单（.csv 或 .xlsx，列：单位名称、单位类型、别名）")
    c.add_argument("--year", type=int, help="专项行动所在年份：预案的工作阶段按此年份排定（默认今年；每年重复的阶段不受影响）")

    cmd("presets")

    c = cmd("validate")
    c.add_argument("file", help="要校验的报送文件")
    c.add_argument("--master", help="台账总表（用于类别、单位名单等）；不给出时用 --preset 的预案")
    c.add_argument("--preset", help="没有台账总表时使用的预案；都不给出时按文件中的问题类别推断，并说明推断结果")
    c.add_argument("--today", type=_date, help="报送日（默认今天）")
    c.add_argument("--json", action="store_true", help="输出 JSON")
    c.add_argument("--marked", help="另存一份标注了问题单元格的副本")

    c = cmd("workday")
    c.add_argument("date", type=_date, help="起算日期（当日不计入）")
    c.add_argument("n", type=int, nargs="?", help="工作日数")
    c.add_argument("--month", type=int, help="按月计算的期间（民法典第二百零二条）")
    c.add_argument("--master", help="台账总表（使用其“节假日”表中的本地放假和调休）")

    c = cmd("status")
    c.add_argument("master")
    c.add_argument("--today", type=_date, help="计算基准日（默认今天）")
    c.add_argument("--out", help="另存为新文件（不给出时原地更新并备份）")
    c.add_argument("--json", action="store_true")

    c = cmd("template")
    c.add_argument("master")
    c.add_argument("--out", required=True, help="模板输出文件夹")
    c.add_argument("--unit", help="只生成这个单位的模板")
    c.add_argument("--today", type=_date, help="报送期所在日期（默认今天）")

    c = cmd("assign")
    c.add_argument("master")
    c.add_argument("--today", type=_date, help="交办日期（默认今天）")
    c.add_argument("--clues", help="线索清单（.xlsx/.csv，如 12345 热线、信访系统导出的表）")
    c.add_argument("--units-dir", help="交办通知单（.docx）输出文件夹，每个收到问题的单位一份")
    c.add_argument("--out", help="另存为新文件（不给出时原地更新并备份）")
    c.add_argument("--json", action="store_true", help="输出 JSON（交办、转办、待指定单位、重复线索）")

    c = cmd("merge")
    c.add_argument("master")
    c.add_argument("folder", help="报送文件夹（含子文件夹）")
    c.add_argument("--today", type=_date, help="报送日（默认今天）")
    c.add_argument("--out", help="合并结果另存为新文件（不给出时原地更新并备份）")
    c.add_argument("--json", action="store_true")
    c.add_argument("--strict", action="store_true", help="有退回的行或文件时以状态码 1 退出")

    c = cmd("summary")
    c.add_argument("master")
    c.add_argument("--today", type=_date)
    c.add_argument("--out", help="汇总表文件（默认在台账总表旁边）")
    c.add_argument("--public", action="store_true", help="公开版：只含单位和统计数字，不含个人信息和问题描述")
    c.add_argument("--json", action="store_true")

    c = cmd("notice")
    c.add_argument("master")
    c.add_argument("--today", type=_date, help="统计基准日（默认今天）")
    c.add_argument("--out", help="通报草稿文件（.docx，默认在台账总表旁边）")
    c.add_argument("--units-dir", help="督办通知单输出文件夹：每个有超期（红灯）问题的单位一份")
    c.add_argument("--public", action="store_true", help="公开版：不含个人信息和问题描述")
    c.add_argument("--json", action="store_true")

    c = cmd("run")
    c.add_argument("master")
    c.add_argument("folder")
    c.add_argument("--today", type=_date)
    c.add_argument("--out-dir", help="输出文件夹（不给出时原地更新台账总表并备份，汇总表写在旁边）")

    c = cmd("demo")
    c.add_argument("--out", default="workbooks/samples", help="示例输出文件夹（默认 workbooks/samples）")
    c.add_argument("--preset", default="xinguan")
    c.add_argument("--seed", type=int, default=7)
    c.add_argument("--today", type=_date, default=dt.date(2026, 11, 23), help="示例的报送日（默认 2026-11-23）")

    c = cmd("addin")
    c.add_argument("action", choices=["build", "install"])
    c.add_argument("--out", default="taizhang.xlam", help="build：输出的 .xlam 文件")
    c.add_argument("--target", default=None, help="install：把加载项和 taizhang.conf 写入此文件夹（任何系统；默认 Windows 的 XLSTART）")
    c.add_argument("--interpreter", default=None, help="install：写入配置的 pythonw.exe 路径（默认当前 Python 旁的 pythonw.exe）")

    c = cmd("serve")
    c.add_argument("--port", type=int, help="端口（默认 8765，被占用时自动另选）")
    c.add_argument("--no-browser", action="store_true", help="不自动打开浏览器（只显示网址）")
    c.add_argument("--folder", default=".", help="台账总表所在的文件夹（默认当前文件夹）")
    return p


def _print_json(obj) -> None:
    from pydantic import BaseModel

    if isinstance(obj, BaseModel):
        sys.stdout.write(obj.model_dump_json(indent=2) + "\n")
    else:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


def _say(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def main(argv: list[str] | None = None) -> int:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
        sys.stderr.reconfigure(encoding="utf-8")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    from taizhang import errors
    from taizhang.xlsx.storage import replaced_files

    already = len(replaced_files())  # main() may run many times in one process (tests, the web door)
    try:
        return int(globals()[f"cmd_{args.command}"](args) or 0)
    except KeyboardInterrupt:
        sys.stderr.write("已取消。正在写入的文件不会被替换（写入总是先写临时文件）。\n")
        return errors.EXIT_CANCELLED
    except BaseException as exc:  # a Rust panic in a reader is a BaseException too: still one line, never a traceback
        if isinstance(exc, SystemExit):
            raise
        code = errors.outcome(exc)
        if code == errors.EXIT_USER:
            sys.stderr.write(f"错误：{exc}\n")
        else:  # a bug of ours: the user gets one line and the log
            log = errors.log_exception(f"taizhang {' '.join(argv if argv is not None else sys.argv[1:])}")
            sys.stderr.write(f"错误：{errors.bug_message(log, replaced_files()[already:])}\n")
        return code


def cmd_presets(args) -> int:
    from taizhang.rules.rulebook import builtin_rulebooks

    for book in builtin_rulebooks().values():
        _say(f"{book.id:12s} {book.name}（seed {book.seed}，{len(book.categories)}个问题类别）")
    return 0


def cmd_new(args) -> int:
    from taizhang.book.master import create_master
    from taizhang.intake.units import read_unit_file
    from taizhang.rules.rulebook import find_rulebook

    year = args.year or dt.date.today().year
    if not 1990 <= year <= 2100:
        _say(f"年份 {year} 不在 1990—2100 之间，请检查 --year。")
        return 2
    book = find_rulebook(args.preset).for_year(year)
    units = read_unit_file(args.units) if args.units else None
    path = create_master(args.master, book, units)
    _say(f"已创建台账总表：{path}（预案：{book.name}，工作阶段按{year}年排定，成员单位{len(units) if units else 0}个）")
    return 0


def cmd_validate(args) -> int:
    from taizhang.book.master import load_master
    from taizhang.findings import Finding
    from taizhang.rules.rulebook import find_rulebook
    from taizhang.rules.validate import validate_file

    today = args.today or dt.date.today()
    if args.master:
        m = load_master(args.master, ledger=False)  # its units and categories; the cases are not needed
        book, units = m.rulebook, m.units
    else:
        book, units = (find_rulebook(args.preset) if args.preset else None), None
    from taizhang.rules.validate import PresetUnknown

    try:
        report, checked = validate_file(args.file, rulebook=book, units=units, today=today)
    except PresetUnknown as exc:
        _say(str(exc))
        return 2
    if report.preset_note and not args.json:
        _say(report.preset_note)
    if args.marked and not checked.read.failed:
        from taizhang.book.marked import write_marked

        write_marked(checked.read, report.findings, args.marked)
    if args.json:
        _print_json(report)
    else:
        _say(f"{report.file}：工作表“{report.sheet or '-'}”，{report.rows}行，其中{report.rows_with_errors}行有错误；"
             f"错误{report.counts['error']}个，提醒{report.counts['warning']}个。")
        if report.unit:
            _say(f"报送单位：{report.unit}")
        if report.rows_skipped:
            from taizhang.jobs import skipped_text

            _say(skipped_text(report.rows_skipped))
        by_row: dict[int | None, list[Finding]] = {}
        for f in report.findings:
            if f.severity != "info":
                by_row.setdefault(f.row, []).append(f)
        for row in sorted(by_row, key=lambda r: r or 0):
            _say(f"\n第{row}行：" if row else "\n文件：")
            for f in by_row[row]:
                where = f"{f.column}列" + (f"（{f.header}）" if f.header else "") if f.column else (f"“{f.header}”" if f.header else "")
                _say(f"  [{'错误' if f.severity == 'error' else '提醒'}] {where}{'：' if where else ''}{f.message}")
        if args.marked and not checked.read.failed:
            _say(f"\n已生成标注副本：{args.marked}")
    if checked.read.failed:
        return 2
    return 1 if report.counts["error"] else 0


def cmd_workday(args) -> int:
    from taizhang.calendar.workdays import WorkCalendar, estimate_warning

    holidays = {}
    if args.master:
        from taizhang.book.master import load_master

        holidays = load_master(args.master, ledger=False).holidays
    cal = WorkCalendar(holidays)
    if args.month is not None:
        result = cal.add_months(args.date, args.month)
    elif args.n is not None:
        result = cal.add_workdays(args.date, args.n)
    else:
        raise SystemExit("请给出工作日数 N，或用 --month M 计算月期间")
    _say(result.isoformat())
    for y in cal.estimate_years(args.date, result):
        sys.stderr.write(f"提醒：{estimate_warning(y)}\n")
    return 0


def cmd_status(args) -> int:
    from taizhang.jobs import run_status

    res = run_status(args.master, args.today or dt.date.today(), args.out)
    if args.json:
        _print_json({"cases": [c.model_dump(mode="json") for c in res.cases], "warnings": res.warnings})
        return 0
    counts: dict[str | None, int] = {}
    for c in res.cases:
        counts[c.light] = counts.get(c.light, 0) + 1
    _say(f"已计算{len(res.cases)}个问题的时限和红绿灯（基准日 {res.as_of}）：红灯{counts.get('red', 0)}，黄灯{counts.get('yellow', 0)}，"
         f"绿灯{counts.get('green', 0)}，已办结{counts.get('done', 0)}，已销号{counts.get('closed', 0)}，无法计算{counts.get(None, 0)}。")
    _say(f"已写入：{res.out}" + (f"（原文件已备份到 {res.backup}）" if res.backup else ""))
    for w in res.warnings:
        _say(f"提醒：{w}")
    for f in res.issues:
        if f.severity == "error":
            _say(f"  第{f.row}行：{f.message}")
    return 0


def cmd_template(args) -> int:
    from taizhang.book.master import load_master
    from taizhang.book.template import write_templates

    m = load_master(args.master)
    paths = write_templates(m, args.out, args.today or dt.date.today(), args.unit)
    _say(f"已生成{len(paths)}个填报模板，位于 {args.out}")
    return 0


def cmd_assign(args) -> int:
    from taizhang.jobs import assign_text, run_assign

    res = run_assign(args.master, args.today or dt.date.today(), args.clues, args.units_dir, args.out)
    if args.json:
        _print_json(res)
    else:
        for line in assign_text(res):
            _say(line)
    return 0


def cmd_merge(args) -> int:
    from taizhang.jobs import merge_text, run_merge

    outcome = run_merge(args.master, args.folder, args.today or dt.date.today(), args.out)
    res = outcome.result
    if args.json:
        _print_json(res)
    else:
        for line in merge_text(res, outcome.out, outcome.backup):
            _say(line)
        if res.rows_rejected:
            _say(f"退回的{res.rows_rejected}行见台账总表的“退回清单”工作表。")
    rejected = res.rows_rejected or any(f.status == "rejected" for f in res.files)
    return 1 if args.strict and rejected else 0


def cmd_summary(args) -> int:
    from taizhang.jobs import default_summary_path, run_summary

    today = args.today or dt.date.today()
    out = Path(args.out) if args.out else default_summary_path(Path(args.master), today, args.public)
    figs = run_summary(args.master, today, out, args.public)
    if args.json:
        _print_json(figs)
    else:
        t = figs.totals
        _say(f"已生成汇总表：{out}")
        _say(f"共{t.total}个问题，已办结{t.done}，已销号{t.closed}，办结率{t.completion_rate:g}%；超期{t.red}，预警{t.yellow}。")
    return 0


def cmd_notice(args) -> int:
    from taizhang.jobs import run_notice

    res = run_notice(args.master, args.today or dt.date.today(), args.out, args.units_dir, args.public)
    if args.json:
        _print_json(res)
    else:
        _say(f"已生成通报草稿：{res.notice}（请办公室修改定稿）")
        if args.units_dir is not None:
            _say(f"督办通知单{len(res.supervision)}份（回复期限 {res.reply_by}）：{args.units_dir}"
                 if res.supervision else "没有超期（红灯）问题，未生成督办通知单。")
    return 0


def cmd_run(args) -> int:
    from taizhang.jobs import default_notice_path, default_summary_path, merge_text, run_merge, save_notice, save_summary

    today = args.today or dt.date.today()
    master = Path(args.master)
    out_master = Path(args.out_dir) / master.name if args.out_dir else None
    outcome = run_merge(master, args.folder, today, out_master, supervise=True)  # the summary lists them
    summary_path = default_summary_path(outcome.out, today)
    figs = outcome.figures
    save_summary(outcome.master, figs, summary_path)
    units_dir = outcome.out.with_name(f"督办通知单-{today.isoformat()}")
    notice = save_notice(outcome.master, figs, default_notice_path(outcome.out, today), units_dir)
    for line in merge_text(outcome.result, outcome.out, outcome.backup):
        _say(line)
    t = figs.totals
    _say(f"红绿灯：红{t.red} 黄{t.yellow} 绿{t.green}；办结率{t.completion_rate:g}%。汇总表：{summary_path}")
    _say(f"通报草稿：{notice.notice}；督办通知单{len(notice.supervision)}份：{units_dir}")
    return 0


def cmd_demo(args) -> int:
    from taizhang.demo import generate
    from taizhang.jobs import default_summary_path, merge_text, run_merge, run_notice, run_summary

    s = generate(args.out, preset=args.preset, seed=args.seed, today=args.today)
    _say(f"示例已生成：台账总表 {s.master}，报送文件夹 {s.submissions}（{args.preset}，报送日 {s.today}）")
    outcome = run_merge(s.master, s.submissions, s.today)
    for line in merge_text(outcome.result, outcome.out, outcome.backup):
        _say(line)
    summary_path = default_summary_path(s.master, s.today)
    run_summary(s.master, s.today, summary_path)
    public = default_summary_path(s.master, s.today, public=True)
    run_summary(s.master, s.today, public, public=True)
    _say(f"汇总表：{summary_path}\n公开版：{public}")
    units_dir = s.master.with_name(f"督办通知单-{s.today.isoformat()}")
    notice = run_notice(s.master, s.today, units_dir=units_dir)
    _say(f"通报草稿：{notice.notice}\n督办通知单{len(notice.supervision)}份：{units_dir}")
    return 0


def cmd_addin(args) -> int:
    if args.action == "build":
        from taizhang.doors.addin_build import build_addin

        path = build_addin(args.out)
        _say(f"已生成 Excel 加载项：{path}")
        return 0
    from taizhang.doors.addin_build import install_addin

    for line in install_addin(args.target, args.interpreter):
        _say(line)
    return 0


def cmd_serve(args) -> int:
    from taizhang.doors.web.app import serve

    serve(args.folder, args.port, open_browser=not args.no_browser, say=_say)
    return 0
