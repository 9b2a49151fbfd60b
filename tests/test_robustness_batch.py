"""The robustness run's batch mode (benchmarks/robustness.py --batch) still catches every failure and names its file.

A ``sitecustomize`` on the worker's path makes the CLI misbehave for files of some names (an abort, as a crash in
native code would; a write to file descriptor 2 that bypasses ``sys.stderr``, as native code does; a Python warning
on every file, which a fresh process would show each time); a FIFO named .xlsx hangs the reader. Each failure is the
file's, the worker is restarted, and the files after it are checked as before. A file whose campaign cannot be told
is refused in Chinese that names taizhang's own options (``--preset sanluan``): not counted as library text.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("robustness", ROOT / "benchmarks" / "robustness.py")
robustness = importlib.util.module_from_spec(SPEC)
sys.modules["robustness"] = robustness
SPEC.loader.exec_module(robustness)

HOOK = '''
import os, sys, warnings
import taizhang.doors.cli as cli
_main = cli.main
def main(argv=None):
    args = argv if argv is not None else sys.argv[1:]
    name = args[1] if len(args) > 1 else ""
    if name.endswith("crash.xlsx"):
        os.abort()
    if name.endswith("noisy.xlsx"):
        os.write(2, b"native noise\\n")
    if name.endswith("warns.xlsx"):
        warnings.warn("something odd")
    return _main(argv)
cli.main = main
'''


def _ledger(path: Path) -> Path:
    wb = Workbook()
    wb.active.append(["问题编号", "责任单位", "问题类别", "问题描述", "办理状态"])
    if "header_only" not in path.name:
        wb.active.append([None, "城关镇", "账款支付不到位", "拖欠工程款", "整改中"])
    wb.save(path)
    return path


def test_crashes_hangs_and_native_stderr_are_each_files_failure(tmp_path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")]))
    files = tmp_path / "files"
    files.mkdir()
    os.mkfifo(files / "hang.xlsx")
    names = ["ok1.xlsx", "header_only.xlsx", "crash.xlsx", "ok2.xlsx", "noisy.xlsx", "hang.xlsx", "warns.xlsx", "warns2-warns.xlsx", "ok3.xlsx"]
    paths = [files / n if n == "hang.xlsx" else _ledger(files / n) for n in names]
    results = {Path(r["file"]).name: r for r in robustness.check_batch(paths, 30.0, 3072, env, recycle=100)}
    assert set(results) == set(names)
    for n in ("ok1.xlsx", "ok2.xlsx", "ok3.xlsx"):  # a restarted worker checks the files after a failure as before
        assert results[n]["problems"] == [] and results[n]["code"] in (0, 1, 2), results[n]
    # no category to tell the campaign by: the refusal names taizhang's own options (--preset sanluan), no library text
    assert results["header_only.xlsx"]["problems"] == [] and results["header_only.xlsx"]["code"] == 2
    crash = results["crash.xlsx"]["problems"]
    assert crash[0].startswith("crash: worker ended (signal 6") and "alone: exit code -6" in crash
    assert "stderr: native noise" in results["noisy.xlsx"]["problems"]
    assert results["hang.xlsx"]["problems"][0] == "hang: no answer within 30 s"
    for n in ("warns.xlsx", "warns2-warns.xlsx"):  # the same warning twice in one worker: shown both times
        assert any(p.startswith("stderr:") and "something odd" in p for p in results[n]["problems"]), results[n]
