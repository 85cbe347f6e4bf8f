"""Webhooks against real processes (issue 17): `newsdesk serve --workers 2` delivers each
event once, a server killed with SIGKILL mid-burst loses no committed change and invents
none, and `newsdesk worker` delivers on its own beside servers that do not.

Everything goes over HTTP to real `newsdesk serve` processes and a real receiver; every
delivery is verified with `standardwebhooks`, as a subscriber would."""

import json
import os
import random
import signal
import subprocess
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from tests.conftest import api_key
from tests.live import NEWSDESK, Server, create_article, free_port, newsdesk_serve, serving
from tests.webhooks.receiver import Received, Receiver
from tests.webhooks.test_delivery import ALL


@dataclass
class Live:
    env: dict[str, str]
    headers: dict[str, str]
    logs: Path


# The rounds of `test_kill_minus_9_during_a_burst_loses_nothing`: each starts a server
# (~1.2 s of CPU importing the app) and kills it mid-burst, and one server more makes the
# checks. What the test proves holds of every change committed in every round; what it
# needs is kills that land among the burst's publishes. Each round's kill does: it lands
# 0-100 ms after the burst's first publish is answered (a random moment), four clients
# publishing, so publishes of that burst were answered before it (`committed`) and others
# are cut off, some after their article was created (`unknown`: committed or not, the
# kill decides). Measured here, 10 rounds a database on a loaded 2-core machine: every
# round had 1-3 publishes committed before the kill; 1-3 were cut off after their create
# in every PostgreSQL round and in 7 of 10 SQLite rounds (3 had none). So the test runs
# BURST_ROUNDS rounds, four kills at moments of their own for each database, and goes on,
# up to the ten rounds it always ran before, only while no kill has yet cut a publish off
# after its create: a run fails for want of one as rarely as with ten rounds (0.3 ** 10
# on SQLite by those counts), and six rounds fewer are six server starts, warm-ups and
# bursts fewer a database. NEWSDESK_TEST_KILL_ROUNDS runs more (as for
# tests/test_crashes.py, where bench/faults sets 10; bench/faults does not run this test).
BURST_ROUNDS = int(os.environ.get("NEWSDESK_TEST_KILL_ROUNDS", "4"))
BURST_ROUNDS_AT_MOST = max(BURST_ROUNDS, 10)


@pytest.fixture
def live(cli_env: dict[str, str], tmp_path: Path) -> Live:
    """An admin key (made in this process: the database is migrated already, and a
    `newsdesk` command is a process start); deliveries may reach 127.0.0.1 quickly."""
    env = {
        **cli_env,
        "NEWSDESK_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        "NEWSDESK_WORKER_POLL_SECONDS": "0.1",
        "NEWSDESK_WEBHOOK_TIMEOUT_SECONDS": "2",
        "NEWSDESK_WEBHOOK_RETRY_BASE_SECONDS": "0.2",
        "NEWSDESK_WEBHOOK_RETRY_MAX_SECONDS": "0.5",
        "NEWSDESK_RATE_LIMIT_ADMIN": "",
    }
    key = api_key(cli_env["NEWSDESK_DATABASE_URL"], "live-webhooks")
    return Live(env, {"Authorization": f"Bearer {key}"}, tmp_path)


