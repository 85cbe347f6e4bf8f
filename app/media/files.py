"""`GET|HEAD /media/{key}`: the stored files of local storage, served by the app.

In front of the framework (ASGI middleware, like the public hot lane): a file needs no
route, credential, rate limit nor cache lookup, and every layer skipped is throughput
(`bench/media-upload` compares it with a bare Starlette `FileResponse`). Keys are
content-addressed, so every answer is immutable: cached for a year, a strong ETag (the key
names the bytes), `If-None-Match` → 304, and byte ranges (Starlette's `FileResponse`).
Anything that is not a key of a stored file is a 404 problem; with S3 storage the files
are not here at all (readers fetch them from the bucket or the CDN).
"""

import hashlib

from starlette.responses import FileResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import problem_response
from app.media import links
from app.media.storage import IMMUTABLE, KEY, LocalStorage
from app.ops.metrics import note_route

PREFIX = "/media/"
_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "avif": "image/avif",
}


def etag(key: str) -> str:
    return '"' + hashlib.blake2s(key.encode(), digest_size=16).hexdigest() + '"'


class MediaFilesMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        storage = scope["app"].state.media_storage
        if not scope["path"].startswith(PREFIX):
            links.use(storage)  # for what the request's answer says of images
            await self.app(scope, receive, send)
            return
        key = scope["path"][len(PREFIX) :]
        note_route(scope, PREFIX + "{key}")
        response: Response
        if scope["method"] not in ("GET", "HEAD"):
            response = problem_response(
                405, "method-not-allowed", "Method not allowed", "Files are read with GET."
            )
            response.headers["Allow"] = "GET, HEAD"
        elif (
            not isinstance(storage, LocalStorage)
            or not KEY.fullmatch(key)
            or ".." in key
            or not (path := storage.path(key)).is_file()
        ):
            response = problem_response(404, "not-found", "Not found", "No such file.")
        else:
            tag = etag(key)
            headers = {"Cache-Control": IMMUTABLE, "ETag": tag, "X-Content-Type-Options": "nosniff"}
            match = dict(scope["headers"]).get(b"if-none-match")
            if match is not None and tag in match.decode("latin-1").replace("W/", ""):
                response = Response(status_code=304, headers=headers)
            else:
                kind = _TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")
                response = FileResponse(path, media_type=kind, headers=headers)
        await response(scope, receive, send)
