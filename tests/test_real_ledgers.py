"""The ledgers units really keep (issue 27): several sheets and statistics tables, headers in the units' own words,
notes and group titles across the table, their status words and dates, filtered rows, and validate's output.

The files are synthetic (tests/corpus/build.py, ``real_ledgers``); their expected fates are in expected.json and
walked by test_corpus.py. The tests here check each point of the issue by itself."""

import datetime as dt
import json
import subprocess
import sys

import pytest
from openpyxl import Workbook
from test_corpus import CORPUS, outcome

from taizhang.doors.cli import main
from taizhang.fields import STATUS_CLOSED, STATUS_DONE, STATUS_IN_PROGRESS, match_header
from taizhang.intake.normalize import to_date, to_status
from taizhang.intake.reader import read_submission

D = dt.date


# 1. several sheets -------------------------------------------------------------------------------------------

def test_every_sheet_holding_cases_is_read_and_a_statistics_table_never_is():
    report, checked = outcome("multi_sheet_statistics.xlsx")
    assert report.sheet == "问题清单" and report.sheets == ["问题清单", "第二批"]  # not 费用统计, whose header names more fields
    assert list(checked.frame["description"]) == [f"拖欠工程款问题{i}" for i in range(1, 5)]
    [second] = checked.more
    assert list(second.frame["description"]) == ["协议未履行问题5", "协议未履行问题6"] and list(second.frame["_row"]) == [3, 4]
    assert report.rows == report.rows_ok == report.rows_in_file == 6
    by_code = {f.code: f for f in report.findings}
    assert by_code["statistics-sheet"].sheet == "费用统计" and "统计表" in by_code["statistics-sheet"].message
    assert by_code["sheet-not-read"].sheet == "备份" and "未读取" in by_code["sheet-not-read"].message  # a copy
    assert not any(f.sheet == "空白模板" for f in report.findings)  # an empty copy of the template is no loss


def test_validate_text_names_every_sheet_and_the_sheet_of_each_row(tmp_path, capsys):
    from openpyxl import load_workbook

    wb = load_workbook(CORPUS / "multi_sheet_statistics.xlsx")
    wb["第二批"]["E4"] = None  # 问题描述 left blank on the second sheet's row 4
    wb.save(tmp_path / "城关镇.xlsx")
    assert main(["validate", str(tmp_path / "城关镇.xlsx"), "--today", "2026-11-23", "--preset", "xinguan",
                 "--marked", str(tmp_path / "标注.xlsx")]) == 1
    out = capsys.readouterr().out
    assert "工作表“问题清单”、“第二批”，6行，其中1行有错误" in out and "工作表“第二批”第4行：" in out
    marked = load_workbook(tmp_path / "标注.xlsx")
    assert "【必填项为空】" in marked["第二批"]["E4"].comment.text  # coloured on its own sheet (the code's title, #33)
    assert marked["问题清单"]["E4"].comment is None


def test_a_file_holding_only_a_statistics_table_is_refused_as_such(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["问题类别", "问题描述", "涉及金额", "完成进度（%）", "备注"])
    for name in ("主营业务收入", "∑B", "∑C"):
        ws.append([name, 1200.5, 300, 50, 7])
    wb.save(tmp_path / "统计.xlsx")
    read = read_submission(tmp_path / "统计.xlsx")
    assert read.failed and not read.rows
    [refusal] = [f for f in read.findings if f.code == "no-ledger-sheet"]
    assert "统计表" in refusal.message and "“Sheet”" in refusal.message


def test_merge_reads_every_ledger_sheet_and_counts_them_in_the_files_outcome(fresh_sample, capsys):
    import shutil

    for own in fresh_sample.submissions.glob("城关镇*"):  # this file is 城关镇's report (of two, only the later is merged)
        own.unlink()
    shutil.copy(CORPUS / "multi_sheet_statistics.xlsx", fresh_sample.submissions / "城关镇-多表.xlsx")
    main(["merge", str(fresh_sample.master), str(fresh_sample.submissions), "--today", "2026-11-23", "--json"])
    res = json.loads(capsys.readouterr().out)
    [outcome_] = [f for f in res["files"] if f["file"] == "城关镇-多表.xlsx"]
    assert outcome_["rows_in_file"] == outcome_["rows_read"] == 6
    assert outcome_["rows_read"] == outcome_["rows_new"] + outcome_["rows_updated"] + outcome_["rows_unchanged"] \
        + outcome_["rows_rejected"]
    assert res["rows_read"] == sum(f["rows_read"] for f in res["files"])  # the totals add each sheet once
    assert any(f["code"] == "sheet-not-read" and f["sheet"] == "备份" for f in res["issues"])
    from taizhang.book.master import load_master

    ledger = load_master(fresh_sample.master).ledger
    assert {"协议未履行问题5", "协议未履行问题6"} <= set(ledger["description"])
    assert set(ledger.loc[ledger["description"] == "协议未履行问题5", "src_sheet"]) == {"第二批"}


