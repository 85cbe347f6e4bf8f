"""The bare reference of `bench/media-upload`: a Starlette `FileResponse` of a media file.

The same files the app serves under `/media/<key>` (its local storage directory), served
by nothing but Starlette's routing and `FileResponse` (which has its own ETag, Last-Modified
and Range handling): the ceiling the app's `/media` route is compared to. It runs under
uvicorn with the settings `newsdesk serve` uses that matter here (one worker, httptools).

    python bench/bare_media.py --root MEDIA_DIR --port P
"""

import argparse
import os
import re
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

ROOT_ENV = "BENCH_BARE_MEDIA_ROOT"
KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}/[0-9a-z][0-9a-z._-]{0,99}")
TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "avif": "image/avif"}


def create_app() -> Starlette:
    root = Path(os.environ[ROOT_ENV])

    async def media(request: Request) -> Response:
        key = request.path_params["key"]
        if not KEY.fullmatch(key) or ".." in key:
            return PlainTextResponse("not found\n", status_code=404)
        return FileResponse(root / key, media_type=TYPES.get(key.rsplit(".", 1)[-1]))

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/healthz", healthz), Route("/media/{key:path}", media)])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--root", type=Path, required=True, help="the app's NEWSDESK_MEDIA_DIR")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    os.environ[ROOT_ENV] = str(args.root.resolve())
    uvicorn.run(
        "bare_media:create_app",
        factory=True,
        app_dir=str(Path(__file__).resolve().parent),
        host=args.host,
        port=args.port,
        workers=1,
        log_level="warning",
        http="httptools",
        ws="none",
        timeout_graceful_shutdown=20,
    )


if __name__ == "__main__":
    main()
