"""Robustness run: `taizhang validate --json` on every spreadsheet in some folders, each file alone.

    python benchmarks/robustness.py FOLDER [FOLDER …] [--timeout 60] [--memory-mb 3072] [--jobs 2] [--out result.json]
                                   [--summary benchmarks/robustness.json] [--batch [--recycle 100]]
    python benchmarks/robustness.py - --from-results a.json b.json --summary benchmarks/robustness.json

Without --batch every file gets its own process (interpreter start-up and imports included, ~1–10 s a file on a
loaded machine). With --batch one long-lived worker process (`--worker`, started with the same memory limit)
checks the files one at a time: it runs the CLI's `main()` with the process's own stdout and stderr (file
descriptors 1 and 2, so output from native code is caught too) redirected to files of their own for each file,
and answers one JSON line (the warning filters and every module's record of warnings already shown are reset
before each file, so a warning is shown again as in a fresh process). Each file still has its timeout, measured from when it was sent; a worker that dies
(signal, abort, exit) or does not answer in time is killed and restarted, and the file it held is the one that
failed. Any file that fails in the worker is checked once more in a process of its own (the mode without
--batch) and both results are kept: batch mode can only add failures, never hide one. The worker is restarted
every --recycle files, so that memory or state left by one file reaches few others. The run of record
(benchmarks/robustness.json, docs/corpus.md) is a --batch run over the three corpora's folders.

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
import select
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SUFFIXES = {".xls", ".xlsx", ".xlsm", ".ods", ".csv"}
KNOWN_WORDS = {"excel", "wps", "xlsx", "xls", "xlsm", "xlsb", "ods", "csv", "libreoffice", "office", "word", "powerpoint",
               "opendocument", "html", "xml", "utf", "gbk", "mb", "json", "rows_skipped", "zip"}


# the built-in presets' ids, which a message names after --preset (taizhang's own words, typed by the user)
PRESET_IDS = ("lijiuzhang", "xinguan", "zhonggengzu", "sanluan", "xiaoneng")


def english_words(message: str, file_name: str) -> list[str]:
    text = message.replace(file_name, " ").replace(Path(file_name).stem, " ")
    text = re.sub(r"“[^”]*”", " ", text)  # quoted cell text and sheet names are the unit's own words
    text = re.sub(r"\b[A-Z]{1,3}\d+\b", " ", text)  # cell addresses
    text = re.sub(r"(?<![\w-])--[a-z][a-z-]*(?:\s+(?:" + "|".join(PRESET_IDS) + r")\b)?", " ", text)  # taizhang's options
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


VALIDATE = ["validate", "{path}", "--json", "--today", "2026-11-23"]


def limiter(memory_mb: int):
    limit = memory_mb << 20

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return limits


def check(path: Path, timeout: float, memory_mb: int, env: dict) -> dict:
    started = time.perf_counter()
    out = {"file": str(path), "problems": []}
    try:
        proc = subprocess.run([*taizhang_command(), *(a.format(path=path) for a in VALIDATE)],
                              capture_output=True, timeout=timeout, preexec_fn=limiter(memory_mb), env=env)
    except subprocess.TimeoutExpired:
        out.update(seconds=timeout, code=None)
        out["problems"].append(f"hang: no answer within {timeout:.0f} s")
        return out
    out.update(seconds=round(time.perf_counter() - started, 2))
    return judge(out, path, proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


def judge(out: dict, path: Path, returncode: int, stdout: str, stderr: str) -> dict:
    """What one file's answer fails: the same rules for a process of its own and for the batch worker."""
    out["code"] = returncode
    if "Traceback" in stdout or "Traceback" in stderr:
        out["problems"].append("traceback")
    if stderr.strip():
        out["problems"].append("stderr: " + stderr.strip()[:300])
    if returncode not in (0, 1, 2):
        out["problems"].append(f"exit code {returncode}")
        return out
    try:
        report = json.loads(stdout)
    except ValueError:
        out["problems"].append("no JSON on stdout")
        return out
    codes = [f["code"] for f in report.get("findings", []) if f["severity"] == "error"]
    out["codes"] = codes
    out["read"] = returncode != 2
    name = path.name
    for f in report.get("findings", []):
        msg = f["message"]
        if not has_chinese(msg):
            out["problems"].append(f"not Chinese: {msg[:200]}")
        elif english_words(msg, name):
            out["problems"].append(f"library text {english_words(msg, name)}: {msg[:200]}")
    if returncode == 2 and not any(name in f["message"] for f in report.get("findings", [])):
        out["problems"].append("refusal does not name the file")
    return out


def worker() -> int:
    """The batch worker: a file's path per line on stdin, one JSON line per file on the original stdout."""
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)  # the CLI never reads the requests
    from taizhang.doors.cli import main as cli_main

    filters = list(warnings.filters)
    channel.write('{"ready": true}\n')
    for line in requests:
        path = line.rstrip("\n")
        # as a fresh process: a warning already shown for an earlier file is shown again (on stderr, a failure)
        warnings.filters[:] = filters
        for module in list(sys.modules.values()):
            registry = getattr(module, "__warningregistry__", None)
            if isinstance(registry, dict):
                registry.clear()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            sys.stdout.flush()
            sys.stderr.flush()
            saved = os.dup(1), os.dup(2)
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            try:
                code = cli_main([a.format(path=path) for a in VALIDATE])
            except SystemExit as exc:  # as the interpreter would end: a message on stderr and 1, or the number
                if isinstance(exc.code, str):
                    sys.stderr.write(exc.code + "\n")
                code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # an uncaught exception: the traceback on stderr and 1, as the interpreter does
                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.close(saved[0])
                os.close(saved[1])
            out.seek(0)
            err.seek(0)
            channel.write(json.dumps({"code": code, "stdout": out.read().decode("utf-8", "replace"),
                                      "stderr": err.read().decode("utf-8", "replace")}, ensure_ascii=False) + "\n")
    return 0


