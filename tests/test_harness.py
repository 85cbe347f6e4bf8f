"""The test harness itself: what CI relies on before any test runs."""

import asyncio
import gc
import uuid
import weakref

import asyncpg
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from app.config import Settings
from tests.conftest import (
    _pg_admin,
    _plain_pg_dsn,
    fastapi_callable_caches,
    forget_apps,
    running_app,
)


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


async def test_the_apps_of_a_test_are_freed_after_it(settings: Settings) -> None:
    """A test's apps die with it: FastAPI's caches of callables would otherwise keep
    every app the suite makes (each worker's heap grew past a gigabyte and its full
    collections stalled tests for seconds). The harness clears them after each test
    (`forget_apps`)."""
    made: list[weakref.ref[FastAPI]] = []
    for _ in range(3):
        async with running_app(settings) as (application, client):
            assert (await client.get("/healthz")).status_code == 200
            made.append(weakref.ref(application))
        del application, client
    caches = fastapi_callable_caches()
    assert caches, "FastAPI's callable caches are not where the harness looks"
    forget_apps()
    gc.collect()
    assert [ref() for ref in made] == [None, None, None]
