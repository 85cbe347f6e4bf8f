"""Progress of a long command on stderr: a live bar on a terminal, plain lines in a log.

A bar redrawn in place is noise in the log of a cron job or a CI run (and rich draws
nothing at all when stderr is not a terminal), so there the same counts are printed as
one line per `every` percent, each with the rate and the time left.
"""

import contextlib
import time
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

# done, total
Update = Callable[[int, int], None]


@contextlib.contextmanager
def counting(
    description: str, *, unit: str, every: int = 10, console: Console | None = None
) -> Iterator[Update]:
    """An `update(done, total)` to call as work is done, shown while the block runs."""
    console = console or Console(stderr=True)
    started = time.monotonic()

    def rate(done: int) -> float:
        return done / max(time.monotonic() - started, 1e-9)

    if console.is_terminal:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                   TimeRemainingColumn())  # fmt: skip
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(description, total=None, rate="")

            def show(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, rate=f"{rate(done):,.0f} {unit}/s")

            yield show
        return

    shown = -1

    def log(done: int, total: int) -> None:
        nonlocal shown
        percent = 100 * done // total if total else 100
        if percent // every == shown // every and shown >= 0:
            return
        shown = percent
        line = f"{description}: {done:,}/{total:,} {unit} ({percent}%)"
        if done:
            speed = rate(done)
            line += f", {speed:,.0f}/s, {duration((total - done) / speed)} left"
        print(line, file=console.file, flush=True)

    yield log


def duration(seconds: float) -> str:
    """`1h 02m`, `4m 05s`, `12s`."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"
