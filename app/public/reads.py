"""The public reads: one implementation of the article page and the plain list page.

Two callers reach the same functions: the hot lane (`app.public.hot`, ASGI middleware in
front of the framework) and the routes (`app.public.router`), when the lane lets a
request through. `read_article` and `read_page` run the same statements and return a
`Found`: the response model, its bytes and the headers to send with it (`Surrogate-Key`,
`Link`, `Content-Language`, `Cache-Control`), built once, here, for both. The routes
fall back to `app.public.service` only for what a statement cannot answer: a former slug
(301), a version taken down (410), anything else missing (404), filtered lists and search.

A public article is read thousands of times for every write, and most of its cost on
this stack is not the database but what surrounds each query (building and compiling the
statement, the ORM, and on SQLite a hop to aiosqlite's thread per call). So each read is
one hand-written statement: the version, its article and language, and its authors, tags,
category, cover, sources, public alternates and correction notes as JSON arrays aggregated
by the database (an article with related articles takes a second one for their cards).
It runs on the driver's own connection (one round trip; one thread hop on SQLite, outside
a transaction: a single statement reads one consistent snapshot), and Pydantic's Rust
serializer writes the response once (a list page's from its cards' fields: `CardPage`).
Columns are read by name, and each JSON array's positions are named in one place
(`_Shape`). The visibility rule is `app.articles.visibility.public_sql`, the SQL spelling
of `is_public`.
"""

import asyncio
import json
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter
from pydantic_core import from_json, to_json
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.datastructures import URL

from app.articles.corrections import public_updated_sql
from app.articles.visibility import public_sql
from app.cache import keys
from app.db import SEARCH_CONNECTIONS, SQLITE_HOT_CACHE_KIB, hot_pool_size
from app.kit.pagination import Cursor
from app.kit.statements import (
    Listener,
    OnConnection,
    OnSearchConnection,
    OnSession,
    Statements,
    numbered,
    sqlite_value,
    turn,
    utc,
)
from app.media import links
from app.ops import metrics
from app.public import jsonld, service, social
from app.public.schemas import ArticlePage, Cover, PublicArticle
from app.public.site import Site, article_path, link_header, x_default
from app.search.query import Query

if TYPE_CHECKING:
    import asyncpg

    from app.db import Timeouts

