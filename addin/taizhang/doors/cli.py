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
    "overview": "领导总览：把一个文件夹中各专项行动的台账总表汇成一张总览表（各专项行动、各单位、各报送日亮灯走势）",
    "rollup": "两级汇总：把各下级办公室（归口部门、镇）的台账总表汇总进本级台账总表（保留来源、下级的决定和变更记录）",
    "remind": "催报与临期提醒：列出本期尚未报送的单位和即将到期的问题，生成催报单、可粘贴的消息和短信导入表",
    "holidays": "把国务院办公厅的节假日安排通知录入台账总表的“节假日”表（该年份的时限不再是推算）",
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
    "pack": "生成销号审定材料：每个问题一份 Word 文件（基本情况、办理经过、申请与审批、佐证材料），报领导小组审定核准",
    "restore": "查看台账总表的备份，或把台账总表恢复到某一版备份（恢复前先备份当前文件）",
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
        text = f"{self.prog}：错误：{chinese_error(message)}。用 {self.prog} -h 查看说明。"
        if _USAGE_AS_JSON:  # `validate --json`: main() prints the error as the report (JSON), not as usage text
            raise UsageError(text)
        self.print_usage(sys.stderr)
        self.exit(2, text + "\n")


class UsageError(Exception):
    """An argument error in a command whose output is JSON (``validate --json``): its Chinese message."""


_USAGE_AS_JSON = False  # set by main() while it parses `validate … --json`

def _validate_json(argv: list[str]) -> bool:
    """Whether the command line asks for `validate … --json` (known before it is parsed, so that even an argument
    error can be told in JSON)."""
    return argv[:1] == ["validate"] and "--json" in argv[1:]


