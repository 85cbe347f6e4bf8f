"""Read replicas (issue 20, item 5): public reads on PostgreSQL streaming replicas.

`NEWSDESK_DATABASE_REPLICA_URLS` names them. A public GET (content, lists, search, feeds,
sitemaps) is read on a usable replica; writes, the management API, logins, preview links
(an editor's draft as just saved) and the change feed (its cursors are the primary's) on
the primary, as is everything when no replica is usable.

**Lag, measured as time.** Every `POLL` seconds each worker notes the primary's WAL
position and asks each replica how far it has replayed. A replica that has replayed the
position the primary had at time `t` holds everything committed before `t`: its lag is
`now - t`, the latest such `t`. This is a bound on how old what it serves is, whatever
the traffic (an idle primary does not make a replica look behind, and a replica whose
WAL stream stalled does not look current). A replica is usable while it answers and its
lag is at most `NEWSDESK_REPLICA_MAX_LAG_SECONDS`; one that is down, lagging or not a
replica at all is skipped until it answers and has caught up again.

**A replica that fails a read** (it went down since the last poll) is marked down at once,
and the read is made again on the primary: the reader sees no error.

**The response cache stays correct.** A page read on a replica is stored only if none of
its surrogate keys was purged (in this worker) after the moment the replica has
everything of: otherwise it may be a page the purge was about, read before the replica
replayed the write, and it would be served until the cache's TTL. It is served (at most
the lag bound old), not stored; a sitemap (refreshed, not purged) is stored dirty, as
made at that moment, so it is rebuilt at its age.
"""

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import REPLICA_SCOPE_KEY, Timeouts, create_engine
from app.ops import metrics, outage
from app.paths import is_public

CHANGES = "/v1/changes"

log = logging.getLogger("newsdesk.replicas")
POLL = 0.25  # seconds between two measures of every replica's lag
LAG_POOL_SIZE = 1  # the engines that measure the lag: the primary's and each replica's
# The insert position: past every committed transaction's WAL, whether or not it has been
# written out yet (with synchronous_commit off, the write position lags the commits).
_PRIMARY_POSITION = text("SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint")
_REPLAYED = text("SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint")


WAL_PAGE = 8192  # XLOG_BLCKSZ, as PostgreSQL is built by default
_PAGE_HEADERS = (24, 40)  # a page's header; the long one starts a WAL segment


def _record_end(insert: int) -> int:
    """The end of the last WAL record before the insert position: right after a page's
    header, nothing is on the page yet, and a replica that replayed everything stops at
    the page's start (an idle primary must not make it look behind)."""
    offset = insert % WAL_PAGE
    return insert - offset if offset in _PAGE_HEADERS else insert


@dataclass(eq=False)
class Replica:
    """One replica: its engine and hot-lane reads, and what the last poll learnt of it."""

    number: int  # 1, 2, ... in the setting's order: its name in metrics and logs
    engine: AsyncEngine
    reader: async_sessionmaker[Any]
    hot: Any  # app.public.reads.HotReads on this replica
    poller: AsyncEngine  # one connection of its own: a busy pool does not look like lag
    caught_up: float | None = None  # time.monotonic() of the primary it has all of
    answering: bool = False
    why: str = "not polled yet"

    def lag(self, now: float) -> float | None:
        return None if self.caught_up is None else max(0.0, now - self.caught_up)


