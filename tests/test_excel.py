"""The Excel add-in: ribbon ↔ VBA ↔ Python wiring, the built .xlam, and every button pressed on an in-memory Excel."""

import datetime as dt
import importlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from conftest import REPORT_DAY, needs_libreoffice
from memengine import open_book

from taizhang.doors import excel
from taizhang.doors.addin_build import build_addin, macro_text
from taizhang.findings import CODES

RIBBON = macro_text("ribbon.xml")
VBA = macro_text("TaizhangRibbon.bas")
SUBS = dict(re.findall(r"^Sub (\w+)\(control As IRibbonControl\)\s*\n\s*If Not TzReady\(\) Then Exit Sub\s*\n"
                       r"\s*RunPython \"([^\"]+)\"", VBA.replace("\r\n", "\n"), re.M))


def test_every_ribbon_action_has_a_vba_callback():
    actions = re.findall(r'onAction="(\w+)"', RIBBON)
    assert len(actions) == 13
    assert set(actions) == set(SUBS)
    for group in ("报送", "校验", "计算", "汇总", "设置"):
        assert f'label="{group}"' in RIBBON


def test_every_runpython_target_is_an_importable_callable():
    for sub, command in SUBS.items():
        m = re.fullmatch(r"import ([\w.]+) as (\w+); \2\.(\w+)\(\)", command)
        assert m, command
        module = importlib.import_module(m.group(1))
        assert callable(getattr(module, m.group(3)))
        assert excel.BUTTONS[sub] == m.group(3)


def test_vba_is_ascii_only():
    assert all(ord(ch) < 128 for ch in VBA)


def _vba_text(const: str) -> str:
    """Decode a message constant the way the module's U() does: ChrW of each group of four hex digits."""
    codes = re.search(rf'Const {const} As String = "([0-9A-F]+)"', VBA).group(1)
    assert len(codes) % 4 == 0
    return "".join(chr(int(codes[i:i + 4], 16)) for i in range(0, len(codes), 4))


def test_every_callback_is_guarded_with_a_chinese_message():
    callbacks = re.findall(r"^Sub (\w+)\(control As IRibbonControl\)", VBA, re.M)
    assert len(callbacks) == 13 and set(callbacks) == set(SUBS)  # SUBS only matches guarded subs
    guard = re.search(r"Private Function TzReady\(\) As Boolean(.*?)End Function", VBA, re.S).group(1)
    assert "ActiveProtectedViewWindow" in guard and "ActiveWorkbook Is Nothing" in guard
    assert guard.index("ActiveProtectedViewWindow") < guard.index("ActiveWorkbook Is Nothing")
    assert 'ChrW(Val("&H" & Mid$(codes, i, 4) & "&"))' in VBA
    assert _vba_text("MSG_TITLE") == "台账助手"
    assert "没有打开的工作簿" in _vba_text("MSG_NO_BOOK")
    assert "受保护的视图" in _vba_text("MSG_PROTECTED") and "启用编辑" in _vba_text("MSG_PROTECTED")


def test_ribbon_uses_icons_known_to_office():
    """Every imageMso is one of these Office icon names, each found in published Excel ribbons (code search)."""
    known = {"FileNew", "ImportExcel", "DataValidation", "ClearFormats", "FileSendAsAttachment", "CalculateNow",
             "ChartInsert", "CreateReport", "DateAndTimeInsert", "Info",
             "CalendarView",  # CalendarView: a published ribbon's "Set Reminder" button
             "PivotTableInsert"}  # PivotTableInsert: a published ribbon's "Create PMS Dashboard" button
    assert set(re.findall(r'imageMso="(\w+)"', RIBBON)) <= known


@pytest.fixture(scope="module")
def xlam(tmp_path_factory):
    return build_addin(tmp_path_factory.mktemp("addin") / "taizhang.xlam")


def test_built_addin_reads_back_with_olevba(xlam):
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(xlam))
    modules = {name: code for _, _, name, code in parser.extract_macros()}
    parser.close()
    ours = next(code for name, code in modules.items() if name.startswith("TaizhangRibbon"))
    for sub, command in SUBS.items():
        assert f"Sub {sub}(control As IRibbonControl)" in ours and command in ours
    xlwings_module = next(code for name, code in modules.items() if name.startswith("xlwings"))
    assert 'PROJECT_NAME As String = "taizhang"' in xlwings_module
    assert not any(name.startswith("RibbonMyAddin") for name in modules)


def test_built_addin_parts(xlam):
    import defusedxml.ElementTree as ET

    from taizhang.doors.addin_build import PKG_RELS, RIBBON_RELS

    z = zipfile.ZipFile(xlam)
    assert z.read("customUI/customUI.xml").decode("utf-8") == RIBBON
    ns = ET.fromstring(RIBBON.encode()).tag[1:].split("}")[0]
    assert ns == "http://schemas.microsoft.com/office/2006/01/customui"
    rels = [r for r in ET.fromstring(z.read("_rels/.rels")) if r.get("Target") == "customUI/customUI.xml"]
    assert [r.get("Type") for r in rels] == ["http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"]
    assert RIBBON_RELS[ns] == rels[0].get("Type") and ET.fromstring(z.read("_rels/.rels")).tag == f"{{{PKG_RELS}}}Relationships"
    assert 'name="taizhang.conf"' in z.read("xl/workbook.xml").decode("utf-8")
    sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "ADD_WORKBOOK_TO_PYTHONPATH" in sheet and '<c r="B1" t="b"><v>0</v></c>' in sheet
    import olefile

    ole = olefile.OleFileIO(io.BytesIO(z.read("xl/vbaProject.bin")))
    assert 'Name="taizhang"' in ole.openstream("PROJECT").read().decode("latin-1")


