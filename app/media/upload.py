"""`POST /v1/admin/media` with a file: the multipart form read, checked and stored.

The body streams through Starlette's multipart parser into a temporary file (no more than
its first MiB in memory), under the app's body limit raised for this one request to
`NEWSDESK_MEDIA_MAX_BYTES` and the form's small parts (`app.kit.middleware`). The file is
then checked and its renditions made in a worker thread (`app.media.imaging`), at most
`RENDERING` at a time per process, so the event loop keeps serving readers and a burst of
uploads cannot take all the memory. Nothing is stored before every check has passed, and
what was stored goes again if the record is not committed (`app.media.cleanup`).

Renditions are made at upload, not on first request: with S3 storage readers fetch files
from the bucket or a CDN and never reach the app, so every file must exist before the
record does.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import anyio
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile

from app.errors import AppError
from app.kit.forms import invalid_part, read_form, the_file
from app.kit.schema import LanguageMap
from app.media import imaging, service
from app.media.schemas import FocalPoint, MediaTranslationIn, MediaUpload, parse_focal_point
from app.media.storage import Storage
from app.models import Media

RENDERING = 2  # uploads made into renditions at once, per process
MAX_PIXELS = 150_000_000  # above any camera a newsroom uses (a 102 MP medium format fits)
PART_BYTES = 64 * 1024  # each text part
FORM_OVERHEAD = 256 * 1024  # the text parts and the multipart framing around the file
_PARTS = {"file", "credit", "translations", "focal_point"}
_Texts = TypeAdapter(LanguageMap[MediaTranslationIn])


class ImageRejected(AppError):
    """A file refused by `app.media.imaging` (its status, type and words)."""

    def __init__(self, rejected: imaging.Rejected) -> None:
        self.status = rejected.status
        self.code = rejected.kind
        self.title = rejected.title
        super().__init__(rejected.detail)


@dataclass
class _Form:
    file: UploadFile
    credit: str | None
    translations: dict[str, MediaTranslationIn]
    focal: FocalPoint


def is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


def _check_name(name: str | None) -> None:
    """A file name is never used (keys are content addresses), but one that tries to
    leave a directory says the client is not what it seems: refused, not ignored."""
    if name is None:
        return
    if (
        "/" in name
        or "\\" in name
        or name in (".", "..")  # with no separator, ".." elsewhere ("wait...what") is plain
        or any(ord(c) < 32 or ord(c) == 127 for c in name)
        or len(name) > 255
    ):
        raise invalid_part(
            "file",
            "The file name must be a plain name: no directories, '..', control characters, "
            "at most 255 characters.",
        )


def _text(form: FormData, name: str) -> str | None:
    values = form.getlist(name)
    if len(values) > 1:
        raise invalid_part(name, f"Give `{name}` once.")
    if not values:
        return None
    value = values[0]
    if not isinstance(value, str):
        raise invalid_part(name, f"`{name}` is text, not a file.")
    if "\x00" in value:
        raise invalid_part(name, f"`{name}` contains a NUL character.")
    return value


def _read_form(form: FormData) -> _Form:
    upload = the_file(form, _PARTS, "the image")
    _check_name(upload.filename)
    fields: dict[str, Any] = {"file": b""}
    for name in ("credit", "translations", "focal_point"):
        if (value := _text(form, name)) is not None:
            fields[name] = value
    try:
        parts = MediaUpload.model_validate(fields)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
        ) from error
    translations: dict[str, MediaTranslationIn] = {}
    if parts.translations:
        try:
            translations = _Texts.validate_python(json.loads(parts.translations))
        except ValueError as exc:  # JSON or validation: both say what is wrong
            errors = exc.errors() if isinstance(exc, ValidationError) else None
            if errors is not None:
                raise RequestValidationError(
                    [{**e, "loc": ("body", "translations", *e["loc"])} for e in errors]
                ) from exc
            raise invalid_part("translations", f"`translations` is not JSON: {exc}") from exc
    focal = FocalPoint(x=0.5, y=0.5)
    if parts.focal_point is not None:
        try:
            focal = parse_focal_point(parts.focal_point)
        except ValueError as exc:
            raise invalid_part("focal_point", str(exc).removeprefix("Value error, ")) from exc
    return _Form(upload, parts.credit, translations, focal)


def limiter(request: Request) -> anyio.CapacityLimiter:
    state = request.app.state
    if getattr(state, "media_rendering", None) is None:
        state.media_rendering = anyio.CapacityLimiter(RENDERING)
    limit: anyio.CapacityLimiter = state.media_rendering
    return limit


async def upload(request: Request, session: AsyncSession, storage: Storage) -> Media:
    """The record of the image in the request's multipart form (see the module)."""
    settings = request.app.state.settings
    form = await read_form(request, max_fields=len(_PARTS), max_part_size=PART_BYTES)
    try:
        parts = _read_form(form)
        return await _store(request, session, storage, parts, settings.media_max_bytes)
    finally:
        await form.close()


async def _store(
    request: Request, session: AsyncSession, storage: Storage, parts: _Form, max_bytes: int
) -> Media:
    return await store(
        session,
        storage,
        parts.file.file,
        incoming=Path(request.app.state.settings.media_dir) / ".incoming",
        max_bytes=max_bytes,
        limit=limiter(request),
        credit=parts.credit,
        translations=parts.translations,
        focal=parts.focal,
    )


async def store(
    session: AsyncSession,
    storage: Storage,
    source: IO[bytes],
    *,
    incoming: Path,
    max_bytes: int,
    limit: anyio.CapacityLimiter,
    credit: str | None,
    translations: dict[str, MediaTranslationIn],
    focal: FocalPoint,
) -> Media:
    """The record of the image in `source`, checked, rendered and stored; the one path of
    every upload (the endpoint, and `newsdesk demo-data` for the demo's pictures)."""
    try:
        found = await anyio.to_thread.run_sync(
            lambda: imaging.probe(
                source, max_bytes=max_bytes, max_pixels=MAX_PIXELS, directory=incoming
            ),
            limiter=limit,
        )
    except imaging.Rejected as rejected:
        raise ImageRejected(rejected) from None
    try:
        earlier = await service.same_content(session, found.sha256)
        point = (focal.x, focal.y)
        twin = next((m for m in earlier if (m.focal_x, m.focal_y) == point), None)
        if twin is not None:  # the same bytes and focal point: the same files, not stored again
            rendered = imaging.Rendered(
                renditions=[imaging.Rendition(*r) for r in twin.renditions],
                blurhash=twin.blurhash or "",
                dominant_color=twin.dominant_color or "",
            )
        else:
            stored = [r[0] for m in earlier for r in m.renditions]
            try:
                rendered = await anyio.to_thread.run_sync(
                    lambda: imaging.render(found, focal=point, storage=storage, existing=stored),
                    limiter=limit,
                )
            except imaging.Rejected as rejected:
                raise ImageRejected(rejected) from None
        return await service.create_upload(
            session, found, rendered, credit=credit, translations=translations, focal=focal
        )
    finally:
        found.close()
