"""The messy-submission corpus: each workbook's outcome equals expected.json beside it."""

import datetime as dt
import json
from pathlib import Path

import pytest

from taizhang.findings import finding, flatten
from taizhang.intake.units import build_directory
from taizhang.rules.rulebook import find_rulebook
from taizhang.rules.validate import validate_file

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
UNITS = build_directory([(i, n, t, a, "") for i, (n, t, a) in enumerate(EXPECTED["_units"], 2)], "corpus")
BOOK = find_rulebook(EXPECTED["_preset"])
TODAY = dt.date.fromisoformat(EXPECTED["_today"])
CASES = {k: v for k, v in EXPECTED.items() if not k.startswith("_")}


# Words a Chinese message may carry: product and format names. Anything else in Latin letters is a library's text.
KNOWN_WORDS = {"excel", "wps", "xlsx", "xls", "xlsm", "xlsb", "ods", "csv", "libreoffice", "office", "word", "powerpoint",
               "opendocument", "html", "xml", "utf", "gbk", "mb", "json", "rows_skipped", "xfd", "iv", "zip"}


def english_words(message: str, file_name: str = "") -> list[str]:
    import re

    text = message.replace(Path(file_name).name, " ") if file_name else message
    text = re.sub(r"\b[A-Z]{1,3}\d+\b", " ", text)  # cell addresses (XFD1048576)
    text = re.sub(r"[\w./\\-]+\.(?:xml|rels|bin)\b", " ", text)  # package part names (xl/workbook.xml)
    return [w for w in re.findall(r"[A-Za-z_]{3,}", text) if w.lower() not in KNOWN_WORDS]


NOTED = {"file-default-password", "statistics-sheet"}  # info codes a case lists under "notes": present exactly where expected


def outcome(name: str):
    report, checked = validate_file(CORPUS / name, rulebook=BOOK, units=UNITS, today=TODAY, display_name=name)
    return report, checked


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_file(name):
    exp = CASES[name]
    report, checked = outcome(name)
    if "failed" in exp:
        assert checked.read.failed
        assert [f.code for f in report.findings if f.severity != "info" or f.code == "file-skipped"] == [exp["failed"]]
        msg = report.findings[0].message
        assert name in msg  # the message names the file
        assert not english_words(msg, name), msg  # no library text: that goes to the log
        return
    got = {k: getattr(report, k) for k in ("sheet", "header_row", "rows", "rows_ok", "unit", "unit_source")}
    assert got == {k: exp[k] for k in got}
    assert report.sheets == exp.get("sheets", [exp["sheet"]])  # every sheet read, and no other
    assert report.zero_report == exp.get("zero_report", False)
    assert report.flatten() == flatten([finding(code, "", row=row, column=col) for row, col, code in exp["findings"]])
    assert [[s.row, s.kind] for s in report.rows_skipped] == exp.get("skipped", [])
    assert sorted(f.code for f in report.findings if f.code in NOTED) == sorted(exp.get("notes", []))
    assert report.rows_in_file == report.rows + len(report.rows_skipped)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in s.reason) for s in report.rows_skipped)


def test_values_are_normalised_with_the_original_kept():
    report, checked = outcome("renamed_reordered.xlsx")
    df = checked.frame
    assert set(df["assigned"]) == {dt.date(2026, 10, 9)}           # six date styles incl. full-width digits
    assert set(df["amount"]) == {125.0}                             # 1,250,000 元 → 125 万元
    assert set(df["status"]) == {"整改中"}                           # 推进中 → 整改中
    assert set(df["phone"]) == {"13912345678"}                      # a number cell stays a phone number
    assert set(df["progress"]) == {60.0}
    assert list(df["case_id"]) == [f"00{i}" for i in range(1, 7)]   # leading zeros kept
    guessed = [f for f in report.findings if f.code == "date-year-guessed"][0]
    assert guessed.value == "10月9日"


def test_unit_line_fills_blank_unit_cells_and_totals_are_skipped():
    _, checked = outcome("title_and_unit_line.xlsx")
    assert list(checked.frame["unit"]) == ["城关镇", "城关镇"]
    assert list(checked.frame["_row"]) == [4, 5]


def test_cases_below_subtotals_are_read():
    report, checked = outcome("subtotal_groups.xlsx")
    assert list(checked.frame["_row"]) == [3, 4, 6, 7, 9, 10, 12]
    assert list(checked.frame["category"]) == ["账款支付不到位"] * 2 + ["招商引资政策不兑现"] * 2 + ["合作协议不履行"] * 2 + ["账款支付不到位"]


