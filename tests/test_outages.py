"""The database stopped, frozen and restarted under a live `newsdesk serve` (issue 20,
item 3), on a PostgreSQL server of the test's own (`tests/pgcluster.py`): requests that
need the database get a 503 `service-unavailable` problem with Retry-After within 5 s,
never a 500, a reset or a hang; cached public pages keep being served; `/readyz` says 503
and `/healthz` 200; the outage is logged once, not per request; and service comes back by
itself within 10 s of the database. SQLite's own outages (a locked, read-only file) too."""

import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import api_key, run_cli
from tests.live import Server, fault_record, newsdesk_serve
from tests.pgcluster import Cluster
from tests.redisserver import RedisServer

WITHIN = 5.5  # seconds: the 5 s the issue asks, and the test's own overhead
# What a serving process waits for the database by default (the suite gives its other
# tests more: tests/conftest.py).
PRODUCTION_TIMEOUTS = {
    "NEWSDESK_DATABASE_CONNECT_TIMEOUT_SECONDS": "1.5",
    "NEWSDESK_DATABASE_STATEMENT_TIMEOUT_SECONDS": "3",
    "NEWSDESK_DATABASE_POOL_TIMEOUT_SECONDS": "3",
}


@dataclass
class Live:
    server: Server
    cluster: Cluster
    key: str
    log: Path

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    cluster = Cluster().init()
    try:
        cluster.start()
        env = {
            **os.environ,
            "NEWSDESK_DATABASE_URL": cluster.url,
            "NEWSDESK_MEDIA_DIR": str(tmp_path / "media"),
            "NEWSDESK_SECRET_KEY_FILE": str(tmp_path / "secret"),
            "NEWSDESK_LOG_LEVEL": "info",
            "NEWSDESK_ACCESS_LOG": "true",
            "NEWSDESK_RATE_LIMIT_ADMIN": "",
            **PRODUCTION_TIMEOUTS,
        }
        run_cli(env, "migrate")
        key = api_key(cluster.url, "outages")  # in this process: no process start
        log = tmp_path / "server.log"
        with newsdesk_serve(env, output=log) as server:
            yield Live(server, cluster, key, log)
    finally:
        cluster.destroy()


def timed(call: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def unavailable(response: httpx.Response, seconds: float) -> float:
    assert response.status_code == 503, response.text
    assert seconds < WITHIN, f"answered after {seconds:.1f} s"
    assert response.json()["type"] == "/problems/service-unavailable"
    assert int(response.headers["retry-after"]) > 0
    assert response.headers["x-request-id"]
    return seconds


def publish(http: httpx.Client, live: Live, title: str) -> str:
    made = http.post(
        "/v1/admin/articles",
        json={
            "original_language": "en",
            "translations": {"en": {"title": title, "lead": "L.", "body_html": "<p>B</p>"}},
        },
        headers=live.admin,
    )
    assert made.status_code == 201, made.text
    ident = made.json()["id"]
    done = http.post(f"/v1/admin/articles/{ident}/translations/en/publish", headers=live.admin)
    assert done.status_code == 200, done.text
    return str(done.json()["slug"])


def a_tag(http: httpx.Client, live: Live, name: str) -> httpx.Response:
    return http.post(
        "/v1/admin/tags", json={"translations": {"en": {"name": name}}}, headers=live.admin
    )


def recovers(http: httpx.Client, live: Live, name: str) -> float:
    """Seconds until a write succeeds again (10 at most)."""
    started = time.monotonic()
    while time.monotonic() - started < 10:
        if a_tag(http, live, name).status_code == 201:
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"no recovery in 10 s:\n{live.server.log_tail(40)}")


def burst(base: str, paths: list[str], headers: dict[str, str]) -> list[int | str]:
    """Each path on a connection of its own, all at once: statuses (or the error met)."""

    def one(path: str) -> int | str:
        try:
            with httpx.Client(base_url=base, timeout=15) as client:
                return client.get(path, headers=headers).status_code
        except httpx.HTTPError as exc:
            return type(exc).__name__

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(one, paths))


