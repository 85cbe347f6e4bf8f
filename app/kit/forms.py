"""Multipart forms read with their limits, a broken one answered as a payload error."""

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from app.errors import Unprocessable


async def read_form(request: Request, *, max_fields: int, max_part_size: int) -> FormData:
    """The request's multipart form (one file at most): a form that cannot be parsed is a
    422 naming why. Starlette turns its parser's MultiPartException into a 400
    HTTPException inside an app; other statuses (the 413 of the body limit, raised while
    the body is read) pass on as they are. The caller closes the form."""
    try:
        return await request.form(max_files=1, max_fields=max_fields, max_part_size=max_part_size)
    except (MultiPartException, HTTPException) as exc:
        if isinstance(exc, HTTPException) and exc.status_code != 400:
            raise
        message = exc.message if isinstance(exc, MultiPartException) else str(exc.detail)
        raise Unprocessable.at(
            ["body"],
            f"The multipart form cannot be read: {message}",
            msg="Invalid multipart form",
            type="multipart",
        ) from exc


def invalid_part(loc: str, message: str, kind: str = "value_error") -> RequestValidationError:
    """A 422 about one part of the form, shaped like FastAPI's own field errors."""
    return RequestValidationError([{"type": kind, "loc": ("body", loc), "msg": message}])


def the_file(form: FormData, parts: set[str], what: str) -> UploadFile:
    """The form's one `file` part, once every part is known to be one of `parts`; `what`
    names what the file holds in the error."""
    unknown = sorted(set(form.keys()) - parts)
    if unknown:
        raise invalid_part(unknown[0], f"Unknown part `{unknown[0]}`.", "extra_forbidden")
    files = form.getlist("file")
    if len(files) != 1 or not isinstance(files[0], UploadFile):
        raise invalid_part("file", f"Send exactly one `file` part with {what}.", "missing")
    return files[0]
