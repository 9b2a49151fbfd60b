"""Two-level roll-up benchmark (issue #32 item 4): `taizhang rollup` of many lower masters into a higher one, against a
naive pandas read-and-concatenate of the same ledgers, in the same run.

    python benchmarks/rollup.py                         # province-wide: 100 lower masters × 2,000 cases
    python benchmarks/rollup.py --masters 5 --cases 200 # a small run, to see it work

The lower masters are one seeded demo master (``taizhang.demo``) copied under other units' names (第k县…), each a
real master of the campaign with its own 成员单位; the higher master is a new master of the same campaign holding
every unit. Each step runs in its own Python process (wall time includes interpreter start), ``--repeat`` times,
best time kept: the baseline reads each lower master's 台账 with ``pandas.read_excel`` (openpyxl), concatenates and
writes one workbook with ``to_excel``; taizhang reads, checks and takes every case (source, history, lights) and
writes the higher master through its transaction; then the same folder is rolled up again (nothing new), and
``taizhang overview`` of the lower masters is timed once. The 1-minute load average at the start and the end is
recorded (the machine is shared: a loaded run is slower for both pipelines). The result is appended to
benchmarks/RESULTS.md as its own section (the run of record above it is never touched).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
TODAY = dt.date(2026, 11, 23)
SECTION = "## Two-level roll-up (benchmarks/rollup.py)"


def generate(masters: int, cases: int, root: Path) -> tuple[Path, Path]:
    """(the new higher master, the folder of lower masters), cached under ``root``."""
    folder = root / f"rollup-{masters}x{cases}"
    marker = folder / "done.json"
    if marker.exists():
        info = json.loads(marker.read_text(encoding="utf-8"))
        return Path(info["higher"]), Path(info["lowers"])
    import dataclasses

    from taizhang.book.ledger_sheet import save_master
    from taizhang.book.master import create_master, load_master
    from taizhang.demo import generate as gen
    from taizhang.intake.units import UnitDirectory

    if folder.exists():
        shutil.rmtree(folder)
    units = 20
    s = gen(folder / "样本", preset="xinguan", seed=3, today=TODAY, n_units=units,
            cases_per_unit=(cases // units, cases // units), messy=False)
    sample = load_master(s.master)
    lowers = folder / "下级台账"
    lowers.mkdir()
    everyone = []
    for k in range(1, masters + 1):
        rename = {u.name: f"第{k}县{u.name}" for u in sample.units.units}
        mine = [dataclasses.replace(u, name=rename[u.name], aliases=[], code=f"K{k:03d}{u.code}") for u in sample.units.units]
        codes = {u.code: m.code for u, m in zip(sample.units.units, mine)}
        everyone += mine
        path = lowers / f"第{k}县台账.xlsx"
        create_master(path, sample.rulebook.model_copy(update={"office": f"第{k}县专项办"}), UnitDirectory(mine))
        m = load_master(path)
        ledger = sample.ledger.copy()
        ledger["unit"] = ledger["unit"].map(rename)
        ledger["case_id"] = [codes[c.split("-")[0]] + c[c.index("-"):] for c in ledger["case_id"]]
        m.ledger = ledger
        save_master(m, path)
    higher = folder / "省级台账-空.xlsx"
    create_master(higher, sample.rulebook.model_copy(update={"office": "省专项办"}), UnitDirectory(everyone))
    shutil.rmtree(folder / "样本")
    marker.write_text(json.dumps({"higher": str(higher), "lowers": str(lowers)}), encoding="utf-8")
    return higher, lowers


TAIZHANG = """
import sys, datetime as dt
from taizhang.jobs import run_rollup
res = run_rollup(sys.argv[1], sys.argv[2], dt.date.fromisoformat(sys.argv[3]))
r = res.result
assert r.balanced()
print(r.total('rows_read'), r.total('rows_new'), r.total('rows_refused'))
"""

OVERVIEW = """
import sys, datetime as dt
from taizhang.jobs import run_overview
res = run_overview(sys.argv[1], dt.date.fromisoformat(sys.argv[2]), out=sys.argv[3])
print(sum(c.totals.total for c in res.overview.campaigns))
"""

NAIVE = """
import sys, glob
import pandas as pd
files = sorted(glob.glob(sys.argv[1] + '/*.xlsx'))
frames = [pd.read_excel(f, sheet_name='台账', engine='openpyxl') for f in files]
pd.concat(frames, ignore_index=True).to_excel(sys.argv[2], index=False)
print(sum(len(f) for f in frames))
"""


CPU: dict[str, float] = {}  # step → CPU seconds (user + system) of its process and its workers, the last run


def timed(code: str, *args: str, setup=None, name: str = "") -> tuple[float, str]:
    """Wall seconds and output of one step in its own process; its CPU seconds (the process and the worker
    processes it waited for, from the children's rusage) go to ``CPU[name]``: on a shared machine the wall time
    grows with the others' load, the CPU time much less."""
    import resource

    if setup:
        setup()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if name:
        CPU[name] = round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2)
    return wall, out.strip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--masters", type=int, default=100)
    ap.add_argument("--cases", type=int, default=2000, help="cases per lower master (20 units each)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--data", default=str(HERE / "data"))
    ap.add_argument("--no-write", action="store_true", help="print the result, do not append it to RESULTS.md")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    higher, lowers = generate(args.masters, args.cases, Path(args.data))
    made = time.perf_counter() - t
    work = higher.with_name("省级台账-汇总.xlsx")

    def fresh() -> None:  # each run rolls up into a new higher master: every case is new
        shutil.copyfile(higher, work)
        backups = work.parent / "台账备份"
        if backups.exists():
            shutil.rmtree(backups)
    load_start = os.getloadavg()[0]
    ours = [timed(TAIZHANG, str(work), str(lowers), TODAY.isoformat(), setup=fresh, name="rollup")
            for _ in range(args.repeat)]
    again = timed(TAIZHANG, str(work), str(lowers), TODAY.isoformat(), name="again")  # the same folder: nothing new
    overview = timed(OVERVIEW, str(lowers), TODAY.isoformat(), str(work.with_name("领导总览.xlsx")), name="overview")
    naive = [timed(NAIVE, str(lowers), str(work.with_name("naive.xlsx")), name="naive") for _ in range(args.repeat)]
    best, base = min(s for s, _ in ours), min(s for s, _ in naive)
    read, new, refused = (int(x) for x in ours[0][1].split())
    row = {"masters": args.masters, "cases": read, "new": new, "refused": refused, "rollup_s": round(best, 2),
           "again_s": round(again[0], 2), "overview_s": round(overview[0], 2), "naive_s": round(base, 2), "ratio": round(base / best, 1),
           "generate_s": round(made, 1), "load_start": round(load_start, 1), "load_end": round(os.getloadavg()[0], 1),
           **{f"{k}_cpu_s": v for k, v in CPU.items()}}
    print(json.dumps(row, ensure_ascii=False))
    if not args.no_write:
        write_results(row, args.repeat)
    return 0