# 2. a header that names too few fields --------------------------------------------------------------------------

def test_a_real_header_that_names_too_few_fields_is_described_truly():
    report, checked = outcome("header_unrecognised.xlsx")
    assert checked.read.failed
    message = report.findings[0].message
    assert "第3行像是表头：认出 问题描述、备注；没有认出 板块、菜单、修改意见；缺少 " in message
    assert "问题类别" in message.split("缺少")[1] and "办理状态" in message.split("缺少")[1]
    assert "序号" not in message  # a numbering column is neither recognised nor missing



def test_the_issues_header_is_read_and_each_missing_column_is_named_truly(tmp_path):
    from taizhang.rules.rulebook import find_rulebook
    from taizhang.rules.validate import validate_file

    wb = Workbook()
    ws = wb.active
    ws.append(["某系统问题清单"])
    ws.append([])
    ws.append(["序号", "板块", "菜单", "问题描述", "修改要求", "提出人", "备注"])  # the header of issue 27, item 2
    for i in range(1, 4):
        ws.append([i, "首页", "登录", f"登录页问题{i}", "改为两步验证", "张三", None])
    wb.save(tmp_path / "问题清单.xlsx")
    report, checked = validate_file(tmp_path / "问题清单.xlsx", rulebook=find_rulebook("xinguan"), today=D(2026, 11, 23))
    assert checked.read.header_row == 3 and report.rows == 3
    assert sorted(f.header for f in report.findings if f.code == "unknown-column") == ["修改要求", "板块", "菜单"]
    columns = {f.header: f.message for f in report.findings if f.code == "missing-column"}
    assert set(columns) == {"问题类别", "办理状态"}
    assert all("本表中未能识别的列：“板块”、“菜单”、“修改要求”）" in m for m in columns.values())  # not 序号
    row4 = {f.header: f.message for f in report.findings if f.row == 4 and f.code == "missing-required"}
    assert row4["交办日期"].startswith("本表没有“交办日期”列")  # not "“交办日期”不能为空，请补填" under no such column
    assert "不能为空" not in row4["问题类别"] + row4["交办日期"]


# 3. real-world column names -------------------------------------------------------------------------------------

@pytest.mark.parametrize("names, key", [
    (("存在问题", "隐患内容", "不合格项描述", "问题说明", "内容描述"), "description"),
    (("整改责任人", "修改责任人"), "person"),
    (("责任单位/人员",), "unit"),
    (("计划完成时间", "限时时间", "整改期限", "完成时限"), "deadline"),
    (("实际完成时间", "修改完成日期"), "done_date"),
    (("整改要求", "整改措施与要求"), "measures"),
    (("整改情况", "完成情况"), "progress_note"),
    (("是否关闭", "隐患状态", "是否销号"), "status"),
    (("问题提出日期", "排查日期", "检查时间", "发现日期"), "assigned"),
    (("提出人",), "reporter"),
])
def test_the_column_names_units_use_are_read_as_their_field(names, key):
    assert {n: match_header(n)[0] for n in names} == {n: key for n in names}


def test_a_hazard_ledger_in_its_own_column_names_is_read_whole():
    report, checked = outcome("hazard_column_names.xlsx")
    assert report.rows == report.rows_ok == 6
    assert not [f for f in report.findings if f.code == "unknown-column"]
    assert set(checked.frame["person"]) == {"李娜"} and set(checked.frame["measures"]) == {"限期支付"}


# 4. rows that are not cases --------------------------------------------------------------------------------------

