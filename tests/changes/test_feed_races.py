"""The change feed under concurrent writers (issue 17, item 4): a reader that polls from
its cursor while writers publish, edit and unpublish at once gets every change exactly
once, in the order a full read from the start gives (commit order), on both databases."""

import asyncio
from typing import Any

import httpx
import pytest

from tests.builders import create_article, publish, put_translation, text
from tests.conftest import Credential

pytestmark = pytest.mark.anyio
WRITERS = 6
ROUNDS = 4


async def _writer(client: httpx.AsyncClient, admin: Credential, n: int) -> int:
    """Publish, edit and unpublish articles; how many changes that makes."""
    made = 0
    for round_ in range(ROUNDS):
        article = await create_article(
            client, admin, original="en", translations={"en": text(f"Story {n}-{round_}")}
        )
        await publish(client, admin, article["id"], "en")
        await put_translation(client, admin, article["id"], "en", text(f"Story {n}-{round_}!"))
        made += 2
        if round_ % 2:
            response = await client.post(
                f"/v1/admin/articles/{article['id']}/translations/en/unpublish",
                headers=admin.headers,
            )
            assert response.status_code == 200, response.text
            made += 1
    return made


async def _read_all(
    client: httpx.AsyncClient, cursor: str | None
) -> tuple[list[dict[str, Any]], str]:
    items: list[dict[str, Any]] = []
    while True:
        params: dict[str, Any] = {"limit": 7}
        if cursor is not None:
            params["cursor"] = cursor
        page = (await client.get("/v1/changes", params=params)).json()
        items += page["items"]
        if page["next_cursor"] == cursor:
            return items, cursor or page["next_cursor"]
        cursor = page["next_cursor"]


async def test_a_polling_reader_gets_every_change_once_while_writers_race(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    seen: list[dict[str, Any]] = []
    done = asyncio.Event()

    async def poll() -> None:
        cursor: str | None = None
        while True:
            finished = done.is_set()
            items, cursor = await _read_all(client, cursor)
            seen.extend(items)
            if finished:
                return
            await asyncio.sleep(0.01)

    reader = asyncio.create_task(poll())
    made = await asyncio.gather(*(_writer(client, admin, n) for n in range(WRITERS)))
    done.set()
    await reader
    everything, _ = await _read_all(client, None)
    assert len(everything) == sum(made)
    assert [i["id"] for i in seen] == [i["id"] for i in everything]  # once each, same order
    # Per article, the order of its own changes is the order they were made in.
    for item in everything:
        assert item["event"] in {"article.published", "article.updated", "article.unpublished"}
    by_article: dict[str, list[str]] = {}
    for item in everything:
        by_article.setdefault(item["article_id"], []).append(item["event"])
    assert {tuple(events) for events in by_article.values()} <= {
        ("article.published", "article.updated"),
        ("article.published", "article.updated", "article.unpublished"),
    }
