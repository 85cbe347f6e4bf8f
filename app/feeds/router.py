"""RSS feed per language, sitemap and Google News sitemap: public, no credentials."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from app.cache import keys
from app.config import Settings
from app.db import SessionDep
from app.errors import problem_responses
from app.feeds import service, xml
from app.kit.clock import NowDep
from app.kit.slugs import MAX_SLUG_LENGTH, SLUG_PATTERN
from app.languages.deps import LanguageDep

router = APIRouter(tags=["public"])

RSS = "application/rss+xml"
XML = "application/xml"

FilterSlug = Annotated[str | None, Query(max_length=MAX_SLUG_LENGTH, pattern=SLUG_PATTERN)]


def _document(media_type: str, description: str) -> dict[int | str, Any]:
    """The OpenAPI 200 of an XML document."""
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


@router.get(
    "/v1/{lang}/feed.rss",
    operation_id="getFeed",
    summary="Get the RSS feed of a language",
    response_class=Response,
    responses={
        **_document(RSS, "RSS 2.0 feed."),
        **problem_responses(404, 422),
    },
)
async def get_feed(
    language: LanguageDep,
    request: Request,
    session: SessionDep,
    now: NowDep,
    tag: Annotated[FilterSlug, Query(description="Tag slug in this language.")] = None,
    category: Annotated[FilterSlug, Query(description="Category slug in this language.")] = None,
) -> Response:
    """RSS 2.0 feed of the latest 50 public articles in this language, newest first."""
    feed = await service.feed(
        session,
        request.app.state.hot,
        language=language,
        now=now,
        settings=request.app.state.settings,
        tag=tag,
        category=category,
        self_link=str(request.url),
    )
    # Items show their terms' names: a rename of any term purges the feeds.
    purged_by = {keys.LISTS, keys.listing(language.code), "tags", "categories", "authors"}
    headers = {"Content-Language": language.bcp47, "Surrogate-Key": keys.header(purged_by)}
    return _answer(request, xml.rss(feed), RSS, headers)


@router.get(
    "/v1/sitemap.xml",
    operation_id="getSitemap",
    summary="Get the sitemap",
    response_class=Response,
    responses={**_document(XML, "Sitemap with hreflang alternates."), **problem_responses(422)},
)
async def get_sitemap(request: Request, session: SessionDep, now: NowDep) -> Response:
    """Every public article version with its hreflang alternates; newest 50,000 URLs at most."""
    urls = await service.sitemap(session, now=now, settings=request.app.state.settings)
    return _answer(request, xml.sitemap(urls), XML, {"Surrogate-Key": "sitemap"})


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
    return _answer(request, xml.news_sitemap(urls), XML, {"Surrogate-Key": "sitemap"})
