"""Shared fixtures: a generated sample campaign and LibreOffice conversions."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

REPORT_DAY = dt.date(2026, 11, 23)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


def convert(files: list[Path], fmt: str, outdir: Path) -> list[Path]:
    """Convert with LibreOffice headless (a real other application); returns the new files."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / ".lo-profile"
    cmd = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
           "--outdir", str(outdir), *map(str, files)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=240)
    ext = fmt.split(":")[0]
    return [outdir / (f.stem + "." + ext) for f in files]


@pytest.fixture(scope="session")
def sample(tmp_path_factory):
    from taizhang.demo import generate

    return generate(tmp_path_factory.mktemp("campaign"), preset="xinguan", seed=11, today=REPORT_DAY)


@pytest.fixture
def fresh_sample(tmp_path):
    """A private copy of the sample campaign (tests that write to the master use this)."""
    from taizhang.demo import generate

    return generate(tmp_path / "campaign", preset="xinguan", seed=11, today=REPORT_DAY)
