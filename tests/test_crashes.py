"""Crash safety (issue 20, item 4), against `newsdesk serve --workers 2` as a real process:

- `kill -9` during concurrent creates, NEWSDESK_TEST_KILL_ROUNDS times on each database (4
  in the suite, 10 under `bench/faults`): half of them the whole server (a new one each
  time), half one worker of one server that goes on (its supervisor replaces the
  worker): every acknowledged write is stored, once and whole (an article with both its
  language versions, or none of it), and each create retried with its
  `Idempotency-Key` afterwards answers what was made (the first answer replayed, or made
  now), never a second article;
- SIGTERM lets the requests in flight finish (a slowly sent body included) while the
  server takes no new connection, and the server is gone within
  NEWSDESK_SERVER_GRACEFUL_SHUTDOWN_TIMEOUT.

`-s` prints the counts (acknowledged, stored, retried) the closing note gives.
"""

import asyncio
import os
import random
import signal
import socket
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from tests.conftest import api_key, running_app
from tests.live import NEWSDESK, Server, fault_record, free_port, serving, wait_until, worker_pids

# Each round of the whole server starts a server of two workers (three processes, ~1.2 s of
# CPU each to import the app), a round of one worker starts one process: the test's main
# cost. The suite does 4 (two of each kind), bench/faults 10.
ROUNDS = int(os.environ.get("NEWSDESK_TEST_KILL_ROUNDS", "4"))
WRITERS = 4


@dataclass
class Attempt:
    key: str
    title: str
    acked: str | None = None  # the article id of a 201


@dataclass
class Tally:
    attempts: list[Attempt] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


def _payload(title: str) -> dict[str, Any]:
    return {
        "original_language": "ua",
        "translations": {
            "ua": {"title": title, "lead": "Лід.", "body_html": "<p>Текст.</p>"},
            "en": {"title": f"{title} (en)", "lead": "Lead.", "body_html": "<p>Text.</p>"},
        },
    }


def _startups(log: Path) -> int:
    return log.read_text(errors="replace").count("Application startup complete")


def _start(env: dict[str, str], log: Path) -> Any:
    port = free_port()
    before = log.read_text(errors="replace").count("Application startup complete")

    def started(_: object) -> bool:
        return log.read_text(errors="replace").count("Application startup complete") >= before + 2

    return serving(
        [*NEWSDESK, "serve", "--port", str(port), "--workers", "2"],
        port=port, env=env, output=log, ready=started, timeout_s=120,
    )  # fmt: skip


