"""Multipart forms read with their limits, a broken one answered as a payload error."""

from fastapi import Request
from starlette.datastructures import FormData
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
