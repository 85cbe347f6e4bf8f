"""Fresh databases of their own, for tests that move a schema up and down.

The session database is shared by every test; a test that migrates it down, or fills it
with content that must survive, makes a new one here instead (made as conftest makes its
own: a SQLite file, or a new PostgreSQL database dropped afterwards). No schema in it.
"""

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BACKENDS, drop_postgres_database, new_postgres_database


@pytest.fixture(params=BACKENDS)
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of one backend (no migration applied)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    url = new_postgres_database("newsdesk_fresh", migrated=False)
    try:
        yield url
    finally:
        drop_postgres_database(url)


def cli_environment(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a `newsdesk` process on this database."""
    return {
        **os.environ,
        "NEWSDESK_DATABASE_URL": database_url,
        "NEWSDESK_MEDIA_DIR": str(tmp_path / "media"),
    }


@asynccontextmanager
async def every_connection(pool: Any) -> AsyncIterator[list[Any]]:
    """Every connection an asyncpg pool has open, held at once (so each is read once,
    not the same one again): for what a connection keeps, such as its prepared
    statements."""
    held = [await pool.acquire() for _ in range(pool.get_size())]
    try:
        yield held
    finally:
        for connection in held:
            await pool.release(connection)
