"""Docs that cannot rot: every finding code and every CLI command is described."""

import re
from pathlib import Path

from taizhang.doors.cli import COMMANDS, build_parser
from taizhang.findings import CODES
from taizhang.rules.checks import RULES

ROOT = Path(__file__).parent.parent


def test_the_code_reference_is_generated_from_the_registry():
    """docs/codes.md is what ``python -m taizhang.findings.reference`` prints (regenerate it after changing a code)."""
    from taizhang.findings.reference import codes_markdown

    doc = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")
    assert doc == codes_markdown(), "run: python -m taizhang.findings.reference > docs/codes.md"


def test_every_finding_code_says_what_to_do():
    for code in CODES.values():
        assert len(code.meaning) >= 3 and len(code.advice) >= 8, f"{code.code} needs its meaning and 处理办法"
        assert f"| `{code.code}` |" in (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")


def test_every_rule_is_a_registered_code():
    assert set(RULES) <= set(CODES)


def test_every_cli_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)
    for name in COMMANDS:
        assert f"taizhang {name}" in readme, f"README does not describe `taizhang {name}`"


def test_readme_quotes_the_benchmark_it_links():
    """The README's performance table carries the figures of benchmarks/RESULTS.md, not an older run's."""
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## 性能"):]
    section = section[:section.index("\n## ", 3)]
    rows = re.findall(r"^\| (\d+)×(\d+) \| ([\d,]+) \| ([\d.]+) s \| ([\d.]+) s \|", results, re.M)
    assert len(rows) == 3
    for units, per_unit, cases, baseline, merge_new in rows:
        line = next(l for l in section.splitlines() if l.startswith("|") and f"| {cases} |" in l)
        assert f"{baseline} s" in line and f"{merge_new} s" in line, (units, per_unit)
