"""Public term pages — a tag, a category, an author — and their lists: site URLs,
alternates, the 301 from another language's slug, keyset cursors and the headers.

One set of functions serves the three kinds (a `Kind` names them); the routes of
`app.taxonomy.router` and `app.authors.router` are each written out and call these.
Terms have no drafts: a term is shown in a language when it has a name there, and its
article counts follow the visibility rule (`app.taxonomy.service.localized`).
"""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import URL

from app.cache import keys
from app.config import Settings
from app.errors import NotFound
from app.kit.pagination import Cursor
from app.kit.schema import check_characters
from app.models import Language
from app.public.site import Site, link_header
from app.taxonomy import service
from app.taxonomy.schemas import LocalizedTerm, TermAlternate, TermPage, localized
from app.taxonomy.service import Kind

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# A cursor holds a name (at most 200 characters, 4 bytes each in UTF-8) in base64.
MAX_CURSOR_LENGTH = 1200
_MAX_NAME = 200

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (1-100).")]
PageCursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=MAX_CURSOR_LENGTH,
        description="From `next_cursor` of the previous page, unchanged.",
    ),
]


def api_path(kind: Kind, language: str, slug: str) -> str:
    return f"/v1/{language}/{kind.plural}/{slug}"


def site_url(settings: Settings, kind: Kind, *, lang: str, bcp47: str, slug: str) -> str:
    """The public site's URL of a term's page in one language (`app.public.site`)."""
    return Site.of(settings).term_url(kind.label, language=lang, bcp47=bcp47, slug=slug)


# Lists -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TermCursor:
    """The position after a list page's last term: its name and id (the list's order),
    bound to the kind and language it was given out for."""

    kind: str
    language: str
    name: str
    id: uuid.UUID

    def encode(self) -> str:
        position = {"k": self.kind, "l": self.language, "n": self.name, "i": self.id.hex}
        raw = json.dumps(position, ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, *, kind: str, language: str) -> "TermCursor":
        """The cursor, or a 422 for anything this API did not write for this list."""
        try:
            padded = token + "=" * (-len(token) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            if not isinstance(data, dict) or set(data) != {"k", "l", "n", "i"}:
                raise ValueError("shape")
            name, ident = data["n"], data["i"]
            if data["k"] != kind or data["l"] != language:
                raise ValueError("another list's cursor")
            if type(name) is not str or not 0 < len(name) <= _MAX_NAME:
                raise ValueError("name")
            if type(ident) is not str:
                raise ValueError("id")
            # No NUL or lone surrogate reaches the database (PostgreSQL refuses them).
            return cls(kind, language, check_characters(name), uuid.UUID(hex=ident))
        except (ValueError, TypeError, UnicodeError, binascii.Error, RecursionError) as exc:
            raise Cursor.invalid() from exc


Item = TypeVar("Item", bound=LocalizedTerm)


@dataclass(frozen=True, slots=True)
class Page(Generic[Item]):
    items: list[Item]
    next_cursor: str | None


async def listing(
    session: AsyncSession,
    kind: Kind,
    schema: type[Item],
    *,
    language: Language,
    now: datetime,
    settings: Settings,
    limit: int,
    cursor: str | None,
) -> Page[Item]:
    """One page of the terms named in `language`, by name then id (keyset)."""
    after = None
    if cursor is not None:
        position = TermCursor.decode(cursor, kind=kind.label, language=language.code)
        after = (position.name, position.id)
    rows = await service.localized(
        session, kind, language=language.code, now=now, after=after, limit=limit + 1
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = TermCursor(kind.label, language.code, last[1].name, last[0]).encode()
    items = [
        localized(
            schema,
            ident,
            translation,
            count,
            url=site_url(
                settings, kind, lang=language.code, bcp47=language.bcp47, slug=translation.slug
            ),
        )
        for ident, translation, count in rows
    ]
    return Page(items, next_cursor)


def list_headers(kind: Kind, language: str, next_cursor: str | None, *, url: URL) -> dict[str, str]:
    """Surrogate-Key: the kind's listings and the language's lists; Link: the next page."""
    headers = {"Surrogate-Key": keys.header({kind.plural, keys.LISTS, keys.listing(language)})}
    if next_cursor is not None:
        following = url.include_query_params(cursor=next_cursor)
        headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
    return headers


# One term ----------------------------------------------------------------------------

Shown = TypeVar("Shown", bound=TermPage)


async def page(
    session: AsyncSession,
    kind: Kind,
    schema: type[Shown],
    *,
    language: Language,
    slug: str,
    now: datetime,
    settings: Settings,
) -> Shown | None:
    """The term named `slug` in `language` with its URLs and alternates; None if none is."""
    rows = await service.localized(session, kind, language=language.code, now=now, slug=slug)
    if not rows:
        return None
    ident, translation, count = rows[0]
    languages = await service.languages_of(session, kind, ident)
    alternates = [
        TermAlternate(
            language=row.code,
            bcp47=row.bcp47,
            slug=row.slug,
            path=api_path(kind, row.code, row.slug),
            url=site_url(settings, kind, lang=row.code, bcp47=row.bcp47, slug=row.slug),
            current=row.code == language.code,
        )
        for row in languages
        if row.slug is not None
    ]
    current = next((a for a in alternates if a.current), None)
    if current is None or current.slug != slug:  # renamed or removed meanwhile
        return None
    default = languages[0].code
    x_default = next((a for a in alternates if a.language == default), current)
    return localized(
        schema,
        ident,
        translation,
        count,
        url=current.url,
        canonical_url=current.url,
        x_default_url=x_default.url,
        alternates=alternates,
    )


def page_headers(kind: Kind, language: str, shown: TermPage) -> dict[str, str]:
    """Surrogate-Key: the term and the language's lists (its count moves with them); Link:
    the canonical URL, each language version (this one included) and the x-default, as
    site URLs, like an article's (`app.public.site.link_header`)."""
    return {
        "Surrogate-Key": keys.header(
            {f"{kind.label}-{shown.id}", keys.LISTS, keys.listing(language)}
        ),
        "Link": link_header(
            shown.alternates, canonical=shown.canonical_url, default=shown.x_default_url
        ),
    }


async def moved(
    session: AsyncSession, kind: Kind, *, language: Language, slug: str, settings: Settings
) -> RedirectResponse:
    """301 to the term's page in `language` when `slug` is its slug in another language;
    else the 404 (a term with no name in `language` is not shown in it)."""
    target = await service.slug_moved(session, kind, language=language.code, slug=slug)
    if target is None:
        raise NotFound(f"No {kind.label} '{slug}' in language '{language.code}'.")
    return RedirectResponse(
        api_path(kind, language.code, target),
        status_code=301,
        headers={
            "Cache-Control": settings.cache_control,
            # Purged when any term of the kind changes: its slugs, or another taking `slug`.
            "Surrogate-Key": kind.plural,
        },
    )
