"""Above one campaign (issue #32 items 1 and 3 in part): `taizhang overview FOLDER` over three masters of
different campaigns whose member units overlap, each merged on two report days."""

import datetime as dt

import pytest
from openpyxl import Workbook, load_workbook

from taizhang.book.master import load_master
from taizhang.doors.cli import main
from taizhang.jobs import figures_of, run_merge, run_overview

DAYS = (dt.date(2026, 10, 23), dt.date(2026, 11, 23))


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    from taizhang.demo import generate

    root = tmp_path_factory.mktemp("office")
    for preset, seed in (("xinguan", 3), ("lijiuzhang", 4), ("xiaoneng", 5)):
        s = generate(root / preset, preset=preset, seed=seed, today=DAYS[0], n_units=8)
        for day in DAYS:
            run_merge(s.master, s.submissions, day)
    wb = Workbook()
    wb.active["A1"] = "去年的汇总表"
    wb.save(root / "xinguan" / "旧汇总.xlsx")
    return root


def test_each_campaign_is_its_own_summary_and_units_add_up_across_campaigns(office):
    today = DAYS[1]
    res = run_overview(office, today)
    ov = res.overview
    assert len(ov.campaigns) == 3 and {c.campaign for c in ov.campaigns} == {"新官不理旧账", "理旧账、解难题", "效能提升年"}
    figs = {}
    for c in ov.campaigns:
        figs[c.campaign] = figures_of(load_master(office / c.file), today)
        assert c.totals == figs[c.campaign].totals  # the number the campaign's own summary shows
    shared = [u for u in ov.units if len(u.campaigns) > 1]
    assert shared, "the demo campaigns share towns"
    for u in ov.units:
        mine = [next(x for x in figs[c].units if x.unit == u.unit) for c in u.campaigns]
        assert (u.total, u.red, u.yellow) == (sum(x.total for x in mine), sum(x.red for x in mine), sum(x.yellow for x in mine))
    reds = [u.red for u in ov.units]
    assert reds == sorted(reds, reverse=True)  # worst first
    assert ov.totals.total == sum(c.totals.total for c in ov.campaigns)
    assert "xinguan/旧汇总.xlsx" in [f for f, _ in ov.skipped]  # and the units' submissions: every file has its fate
    assert all(reason == "不是台账总表，未读取" or "已损坏" in reason for _, reason in ov.skipped)
    # the 月晾晒 picture: each campaign's units on each report day
    assert set(DAYS) <= set(ov.report_days)
    assert all(set(DAYS) <= set(row.days) for row in ov.trend)


def test_durations_are_working_days_by_each_master_calendar(office):
    ov = run_overview(office, DAYS[1]).overview
    for c in ov.campaigns:
        m = load_master(office / c.file)
        cal, df = m.calendar(), m.ledger
        pairs = [(a, d) for a, d in zip(df["assigned"], df["done_date"]) if isinstance(a, dt.date) and isinstance(d, dt.date)
                 and d >= a]
        want = round(sum(cal.workdays_between(a, d) for a, d in pairs) / len(pairs), 1) if pairs else None
        assert c.days_to_done == want


def test_the_workbook_and_the_account(office, capsys):
    out = office / "总览.xlsx"
    assert main(["overview", str(office), "--today", "2026-11-23", "--out", str(out)]) == 0
    said = capsys.readouterr()
    assert "共读取3个专项行动的台账总表" in said.out and "各台账总表未改动" in said.out
    assert "个文件不是台账总表（如报送表、汇总表），未读取" in said.out
    assert "读取台账总表 1/" in said.err  # per-file progress on stderr
    wb = load_workbook(out)
    assert wb.sheetnames == ["专项行动总览", "单位总览", "亮灯走势", "说明"]
    ws = wb["专项行动总览"]
    assert ws.print_title_rows == "$3:$3" and ws.page_setup.orientation == "landscape"
    names = [ws.cell(r, 1).value for r in range(4, 8)]
    assert names[-1] == "合计" and len(names) == 4
    grid = wb["亮灯走势"]
    assert grid.cell(3, 3).value == "10月23日" and grid.cell(3, 4).value == "11月23日"


