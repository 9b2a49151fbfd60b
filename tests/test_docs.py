"""Docs that cannot rot: every finding code and every CLI command is described."""

import re
from pathlib import Path

from taizhang.doors.cli import COMMANDS, build_parser
from taizhang.findings import CODES
from taizhang.rules.checks import RULES

ROOT = Path(__file__).parent.parent


def test_every_finding_code_is_documented():
    doc = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")
    for code in CODES:
        m = re.search(rf"^\|\s*`{re.escape(code)}`\s*\|([^|]+)\|([^|]+)\|([^|]+)\|", doc, re.M)
        assert m, f"docs/codes.md has no row for {code}"
        assert len(m.group(3).strip()) >= 8, f"{code} needs a description"


def test_documented_codes_exist():
    doc = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")
    for code in re.findall(r"^\|\s*`([a-z-]+)`", doc, re.M):
        assert code in CODES


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
