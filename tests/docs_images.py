"""Re-render the README's pictures of papers and printed sheets (docs/*.png) from the demo, so they cannot go stale.

    .venv/bin/python tests/docs_images.py            # every picture below, into docs/
    .venv/bin/python tests/docs_images.py --out /tmp/x notice-page1 ledger-print

Not a test (pytest collects only test_*.py): a script run after a change to a paper or a printed sheet, whose PNGs a
person then looks at. Everything comes from ``taizhang.demo`` (sanluan, the preset with the longest office name and
category names, on 2026-12-03; the 领导总览 over three presets), rendered by LibreOffice with the office font names
mapped to the CJK fonts installed here (tests/fonts/gongwen.conf), page 1 (or the page named) by pdftoppm.

The web pages' screenshots (docs/web-*.png) come from the browser tests:
``TAIZHANG_SCREENSHOTS=docs .venv/bin/pytest -n 0 tests/test_web.py tests/test_web_remind.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs"
DAY = dt.date(2026, 12, 3)
REMIND_DAY = dt.date(2026, 12, 16)
sys.path.insert(0, str(HERE))

from test_papers import render_pdfs  # noqa: E402  (LibreOffice with the 公文 fonts mapped)


def png(pdf: Path, out: Path, dpi: int, page: int = 1) -> Path:
    """Page ``page`` of ``pdf`` as ``out`` at ``dpi``."""
    stem = out.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(stem)], check=True)
    return out


def only_sheet(book: Path, sheet: str, out: Path) -> Path:
    """A copy of ``book`` holding only ``sheet`` (LibreOffice prints every sheet of a workbook)."""
    from openpyxl import load_workbook

    wb = load_workbook(book)
    for name in wb.sheetnames:
        if name != sheet:
            del wb[name]
    wb.save(out)
    return out


def campaign(root: Path, preset: str, day: dt.date = DAY):
    """A demo campaign after one report day's merge."""
    from taizhang.demo import generate
    from taizhang.jobs import run_merge

    s = generate(root / preset, preset=preset, seed=3, today=day)
    run_merge(s.master, s.submissions, day)
    return s


def two_levels(work: Path) -> Path:
    """Seed 003's two levels: the sanluan demo's cases in five 归口 masters (one 县教育局 case whose unit is not a
    member unit of the 县委办公室's master), rolled up into the 县委办公室's master; that master's path."""
    import dataclasses

    from taizhang.book.ledger_sheet import save_master
    from taizhang.book.master import create_master, load_master
    from taizhang.demo import generate
    from taizhang.intake.units import UnitDirectory
    from taizhang.jobs import run_merge, run_rollup

    s = generate(work / "两级", preset="sanluan", seed=3, today=DAY, n_units=15)
    run_merge(s.master, s.submissions, DAY)
    whole = load_master(s.master)
    book = whole.rulebook
    lower = work / "两级" / "下级台账"
    lower.mkdir()
    for route in book.routing:
        units = [u for u in whole.units.units if u.type == route.unit_type]
        ledger = whole.ledger[whole.ledger["unit"].isin({u.name for u in units})].reset_index(drop=True)
        if route.summary_dept == "县教育局" and len(ledger):  # a school of the next county, kept by mistake
            units = [*units, dataclasses.replace(units[0], name="邻县实验学校", aliases=[], code="LX")]
            ledger.loc[len(ledger) - 1, "unit"] = "邻县实验学校"
        path = lower / f"{route.summary_dept}台账.xlsx"
        create_master(path, book.model_copy(update={"office": route.summary_dept}), UnitDirectory(units))
        m = load_master(path)
        m.ledger = ledger
        save_master(m, path)
    higher = work / "两级" / "县委办公室台账.xlsx"
    create_master(higher, book.model_copy(update={"office": "县委办公室"}), whole.units)
    run_rollup(higher, lower, DAY)
    return higher


