"""Rulebooks: the five seed campaigns load; a malformed one names the file, the key and the problem."""

import pytest

from taizhang.rules.rulebook import RulebookError, builtin_rulebooks, find_rulebook, load_rulebook_file

XINGUAN = ["招商引资政策不兑现", "合作协议不履行", "账款支付不到位", "法院判决不执行", "涉政府产权纠纷", "其他情形"]


def test_five_seed_campaigns():
    books = builtin_rulebooks()
    assert set(books) == {"lijiuzhang", "xinguan", "zhonggengzu", "sanluan", "xiaoneng"}
    assert [c.name for c in books["xinguan"].categories] == XINGUAN
    assert len(books["zhonggengzu"].categories) == 11
    assert len(books["sanluan"].categories) == 9
    assert len(books["lijiuzhang"].categories) == 4


def test_xinguan_supervisors_and_report_day():
    b = find_rulebook("新官不理旧账")
    sup = {c.name: c.supervisor for c in b.categories}
    assert sup["招商引资政策不兑现"] == "区商务局"
    assert sup["账款支付不到位"] == "区工信局"
    assert sup["法院判决不执行"] == "区人民法院"
    assert sup["涉政府产权纠纷"] == "区发改委"
    assert (b.reporting.cadence, b.reporting.due_day) == ("monthly", 20)


def test_default_tiers_follow_seed_004():
    b = find_rulebook("xiaoneng")
    assert [(t.name, t.workdays, t.months) for t in b.tiers] == [
        ("一般", 5, None), ("较复杂", 10, None), ("特别复杂", 20, None), ("极特殊", None, 1)]
    assert (b.sign_workdays, b.feedback_workdays) == (3, 5)


def test_sanluan_routes_by_unit_type():
    b = find_rulebook("sanluan")
    assert {r.unit_type: r.summary_dept for r in b.routing} == {
        "乡镇": "县委办公室", "县委部门": "县直机关党委", "政府部门": "县监察局", "学校": "县教育局", "县管企业": "县财政局（国资局）"}


def test_unknown_preset_lists_the_choices():
    with pytest.raises(RulebookError, match="xinguan"):
        find_rulebook("nonsense")


GOOD = """
id = "t"
name = "测试"
sources = ["自查"]
[[categories]]
name = "甲"
[[tiers]]
name = "一般"
workdays = 5
"""


@pytest.mark.parametrize("mutation, key, problem", [
    ('\ncolour = "red"\n', "colour", "未知的键"),
    ("\n[[tiers]]\nname = \"较复杂\"\n", "tiers.1", "workdays"),
    ("\n[[categories]]\nname = \"甲\"\n", "categories", "重复"),
])
def test_typo_names_file_key_and_problem(tmp_path, mutation, key, problem):
    f = tmp_path / "broken.toml"
    text = GOOD + mutation if not mutation.startswith("\ncolour") else GOOD.replace('sources', 'colour = "red"\nsources')
    f.write_text(text, encoding="utf-8")
    with pytest.raises(RulebookError) as err:
        load_rulebook_file(f)
    msg = str(err.value)
    assert "broken.toml" in msg and problem in msg
    assert key.split(".")[0] in msg
