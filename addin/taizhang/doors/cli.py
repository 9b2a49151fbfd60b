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
    from taizhang.jobs import parse_day

    d = parse_day(text)
    if d is None:
        raise argparse.ArgumentTypeError(f"“{text}”不是日期，请写成 YYYY-MM-DD")
    return d


# argparse's own words (usage, headings, errors) in Chinese: office staff read these
_HEADINGS = (("usage: ", "用法："), ("\npositional arguments:\n", "\n参数：\n"), ("\noptions:\n", "\n选项：\n"),
             ("\noptional arguments:\n", "\n选项：\n"))
_ERRORS = (
    (r"^the following arguments are required: (.+)$", lambda m: f"缺少必须给出的参数：{m[1]}"),
    (r"^argument (\S+?): invalid int value: '(.*)'$", lambda m: f"{m[1]} 的值“{m[2]}”不是整数"),
    (r"^argument (\S+?): invalid choice: '(.*)' \(choose from (.*)\)$",
     lambda m: f"{m[1]} 的值“{m[2]}”不可用，可选：{'、'.join(c.strip().strip(chr(39)) for c in m[3].split(','))}"),
    (r"^argument (\S+?): expected one argument$", lambda m: f"{m[1]} 后面需要写一个值"),
    (r"^argument (\S+?): expected at most one argument$", lambda m: f"{m[1]} 后面最多写一个值"),
    (r"^argument (\S+?): (.*)$", lambda m: f"{m[1]}：{m[2]}"),
    (r"^unrecognized arguments: (.+)$", lambda m: f"无法识别的参数：{m[1]}"),
    (r"^ambiguous option: (\S+) could match (.+)$", lambda m: f"选项 {m[1]} 不明确，可能是：{m[2]}"),
)


def chinese_error(message: str) -> str:
    """argparse's English error message said in Chinese (an unknown one is kept as it is).

    >>> chinese_error("the following arguments are required: --preset")
    '缺少必须给出的参数：--preset'
    >>> chinese_error("argument n: invalid int value: 'abc'")
    'n 的值“abc”不是整数'
    """
    import re

    for pattern, say in _ERRORS:
        m = re.match(pattern, message, re.S)
        if m:
            return say(m)
    return message


class ChineseArgumentParser(argparse.ArgumentParser):
    """ArgumentParser whose usage, headings, -h help and errors are in Chinese (the subcommands inherit it)."""

    def __init__(self, *args, **kwargs):
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def format_usage(self) -> str:
        return self._chinese(super().format_usage())

    def format_help(self) -> str:
        return self._chinese(super().format_help())

    @staticmethod
    def _chinese(text: str) -> str:
        for en, zh in _HEADINGS:
            text = text.replace(en, zh)
        return text

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{chinese_error(message)}。用 {self.prog} -h 查看说明。\n")


class Progress:
    """Per-file progress on stderr, so a long run is never silent: a bar redrawn in place on a terminal,
    one plain line per file otherwise (a log, a pipe, the tests). Called as ``progress(stage, done, total, file)``;
    ``at(stage)`` gives the ``(done, total, file)`` callback a single-stage job takes."""

    WIDTH = 24

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, stage: str, done: int, total: int, file: str = "") -> None:
        if self.tty:
            filled = self.WIDTH * done // total if total else self.WIDTH
            bar = "█" * filled + "░" * (self.WIDTH - filled)
            self.stream.write(f"\r{stage} {bar} {done}/{total} {file[-40:]}\x1b[K" + ("\n" if done >= total else ""))
        elif file:
            self.stream.write(f"{stage} {done + 1}/{total}：{file}\n")
        elif done >= total:
            self.stream.write(f"{stage}：完成（{total}个）\n")
        self.stream.flush()

    def at(self, stage: str):
        return lambda done, total, file: self(stage, done, total, file)


def build_parser() -> argparse.ArgumentParser:
    p = ChineseArgumentParser(prog="taizhang", description="台账助手：专项行动台账的校验、合并、时限、红绿灯与汇总。")
    p.add_argument("--version", action="version", version=f"taizhang {__import__('taizhang').__version__}",
                   help="显示版本号并退出")
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


def _say_all(lines: list[str]) -> None:
    for line in lines:
        _say(line)


