"""The hot lane: public article pages, plain list pages and searches answered before the
framework.

The reads themselves are `app.public.reads` (`read_article`, `read_page`, and `read_list`
for a search): the same functions the routes call, so the lane and the routes answer with
the same bytes and the same headers. The lane only saves what the framework costs
(routing, dependencies, validation of the parameters): it matches the URL shapes it can
answer, calls the read and sends its `Found`, encoded (`_Answer`); anything else, and
anything the read does not find or refuses, goes on to the routes, which answer it as
before.
"""

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import URL
from starlette.types import ASGIApp, Receive, Scope, Send

from app import paths
from app.db import REPLICA_SCOPE_KEY
from app.errors import Unprocessable
from app.kit.pagination import Cursor
from app.kit.schema import check_characters
from app.kit.slugs import MAX_SLUG_LENGTH, SLUG_PATTERN
from app.ops.metrics import note_route
from app.public import service
from app.public.reads import Found, HotReads, read_article, read_list, read_page
from app.replicas import hot_reads
from app.search import query as search
from app.search.analysis import analyzer_for

# The shapes the lane answers: a public article by language and slug with no query, and a
# plain list page, a search (only `limit`, `cursor` and `q`) or a list filtered by tag, author or
# category (`limit`, `cursor` and those). The language pattern is the path
# parameter's; an unknown language falls through. Anything else goes to the routes.
# The language segment of the public area (`app.paths`): not one of the private areas.
_LANGUAGE = (
    re.escape(paths.API)
    + "(?!"
    + "|".join(re.escape(area.removeprefix(paths.API)) for area in paths.PRIVATE)
    + ")([A-Za-z0-9-]{2,35})"
)
# The templates of the routes this lane answers for (the metrics name requests by them).
ARTICLE_ROUTE = "/v1/{lang}/articles/{slug}"
LIST_ROUTE = "/v1/{lang}/articles"
_ARTICLE_PATH = re.compile(_LANGUAGE + "/articles/(" + SLUG_PATTERN.strip("^$") + ")")
_LIST_PATH = re.compile(_LANGUAGE + "/articles")
_LIMIT = re.compile(r"[1-9][0-9]?|100")
_MAX_CURSOR = 200  # the query parameter's maxLength
# A list's filters the lane answers (a term by its slug, as the route's `FilterSlug`
# accepts it); dates, and a filter with a search, go to the route.
_FILTERS = ("tag", "author", "category")
_FILTER_SLUG = re.compile(SLUG_PATTERN.strip("^$"))