def write_results(row: dict, repeat: int) -> None:
    path = HERE / "RESULTS.md"
    text = path.read_text(encoding="utf-8")
    head = (f"{SECTION}\n\n`python benchmarks/rollup.py --masters M --cases C --repeat R`: M lower masters of C cases "
            f"each (20 units each) rolled up into a new higher master, against pandas.read_excel(openpyxl) of each lower "
            f"master's 台账 + concat + to_excel, in the same run; best wall time of R runs, interpreter start included. "
            f"\"again\" is the same folder rolled up a second time (nothing new: the master is not written); "
            f"\"overview\" is `taizhang overview` of the same lower masters (one run). The "
            f"province-wide size of issue #32 is `python benchmarks/rollup.py` with no options (100 masters × 2,000 cases); "
            f"smaller rows are runs made to see it work, where fixed costs (interpreter, imports, the holiday calendar, "
            f"writing the package) dominate.\n\n"
            "| run | lower masters × cases each | cases | taizhang rollup | again | naive pandas | ÷ naive | overview "
            "| load (1 min) |\n"
            "|---|---|---|---|---|---|---|---|---|\n")
    line = (f"| {dt.date.today().isoformat()}, {platform.machine()}, Python {platform.python_version()}, R={repeat} | "
            f"{row['masters']} masters × {row['cases'] // max(row['masters'], 1):,} cases | {row['cases']:,} | "
            f"{row['rollup_s']} s | {row['again_s']} s | {row['naive_s']} s | {row['ratio']}× faster | "
            f"{row.get('overview_s', '—')} s | {row['load_start']} → {row['load_end']} |\n")
    if SECTION in text:
        before, rest = text.split(SECTION, 1)
        nxt = re.search(r"^## ", rest, re.M)
        own, after = (rest[:nxt.start()], rest[nxt.start():]) if nxt else (rest, "")
        lines = [ln + " — | — |" * (ln.count("|") == 8) + "\n" for ln in own.splitlines()
                 if ln.startswith("| 20")]  # earlier runs, kept (before the overview and load columns: —)
        notes = [ln + "\n" for ln in own.splitlines() if ln.startswith("> ")]  # dated notes under the table, kept
        text = before + head + "".join(lines) + line + ("\n" + "".join(notes) if notes else "") \
            + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + head + line
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
