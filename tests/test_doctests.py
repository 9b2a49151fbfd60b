"""The ``>>>`` examples in the core's docstrings run as tests (the installed package, as users have it)."""

import doctest
import importlib

import pytest

MODULES = ["taizhang.intake.normalize", "taizhang.calendar.workdays", "taizhang.report.figures", "taizhang.report.periods",
           "taizhang.report.summary_book", "taizhang.report.gongwen"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
