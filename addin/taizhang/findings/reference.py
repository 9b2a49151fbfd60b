"""docs/codes.md, generated from the registry so the reference cannot drift from the code.

``python -m taizhang.findings.reference > docs/codes.md`` rewrites it; ``tests/test_docs.py`` fails when
the file differs from what this prints.
"""

from __future__ import annotations

import sys

from taizhang.findings import LEVELS

INTRO = """# 校验与提示代码（Finding codes）

<!-- 本文件由 `python -m taizhang.findings.reference > docs/codes.md` 生成，请改 addin/taizhang/findings/ 中的代码表，不要直接编辑。 -->

台账助手的每一条提示都有一个稳定的代码。命令行 `--json` 输出、标注副本的“校验结果”表、合并后的“退回清单”都使用这些代码。
级别：**error（错误）** 该行不导入台账，进入退回清单；**warning（提醒）** 照常导入，请核对；**info（说明）** 仅供了解。

在台账总表“参数设置”的“停用的校验规则”中填写代码（如 `missing-recommended`），可停用对应的行规则。
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def codes_markdown() -> str:
    parts = [INTRO]
    for level in LEVELS:
        parts.append(f"\n## {level.LEVEL}\n\n| 代码 | 级别 | 含义 | 说明与处理办法 |\n|---|---|---|---|\n")
        parts.extend(f"| `{c.code}` | {c.severity} | {_cell(c.meaning)} | {_cell(c.advice)} |\n" for c in level.CODES)
    return "".join(parts)


if __name__ == "__main__":
    sys.stdout.reconfigure(encoding="utf-8")
    sys.stdout.write(codes_markdown())
