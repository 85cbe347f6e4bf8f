"""Webhooks end to end (issue 17, item 2): a subscription through the API, the worker
beside the app, a real receiver; every delivery verified with `standardwebhooks`."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook as Verifier

from app.models import ContentChange, WorkerPosition
from app.webhooks.worker import POSITION, Worker
from tests.builders import create_article, publish, put_translation
from tests.builders import text as body_text
from tests.conftest import Credential
from tests.webhooks.conftest import wait_until
from tests.webhooks.receiver import Received, Receiver

pytestmark = pytest.mark.anyio
ALL = [
    "article.published",
    "article.updated",
    "article.unpublished",
    "article.archived",
    "article.deleted",
]


async def subscribe(
    client: httpx.AsyncClient, admin: Credential, url: str, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/admin/webhooks", json={"url": url, "events": ALL, **fields}, headers=admin.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["secret"].startswith("whsec_")
    return body


def verified(secret: str, received: Received) -> dict[str, Any]:
    """The body, once its signature checks out with the subscriber's library."""
    payload: dict[str, Any] = Verifier(secret).verify(received.body, received.headers)
    return payload


async def _transition(
    client: httpx.AsyncClient, admin: Credential, ident: str, lang: str, action: str
) -> None:
    response = await client.post(
        f"/v1/admin/articles/{ident}/translations/{lang}/{action}", headers=admin.headers
    )
    assert response.status_code == 200, response.text


async def test_every_public_change_arrives_signed(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver, worker: Worker,
    app: FastAPI,
) -> None:  # fmt: skip
    hook = await subscribe(client, admin, receiver.url("/ok"))
    one = await create_article(
        client, admin, translations={"en": body_text("Story")}, original="en"
    )
    await publish(client, admin, one["id"], "en")
    await put_translation(client, admin, one["id"], "en", body_text("Story, edited"))
    await _transition(client, admin, one["id"], "en", "unpublish")
    await publish(client, admin, one["id"], "en")
    await _transition(client, admin, one["id"], "en", "archive")
    two = await create_article(client, admin, translations={"en": body_text("Two")}, original="en")
    soon = datetime.now(UTC) + timedelta(seconds=1.5)
    await publish(client, admin, two["id"], "en", at=soon)
    three = await create_article(
        client, admin, translations={"en": body_text("Three")}, original="en"
    )
    await publish(client, admin, three["id"], "en")
    path = f"/v1/admin/articles/{three['id']}"
    etag = (await client.get(path, headers=admin.headers)).headers["etag"]
    response = await client.delete(path, headers={**admin.headers, "If-Match": etag})
    assert response.status_code == 204, response.text
    got = await asyncio.to_thread(receiver.wait_for, 8)
    events = [verified(hook["secret"], r) for r in got]
    ids = {one["id"]: "one", two["id"]: "two", three["id"]: "three"}
    sequences: dict[str, list[str]] = {"one": [], "two": [], "three": []}
    for event in events:
        sequences[ids[event["data"]["article_id"]]].append(event["type"])
    assert sequences == {
        "one": [
            "article.published",
            "article.updated",
            "article.unpublished",
            "article.published",
            "article.archived",
        ],
        "two": ["article.published"],  # at its time, with no request
        "three": ["article.published", "article.deleted"],
    }
    scheduled = next(e for e in events if e["data"]["article_id"] == two["id"])
    assert scheduled["timestamp"].startswith(soon.strftime("%Y-%m-%dT%H:%M:%S"))
    arrived = next(r.at for r in got if json.loads(r.body)["data"]["article_id"] == two["id"])
    assert arrived - soon.timestamp() < 5  # within 5 s of its publish_at
    data = events[0]["data"]
    assert set(data) == {"article_id", "language", "slug", "path", "url"}
    assert data["path"] == f"/v1/en/articles/{data['slug']}"
    assert len({r.headers["webhook-id"] for r in got}) == 8

    # The log says each was delivered, with its answer.
    async def settled() -> dict[str, Any] | None:
        url = f"/v1/admin/webhooks/{hook['id']}/deliveries"
        log: dict[str, Any] = (await client.get(url, headers=admin.headers)).json()
        return log if {d["status"] for d in log["items"]} == {"delivered"} else None

    log = await wait_until(settled)
    assert len(log["items"]) == 8
    assert all(d["response_status"] == 200 and d["attempts"] == 1 for d in log["items"])


