"""The garbage collector of a serving process.

CPython's full collection walks every object the process keeps. A worker keeps about
240,000 from its start (the app's routes and models, SQLAlchemy's and Pydantic's
structures) and more once a language's morphology dictionary is loaded; a full collection
that happened to fall inside a search took 50–190 ms at 100k articles
(bench/SEARCH-RESULTS.md), about one request in a hundred.

A serving process therefore `settle`s once it has started: what exists then lives as long
as the process, and `gc.freeze` takes it out of every later walk. Each analyser loaded
afterwards settles again. Only serving processes do this: a process that makes apps and
drops them (the test suite) would keep every frozen one for good.
"""

import gc
import threading

_lock = threading.Lock()
_serving = False
# `gc.get_freeze_count` walks the frozen objects' list: 3-8 ms for a worker's 200,000, on
# the event loop. The metrics sampler asked it every second, delaying whatever
# request fell in that time; the number is taken once per settle instead.
_frozen = 0


def settle() -> None:
    """Collect, then freeze everything still alive out of the collector's walks; from now
    on, `settle_again` does the same after each long-lived load."""
    global _serving, _frozen
    with _lock:
        gc.collect()
        gc.freeze()
        _frozen = gc.get_freeze_count()
        _serving = True


def settle_again() -> None:
    """After a long-lived load (an analyser's dictionaries): settle, in a serving process."""
    if _serving:
        settle()


def frozen() -> int:
    """How many objects were frozen at the last settle (0 in a process that never settled);
    those that died since are not subtracted."""
    return _frozen
