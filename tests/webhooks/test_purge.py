"""CDN purges (issue 17, item 5): with `NEWSDESK_PURGE_URL`, each change's surrogate keys
are POSTed there (batched, with the configured headers), retried until taken; tested
against a real local receiver."""

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import func, select

from app.config import Settings
from app.models import CdnPurge
from app.webhooks.worker import Worker
from tests.builders import create_article, publish, text
from tests.conftest import Credential
from tests.webhooks.conftest import wait_until
from tests.webhooks.receiver import Received, Receiver, receiving

pytestmark = pytest.mark.anyio


@pytest.fixture
def cdn() -> Iterator[Receiver]:
    with receiving() as receiver:
        yield receiver


@pytest.fixture
def purge_path() -> str:
    return "/purge"


@pytest.fixture
def settings(settings: Settings, cdn: Receiver, purge_path: str) -> Settings:
    return settings.model_copy(
        update={
            "purge_url": cdn.url(purge_path),
            "purge_headers": SecretStr('{"Fastly-Key": "fastly-token-1"}'),
        }
    )


def _keys(headers: dict[str, str]) -> set[str]:
    return set(headers["surrogate-key"].split())


async def _pending(app: FastAPI) -> int:
    async with app.state.db.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(CdnPurge)) or 0)


async def test_changes_purge_their_keys_in_one_batch(
    client: httpx.AsyncClient, admin: Credential, cdn: Receiver, app: FastAPI
) -> None:
    ids = []
    for n in range(3):
        article = await create_article(
            client, admin, original="en", translations={"en": text(f"Story {n}")}
        )
        await publish(client, admin, article["id"], "en")
        ids.append(article["id"])
    assert await _pending(app) >= 3  # recorded with the writes, waiting for the worker
    worker = Worker(app.state.settings, app.state.db)
    task = asyncio.create_task(worker.run())
    try:
        (got,) = await asyncio.to_thread(cdn.wait_for, 1)
        keys = _keys(got.headers)
        assert {f"article-{i}" for i in ids} | {"list-en", "sitemap"} <= keys
        assert json.loads(got.body)["surrogate_keys"] == sorted(keys)
        assert got.headers["fastly-key"] == "fastly-token-1"

        async def drained() -> bool:
            return await _pending(app) == 0

        await wait_until(drained)
        await asyncio.sleep(0.3)
        assert len(cdn.seen) == 1  # one POST for the three writes
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_scheduled_publication_purges_at_its_time(
    client: httpx.AsyncClient, admin: Credential, cdn: Receiver, worker: Worker
) -> None:
    article = await create_article(client, admin, original="en", translations={"en": text("Later")})
    soon = datetime.now(UTC) + timedelta(seconds=1.5)
    await publish(client, admin, article["id"], "en", at=soon)
    written = len(await asyncio.to_thread(cdn.wait_for, 1))  # the writes themselves

    def after(moment: float) -> list[Received]:
        return [r for r in cdn.seen if r.at >= moment]

    await wait_until(lambda: after(soon.timestamp()))
    (late,) = after(soon.timestamp())
    assert f"article-{article['id']}-en" in _keys(late.headers)
    assert late.at - soon.timestamp() < 5
    assert written >= 1


@pytest.mark.parametrize("purge_path", ["/fail"])
async def test_a_failing_purge_endpoint_is_retried(
    client: httpx.AsyncClient, admin: Credential, cdn: Receiver, app: FastAPI, worker: Worker
) -> None:
    article = await create_article(client, admin, original="en", translations={"en": text("Story")})
    await publish(client, admin, article["id"], "en")
    tries = await asyncio.to_thread(cdn.wait_for, 3)
    assert all(_keys(t.headers) == _keys(tries[0].headers) for t in tries)
    assert await _pending(app) >= 1  # kept until the CDN takes it

    async def retried() -> list[CdnPurge] | None:
        async with app.state.db.reader() as session:
            rows = list(await session.scalars(select(CdnPurge)))
        return rows if max(row.attempts for row in rows) >= 2 else None

    rows = await wait_until(retried)
    assert {row.error for row in rows} == {"HTTP 500"}
