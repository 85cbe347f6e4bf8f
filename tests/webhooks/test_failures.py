"""Webhooks when things go wrong (issue 17, item 2): receivers that fail, hang or redirect
inward; private addresses; redelivery, rotation, filters, roles and the secret at rest."""

import asyncio
import gc
import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import String, Text, select

from app.config import Settings
from app.db import Database
from app.models import Base
from app.webhooks.worker import Worker
from tests.articles.test_permissions import _person
from tests.builders import create_article, problem, publish, text
from tests.conftest import Credential
from tests.webhooks.conftest import wait_until
from tests.webhooks.receiver import Receiver, receiving
from tests.webhooks.test_delivery import ALL, subscribe, verified

pytestmark = pytest.mark.anyio


async def _publish_one(
    client: httpx.AsyncClient, admin: Credential, title: str = "Story", lang: str = "en"
) -> dict[str, Any]:
    article = await create_article(client, admin, original=lang, translations={lang: text(title)})
    await publish(client, admin, article["id"], lang)
    return article


async def _log(
    client: httpx.AsyncClient, admin: Credential, hook: dict[str, Any]
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/v1/admin/webhooks/{hook['id']}/deliveries", headers=admin.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.mark.settings(
    webhook_retry_window_seconds=5.0,
    webhook_retry_base_seconds=0.5,
    webhook_retry_max_seconds=0.5,
)
async def test_a_slow_failing_receiver_is_backed_off_from_its_answer(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver, worker: Worker
) -> None:
    """The backoff (0.375-0.625 s here) counts from when an attempt's answer came, not from
    when it began: a receiver slower than the backoff was retried the moment it answered
    (with the defaults, one timing out after 10 s was retried at once for its first
    attempts, the backoff starting at 5 s)."""
    receiver.delay = 0.8
    await subscribe(client, admin, receiver.url("/slow-fail"))
    await _publish_one(client, admin)
    tries = await asyncio.to_thread(receiver.wait_for, 3, 20.0, "/slow-fail")
    gaps = [b.at - a.at for a, b in pairwise(tries)]
    assert all(gap >= receiver.delay + 0.3 for gap in gaps), gaps


@pytest.mark.settings(webhook_retry_window_seconds=2.0)
async def test_a_failing_receiver_is_retried_with_the_same_id_then_disabled(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver, worker: Worker
) -> None:
    watcher = await subscribe(client, admin, receiver.url("/watch"), events=["webhook.disabled"])
    hook = await subscribe(client, admin, receiver.url("/fail"))
    await _publish_one(client, admin)
    tries = await asyncio.to_thread(receiver.wait_for, 3, 20.0, "/fail")
    assert len({r.headers["webhook-id"] for r in tries}) == 1  # the same message every time
    assert len({r.body for r in tries}) == 1
    for attempt in tries:
        verified(hook["secret"], attempt)
    gaps = [b.at - a.at for a, b in pairwise(tries)]
    assert all(gap >= 0.1 for gap in gaps), gaps  # backed off, not hammered

    async def disabled() -> dict[str, Any] | None:
        body: dict[str, Any] = (
            await client.get(f"/v1/admin/webhooks/{hook['id']}", headers=admin.headers)
        ).json()
        return body if not body["enabled"] else None

    state = await wait_until(disabled)
    assert state["disabled_at"] and "failed" in state["disabled_reason"]
    (entry,) = await _log(client, admin, hook)
    assert entry["status"] == "failed" and entry["attempts"] >= 3
    assert entry["response_status"] == 500 and entry["error"].startswith("HTTP 500")
    assert entry["duration_ms"] is not None
    announced = await asyncio.to_thread(receiver.wait_for, 1, 10.0, "/watch")
    event = verified(watcher["secret"], announced[0])
    assert event["type"] == "webhook.disabled" and event["data"]["webhook_id"] == hook["id"]
    audit = (
        await client.get(
            "/v1/admin/audit", params={"action": "disableWebhook"}, headers=admin.headers
        )
    ).json()
    assert [e["actor"] for e in audit["items"]] == ["worker"]
    # Disabled: nothing more is sent to it; enabled again, it gets what happens next.
    seen = len(receiver.seen)
    await _publish_one(client, admin, "Second")
    await asyncio.sleep(1.0)
    assert [r for r in receiver.seen[seen:] if r.path == "/fail"] == []
    response = await client.patch(
        f"/v1/admin/webhooks/{hook['id']}",
        json={"enabled": True, "url": receiver.url("/back")},
        headers=admin.headers,
    )
    assert response.status_code == 200 and response.json()["disabled_at"] is None
    await _publish_one(client, admin, "Third")
    (back,) = await asyncio.to_thread(receiver.wait_for, 1, 10.0, "/back")
    assert verified(hook["secret"], back)["data"]["slug"] == "third"


