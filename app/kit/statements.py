"""Where a read's hand-written statements run: a session, or a connection of the loop's own.

A search page (and a filtered list page) is chosen by statements written as SQL text
(`app.search.query`, `app.public.service`), their values bound by name (`Binder`). On
PostgreSQL a filtered list's run on the request's session and a search page's on the
driver's own pool (`OnSearchConnection`); on SQLite (a file) on the hot lane's
connection (`app.public.reads.HotReads.statements`), in the event loop's thread. A
statement on an `AsyncSession` over aiosqlite costs about 1.4 ms beyond its SQL (the
session's BEGIN and ROLLBACK, each step handed to the driver's thread and back), on the
loop's own connection about 0.1 ms.

Text, not statements the ORM builds: building one (its clauses, their coercions, then its
cache key to find it compiled) cost more than running it, ~1 ms for a tier's listing and
3.6 ms of a search with no hit on SQLite, whose SQL took 0.4. Those on a session run
through SQLAlchemy's `exec_driver_sql` (its events see them; ~0.1 ms); those on the
driver's own connection tell their listeners instead (`OnSearchConnection`,
`OnConnection`).
"""

import asyncio
import enum
import re
import sqlite3
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import Result, text
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    import asyncpg

Row = Mapping[str, Any]


class Binder:
    """The values of a hand-written statement, bound by name as its text is written:
    `bind(value)` returns the placeholder (`:p0`, `:p1`, …) and keeps the value. One
    binder may serve several statements (the page's tiers and its page): each runs with
    the values it names. `prefix` keeps two binders' names apart in one statement."""

    __slots__ = ("prefix", "values")

    def __init__(self, prefix: str = "p") -> None:
        self.prefix = prefix
        self.values: dict[str, Any] = {}

    def __call__(self, value: Any) -> str:
        name = f"{self.prefix}{len(self.values)}"
        self.values[name] = value
        return ":" + name

    def named(self, name: str, value: Any) -> str:
        """A value under a name of its own (`:now`, which `public_sql` names)."""
        self.values[name] = value
        return ":" + name


_NAME = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def numbered(sql: str) -> tuple[str, list[str]]:
    """`sql` with asyncpg's `$n` for its `:name`s, and the names in their numbers' order
    (a name used twice is one number)."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    return _NAME.sub(number, sql), names


def for_dialect(dialect: str, sql: str, values: Mapping[str, Any]) -> tuple[str, Any]:
    """`sql` and its values as `dialect`'s driver takes them: SQLite's named parameters
    (`sqlite_value`), asyncpg's `$n` with a tuple of the values `sql` names."""
    if dialect == "postgresql":
        statement, names = numbered(sql)
        return statement, tuple(values[name] for name in names)
    return sql, {name: sqlite_value(value) for name, value in values.items()}


def sqlite_value(value: Any) -> Any:
    """A value as SQLite's columns hold it: a timestamp as naive UTC text (as `UTCDateTime`
    stores it), an id as its hex; others as they are."""
    if isinstance(value, datetime):
        # Four-digit years, as stored: strftime writes the year 500 as `500`.
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, uuid.UUID):
        return value.hex
    return value


def utc(value: Any) -> datetime | None:
    """A timestamp as the driver returns it: aware (asyncpg) or naive UTC text (SQLite)."""
    if value is None or isinstance(value, datetime):
        return value.astimezone(UTC) if value is not None else None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _mappings(result: Result[Any]) -> Sequence[Row]:
    """The rows by column name."""
    return cast(Sequence[Row], result.mappings().all())


class Statements(Protocol):
    """Runs read statements given as SQL text with named values (`Binder`): their rows
    (by column name), or the first column of the first row."""

    dialect: str

    async def rows(
        self, sql: str, values: Mapping[str, Any], *, generic: bool = False
    ) -> Sequence[Row]:
        """`generic`: PostgreSQL, a statement whose one plan fits any values it is run with
        (a walk of the index whose order is the page's): run where a statement's plan is
        made once and kept (`OnSearchConnection`), not planned again for each run's
        values. Elsewhere it changes nothing."""
        ...

    async def scalar(self, sql: str, values: Mapping[str, Any]) -> Any: ...

    async def plan_for_values(self) -> None:
        """PostgreSQL: plan the statements that follow for the values they are run with
        (`app.search.query.plan_for_values`), where the connection is not set so."""

    async def close(self) -> None:
        """Give back what the statements held (a connection of their own)."""


