"""Related articles: an ordered `related_ids` on the article, shown publicly as the cards of
those public in the page's language, in order, and purged from cached pages when one of
them changes (issue 15, item 8)."""

import uuid
from typing import Any

import httpx
import pytest

from app.cache import keys
from tests.articles.test_permissions import _person
from tests.builders import create_article, problem, publish, published_article, text
from tests.conftest import Credential


def _admin_path(article: dict[str, Any]) -> str:
    return f"/v1/admin/articles/{article['id']}"


async def _page_url(client: httpx.AsyncClient, admin: Credential, article: dict[str, Any]) -> str:
    read = (await client.get(_admin_path(article), headers=admin.headers)).json()
    return f"/v1/ua/articles/{read['translations']['ua']['slug']}"


async def _related(client: httpx.AsyncClient, url: str) -> list[str]:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return [card["title"] for card in response.json()["related"]]


async def _patch(
    client: httpx.AsyncClient, admin: Credential, article: dict[str, Any], body: dict[str, Any]
) -> httpx.Response:
    etag = (await client.get(_admin_path(article), headers=admin.headers)).headers["etag"]
    return await client.patch(
        _admin_path(article), json=body, headers={**admin.headers, "If-Match": etag}
    )


async def test_only_public_related_articles_in_this_language_show_in_order(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    first = await published_article(client, admin, "Перша")
    second = await published_article(client, admin, "Друга")
    draft = await create_article(client, admin, translations={"ua": text("Чернетка")})
    english = await published_article(client, admin, "Only in English", lang="en")
    ids = [second["id"], draft["id"], english["id"], first["id"]]
    article = await published_article(client, admin, "Головна", related_ids=ids)
    assert article["related_ids"] == ids

    url = await _page_url(client, admin, article)
    page = (await client.get(url)).json()
    assert [card["title"] for card in page["related"]] == ["Друга", "Перша"]
    # The same cards as the list's, field for field.
    listed = {item["id"]: item for item in (await client.get("/v1/ua/articles")).json()["items"]}
    assert page["related"] == [listed[second["id"]], listed[first["id"]]]

    # A new order; the draft goes public and shows in its place.
    r = await _patch(client, admin, article, {"related_ids": [first["id"], draft["id"]]})
    assert r.status_code == 200, r.text
    assert r.json()["related_ids"] == [first["id"], draft["id"]]
    assert await _related(client, url) == ["Перша"]
    await publish(client, admin, draft["id"], "ua")
    assert await _related(client, url) == ["Перша", "Чернетка"]
    # An English page of the same article shows the English related one only.
    await client.put(
        f"{_admin_path(article)}/translations/en", json=text("Main"), headers=admin.headers
    )
    await publish(client, admin, article["id"], "en")
    r = await _patch(client, admin, article, {"related_ids": [english["id"], first["id"]]})
    assert r.status_code == 200, r.text
    slug = r.json()["translations"]["en"]["slug"]
    assert await _related(client, f"/v1/en/articles/{slug}") == ["Only in English"]
    assert await _related(client, url) == ["Перша"]


async def test_bad_related_ids_are_422_at_their_index_and_change_nothing(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    other = await published_article(client, admin, "Інша")
    article = await published_article(client, admin, "Головна", related_ids=[other["id"]])
    unknown = str(uuid.uuid4())
    cases: list[tuple[list[Any], list[Any] | None]] = [
        ([other["id"], unknown], ["body", "related_ids", 1]),
        ([other["id"], article["id"]], ["body", "related_ids", 1]),
        ([other["id"], other["id"]], None),
        ([str(uuid.uuid4()) for _ in range(21)], None),
        (["not-an-id"], None),
    ]
    for ids, loc in cases:
        body = problem(await _patch(client, admin, article, {"related_ids": ids}), 422)
        if loc is not None:
            assert [e["loc"] for e in body["errors"]] == [loc], body
    read = (await client.get(_admin_path(article), headers=admin.headers)).json()
    assert read["related_ids"] == [other["id"]]
    assert read["version"] == article["version"]
    # On create too.
    r = await client.post(
        "/v1/admin/articles",
        json={"original_language": "ua", "translations": {"ua": text("Нова")},
              "related_ids": [unknown]},
        headers=admin.headers,
    )  # fmt: skip
    assert [e["loc"] for e in problem(r, 422)["errors"]] == [["body", "related_ids", 0]]


async def test_a_cached_page_follows_its_related_articles(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    shown = await published_article(client, admin, "Показана")
    later = await create_article(client, admin, translations={"ua": text("Пізніша")})
    article = await published_article(
        client, admin, "Головна", related_ids=[shown["id"], later["id"]]
    )
    url = await _page_url(client, admin, article)
    response = await client.get(url)
    assert keys.article(shown["id"]) in response.headers["surrogate-key"].split()
    assert await _related(client, url) == ["Показана"]  # cached from here on

    # Published: a left-out related article appears.
    await publish(client, admin, later["id"], "ua")
    assert await _related(client, url) == ["Показана", "Пізніша"]
    # Retitled: the card follows.
    path = f"{_admin_path(shown)}/translations/ua"
    current = await client.get(path, headers=admin.headers)
    r = await client.put(
        path,
        json={**text("Перейменована"), "slug": current.json()["slug"]},
        headers={**admin.headers, "If-Match": current.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    assert await _related(client, url) == ["Перейменована", "Пізніша"]
    # Unpublished: it goes.
    r = await client.post(f"{path}/unpublish", headers=admin.headers)
    assert r.status_code == 200, r.text
    assert await _related(client, url) == ["Пізніша"]
    # Deleted: it leaves the list it was on.
    etag = (await client.get(_admin_path(later), headers=admin.headers)).headers["etag"]
    r = await client.delete(_admin_path(later), headers={**admin.headers, "If-Match": etag})
    assert r.status_code == 204, r.text
    assert await _related(client, url) == []
    read = (await client.get(_admin_path(article), headers=admin.headers)).json()
    assert read["related_ids"] == [shown["id"]]


@pytest.mark.parametrize("role", ["translator", "author"])
async def test_who_may_change_related_articles(
    client: httpx.AsyncClient, admin: Credential, role: str
) -> None:
    other = await published_article(client, admin, "Інша")
    who = await _person(client, admin, f"{role}@newsroom.example", role, ["ua"])
    created = await client.post(
        "/v1/admin/articles",
        json={"original_language": "ua", "translations": {"ua": text("Чернетка")}},
        headers=(admin if role == "translator" else who).headers,
    )
    assert created.status_code == 201, created.text
    article = created.json()
    etag = created.headers["etag"]
    r = await client.patch(
        _admin_path(article),
        json={"related_ids": [other["id"]]},
        headers={**who.headers, "If-Match": etag},
    )
    if role == "translator":  # never article metadata
        problem(r, 403)
        assert (await client.get(_admin_path(article), headers=admin.headers)).json()[
            "related_ids"
        ] == []
    else:  # an author, on their own article that is not live
        assert r.status_code == 200, r.text
        assert r.json()["related_ids"] == [other["id"]]
