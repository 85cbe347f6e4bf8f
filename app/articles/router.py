"""Management API of articles and translations (`/v1/admin/articles/...`)."""

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.articles import permissions, preview, service
from app.articles.deps import ArticleDep, IfMatch, IfMatchRequired, TranslationDep
from app.articles.listing import admin_page
from app.articles.schemas import (
    ArticleCreate,
    ArticleList,
    ArticleRead,
    ArticleUpdate,
    PreviewIn,
    PreviewLink,
    PreviewList,
    PreviewRead,
    PublishIn,
    TransitionIn,
    TranslationIn,
    TranslationRead,
)
from app.articles.views import article_etag, article_read, translation_etag, translation_read
from app.auth.deps import PrincipalDep
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.idempotency import IDEMPOTENT
from app.kit.clock import NowDep
from app.kit.etags import check_if_match
from app.kit.openapi import created, headers
from app.kit.schema import LanguageKey, QueryText
from app.languages.deps import LangCode
from app.models import Article, Revision, Status, Translation
from app.revisions import service as revisions
from app.revisions.schemas import RevisionList, RevisionRead, RevisionSummary
from app.search import query as search


async def _article_view(session: AsyncSession, article: Article, now: datetime) -> ArticleRead:
    return article_read(article, now, await revisions.staleness(session, [article]))


async def _translation_view(
    session: AsyncSession, article: Article, translation: Translation, now: datetime
) -> TranslationRead:
    return translation_read(translation, now, await revisions.staleness(session, [article]))


router = APIRouter(
    prefix="/v1/admin/articles", tags=["articles"], responses=problem_responses(401, 403)
)

# The bodies that may be left out: publish now; a preview link of the default lifetime.
NOW = PublishIn()
NO_OPTIONS = TransitionIn()
DEFAULT_PREVIEW = PreviewIn()

ETAG_HEADER = headers("ETag")


@router.post(
    "",
    operation_id="createArticle",
    summary="Create an article",
    dependencies=[IDEMPOTENT],
    status_code=status.HTTP_201_CREATED,
    response_model=ArticleRead,
    responses={
        201: {"headers": headers("ETag", "Location")},
        **problem_responses(409, 422),
    },
)
async def create_article(
    body: ArticleCreate, response: Response, session: SessionDep, now: NowDep, who: PrincipalDep
) -> ArticleRead:
    """Create an article with its first translation(s), all drafts."""
    permissions.check_create(who)
    article = await service.create(session, body, actor=who.actor, owner=who.owner)
    response.headers["Location"] = f"/v1/admin/articles/{article.id}"
    response.headers["ETag"] = article_etag(article)
    return await _article_view(session, article, now)