def test_stopped_frozen_and_restarted(live: Live) -> None:
    with httpx.Client(base_url=live.server.base, timeout=30) as http:
        slug = publish(http, live, "Outage proof")
        article = f"/v1/en/articles/{slug}"
        for _ in range(2):  # the second from the response cache
            assert http.get(article).status_code == 200
        assert http.get("/readyz").status_code == 200

        # Stopped.
        live.cluster.stop()
        slowest = max(
            unavailable(*timed(lambda: a_tag(http, live, "during"))),
            unavailable(*timed(lambda: http.get("/v1/en/articles", params={"tag": "x"}))),
            unavailable(*timed(lambda: http.get("/v1/admin/tags", headers=live.admin))),
        )
        kept, seconds = timed(lambda: http.get(article))
        assert kept.status_code == 200 and seconds < WITHIN  # the cache, while it is down
        assert kept.json()["title"] == "Outage proof"
        ready, seconds = timed(lambda: http.get("/readyz"))
        assert ready.status_code == 503 and seconds < WITHIN
        assert "unavailable" in ready.json()["detail"]
        assert http.get("/healthz").status_code == 200
        statuses = burst(live.server.base, ["/v1/admin/tags"] * 40, live.admin)
        assert statuses == [503] * 40  # no 500, no reset
        live.cluster.start()
        stopped_recovery = recovers(http, live, "after the stop")
        fault_record(
            "PostgreSQL stopped", seen="3 requests, then 40 at once; the cached article",
            statuses={"503": 43, "200 (the cached article)": 1}, slowest_s=round(slowest, 2),
            recovery_s=round(stopped_recovery, 2),
        )  # fmt: skip

        # Frozen: connections open, nothing answers.
        live.cluster.freeze()
        try:
            slowest = max(
                unavailable(*timed(lambda: a_tag(http, live, "frozen"))),
                unavailable(*timed(lambda: http.get("/v1/admin/tags", headers=live.admin))),
            )
            ready, seconds = timed(lambda: http.get("/readyz"))
            assert ready.status_code == 503 and seconds < WITHIN
            assert http.get("/healthz").status_code == 200
            statuses = burst(live.server.base, ["/v1/admin/tags"] * 16, live.admin)
            assert set(statuses) == {503}, statuses
        finally:
            live.cluster.thaw()
        frozen_recovery = recovers(http, live, "after the freeze")
        fault_record(
            "PostgreSQL frozen (SIGSTOP)", seen="2 requests, then 16 at once",
            statuses={"503": 2 + len(statuses)}, slowest_s=round(slowest, 2),
            recovery_s=round(frozen_recovery, 2),
        )  # fmt: skip

        # Restarted while requests come in.
        with ThreadPoolExecutor(max_workers=1) as pool:
            during = pool.submit(burst, live.server.base, ["/v1/admin/tags"] * 200, live.admin)
            live.cluster.stop()
            live.cluster.start()
            seen = during.result()
        assert set(seen) <= {200, 503}, seen
        restart_recovery = recovers(http, live, "after the restart")
        fault_record(
            "PostgreSQL restarted under 200 requests", seen="200 requests over the restart",
            statuses={str(code): seen.count(code) for code in sorted(set(seen), key=str)},
            recovery_s=round(restart_recovery, 2),
        )  # fmt: skip
        # Nothing half-made: every tag the API acknowledged is there, once.
        tags = http.get("/v1/admin/tags", headers=live.admin).json()["items"]
        names = [t["translations"]["en"]["name"] for t in tags]
        assert sorted(names) == sorted(
            {"after the stop", "after the freeze", "after the restart"}
        ), names
    print(
        f"recovery: stopped {stopped_recovery:.1f} s, frozen {frozen_recovery:.1f} s, "
        f"restarted {restart_recovery:.1f} s"
    )
    lines = [json.loads(line) for line in live.log.read_text().splitlines() if line.startswith("{")]
    warnings = [line for line in lines if line["level"] in ("warning", "error")]
    outages = [line for line in warnings if line["logger"] == "newsdesk.outage"]
    assert outages, warnings
    # Logged once an outage (and once back), not once a request: ~300 requests met them.
    assert len(outages) <= 12, [line["message"] for line in outages]
    # Background work says it is back once an outage (three here), however many of its
    # loops need no database (no purge address: its loop succeeded while the others
    # failed, and the log flapped "unavailable", "answers again" with every poll).
    back = [line for line in outages if "background work answers again" in line["message"]]
    assert len(back) <= 3, [line["message"] for line in outages]
    assert not [line for line in lines if "exception" in line], "a traceback was logged"
    logged = {line["status"] for line in lines if line.get("event") == "request"}
    assert 500 not in logged