def _validate_file_named(parser: argparse.ArgumentParser, argv: list[str]) -> str:
    """The file a `validate` command line names, as well as can be told from a line that did not parse ("" if none):
    the first token that is neither an option nor the value of one of ``parser``'s `validate` options."""
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    valued = {o for a in commands.choices["validate"]._actions if a.nargs != 0 for o in a.option_strings}
    tokens = iter(argv[1:])
    for token in tokens:
        if token in valued:
            next(tokens, None)
        elif not token.startswith("-"):
            return token
    return ""


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

    c = cmd("overview")
    c.add_argument("folder", help="放着各专项行动台账总表的文件夹（含子文件夹；“台账备份”不读）")
    c.add_argument("--today", type=_date, help="统计基准日（默认今天）")
    c.add_argument("--out", help="总览表文件（默认在该文件夹中，“领导总览-日期.xlsx”）")
    c.add_argument("--json", action="store_true")

    c = cmd("rollup")
    c.add_argument("master", help="本级（上级办公室）的台账总表")
    c.add_argument("folder", help="放着各下级办公室台账总表的文件夹（含子文件夹；“台账备份”不读）")
    c.add_argument("--today", type=_date, help="汇总日（默认今天）")
    c.add_argument("--out", help="另存为（默认写回本级台账总表，先自动备份）")
    c.add_argument("--json", action="store_true")

    c = cmd("remind")
    c.add_argument("master")
    c.add_argument("--today", type=_date, help="按哪一天计算（默认今天）")
    c.add_argument("--folder", help="报送文件夹：其中已交来但尚未合并的文件计为已报送（默认上次合并的报送文件夹）")
    c.add_argument("--out-dir", help="催报单、消息和短信表的输出文件夹（默认台账总表旁的“催报-日期”）")
    c.add_argument("--sent", action="store_true", help="确认已发出：记入台账总表的“催办记录”表（次数上限按记录计算）")
    c.add_argument("--channel", default="督办通知", help="发出方式，记入“催办记录”：短信、电话、政务微信、督办通知等（默认督办通知）")

    c = cmd("holidays")
    c.add_argument("master")
    c.add_argument("--notice", required=True, help="通知全文（.txt 或 .docx，从政府网站复制粘贴即可）")
    c.add_argument("--year", type=int, help="通知所属年份（默认按通知标题）")
    c.add_argument("--dry-run", action="store_true", help="只显示读出的安排，不写入台账总表")

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
    c.add_argument("--cycle", choices=["current", "next"], default="current",
                   help="current：本期模板（默认）；next：下一期的模板（下一期的报送期和截止日）")

    c = cmd("assign")
    c.add_argument("master")
    c.add_argument("--today", type=_date, help="交办日期（默认今天）")
    c.add_argument("--clues", help="线索清单（.xlsx/.csv，如 12345 热线、信访系统导出的表）")
    c.add_argument("--units-dir", help="交办通知单（.docx）输出文件夹，每个收到问题的单位一份")
    c.add_argument("--source", help="线索文件的线索来源（如 12345、信访、问政平台、暗访；线索表没有来源列时用）")
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
    c.add_argument("--period", help="按办公室的通报周期生成某一期的通报：一个月写 2026-11，一个季度写 2026Q4"
                                    "（据台账总表的历史统计和变更记录统计本期情况）")
    c.add_argument("--json", action="store_true")

    c = cmd("run")
    c.add_argument("master")
    c.add_argument("folder")
    c.add_argument("--today", type=_date)
    c.add_argument("--out-dir", help="输出文件夹（不给出时原地更新台账总表并备份，汇总表写在旁边）")

    c = cmd("pack")
    c.add_argument("master")
    c.add_argument("--case", action="append", metavar="问题编号",
                   help="问题编号（可重复给出多个）；不给出时为所有待销号的问题（有销号申请、尚未销号的）")
    c.add_argument("--today", type=_date, help="落款日期（默认今天）")
    c.add_argument("--out-dir", help="输出文件夹（默认台账总表旁的“销号审定材料-日期”）")
    c.add_argument("--json", action="store_true")

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

    c = cmd("restore")
    c.add_argument("master", help="台账总表文件（.xlsx）")
    c.add_argument("--list", action="store_true", help="只列出备份（默认）")
    c.add_argument("--version", dest="restore_version", type=int, help="要恢复的备份版本号（见 --list，第1版最新）")

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
    global _USAGE_AS_JSON
    parser = build_parser()
    raw = list(sys.argv[1:] if argv is None else argv)
    _USAGE_AS_JSON = _validate_json(raw)
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:  # `validate --json` always answers in JSON, an argument error too
        from taizhang.jobs import validate_not_run

        _print_json(validate_not_run(_validate_file_named(parser, raw), str(exc)))
        return 2
    finally:
        _USAGE_AS_JSON = False
    if not args.command:
        parser.print_help()
        return 0
    from taizhang.jobs import recording

    with recording() as written:  # what this command wrote (main() may run many times in one process)
        return _run(args, argv, written)


def _run(args, argv, written) -> int:
    from taizhang import errors

    try:
        code = int(globals()[f"cmd_{args.command}"](args) or 0)
        sys.stdout.flush()  # a reader that went away (| head) is noticed here, not at interpreter exit
        return code
    except BrokenPipeError:  # the output's reader stopped reading (| head): not a bug, and nothing more to say
        _silence_stdout()
        return 141  # 128 + SIGPIPE, as a shell reports a command ended by a closed pipe
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
            sys.stderr.write(f"错误：{errors.bug_message(log, written)}\n")
        return code


