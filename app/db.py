"""Engine and sessions: made in the lifespan, owned by the request.

The request owns the transaction: services `flush()`, the session dependency commits
after the endpoint returns and before the response is sent, and rolls back on error.
"""

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import anyio
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry, QueuePool

from app.audit import hook as audit
from app.cache import keys as cache_keys
from app.changes import record as changes
from app.languages import known as known_languages
from app.media import cleanup as media_files
from app.ops import metrics, outage
from app.search import index as search_index

if TYPE_CHECKING:
    from app.cache.bus import Purge
    from app.cache.cache import ResponseCache
    from app.config import Settings


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


# An app's SQLite page cache per connection, in KiB (SQLite's default is 2,000). The file's
# pages are in the operating system's page cache anyway: at 100k articles, searches were as
# fast with 250, 500, 1,000 or 2,000 (bench/search-latency, docs/benchmarks.md, memory), and
# a worker with 40 connections open under load held up to 80 MB of copies with the default.
# The commands (bench-data, search-reindex, import) keep SQLite's default: their
# transactions write megabytes, which a small cache would spill to the WAL before commit.
SQLITE_CACHE_KIB = 512
# The hot lane's own connection (`app.public.reads.HotReads`, one per worker), which reads
# every uncached page and search: its statements share the indexes' inner pages, which
# 512 KiB did not keep from one statement to the next. At 100k articles, in process: list
# page 1 2.40 -> 1.77 ms of CPU, a search 6.5 -> 5.9 (4,096 KiB: 1.81 and 5.5, but a
# worker's memory at the 150-MB target). docs/benchmarks.md, stop 61.
SQLITE_HOT_CACHE_KIB = 2048


def _sqlite_cache(cache_kib: int) -> Any:
    def connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        cursor.close()

    return connect


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN out of the driver's hands so that _sqlite_begin decides its kind.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()  # the busy timeout: the driver's `timeout` (create_engine)


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE): a deferred transaction
    # that read an old snapshot cannot upgrade to a writer and fails with "locked",
    # while an immediate one waits its turn (busy_timeout) and then reads fresh rows.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


class TimedPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's pool for async engines, timing each wait for a connection (the
    `newsdesk_db_pool_wait_seconds` metric): a connection opened meanwhile included."""

    def _do_get(self) -> ConnectionPoolEntry:
        started = time.perf_counter()
        try:
            return super()._do_get()
        finally:
            metrics.RECORDER.pool_waits.observe(("sessions",), time.perf_counter() - started)


def pool_use(engine: AsyncEngine) -> tuple[int, int, int] | None:
    """(in use, idle, the most it opens) of the engine's pool, when it is a queue pool."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return None
    return pool.checkedout(), pool.checkedin(), pool.size() + max(pool._max_overflow, 0)


# The most connections the hot lane's PostgreSQL pool opens: each runs one short statement
# at a time, and a worker is one core. 64 connections' article reads on one worker had
# five of them waiting past the 3-s pool timeout with 5 (503s), none with 10.
HOT_POOL_MOST = 10


def most_connections(pool_size: int) -> int:
    """The most PostgreSQL connections an engine of `create_engine` opens: its pool and as
    many again in overflow."""
    return 2 * pool_size


# PostgreSQL: the connections a worker keeps for its search pages' statements
# (`app.public.reads.HotReads.search_pool`), one per search it reads at once
# (`app.public.reads.SEARCHES_AT_ONCE`).
SEARCH_CONNECTIONS = 4


def hot_pool_size(pool_size: int) -> int:
    """The hot lane's pool for NEWSDESK_DATABASE_POOL_SIZE: as big as the session pool with
    its overflow, at most HOT_POOL_MOST."""
    return min(most_connections(pool_size), HOT_POOL_MOST)


@dataclass(frozen=True)
class Timeouts:
    """How long a serving process waits for the database, in seconds (issue 20): to open
    a connection, for a statement (PostgreSQL, client side: a frozen server answers
    nothing), for a free connection of the pool, and (SQLite) for the write lock."""

    connect: float
    statement: float
    pool: float
    busy: float  # SQLite: how long a write waits for the write lock

    @classmethod
    def of(cls, settings: "Settings") -> "Timeouts":
        return cls(
            settings.database_connect_timeout_seconds,
            settings.database_statement_timeout_seconds,
            settings.database_pool_timeout_seconds,
            settings.database_busy_timeout_seconds,
        )


