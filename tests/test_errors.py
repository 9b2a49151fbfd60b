"""One exception → outcome table for every door: the user's mistakes exit 2 with one Chinese line,
our bugs exit 3 with one Chinese line and the traceback in the log, and no message claims the files
are untouched when one was already replaced."""

from __future__ import annotations

import pytest

from taizhang import errors
from taizhang.book.master import MasterError
from taizhang.doors.cli import main
from taizhang.intake.units import UnitListError
from taizhang.rules.rulebook import RulebookError
from taizhang.xlsx.safety import FileProblem
from taizhang.xlsx.storage import WriteError


@pytest.mark.parametrize("exc, code", [
    (MasterError("不是台账总表"), 2), (RulebookError("规则文件有误"), 2), (UnitListError("名单有冲突"), 2),
    (WriteError("文件被占用"), 2), (FileProblem("encrypted", "文件有打开密码"), 2), (errors.BadRequest("参数不对"), 2),
    (FileNotFoundError("没有这个文件"), 2), (PermissionError("没有权限"), 2),
    (ValueError("a bug of ours"), 3), (KeyError("x"), 3), (RuntimeError("boom"), 3), (KeyboardInterrupt(), 130),
])
def test_outcome_table(exc, code):
    assert errors.outcome(exc) == code


def test_a_user_error_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["status", str(tmp_path / "没有这个文件.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and err.count("\n") == 1 and "Traceback" not in err


def test_a_bug_exits_3_with_the_traceback_in_the_log(fresh_sample, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TAIZHANG_LOG_DIR", str(tmp_path / "log"))
    import taizhang.jobs as jobs

    def broken(*a, **k):
        raise RuntimeError("planted bug")

    monkeypatch.setattr(jobs, "compute_lights", broken)
    assert main(["status", str(fresh_sample.master)]) == 3
    err = capsys.readouterr().err
    assert "内部出错" in err and "原文件未改动" in err and "Traceback" not in err and "planted" not in err
    log = (tmp_path / "log" / "taizhang.log").read_text(encoding="utf-8")
    assert "RuntimeError: planted bug" in log and "taizhang status" in log


def test_a_bug_after_the_master_was_replaced_says_so(fresh_sample, tmp_path, monkeypatch, capsys):
    """`run` replaces the master, then writes the summary: a bug there must not claim the master is untouched."""
    monkeypatch.setenv("TAIZHANG_LOG_DIR", str(tmp_path / "log"))
    import taizhang.jobs as jobs

    def broken(*a, **k):
        raise RuntimeError("planted bug in the summary")

    monkeypatch.setattr(jobs, "save_summary", broken)
    before = fresh_sample.master.read_bytes()
    assert main(["run", str(fresh_sample.master), str(fresh_sample.submissions), "--today", "2026-11-23"]) == 3
    err = capsys.readouterr().err
    assert fresh_sample.master.read_bytes() != before  # the merge had landed
    assert "原文件未改动" not in err and fresh_sample.master.name in err and "台账备份" in err


def test_operating_system_errors_are_said_in_chinese(fresh_sample, tmp_path, capsys):
    """Python's own text for these is English ("[Errno 21] Is a directory"); the user reads what to do."""
    unit_file = next(p for p in fresh_sample.submissions.glob("区*.xlsx"))
    assert main(["validate", str(unit_file), "--preset", "xinguan", "--marked", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "是一个文件夹" in err and "Errno" not in err
    assert main(["run", str(fresh_sample.master), str(fresh_sample.master)]) == 2
    assert "是一个文件，不是报送文件夹" in capsys.readouterr().err
    assert main(["workday", "2026-09-30", "999999"]) == 2
    assert "工作日数不超过" in capsys.readouterr().err