async def test_a_scheduled_takedown_arrives_at_its_time(
    client: httpx.AsyncClient, admin: Credential, receiver: Receiver, worker: Worker
) -> None:
    hook = await subscribe(client, admin, receiver.url("/ok"))
    article = await create_article(
        client, admin, original="en", translations={"en": body_text("Brief")}
    )
    soon = datetime.now(UTC) + timedelta(seconds=1.5)
    response = await client.post(
        f"/v1/admin/articles/{article['id']}/translations/en/publish",
        json={"expire_at": soon.isoformat()},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    published, expired = await asyncio.to_thread(receiver.wait_for, 2)
    assert verified(hook["secret"], published)["type"] == "article.published"
    event = verified(hook["secret"], expired)
    assert event["type"] == "article.unpublished"
    assert event["timestamp"].startswith(soon.strftime("%Y-%m-%dT%H:%M:%S"))
    assert 0 <= expired.at - soon.timestamp() < 5
    assert (await client.get(f"/v1/en/articles/{event['data']['slug']}")).status_code == 404


async def test_an_idle_worker_looks_for_work_in_one_statement(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    """At each poll with nothing to do, whether a scheduled change is due, whether the
    change log is past the fan-out's position and whether a delivery or a CDN purge is due
    is one statement: five statements in four sessions before (about 1 ms of CPU each
    session, 2% of a core for an idle worker on either database, and on PostgreSQL some
    40 round trips a second). Work found by it is still done: a scheduled version is
    recorded, and its change fanned out, each step going straight to its write
    transaction: the look has made the checks they made first in a session of their own."""
    statements: list[str] = []
    steps: list[str] = []  # the statements of the worker's record_and_fan_out
    others: list[str] = []  # those of its sending and purging loops

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "content_changes" in statement or "public_state" in statement:
            statements.append(statement)
        task = asyncio.current_task()
        name = "" if task is None else getattr(task.get_coro(), "__qualname__", "")
        if "record_and_fan_out" in name:
            steps.append(" ".join(statement.split()))
        elif "send_due" in name or "purge_due" in name:
            others.append(statement)

    engine = app.state.db.engine.sync_engine
    # A purge URL: the look asks for due purges too (none are recorded by this app).
    settings = app.state.settings.model_copy(
        update={"worker_poll_seconds": 0.15, "purge_url": "http://127.0.0.1:9/purge"}
    )
    runner = Worker(settings, app.state.db)
    sa_event.listen(engine, "before_cursor_execute", seen)
    task = asyncio.create_task(runner.run())
    try:
        # Each loop's first step has run; their own next look is 1.5 s after it.
        await wait_until(
            lambda: {"webhook_deliveries", "cdn_purges"} <= set(" ".join(others).split())
        )
        others.clear()
        await asyncio.sleep(0.75)  # idle: about five polls
        looks = [s for s in statements if "content_changes" in s and "public_state" in s]
        assert len(looks) >= 3, statements
        assert looks == statements, [s for s in statements if s not in looks]
        # ... which also asks whether a delivery or a purge is due: the sending and purging
        # loops, idle, wait to be woken (and look themselves once in ten polls).
        assert all("webhook_deliveries" in s and "cdn_purges" in s for s in looks), looks
        assert others == [], others
        # Work is found: a version scheduled two seconds ahead is recorded at its time (a
        # change of its own), and the fan-out's position moves past it. The change is looked
        # for by its article, not as "the log grew after the publication": on a loaded host
        # the log's top, read after the publication's answer, could already hold it (CI saw
        # that, and waited for a change that had come).
        article = await create_article(client, admin, translations={"ua": body_text("Пізніше")})
        version = await publish(
            client, admin, article["id"], "ua", at=datetime.now(UTC) + timedelta(seconds=2)
        )
        assert version["status"] == "scheduled", version  # not live at its publication

        async def recorded() -> bool:
            change = await _published(app, article["id"])
            return change is not None and change <= (await _log(app))[1]

        await wait_until(recorded)
        looked = [s for s in steps if "content_changes" in s and "public_state" in s]
        # The settling and the fan-out ran (their write transactions' reads), and neither
        # checked in a session of its own first: the log's top is read only in the look,
        # and the schedule only in it and in settling's ordered read under the write lock.
        assert any("ORDER BY public_states.next_at" in s for s in steps), steps
        probe_of = ("max(content_changes.id)", "FROM public_states WHERE public_states.next_at <=")
        probes = [
            s
            for s in steps
            if s not in looked and any(p in s for p in probe_of) and "ORDER BY" not in s
        ]
        assert probes == [], probes
        positions = [s for s in steps if "FROM worker_positions" in s and s not in looked]
        assert len(positions) == 1, positions  # once, locked, in the write transaction
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        sa_event.remove(engine, "before_cursor_execute", seen)


async def _published(app: FastAPI, article_id: str) -> int | None:
    """The id of the article's `article.published` change, if it is recorded."""
    async with app.state.db.reader() as session:
        change: int | None = await session.scalar(
            select(ContentChange.id).where(
                ContentChange.article_id == uuid.UUID(article_id),
                ContentChange.type == "article.published",
            )
        )
    return change


async def _log(app: FastAPI) -> tuple[int, int]:
    """The change log's last id and the fan-out's position."""
    async with app.state.db.reader() as session:
        top = await session.scalar(select(func.max(ContentChange.id))) or 0
        position = await session.scalar(
            select(WorkerPosition.change_id).where(WorkerPosition.name == POSITION)
        )
    return top, position or 0
