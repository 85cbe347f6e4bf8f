"""The sitemap index and its pages: every public version, with its hreflang alternates.

Pages hold `sitemap_page_size` URLs (50,000 at most, the protocol's limit for one file),
in ascending order of first publication, then id: a new version lands on the last page, so
the earlier pages keep their content (and their ETags) while the archive grows. Page `n`
holds the versions numbered `(n - 1) * size + 1` to `n * size` in that order; a version
taken down moves the later ones up by one.

The number of a page's first version is found by one pass over the public versions' keys
(`row_number()`), and the page is then read by keyset from that key: never `OFFSET` over
the joined rows. Rows become XML in a worker thread (`build_page`), so a page of 50,000
URLs never holds the event loop.

Every query filters with `is_public(now)`: a version that is not public appears nowhere,
not even as another version's hreflang alternate.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import ColumnElement, func, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.articles.visibility import is_public
from app.config import Settings
from app.feeds import xml
from app.feeds.service import article_url
from app.models import Article, Language, Translation

PARTITION = 2_000  # rows turned into objects between two turns of the event loop


@dataclass(frozen=True, slots=True)
class Page:
    number: int
    lastmod: datetime | None  # the latest change of a version on it; None: empty


def _numbered(now: datetime) -> Any:
    """Every public version's key, numbered from 1 in the pages' order."""
    order = (Translation.published_at, Translation.id)
    return (
        select(
            Translation.published_at,
            Translation.id,
            Translation.updated_at,
            func.row_number().over(order_by=order).label("n"),
        )
        .where(is_public(now))
        .subquery()
    )


async def pages(session: AsyncSession, *, now: datetime, size: int) -> list[Page]:
    """The index: one entry per page, with its newest `lastmod`; page 1 even when empty."""
    numbered = _numbered(now)
    page = ((numbered.c.n - 1) // size + 1).label("page")
    rows = await session.execute(
        select(page, func.max(numbered.c.updated_at)).group_by(page).order_by(page)
    )
    found = [Page(number=int(row[0]), lastmod=row[1]) for row in rows]  # PG: numeric
    return found or [Page(number=1, lastmod=None)]


async def page_rows(
    session: AsyncSession, *, now: datetime, number: int, size: int
) -> tuple[list[Any], list[Any]] | None:
    """The versions of page `number` and every public version of their articles (the
    alternates); None for a page past the last (page 1 always exists)."""
    from_start: ColumnElement[bool] = true()  # page 1 starts at the first version
    if number > 1:
        numbered = _numbered(now)
        start = (
            await session.execute(
                select(numbered.c.published_at, numbered.c.id).where(
                    numbered.c.n == (number - 1) * size + 1
                )
            )
        ).first()
        if start is None:
            return None
        from_start = tuple_(Translation.published_at, Translation.id) >= (start[0], start[1])
    on_page = (
        select(Translation.id)
        .where(is_public(now), from_start)
        .order_by(Translation.published_at, Translation.id)
        .limit(size)
        .subquery()
    )
    rows = await _streamed(
        session,
        select(
            Translation.article_id,
            Translation.language,
            Translation.slug,
            Translation.updated_at,
            Language.bcp47,
        )
        .join(Language, Language.code == Translation.language)
        .where(Translation.id.in_(select(on_page.c.id)))
        .order_by(Translation.published_at, Translation.id),
    )
    articles = select(Translation.article_id).where(Translation.id.in_(select(on_page.c.id)))
    versions = await _streamed(
        session,
        select(
            Translation.article_id,
            Translation.language,
            Translation.slug,
            Language.bcp47,
            Article.original_language,
        )
        .join(Language, Language.code == Translation.language)
        .join(Article, Article.id == Translation.article_id)
        .where(is_public(now), Translation.article_id.in_(articles))
        .order_by(Language.position, Language.code),
    )
    return rows, versions


async def _streamed(session: AsyncSession, statement: Any) -> list[Any]:
    """All the rows, read in partitions: turning 50,000 rows into objects happens on the
    event loop, and between partitions other requests get their turn."""
    rows: list[Any] = []
    result = await session.stream(statement.execution_options(yield_per=PARTITION))
    async for partition in result.partitions():
        rows.extend(partition)
    return rows


def build_page(settings: Settings, rows: Sequence[Any], versions: Sequence[Any]) -> bytes:
    """A page's XML (blocking: run it in a worker thread, see `page`)."""
    known: dict[uuid.UUID, list[tuple[str, str]]] = defaultdict(list)
    originals: dict[uuid.UUID, str] = {}
    for v in versions:
        url = article_url(settings, lang=v.language, bcp47=v.bcp47, slug=v.slug)
        known[v.article_id].append((v.bcp47, url))
        if v.language == v.original_language:
            originals[v.article_id] = url
    # One alternates tuple per article, shared by its versions (`xml.sitemap` writes it once).
    alternates = {
        article_id: (
            *links,
            *([("x-default", originals[article_id])] if article_id in originals else []),
        )
        for article_id, links in known.items()
    }
    urls = [
        xml.SitemapUrl(
            loc=article_url(settings, lang=row.language, bcp47=row.bcp47, slug=row.slug),
            lastmod=row.updated_at,
            alternates=alternates.get(row.article_id, ()),
        )
        for row in rows
    ]
    return xml.sitemap(urls)


async def page(
    session: AsyncSession, *, now: datetime, settings: Settings, number: int
) -> bytes | None:
    """Page `number` as XML; None past the last page."""
    found = await page_rows(session, now=now, number=number, size=settings.sitemap_page_size)
    if found is None:
        return None
    rows, versions = found
    return await anyio.to_thread.run_sync(build_page, settings, rows, versions)
