"""`app.kit.progress`: in a log, one plain line per step of percent, with rate and time left."""

import io
import re

import pytest
from rich.console import Console

from app.kit.progress import counting, duration


def test_a_log_gets_a_line_per_ten_percent() -> None:
    out = io.StringIO()
    with counting("indexing", unit="rows", console=Console(file=out)) as update:
        update(0, 2_000)
        for done in range(100, 2_001, 100):
            update(done, 2_000)
    lines = out.getvalue().splitlines()
    assert lines[0] == "indexing: 0/2,000 rows (0%)"
    assert [re.sub(r"\),.*", ")", line) for line in lines[1:]] == [
        f"indexing: {n:,}/2,000 rows ({n // 20}%)" for n in range(200, 2_001, 200)
    ]
    assert all(re.search(r"\), [\d,]+/s, \S+ left$", line) for line in lines[1:])


def test_nothing_to_count_is_done_at_once() -> None:
    out = io.StringIO()
    with counting("indexing", unit="rows", console=Console(file=out)) as update:
        update(0, 0)
    assert out.getvalue() == "indexing: 0/0 rows (100%)\n"


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0.4, "0s"), (12, "12s"), (245, "4m 05s"), (3720, "1h 02m")]
)
def test_durations(seconds: float, shown: str) -> None:
    assert duration(seconds) == shown
