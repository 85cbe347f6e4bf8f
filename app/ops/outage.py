"""What a request gets while a service the API needs does not answer (issue 20, item 3).

A database that is stopped, frozen, restarting, out of connections, locked, read-only or
out of disk is an outage, not a bug: the request gets a 503 `service-unavailable` problem
with `Retry-After`, within the timeouts (`NEWSDESK_DATABASE_CONNECT_TIMEOUT_SECONDS`,
`NEWSDESK_DATABASE_STATEMENT_TIMEOUT_SECONDS`), and the outage is logged once per
`LOG_EVERY` seconds with how many requests it refused meanwhile (a traceback per request
was 9.6 MB of log in 20 s), never as a 500.
"""

import asyncio
import errno
import logging
import socket
import sqlite3
import sys
import time
from typing import Any

from sqlalchemy import exc as sa

from app.errors import problem_response

log = logging.getLogger("newsdesk.outage")

RETRY_AFTER = 5  # seconds a client is asked to wait
LOG_EVERY = 30.0

# SQLite's words for a database it cannot write or read now (not for a bug in a statement).
_SQLITE_OUTAGES = (
    "database is locked",
    "database table is locked",
    "attempt to write a readonly database",
    "database or disk is full",
    "disk i/o error",
    "unable to open database file",
)


_NETWORK = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ETIMEDOUT, errno.ECONNREFUSED}


def _chain(error: BaseException) -> list[BaseException]:
    """The error, what it wraps (SQLAlchemy's `orig`), and its causes."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo and len(seen) < 8:
        current = todo.pop(0)
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return seen


def reason(error: BaseException) -> str | None:
    """What made the database unusable, in a few words; None when `error` is no outage
    (a bug, a constraint, bad input: those keep their own answers)."""
    for item in _chain(error):
        if isinstance(item, sa.TimeoutError):  # SQLAlchemy's pool: no connection free
            return "no connection free in time"
        if isinstance(item, sa.DBAPIError) and item.connection_invalidated:
            return "the connection was lost"
        if isinstance(item, sqlite3.OperationalError | sqlite3.DatabaseError):
            message = str(item).lower()
            found = next((words for words in _SQLITE_OUTAGES if words in message), None)
            if found is not None:
                return found
        postgres = _postgres_reason(item)
        if postgres is not None:
            return postgres
        if isinstance(item, TimeoutError | asyncio.TimeoutError):
            return "no answer in time"
        if isinstance(item, ConnectionError | socket.gaierror) or (
            isinstance(item, OSError) and item.errno in _NETWORK
        ):
            return type(item).__name__
    return None


def _postgres_reason(item: BaseException) -> str | None:
    """`reason` for asyncpg's errors. asyncpg is imported only by a process that reaches
    PostgreSQL (a worker on SQLite is spared its ~2.6 MB); until it is, none of its errors
    can exist."""
    asyncpg: Any = sys.modules.get("asyncpg")
    if asyncpg is None:
        return None
    if isinstance(
        item,
        asyncpg.PostgresConnectionError
        | asyncpg.CannotConnectNowError
        | asyncpg.TooManyConnectionsError
        | asyncpg.exceptions.OperatorInterventionError
        | asyncpg.exceptions.ConnectionDoesNotExistError
        | asyncpg.exceptions.ReadOnlySQLTransactionError
        | asyncpg.exceptions.DiskFullError,
    ):
        return type(item).__name__
    if isinstance(item, asyncpg.InterfaceError) and "closed" in str(item).lower():
        return "the connection was closed"
    return None


class OutageLog:
    """One warning when an outage of `what` is first seen, then one per `every` seconds
    while requests keep meeting it, with their number; one line when it answers again
    (`recovered`).

    With a `source` (a background task), it answers again when every source that met it
    has succeeded since: another task's success says nothing (one that needs no database,
    such as a purge loop with nothing to purge, succeeded while the others failed, and the
    log flapped "unavailable", "answers again" with every poll of a frozen database)."""

    def __init__(self, what: str, every: float = LOG_EVERY) -> None:
        self.what = what
        self.every = every
        self.since: float | None = None
        self.last_logged = 0.0
        self.met = 0
        self.failing: set[str] = set()

    def refused_one(self, why: str, source: str | None = None) -> None:
        now = time.monotonic()
        if source is not None:
            self.failing.add(source)
        self.met += 1
        if self.since is None:
            self.since = now
            self.last_logged = now
            self.met = 0
            log.warning("%s unavailable (%s)", self.what, why)
        elif now - self.last_logged >= self.every:
            log.warning(
                "%s still unavailable (%s): %d request(s) met it in the last %.0f s",
                self.what, why, self.met, now - self.last_logged,
            )  # fmt: skip
            self.last_logged = now
            self.met = 0

    def forget(self, source: str) -> None:
        """`source` stopped: it will not say whether the outage is over; the others will."""
        self.failing.discard(source)

    def recovered(self, source: str | None = None) -> None:
        if source is not None:
            self.failing.discard(source)
            if self.failing:
                return
        if self.since is not None:
            elapsed = time.monotonic() - self.since
            log.warning("%s answers again after %.0f s", self.what, elapsed)
            self.since = None
            self.met = 0


OUTAGES = OutageLog("the database")
BACKGROUND = OutageLog("the database, for background work")


def log_failure(logger: logging.Logger, error: BaseException, doing: str) -> None:
    """A background task's failure: an outage once in a while (no traceback: it is not a
    bug), anything else with its traceback, every time."""
    why = reason(error)
    if why is None:
        logger.error("%s failed", doing, exc_info=error)
    else:
        BACKGROUND.refused_one(f"{doing}: {why}", source=doing)


def forget(doing: str) -> None:
    """A background task stopped (the worker's loops when the job goes to another
    process): it will not say whether the database answers; the others will."""
    BACKGROUND.forget(doing)


def log_success(doing: str) -> None:
    """A background task worked (`doing`, as `log_failure` named it): when it is the last
    of those that met an outage, the outage is over."""
    BACKGROUND.recovered(source=doing)


def answer(error: Exception, scope: Any) -> Any:
    """The 503 for an error that is an outage (logged once in a while); None for a bug."""
    why = reason(error)
    if why is None:
        return None
    OUTAGES.refused_one(f"{why}; answering 503")
    return problem(why, scope.get("path"))


def problem(why: str, path: str | None = None) -> Any:
    return problem_response(
        503,
        "service-unavailable",
        "Service unavailable",
        f"The database is unavailable ({why}); retry after the seconds in Retry-After.",
        headers={"Retry-After": str(RETRY_AFTER)},
        instance=path,
    )