def test_notes_group_titles_blank_numbers_bare_totals_and_date_footers_are_skipped_with_their_kind():
    report, checked = outcome("notes_merged_across.xlsx")
    assert list(checked.frame["_row"]) == [3, 4, 7]
    assert not [f for f in report.findings if f.severity == "error"]  # no “整改时限“说明：…”不是有效的日期”
    kinds = {s.row: s.kind for s in report.rows_skipped}
    assert kinds == {2: "group", 5: "note", 6: "group", 8: "total", 9: "numbered-blank", 10: "numbered-blank",
                     11: "total", 12: "note", 13: "date-footer", 14: "date-footer"}
    reasons = {s.row: s.reason for s in report.rows_skipped}
    assert "一、账款支付不到位" in reasons[2] and "35" in reasons[8] and "第4号" in reasons[9]


def test_a_footer_date_in_the_numbering_column_is_the_footer_not_a_numbered_blank_row():
    report, checked = outcome("footer_at_the_left.xlsx")
    assert list(checked.frame["_row"]) == [2, 3]
    assert [(s.row, s.kind) for s in report.rows_skipped] == [(4, "numbered-blank"), (5, "date-footer"), (6, "date-footer")]
    reasons = {s.row: s.reason for s in report.rows_skipped}
    assert "第3号" in reasons[4] and "2026-11-20" in reasons[5] and "号" not in reasons[5] + reasons[6]


# 5. status words ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("word, status", [
    ("关闭", STATUS_CLOSED), ("已关闭", STATUS_CLOSED), ("整改完毕", STATUS_DONE), ("已整改", STATUS_DONE),
    ("开放", STATUS_IN_PROGRESS), ("未关闭", STATUS_IN_PROGRESS), ("已完成", STATUS_DONE), ("完成", STATUS_DONE),
])
def test_the_status_words_units_use(word, status):
    assert to_status(word, []) == (status, None)


def test_the_status_words_of_a_hazard_ledger_in_a_file():
    _, checked = outcome("hazard_column_names.xlsx")
    assert list(checked.frame["status"]) == [STATUS_CLOSED, STATUS_DONE, STATUS_IN_PROGRESS, STATUS_IN_PROGRESS,
                                             STATUS_DONE, STATUS_CLOSED]


# 6. dates -------------------------------------------------------------------------------------------------------

def test_an_eight_digit_number_is_a_date_and_a_dash_is_no_date():
    assert to_date(20161220) == (D(2016, 12, 20), None)
    assert to_date(20161220.0) == (D(2016, 12, 20), None)
    assert to_date(20161399) == (None, "bad-date")
    assert [to_date(v) for v in ("/", "—", "无")] == [(None, None)] * 3
    assert to_date(46000) == (D(2025, 12, 9), None)  # a serial is still a serial


def test_dates_of_a_hazard_ledger_in_a_file():
    report, checked = outcome("hazard_column_names.xlsx")
    assert set(checked.frame["assigned"]) == {D(2026, 10, 9)}
    assert list(checked.frame["done_date"]) == [D(2026, 11, 10)] * 2 + [None] * 2 + [D(2026, 11, 10)] * 2
    assert not [f for f in report.findings if f.code == "bad-date"]


# 7. validate's output -------------------------------------------------------------------------------------------

def test_validate_json_is_json_also_when_the_campaign_cannot_be_told(tmp_path, capsys):
    wb = Workbook()
    wb.active.append(["问题编号", "责任单位", "问题类别", "问题描述", "办理状态"])
    wb.active.append(["1", "城关镇", "乱七八糟", "某问题", "整改中"])
    wb.save(tmp_path / "不知哪个行动.xlsx")
    code = main(["validate", str(tmp_path / "不知哪个行动.xlsx"), "--json"])
    res = json.loads(capsys.readouterr().out)
    assert code == 2
    [f] = res["findings"]
    assert f["code"] == "preset-unknown" and "不知哪个行动.xlsx" in f["message"] and "--preset" in f["message"]
    assert main(["validate", str(tmp_path / "不知哪个行动.xlsx")]) == 2  # the text form says it in a line, as before
    assert "--preset" in capsys.readouterr().out


def _validate_json_refusal(capsys, args):
    code = main(args)
    out = capsys.readouterr()
    res = json.loads(out.out)  # JSON on stdout, nothing else
    assert code == 2 and out.err == ""
    [f] = res["findings"]
    assert f["code"] == "validate-not-run" and f["severity"] == "error" and res["rows"] == 0
    assert any("\u4e00" <= ch <= "\u9fff" for ch in f["message"])
    return res, f["message"]


