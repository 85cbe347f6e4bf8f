"""Fresh databases of their own, for tests that move a schema up and down.

The session database is shared by every test; a test that migrates it down, or fills it
with content that must survive, makes a new one here instead (made as conftest makes its
own: a SQLite file, or a new PostgreSQL database dropped afterwards). No schema in it.
"""

import os
from collections.abc import Iterator
from pathlib import Path

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
