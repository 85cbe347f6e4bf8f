"""Cached public GETs answered at the outermost point, so that a hit, and a 304 most of
all, is the cheapest answer the service gives.

Outside every other layer, a GET or HEAD whose response this worker's cache holds is
answered here when nothing those layers do could change the answer:

- the body limit only refuses a declared Content-Length (a request with one goes the long
  way), the cache an over-long If-None-Match (the long way answers its 422), and the
  management API is never cached;
- the public rate limit, when one is set, is applied here first, as the rate-limit layer
  would (a refused hit is not counted, so a refusal goes the long way to its 429);
- idempotency is for POSTs, /media/ files are never cached, the error layers have
  nothing to catch, and the replica choice, the hot lane and the routes are what a hit
  spares.

What every answer carries is added as those layers add it: CORS's headers (Starlette's
own code, for a request with an Origin), the request id and the security headers
(`app.ops.observe`), HEAD without the body; it is counted and logged with its route,
and the tracing layer (when on) is outside this one. The headers are the long way's, in
its order: `tests/cache/test_fast_path.py` compares the two. A miss goes the long way
marked (`ASKED`) so that neither the rate limit nor the cache is asked again.
"""

import time
from collections.abc import Sequence
from typing import Any

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.cache.cache import ResponseCache
from app.cache.middleware import ASKED, cache_key, matches
from app.cache.store import Entry
from app.kit.etags import MAX_IF_NONE_MATCH
from app.ops.logs import RequestLog
from app.ops.metrics import RECORDER
from app.ops.observe import SECURITY_HEADERS, method_label, record, request_id
from app.paths import is_private, is_public
from app.ratelimit import RateLimits

_NO_ORIGIN = Headers(raw=[])


async def _discard(message: Message) -> None:
    pass


class FastPathMiddleware:
    """Answers cached public GETs and HEADs before the other layers (see the module).
    `cors`: the CORS middleware's options; `log`, `count`: `ObserveMiddleware`'s."""

    def __init__(
        self, app: ASGIApp, *, cors: dict[str, Any], log: RequestLog | None, count: bool
    ) -> None:
        self.app = app
        self.cors = CORSMiddleware(app, **cors)  # for its header rules only
        self.log = log
        self.count = count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not await self._answer(scope, send)
        ):
            await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, send: Send) -> bool:
        """Whether the cache answered (else nothing was sent)."""
        started = time.perf_counter()
        path: str = scope["path"]
        app_state = scope["app"].state
        cache: ResponseCache | None = getattr(app_state, "response_cache", None)
        if cache is None or is_private(path):
            return False
        if_none_match: bytes | None = None
        origin: bytes | None = None
        given_id: bytes | None = None
        for name, value in scope["headers"]:  # one pass; the first of each, as the layers
            if name == b"if-none-match":
                if_none_match = value if if_none_match is None else if_none_match
            elif name == b"origin":
                origin = value if origin is None else origin
            elif name == b"x-request-id":
                given_id = value if given_id is None else given_id
            elif name == b"content-length":
                return False
        if if_none_match is not None and len(if_none_match) > MAX_IF_NONE_MATCH:
            return False
        limits: RateLimits | None = getattr(app_state, "rate_limits", None)
        if (
            limits is not None
            and limits.public is not None
            and is_public(path)
            and await limits.hit_public(scope) is not None
        ):
            return False  # the long way refuses it again (a refusal is not counted): 429
        key = cache_key(scope)
        try:
            entry = cache.lookup(key)
        except Exception:  # the long way meets it again, inside the layers that report it
            return False
        if entry is None:
            scope[ASKED] = key
            return False

        status = 304 if matches(if_none_match, entry.etag) else entry.status
        headers = [
            *(await self._headers(entry, status, origin)),
            (b"x-request-id", rid := request_id(given_id)),
            *SECURITY_HEADERS,
        ]
        body = entry.body if status != 304 and scope["method"] == "GET" else b""
        recorder = RECORDER
        recorder.in_flight += 1
        try:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        finally:
            recorder.in_flight -= 1
            if self.count or self.log is not None:
                state = scope.setdefault("state", {})
                state["request_id"] = rid.decode()
                seconds = time.perf_counter() - started
                method = method_label(scope["method"])
                record(self.log, self.count, state, method, entry.route, status, seconds)
        return True

    async def _headers(
        self, entry: Entry, status: int, origin: bytes | None
    ) -> Sequence[tuple[bytes, bytes]]:
        """The entry's headers for `status` as CORS finishes them: made once per entry for
        requests without an Origin."""
        if origin is None:
            made = entry.sent.get(status)
            if made is None:
                made = entry.sent[status] = tuple(await self._cors(entry, status, _NO_ORIGIN))
            return made
        return await self._cors(entry, status, Headers(raw=[(b"origin", origin)]))

    async def _cors(self, entry: Entry, status: int, request: Headers) -> list[tuple[bytes, bytes]]:
        headers = list(entry.not_modified if status == 304 else entry.headers)
        message: Message = {"type": "http.response.start", "status": status, "headers": headers}
        await self.cors.send(message, _discard, request)
        return list(message["headers"])