@needs_libreoffice
def test_libreoffice_imports_the_vba(xlam, tmp_path):
    import shutil
    import subprocess

    from conftest import SOFFICE

    src = tmp_path / "taizhang.xlam"
    shutil.copy(xlam, src)
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=240)
    z = zipfile.ZipFile(tmp_path / "taizhang.ods")
    basic = z.read("Basic/taizhang/TaizhangRibbon.xml").decode("utf-8")
    for sub in SUBS:
        assert f"Sub {sub}" in basic


# ----------------------------------------------------------------------------- pressing the buttons

@pytest.fixture
def office(fresh_sample, tmp_path, monkeypatch):
    monkeypatch.setenv("TAIZHANG_LOG_DIR", str(tmp_path / "log"))
    book = open_book(fresh_sample.master)
    return fresh_sample, book, book.app.impl


def values(book, name):
    return book.sheets[name].impl.values()


def column(book, header):
    rows = values(book, "台账")
    i = rows[0].index(header)
    return [r[i] for r in rows[1:]]


def test_compute_status_writes_lights_and_colours(office):
    s, book, app = office
    msg = excel.compute_status(book=book, today=REPORT_DAY)
    assert msg.startswith("已计算") and app.alerts[-1] == ("台账助手", msg)
    lights = column(book, "红绿灯")
    assert "红灯" in lights and "绿灯" in lights
    sheet = book.sheets["台账"].impl
    col = values(book, "台账")[0].index("红绿灯") + 1
    for r, light in enumerate(lights, 2):
        if light == "红灯":
            assert sheet.cell(r, col).color == excel.RGB["red"]
    assert app.screen_updating is True and app.calculation == "automatic" and app.status_bar is False
    assert any(str(x).startswith("台账助手：正在") for x in app.status_history)
    cal = book.sheets["工作日历"].impl
    assert cal.visible is False and cal.formulas() == []  # the usage examples stay text
    rows = values(book, "工作日历")
    # seed 001 has no 复杂程度 tiers (only seed 004's plan has them): none in C:E
    assert rows[1][0] == dt.datetime(2020, 1, 2) and rows[1][2] is None and rows[1][6] == 3
    assert any(str(r[8]).startswith("=INDEX(工作日历!") for r in rows[1:4])


def test_merge_with_the_folder_picker_and_remembered_folder(office):
    s, book, app = office
    from openpyxl import load_workbook

    from taizhang.book.template import HEADER_ROW, template_fields
    from taizhang.rules.rulebook import find_rulebook
    from taizhang.xlsx.xlsxout import put

    f = next(p for p in s.submissions.iterdir() if p.name.startswith("区") and p.suffix == ".xlsx")
    wb = load_workbook(f)
    ws = wb["台账"]
    row = HEADER_ROW + 1
    while ws.cell(row=row, column=5).value:
        row += 1
    col = {fl.key: i for i, fl in enumerate(template_fields(find_rulebook("xinguan")), 1)}  # the sample's form
    unit = ws.cell(row=2, column=1).value.split("：")[1].replace("（盖章）", "")
    for k, v in dict(unit=unit, source="暗访", category="其他情形", description="=2+3 不是公式", leader="甲", person="乙",
                     assigned=dt.date(2026, 11, 20), status="整改中").items():
        put(ws, row, col[k], v)
    wb.save(f)
    app.folder_answer = str(s.submissions)
    msg = excel.merge_reports(book=book, today=REPORT_DAY)
    # the CLI's account (report.text.merge_text), line for line: 未报送单位 once, the rows adding up
    assert msg.startswith("合并完成（报送日") and re.search(r"读取\d+行 = 新增\d+ \+ 更新\d+ \+ 未变\d+ \+ 退回\d+，各项相符", msg)
    assert msg.count("未报送单位") == 1 and f"未报送单位（1）：{s.missing_unit}" in msg
    assert app.dialogs[-1].InitialFileName == ""
    reports = {r[0]: r[2] for r in values(book, "报送情况")[1:]}
    assert reports[s.missing_unit] == "未报送" and reports[s.zero_unit] == "零报告"
    assert len(values(book, "退回清单")) == 2 and len(values(book, "变更记录")) > 1
    assert "=2+3 不是公式" in column(book, "问题描述")
    assert book.sheets["台账"].impl.formulas() == []
    settings = {r[0]: r[1] for r in values(book, "参数设置")[1:]}
    assert settings["报送文件夹"] == str(s.submissions)
    # the next click starts the picker in the remembered folder; cancelling changes nothing
    app.folder_answer = None
    before = values(book, "台账")
    assert excel.merge_reports(book=book, today=REPORT_DAY) is None
    assert app.dialogs[-1].InitialFileName.startswith(str(s.submissions))
    assert values(book, "台账") == before