async def test_a_hanging_receiver_times_out(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver, worker: Worker
) -> None:
    hook = await subscribe(client, admin, receiver.url("/hang"))
    await _publish_one(client, admin)

    async def attempted() -> list[dict[str, Any]] | None:
        items = await _log(client, admin, hook)
        return items if items and items[0]["attempts"] >= 1 else None

    (entry,) = await wait_until(attempted)
    assert entry["status"] == "pending" and entry["response_status"] is None
    assert "timed out" in entry["error"]
    assert 900 <= entry["duration_ms"] < 5000  # the 1 s timeout, not the receiver's 30 s


async def test_a_redirect_inward_is_not_followed(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver, worker: Worker
) -> None:
    with receiving() as inside:
        hook = await subscribe(
            client, admin, receiver.url(f"/redirect?to=http://127.0.0.1:{inside.port}/ok")
        )
        await _publish_one(client, admin)

        async def attempted() -> list[dict[str, Any]] | None:
            items = await _log(client, admin, hook)
            return items if items and items[0]["attempts"] >= 1 else None

        (entry,) = await wait_until(attempted)
        assert entry["status"] == "pending" and entry["response_status"] == 302
        assert "redirect not followed" in entry["error"]
        assert inside.seen == []


@pytest.mark.settings(webhook_allow_hosts=[])
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
        "ftp://example.com/hook",
        "http://user:pass@example.com/hook",
        "http:///hook",
    ],
)
async def test_private_and_malformed_urls_are_refused(
    client: httpx.AsyncClient, admin: Credential, url: str
) -> None:
    response = await client.post(
        "/v1/admin/webhooks", json={"url": url, "events": ALL}, headers=admin.headers
    )
    problem(response, 422)
    assert (await client.get("/v1/admin/webhooks", headers=admin.headers)).json()["items"] == []


@pytest.mark.settings(webhook_allow_hosts=[])
async def test_a_name_that_resolves_to_loopback_is_refused_at_delivery(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver, worker: Worker
) -> None:
    hook = await subscribe(client, admin, f"http://localhost:{receiver.port}/ok")
    await _publish_one(client, admin)

    async def attempted() -> list[dict[str, Any]] | None:
        items = await _log(client, admin, hook)
        return items if items and items[0]["attempts"] >= 1 else None

    (entry,) = await wait_until(attempted)
    assert "not a public address" in entry["error"] and entry["response_status"] is None
    assert receiver.seen == []


async def test_redelivery_sends_the_same_message_again(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver, worker: Worker
) -> None:
    hook = await subscribe(client, admin, receiver.url("/ok"))
    await _publish_one(client, admin)
    (first,) = await asyncio.to_thread(receiver.wait_for, 1)

    async def delivered() -> list[dict[str, Any]] | None:
        items = await _log(client, admin, hook)
        return items if items and items[0]["status"] == "delivered" else None

    (entry,) = await wait_until(delivered)
    response = await client.post(
        f"/v1/admin/webhooks/{hook['id']}/deliveries/{entry['id']}/redeliver",
        headers=admin.headers,
    )
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending"
    _, again = await asyncio.to_thread(receiver.wait_for, 2)
    assert again.headers["webhook-id"] == first.headers["webhook-id"]
    assert again.body == first.body
    verified(hook["secret"], again)
    other = "00000000-0000-4000-8000-000000000000"
    problem(
        await client.post(
            f"/v1/admin/webhooks/{hook['id']}/deliveries/{other}/redeliver", headers=admin.headers
        ),
        404,
    )