@router.get(
    "",
    operation_id="listAdminArticles",
    summary="List articles in every state",
    response_model=ArticleList,
)
async def list_admin_articles(
    session: SessionDep,
    now: NowDep,
    who: PrincipalDep,
    status_: Annotated[
        Status | None,
        Query(alias="status", description="Articles with a translation in this status."),
    ] = None,
    language: Annotated[
        LanguageKey | None, Query(description="Articles with a translation in this language.")
    ] = None,
    outdated: Annotated[
        bool | None,
        Query(
            description="`true`: articles with a translation whose original changed since "
            "(with `language`: that language's translation)."
        ),
    ] = None,
    author: Annotated[uuid.UUID | None, Query(description="Articles by this author (id).")] = None,
    q: Annotated[
        QueryText | None,
        Query(
            min_length=1,
            max_length=search.MAX_LENGTH,
            description="Full-text search, every state: articles with a translation "
            "matching (analysed by that translation's language; with `language`, only "
            "that one). Same syntax as the public `q`; newest first.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 20,
    cursor: Annotated[str | None, Query(max_length=200, description="From `next_cursor`.")] = None,
) -> ArticleList:
    """Every article in every state, newest first; status and language filters combine."""
    items, next_cursor = await admin_page(
        session,
        now=now,
        status=status_,
        language=language,
        outdated=outdated,
        author=author,
        q=q,
        visible=permissions.visible_to(who),
        limit=limit,
        cursor=cursor,
    )
    return ArticleList(items=items, next_cursor=next_cursor)


@router.get(
    "/{article_id}",
    operation_id="getAdminArticle",
    summary="Get an article with all its translations",
    response_model=ArticleRead,
    responses={200: {"headers": ETAG_HEADER}, **problem_responses(404)},
)
async def get_admin_article(
    article: ArticleDep, response: Response, session: SessionDep, now: NowDep, _: PrincipalDep
) -> ArticleRead:
    """One article with all its translations, in every state."""
    response.headers["ETag"] = article_etag(article)
    return await _article_view(session, article, now)


@router.patch(
    "/{article_id}",
    operation_id="updateArticle",
    summary="Update an article's metadata",
    response_model=ArticleRead,
    responses={200: {"headers": ETAG_HEADER}, **problem_responses(404, 409, 412, 422, 428)},
)
async def update_article(
    article: ArticleDep,
    body: ArticleUpdate,
    if_match: IfMatchRequired,
    response: Response,
    session: SessionDep,
    now: NowDep,
    who: PrincipalDep,
) -> ArticleRead:
    """Change the article's metadata (byline, category, tags, cover, sources)."""
    permissions.check_metadata(who, article)
    permissions.check_live_article(who, article)
    check_if_match(if_match, article_etag(article), article.version, required=True)
    await service.update(session, article, body, actor=who.actor)
    response.headers["ETag"] = article_etag(article)
    return await _article_view(session, article, now)


@router.delete(
    "/{article_id}",
    operation_id="deleteArticle",
    summary="Delete an article",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 412, 428),
)
async def delete_article(
    article: ArticleDep, if_match: IfMatchRequired, session: SessionDep, who: PrincipalDep
) -> Response:
    """Delete an article and all its translations."""
    permissions.check_delete(who)
    check_if_match(if_match, article_etag(article), article.version, required=True)
    await service.delete(session, article)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# One translation on its own path --------------------------------------------------------


@router.put(
    "/{article_id}/translations/{lang}",
    operation_id="putTranslation",
    summary="Create or replace a translation",
    response_model=TranslationRead,
    responses={
        200: {"description": "Replaced.", "headers": ETAG_HEADER},
        201: {
            "description": "Created.",
            "model": TranslationRead,
            "headers": headers("ETag", "Location"),
        },
        **problem_responses(404, 409, 412, 422, 428),
    },
)
async def put_translation(
    article: ArticleDep,
    lang: LangCode,
    body: TranslationIn,
    if_match: IfMatch,
    response: Response,
    session: SessionDep,
    now: NowDep,
    who: PrincipalDep,
) -> TranslationRead:
    """Add this language version (201), or replace its content (200, needs If-Match)."""
    permissions.check_translation(who, article, lang)
    existing = service.translation_of(article, lang)
    if existing is not None:
        permissions.check_live_translation(who, existing)
        check_if_match(if_match, translation_etag(existing), existing.version, required=True)
    translation, created = await service.put_translation(
        session, article, lang, body, actor=who.actor
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
        response.headers["Location"] = f"/v1/admin/articles/{article.id}/translations/{lang}"
    response.headers["ETag"] = translation_etag(translation)
    return await _translation_view(session, article, translation, now)


@router.get(
    "/{article_id}/translations/{lang}",
    operation_id="getTranslation",
    summary="Get a translation",
    response_model=TranslationRead,
    responses={200: {"headers": ETAG_HEADER}, **problem_responses(404)},
)
async def get_translation(
    article: ArticleDep,
    translation: TranslationDep,
    response: Response,
    session: SessionDep,
    now: NowDep,
    _: PrincipalDep,
) -> TranslationRead:
    """One language version, in any state."""
    response.headers["ETag"] = translation_etag(translation)
    return await _translation_view(session, article, translation, now)


@router.delete(
    "/{article_id}/translations/{lang}",
    operation_id="deleteTranslation",
    summary="Delete a translation",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409, 412, 428),
)
async def delete_translation(
    article: ArticleDep,
    translation: TranslationDep,
    if_match: IfMatchRequired,
    session: SessionDep,
    who: PrincipalDep,
) -> Response:
    """Delete one language version (not the original's)."""
    permissions.check_translation(who, article, translation.language)
    permissions.check_live_translation(who, translation)
    check_if_match(if_match, translation_etag(translation), translation.version, required=True)
    await service.delete_translation(session, article, translation, actor=who.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Publication state: If-Match is accepted, not required ----------------------------------

TRANSITION_RESPONSES = {200: {"headers": ETAG_HEADER}, **problem_responses(404, 409, 412, 422)}


@router.post(
    "/{article_id}/translations/{lang}/publish",
    operation_id="publishTranslation",
    summary="Publish or schedule a translation",
    response_model=TranslationRead,
    responses=TRANSITION_RESPONSES,
)
async def publish_translation(
    article: ArticleDep,
    translation: TranslationDep,
    if_match: IfMatch,
    response: Response,
    session: SessionDep,
    now: NowDep,
    who: PrincipalDep,
    body: PublishIn = NOW,
) -> TranslationRead:
    """Publish now, or schedule for `publish_at`."""
    permissions.check_publishing(who)
    check_if_match(if_match, translation_etag(translation), translation.version, required=False)
    await service.publish(session, translation, at=body.publish_at, now=now, actor=who.actor)
    response.headers["ETag"] = translation_etag(translation)
    return await _translation_view(session, article, translation, now)


def _transition(
    name: str, operation_id: str, summary: str, action: service.Transition, doc: str
) -> None:
    async def endpoint(
        article: ArticleDep,
        translation: TranslationDep,
        if_match: IfMatch,
        response: Response,
        session: SessionDep,
        now: NowDep,
        who: PrincipalDep,
        body: TransitionIn = NO_OPTIONS,  # unknown fields are refused, not ignored
    ) -> TranslationRead:
        if name == "submit":
            permissions.check_translation(who, article, translation.language)
        else:
            permissions.check_publishing(who)
        check_if_match(if_match, translation_etag(translation), translation.version, required=False)
        await action(session, translation, now=now, actor=who.actor)
        response.headers["ETag"] = translation_etag(translation)
        return await _translation_view(session, article, translation, now)

    endpoint.__doc__ = doc
    router.add_api_route(
        f"/{{article_id}}/translations/{{lang}}/{name}",
        endpoint,
        methods=["POST"],
        operation_id=operation_id,
        summary=summary,
        response_model=TranslationRead,
        responses=TRANSITION_RESPONSES,
    )


_transition(
    "unpublish",
    "unpublishTranslation",
    "Unpublish a translation",
    service.unpublish,
    "Take down: back to draft.",
)
_transition(
    "archive",
    "archiveTranslation",
    "Archive a translation",
    service.archive,
    "Archive: the public URL answers 410 Gone.",
)
_transition(
    "submit",
    "submitTranslation",
    "Submit a translation for review",
    service.submit,
    "Submit a draft for review.",
)


# Revisions ------------------------------------------------------------------------------


@router.get(
    "/{article_id}/revisions",
    operation_id="listRevisions",
    summary="List an article's revisions",
    response_model=RevisionList,
    responses=problem_responses(404),
)
async def list_revisions(article: ArticleDep, session: SessionDep, _: PrincipalDep) -> RevisionList:
    """Every change of the article and its translations, oldest first."""
    rows = await revisions.list_for(session, article.id)
    return RevisionList(items=[RevisionSummary.model_validate(r) for r in rows])


async def _revision(session: AsyncSession, article: Article, number: int) -> Revision:
    revision = await revisions.get(session, article.id, number)
    if revision is None:
        raise NotFound(f"Article {article.id} has no revision {number}.")
    return revision


RevisionNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="The revision number.")]


