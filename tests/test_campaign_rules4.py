"""Each campaign by its own seed, round 4 (issue 26, what was left): the 复杂程度 tiers only in seed 004, lijiuzhang's
待核准 cases not counted as 攻坚难题, the period 通报 from the ribbon and the page.

Every test quotes, in its docstring, the seed sentence it implements.
"""

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_seed_rules import book

from taizhang.book.master import create_master, load_master
from taizhang.intake.units import build_directory

D = dt.date
OTHERS = ["lijiuzhang", "xinguan", "zhonggengzu", "sanluan"]


def _settings(path) -> dict:
    return {r[0]: (r[1], r[2]) for r in load_workbook(path)["参数设置"].iter_rows(min_row=2, values_only=True)}


def _template_headers(m, tmp_path) -> list:
    from taizhang.book.template import write_templates

    [path] = write_templates(m, tmp_path / "模板", D(2026, 11, 20))
    wb = load_workbook(path)
    guide = " ".join(str(c.value) for r in wb["填报说明"].iter_rows() for c in r if c.value)
    return [c.value for c in wb["台账"][3]], guide


def _master(tmp_path, preset, b=None):
    path = tmp_path / f"台账总表-{preset}.xlsx"
    b = b or book(preset)
    create_master(path, b, build_directory([(2, "城关镇", b.unit_types[0], "", "")], "成员单位"))
    return path


# ----------------------------------------------------------------- item 1: 复杂程度 tiers only where the plan has them

def test_xiaoneng_alone_has_complexity_tiers_in_its_form_and_settings(tmp_path):
    """Seed 004: "没有时限要求原则上5个工作日内办结，较复杂的10个工作日内办结，特别复杂的20个工作日内办结，极特殊的经申请同意后
    1个月内办结" — its unit form has a 复杂程度 column and 参数设置 its four tiers, as the plan's."""
    path = _master(tmp_path, "xiaoneng")
    rows = _settings(path)
    assert [k for k in rows if k.startswith("时限档次·")] == ["时限档次·一般", "时限档次·较复杂", "时限档次·特别复杂",
                                                         "时限档次·极特殊"]
    assert "复杂程度档次" not in rows and not any("办公室设定" in rows[k][1] for k in rows if k.startswith("时限档次"))
    headers, guide = _template_headers(load_master(path), tmp_path)
    assert "复杂程度" in headers and "复杂程度" in guide


@pytest.mark.parametrize("preset", OTHERS)
def test_other_campaigns_have_no_complexity_tiers_unless_the_office_switches_them_on(tmp_path, preset):
    """DOMAIN.md: "Only seed 004 sets 签收 … 反馈 … limits and the complexity tiers. The other campaigns have none of them …
    unless the office itself switches them on as its own setting, labelled so." Seeds 000–003 name no 较复杂 / 特别复杂: the
    unit's form has no 复杂程度 column, 参数设置 no tier and no 默认复杂程度, only the office's switch, labelled
    办公室设定（方案未规定）. Switched on (是), the tiers come back as the office's, and the form asks for 复杂程度."""
    from taizhang.jobs import run_status

    b = book(preset)
    assert b.tiers == []
    path = _master(tmp_path, preset)
    rows = _settings(path)
    assert not [k for k in rows if k.startswith("时限档次")] and "默认复杂程度" not in rows
    assert rows["复杂程度档次"][0] == "不设" and rows["复杂程度档次"][1].startswith("办公室设定（方案未规定）")
    m = load_master(path)
    assert m.rulebook.tiers == [] and m.settings_notes == []
    headers, guide = _template_headers(m, tmp_path)
    assert "复杂程度" not in headers and "复杂程度" not in guide and "办理状态" in headers

    wb = load_workbook(path)
    ws = wb["参数设置"]
    next(r for r in ws.iter_rows(min_row=2) if r[0].value == "复杂程度档次")[1].value = "是"
    wb.save(path)
    on = load_master(path)
    assert [(t.name, t.workdays, t.months) for t in on.rulebook.tiers] == [
        ("一般", 5, None), ("较复杂", 10, None), ("特别复杂", 20, None), ("极特殊", None, 1)]
    assert on.rulebook.deadline_rule == b.deadline_rule  # the tiers alone do not change whose deadline rule decides
    run_status(path, D(2026, 11, 20))
    rows = _settings(path)
    assert rows["复杂程度档次"][0] == "是"
    assert rows["时限档次·较复杂"][0] == "10个工作日" and rows["时限档次·较复杂"][1].startswith("办公室设定（方案未规定）")
    headers, _ = _template_headers(load_master(path), tmp_path / "on")
    assert "复杂程度" in headers