def _rows_by_openpyxl(path: Path, sheet: str, header_row: int) -> set[int]:
    """Non-empty rows below the header, counted by another reader (openpyxl), hidden rows included."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=False, data_only=True)
    ws = wb[sheet]
    out = {cell.row for row in ws.iter_rows(min_row=header_row + 1) for cell in row
           if cell.value is not None and str(cell.value).strip() != ""}
    wb.close()
    return out


OPENPYXL_READABLE = sorted(n for n, e in CASES.items() if "failed" not in e and n.endswith(".xlsx")
                           and not n.startswith(("xls_named", "backslash", "huge", "default_key")))  # openpyxl cannot read these (or not in memory)


@pytest.mark.parametrize("name", OPENPYXL_READABLE)
def test_every_row_is_read_or_skipped_with_a_reason(name):
    report, checked = outcome(name)
    assert report.sheets == [p.read.sheet for p in (checked, *checked.more)]
    for part in (checked, *checked.more):  # every ledger sheet read from the file
        read = [n for n, _ in part.read.rows]
        skipped = [s.row for s in report.rows_skipped if s.sheet == part.read.sheet]
        assert not set(read) & set(skipped)
        assert len(read) + len(skipped) == part.read.rows_in_file
        assert sorted(read + skipped) == sorted(_rows_by_openpyxl(CORPUS / name, part.read.sheet, part.read.header_row))
    assert report.rows_in_file == sum(p.read.rows_in_file for p in (checked, *checked.more))
    assert all(s.kind and s.reason for s in report.rows_skipped)


def test_hidden_rows_and_sheets_are_not_data():
    _, checked = outcome("instruction_first_hidden.xlsx")
    assert list(checked.frame["_row"]) == [2, 4, 6]


def test_every_finding_has_a_place_and_a_chinese_message():
    report, _ = outcome("every_error.xlsx")
    for f in report.findings:
        if f.severity == "info":
            continue
        assert f.file == "every_error.xlsx" and f.sheet == "Sheet" and f.row
        assert f.column and f.header
        assert any("\u4e00" <= ch <= "\u9fff" for ch in f.message)


def render_corpus_doc() -> str:
    """docs/corpus.md, generated from expected.json so the documented outcomes are the tested ones."""
    from taizhang.findings import CODES

    lines = ["# 报送表样本库：情形与处理结果", "",
             "由 `tests/corpus/expected.json` 生成（`python tests/test_corpus.py` 重新生成），`tests/test_corpus.py` 逐一验证。", "",
             "| 样本文件 | 情形 | 台账助手的处理 |", "|---|---|---|"]
    for name, exp in sorted(CASES.items()):
        if "failed" in exp:
            code = exp["failed"]
            verb = "跳过" if code == "file-skipped" else "拒绝读取"
            outcome = f"{verb}：`{code}`（{CODES[code].title}），说明原因和处理办法；同一文件夹的其他文件照常合并"
        else:
            codes = sorted({f[2] for f in exp["findings"]})
            sheets = exp.get("sheets", [exp["sheet"]])
            where = (f"读取工作表{'、'.join(f'“{s}”' for s in sheets)}（“{sheets[0]}”第{exp['header_row']}行表头）"
                     if len(sheets) > 1 else f"读取第{exp['header_row']}行表头")
            outcome = f"{where}，{exp['rows']}行中{exp['rows_ok']}行可导入；报送单位：{exp['unit']}"
            if exp.get("zero_report"):
                outcome += "（零报告）"
            if codes:
                outcome += "；提示：" + "、".join(f"`{c}`" for c in codes)
            if exp.get("notes"):
                outcome += "；说明：" + "、".join(f"`{c}`（{CODES[c].title}）" for c in exp["notes"])
            if exp.get("skipped"):
                from taizhang.intake.reader import SKIP_KINDS

                outcome += "；不是问题行、列明跳过：" + "、".join(f"第{r}行{SKIP_KINDS[k]}" for r, k in exp["skipped"])
        lines.append(f"| `{name}` | {exp['about']} | {outcome} |")
    run = Path(__file__).parent.parent / "benchmarks" / "robustness.json"
    if run.exists():
        lines += robustness_section(json.loads(run.read_text(encoding="utf-8")))
    return "\n".join(lines) + "\n"


BATCH_ZH = ("`--batch`：一个工作进程逐个检查，进程崩溃、超时即判该文件失败并重启进程，"
            "在工作进程中失败的文件再单独用一个进程重跑、两次结果都计入")


def robustness_section(run: dict) -> list[str]:
    """docs/corpus.md's account of the robustness run of record (benchmarks/robustness.json)."""
    lines = ["", "## 第三方样本的稳健性检验", "",
             f"用 `python benchmarks/robustness.py 文件夹` 对其他电子表格库公开测试集中的 {run['files']} 个文件逐一运行 "
             f"`taizhang validate --json`（{BATCH_ZH if run.get('mode') == 'batch' else '每个文件一个进程'}，"
             f"每个文件限时 {run['timeout']:.0f} 秒、内存上限 {run['memory_mb']} MB）。"
             f"这些文件不提交到本仓库，运行前从下列仓库取出：", ""]
    for c in run["corpora"]:
        lines.append(f"- `{c['repo']}` 提交 `{c['commit'][:12]}`：{c['files']} 个（{c['how']}）")
    lines += ["", "| 检查项 | 结果 |", "|---|---|"]
    lines.append(f"| 文件类型 | {'、'.join(f'{k} {v} 个' for k, v in sorted(run['by_ext'].items()))} |")
    lines.append(f"| 退出码 | {'、'.join(f'{k}：{v} 个' for k, v in sorted(run['exit_codes'].items()))}（0 可导入，1 有行级错误，2 整个文件未导入：不是台账或拒绝读取） |")
    lines.append(f"| 读取成功、但其中没有台账表头（`no-ledger-sheet`，这些文件都不是台账） | {run['refusal_codes'].get('no-ledger-sheet', 0)} 个 |")
    lines.append(f"| 拒绝读取，并说明真实原因 | {'、'.join(f'`{k}` {v}' for k, v in sorted(run['refusal_codes'].items(), key=lambda kv: -kv[1]) if k != 'no-ledger-sheet')} |")
    lines.append(f"| 出现 Python 回溯、挂起（超时）、崩溃、stderr 输出、非 JSON 输出 | {run['failures']} 个 |")
    lines.append(f"| 提示不是中文或夹带库的英文原文 | {run['not_chinese']} 个 |")
    lines.append(f"| 最慢的文件 | {run['slowest_seconds']} 秒（{run['note']}） |")
    for more in run.get("more", []):  # a further run over a wider selection, told with its own counts
        lines += ["", f"另外，{more['what']}：{more['files']} 个文件（"
                  + "、".join(f"{k} {v} 个" for k, v in sorted(more["by_ext"].items())) + "）；退出码 "
                  + "、".join(f"{k}：{v} 个" for k, v in sorted(more["exit_codes"].items())) + "；"
                  + "、".join(f"`{k}` {v}" for k, v in sorted(more["refusal_codes"].items(), key=lambda kv: -kv[1]))
                  + f"；回溯、挂起、崩溃、stderr 输出、非 JSON 输出 {more['failures']} 个，非中文提示 {more['not_chinese']} 个；"
                  f"最慢 {more['slowest_seconds']} 秒（{more['note']}）。"]
    if run.get("updates"):  # counts changed by re-running only the files a later change affected
        lines += ["", "此后的更新：", ""] + [f"- {u}" for u in run["updates"]]
    return lines