@pytest.mark.parametrize("extra, said", [
    (["--preset", "没有这个预案"], "找不到预案“没有这个预案”"),
    (["--preset", "xinguan", "--today", "明天"], "--today：“明天”不是日期"),
    (["--preset", "xinguan", "--no-such-option"], "无法识别的参数：--no-such-option"),
    (["--master", "不存在的总表.xlsx"], "无法打开台账总表 不存在的总表.xlsx"),
])
def test_validate_json_is_json_also_when_its_arguments_are_wrong(tmp_path, capsys, monkeypatch, extra, said):
    monkeypatch.chdir(tmp_path)
    wb = Workbook()
    wb.active.append(["问题编号", "责任单位", "问题类别", "问题描述", "办理状态"])
    wb.save(tmp_path / "城关镇.xlsx")
    res, message = _validate_json_refusal(capsys, ["validate", "城关镇.xlsx", "--json", *extra])
    assert said in message and res["file"] == "城关镇.xlsx"
    try:  # the text form says it on stderr, as before (an argument error as argparse's usage and exit)
        code = main(["validate", "城关镇.xlsx", *extra])
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    out = capsys.readouterr()
    assert out.out == "" and said in out.err


def test_validate_json_is_json_also_without_a_file_or_with_a_master_it_cannot_use(fresh_sample, tmp_path, capsys):
    res, message = _validate_json_refusal(capsys, ["validate", "--json", "--today", "2026-11-23"])
    assert res["file"] == "" and "缺少必须给出的参数：file" in message
    f = _own_words_file(tmp_path / "城关镇.xlsx")
    res, message = _validate_json_refusal(capsys, ["validate", str(f), "--json", "--master", str(f)])
    assert res["file"] == "城关镇.xlsx" and "不是台账总表" in message
    _with_column_names(fresh_sample.master, [("销项情况", "销项结果")])
    _, message = _validate_json_refusal(capsys, ["validate", str(f), "--json", "--master", str(fresh_sample.master)])
    assert "“列名对照”表第2行：“销项结果”不是台账字段" in message


def test_output_cut_short_by_a_closed_pipe_is_not_an_internal_error(monkeypatch, capsys):
    class ClosedPipe:
        encoding = "utf-8"

        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    code = main(["validate", str(CORPUS / "every_error.xlsx"), "--today", "2026-11-23"])
    assert code == 141
    assert "内部出错" not in capsys.readouterr().err


def test_validate_piped_into_head_ends_quietly(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["问题编号", "责任单位", "线索来源", "问题类别", "问题描述", "办理状态"])
    for i in range(4000):  # far more than a pipe holds: the writer meets the closed pipe
        ws.append([f"X{i}", "城关镇", "自查摸排", "账款支付不到位", f"问题{i}", "差不多了"])
    wb.save(tmp_path / "many.xlsx")
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from taizhang.doors.cli import main; sys.exit(main())",
                             "validate", str(tmp_path / "many.xlsx"), "--today", "2026-11-23"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.wait(timeout=120)
    assert "内部出错" not in err and "Traceback" not in err and "Exception ignored" not in err, err
    assert proc.returncode == 141


# 8. hidden rows -------------------------------------------------------------------------------------------------

def test_rows_filtered_out_by_an_autofilter_are_cases_and_rows_hidden_by_hand_are_not():
    report, checked = outcome("filtered_rows.xlsx")
    assert list(checked.frame["_row"]) == [2, 3, 4, 5, 6]
    assert list(checked.frame["status"]) == [STATUS_IN_PROGRESS, STATUS_DONE, STATUS_IN_PROGRESS, STATUS_DONE,
                                             STATUS_IN_PROGRESS]
    assert [[s.row, s.kind] for s in report.rows_skipped] == [[8, "hidden"]]


@pytest.mark.parametrize("name", ["lo/filtered_rows.xls", "lo/filtered_rows.ods"])
def test_hidden_rows_of_xls_and_ods_are_treated_as_in_xlsx(name):
    report, checked = outcome(name)
    assert list(checked.frame["_row"]) == [2, 3, 4, 5, 6]  # filtered out of view: cases
    assert [[s.row, s.kind] for s in report.rows_skipped] == [[8, "hidden"]]  # hidden by hand: not read


# 3. the office's own column names: 列名对照 in the master ----------------------------------------------------------

def _with_column_names(master, pairs):
    from openpyxl import load_workbook

    wb = load_workbook(master)
    ws = wb.create_sheet("列名对照")
    ws.append(["单位的列名", "台账字段"])
    for pair in pairs:
        ws.append(list(pair))
    wb.save(master)