@router.get(
    "/{article_id}/revisions/{number}",
    operation_id="getRevision",
    summary="Get a revision",
    response_model=RevisionRead,
    responses=problem_responses(404),
)
async def get_revision(
    article: ArticleDep, number: RevisionNumber, session: SessionDep, _: PrincipalDep
) -> RevisionRead:
    """One revision with the state it left (its snapshot)."""
    return RevisionRead.model_validate(await _revision(session, article, number))


@router.post(
    "/{article_id}/revisions/{number}/restore",
    operation_id="restoreRevision",
    summary="Restore a revision",
    response_model=ArticleRead,
    responses={200: {"headers": ETAG_HEADER}, **problem_responses(404, 409, 412, 422)},
)
async def restore_revision(
    article: ArticleDep,
    number: RevisionNumber,
    if_match: IfMatch,
    response: Response,
    session: SessionDep,
    now: NowDep,
    who: PrincipalDep,
) -> ArticleRead:
    """Restore a revision's content (text or metadata); this makes a new revision."""
    revision = await _revision(session, article, number)
    if revision.language is None:
        permissions.check_metadata(who, article)
        permissions.check_live_article(who, article)
    else:
        permissions.check_translation(who, article, revision.language)
    # If-Match names what the restore overwrites: the translation, or the article.
    current = service.translation_of(article, revision.language) if revision.language else None
    if current is not None:
        permissions.check_live_translation(who, current)
    if current is not None:
        check_if_match(if_match, translation_etag(current), current.version, required=False)
    elif revision.language is None:
        check_if_match(if_match, article_etag(article), article.version, required=False)
    await service.restore(session, article, revision, actor=who.actor)
    response.headers["ETag"] = article_etag(article)
    return await _article_view(session, article, now)


