"""Robustness run: `taizhang validate --json` on every spreadsheet in a folder, each in its own process.

    python benchmarks/robustness.py FOLDER [--timeout 60] [--memory-mb 3072] [--jobs 2] [--out result.json]
                                   [--summary benchmarks/robustness.json]
    python benchmarks/robustness.py - --from-results a.json b.json --summary benchmarks/robustness.json

For third-party test corpora (spreadsheet libraries' own test files: malformed, fuzzed, encrypted, ancient).
Each file must give: no Python traceback and nothing on stderr, no hang (timeout), no crash (memory limit,
signals), exit code 0, 1 or 2 with JSON on stdout, and every finding's message in Chinese with no library
text in it (Latin words other than product and format names). Prints the counts (for docs/corpus.md) and
every failure; exits 1 if there was any.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SUFFIXES = {".xls", ".xlsx", ".xlsm", ".ods", ".csv"}
KNOWN_WORDS = {"excel", "wps", "xlsx", "xls", "xlsm", "xlsb", "ods", "csv", "libreoffice", "office", "word", "powerpoint",
               "opendocument", "html", "xml", "utf", "gbk", "mb", "json", "rows_skipped", "zip"}


def english_words(message: str, file_name: str) -> list[str]:
    text = message.replace(file_name, " ").replace(Path(file_name).stem, " ")
    text = re.sub(r"“[^”]*”", " ", text)  # quoted cell text and sheet names are the unit's own words
    text = re.sub(r"\b[A-Z]{1,3}\d+\b", " ", text)  # cell addresses
    text = re.sub(r"[\w./\\-]+\.(?:xml|rels|bin)\b", " ", text)  # package part names
    return [w for w in re.findall(r"[A-Za-z_]{3,}", text) if w.lower() not in KNOWN_WORDS]


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def taizhang_command() -> list[str]:
    script = Path(sys.executable).with_name("taizhang")
    if script.exists():
        return [str(script)]
    found = shutil.which("taizhang")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from taizhang.doors.cli import main; sys.exit(main())"]


def check(path: Path, timeout: float, memory_mb: int, env: dict) -> dict:
    limit = memory_mb << 20

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    started = time.perf_counter()
    out = {"file": str(path), "problems": []}
    try:
        proc = subprocess.run([*taizhang_command(), "validate", str(path), "--json", "--today", "2026-11-23"],
                              capture_output=True, timeout=timeout, preexec_fn=limits, env=env)
    except subprocess.TimeoutExpired:
        out.update(seconds=timeout, code=None)
        out["problems"].append(f"hang: no answer within {timeout:.0f} s")
        return out
    out.update(seconds=round(time.perf_counter() - started, 2), code=proc.returncode)
    stdout, stderr = proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    if "Traceback" in stdout or "Traceback" in stderr:
        out["problems"].append("traceback")
    if stderr.strip():
        out["problems"].append("stderr: " + stderr.strip()[:300])
    if proc.returncode not in (0, 1, 2):
        out["problems"].append(f"exit code {proc.returncode}")
        return out
    try:
        report = json.loads(stdout)
    except ValueError:
        out["problems"].append("no JSON on stdout")
        return out
    codes = [f["code"] for f in report.get("findings", []) if f["severity"] == "error"]
    out["codes"] = codes
    out["read"] = proc.returncode != 2
    name = path.name
    for f in report.get("findings", []):
        msg = f["message"]
        if not has_chinese(msg):
            out["problems"].append(f"not Chinese: {msg[:200]}")
        elif english_words(msg, name):
            out["problems"].append(f"library text {english_words(msg, name)}: {msg[:200]}")
    if proc.returncode == 2 and not any(name in f["message"] for f in report.get("findings", [])):
        out["problems"].append("refusal does not name the file")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--memory-mb", type=int, default=3072, help="address-space limit per file (RLIMIT_AS)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, help="write every file's result here (JSON)")
    ap.add_argument("--summary", type=Path, help="write the counts here (benchmarks/robustness.json, for docs/corpus.md)")
    ap.add_argument("--from-results", type=Path, nargs="+", help="recount saved --out files instead of running (folder ignored)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    if args.from_results:
        results = [r for f in args.from_results for r in json.loads(f.read_text(encoding="utf-8"))["results"]]
        files = [Path(r["file"]) for r in results]
    else:
        files = sorted(p for p in args.folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        env = dict(os.environ, RUST_BACKTRACE="0",
                   TAIZHANG_LOG_DIR=str(Path(os.environ.get("TMPDIR", "/tmp")) / "taizhang-robustness-log"))
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(lambda p: check(p, args.timeout, args.memory_mb, env), files))
    wall = time.perf_counter() - started
    by_ext = Counter(p.suffix.lower() for p in files)
    exits = Counter(r["code"] for r in results)
    codes = Counter(c for r in results for c in set(r.get("codes", [])))
    failures = [r for r in results if r["problems"]]
    slowest = max(results, key=lambda r: r["seconds"]) if results else None
    print(f"files: {len(files)} ({', '.join(f'{k} {v}' for k, v in sorted(by_ext.items()))}); wall {wall:.0f} s")
    print("exit codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(exits.items(), key=lambda kv: str(kv[0]))))
    print("refusal codes: " + ", ".join(f"{k} {v}" for k, v in codes.most_common()))
    if slowest:
        print(f"slowest: {slowest['seconds']} s ({Path(slowest['file']).name})")
    print(f"failures: {len(failures)}")
    for r in failures:
        print(f"  {r['file']}: {'; '.join(r['problems'])}")
    if args.out:
        args.out.write_text(json.dumps({"files": len(files), "by_ext": by_ext, "exit_codes": {str(k): v for k, v in exits.items()},
                                        "refusal_codes": codes, "failures": failures, "results": results},
                                       ensure_ascii=False, indent=1), encoding="utf-8")
    if args.summary:  # the counts only, for docs/corpus.md (the corpora are described by hand beside them)
        old = json.loads(args.summary.read_text(encoding="utf-8")) if args.summary.exists() else {}
        language = ("not Chinese", "library text")
        args.summary.write_text(json.dumps({
            "corpora": old.get("corpora", []), "note": old.get("note", ""), "files": len(files), "timeout": args.timeout, "memory_mb": args.memory_mb,
            "by_ext": dict(sorted(by_ext.items())), "exit_codes": {str(k): v for k, v in sorted(exits.items(), key=lambda kv: str(kv[0]))},
            "refusal_codes": dict(codes.most_common()),
            "failures": sum(1 for r in failures if any(not p.startswith(language) for p in r["problems"])),
            "not_chinese": sum(1 for r in failures if any(p.startswith(language) for p in r["problems"])),
            "slowest_seconds": slowest["seconds"] if slowest else 0}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