# {list}: an array of the subquery's rows, in its order ('[]' when none); {row}: an
# array; {json}: JSON text from a subquery's column as JSON again (SQLite forgets that it
# was); {ts}: a UTC timestamp as RFC 3339 text (SQLite keeps naive UTC text; PostgreSQL's
# JSON would write the session's time zone).
_DIALECT = {
    "sqlite": {
        "list": "json_group_array",
        "row": "json_array",
        "empty": "'[]'",
        "json": "json",
        "ts": "replace({}, ' ', 'T') || 'Z'",
        "among": "t.id IN (SELECT value FROM json_each(:ids))",
    },
    "postgresql": {
        "list": "json_agg",
        "row": "json_build_array",
        "empty": "'[]'::json",
        "json": "",
        "ts": """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
        "among": "t.id = ANY(CAST(:ids AS uuid[]))",
    },
}

# What a card shows besides the version's own columns: byline, tags, category, cover, and
# the article's public versions (its alternates, this one included).
# <name>: the array of a `_Shape` (below).
_CARD_PARTS = """
       (SELECT coalesce({list}(<author>), {empty}) FROM (
            SELECT au.author_id, au.name, au.slug
            FROM article_authors aa
            JOIN author_translations au
              ON au.author_id = aa.author_id AND au.language = t.language
            WHERE aa.article_id = t.article_id
            ORDER BY aa.position) x) AS authors,
       (SELECT coalesce({list}(<tag>), {empty}) FROM (
            SELECT tt.tag_id, tt.name, tt.slug
            FROM article_tags ag
            JOIN tag_translations tt ON tt.tag_id = ag.tag_id AND tt.language = t.language
            WHERE ag.article_id = t.article_id
            ORDER BY ag.position) x) AS tags,
       (SELECT <category>
            FROM category_translations ct
            WHERE ct.category_id = a.category_id AND ct.language = t.language) AS category,
       (SELECT <cover>
            FROM media m
            LEFT JOIN media_translations mt
              ON mt.media_id = m.id AND mt.language = t.language
            WHERE m.id = a.cover_media_id) AS cover,
       (SELECT coalesce({list}(<alternate>), {empty}) FROM (
            SELECT o.language, o.slug, ol.bcp47
            FROM translations o JOIN languages ol ON ol.code = o.language
            WHERE o.article_id = t.article_id AND {public_o}
            ORDER BY ol.position, ol.code) x) AS alternates"""

_ARTICLE = """
SELECT t.article_id, t.language, t.slug, t.title, t.lead, t.published_at,
       {updated_t} AS updated_at, t.reading_time_minutes, a.original_language, t.body_html,
       t.seo_title, t.seo_description, t.word_count, t.outline, t.embeds, l.bcp47, {card},
       t.social_title, t.social_description,
       (SELECT <cover>
            FROM media m
            LEFT JOIN media_translations mt
              ON mt.media_id = m.id AND mt.language = t.language
            WHERE m.id = t.social_image_id) AS social_image,
       (SELECT coalesce({list}(<source>), {empty}) FROM (
            SELECT s.name, s.url FROM article_sources s
            WHERE s.article_id = t.article_id
            ORDER BY s.position) x) AS sources,
       (SELECT coalesce({list}(<correction>), {empty}) FROM (
            SELECT c.kind, c.text, c.created_at FROM corrections c
            WHERE c.article_id = t.article_id AND c.language = t.language
            ORDER BY c.number) x) AS corrections,
       (SELECT count(*) FROM article_related r WHERE r.article_id = t.article_id)
            AS related_count
FROM translations t
JOIN articles a ON a.id = t.article_id
JOIN languages l ON l.code = t.language
WHERE t.language = :lang AND t.slug = :slug AND {public_t}
"""

# An article's related articles public in its language, in order, as `_CARD`s: a second
# statement, run only for an article that has related articles (`related_count`). Inside
# `_ARTICLE` it cost every article page a third more on PostgreSQL (planning the cards'
# subqueries), related articles or not. `t.language || ''`: no column to SQLite's
# planner, which would otherwise read every version in the language
# (ix_translations_public_list) instead of starting from the few related rows.
_RELATED = """
SELECT coalesce({list}(<card>), {empty}) AS related
FROM (
    SELECT t.article_id, t.slug, t.title, t.lead, t.published_at,
           {updated_t} AS updated_at, t.reading_time_minutes, t.id, a.original_language,
           {card}
    FROM article_related r
    JOIN translations t ON t.article_id = r.related_id AND t.language || '' = :lang
    JOIN articles a ON a.id = t.article_id
    WHERE r.article_id = :article AND {public_t}
    ORDER BY r.position) x
"""

# A list page: the language's tag and its newest public versions after the cursor (one
# more than the page, to know whether there is a next one) as one JSON array of cards
# (arrays of `_CARD`). No row: no such language. Keyset on (published_at, id),
# which ix_translations_public_list serves. The number of rows is written into the text
# (`HotReads._page`, one statement per page size): PostgreSQL plans a `LIMIT $n` it
# cannot see for a tenth of the language's versions, a cost past `jit_above_cost`, so
# its generic plan looked dear and every page was planned again for its values (2.0 ms
# of the server's CPU a page at 100k articles, about half of it planning). With the
# number in the text, the generic plan is the one the values would get, and the server
# keeps it after five pages: 0.8 ms a page.
_PAGE = """
SELECT l.bcp47, (
    SELECT coalesce({list}(<card>), {empty})
    FROM (
        SELECT t.article_id, t.slug, t.title, t.lead, t.published_at,
               {updated_t} AS updated_at, t.reading_time_minutes, t.id, a.original_language,
               {card}
        FROM translations t JOIN articles a ON a.id = t.article_id
        WHERE t.language = :lang AND {public_t}
          {after}
        ORDER BY t.published_at DESC, t.id DESC
        LIMIT <rows>) x
) AS page
FROM languages l WHERE l.code = :lang
"""
_AFTER = "AND (t.published_at, t.id) < (:after_at, :after_id)"

# A language's tag and analyser, for a search the hot lane answers (no row: unknown).
_LANGUAGE = "SELECT l.bcp47, l.text_search FROM languages l WHERE l.code = :lang"
# What a search page's snippets are cut from (`app.search.snippets.Material`): each
# hit's text and its index entry, read together so they are of the same version. SQLite:
# the entry's FTS5 columns; PostgreSQL: the lead's and the body's positions of the query's
# lexemes (`:terms`) in its vector: the lead's and the body's lexemes (`ts_filter` of
# weights B and C), the query's among them weighted D (`setweight`, which no position of
# the vector has), kept (`ts_filter` of D), unnested, a few rows. The title's positions
# are left out: a snippet never shows the title, and a lead or body position that falls
# in the title's words is then an entry of another text (`snippets.from_positions`).
# For a page of 20 at 100k articles («києві»): unnesting the whole vector and filtering
# its rows took 1.25 ms of the database's time; deleting what is not the query's
# (`ts_delete`) 1.4 ms of a search's 3.4 ms; this ~0.95 ms. Rows, not one JSON aggregate
# as the cards are: a page's bodies and lemmas are about 150 KB, which the database spent
# 1.2 ms escaping into JSON and the worker 1.3 ms parsing back (SQLite: 0.6 ms as rows).
_SNIPPETS = {
    "sqlite": """
SELECT t.id, t.title, t.lead, t.body_html, d.id AS entry, f.lead AS lemmas_lead,
       f.body AS lemmas_body, f.lead_alt, f.body_alt, d.alternatives_at
FROM translations t
LEFT JOIN search_documents d ON d.translation_id = t.id
LEFT JOIN search_fts f ON f.rowid = d.id
WHERE {among}
""",
    "postgresql": """
SELECT t.id, t.title, t.lead, t.body_html, d.id AS entry, (
           SELECT json_agg(json_build_array(u.lexeme, u.positions))
           FROM unnest(ts_filter(setweight(ts_filter(d.vector, '{{B,C}}'), 'D',
               CAST(:terms AS text[])), '{{D}}')) AS u(lexeme, positions, weights)
       ) AS positions
FROM translations t
LEFT JOIN search_documents d ON d.translation_id = t.id
WHERE {among}
""",
}
# The cards of chosen versions (a search page's hits, a filtered list's page: chosen by
# `app.public.service`), those still public, in no order: the caller orders them. The
# ids are one parameter: a JSON array on SQLite, a uuid[] on PostgreSQL.
_CARDS = """
SELECT coalesce({list}(<card>), {empty}) AS cards
FROM (
    SELECT t.article_id, t.slug, t.title, t.lead, t.published_at,
           {updated_t} AS updated_at, t.reading_time_minutes, t.id, a.original_language,
           {card}
    FROM translations t JOIN articles a ON a.id = t.article_id
    WHERE {among} AND {public_t}) x
"""


class _Shape:
    """A JSON array the database builds, with the name of each position: the one place
    that says which value is where, for the statement (`sql`) and for reading (`read`).
    Arrays, not objects: a page's hundreds of objects' keys cost the database more than
    reading a page in Python does."""

    __slots__ = ("fields", "names")

    def __init__(self, fields: tuple[tuple[str, str], ...]) -> None:
        self.fields = fields  # (name, SQL expression)
        self.names = tuple(name for name, _ in fields)

    def read(self, values: list[Any]) -> dict[str, Any]:
        """The array as a dict of its names."""
        return dict(zip(self.names, values, strict=True))

    def sql(self) -> str:
        return "{row}(" + ", ".join(expression for _, expression in self.fields) + ")"


def _ref(ident: str, alias: str) -> _Shape:
    return _Shape((("id", ident), ("name", f"{alias}.name"), ("slug", f"{alias}.slug")))


_AUTHOR = _ref("x.author_id", "x")
_TAG = _ref("x.tag_id", "x")
_CATEGORY = _ref("ct.category_id", "ct")
_COVER = _Shape(
    (
        ("id", "m.id"),
        ("url", "m.url"),
        ("width", "m.width"),
        ("height", "m.height"),
        ("credit", "nullif(m.credit, '')"),
        ("caption", "nullif(mt.caption, '')"),
        ("alt", "nullif(mt.alt, '')"),
        ("content_hash", "m.content_hash"),
        ("renditions", "{json}(m.renditions)"),
        ("blurhash", "nullif(m.blurhash, '')"),
        ("dominant_color", "nullif(m.dominant_color, '')"),
    )
)
_SOURCE = _Shape((("name", "x.name"), ("url", "x.url")))
_ALTERNATE = _Shape((("language", "x.language"), ("slug", "x.slug"), ("bcp47", "x.bcp47")))
_CORRECTION = _Shape((("kind", "x.kind"), ("text", "x.text"), ("at", "{ts_correction}")))
# A list card; `version_id`: the version's id, for the cursor.
_CARD = _Shape(
    (
        ("id", "x.article_id"),
        ("slug", "x.slug"),
        ("title", "x.title"),
        ("lead", "x.lead"),
        ("published_at", "{ts_published}"),
        ("updated_at", "{ts_updated}"),
        ("reading_time_minutes", "x.reading_time_minutes"),
        ("version_id", "x.id"),
        ("original_language", "x.original_language"),
        ("authors", "{json}(x.authors)"),
        ("tags", "{json}(x.tags)"),
        ("category", "{json}(x.category)"),
        ("cover", "{json}(x.cover)"),
        ("alternates", "{json}(x.alternates)"),
    )
)
_SHAPES = {
    "<author>": _AUTHOR,
    "<tag>": _TAG,
    "<category>": _CATEGORY,
    "<cover>": _COVER,
    "<source>": _SOURCE,
    "<alternate>": _ALTERNATE,
    "<correction>": _CORRECTION,
    "<card>": _CARD,
}


def _terms(card: dict[str, Any], category: Any, cover: Any) -> None:
    """An article's byline, tags, category and cover, from their arrays to their fields."""
    card["authors"] = [_ref_of(author) for author in card["authors"]]
    card["tags"] = [_ref_of(tag) for tag in card["tags"]]
    card["category"] = None if category is None else _ref_of(category)
    card["cover"] = None if cover is None else _cover(cover)


def _site_fields(fields: dict[str, Any], versions: list[Any], site: Site) -> None:
    """An article's `alternates` and `url` (`_alternates`)."""
    fields["alternates"], fields["url"] = _alternates(versions, fields["language"], site)


def _alternates(versions: list[Any], language: str, site: Site) -> tuple[list[Any], str]:
    """The `Alternate` fields of `_ALTERNATE` arrays (every public version, the one in
    `language` included) and that one's site URL."""
    alternates = site.alternates([_ALTERNATE.read(v) for v in versions], current=language)
    return alternates, next(a["url"] for a in alternates if a["current"])


def _card(values: list[Any], language: str, site: Site) -> tuple[str, dict[str, Any]]:
    """A `_CARD` array as the fields of an `ArticleCard` in `language`, in the model's
    order and as its JSON writes them (`CardPage`), and the version's id."""
    card = _CARD.read(values)
    slug, category, cover = card["slug"], card["category"], card["cover"]
    alternates, url = _alternates(card["alternates"], language, site)
    return card["version_id"], {
        "id": _id(card["id"]),
        "language": language,
        "slug": slug,
        "path": article_path(language, slug),
        "title": card["title"],
        "lead": card["lead"],
        "cover": None if cover is None else _cover(cover),
        "authors": [_ref_of(author) for author in card["authors"]],
        "category": None if category is None else _ref_of(category),
        "tags": [_ref_of(tag) for tag in card["tags"]],
        "published_at": _stamp(card["published_at"]),
        "updated_at": _stamp(card["updated_at"]),
        "reading_time_minutes": card["reading_time_minutes"],
        "original_language": card["original_language"],
        "url": url,
        "alternates": alternates,
        "snippet": None,
    }


def _ref_of(values: list[Any]) -> dict[str, Any]:
    """An `_AUTHOR` (or tag, or category) array as a `TermRef`'s JSON fields."""
    ref = _AUTHOR.read(values)
    ref["id"] = _id(ref["id"])
    return ref


def _cover(values: list[Any]) -> dict[str, Any]:
    """A `_COVER` array as a `Cover`'s JSON fields (`links.cover`)."""
    cover = links.cover(_COVER.read(values))
    cover["id"] = _id(cover["id"])
    return cover


def _id(value: str) -> str:
    """An id as the API writes a `uuid.UUID` (lower-case, hyphenated): PostgreSQL's JSON
    gives its text so, SQLite's the stored hex."""
    if len(value) == 36 and value.islower():
        return value
    if len(value) == 32:
        hex_ = value.lower()
        return f"{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"
    return str(uuid.UUID(value))


_DATETIME: TypeAdapter[datetime] = TypeAdapter(datetime)


def _stamp(value: str) -> str:
    """A timestamp as the API writes a `datetime`: the statements' UTC text (`{ts}`: six
    digits of fraction) without the fraction when it is zero, as pydantic writes it."""
    if len(value) == 27 and value[19] == "." and value[26] == "Z":
        return value[:19] + "Z" if value.endswith(".000000Z") else value
    return _DATETIME.dump_json(_DATETIME.validate_python(value))[1:-1].decode()


Statement = tuple[str, list[str]]


def _for(dialect: str, sql: str, after: str = "") -> Statement:
    """`sql` in `dialect`: its functions, and `$n` placeholders for asyncpg."""
    words = _DIALECT[dialect]
    card = _CARD_PARTS
    for marker, shape in _SHAPES.items():
        sql = sql.replace(marker, shape.sql())
        card = card.replace(marker, shape.sql())
    sql = sql.format(
        card=card.format(public_o=public_sql("o"), **words),
        public_t=public_sql("t"),
        updated_t=public_updated_sql("t"),
        after=after,
        ts_published=words["ts"].format("x.published_at"),
        ts_updated=words["ts"].format("x.updated_at"),
        ts_correction=words["ts"].format("x.created_at"),
        **words,
    )
    return numbered(sql) if dialect == "postgresql" else (sql, [])


async def _keep(_connection: "asyncpg.Connection") -> None:
    """Nothing to reset between reads (see `HotReads._postgres_pool`)."""


def _json(value: Any) -> Any:
    """A JSON column or aggregate as Python values. The drivers give JSON as text (SQLite
    always, asyncpg for `json`); pydantic-core's parser reads these small arrays three
    times faster than the standard library's, and an article page reads eight of them.
    Its cache of strings is for keys alone: it kept every short value it met (titles,
    names, slugs: 16,000 strings, 1.4 MB of a worker after 1,800 searches), and these
    arrays, which have no keys, parse faster without it (124 against 165 µs for 200
    cards' worth)."""
    return from_json(value, cache_strings="keys") if isinstance(value, str) else value


Row = Mapping[str, Any]
# SQLite: how long an ORM statement of a search page may hold the event loop
# (`statements`): the bench's searches' statements take up to 8 ms at 100k articles; a
# phrase of the commonest words, 100 ms.
STATEMENT_BUDGET = 0.015
# How many search pages a worker reads at once, per database (`HotReads.searching`); the
# rest wait their turn. A worker is one thread: two or three searches in flight keep it
# busy while the database answers, and each more holds its page's material (bodies,
# cards) the while. Unbounded, 64 connections' searches had as many under way on
# PostgreSQL: a worker 148 -> 160 MB after the load, 148 -> 151 at four at once
# (docs/benchmarks.md, memory).
SEARCHES_AT_ONCE = SEARCH_CONNECTIONS


# PostgreSQL: the search pages' connections (`HotReads.search_pool`) plan each statement
# for its values (`app.search.query.plan_for_values`), and never by reading the whole
# search index. A tier's listing (`... LIMIT n`) of words the planner takes for common in
# the language, whose estimate multiplies their frequencies as if independent, was
# planned as a sequential scan expected to meet its n hits early: «kyiv» or «president»
# in Ukrainian, 27,836 hits estimated and none there, read all 239,703 documents, 1.7-2.1 s
# at 100k articles, where the GIN index answers in 6.8 ms. Every statement of a search has
# an index to read (GIN, the newest-first one, ids); turned off, a sequential scan is only
# the planner's last resort. A walked tier's page, whose plan is that walk whatever the
# values, runs on the hot lane's connections instead (`OnSearchConnection`'s `generic`).
SEARCH_SETTINGS = {"plan_cache_mode": "force_custom_plan", "enable_seqscan": "off"}
# PostgreSQL: the hot lane's connections (`HotReads._postgres_pool`) keep one plan per
# statement, made without the values (a generic plan), where the server's own choice
# planned most of them again for each read's values: a page after a cursor, whose generic
# plan it costs a little dearer than a custom one of the same shape, took 1.2 ms of the
# server's CPU against 0.6 at 100k articles, half of it planning. Each of these
# statements reads by an index whatever its values (a slug, ids, a language's newest
# versions, its position after a cursor), so one plan fits all of them; JIT compilation,
# which a generic plan's estimate can set off (25 ms a page for a `LIMIT $n`, planned as
# a tenth of the language's versions: see `_PAGE`), is never worth it for reads of a
# few rows.
HOT_SETTINGS = {"plan_cache_mode": "force_generic_plan", "jit": "off"}


class HotReads:
    """The read statements of one engine, in its dialect, run on the driver."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        site: Site,
        pool_size: int = 5,
        timeouts: "Timeouts | None" = None,
    ) -> None:
        self.engine = engine
        self.timeouts = timeouts
        self.site = site
        self.dialect = engine.dialect.name
        self._article = _for(self.dialect, _ARTICLE)
        self._related = _for(self.dialect, _RELATED)
        self._pages: dict[tuple[bool, int], Statement] = {}  # `_page`'s
        self._cards = _for(self.dialect, _CARDS)
        self._language = _for(self.dialect, _LANGUAGE)
        self._snippets = _for(self.dialect, _SNIPPETS[self.dialect])
        database = engine.url.database if self.dialect == "sqlite" else None
        self._sqlite_file = database if database and database != ":memory:" else None
        self._sqlite: sqlite3.Connection | None = None
        self._search_pool: asyncpg.Pool | None = None  # PostgreSQL's `statements`
        # Told each statement of a search page (and of a filtered list on SQLite) run on the
        # driver's own connections (tests watch them here).
        self.statement_listeners: list[Listener] = []
        self._pool: asyncpg.Pool | None = None
        self._pool_size = pool_size
        self._pool_lock = asyncio.Lock()
        self._searches = asyncio.Semaphore(SEARCHES_AT_ONCE)
        # PostgreSQL: each language's row as its last read found it (`guess_language`).
        self._languages: dict[str, tuple[str, str] | None] = {}

    async def close(self) -> None:
        if self._search_pool is not None:
            await self._search_pool.close()
            self._search_pool = None
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def _one(
        self, statement: Statement, *, turn_first: bool = False, **params: Any
    ) -> Row | None:
        """The statement's one row (by column name), or None."""
        rows = await self._rows(statement, one=True, turn_first=turn_first, **params)
        return rows[0] if rows else None

    async def _rows(
        self, statement: Statement, *, one: bool = False, turn_first: bool = False, **params: Any
    ) -> list[Row]:
        """The statement's rows (by column name); its first alone when `one`. On SQLite (a
        file) it runs in the loop's thread, after a turn of the loop when `turn_first` (a
        search page's statements: `turn`)."""
        sql, names = statement
        if self.dialect == "sqlite":
            params = {name: sqlite_value(value) for name, value in params.items()}
            if self._sqlite_file is not None:
                if turn_first:
                    await turn()
                cursor = self._sqlite_read().execute(sql, params)
                if one:
                    row: Row | None = cursor.fetchone()
                    return [] if row is None else [row]
                return cursor.fetchall()
        elif self.dialect == "postgresql":
            values = [params[name] for name in names]
            async with self.connection() as connection:
                if one:
                    record: Row | None = await connection.fetchrow(sql, *values)
                    return [] if record is None else [record]
                return await connection.fetch(sql, *values)  # type: ignore[no-any-return]
        async with self.engine.connect() as connection:  # an in-memory SQLite database
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            async with raw.execute(sql, params) as cursor:
                found = [await cursor.fetchone()] if one else await cursor.fetchall()
                columns = [column[0] for column in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in found if row is not None]

    def pool_use(self, *, searches: bool = False) -> tuple[int, int, int] | None:
        """(in use, idle, the most it opens) of the PostgreSQL pool (`searches`: the search
        pages' pool), once it exists."""
        pool = self._search_pool if searches else self._pool
        if pool is None:
            return None
        idle = pool.get_idle_size()
        return pool.get_size() - idle, idle, pool.get_max_size()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator["asyncpg.Connection"]:
        """PostgreSQL: a connection of the hot lane's pool (`_postgres_pool`), its wait in
        the pool wait metric."""
        pool = self._pool or await self._postgres_pool()
        started = time.perf_counter()
        async with pool.acquire(timeout=self.timeouts.pool if self.timeouts else None) as got:
            metrics.RECORDER.pool_waits.observe(("reads",), time.perf_counter() - started)
            yield got

    async def _postgres_pool(self) -> "asyncpg.Pool":
        """asyncpg's own pool, with the engine's connection arguments.

        Not the engine's: its checkout pings each connection first (a transaction, a
        query and a rollback: three round trips for a one-round-trip read). asyncpg's pool
        knows a dead connection without asking, and these connections only ever run
        single SELECTs outside a transaction, so there is no session state to reset. At
        most 10 connections: each runs one short statement at a time, and a worker is one
        core.
        """
        async with self._pool_lock:
            if self._pool is None:
                self._pool = await self._new_pool(hot_pool_size(self._pool_size), HOT_SETTINGS)
        return self._pool

    async def _new_pool(self, most: int, settings: dict[str, str] | None = None) -> "asyncpg.Pool":
        """An asyncpg pool of at most `most` connections with the engine's connection
        arguments, the timeouts, and these server `settings` set at connect."""
        import asyncpg  # here: a worker on SQLite has no use for its ~2.6 MB

        _, found = self.engine.dialect.create_connect_args(self.engine.url)
        kwargs: dict[str, Any] = dict(found)
        if settings:
            kwargs["server_settings"] = {**kwargs.get("server_settings", {}), **settings}
        if self.timeouts is not None:
            kwargs |= {"timeout": self.timeouts.connect, "command_timeout": self.timeouts.statement}
        # No floor: asyncpg would keep trying to restore one while the database is down,
        # logging each try.
        return await asyncpg.create_pool(min_size=0, max_size=most, reset=_keep, **kwargs)

    @asynccontextmanager
    async def searching(self) -> AsyncIterator[None]:
        """One of the SEARCHES_AT_ONCE turns of this database's search pages, waited for
        at most the pool's timeout, as a connection is (past it, a `TimeoutError`: a 503,
        `app.ops.outage`); the wait is the `searches` pool's in the pool wait metric."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeouts.pool if self.timeouts else None):
                await self._searches.acquire()
        finally:
            metrics.RECORDER.pool_waits.observe(("searches",), time.perf_counter() - started)
        try:
            yield
        finally:
            self._searches.release()

    def statements(self, session: AsyncSession, *, search: bool) -> Statements:
        """Where the statements choosing a search page (`search`) or a filtered list's run
        (`app.kit.statements`): on SQLite (a file), this worker's own connection
        (`_sqlite_read`), each statement at most STATEMENT_BUDGET seconds before it runs
        again on `session`; a search's on PostgreSQL, a connection of the search pages'
        pool (`search_pool`: as many as the worker's turns, `searching`); otherwise on
        `session`."""
        if self.dialect == "postgresql" and search:  # in one of the worker's turns
            return OnSearchConnection(
                self.search_pool,
                self.connection,
                timeout=self.timeouts.pool if self.timeouts else None,
                listeners=self.statement_listeners,
            )
        if self._sqlite_file is None:
            return OnSession(session)
        return OnConnection(
            self._sqlite_read,
            STATEMENT_BUDGET,
            OnSession(session),
            listeners=self.statement_listeners,
        )

    async def search_pool(self) -> "asyncpg.Pool":
        """PostgreSQL: the pool of the search pages' statements (`statements`), made on
        first use: as many connections as searches run at once (SEARCHES_AT_ONCE), each
        set at connect to plan every statement for the values it is run with
        (`plan_cache_mode`: see `app.search.query.plan_for_values`), so a search begins,
        sets and rolls back nothing. asyncpg's own, as the hot lane's (`_postgres_pool`):
        no ping at checkout, no transaction."""
        if self._search_pool is not None:
            return self._search_pool
        async with self._pool_lock:
            if self._search_pool is None:
                self._search_pool = await self._new_pool(SEARCH_CONNECTIONS, SEARCH_SETTINGS)
        return self._search_pool

    def _sqlite_read(self) -> sqlite3.Connection:
        """A read-only connection of this worker's own, used in the event loop's thread.

        An indexed SQLite read takes a fraction of a millisecond: less than handing it to
        aiosqlite's thread and back, which under load costs more than the read itself (the
        hand-offs contend for the GIL). In WAL mode a reader never waits for a writer, so
        the loop is not held up by writes; autocommit, so every statement reads the latest
        committed state. Rows are `sqlite3.Row`s: read by column name.
        """
        if self._sqlite is None:
            assert self._sqlite_file is not None
            connection = sqlite3.connect(
                self._sqlite_file, timeout=1.0, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA journal_mode = WAL")  # as the engine's connections
            connection.execute(f"PRAGMA cache_size = -{SQLITE_HOT_CACHE_KIB}")
            connection.execute("PRAGMA query_only = ON")
            connection.row_factory = sqlite3.Row
            self._sqlite = connection
        return self._sqlite

    async def article(
        self, *, language: str, slug: str, now: datetime
    ) -> tuple[PublicArticle, str] | None:
        """The public article and its language's BCP 47 tag; None when the statement finds
        no public version by this language and slug."""
        found = await self.article_page(language=language, slug=slug, now=now)
        return None if found is None else found[:2]

    async def article_page(
        self, *, language: str, slug: str, now: datetime
    ) -> tuple[PublicArticle, str, bool] | None:
        """`article`, and whether related articles are left out (not public in this
        language now: the page changes when one is published)."""
        row = await self._one(self._article, lang=language, slug=slug, now=now)
        if row is None:
            return None
        related: list[dict[str, Any]] = []
        if row["related_count"]:
            article_id = uuid.UUID(str(row["article_id"]))
            found = await self._one(self._related, article=article_id, lang=language, now=now)
            cards = _json(found["related"]) if found else []
            related = [_card(card, language, self.site)[1] for card in cards]
        article = _article(row, related, now=now, site=self.site)
        return article, row["bcp47"], row["related_count"] > len(related)

    async def language(self, code: str) -> tuple[str, str] | None:
        """The language's BCP 47 tag and analyser (`text_search`); None when unknown."""
        row = await self._one(self._language, lang=code)
        found = None if row is None else (str(row["bcp47"]), str(row["text_search"]))
        if self.dialect == "postgresql" and (found is not None or code in self._languages):
            self._languages[code] = found  # codes that exist, or existed: a bounded set
        return found

    def guess_language(self, code: str) -> tuple[str, str] | None:
        """PostgreSQL: the language's row as this worker last read it, for a search to
        begin with while the row is read again (`app.public.hot`); None when never read,
        or on SQLite, whose read is no round trip."""
        return self._languages.get(code)

    def _id_list(self, ids: list[uuid.UUID]) -> Any:
        """Version ids as one parameter (`among`): a JSON array on SQLite, a list for
        asyncpg's uuid[]."""
        return json.dumps([i.hex for i in ids]) if self.dialect == "sqlite" else ids

    async def cards(
        self, ids: list[uuid.UUID], *, language: str, now: datetime
    ) -> dict[uuid.UUID, dict[str, Any]]:
        """The `ArticleCard` fields of these versions of `language` that are public `now`,
        by version id (one statement, whatever the number)."""
        if not ids:
            return {}
        row = await self._one(self._cards, turn_first=True, ids=self._id_list(ids), now=now)
        if row is None:
            return {}
        cards = (_card(card, language, self.site) for card in _json(row["cards"]))
        return {uuid.UUID(str(version)): card for version, card in cards}

    async def snippet_material(self, ids: list[uuid.UUID], *, terms: list[str]) -> list[Row]:
        """Of these versions, what their snippets are cut from (`_SNIPPETS`), each a row:
        id, title, lead, body, then the index entry's id and what it holds (NULL for a
        version without one), in no order."""
        if not ids:
            return []
        rows = await self._rows(
            self._snippets, turn_first=True, ids=self._id_list(ids), terms=terms
        )
        if self.dialect == "postgresql":  # asyncpg gives `json` as text
            return [{**row, "positions": _json(row["positions"])} for row in rows]
        return rows

    def _page(self, rows: int, *, after: bool = False) -> Statement:
        """`_PAGE` for `rows` rows (after a cursor: `_AFTER`), made once per size."""
        key = (after, int(rows))  # a number, written into the statement
        statement = self._pages.get(key)
        if statement is None:
            sql, names = _for(self.dialect, _PAGE, _AFTER if after else "")
            statement = self._pages[key] = (sql.replace("<rows>", str(key[1])), names)
        return statement

    async def page(
        self, *, language: str, now: datetime, limit: int, after: Cursor | None
    ) -> tuple["CardPage", str] | None:
        """A plain list page (no filters, no search) and the language's BCP 47 tag; None
        for an unknown language."""
        if after is None:
            row = await self._one(self._page(limit + 1), lang=language, now=now)
        else:
            statement = self._page(limit + 1, after=True)
            row = await self._one(
                statement, lang=language, now=now, after_at=after.at, after_id=after.id
            )
        if row is None:
            return None
        cards = [_card(card, language, self.site) for card in _json(row["page"])]
        next_cursor = None
        if len(cards) > limit:
            del cards[limit:]
            version, last = cards[-1]
            at = datetime.fromisoformat(last["published_at"])
            next_cursor = Cursor(at=at, id=uuid.UUID(str(version))).encode()
        return CardPage([card for _, card in cards], next_cursor), row["bcp47"]


def _article(
    row: Row, related: list[dict[str, Any]], *, now: datetime, site: Site
) -> PublicArticle:
    fields = {
        "authors": _json(row["authors"]),
        "tags": _json(row["tags"]),
        "language": row["language"],
    }
    _terms(fields, _json(row["category"]), _json(row["cover"]))
    _site_fields(fields, _json(row["alternates"]), site)
    article = PublicArticle.model_validate(
        {
            **fields,
            "json_ld": {},
            "id": row["article_id"],
            "slug": row["slug"],
            "path": article_path(row["language"], row["slug"]),
            "title": row["title"],
            "lead": row["lead"],
            "published_at": utc(row["published_at"]) or now,
            "updated_at": utc(row["updated_at"]),
            "reading_time_minutes": row["reading_time_minutes"],
            "original_language": row["original_language"],
            "body_html": row["body_html"],
            "seo_title": row["seo_title"],
            "seo_description": row["seo_description"],
            **social.texts(row),
            "social_image": None,
            "word_count": row["word_count"],
            "outline": _json(row["outline"]),
            "embeds": _json(row["embeds"]),
            "sources": [_SOURCE.read(source) for source in _json(row["sources"])],
            "canonical_url": fields["url"],
            "x_default_url": x_default(fields["alternates"], row["original_language"]),
            "corrections": [_CORRECTION.read(note) for note in _json(row["corrections"])],
            "related": related,
        }
    )
    image = _json(row["social_image"])
    if image is not None:
        image = Cover.model_validate(links.cover(_COVER.read(image)))
    article.social_image = social.card_image(image or article.cover)
    article.json_ld = jsonld.news_article(article, site)
    return article


# Responses ----------------------------------------------------------------------------


@dataclass(slots=True)
class CardPage:
    """A list page (`ArticlePage`) whose cards are their fields as its JSON writes them
    (`_card`; a search's with their `snippet`), in the models' order: `body` writes the
    bytes `model().model_dump_json()` would, without making the page's models. A search
    page's are about 240 objects (cards, bylines, terms, alternates), each validated
    from its fields and then read back to be written: a seventh of the worker's time per
    uncached search on PostgreSQL (bench/SEARCH-RESULTS.md, stop 56)."""

    items: list[dict[str, Any]]
    next_cursor: str | None = None

    def body(self) -> bytes:
        return to_json({"items": self.items, "next_cursor": self.next_cursor})

    def model(self) -> ArticlePage:
        """The page as its model (the feeds', and the tests', to compare)."""
        return ArticlePage.model_validate({"items": self.items, "next_cursor": self.next_cursor})


Model = TypeVar("Model", bound=BaseModel | CardPage)


@dataclass(frozen=True, slots=True)
class Found(Generic[Model]):
    """A public read's answer: the model (a list page's `CardPage`), its language's tag
    and the headers to send."""

    model: Model
    bcp47: str
    headers: dict[str, str]

    def body(self) -> bytes:
        if isinstance(self.model, CardPage):
            return self.model.body()
        return self.model.model_dump_json().encode()


def response_headers(
    *, bcp47: str, cache_control: str, surrogate_key: str, link: str | None
) -> dict[str, str]:
    """The headers of every public article or list answer, whoever sends it."""
    headers = {
        "Content-Language": bcp47,
        "Cache-Control": cache_control,
        "Surrogate-Key": surrogate_key,
    }
    if link is not None:
        headers["Link"] = link
    return headers


def article_headers(
    article: PublicArticle, *, bcp47: str, cache_control: str, related_left_out: bool = False
) -> dict[str, str]:
    """Surrogate-Key: the article, this version and its terms, and each related card's
    (their changes change the page); the language's lists too while a related article is
    left out, as its publication in this language purges them. Link: the canonical URL,
    each hreflang alternate and the x-default (site URLs)."""
    related = (keys.of_article(card) for card in article.related)
    surrogate = keys.header(
        {
            *keys.of_article(article, article.social_image),
            keys.article(article.id, article.language),
            *(key for card_keys in related for key in card_keys),
            *([keys.listing(article.language)] if related_left_out else []),
        }
    )
    link = link_header(
        article.alternates, canonical=article.canonical_url, default=article.x_default_url
    )
    return response_headers(
        bcp47=bcp47, cache_control=cache_control, surrogate_key=surrogate, link=link
    )


def page_headers(
    language: str,
    items: list[dict[str, Any]],
    next_cursor: str | None,
    *,
    url: URL,
    bcp47: str,
    cache_control: str,
) -> dict[str, str]:
    """Surrogate-Key: the language's lists and each card (`CardPage.items`); Link: the
    next page (this URL with the next `cursor`). For plain pages and filtered or search
    pages alike."""
    link = None
    if next_cursor is not None:
        following = url.include_query_params(cursor=next_cursor)
        link = f'<{following.path}?{following.query}>; rel="next"'
    return response_headers(
        bcp47=bcp47,
        cache_control=cache_control,
        surrogate_key=keys.of_list(language, items),
        link=link,
    )


async def read_list(
    session: AsyncSession,
    reader: HotReads,
    *,
    language: str,
    bcp47: str,
    now: datetime,
    filters: service.Filters,
    limit: int,
    cursor: str | None,
    search: Query | None,
    url: URL,
    cache_control: str,
) -> Found[CardPage]:
    """A filtered list page or a search page (`service.list_articles`, a statement per
    tier), with the plain page's headers: for the route and the hot lane alike. A search
    waits for one of the worker's turns (`HotReads.searching`)."""
    async with reader.searching() if search is not None else nullcontext():
        started = time.perf_counter()
        items, next_cursor = await service.list_articles(
            session,
            language=language,
            now=now,
            filters=filters,
            limit=limit,
            cursor=cursor,
            search=search,
            hot=reader,
        )
    if search is not None:
        metrics.RECORDER.searches.observe((language,), time.perf_counter() - started)
    headers = page_headers(
        language, items, next_cursor, url=url, bcp47=bcp47, cache_control=cache_control
    )
    return Found(CardPage(items, next_cursor), bcp47, headers)


async def read_article(
    reader: HotReads, *, language: str, slug: str, now: datetime, cache_control: str
) -> Found[PublicArticle] | None:
    """The public article page; None when no public version has this slug (the route
    then explains why: 301, 404 or 410)."""
    found = await reader.article_page(language=language, slug=slug, now=now)
    if found is None:
        return None
    article, bcp47, left_out = found
    headers = article_headers(
        article, bcp47=bcp47, cache_control=cache_control, related_left_out=left_out
    )
    return Found(article, bcp47, headers)


async def read_page(
    reader: HotReads,
    *,
    language: str,
    now: datetime,
    limit: int,
    after: Cursor | None,
    url: URL,
    cache_control: str,
) -> Found[CardPage] | None:
    """A plain list page (no filters, no search); None for an unknown language."""
    found = await reader.page(language=language, now=now, limit=limit, after=after)
    if found is None:
        return None
    page, bcp47 = found
    headers = page_headers(
        language, page.items, page.next_cursor, url=url, bcp47=bcp47, cache_control=cache_control
    )
    return Found(page, bcp47, headers)
