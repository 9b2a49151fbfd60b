"""The package layout draws the pipeline; a lower layer never imports a higher one.

rulebook → read → validate → merge → deadlines/lights → papers, with the doors on top.
docs/architecture.md explains each layer; this test keeps the code honest to it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "addin" / "taizhang"

# rank of each top-level name under taizhang: a module may import only its own rank or lower
LAYERS = {
    "fields": 0, "findings": 0, "errors": 0,
    "xlsx": 1,
    "intake": 2,
    "rules": 3,
    "calendar": 4,
    "book": 5,
    "report": 6,
    "jobs": 7, "demo": 7,
    "doors": 8, "__main__": 8,
}


def _layer(module: str) -> str:
    """taizhang.book.merge → book; taizhang → ''."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "taizhang":
                found += [(node.lineno, f"taizhang.{a.name}") for a in node.names]
            elif node.module.startswith("taizhang."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.append((node.lineno, "relative"))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("taizhang.")]
    return found


def _modules():
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).with_suffix("")
        yield path, ".".join(("taizhang",) + rel.parts)


def test_every_top_level_name_has_a_layer():
    names = {p.stem if p.is_file() else p.name for p in PKG.iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    assert names <= set(LAYERS), f"give these a layer in LAYERS and docs/architecture.md: {names - set(LAYERS)}"


def test_no_layer_imports_a_higher_one():
    upward = []
    for path, module in _modules():
        own = _layer(module)
        if own in ("", "__init__"):
            continue
        for line, target in _imports(path):
            assert target != "relative", f"{path.relative_to(PKG)}:{line}: use absolute imports (taizhang.…)"
            dest = _layer(target)
            if dest in ("", "__version__"):
                continue
            if LAYERS[dest] > LAYERS[own]:
                upward.append(f"{path.relative_to(PKG)}:{line} ({own}) imports {target} ({dest})")
    assert not upward, "lower layers import higher ones:\n" + "\n".join(upward)


def test_architecture_doc_names_every_layer():
    doc = (PKG.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [name for name in LAYERS if name != "__main__" and f"`{name}" not in doc]
    assert not missing, f"docs/architecture.md does not describe: {missing}"


@pytest.mark.parametrize("module", ["taizhang.doors.cli", "taizhang.jobs", "taizhang.book.merge",
                                    "taizhang.report.summary_book"])
def test_the_core_and_the_cli_do_not_need_xlwings(module):
    """The CLI-only install works without xlwings: importing the core never loads it."""
    code = f"import sys, {module}; assert 'xlwings' not in sys.modules, sorted(m for m in sys.modules if 'xlwings' in m)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_the_cli_runs_with_xlwings_missing(tmp_path):
    """Simulate a machine where xlwings cannot be imported at all: the CLI still answers."""
    (tmp_path / "xlwings.py").write_text("raise ImportError('no xlwings here')\n")
    env_code = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); from taizhang.doors.cli import main; "
                "raise SystemExit(main(['workday', '2026-09-30', '5']))")
    out = subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "2026-10-13" in out.stdout


def test_the_cli_only_parses_calls_a_job_and_prints():
    """STYLE §1 "Thin doors": the command line reaches the core only through jobs, report.text and errors."""
    allowed = {"taizhang.jobs", "taizhang.report.text", "taizhang.errors", "taizhang.__version__"}
    reached = {target for _, target in _imports(PKG / "doors" / "cli.py")}
    assert reached, "the CLI imports nothing of taizhang?"
    assert {t for t in reached if not t.startswith("taizhang.doors.")} <= allowed, reached - allowed


def test_every_package_is_installed():
    """pyproject lists packages by hand: a new subpackage missing there would vanish from a wheel install."""
    import tomllib

    listed = set(tomllib.loads((PKG.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(("taizhang",) + p.parent.relative_to(PKG).parts) for p in PKG.rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_the_ribbon_module_starts_without_the_heavy_libraries():
    """Excel imports taizhang.doors.excel on the first button press: pandas, pydantic, openpyxl and calamine wait
    until a button needs them (they cost about a quarter of a second before anything shows)."""
    code = ("import sys, taizhang.doors.excel; "
            "print(sorted(m for m in ('pandas', 'pydantic', 'openpyxl', 'python_calamine') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_web_door_reaches_the_core_only_through_jobs_and_report_text():
    """Issue 28 "The house": the browser door, like the CLI, parses a request, calls a job and shows report.text's
    lines; what it needs of the files (vetting, the submissions a merge reads) it asks of jobs too."""
    allowed = {"taizhang.jobs", "taizhang.report.text", "taizhang.errors"}
    reached = set()
    for path in (PKG / "doors" / "web").rglob("*.py"):
        reached |= {target for _, target in _imports(path)}
    assert "taizhang.jobs" in reached
    assert {t for t in reached if not t.startswith("taizhang.doors.web")} <= allowed, reached - allowed
