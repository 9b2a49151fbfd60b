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


def test_results_record_the_province_wide_rollup():
    """RESULTS.md keeps the two-level roll-up section of benchmarks/rollup.py with a run at the province-wide size of
    issue #32 (100 lower masters × 2,000 cases), its ratio to the naive pandas pipeline the one its seconds give, and
    the command that reproduces it."""
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")
    head = "## Two-level roll-up (benchmarks/rollup.py)"
    assert head in results, "RESULTS.md lost its roll-up section (benchmarks/rollup.py writes it)"
    section = results[results.index(head):]
    section = section[:section.index("\n## ", 3)] if "\n## " in section[3:] else section
    assert "`python benchmarks/rollup.py`" in section, "the section names the command of the province-wide run"
    rows = re.findall(r"^\| [^|]+ \| (\d+) masters × ([\d,]+) cases \| ([\d,]+) \| ([\d.]+) s \| ([\d.]+) s \| "
                      r"([\d.]+) s \| ([\d.]+)× faster \|", section, re.M)
    province = [r for r in rows if r[0] == "100" and r[1] == "2,000"]
    assert province, "no roll-up run at the province-wide size (100 masters × 2,000 cases) in RESULTS.md"
    for _, _, cases, ours, again, naive, ratio in province:
        assert cases == "200,000" and float(ours) > 0 and float(again) > 0
        assert abs(float(naive) / float(ours) - float(ratio)) <= 0.06, (ours, naive, ratio)
