"""The golden characterisation of the master writer: sha256 of every part of the written package.

Each scenario builds a demo campaign (a preset, a fixed seed and report day), runs one job on it, and records the
digest of every part of the master as written; ``tests/test_golden.py`` compares them with ``masters.json``.
Regenerate (after a change that is meant to change bytes, and say why in the commit):

    python tests/golden/parts.py
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
import tempfile
import zipfile
from pathlib import Path

GOLDEN = Path(__file__).with_name("masters.json")
REPORT_DAY = dt.date(2026, 11, 23)
PRESETS = ("lijiuzhang", "xinguan", "zhonggengzu", "sanluan", "xiaoneng")
STEPS = ("new", "merge", "status", "assign")
# written by openpyxl at creation with the clock's time, not by the patcher
VOLATILE = ("docProps/core.xml",)
# 文件接收记录 keeps each submission's sha256, and the demo's unit files carry the clock (openpyxl's core.xml, zip
# entry times): those digests, and only they, are masked in the shared strings before hashing
_FILE_DIGEST = re.compile(rb">[0-9a-f]{64}<")


def digests(path: Path, root: Path | None = None) -> dict[str, str]:
    """``root``: the scenario's temporary folder, masked in the shared strings (参数设置 records the 报送文件夹 of a
    merge as an absolute path)."""
    with zipfile.ZipFile(path) as z:
        out = {}
        for n in sorted(z.namelist()):
            if n in VOLATILE:
                continue
            data = z.read(n)
            if n == "xl/sharedStrings.xml":
                data = _FILE_DIGEST.sub(b">sha256<", data)
                if root is not None:
                    data = data.replace(str(root.resolve()).encode("utf-8"), b"ROOT")
            out[n] = hashlib.sha256(data).hexdigest()[:16]
        return out


def scenario(preset: str, root: Path) -> dict[str, dict[str, str]]:
    """Each step's written master, for one preset: new (the demo's master with its cases), then merge, status and
    assign on it in turn (an unedited master, so the office's layer is only what taizhang wrote)."""
    from taizhang.demo import generate
    from taizhang.jobs import run_assign, run_merge, run_status

    s = generate(root / preset, preset=preset, seed=3, today=REPORT_DAY, n_units=8)
    out = {"new": digests(s.master)}
    run_merge(s.master, s.submissions, REPORT_DAY)
    out["merge"] = digests(s.master, root)
    run_status(s.master, REPORT_DAY)
    out["status"] = digests(s.master, root)
    run_assign(s.master, REPORT_DAY)
    out["assign"] = digests(s.master, root)
    return out


def compute() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        return {p: scenario(p, Path(tmp)) for p in PRESETS}


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(compute(), indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}", file=sys.stderr)