def test_validate_then_clear_marks(office, tmp_path):
    s, book, app = office
    excel.compute_status(book=book, today=REPORT_DAY)
    sheet = book.sheets["台账"].impl
    headers = values(book, "台账")[0]
    sheet.put(2, headers.index("办理状态") + 1, "差不多了")
    msg = excel.validate_sheet(book=book, today=REPORT_DAY)
    assert "错误1个" in msg
    result = values(book, "校验结果")
    bad = next(r for r in result[1:] if r[1] == "unknown-status")
    addr = bad[3]
    cell = book.sheets["台账"].range(addr)
    assert cell.color == excel.RGB["error"]
    assert bad[7] == f"转到{addr}"
    assert bad[8].startswith("规范状态为") and bad[8] == CODES["unknown-status"].advice  # what to do, beside it
    link = book.sheets["校验结果"].impl.formulas()
    assert f'=HYPERLINK("#\'台账\'!{addr}","转到{addr}")' in link
    assert excel.clear_marks(book=book).startswith("已清除")
    assert "校验结果" not in [x.name for x in book.sheets]
    assert cell.color is None


def test_assign_fills_blank_supervisors_only(office):
    s, book, app = office
    sheet = book.sheets["台账"].impl
    headers = values(book, "台账")[0]
    c_sup, c_cat = headers.index("牵头督办部门") + 1, headers.index("问题类别") + 1
    sheet.put(2, c_cat, "账款支付不到位")
    sheet.put(2, c_sup, None)
    sheet.put(3, c_cat, "账款支付不到位")
    sheet.put(3, c_sup, "办公室自定")
    excel.assign_cases(book=book)
    assert sheet.peek(2, c_sup) == "区工信局" and sheet.peek(3, c_sup) == "办公室自定"


def test_summary_briefing_templates_holidays_about(office, tmp_path):
    s, book, app = office
    out = tmp_path / "汇总.xlsx"
    assert "已生成汇总表" in excel.build_summary(out=str(out), book=book, today=REPORT_DAY)
    assert out.exists()
    said = excel.build_briefing(book=book, today=REPORT_DAY)
    notice = Path(book.fullname).with_name(f"{Path(book.fullname).stem}-通报（草稿）-{REPORT_DAY.isoformat()}.docx")
    assert "已生成通报草稿" in said and str(notice) in said and notice.exists()
    import docx

    assert "截至2026年11月23日" in "".join(p.text for p in docx.Document(str(notice)).paragraphs)
    units_dir = Path(book.fullname).with_name(f"督办通知单-{REPORT_DAY.isoformat()}")
    assert f"督办通知单{len(list(units_dir.glob('*.docx')))}份" in said
    folder = tmp_path / "模板"
    assert "个填报模板" in excel.make_templates(out_dir=str(folder), book=book, today=REPORT_DAY)
    assert len(list(folder.glob("*.xlsx"))) == 24
    before = Path(book.fullname).read_bytes()
    said = excel.remind(book=book, today=dt.date(2026, 12, 16))  # the CLI's job and lines; papers beside the master
    assert "按已保存的台账总表计算" in said and "本期（2026年12月）报送截止日：2026-12-21" in said and "催报" in said
    assert list(Path(book.fullname).with_name("催报-2026-12-16").glob("*-催报单-2026-12-16.docx"))
    assert Path(book.fullname).read_bytes() == before
    assert "节假日" in excel.show_holidays(book=book)
    assert book.sheets.active.name == "节假日"
    assert "Python" in excel.about(book=book)


def test_overview_button_picks_a_folder_and_shows_the_cli_lines(office):
    """领导总览 (issue #32): the folder picker starts beside this workbook; the job and lines are the CLI's; cancel does nothing."""
    s, book, app = office
    before = Path(book.fullname).read_bytes()
    app.folder_answer = str(s.root)
    said = excel.overview(book=book, today=REPORT_DAY)
    dialog = app.dialogs[-1]
    assert dialog.Title == "选择放着各专项行动台账总表的文件夹" and dialog.InitialFileName.rstrip("\\/") == str(s.root)
    assert "按已保存的各台账总表统计" in said and "共读取1个专项行动的台账总表" in said
    assert f"领导总览已生成：{s.root / ('领导总览-' + REPORT_DAY.isoformat() + '.xlsx')}" in said
    assert (s.root / f"领导总览-{REPORT_DAY.isoformat()}.xlsx").exists()
    assert Path(book.fullname).read_bytes() == before  # it reads masters, writes only the new workbook
    app.folder_answer = None
    assert excel.overview(book=book, today=REPORT_DAY) is None


def test_a_workbook_that_is_not_a_master_gets_a_plain_message(tmp_path, monkeypatch):
    monkeypatch.setenv("TAIZHANG_LOG_DIR", str(tmp_path / "log"))
    from test_corpus import CORPUS

    book = open_book(CORPUS / "title_and_unit_line.xlsx")
    msg = excel.compute_status(book=book, today=REPORT_DAY)
    assert "不是台账总表" in msg and "Traceback" not in msg
    assert not (tmp_path / "log").exists()
    # 校验本表 still works on a unit's submission
    assert excel.validate_sheet(book=book, today=REPORT_DAY).startswith("校验完成：2行")


def test_an_internal_error_becomes_a_message_and_a_log(office, monkeypatch, tmp_path):
    s, book, app = office

    def boom(*a, **k):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr("taizhang.jobs.compute_lights", boom)
    msg = excel.compute_status(book=book, today=REPORT_DAY)
    log = tmp_path / "log" / "taizhang.log"
    assert "内部出错" in msg and str(log) in msg
    assert "RuntimeError: simulated bug" in log.read_text(encoding="utf-8")
    assert app.screen_updating is True


