"""How many PostgreSQL connections `newsdesk serve` may open, against what each server
allows: a warning at start when the workers' pools could ask a server for more than its
`max_connections` (less the connections kept for superusers), which it would refuse under
load with "too many clients already" (a 503 to readers, then).

A worker opens to the primary at most twice `NEWSDESK_DATABASE_POOL_SIZE` (the pool and
its overflow), as many again for the hot read path, at most 10 (`app.db.hot_pool_size`),
four for search pages (`app.db.SEARCH_CONNECTIONS`), and one for the cache's purges
(PostgreSQL's LISTEN, without Redis); to each replica the same pools and two for
measuring its lag (`app.replicas`). The check counts this host's workers alone: other
hosts, the `newsdesk worker` process and any other client share the server too."""

import asyncio
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import (
    SEARCH_CONNECTIONS,
    Timeouts,
    create_engine,
    hot_pool_size,
    is_sqlite,
    most_connections,
)
from app.replicas import LAG_POOL_SIZE

LAG_POLLER = most_connections(LAG_POOL_SIZE)  # per replica, and one to the primary
ASK_SECONDS = 2.0  # the most the start waits for an answer (then it goes on unchecked)

_LIMITS = text(
    "SELECT current_setting('max_connections')::int"
    " - current_setting('superuser_reserved_connections')::int"
)


@dataclass(frozen=True)
class Budget:
    """One server: the most this host's workers may open, and what it allows."""

    url: str  # with no password
    wanted: int
    allowed: int

    def warning(self, workers: int) -> str | None:
        if self.wanted <= self.allowed:
            return None
        return (
            f"warning: {workers} worker(s) may open up to {self.wanted} connections to "
            f"{self.url}, which allows {self.allowed} (max_connections less those kept for "
            "superusers): lower NEWSDESK_DATABASE_POOL_SIZE or the workers, or raise "
            "max_connections (docs/operations.md, PostgreSQL)"
        )


def per_worker(settings: Settings, *, replica: bool = False) -> int:
    """The most connections one serving worker opens to the primary (or to a replica)."""
    size = settings.database_pool_size
    pools = most_connections(size) + hot_pool_size(size) + SEARCH_CONNECTIONS
    if replica:
        return pools + LAG_POLLER
    listens = settings.cache == "on" and not settings.redis_url
    return pools + int(listens) + (LAG_POLLER if settings.database_replica_urls else 0)


async def _allowed(url: str, timeouts: Timeouts) -> int | None:
    """What the server allows ordinary clients, or None when it cannot be asked now."""
    engine = create_engine(url, pool_size=1, timeouts=timeouts)
    try:
        async with asyncio.timeout(min(ASK_SECONDS, timeouts.connect + timeouts.statement)):
            async with engine.connect() as connection:
                return int(await connection.scalar(_LIMITS) or 0)
    except Exception:  # down, refused, slow: serving copes with that (app.ops.outage)
        return None
    finally:
        await engine.dispose()


async def budgets(settings: Settings, workers: int) -> list[Budget]:
    """Each PostgreSQL server's budget that could be asked (none on SQLite)."""
    if is_sqlite(settings.database_url):
        return []
    timeouts = Timeouts.of(settings)
    servers = [(settings.database_url, False)]
    servers += [(url, True) for url in settings.database_replica_urls]
    found = []
    for url, replica in servers:
        allowed = await _allowed(url, timeouts)
        if allowed is not None:
            shown = make_url(url).render_as_string(hide_password=True)
            wanted = workers * per_worker(settings, replica=replica)
            found.append(Budget(shown, wanted, allowed))
    return found


def warnings(settings: Settings, workers: int) -> list[str]:
    """The start's warnings: a server the workers could ask for more than it allows."""
    found = asyncio.run(budgets(settings, workers))
    return [w for budget in found if (w := budget.warning(workers)) is not None]