def _silence_stdout() -> None:
    """Point stdout at the null device, so Python's final flush at exit does not fail on the closed pipe again
    (the Python docs' note on SIGPIPE)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor behind stdout (a test's capture)
        pass


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

    try:
        res = run_validate(args.file, args.today or dt.date.today(), args.master, args.preset, args.marked)
    except Exception as exc:  # with --json a preset or master that cannot be used is said in the report, as JSON
        from taizhang import errors
        from taizhang.jobs import validate_not_run

        if not (args.json and errors.is_user_error(exc)):
            raise
        _print_json(validate_not_run(args.file, errors.user_message(exc)))
        return 2
    if res.refusal and not args.json:  # with --json the report says it (a preset-unknown finding)
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


def cmd_overview(args) -> int:
    from taizhang.jobs import run_overview
    from taizhang.report.text import overview_text

    res = run_overview(args.folder, args.today or dt.date.today(), args.out, progress=Progress().at("读取台账总表"))
    _present(args, res.overview, lambda _: overview_text(res))
    return 0


def cmd_rollup(args) -> int:
    from taizhang.jobs import run_rollup
    from taizhang.report.text import rollup_text

    res = run_rollup(args.master, args.folder, args.today or dt.date.today(), args.out,
                     progress=Progress().at("读取下级台账"))
    _present(args, res.result, lambda _: rollup_text(res))
    return 0


def cmd_remind(args) -> int:
    from taizhang.jobs import run_remind
    from taizhang.report.text import remind_text

    _say_all(remind_text(run_remind(args.master, args.today or dt.date.today(), args.out_dir, args.folder, args.sent,
                                    args.channel, progress=Progress().at("查看报送文件夹"))))
    return 0


def cmd_holidays(args) -> int:
    from taizhang.jobs import run_holidays
    from taizhang.report.text import holidays_text

    res = run_holidays(args.master, args.notice, args.year, args.dry_run)
    _say_all(holidays_text(res))
    return 1 if res.schedule.problems or not res.schedule.items else 0


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

    paths = run_template(args.master, args.out, args.today or dt.date.today(), args.unit, progress=Progress().at("填报模板"),
                         cycle=args.cycle)
    _say(f"已生成{len(paths)}个填报模板，位于 {args.out}")
    return 0


def cmd_assign(args) -> int:
    from taizhang.jobs import run_assign
    from taizhang.report.text import assign_text

    res = run_assign(args.master, args.today or dt.date.today(), args.clues, args.units_dir, args.out, args.source)
    _present(args, res, assign_text)
    return 0


def cmd_merge(args) -> int:
    from taizhang.jobs import run_merge
    from taizhang.report.text import copy_text, merge_text

    outcome = run_merge(args.master, args.folder, args.today or dt.date.today(), args.out, progress=Progress().at("合并报送"))
    res = outcome.result
    _present(args, res, lambda r: merge_text(r, outcome.out if outcome.written else None, outcome.backup)
             + copy_text(args.master, outcome.out))
    rejected = res.rows_rejected or any(f.status == "rejected" for f in res.files)
    return 1 if args.strict and rejected else 0


def cmd_summary(args) -> int:
    from taizhang.jobs import default_summary_path, run_summary
    from taizhang.report.text import summary_text

    today = args.today or dt.date.today()
    out = Path(args.out) if args.out else default_summary_path(Path(args.master), today, args.public)
    figs = run_summary(args.master, today, out, args.public, progress=Progress().at("汇总"))
    _present(args, figs, lambda f: summary_text(f, out))
    return 0


def cmd_notice(args) -> int:
    from taizhang.jobs import run_notice
    from taizhang.report.text import notice_text

    res = run_notice(args.master, args.today or dt.date.today(), args.out, args.units_dir, args.public,
                     progress=Progress().at("督办通知单"), steps=Progress().at("通报"), period=args.period)
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


def cmd_pack(args) -> int:
    from taizhang.jobs import run_pack
    from taizhang.report.text import pack_text

    res = run_pack(args.master, args.case, args.today or dt.date.today(), args.out_dir)
    if args.json:
        _print_json(res)
        return 0
    _say_all(pack_text(res))
    return 0


def cmd_restore(args) -> int:
    from taizhang.jobs import list_backups, run_restore
    from taizhang.report.text import backups_text, restore_text

    if args.restore_version is None or args.list:
        _say_all(backups_text(Path(args.master), list_backups(args.master)))
        return 0
    _say_all(restore_text(run_restore(args.master, args.restore_version)))
    return 0