class OnSession:
    """On a session's connection (in its transaction: PostgreSQL's `plan_for_values`)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    async def rows(
        self, sql: str, values: Mapping[str, Any], *, generic: bool = False
    ) -> Sequence[Row]:
        connection = await self.session.connection()
        statement, parameters = for_dialect(self.dialect, sql, values)
        result = await connection.exec_driver_sql(statement, parameters)
        return _mappings(result)

    async def scalar(self, sql: str, values: Mapping[str, Any]) -> Any:
        connection = await self.session.connection()
        statement, parameters = for_dialect(self.dialect, sql, values)
        return (await connection.exec_driver_sql(statement, parameters)).scalar()

    async def plan_for_values(self) -> None:
        if self.dialect == "postgresql":
            await self.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))

    async def close(self) -> None:
        """The session is its owner's to close."""


# Told each statement a search page runs, with its values as the driver takes them
# (`OnSearchConnection`, `OnConnection`): what SQLAlchemy's `before_cursor_execute` event
# is to the statements run through it.
Listener = Callable[[str, Any], None]


class OnSearchConnection:
    """PostgreSQL: on one connection of an asyncpg pool (`app.public.reads.HotReads`'s
    search pool: autocommit, each connection set at connect to plan every statement for
    its values), taken at the first statement and given back by `close`.

    The driver's own pool, as the hot lane's reads: a session's connection cost a search
    six round trips of its ten or so (the pool's ping in a transaction of its own, then
    `BEGIN`, `SET LOCAL plan_cache_mode` and `ROLLBACK`), an engine's of its own still
    one ping at checkout, and SQLAlchemy's layers over the driver a fifth of the search
    page's CPU on PostgreSQL with the ping (stop 50). asyncpg's pool knows a dead
    connection without asking. `listeners` are told each statement before it runs.

    A `generic` statement (`Statements.rows`) runs on a connection from `generic` instead
    (the hot lane's, `app.public.reads.HOT_SETTINGS`), which keeps one plan per statement:
    a walked tier's page, planned for its values on the search connection at each search,
    took 0.4-0.7 ms of the server's CPU a frequent-word search for the plan it makes
    whatever the values (bench/SEARCH-RESULTS.md, stop 62)."""

    dialect = "postgresql"

    def __init__(
        self,
        pool: Callable[[], Awaitable["asyncpg.Pool"]],
        generic: Callable[[], AbstractAsyncContextManager["asyncpg.Connection"]],
        *,
        timeout: float | None = None,
        listeners: Sequence[Listener] = (),
    ) -> None:
        self.pool = pool
        self.timeout = timeout
        self.listeners = listeners
        self.generic = generic
        self._connection: asyncpg.Connection | None = None
        self._from: asyncpg.Pool | None = None

    async def _on(
        self, sql: str, values: Mapping[str, Any]
    ) -> tuple["asyncpg.Connection", str, tuple[Any, ...]]:
        statement, parameters = self._told(sql, values)
        if self._connection is None:
            self._from = await self.pool()
            self._connection = await self._from.acquire(timeout=self.timeout)
        return self._connection, statement, parameters

    def _told(self, sql: str, values: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """The statement and its values for asyncpg, the listeners told."""
        statement, parameters = for_dialect(self.dialect, sql, values)
        for listener in self.listeners:
            listener(statement, parameters)
        return statement, parameters

    async def rows(
        self, sql: str, values: Mapping[str, Any], *, generic: bool = False
    ) -> Sequence[Row]:
        if generic:
            statement, parameters = self._told(sql, values)
            async with self.generic() as connection:
                return cast(Sequence[Row], await connection.fetch(statement, *parameters))
        connection, statement, parameters = await self._on(sql, values)
        return cast(Sequence[Row], await connection.fetch(statement, *parameters))

    async def scalar(self, sql: str, values: Mapping[str, Any]) -> Any:
        connection, statement, parameters = await self._on(sql, values)
        return await connection.fetchval(statement, *parameters)

    async def plan_for_values(self) -> None:
        """Set so at connect."""

    async def close(self) -> None:
        if self._connection is not None and self._from is not None:
            connection, self._connection = self._connection, None
            await self._from.release(connection)


# How many of SQLite's virtual machine steps between two looks at the clock: a few
# microseconds' work.
PROGRESS_STEPS = 1_000


class Interrupted(enum.Enum):
    INTERRUPTED = enum.auto()


INTERRUPTED = Interrupted.INTERRUPTED


async def turn() -> None:
    """Give the event loop a turn before a statement run in its thread (SQLite).

    The loop polls its sockets only once every task that is ready has run to its next
    wait, and a search on SQLite otherwise has none: the worker's concurrent searches
    each ran whole (~8 ms at 100k articles) before the loop read a request or flushed a
    response, 64 of them half a second at a time. A response too big for the socket's
    buffer then waited a round for each part: under `wrk -c64` on one worker, p99
    1.1-1.3 s and about 1.5% of requests past 2 s, with a median of 0.5 s; a turn before
    each statement made it p99 0.5-0.7 s and none past 2 s, at the same throughput
    (docs/benchmarks.md)."""
    await asyncio.sleep(0)


class OnConnection:
    """On the loop's own SQLite connection (`raw`, in autocommit), in the loop's thread:
    no transaction is begun, so each statement reads the latest committed state. The
    driver's cursor itself, as the hot lane's reads: SQLAlchemy's engine over it cost
    about 0.1 ms a statement beyond the statement's own 0.06 (a tier's listing), three or
    four of them a search. `listeners` are told each statement before it runs.

    Each statement is run after a turn of the loop (`turn`), and holds the loop while it
    runs, as the hot lane's own reads do; at most `budget` seconds: one that runs longer
    is interrupted (SQLite's progress handler) and run again on `fallback` (the request's
    session, in the driver's thread), so that a costly search (a phrase of the commonest
    words, 100 ms at 100k articles) does not stop the loop serving everything else
    meanwhile."""

    dialect = "sqlite"

    def __init__(
        self,
        raw: Callable[[], sqlite3.Connection],
        budget: float,
        fallback: Statements,
        *,
        listeners: Sequence[Listener] = (),
    ) -> None:
        self.raw = raw
        self.budget = budget
        self.fallback = fallback
        self.listeners = listeners

    async def rows(
        self, sql: str, values: Mapping[str, Any], *, generic: bool = False
    ) -> Sequence[Row]:
        await turn()
        ran = self._run(sql, values, one=False)
        if ran is INTERRUPTED:
            return await self.fallback.rows(sql, values)
        names, found = ran
        return [dict(zip(names, row, strict=True)) for row in found]

    async def scalar(self, sql: str, values: Mapping[str, Any]) -> Any:
        await turn()
        ran = self._run(sql, values, one=True)
        if ran is INTERRUPTED:
            return await self.fallback.scalar(sql, values)
        return ran[1][0][0] if ran[1] else None

    async def plan_for_values(self) -> None:
        """SQLite plans each statement as it runs."""

    async def close(self) -> None:
        """The connection is the worker's own, kept."""

    def _run(
        self, sql: str, values: Mapping[str, Any], *, one: bool
    ) -> tuple[list[str], list[Any]] | Interrupted:
        """The statement's column names and its rows (its first alone when `one`), or
        INTERRUPTED past the budget (SQLite takes its steps as the rows are fetched)."""
        raw = self.raw()
        statement, parameters = for_dialect("sqlite", sql, values)
        for listener in self.listeners:
            listener(statement, parameters)
        deadline = time.perf_counter() + self.budget
        raw.set_progress_handler(lambda: time.perf_counter() > deadline, PROGRESS_STEPS)
        try:
            cursor = raw.cursor()
            cursor.row_factory = None  # plain tuples, made into dicts once (`rows`)
            try:
                cursor.execute(statement, parameters)
                found = cursor.fetchmany(1) if one else cursor.fetchall()
                return [column[0] for column in cursor.description], found
            finally:  # reset now: a statement not done holds its read snapshot open
                cursor.close()
        except sqlite3.OperationalError as error:
            if str(error) != "interrupted":
                raise
            return INTERRUPTED
        finally:
            raw.set_progress_handler(None, 0)