async def _write(base: str, headers: dict[str, str], tally: Tally, stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while not stop.is_set():
            attempt = Attempt(str(uuid.uuid4()), f"Стаття {uuid.uuid4().hex[:12]}")
            tally.attempts.append(attempt)
            try:
                response = await client.post(
                    "/v1/admin/articles", json=_payload(attempt.title),
                    headers={**headers, "Idempotency-Key": attempt.key},
                )  # fmt: skip
            except httpx.TransportError as exc:
                tally.errors[type(exc).__name__] += 1
                await asyncio.sleep(0.05)  # the server is gone or restarting a worker
                continue
            if response.status_code == 201:
                attempt.acked = response.json()["id"]
            else:
                tally.errors[str(response.status_code)] += 1
                assert response.status_code == 503, response.text  # never a 500


async def _round(server: Server, headers: dict[str, str], tally: Tally, whole: bool) -> None:
    stop = asyncio.Event()
    writers = [asyncio.create_task(_write(server.base, headers, tally, stop))
               for _ in range(WRITERS)]  # fmt: skip
    await asyncio.sleep(random.uniform(0.4, 1.0))
    if whole:
        os.killpg(server.process.pid, signal.SIGKILL)  # the supervisor and every worker
        await asyncio.sleep(0.3)
    else:
        os.kill(random.choice(worker_pids(server)), signal.SIGKILL)
        await asyncio.sleep(0.5)  # the supervisor starts another; the writes go on
    stop.set()
    await asyncio.gather(*writers)


def _stored(base: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    articles: list[dict[str, Any]] = []
    with httpx.Client(base_url=base, timeout=30, headers=headers) as client:
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": 100}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/v1/admin/articles", params=params)
            assert page.status_code == 200, page.text
            articles.extend(page.json()["items"])
            cursor = page.json()["next_cursor"]
            if not cursor:
                return articles


def test_kill_9_during_concurrent_writes_loses_no_acknowledged_write(
    cli_env: dict[str, str], tmp_path: Path, database_url: str
) -> None:
    # The database is migrated already (the harness's copy of the migrated template).
    secret = api_key(cli_env["NEWSDESK_DATABASE_URL"], "crash test")
    headers = {"Authorization": f"Bearer {secret}"}
    env = {**cli_env, "NEWSDESK_RATE_LIMIT_ADMIN": "", "NEWSDESK_LOG_LEVEL": "info"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "serve.log"
    log.touch()
    tally = Tally()
    random.seed(20)
    for _ in range(ROUNDS // 2):  # the whole server: a new one each time
        with _start(env, log) as server:
            asyncio.run(_round(server, headers, tally, whole=True))
    with _start(env, log) as server:  # one server, a worker killed at a time: it goes on
        for _ in range(ROUNDS // 2):
            started = _startups(log)
            asyncio.run(_round(server, headers, tally, whole=False))

            def replaced(before: int = started) -> bool:
                return _startups(log) > before

            wait_until(replaced, 60, "the killed worker replaced")

        # The checks run on this server, which went on through the kills of its workers
        # (it started, itself, on what the kills of the whole server left): what they read
        # is in the database, and the replaced worker answers them as a new server would.
        # A server started for them alone cost three processes more.
        acked = [a for a in tally.attempts if a.acked]
        unacked = [a for a in tally.attempts if not a.acked]
        before = {a["translations"]["ua"]["title"]: a for a in _stored(server.base, headers)}
        # Each create retried with its key: made once, whatever happened to the first.
        retried: Counter[str] = Counter()
        with httpx.Client(base_url=server.base, timeout=30) as client:
            for attempt in tally.attempts:
                again = client.post(
                    "/v1/admin/articles", json=_payload(attempt.title),
                    headers={**headers, "Idempotency-Key": attempt.key},
                )  # fmt: skip
                replayed = again.headers.get("Idempotent-Replayed") == "true"
                if again.status_code == 201:
                    retried["replayed" if replayed else "made now"] += 1
                    if attempt.acked:
                        assert replayed and again.json()["id"] == attempt.acked
                    elif attempt.title in before:  # committed, its answer never sent
                        assert replayed and again.json()["id"] == before[attempt.title]["id"]
                    else:
                        assert not replayed
                else:
                    # Committed by a worker killed before it recorded its answer: the key
                    # says so (in progress for a minute, then answer lost), nothing is
                    # made twice.
                    assert again.status_code == 409, again.text
                    assert attempt.title in before and not attempt.acked
                    retried[again.json()["type"].rsplit("/", 1)[-1]] += 1
        stored = _stored(server.base, headers)

    titles = Counter(a["translations"]["ua"]["title"] for a in stored)
    by_title = {a["translations"]["ua"]["title"]: a for a in stored}
    assert set(titles) == {a.title for a in tally.attempts}  # every create, and nothing else
    assert max(titles.values()) == 1  # none twice
    for article in stored:  # whole: both versions, as sent
        ua = article["translations"]["ua"]["title"]
        assert set(article["translations"]) == {"ua", "en"}
        assert article["translations"]["en"]["title"] == f"{ua} (en)"
    for attempt in acked:
        assert by_title[attempt.title]["id"] == attempt.acked
    database = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    fault_record(
        f"kill -9 x{ROUNDS} under writes ({database})",
        seen=f"{len(tally.attempts)} creates by {WRITERS} writers",
        acknowledged=len(acked), acknowledged_stored=len(acked),
        unanswered=len(unacked), unanswered_stored=len(set(before) & {a.title for a in unacked}),
        retries=dict(retried), client_errors=dict(tally.errors),
    )  # fmt: skip
    print(
        f"\n{database_url.split(':')[0]}: {ROUNDS} kills ({ROUNDS // 2} of the whole server, "
        f"{ROUNDS // 2} of a worker), {len(tally.attempts)} creates sent: {len(acked)} "
        f"acknowledged, all {len(acked)} stored once; {len(unacked)} unanswered, of which "
        f"{len(set(before) & {a.title for a in unacked})} had been stored; client errors "
        f"{dict(tally.errors)}; the retries: {dict(retried)}"
    )


def _slow_post(base: str, headers: dict[str, str], body: bytes) -> socket.socket:
    """A create whose head and first half are sent now, the rest later."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    head = (
        f"POST /v1/admin/tags HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Authorization: {headers['Authorization']}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode() + body[: len(body) // 2])
    return sock


async def _tag_names(cli_env: dict[str, str], headers: dict[str, str]) -> list[str]:
    """The tags an app on the server's database lists (in this process: what the server
    wrote is on disk, and another server process costs a second of CPU to start)."""
    settings = Settings(
        database_url=cli_env["NEWSDESK_DATABASE_URL"],
        media_dir=Path(cli_env["NEWSDESK_MEDIA_DIR"]),
        secret_key_file=Path(cli_env["NEWSDESK_SECRET_KEY_FILE"]),
        worker_in_process=False,
    )
    async with running_app(settings) as (_, client):
        tags = await client.get("/v1/admin/tags", headers=headers)
        assert tags.status_code == 200, tags.text
        return [t["translations"]["ua"]["name"] for t in tags.json()["items"]]


def test_sigterm_finishes_the_requests_in_flight(cli_env: dict[str, str], tmp_path: Path) -> None:
    secret = api_key(cli_env["NEWSDESK_DATABASE_URL"], "sigterm test")  # migrated already
    headers = {"Authorization": f"Bearer {secret}"}
    env = {**cli_env, "NEWSDESK_SERVER_GRACEFUL_SHUTDOWN_TIMEOUT": "5"}
    port = free_port()
    body = b'{"translations": {"ua": {"name": "\\u0422\\u0435\\u0433"}}}'
    with serving([*NEWSDESK, "serve", "--port", str(port)], port=port, env=env) as server:
        sock = _slow_post(server.base, headers, body)
        time.sleep(0.3)  # the request is in flight: its head read, its body coming
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(httpx.TransportError):  # no new connection is taken
            httpx.get(f"{server.base}/healthz", timeout=2)
        sock.sendall(body[len(body) // 2 :])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer and answer.rstrip().endswith(b"}"):
                break
        sock.close()
        assert answer.startswith(b"HTTP/1.1 201"), answer[:300]
        stopped = time.monotonic()
        # uvicorn ends by raising the signal again once it has shut down.
        assert server.process.wait(timeout=10) in (0, -signal.SIGTERM)
        assert time.monotonic() - stopped < 6
    # The tag the request made is stored.
    assert asyncio.run(_tag_names(cli_env, headers)) == ["Тег"]


def test_sigterm_closes_what_is_still_running_after_the_timeout(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    # The database is migrated already (the harness's copy of the migrated template).
    env = {**cli_env, "NEWSDESK_SERVER_GRACEFUL_SHUTDOWN_TIMEOUT": "2"}
    port = free_port()
    with serving([*NEWSDESK, "serve", "--port", str(port)], port=port, env=env) as server:
        sock = _slow_post(server.base, {"Authorization": "Bearer x"}, b'{"never": "sent"}')
        time.sleep(0.3)
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=15)  # the body never comes: closed after the timeout
        assert time.monotonic() - started < 2 + 3
        sock.close()
