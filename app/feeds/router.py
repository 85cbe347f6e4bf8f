"""Feeds per language (RSS 2.0, Atom 1.0, JSON Feed 1.1), the sitemap index and its pages,
and the Google News sitemap: public, no credentials."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from app.cache import keys
from app.config import Settings
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.feeds import atom, entries, jsonfeed, service, sitemaps, xml
from app.kit.clock import NowDep
from app.kit.slugs import MAX_SLUG_LENGTH, SLUG_PATTERN
from app.languages.deps import LanguageDep
from app.public.service import Filters
from app.replicas import hot_reads

router = APIRouter(tags=["public"])

RSS = "application/rss+xml"
XML = "application/xml"
# A page number far past any archive (10⁶ pages of 50,000 URLs), so a huge one is a 422.
MAX_PAGE = 1_000_000

FilterSlug = Annotated[str | None, Query(max_length=MAX_SLUG_LENGTH, pattern=SLUG_PATTERN)]


def feed_filters(
    tag: Annotated[FilterSlug, Query(description="Tag slug in this language.")] = None,
    category: Annotated[FilterSlug, Query(description="Category slug in this language.")] = None,
    author: Annotated[
        FilterSlug, Query(description="Author slug in this language: the author's feed.")
    ] = None,
) -> Filters:
    """The filters every feed takes; given together, an item must match them all."""
    return Filters(tag=tag, category=category, author=author)


FeedFilters = Annotated[Filters, Depends(feed_filters)]


def _document(media_type: str, description: str) -> dict[int | str, Any]:
    """The OpenAPI 200 of a document that is not one of our JSON schemas."""
    return {
        200: {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}
    }


def _answer(
    request: Request, body: bytes, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    # A returned Response does not carry headers that dependencies set (LanguageDep's).
    settings: Settings = request.app.state.settings
    return Response(
        body,
        media_type=f"{media_type}; charset=utf-8",
        headers={"Cache-Control": settings.cache_control, **(headers or {})},
    )


async def _feed(
    request: Request,
    session: SessionDep,
    now: NowDep,
    language: LanguageDep,
    filters: Filters,
) -> tuple[entries.Feed, dict[str, str]]:
    """The feed's content and the headers every format sends with it."""
    feed, cards = await service.feed(
        session,
        hot_reads(request.scope),
        request.app.state.media_storage,
        language=language,
        now=now,
        settings=request.app.state.settings,
        filters=filters,
        self_link=str(request.url),
    )
    # The items show their bodies, terms and covers: a change to any purges the feed, and
    # so does a change to any term (a filter's slug may now name another term).
    shown = {keys.LISTS, keys.listing(language.code), "tags", "categories", "authors"}
    for card in cards:
        shown |= keys.of_article(card)
    headers = {"Content-Language": language.bcp47, "Surrogate-Key": keys.header(shown)}
    return feed, headers


_FEED_PROBLEMS = problem_responses(404, 422)
_FEED_TEXT = (
    "The latest 50 public articles in this language, newest first, each with its full "
    "body (sanitized HTML), lead, authors, category and tags, and its cover; `tag`, "
    "`category` and `author` narrow it to one term's articles."
)


@router.get(
    "/v1/{lang}/feed.rss",
    operation_id="getFeed",
    summary="Get the RSS feed of a language",
    description=f"RSS 2.0. {_FEED_TEXT} The body is in `content:encoded`, the lead in "
    "`description`, each author in a `dc:creator`; the cover is a Media RSS "
    "`media:content` (with `media:credit` and the caption as `media:description`) and, "
    "when its byte size is known (uploads), an `enclosure`.",
    response_class=Response,
    responses={**_document(RSS, "RSS 2.0 feed."), **_FEED_PROBLEMS},
)
async def get_feed(
    language: LanguageDep,
    request: Request,
    session: SessionDep,
    now: NowDep,
    filters: FeedFilters,
) -> Response:
    feed, headers = await _feed(request, session, now, language, filters)
    return _answer(request, xml.rss(feed), RSS, headers)


