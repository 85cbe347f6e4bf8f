"""Cursors: a position the API did not write is a 422, wherever it is read.

A cursor holds a time; one with an offset (`9999-12-31T23:59:59-23:59`) left the years
1-9999 when converted to UTC for the database: a 500 on both databases, in the hot lane
and the routes (issue 13, item 4). The API writes positions in UTC, so any other offset
is refused. Positions in the years before 1000 page correctly on SQLite's hot lane too.
"""

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.builders import create_article, create_term, problem, publish, text
from tests.conftest import Credential

_ID = uuid.uuid5(uuid.NAMESPACE_URL, "cursor-test").hex  # fixed: the same in every xdist worker


def raw_cursor(*position: Any) -> str:
    """A cursor as the API encodes one, holding whatever position it is given."""
    raw = json.dumps(list(position), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


OFFSET_TIMES = [
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "2026-01-01T00:00:00+02:00",
]


async def _newsroom(client: httpx.AsyncClient, admin: Credential) -> str:
    tag = await create_term(client, admin, "tags", ua="Політика")
    for title in ("Стаття перша", "Стаття друга"):
        article = await create_article(
            client, admin, translations={"ua": text(title)}, tag_ids=[tag["id"]]
        )
        await publish(client, admin, article["id"], "ua")
    return str(tag["translations"]["ua"]["slug"])


@pytest.mark.parametrize("at", OFFSET_TIMES)
async def test_cursors_with_an_offset_are_422_everywhere(
    client: httpx.AsyncClient, admin: Credential, at: str
) -> None:
    tag = await _newsroom(client, admin)
    plain, ranked = raw_cursor(at, _ID), raw_cursor(at, _ID, 1)
    for path, params, headers in [
        ("/v1/ua/articles", {"cursor": plain}, {}),  # the hot lane's shape
        ("/v1/ua/articles", {"cursor": plain, "limit": "1"}, {}),
        ("/v1/ua/articles", {"cursor": plain, "tag": tag}, {}),
        ("/v1/ua/articles", {"cursor": ranked, "q": "стаття"}, {}),
        ("/v1/admin/articles", {"cursor": plain}, admin.headers),
        ("/v1/admin/articles", {"cursor": plain, "q": "стаття"}, admin.headers),
    ]:
        r = await client.get(path, params=params, headers=headers)
        assert problem(r, 422)["errors"][0]["loc"] == ["query", "cursor"], (path, params)


@pytest.mark.parametrize(
    ("at", "found"),
    [("0001-01-01T00:00:00+00:00", 0), ("9999-12-31T23:59:59.999999+00:00", 2)],
)
async def test_utc_cursors_at_the_ends_of_time_answer(
    client: httpx.AsyncClient, admin: Credential, at: str, found: int
) -> None:
    tag = await _newsroom(client, admin)
    for params in ({"cursor": raw_cursor(at, _ID)}, {"cursor": raw_cursor(at, _ID), "tag": tag}):
        r = await client.get("/v1/ua/articles", params=params)
        assert r.status_code == 200, r.text
        assert len(r.json()["items"]) == found
    r = await client.get(
        "/v1/ua/articles", params={"cursor": raw_cursor(at, _ID, 0), "q": "стаття"}
    )
    assert r.status_code == 200, r.text
    assert len(r.json()["items"]) == found


@pytest.mark.parametrize(
    "token",
    [raw_cursor("2026-01-01T00:00:00", _ID), raw_cursor(None, _ID), raw_cursor("ʼ", _ID),
     "\x00", "ʼ", "%", "a" * 200, raw_cursor("2026-01-01T00:00:00Z", "\x00")],
)  # fmt: skip
async def test_malformed_cursors_are_422(client: httpx.AsyncClient, token: str) -> None:
    for params in ({"cursor": token}, {"cursor": token, "q": "стаття"}):
        problem(await client.get("/v1/ua/articles", params=params), 422)


async def test_pages_before_the_year_1000_follow_each_other(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    # SQLite keeps times as text with four-digit years; the hot lane wrote the year 500 as
    # `500`, so its next page after an article of the year 500 started with that article.
    ids = []
    for year in (500, 400, 300):
        article = await create_article(client, admin, translations={"ua": text(f"Рік {year}")})
        await publish(client, admin, article["id"], "ua", at=datetime(year, 6, 1, tzinfo=UTC))
        ids.append(article["id"])
    seen: list[str] = []
    params = {"limit": "1"}
    for _ in range(4):
        page = (await client.get("/v1/ua/articles", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params = {"limit": "1", "cursor": page["next_cursor"]}
    assert seen == ids