def render_all(out: Path, wanted: set[str] | None, work: Path) -> list[Path]:
    from taizhang.jobs import run_notice, run_overview, run_pack, run_remind, run_summary

    want = (lambda name: wanted is None or name in wanted)  # noqa: E731
    s = campaign(work, "sanluan")
    made: list[tuple[str, Path, int, int]] = []
    docs: list[tuple[str, Path, int, int]] = []
    if want("notice-page1") or want("supervision-notice"):
        res = run_notice(s.master, DAY, out=work / "通报.docx", units_dir=work / "督办")
        docs += [("notice-page1", Path(res.notice), 70, 1), ("supervision-notice", Path(res.supervision[0]), 70, 1)]
    if want("remind-notice"):
        copy = work / "催报" / s.master.name
        copy.parent.mkdir()
        shutil.copy2(s.master, copy)
        docs.append(("remind-notice", Path(run_remind(copy, REMIND_DAY, out_dir=work / "催报单").papers[0]), 70, 1))
    if want("pack-page1") or want("pack-page2"):
        from taizhang.book.master import load_master

        ledger = load_master(s.master).ledger  # sanluan's office closes cases itself: a case it has 已办结 to show
        done = [str(c) for c in ledger.loc[ledger["status"] == "已办结", "case_id"] if c]
        paper = Path(run_pack(s.master, done[:1] or None, DAY, out_dir=work / "销号").papers[0].path)
        docs += [("pack-page1", paper, 70, 1), ("pack-page2", paper, 70, 2)]
    books: list[tuple[str, Path, int, int]] = []
    if want("summary-ranking") or want("summary-overview"):
        run_summary(s.master, DAY, work / "汇总.xlsx")
        books += [("summary-ranking", only_sheet(work / "汇总.xlsx", "红绿灯排行榜", work / "排行榜.xlsx"), 70, 1),
                  ("summary-overview", only_sheet(work / "汇总.xlsx", "总体情况", work / "总体情况.xlsx"), 80, 1)]
    if want("ledger-print"):
        books.append(("ledger-print", only_sheet(s.master, "台账", work / "台账.xlsx"), 60, 1))
    if want("overview") or want("overview-trend"):
        folder = work / "总览"
        folder.mkdir()
        shutil.copy2(s.master, folder / "不作为乱作为慢作为-台账总表.xlsx")
        for preset in ("xinguan", "xiaoneng"):
            shutil.copy2(campaign(work, preset).master, folder / f"{preset}-台账总表.xlsx")
        ov = run_overview(folder, DAY).out
        books += [("overview", only_sheet(ov, "专项行动总览", work / "专项行动总览.xlsx"), 80, 1),
                  ("overview-trend", only_sheet(ov, "亮灯走势", work / "亮灯走势.xlsx"), 80, 1)]
    if want("rollup"):
        books.append(("rollup", only_sheet(two_levels(work), "下级台账汇总", work / "下级台账汇总.xlsx"), 80, 1))
    sources = [(n, p, dpi, page) for n, p, dpi, page in docs + books if want(n)]
    pdfs = render_pdfs(list(dict.fromkeys(p for _, p, _, _ in sources)), work / "pdf")
    by_source = dict(zip(dict.fromkeys(p for _, p, _, _ in sources), pdfs))
    out.mkdir(parents=True, exist_ok=True)
    for name, source, dpi, page in sources:
        made.append((name, png(by_source[source], out / f"{name}.png", dpi, page), dpi, page))
    return [p for _, p, _, _ in made]


NAMES = ["notice-page1", "supervision-notice", "remind-notice", "pack-page1", "pack-page2", "summary-ranking",
         "summary-overview", "ledger-print", "overview", "overview-trend", "rollup"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="only these pictures (default: all): " + ", ".join(NAMES))
    ap.add_argument("--out", type=Path, default=DOCS)
    args = ap.parse_args(argv)
    unknown = [n for n in args.names if n not in NAMES]
    if unknown:
        ap.error(f"unknown pictures {unknown}; known: {NAMES}")
    with tempfile.TemporaryDirectory(prefix="taizhang-docs-") as tmp:
        for p in render_all(args.out, set(args.names) or None, Path(tmp)):
            print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
