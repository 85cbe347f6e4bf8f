"""Pending copies of live translations (`/v1/admin/articles/.../translations/{lang}/pending`):
read, save, discard, publish. The rules are in `app.articles.pending`."""

from fastapi import APIRouter, Response, status

from app.articles import pending, permissions
from app.articles.deps import ArticleDep, IfMatchRequired, TranslationDep
from app.articles.schemas import PendingRead, TransitionIn, TranslationIn, TranslationRead
from app.articles.versions import check_version, pending_answer, translation_answer
from app.auth.deps import PrincipalDep
from app.db import SessionDep
from app.errors import problem_responses
from app.kit.clock import NowDep
from app.kit.openapi import headers

# The same prefix, tag and shared answers as the articles' router: these are article paths.
router = APIRouter(
    prefix="/v1/admin/articles", tags=["articles"], responses=problem_responses(401, 403)
)

PATH = "/{article_id}/translations/{lang}/pending"
ETAG_HEADER = headers("ETag")
NO_OPTIONS = TransitionIn()


@router.get(
    PATH,
    operation_id="getPendingTranslation",
    summary="Get the pending copy of a live translation",
    response_model=PendingRead,
    responses={200: {"headers": ETAG_HEADER}, **problem_responses(404)},
)
async def get_pending(
    translation: TranslationDep, response: Response, now: NowDep, _: PrincipalDep
) -> PendingRead:
    """The staged next text of a published or scheduled version, and what it changes; the
    ETag is the translation's (the one publishing it needs)."""
    pending.require(translation)
    return pending_answer(response, translation, now)


@router.put(
    PATH,
    operation_id="putPendingTranslation",
    summary="Save the pending copy of a live translation",
    response_model=PendingRead,
    responses={
        200: {"headers": ETAG_HEADER},
        **problem_responses(404, 409, 410, 412, 422, 428),
    },
)
async def put_pending(
    article: ArticleDep,
    translation: TranslationDep,
    body: TranslationIn,
    if_match: IfMatchRequired,
    response: Response,
    session: SessionDep,
    now: NowDep,
    who: PrincipalDep,
) -> PendingRead:
    """Stage the whole next text (the body of a translation PUT), replacing an earlier copy;
    readers keep seeing the live one. Whoever may edit the translation; 409 unless it is
    published or scheduled."""
    permissions.check_translation(who, article, translation.language)
    check_version(if_match, translation, required=True)
    _, warnings = await pending.stage(session, article, translation, body, actor=who.actor)
    return pending_answer(response, translation, now, warnings)


@router.delete(
    PATH,
    operation_id="discardPendingTranslation",
    summary="Discard the pending copy of a translation",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 410, 412, 428),
)
async def discard_pending(
    article: ArticleDep,
    translation: TranslationDep,
    if_match: IfMatchRequired,
    session: SessionDep,
    who: PrincipalDep,
) -> Response:
    """Drop the staged changes; the live version stays as it is. Whoever may edit it."""
    permissions.check_translation(who, article, translation.language)
    check_version(if_match, translation, required=True)
    await pending.discard(session, article, translation, actor=who.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    f"{PATH}/publish",
    operation_id="publishPendingTranslation",
    summary="Publish the pending copy of a translation",
    response_model=TranslationRead,
    responses={200: {"headers": ETAG_HEADER}, **problem_responses(404, 409, 410, 412, 422, 428)},
)
async def publish_pending(
    article: ArticleDep,
    translation: TranslationDep,
    if_match: IfMatchRequired,
    response: Response,
    session: SessionDep,
    now: NowDep,
    who: PrincipalDep,
    body: TransitionIn = NO_OPTIONS,
) -> TranslationRead:
    """Make the staged text the live one at once, as a PUT would (slug, index, caches), in
    one transaction; status and publication times stay. Editors and admins only; If-Match
    names the translation with the very copy reviewed."""
    permissions.check_publishing(who)
    check_version(if_match, translation, required=True)
    put = await pending.publish(session, article, translation, actor=who.actor)
    return await translation_answer(response, session, article, translation, now, put.warnings)
