"""HTTP caching of public GETs: strong ETags, 304s, Cache-Control, Surrogate-Key, and the
in-process response cache that answers repeats before the framework."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.cache.cache import ResponseCache
from app.config import Settings
from tests.builders import create_media, create_term, published_article
from tests.conftest import Credential, _reset, make_key, running_app

DEFAULT_CACHE_CONTROL = "public, max-age=30, stale-while-revalidate=300"


def _cache(app: FastAPI) -> ResponseCache:
    cache: ResponseCache | None = app.state.response_cache
    assert cache is not None, "the response cache is on by default"
    return cache


async def _public_urls(client: httpx.AsyncClient, admin: Credential) -> list[str]:
    tag = await create_term(client, admin, "tags", ua="Метро")
    await published_article(client, admin, "Київ відновлює рух метро", tag_ids=[tag["id"]])
    slug = (await client.get("/v1/ua/articles")).json()["items"][0]["slug"]
    return [
        "/v1/languages",
        "/v1/ua/articles",
        "/v1/ua/articles?limit=5",
        "/v1/ua/articles?q=метро",
        f"/v1/ua/articles/{slug}",
        "/v1/ua/tags",
        f"/v1/ua/tags/{tag['translations']['ua']['slug']}",
        "/v1/ua/categories",
        "/v1/ua/authors",
        "/v1/ua/feed.rss",
        "/v1/ua/feed.atom",
        "/v1/ua/feed.json",
        "/v1/sitemap.xml",
        "/v1/sitemaps/1.xml",
        "/v1/news-sitemap.xml",
    ]


async def test_every_public_get_has_a_strong_etag_and_answers_304(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    for url in await _public_urls(client, admin):
        first = await client.get(url)
        assert first.status_code == 200, (url, first.text)
        etag = first.headers["etag"]
        assert etag.startswith('"') and not etag.startswith("W/"), url
        assert first.headers["cache-control"] == DEFAULT_CACHE_CONTROL, url
        assert first.headers["surrogate-key"], url

        again = await client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == DEFAULT_CACHE_CONTROL
        assert "content-type" not in again.headers

        for inm in (f"W/{etag}", f'"other", {etag}', "*"):
            matched = await client.get(url, headers={"If-None-Match": inm})
            assert matched.status_code == 304, (url, inm)
        stale = await client.get(url, headers={"If-None-Match": '"stale"'})
        assert stale.status_code == 200 and stale.content == first.content

        head = await client.head(url, headers={"If-None-Match": etag})
        assert head.status_code == 304, url
        head = await client.head(url)
        assert head.status_code == 200 and head.headers["etag"] == etag and head.content == b""


@pytest.mark.usefixtures("steady_lease")
async def test_repeats_are_answered_from_the_cache(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    urls = await _public_urls(client, admin)
    cache = _cache(app)
    firsts = {url: await client.get(url) for url in urls}
    hits = cache.store.hits
    for url in urls:
        again = await client.get(url)
        assert again.status_code == 200
        assert again.content == firsts[url].content, url
        assert again.headers["etag"] == firsts[url].headers["etag"]
        assert again.headers["content-type"] == firsts[url].headers["content-type"]
        assert again.headers["x-request-id"] != firsts[url].headers["x-request-id"]
    assert cache.store.hits == hits + len(urls)
    # The order of query parameters does not matter.
    a = await client.get("/v1/ua/articles?limit=5&q=метро")
    b = await client.get("/v1/ua/articles?q=метро&limit=5")
    assert a.content == b.content and cache.store.hits == hits + len(urls) + 1


async def test_errors_previews_and_the_management_api_are_never_public_or_stored(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    cache = _cache(app)
    for url in ("/v1/ua/articles/no-such-story", "/v1/xx/articles", "/v1/ua/articles?limit=0"):
        response = await client.get(url)
        assert response.status_code in (404, 422)
        assert "public" not in response.headers.get("cache-control", "")
        assert "etag" not in response.headers
    article = await published_article(client, admin, "Стаття")
    admin_read = await client.get(f"/v1/admin/articles/{article['id']}", headers=admin.headers)
    assert "public" not in admin_read.headers.get("cache-control", "")
    link = await client.post(
        f"/v1/admin/articles/{article['id']}/translations/ua/preview", headers=admin.headers
    )
    preview = await client.get(link.headers["location"])
    assert preview.status_code == 200
    assert preview.headers["cache-control"] == "private, no-store"
    assert "etag" not in preview.headers
    assert len(cache.store) == 0


async def test_surrogate_keys_name_what_a_page_shows(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    tag = await create_term(client, admin, "tags", ua="НАТО")
    category = await create_term(client, admin, "categories", ua="Світ")
    author = await create_term(client, admin, "authors", ua="Олена Коваленко")
    cover = await create_media(client, admin)
    article = await published_article(
        client, admin, "Саміт НАТО", tag_ids=[tag["id"]], category_id=category["id"],
        author_ids=[author["id"]], cover_media_id=cover["id"],
    )  # fmt: skip
    slug = (await client.get("/v1/ua/articles")).json()["items"][0]["slug"]
    page = (await client.get(f"/v1/ua/articles/{slug}")).headers["surrogate-key"].split()
    shown = {
        f"article-{article['id']}", f"article-{article['id']}-ua", f"tag-{tag['id']}",
        f"category-{category['id']}", f"author-{author['id']}", f"media-{cover['id']}",
    }  # fmt: skip
    assert set(page) == shown
    listing = (await client.get("/v1/ua/articles")).headers["surrogate-key"].split()
    assert {"lists", "list-ua", *shown} - {f"article-{article['id']}-ua"} == set(listing)
    assert (await client.get("/v1/sitemap.xml")).headers["surrogate-key"] == "sitemap"


@asynccontextmanager
async def _app_with(
    settings: Settings, languages: list[dict[str, Any]], **changes: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, Credential]]:
    async with running_app(settings, **changes) as (application, client):
        await _reset(application, languages)
        yield application, client, await make_key(application)


async def test_with_the_cache_off_nothing_is_stored_but_etags_still_work(
    settings: Settings, seeded_languages: list[dict[str, Any]]
) -> None:
    async with _app_with(settings, seeded_languages, cache="off") as (app, client, admin):
        assert app.state.response_cache is None
        await published_article(client, admin, "Стаття")
        first = await client.get("/v1/ua/articles")
        etag = first.headers["etag"]
        again = await client.get("/v1/ua/articles", headers={"If-None-Match": etag})
        assert again.status_code == 304
        await published_article(client, admin, "Друга стаття")
        second = await client.get("/v1/ua/articles")
        assert len(second.json()["items"]) == 2 and second.headers["etag"] != etag


async def test_the_cache_stays_within_its_memory_bound(
    settings: Settings, seeded_languages: list[dict[str, Any]]
) -> None:
    async with _app_with(settings, seeded_languages, cache_max_bytes=20_000) as (
        app, client, admin,
    ):  # fmt: skip
        await published_article(client, admin, "Стаття")
        for limit in range(1, 60):
            assert (await client.get(f"/v1/ua/articles?limit={limit}")).status_code == 200
        cache = _cache(app)
        assert 0 < cache.store.bytes <= 20_000
        assert 0 < len(cache.store) < 59


async def test_an_overlong_if_none_match_is_refused(client: httpx.AsyncClient) -> None:
    # Found by schemathesis: the contract bounds the header, so the API refuses past it.
    response = await client.get("/v1/languages", headers={"If-None-Match": "0" * 2001})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    ok = await client.get("/v1/languages", headers={"If-None-Match": '"x"' * 600})
    assert ok.status_code == 200
