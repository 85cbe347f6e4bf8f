"""Public content API: published articles per language, no credentials."""

import unicodedata
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from app.articles import preview
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.kit.clock import NowDep
from app.kit.openapi import headers
from app.kit.pagination import Cursor
from app.kit.schema import QueryText, Timestamp
from app.kit.slugs import LEGACY_SLUG_PATTERN, MAX_SLUG_LENGTH, is_valid_slug
from app.languages.deps import LanguageDep
from app.public import reads, service
from app.public.schemas import ArticlePage, PreviewArticle, PublicArticle
from app.replicas import hot_reads
from app.search import query as search
from app.search.analysis import analyzer_for

router = APIRouter(
    tags=["public"],
    responses=problem_responses(404, 422),
)


# The article path's slug: a slug, or another system's one kept as a former slug (a
# WordPress import keeps Cyrillic ones), so that old links still answer 301.
ArticleSlug = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_SLUG_LENGTH,
        pattern=LEGACY_SLUG_PATTERN,
        description="The version's slug. Any other text without `/`, `?`, `#`, `%` or "
        "spaces is looked up among former slugs only (an imported site's old Cyrillic "
        "slugs, compared in lower case NFC): 301 to the article, or 404.",
        examples=["kyiv-metro-reopens"],
    ),
]
FilterSlug = Annotated[str | None, Query(max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


@router.get(
    "/v1/{lang}/articles",
    operation_id="listArticles",
    summary="List or search public articles",
    response_model=ArticlePage,
    responses={200: {"headers": headers("Link")}},
)
async def list_articles(
    language: LanguageDep,
    request: Request,
    session: SessionDep,
    now: NowDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 20,
    cursor: Annotated[str | None, Query(max_length=200, description="From `next_cursor`.")] = None,
    tag: Annotated[FilterSlug, Query(description="Tag slug in this language.")] = None,
    category: Annotated[FilterSlug, Query(description="Category slug in this language.")] = None,
    author: Annotated[FilterSlug, Query(description="Author slug in this language.")] = None,
    published_after: Annotated[
        Timestamp | None, Query(description="First published at or after this time.")
    ] = None,
    published_before: Annotated[
        Timestamp | None, Query(description="First published before this time.")
    ] = None,
    q: Annotated[
        QueryText | None,
        Query(
            min_length=1,
            max_length=search.MAX_LENGTH,
            description="Full-text search in this language's title, lead and body: every "
            'word must occur, in any grammatical form; `"quoted words"` must occur as a '
            "phrase. Title hits rank first, then lead hits, then the rest, newest first "
            "within each; each hit has a `snippet`.",
            examples=["удар по Києву"],
        ),
    ] = None,
) -> Response:
    """Public articles in this language, newest first, by cursor; or search them (`q`)."""
    settings = request.app.state.settings
    filters = service.Filters(
        tag=tag,
        category=category,
        author=author,
        published_after=published_after,
        published_before=published_before,
    )
    if filters == service.Filters() and q is None:
        # A plain page: the read the lane makes (it reaches here when the lane passed it by).
        after = Cursor.decode(cursor) if cursor is not None else None
        if after is not None and after.rank is not None:
            raise Cursor.invalid()
        plain = await reads.read_page(
            hot_reads(request.scope),
            language=language.code,
            now=now,
            limit=limit,
            after=after,
            url=request.url,
            cache_control=settings.cache_control,
        )
        if plain is not None:
            return _answer(plain)
    # Filters and search: a statement per tier (`service.list_articles`), with the same headers.
    found = await reads.read_list(
        session,
        hot_reads(request.scope),
        language=language.code,
        bcp47=language.bcp47,
        now=now,
        filters=filters,
        limit=limit,
        cursor=cursor,
        search=None if q is None else search.parse(q, analyzer_for(language.text_search)),
        url=request.url,
        cache_control=settings.cache_control,
    )
    return _answer(found)


@router.get(
    "/v1/{lang}/articles/{slug}",
    operation_id="getArticle",
    summary="Get a public article",
    response_model=PublicArticle,
    responses={
        200: {"headers": headers("Link")},
        301: {
            "description": "A former slug of the article, or its slug in another language: "
            "moved to its public URL in this language.",
            "headers": headers("Location"),
        },
        **problem_responses(410),
    },
)
async def get_article(
    slug: ArticleSlug,
    language: LanguageDep,
    request: Request,
    session: SessionDep,
    now: NowDep,
) -> Response:
    """One public article in this language, with its alternates in other languages."""
    if not is_valid_slug(slug):  # only ever a former slug: 301, or 404
        legacy = unicodedata.normalize("NFC", slug).lower()
        await service.explain_missing(session, language=language.code, slug=legacy, now=now)
    found = await reads.read_article(
        hot_reads(request.scope),
        language=language.code,
        slug=slug,
        now=now,
        cache_control=request.app.state.settings.cache_control,
    )
    if found is None:  # 301 for a former slug, 410 when taken down, else 404
        await service.explain_missing(session, language=language.code, slug=slug, now=now)
    assert found is not None
    return _answer(found)


def _answer(found: reads.Found[Any]) -> Response:
    """What the lane sends for the same read: the same bytes and headers."""
    return Response(found.body(), media_type="application/json", headers=found.headers)


@router.get(
    "/v1/articles/{article_id}",
    operation_id="negotiateArticle",
    summary="Redirect to the reader's language",
    status_code=307,
    response_class=RedirectResponse,
    responses={
        307: {
            "description": "To the best public language version for Accept-Language.",
            "headers": headers("Location", "Vary"),
        },
        **problem_responses(410),
    },
)
async def negotiate_article(
    article_id: Annotated[uuid.UUID, Path(description="The article's id.")],
    request: Request,
    session: SessionDep,
    now: NowDep,
    accept_language: Annotated[
        str | None,
        Header(
            max_length=500,
            description="Preferred languages (`uk-UA, en;q=0.8`); then each one's fallbacks, "
            "then the article's original language.",
        ),
    ] = None,
) -> RedirectResponse:
    """Redirect to the article in the reader's best language (307, Vary: Accept-Language)."""
    path = await service.negotiate(
        session, article_id=article_id, accept_language=accept_language, now=now
    )
    return RedirectResponse(
        path,
        status_code=307,
        headers={
            "Vary": "Accept-Language",
            "Cache-Control": request.app.state.settings.cache_control,
        },
    )


@router.get(
    "/v1/{lang}/preview/{token}",
    operation_id="getPreview",
    summary="Read a draft by preview token",
    response_model=PreviewArticle,
    responses=problem_responses(410),
)
async def get_preview(
    token: Annotated[
        str, Path(max_length=100, description="The token from createPreview's `url`.")
    ],
    language: LanguageDep,
    request: Request,
    response: Response,
    session: SessionDep,
    now: NowDep,
) -> PreviewArticle:
    """A draft as it will look when published, by a preview token (never cached)."""
    translation_id = await preview.resolve(session, token, now=now)
    if translation_id is None:
        raise NotFound("This preview link is unknown or has expired.")
    article = await service.get_preview(
        session,
        translation_id=translation_id,
        language=language.code,
        now=now,
        site=request.app.state.hot.site,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return article
