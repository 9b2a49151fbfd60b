"""Shared fixtures: a generated sample campaign and LibreOffice conversions."""

from __future__ import annotations

import dataclasses
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


def pdf_text(pdf: Path) -> str:
    """The text LibreOffice rendered into a PDF (pdftotext), to check what a reader would see."""
    assert pdf.read_bytes().startswith(b"%PDF")
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=120).stdout


@pytest.fixture(scope="session")
def _pristine_sample(tmp_path_factory):
    from taizhang.demo import generate

    return generate(tmp_path_factory.mktemp("pristine"), preset="xinguan", seed=11, today=REPORT_DAY)


@pytest.fixture(scope="session")
def sample(_pristine_sample):
    """The generated sample campaign, built once per session; tests must not write to it (``fresh_sample`` is a copy)."""
    return _pristine_sample


@pytest.fixture(scope="session")
def _pristine_merged(tmp_path_factory):
    from taizhang.demo import generate
    from taizhang.jobs import run_merge

    s = generate(tmp_path_factory.mktemp("merged"), preset="xinguan", seed=5, today=REPORT_DAY)
    run_merge(s.master, s.submissions, REPORT_DAY)
    return s


@pytest.fixture(scope="module")
def merged(_pristine_merged, tmp_path_factory):
    """A campaign (xinguan, seed 5) after one report day's merge: merged once per session, copied per module."""
    return copy_sample(_pristine_merged, tmp_path_factory.mktemp("merged-copy") / "campaign")


@pytest.fixture
def fresh_sample(tmp_path, _pristine_sample):
    """A private copy of the sample campaign (tests that write to the master use this).

    The campaign is generated once per session and copied with its file times, which is the same as generating it again, only faster.
    """
    return copy_sample(_pristine_sample, tmp_path / "campaign")


def copy_sample(sample, root: Path):
    shutil.copytree(sample.root, root, copy_function=shutil.copy2)
    moved = {f: root / getattr(sample, f).relative_to(sample.root) for f in ("master", "submissions", "units_file")}
    return dataclasses.replace(sample, root=root, **moved)