def test_wps_is_detected_and_pointed_to_the_command_line(office):
    s, book, app = office
    app.api.Name = "WPS 表格"
    msg = excel.about(book=book)
    assert "WPS" in msg and "命令行" in msg


# ----------------------------------------------------------------------------- Excel's own habits

TEXTS = ["2026年11月", "11月20日", "2026年11月20日", "1/2", "50%", "TRUE", "false", "001", "=1+1", "+86 10 1234", "-5",
         "@sum", "'quoted", "(3)", "1,234", "2026-11-20", "10:30", "#N/A", "1 1/2", "1e5", "￥100", "Nov-20"]


def test_memengine_converts_text_like_excel():
    """The in-memory Excel must change these strings when they are written bare, or the next test proves nothing."""
    from memengine import excel_parse

    for t in TEXTS:
        kind, out = excel_parse(t)
        assert (kind, out) != ("text", t) or t == "Nov-20", t  # Nov-20: a month name the engine leaves alone
    assert excel_parse("问题描述") == ("text", "问题描述")


def test_every_text_survives_a_write_as_itself(office):
    from taizhang.xlsx.cells import excel_would_change

    s, book, app = office
    rows = [["原文"]] + [[t] for t in TEXTS] + [["普通文字"], ["A1"]]
    excel.write_table(book, "文字", rows)
    assert values(book, "文字") == rows
    assert book.sheets["文字"].impl.formulas() == []
    assert all(excel_would_change(t) for t in TEXTS) and not excel_would_change("普通文字")