@router.post(
    "/{article_id}/translations/{lang}/preview",
    operation_id="createPreview",
    summary="Create a preview link",
    status_code=status.HTTP_201_CREATED,
    response_model=PreviewRead,
    responses={**created(), **problem_responses(404, 422)},
)
async def create_preview(
    article: ArticleDep,
    translation: TranslationDep,
    response: Response,
    session: SessionDep,
    now: NowDep,
    who: PrincipalDep,
    body: PreviewIn = DEFAULT_PREVIEW,
) -> PreviewRead:
    """An expiring, revocable, read-only link to this translation's current draft."""
    ttl = timedelta(minutes=body.ttl_minutes)
    link, token = await preview.create(session, translation, who=who, now=now, ttl=ttl)
    path = f"/v1/{translation.language}/preview/{token}"
    response.headers["Location"] = path
    return PreviewRead(id=link.id, token=token, expires_at=link.expires_at, path=path)


@router.get(
    "/{article_id}/translations/{lang}/previews",
    operation_id="listPreviews",
    summary="List preview links",
    response_model=PreviewList,
    responses=problem_responses(404),
)
async def list_previews(
    translation: TranslationDep,
    session: SessionDep,
    now: NowDep,
    _: PrincipalDep,
) -> PreviewList:
    """The preview links that open this translation now (never their tokens)."""
    links = await preview.list_live(session, translation, now=now)
    return PreviewList(items=[PreviewLink.model_validate(link) for link in links])


PreviewId = Annotated[
    uuid.UUID, Path(description="The link's id (from createPreview or listPreviews).")
]


@router.delete(
    "/{article_id}/translations/{lang}/previews/{preview_id}",
    operation_id="revokePreview",
    summary="Revoke a preview link",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
async def revoke_preview(
    article: ArticleDep,
    translation: TranslationDep,
    preview_id: PreviewId,
    session: SessionDep,
    who: PrincipalDep,
) -> Response:
    """Revoke a preview link at once (its maker, or anyone who may edit this translation)."""
    link = await preview.get(session, translation, preview_id)
    if link is None:
        raise NotFound(f"No preview link {preview_id} of this translation.")
    if not await preview.made_by(session, link, who):
        permissions.check_translation(who, article, translation.language)
    await preview.revoke(session, link)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
