"""An article's revisions (`/v1/admin/articles/{article_id}/revisions/...`): list, read, restore."""

from fastapi import APIRouter, Response

from app.articles import permissions
from app.articles import service as articles
from app.articles.deps import ArticleDep, IfMatch
from app.articles.schemas import ArticleRead
from app.articles.versions import article_answer, check_version
from app.auth.deps import PrincipalDep
from app.db import SessionDep
from app.errors import problem_responses
from app.kit.clock import NowDep
from app.kit.openapi import headers
from app.revisions import service
from app.revisions.deps import RevisionDep
from app.revisions.schemas import RevisionList, RevisionRead, RevisionSummary

# The same prefix, tag and shared answers as the articles' router: these are article paths.
router = APIRouter(
    prefix="/v1/admin/articles", tags=["articles"], responses=problem_responses(401, 403)
)


@router.get(
    "/{article_id}/revisions",
    operation_id="listRevisions",
    summary="List an article's revisions",
    response_model=RevisionList,
    responses=problem_responses(404),
)
async def list_revisions(article: ArticleDep, session: SessionDep, _: PrincipalDep) -> RevisionList:
    """Every change of the article and its translations, oldest first."""
    rows = await service.list_for(session, article.id)
    return RevisionList(items=[RevisionSummary.model_validate(r) for r in rows])


@router.get(
    "/{article_id}/revisions/{number}",
    operation_id="getRevision",
    summary="Get a revision",
    response_model=RevisionRead,
    responses=problem_responses(404),
)
async def get_revision(revision: RevisionDep, _: PrincipalDep) -> RevisionRead:
    """One revision with the state it left (its snapshot)."""
    return RevisionRead.model_validate(revision)


@router.post(
    "/{article_id}/revisions/{number}/restore",
    operation_id="restoreRevision",
    summary="Restore a revision",
    response_model=ArticleRead,
    responses={200: {"headers": headers("ETag")}, **problem_responses(404, 409, 410, 412, 422)},
)
async def restore_revision(
    revision: RevisionDep,
    article: ArticleDep,
    if_match: IfMatch,
    response: Response,
    session: SessionDep,
    now: NowDep,
    who: PrincipalDep,
) -> ArticleRead:
    """Restore a revision's content (text or metadata); this makes a new revision."""
    if revision.language is None:
        permissions.check_metadata(who, article)
        permissions.check_live_article(who, article)
    else:
        permissions.check_translation(who, article, revision.language)
    # If-Match names what the restore overwrites: the translation, or the article.
    current = articles.translation_of(article, revision.language) if revision.language else None
    if current is not None:
        permissions.check_live_translation(who, current)
        check_version(if_match, current, required=False)
    elif revision.language is None:
        check_version(if_match, article, required=False)
    warnings = await articles.restore(session, article, revision, actor=who.actor)
    return await article_answer(response, session, article, now, warnings)