def test_file_writers_use_the_same_rule(tmp_path):
    from openpyxl import Workbook, load_workbook

    from taizhang.xlsx.xlsxout import put

    wb = Workbook()
    for r, t in enumerate(TEXTS + ["普通文字"], 1):
        put(wb.active, r, 1, t)
    wb.save(tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx").active
    for r, t in enumerate(TEXTS + ["普通文字"], 1):
        c = ws.cell(r, 1)
        assert c.value == t and c.data_type == "s" and c.quotePrefix == (t != "普通文字"), t


def _big_ledger(book, rows=1000, marks=100):
    """Grow 台账 to ``rows`` cases by repeating the sample's, with ``marks`` bad statuses."""
    sheet = book.sheets["台账"].impl
    data = values(book, "台账")
    header, body = data[0], data[1:]
    i_id, i_status = header.index("问题编号"), header.index("办理状态")
    grown = []
    for k in range(rows):
        r = list(body[k % len(body)])
        r[i_id] = f"X{k:05d}"
        if k < marks:
            r[i_status] = "差不多了"
        grown.append(r)
    sheet.clear_contents()
    for r, row in enumerate([header] + grown, 1):
        for c, v in enumerate(row, 1):
            sheet.put(r, c, v) if not isinstance(v, str) else setattr(sheet.cell(r, c), "value", v)
    return sheet


def _calls(fn, **kw):
    import memengine

    before = memengine.COUNTER["calls"]
    msg = fn(**kw)
    return memengine.COUNTER["calls"] - before, msg


def test_round_trips_are_bounded_whatever_the_row_and_mark_count(office):
    s, book, app = office
    small_validate, _ = _calls(excel.validate_sheet, book=book, today=REPORT_DAY)
    small_clear, _ = _calls(excel.clear_marks, book=book)
    small_status, _ = _calls(excel.compute_status, book=book, today=REPORT_DAY)
    _big_ledger(book, 1000, 100)
    n_validate, msg = _calls(excel.validate_sheet, book=book, today=REPORT_DAY)
    assert "错误" in msg and len(values(book, "校验结果")) > 100
    n_clear, msg = _calls(excel.clear_marks, book=book)
    assert msg.startswith("已清除") and int(re.search(r"已清除(\d+)处", msg).group(1)) >= 100
    # counts include xlwings' own navigation (range → sheet → book → app), each a COM property read in Excel
    assert n_validate <= 200 and n_clear <= 40, (n_validate, n_clear)
    assert n_validate - small_validate <= 8 and n_clear - small_clear <= 8, (small_validate, small_clear)
    # the first press puts the 1000 cases (written in the sample's order, not 成员单位's) where the CLI writes them:
    # one whole-row copy per block of cases that move together, never a call per cell
    # (the 审批台账 and 待审批 are read too, where the office's decisions wait for the next run)
    first_status, _ = _calls(excel.compute_status, book=book, today=REPORT_DAY)
    n_status, _ = _calls(excel.compute_status, book=book, today=REPORT_DAY)  # in order now: nothing moves
    assert n_status <= 355 and n_status - small_status <= 2, (small_status, n_status)
    assert first_status <= n_status + 3 * 1000, first_status
    print(f"calls: validate {small_validate}->{n_validate}, clear {small_clear}->{n_clear}, "
          f"status {small_status}->{n_status} (first, sorting 1000 cases: {first_status})")


def test_formatting_does_not_inflate_what_is_read(office):
    s, book, app = office
    sheet = book.sheets["台账"].impl
    n, width = len(values(book, "台账")), len(values(book, "台账")[0])
    sheet.cell(1_000_000, 60).color = (1, 2, 3)  # a column formatted to the bottom of the sheet
    sheet.cell(n + 5, 3).color = (1, 2, 3)
    rows = excel.read_rows(book.sheets["台账"])
    assert len(rows) == n and len(rows[0]) == width


def test_office_columns_survive_like_the_cli(office, tmp_path):
    """An office's own column keeps its values and place after a button, as after `taizhang status`."""
    from openpyxl import load_workbook

    from taizhang.jobs import run_status

    s, book, app = office
    sheet = book.sheets["台账"].impl
    width = len(values(book, "台账")[0])
    sheet.put(1, width + 1, "办公室备注")
    sheet.put(2, width + 1, "'001")
    sheet.put(3, width + 1, "'2026年11月")
    sheet.put(1, width + 2, "办公室公式")
    sheet.put(2, width + 2, '=A2&"-跟踪"')
    excel.compute_status(book=book, today=REPORT_DAY)
    got = values(book, "台账")
    assert got[0][width] == "办公室备注" and got[1][width] == "001" and got[2][width] == "2026年11月"
    assert sheet.formulas() == ['=A2&"-跟踪"'] and sheet.text_of(2, width + 2) == '=A2&"-跟踪"'
    got = [r[:width + 1] for r in got]
    wb = load_workbook(s.master)
    ws = wb["台账"]
    ws.cell(1, width + 1, "办公室备注")
    ws.cell(2, width + 1, "001")
    ws.cell(3, width + 1, "2026年11月")
    wb.save(s.master)
    run_status(s.master, REPORT_DAY, out=tmp_path / "cli.xlsx")
    cli = [list(r) for r in load_workbook(tmp_path / "cli.xlsx")["台账"].iter_rows(values_only=True)]
    header = cli[0]
    for name in ("办公室备注", "红绿灯", "整改时限", "问题编号"):
        i = header.index(name)
        assert [r[i] for r in cli[1:]] == [r[got[0].index(name)] for r in got[1:]], name


def test_collector_is_paused_only_inside_a_job(office, monkeypatch):
    import gc

    from taizhang import jobs

    s, book, app = office
    seen = []
    real = jobs.with_lights

    def spy(*a, **k):
        seen.append(gc.isenabled())
        return real(*a, **k)

    monkeypatch.setattr(jobs, "with_lights", spy)
    excel.compute_status(book=book, today=REPORT_DAY)
    assert seen == [False] and gc.isenabled()
    monkeypatch.setattr(jobs, "with_lights", lambda *a, **k: 1 / 0)
    assert "内部出错" in excel.compute_status(book=book, today=REPORT_DAY)
    assert gc.isenabled()


def test_merge_and_summary_say_what_they_are_doing(office, tmp_path):
    s, book, app = office
    app.folder_answer = str(s.submissions)
    excel.merge_reports(book=book, today=REPORT_DAY)
    said = [x for x in app.status_history if x]
    assert any("报送文件" in x for x in said) and any("写回台账" in x for x in said) and any("历史统计" in x for x in said)
    app.status_history.clear()
    excel.build_summary(out=str(tmp_path / "s.xlsx"), book=book, today=REPORT_DAY)
    said = [x for x in app.status_history if x]
    assert any("统计数字" in x for x in said) and any("汇总表文件" in x for x in said)
    assert app.status_bar is False


# ----------------------------------------------------------------------------- install

ZHANG = {"USERPROFILE": "C:\\Users\\张三", "LOCALAPPDATA": "C:\\Users\\张三\\AppData\\Local",
         "APPDATA": "C:\\Users\\张三\\AppData\\Roaming"}
ZHANG_PYTHON = "C:\\Users\\张三\\AppData\\Local\\Programs\\Python\\Python312\\pythonw.exe"


def test_conf_round_trips_a_chinese_user_folder_as_vba_reads_it():
    from taizhang.doors.addin_build import conf_bytes, read_conf_as_vba

    data = conf_bytes(ZHANG_PYTHON, ZHANG, "gbk")
    assert data.isascii()  # expressed through %LOCALAPPDATA%: no code page can garble it
    assert read_conf_as_vba(data, "gbk", ZHANG)["INTERPRETER_WIN"] == ZHANG_PYTHON
    assert read_conf_as_vba(data, "cp1252", ZHANG)["INTERPRETER_WIN"] == ZHANG_PYTHON  # even on a Western PC
    # outside the user folders: the ANSI code page carries the Chinese, as VBA's Input # decodes it
    other = "D:\\软件\\Python312\\pythonw.exe"
    data = conf_bytes(other, ZHANG, "gbk")
    assert "软件".encode("gbk") in data and b"\r\n" in data
    assert read_conf_as_vba(data, "gbk", ZHANG)["INTERPRETER_WIN"] == other
    utf8 = f'"INTERPRETER_WIN","{other}"\r\n'.encode("utf-8")
    assert read_conf_as_vba(utf8, "gbk", ZHANG)["INTERPRETER_WIN"] != other  # why the UTF-8 conf failed
    assert read_conf_as_vba(data, "gbk", ZHANG)["ADD_WORKBOOK_TO_PYTHONPATH"] == "False"


def test_conf_refuses_a_path_the_code_page_cannot_hold():
    from taizhang.doors.addin_build import InstallError, conf_bytes

    with pytest.raises(InstallError, match="代码页"):
        conf_bytes("D:\\파이썬\\pythonw.exe", ZHANG, "gbk")


def test_addin_install_target_writes_a_fresh_addin_and_conf(tmp_path, monkeypatch):
    from taizhang.doors.addin_build import read_conf_as_vba
    from taizhang.doors.cli import main

    monkeypatch.setenv("LOCALAPPDATA", ZHANG["LOCALAPPDATA"])
    target = tmp_path / "U盘"
    target.mkdir()
    (target / "taizhang.xlam").write_bytes(b"stale add-in from an old version")
    assert main(["addin", "install", "--target", str(target), "--interpreter", ZHANG_PYTHON]) == 0
    xlam = target / "taizhang.xlam"
    assert zipfile.is_zipfile(xlam) and "xl/vbaProject.bin" in zipfile.ZipFile(xlam).namelist()
    conf = (target / "taizhang.conf").read_bytes()
    assert conf.startswith(b'"INTERPRETER_WIN","%LOCALAPPDATA%\\Programs')
    assert read_conf_as_vba(conf, "gbk", ZHANG)["INTERPRETER_WIN"] == ZHANG_PYTHON
    assert not [p for p in target.iterdir() if p.name.endswith(".tmp")]


def test_addin_install_refuses_a_locked_target(tmp_path, monkeypatch, capsys):
    import os

    from taizhang.doors.cli import main

    target = tmp_path / "XLSTART"
    target.mkdir()
    old = b"the add-in Excel has open"
    (target / "taizhang.xlam").write_bytes(old)
    real = os.replace

    def locked(src, dst):
        if str(dst) == str(target / "taizhang.xlam"):
            raise PermissionError(13, "The process cannot access the file because it is being used by another process")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", locked)
    assert main(["addin", "install", "--target", str(target), "--interpreter", "C:\\Python312\\pythonw.exe"]) == 2
    err = capsys.readouterr()
    assert "正被占用" in err.out + err.err and "关闭所有 Excel" in err.out + err.err
    assert (target / "taizhang.xlam").read_bytes() == old
    assert sorted(p.name for p in target.iterdir()) == ["taizhang.xlam"]


def test_addin_install_without_target_off_windows_says_what_to_do(capsys):
    import sys

    from taizhang.doors.cli import main

    if sys.platform == "win32":
        pytest.skip("Windows installs into XLSTART")
    assert main(["addin", "install"]) == 2
    out = capsys.readouterr()
    assert "--target" in out.out + out.err


# ----------------------------------------------------------------------------- worksheet formulas over 工作日历

@needs_libreoffice
def test_calendar_formulas_recalculated_by_libreoffice_agree_with_the_cli(fresh_sample, tmp_path, capsys):
    """The master's hidden 工作日历 sheet, with the workbook's own 节假日 rows, drives plain formulas that
    LibreOffice recalculates; every answer equals `taizhang workday` (and the ledger's own lights)."""
    import csv
    import random

    import pandas as pd
    from conftest import convert
    from openpyxl import load_workbook

    from taizhang.book.calendar_sheet import S_CALENDAR, deadline_formula, light_formula, workday_formula
    from taizhang.book.master import empty_ledger, load_master
    from taizhang.calendar.deadlines import compute_lights
    from taizhang.doors.cli import main
    from taizhang.fields import LIGHT_ZH

    master = fresh_sample.master
    wb = load_workbook(master)
    ws = wb["节假日"]
    local = {dt.date(2027, 3, 15): "放假", dt.date(2027, 3, 20): "上班", dt.date(2028, 6, 5): "放假"}
    for d, kind in local.items():
        ws.append([d, kind, "本地安排（测试）"])
    settings = wb["参数设置"]  # seed 001 has no tiers: the office switches them on (办公室设定), so 工作日历 has them
    next(r for r in settings.iter_rows(min_row=2) if r[0].value == "复杂程度档次")[1].value = "是"
    wb.save(master)
    assert main(["status", str(master), "--today", "2026-11-23"]) == 0  # a save writes 工作日历 afresh
    capsys.readouterr()
    wb = load_workbook(master)
    assert wb[S_CALENDAR].sheet_state == "hidden"
    m = load_master(master, ledger=False)
    cal = m.calendar()
    tiers = [t.name for t in m.rulebook.tiers]

    rng = random.Random(17)
    cases = []
    for i in range(240):
        start = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(0, 9 * 365))
        if i < 12:  # around the local overrides
            start = dt.date(2027, 3, 10) + dt.timedelta(days=i)
        cases.append((start, rng.randint(1, 25), tiers[i % len(tiers)], ["整改中", "未启动", "已办结", "已销号", "查否"][i % 5],
                      start + dt.timedelta(days=rng.randint(-10, 40))))
    sheet = wb.create_sheet("试算", 0)
    wb.active = 0
    for r, (start, n, tier, status, today) in enumerate(cases, 1):
        sheet.append([start, n, "=" + workday_formula(f"A{r}", f"B{r}"), tier, "=" + deadline_formula(f"A{r}", f"D{r}"),
                      status, today, "=" + light_formula(f"E{r}", f"F{r}", f"G{r}")])
        for col in "ACEG":
            sheet[f"{col}{r}"].number_format = "yyyy-mm-dd"
    probe = tmp_path / "probe.xlsx"
    wb.save(probe)
    out = convert([probe], "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path / "lo")[0]
    got = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert len(got) == len(cases)

    def cli(*args) -> str:
        assert main(["workday", *args, "--master", str(master)]) == 0
        return capsys.readouterr().out.strip().splitlines()[-1]

    for (start, n, tier, status, today), row in zip(cases, got):
        assert row[2] == cli(start.isoformat(), str(n)), (start, n)
        t = m.rulebook.tier(tier)
        want = cli(start.isoformat(), str(t.workdays)) if t.workdays else cli(start.isoformat(), "--month", str(t.months))
        assert row[4] == want, (start, tier)
        ledger = pd.concat([empty_ledger(), pd.DataFrame([{"deadline": dt.date.fromisoformat(row[4]), "status": status}])],
                           ignore_index=True).astype(object)
        light = compute_lights(ledger.where(ledger.notna(), None), m.rulebook, cal, today).cases[0].light
        assert row[7] == LIGHT_ZH[light], (row, today)
    assert {r[7] for r in got} >= {"红灯", "黄灯", "绿灯", "已办结", "已销号"}
    assert cal.is_workday(dt.date(2027, 3, 20)) and not cal.is_workday(dt.date(2027, 3, 15))


# ----------------------------------------------------------------------------- the offline route in the README

@pytest.mark.slow
def test_offline_route_as_the_readme_writes_it(tmp_path):
    """`pip wheel -w wheels .` on a connected machine, then `pip install --no-index --find-links wheels taizhang`
    into a fresh venv, then `taizhang demo`: the route IT staff follow (about a minute: pip's cache is local)."""
    import subprocess
    import sys
    import venv
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "pip wheel -w wheels ." in readme and "--no-index --find-links wheels taizhang" in readme
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "-w", str(wheels), str(root)], check=True,
                   capture_output=True, timeout=600)
    assert any(p.name.startswith("taizhang-") for p in wheels.iterdir())  # the package itself is in the folder
    env_dir = tmp_path / "intranet"
    venv.create(env_dir, with_pip=True)
    py = env_dir / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    done = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-index", "--find-links", str(wheels), "taizhang"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "demo"
    demo = subprocess.run([str(py), "-m", "taizhang", "demo", "--out", str(out)], capture_output=True, text=True,
                          timeout=600, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert list(out.glob("*台账*.xlsx")) and "汇总表" in demo.stdout


def test_the_docs_name_only_tests_that_exist():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    text = (root / "README.md").read_text(encoding="utf-8") + (root / "docs" / "excel-checklist.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(test_\w+)`", text))
    assert named
    source = "".join(p.read_text(encoding="utf-8") for p in (root / "tests").glob("test_*.py"))
    for name in named:
        assert f"def {name}(" in source, name
    assert "TZ_WORKDAY(" not in text  # the add-in has no worksheet functions; the README must not promise them