def _own_words_file(path):
    wb = Workbook()
    wb.active.append(["问题编号", "责任单位", "线索来源", "问题类别", "隐患点位描述", "牵头领导", "具体责任人", "交办日期",
                      "销项情况"])
    wb.active.append([None, "城关镇", "自查摸排", "账款支付不到位", "拖欠工程款", "王伟", "李娜", D(2026, 11, 2), "推进中"])
    wb.save(path)
    return path


def test_the_masters_column_names_are_used_when_reading(fresh_sample, tmp_path, capsys):
    f = _own_words_file(tmp_path / "城关镇.xlsx")
    args = ["validate", str(f), "--master", str(fresh_sample.master), "--today", "2026-11-23", "--json"]
    main(args)
    before = json.loads(capsys.readouterr().out)
    assert {x["code"] for x in before["findings"]} >= {"unknown-column", "missing-column"}  # not read without the sheet
    _with_column_names(fresh_sample.master, [("隐患点位描述", "问题描述"), ("销项情况", "状态")])  # a header or an alias
    assert main(args) == 0
    after = json.loads(capsys.readouterr().out)
    assert after["rows_ok"] == 1 and not [x for x in after["findings"] if x["severity"] != "info"]
    import shutil

    from taizhang.book.master import load_master

    shutil.copy(f, fresh_sample.submissions / "城关镇-自己的列名.xlsx")  # merge reads with them too
    main(["merge", str(fresh_sample.master), str(fresh_sample.submissions), "--today", "2026-11-23", "--json"])
    res = json.loads(capsys.readouterr().out)
    assert [x["rows_new"] for x in res["files"] if x["file"] == "城关镇-自己的列名.xlsx"] == [1]
    assert "拖欠工程款" in set(load_master(fresh_sample.master).ledger["description"])


def test_a_column_name_for_no_field_is_refused_with_its_row(fresh_sample, tmp_path, capsys):
    _with_column_names(fresh_sample.master, [("隐患点位描述", "问题描述"), ("销项情况", "销项结果")])
    code = main(["validate", str(_own_words_file(tmp_path / "城关镇.xlsx")), "--master", str(fresh_sample.master)])
    err = capsys.readouterr().err
    assert code == 2 and "“列名对照”表第3行：“销项结果”不是台账字段" in err


# 5. the office's own status words: 状态对照 in the master ----------------------------------------------------------

def test_the_masters_status_words_are_used_when_reading(fresh_sample, tmp_path, capsys):
    from openpyxl import load_workbook

    wb = Workbook()
    wb.active.append(["问题编号", "责任单位", "线索来源", "问题类别", "问题描述", "牵头领导", "具体责任人", "交办日期", "办理状态"])
    wb.active.append([None, "城关镇", "自查摸排", "账款支付不到位", "拖欠工程款", "王伟", "李娜", D(2026, 11, 2), "在办"])
    wb.save(tmp_path / "城关镇.xlsx")
    args = ["validate", str(tmp_path / "城关镇.xlsx"), "--master", str(fresh_sample.master), "--today", "2026-11-23",
            "--json"]
    assert main(args) == 1 and "unknown-status" in capsys.readouterr().out
    book = load_workbook(fresh_sample.master)
    ws = book.create_sheet("状态对照")
    for row in (["单位的写法", "办理状态"], ["在办", "整改中"]):
        ws.append(row)
    book.save(fresh_sample.master)
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["rows_ok"] == 1
    ws.append(["办完了", "办完"])
    book.save(fresh_sample.master)
    assert main(args[:-1]) == 2
    assert "“状态对照”表第3行：“办完”不是本专项行动的办理状态" in capsys.readouterr().err


def test_an_unknown_column_that_looks_like_a_field_is_proposed_for_the_column_names(tmp_path):
    wb = Workbook()
    wb.active.append(["问题编号", "整改责任单位", "问题类别", "问题描述", "办理状态", "我们自己加的列"])
    wb.active.append(["1", "城关镇", "账款支付不到位", "拖欠工程款", "整改中", "x"])
    wb.save(tmp_path / "城关镇.xlsx")
    unknown = {f.header: f.message for f in read_submission(tmp_path / "城关镇.xlsx").findings if f.code == "unknown-column"}
    assert "“列名对照”表中加一行：“整改责任单位”对应“责任单位”" in unknown["整改责任单位"]
    assert "对应“" not in unknown["我们自己加的列"] and "列名对照" in unknown["我们自己加的列"]