class SQLiteStatementCompiler(SQLiteCompiler):
    """SQLite's statement compiler, rendering a table's `with_hint(table, "INDEXED BY ix",
    "sqlite")` after its name (SQLAlchemy renders no table hint on SQLite). SQLite's
    planner takes a primary key over a covering index of the same leading column, whatever
    the rows cost to read; `app.search.query` names the index it needs."""

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


def create_engine(
    url: str,
    *,
    pool_size: int = 5,
    timeouts: Timeouts | None = None,
    sqlite_cache_kib: int | None = None,
) -> AsyncEngine:
    """`timeouts`: a serving process's; None (the commands: imports and exports run long
    statements) waits as the drivers do (SQLite's lock 10 s, the pool 30 s).
    `sqlite_cache_kib`: each SQLite connection's page cache (SQLite's default if None)."""
    if is_sqlite(url):
        database = make_url(url).database
        in_memory = not database or database == ":memory:"  # one connection, kept
        pooled: dict[str, Any] = {"poolclass": TimedPool}
        if timeouts is not None:
            pooled["pool_timeout"] = timeouts.pool
        engine = create_async_engine(
            url,
            connect_args={"timeout": timeouts.busy if timeouts else 10},
            **({} if in_memory else pooled),
        )
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        if sqlite_cache_kib is not None:
            event.listen(engine.sync_engine, "connect", _sqlite_cache(sqlite_cache_kib))
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        engine.sync_engine.dialect.statement_compiler = SQLiteStatementCompiler
        return engine
    limits: dict[str, Any] = {}
    if timeouts is not None:
        limits = {
            "connect_args": {"timeout": timeouts.connect, "command_timeout": timeouts.statement},
            "pool_timeout": timeouts.pool,
        }
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=most_connections(pool_size) - pool_size,
        pool_pre_ping=True,
        poolclass=TimedPool,
        **limits,
    )


class Database:
    """The engine and the two session factories of one running app."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 20,
        record_purges: bool = False,
        timeouts: Timeouts | None = None,
    ) -> None:
        # The global Session hooks, installed here rather than by importing their modules:
        # what each write purges from the response cache, the search index kept in step,
        # the rows each write changed, for its audit entry, and the changes of the public
        # site it made, for the change feed, webhooks and (`record_purges`) a CDN.
        cache_keys.install()
        known_languages.install()
        search_index.install()
        audit.install()
        changes.install()
        self.url = url
        self.timeouts = timeouts
        self.engine = create_engine(
            url, pool_size=pool_size, timeouts=timeouts, sqlite_cache_kib=SQLITE_CACHE_KIB
        )
        self.reader = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self.writer = async_sessionmaker(
            self.engine.execution_options(sqlite_begin="IMMEDIATE"),
            expire_on_commit=False,
            autoflush=False,
            info={changes.RECORD_PURGES: record_purges},
        )

    async def dispose(self) -> None:
        await self.engine.dispose()


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The scope's `app.replicas.Replica` a public read is made on (app.replicas chooses it).
REPLICA_SCOPE_KEY = "newsdesk.replica"


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session; a write's cache purges and its audit entry (`app.audit`)
    ride on its commit, and the write answers once every worker dropped what they name
    (`app.cache.bus`)."""
    db: Database = request.app.state.db
    cache: ResponseCache | None = getattr(request.app.state, "response_cache", None)
    factory = db.reader if request.method in SAFE_METHODS else db.writer
    replica = request.scope.get(REPLICA_SCOPE_KEY)
    if replica is not None and request.method in SAFE_METHODS:
        factory = replica.reader
    purge: Purge | None = None
    storage = getattr(request.app.state, "media_storage", None)
    async with factory() as session:
        try:
            yield session
            await session.flush()
            await audit.record_request(session, request)
            purged = cache_keys.take(session.sync_session)
            if purged and cache is not None:
                purge = await cache.bus.stage(session, purged)
            await session.commit()
            if outage.OUTAGES.since is not None:
                outage.OUTAGES.recovered()
        except BaseException:
            await session.rollback()
            await audit.write_failures(db.writer, session)
            with anyio.CancelScope(shield=True):
                await media_files.settle(session, storage, committed=False)
            raise
    await media_files.settle(session, storage, committed=True)
    if purge is not None and cache is not None:
        await cache.committed(purge)  # no worker serves what it purged any more


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
