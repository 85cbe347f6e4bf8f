"""The public reads (`app.public.reads`) read what the ORM builds, and the lane
(`app.public.hot`) leaves to the routes everything the statements do not find.

The article page and the plain list page are one hand-written statement per dialect, run
on the driver; these tests compare every version with what the ORM builds for it (the
preview's fields, the filtered list's query) and check through HTTP that everything the
statement does not find still gets the ordinary answer (301, 308, 404, 410, 422).
"""

import asyncio
import re
import uuid
import weakref
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event, inspect, select
from sqlalchemy import text as sql_text

from app.config import Settings
from app.db import create_engine
from app.kit.pagination import Cursor
from app.models import Translation
from app.public import reads, service
from app.public.reads import SEARCHES_AT_ONCE, CardPage
from tests.builders import (
    create_article,
    create_media,
    create_term,
    problem,
    publish,
    published_article,
    text,
)
from tests.conftest import Credential, running_app
from tests.databases import every_connection


async def _newsroom(client: httpx.AsyncClient, admin: Credential) -> list[dict[str, Any]]:
    """Articles with everything a page shows, in every combination that matters."""
    tags = [
        await create_term(client, admin, "tags", ua=f"Тег {n}", en=f"Tag {n}", ru=f"Тег {n} ру")
        for n in range(3)
    ]
    only_ua_tag = await create_term(client, admin, "tags", ua="Лише український")
    category = await create_term(client, admin, "categories", ua="Світ", en="World")
    authors = [
        await create_term(client, admin, "authors", ua=f"Автор {n}", en=f"Author {n}")
        for n in range(3)
    ]
    cover = await create_media(client, admin)  # no Russian caption: empty in ru
    full = await create_article(
        client,
        admin,
        translations={
            "ua": {**text("Повна стаття", "Лід", "<p>Текст</p>"), "seo_title": "SEO"},
            "en": text("Full article", "Lead", "<p>Text</p>"),
            "ru": text("Полная статья", "Лид", "<p>Текст ру</p>"),
        },
        author_ids=[authors[2]["id"], authors[0]["id"], authors[1]["id"]],
        tag_ids=[tags[1]["id"], only_ua_tag["id"], tags[0]["id"], tags[2]["id"]],
        category_id=category["id"],
        cover_media_id=cover["id"],
        sources=[
            {"name": "Reuters", "url": "https://www.reuters.com/"},
            {"name": "A witness", "url": None},
            {"name": "AP", "url": "https://apnews.com/"},
        ],
    )
    for lang in ("ua", "en", "ru"):
        await publish(client, admin, full["id"], lang)
    bare = await create_article(client, admin, translations={"en": text("Bare")}, original="en")
    await publish(client, admin, bare["id"], "en")
    # ua public; en scheduled for tomorrow (no alternate yet); ru a draft.
    partly = await create_article(
        client,
        admin,
        translations={"ua": text("Частково"), "en": text("Partly"), "ru": text("Частично")},
        tag_ids=[tags[0]["id"]],
    )
    await publish(client, admin, partly["id"], "ua")
    await publish(client, admin, partly["id"], "en", datetime.now(UTC) + timedelta(days=1))
    return [full, bare, partly]