def test_a_folder_without_masters_is_refused_in_chinese(tmp_path, capsys):
    assert main(["overview", str(tmp_path)]) == 2
    assert "没有台账总表" in capsys.readouterr().err


def test_each_campaign_summary_shows_the_overview_durations(office, tmp_path):
    """Item 3: the campaign's own 汇总表 shows the same durations and on-time rates as its 领导总览 line."""
    from taizhang.jobs import run_summary

    ov = run_overview(office, DAYS[1]).overview
    seen_sign = set()
    for c in ov.campaigns:
        out = tmp_path / f"{c.campaign}.xlsx"
        figs = run_summary(office / c.file, DAYS[1], out)
        ws = load_workbook(out)["总体情况"]
        at = {ws.cell(r, k).value.replace("\n", ""): (r, k) for r in range(1, ws.max_row + 1) for k in range(1, 12)
              if isinstance(ws.cell(r, k).value, str)}
        r, k = at["交办到办结平均（工作日）"]
        assert ws.cell(r + 1, k).value == (c.days_to_done if c.days_to_done is not None else "—")
        r, k = at["超期最多（工作日）"]
        assert ws.cell(r + 1, k).value == (c.overdue_max if c.overdue_max is not None else "—")
        assert ws.cell(r + 1, k - 2).value == figs.totals.red
        if "交办到签收平均（工作日）" in at:
            seen_sign.add(c.campaign)
            r, k = at["交办到签收平均（工作日）"]
            assert ws.cell(r + 1, k).value == (c.days_to_sign if c.days_to_sign is not None else "—")
        assert ("交办到签收平均（工作日）" in at) == (figs.sign_workdays is not None or c.days_to_sign is not None)
    assert "效能提升年" in seen_sign  # seed 004 tracks 签收


def test_namesakes_of_two_counties_stay_two_units_and_one_campaign_is_one_column(tmp_path):
    """Two counties' masters of one campaign (the lower masters of a roll-up) share unit names (each county has its
    城关镇): a unit is (office, name), so they are two rows, each its own county's figures, and the 单位总览 has one
    column for the campaign, not one a master."""
    import dataclasses

    from taizhang.book.ledger_sheet import save_master
    from taizhang.book.master import create_master
    from taizhang.demo import generate
    from taizhang.intake.units import UnitDirectory

    s = generate(tmp_path / "样本", preset="xinguan", seed=3, today=DAYS[0], n_units=6)
    run_merge(s.master, s.submissions, DAYS[0])
    sample = load_master(s.master)
    folder = tmp_path / "各县台账"
    folder.mkdir()
    for county, share in (("第一县专项办", 1.0), ("第二县专项办", 0.5)):
        path = folder / f"{county}台账.xlsx"
        units = [dataclasses.replace(u) for u in sample.units.units]
        create_master(path, sample.rulebook.model_copy(update={"office": county}), UnitDirectory(units))
        m = load_master(path)
        m.ledger = sample.ledger.head(int(len(sample.ledger) * share)).reset_index(drop=True)
        save_master(m, path)
    out = tmp_path / "总览.xlsx"
    ov = run_overview(folder, DAYS[1], out=out).overview
    names = sample.units.names()
    assert len(ov.units) == 2 * len(names)  # not conflated: every name twice, once per county
    for county in ("第一县专项办", "第二县专项办"):
        own = {u.unit: u for u in figures_of(load_master(folder / f"{county}台账.xlsx"), DAYS[1]).units}
        mine = {u.unit: u for u in ov.units if u.office == county}
        assert set(mine) == set(names)
        for name, u in mine.items():
            assert (u.total, u.red, u.yellow) == (own[name].total, own[name].red, own[name].yellow)
            assert u.campaigns == ["新官不理旧账"] and list(u.per_campaign) == ["新官不理旧账"]
    for county, share in (("第一县专项办", 1.0), ("第二县专项办", 0.5)):  # the second county's half: no case counted twice
        assert sum(u.total for u in ov.units if u.office == county) == int(len(sample.ledger) * share)
    ws = load_workbook(out)["单位总览"]
    headers = [ws.cell(3, c).value for c in range(1, ws.max_column + 1)]
    assert headers[:2] == ["单位", "所属办公室"] and headers.count("新官不理旧账") == 1
    rows = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(4, 4 + len(ov.units))]
    assert sorted(rows) == sorted((n, c) for n in names for c in ("第一县专项办", "第二县专项办"))
    assert ws.cell(4, 3).fill.fgColor.rgb.endswith(("FFC7CE", "FFEB9C", "C6EFCE")) or ov.units[0].light == "none"
    grid = load_workbook(out)["亮灯走势"]
    assert [grid.cell(3, c).value for c in (1, 2, 3)] == ["专项行动", "所属办公室", "单位"]


