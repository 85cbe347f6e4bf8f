"""`newsdesk bench-data`: the texts it writes, then the archive through the real CLI and
the API, on every database."""

import asyncio
import os
import re
import sys
import uuid
from collections import Counter
from datetime import UTC, datetime
from random import Random
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth.service import Role
from app.benchdata import articles as generated
from app.benchdata.articles import PHRASEBOOKS, Generator, Setup
from app.benchdata.grammar import Words
from app.benchdata.load import generate
from app.benchdata.taxonomy import LANGUAGES, tags
from app.benchdata.terms import Terms
from app.benchdata.writer import make_focus, make_pools, write
from app.config import Settings
from app.kit import html
from app.kit.slugs import is_valid_slug
from app.search.analysis import WORD, analyzer_for
from app.search.documents import Document
from app.search.index import rebuild
from tests.conftest import Credential, make_key
from tests.search.test_index import sqlite_pairs

TEXT_SEARCH = {"ua": "ukrainian", "en": "english", "ru": "russian"}
WORDS = {code: Words(book) for code, book in PHRASEBOOKS.items()}
SCRIPTS = {"ua": "іїєґ", "ru": "ыэъё", "en": "abcdefghijklmnopqrstuvwxyz"}


def _texts(code: str, count: int, seed: int = 7) -> list[Any]:
    pools, rng = make_pools(), Random(seed)
    return [write(WORDS[code], pools, make_focus(rng, pools), rng, 2025) for _ in range(count)]


# --- The texts ----------------------------------------------------------------------


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_word_form_is_one_word_for_search_and_for_the_word_count(code: str) -> None:
    forms = WORDS[code].vocabulary.forms
    assert 500 < len(forms) < 5000
    for form in forms:
        assert [m.group() for m in WORD.finditer(form)] == [form], form
        assert html.word_count(form) == 1, form


@pytest.mark.parametrize("code", LANGUAGES)
def test_texts_have_news_shape(code: str) -> None:
    for t in _texts(code, 40):
        assert 6 <= len(t.words[0]) <= 12, t.title
        assert 300 <= len(t.words[2]) <= 700
        assert 4 <= t.body_html.count("<p>") == t.body_html.count("</p>") <= 10
        assert 1 <= t.lead.count(".") <= 2
        assert html.sanitize(t.body_html) == t.body_html
        assert t.word_count == html.word_count(t.title, t.lead, t.body_html)
        assert t.title[0].isupper() and t.lead.lstrip("«“")[0].isupper()
        assert set(SCRIPTS[code]) & set(t.body_html.lower())


def test_ukrainian_and_russian_words_are_inflected() -> None:
    ua = " ".join(t.body_html for t in _texts("ua", 60))
    ru = " ".join(t.body_html for t in _texts("ru", 60))
    for form in ("Києві", "Києва", "Зеленський", "Зеленського", "уряд", "уряду", "урядом"):
        assert re.search(rf"\b{form}\b", ua), form
    for form in ("Киеве", "Зеленский", "Зеленского", "правительство", "правительства"):
        assert re.search(rf"\b{form}\b", ru), form
    assert "ё" in ru and "’" in ua


