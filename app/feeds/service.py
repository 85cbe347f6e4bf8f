"""What feeds and sitemaps list, and where the public site shows it.

Every query filters with `is_public(now)`: a version that is not public appears nowhere,
not even as another version's hreflang alternate.
"""

import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.articles.visibility import is_public
from app.config import Settings
from app.feeds import xml
from app.models import Article, Language, Translation
from app.public import service as public_service
from app.public.reads import HotReads
from app.public.site import Site

FEED_SIZE = 50
SITEMAP_MAX_URLS = 50_000  # the sitemap protocol's limit for one file
NEWS_MAX_URLS = 1_000  # Google News' limit for one news sitemap
NEWS_WINDOW = timedelta(hours=48)


def article_url(settings: Settings, *, lang: str, bcp47: str, slug: str) -> str:
    """The public site's URL of one language version of an article."""
    return Site.of(settings).article_url(language=lang, bcp47=bcp47, slug=slug)


async def feed(
    session: AsyncSession,
    hot: HotReads,
    *,
    language: Language,
    now: datetime,
    settings: Settings,
    tag: str | None,
    category: str | None,
    self_link: str,
) -> xml.Feed:
    # The public list already holds the filters and the localized bylines and terms; the
    # plain feed is the hot statement's first page.
    if tag is None and category is None:
        page = await hot.page(language=language.code, now=now, limit=FEED_SIZE, after=None)
        cards = page[0].items if page is not None else []
    else:
        cards, _ = await public_service.list_articles(
            session,
            language=language.code,
            now=now,
            filters=public_service.Filters(tag=tag, category=category),
            limit=FEED_SIZE,
            cursor=None,
            site=hot.site,
        )
    items = [
        xml.FeedItem(
            title=card.title,
            link=article_url(settings, lang=language.code, bcp47=language.bcp47, slug=card.slug),
            # Stable across slug changes, unlike the link.
            guid=f"{card.id}:{language.code}",
            published_at=card.published_at,
            description=card.lead,
            creators=[author.name for author in card.authors],
            categories=[
                *([card.category.name] if card.category else []),
                *(term.name for term in card.tags),
            ],
        )
        for card in cards
    ]
    return xml.Feed(
        title=f"{settings.site_name} ({language.native_name})",
        link=settings.site_url,
        self_link=self_link,
        description=f"The latest articles of {settings.site_name} in {language.name}.",
        language=language.bcp47,
        # When the listed content last changed, so an unchanged feed reads the same.
        last_build=max((max(c.published_at, c.updated_at) for c in cards), default=now),
        items=items,
    )


def _newest_public(now: datetime, *columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .where(is_public(now))
        .order_by(Translation.published_at.desc(), Translation.id.desc())
        .limit(SITEMAP_MAX_URLS)
    )


async def sitemap(
    session: AsyncSession, *, now: datetime, settings: Settings
) -> list[xml.SitemapUrl]:
    """The newest public versions, at most `SITEMAP_MAX_URLS`, with their alternates.

    50,000 URLs is the sitemap protocol's limit for one file; past it the oldest versions
    drop out (a sitemap index would be the next step). Alternates are every public
    version of a listed article, listed or not.
    """
    rows = await session.execute(
        _newest_public(
            now,
            Translation.article_id,
            Translation.language,
            Translation.slug,
            Translation.updated_at,
            Language.bcp47,
            Article.original_language,
        )
        .join(Language, Language.code == Translation.language)
        .join(Article, Article.id == Translation.article_id)
    )
    listed = _newest_public(now, Translation.article_id).subquery()
    versions: dict[uuid.UUID, list[tuple[str, str, str]]] = defaultdict(list)
    for v in await session.execute(
        select(Translation.article_id, Translation.language, Translation.slug, Language.bcp47)
        .join(Language, Language.code == Translation.language)
        .where(is_public(now), Translation.article_id.in_(select(listed.c.article_id)))
        .order_by(Language.position, Language.code)
    ):
        url = article_url(settings, lang=v.language, bcp47=v.bcp47, slug=v.slug)
        versions[v.article_id].append((v.language, v.bcp47, url))
    urls = []
    for row in rows:
        known = versions[row.article_id]
        alternates = [(bcp47, url) for _, bcp47, url in known]
        alternates += [
            ("x-default", url) for lang, _, url in known if lang == row.original_language
        ]
        loc = article_url(settings, lang=row.language, bcp47=row.bcp47, slug=row.slug)
        urls.append(xml.SitemapUrl(loc=loc, lastmod=row.updated_at, alternates=alternates))
    return urls


async def news(session: AsyncSession, *, now: datetime, settings: Settings) -> list[xml.NewsUrl]:
    """Public versions first published in the last `NEWS_WINDOW`, newest first."""
    rows = await session.execute(
        select(
            Translation.language,
            Translation.slug,
            Translation.title,
            Translation.published_at,
            Language.bcp47,
        )
        .join(Language, Language.code == Translation.language)
        .where(is_public(now), Translation.published_at >= now - NEWS_WINDOW)
        .order_by(Translation.published_at.desc(), Translation.id.desc())
        .limit(NEWS_MAX_URLS)
    )
    return [
        xml.NewsUrl(
            loc=article_url(settings, lang=row.language, bcp47=row.bcp47, slug=row.slug),
            publication=settings.site_name,
            language=row.bcp47,
            published_at=row.published_at,
            title=row.title,
        )
        for row in rows
    ]
