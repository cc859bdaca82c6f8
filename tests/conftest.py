"""Shared test settings: every floating-point warning is an error."""

import os

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _raise_on_float_errors():
    # Underflow to zero is the correct result of e^-x in the tails of sigmoid and softmax;
    # overflow, division by zero and invalid operations are errors.
    old = np.seterr(all="raise", under="ignore")
    try:
        yield
    finally:
        np.seterr(**old)


# In CI every optional tool (PyTorch, pdflatex, Chromium, ...) is installed by .ci/run, so a
# skipped test there means a missing install, not a missing feature: make it fail the run.
_SKIPPED_IN_CI: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and os.environ.get("CI") == "true":
        _SKIPPED_IN_CI.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _SKIPPED_IN_CI and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if _SKIPPED_IN_CI:
        terminalreporter.write_line(
            f"{len(_SKIPPED_IN_CI)} tests skipped under CI=true, which fails the run "
            "(a missing install?): " + ", ".join(_SKIPPED_IN_CI[:5]), red=True)
