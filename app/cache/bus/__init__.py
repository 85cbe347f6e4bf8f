"""The invalidation bus: carries the surrogate keys a commit purged to every worker.

- Redis pub/sub when `NEWSDESK_REDIS_URL` is set (every worker on every host; `redis.py`);
- otherwise PostgreSQL `LISTEN/NOTIFY`, sent inside the writing transaction
  (`postgres.py`);
- otherwise SQLite: a table written inside the writing transaction and read by every
  worker, all on the one host that holds the file (`sqlite.py`).

What each bus guarantees:

1. A write answers only once no worker can serve what it purged. On SQLite every lookup
   checks a shared mark of the last purge committed (a worker that has not applied it
   misses); on PostgreSQL and Redis the writer waits until every other worker
   acknowledged the purge, or, for one that does not, until its lease is over (at most
   LEASE + MARGIN, 2.1 s). The writer's own cache is purged before.
2. A worker trusts its cache only while its bus is verified: on PostgreSQL and Redis, for
   LEASE after it sent a heartbeat that came back (one goes round every BEAT); on
   SQLite, while its reads of the table succeed. Otherwise nothing is served from the
   cache and nothing is stored in it.
3. Any gap empties the cache before it is trusted again: a lost or new connection, a
   lease that lapsed, a purge missing from the numbered sequence (Redis's client
   reconnects by itself; a restarted Redis numbers from 0), a row id missing on SQLite.
4. A writer that cannot publish to Redis waits until LEASE after it lost Redis, and
   publishes the keys again once Redis answers (for a Redis unreachable from that
   worker alone). PostgreSQL and SQLite cannot lose a purge that committed.

A cache hit costs no I/O: a comparison of the lease with the clock, or of the mark with
a number. The cost is on the writes: on PostgreSQL and Redis a round trip to each other
worker (they answer on their event loop), and up to LEASE when one is stuck or gone.

Limits: the waits assume that clocks of two hosts run at the same rate (MARGIN covers
drift). A worker cut off from Redis alone cannot reach the others: they serve what its
purge names until it is back (4). A PostgreSQL listener closed by the server
(`pg_terminate_backend`) is no longer listed, so a write does not wait for it; its worker
stops trusting its cache when its event loop reads the closed connection. Redis must keep
`newsdesk:cache:workers` (an eviction policy over all keys could drop it).
"""

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cache.bus.base import BEAT, LEASE, MARGIN, Bus, Deliver, Purge

__all__ = ["BEAT", "LEASE", "MARGIN", "Bus", "Deliver", "Purge", "bus_for"]


def bus_for(database_url: str, redis_url: str | None, engine: AsyncEngine) -> Bus:
    if redis_url:
        from app.cache.bus.redis import RedisBus  # coredis: only when Redis is configured

        return RedisBus(redis_url)
    if make_url(database_url).get_backend_name() == "postgresql":
        from app.cache.bus.postgres import PostgresBus

        return PostgresBus(database_url)
    from app.cache.bus.sqlite import SqliteBus

    return SqliteBus(engine)