def test_an_old_master_of_another_campaign_drops_the_tiers_every_preset_carried_and_keeps_working(tmp_path):
    """Seed 001 ("原则上应在当年办结") gives no tiers; a master of 设置版本 2 carries seed 004's four tiers, as every preset
    then did. Read, they are recognised and dropped with one note (settings-migrated); a 复杂程度 a unit's old form still
    carries is no error; once saved, the master is version 3 and read as written."""
    from openpyxl import Workbook

    from taizhang.jobs import run_status
    from taizhang.rules.rulebook import DEFAULT_TIERS
    from taizhang.rules.validate import validate_file

    old = book("xinguan").model_copy(update={"tiers": list(DEFAULT_TIERS)})
    path = _master(tmp_path, "xinguan", old)
    wb = load_workbook(path)
    ws = wb["参数设置"]
    for r in range(ws.max_row, 1, -1):
        if ws.cell(r, 1).value == "复杂程度档次":
            ws.delete_rows(r)
        elif ws.cell(r, 1).value == "设置版本":
            ws.cell(r, 2).value = 2
    wb.save(path)
    assert "时限档次·较复杂" in _settings(path)
    m = load_master(path)
    assert m.rulebook.tiers == [] and len(m.settings_notes) == 1
    assert "时限档次" in m.settings_notes[0] and "复杂程度档次" in m.settings_notes[0]

    unit = Workbook()
    sheet = unit.active
    sheet.append(["责任单位", "线索来源", "问题类别", "问题描述", "牵头领导", "具体责任人", "交办日期", "复杂程度", "办理状态"])
    sheet.append(["城关镇", m.rulebook.sources[0], m.rulebook.categories[0].name, "拖欠工程款", "张三", "李四",
                  "2026-06-01", "较复杂", "整改中"])
    unit.save(tmp_path / "城关镇.xlsx")
    report, checked = validate_file(tmp_path / "城关镇.xlsx", rulebook=m.rulebook, units=m.units, today=D(2026, 11, 20))
    assert "unknown-complexity" not in {f.code for f in report.findings}
    assert checked.frame["complexity"].tolist() == ["较复杂"]  # kept as written

    status = run_status(path, D(2026, 11, 20))
    assert [f.code for f in status.issues].count("settings-migrated") == 1
    again = load_master(path)
    assert again.settings_notes == [] and again.rulebook.tiers == []
    rows = _settings(path)
    assert rows["设置版本"][0] == 3 and rows["复杂程度档次"][0] == "不设" and "时限档次·较复杂" not in rows


def test_a_master_of_another_campaign_keeps_tiers_the_office_changed(tmp_path):
    """Seed 000 gives no tiers ("坚决确保本阶段结束前完成整改整治任务"): tiers an office set are its own, labelled so in
    参数设置; one it changed (较复杂 15个工作日) is never taken for the old default, even in a master without 设置版本."""
    from taizhang.rules.rulebook import DEFAULT_TIERS

    tiers = [t.model_copy(update={"workdays": 15}) if t.name == "较复杂" else t for t in DEFAULT_TIERS]
    path = _master(tmp_path, "lijiuzhang", book("lijiuzhang").model_copy(update={"tiers": tiers}))
    rows = _settings(path)
    assert rows["复杂程度档次"][0] == "是" and rows["时限档次·较复杂"] == ("15个工作日", "办公室设定（方案未规定）：复杂程度为该档次时的办结时限")
    wb = load_workbook(path)
    ws = wb["参数设置"]
    for r in range(ws.max_row, 1, -1):
        if ws.cell(r, 1).value == "设置版本":
            ws.delete_rows(r)
    wb.save(path)
    m = load_master(path)
    assert [t.workdays for t in m.rulebook.tiers][:2] == [5, 15]
    assert not any("时限档次" in n for n in m.settings_notes)


# ----------------------------------------------------------------- item 2: seed 000, 待核准 not yet 攻坚难题

