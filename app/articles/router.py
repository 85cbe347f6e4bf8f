"""Management API of articles and translations (`/v1/admin/articles/...`)."""

import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import JSONResponse

from app.articles import corrections, merge_patch, pending, permissions, service
from app.articles.deps import (
    AnyArticleDep,
    ArticleDep,
    IfMatch,
    IfMatchRequired,
    TranslationDep,
)
from app.articles.listing import admin_page
from app.articles.schemas import (
    ArticleCreate,
    ArticleList,
    ArticleRead,
    ArticleUpdate,
    CorrectionIn,
    CorrectionRead,
    PendingRead,
    PublishIn,
    PublishManyIn,
    TakedownIn,
    TransitionIn,
    TranslationIn,
    TranslationRead,
)
from app.articles.versions import (
    article_answer,
    check_version,
    staged_answer,
    translation_answer,
)
from app.articles.views import correction_read
from app.auth.deps import PrincipalDep
from app.db import SessionDep
from app.errors import Gone, problem_responses
from app.idempotency import IDEMPOTENT
from app.kit.clock import NowDep
from app.kit.openapi import headers
from app.kit.schema import LanguageKey, QueryText
from app.languages.deps import LangCode
from app.models import Status
from app.search import query as search

router = APIRouter(
    prefix="/v1/admin/articles", tags=["articles"], responses=problem_responses(401, 403)
)

# The bodies that may be left out: publish now, take down now, or no options.
NOW = PublishIn()
AT_ONCE = TakedownIn()
NO_OPTIONS = TransitionIn()

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
    article, warnings = await service.create(session, body, actor=who.actor, owner=who.owner)
    response.headers["Location"] = f"/v1/admin/articles/{article.id}"
    return await article_answer(response, session, article, now, warnings)


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
    deleted: Annotated[
        bool,
        Query(
            description="`true`: only deleted articles (tombstones); by default they are left out."
        ),
    ] = False,
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
        deleted=deleted,
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
    return await article_answer(response, session, article, now)


@router.patch(
    "/{article_id}",
    operation_id="updateArticle",
    summary="Update an article's metadata",
    response_model=ArticleRead,
    responses={200: {"headers": ETAG_HEADER}, **problem_responses(404, 409, 410, 412, 422, 428)},
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
    check_version(if_match, article, required=True)
    await service.update(session, article, body, actor=who.actor)
    return await article_answer(response, session, article, now)


@router.delete(
    "/{article_id}",
    operation_id="deleteArticle",
    summary="Delete an article (tombstone), or purge it for good",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 410, 412, 428),
)
async def delete_article(
    article: AnyArticleDep,
    if_match: IfMatchRequired,
    session: SessionDep,
    now: NowDep,
    who: PrincipalDep,
    purge: Annotated[
        bool,
        Query(
            description="`true` (administrators only): remove the article for good, live "
            "or tombstone — its versions, revisions and former slugs; its public URLs then "
            "answer 404. Otherwise the article is kept as a tombstone: its public URLs "
            "answer 410, its slugs stay reserved and its revisions readable."
        ),
    ] = False,
) -> Response:
    """Delete an article: a tombstone (public 410); with `purge=true`, remove it for good."""
    if purge:
        permissions.check_purge(who)
        check_version(if_match, article, required=True)
        await service.purge(session, article)
    else:
        permissions.check_delete(who)
        if article.deleted_at is not None:
            raise Gone(f"Article {article.id} is already deleted.")
        check_version(if_match, article, required=True)
        await service.delete(session, article, now=now, actor=who.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# One translation on its own path --------------------------------------------------------


STAGED = {
    "description": "The version is live and the caller may not publish: the change was kept "
    "as its pending copy, which readers do not see until an editor publishes it.",
    "model": PendingRead,
    "headers": ETAG_HEADER,
}


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
        202: STAGED,
        **problem_responses(404, 409, 410, 412, 422, 428),
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
) -> TranslationRead | JSONResponse:
    """Add this language version (201), or replace its content (200, needs If-Match); an
    author's or translator's save of a live version becomes its pending copy (202)."""
    permissions.check_translation(who, article, lang)
    existing = service.translation_of(article, lang)
    if existing is not None:
        check_version(if_match, existing, required=True)
        if permissions.must_stage(who, existing):
            _, warnings = await pending.stage(session, article, existing, body, actor=who.actor)
            return staged_answer(existing, now, warnings)
    put = await service.put_translation(session, article, lang, body, actor=who.actor)
    if put.created:
        response.status_code = status.HTTP_201_CREATED
        response.headers["Location"] = f"/v1/admin/articles/{article.id}/translations/{lang}"
    return await translation_answer(response, session, article, put.translation, now, put.warnings)


@router.patch(
    "/{article_id}/translations/{lang}",
    operation_id="patchTranslation",
    summary="Change some fields of a translation",
    response_model=TranslationRead,
    responses={
        200: {"description": "Changed.", "headers": ETAG_HEADER},
        202: STAGED,
        **problem_responses(404, 409, 410, 412, 415, 422, 428),
    },
)
async def patch_translation(
    article: ArticleDep,
    translation: TranslationDep,
    _: merge_patch.MediaType,
    body: merge_patch.Body,
    if_match: IfMatchRequired,
    response: Response,
    session: SessionDep,
    now: NowDep,
    who: PrincipalDep,
) -> TranslationRead | JSONResponse:
    """JSON Merge Patch (RFC 7396): the fields sent replace the current ones, `null` removes
    an optional one; the result must be a whole valid translation. Same rules as the PUT."""
    permissions.check_translation(who, article, translation.language)
    check_version(if_match, translation, required=True)
    staging = permissions.must_stage(who, translation)
    # A pending copy is what its author goes on editing; an editor's patch is a quick fix.
    base = translation.pending if staging and translation.pending is not None else translation
    merged = merge_patch.apply(base, body)
    if staging:
        staged = await pending.stage(session, article, translation, merged, actor=who.actor)
        return staged_answer(translation, now, staged[1])
    put = await service.put_translation(
        session, article, translation.language, merged, actor=who.actor
    )
    return await translation_answer(response, session, article, translation, now, put.warnings)


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
    return await translation_answer(response, session, article, translation, now)


