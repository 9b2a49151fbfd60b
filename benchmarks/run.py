"""Report-day benchmarks: taizhang against a naive pandas baseline, on the same files, in one run.

    python benchmarks/run.py                 # all three sizes (generates data once into benchmarks/data/)
    python benchmarks/run.py --sizes small   # 40 units × 30 cases only

Every measured step runs in its own Python process so that wall time includes
what a user waits for and peak memory (ru_maxrss of the child) is the step's
own. Figures are printed as ratios to the baseline measured in the same run
and written to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
TODAY = dt.date(2026, 11, 23)
SIZES = {"small": (40, 30), "large": (200, 500), "wide": (2000, 50)}


def generate(size: str, root: Path) -> tuple[Path, Path]:
    """Sample campaign of the given size (cached): master plus one submission per unit."""
    units, cases = SIZES[size]
    folder = root / f"{size}-{units}x{cases}"
    marker = folder / "done.json"
    if not marker.exists():
        from taizhang.samples import generate as gen

        t = time.perf_counter()
        s = gen(folder, preset="xinguan", seed=3, today=TODAY, n_units=units, cases_per_unit=(cases, cases), messy=False)
        marker.write_text(json.dumps({"master": str(s.master), "submissions": str(s.submissions),
                                      "seconds": time.perf_counter() - t}), encoding="utf-8")
    info = json.loads(marker.read_text(encoding="utf-8"))
    return Path(info["master"]), Path(info["submissions"])


def timed(code: str, *args: str) -> tuple[float, float]:
    """Run ``code`` in a fresh interpreter; returns (seconds, peak MB of that process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], check=True)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


BASELINE = """
import sys, glob, pandas as pd
files = sorted(glob.glob(sys.argv[1] + '/**/*.xlsx', recursive=True))
frames = [pd.read_excel(f, sheet_name='台账', header=2) for f in files]
pd.concat(frames, ignore_index=True).to_excel(sys.argv[2], index=False)
"""
READER = """
import sys, glob
from taizhang.reader import read_submission
for f in sorted(glob.glob(sys.argv[1] + '/**/*.xlsx', recursive=True)):
    read_submission(f)
"""
CALAMINE = """
import sys, glob
from python_calamine import CalamineWorkbook
for f in sorted(glob.glob(sys.argv[1] + '/**/*.xlsx', recursive=True)):
    wb = CalamineWorkbook.from_path(f)
    for n in wb.sheet_names:
        wb.get_sheet_by_name(n).to_python()
"""
MERGE = """
import sys, datetime as dt
from taizhang.jobs import run_merge
run_merge(sys.argv[1], sys.argv[2], dt.date(2026, 11, 23), sys.argv[3])
"""
SUMMARY = """
import sys, datetime as dt
from taizhang.jobs import run_summary
run_summary(sys.argv[1], dt.date(2026, 11, 23), sys.argv[2])
"""
VALIDATE = """
import sys, datetime as dt
from taizhang.master import load_master
from taizhang.validate import validate_file
m = load_master(sys.argv[1])
validate_file(sys.argv[2], rulebook=m.rulebook, units=m.units, today=dt.date(2026, 11, 23))
"""
READ_ONE_PANDAS = """
import sys, pandas as pd
pd.read_excel(sys.argv[1], sheet_name='台账', header=2, engine='openpyxl')
"""
READ_100_PANDAS = """
import sys, glob, pandas as pd
for f in sorted(glob.glob(sys.argv[1] + '/**/*.xlsx', recursive=True))[:100]:
    pd.read_excel(f, sheet_name='台账', header=2, engine='openpyxl')
"""
READ_100_OURS = """
import sys, glob
from taizhang.reader import read_submission
for f in sorted(glob.glob(sys.argv[1] + '/**/*.xlsx', recursive=True))[:100]:
    read_submission(f)
"""


def bench(size: str, root: Path) -> dict:
    master, subs = generate(size, root)
    out = root / "out"
    out.mkdir(exist_ok=True)
    merged = out / f"{size}-merged.xlsx"
    r: dict = {"size": size, "units": SIZES[size][0], "cases_per_unit": SIZES[size][1]}
    r["baseline"] = timed(BASELINE, str(subs), str(out / f"{size}-baseline.xlsx"))
    r["calamine"] = timed(CALAMINE, str(subs))
    r["reader"] = timed(READER, str(subs))
    r["merge"] = timed(MERGE, str(master), str(subs), str(merged))
    r["summary"] = timed(SUMMARY, str(merged), str(out / f"{size}-summary.xlsx"))
    biggest = max(subs.glob("*.xlsx"), key=lambda p: p.stat().st_size)
    r["validate_one"] = timed(VALIDATE, str(master), str(biggest))
    r["pandas_one"] = timed(READ_ONE_PANDAS, str(biggest))
    if len(list(subs.glob("*.xlsx"))) >= 100:
        r["read100_pandas"] = timed(READ_100_PANDAS, str(subs))
        r["read100_ours"] = timed(READ_100_OURS, str(subs))
    if size == "small":
        tmp = out / "run-small"
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        exe = Path(sys.executable).with_name("taizhang")
        t = time.perf_counter()
        subprocess.run([str(exe), "run", str(master), str(subs), "--today", TODAY.isoformat(), "--out-dir", str(tmp)],
                       check=True, capture_output=True)
        r["run_end_to_end"] = (time.perf_counter() - t, 0.0)
        r["import_excel"] = timed("import taizhang.excel")
        r["python_start"] = timed("pass")
    from taizhang.master import load_master

    r["cases"] = len(load_master(merged).ledger)
    return r