async def test_a_rotated_secret_signs_alongside_the_old_one(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver, worker: Worker
) -> None:
    hook = await subscribe(client, admin, receiver.url("/ok"))
    response = await client.post(
        f"/v1/admin/webhooks/{hook['id']}/rotate-secret", headers=admin.headers
    )
    assert response.status_code == 200, response.text
    new = response.json()["secret"]
    assert new != hook["secret"] and new.startswith("whsec_")
    await _publish_one(client, admin)
    (got,) = await asyncio.to_thread(receiver.wait_for, 1)
    assert len(got.headers["webhook-signature"].split()) == 2
    assert verified(new, got) == verified(hook["secret"], got)
    shown = (await client.get(f"/v1/admin/webhooks/{hook['id']}", headers=admin.headers)).json()
    assert shown["secret_rotated_at"] is not None and "secret" not in shown


async def test_events_and_languages_filter_what_is_sent(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver, worker: Worker
) -> None:
    hook = await subscribe(
        client, admin, receiver.url("/en"), events=["article.unpublished"], languages=["en"]
    )
    article = await create_article(
        client, admin, translations={"ua": text("Стаття"), "en": text("Story")}
    )
    for lang in ("ua", "en"):
        await publish(client, admin, article["id"], lang)
        response = await client.post(
            f"/v1/admin/articles/{article['id']}/translations/{lang}/unpublish",
            headers=admin.headers,
        )
        assert response.status_code == 200
    (got,) = await asyncio.to_thread(receiver.wait_for, 1)
    event = verified(hook["secret"], got)
    assert (event["type"], event["data"]["language"]) == ("article.unpublished", "en")
    await asyncio.sleep(0.5)
    assert len(receiver.seen) == 1


async def test_only_admins_manage_webhooks(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver
) -> None:
    hook = await subscribe(client, admin, receiver.url("/ok"))
    for role in ("editor", "author", "translator"):
        person = await _person(client, admin, f"{role}@example.com", role, ["en"])
        for method, path in (
            ("GET", "/v1/admin/webhooks"),
            ("POST", "/v1/admin/webhooks"),
            ("GET", f"/v1/admin/webhooks/{hook['id']}"),
            ("PATCH", f"/v1/admin/webhooks/{hook['id']}"),
            ("DELETE", f"/v1/admin/webhooks/{hook['id']}"),
            ("GET", f"/v1/admin/webhooks/{hook['id']}/deliveries"),
            ("POST", f"/v1/admin/webhooks/{hook['id']}/rotate-secret"),
        ):
            body = {"url": "https://example.com/x", "events": ALL} if method == "POST" else None
            response = await client.request(method, path, json=body, headers=person.headers)
            problem(response, 403)
    problem(await client.get("/v1/admin/webhooks"), 401)
    assert (
        await client.get(f"/v1/admin/webhooks/{hook['id']}", headers=admin.headers)
    ).status_code == 200


