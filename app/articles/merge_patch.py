"""JSON Merge Patch (RFC 7396) of a translation: `application/merge-patch+json` only.

A translation is flat, so the merge is one level: a member given replaces the current
value, `null` removes an optional one (`TranslationPatch` refuses it for `title`, `lead`
and `body_html`, and refuses unknown members). The result is validated as a whole
`TranslationIn` and then written exactly as a PUT of it would be.
"""

from typing import Annotated, Any

import fastapi
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.articles.pending import FIELDS
from app.articles.schemas import TranslationIn, TranslationPatch
from app.errors import UnsupportedMediaType
from app.models import PendingTranslation, Translation

MEDIA_TYPE = "application/merge-patch+json"

Body = Annotated[TranslationPatch, fastapi.Body(media_type=MEDIA_TYPE)]


def require_media_type(request: Request) -> None:
    """415 for any other Content-Type (a plain JSON body would read as a whole PUT). A
    dependency, so it answers before the body is validated (and after 401 and 404)."""
    given = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if given != MEDIA_TYPE:
        raise UnsupportedMediaType(
            f"A translation PATCH is a JSON Merge Patch: send it as {MEDIA_TYPE}"
            + (f", not {given}." if given else ".")
        )


def apply(base: Translation | PendingTranslation, patch: TranslationPatch) -> TranslationIn:
    """`patch` merged into the writable fields of `base` (the live text or its pending copy)."""
    merged: dict[str, Any] = {field: getattr(base, field) for field in FIELDS}
    for name in patch.model_fields_set:
        value = getattr(patch, name)
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    try:
        return TranslationIn.model_validate({k: v for k, v in merged.items() if v is not None})
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
        ) from error


MediaType = Annotated[None, fastapi.Depends(require_media_type)]
