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
- #31 (trail): 台账 gains the office's 回访 columns (回访方式, 回访日期, 回访人, 回访结果, 回访意见) and the computed
  申请状态; 参数设置 the 回访后销号的线索来源 and 新增问题须经核准 rows; 待审批 and 待销号确认 the 决定/决定人/决定意见
  columns (待审批 also 申请事项); every merge writes the new 审批台账 sheet (lijiuzhang's new cases are 待核准 on it).
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