async def test_the_statement_reads_what_the_orm_builds(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    articles = await _newsroom(client, admin)
    now = datetime.now(UTC)
    compared = 0
    for article in articles:
        detail = await client.get(f"/v1/admin/articles/{article['id']}", headers=admin.headers)
        for lang, version in detail.json()["translations"].items():
            hot = await app.state.hot.article(language=lang, slug=version["slug"], now=now)
            if not version["public"]:
                assert hot is None, (lang, version["slug"])
                continue
            assert hot is not None, (lang, version["slug"])
            async with app.state.db.reader() as session:
                translation_id = await session.scalar(
                    select(Translation.id).where(
                        Translation.article_id == uuid.UUID(article["id"]),
                        Translation.language == lang,
                    )
                )
                assert translation_id is not None
                # The preview builds a version's page with the ORM, whatever its status.
                ordinary = await service.get_preview(
                    session,
                    translation_id=translation_id,
                    language=lang,
                    now=now,
                    site=app.state.hot.site,
                )
            page, bcp47 = hot
            assert page.model_dump() == ordinary.model_dump()
            assert bcp47 == {"ua": "uk", "en": "en", "ru": "ru"}[lang]
            compared += 1
    assert compared == 5
    ru_slug = (
        await client.get(f"/v1/admin/articles/{articles[0]['id']}", headers=admin.headers)
    ).json()["translations"]["ru"]["slug"]
    full = await app.state.hot.article(language="ru", slug=ru_slug, now=now)
    assert full is not None
    page = full[0]
    assert [a.name for a in page.authors] == []  # no Russian names: not in the byline
    assert [t.name for t in page.tags] == ["Тег 1 ру", "Тег 0 ру", "Тег 2 ру"]
    assert page.cover is not None and (page.cover.caption, page.cover.alt) == (None, None)
    assert [s.name for s in page.sources] == ["Reuters", "A witness", "AP"]
    assert [(a.language, a.current) for a in page.alternates] == [
        ("ua", False),
        ("en", False),
        ("ru", True),
    ]


async def test_through_http_the_lane_answers_with_every_header(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    full, _, partly = await _newsroom(client, admin)
    listing = (await client.get("/v1/ua/articles")).json()["items"]
    slug = next(item["slug"] for item in listing if item["id"] == full["id"])
    r = await client.get(f"/v1/ua/articles/{slug}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.headers["content-language"] == "uk"
    assert r.headers["cache-control"].startswith("public, max-age=")
    # Three languages and the x-default.
    assert r.headers["link"].count('rel="alternate"') == 4
    assert f"article-{full['id']}-ua" in r.headers["surrogate-key"].split()
    assert r.headers["x-request-id"] and r.headers["etag"].startswith('"')
    assert r.json()["authors"][0]["name"] == "Автор 2"
    again = await client.get(
        f"/v1/ua/articles/{slug}", headers={"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    head = await client.head(f"/v1/ua/articles/{slug}")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == r.headers["etag"]
    # The partly published article has no English alternate until tomorrow.
    partly_slug = next(item["slug"] for item in listing if item["id"] == partly["id"])
    page = (await client.get(f"/v1/ua/articles/{partly_slug}")).json()
    assert [a["language"] for a in page["alternates"]] == ["ua"]
    link = (await client.get(f"/v1/ua/articles/{partly_slug}")).headers["link"]
    assert 'hreflang="en"' not in link and 'hreflang="uk"' in link


async def test_what_the_lane_does_not_find_gets_the_ordinary_answer(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    _, bare, partly = await _newsroom(client, admin)
    en = (await client.get(f"/v1/admin/articles/{bare['id']}", headers=admin.headers)).json()
    en_slug = en["translations"]["en"]["slug"]
    # A BCP 47 tag for a language code: 308 to the code's URL.
    r = await client.get(f"/v1/uk/articles/{en_slug}")
    assert r.status_code == 308 and r.headers["location"] == f"/v1/ua/articles/{en_slug}"
    # Another language's slug: 301 to this language's version when it is public; else 404.
    problem(await client.get(f"/v1/ua/articles/{en_slug}"), 404)
    problem(await client.get("/v1/xx/articles/anything"), 404)
    # A draft and a scheduled version are not revealed.
    detail = (await client.get(f"/v1/admin/articles/{partly['id']}", headers=admin.headers)).json()
    problem(await client.get(f"/v1/ru/articles/{detail['translations']['ru']['slug']}"), 404)
    problem(await client.get(f"/v1/en/articles/{detail['translations']['en']['slug']}"), 404)
    # Taken down after it was public: 410.
    archived = await client.post(
        f"/v1/admin/articles/{bare['id']}/translations/en/archive", headers=admin.headers
    )
    assert archived.status_code == 200
    problem(await client.get(f"/v1/en/articles/{en_slug}"), 410)
    # Unknown query parameters are still refused; the path's own limits still hold.
    ua_slug = detail["translations"]["ua"]["slug"]
    problem(await client.get(f"/v1/ua/articles/{ua_slug}?utm_source=x"), 422)
    problem(await client.get(f"/v1/ua/articles/{'a' * 121}"), 422)
    assert (await client.get(f"/v1/ua/articles/{ua_slug}")).status_code == 200


async def test_list_pages_read_what_the_ordinary_path_reads(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    await _newsroom(client, admin)
    for n in range(4):  # same second: the keyset's id decides
        await published_article(client, admin, f"Ще одна {n}")
    now = datetime.now(UTC)
    for lang, expected in (("ua", 6), ("en", 2), ("ru", 1)):
        after: Cursor | None = None
        seen = 0
        while True:
            hot = await app.state.hot.page(language=lang, now=now, limit=2, after=after)
            assert hot is not None
            page, bcp47 = hot
            async with app.state.db.reader() as session:
                items, next_cursor = await service.list_articles(
                    session,
                    language=lang,
                    now=now,
                    filters=service.Filters(),
                    limit=2,
                    cursor=after.encode() if after else None,
                    hot=app.state.hot,
                )
            assert page == CardPage(items, next_cursor)
            # Written from the cards' fields, the bytes the page's model writes.
            assert page.body() == page.model().model_dump_json().encode()
            assert bcp47 == {"ua": "uk", "en": "en", "ru": "ru"}[lang]
            seen += len(page.items)
            if page.next_cursor is None:
                break
            after = Cursor.decode(page.next_cursor)
        assert seen == expected
    assert await app.state.hot.page(language="xx", now=now, limit=2, after=None) is None
    empty = await app.state.hot.page(
        language="ru", now=now - timedelta(days=1), limit=2, after=None
    )
    assert empty is not None and empty[0].items == []


async def test_list_pages_through_http(client: httpx.AsyncClient, admin: Credential) -> None:
    await _newsroom(client, admin)
    first = await client.get("/v1/ua/articles?limit=1")
    assert first.status_code == 200
    assert first.headers["content-language"] == "uk"
    assert "list-ua" in first.headers["surrogate-key"].split()
    cursor = first.json()["next_cursor"]
    assert first.headers["link"] == f'</v1/ua/articles?limit=1&cursor={cursor}>; rel="next"'
    second = await client.get(first.headers["link"][1 : first.headers["link"].index(">")])
    assert second.status_code == 200 and second.json()["next_cursor"] is None
    assert "link" not in second.headers
    assert [i["id"] for i in first.json()["items"] + second.json()["items"]] == [
        i["id"] for i in (await client.get("/v1/ua/articles")).json()["items"]
    ]
    etag = first.headers["etag"]
    again = await client.get("/v1/ua/articles?limit=1", headers={"If-None-Match": etag})
    assert again.status_code == 304
    # What the lane leaves to the routes is answered as before.
    problem(await client.get("/v1/ua/articles?limit=0"), 422)
    problem(await client.get("/v1/ua/articles?limit=1&limit=2"), 422)  # repeated: refused
    problem(await client.get("/v1/ua/articles?cursor=garbage"), 422)
    problem(await client.get("/v1/ua/articles?utm=1"), 422)
    problem(await client.get("/v1/xx/articles"), 404)
    r = await client.get("/v1/uk/articles?limit=1")
    assert r.status_code == 308 and r.headers["location"] == "/v1/ua/articles?limit=1"
    search_cursor = (await client.get("/v1/ua/articles?q=стаття&limit=1")).json()["next_cursor"]
    if search_cursor is not None:
        problem(await client.get(f"/v1/ua/articles?cursor={search_cursor}"), 422)


@pytest.mark.postgres_only  # SQLite plans each statement as it runs it
async def test_the_lane_plans_each_statement_once_without_its_values(
    settings: Settings, client: httpx.AsyncClient, admin: Credential
) -> None:
    """PostgreSQL: the lane's connections keep one plan per statement, made without the
    values (a generic plan), and compile none (JIT). The server's own choice planned list
    pages again for each read's values: half of what a page cost it at 100k articles
    (`reads.HOT_SETTINGS`). Each page size is a statement of its own (`reads._PAGE`)."""
    await _newsroom(client, admin)
    async with running_app(settings, cache="off") as (app, reader):  # each read reads
        first = (await reader.get("/v1/ua/articles?limit=1")).json()
        slug, cursor = first["items"][0]["slug"], first["next_cursor"]
        for _ in range(7):  # past the five reads after which the server would choose
            assert (await reader.get("/v1/ua/articles?limit=1")).json() == first
            after = await reader.get(f"/v1/ua/articles?limit=1&cursor={cursor}")
            assert after.status_code == 200 and after.json()["items"] != first["items"]
            assert (await reader.get(f"/v1/ua/articles/{slug}")).status_code == 200
        two = (await reader.get("/v1/ua/articles?limit=2")).json()["items"]
        assert two[0] == first["items"][0]
        pool = app.state.hot._pool
        seen: list[tuple[str, int, int]] = []
        async with every_connection(pool) as connections:  # each connection the reads used
            for connection in connections:
                assert await connection.fetchval("SHOW jit") == "off"
                rows = await connection.fetch(
                    "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
                )
                seen += [(r["statement"], r["generic_plans"], r["custom_plans"]) for r in rows]
    pages = [s for s in seen if "ORDER BY t.published_at DESC" in s[0]]
    # limit=1 reads a row more (two statements: the first page, and after a cursor), and
    # limit=2 is a statement of its own.
    limits = sorted(re.findall(r"LIMIT (\d+)\)", text)[0] for text, _, _ in pages)
    assert limits == ["2", "2", "3"], pages
    assert sum(generic for _, generic, _ in pages) >= 15, pages
    assert [(text[:60], custom) for text, _, custom in seen if custom] == []


# The indexes a card's parts are read from, with their columns in order.
_CARD_INDEXES = {
    "article_authors": ("ix_article_authors_in_order", ["article_id", "position", "author_id"]),
    "article_tags": ("ix_article_tags_in_order", ["article_id", "position", "tag_id"]),
    "translations": (
        "ix_translations_alternates",
        ["article_id", "language", "slug", "status", "publish_at", "expire_at"],
    ),
}


async def test_a_cards_byline_tags_and_alternates_are_read_from_indexes(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    """A card's authors and tags in their order, and its article's versions with their
    slugs and visibility (the alternates), are in indexes that hold all of it. SQLite's
    cards statement reads them there alone: no byline or tag row looked up and sorted, no
    version's row read (its columns after the body are on the body's overflow pages).
    PostgreSQL's planner chooses by the tables' sizes; the indexes are there."""
    articles = await _newsroom(client, admin)
    page = (await client.get("/v1/ua/articles")).json()["items"]
    full = next(card for card in page if card["id"] == articles[0]["id"])
    assert [author["name"] for author in full["authors"]] == ["Автор 2", "Автор 0", "Автор 1"]
    assert [alternate["language"] for alternate in full["alternates"]] == ["ua", "en", "ru"]
    # en scheduled for tomorrow, ru a draft: neither is an alternate (the index's
    # visibility columns, checked against now).
    partly = next(card for card in page if card["id"] == articles[2]["id"])
    assert [alternate["language"] for alternate in partly["alternates"]] == ["ua"]

    def indexes(connection: Any) -> dict[str, tuple[str, list[str]]]:
        found = {}
        for table, (name, _) in _CARD_INDEXES.items():
            by_name = {i["name"]: i["column_names"] for i in inspect(connection).get_indexes(table)}
            found[table] = (name, by_name.get(name, []))
        return found

    async with app.state.db.engine.connect() as connection:
        assert await connection.run_sync(indexes) == _CARD_INDEXES
        if connection.dialect.name != "sqlite":
            return
        statement, _ = reads._for("sqlite", reads._CARDS)
        plan = await connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}", {"ids": "[]", "now": "2026-01-01"}
        )
        steps = [row[3] for row in plan]
    for alias, (name, _) in zip(("aa", "ag", "o"), _CARD_INDEXES.values(), strict=True):
        assert f"SEARCH {alias} USING COVERING INDEX {name} " in "\n".join(steps), steps
    # The alternates alone are sorted (by their languages' position).
    assert steps.count("USE TEMP B-TREE FOR ORDER BY") == 1, steps


async def test_sqlite_connections_keep_a_small_page_cache(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    """SQLite: the app engine's connections keep 512 KiB of pages each (the file is in the
    operating system's cache anyway), not SQLite's default 2,000 KiB: a worker's memory
    (docs/benchmarks.md, memory). The lane's own connection, one per worker, keeps 2,048
    KiB: every uncached read shares its indexes' pages. PostgreSQL: the lane holds no
    SQLite connection."""
    await published_article(client, admin)
    assert (await client.get("/v1/ua/articles")).status_code == 200  # the lane's statement
    hot = app.state.hot
    if app.state.db.engine.dialect.name != "sqlite":
        assert hot._sqlite is None
        return
    async with app.state.db.engine.connect() as conn:
        assert await conn.scalar(sql_text("PRAGMA cache_size")) == -512
    assert hot._sqlite is not None
    assert hot._sqlite.execute("PRAGMA cache_size").fetchone()[0] == -2048
    # A command's engine (bench-data, search-reindex, import) keeps SQLite's default: its
    # transactions write megabytes.
    command = create_engine(app.state.db.url)
    async with command.connect() as conn:
        assert await conn.scalar(sql_text("PRAGMA cache_size")) == -2000
    await command.dispose()


@contextmanager
def _route_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[datetime]]:
    """The times the routes' clock (`get_now`) was read: only when a route answers. The
    routes are shared by every app of the process (app.api): `dependency_overrides` does
    not reach them, the clock's module does."""
    from app.kit import clock

    routed: list[datetime] = []

    class Clock(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> "Clock":
            routed.append(datetime.now(tz))
            return cls.fromtimestamp(routed[-1].timestamp(), tz)

    with monkeypatch.context() as patched:
        patched.setattr(clock, "datetime", Clock)
        yield routed


async def test_searches_are_answered_by_the_lane_as_the_route_answers_them(
    client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search with only `q`, `limit` and `cursor` is answered by the lane (no route
    dependency runs) with the route's bytes and headers; anything else still reaches the
    route, which answers it as before."""
    await _newsroom(client, admin)
    for n in range(3):
        await published_article(client, admin, f"Стаття про грозу {n}")
    with _route_clock(monkeypatch) as routed:
        lane = await client.get("/v1/ua/articles", params={"q": "гроза", "limit": 2})
        assert lane.status_code == 200 and not routed
        # The same search through the route (a filter that keeps every hit).
        route = await client.get(
            "/v1/ua/articles",
            params={"q": "гроза", "limit": 2, "published_after": "2000-01-01T00:00:00Z"},
        )
        assert route.status_code == 200 and routed
    assert lane.content == route.content
    assert [i["title"] for i in lane.json()["items"]] == [
        "Стаття про грозу 2",
        "Стаття про грозу 1",
    ]
    assert all("snippet" in i for i in lane.json()["items"])
    same = ("content-type", "content-language", "cache-control", "surrogate-key")
    assert {h: lane.headers[h] for h in same} == {h: route.headers[h] for h in same}
    cursor = lane.json()["next_cursor"]
    assert (
        lane.headers["link"]
        == f'</v1/ua/articles?q=%D0%B3%D1%80%D0%BE%D0%B7%D0%B0&limit=2&cursor={cursor}>; rel="next"'
    )
    rest = await client.get(lane.headers["link"][1 : lane.headers["link"].index(">")])
    assert [i["title"] for i in rest.json()["items"]] == ["Стаття про грозу 0"]
    # What the lane leaves to the routes is answered as before.
    for bad in ("", " ", "x" * 201, "a\x00b", "!!!"):
        problem(await client.get("/v1/ua/articles", params={"q": bad}), 422)
    problem(await client.get("/v1/ua/articles?q=a&q=b"), 422)  # repeated: refused
    plain_cursor = (await client.get("/v1/ua/articles?limit=1")).json()["next_cursor"]
    problem(await client.get("/v1/ua/articles", params={"q": "гроза", "cursor": plain_cursor}), 422)
    problem(await client.get("/v1/xx/articles?q=гроза"), 404)
    r = await client.get("/v1/uk/articles", params={"q": "гроза"})
    assert r.status_code == 308 and r.headers["location"].startswith("/v1/ua/articles?q=")


async def test_filtered_lists_are_answered_by_the_lane_as_the_route_answers_them(
    client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list filtered by tag, author or category (with `limit` and `cursor`) is answered
    by the lane with the route's bytes and headers; dates, a filter with a search, and
    a slug the route refuses still reach the route."""
    nato = await create_term(client, admin, "tags", ua="НАТО", en="NATO")
    world = await create_term(client, admin, "categories", ua="Світ", en="World")
    author = await create_term(client, admin, "authors", ua="Олена Коваленко")
    for n in range(3):
        await published_article(
            client, admin, f"З тегом {n}",
            tag_ids=[nato["id"]], category_id=world["id"], author_ids=[author["id"]],
        )  # fmt: skip
    await published_article(client, admin, "Без тегу")
    everything = {"tag": "nato", "category": "svit", "author": "olena-kovalenko"}
    with _route_clock(monkeypatch) as routed:
        for filters in ({"tag": "nato"}, {"author": "olena-kovalenko"}, everything):
            lane = await client.get("/v1/ua/articles", params={**filters, "limit": 2})
            assert lane.status_code == 200 and not routed
            # The same page through the route (a date that keeps every article).
            route = await client.get(
                "/v1/ua/articles",
                params={**filters, "limit": 2, "published_after": "2000-01-01T00:00:00Z"},
            )
            assert route.status_code == 200 and routed
            routed.clear()
            assert [i["title"] for i in lane.json()["items"]] == ["З тегом 2", "З тегом 1"]
            same = ("content-type", "content-language", "cache-control", "surrogate-key")
            assert {h: lane.headers[h] for h in same} == {h: route.headers[h] for h in same}
            assert lane.json()["items"] == route.json()["items"]
            rest = await client.get(lane.headers["link"][1 : lane.headers["link"].index(">")])
            assert [i["title"] for i in rest.json()["items"]] == ["З тегом 0"]
            assert not routed  # the next page too
        unknown = await client.get("/v1/ua/articles?tag=unknown")
        assert unknown.status_code == 200 and unknown.json()["items"] == [] and not routed
    # What the lane leaves to the routes is answered as before.
    for bad in ("", "NATO", "a--b", "x" * 121, "нато"):
        problem(await client.get("/v1/ua/articles", params={"tag": bad}), 422)
    problem(await client.get("/v1/ua/articles?tag=nato&tag=svit"), 422)  # repeated
    problem(await client.get("/v1/xx/articles?tag=nato"), 404)
    r = await client.get("/v1/uk/articles", params={"tag": "nato"})
    assert r.status_code == 308 and r.headers["location"] == "/v1/ua/articles?tag=nato"
    search = await client.get("/v1/ua/articles", params={"q": "тегом", "tag": "nato"})
    assert len(search.json()["items"]) == 3  # a search with a filter: the route's


async def _add_polish(client: httpx.AsyncClient, admin: Credential) -> None:
    """A language added after the worker started (`pl`, no dictionary)."""
    polish = {
        "code": "pl", "bcp47": "pl", "name": "Polish", "native_name": "Polski",
        "fallbacks": ["en"], "text_search": "simple",
    }  # fmt: skip
    r = await client.post("/v1/admin/languages", json=polish, headers=admin.headers)
    assert r.status_code == 201, r.text


async def test_a_search_answers_with_its_language_s_row_as_it_is_now(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    """A worker begins a search with its language's row as it last read it (PostgreSQL:
    the row is read again meanwhile, `app.public.hot`), yet every answer is the row's as it
    is now: a new BCP 47 tag, a new analyser, a language deleted, each seen by the very
    next search."""
    await published_article(client, admin, "Стаття про грозу")

    async def titles(lang: str, q: str, bcp47: str) -> list[str]:
        r = await client.get(f"/v1/{lang}/articles", params={"q": q})
        assert r.status_code == 200 and r.headers["content-language"] == bcp47, r.headers
        return [item["title"] for item in r.json()["items"]]

    for _ in range(2):  # the first read, then one begun with it
        assert await titles("ua", "гроза", "uk") == ["Стаття про грозу"]
    r = await client.patch("/v1/admin/languages/ua", json={"bcp47": "uk-UA"}, headers=admin.headers)
    assert r.status_code == 200, r.text
    assert await titles("ua", "гроза", "uk-UA") == ["Стаття про грозу"]
    r = await client.patch(
        "/v1/admin/languages/ua", json={"text_search": "simple"}, headers=admin.headers
    )
    assert r.status_code == 200, r.text
    assert await titles("ua", "гроза", "uk-UA") == []  # no dictionary forms any more
    assert await titles("ua", "грозу", "uk-UA") == ["Стаття про грозу"]
    await _add_polish(client, admin)
    for _ in range(2):
        assert await titles("pl", "burza", "pl") == []
    r = await client.delete("/v1/admin/languages/pl", headers=admin.headers)
    assert r.status_code == 204, r.text
    problem(await client.get("/v1/pl/articles", params={"q": "burza"}), 404)


async def test_a_filtered_list_answers_with_its_language_s_row_as_it_is_now(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A filtered list page begins as a search does (`app.public.hot._in_language`): on
    PostgreSQL with the language's row as the worker last read it, the row read again
    while the page's statements run (the read waits here until one of them has run, so
    a page that waited for the row first never comes); yet every answer is the row's as
    it is now: a new BCP 47 tag, a language deleted."""
    nato = await create_term(client, admin, "tags", ua="НАТО", en="NATO")
    await published_article(client, admin, "З тегом", tag_ids=[nato["id"]])

    async def titles(bcp47: str, limit: int) -> list[str]:
        """The page (a `limit` of its own: a URL no cache has answered)."""
        r = await client.get("/v1/ua/articles", params={"tag": "nato", "limit": limit})
        assert r.status_code == 200 and r.headers["content-language"] == bcp47, r.headers
        return [item["title"] for item in r.json()["items"]]

    assert await titles("uk", 10) == ["З тегом"]  # the first read
    engine = app.state.db.engine.sync_engine
    if engine.dialect.name == "postgresql":
        hot, ran = app.state.hot, asyncio.Event()
        read = hot.language

        async def language(code: str) -> tuple[str, str] | None:
            await asyncio.wait_for(ran.wait(), timeout=5)
            found: tuple[str, str] | None = await read(code)
            return found

        def page_ran(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if "tag_translations" in statement:  # the page's (the worker polls meanwhile)
                ran.set()

        event.listen(engine, "before_cursor_execute", page_ran)
        try:
            with monkeypatch.context() as waiting:
                waiting.setattr(hot, "language", language)
                assert await titles("uk", 11) == ["З тегом"]  # begun with the row last read
        finally:
            event.remove(engine, "before_cursor_execute", page_ran)
    r = await client.patch("/v1/admin/languages/ua", json={"bcp47": "uk-UA"}, headers=admin.headers)
    assert r.status_code == 200, r.text
    assert await titles("uk-UA", 12) == ["З тегом"]
    assert await titles("uk-UA", 13) == ["З тегом"]
    await _add_polish(client, admin)
    for limit in (10, 11):
        r = await client.get("/v1/pl/articles", params={"tag": "nato", "limit": limit})
        assert r.status_code == 200 and r.json()["items"] == [], r.text
    r = await client.delete("/v1/admin/languages/pl", headers=admin.headers)
    assert r.status_code == 204, r.text
    problem(await client.get("/v1/pl/articles", params={"tag": "nato"}), 404)


async def test_a_search_holds_only_bytes_once_its_page_is_read(
    client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once its page is read, a search the lane answers holds the answer's bytes alone, not
    the page (`CardPage`, its cards' fields): its session's closing yields to the loop
    (SQLAlchemy runs it in a task of its own), which serves other requests meanwhile,
    dozens of them under load (docs/benchmarks.md, memory). Another task counts the pages
    alive whenever the loop runs it: none, at any point of the search (on the code before
    this test was written, the page's cards)."""
    for n in range(3):
        await published_article(client, admin, f"Стаття про грозу {n}")
    made: list[weakref.ref[CardPage]] = []

    class Page(CardPage):
        def __init__(self, *fields: Any) -> None:
            super().__init__(*fields)
            made.append(weakref.ref(self))

    monkeypatch.setattr(reads, "CardPage", Page)
    done = asyncio.Event()
    counts: list[int] = []

    async def watch() -> None:
        while not done.is_set():
            counts.append(sum(card() is not None for card in made))
            await asyncio.sleep(0)

    async def search() -> httpx.Response:
        try:
            return await client.get("/v1/ua/articles", params={"q": "гроза"})
        finally:
            done.set()

    response, _ = await asyncio.gather(search(), watch())
    assert len(response.json()["items"]) == 3
    assert len(made) == 1  # the page was made, and counted while alive
    assert len(counts) > 1  # the loop ran the watcher while the search was under way
    assert max(counts) == 0


async def test_a_worker_reads_a_few_search_pages_at_once(
    settings: Settings, client: httpx.AsyncClient, admin: Credential
) -> None:
    """A worker reads SEARCHES_AT_ONCE search pages at once per database (`HotReads.
    searching`); another waits its turn at most the pool's timeout, then gets the 503 of a
    busy database, with Retry-After, whether the lane or the route (a filter) answers it.
    Plain lists and articles never wait. The waits are the `searches` pool's in
    `newsdesk_db_pool_wait_seconds`."""
    article = await published_article(client, admin, "Стаття про грозу")
    slug = article["translations"]["ua"]["slug"]
    # 1 s: long enough that the search after the turns are given back opens its connection
    # in time on a machine busy with other tests (0.2 s once gave that search a 503).
    async with running_app(settings, database_pool_timeout_seconds=1.0) as (app, other):
        async with AsyncExitStack() as turns:
            for _ in range(SEARCHES_AT_ONCE):
                await turns.enter_async_context(app.state.hot.searching())
            for params in (
                {"q": "гроза"},
                {"q": "гроза", "published_after": "2000-01-01T00:00:00Z"},
            ):
                busy = problem(await other.get("/v1/ua/articles", params=params), 503)
                assert busy["type"] == "/problems/service-unavailable"
            assert (await other.get("/v1/ua/articles")).status_code == 200
            assert (await other.get(f"/v1/ua/articles/{slug}")).status_code == 200
            busy_response = await other.get("/v1/ua/articles", params={"q": "гроза"})
            assert int(busy_response.headers["retry-after"]) > 0
        # Turns given back: searches are answered again.
        found = await other.get("/v1/ua/articles", params={"q": "гроза"})
        assert [item["title"] for item in found.json()["items"]] == ["Стаття про грозу"]
        metrics = await other.get("/metrics", headers=admin.headers)
    waits = [
        sample.value
        for family in text_string_to_metric_families(metrics.text)
        for sample in family.samples
        if sample.name == "newsdesk_db_pool_wait_seconds_count"
        and sample.labels == {"pool": "searches"}
    ]
    assert waits and waits[0] >= 8  # the four turns taken here, three refused, one answered
