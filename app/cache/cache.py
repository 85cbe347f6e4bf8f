"""One worker's response cache: the store, the purges that reach it, and the horizon of
scheduled publications and takedowns.

A scheduled version goes public at its time, and a scheduled takedown (`expire_at`) hides
a version at its time, with no write to announce either, so no entry outlives the next of
them: `horizon` is that time, entries expire by it, and passing it empties the cache.
The horizon is read again after every purge (a write may have scheduled something)
before anything new is stored: one read at a time, which every response waiting to be
stored meanwhile waits for (under load, dozens of misses follow each purge).

A response is stored only if no purge happened while it was being made (`generation`):
otherwise it may hold what the purge was about. Nothing is served or stored while the
bus says the cache may be stale (`Bus.fresh`: see `app.cache.bus` for its guarantees),
with one exception: a refreshed response (the sitemaps, see `app.cache.store`) younger
than its refresh window is served, and one made while a purge happened (or may have) is
stored all the same, dirty, so that a steady trickle of writes cannot keep it from ever
being stored; either is at most the window (plus its build) behind.

A response read on a read replica (`app.replicas`) is as of the moment that replica has
everything of: it is stored only if none of its keys was purged after that moment (the
purges of the last `keep_purges` seconds are remembered for this).
"""

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

from sqlalchemy import func, select, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cache.bus import Bus, Purge
from app.cache.store import ALL, Entry, ResponseStore
from app.models import LIVE_STATUSES, Status, Translation
from app.ops import metrics

log = logging.getLogger("newsdesk.cache")
CONNECT = 10.0  # seconds a starting worker waits for the invalidation bus


