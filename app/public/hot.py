"""The hot read: one public article in one query, on the driver, serialized once.

A public article is read thousands of times for every write, and most of its cost on
this stack is not the database but what surrounds each query (building and compiling the
statement, the ORM, and on SQLite a hop to aiosqlite's thread per call). So the article
page is one hand-written statement: the version, its article and language, and its
authors, tags, category, cover, sources and public alternates as JSON aggregated by the
database. It runs on the driver's own connection (one round trip; one thread hop on
SQLite, outside a transaction: a single statement reads one consistent snapshot), and
Pydantic's Rust serializer writes the response once.

Anything the statement does not find (an unknown language, a former slug, a taken-down
version) falls back to the ordinary path, which knows how to answer each of those.
The same visibility rule as `app.articles.visibility.is_public` is written out below;
tests read every article both ways and compare.
"""

import asyncio
import json
import re
import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import URL
from starlette.types import ASGIApp, Receive, Scope, Send

from app.cache import keys
from app.errors import Unprocessable
from app.kit.pagination import Cursor
from app.kit.slugs import MAX_SLUG_LENGTH, SLUG_PATTERN
from app.models import LIVE_STATUSES
from app.public.schemas import ArticlePage, PublicArticle
from app.public.service import article_path

# {list}: an array of the subquery's rows, in its order ('[]' when none); {row}: an array;
# {json}: JSON text from a subquery's column as JSON again (SQLite forgets that it was);
# {ts}: a UTC timestamp as RFC 3339 text (SQLite keeps naive UTC text; PostgreSQL's JSON
# would write the session's time zone).
_DIALECT = {
    "sqlite": {
        "list": "json_group_array",
        "row": "json_array",
        "empty": "'[]'",
        "json": "json",
        "ts": "replace({}, ' ', 'T') || 'Z'",
    },
    "postgresql": {
        "list": "json_agg",
        "row": "json_build_array",
        "empty": "'[]'::json",
        "json": "",
        "ts": """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
    },
}

_LIVE = ", ".join(f"'{status}'" for status in LIVE_STATUSES)

# What a card shows besides the version's own columns: byline, tags, category, cover.
_CARD_PARTS = """
       (SELECT coalesce({list}({row}(x.author_id, x.name, x.slug)), {empty}) FROM (
            SELECT au.author_id, au.name, au.slug
            FROM article_authors aa
            JOIN author_translations au
              ON au.author_id = aa.author_id AND au.language = t.language
            WHERE aa.article_id = t.article_id
            ORDER BY aa.position) x) AS authors,
       (SELECT coalesce({list}({row}(x.tag_id, x.name, x.slug)), {empty}) FROM (
            SELECT tt.tag_id, tt.name, tt.slug
            FROM article_tags ag
            JOIN tag_translations tt ON tt.tag_id = ag.tag_id AND tt.language = t.language
            WHERE ag.article_id = t.article_id
            ORDER BY ag.position) x) AS tags,
       (SELECT {row}(ct.category_id, ct.name, ct.slug)
            FROM category_translations ct
            WHERE ct.category_id = a.category_id AND ct.language = t.language) AS category,
       (SELECT {row}(m.id, m.url, m.width, m.height, m.credit, mt.caption, mt.alt)
            FROM media m
            LEFT JOIN media_translations mt
              ON mt.media_id = m.id AND mt.language = t.language
            WHERE m.id = a.cover_media_id) AS cover"""

_ARTICLE = """
SELECT t.article_id, t.language, t.slug, t.title, t.lead, t.published_at, t.updated_at,
       t.reading_time_minutes, a.original_language, t.body_html, t.seo_title,
       t.seo_description, t.word_count, l.bcp47, {card},
       (SELECT coalesce({list}({row}(x.name, x.url)), {empty}) FROM (
            SELECT s.name, s.url FROM article_sources s
            WHERE s.article_id = t.article_id
            ORDER BY s.position) x) AS sources,
       (SELECT coalesce({list}({row}(x.language, x.slug, x.bcp47)), {empty}) FROM (
            SELECT o.language, o.slug, ol.bcp47
            FROM translations o JOIN languages ol ON ol.code = o.language
            WHERE o.article_id = t.article_id AND o.language <> t.language
              AND o.status IN ({live}) AND o.publish_at IS NOT NULL
              AND o.publish_at <= :now
            ORDER BY ol.position, ol.code) x) AS alternates
FROM translations t
JOIN articles a ON a.id = t.article_id
JOIN languages l ON l.code = t.language
WHERE t.language = :lang AND t.slug = :slug
  AND t.status IN ({live}) AND t.publish_at IS NOT NULL AND t.publish_at <= :now
"""

# A list page: the language's tag and its newest public versions after the cursor (one
# more than the page, to know whether there is a next one) as one JSON array. No row: no
# such language. Keyset on (published_at, id), which ix_translations_public_list serves.
_PAGE = """
SELECT l.bcp47, (
    SELECT coalesce({list}({row}(x.article_id, x.slug, x.title, x.lead, {ts_published},
                                 {ts_updated}, x.reading_time_minutes, x.id,
                                 x.original_language, {json}(x.authors), {json}(x.tags),
                                 {json}(x.category), {json}(x.cover))), {empty})
    FROM (
        SELECT t.article_id, t.slug, t.title, t.lead, t.published_at, t.updated_at,
               t.reading_time_minutes, t.id, a.original_language, {card}
        FROM translations t JOIN articles a ON a.id = t.article_id
        WHERE t.language = :lang
          AND t.status IN ({live}) AND t.publish_at IS NOT NULL AND t.publish_at <= :now
          {after}
        ORDER BY t.published_at DESC, t.id DESC
        LIMIT :limit) x
) AS page
FROM languages l WHERE l.code = :lang
"""
_AFTER = "AND (t.published_at, t.id) < (:after_at, :after_id)"


def _for(dialect: str, sql: str, after: str = "") -> tuple[str, list[str]]:
    """`sql` in `dialect`: its functions, and `$n` placeholders for asyncpg."""
    words = _DIALECT[dialect]
    sql = sql.format(
        card=_CARD_PARTS.format(**words),
        live=_LIVE,
        after=after,
        ts_published=words["ts"].format("x.published_at"),
        ts_updated=words["ts"].format("x.updated_at"),
        **words,
    )
    names: list[str] = []
    if dialect == "postgresql":

        def number(match: re.Match[str]) -> str:
            if match[1] not in names:
                names.append(match[1])
            return f"${names.index(match[1]) + 1}"

        sql = re.sub(r"(?<!:):([a-z_]+)", number, sql)
    return sql, names


async def _keep(_connection: asyncpg.Connection) -> None:
    """Nothing to reset between reads (see `HotReads._postgres_pool`)."""


def _utc(value: Any) -> datetime | None:
    """A timestamp as the driver returns it: aware (asyncpg) or naive UTC text (SQLite)."""
    if value is None or isinstance(value, datetime):
        return value.astimezone(UTC) if value is not None else None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _refs(rows: list[list[Any]]) -> list[dict[str, Any]]:
    return [{"id": r[0], "name": r[1], "slug": r[2]} for r in rows]


class HotReads:
    """The hot statements of one engine, in its dialect."""

    def __init__(self, engine: AsyncEngine, *, pool_size: int = 10) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._article = _for(self.dialect, _ARTICLE)
        self._first_page = _for(self.dialect, _PAGE)
        self._next_page = _for(self.dialect, _PAGE, _AFTER)
        database = engine.url.database if self.dialect == "sqlite" else None
        self._sqlite_file = database if database and database != ":memory:" else None
        self._sqlite: sqlite3.Connection | None = None
        self._pool: asyncpg.Pool | None = None
        self._pool_size = pool_size
        self._pool_lock = asyncio.Lock()

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def _one(self, statement: tuple[str, list[str]], **params: Any) -> Any:
        sql, names = statement
        if self.dialect == "sqlite":
            for name, value in params.items():  # as UTCDateTime and Uuid store them
                if isinstance(value, datetime):
                    # Four-digit years, as stored: strftime writes the year 500 as `500`.
                    utc = value.astimezone(UTC).replace(tzinfo=None)
                    params[name] = utc.isoformat(" ", "microseconds")
                elif isinstance(value, uuid.UUID):
                    params[name] = value.hex
            if self._sqlite_file is not None:
                return self._sqlite_read().execute(sql, params).fetchone()
        elif self.dialect == "postgresql":
            pool = self._pool or await self._postgres_pool()
            return await pool.fetchrow(sql, *(params[name] for name in names))
        async with self.engine.connect() as connection:  # an in-memory SQLite database
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            rows = await raw.execute_fetchall(sql, params)
            return rows[0] if rows else None

    async def _postgres_pool(self) -> asyncpg.Pool:
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
                _, kwargs = self.engine.dialect.create_connect_args(self.engine.url)
                self._pool = await asyncpg.create_pool(
                    min_size=1, max_size=min(self._pool_size, 10), reset=_keep, **kwargs
                )
        return self._pool

    def _sqlite_read(self) -> sqlite3.Connection:
        """A read-only connection of this worker's own, used in the event loop's thread.

        An indexed SQLite read takes a fraction of a millisecond: less than handing it to
        aiosqlite's thread and back, which under load costs more than the read itself (the
        hand-offs contend for the GIL). In WAL mode a reader never waits for a writer, so
        the loop is not held up by writes; autocommit, so every statement reads the latest
        committed state.
        """
        if self._sqlite is None:
            assert self._sqlite_file is not None
            connection = sqlite3.connect(
                self._sqlite_file, timeout=1.0, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA journal_mode = WAL")  # as the engine's connections
            connection.execute("PRAGMA query_only = ON")
            self._sqlite = connection
        return self._sqlite

    async def article(
        self, *, language: str, slug: str, now: datetime
    ) -> tuple[PublicArticle, str] | None:
        """The public article and its language's BCP 47 tag; None when the statement finds
        no public version by this language and slug (see the module)."""
        row = await self._one(self._article, lang=language, slug=slug, now=now)
        return None if row is None else (_page(row, now=now), row[13])

    async def page(
        self, *, language: str, now: datetime, limit: int, after: Cursor | None
    ) -> tuple[ArticlePage, str] | None:
        """A plain list page (no filters, no search) and the language's BCP 47 tag; None
        for an unknown language."""
        if after is None:
            row = await self._one(self._first_page, lang=language, now=now, limit=limit + 1)
        else:
            row = await self._one(
                self._next_page,
                lang=language,
                now=now,
                limit=limit + 1,
                after_at=after.at,
                after_id=after.id,
            )
        if row is None:
            return None
        bcp47, found = row
        items = [_card(item, language) for item in _json(found)]
        next_cursor = None
        if len(items) > limit:
            del items[limit:]
            last = items[-1]
            next_cursor = Cursor(
                at=datetime.fromisoformat(last["published_at"]), id=uuid.UUID(last.pop("_id"))
            ).encode()
        for item in items:
            item.pop("_id", None)
        return ArticlePage.model_validate({"items": items, "next_cursor": next_cursor}), bcp47


def _card(item: list[Any], language: str) -> dict[str, Any]:
    """A list card from its JSON array (`_PAGE`); `_id` is the version's, for the cursor."""
    (article_id, slug, title, lead, published, updated, minutes, version, original) = item[:9]
    authors, tags, category, cover = item[9:]
    return {
        "id": article_id,
        "language": language,
        "slug": slug,
        "path": article_path(language, slug),
        "title": title,
        "lead": lead,
        "cover": _cover(cover),
        "authors": _refs(authors),
        "category": None if category is None else _refs([category])[0],
        "tags": _refs(tags),
        "published_at": published,
        "updated_at": updated,
        "reading_time_minutes": minutes,
        "original_language": original,
        "_id": version,
    }


def _cover(cover: list[Any] | None) -> dict[str, Any] | None:
    if cover is None:
        return None
    fields = dict(zip(("id", "url", "width", "height", "credit"), cover[:5], strict=True))
    return {**fields, "caption": cover[5] or "", "alt": cover[6] or ""}


def _page(row: Any, *, now: datetime) -> PublicArticle:
    (
        article_id,
        code,
        slug,
        title,
        lead,
        published_at,
        updated_at,
        reading_time,
        original,
        body_html,
        seo_title,
        seo_description,
        word_count,
        _bcp47,
        authors,
        tags,
        category,
        cover,
        sources,
        alternates,
    ) = row
    category = _json(category)
    cover = _json(cover)
    return PublicArticle.model_validate(
        {
            "id": article_id,
            "language": code,
            "slug": slug,
            "path": article_path(code, slug),
            "title": title,
            "lead": lead,
            "cover": _cover(cover),
            "authors": _refs(_json(authors)),
            "category": None if category is None else _refs([category])[0],
            "tags": _refs(_json(tags)),
            "published_at": _utc(published_at) or now,
            "updated_at": _utc(updated_at),
            "reading_time_minutes": reading_time,
            "original_language": original,
            "body_html": body_html,
            "seo_title": seo_title,
            "seo_description": seo_description,
            "word_count": word_count,
            "sources": [{"name": s[0], "url": s[1]} for s in _json(sources)],
            "alternates": [
                {
                    "language": a[0],
                    "slug": a[1],
                    "bcp47": a[2],
                    "path": article_path(a[0], a[1]),
                }
                for a in _json(alternates)
            ],
        }
    )


# The shapes the lane answers: a public article by language and slug with no query, and a
# plain list page (only `limit` and `cursor`). The language pattern is the path
# parameter's; an unknown language falls through. Anything else goes to the routes.
_ARTICLE_PATH = re.compile(
    r"/v1/(?!admin/)([A-Za-z0-9-]{2,35})/articles/(" + SLUG_PATTERN.strip("^$") + ")"
)
_LIST_PATH = re.compile(r"/v1/(?!admin/)([A-Za-z0-9-]{2,35})/articles")
_LIMIT = re.compile(r"[1-9][0-9]?|100")
_MAX_CURSOR = 200  # the query parameter's maxLength


class HotPathMiddleware:
    """Answers public article pages and plain list pages before the framework.

    Sits right inside the response cache (which stores what it answers, adds the ETag and
    answers 304s). Everything else, and every request it cannot answer with a 200, goes
    on to the routes, which answer it as before: 404, 410, 301 for a former slug, 308 for
    a BCP 47 tag, 422 for a bad parameter. So the lane changes no answer, only what an
    ordinary one costs.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answered = False
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"]
            if path.endswith("/articles"):
                answered = await self._list(scope, send)
            elif not scope["query_string"]:
                answered = await self._article(scope, send)
        if not answered:
            await self.app(scope, receive, send)

    async def _article(self, scope: Scope, send: Send) -> bool:
        match = _ARTICLE_PATH.fullmatch(scope["path"])
        if match is None or len(match[2]) > MAX_SLUG_LENGTH:
            return False
        state = scope["app"].state
        language = match[1]
        found = await state.hot.article(language=language, slug=match[2], now=datetime.now(UTC))
        if found is None:
            return False
        article, bcp47 = found
        extra = [(b"surrogate-key", headers_of(article, language).encode("latin-1"))]
        if article.alternates:
            extra.append((b"link", link_header(article).encode()))
        await _send(send, state, article.model_dump_json().encode(), bcp47, extra)
        return True

    async def _list(self, scope: Scope, send: Send) -> bool:
        match = _LIST_PATH.fullmatch(scope["path"])
        if match is None:
            return False
        params = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        names = [name for name, _ in params]
        if len(set(names)) != len(names) or not set(names) <= {"limit", "cursor"}:
            return False
        given = dict(params)
        limit = given.get("limit", "20")
        cursor = given.get("cursor")
        if not _LIMIT.fullmatch(limit) or (cursor is not None and len(cursor) > _MAX_CURSOR):
            return False
        after = None
        if cursor is not None:
            try:
                after = Cursor.decode(cursor)
            except Unprocessable:
                return False
            if after.rank is not None:  # a search cursor
                return False
        state = scope["app"].state
        language = match[1]
        found = await state.hot.page(
            language=language, now=datetime.now(UTC), limit=int(limit), after=after
        )
        if found is None:
            return False
        page, bcp47 = found
        extra = [(b"surrogate-key", keys.of_list(language, page.items).encode("latin-1"))]
        if page.next_cursor is not None:
            link = next_page_link(URL(scope=scope), page.next_cursor)
            extra.append((b"link", link.encode()))
        await _send(send, state, page.model_dump_json().encode(), bcp47, extra)
        return True


async def _send(
    send: Send, state: Any, body: bytes, bcp47: str, extra: list[tuple[bytes, bytes]]
) -> None:
    headers = [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", b"application/json"),
        (b"content-language", bcp47.encode()),
        (b"cache-control", state.settings.cache_control.encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def next_page_link(url: URL, cursor: str) -> str:
    """`Link` to the next page: this URL with the next `cursor`."""
    following = url.include_query_params(cursor=cursor)
    return f'<{following.path}?{following.query}>; rel="next"'


def link_header(article: PublicArticle) -> str:
    """`Link` to each public alternate, with its hreflang."""
    return ", ".join(
        f'<{a.path}>; rel="alternate"; hreflang="{a.bcp47}"' for a in article.alternates
    )


def headers_of(article: PublicArticle, language: str) -> str:
    """The article page's `Surrogate-Key`: the article, this version and its terms."""
    return keys.header({*keys.of_article(article), keys.article(article.id, language)})
