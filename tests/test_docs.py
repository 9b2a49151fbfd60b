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


def _shapes_rows(results: str) -> list[tuple]:
    """The two-shape table of benchmarks/RESULTS.md: (size, shape, naive ÷ merge, polars ÷ merge, merge ÷ parse,
    holding ÷ new) per row."""
    begin, end = "<!-- shapes:begin", "<!-- shapes:end -->"
    assert begin in results and end in results, "RESULTS.md lost its two-shape section (benchmarks/run.py writes it)"
    section = results[results.index(begin):results.index(end)]
    return re.findall(r"^\| (\d+×\d+) \| (template|plain) \| [\d,]+ \|(?: [\d.]+ s ± [\d.]+ \|){4} ([\d.]+)× \| "
                      r"([\d.]+)× \| ([\d.]+)× \| [\d.]+ s ± [\d.]+ \| ([\d.]+)× \| \d+ / \d+ \|$", section, re.M)


def test_benchmark_reports_both_shapes_with_every_ratio():
    """RESULTS.md keeps the plain-file corpus beside the templates, and every ratio of issue #29 for both: to the
    naive pandas pipeline, to the polars pipeline, to calamine's raw parse, and the master holding the cases against a
    new one — each size run on both shapes, with the noise (± spread) stated."""
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")
    rows = _shapes_rows(results)
    assert rows, "the two-shape table has no rows with all four ratios"
    sizes = {size for size, *_ in rows}
    for size in sizes:
        assert {shape for s, shape, *_ in rows if s == size} == {"template", "plain"}, f"{size}: both shapes"
    for row in rows:
        assert all(float(x) > 0 for x in row[2:]), row
    section = results[results.index("<!-- shapes:begin"):]
    assert "plain unit-made files" in section and "one header row, no styles, 19 columns" in section
    for target in ("≥ 10× the naive pipeline", "≥ 3× the polars pipeline", "≤ 2.5× calamine's raw parse",
                   "within 1.3× of the new-master merge"):
        assert {s for t, s in re.findall(r"^\| ([^|]+) \| (template|plain) \|", section, re.M) if target in t} == \
            {"template", "plain"}, f"target “{target}” is not reported for both shapes"
    assert "## Scaling to 4, 8 and 16 cores" in section and "not measured here" in section