class ResponseCache:
    def __init__(
        self,
        engine: AsyncEngine,
        bus: Bus,
        *,
        max_bytes: int,
        ttl: float,
        refreshed: frozenset[str] = frozenset(),
        refresh: float = 0.0,
        keep_purges: float = 0.0,
    ) -> None:
        self.engine = engine
        self.bus = bus
        self.store = ResponseStore(max_bytes, refreshed=refreshed, refresh=refresh)
        self.ttl = ttl
        self.generation = 0
        # With read replicas: each surrogate key's latest purge, kept this many seconds.
        self.keep_purges = keep_purges
        self.recent_purges: dict[str, float] = {}
        self._pruned = 0.0
        self.horizon: float | None = None  # Unix time of the next publication or takedown
        self.horizon_known = False
        self._horizon_read: asyncio.Future[None] | None = None  # under way (`_known_horizon`)
        self._listener: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start listening for purges; wait (up to `CONNECT`) until the bus is connected.
        While it is not, nothing is served from or stored in the cache."""
        self._listener = asyncio.create_task(self.bus.listen(self._from_bus))
        try:
            async with asyncio.timeout(CONNECT):
                await self.bus.ready.wait()
        except TimeoutError:
            log.warning("the cache invalidation bus is not connected: cache bypassed until it is")

    async def stop(self) -> None:
        for task in (self._listener, self._horizon_read):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.bus.close()

    def _from_bus(self, keys: set[str]) -> None:
        metrics.count(metrics.PURGES_APPLIED, "bus")
        self.purge(keys)

    async def committed(self, purge: Purge) -> None:
        """After a write's commit: drop what it changed here, then tell the other workers
        (returns once none serves it any more)."""
        metrics.count(metrics.PURGES_APPLIED, "own")
        self.purge(purge.keys)
        metrics.count(metrics.PURGES_PUBLISHED)
        await self.bus.published(purge)

    def purge(self, keys: set[str]) -> None:
        """Drop what these surrogate keys name (from this worker's writes or the bus)."""
        self.generation += 1
        if self.keep_purges and keys:
            self._remember(keys)
        self.horizon_known = False
        if keys:
            self.store.purge(keys)

    def _remember(self, keys: set[str]) -> None:
        now = time.monotonic()
        for key in keys:
            self.recent_purges[key] = now
        if now - self._pruned > 1.0:
            horizon = now - self.keep_purges
            self.recent_purges = {k: t for k, t in self.recent_purges.items() if t > horizon}
            self._pruned = now

    def purged_after(self, keys: frozenset[str], moment: float) -> bool:
        """Whether any of these keys (or everything) may have been purged after `moment`."""
        if moment < time.monotonic() - self.keep_purges:
            return True  # older than what is remembered
        recent = self.recent_purges
        return recent.get(ALL, 0.0) > moment or any(recent.get(k, 0.0) > moment for k in keys)

    def lookup(self, key: str) -> Entry | None:
        if not self.bus.fresh():
            # A purge may be on its way: it would only mark a young refreshed entry dirty.
            entry = self.store.peek(key)
            if entry is not None and self.store.young(entry):
                return entry
            return None
        if self.horizon is not None and time.time() >= self.horizon:
            log.debug("a scheduled publication or takedown is due: cache emptied")
            self.purge({ALL})
            # Once: the next time is read before anything is stored again (`save`). Left
            # in place, every lookup until then emptied the cache anew and threw away each
            # read of the next time under way, so a worker kept busy by lookups cached
            # nothing until the load stopped (0.03× of a bare app in the bench).
            self.horizon = None
        return self.store.get(key)

    def stale(self, key: str) -> Entry | None:
        """The entry kept for `key` whether or not the bus vouches for it now: for when the
        database is down (no write can change anything then; one committed just before may
        not have reached this worker, so it is at most NEWSDESK_CACHE_TTL_SECONDS old)."""
        return self.store.peek(key)

    async def save(
        self,
        key: str,
        generation: int,
        *,
        status: int,
        headers: tuple[tuple[bytes, bytes], ...],
        body: bytes,
        etag: bytes,
        keys: frozenset[str],
        route: str = "unmatched",
        made: float = 0.0,
        read_as_of: float | None = None,
    ) -> None:
        """Store a response made while the cache was at `generation` (from `made`, a
        `time.monotonic()`), if still current, or dirty if refreshed. `read_as_of`: read
        on a replica that had everything up to that moment."""
        if not self.horizon_known:
            await self._known_horizon()
        if not self.horizon_known:
            return
        # Purged meanwhile, or perhaps (a purge on its way): kept only if refreshed.
        dirty = generation != self.generation or not self.bus.fresh()
        if read_as_of is not None and self.purged_after(keys, read_as_of):
            dirty, made = True, min(made, read_as_of)  # as old as what the replica had
        if dirty and not self.store.is_refreshed(keys):
            return
        lifetime = self.ttl if self.horizon is None else min(self.ttl, self.horizon - time.time())
        if lifetime > 0:
            expires = time.monotonic() + lifetime
            entry = Entry(status, headers, body, etag, keys, expires, route, made, dirty)
            self.store.put(key, entry)

    async def _known_horizon(self) -> None:
        """Read the horizon, or wait for the read under way: the 64 misses that follow a
        purge under load each read it before (64 statements queued for the engine's
        pool). A read that a purge overtook leaves it unknown, as before, and the next
        save reads it again. Shielded: a request given up on does not cancel the others'
        read."""
        reading = self._horizon_read
        if reading is None or reading.done():
            reading = self._horizon_read = asyncio.ensure_future(self._read_horizon())
        await asyncio.shield(reading)

    async def _read_horizon(self) -> None:
        generation = self.generation
        now = datetime.now(UTC)
        try:
            async with self.engine.connect() as conn:
                # Each half is served by its own partial index.
                publications = select(func.min(Translation.publish_at).label("at")).where(
                    Translation.status == Status.scheduled.value,
                    Translation.publish_at > now,
                )
                takedowns = select(func.min(Translation.expire_at).label("at")).where(
                    Translation.expire_at.is_not(None),
                    Translation.expire_at > now,
                    Translation.status.in_(LIVE_STATUSES),
                )
                times = union_all(publications, takedowns).subquery()
                at = await conn.scalar(select(func.min(times.c.at)))
        except Exception:
            log.exception("could not read the next scheduled publication or takedown")
            return
        if generation != self.generation:
            return  # purged meanwhile: read again next time
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        self.horizon = at.timestamp() if at is not None else None
        self.horizon_known = True