@router.delete(
    "/{article_id}/translations/{lang}",
    operation_id="deleteTranslation",
    summary="Delete a translation",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409, 410, 412, 428),
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
    check_version(if_match, translation, required=True)
    await service.delete_translation(session, article, translation, actor=who.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{article_id}/translations/{lang}/corrections",
    operation_id="addCorrection",
    summary="Append a correction or update note",
    status_code=status.HTTP_201_CREATED,
    response_model=CorrectionRead,
    responses=problem_responses(404, 409, 412, 422),
)
async def add_correction(
    article: ArticleDep,
    translation: TranslationDep,
    body: CorrectionIn,
    if_match: IfMatch,
    session: SessionDep,
    now: NowDep,
    who: PrincipalDep,
) -> CorrectionRead:
    """Editors: add a note to a version readers have seen; it shows on the public article at
    once, after the others, and moves its public `updated_at` (If-Match accepted)."""
    permissions.check_corrections(who)
    check_version(if_match, translation, required=False)
    correction = await corrections.append(
        session, article, translation, body, actor=who.actor, now=now
    )
    return correction_read(correction)


# Publication state: If-Match is accepted, not required ----------------------------------

Endpoint = Callable[..., Awaitable[TranslationRead]]
TRANSITION_RESPONSES = {
    200: {"headers": ETAG_HEADER},
    **problem_responses(404, 409, 410, 412, 422),
}


class TranslationChange:
    """A change of one translation's publication state: who asks, the version it is based
    on (If-Match accepted, not required), and the answer (the translation, its ETag)."""

    def __init__(
        self,
        article: ArticleDep,
        translation: TranslationDep,
        if_match: IfMatch,
        response: Response,
        session: SessionDep,
        now: NowDep,
        who: PrincipalDep,
    ) -> None:
        self.article, self.translation, self.if_match = article, translation, if_match
        self.response, self.session, self.now, self.who = response, session, now, who

    async def apply(self, action: service.Transition, *, publishing: bool) -> TranslationRead:
        """`publishing`: only editors and admins may; else whoever may edit the translation."""
        if publishing:
            permissions.check_publishing(self.who)
        else:
            permissions.check_translation(self.who, self.article, self.translation.language)
        check_version(self.if_match, self.translation, required=False)
        await action(self.session, self.translation, now=self.now, actor=self.who.actor)
        return await translation_answer(
            self.response, self.session, self.article, self.translation, self.now
        )


Change = Annotated[TranslationChange, Depends()]
# A transition without options still takes a (fieldless) body: unknown fields are refused.
NoOptions = TransitionIn


def transition(name: str, summary: str, description: str) -> Callable[[Endpoint], Endpoint]:
    """`POST .../translations/{lang}/<name>`, operation `<name>Translation`."""
    return router.post(
        f"/{{article_id}}/translations/{{lang}}/{name}",
        operation_id=f"{name}Translation",
        summary=summary,
        description=description,
        response_model=TranslationRead,
        responses=TRANSITION_RESPONSES,
    )


@transition(
    "publish",
    "Publish or schedule a translation",
    "Publish now, or schedule for `publish_at`; with `expire_at`, also schedule its takedown.",
)
async def publish_translation(change: Change, body: PublishIn = NOW) -> TranslationRead:
    return await change.apply(
        partial(service.publish, at=body.publish_at, expire_at=body.expire_at), publishing=True
    )


@transition(
    "unpublish",
    "Unpublish a translation",
    "Take down: back to draft (the public URL answers 404) now, or at a later `at`.",
)
async def unpublish_translation(change: Change, body: TakedownIn = AT_ONCE) -> TranslationRead:
    return await change.apply(partial(service.unpublish, at=body.at), publishing=True)


@transition(
    "archive",
    "Archive a translation",
    "Archive: the public URL answers 410 Gone — now, or from a later `at`.",
)
async def archive_translation(change: Change, body: TakedownIn = AT_ONCE) -> TranslationRead:
    return await change.apply(partial(service.archive, at=body.at), publishing=True)


@transition("submit", "Submit a translation for review", "Submit a draft for review.")
async def submit_translation(change: Change, body: NoOptions = NO_OPTIONS) -> TranslationRead:
    """Whoever may edit the translation submits it (not only publishers)."""
    return await change.apply(service.submit, publishing=False)


@router.post(
    "/{article_id}/publish",
    operation_id="publishArticle",
    summary="Publish several language versions at once",
    response_model=ArticleRead,
    responses={200: {"headers": ETAG_HEADER}, **problem_responses(404, 410, 412, 422)},
)
async def publish_article(
    article: ArticleDep,
    body: PublishManyIn,
    if_match: IfMatch,
    response: Response,
    session: SessionDep,
    now: NowDep,
    who: PrincipalDep,
) -> ArticleRead:
    """Publish or schedule the chosen language versions together: all or none, one revision."""
    permissions.check_publishing(who)
    check_version(if_match, article, required=False)
    await service.publish_languages(
        session,
        article,
        body.languages,
        at=body.publish_at,
        expire_at=body.expire_at,
        now=now,
        actor=who.actor,
    )
    return await article_answer(response, session, article, now)