def test_lijiuzhang_cases_awaiting_approval_are_not_counted_and_said_so(tmp_path):
    """Seed 000: "从中选择1个以上有代表性的问题作为本次专项行动的攻坚难题，并于5月15日前，经主管副区长审签后报领导小组办公室审定、
    核准" and "领导小组办公室对各责任单位上报的攻坚难题进行审定、核准后，建立…攻坚台账" — a proposal is on the 攻坚台账 only
    once 核准: until then no figure, no ranking and no 通报 counts it, and each says "待核准N个，未计入". The unit that
    proposed one is not "尚未确定" (it did), nor "没有问题"."""
    import openpyxl
    from test_trail import decide

    from taizhang.jobs import run_figures, run_merge, run_notice, run_status, run_summary
    from taizhang.report.figures import briefing

    b = book("lijiuzhang")
    path = tmp_path / "m.xlsx"
    create_master(path, b, build_directory([(2, "住建局", "区直部门", "", "ZJ"), (3, "城管局", "区直部门", "", "CG")], "t"))
    folder = tmp_path / "报送"
    folder.mkdir()
    for unit, signed in (("住建局", "王副区长"), ("城管局", "李副区长")):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["责任单位", "线索来源", "问题类别", "问题描述", "牵头领导", "具体责任人", "交办日期", "办理状态",
                   "完成进度（%）", "主管副区长审签"])
        ws.append([unit, "摸底排查", b.categories[0].name, f"{unit}烂尾工程", "张局长", "李四", "2026-05-14", "整改中",
                   50, signed])
        wb.save(folder / f"{unit}-2026年5月.xlsx")
    run_merge(path, folder, D(2026, 5, 15))
    ids = dict(zip(load_master(path).ledger["unit"], load_master(path).ledger["case_id"]))
    figs = run_figures(path, D(2026, 5, 15))
    assert (figs.totals.total, figs.unapproved) == (0, 2)
    assert all(u.rank is None and not u.below_min for u in figs.units)
    decide(path, "待审批", ids["住建局"], "核准", "领导小组办公室")
    run_status(path, D(2026, 5, 18))

    figs = run_figures(path, D(2026, 5, 18))
    assert (figs.totals.total, figs.totals.in_progress, figs.unapproved) == (1, 1, 1)
    units = {u.unit: u for u in figs.units}
    assert (units["住建局"].total, units["住建局"].rank) == (1, 1)
    assert (units["城管局"].total, units["城管局"].unapproved, units["城管局"].rank) == (0, 1, None)
    text = "".join(briefing(figs))
    assert "待核准1个，未计入（城管局1个）" in text

    summary = tmp_path / "汇总.xlsx"
    run_summary(path, D(2026, 5, 18), summary)
    cells = {str(c.value) for ws in load_workbook(summary) for r in ws.iter_rows() for c in r if c.value is not None}
    assert "城管局（待核准1个，未计入）" in cells
    assert not any("没有问题" in c and "1个单位" in c for c in cells)  # 城管局 is not shown as 无问题
    hist = load_master(path).history
    day = hist[hist["报送日"].map(lambda d: str(d)[:10]) == "2026-05-15"]  # the merge's 历史统计: 攻坚难题 only
    assert len(day) and all(int(n or 0) == 0 for n in day["问题总数"])

    res = run_notice(path, D(2026, 5, 18), tmp_path / "通报.docx")
    from docx import Document

    body = "".join(p.text for p in Document(res.notice).paragraphs)
    assert "待核准1个，未计入" in body and "另有1个单位没有问题" not in body


# ----------------------------------------------------------------- item 3: 按期通报 on the ribbon and on the page

