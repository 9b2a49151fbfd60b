"""Characterisation: the master writer's output, part by part, for masters nobody edited (tests/golden/parts.py).

Five presets × new / merge / status / assign on the demo seeds: every part of the written package (台账, the
report-day sheets, styles, shared strings, workbook, relationships, content types) must stay byte-identical
through a refactor of the writer. A change meant to change bytes regenerates the golden file
(``python tests/golden/parts.py``) and says here why:

- 提醒 (sheet13 of xiaoneng, sheet14 of sanluan, from merge on): a finding on 台账 gives the row its case has once
  written (cases sorted into 成员单位 order, new ones among the old), no longer the row of the in-memory table
  (tests/test_ledger_plan.py::test_every_reminder_row_holds_its_case_on_the_written_ledger). Only the 行号 values
  changed; the other presets' merges raise no 提醒 on 台账 rows that move.
- Round 4's merge of the other branches into main (regenerated once, after the plan was proven byte-identical on its
  own branch): 成员单位 gains 联系人/联系电话, 参数设置 the 催报 settings and the plan's required items, 签收/反馈
  limits and 零报告 follow each seed (so 台账, 待审批 and 交办 sheets of 000–003 lose their 签收期限 values),
  延期至 is an office column, 问责阶梯 gains 性质, 待审批 申请理由, 待指定单位 原始编号 and 办理时限.
- Round 5: a merge records its 报送文件夹 in 参数设置 (its value cell only, ``xlsx.keyvalues``): the shared strings
  gain that path (masked as ROOT here) and 参数设置's sheet of every merged master changes.
- Issue 26's last round: 参数设置 gains the 分送摘录 row (seed 001's 抄送 and seed 003's 归口 extracts) and the
  设置版本 mark (a master made before round 2 is recognised by its absence); no other part moved.
- styles.xml (every scenario): styles are matched by meaning, not by bytes (``xlsx.parts.style_meaning``), so the
  header fill openpyxl wrote at creation (the same solid 1F4E78 without taizhang's ``bgColor indexed="64"``) is
  reused instead of being added a second time: one fill fewer, and the header xfs point at the fills already there.
- #31 佐证材料 (the evidence branch): 台账 gains 佐证文号或链接, 佐证材料数, 佐证材料, 佐证首次收到 at its right edge,
  参数设置 the row 佐证材料要求, and 抽查清单 lists each 已销号/查否 case without evidence (佐证材料核查); the new
  shared strings move the string indexes of every sheet.
- The master's tabs by book/sheets.py's SHEET_LAYOUT (intake3, #33 item 12): 台账 first, the report-day sheets after
  it, the settings with grey tabs, 代码表/问责阶梯/归口汇总 hidden, so workbook.xml, the sheet part numbers and the
  settings' sheet parts move; 报送情况/退回清单/提醒 wrap their long-text columns (a "wrap" style in styles.xml, wider
  columns, row heights).
- 材料报送 (issue #30): every master gains the sheet after 台账 (the plan's dated materials; header only for 001), so
  the sheets after it are numbered one up, and merge rewrites it with who has sent each material.
- #31 (trail): 台账 gains the office's 回访 columns (回访方式, 回访日期, 回访人, 回访结果, 回访意见) and the computed
  申请状态; 参数设置 the 回访后销号的线索来源 and 新增问题须经核准 rows; 待审批 and 待销号确认 the 决定/决定人/决定意见
  columns (待审批 also 申请事项); every merge writes the new 审批台账 sheet (lijiuzhang's new cases are 待核准 on it).
- #27 配合单位 (intake4): 台账 gains the unit's 配合单位 column at its right edge (the last field), so the units'
  templates and the 台账 header carry one more column and the new shared string moves the string indexes of every sheet.
- The printed 台账 (#33 item 9, book/ledger_print.py): 台账 prints A3 landscape, some pages across with 问题编号 and
  责任单位 repeated, a footer with the campaign's name, its long-text columns wrapped and rows as tall as their text,
  so 台账's sheet part and workbook.xml (its Print_Titles and Print_Area) change.
- Issue 26, 复杂程度 tiers (campaigns3): only seed 004 has them, so 参数设置 of 000–003 loses 默认复杂程度 and the four
  时限档次 rows for one 复杂程度档次 row (办公室设定), their 代码表 and hidden 工作日表 the tier names, their demo
  cases their 复杂程度, and 设置版本 is 3. Seed 000's 待核准 cases are no longer counted: lijiuzhang's 历史统计 after a
  merge holds only 核准 ones, and 参数设置's 新增问题须经核准 note says so.
- Issue 26, seed 001's 区级协调 (campaigns4): xinguan's merge and status write the 区级协调事项 sheet (units' requests
  for the office's meeting) after 待审批, so its workbook parts and the sheet parts after it are numbered one up.
- Issue 26, no 复杂程度 column where there are no tiers (campaigns4): the 台账 of 000–003 is laid out without 复杂程度
  and its empty drop-down (book.ledger_plan.omitted), so 台账's sheet part, its print area in workbook.xml and the
  shared strings of those presets move (the string indexes of their other sheets with them); xiaoneng's is unchanged.
- Issue 26, seed 004's task types (campaigns4): xiaoneng's 台账 gains 任务类型 at its right edge (each type's own report
  rhythm, 常规工作季报告 / 重要任务月报告 / 紧急的重点事项一事一报), so its 台账 part, print area and shared strings move.
- Issue 26, a campaign column only where its seed gives it (campaigns6, book.ledger_plan.CAMPAIGN_FIELDS): 台账 of every
  preset loses the columns its plan does not give — 签收期限/反馈期限 in 000–003 (no limits), 区级协调 and 牵头督办部门
  outside 001, 归口汇总部门 outside 003, 销号申请 outside 000/003, the five 回访 columns everywhere (no office asked) — so
  台账's sheet part, its print area in workbook.xml and the shared strings move (and the string indexes of every other
  sheet with them). xiaoneng's demo cases carry the plan's task types (常规工作, 重要任务, 紧急的重点事项; a unit written
  常规/紧急 is stored under the plan's name), one unit with only 常规工作 sends no file in November (本期无需报送 on
  报送情况), so its data, its report-day sheets and styles.xml move too.
- #33 item 12, 问题类别 (campaigns6): the sheet has its 牵头督办部门 column only where a category names one (seed 001),
  so the 问题类别 part (sheet6) of the other four presets changes, and only it; xinguan's is unchanged.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "golden"))

import parts  # noqa: E402


def test_written_parts_are_byte_identical_to_the_golden_file(tmp_path):
    want = json.loads(parts.GOLDEN.read_text(encoding="utf-8"))
    got = {p: parts.scenario(p, tmp_path) for p in parts.PRESETS}
    assert set(got) == set(want)
    changed = [f"{p}/{step}: {name}" for p in want for step in parts.STEPS
               for name in sorted(set(want[p][step]) | set(got[p][step]))
               if want[p][step].get(name) != got[p][step].get(name)]
    assert not changed, "parts that changed:\n" + "\n".join(changed)
