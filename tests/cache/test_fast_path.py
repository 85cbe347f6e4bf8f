"""Cached public GETs answered at the outermost point (`app.cache.fast`): the same answers
as the long way through every layer, byte for byte and header for header, counted,
logged and rate-limited as before."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.ops.logs import RequestLog
from app.ops.observe import ObserveMiddleware
from tests.builders import published_article
from tests.conftest import _reset, make_key, running_app
from tests.test_metrics import parse, requests

# One worker counts what its cache answered: a late heartbeat must not empty it.
pytestmark = pytest.mark.usefixtures("steady_lease")

SITE = "https://site.example"
ARTICLE = "/v1/{lang}/articles/{slug}"
# A declared body, even empty, is the body limit's to judge: such a GET goes the long way.
LONG_WAY = {"Content-Length": "0"}


async def _fresh(app: FastAPI) -> None:
    """Until the invalidation bus vouches for the cache (a loaded machine can be late)."""
    for _ in range(200):
        if app.state.response_cache.bus.fresh():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the cache's bus never became fresh")


@asynccontextmanager
async def _site(
    settings: Settings, languages: list[dict[str, Any]], **changes: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, list[str]]]:
    """An app with CORS for SITE, an article, and its public URLs in the cache."""
    async with running_app(settings, **{"cors_origins": [SITE], **changes}) as (app, client):
        await _reset(app, languages)
        admin = await make_key(app)
        await published_article(client, admin, "Швидка відповідь")
        slug = (await client.get("/v1/ua/articles")).json()["items"][0]["slug"]
        urls = [f"/v1/ua/articles/{slug}", "/v1/ua/articles?limit=5", "/v1/languages"]
        await _fresh(app)
        for url in urls:
            assert (await client.get(url)).status_code == 200
        yield app, client, urls


@pytest.fixture
def observed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the requests that reached the observing layer (the long way)."""
    paths: list[str] = []
    original = ObserveMiddleware.__call__

    async def observe(self: ObserveMiddleware, scope: Any, receive: Any, send: Any) -> None:
        paths.append(scope["path"])
        await original(self, scope, receive, send)

    monkeypatch.setattr(ObserveMiddleware, "__call__", observe)
    return paths


@pytest.mark.parametrize("cors_origins", [[SITE], ["*"]], ids=["listed", "wildcard"])
async def test_the_fast_path_answers_as_the_long_way(
    settings: Settings,
    seeded_languages: list[dict[str, Any]],
    observed: list[str],
    cors_origins: list[str],
) -> None:
    async with _site(settings, seeded_languages, cors_origins=cors_origins) as (_, client, urls):
        for url in urls:
            etag = (await client.get(url)).headers["etag"]
            for method in ("GET", "HEAD"):
                for origin in (None, SITE, "https://elsewhere.example"):
                    for validator in (None, etag, '"other"'):
                        headers = {"X-Request-ID": "same-id"}
                        if origin is not None:
                            headers["Origin"] = origin
                        if validator is not None:
                            headers["If-None-Match"] = validator
                        observed.clear()
                        fast = await client.request(method, url, headers=headers)
                        assert observed == [], (url, "not answered by the fast path")
                        slow = await client.request(method, url, headers=headers | LONG_WAY)
                        assert observed == [url.partition("?")[0]]
                        case = (url, method, origin, validator)
                        assert fast.status_code == slow.status_code, case
                        assert fast.headers.raw == slow.headers.raw, case
                        assert fast.content == slow.content, case


async def test_a_304_carries_what_it_must(
    settings: Settings, seeded_languages: list[dict[str, Any]], observed: list[str]
) -> None:
    async with _site(settings, seeded_languages) as (_, client, urls):
        observed.clear()
        page = await client.get(urls[0])
        for method in ("GET", "HEAD"):
            answer = await client.request(
                method, urls[0], headers={"If-None-Match": page.headers["etag"], "Origin": SITE}
            )
            assert answer.status_code == 304 and answer.content == b""
            for name in ("etag", "cache-control", "surrogate-key"):
                assert answer.headers[name] == page.headers[name], name
            assert answer.headers["vary"] == "Origin"
            assert answer.headers["access-control-allow-origin"] == SITE
            assert answer.headers["access-control-allow-credentials"] == "true"
            assert "ETag" in answer.headers["access-control-expose-headers"]
            assert len(answer.headers["x-request-id"]) == 32
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.headers["x-frame-options"] == "DENY"
            assert answer.headers["referrer-policy"] == "no-referrer"
            assert "content-type" not in answer.headers
            assert "content-length" not in answer.headers
        assert observed == []


