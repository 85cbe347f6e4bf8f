from fastapi import APIRouter, Response, status

from app.articles import references
from app.articles.references import Force
from app.auth.deps import EditorDep, PrincipalDep
from app.db import SessionDep
from app.errors import problem_responses
from app.idempotency import IDEMPOTENT
from app.kit.openapi import created
from app.media import service
from app.media.deps import MediaDep
from app.media.schemas import MediaCreate, MediaList, MediaRead, MediaUpdate

router = APIRouter(prefix="/v1/admin/media", tags=["media"], responses=problem_responses(401, 403))


@router.post(
    "",
    operation_id="createMedia",
    summary="Register an image",
    dependencies=[IDEMPOTENT],
    status_code=status.HTTP_201_CREATED,
    response_model=MediaRead,
    responses={**created(), **problem_responses(422)},
)
async def create_media(
    body: MediaCreate, response: Response, session: SessionDep, _: EditorDep
) -> MediaRead:
    """Register an image by URL with its size, credit, and caption/alt per language."""
    media = service.read(await service.create(session, body))
    response.headers["Location"] = f"/v1/admin/media/{media.id}"
    return media


@router.get("", operation_id="listMedia", summary="List images", response_model=MediaList)
async def list_media(session: SessionDep, _: PrincipalDep) -> MediaList:
    """List media records."""
    return MediaList(items=[service.read(m) for m in await service.list_all(session)])


@router.get(
    "/{media_id}", operation_id="getMedia", summary="Get an image", response_model=MediaRead,
    responses=problem_responses(404),
)  # fmt: skip
async def get_media(_: PrincipalDep, media: MediaDep) -> MediaRead:
    """One media record."""
    return service.read(media)


@router.patch(
    "/{media_id}",
    operation_id="updateMedia",
    summary="Update an image",
    response_model=MediaRead,
    responses=problem_responses(404, 422),
)
async def update_media(
    _: EditorDep, media: MediaDep, body: MediaUpdate, session: SessionDep
) -> MediaRead:
    """Change a media record's fields or its texts per language."""
    return service.read(await service.update(session, media, body))


@router.delete(
    "/{media_id}",
    operation_id="deleteMedia",
    summary="Delete an image",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**problem_responses(404), **references.IN_USE},
)
async def delete_media(
    who: EditorDep, media: MediaDep, session: SessionDep, force: Force = False
) -> Response:
    """Delete a media record; 409 while articles use it as cover, unless `force=true`."""
    await references.release(
        session, "cover_media_id", media.id, label="image", force=force, actor=who.actor
    )
    await service.delete(session, media)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
