"""Where a read's SQLAlchemy statements run: a session, or a connection of the loop's own.

A search page is chosen by statements the ORM builds (`app.search.query`,
`app.public.service`): on PostgreSQL they run on the request's session; on SQLite (a file)
on the hot lane's connection (`app.public.reads.HotReads.statements`), in the event
loop's thread. A statement on an `AsyncSession` over aiosqlite costs about 1.4 ms beyond
its SQL (the session's BEGIN and ROLLBACK, the ORM's result, each step handed to the
driver's thread and back), on the loop's own connection about 0.4 ms.
"""

import enum
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine, Result, Row
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Executable


class Statements(Protocol):
    """Runs read statements: their rows, their one row, or its first column."""

    async def rows(self, statement: Executable) -> Sequence[Row[Any]]: ...

    async def one(self, statement: Executable) -> Row[Any]:
        """The one row of an aggregate, run as Core: a tier's hits come as one array, not
        thousands of rows, whose handling by the ORM and the driver cost about 5 ms for
        3,000 ids, more than finding them."""
        ...

    async def scalar(self, statement: Executable) -> Any: ...


class OnSession:
    """On a session. `one` runs as Core: an aggregate's one row needs none of the ORM's
    handling."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rows(self, statement: Executable) -> Sequence[Row[Any]]:
        return (await self.session.execute(statement)).all()

    async def one(self, statement: Executable) -> Row[Any]:
        return (await (await self.session.connection()).execute(statement)).one()

    async def scalar(self, statement: Executable) -> Any:
        return await self.session.scalar(statement)


# How many of SQLite's virtual machine steps between two looks at the clock: a few
# microseconds' work.
PROGRESS_STEPS = 1_000


class Interrupted(enum.Enum):
    INTERRUPTED = enum.auto()


INTERRUPTED = Interrupted.INTERRUPTED
T = TypeVar("T")


class OnConnection:
    """On a synchronous engine's one connection (a `StaticPool` over `raw`), in the
    loop's thread: no transaction is begun (`raw` is in autocommit), so each statement
    reads the latest committed state.

    A statement holds the loop while it runs, as the hot lane's own reads do; at most
    `budget` seconds: one that runs longer is interrupted (SQLite's progress handler) and
    run again on `fallback` (the request's session, in the driver's thread), so that a
    costly search (a phrase of the commonest words, 100 ms at 100k articles) does not
    stop the loop serving everything else meanwhile."""

    def __init__(
        self,
        engine: Engine,
        raw: Callable[[], sqlite3.Connection],
        budget: float,
        fallback: Statements,
    ) -> None:
        self.engine = engine
        self.raw = raw
        self.budget = budget
        self.fallback = fallback

    async def rows(self, statement: Executable) -> Sequence[Row[Any]]:
        ran = self._run(statement, Result.all)
        return await self.fallback.rows(statement) if ran is INTERRUPTED else ran

    async def one(self, statement: Executable) -> Row[Any]:
        ran = self._run(statement, Result.one)
        return await self.fallback.one(statement) if ran is INTERRUPTED else ran

    async def scalar(self, statement: Executable) -> Any:
        ran = self._run(statement, Result.scalar)
        return await self.fallback.scalar(statement) if ran is INTERRUPTED else ran

    def _run(self, statement: Executable, read: Callable[[Result[Any]], T]) -> T | Interrupted:
        """`read` of the statement's result, or INTERRUPTED past the budget."""
        raw = self.raw()
        deadline = time.perf_counter() + self.budget
        raw.set_progress_handler(lambda: time.perf_counter() > deadline, PROGRESS_STEPS)
        try:
            with self.engine.connect() as connection:
                return read(connection.execute(statement))
        except OperationalError as error:
            if str(error.orig) != "interrupted":
                raise
            return INTERRUPTED
        finally:
            raw.set_progress_handler(None, 0)