def test_read_rows_finds_a_lone_cell_away_from_a1(office):
    s, book, app = office
    sheet = excel.write_table(book, "单格", [])
    sheet.impl.put(3, 4, "只有这一格")
    assert excel.read_rows(sheet) == [[None] * 4, [None] * 4, [None, None, None, "只有这一格"]]


# ----------------------------------------------------------------------------- one writer: the ribbon follows the plan

def _office_edited(master, blank=5):
    """The office's edits in a spreadsheet program: a column of its own with a formula on every case's row, a
    value, a note, a fill, a row height and a hidden row on given cases, then one case's row emptied (every row below moves up)."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    from taizhang.fields import FIELDS
    from taizhang.findings import col_letter

    wb = load_workbook(master)
    ws = wb["台账"]
    copy, note = col_letter(len(FIELDS) + 1), col_letter(len(FIELDS) + 2)
    ws[f"{copy}1"], ws[f"{note}1"] = "编号副本", "办公室备注"
    for r in range(2, ws.max_row + 1):
        ws[f"{copy}{r}"] = f'=A{r}&"#"'
    marks = {"value": ws["A9"].value, "note": ws["A10"].value, "fill": ws["A11"].value, "tall": ws["A12"].value,
             "hidden": ws["A13"].value}
    ws[f"{note}9"] = "重点关注"
    ws["C10"].comment = Comment("办公室批注：请核实", "办公室")
    ws[f"{note}11"].fill = PatternFill("solid", fgColor="FF7030A0")
    ws.row_dimensions[12].height = 48
    ws.row_dimensions[13].hidden = True
    cases = ws.max_row - 2  # the emptied row holds no case any more
    for cell in ws[blank]:
        cell.value = None
    wb.save(master)
    return copy, note, marks, cases


def test_status_button_keeps_every_office_formula_note_and_row_format_with_its_case(office, tmp_path):
    """#24: with one emptied row, 计算时限与红绿灯 kept 3 of 90 office formulas (the CLI keeps 90 of 90), and notes and
    row formats stayed at their Excel positions. The button now writes by the CLI's plan."""
    import shutil

    from memengine import open_book as reopen
    from openpyxl import load_workbook
    from openpyxl.utils import column_index_from_string

    from taizhang.jobs import run_status

    s, _, _ = office
    copy, note, marks, cases = _office_edited(s.master)
    cli = tmp_path / "cli.xlsx"
    shutil.copy(s.master, cli)
    book = reopen(s.master)
    msg = excel.compute_status(book=book, today=REPORT_DAY)
    sheet = book.sheets["台账"].impl
    rows = values(book, "台账")
    row_of = {r[0]: i for i, r in enumerate(rows[1:], 2) if r[0]}
    assert len(row_of) == cases and len(rows) == cases + 1  # the emptied row is gone, nothing left below
    j_copy, j_note = column_index_from_string(copy), column_index_from_string(note)
    formulas = [sheet.text_of(r, j_copy) for r in range(2, cases + 2)]
    assert formulas == [f'=A{r}&"#"' for r in range(2, cases + 2)]  # every one, each on its own case's row
    assert sheet.cell(row_of[marks["value"]], j_note).value == "重点关注"
    assert "请核实" in sheet.cell(row_of[marks["note"]], 3).note
    assert sheet.cell(row_of[marks["fill"]], j_note).color == (0x70, 0x30, 0xA0)
    assert {r: h for r, h in sheet.row_heights.items() if r > 1} == {row_of[marks["tall"]]: 48}
    assert sheet.hidden_rows == {row_of[marks["hidden"]]} and row_of[marks["hidden"]] != 13  # it moved, hidden
    assert [k for k, c in sheet.cells_by_pos.items() if c.note] == [(row_of[marks["note"]], 3)]
    assert rows[0][j_copy - 1] == "编号副本" and rows[0][j_note - 1] == "办公室备注"
    # the CLI on the same edited master: the same cases on the same rows, the same office cells beside them
    run_status(cli, REPORT_DAY)
    ws = load_workbook(cli)["台账"]
    assert [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)] == [r[0] for r in rows[1:]]
    assert [ws[f"{copy}{r}"].value for r in range(2, ws.max_row + 1)] == formulas
    assert ws[f"{note}{row_of[marks['value']]}"].value == "重点关注"
    # the account is the CLI's (report.text.status_text), with where it went
    assert msg.startswith("已计算") and "结果已写入本工作簿" in msg


