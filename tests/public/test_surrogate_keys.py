"""Every public answer a cache may keep names what purges it, and no write slips past.

- Every public GET route (walked from `app.routes`, so a new one is covered the day it is
  added) answers with a `Surrogate-Key` naming what it shows, through the hot lane and
  through the routes alike; the two ways send the same bytes and the same headers.
- A write through the session that bypasses the ORM's flush (a Core `update()`, `delete()`
  or `insert()` on a table public answers read) is refused: it would purge nothing.
"""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import delete, insert, text, update

from app import paths
from app.cache import keys
from app.config import Settings
from app.models import Article, ArticleSource, Tag, Translation
from app.public.hot import HotPathMiddleware
from tests.builders import create_article, create_media, create_term, publish
from tests.builders import text as article_text
from tests.conftest import Credential, running_app

# Public (`app.paths`) but not answered with a cacheable 200: no Surrogate-Key expected.
_NOT_CACHED = {"/v1/{lang}/preview/{token}"}  # a draft: private, no-store


def _public_get_routes(app: FastAPI) -> list[str]:
    """The path of every public GET route that answers 200 (a redirect route, such as
    language negotiation's 307, answers no page)."""
    found = []
    for context in iter_route_contexts(app.routes):
        methods = getattr(context, "methods", None) or set()
        path = context.path
        if path is None or "GET" not in methods or paths.area_of(path) != paths.Area.PUBLIC:
            continue
        if path in _NOT_CACHED or getattr(context.route, "status_code", None) not in (None, 200):
            continue
        found.append(path)
    return found


async def _content(client: httpx.AsyncClient, admin: Credential) -> dict[str, Any]:
    """An article with every kind of term, public in two languages; what each route's
    URL and its expected surrogate key are made of."""
    tag = await create_term(client, admin, "tags", ua="Тег", en="Tag")
    category = await create_term(client, admin, "categories", ua="Світ", en="World")
    author = await create_term(client, admin, "authors", ua="Авторка", en="Author")
    cover = await create_media(client, admin)
    article = await create_article(
        client,
        admin,
        translations={"ua": article_text("Стаття з усім"), "en": article_text("Everything")},
        author_ids=[author["id"]],
        tag_ids=[tag["id"]],
        category_id=category["id"],
        cover_media_id=cover["id"],
        sources=[{"name": "Reuters", "url": "https://www.reuters.com/"}],
    )
    for lang in ("ua", "en"):
        await publish(client, admin, article["id"], lang)
    slugs = {}
    for kind in ("tags", "categories", "authors"):
        slugs[kind] = (await client.get(f"/v1/ua/{kind}")).json()["items"][0]["slug"]
    slugs["articles"] = (await client.get("/v1/ua/articles")).json()["items"][0]["slug"]
    return {
        "article": article["id"],
        "tag": tag["id"],
        "category": category["id"],
        "author": author["id"],
        "media": cover["id"],
        "slugs": slugs,
    }


def _expected(content: dict[str, Any]) -> dict[str, tuple[str, set[str]]]:
    """Per route path: a URL with real data, and keys its answer must carry."""
    slugs, article = content["slugs"], content["article"]
    shown = {
        keys.article(article),
        f"tag-{content['tag']}",
        f"category-{content['category']}",
        f"author-{content['author']}",
        f"media-{content['media']}",
    }
    return {
        "/v1/languages": ("/v1/languages", {"languages"}),
        "/v1/{lang}/tags": ("/v1/ua/tags", {"tags", "list-ua"}),
        "/v1/{lang}/tags/{slug}": (f"/v1/ua/tags/{slugs['tags']}", {f"tag-{content['tag']}"}),
        "/v1/{lang}/categories": ("/v1/ua/categories", {"categories", "list-ua"}),
        "/v1/{lang}/categories/{slug}": (
            f"/v1/ua/categories/{slugs['categories']}",
            {f"category-{content['category']}"},
        ),
        "/v1/{lang}/authors": ("/v1/ua/authors", {"authors", "list-ua"}),
        "/v1/{lang}/authors/{slug}": (
            f"/v1/ua/authors/{slugs['authors']}",
            {f"author-{content['author']}"},
        ),
        "/v1/{lang}/articles": ("/v1/ua/articles", {"list-ua", "lists", *shown}),
        "/v1/{lang}/articles/{slug}": (
            f"/v1/ua/articles/{slugs['articles']}",
            {keys.article(article, "ua"), *shown},
        ),
        "/v1/{lang}/feed.rss": ("/v1/ua/feed.rss", {"list-ua", "lists", *shown}),
        "/v1/{lang}/feed.atom": ("/v1/ua/feed.atom", {"list-ua", "lists", *shown}),
        "/v1/{lang}/feed.json": ("/v1/ua/feed.json", {"list-ua", "lists", *shown}),
        "/v1/sitemap.xml": ("/v1/sitemap.xml", {"sitemap"}),
        "/v1/sitemaps/{page}.xml": ("/v1/sitemaps/1.xml", {"sitemap"}),
        "/v1/news-sitemap.xml": ("/v1/news-sitemap.xml", {"sitemap"}),
        # The change feed: a full page never changes, the last is never stored (no-cache).
        "/v1/changes": ("/v1/changes", {"changes"}),
    }


