"""The test harness itself: what CI relies on before any test runs."""

import asyncio
import uuid

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import _pg_admin, _plain_pg_dsn


@pytest.mark.postgres_only
def test_a_missing_postgres_database_in_the_url_is_created(database_url: str) -> None:
    name = f"newsdesk_missing_{uuid.uuid4().hex[:8]}"
    dsn = make_url(_plain_pg_dsn(database_url)).set(database=name)
    url = dsn.render_as_string(hide_password=False)
    server = dsn.set(database="postgres").render_as_string(hide_password=False)

    async def exists() -> bool:
        conn = await asyncpg.connect(server)
        try:
            return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
        finally:
            await conn.close()

    assert not asyncio.run(exists())
    try:
        asyncio.run(_pg_admin(url, "CREATE TABLE probe (id int)"))
        assert asyncio.run(exists())
    finally:
        asyncio.run(_pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