def test_ribbon_writes_taizhang_columns_where_the_office_put_them(office):
    """An office column inserted between taizhang's and a taizhang column deleted: the button writes each field
    under its header, never over the office's column, and adds the missing field at the right edge."""
    from memengine import open_book as reopen
    from openpyxl import load_workbook

    s, _, _ = office
    wb = load_workbook(s.master)
    ws = wb["台账"]
    header = [c.value for c in ws[1]]
    gone = header.index("备注") + 1 if "备注" in header else len(header)
    gone_header = ws.cell(1, gone).value
    ws.delete_cols(gone)
    ws.insert_cols(4)
    ws.cell(1, 4, "办公室分类")
    for r in range(2, ws.max_row + 1):
        ws.cell(r, 4, f"类{r}")
    expected = {ws.cell(r, 1).value: f"类{r}" for r in range(2, ws.max_row + 1)}
    wb.save(s.master)
    book = reopen(s.master)
    excel.compute_status(book=book, today=REPORT_DAY)
    rows = values(book, "台账")
    assert rows[0][3] == "办公室分类" and rows[0][-1] == gone_header  # the deleted field comes back at the right edge
    assert rows[0][:3] == header[:3] and rows[0][4:-1] == [h for h in header if h != gone_header][3:]
    assert {r[0]: r[3] for r in rows[1:]} == expected  # the office's column beside its cases
    lights = [r[rows[0].index("红绿灯")] for r in rows[1:]]
    assert "红灯" in lights and "绿灯" in lights