@pytest.fixture
async def uncached(
    app: FastAPI, settings: Settings
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app again with the response cache off, on the same database: every request
    reaches the lane or the routes."""
    async with running_app(settings, cache="off") as pair:
        yield pair


def _lane_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request passes the hot lane by: the routes answer."""

    async def passes(*_: Any) -> None:
        return None

    monkeypatch.setattr(HotPathMiddleware, "_article", passes)
    monkeypatch.setattr(HotPathMiddleware, "_list", passes)


def _sent(response: httpx.Response) -> dict[str, str]:
    """The headers that are the read's own (not the request id or the date)."""
    wanted = ("content-type", "content-language", "cache-control", "surrogate-key", "link")
    return {name: response.headers[name] for name in wanted if name in response.headers}


async def test_every_public_get_route_names_what_it_shows(
    client: httpx.AsyncClient,
    admin: Credential,
    uncached: tuple[FastAPI, httpx.AsyncClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, plain = uncached
    expected = _expected(await _content(client, admin))
    routes = _public_get_routes(app)
    unknown = set(routes) - set(expected)
    assert not unknown, (
        f"new public GET routes: give each a Surrogate-Key, then list it here: {unknown}"
    )
    assert set(expected) <= set(routes), "a route listed here is gone"
    through_lane = {}
    for path in routes:
        url, wanted = expected[path]
        response = await plain.get(url)
        assert response.status_code == 200, (url, response.text)
        carried = set(response.headers.get("surrogate-key", "").split())
        assert wanted <= carried, (url, carried)
        through_lane[path] = response
    _lane_off(monkeypatch)
    for path in routes:
        url, wanted = expected[path]
        response = await plain.get(url)
        assert response.status_code == 200, (url, response.text)
        assert wanted <= set(response.headers.get("surrogate-key", "").split()), url
        # One read, reached two ways: the same bytes and headers.
        assert response.content == through_lane[path].content, url
        assert _sent(response) == _sent(through_lane[path]), url


async def test_the_lane_and_the_routes_send_the_same_pages(
    client: httpx.AsyncClient,
    admin: Credential,
    uncached: tuple[FastAPI, httpx.AsyncClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = await _content(client, admin)
    extras = []
    for n in range(3):
        extra = await create_article(client, admin, translations={"ua": article_text(f"Ще {n}")})
        await publish(client, admin, extra["id"], "ua")
        extras.append(extra["id"])
    # Related cards (one left out: a draft) and a correction note on the article page.
    draft = await create_article(client, admin, translations={"ua": article_text("Чернетка")})
    path = f"/v1/admin/articles/{content['article']}"
    etag = (await client.get(path, headers=admin.headers)).headers["etag"]
    related = await client.patch(
        path,
        json={"related_ids": [extras[2], draft["id"], extras[0]]},
        headers={**admin.headers, "If-Match": etag},
    )
    assert related.status_code == 200, related.text
    note = {"kind": "correction", "text": "Виправлено дату."}
    noted = await client.post(
        f"{path}/translations/ua/corrections", json=note, headers=admin.headers
    )
    assert noted.status_code == 201, noted.text
    _, plain = uncached
    en_slug = (await plain.get("/v1/en/articles")).json()["items"][0]["slug"]
    urls = [
        f"/v1/ua/articles/{content['slugs']['articles']}",  # with a Link to its alternate
        f"/v1/en/articles/{en_slug}",
        "/v1/ua/articles?limit=2",  # with a Link to the next page
        "/v1/ua/articles?limit=100",
        "/v1/ru/articles",  # empty
    ]
    first = await plain.get("/v1/ua/articles?limit=2")
    urls.append(first.headers["link"][1 : first.headers["link"].index(">")])
    lane = {url: await plain.get(url) for url in urls}
    page = lane[urls[0]]
    assert [card["title"] for card in page.json()["related"]] == ["Ще 2", "Ще 0"]
    assert [c["text"] for c in page.json()["corrections"]] == [note["text"]]
    page_keys = page.headers["surrogate-key"].split()
    assert {keys.article(extras[2]), keys.article(extras[0]), "list-ua"} <= set(page_keys)
    _lane_off(monkeypatch)
    for url in urls:
        routed = await plain.get(url)
        assert routed.status_code == lane[url].status_code == 200, url
        assert routed.content == lane[url].content, url
        assert _sent(routed) == _sent(lane[url]), url
        assert "surrogate-key" in routed.headers, url
    assert "link" in lane[urls[0]].headers and "link" in lane[urls[2]].headers


@pytest.mark.parametrize(
    "statement",
    [
        update(Translation).values(title="Changed behind the ORM's back"),
        update(Article).values(original_language="en"),
        delete(ArticleSource),
        insert(Tag).values(id=uuid.uuid4()),
        text("UPDATE translations SET title = 'x'"),
        text("  delete from article_tags"),
    ],
    ids=[
        "update-translation",
        "update-article",
        "delete-source",
        "insert-tag",
        "text-update",
        "text-delete",
    ],
)
async def test_a_write_that_bypasses_the_orm_on_a_public_table_is_refused(
    app: FastAPI, statement: Any
) -> None:
    async with app.state.db.writer() as session, session.begin():
        with pytest.raises(keys.UnpurgedWrite, match="purge"):
            await session.execute(statement)


async def test_a_write_to_a_column_no_public_answer_shows_passes(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin)
    async with app.state.db.writer() as session, session.begin():
        # The revision counter: no public answer shows it (revisions.record).
        await session.execute(
            update(Article)
            .where(Article.id == uuid.UUID(article["id"]))
            .values(last_revision=Article.last_revision + 1)
            .execution_options(synchronize_session=False)
        )
        await session.execute(text("SELECT 1"))
