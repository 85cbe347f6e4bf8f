"""Fresh databases of their own, for tests that move a schema up and down.

The session database is shared by every test; a test that migrates it down, or fills it
with content that must survive, makes a new one here instead (made as conftest makes its
own: a SQLite file, or a new PostgreSQL database dropped afterwards). No schema in it.
"""

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import BACKENDS, POSTGRES_URL, _pg_admin, _plain_pg_dsn


@pytest.fixture(params=BACKENDS)
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of one backend (no migration applied)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    assert POSTGRES_URL is not None
    name = f"newsdesk_fresh_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin_dsn = _plain_pg_dsn(POSTGRES_URL)
    asyncio.run(_pg_admin(admin_dsn, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_pg_admin(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def cli_environment(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a `newsdesk` process on this database."""
    return {
        **os.environ,
        "NEWSDESK_DATABASE_URL": database_url,
        "NEWSDESK_MEDIA_DIR": str(tmp_path / "media"),
    }