async def test_bad_subscriptions_are_refused(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver
) -> None:
    url = receiver.url("/ok")
    for body in (
        {"url": url, "events": ["article.exploded"]},
        {"url": url, "events": []},
        {"url": url, "events": ALL, "languages": ["xx"]},
        {"url": url, "events": ALL, "secret": "mine"},
        {"url": url + "\x00", "events": ALL},
        {"url": url, "events": ALL, "enabled": "yes"},
        {"url": url, "events": ALL, "languages": []},
        {"url": "http://hooks.example.com:0/x", "events": ALL},
        {"url": "http://hooks.example.com:99999/x", "events": ALL},
    ):
        problem(await client.post("/v1/admin/webhooks", json=body, headers=admin.headers), 422)
    hook = await subscribe(client, admin, url)
    path = f"/v1/admin/webhooks/{hook['id']}"
    patches: list[dict[str, Any]] = [
        {"key_check": "x"},
        {"events": []},
        {"url": "ftp://x.example/"},
    ]
    for patch in patches:
        problem(await client.patch(path, json=patch, headers=admin.headers), 422)
    # null leaves a field as it is (but languages: null is every language).
    response = await client.patch(
        path, json={"url": None, "events": None, "enabled": None, "languages": None},
        headers=admin.headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert {k: response.json()[k] for k in ("url", "events", "enabled", "languages")} == {
        "url": url, "events": ALL, "enabled": True, "languages": None,
    }  # fmt: skip
    response = await client.delete(f"/v1/admin/webhooks/{hook['id']}", headers=admin.headers)
    assert response.status_code == 204
    problem(await client.get(f"/v1/admin/webhooks/{hook['id']}", headers=admin.headers), 404)


async def test_the_secret_is_stored_nowhere(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver, app: FastAPI
) -> None:
    headers = {**admin.headers, "Idempotency-Key": "hook-1"}
    body = {"url": receiver.url("/ok"), "events": ALL}
    response = await client.post("/v1/admin/webhooks", json=body, headers=headers)
    assert response.status_code == 201
    secret = response.json()["secret"]
    replay = await client.post("/v1/admin/webhooks", json=body, headers=headers)
    assert replay.status_code == 409 and secret not in replay.text
    raw = secret.removeprefix("whsec_")
    async with app.state.db.reader() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            for row in (await session.execute(select(*columns))).all() if columns else []:
                for value in row:
                    assert raw[:16] not in json.dumps(value, default=str), table.name


@pytest.mark.settings(secret_key_file=Path("/proc/newsdesk-cannot-write-here"))
async def test_no_usable_server_key_is_a_clear_503(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver
) -> None:
    response = await client.post(
        "/v1/admin/webhooks",
        json={"url": receiver.url("/ok"), "events": ALL},
        headers=admin.headers,
    )
    body = problem(response, 503)
    assert "NEWSDESK_SECRET_KEY" in body["detail"]
    assert (await client.get("/v1/admin/webhooks", headers=admin.headers)).json()["items"] == []


async def test_a_value_named_twice_counts_once(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver
) -> None:
    hook = await subscribe(
        client, admin, receiver.url("/ok"),
        events=["article.published", "article.published"], languages=["en", "ua", "en"],
    )  # fmt: skip
    assert hook["events"] == ["article.published"] and hook["languages"] == ["en", "ua"]


async def test_a_receiver_that_is_down_is_not_hammered_and_gets_events_in_order(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver, app: FastAPI
) -> None:
    hook = await subscribe(client, admin, receiver.url("/fail"))
    for n in range(5):
        await _publish_one(client, admin, f"Story {n}")
    worker = Worker(app.state.settings, app.state.db)
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.to_thread(receiver.wait_for, 3)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    # Only the oldest event was tried, again and again; the four behind it waited.
    assert len({r.headers["webhook-id"] for r in receiver.seen}) == 1
    assert json.loads(receiver.seen[0].body)["data"]["slug"] == "story-0"
    log = await _log(client, admin, hook)
    assert sorted(d["attempts"] for d in log)[:4] == [0, 0, 0, 0]


@pytest.mark.postgres_only  # the job's lock is a PostgreSQL connection's
async def test_a_worker_stopped_while_connecting_for_the_job_leaves_nothing_behind(
    settings: Settings,
) -> None:
    """A worker stopped while it connects for the job (an app stopped as it starts) lets
    the connection be made, then closes it. asyncpg cancelled between the socket's
    connection and its first answer left a future nobody read, which Python printed at
    exit: "Future exception was never retrieved ... unexpected connection_lost() call".
    The stop lands after each number of the loop's turns in turn, so one lands there (the
    fifth or sixth turn here)."""
    db = Database(settings.database_url)
    loop = asyncio.get_running_loop()
    unhandled: list[tuple[int, Any]] = []
    handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: unhandled.append((turns, context)))
    try:
        for turns in range(40):
            task = asyncio.create_task(Worker(settings, db).run())
            for _ in range(turns):
                await asyncio.sleep(0)
            task.cancel()
            await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 10)
            assert task.cancelled()
        gc.collect()  # an unread future is reported when it is collected
        assert unhandled == []
        # Nothing left open: the job is free again, and taken by the next worker.
        runner = Worker(settings, db)
        assert await runner.lock.hold()
        await runner.lock.release()
    finally:
        loop.set_exception_handler(handler)
        await db.dispose()