def test_a_100_percent_typed_in_excel_reads_as_100_through_the_ribbon(office):
    """#24: Range.Value carries no number format, so the ribbon read a 完成进度 typed as 100% (1 with the format
    0%) as 1, and 60% as 0.6. The button reads the column's number formats (Range.NumberFormat, one call over the
    column where its cells agree, halves where they differ) and reads them as the file readers do (xlsx.numfmt);
    it writes them back into their percent cells as typed (1 shows 100%), so a second press reads 100 again."""
    import memengine

    s, book, app = office
    sheet = book.sheets["台账"].impl
    rows = values(book, "台账")
    col = rows[0].index("完成进度（%）") + 1
    ids = [rows[1][0], rows[2][0]]
    sheet.put(2, col, "100%")
    sheet.put(3, col, "60%")
    assert sheet.cell(2, col).value == 1.0 and sheet.cell(2, col).number_format == "0%"
    progress = excel.master_of(book).ledger.set_index("case_id")["progress"]
    assert (progress[ids[0]], progress[ids[1]]) == (100.0, 60.0)
    for _ in range(2):
        excel.compute_status(book=book, today=REPORT_DAY)
        progress = excel.master_of(book).ledger.set_index("case_id")["progress"]
        assert (progress[ids[0]], progress[ids[1]]) == (100.0, 60.0)
    at = {r[0]: i for i, r in enumerate(values(book, "台账")) if i}
    assert sheet.cell(at[ids[0]] + 1, col).value == 1.0 and sheet.cell(at[ids[0]] + 1, col).number_format == "0%"
    # a column formatted as a whole costs one NumberFormat read, whatever its length
    reads = []
    real = memengine.MemRange.number_format.fget
    n = len(rows)
    sheet.range((2, col), (n, col)).number_format = "0%"
    try:
        memengine.MemRange.number_format = property(lambda r: reads.append(r) or real(r), memengine.MemRange.number_format.fset)
        excel.master_of(book)
    finally:
        memengine.MemRange.number_format = property(real, memengine.MemRange.number_format.fset)
    assert len(reads) == 1
