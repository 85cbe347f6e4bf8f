"""The change feed (issue 17, item 4): every change of public content, in commit order,
as `upsert`/`delete`, from a cursor that is always given; drafts never appear."""

from typing import Any

import httpx
import pytest

from tests.builders import create_article, create_term, problem, publish, put_translation, text
from tests.conftest import Credential

pytestmark = pytest.mark.anyio


async def _feed(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/v1/changes", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["next_cursor"]
    assert response.headers["link"].endswith('rel="next"')
    return body


async def _all(
    client: httpx.AsyncClient, cursor: str | None = None, **params: Any
) -> tuple[list[dict[str, Any]], str]:
    items: list[dict[str, Any]] = []
    while True:
        body = await _feed(client, **params, **({"cursor": cursor} if cursor else {}))
        items += body["items"]
        if cursor == body["next_cursor"] or not body["items"]:
            return items, body["next_cursor"]
        cursor = body["next_cursor"]


def _events(items: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(i["event"], i["article_id"], i["language"]) for i in items]


async def test_publish_edit_unpublish_archive_delete_in_order(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    start = await _feed(client)
    assert start["items"] == []
    article = await create_article(
        client, admin, translations={"ua": text("Стаття"), "en": text("Story")}
    )
    ident = article["id"]
    draft_only, cursor = await _all(client, start["next_cursor"])
    assert draft_only == []  # drafts never appear
    await publish(client, admin, ident, "ua")
    await publish(client, admin, ident, "en")
    await put_translation(client, admin, ident, "en", text("Story, edited"))
    await put_translation(client, admin, ident, "ua", text("Стаття, нова"))
    response = await client.post(
        f"/v1/admin/articles/{ident}/translations/en/unpublish", headers=admin.headers
    )
    assert response.status_code == 200, response.text
    response = await client.post(
        f"/v1/admin/articles/{ident}/translations/ua/archive", headers=admin.headers
    )
    assert response.status_code == 200, response.text
    items, cursor = await _all(client, cursor)
    assert _events(items) == [
        ("article.published", ident, "ua"),
        ("article.published", ident, "en"),
        ("article.updated", ident, "en"),
        ("article.updated", ident, "ua"),
        ("article.unpublished", ident, "en"),
        ("article.archived", ident, "ua"),
    ]
    assert [i["type"] for i in items] == ["upsert"] * 4 + ["delete"] * 2
    first = items[0]
    assert first["path"] == f"/v1/ua/articles/{first['slug']}"
    assert first["url"].endswith(f"/ua/{first['slug']}")
    # Nothing more, and the cursor stays put on an empty page.
    again = await _feed(client, cursor=cursor)
    assert again == {"items": [], "next_cursor": cursor}


async def test_a_deleted_article_and_a_renamed_tag(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    tag = await create_term(client, admin, "tags", ua="НАТО", en="NATO")
    article = await create_article(
        client, admin, translations={"ua": text("Саміт"), "en": text("Summit")},
        tag_ids=[tag["id"]],
    )  # fmt: skip
    await publish(client, admin, article["id"], "ua")
    _, cursor = await _all(client)
    # A tag's English name shows on English pages only; the article is public in Ukrainian.
    response = await client.patch(
        f"/v1/admin/tags/{tag['id']}",
        json={"translations": {"en": {"name": "North Atlantic"}}},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    assert (await _all(client, cursor))[0] == []
    response = await client.patch(
        f"/v1/admin/tags/{tag['id']}",
        json={"translations": {"ua": {"name": "Альянс"}}},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    items, cursor = await _all(client, cursor)
    assert _events(items) == [("article.updated", article["id"], "ua")]
    path = f"/v1/admin/articles/{article['id']}"
    etag = (await client.get(path, headers=admin.headers)).headers["etag"]
    response = await client.delete(path, headers={**admin.headers, "If-Match": etag})
    assert response.status_code == 204, response.text
    items, _ = await _all(client, cursor)
    assert _events(items) == [("article.deleted", article["id"], "ua")]
    assert items[0]["type"] == "delete"


async def test_language_filter_pages_and_bad_input(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    for n in range(3):
        article = await create_article(
            client, admin, translations={"ua": text(f"Стаття {n}"), "en": text(f"Story {n}")}
        )
        await publish(client, admin, article["id"], "ua")
        await publish(client, admin, article["id"], "en")
    english, _ = await _all(client, language="en", limit=2)
    assert [i["language"] for i in english] == ["en"] * 3
    page = await _feed(client, limit=2)
    assert len(page["items"]) == 2
    rest, _ = await _all(client, page["next_cursor"], limit=2)
    assert len(rest) == 4
    # Unknown or bad values are refused, not ignored.
    problem(await client.get("/v1/changes", params={"cursor": "nonsense"}), 422)
    problem(await client.get("/v1/changes", params={"language": "xx"}), 422)
    problem(await client.get("/v1/changes", params={"limit": 0}), 422)
    problem(await client.get("/v1/changes", params={"since": "1"}), 422)


async def test_the_last_page_is_revalidated_and_a_full_one_is_kept(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    last = await client.get("/v1/changes")
    assert last.headers["cache-control"] == "public, no-cache"
    assert last.headers["surrogate-key"] == "changes"
    same = await client.get("/v1/changes", headers={"If-None-Match": last.headers["etag"]})
    assert same.status_code == 304
    article = await create_article(client, admin, original="en", translations={"en": text("A")})
    await publish(client, admin, article["id"], "en")
    # The response cache stored no last page: the change shows at once.
    grown = await client.get("/v1/changes", headers={"If-None-Match": last.headers["etag"]})
    assert grown.status_code == 200 and len(grown.json()["items"]) == 1
    full = await client.get("/v1/changes", params={"limit": 1})
    assert full.headers["cache-control"] == "public, max-age=86400, immutable"


async def test_a_new_slug_says_the_old_path(client: httpx.AsyncClient, admin: Credential) -> None:
    article = await create_article(client, admin, original="en", translations={"en": text("Old")})
    await publish(client, admin, article["id"], "en")
    _, cursor = await _all(client)
    await put_translation(client, admin, article["id"], "en", {**text("Old"), "slug": "new-one"})
    await put_translation(client, admin, article["id"], "en", {**text("Old!"), "slug": "new-one"})
    (moved, edited), _ = await _all(client, cursor)
    assert (moved["event"], moved["path"], moved["previous_path"]) == (
        "article.updated", "/v1/en/articles/new-one", "/v1/en/articles/old",
    )  # fmt: skip
    assert edited["previous_path"] is None


async def test_a_cursor_ahead_of_the_log_says_start_again(client: httpx.AsyncClient) -> None:
    from app.changes.service import encode

    body = problem(await client.get("/v1/changes", params={"cursor": encode(10**12)}), 410)
    assert body["type"] == "/problems/cursor-ahead"
