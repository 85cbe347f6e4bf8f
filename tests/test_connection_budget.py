"""`newsdesk serve` warns at start when its workers' pools could ask a PostgreSQL server for
more connections than it allows (`app.ops.connections`): a live server, started by the
command, on the test's PostgreSQL server and its real `max_connections`."""

import asyncio
import re
import time
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from app.config import Settings
from app.ops.connections import ASK_SECONDS, budgets, per_worker
from tests.live import newsdesk_serve

WARNING = re.compile(
    r"warning: 1 worker\(s\) may open up to (\d+) connections to (\S+), which allows (\d+)"
)


def _allowed(url: str) -> int:
    async def ask() -> int:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            return int(
                await conn.fetchval(
                    "SELECT current_setting('max_connections')::int"
                    " - current_setting('superuser_reserved_connections')::int"
                )
            )
        finally:
            await conn.close()

    return asyncio.run(ask())


def _served_warnings(env: dict[str, str], log: Path) -> list[tuple[int, str, int]]:
    """Serve with `env` until /healthz answers; the budget warnings it printed."""
    with newsdesk_serve(env, output=log) as server:
        assert httpx.get(f"{server.base}/healthz", timeout=10).status_code == 200
    found = WARNING.findall(log.read_text())
    return [(int(wanted), url, int(allowed)) for wanted, url, allowed in found]


def test_serve_warns_when_its_workers_could_ask_more_connections_than_the_server_allows(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    url = cli_env["NEWSDESK_DATABASE_URL"]
    sqlite = not url.startswith("postgresql")
    allowed = 0 if sqlite else _allowed(url)
    # Pools big enough that one worker could ask more than the server allows.
    size = 1 + (0 if sqlite else allowed // 2)
    big = {**cli_env, "NEWSDESK_DATABASE_POOL_SIZE": str(size)}
    found = _served_warnings(big, tmp_path / "big.log")
    if sqlite:  # one file, no connection limit
        assert found == []
        return
    wanted = per_worker(Settings(database_url=url, database_pool_size=size))
    # pool, overflow, hot lane (10 at most), the search pages' 4, LISTEN
    assert wanted == 2 * size + 10 + 4 + 1
    assert found == [(wanted, make_url(url).render_as_string(hide_password=True), allowed)]
    # A replica is counted against its own server (here the same one), with its pollers;
    # the primary gets its lag poller.
    replicated = Settings(database_url=url, database_pool_size=size, database_replica_urls=[url])
    found_budgets = asyncio.run(budgets(replicated, workers=1))
    assert [b.wanted for b in found_budgets] == [wanted + 2, wanted + 1]
    assert all(b.warning(1) for b in found_budgets)
    # The defaults: one worker within what the server allows; nothing said.
    defaults = asyncio.run(budgets(Settings(database_url=url), workers=1))
    assert [b.warning(1) for b in defaults] == [None]


@pytest.mark.postgres_only
async def test_a_server_that_cannot_be_asked_is_not_checked(cli_env: dict[str, str]) -> None:
    """A server that cannot be asked at start (here nothing listens on its port) gives no
    budget and no warning, within the check's bound: serving goes on, and its outages
    are the requests' 503s (docs/operations.md)."""
    closed = make_url(cli_env["NEWSDESK_DATABASE_URL"]).set(port=1)
    url = closed.render_as_string(hide_password=False)
    settings = Settings(database_url=url, database_pool_size=500, database_replica_urls=[url])
    started = time.monotonic()
    assert await budgets(settings, workers=4) == []
    assert time.monotonic() - started < 2 * ASK_SECONDS  # two servers asked, each bounded
