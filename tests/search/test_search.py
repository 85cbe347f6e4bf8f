"""Search through HTTP: analysis, index upkeep on every write, ranking, filters, safety."""

import asyncio
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, update
from sqlalchemy import text as sql_text

from app.auth.service import Role
from app.models import Translation
from app.search.analysis import analyzer_for
from app.search.query import parse
from tests.builders import create_article, create_term, problem, publish, put_translation, text
from tests.conftest import Credential, make_key
from tests.databases import every_connection
from tests.search.test_snippets import CORPUS, reference


async def search(client: httpx.AsyncClient, lang: str, q: str, **params: Any) -> list[str]:
    response = await client.get(f"/v1/{lang}/articles", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return [item["slug"] for item in response.json()["items"]]


async def every_page(client: httpx.AsyncClient, lang: str, q: str, limit: int) -> list[str]:
    """Every hit of a search, page by page through its cursors (`limit` a page)."""
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"q": q, "limit": limit}
        params |= {"cursor": cursor} if cursor else {}
        page = (await client.get(f"/v1/{lang}/articles", params=params)).json()
        seen += [item["slug"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            return seen


async def article(
    client: httpx.AsyncClient,
    admin: Credential,
    lang: str,
    title: str,
    lead: str = "",
    body: str = "",
    *,
    live: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    created = await create_article(
        client,
        admin,
        original=lang,
        translations={lang: text(title, lead or "Коротко.", body or "<p>Текст.</p>")},
        **fields,
    )
    if live:
        await publish(client, admin, created["id"], lang)
    return created


def slug_of(created: dict[str, Any], lang: str) -> str:
    return str(created["translations"][lang]["slug"])


async def test_words_match_in_any_grammatical_form(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    strike = await article(
        client,
        admin,
        "ua",
        "Наслідки превентивного удару",
        body="<p>Масштабних кібератак у Києві не було.</p>",
    )
    await article(client, admin, "ua", "Погода на вихідні", body="<p>Сонячно і тепло.</p>")
    exercise = await article(client, admin, "ru", "Учения на севере", body="<p>Учёные и ёлки.</p>")
    cables = await article(client, admin, "en", "Undersea cables cut", body="<p>Repairs start.</p>")

    assert await search(client, "ua", "удар") == [slug_of(strike, "ua")]
    assert await search(client, "ua", "кібератака") == [slug_of(strike, "ua")]
    assert await search(client, "ua", "Київ") == [slug_of(strike, "ua")]
    assert await search(client, "ru", "учение") == [slug_of(exercise, "ru")]
    assert await search(client, "ru", "ученые елка") == [slug_of(exercise, "ru")]
    assert await search(client, "en", "cable") == [slug_of(cables, "en")]
    # Only the query's language is searched.
    assert await search(client, "en", "удар") == []


async def test_all_words_must_match_and_phrases_are_phrases(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    adjacent = await article(client, admin, "en", "Power grid attacked overnight")
    apart = await article(client, admin, "en", "The grid held while power stations were attacked")
    await article(client, admin, "en", "Power cuts announced")

    assert set(await search(client, "en", "grid power attack")) == {
        slug_of(adjacent, "en"),
        slug_of(apart, "en"),
    }
    assert await search(client, "en", '"power grid"') == [slug_of(adjacent, "en")]
    assert await search(client, "en", '"power grids" attacks') == [slug_of(adjacent, "en")]


async def test_phrases_stay_within_a_field_and_longer_phrases_keep_their_order(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    # Two-word phrases are answered by pairs of neighbouring words on PostgreSQL, longer
    # ones by pairs and then positions: neither runs from the title into the lead.
    across = await article(client, admin, "en", "Talks on the grid", lead="Power returns.")
    three = await article(client, admin, "en", "Night power grid repairs")
    await article(client, admin, "en", "Grid repairs at night, power back")
    assert await search(client, "en", '"grid power"') == []
    assert await search(client, "en", '"power grid repair"') == [slug_of(three, "en")]
    assert await search(client, "en", '"grid repair night"') == []
    assert await search(client, "en", '"grid power" talks') == []
    assert await search(client, "en", "talks grid power") == [slug_of(across, "en")]


async def test_a_phrase_ranks_by_the_field_it_is_in(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    """A phrase ranks by the field that holds it (SQLite: the title and lead tiers read the
    head table; PostgreSQL: the field marks, then the positions): title hits above lead
    hits above the rest, and the query's other words must be in the same field."""
    in_body = await article(client, admin, "en", "Evening notes", body="<p>Power grids failed.</p>")
    in_lead = await article(
        client, admin, "en", "Blackout", lead="The power grid is down in the east."
    )
    apart = await article(
        client, admin, "en", "Grid and power", lead="The grid held and power came back in the east."
    )
    in_title = await article(client, admin, "en", "Power grid restored", lead="East and west.")
    assert await search(client, "en", '"power grid"') == [
        slug_of(a, "en") for a in (in_title, in_lead, in_body)
    ]
    # The other word in the phrase's field ranks the hit there; in another field, lower.
    assert await search(client, "en", '"power grid" east') == [
        slug_of(a, "en") for a in (in_lead, in_title)
    ]
    assert await search(client, "en", '"power grid" restored') == [slug_of(in_title, "en")]
    assert await search(client, "en", '"grid power"') == []
    assert slug_of(apart, "en") in await search(client, "en", "grid power east")


async def test_a_word_two_languages_share_ranks_by_its_own_language(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    # «президент» is Ukrainian and Russian: each language lists its own title and lead hits.
    ua_title = await article(client, admin, "ua", "Президент підписав закон")
    ru_lead = await article(client, admin, "ru", "Новости дня", lead="Президент выступил.")
    ru_title = await article(client, admin, "ru", "Президент в Киеве")
    assert await search(client, "ua", "президент") == [slug_of(ua_title, "ua")]
    assert await search(client, "ru", "президент") == [
        slug_of(ru_title, "ru"),
        slug_of(ru_lead, "ru"),
    ]


async def test_title_hits_rank_above_lead_above_body_newest_first_within(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    # Published in this order: each one newer than the one before.
    body_1 = await article(client, admin, "ua", "Новини ранку", body="<p>Дрони над Одесою.</p>")
    lead_2 = await article(client, admin, "ua", "Нічна атака", lead="Дрон збили над морем.")
    title_3 = await article(client, admin, "ua", "Дрони над Дніпром")
    title_4 = await article(client, admin, "ua", "Збито дронів")
    lead_5 = await article(client, admin, "ua", "Тривога", lead="Дронами атакували місто.")
    body_6 = await article(client, admin, "ua", "Підсумки", body="<p>Уламки дрона впали.</p>")

    assert await search(client, "ua", "дрон") == [
        slug_of(a, "ua") for a in (title_4, title_3, lead_5, lead_2, body_6, body_1)
    ]


async def test_cursor_pages_through_ranked_results(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    for i in range(3):
        await article(client, admin, "en", f"Flood warning {i}")
        await article(client, admin, "en", f"Storm report {i}", lead="A flood is expected.")
    seen = await every_page(client, "en", "floods", 2)
    assert seen == await search(client, "en", "floods", limit=100)
    assert len(seen) == 6 and all(s.startswith("flood-warning") for s in seen[:3])
    # A list cursor is no search cursor, and the other way round.
    listing = (await client.get("/v1/en/articles", params={"limit": 1})).json()
    problem(
        await client.get(
            "/v1/en/articles", params={"q": "flood", "cursor": listing["next_cursor"]}
        ),
        422,
    )
    first = (await client.get("/v1/en/articles", params={"q": "flood", "limit": 1})).json()
    problem(await client.get("/v1/en/articles", params={"cursor": first["next_cursor"]}), 422)


async def test_search_combines_with_every_filter(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    tag = await create_term(client, admin, "tags", ua="Енергетика")
    category = await create_term(client, admin, "categories", ua="Україна")
    author = await create_term(client, admin, "authors", ua="Олена Петренко")
    tagged = await article(
        client,
        admin,
        "ua",
        "Блекаут у Харкові",
        tag_ids=[tag["id"]],
        category_id=category["id"],
        author_ids=[author["id"]],
    )
    await article(client, admin, "ua", "Блекаути в Одесі")
    q = "блекаут"
    assert len(await search(client, "ua", q)) == 2
    for name, value in (
        ("tag", tag["translations"]["ua"]["slug"]),
        ("category", category["translations"]["ua"]["slug"]),
        ("author", author["translations"]["ua"]["slug"]),
    ):
        assert await search(client, "ua", q, **{name: value}) == [slug_of(tagged, "ua")]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert await search(client, "ua", q, published_after=future) == []
    assert len(await search(client, "ua", q, published_after=past)) == 2
    assert await search(client, "ua", q, published_before=past) == []


async def test_hits_carry_a_highlighted_snippet(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    await article(
        client,
        admin,
        "ua",
        "Ніч у столиці",
        lead="Ппо працювала до ранку.",
        body="<p>Після <strong>удару</strong> по енергетиці &amp; мережах світло повернули.</p>",
    )
    page = (await client.get("/v1/ua/articles", params={"q": "удар"})).json()
    snippet = page["items"][0]["snippet"]
    assert "<mark>удару</mark>" in snippet
    assert "&amp; мережах" in snippet and "<strong>" not in snippet
    plain = (await client.get("/v1/ua/articles")).json()
    assert plain["items"][0]["snippet"] is None


async def test_snippets_read_from_the_index_are_the_rule_s(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Snippets come from the index entry (PostgreSQL's positions, SQLite's lemmas in order
    and its placed alternatives), with no word analysed, and are what analysing the text
    gives (`reference`), on both databases: for a word that is its text words' primary
    lemma, for one that is only an alternative («сталь» of «стали»), in title, lead and
    body, and for a phrase. An SQLite entry whose alternatives are not placed (written
    before they were) has that hit's words analysed, to the same snippet."""
    from app.search import snippets

    analyse = snippets._analysed

    def analysed(*args: Any) -> Any:
        if not analysing:
            raise AssertionError("a hit's words were analysed")
        return analyse(*args)

    analysing = False
    monkeypatch.setattr(snippets, "_analysed", analysed)
    corpus = CORPUS["ru"]["articles"][:12]
    for item in corpus:
        await article(client, admin, "ru", item["title"], item["lead"], item["body_html"])
    await article(
        client,
        admin,
        "ru",
        "Сталь дорожает",
        lead="Цены стали выше ʼ ʼ ещё вчера.",
        body="<p>Заводы, что льют стали, <em>стали</em> работать в три смены.</p>",
    )
    analyzer = analyzer_for("russian")
    queries = ["сталь", "стали работать", "цены", '"стали работать"', "Москва", "год"]
    queries += [q["q"] for q in CORPUS["ru"]["queries"][:12]]
    marked = 0
    for q in queries:
        response = await client.get("/v1/ru/articles", params={"q": q, "limit": 50})
        assert response.status_code == 200, response.text
        by_title = {a["title"]: a for a in [*corpus, {"title": "Сталь дорожает"}]}
        for item in response.json()["items"]:
            source = by_title[item["title"]]
            lead = source.get("lead", "Цены стали выше ʼ ʼ ещё вчера.")
            body = source.get(
                "body_html", "<p>Заводы, что льют стали, <em>стали</em> работать в три смены.</p>"
            )
            expected = reference(parse(q, analyzer), lead, body)
            assert item["snippet"] == expected, q
            marked += "<mark>" in expected
    assert marked >= 10
    if app.state.db.engine.dialect.name != "sqlite":
        return
    async with app.state.db.engine.begin() as conn:
        await conn.execute(sql_text("UPDATE search_documents SET alternatives_at = NULL"))
    analysing = True
    lead = "Цены стали выше ʼ ʼ ещё вчера."
    body = "<p>Заводы, что льют стали, <em>стали</em> работать в три смены.</p>"
    page = (await client.get("/v1/ru/articles", params={"q": "сталь выше"})).json()
    assert [item["snippet"] for item in page["items"]] == [
        reference(parse("сталь выше", analyzer), lead, body)
    ]


async def _fts_rows(app: FastAPI) -> dict[str, int] | None:
    """SQLite: the rows of each FTS5 table, and those whose document is gone (a delete
    trigger's job); None on PostgreSQL, whose index is the documents' own columns."""
    engine = app.state.db.engine
    if engine.dialect.name != "sqlite":
        return None
    counts = {}
    async with engine.connect() as conn:
        for fts in ("search_documents", "search_fts", "search_fts_head"):
            counts[fts] = await conn.scalar(sql_text(f"SELECT count(*) FROM {fts}"))  # noqa: S608
            gone = "rowid NOT IN (SELECT id FROM search_documents)"
            orphans = f"SELECT count(*) FROM {fts} WHERE {gone}"  # noqa: S608 (fixed names)
            counts[f"{fts} orphans"] = await conn.scalar(sql_text(orphans))
    return counts


async def test_index_follows_every_write(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    created = await create_article(
        client,
        admin,
        original="ua",
        translations={"ua": text("Перемир'я"), "en": text("Ceasefire talks resume")},
    )
    article_id = created["id"]
    slug = slug_of(created, "en")
    assert await search(client, "en", "ceasefire") == []  # a draft never shows
    await publish(client, admin, article_id, "en")
    assert await search(client, "en", "ceasefire") == [slug]

    base = f"/v1/admin/articles/{article_id}/translations/en"
    current = await client.get(base, headers=admin.headers)
    edited = await client.put(
        base,
        json=text("Truce talks resume", "Envoys meet.", "<p>Negotiators return.</p>"),
        headers={**admin.headers, "If-Match": current.headers["ETag"]},
    )
    assert edited.status_code == 200, edited.text
    assert await search(client, "en", "ceasefire") == []
    assert await search(client, "en", "truce negotiator") == [slug]

    for action, visible in (("unpublish", False), ("publish", True), ("archive", False)):
        r = await client.post(f"{base}/{action}", json={}, headers=admin.headers)
        assert r.status_code == 200, r.text
        assert await search(client, "en", "truce") == ([slug] if visible else [])

    await publish(client, admin, article_id, "en")
    assert await search(client, "en", "truce") == [slug]
    before = await _fts_rows(app)
    current = await client.get(base, headers=admin.headers)
    r = await client.delete(base, headers={**admin.headers, "If-Match": current.headers["ETag"]})
    assert r.status_code == 204, r.text
    assert await search(client, "en", "truce") == []
    # SQLite: the version's document went, and both FTS5 tables' rows with it.
    after = await _fts_rows(app)
    if before is not None and after is not None:
        assert after["search_documents"] == before["search_documents"] - 1
        for fts in ("search_fts", "search_fts_head"):
            assert after[fts] == after["search_documents"], fts
            assert after[f"{fts} orphans"] == 0, fts

    await publish(client, admin, article_id, "ua")
    assert len(await search(client, "ua", "перемирʼя")) == 1
    whole = f"/v1/admin/articles/{article_id}"
    current = await client.get(whole, headers=admin.headers)
    r = await client.delete(whole, headers={**admin.headers, "If-Match": current.headers["ETag"]})
    assert r.status_code == 204, r.text
    assert await search(client, "ua", "перемирʼя") == []


@pytest.mark.parametrize(
    "q",
    [
        "удар AND NOT",
        '"незакрита лапка',
        "'; DROP TABLE translations; --",
        "title:удар",
        "удар*",
        "NEAR(удар київ)",
        "(удар) OR (київ)",
        "{title}: удар",
        "удар -київ +харків",
        "удар \\ / ^ ~ & | ! <-> :*",
        "«удар по Києву»",
        "a" * 200,
        "😀 удар",
    ],
)
async def test_hostile_queries_answer_results_never_500(
    client: httpx.AsyncClient, admin: Credential, q: str
) -> None:
    await article(client, admin, "ua", "Удар по Києву", body="<p>Title: удар.</p>")
    response = await client.get("/v1/ua/articles", params={"q": q})
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["items"], list)


@pytest.mark.parametrize(
    "q", ["", "   ", "!!! ??? ---", "a" * 201, " ".join(f"w{i}" for i in range(13))]
)
async def test_empty_or_oversized_queries_are_422(client: httpx.AsyncClient, q: str) -> None:
    body = problem(await client.get("/v1/ua/articles", params={"q": q}), 422)
    assert any(error["loc"] == ["query", "q"] for error in body["errors"])


async def test_admin_search_covers_every_state_and_respects_roles(
    client: httpx.AsyncClient, admin: Credential, app: FastAPI
) -> None:
    draft = await article(client, admin, "ua", "Чернетка про мобілізацію", live=False)
    live = await article(client, admin, "ua", "Закон про мобілізацію ухвалено")
    english = await article(client, admin, "en", "Mobilization law passed")
    await article(client, admin, "ua", "Інша тема", live=False)

    async def admin_search(who: Credential, **params: Any) -> set[str]:
        r = await client.get("/v1/admin/articles", params=params, headers=who.headers)
        assert r.status_code == 200, r.text
        return {item["id"] for item in r.json()["items"]}

    assert await admin_search(admin, q="мобілізація") == {draft["id"], live["id"]}
    assert await admin_search(admin, q="mobilizations") == {english["id"]}
    assert await admin_search(admin, q="мобілізації", status="draft") == {draft["id"]}
    assert await admin_search(admin, q="мобілізація", language="en") == set()
    # An author sees only their own articles, searched or not.
    author = await make_key(app, Role.author)
    own = await article(client, author, "ua", "Моя чернетка про мобілізацію", live=False)
    assert await admin_search(author, q="мобілізація") == {own["id"]}
    problem(await client.get("/v1/admin/articles", params={"q": "!!!"}, headers=admin.headers), 422)


async def test_changing_a_languages_analyser_reindexes_it(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    created = await article(client, admin, "en", "Cables cut")
    assert await search(client, "en", "cable") == [slug_of(created, "en")]
    r = await client.patch(
        "/v1/admin/languages/en", json={"text_search": "simple"}, headers=admin.headers
    )
    assert r.status_code == 200, r.text
    assert await search(client, "en", "cable") == []
    assert await search(client, "en", "CABLES") == [slug_of(created, "en")]
    problem(
        await client.patch(
            "/v1/admin/languages/en", json={"text_search": "klingon"}, headers=admin.headers
        ),
        422,
    )


async def test_cli_rebuilds_the_index(
    client: httpx.AsyncClient, admin: Credential, settings: Any
) -> None:
    import asyncio

    created = await article(client, admin, "ru", "Новые учения флота")
    env = {"NEWSDESK_DATABASE_URL": settings.database_url, "PATH": "/usr/bin:/bin"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "search-reindex", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert "indexed 1 translations" in err.decode()
    assert await search(client, "ru", "учение") == [slug_of(created, "ru")]


@contextmanager
def statements_of(app: FastAPI) -> Iterator[list[str]]:
    """The SQL the app's engine runs inside the block, in order, each followed by its
    parameters (after `-- `)."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append(f"{statement} -- {parameters!r}")

    # A search's statements run on the hot lane's connection on SQLite, on the search
    # pages' own pool on PostgreSQL (`HotReads.statements`): each tells its listeners.
    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        with listening(app, lambda statement, values: record(None, None, statement, values)):
            yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def walk_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite: a walked tier's page walks at once, without reading its newest rowids
    first (`app.public.service._newest_scanned`)."""
    from app.public import service

    async def walk(*_: Any) -> None:
        return None

    monkeypatch.setattr(service, "_newest_scanned", walk)


async def test_a_frequent_tier_is_read_as_fts5_rowids(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: a tier of SQLITE_FREQUENT hits or more is read as FTS5 rowids once, and each row the
    page walks looks its document's id up in them: no join of every hit to its document
    (35.6 against 8.6 ms for the title tier of «радою» at 100k articles, docs/search.md).
    PostgreSQL reads no FTS5 table."""
    from app.search import query

    await article(client, admin, "en", "Storm hits the coast")
    await article(client, admin, "en", "Storm warning for the coast")
    await article(client, admin, "en", "Harbour news", lead="A storm is coming.")
    monkeypatch.setattr(query, "FREQUENT", 1)  # every tier is frequent
    monkeypatch.setattr(query, "SQLITE_FREQUENT", 1)
    walk_only(monkeypatch)
    with statements_of(app) as statements:
        found = await search(client, "en", "storm", limit=5)
    assert len(found) == 3
    pages = [s for s in statements if "ORDER BY translations.published_at DESC" in s]
    assert pages
    if app.state.db.engine.dialect.name != "sqlite":
        assert not any("search_fts" in s for s in statements)
        return
    # The title tier, then the lead tier (excluding the title's hits): each tier's hits
    # as rowids, none joined to the documents.
    assert all("IN (SELECT search_fts_head.rowid" in page for page in pages), pages
    assert not any("JOIN search_fts" in page for page in pages), pages


async def test_sqlite_counts_a_tier_s_hits_in_the_page_s_language_alone(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: FTS5 gives a tier's hits in the page's language only (its `language`
    column), so a word frequent in another language leaves this one's few hits listed and
    driving the page: none of the other language's hits is looked up. PostgreSQL's
    tsvectors hold the language too (the same answers)."""
    from app.search import query

    ours = [await article(client, admin, "ru", f"Президент {n}") for n in range(2)]
    for n in range(3):
        await article(client, admin, "ua", f"Президент {n}")
    monkeypatch.setattr(query, "SQLITE_FREQUENT", 3)  # 5 hits in all, 2 of them Russian
    with statements_of(app) as statements:
        found = await search(client, "ru", "президент")
    assert sorted(found) == sorted(slug_of(created, "ru") for created in ours)
    if app.state.db.engine.dialect.name != "sqlite":
        return
    listings = [s for s in statements if "json_group_array" in s]
    assert listings and all("{language}" in s for s in listings), listings
    pages = [s for s in statements if "translations.published_at DESC" in s]
    # The title tier drives (its 2 hits read by id), where 5 would have made it walk.
    assert pages and matching_by_id(pages[0]), pages


async def test_a_query_with_few_hits_is_paged_in_one_statement(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    """A query with JOINT hits or fewer has its three tiers listed in one statement and
    ranked in one page statement (on SQLite each statement costs ~0.7 ms beyond its SQL,
    and a rare word used to cost six): the tiers' order, and their pages."""
    body = await article(client, admin, "en", "Harbour news", body="<p>After the storm.</p>")
    lead = await article(client, admin, "en", "Coast guard report", lead="A storm is coming.")
    title = await article(client, admin, "en", "Storm hits the coast")
    newer = await article(client, admin, "en", "Storm warning", lead="Another storm.")
    ranked = [slug_of(a, "en") for a in (newer, title, lead, body)]
    with statements_of(app) as statements:
        assert await search(client, "en", "storm", limit=5) == ranked
    pages = [s for s in statements if "translations.published_at DESC" in s]
    assert len(pages) == 1 and "CASE WHEN" in pages[0], pages
    listings = [s for s in statements if "json_group_array" in s or "array_agg" in s]
    assert len(listings) == 1, listings
    # Pages of one: each cursor resumes within its tier or in the next one.
    assert await every_page(client, "en", "storm", 1) == ranked


async def test_a_query_with_more_hits_is_paged_tier_by_tier(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More than JOINT hits: a page statement per tier, until the page is full. SQLite
    lists the worse tiers with the title's (up to JOINT + 1 each) and remembers those
    found with more: the next search lists its title tier alone."""
    from app.search import query

    monkeypatch.setattr(query, "JOINT", 1)
    body = await article(client, admin, "en", "Harbour news", body="<p>After the storm.</p>")
    lead = await article(client, admin, "en", "Coast guard report", lead="A storm is coming.")
    title = await article(client, admin, "en", "Storm hits the coast")
    with statements_of(app) as first:
        assert await search(client, "en", "storm", limit=5) == [
            slug_of(a, "en") for a in (title, lead, body)
        ]
    pages = [s for s in first if "translations.published_at DESC" in s]
    assert len(pages) == 3 and not any("CASE WHEN" in page for page in pages), pages
    if app.state.db.engine.dialect.name != "sqlite":
        return
    with statements_of(app) as again:
        assert len(await search(client, "en", "storm", limit=4)) == 3
    listed = [[s.count("CASE WHEN") for s in run if "json_group_array" in s]
              for run in (first, again)]  # fmt: skip
    # The three tiers with the title's (the lead's 1 hit kept), the rest's in full when
    # reached; then, the rest known to have more than JOINT, each tier when reached.
    assert listed == [[3, 1], [1, 1, 1]], listed


async def test_a_walked_tier_lists_every_language_when_the_others_have_few(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: FTS5 filters a language by reading its whole document list, so a big tier
    whose hits are (nearly) all in the page's language is walked against its hits in every
    language, found out once (`OTHERS`); the walk reads the page's language alone, so
    another language's hit is never shown. Where others have more, the filter stays."""
    from app.search import query

    for n in range(2):
        await article(client, admin, "ru", f"Storm warning {n}")
    ours = [await article(client, admin, "en", f"Storm warning {n}") for n in range(3)]
    monkeypatch.setattr(query, "SQLITE_FREQUENT", 2)  # every tier of 2 hits or more walks
    walk_only(monkeypatch)
    expected = [slug_of(a, "en") for a in reversed(ours)]

    def walks(statements: list[str]) -> list[str]:
        return [s for s in statements if "IN (SELECT search_fts_head.rowid" in s]

    monkeypatch.setattr(query, "OTHERS", 1_000)  # the Russian hits are few
    with statements_of(app) as few:
        assert await search(client, "en", "storm", limit=5) == expected
    monkeypatch.setattr(query, "OTHERS", -1)  # any hit in another language is too many
    with statements_of(app) as many:
        assert await search(client, "en", "warning", limit=5) == expected
    if app.state.db.engine.dialect.name != "sqlite":
        return
    assert walks(few) and not any("{language}" in s for s in walks(few)), walks(few)
    assert walks(many) and all("{language}" in s for s in walks(many)), walks(many)


def scan_match(recorded: str) -> str:
    """The FTS5 query a recorded scan (`statements_of`) reads its rowids by."""
    name = re.search(r"WITH hits .*? MATCH :(\w+)", recorded)
    assert name, recorded
    value = re.search(rf"'{name[1]}': '([^']*)'", recorded)
    assert value, recorded
    return value[1]


@pytest.mark.parametrize("others", [1_000, -1])
async def test_a_walked_tier_s_page_is_its_newest_rowids_checked(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin: Credential,
    monkeypatch: pytest.MonkeyPatch,
    others: int,
) -> None:
    """SQLite: a walked tier's page with no filter is chosen from its highest FTS5 rowids
    (an entry's id: the order entries were made in; in the page's language alone when
    other languages hold more than OTHERS of them), then checked: a public version newer
    than the page's last hit whose entry is older than the rowids read has them read again
    down to it; past SCAN_MOST the page walks. Every page and cursor is the walk's, on both
    databases: a version made first and published last, two at one time, one scheduled,
    one taken down, one in another language; a filter walks."""
    from app.public import service
    from app.search import query

    monkeypatch.setattr(query, "OTHERS", others)

    now = datetime.now(UTC).replace(microsecond=0)
    late = await article(client, admin, "en", "Storm late", live=False)  # the oldest entry
    hours = [5, 4, 3, 3, 2]  # two published at one time
    made = [await article(client, admin, "en", f"Storm {n}", live=False) for n in range(5)]
    for created, hour in zip(made, hours, strict=True):
        await publish(client, admin, created["id"], "en", now - timedelta(hours=hour))
    await publish(client, admin, late["id"], "en", now - timedelta(hours=1))
    scheduled = await article(client, admin, "en", "Storm ahead", live=False)
    await publish(client, admin, scheduled["id"], "en", now + timedelta(hours=1))
    gone = await article(client, admin, "en", "Storm gone")
    response = await client.post(
        f"/v1/admin/articles/{gone['id']}/translations/en/unpublish", headers=admin.headers
    )
    assert response.status_code == 200, response.text
    await article(client, admin, "ru", "Storm abroad")
    monkeypatch.setattr(query, "SQLITE_FREQUENT", 1)  # every tier with a hit walks
    monkeypatch.setattr(query, "JOINT", 0)
    expected = await every_page(client, "en", "storm", 1)
    slugs = [slug_of(created, "en") for created in (late, made[4], *made[2:4], made[1], made[0])]
    assert expected[:2] + expected[4:] == slugs[:2] + slugs[4:]
    assert sorted(expected[2:4]) == sorted(slugs[2:4])  # the two by version id
    with monkeypatch.context() as walking, statements_of(app) as walked:
        walk_only(walking)
        assert await every_page(client, "en", "storm,", 1) == expected
    # The late entry below the first rowids read, looked up; too many late ones, and
    # walked; too few read, and walked; every hit read at once. (Each its own
    # punctuation: a URL of its own, which no cache has answered.)
    for first, most, late_most, q in (
        (5, 16, 16, "storm."),
        (5, 16, 0, "storm:"),
        (2, 2, 16, "storm!"),
        (1, 4, 16, "storm?"),
        (1, 4_096, 16, "storm|"),
        (256, 4_096, 16, "storm;"),
    ):
        monkeypatch.setattr(service, "SCAN_FIRST", first)
        monkeypatch.setattr(service, "SCAN_MOST", most)
        monkeypatch.setattr(service, "LATE_MOST", late_most)
        with statements_of(app) as scanned:
            for limit in (1, 2, 3, 6):
                assert await every_page(client, "en", q, limit) == expected, (first, limit)
        if app.state.db.engine.dialect.name != "sqlite":
            continue
        scans = [s for s in scanned if "WITH hits AS MATERIALIZED" in s]
        assert scans and not any("WITH hits" in s for s in walked), (first, scans)
        # In the page's language alone when others hold more (and when a remembered
        # verdict did not count them, `_sqlite_list`).
        languages = ["{language}" in scan_match(s) for s in scans]
        assert all(languages) if others < 0 else not all(languages), scans
        looked_up = any("AND rowid IN (SELECT value FROM json_each" in s for s in scanned)
        if first == 5:
            assert looked_up == (late_most > 0), (late_most, scanned)
        # The rows read are the tier's part of the page, in order: no statement over
        # `translations` chooses them again, unless a late version had to be looked up.
        among = [s for s in scanned if s.startswith("SELECT translations.id") and "json_each" in s]
        assert looked_up or not among, (first, most, among)
        # Each read holds as many rowids as the tier's part of the page needs, or SCAN_MOST.
        for scan in scans:
            read = re.search(r"ORDER BY rowid DESC LIMIT (\d+)\)", scan)
            need = re.search(r"translation_id DESC LIMIT (\d+)\)", scan)
            assert read and need, scan
            assert int(read[1]) - 1 >= min(int(need[1]), most), (first, most, scan)
    # A filter walks as before.
    with statements_of(app) as filtered:
        after = (now - timedelta(minutes=90)).isoformat()
        found = await search(client, "en", "storm", published_after=after)
    assert found == expected[:1]
    assert not any("WITH hits" in s for s in filtered), filtered
    # An import may write a version live now but published in the future (the API never
    # does): the newest of all, its entry among the oldest, found past the present
    # (`ix_search_documents_late`), among the versions scheduled for later.
    async with app.state.db.engine.begin() as conn:
        await conn.execute(
            update(Translation)
            .where(Translation.article_id == uuid.UUID(made[0]["id"]))
            .where(Translation.language == "en")
            .values(published_at=now + timedelta(days=2))
        )
    with monkeypatch.context() as walking:
        walk_only(walking)
        imported = await every_page(client, "en", "storm-", 1)
    assert imported == [slugs[-1], *expected[:-1]]
    for first, late_most, q in ((5, 16, "storm+"), (5, 0, "storm~"), (256, 16, "storm=")):
        monkeypatch.setattr(service, "SCAN_FIRST", first)
        monkeypatch.setattr(service, "LATE_MOST", late_most)
        for limit in (1, 2, 6):
            assert await every_page(client, "en", q, limit) == imported, (first, q, limit)


async def test_a_search_statement_past_its_budget_runs_again_on_the_session(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: a search page's statements run on the hot lane's own connection, in the
    event loop's thread, none on the request's session; one that holds the loop past
    STATEMENT_BUDGET is interrupted and run again on the session (in the driver's thread),
    with the same answer. PostgreSQL's run on the search pages' own engine, none on the
    session (which would begin, set the plans and roll back for each)."""
    from app.kit import statements as running
    from app.public import reads

    ours = [await article(client, admin, "en", f"Storm warning {n} issued") for n in range(3)]
    expected = [slug_of(a, "en") for a in reversed(ours)]
    # The response cache reads when the next scheduled change is once after writes.
    assert await search(client, "en", "issued") == expected
    session = app.state.db.engine.sync_engine
    if session.dialect.name == "postgresql":
        with recorded(session) as on_session, searched(app) as on_own:
            assert await search(client, "en", "storm") == expected
        assert any("FROM translations" in s for s in on_own), on_own
        assert not reads_of(on_session), on_session
        assert not any("SET LOCAL" in s for s in on_own), on_own
        return
    with recorded(session) as on_session, searched(app) as on_hot:
        assert await search(client, "en", "storm") == expected
    assert not reads_of(on_session), on_session
    assert any("search_fts" in s for s in on_hot) and any("translations" in s for s in on_hot)
    monkeypatch.setattr(reads, "STATEMENT_BUDGET", 0.0)
    monkeypatch.setattr(running, "PROGRESS_STEPS", 1)  # the clock read at every step
    with recorded(session) as on_session, searched(app) as on_hot:
        assert await search(client, "en", "warning") == expected
    # Each began on the hot lane and ran again, whole, on the session.
    ran = reads_of(on_session)
    assert ran and ran == on_hot, (ran, on_hot)


async def test_concurrent_searches_take_turns_between_their_statements(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    """Two searches at once each let the other run between their statements: SQLite's run
    in the event loop's thread and give the loop a turn before each (`statements.turn`),
    where a search otherwise ran whole before the loop read or wrote anything else;
    PostgreSQL's wait for the database. Both pages are those the searches give alone."""
    storms = [await article(client, admin, "en", f"Storm warning {n}") for n in range(3)]
    floods = [await article(client, admin, "en", f"Flood alert {n}") for n in range(3)]
    expected = {
        "storm": [slug_of(a, "en") for a in reversed(storms)],
        "flood": [slug_of(a, "en") for a in reversed(floods)],
    }
    for word, slugs in expected.items():
        assert await search(client, "en", word) == slugs
    # New URLs (their punctuation), which no cache has answered.
    with tasks_of_statements(app) as ran:
        pages = await asyncio.gather(search(client, "en", "storm!"), search(client, "en", "flood!"))
    assert list(pages) == [expected["storm"], expected["flood"]]
    first, second = dict.fromkeys(ran)  # the two searches' tasks, in their first statement's order
    assert ran.count(first) >= 2 and ran.count(second) >= 2, ran
    # Not one search's statements all before the other's.
    assert ran != sorted(ran, key=[first, second].index), ran


async def test_a_word_common_in_other_languages_is_looked_up_in_the_index(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    """A word frequent in English and absent from Ukrainian is found in neither by reading
    every document: PostgreSQL's search connections never plan a sequential scan
    (`SEARCH_SETTINGS`), where the planner, taking the word and the language for
    independent, expected hits early and read the whole index for none (1.7 s for «kyiv»
    in Ukrainian at 100k articles). SQLite's FTS5 reads its own index either way."""
    storms = [await article(client, admin, "en", f"Kyiv storm {n}") for n in range(3)]
    assert await search(client, "en", "kyiv") == [slug_of(a, "en") for a in reversed(storms)]
    ran: list[tuple[str, Any]] = []
    with listening(app, lambda statement, values: ran.append((statement, values))):
        assert await search(client, "ua", "kyiv") == []
    listings = [(s, v) for s, v in ran if "search_documents" in s and "LIMIT" in s]
    assert listings, ran
    if app.state.db.engine.dialect.name != "postgresql":
        return
    pool = await app.state.hot.search_pool()
    async with pool.acquire() as connection:
        for statement, values in listings:
            plan = await connection.fetchval(f"EXPLAIN (FORMAT JSON) {statement}", *values)
            assert "Seq Scan" not in plan, plan


@contextmanager
def tasks_of_statements(app: FastAPI) -> Iterator[list[int]]:
    """The task (by id) that ran each of the search pages' statements inside the block, in
    order (the hot lane's on SQLite, the search pages' pool's on PostgreSQL)."""
    tasks: list[int] = []

    def record(*_: Any) -> None:
        if (task := asyncio.current_task()) is not None:
            tasks.append(id(task))

    with listening(app, record):
        yield tasks


@contextmanager
def listening(app: FastAPI, listener: Any) -> Iterator[None]:
    """`listener` told each statement a search page (or a filtered list on SQLite) runs
    on the driver's own connections inside the block, with its values
    (`HotReads.statement_listeners`)."""
    listeners = app.state.hot.statement_listeners
    listeners.append(listener)
    try:
        yield
    finally:
        listeners.remove(listener)


async def test_a_big_listed_tier_is_paged_within_the_newest_versions_first(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: a listed tier of more than PG_WALK_LISTED hits is first paged within the
    language's newest versions (`Tier.window`), walking them rather than looking each hit
    up; when they hold less than a page (the hits are older), the tier is driven as
    before. Either way, every page and cursor is the one driving gives (SQLite, which pages
    its own way, gives the same)."""
    from app.search import query

    monkeypatch.setattr(query, "JOINT", 1)  # paged tier by tier
    monkeypatch.setattr(query, "PG_WALK_LISTED", 1)

    async def versions(_tiers: Any) -> int:  # the planner's estimate, made exact
        return 8

    monkeypatch.setattr(query.Tiers, "_versions", versions)
    floods = [await article(client, admin, "en", f"Flood warning {n}") for n in range(6)]
    for n in range(6):
        await article(client, admin, "en", f"Calm day {n}")
    storms = [await article(client, admin, "en", f"Storm warning {n}") for n in range(6)]
    # 6 hits in 8 versions: a window of ceil(1.5 × 3 / 0.75) = 6 newest for a page of 2.
    assert query.Tier(query.ALWAYS, hits=6, density=0.75).window(3) == 6
    for word, hits in (("storm", storms), ("flood", floods)):
        expected = [slug_of(a, "en") for a in reversed(hits)]
        with statements_of(app) as statements:
            assert await search(client, "en", word, limit=2) == expected[:2]
        assert await every_page(client, "en", word, 2) == expected
        if app.state.db.engine.dialect.name == "sqlite":
            continue
        pages = [s for s in statements if "translations.published_at DESC" in s]
        within = [s for s in pages if "OFFSET" in s]
        driven = [s for s in pages if "translations.language ||" in s]
        assert len(within) == 1, pages
        # The storms are the 6 newest versions; the floods are older than the calm days.
        assert len(driven) == (0 if word == "storm" else 1), pages


async def test_postgresql_estimates_a_page_s_tiers_once(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the planner's estimate of the anywhere tier decides for the title's and
    the lead's tiers too when it is under LIST_UNLESS_ESTIMATE (their hits are among its
    hits): each is listed without an estimate of its own. The page is the same on both
    databases."""
    from app.search import query

    monkeypatch.setattr(query, "FREQUENT", 1)  # every tier listed is found big, and walked
    estimated: list[str] = []
    estimate = query.Tiers._estimate

    async def counted(tiers: query.Tiers, field: str) -> float:
        estimated.append(field)
        return await estimate(tiers, field)

    monkeypatch.setattr(query.Tiers, "_estimate", counted)
    body = await article(client, admin, "en", "Harbour news", body="<p>After the storm.</p>")
    lead = await article(client, admin, "en", "Coast guard report", lead="A storm is coming.")
    title = await article(client, admin, "en", "Storm hits the coast")
    with statements_of(app) as statements:
        assert await search(client, "en", "storm") == [
            slug_of(a, "en") for a in (title, lead, body)
        ]
    if app.state.db.engine.dialect.name == "sqlite":
        return
    assert estimated == [""]  # anywhere's alone, by statistics or by `EXPLAIN`
    explained = [s for s in statements if s.startswith("EXPLAIN")]
    # The language's versions, for its threshold (`Tiers._frequent`; kept with the tiers'
    # sizes), and anywhere's estimate, each at most once.
    versions = [s for s in explained if "FROM translations WHERE language" in s]
    assert len(versions) <= 1, explained
    explained = [s for s in explained if s not in versions]
    assert len(explained) <= 1 and all("search_documents.vector @@" in s for s in explained)
    listed = [s for s in statements if "array_agg" in s]
    assert len(listed) == 3, listed  # each tier's (LIMIT FREQUENT), each found big


@pytest.mark.postgres_only
async def test_postgresql_works_out_the_planner_s_estimates_from_statistics(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    """PostgreSQL, once the search index has been analysed: a page's estimates are worked
    out in the worker from the index's statistics (`app.search.estimate`), read in one
    statement once per STATISTICS_SECONDS, instead of an `EXPLAIN` each; they are the
    planner's own figures, for words, phrases, each field and each language."""
    import json

    from app.kit.statements import Binder, numbered
    from app.search import estimate, query

    ours = [
        await article(
            client,
            admin,
            lang,
            f"{title} {n}",
            lead=lead,
            body=f"<p>{body} {n}.</p>",
        )
        for n in range(4)
        for lang, title, lead, body in (
            ("en", "Storm hits the coast", "A storm warning.", "Power lines cut by the storm"),
            ("ua", "Шторм на узбережжі", "Попередження про шторм.", "Енергетики у Києві працюють"),
            ("ru", "Шторм на побережье", "Штормовое предупреждение.", "Энергетики в Москве"),
        )
    ]
    async with app.state.db.engine.connect() as connection:
        await connection.execute(sql_text("ANALYZE search_documents"))
        await connection.commit()
    expected = [slug_of(a, "en") for a in reversed(ours[::3])]
    with statements_of(app) as first:
        assert await search(client, "en", "storm") == expected
    with statements_of(app) as second:
        assert await search(client, "en", "storm coast") == expected
    # No tier is estimated by `EXPLAIN`; the language's versions are, once (the threshold
    # between listing and walking a tier, `Tiers._frequent`, kept with the tiers' sizes).
    explained = [s for s in first + second if s.startswith("EXPLAIN")]
    assert [s for s in explained if "FROM translations WHERE language" in s] == explained
    assert len(explained) <= 1, explained
    read = [s for s in first if "pg_stats" in s]
    assert len(read) == 1 and not [s for s in second if "pg_stats" in s], (first, second)

    async with app.state.db.engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        statistics = estimate.Statistics.of(
            [dict(row) for row in await driver.fetch(estimate.STATISTICS_SQL)]
        )
        assert statistics is not None and set(statistics.columns) == set(estimate.COLUMNS)
        compared = 0
        for lang, text_search, queries in (
            ("en", "english", ["storm", "storm coast", '"storm warning"', "power storm", "zebra"]),
            ("ua", "ukrainian", ["шторм", '"шторм на узбережжі"', "Київ енергетик", "сонце"]),
            ("ru", "russian", ["шторм", '"штормовое предупреждение"', "Москва"]),
        ):
            for q in queries:
                parsed = parse(q, analyzer_for(text_search))
                for field in ("", "A", "B"):
                    bind = Binder()
                    sql, names = numbered(query._ids(parsed, "postgresql", bind, field, lang))
                    plan = await driver.fetchval(
                        f"EXPLAIN (FORMAT JSON) {sql}", *(bind.values[n] for n in names)
                    )
                    plan = json.loads(plan) if isinstance(plan, str) else plan
                    planned = plan[0]["Plan"]["Plan Rows"]
                    mine = statistics.rows_matching(query._pg_conditions(parsed, field, lang))
                    assert mine == planned, (lang, q, field, mine, planned)
                    compared += 1
    assert compared == 36


def test_the_estimate_reads_every_tsquery_the_search_writes() -> None:
    """`app.search.estimate` parses tsquery text with tsquery's own precedence (`!`, `<->`,
    `&`, `|`) and escapes, and refuses what it cannot read rather than guess."""
    from app.search.estimate import Column, Statistics

    statistics = Statistics(
        1000, {"vector": Column({"a": 0.5, "b": 0.2, "it's": 0.1, "c\\d": 0.3}, 0.02)}
    )

    def rows(tsquery: str) -> float:
        return statistics.rows_matching([("vector", tsquery)])

    assert rows("'a'") == 500
    assert rows("'a' & 'b'") == 100
    assert rows("'a' | 'b'") == 600  # 0.5 + 0.2 - 0.1
    assert rows("'a' | 'b' & 'a'") == 550  # & binds first: 0.5 + 0.1 - 0.05
    assert rows("('a' | 'b') & 'a'") == 300
    assert rows("'a' <-> 'b' | 'a'") == 550  # <-> binds before |, as AND
    assert rows("!'a' & 'b'") == 100
    assert rows("'a':AB & 'b':A") == 100  # weights do not count
    assert rows("'zzz'") == 5  # not among the frequent: half the least, at most 0.005
    assert rows("'it''s'") == 100
    assert rows("'c\\\\d'") == 300
    assert statistics.rows_matching([("vector", "'a'"), ("pairs", "'a'")]) == 2  # no list
    assert Statistics(1000, {}).rows_matching([("vector", "'a'")]) == 5
    assert Statistics(10, {}).rows_matching([("vector", "'a'")]) == 1  # at least one row
    # Never analysed (no row count), or no column's statistics to be seen: no estimate.
    table = {"rows": 1000.0, "pages": 10, "pages_now": 10}
    assert Statistics.of([{**table, "rows": -1.0, "name": None}]) is None
    assert Statistics.of([{**table, "name": None, "lexemes": None, "frequencies": None}]) is None
    seen = Statistics.of(
        [{**table, "name": "head", "lexemes": ["a"], "frequencies": [0.5, 0.5, 0.5]}]
    )
    assert seen is not None and seen.rows_matching([("head", "'a'"), ("vector", "'b'")]) == 2
    for broken in ("'a' &", "('a'", "'a')", "& 'a'", "'a' 'b'", "a", "'a"):
        with pytest.raises(ValueError, match=r"tsquery|lexeme"):
            rows(broken)


@contextmanager
def searched(app: FastAPI) -> Iterator[list[str]]:
    """The statements of search pages run inside the block on the driver's own connections
    (SQLite: the hot lane's; PostgreSQL: the search pages' pool's), without parameters."""
    statements: list[str] = []
    with listening(app, lambda statement, _: statements.append(statement)):
        yield statements


def reads_of(statements: list[str]) -> list[str]:
    """A search's statements among these (the cache bus polls its table meanwhile)."""
    return [s for s in statements if "translations" in s or "search_" in s]


@contextmanager
def recorded(engine: Any) -> Iterator[list[str]]:
    """The statements `engine` (None: none) runs inside the block, without parameters."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    if engine is not None:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        if engine is not None:
            event.remove(engine, "before_cursor_execute", record)


def matching_by_id(page: str) -> bool:
    """SQLite: the page statement starts from a tier's hits (`matching.BY_ID`)."""
    return "INDEXED BY ix_translations_by_id" in page


async def test_language_codes_that_share_a_prefix_keep_their_hits_apart(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    """`pt` and `pt-br` are two languages: each finds its own versions, and only them.
    SQLite's FTS5 tokenizer would split `pt-br` into `pt` and `br`: the index writes it
    as one token, and the tiers must ask for the same one, or `pt-br` finds nothing."""
    for code, bcp47 in (("pt", "pt-PT"), ("pt-br", "pt-BR")):
        language = {"code": code, "bcp47": bcp47, "name": code, "native_name": code}
        r = await client.post("/v1/admin/languages", json=language, headers=admin.headers)
        assert r.status_code == 201, r.text
    pt = await article(client, admin, "pt", "Tempestade na costa")
    br = await article(client, admin, "pt-br", "Tempestade no litoral")
    assert await search(client, "pt", "tempestade") == [slug_of(pt, "pt")]
    assert await search(client, "pt-br", "tempestade") == [slug_of(br, "pt-br")]


@pytest.mark.postgres_only
async def test_postgresql_plans_a_walked_tier_s_page_once(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: a walked tier's page (the newest-first index walked, each version's
    match tested) is run on a connection of the hot lane, which keeps one plan for it,
    not on the search page's own, which plans each statement for its values: its plan is
    the same whatever the words, and planning it again took 0.4-0.7 ms of the server's CPU
    a frequent-word search. The tier listings stay planned for their values. Pages are
    the same as without a walk."""
    from app.search import query

    await article(client, admin, "en", "Harbour news", body="<p>After the storm.</p>")
    await article(client, admin, "en", "Coast guard report", lead="A storm is coming.")
    await article(client, admin, "en", "Storm hits the coast")
    await article(client, admin, "en", "Rain hits the coast", body="<p>Rain, then wind.</p>")
    listed = {q: await search(client, "en", q) for q in ("storm", "coast")}
    monkeypatch.setattr(query, "FREQUENT", 1)  # every tier walked
    with statements_of(app) as statements:
        for q in ("storm", "coast"):  # another page size: not the cached page
            assert await search(client, "en", q, limit=19) == listed[q]
    walks = {s.split(" -- ")[0] for s in statements if "ORDER BY translations.published_at" in s}
    assert walks, statements
    hot = app.state.hot
    on_lane = await _prepared(await hot._postgres_pool())
    on_search = await _prepared(await hot.search_pool())
    for walk in walks:
        assert on_lane.get(walk, (0, 0))[0] >= 1, (walk, on_lane)  # generic plans
        assert on_lane[walk][1] == 0, on_lane[walk]  # no custom one
        assert walk not in on_search, walk
    assert any("array_agg" in text for text in on_search), on_search  # the listings there


async def _prepared(pool: Any) -> dict[str, tuple[int, int]]:
    """Each statement prepared on the pool's connections, with its generic and custom
    plans so far (summed over the connections)."""
    found: dict[str, tuple[int, int]] = {}
    async with every_connection(pool) as connections:
        for connection in connections:
            rows = await connection.fetch(
                "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
            )
            for text, generic, custom in rows:
                before = found.get(text, (0, 0))
                found[text] = (before[0] + generic, before[1] + custom)
    return found


async def test_postgresql_lists_a_frequent_match_once(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the one statement that lists every tier lists each by its own match
    (the title's and the lead's in `head`); when "anywhere" has FREQUENT hits or more it
    is known frequent and not listed again (4-5 ms for a two-word query at 100k
    articles), and the title and lead tiers are not listed again either; the page is the
    same. SQLite lists no such read."""
    from app.search import query

    for n in range(4):
        await article(client, admin, "en", f"Report {n}", body="<p>The storm came.</p>")
    await article(client, admin, "en", "Storm hits the coast")
    before = await search(client, "en", "storm", limit=10)
    monkeypatch.setattr(query, "FREQUENT", 2)
    with statements_of(app) as statements:
        # Another page size: the response cache must not answer with the first page.
        found = await search(client, "en", "storm", limit=9)
    assert found == before[:9]
    assert len(before) == 5
    if app.state.db.engine.dialect.name != "postgresql":
        assert not any("array_agg" in s for s in statements)
        return
    listings = [s for s in statements if "array_agg(" in s]
    every = [s for s in listings if s.count("array_agg(") == 3]
    anywhere = [s for s in listings if "search_documents.vector @@" in s]
    if every:  # the planner's estimate let the one statement of every tier run
        assert "FILTER" not in every[0]  # no row's title and lead matched one by one
        assert listings == every, statements  # and no tier listed again
    else:
        assert len(anywhere) <= 1, statements


async def test_a_phrase_s_hits_anywhere_are_listed_up_to_twice_the_threshold(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: a phrase's anywhere tier, matched by each document's out-of-line
    `pairs`, costs about four times as much a row walked as a hit listed, so it is listed
    with up to PAIRS_FREQUENT times the language's threshold (FREQUENT here) and walked
    past that; a word's tier is walked past the threshold itself. The pages are the same."""
    from app.search import query

    monkeypatch.setattr(query, "FREQUENT", 2)
    made = [
        await article(client, admin, "en", f"Report {n}", body="<p>The storm surge came.</p>")
        for n in range(3)
    ]
    expected = [slug_of(created, "en") for created in reversed(made)]
    walked = "coalesce((SELECT search_documents.{} @@"
    for q, column, listed in (('"storm surge"', "pairs", True), ("surge", "vector", False)):
        with statements_of(app) as statements:
            assert await search(client, "en", q) == expected, q
        if app.state.db.engine.dialect.name != "postgresql":
            continue
        walks = [s for s in statements if walked.format(column) in s]
        assert (not walks) == listed, (q, statements)
    monkeypatch.setattr(query, "PAIRS_FREQUENT", 1)  # as a word's: walked
    with statements_of(app) as statements:
        assert await search(client, "en", '"storm surge",') == expected
    if app.state.db.engine.dialect.name == "postgresql":
        assert any(walked.format("pairs") in s for s in statements), statements


async def test_a_tier_found_big_is_not_listed_again(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tier found to have FREQUENT hits or more (SQLite: SQLITE_FREQUENT in the page's
    language) is not listed again by the next search of the same words in that language:
    listing it costs every hit the index holds for the words (GIN builds the whole
    bitmap first). The page is the same; and a verdict gone stale (hits taken down since)
    changes how the page is read, never what it holds."""
    from app.search import query

    made = [await article(client, admin, "en", f"Storm report {n}") for n in range(3)]
    monkeypatch.setattr(query, "FREQUENT", 2)
    monkeypatch.setattr(query, "SQLITE_FREQUENT", 2)
    sqlite = app.state.db.engine.dialect.name == "sqlite"

    def title_listings(statements: list[str]) -> list[str]:
        """The statements listing the title tier's hits (its marks on PostgreSQL)."""
        if sqlite:
            return [s for s in statements if "json_group_array" in s and "{title title_alt} :" in s]
        return [s for s in statements if "array_agg(" in s and "'^storm'" in s]

    with statements_of(app) as first:
        found = await search(client, "en", "storm", limit=10)
    # Other page sizes: the response cache must not answer.
    with statements_of(app) as second:
        again = await search(client, "en", "storm", limit=9)
    assert again == found == [slug_of(created, "en") for created in reversed(made)]
    assert title_listings(first), first
    assert not title_listings(second), second

    for created in made[:2]:
        url = f"/v1/admin/articles/{created['id']}/translations/en/unpublish"
        r = await client.post(url, json={}, headers=admin.headers)
        assert r.status_code == 200, r.text
    with statements_of(app) as stale:
        left = await search(client, "en", "storm", limit=8)
    assert left == [slug_of(made[2], "en")]
    assert not title_listings(stale), stale  # still taken for big: walked, not listed


async def test_two_word_phrases_follow_edits_and_deletes(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    """Two-word phrases are answered by pairs of neighbouring lemmas (SQLite: the
    contentless pairs table; PostgreSQL: `pairs`). An edit takes the old text's pairs out
    (the same document keeps its rowid: a pair left behind would still find it), and a
    deleted document's pairs go before SQLite hands its rowid to the next one."""
    created = await create_article(
        client,
        admin,
        original="ua",
        translations={
            "ua": text("Штормове попередження"),
            "en": text("Storm warning for the coast"),
        },
    )
    await publish(client, admin, created["id"], "en")
    slug = slug_of(created, "en")
    assert await search(client, "en", '"storm warning"') == [slug]
    await put_translation(client, admin, created["id"], "en", text("Coast guard report"))
    assert await search(client, "en", '"storm warning"') == []
    assert await search(client, "en", '"coast guard"') == [slug]

    base = f"/v1/admin/articles/{created['id']}/translations/en"
    current = await client.get(base, headers=admin.headers)
    r = await client.delete(base, headers={**admin.headers, "If-Match": current.headers["ETag"]})
    assert r.status_code == 204, r.text
    assert await search(client, "en", '"coast guard"', limit=9) == []
    sqlite = app.state.db.engine.dialect.name == "sqlite"
    if sqlite:
        assert await _scalar(app, "SELECT count(*) FROM search_fts_pairs_gone") == 1
    # The next document may take the deleted one's rowid (SQLite hands the highest out
    # again): none of the deleted one's pairs may come with it.
    later = await article(client, admin, "en", "Harbour news", lead="Calm seas.")
    assert await search(client, "en", '"coast guard"', limit=8) == []
    assert await search(client, "en", '"calm seas"') == [slug_of(later, "en")]
    if sqlite:
        assert await _scalar(app, "SELECT count(*) FROM search_fts_pairs_gone") == 0
        found = await _scalar(
            app,
            "SELECT count(*) FROM search_fts_pairs"
            " WHERE search_fts_pairs MATCH 'coast_guard OR _coast_guard OR __coast_guard'",
        )
        assert found == 0
        check = "INSERT INTO search_fts_pairs (search_fts_pairs) VALUES ('integrity-check')"
        async with app.state.db.engine.begin() as conn:
            await conn.execute(sql_text(check))  # raises when the index is inconsistent


async def test_phrases_of_letters_newer_than_the_tokenizer_s_tables(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    """SQLite's tokenizer knows Unicode 6.1: a letter added since (Adlam, Unicode 9) is a
    separator to it and a letter to the analysers, so a pair around such a word is not one
    token to FTS5. Such phrases must answer like any other (never a 500), both ways."""
    created = await article(client, admin, "en", "𞤀𞤁𞤂 storm warning")
    for q in ('"𞤀𞤁𞤂 storm"', '"storm 𞤀𞤁𞤂"', '"𞤀𞤁𞤂 𞤃𞤄"', '"storm warning"'):
        r = await client.get("/v1/en/articles", params={"q": q})
        assert r.status_code == 200, (q, r.text)
    assert await search(client, "en", '"storm warning"') == [slug_of(created, "en")]
    assert await search(client, "en", '"𞤀𞤁𞤂 storm"', limit=9) == [slug_of(created, "en")]


async def _scalar(app: FastAPI, sql: str) -> Any:
    async with app.state.db.engine.begin() as conn:
        return await conn.scalar(sql_text(sql))


async def test_a_phrase_s_title_hits_are_among_its_hits(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    """A phrase's title and lead tiers hold the versions where its words are neighbours
    there, not those with both words apart. PostgreSQL, when the phrase has few hits,
    checks each of them (its pairs: GIN alone) in the one statement that lists every tier,
    rather than every document with both words' marks in the field, which GIN would read
    one by one (165 ms for a phrase with no hit at all, at 1,000,000 articles)."""
    title = await article(client, admin, "en", "Storm warning for the coast")
    body = await article(
        client, admin, "en", "Warning: a storm is coming", body="<p>A storm warning now.</p>"
    )
    lead = await article(client, admin, "en", "Coast news", lead="The storm warning stays.")
    await article(client, admin, "en", "Storm and a warning", lead="Apart.")
    with statements_of(app) as statements:
        found = await search(client, "en", '"storm warning"')
    assert found == [slug_of(title, "en"), slug_of(lead, "en"), slug_of(body, "en")]
    if app.state.db.engine.dialect.name != "postgresql":
        return
    by_field = [s for s in statements if "array_agg" in s and "search_documents.head @@" in s]
    assert len(by_field) == 1, statements  # the title's and the lead's, in one statement
    assert "FILTER (WHERE" in by_field[0], by_field  # each hit checked, not GIN's candidates


async def test_both_sqlite_plans_give_the_same_pages(
    client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query with few hits is paged in one statement, every tier ranked in it; else
    tier by tier. SQLite reads rare terms' hits and sorts them, but walks the newest-first index for
    frequent ones, testing each row against the hits read whole or, for very frequent
    ones, by looking its document up: the answer must not depend on which (PostgreSQL
    plans on its own)."""
    from app.search import query

    await article(client, admin, "en", "Storm hits the coast", lead="Storms again.")
    await article(client, admin, "en", "Coast guard report", lead="A storm is coming.")
    await article(client, admin, "en", "Harbour news", body="<p>After the storm, calm.</p>")
    await article(client, admin, "en", "Storm warning for the coast")
    await article(client, admin, "en", "Weather", body="<p>No storm today.</p>", live=False)

    async def pages(q: str, limit: int) -> list[str]:
        """Every hit, page by page (each way its own page size: the response cache must
        not answer with what another way made)."""
        return await every_page(client, "en", q, limit)

    queries = ("storm", "storm coast", '"storm warning"', '"storm warning" coast', '"a storm"')
    rare = {q: await pages(q, 2) for q in queries}  # every tier in one statement (JOINT)
    monkeypatch.setattr(query, "JOINT", 0)  # tier by tier, each driving
    assert {q: await pages(q, 4) for q in queries} == rare
    monkeypatch.setattr(query, "FREQUENT", 1)
    monkeypatch.setattr(query, "SQLITE_FREQUENT", 1)
    assert {q: await pages(q, 3) for q in queries} == rare
    # SQLite: a frequent tier read whole (above), or tested row by row as the page walks.
    monkeypatch.setattr(query, "DENSE", 0)
    assert {q: await pages(q, 1) for q in queries} == rare
    assert len(rare["storm"]) == 4


COPIED = ("language", "status", "publish_at", "published_at", "expire_at")


async def _copies(app: FastAPI) -> list[tuple[Any, Any]]:
    """Each search document's copies of its translation's columns, and the columns."""
    columns = ", ".join(f"d.{c}" for c in COPIED) + ", " + ", ".join(f"t.{c}" for c in COPIED)
    async with app.state.db.engine.connect() as conn:
        rows = (
            await conn.execute(
                sql_text(
                    f"SELECT {columns} FROM search_documents AS d"  # noqa: S608 (fixed names)
                    " JOIN translations AS t ON t.id = d.translation_id"
                )
            )
        ).all()
    return [(tuple(row[:5]), tuple(row[5:])) for row in rows]


async def test_search_documents_copy_what_a_page_reads_through_every_write(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    """SQLite: each search document carries its translation's language, status and times,
    copied by triggers in the writing transaction whatever the write (publish, schedule,
    takedown, unpublish, archive, an edit, a new version); a driving tier's page reads
    them (`ix_search_documents_public`). PostgreSQL leaves them NULL."""
    sqlite = app.state.db.engine.dialect.name == "sqlite"

    async def check(step: str) -> None:
        copies = await _copies(app)
        assert copies, step
        for copied, translation in copies:
            if sqlite:
                assert copied == translation, step
            else:
                assert copied == (None,) * len(COPIED), step

    created = await create_article(
        client, admin, original="en", translations={"en": text("Harbour storm")}
    )
    ident = created["id"]
    base = f"/v1/admin/articles/{ident}/translations/en"
    await check("draft")
    soon = datetime.now(UTC) + timedelta(days=1)
    await publish(client, admin, ident, "en", at=soon)
    await check("scheduled")
    await publish(client, admin, ident, "en", at=soon + timedelta(hours=2))
    await check("rescheduled (its time alone changed)")
    assert await search(client, "en", "storm") == []
    await publish(client, admin, ident, "en")
    await check("published")
    for days in (2, 3):
        r = await client.post(
            f"{base}/publish",
            json={"expire_at": (soon + timedelta(days=days)).isoformat()},
            headers=admin.headers,
        )
        assert r.status_code == 200, r.text
        await check(f"a takedown in {days} days (its time alone changed)")
    assert await search(client, "en", "storm") == [slug_of(created, "en")]
    for action in ("unpublish", "publish", "archive", "publish"):
        r = await client.post(f"{base}/{action}", json={}, headers=admin.headers)
        assert r.status_code == 200, r.text
        await check(action)
    await put_translation(client, admin, ident, "en", text("Harbour gale", "Winds."))
    await check("edited")
    added = await put_translation(client, admin, ident, "ua", text("Шторм у гавані"))
    await publish(client, admin, ident, "ua")
    await check("a new version")
    assert await search(client, "ua", "шторм") == [added.json()["slug"]]


async def test_a_driving_tier_takes_its_newest_hits_from_the_search_documents(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: a tier with few hits, paged with no filter, takes the newest public of
    them from the search documents' copies (`ix_search_documents_public`) and looks up
    only those: the same pages, cursors included, as every hit looked up; a scheduled or
    unpublished hit shows in neither. With a filter the page looks every hit up as before."""
    from app.search import query

    monkeypatch.setattr(query, "JOINT", 1)  # a statement per tier
    sqlite = app.state.db.engine.dialect.name == "sqlite"
    tag = await create_term(client, admin, "tags", en="Weather")
    made = [
        await article(client, admin, "en", f"Storm report {n}", tag_ids=[tag["id"]][: n % 2])
        for n in range(5)
    ]
    later = await article(client, admin, "en", "Storm ahead", live=False)
    await publish(client, admin, later["id"], "en", at=datetime.now(UTC) + timedelta(days=1))
    gone = await article(client, admin, "en", "Storm over")
    r = await client.post(
        f"/v1/admin/articles/{gone['id']}/translations/en/unpublish",
        json={},
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    lead = await article(client, admin, "en", "Harbour news", lead="A storm is coming.")
    newest_first = [slug_of(a, "en") for a in reversed(made)] + [slug_of(lead, "en")]
    with statements_of(app) as statements:
        assert await every_page(client, "en", "storm", 2) == newest_first
    pages = [s for s in statements if "ORDER BY translations.published_at DESC" in s]
    from_documents = [s for s in pages if "ix_search_documents_public" in s]
    assert len(from_documents) == (len(pages) if sqlite else 0), pages
    with statements_of(app) as filtered:
        found = await search(client, "en", "storm", tag=tag["translations"]["en"]["slug"])
    assert found == [slug_of(a, "en") for a in reversed(made) if a is made[1] or a is made[3]]
    assert not any("ix_search_documents_public" in s for s in filtered)
