import json
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.articles import references
from app.articles.references import Force
from app.auth.deps import EditorDep, PrincipalDep
from app.db import SessionDep
from app.errors import UnsupportedMediaType, problem_responses
from app.idempotency import IDEMPOTENT
from app.kit.openapi import created
from app.media import refocus, service, upload
from app.media.deps import MediaDep, StorageDep
from app.media.schemas import MediaCreate, MediaList, MediaRead, MediaUpdate, MediaUpload

router = APIRouter(prefix="/v1/admin/media", tags=["media"], responses=problem_responses(401, 403))


_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {"$ref": "#/components/schemas/MediaUpload"},
            "encoding": {
                "file": {"contentType": "image/jpeg, image/png, image/webp, image/gif, "
                         "image/avif, image/heic"},
                "translations": {"contentType": "application/json"},
            },
        },
        "application/json": {"schema": {"$ref": "#/components/schemas/MediaCreate"}},
    },
}  # fmt: skip
BODY_MODELS = (MediaCreate, MediaUpload)  # in the contract's components (app.main)


async def _json_body(request: Request) -> MediaCreate:
    try:
        return MediaCreate.model_validate(json.loads(await request.body()))
    except UnicodeDecodeError as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": "The body is not UTF-8",
              "ctx": {"error": str(exc)}}]
        ) from exc  # fmt: skip
    except json.JSONDecodeError as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error",
              "ctx": {"error": exc.msg}}]
        ) from exc  # fmt: skip
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
        ) from error


@router.post(
    "",
    operation_id="createMedia",
    summary="Upload or register an image",
    dependencies=[IDEMPOTENT],
    status_code=status.HTTP_201_CREATED,
    response_model=MediaRead,
    responses={**created(), **problem_responses(413, 415, 422)},
    openapi_extra={"requestBody": _BODY},
)
async def create_media(
    request: Request, response: Response, session: SessionDep, storage: StorageDep, _: EditorDep
) -> MediaRead:
    """Upload an image as `multipart/form-data` (parts `file`, `credit`, `translations`
    as JSON text, `focal_point` "x,y"): its type is decided from its bytes, its metadata
    is stripped, and its renditions (widths 320 to 1920 in WebP, AVIF and its own family;
    16:9, 4:3 and 1:1 crops around the focal point), BlurHash and dominant colour are made
    before the answer. The same bytes with the same focal point are stored once.

    Or register an image stored elsewhere by URL, with its size (`application/json`).
    """
    if upload.is_multipart(request):
        media = await upload.upload(request, session, storage)
    else:
        given = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if given != "application/json" and not given.endswith("+json"):
            raise UnsupportedMediaType(
                "Send the image as multipart/form-data, or register one by URL as "
                "application/json" + (f"; not {given}." if given else ".")
            )
        media = await service.create(session, await _json_body(request))
    response.headers["Location"] = f"/v1/admin/media/{media.id}"
    return service.read(media, storage)


@router.get("", operation_id="listMedia", summary="List images", response_model=MediaList)
async def list_media(
    session: SessionDep,
    storage: StorageDep,
    _: PrincipalDep,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Words in the credit, a caption or an alt text."),
    ] = None,
    source: Annotated[
        Literal["upload", "url"] | None, Query(description="Uploaded, or registered by URL.")
    ] = None,
    used: Annotated[
        bool | None,
        Query(
            description="Whether any article shows it: as its cover, or as a language "
            "version's social image (a pending copy's too)."
        ),
    ] = None,
    format: Annotated[
        Literal["jpeg", "png", "webp", "gif", "avif", "heic"] | None,
        Query(description="The uploaded file's type."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="From `next_cursor`.")] = None,
) -> MediaList:
    """Media records, newest first, with where each is used."""
    filters = service.Filters(q=(q or "").replace("\x00", "").strip() or None, source=source,
                              used=used, format=format)  # fmt: skip
    found, next_cursor = await service.page(session, filters, limit=limit, cursor=cursor)
    used_by = await service.usage(session, [m.id for m in found])
    return MediaList(
        items=[service.read(m, storage, used_by[m.id]) for m in found], next_cursor=next_cursor
    )


@router.get(
    "/{media_id}", operation_id="getMedia", summary="Get an image", response_model=MediaRead,
    responses=problem_responses(404),
)  # fmt: skip
async def get_media(
    _: PrincipalDep, media: MediaDep, session: SessionDep, storage: StorageDep
) -> MediaRead:
    """One media record, with where it is used."""
    return service.read(media, storage, (await service.usage(session, [media.id]))[media.id])


@router.patch(
    "/{media_id}",
    operation_id="updateMedia",
    summary="Update an image",
    response_model=MediaRead,
    responses=problem_responses(404, 422),
)
async def update_media(
    request: Request,
    _: EditorDep,
    media: MediaDep,
    body: MediaUpdate,
    session: SessionDep,
    storage: StorageDep,
) -> MediaRead:
    """Change a media record's credit, focal point or texts per language (and the URL and
    size of one registered by URL)."""
    media = await service.update(session, media, body)
    if body.focal_point is not None:
        await refocus.refocus(
            session, media, body.focal_point, storage,
            directory=Path(request.app.state.settings.media_dir) / ".incoming",
            limiter=upload.limiter(request),
        )  # fmt: skip
        await session.flush()
    return service.read(media, storage, (await service.usage(session, [media.id]))[media.id])


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
    """Delete a media record and the files no other record uses (once the delete is
    committed); 409 while articles use it (as cover or social image), unless `force=true`."""
    await references.release(
        session, "cover_media_id", media.id, label="image", force=force, actor=who.actor
    )
    await service.delete(session, media)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
