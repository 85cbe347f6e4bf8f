"""Idempotency-Key against a real `newsdesk serve`: retries right after an answer, and
after the server was killed in the middle of a create."""

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import asyncpg
import httpx
from sqlalchemy.engine import make_url

from app.db import is_sqlite
from tests.conftest import _plain_pg_dsn, live_server, new_api_key
from tests.live import newsdesk_serve


def _tag(name: str) -> dict[str, Any]:
    return {"translations": {"ua": {"name": name}}}


async def _admin_key(env: dict[str, str]) -> dict[str, str]:
    key = await new_api_key(env["NEWSDESK_DATABASE_URL"], "idempotency")  # no process start
    return {"Authorization": f"Bearer {key}"}


async def test_a_retry_right_after_a_201_is_replayed(cli_env: dict[str, str]) -> None:
    # The answer was recorded after the client had it: a retry sent at once met the key
    # still "in progress" (3 of 30 on SQLite, 12 of 30 on PostgreSQL).
    auth = await _admin_key(cli_env)
    with live_server(cli_env) as base:
        async with (
            httpx.AsyncClient(base_url=base, headers=auth) as first_client,
            httpx.AsyncClient(base_url=base, headers=auth) as retry_client,
        ):
            retries = []
            for i in range(30):
                headers = {"Idempotency-Key": f"race-{i}"}
                first = await first_client.post("/v1/admin/tags", json=_tag(f"Тег {i}"),
                                                headers=headers)  # fmt: skip
                assert first.status_code == 201, first.text
                again = await retry_client.post("/v1/admin/tags", json=_tag(f"Тег {i}"),
                                                headers=headers)  # fmt: skip
                retries.append(
                    (again.status_code, again.headers.get("idempotent-replayed"),
                     again.content == first.content)
                )  # fmt: skip
            assert retries == [(201, "true", True)] * 30
            # And a burst of 30 at once after one more answer: every one a replay.
            headers = {"Idempotency-Key": "burst"}
            first = await first_client.post("/v1/admin/tags", json=_tag("Сплеск"),
                                            headers=headers)  # fmt: skip
            assert first.status_code == 201
            burst: list[tuple[int, str | None]] = []

            async def retry() -> None:
                r = await retry_client.post("/v1/admin/tags", json=_tag("Сплеск"),
                                            headers=headers)  # fmt: skip
                burst.append((r.status_code, r.headers.get("idempotent-replayed")))

            async with anyio.create_task_group() as tg:
                for _ in range(30):
                    tg.start_soon(retry)
            assert burst == [(201, "true")] * 30
            tags = (await first_client.get("/v1/admin/tags")).json()["items"]
            assert len(tags) == 31


@asynccontextmanager
async def _tags_stalled(url: str) -> AsyncIterator[Any]:
    """Inserting a tag stalls until the block ends; yields a wait for a request stalled."""
    if is_sqlite(url):
        # SQLite has no lock a test can hold after the request's first write: a trigger
        # makes the insert compute for minutes, holding the write lock, in its transaction.
        path = make_url(url).database
        assert path is not None
        db = sqlite3.connect(path, isolation_level=None, timeout=10)
        db.execute("CREATE TABLE stall (x INTEGER)")
        db.executemany("INSERT INTO stall VALUES (?)", [(i,) for i in range(1500)])
        db.execute(
            "CREATE TRIGGER stall_tags BEFORE INSERT ON tags BEGIN "
            "SELECT count(*) FROM stall a, stall b, stall c; END"
        )
        probe = sqlite3.connect(path, isolation_level=None, timeout=0)

        async def stalled() -> None:
            held_since = None
            for _ in range(600):
                try:
                    probe.execute("BEGIN IMMEDIATE")
                    probe.execute("ROLLBACK")
                    held_since = None
                except sqlite3.OperationalError:  # a writer holds the lock
                    held_since = held_since or time.monotonic()
                    if time.monotonic() - held_since > 1.0:
                        return
                await asyncio.sleep(0.05)
            raise AssertionError("the request never stalled")

        try:
            yield stalled
        finally:
            probe.close()
            db.execute("DROP TRIGGER stall_tags")
            db.execute("DROP TABLE stall")
            db.close()
        return
    conn = await asyncpg.connect(_plain_pg_dsn(url))
    # pg_stat_activity is read once per transaction: the watcher has its own connection.
    watcher = await asyncpg.connect(_plain_pg_dsn(url))
    try:
        block = conn.transaction()
        await block.start()
        await conn.execute("LOCK TABLE tags IN ACCESS EXCLUSIVE MODE")

        async def waiting() -> None:
            for _ in range(600):
                n = await watcher.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
                if n:
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("the request never stalled")

        yield waiting
        await block.rollback()
    finally:
        await watcher.close()
        await conn.close()


async def test_a_create_killed_midway_leaves_its_key_free(cli_env: dict[str, str]) -> None:
    # The key was reserved in a transaction of its own and freed only by the request
    # that reserved it: a worker killed midway left it "in progress" for 48 hours.
    auth = await _admin_key(cli_env)
    headers = {**auth, "Idempotency-Key": "killed-midway"}
    url = cli_env["NEWSDESK_DATABASE_URL"]
    async with _tags_stalled(url) as stalled:
        with newsdesk_serve(cli_env) as server:
            base, proc = server.base, server.process
            outcome: list[BaseException | int] = []

            async def create() -> None:
                try:
                    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
                        r = await http.post("/v1/admin/tags", json=_tag("Вбито"), headers=headers)
                    outcome.append(r.status_code)
                except httpx.TransportError as exc:
                    outcome.append(exc)

            async with anyio.create_task_group() as tg:
                tg.start_soon(create)
                await stalled()
                if not is_sqlite(url):
                    # A retry meanwhile waits a moment, not as long as the first request
                    # (SQLite: every write waits for the one writer, up to its busy timeout).
                    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                        began = time.monotonic()
                        r = await http.post("/v1/admin/tags", json=_tag("Вбито"), headers=headers)
                    assert r.status_code == 409, r.text
                    assert r.json()["type"] == "/problems/idempotency-in-progress"
                    assert time.monotonic() - began < 15
                proc.kill()  # SIGKILL: no cleanup of any kind runs
                proc.wait(timeout=30)
            assert len(outcome) == 1 and isinstance(outcome[0], httpx.TransportError), outcome
    with live_server(cli_env) as base:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            retry = await http.post("/v1/admin/tags", json=_tag("Вбито"))
            assert retry.status_code == 201, retry.text
            assert "idempotent-replayed" not in retry.headers
            again = await http.post("/v1/admin/tags", json=_tag("Вбито"))
            assert again.status_code == 201
            assert again.headers["idempotent-replayed"] == "true"
            assert again.json() == retry.json()
            tags = (await http.get("/v1/admin/tags")).json()["items"]
            assert [t["id"] for t in tags] == [retry.json()["id"]]