def _present(args, result, render) -> None:
    """``--json``: the job's own result object; otherwise ``render(result)``'s plain Chinese lines."""
    if args.json:
        _print_json(result)
    else:
        _say_all(render(result))


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
    from taizhang.jobs import replaced_files

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
            sys.stderr.write(f"错误：{errors.user_message(exc)}\n")
        else:  # a bug of ours: the user gets one line and the log
            log = errors.log_exception(f"taizhang {' '.join(argv if argv is not None else sys.argv[1:])}")
            sys.stderr.write(f"错误：{errors.bug_message(log, replaced_files()[already:])}\n")
        return code


def cmd_presets(args) -> int:
    from taizhang.jobs import presets
    from taizhang.report.text import presets_text

    _say_all(presets_text(presets()))
    return 0


def cmd_new(args) -> int:
    from taizhang.jobs import run_new
    from taizhang.report.text import new_text

    _say_all(new_text(run_new(args.master, args.preset, args.year or dt.date.today().year, args.units)))
    return 0


def cmd_validate(args) -> int:
    from taizhang.jobs import run_validate
    from taizhang.report.text import validate_text

    res = run_validate(args.file, args.today or dt.date.today(), args.master, args.preset, args.marked)
    if res.refusal:
        _say(res.refusal)
        return 2
    report = res.report
    if args.json:
        _print_json(report)
    else:
        if report.preset_note:
            _say(report.preset_note)
        _say_all(validate_text(report, res.marked))
    if res.failed:
        return 2
    return 1 if report.counts["error"] else 0


def cmd_workday(args) -> int:
    from taizhang.jobs import run_workday

    result, warnings = run_workday(args.date, args.n, args.month, args.master)
    _say(result.isoformat())
    for w in warnings:
        sys.stderr.write(f"提醒：{w}\n")
    return 0


def cmd_status(args) -> int:
    from taizhang.jobs import run_status
    from taizhang.report.text import status_text

    res = run_status(args.master, args.today or dt.date.today(), args.out)
    if args.json:
        _print_json({"cases": [c.model_dump(mode="json") for c in res.cases], "warnings": res.warnings})
    else:
        _say_all(status_text(res))
    return 0


def cmd_template(args) -> int:
    from taizhang.jobs import run_template

    paths = run_template(args.master, args.out, args.today or dt.date.today(), args.unit, progress=Progress().at("填报模板"))
    _say(f"已生成{len(paths)}个填报模板，位于 {args.out}")
    return 0


def cmd_assign(args) -> int:
    from taizhang.jobs import run_assign
    from taizhang.report.text import assign_text

    res = run_assign(args.master, args.today or dt.date.today(), args.clues, args.units_dir, args.out)
    _present(args, res, assign_text)
    return 0


def cmd_merge(args) -> int:
    from taizhang.jobs import run_merge
    from taizhang.report.text import copy_text, merge_text

    outcome = run_merge(args.master, args.folder, args.today or dt.date.today(), args.out, progress=Progress().at("合并报送"))
    res = outcome.result
    _present(args, res, lambda r: merge_text(r, outcome.out, outcome.backup) + copy_text(args.master, outcome.out))
    rejected = res.rows_rejected or any(f.status == "rejected" for f in res.files)
    return 1 if args.strict and rejected else 0


def cmd_summary(args) -> int:
    from taizhang.jobs import default_summary_path, run_summary
    from taizhang.report.text import summary_text

    today = args.today or dt.date.today()
    out = Path(args.out) if args.out else default_summary_path(Path(args.master), today, args.public)
    figs = run_summary(args.master, today, out, args.public)
    _present(args, figs, lambda f: summary_text(f, out))
    return 0


def cmd_notice(args) -> int:
    from taizhang.jobs import run_notice
    from taizhang.report.text import notice_text

    res = run_notice(args.master, args.today or dt.date.today(), args.out, args.units_dir, args.public,
                     progress=Progress().at("督办通知单"))
    _present(args, res, lambda r: notice_text(r, args.units_dir))
    return 0


def cmd_run(args) -> int:
    from taizhang.jobs import run_report_day
    from taizhang.report.text import report_day_text

    _say_all(report_day_text(run_report_day(args.master, args.folder, args.today or dt.date.today(), args.out_dir,
                                            progress=Progress())))
    return 0


def cmd_demo(args) -> int:
    from taizhang.jobs import run_demo
    from taizhang.report.text import report_day_text

    sample, day = run_demo(args.out, args.preset, args.seed, args.today, progress=Progress())
    _say(f"示例已生成：台账总表 {sample.master}，报送文件夹 {sample.submissions}（{args.preset}，报送日 {sample.today}）")
    _say_all(report_day_text(day))
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
