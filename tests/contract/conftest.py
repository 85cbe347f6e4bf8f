"""Prints how many schemathesis cases ran, per database and phase."""

import sys

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    module = sys.modules.get("tests.contract.test_fuzz")
    cases = getattr(module, "CASES", None)
    if not cases:
        return
    terminalreporter.section("schemathesis cases")
    for backend in sorted({backend for backend, _ in cases}):
        phases = {phase: n for (b, phase), n in sorted(cases.items()) if b == backend}
        listed = ", ".join(f"{phase} {n}" for phase, n in phases.items())
        terminalreporter.write_line(f"{backend}: {sum(phases.values())} ({listed})")