async def test_a_cached_answer_for_an_origin_and_its_head(
    settings: Settings, seeded_languages: list[dict[str, Any]], observed: list[str]
) -> None:
    async with _site(settings, seeded_languages) as (_, client, urls):
        observed.clear()
        plain = await client.get(urls[0])
        assert plain.headers["vary"] == "Origin"
        assert "access-control-allow-origin" not in plain.headers
        cors = await client.get(urls[0], headers={"Origin": SITE, "X-Request-ID": "mine"})
        assert cors.status_code == 200 and cors.content == plain.content
        assert cors.headers["access-control-allow-origin"] == SITE
        assert cors.headers["x-request-id"] == "mine"
        stranger = await client.get(urls[0], headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in stranger.headers
        head = await client.head(urls[0])
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(plain.content))
        assert head.headers["etag"] == plain.headers["etag"]
        assert observed == []


async def test_it_is_counted_and_logged_with_its_route(
    settings: Settings,
    seeded_languages: list[dict[str, Any]],
    observed: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines: list[tuple[str, str, str, int]] = []
    original = RequestLog.request

    def request(self: RequestLog, state: dict[str, Any], method: str, route: str, status: int,
                seconds: float) -> None:  # fmt: skip
        lines.append((state["request_id"], method, route, status))
        original(self, state, method, route, status, seconds)

    monkeypatch.setattr(RequestLog, "request", request)
    changes = {"metrics_public": True, "access_log": True, "log_level": "info"}
    async with _site(settings, seeded_languages, **changes) as (_, client, urls):
        etag = (await client.get(urls[0])).headers["etag"]
        before = parse((await client.get("/metrics")).text)
        lines.clear()
        observed.clear()
        await client.get(urls[0], headers={"X-Request-ID": "counted-1"})
        await client.get(urls[0], headers={"X-Request-ID": "counted-2", "If-None-Match": etag})
        await client.head(urls[0], headers={"X-Request-ID": "counted-3"})
        after = parse((await client.get("/metrics")).text)
        assert observed == ["/metrics"]  # the scrape; the three reads took the fast path
    assert lines[:3] == [
        ("counted-1", "GET", ARTICLE, 200),
        ("counted-2", "GET", ARTICLE, 304),
        ("counted-3", "HEAD", ARTICLE, 200),
    ]
    for method, status in (("GET", "200"), ("GET", "304"), ("HEAD", "200")):
        grew = requests(after, ARTICLE, method, status) - requests(before, ARTICLE, method, status)
        assert grew == 1, (method, status)


async def test_cached_reads_are_still_rate_limited_and_counted_once(
    settings: Settings, seeded_languages: list[dict[str, Any]]
) -> None:
    async with running_app(settings, rate_limit_public="3/minute") as (app, client):
        await _reset(app, seeded_languages)
        await _fresh(app)
        statuses = [(await client.get("/v1/languages")).status_code for _ in range(5)]
        # A miss (the long way) and two hits (the fast path) each count once.
        assert statuses == [200, 200, 200, 429, 429]
        refused = await client.get("/v1/languages", headers={"Origin": "https://a.example"})
        assert refused.headers["retry-after"]
        assert refused.headers["vary"] == "Origin"
        assert refused.headers["x-content-type-options"] == "nosniff"


async def test_what_the_layers_refuse_is_still_refused(
    settings: Settings, seeded_languages: list[dict[str, Any]]
) -> None:
    async with _site(settings, seeded_languages) as (_, client, urls):
        declared = str(settings.max_body_bytes + 1)
        too_big = await client.get(urls[0], headers={"Content-Length": declared})
        assert too_big.status_code == 413
        too_long = await client.get(urls[0], headers={"If-None-Match": '"x"' * 700})
        assert too_long.status_code == 422
        assert (await client.get(urls[0])).status_code == 200
