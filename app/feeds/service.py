"""What the feeds and the Google News sitemap list, and where the public site shows it
(the sitemaps: `app.feeds.sitemaps`).

Every query filters with `is_public(now)` (or reads the public list, which does): a version
that is not public appears nowhere.
"""

import mimetypes
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.articles.visibility import is_public
from app.config import Settings
from app.feeds import enclosures, entries, xml
from app.media.imaging import CONTENT_TYPES
from app.media.storage import Storage
from app.models import Language, Media, Translation
from app.public import service as public_service
from app.public.reads import CardPage, HotReads
from app.public.schemas import ArticleCard
from app.public.site import Site

FEED_SIZE = 50
NEWS_MAX_URLS = 1_000  # Google News' limit for one news sitemap
NEWS_WINDOW = timedelta(hours=48)


def article_url(settings: Settings, *, lang: str, bcp47: str, slug: str) -> str:
    """The public site's URL of one language version of an article."""
    return Site.of(settings).article_url(language=lang, bcp47=bcp47, slug=slug)


async def feed(
    session: AsyncSession,
    hot: HotReads,
    storage: Storage,
    *,
    language: Language,
    now: datetime,
    settings: Settings,
    filters: public_service.Filters,
    self_link: str,
) -> tuple[entries.Feed, list[ArticleCard]]:
    """The latest `FEED_SIZE` public versions in `language` (filtered), with their bodies
    and covers, and the cards they come from (what the answer shows, for its keys)."""
    # The public list already holds the filters and the localized bylines and terms; the
    # plain feed is the hot statement's first page.
    if filters == public_service.Filters():
        page = await hot.page(language=language.code, now=now, limit=FEED_SIZE, after=None)
        cards = page[0].model().items if page is not None else []
    else:
        fields, _ = await public_service.list_articles(
            session,
            language=language.code,
            now=now,
            filters=filters,
            limit=FEED_SIZE,
            cursor=None,
            hot=hot,
        )
        cards = CardPage(fields).model().items
    bodies = await _bodies(session, language.code, cards)
    images = await _images(session, storage, cards)
    items = [
        entries.Entry(
            article_id=card.id,
            language=language.code,
            title=card.title,
            link=article_url(settings, lang=language.code, bcp47=language.bcp47, slug=card.slug),
            published_at=card.published_at,
            updated_at=max(card.published_at, card.updated_at),
            summary=card.lead,
            content_html=bodies.get(card.id, ""),
            authors=[author.name for author in card.authors],
            category=entries.Term(card.category.name, card.category.slug)
            if card.category
            else None,
            tags=[entries.Term(term.name, term.slug) for term in card.tags],
            image=images.get(card.id),
        )
        for card in cards
    ]
    return entries.Feed(
        title=f"{settings.site_name} ({language.native_name})",
        site_name=settings.site_name,
        link=settings.site_url,
        self_link=self_link,
        description=f"The latest articles of {settings.site_name} in {language.name}.",
        language=language.bcp47,
        # When the listed content last changed, so an unchanged feed reads the same.
        updated=max((item.updated_at for item in items), default=now),
        urn=_feed_urn(settings, language.code, filters),
        entries=items,
    ), cards


def _feed_urn(settings: Settings, language: str, filters: public_service.Filters) -> str:
    """Atom's feed id: one per site, language and filters, whatever host serves the feed."""
    chosen = [
        f"{name}={value}"
        for name, value in (
            ("author", filters.author), ("category", filters.category), ("tag", filters.tag)
        )
        if value is not None
    ]  # fmt: skip
    name = f"{settings.site_url}#feed/{language}?{'&'.join(chosen)}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


async def _bodies(
    session: AsyncSession, language: str, cards: list[ArticleCard]
) -> dict[uuid.UUID, str]:
    """The body of each listed version (public: the cards are)."""
    if not cards:
        return {}
    rows = await session.execute(
        select(Translation.article_id, Translation.body_html).where(
            Translation.language == language,
            Translation.article_id.in_([card.id for card in cards]),
        )
    )
    return {row.article_id: row.body_html for row in rows}


async def _images(
    session: AsyncSession, storage: Storage, cards: list[ArticleCard]
) -> dict[uuid.UUID, entries.Image]:
    """Each card's cover as a feed shows it: the file its URL names, with that file's size
    and media type (for an upload: the largest whole rendition; by URL: as registered)."""
    covers = {card.id: card.cover for card in cards if card.cover is not None}
    if not covers:
        return {}
    # The storage key of each upload's `url` (cards carry addresses, not keys).
    stored = {
        row.id: (row.url, row.renditions)
        for row in await session.execute(
            select(Media.id, Media.url, Media.renditions).where(
                Media.id.in_({cover.id for cover in covers.values()}),
                Media.content_hash.is_not(None),
            )
        )
    }
    lengths = await enclosures.sizes(storage, {key for key, _ in stored.values()})
    images = {}
    for article_id, cover in covers.items():
        width, height, media_type, length = cover.width, cover.height, _guess(cover.url), None
        if cover.id in stored:
            key, renditions = stored[cover.id]
            for r_key, r_width, r_height, r_format, _crop in renditions:
                if r_key == key:
                    width, height = r_width, r_height
                    media_type = CONTENT_TYPES.get(r_format)
            length = lengths.get(key)
        images[article_id] = entries.Image(
            url=cover.url,
            width=width,
            height=height,
            media_type=media_type,
            length=length,
            credit=cover.credit,
            caption=cover.caption,
            alt=cover.alt,
        )
    return images


def _guess(url: str) -> str | None:
    """The image type an image URL's extension names, if any (images registered by URL)."""
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    return guessed if guessed is not None and guessed.startswith("image/") else None


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
