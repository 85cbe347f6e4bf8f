"""The test harness itself: what CI relies on before any test runs."""

import asyncio
import gc
import uuid
import weakref

import asyncpg
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from app import api
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


async def test_every_app_of_a_process_serves_the_routes_built_once(settings: Settings) -> None:
    """FastAPI builds an included router's routes the first time one matches a request
    (each parameter's and response's pydantic field: ~0.3 s for ours, most of a short
    test's time when each app built them again). The apps of a process share the routers
    included once (`app.api`), and what the app adds to every route holds on them: an
    unknown query parameter is refused on a domain's route and on the app's own (/docs).
    The contract is built once too (~1 s), each app given its own copy."""
    shared: list[list[int]] = []
    contracts: list[dict[str, object]] = []
    for _ in range(2):
        async with running_app(settings) as (application, client):
            assert (await client.get("/v1/en/no/such/path")).status_code == 404
            for path in ("/healthz?zz=1", "/v1/en/articles?zz=1", "/docs?zz=1"):
                refused = await client.get(path)
                assert refused.status_code == 422, path
                assert refused.json()["errors"][0]["loc"] == ["query", "zz"]
            assert (await client.get("/healthz")).status_code == 200
            shared.append([id(r) for r in application.router.routes if r in api.router.routes])
            contracts.append(application.openapi())
            assert (await client.get("/openapi.json")).json() == contracts[-1]
        del application, client
    assert shared[0] == shared[1] == [id(r) for r in api.router.routes]
    assert contracts[0] == contracts[1] and contracts[0] is not contracts[1]
    assert "/v1/{lang}/articles" in contracts[0]["paths"]  # type: ignore[operator]


async def test_a_route_an_app_adds_itself_is_in_no_app_s_contract(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The contract is built once a process from the shared routes: a route a test adds to
    its own app, were that app the first to build it, is not in the next app's."""
    from app import main

    monkeypatch.setattr(main, "_contract", None)  # this app builds it
    async with running_app(settings) as (first, _):

        @first.get("/v1/added-by-a-test")
        def added() -> dict[str, str]:
            return {}

        assert "/v1/added-by-a-test" not in first.openapi()["paths"]
    async with running_app(settings) as (_, client):
        served = (await client.get("/openapi.json")).json()
        assert "/v1/added-by-a-test" not in served["paths"]
        assert "/v1/{lang}/articles" in served["paths"]