def report(results: list[dict]) -> str:
    lines = ["# Benchmark results", "",
             f"Run on {dt.date.today()}: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
             "Reproduce: `pip install -e .[test]` then `python benchmarks/run.py` (data are generated into `benchmarks/data/`).",
             "Each step runs in its own process: seconds are wall time including interpreter start; memory is that process's peak RSS.",
             "", "| size | cases | baseline (pandas read_excel + concat + to_excel) | merge | merge ÷ baseline | reader alone (calamine) | merge ÷ reader | summary | validate one file vs pandas | peak MB (merge) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        b, m, c, s = r["baseline"][0], r["merge"][0], r["calamine"][0], r["summary"][0]
        lines.append(f"| {r['units']}×{r['cases_per_unit']} | {r['cases']:,} | {b:.1f} s | {m:.1f} s | {b / m:.1f}× faster | {c:.1f} s | "
                     f"{m / c:.1f}× | {s:.1f} s | {r['validate_one'][0]:.2f} s vs {r['pandas_one'][0]:.2f} s | {r['merge'][1]:.0f} |")
    extra = [r for r in results if "read100_ours" in r]
    for r in extra:
        lines.append(f"\nReading 100 workbooks ({r['units']}×{r['cases_per_unit']} set): taizhang's reader {r['read100_ours'][0]:.1f} s, "
                     f"pandas.read_excel(openpyxl) {r['read100_pandas'][0]:.1f} s — {r['read100_pandas'][0] / r['read100_ours'][0]:.1f}× faster.")
    small = next((r for r in results if r["size"] == "small"), None)
    if small:
        lines.append(f"\n`taizhang run` on 40×30, end to end including process start: {small['run_end_to_end'][0]:.2f} s. "
                     f"Cold start of the ribbon entry module (`import taizhang.excel`): {small['import_excel'][0]:.2f} s "
                     f"(bare interpreter: {small['python_start'][0]:.2f} s).")
    by = {r["size"]: r for r in results}
    if "large" in by and "wide" in by:
        L, W = by["large"], by["wide"]
        lines.append(f"\nScaling: 2,000×50 ({W['cases']:,} cases in {W['units']} files) merges in {W['merge'][0]:.1f} s against "
                     f"{L['merge'][0]:.1f} s for 200×500 ({L['cases']:,} cases in {L['units']} files): "
                     f"{(W['merge'][0] / W['cases']) / (L['merge'][0] / L['cases']):.2f}× the time per case.")
    lines += ["", "## Targets (issue #8)", "", "| target | measured | met? |", "|---|---|---|"]
    if "large" in by:
        L = by["large"]
        lines.append(f"| 200×500 merge ≥ 10× faster than the naive baseline | {L['baseline'][0] / L['merge'][0]:.1f}× | "
                     f"{'yes' if L['baseline'][0] / L['merge'][0] >= 10 else 'no'} |")
        lines.append(f"| 200×500 merge within 3× of the reader alone (calamine parse) | {L['merge'][0] / L['calamine'][0]:.1f}× | "
                     f"{'yes' if L['merge'][0] / L['calamine'][0] <= 3 else 'no'} |")
        lines.append(f"| peak memory under 1.5 GB for 100,000 cases | {L['merge'][1]:.0f} MB | {'yes' if L['merge'][1] < 1536 else 'no'} |")
    if small:
        lines.append(f"| 40×30 `taizhang run` end to end under 2 s | {small['run_end_to_end'][0]:.2f} s | "
                     f"{'yes' if small['run_end_to_end'][0] < 2 else 'no'} |")
    if "large" in by and "wide" in by:
        ratio = (W['merge'][0] / W['cases']) / (L['merge'][0] / L['cases'])
        lines.append(f"| cost grows linearly (time per case, 2,000×50 vs 200×500) | {ratio:.2f}× | {'yes' if ratio <= 2 else 'no'} |")
    for r in extra[:1]:
        q = r['read100_pandas'][0] / r['read100_ours'][0]
        lines.append(f"| reader ≥ 5× faster than pandas.read_excel(openpyxl) on 100 workbooks (issue #4) | {q:.1f}× | {'yes' if q >= 5 else 'no'} |")
    lines += ["", "`validate one file` includes loading the master named by `--master` (100,000 cases here) for its unit list "
              "and categories; pandas only parses the file."]
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="small,large,wide")
    p.add_argument("--data", default=str(HERE / "data"))
    p.add_argument("--from-log", help="re-render RESULTS.md from the JSON lines a previous run printed")
    args = p.parse_args()
    if args.from_log:
        results = [json.loads(line) for line in Path(args.from_log).read_text(encoding="utf-8").splitlines()
                   if line.startswith("{")]
        (HERE / "RESULTS.md").write_text(report(results), encoding="utf-8")
        return
    root = Path(args.data)
    root.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes.split(","):
        r = bench(size, root)
        results.append(r)
        print(json.dumps(r, ensure_ascii=False, default=str))
    text = report(results)
    print(text)
    (HERE / "RESULTS.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
