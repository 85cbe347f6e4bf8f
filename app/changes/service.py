"""Reading the change log: the change feed's pages and where a page ends."""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.changes.record import UPSERTS
from app.config import Settings
from app.errors import Gone, Unprocessable
from app.models import ContentChange, Language
from app.public.site import Site, article_path

MAX_ID = 2**63 - 1


class CursorAhead(Gone):
    code, title = "cursor-ahead", "Cursor ahead of the change log"


def encode(position: int) -> str:
    raw = json.dumps(["changes", position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str) -> int:
    """The position a cursor stands for (the last change id a reader has seen)."""
    try:
        padded = token + "=" * (-len(token) % 4)
        kind, position = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if kind != "changes" or type(position) is not int or not 0 <= position <= MAX_ID:
            raise ValueError("not a change feed position")
        return position
    except (ValueError, TypeError, UnicodeError, binascii.Error) as exc:
        raise Unprocessable.at(
            ["query", "cursor"],
            "The cursor is not one this feed gave out.",
            msg="Invalid cursor",
            type="cursor",
        ) from exc


async def language_tags(session: AsyncSession) -> dict[str, str]:
    """Each language's BCP 47 tag by its code (the site URL pattern may use it)."""
    rows = await session.execute(select(Language.code, Language.bcp47))
    return dict(rows.all())


def place(settings: Settings, tags: dict[str, str], language: str, slug: str) -> tuple[str, str]:
    """Where a version at this slug is: its public API path and its site URL (`tags`:
    `language_tags`). The change feed and the webhooks' payloads say both."""
    tag = tags.get(language, language)
    return article_path(language, slug), Site.of(settings).article_url(
        language=language, bcp47=tag, slug=slug
    )


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    position: int  # where the next page starts
    full: bool  # as many items as asked for: more may follow at once


async def page(
    session: AsyncSession, settings: Settings, *, after: int, limit: int, language: str | None
) -> Page:
    """The changes after `after`, oldest first. The newest id is read first and the page
    stops there: ids are handed out in commit order, so every change up to it is visible
    now, and a page that ends short of `limit` can move the cursor up to it."""
    top = await session.scalar(select(func.max(ContentChange.id))) or 0
    if after > top:
        # Ids only grow: a position past the newest is from a log this database no
        # longer has (restored from an older backup). The copy must be rebuilt.
        raise CursorAhead(
            "The cursor is ahead of the change log (the database was restored from an "
            "earlier state): read the feed again from the start (no cursor)."
        )
    query = select(ContentChange).where(ContentChange.id > after, ContentChange.id <= top)
    if language is not None:
        query = query.where(ContentChange.language == language)
    rows = list(await session.scalars(query.order_by(ContentChange.id).limit(limit)))
    tags = await language_tags(session)
    items: list[dict[str, Any]] = []
    for row in rows:
        path, url = place(settings, tags, row.language, row.slug)
        previous = (
            None if row.previous_slug is None else article_path(row.language, row.previous_slug)
        )
        items.append(
            {
                "type": "upsert" if row.type in UPSERTS else "delete",
                "event": row.type,
                "id": row.event_id,
                "article_id": row.article_id,
                "language": row.language,
                "slug": row.slug,
                "path": path,
                "url": url,
                "previous_path": previous,
                "at": row.at,
            }
        )
    full = len(rows) == limit
    return Page(items, rows[-1].id if full else max(top, after), full)