@router.get(
    "/v1/{lang}/feed.atom",
    operation_id="getAtomFeed",
    summary="Get the Atom feed of a language",
    description=f"Atom 1.0 (RFC 4287). {_FEED_TEXT} Each entry's `id` is a `urn:uuid:` "
    "that stays the same for the life of the language version (slug changes included); "
    '`content` is `type="html"` with the body, `summary` the lead, one `author` per '
    'author, and the cover a `link rel="enclosure"`.',
    response_class=Response,
    responses={**_document(atom.MEDIA_TYPE, "Atom 1.0 feed."), **_FEED_PROBLEMS},
)
async def get_atom_feed(
    language: LanguageDep,
    request: Request,
    session: SessionDep,
    now: NowDep,
    filters: FeedFilters,
) -> Response:
    feed, headers = await _feed(request, session, now, language, filters)
    return _answer(request, atom.atom(feed), atom.MEDIA_TYPE, headers)


@router.get(
    "/v1/{lang}/feed.json",
    operation_id="getJsonFeed",
    summary="Get the JSON Feed of a language",
    description=f"JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/). {_FEED_TEXT} "
    "Items carry `id` (as Atom's), `url`, `title`, `content_html`, `summary` (the lead), "
    "`image` (the cover), `date_published`, `date_modified`, `authors`, `tags` and "
    "`language`; as the format asks, a member without a value is left out.",
    response_class=Response,
    responses={
        200: {
            "description": "JSON Feed 1.1 document.",
            "content": {
                jsonfeed.MEDIA_TYPE: {
                    "schema": {
                        "type": "object",
                        "description": "A JSON Feed 1.1 document: "
                        "https://www.jsonfeed.org/version/1.1/",
                    }
                }
            },
        },
        **_FEED_PROBLEMS,
    },
)
async def get_json_feed(
    language: LanguageDep,
    request: Request,
    session: SessionDep,
    now: NowDep,
    filters: FeedFilters,
) -> Response:
    feed, headers = await _feed(request, session, now, language, filters)
    return _answer(request, jsonfeed.json_feed(feed), jsonfeed.MEDIA_TYPE, headers)


@router.get(
    "/v1/sitemap.xml",
    operation_id="getSitemap",
    summary="Get the sitemap index",
    response_class=Response,
    responses={
        **_document(XML, "Sitemap index: one `sitemap` per page, with its `lastmod`."),
        **problem_responses(422),
    },
)
async def get_sitemap(request: Request, session: SessionDep, now: NowDep) -> Response:
    """The sitemap index over the pages of every public article version (`getSitemapPage`)."""
    settings: Settings = request.app.state.settings
    found = await sitemaps.pages(session, now=now, size=settings.sitemap_page_size)
    index = [
        xml.SitemapPage(
            loc=str(request.url_for("get_sitemap_page", page=page.number)), lastmod=page.lastmod
        )
        for page in found
    ]
    return _answer(request, xml.sitemap_index(index), XML, {"Surrogate-Key": keys.SITEMAP})


@router.get(
    "/v1/sitemaps/{page}.xml",
    operation_id="getSitemapPage",
    summary="Get a page of the sitemap",
    description="Public article versions with their hreflang alternates (every public "
    "language version of the article, and `x-default`: the original language's), "
    "oldest first publication first: a page holds `NEWSDESK_SITEMAP_PAGE_SIZE` URLs "
    "(50,000 at most), and new versions land on the last page. Page 1 always exists; "
    "a page past the last is a 404.",
    response_class=Response,
    responses={**_document(XML, "Sitemap (urlset)."), **problem_responses(404, 422)},
)
async def get_sitemap_page(
    request: Request,
    session: SessionDep,
    now: NowDep,
    page: Annotated[
        int, Path(ge=1, le=MAX_PAGE, description="From 1, as the index lists.", examples=[1])
    ],
) -> Response:
    body = await sitemaps.page(session, now=now, settings=request.app.state.settings, number=page)
    if body is None:
        raise NotFound(f"The sitemap has no page {page}.")
    return _answer(request, body, XML, {"Surrogate-Key": keys.SITEMAP})


@router.get(
    "/v1/news-sitemap.xml",
    operation_id="getNewsSitemap",
    summary="Get the Google News sitemap",
    response_class=Response,
    responses={**_document(XML, "Google News sitemap."), **problem_responses(422)},
)
async def get_news_sitemap(request: Request, session: SessionDep, now: NowDep) -> Response:
    """Google News sitemap: public versions first published in the last 48 hours (1,000 max)."""
    urls = await service.news(session, now=now, settings=request.app.state.settings)
    return _answer(request, xml.news_sitemap(urls), XML, {"Surrogate-Key": keys.SITEMAP})