@dataclass
class Replicas:
    primary: AsyncEngine  # the poller's own engine on the primary (one connection)
    replicas: list[Replica]
    max_lag: float
    _history: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=4096))
    _task: asyncio.Task[None] | None = None

    @classmethod
    def of(
        cls,
        urls: list[str],
        primary: str,
        *,
        max_lag: float,
        pool_size: int,
        timeouts: Timeouts | None,
        site: Any,
    ) -> "Replicas":
        from app.public.reads import HotReads

        replicas = []
        for number, url in enumerate(urls, start=1):
            engine = create_engine(url, pool_size=pool_size, timeouts=timeouts)
            reader = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
            hot = HotReads(engine, site=site, pool_size=pool_size, timeouts=timeouts)
            poller = create_engine(url, pool_size=LAG_POOL_SIZE, timeouts=timeouts)
            replicas.append(Replica(number, engine, reader, hot, poller))
        lag = create_engine(primary, pool_size=LAG_POOL_SIZE, timeouts=timeouts)
        return cls(lag, replicas, max_lag)

    async def start(self) -> None:
        await self.poll()
        self._task = asyncio.create_task(self._poll_every())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for replica in self.replicas:
            for closing in (replica.hot.close, replica.engine.dispose, replica.poller.dispose):
                try:
                    await closing()
                except Exception:  # the others are closed all the same
                    log.warning("closing replica %d failed", replica.number, exc_info=True)
        await self.primary.dispose()

    def usable(self, now: float | None = None) -> list[Replica]:
        now = time.monotonic() if now is None else now
        return [
            r
            for r in self.replicas
            if r.answering and (lag := r.lag(now)) is not None and lag <= self.max_lag
        ]

    def pick(self) -> Replica | None:
        usable = self.usable()
        return random.choice(usable) if usable else None  # noqa: S311 (spreading load)

    def down(self, replica: Replica, why: str) -> None:
        if replica.answering:
            log.warning("replica %d failed a read (%s): reads go elsewhere", replica.number, why)
        replica.answering, replica.why = False, why

    async def _poll_every(self) -> None:
        while True:
            await asyncio.sleep(POLL)
            try:
                await self.poll()
            except Exception:  # never let the poller die: a replica would stay as it was
                log.exception("polling the replicas failed")

    async def poll(self) -> None:
        """Note the primary's position now, and how far each replica has replayed."""
        noted = time.monotonic()
        try:
            async with asyncio.timeout(2.0), self.primary.connect() as connection:
                position = await connection.scalar(_PRIMARY_POSITION)
        except Exception as exc:
            # The primary cannot say where it is: the replicas' lag grows until it can.
            outage.log_failure(log, exc, "measuring the replicas' lag")
        else:
            outage.log_success("measuring the replicas' lag")
            if position is not None:
                self._history.append((noted, _record_end(int(position))))
        await asyncio.gather(*(self._poll_one(r) for r in self.replicas))
        now = time.monotonic()
        for replica in self.replicas:
            lag = replica.lag(now)
            usable = replica.answering and lag is not None and lag <= self.max_lag
            metrics.REPLICA_LAG.labels(str(replica.number)).set(-1 if lag is None else lag)
            metrics.REPLICA_USABLE.labels(str(replica.number)).set(1 if usable else 0)

    async def _poll_one(self, replica: Replica) -> None:
        try:
            async with asyncio.timeout(2.0), replica.poller.connect() as connection:
                row = (await connection.execute(_REPLAYED)).one()
        except Exception as exc:
            if replica.answering:
                log.warning("replica %d does not answer: reads go elsewhere (%s)",
                            replica.number, outage.reason(exc) or type(exc).__name__)  # fmt: skip
            replica.answering, replica.why = False, "does not answer"
            return
        recovering, replayed = row
        if not recovering or replayed is None:
            if replica.why != "not a replica":
                log.error("replica %d is not a replica (not in recovery): not read", replica.number)
            replica.answering, replica.why = False, "not a replica"
            return
        # The latest moment whose primary position it has replayed.
        caught_up = None
        for noted, position in reversed(self._history):
            if position <= replayed:
                caught_up = noted
                break
        if caught_up is not None and (replica.caught_up is None or caught_up > replica.caught_up):
            replica.caught_up = caught_up
        if not replica.answering:
            log.warning("replica %d answers again", replica.number)
        replica.answering, replica.why = True, ""


def chosen(scope: Scope) -> Replica | None:
    """The replica this request reads on (None: the primary)."""
    replica: Replica | None = scope.get(REPLICA_SCOPE_KEY)
    return replica


def hot_reads(scope: Scope) -> Any:
    """The hot lane's reads (`app.public.reads.HotReads`) where this request reads."""
    replica = chosen(scope)
    return replica.hot if replica is not None else scope["app"].state.hot


class ReplicaMiddleware:
    """Chooses where a public read is made, and makes it again on the primary when the
    replica fails it. Inside the response cache (which stores only what it may; see the
    module's note), outside the hot lane and the routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        replicas: Replicas | None = getattr(scope["app"].state, "replicas", None)
        if (
            replicas is None
            or scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not reads_on_replica(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        replica = replicas.pick()
        if replica is None:
            await self.app(scope, receive, send)
            return
        scope[REPLICA_SCOPE_KEY] = replica
        # What the cache may store of this read: only if none of its surrogate keys was
        # purged after the moment this replica has everything of (app.cache.cache).
        scope.setdefault("state", {})["read_as_of"] = replica.caught_up or 0.0
        metrics.count(metrics.REPLICA_READS, str(replica.number))
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
            return
        except Exception as exc:
            why = outage.reason(exc)
            if started or (why is None and not _database_error(exc)):
                raise
            if why is not None:
                replicas.down(replica, why)
            # else: the replica cancelled the read (a conflict with recovery, SQLSTATE
            # 40001 or 57P04, normal on a standby) or refused it: the primary answers.
        # Again, on the primary.
        del scope[REPLICA_SCOPE_KEY]
        scope.get("state", {}).pop("read_as_of", None)
        await self.app(scope, receive, send)


def _database_error(error: BaseException) -> bool:
    """Raised by the database or its driver (not by the app's own code)."""
    import asyncpg
    from sqlalchemy.exc import DBAPIError

    return isinstance(error, DBAPIError | asyncpg.PostgresError | asyncpg.InterfaceError)


def reads_on_replica(path: str) -> bool:
    """A public read, but not a preview link (the editor's draft as just saved) nor the
    change feed (a cursor from the primary or a fresher replica is "ahead" of a slower
    replica's newest change: it would be told to read the feed again from the start)."""
    return is_public(path) and "/preview/" not in path and path != CHANGES
