"""The invalidation bus: carries the surrogate keys a commit purged to every worker.

- Redis pub/sub when `NEWSDESK_REDIS_URL` is set (every worker on every host);
- otherwise PostgreSQL `LISTEN/NOTIFY`: the NOTIFY is sent inside the writing transaction,
  so it is delivered exactly when the write commits, and never for a rollback;
- otherwise SQLite: the keys go into the `cache_invalidations` table inside the writing
  transaction, and every worker (all on the one host that holds the file) reads the new
  rows every `POLL` seconds.

A listener that loses its connection purges everything when it is back: it cannot know
what it missed.
"""

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import asyncpg
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.cache.store import ALL
from app.models import CacheInvalidation

log = logging.getLogger("newsdesk.cache")

CHANNEL = "newsdesk_cache"
POLL = 0.2  # seconds between two reads of the SQLite table
KEEP = 60.0  # seconds a SQLite row is kept for workers to read
MAX_PAYLOAD = 7000  # bytes; PostgreSQL refuses NOTIFY payloads over 8000
RETRY = 1.0  # seconds before a lost listener connects again

Deliver = Callable[[set[str]], None]


def encode(origin: str, keys: Iterable[str]) -> str:
    """The message: which worker purged (it purged itself already) and what."""
    payload = json.dumps({"origin": origin, "keys": sorted(keys)}, separators=(",", ":"))
    if len(payload.encode()) > MAX_PAYLOAD:
        return json.dumps({"origin": origin, "keys": [ALL]})
    return payload


def decode(payload: str | bytes) -> tuple[str, set[str]]:
    try:
        message = json.loads(payload)
        origin, keys = message["origin"], message["keys"]
    except (ValueError, TypeError, KeyError):
        return "", {ALL}
    return str(origin), {k for k in keys if isinstance(k, str)}


class Bus:
    """Base: `stage` runs inside the writing transaction, `published` after its commit,
    `listen` for the life of the worker (setting `ready` while connected). Messages this
    worker sent are not delivered back to it."""

    def __init__(self) -> None:
        self.origin = uuid.uuid4().hex

    def _deliver(self, deliver: Deliver, payload: str | bytes) -> None:
        origin, keys = decode(payload)
        if origin != self.origin:
            deliver(keys)

    async def stage(self, session: AsyncSession, keys: set[str]) -> None:
        """Write the purge into the transaction (PostgreSQL, SQLite)."""

    async def published(self, keys: set[str]) -> None:
        """Announce the purge once committed (Redis)."""

    async def listen(self, deliver: Deliver, ready: asyncio.Event) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        """Release connections."""


class RedisBus(Bus):
    def __init__(self, url: str) -> None:
        super().__init__()
        import coredis  # 13 MB with what it brings: only when Redis is configured

        self.client: coredis.Redis[bytes] = coredis.Redis.from_url(url)

    async def published(self, keys: set[str]) -> None:
        try:
            await self.client.publish(CHANNEL, encode(self.origin, keys))
        except Exception:  # the write is committed; a lost purge expires with max-age
            log.exception("could not publish a cache purge to Redis")

    async def listen(self, deliver: Deliver, ready: asyncio.Event) -> None:
        while True:
            try:
                async with self.client.pubsub(
                    channels=[CHANNEL], ignore_subscribe_messages=True
                ) as pubsub:
                    deliver({ALL})  # whatever happened while not subscribed
                    ready.set()
                    async for message in pubsub:
                        data = message["data"]
                        if message["type"] == "message" and isinstance(data, str | bytes):
                            self._deliver(deliver, data)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Redis cache listener lost; reconnecting")
            ready.clear()
            await asyncio.sleep(RETRY)

    async def close(self) -> None:
        self.client.connection_pool.disconnect()


class PostgresBus(Bus):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.dsn = make_url(url).set(drivername="postgresql").render_as_string(False)

    async def stage(self, session: AsyncSession, keys: set[str]) -> None:
        await session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": CHANNEL, "payload": encode(self.origin, keys)},
        )

    async def listen(self, deliver: Deliver, ready: asyncio.Event) -> None:
        def on_notify(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
            self._deliver(deliver, payload)

        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self.dsn, timeout=10)
                lost = asyncio.Event()
                conn.add_termination_listener(_setter(lost))
                await conn.add_listener(CHANNEL, on_notify)
                deliver({ALL})
                ready.set()
                await lost.wait()
                log.warning("PostgreSQL cache listener lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("PostgreSQL cache listener failed; reconnecting")
            finally:
                ready.clear()
                if conn is not None and not conn.is_closed():
                    await conn.close(timeout=5)
            await asyncio.sleep(RETRY)


def _setter(event: asyncio.Event) -> Callable[[Any], None]:
    return lambda _conn: event.set()


class SqliteBus(Bus):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__()
        self.engine = engine

    async def stage(self, session: AsyncSession, keys: set[str]) -> None:
        now = time.time()
        await session.execute(
            insert(CacheInvalidation).values(keys=encode(self.origin, keys), created_at=now)
        )
        await session.execute(
            delete(CacheInvalidation).where(CacheInvalidation.created_at < now - KEEP)
        )

    async def listen(self, deliver: Deliver, ready: asyncio.Event) -> None:
        row = CacheInvalidation
        last: int | None = None
        while True:
            try:
                async with self.engine.connect() as conn:
                    if last is None:
                        last = (await conn.scalar(select(func.max(row.id)))) or 0
                        deliver({ALL})
                        ready.set()
                    rows = await conn.execute(
                        select(row.id, row.keys).where(row.id > last).order_by(row.id)
                    )
                    for ident, payload in rows:
                        self._deliver(deliver, payload)
                        last = ident
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("SQLite cache listener failed; purging and retrying")
                deliver({ALL})
                last = None
                ready.clear()
            await asyncio.sleep(POLL)


def bus_for(database_url: str, redis_url: str | None, engine: AsyncEngine) -> Bus:
    if redis_url:
        return RedisBus(redis_url)
    if make_url(database_url).get_backend_name() == "postgresql":
        return PostgresBus(database_url)
    return SqliteBus(engine)