def test_unit_names_print_whole_on_the_unit_sheets(tmp_path):
    """单位总览 and 亮灯走势 are read on paper: a unit's name (区人力资源和社会保障局) stands on one line in its
    column, and any body text that wraps has a row tall enough for its lines (a streamed row without a height
    printed two lines over each other)."""
    from taizhang.demo import generate
    from taizhang.report.summary_book import lines_needed, text_units

    s = generate(tmp_path / "xiaoneng", preset="xiaoneng", seed=5, today=DAYS[0], n_units=24)
    run_merge(s.master, s.submissions, DAYS[0])
    wb = load_workbook(run_overview(tmp_path, DAYS[0]).out)
    longest = "区人力资源和社会保障局"
    seen, bad = set(), []
    for name, col in (("单位总览", "A"), ("亮灯走势", "B")):
        ws = wb[name]
        width = ws.column_dimensions[col].width
        assert width >= text_units(longest) + 0.8, (name, width)
        for row in ws.iter_rows(min_row=4):
            for c in row:
                if not isinstance(c.value, str) or not c.alignment.wrap_text:
                    continue
                seen.add(c.value)
                need = lines_needed(c.value, ws.column_dimensions[c.column_letter].width or 8.43)
                height = ws.row_dimensions[c.row].height or 15
                if need > 1 and height < 13 * need:
                    bad.append((name, c.coordinate, c.value, need, height))
    assert longest in seen and bad == []


def test_a_second_master_of_one_campaign_does_not_split_the_other_campaigns_units(tmp_path):
    """One office's two campaigns join their units by name (each preset names its office differently, so the office
    names cannot join them); a 镇's own master of one of the campaigns, added to the folder, scopes only that
    campaign's masters by office: the other campaign's 东城街道 stays one row with the same figures."""
    import shutil

    from taizhang.demo import generate

    folder = tmp_path / "台账"
    folder.mkdir()
    for preset in ("xinguan", "lijiuzhang"):
        s = generate(tmp_path / preset, preset=preset, seed=3, today=DAYS[0], n_units=8)
        run_merge(s.master, s.submissions, DAYS[0])
        shutil.copy(s.master, folder / f"{preset}.xlsx")
    before = run_overview(folder, DAYS[0]).overview
    assert len(before.units) == 8 and all(len(u.campaigns) == 2 and u.office == "" for u in before.units)
    shutil.copy(folder / "xinguan.xlsx", folder / "xinguan-镇级.xlsx")
    after = run_overview(folder, DAYS[0]).overview
    joined = {u.unit: u for u in after.units if u.office == ""}
    assert set(joined) == {u.unit for u in before.units}  # lijiuzhang's units: still one row a name
    for u in before.units:
        assert joined[u.unit].per_campaign["理旧账、解难题"] == u.per_campaign["理旧账、解难题"]
    scoped = [u for u in after.units if u.office]
    assert len(scoped) == 16 and {u.campaigns[0] for u in scoped} == {"新官不理旧账"}  # two xinguan masters: by office
