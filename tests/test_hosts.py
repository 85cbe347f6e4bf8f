"""Several hosts (issue 20, item 6): two `newsdesk serve` processes on ports of their own,
standing for two hosts, sharing the database and a Redis, behave as one service: one
rate limit between them, a write on one purges the other's cache at once, an
Idempotency-Key used on one is honoured on the other, and each webhook event is delivered
once although both run the delivery worker. On both databases (SQLite: two processes on
one file, as two containers on one volume)."""

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from tests.conftest import api_key
from tests.live import create_article, fault_record, newsdesk_serve, wait_until
from tests.redisserver import RedisServer
from tests.webhooks.receiver import receiving
from tests.webhooks.test_delivery import ALL

ADMIN_LIMIT = 30  # per minute, per credential


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_two_hosts_behave_as_one_service(
    cli_env: dict[str, str], tmp_path: Path, redis: RedisServer
) -> None:
    env = {
        **cli_env,
        "NEWSDESK_REDIS_URL": redis.url,
        "NEWSDESK_RATE_LIMIT_ADMIN": f"{ADMIN_LIMIT}/minute",
        "NEWSDESK_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        "NEWSDESK_WORKER_POLL_SECONDS": "0.1",
    }
    # The database is migrated already (the harness's copy of the migrated template); the
    # keys are made in this process (a `newsdesk` command is a process start).
    key = api_key(env["NEWSDESK_DATABASE_URL"], "hosts")
    admin = {"Authorization": f"Bearer {key}"}
    with (
        receiving() as receiver,
        newsdesk_serve(env) as one,
        newsdesk_serve(env) as other,
        httpx.Client(base_url=one.base, timeout=10) as a,
        httpx.Client(base_url=other.base, timeout=10) as b,
    ):
        hook = a.post("/v1/admin/webhooks", json={"url": receiver.url(), "events": ALL},
                      headers=admin)  # fmt: skip
        assert hook.status_code == 201, hook.text
        secret = hook.json()["secret"]

        # Idempotency: a create retried on the other host gets the first answer.
        idempotency = {**admin, "Idempotency-Key": str(uuid.uuid4())}
        first = create_article(a, idempotency, "en", "One service", lead="Lead.")
        assert first.status_code == 201, first.text
        again = create_article(b, idempotency, "en", "One service", lead="Lead.")
        assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
        assert again.headers["idempotent-replayed"] == "true"
        other_body = create_article(b, idempotency, "en", "Another request", lead="Lead.")
        assert other_body.status_code == 422
        ident = first.json()["id"]
        published = b.post(f"/v1/admin/articles/{ident}/translations/en/publish", headers=admin)
        assert published.status_code == 200, published.text
        slug = published.json()["slug"]

        # The cache: both hosts hold the page; an edit on one is gone from the other's.
        page = f"/v1/en/articles/{slug}"
        for http in (a, b, a, b):
            assert http.get(page).json()["title"] == "One service"
        current = a.get(f"/v1/admin/articles/{ident}/translations/en", headers=admin)
        edited = a.put(
            f"/v1/admin/articles/{ident}/translations/en",
            json={"title": "One service, edited", "lead": "Lead.", "body_html": "", "slug": slug},
            headers={**admin, "If-Match": current.headers["etag"]},
        )
        assert edited.status_code == 200, edited.text
        purged = wait_until(lambda: b.get(page).json()["title"] == "One service, edited", 1.0,
                        "the other host's cache purged")  # fmt: skip

        # Webhooks: both hosts run the delivery worker; every event arrives once.
        feed = b.get("/v1/changes", params={"limit": 100}).json()["items"]
        assert len(feed) == 2  # published, then updated
        received = receiver.wait_for(len(feed), timeout=15)
        time.sleep(1.0)  # time for a second delivery, were there one
        events = [Verifier(secret).verify(r.body, r.headers) for r in receiver.seen]
        ids = [event["id"] for event in events]
        assert len(ids) == len(set(ids)) == len(feed), [json.loads(r.body) for r in received]

        # One rate limit: a fresh credential, its requests spread over both hosts.
        spread = api_key(env["NEWSDESK_DATABASE_URL"], "spread")
        statuses = [
            (a if n % 2 else b).get("/v1/admin/tags", headers={"Authorization": f"Bearer {spread}"})
            .status_code
            for n in range(2 * ADMIN_LIMIT)
        ]  # fmt: skip
        assert statuses.count(200) == ADMIN_LIMIT, statuses
        assert statuses.count(429) == ADMIN_LIMIT
    fault_record(
        f"Two hosts ({'PostgreSQL' if 'postgresql' in env['NEWSDESK_DATABASE_URL'] else 'SQLite'})",
        purged_on_other_host_s=round(purged, 2), idempotent_replay="same id on the other host",
        webhook_deliveries_per_event=1, rate_limit=f"{statuses.count(200)} of {len(statuses)} "
        f"answered with a {ADMIN_LIMIT}/minute limit over both",
    )  # fmt: skip