class HotPathMiddleware:
    """Answers public article pages, plain list pages and searches before the framework.

    Sits right inside the response cache (which stores what it answers, adds the ETag and
    answers 304s). Everything else, and every request it cannot answer with a 200, goes
    on to the routes, which answer it as before: 404, 410, 301 for a former slug, 308 for
    a BCP 47 tag, 422 for a bad parameter. So the lane changes no answer, only what an
    ordinary one costs.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = None
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"]
            if path.endswith("/articles"):
                answer = await self._list(scope)
            elif not scope["query_string"]:
                answer = await self._article(scope)
        if answer is None:
            await self.app(scope, receive, send)
            return
        note_route(scope, answer.route)
        await send({"type": "http.response.start", "status": 200, "headers": answer.headers})
        await send({"type": "http.response.body", "body": answer.body})

    async def _article(self, scope: Scope) -> "_Answer | None":
        match = _ARTICLE_PATH.fullmatch(scope["path"])
        if match is None or len(match[2]) > MAX_SLUG_LENGTH:
            return None
        state = scope["app"].state
        found = await read_article(
            hot_reads(scope),
            language=match[1],
            slug=match[2],
            now=datetime.now(UTC),
            cache_control=state.settings.cache_control,
        )
        return None if found is None else _Answer.of(ARTICLE_ROUTE, found)

    async def _list(self, scope: Scope) -> "_Answer | None":
        match = _LIST_PATH.fullmatch(scope["path"])
        if match is None:
            return None
        params = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        names = [name for name, _ in params]
        if len(set(names)) != len(names) or not set(names) <= {"limit", "cursor", "q", *_FILTERS}:
            return None
        given = dict(params)
        terms = {name: given[name] for name in _FILTERS if name in given}
        if terms and ("q" in given or not all(map(_is_filter_slug, terms.values()))):
            return None
        limit = given.get("limit", "20")
        cursor = given.get("cursor")
        if not _LIMIT.fullmatch(limit) or (cursor is not None and len(cursor) > _MAX_CURSOR):
            return None
        after = None
        if cursor is not None:
            try:
                after = Cursor.decode(cursor)
            except Unprocessable:
                return None
            if (after.rank is not None) != ("q" in given):  # a search's cursor, or not
                return None
        if "q" in given:
            return await self._search(scope, match[1], given["q"], int(limit), cursor)
        if terms:
            return await self._filtered(
                scope, match[1], service.Filters(**terms), int(limit), cursor
            )
        state = scope["app"].state
        found = await read_page(
            hot_reads(scope),
            language=match[1],
            now=datetime.now(UTC),
            limit=int(limit),
            after=after,
            url=URL(scope=scope),
            cache_control=state.settings.cache_control,
        )
        return None if found is None else _Answer.of(LIST_ROUTE, found)

    async def _search(
        self, scope: Scope, language: str, q: str, limit: int, cursor: str | None
    ) -> "_Answer | None":
        """A search page, as the list route makes it (`service.list_articles`) on the
        session the route would have (the replica's where the request reads on one)."""
        if not 1 <= len(q) <= search.MAX_LENGTH:
            return None
        try:
            check_characters(q)
        except ValueError:
            return None
        reader = hot_reads(scope)

        def search_in(known: tuple[str, str]) -> Awaitable["_Answer | None"]:
            return self._search_in(scope, reader, language, known, q, limit, cursor)

        return await _in_language(reader, language, search_in)

    async def _search_in(
        self,
        scope: Scope,
        reader: HotReads,
        language: str,
        known: tuple[str, str],
        q: str,
        limit: int,
        cursor: str | None,
    ) -> "_Answer | None":
        """The search page in a language whose row is `known` (BCP 47 tag, analyser)."""
        bcp47, text_search = known
        try:
            parsed = search.parse(q, analyzer_for(text_search))
        except Unprocessable:
            return None
        return await self._read_list(
            scope, reader, language, bcp47, service.Filters(), parsed, limit, cursor
        )

    async def _filtered(
        self, scope: Scope, language: str, filters: service.Filters, limit: int, cursor: str | None
    ) -> "_Answer | None":
        """A list filtered by tag, author or category, as the list route makes it."""
        reader = hot_reads(scope)

        def filtered_in(known: tuple[str, str]) -> Awaitable["_Answer | None"]:
            return self._read_list(scope, reader, language, known[0], filters, None, limit, cursor)

        return await _in_language(reader, language, filtered_in)

    async def _read_list(
        self,
        scope: Scope,
        reader: HotReads,
        language: str,
        bcp47: str,
        filters: service.Filters,
        parsed: search.Query | None,
        limit: int,
        cursor: str | None,
    ) -> "_Answer":
        """`read_list`'s page (`service.list_articles`) on the session the route would
        have (the replica's where the request reads on one)."""
        state = scope["app"].state
        replica = scope.get(REPLICA_SCOPE_KEY)
        factory = replica.reader if replica is not None else state.db.reader
        async with factory() as session:
            # Encoded before the session closes: closing yields to the loop (SQLAlchemy
            # shields it in a task of its own), and the page's model, were it bound here,
            # would be held the while, dozens at once under load (`_Answer`).
            read = read_list(
                session,
                reader,
                language=language,
                bcp47=bcp47,
                now=datetime.now(UTC),
                filters=filters,
                limit=limit,
                cursor=cursor,
                search=parsed,
                url=URL(scope=scope),
                cache_control=state.settings.cache_control,
            )
            return _Answer.of(LIST_ROUTE, await read)


async def _in_language(
    reader: HotReads,
    language: str,
    answer: Callable[[tuple[str, str]], Awaitable["_Answer | None"]],
) -> "_Answer | None":
    """`answer` for the language as its row is now (BCP 47 tag, analyser); None (the
    route's 404, or its 308 for a BCP 47 tag) when there is no such language.

    PostgreSQL: the page is read with the row as this worker last read it, while the row
    is read again (a round trip less to wait for, `HotReads.guess_language`); the page
    stands if the row is unchanged, and is read again with the new row otherwise. SQLite
    reads the row first: no round trip."""
    guess = reader.guess_language(language)
    if guess is None:
        known = await reader.language(language)
        return None if known is None else await answer(known)
    checking = asyncio.ensure_future(reader.language(language))
    try:
        found = await answer(guess)
    except BaseException:
        checking.cancel()
        checking.add_done_callback(_retrieved)
        raise
    known = await checking
    if known == guess:
        return found
    if known is None:
        return None
    return await answer(known)


def _is_filter_slug(value: str) -> bool:
    return len(value) <= MAX_SLUG_LENGTH and _FILTER_SLUG.fullmatch(value) is not None


def _retrieved(task: "asyncio.Future[Any]") -> None:
    """A task given up on: its outcome taken, so that nothing logs it as never retrieved."""
    if not task.cancelled():
        task.exception()


@dataclass(frozen=True, slots=True)
class _Answer:
    """What the lane sends: the route's template (for the metrics), the headers and the
    body. A request holds these bytes alone from the moment its read is done: it may still
    wait while the loop serves others (a search's session closes in a task of its own),
    and under load dozens wait at once. Holding each page's model the while (a search
    page's ~1,100 objects) left a SQLite worker 14 MB larger after 64 connections' load,
    5 MB with the bytes alone (Python keeps the arenas that held them)."""

    route: str
    headers: list[tuple[bytes, bytes]]
    body: bytes

    @classmethod
    def of(cls, route: str, found: Found[Any]) -> "_Answer":
        body = found.body()
        headers = [
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/json"),
            *(
                (name.lower().encode(), value.encode("latin-1"))
                for name, value in found.headers.items()
            ),
        ]
        return cls(route, headers, body)