def test_sqlite_locked_and_read_only(tmp_path: Path) -> None:
    """A SQLite file another process holds locked, and one that cannot be written: 503s
    within the busy timeout, reads still served, and writes again once it is free."""
    path = tmp_path / "newsdesk.db"
    cli_env = {
        **os.environ,
        "NEWSDESK_DATABASE_URL": f"sqlite+aiosqlite:///{path}",
        "NEWSDESK_MEDIA_DIR": str(tmp_path / "media"),
        "NEWSDESK_SECRET_KEY_FILE": str(tmp_path / "secret"),
    }
    run_cli(cli_env, "migrate")
    key = api_key(cli_env["NEWSDESK_DATABASE_URL"], "locks")  # in this process
    admin = {"Authorization": f"Bearer {key}"}
    env = {**cli_env, **PRODUCTION_TIMEOUTS, "NEWSDESK_DATABASE_BUSY_TIMEOUT_SECONDS": "1"}
    with newsdesk_serve(env) as server, httpx.Client(base_url=server.base, timeout=30) as http:
        tag = {"translations": {"en": {"name": "Locked out"}}}
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # another process's long write
        try:
            response, seconds = timed(lambda: http.post("/v1/admin/tags", json=tag, headers=admin))
            unavailable(response, seconds)
            assert "locked" in response.json()["detail"]
            fault_record("SQLite locked by another process", seen="a write",
                         statuses={"503": 1}, slowest_s=round(seconds, 2))  # fmt: skip
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert http.post("/v1/admin/tags", json=tag, headers=admin).status_code == 201
    # A database file the server may only read (a read-only volume): reads answer, writes
    # are 503s.
    read_only = {
        **env,
        "NEWSDESK_DATABASE_URL": f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true",
        "NEWSDESK_WORKER_IN_PROCESS": "false",
    }
    with newsdesk_serve(read_only) as server, httpx.Client(base_url=server.base) as http:
        listed = http.get("/v1/admin/tags", headers=admin)
        assert listed.status_code == 200 and len(listed.json()["items"]) == 1
        response, seconds = timed(lambda: http.post("/v1/admin/tags", json=tag, headers=admin))
        unavailable(response, seconds)
        assert "readonly" in response.json()["detail"]


def test_a_full_sqlite_database_is_an_outage_not_a_bug(tmp_path: Path) -> None:
    """SQLite's real errors, as its driver raises them: full, read-only and locked are
    outages (503); a statement's own mistake is not (500, a bug to fix)."""
    from app.ops.outage import reason

    connection = sqlite3.connect(tmp_path / "full.db", isolation_level=None)
    connection.execute("CREATE TABLE t (x TEXT)")
    connection.execute("PRAGMA max_page_count = 2")  # the disk is full at two pages
    with pytest.raises(sqlite3.OperationalError) as full:
        connection.executemany("INSERT INTO t VALUES (?)", [("x" * 4000,)] * 10)
    assert reason(full.value) == "database or disk is full"
    with pytest.raises(sqlite3.OperationalError) as bug:
        connection.execute("SELECT * FROM no_such_table")
    assert reason(bug.value) is None
    connection.close()


def served(response: httpx.Response, seconds: float) -> float:
    assert response.status_code in (200, 201), response.text
    assert seconds < 4.0, f"answered after {seconds:.1f} s"  # the Redis timeouts: ~2 s
    return seconds


def ready_again(http: httpx.Client) -> float:
    started = time.monotonic()
    while http.get("/readyz").status_code != 200:
        assert time.monotonic() - started < 10, "not ready 10 s after Redis came back"
        time.sleep(0.1)
    return time.monotonic() - started