def subscribe(http: httpx.Client, live: Live, url: str) -> dict[str, Any]:
    response = http.post(
        "/v1/admin/webhooks", json={"url": url, "events": ALL}, headers=live.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def verified(secret: str, received: Received) -> dict[str, Any]:
    """The body, once its signature checks out; its webhook-id is the event's id."""
    event: dict[str, Any] = Verifier(secret).verify(received.body, received.headers)
    assert received.headers["webhook-id"] == f"msg_{uuid.UUID(event['id']).hex}"
    return event


def publish_new(
    base: str, live: Live, title: str, at: datetime | None = None
) -> tuple[str | None, int | None]:
    """Create an English article and publish it (at `at`, if given): its id (None if the
    create got no 201) and the publish's status (None: no answer)."""
    with httpx.Client(base_url=base, timeout=10) as http:
        try:
            created = create_article(http, live.headers, "en", title, lead="Lead.")
        except httpx.TransportError:
            return None, None
        if created.status_code != 201:
            return None, created.status_code
        ident: str = created.json()["id"]
        payload = {"publish_at": at.isoformat()} if at else {}
        try:
            done = http.post(
                f"/v1/admin/articles/{ident}/translations/en/publish",
                json=payload,
                headers=live.headers,
            )
        except httpx.TransportError:
            return ident, None
        return ident, done.status_code


def changes(http: httpx.Client) -> list[dict[str, Any]]:
    """The whole change feed, page by page."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        page = http.get("/v1/changes", params=params)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        if not page.json()["items"]:
            return items
        cursor = page.json()["next_cursor"]


def pending(http: httpx.Client, live: Live, hook: dict[str, Any]) -> int:
    page = http.get(
        f"/v1/admin/webhooks/{hook['id']}/deliveries",
        params={"status": "pending", "limit": 100},
        headers=live.headers,
    )
    assert page.status_code == 200, page.text
    return len(page.json()["items"])


def wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what}: not so after {seconds} s"
        time.sleep(0.1)


def settled(http: httpx.Client, live: Live, hook: dict[str, Any], receiver: Receiver) -> bool:
    """Every change in the feed has arrived and no delivery is pending."""
    arrived = {json.loads(r.body)["id"] for r in list(receiver.seen)}
    return {c["id"] for c in changes(http)} <= arrived and pending(http, live, hook) == 0


def started(output: Path, workers: int) -> Callable[[Server], bool]:
    """Ready once each of uvicorn's workers has logged the end of its start-up."""
    return lambda _: (
        output.read_text(errors="replace").count("Application startup complete") >= workers
    )


def serve_workers(live: Live, workers: int) -> AbstractContextManager[Server]:
    port = free_port()
    output = live.logs / "serve.log"
    output.touch()
    return serving(
        [*NEWSDESK, "serve", "--port", str(port), "--workers", str(workers)],
        port=port, env={**live.env, "NEWSDESK_LOG_LEVEL": "info"}, output=output,
        ready=started(output, workers), timeout_s=120,
    )  # fmt: skip


def test_two_serving_workers_deliver_each_event_once(live: Live, receiver: Receiver) -> None:
    with serve_workers(live, 2) as server, httpx.Client(base_url=server.base, timeout=10) as http:
        hook = subscribe(http, live, receiver.url("/ok"))
        with ThreadPoolExecutor(max_workers=4) as pool:
            done = list(pool.map(lambda i: publish_new(server.base, live, f"Pair {i}"), range(20)))
        assert all(ident and status == 200 for ident, status in done), done
        soon = datetime.now(UTC) + timedelta(seconds=2)
        scheduled, status = publish_new(server.base, live, "Scheduled pair", at=soon)
        assert scheduled and status == 200

        receiver.wait_for(21, timeout=30)
        wait_until(lambda: settled(http, live, hook, receiver), 20, "deliveries settled")
        time.sleep(1.0)  # ten polls of either worker: room for a duplicate to show up
        got = list(receiver.seen)
        feed = changes(http)

    events = [verified(hook["secret"], r) for r in got]
    assert len({r.headers["webhook-id"] for r in got}) == len(got) == 21
    assert {e["type"] for e in events} == {"article.published"}
    published = {ident for ident, _ in done} | {scheduled}
    assert {e["data"]["article_id"] for e in events} == published
    assert {e["id"] for e in events} == {c["id"] for c in feed}
    assert len(feed) == 21
    arrived = next(
        r.at for r, e in zip(got, events, strict=True) if e["data"]["article_id"] == scheduled
    )
    assert soon.timestamp() <= arrived < soon.timestamp() + 5  # at its time, not before


def kill_group(server: Server, after: float, first: threading.Event | None = None) -> None:
    """SIGKILL the server's process group `after` seconds after `first` is set (at once,
    if no event is given or it is not set within 30 s)."""
    if first is not None:
        first.wait(30)
    time.sleep(after)
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait()


def test_kill_minus_9_during_a_burst_loses_nothing(live: Live, receiver: Receiver) -> None:
    seed = int.from_bytes(os.urandom(4))
    rng = random.Random(seed)
    committed: set[str] = set()  # articles whose publish got a 2xx
    burst_committed = 0
    unknown: set[str] = set()  # created; the publish got no answer
    refused: list[tuple[str | None, int | None]] = []  # an answer, but not a 2xx
    hook: dict[str, Any] = {}
    per_round: list[tuple[int, int]] = []  # (committed, cut off after the create) a round
    for round_ in range(BURST_ROUNDS_AT_MOST):
        if round_ >= BURST_ROUNDS and burst_committed and unknown:
            break  # enough rounds, and the kills landed where they must (BURST_ROUNDS)
        with newsdesk_serve(live.env, output=live.logs / "serve.log") as server:
            if not hook:
                with httpx.Client(base_url=server.base, timeout=10) as http:
                    hook = subscribe(http, live, receiver.url("/ok"))
            # One publish first: a cold process's first writes are slow (lazy imports, new
            # pools), and the kill should land among publishes, not in a cold start.
            warm, status = publish_new(server.base, live, f"Warm {round_} {uuid.uuid4().hex[:6]}")
            assert warm and status == 200
            committed.add(warm)
            titles = [f"Burst {round_} {i} {uuid.uuid4().hex[:6]}" for i in range(8)]
            # The kill lands a random moment after the burst's first publish is answered,
            # so it falls among publishes however slow the machine is (a fixed delay
            # fired before any publish of the burst on a busy CI host).
            first = threading.Event()

            def publish(title: str, first: threading.Event = first) -> tuple[Any, Any]:
                outcome = publish_new(server.base, live, title)
                if outcome[1] is not None and 200 <= outcome[1] < 300:
                    first.set()
                return outcome

            after = rng.uniform(0.0, 0.1)
            killer = threading.Thread(target=kill_group, args=(server, after, first))
            killer.start()
            with ThreadPoolExecutor(max_workers=4) as pool:
                outcomes = list(pool.map(publish, titles))
            killer.join()
        ok = cut = 0
        for ident, status in outcomes:
            if ident is not None and status is not None and 200 <= status < 300:
                committed.add(ident)
                ok += 1
            elif ident is not None and status is None:
                unknown.add(ident)
                cut += 1
            elif status is not None:
                refused.append((ident, status))
        burst_committed += ok
        per_round.append((ok, cut))
    rounds = f"(seed {seed}; committed, cut off after the create, a round: {per_round})"
    print(f"\nkill -9 mid-burst, {len(per_round)} rounds {rounds}")
    assert not refused, f"answers that were not a 2xx {rounds}: {refused}"
    assert burst_committed, f"no publish got through before a kill {rounds}"
    assert unknown, f"no kill landed between a create and its publish's answer {rounds}"

    with (
        newsdesk_serve(live.env, output=live.logs / "serve.log") as server,
        httpx.Client(base_url=server.base, timeout=10) as http,
    ):
        wait_until(lambda: settled(http, live, hook, receiver), 60, "deliveries settled")
        got = list(receiver.seen)
        feed = changes(http)
        public = {c["article_id"] for c in feed if public_now(http, c["path"])}
        admin = admin_statuses(http, live)

    events = [verified(hook["secret"], r) for r in got]
    bodies: dict[str, set[bytes]] = defaultdict(set)
    for r in got:
        bodies[r.headers["webhook-id"]].add(r.body)
    assert all(len(b) == 1 for b in bodies.values()), "a webhook-id came with two bodies"
    delivered = {e["data"]["article_id"] for e in events if e["type"] == "article.published"}
    in_feed = {c["article_id"] for c in feed if c["event"] == "article.published"}
    published = {ident for ident, status in admin.items() if status == "published"}
    note = f"(seed {seed}; {len(committed)} committed, {len(unknown)} unknown)"
    assert committed <= delivered, f"committed, never delivered {note}"
    assert committed <= in_feed, f"committed, not in the change feed {note}"
    # Nothing for a change that did not commit: each one names a public article.
    assert delivered == in_feed, f"{delivered ^ in_feed} {note}"
    assert in_feed == public, f"in the feed, not public: {in_feed - public} {note}"
    assert public == published, f"{public ^ published} {note}"
    assert {e["id"] for e in events} == {c["id"] for c in feed}, note
    assert published <= committed | unknown, f"{published - committed - unknown} {note}"


def public_now(http: httpx.Client, path: str) -> bool:
    response = http.get(path)
    assert response.status_code in (200, 404), response.text
    return response.status_code == 200


def admin_statuses(http: httpx.Client, live: Live) -> dict[str, str]:
    """Each article's English status, from the admin list."""
    found: dict[str, str] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        page = http.get("/v1/admin/articles", params=params, headers=live.headers)
        assert page.status_code == 200, page.text
        for item in page.json()["items"]:
            found[item["id"]] = item["translations"]["en"]["status"]
        cursor = page.json()["next_cursor"]
        if not cursor:
            return found


def start_worker(env: dict[str, str], output: Path) -> subprocess.Popen[bytes]:
    with output.open("ab") as sink:
        return subprocess.Popen(
            [*NEWSDESK, "worker"], env=env, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def stop_worker(worker: subprocess.Popen[bytes]) -> int:
    worker.send_signal(signal.SIGTERM)
    try:
        return worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
        raise AssertionError("`newsdesk worker` did not stop within 10 s of SIGTERM") from None


def test_a_separate_worker_process_delivers(live: Live, receiver: Receiver) -> None:
    env = {**live.env, "NEWSDESK_WORKER_IN_PROCESS": "false"}
    output = live.logs / "worker.log"
    with (
        newsdesk_serve(env, output=live.logs / "serve.log") as server,
        httpx.Client(base_url=server.base, timeout=10) as http,
    ):
        hook = subscribe(http, live, receiver.url("/ok"))
        worker = start_worker(env, output)
        try:
            first, status = publish_new(server.base, live, "Worker one")
            assert first and status == 200
            (one,) = receiver.wait_for(1, timeout=20)
            assert verified(hook["secret"], one)["data"]["article_id"] == first
            # Recorded as delivered before the stop, or the next worker sends it again.
            wait_until(lambda: pending(http, live, hook) == 0, 10, "the delivery recorded")
        finally:
            code = stop_worker(worker)
        assert code == 0, output.read_text(errors="replace")

        # The server alone: the change is recorded, nothing is delivered.
        second, status = publish_new(server.base, live, "Worker two")
        assert second and status == 200
        assert second in {c["article_id"] for c in changes(http)}
        time.sleep(2.0)  # twenty polls, had anything in the server been delivering
        assert len(receiver.seen) == 1

        worker = start_worker(env, output)
        try:
            got = receiver.wait_for(2, timeout=20)
        finally:
            code = stop_worker(worker)
        assert code == 0, output.read_text(errors="replace")
    events = [verified(hook["secret"], r) for r in got]
    assert [e["data"]["article_id"] for e in events] == [first, second]