def test_period_notice_button_asks_for_the_period_and_writes_the_clis_notice(fresh_sample, tmp_path, monkeypatch):
    """Seed 000: "建立“旬调度、月晾晒、季通报”的工作机制" — the ribbon's 按期通报 (ribbon.xml → TzPeriodNotice →
    excel.build_period_notice) asks for the month or quarter (the month just ended filled in), writes the same 通报 as
    `taizhang notice --period`, says so in report.text's lines, and leaves the workbook as it was; 取消 does nothing."""
    import docx
    from conftest import REPORT_DAY
    from memengine import open_book

    from taizhang.doors import excel
    from taizhang.doors.addin_build import macro_text

    assert 'onAction="TzPeriodNotice"' in macro_text("ribbon.xml") and 'label="按期通报"' in macro_text("ribbon.xml")
    assert 'tz.build_period_notice()' in macro_text("TaizhangRibbon.bas")
    assert excel.BUTTONS["TzPeriodNotice"] == "build_period_notice"
    monkeypatch.setenv("TAIZHANG_LOG_DIR", str(tmp_path / "log"))
    book = open_book(fresh_sample.master)
    app = book.app.impl
    before = Path(fresh_sample.master).read_bytes()
    app.input_answer = False
    assert excel.build_period_notice(book=book, today=REPORT_DAY) is None
    prompt, title, default, kind = app.inputs[-1]
    assert default == "2026-10" and "2026Q4" in prompt and kind == 2 and title == "台账助手"
    app.input_answer = "2026-11"
    said = excel.build_period_notice(book=book, today=REPORT_DAY)
    notice = Path(fresh_sample.master).with_name(f"{Path(fresh_sample.master).stem}-通报（草稿）-2026年11月.docx")
    assert notice.exists() and str(notice) in said and "本工作簿未改动" in said
    assert "2026年11月" in "".join(p.text for p in docx.Document(str(notice)).paragraphs)
    assert Path(fresh_sample.master).read_bytes() == before
    app.input_answer = "明年"
    said = excel.build_period_notice(book=book, today=REPORT_DAY)
    assert said.startswith("按期通报未完成") and "无法识别" in said


def test_period_prompt_defaults_to_the_period_just_ended():
    """Seed 000 "月晾晒、季通报": a month's bulletin once the month is over, a quarter's once the quarter is."""
    from taizhang.report.text import period_prompt

    lijiu = book("lijiuzhang").bulletins
    prompt, default = period_prompt(lijiu, D(2026, 12, 3))
    assert default == "2026-11" and "月晾晒（每月）、季通报（每季度）" in prompt
    quarterly = [b for b in lijiu if b.period == "quarter"]
    assert period_prompt(quarterly, D(2026, 12, 3))[1] == "2026Q3"
    assert period_prompt(quarterly, D(2026, 2, 3))[1] == "2025Q4"
    assert period_prompt([], D(2026, 1, 5))[1] == "2025-12"


def test_period_notice_on_the_summary_page_is_the_clis_notice(fresh_sample, tmp_path, monkeypatch):
    """Seed 003: "建立周报告、月通报制度" — on the page's 汇总, the 按期通报 form (the month just ended filled in) writes the
    `taizhang notice --period` 通报 for the month asked, offers it to download, and refuses a period it cannot read."""
    import docx
    from conftest import REPORT_DAY
    from test_web import client_for, wait_job

    from taizhang.jobs import run_notice

    monkeypatch.setenv("TAIZHANG_LOG_DIR", str(tmp_path / "log"))
    s = fresh_sample
    with client_for(s.root) as c:
        page = c.get(f"/summary?m={s.master.name}&today={REPORT_DAY.isoformat()}").text
        assert 'id="period-form"' in page and 'name="period" value="2026-10"' in page and "2026Q4" in page
        r = c.post(f"/summary/make?m={s.master.name}", data={"today": REPORT_DAY.isoformat(), "kind": "period",
                                                              "period": "2026-11"})
        out = s.master.with_name(f"{s.master.stem}-通报（草稿）-2026年11月.docx")
        assert r.status_code == 200 and out.exists() and f"已生成：{out.name}" in r.text
        assert f"name={out.name}" in r.text.replace("&amp;", "&") or "download" in r.text
        text = "".join(p.text for p in docx.Document(str(out)).paragraphs)
        cli = run_notice(s.master, REPORT_DAY, tmp_path / "cli.docx", period="2026-11")
        assert text == "".join(p.text for p in docx.Document(cli.notice).paragraphs) and "2026年11月" in text
        r = c.post(f"/summary/make?m={s.master.name}", data={"today": REPORT_DAY.isoformat(), "kind": "period",
                                                              "period": "2026Q4", "public": "1"},
                   headers={"Accept": "application/json"})
        assert r.status_code == 202
        assert wait_job(c, r.json()["status"])["state"] == "done"
        assert s.master.with_name(f"{s.master.stem}-通报（草稿）（公开版）-2026年第四季度.docx").exists()
        bad = c.post(f"/summary/make?m={s.master.name}", data={"today": REPORT_DAY.isoformat(), "kind": "period",
                                                                "period": "明年"})
        assert bad.status_code == 400 and "无法识别" in bad.text
