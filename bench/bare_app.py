"""The bare reference of `bench/http-bench`: a Starlette app replaying recorded responses.

`bench/http_bench.py` first asks the real Newsdesk server for every URL it will load, and
writes what came back (status, headers, body bytes, and the ETag the 304 case sends) to a
JSON file. This app serves those exact bytes for the same method, path and query, with no
database and no work besides Starlette's routing: the ceiling the real app is compared to.
It answers 304 when `If-None-Match` names the recorded ETag, and reads POST bodies (as
the real app must) before answering with the recorded response.

It runs under uvicorn with exactly the settings of `newsdesk serve`:

    python bench/bare_app.py --fixtures F --port P --workers N
"""

import argparse
import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

FIXTURES_ENV = "BENCH_BARE_FIXTURES"
# Dropped on a 304, as the app's (app.cache.store.NOT_MODIFIED_HEADERS): it keeps the
# validators, the caching headers and Content-Language, not the body's other headers.
DROPPED_ON_304 = {"content-type", "content-length", "link"}


@dataclass(frozen=True)
class Recorded:
    """One response of the real app, to be replayed byte for byte."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    etag: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, object]) -> "Recorded":
        headers = data["headers"]
        assert isinstance(headers, list)
        etag = data.get("etag")
        return cls(
            status=int(str(data["status"])),
            headers=[(str(name), str(value)) for name, value in headers],
            body=base64.b64decode(str(data["body"])),
            etag=None if etag is None else str(etag),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "headers": [list(pair) for pair in self.headers],
            "body": base64.b64encode(self.body).decode("ascii"),
            "etag": self.etag,
        }


def request_key(method: str, path: str, query: str = "") -> str:
    """What a recorded response is found by: `GET /v1/ua/articles?q=…`."""
    return f"{method} {path}?{query}" if query else f"{method} {path}"


def load_fixtures(path: Path) -> dict[str, Recorded]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {key: Recorded.from_json(value) for key, value in data.items()}


def write_fixtures(path: Path, fixtures: dict[str, Recorded]) -> None:
    data = {key: value.to_json() for key, value in fixtures.items()}
    path.write_text(json.dumps(data), encoding="utf-8")


def _matches(if_none_match: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def not_modified(recorded: Recorded) -> Response:
    headers = {k: v for k, v in recorded.headers if k.lower() not in DROPPED_ON_304}
    assert recorded.etag is not None
    headers["etag"] = recorded.etag
    return Response(status_code=304, headers=headers)


def create_app() -> Starlette:
    """The app uvicorn's workers build (`factory=True`), from the file named by the env."""
    fixtures = load_fixtures(Path(os.environ[FIXTURES_ENV]))

    async def replay(request: Request) -> Response:
        key = request_key(request.method, request.url.path, request.url.query)
        recorded = fixtures.get(key)
        if recorded is None:
            return PlainTextResponse(f"not recorded: {key}\n", status_code=404)
        if request.method == "POST":
            await request.body()
        if_none_match = request.headers.get("if-none-match")
        if recorded.etag and if_none_match and _matches(if_none_match, recorded.etag):
            return not_modified(recorded)
        response = Response(recorded.body, status_code=recorded.status)
        # Replace Starlette's defaults by the recorded headers (content-length stays ours).
        response.raw_headers = [
            *(
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in recorded.headers
                if name.lower() != "content-length"
            ),
            (b"content-length", str(len(recorded.body)).encode("ascii")),
        ]
        return response

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/{path:path}", replay, methods=["GET", "HEAD", "POST"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", type=Path, required=True, help="JSON from http_bench.py")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    os.environ[FIXTURES_ENV] = str(args.fixtures.resolve())
    # The same call as `newsdesk serve` (app/cli.py), but for this app.
    uvicorn.run(
        "bare_app:create_app",
        factory=True,
        app_dir=str(Path(__file__).resolve().parent),
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=True,
        timeout_graceful_shutdown=20,
    )


if __name__ == "__main__":
    main()