def test_corpus_doc_is_current():
    doc = Path(__file__).parent.parent / "docs" / "corpus.md"
    assert doc.read_text(encoding="utf-8") == render_corpus_doc(), "run: python tests/test_corpus.py"


@pytest.mark.parametrize("name", ["zip_bomb.xlsx", "entity_bomb.xlsx"])
def test_bombs_are_refused_quickly(name):
    import time

    t = time.perf_counter()
    report, checked = outcome(name)
    assert time.perf_counter() - t < 2.0
    assert checked.read.failed and "炸弹" in report.findings[0].message


def test_odd_dates_and_merged_rows():
    D = dt.date
    assert list(outcome("date1904.xlsx")[1].frame["assigned"]) == [D(2026, 10, 9)] * 2
    assert list(outcome("serial_dates.xlsx")[1].frame["assigned"]) == [D(2026, 10, 9), None, D(2026, 10, 9)]
    assert list(outcome("merged_data_rows.xlsx")[1].frame["unit"]) == ["城关镇"] * 3
    assert list(outcome("pasted_twice.xlsx")[1].frame["_row"]) == [2, 3, 5, 6]


if __name__ == "__main__":
    (Path(__file__).parent.parent / "docs" / "corpus.md").write_text(render_corpus_doc(), encoding="utf-8")