def test_redis_frozen_and_stopped(tmp_path: Path) -> None:
    """Redis (rate limits and the cache bus) frozen, then stopped: every request is served
    within the Redis timeouts, not held (a frozen Redis held each for 20 s); /readyz says
    503 and /healthz 200; the cache is bypassed meanwhile and correct after."""
    redis = RedisServer(tmp_path)
    redis.start()
    try:
        path = tmp_path / "newsdesk.db"
        env = {
            **os.environ,
            "NEWSDESK_DATABASE_URL": f"sqlite+aiosqlite:///{path}",
            "NEWSDESK_MEDIA_DIR": str(tmp_path / "media"),
            "NEWSDESK_SECRET_KEY_FILE": str(tmp_path / "secret"),
            "NEWSDESK_REDIS_URL": redis.url,
            "NEWSDESK_RATE_LIMIT_PUBLIC": "10000/minute",
            "NEWSDESK_RATE_LIMIT_ADMIN": "10000/minute",
        }
        run_cli(env, "migrate")
        key = api_key(env["NEWSDESK_DATABASE_URL"], "redis")  # in this process
        live = Live(None, None, key, tmp_path / "server.log")  # type: ignore[arg-type]
        with newsdesk_serve(env) as server, httpx.Client(base_url=server.base, timeout=30) as http:
            slug = publish(http, live, "Before the freeze")
            article = f"/v1/en/articles/{slug}"
            for _ in range(2):
                assert http.get(article).status_code == 200
            assert http.get("/readyz").status_code == 200
            recoveries = []
            for outage in ("frozen", "stopped"):
                redis.freeze() if outage == "frozen" else redis.stop()
                try:
                    slowest = max(
                        served(*timed(lambda: http.get(article))),
                        served(*timed(lambda o=outage: a_tag(http, live, f"while {o}"))),
                        served(*timed(lambda: http.get("/v1/admin/tags", headers=live.admin))),
                    )
                    title = f"Published while {outage}"
                    _, seconds = timed(lambda t=title: publish(http, live, t))
                    assert seconds < 5, seconds
                    listed = http.get("/v1/en/articles")
                    assert title in [i["title"] for i in listed.json()["items"]]
                    ready, seconds = timed(lambda: http.get("/readyz"))
                    assert ready.status_code == 503 and seconds < 4.0, (ready.text, seconds)
                    assert "Redis" in ready.json()["detail"]
                    assert http.get("/healthz").status_code == 200
                    statuses = burst(server.base, [article, "/v1/en/articles"] * 8, {})
                    assert statuses == [200] * 16, statuses
                finally:
                    redis.thaw() if outage == "frozen" else redis.start()
                recoveries.append(ready_again(http))
                fault_record(
                    f"Redis {outage}", seen="3 requests, a publication, then 16 reads at once",
                    statuses={"200/201": 3 + 2 + len(statuses), "503 (/readyz)": 1},
                    slowest_s=round(slowest, 2), recovery_s=round(recoveries[-1], 2),
                )  # fmt: skip
                # The cache serves again, and what it serves is current.
                listed = http.get("/v1/en/articles")
                assert f"Published while {outage}" in [i["title"] for i in listed.json()["items"]]
            tags = http.get("/v1/admin/tags", headers=live.admin).json()["items"]
            assert sorted(t["translations"]["en"]["name"] for t in tags) == [
                "while frozen", "while stopped"
            ]  # fmt: skip
        thawed, restarted = recoveries
        print(f"ready again after Redis: thawed {thawed:.1f} s, restarted {restarted:.1f} s")
    finally:
        redis.stop()


def test_background_work_is_back_when_every_task_that_met_the_outage_is(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Another background task's success says nothing of the database: only the tasks that
    met the outage, once each has worked again."""
    from app.ops.outage import OutageLog

    background = OutageLog("the database, for background work")
    with caplog.at_level(logging.WARNING, logger="newsdesk.outage"):
        background.refused_one("sending: no answer in time", source="sending")
        background.refused_one("listening: no answer in time", source="listening")
        background.recovered(source="purging")  # never failed: no database needed
        background.recovered(source="sending")  # the listener still fails
        background.refused_one("listening: no answer in time", source="listening")
        assert background.since is not None
        background.recovered(source="listening")
        background.recovered(source="listening")
        # A task that stops while failing (the worker's loops, when another process
        # takes the job) is forgotten: the others' success ends the outage.
        background.refused_one("sending: no answer in time", source="sending")
        background.refused_one("listening: no answer in time", source="listening")
        background.forget("sending")
        background.recovered(source="listening")
    assert [record.getMessage() for record in caplog.records] == [
        "the database, for background work unavailable (sending: no answer in time)",
        "the database, for background work answers again after 0 s",
        "the database, for background work unavailable (sending: no answer in time)",
        "the database, for background work answers again after 0 s",
    ]
    assert background.since is None and background.failing == set()
