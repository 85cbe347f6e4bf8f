"""The outermost middleware but one: each HTTP request gets its id and is timed once, for
the metrics (`app.ops.metrics`) and the request log (`app.ops.logs`). Cached answers are
made outside it (`app.cache.fast`), with the same id, headers, count and log line
(`request_id`, `SECURITY_HEADERS`, `record`).

One layer for all of it: every ASGI layer costs a coroutine and a wrapped `send` per
request, on a cached read that takes ~60 µs in all (`docs/decisions/0008-...`). No
context variable is set per request either: one set in a request's task made every
later request of the worker ~15 % slower (the event loop's callbacks, run in a context
that had it, copied it into each new task: CPython issue 140947's leak).
"""

import os
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.ops.logs import RequestLog
from app.ops.metrics import RECORDER, route_of

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STATUS = {code: str(code) for code in range(100, 600)}
# A client's X-Request-ID is kept when it is 1 to 128 printable ASCII characters other than
# `"` and `\` (so that it goes into a JSON log line as it is); otherwise one is made.
_ID_CHARACTERS = frozenset(range(0x20, 0x7F)) - {ord('"'), ord("\\")}


def request_id_of(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return request_id(value)
    return request_id(None)


def request_id(given: bytes | None) -> bytes:
    """The client's X-Request-ID (`given`, its first) if sane, else a new one."""
    if given is not None and 0 < len(given) <= 128 and all(b in _ID_CHARACTERS for b in given):
        return bytes(given)
    return os.urandom(16).hex().encode()  # as uuid4().hex, at a fifth of its cost


def method_label(method: str) -> str:
    return method if method in _METHODS else "other"


def record(
    log: RequestLog | None,
    count: bool,
    state: dict[str, Any],
    method: str,
    route: str,
    status: int,
    seconds: float,
) -> None:
    """Count a request that ended (`method` a label) and log it."""
    if count:
        # 0: no answer was started (the client went away, or the app failed before
        # answering and the server answered 500 itself).
        RECORDER.requests.observe((route, method, _STATUS.get(status, "0")), seconds)
    if log is not None:
        log.request(state, method, route, status, seconds)


class ObserveMiddleware:
    """Accepts a sane X-Request-ID or makes one, and echoes it with the security headers on
    every response; counts every request by route template, method and status (unless
    `count` is false: NEWSDESK_METRICS) and logs it (`log`: None when the request log is
    off)."""

    def __init__(self, app: ASGIApp, log: RequestLog | None = None, count: bool = True) -> None:
        self.app = app
        self.log = log
        self.count = count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_of(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id.decode()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id),
                    *SECURITY_HEADERS,
                ]
            await send(message)

        if not self.count and self.log is None:
            await self.app(scope, receive, send_with_id)
            return
        recorder = RECORDER
        recorder.in_flight += 1
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            recorder.in_flight -= 1
            seconds = time.perf_counter() - started
            method = method_label(scope["method"])
            record(self.log, self.count, state, method, route_of(scope), status, seconds)