def test_word_frequencies_are_skewed() -> None:
    counts = Counter(w for t in _texts("ua", 100) for w in t.words[2])
    ranked = [n for _, n in counts.most_common()]
    assert ranked[0] > 50 * ranked[len(ranked) // 2] > 0
    assert sum(1 for n in ranked if n <= 3) > 100  # a long tail of rare forms


@pytest.mark.parametrize("code", LANGUAGES)
def test_index_terms_are_what_analysing_the_text_gives(code: str) -> None:
    analyzer = analyzer_for(TEXT_SEARCH[code])
    table = generated.lemma_tables(TEXT_SEARCH)[code]
    terms = Terms([table[f] for f in WORDS[code].vocabulary.forms])
    for t in _texts(code, 15):
        document = Document.analyse(analyzer, t.title, t.lead, t.body_html)
        assert terms.document(t.words) == document
        assert terms.tsvector(t.words) == document.tsvector()
        assert terms.tsvector(t.words, 2) == document.tsvector(2)
        assert terms.tsvector(t.words, 2, "ua", marked=True) == document.tsvector(2, "ua", True)
        assert terms.tsvector(t.words, language="ru") == document.tsvector(language="ru")
        assert terms.pairs(t.words) == document.pairs()
        assert terms.pairs(t.words, "ua") == document.pairs("ua")
        assert terms.fts_columns(t.words) == document.fts_columns()


def _setup(seed: int, **overrides: Any) -> Setup:
    fake_lemmas = {code: {f: (f.lower(),) for f in WORDS[code].vocabulary.forms}
                   for code in LANGUAGES}  # fmt: skip
    entries, layout = tags()
    values: dict[str, Any] = {
        "seed": seed, "total": 40, "first": 1, "now": datetime(2026, 11, 26, tzinfo=UTC),
        "dialect": "sqlite", "random_ids": False, "bcp47": {"ua": "uk", "en": "en", "ru": "ru"},
        "lemmas": fake_lemmas, "authors": [uuid.uuid4() for _ in range(200)],
        "categories": [(uuid.uuid4(), "politics")], "tags": [uuid.uuid4() for _ in entries],
        "tag_layout": layout,
    }  # fmt: skip
    return Setup(**{**values, **overrides})


def test_the_same_seed_writes_the_same_archive() -> None:
    first = Generator(_setup(1)).batch(0)
    again = Generator(_setup(1)).batch(0)
    other = Generator(_setup(2)).batch(0)
    assert first.translations == again.translations and first.search == again.search
    assert [t["title"] for t in first.translations] != [t["title"] for t in other.translations]
    appended = Generator(_setup(1, random_ids=True)).batch(0)
    assert [t["title"] for t in appended.translations] == [t["title"] for t in first.translations]
    assert appended.articles[0]["id"] != first.articles[0]["id"]


# --- The archive, through the CLI and the API -------------------------------------


async def _cli(url: str, *args: str) -> tuple[int, str]:
    env = {"NEWSDESK_DATABASE_URL": url, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def _rows(conn: AsyncConnection, sql: str) -> list[Any]:
    return list(await conn.execute(text(sql)))


async def _index_content(conn: AsyncConnection) -> dict[Any, tuple[Any, ...]]:
    if conn.dialect.name == "postgresql":
        sql = "SELECT translation_id, vector::text, head::text FROM search_documents"
        return {row[0]: tuple(row[1:]) for row in await _rows(conn, sql)}
    sql = (
        "SELECT d.translation_id, f.title, f.lead, f.body, f.title_alt, f.lead_alt, "
        "f.body_alt, h.* FROM search_documents d "
        "JOIN search_fts f ON f.rowid = d.id JOIN search_fts_head h ON h.rowid = d.id"
    )
    pairs = await sqlite_pairs(conn)  # by column, position and pair: rowids may differ
    return {row[0]: (*row[1:], pairs.get(row[0])) for row in await _rows(conn, sql)}


async def _public(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(path, params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_the_cli_fills_an_archive_the_api_serves(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, settings: Settings
) -> None:
    started = datetime.now(UTC)
    code, err = await _cli(settings.database_url, "bench-data", "--articles", "200")
    assert code == 0, err
    assert re.search(r"^generated 200 articles \(\d+ translations\) in [\d.]+ s$", err, re.M)

    engine = app.state.db.engine
    async with engine.connect() as conn:
        per_article = Counter(
            n for (n,) in await _rows(conn, "SELECT count(*) FROM translations GROUP BY article_id")
        )
        statuses = Counter(
            (lang, status)
            for lang, status in await _rows(conn, "SELECT language, status FROM translations")
        )
        originals = Counter(
            lang for (lang,) in await _rows(conn, "SELECT original_language FROM articles")
        )
        samples = await _rows(
            conn,
            "SELECT t.article_id, t.language, t.status, t.slug, t.title, t.lead, t.body_html, "
            "t.word_count, t.reading_time_minutes FROM translations t",
        )
        revisions = await _rows(
            conn,
            "SELECT r.number, r.action, a.last_revision, a.created_by FROM revisions r "
            "JOIN articles a ON a.id = r.article_id",
        )
        assert (await conn.scalar(text("SELECT count(*) FROM authors"))) == 200
        assert (await conn.scalar(text("SELECT count(*) FROM tags"))) == 500
        assert (await conn.scalar(text("SELECT count(*) FROM categories"))) == 20
        if conn.dialect.name == "postgresql":  # the planner has statistics to go by
            analyzed = await conn.scalar(
                text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'translations'")
            )
            assert analyzed is not None and analyzed >= started
            # Into an empty index the GIN indexes are built after the load: all three.
            gin = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_indexes WHERE tablename = 'search_documents' "
                    "AND indexdef LIKE '%USING gin%'"
                )
            )
            assert gin == 3
            assert "GIN indexes built after" in err
    assert sum(per_article.values()) == 200 and per_article[3] > 0 and per_article[1] > 0
    assert sum(statuses.values()) == len(samples)
    assert originals["ua"] > originals["en"] > originals["ru"] > 0
    share = sum(n for (_, s), n in statuses.items() if s == "published") / len(samples)
    assert 0.8 < share < 0.97
    assert {s for _, s in statuses} == {"published", "draft", "scheduled", "archived"}
    assert len(revisions) == 200 and set(revisions) == {(1, "create", 1, None)}
    for row in samples:
        assert is_valid_slug(row.slug)
        assert row.word_count == html.word_count(row.title, row.lead, row.body_html)
        assert row.reading_time_minutes == html.reading_time_minutes(row.word_count)

    # Public lists: every language, newest first, nothing but public versions.
    for lang in LANGUAGES:
        items = await _public(client, f"/v1/{lang}/articles")
        assert len(items) == 100
        dates = [item["published_at"] for item in items]
        assert dates == sorted(dates, reverse=True) and len(set(dates)) == len(dates)
    draft = next(r for r in samples if r.status == "draft")
    scheduled = next(r for r in samples if r.status == "scheduled")
    archived = next(r for r in samples if r.status == "archived")
    assert (await client.get(f"/v1/{draft.language}/articles/{draft.slug}")).status_code == 404
    response = await client.get(f"/v1/{scheduled.language}/articles/{scheduled.slug}")
    assert response.status_code == 404
    response = await client.get(f"/v1/{archived.language}/articles/{archived.slug}")
    assert response.status_code == 410
    found = await _public(client, f"/v1/{draft.language}/articles", q=draft.title)
    assert draft.slug not in {item["slug"] for item in found}

    # The management API shows every state, and the revision it would have recorded.
    response = await client.get(
        "/v1/admin/articles",
        params={"status": "draft", "language": draft.language, "limit": 100},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    article_id = str(uuid.UUID(str(draft.article_id)))
    assert article_id in {item["id"] for item in response.json()["items"]}
    response = await client.get(f"/v1/admin/articles/{article_id}", headers=admin.headers)
    assert response.status_code == 200, response.text
    assert response.json()["translations"][draft.language]["status"] == "draft"
    response = await client.get(f"/v1/admin/articles/{article_id}/revisions", headers=admin.headers)
    assert [r["action"] for r in response.json()["items"]] == ["create"]

    # Search finds other forms of the words (урядами: the texts say уряд, уряду, урядом).
    for lang, word in (("ua", "урядами"), ("ru", "правительствами"), ("en", "governments")):
        assert await _public(client, f"/v1/{lang}/articles", q=word), (lang, word)

    # Filters by tag, category and author.
    for kind, param in (("tags", "tag"), ("categories", "category"), ("authors", "author")):
        response = await client.get(f"/v1/ua/{kind}")
        assert response.status_code == 200, response.text
        busiest = max(response.json()["items"], key=lambda item: item["article_count"])
        assert busiest["article_count"] > 0
        found = await _public(client, "/v1/ua/articles", **{param: busiest["slug"]})
        assert len(found) == min(busiest["article_count"], 100)

    # The index holds exactly what re-analysing every translation writes.
    async with engine.connect() as conn:
        transaction = await conn.begin()
        written = await _index_content(conn)
        assert len(written) == len(samples)
        if conn.dialect.name == "sqlite":  # each has pairs (titles have several words)
            assert all(content[-1] for content in written.values())
        await conn.run_sync(lambda sync: rebuild(sync))
        assert await _index_content(conn) == written
        await transaction.rollback()

    # Made by the system (created_by NULL): an author's key sees none of it, a
    # translator's reads it.
    author, translator = await make_key(app, Role.author), await make_key(app, Role.translator)
    response = await client.get("/v1/admin/articles", headers=author.headers)
    assert response.status_code == 200 and response.json()["items"] == []
    path = f"/v1/admin/articles/{article_id}"
    assert (await client.get(path, headers=author.headers)).status_code == 404
    assert (await client.get(path, headers=translator.headers)).status_code == 200

    # Once there are articles: refused without --append, added to with it (the authors,
    # tags and categories are reused).
    code, err = await _cli(settings.database_url, "bench-data", "--articles", "300")
    assert code == 2 and "--append" in err
    report = await generate(settings.database_url, articles=2, append=True)
    assert report.summary().startswith("generated 2 articles")
    async with engine.connect() as conn:
        assert (await conn.scalar(text("SELECT count(*) FROM articles"))) == 202
        assert (await conn.scalar(text("SELECT count(*) FROM authors"))) == 200
        assert (await conn.scalar(text("SELECT count(*) FROM tags"))) == 500