class Batch:
    """One worker process at a time; restarted after a crash, a hang, or every `recycle` files."""

    def __init__(self, timeout: float, memory_mb: int, env: dict, recycle: int):
        self.timeout, self.memory_mb, self.env, self.recycle = timeout, memory_mb, env, recycle
        self.proc: subprocess.Popen | None = None
        self.buffer = b""
        self.done = 0
        self.restarts = 0
        self.alive_after = True

    def start(self) -> None:
        self.errlog = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.errlog, preexec_fn=limiter(self.memory_mb),
                                     env=self.env)
        self.buffer, self.done = b"", 0
        if self.answer(300.0) is None:  # imports: not counted against any file
            raise RuntimeError(f"the batch worker did not start: {self.stop()}")

    def stop(self) -> str:
        """End the worker; what it said on its own stderr and how it ended."""
        proc, self.proc = self.proc, None
        if proc is None:
            return ""
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        self.errlog.seek(0)
        said = self.errlog.read().decode("utf-8", "replace").strip()
        self.errlog.close()
        how = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit {proc.returncode}"
        return how + (f", stderr: {said[:300]}" if said else "")

    def answer(self, timeout: float) -> dict | None:
        """The worker's next answer; None when it ended (``alive_after`` False) or did not answer in time (True)."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        self.alive_after = True
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                self.alive_after = False
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def check(self, path: Path) -> dict:
        if self.proc is None or self.done >= self.recycle:
            self.stop()
            self.start()
        out = {"file": str(path), "problems": []}
        started = time.perf_counter()
        self.proc.stdin.write(str(path).encode("utf-8") + b"\n")
        self.proc.stdin.flush()
        got = self.answer(self.timeout)
        seconds = round(time.perf_counter() - started, 2)
        if got is None:
            try:  # the pipe closes as the worker dies, a moment before its exit status is there
                self.proc.wait(timeout=0 if self.alive_after else 10)
            except subprocess.TimeoutExpired:
                pass
            alive = self.proc.poll() is None
            how = self.stop()
            self.restarts += 1
            out.update(seconds=seconds, code=None)
            out["problems"].append(f"hang: no answer within {self.timeout:.0f} s" if alive else f"crash: worker ended ({how})")
            return out
        self.done += 1
        out.update(seconds=seconds)
        return judge(out, path, got["code"], got["stdout"], got["stderr"])


def check_batch(files: list[Path], timeout: float, memory_mb: int, env: dict, recycle: int, progress=None) -> list[dict]:
    batch = Batch(timeout, memory_mb, env, recycle)
    results = []
    try:
        for i, path in enumerate(files):
            r = batch.check(path)
            if r["problems"]:  # confirmed alone, and both kept: a failure either way is a failure
                alone = check(path, timeout, memory_mb, env)
                r["alone"] = {k: alone[k] for k in ("code", "seconds", "problems")}
                r["problems"] += [f"alone: {p}" for p in alone["problems"]]
            results.append(r)
            if progress:
                progress(i, r)
    finally:
        batch.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, nargs="+")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--memory-mb", type=int, default=3072, help="address-space limit per file (RLIMIT_AS)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, help="write every file's result here (JSON)")
    ap.add_argument("--summary", type=Path, help="write the counts here (benchmarks/robustness.json, for docs/corpus.md)")
    ap.add_argument("--batch", action="store_true", help="one long-lived worker process checks the files (--jobs ignored)")
    ap.add_argument("--recycle", type=int, default=100, help="in --batch, restart the worker after this many files")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--from-results", type=Path, nargs="+", help="recount saved --out files instead of running (folder ignored)")
    if (argv if argv is not None else sys.argv[1:]) == ["--worker"]:
        return worker()
    args = ap.parse_args(argv)
    started = time.perf_counter()
    if args.from_results:
        results = [r for f in args.from_results for r in json.loads(f.read_text(encoding="utf-8"))["results"]]
        files = [Path(r["file"]) for r in results]
    else:
        files = sorted(p for folder in args.folder for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        env = dict(os.environ, RUST_BACKTRACE="0",
                   TAIZHANG_LOG_DIR=str(Path(os.environ.get("TMPDIR", "/tmp")) / "taizhang-robustness-log"))
        if args.batch:
            def progress(i: int, r: dict) -> None:
                if r["problems"] or (i + 1) % 50 == 0:
                    print(f"[{i + 1}/{len(files)}] {r['file']}: {r['seconds']} s {'; '.join(r['problems'])}", flush=True)

            results = check_batch(files, args.timeout, args.memory_mb, env, args.recycle, progress)
        else:
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
            "failures": sum(1 for r in failures if any(not p.removeprefix("alone: ").startswith(language) for p in r["problems"])),
            "not_chinese": sum(1 for r in failures if any(p.removeprefix("alone: ").startswith(language) for p in r["problems"])),
            "slowest_seconds": slowest["seconds"] if slowest else 0}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
