"""Preview links of a translation's draft (`/v1/admin/articles/.../previews`): make, list,
revoke. The links themselves are read under `/v1/{lang}/preview/{token}` (`app.public`)."""

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from app.articles import permissions, preview
from app.articles.deps import ArticleDep, TranslationDep
from app.articles.schemas import PreviewIn, PreviewLink, PreviewList, PreviewRead
from app.auth.deps import PrincipalDep
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.kit.clock import NowDep
from app.kit.openapi import created
from app.models import PreviewToken

# The same prefix, tag and shared answers as the articles' router: these are article paths.
router = APIRouter(
    prefix="/v1/admin/articles", tags=["articles"], responses=problem_responses(401, 403)
)

# The body that may be left out: a link of the default lifetime.
DEFAULT_PREVIEW = PreviewIn()

PreviewId = Annotated[
    uuid.UUID, Path(description="The link's id (from createPreview or listPreviews).")
]


async def load_preview(
    preview_id: PreviewId, article: ArticleDep, translation: TranslationDep, session: SessionDep
) -> PreviewToken:
    link = await preview.get(session, translation, preview_id)
    if link is None:
        raise NotFound(f"No preview link {preview_id} of this translation.")
    return link


PreviewDep = Annotated[PreviewToken, Depends(load_preview)]


@router.post(
    "/{article_id}/translations/{lang}/preview",
    operation_id="createPreview",
    summary="Create a preview link",
    status_code=status.HTTP_201_CREATED,
    response_model=PreviewRead,
    responses={**created(), **problem_responses(404, 410, 422)},
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


@router.delete(
    "/{article_id}/translations/{lang}/previews/{preview_id}",
    operation_id="revokePreview",
    summary="Revoke a preview link",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 410),
)
async def revoke_preview(
    link: PreviewDep,
    article: ArticleDep,
    translation: TranslationDep,
    session: SessionDep,
    who: PrincipalDep,
) -> Response:
    """Revoke a preview link at once (its maker, or anyone who may edit this translation)."""
    if not await preview.made_by(session, link, who):
        permissions.check_translation(who, article, translation.language)
    await preview.revoke(session, link)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
