"""The outermost middleware: each HTTP request gets its id and is timed once, for the
metrics (`app.ops.metrics`) and the request log (`app.ops.logs`).

One layer for all of it: every ASGI layer costs a coroutine and a wrapped `send` per
request, on a cached read that takes ~60 µs in all (`docs/decisions/0008-...`). No
context variable is set per request either: one set in a request's task made every
later request of the worker ~15 % slower (the event loop's callbacks, run in a context
that had it, copied it into each new task: CPython issue 140947's leak).
"""

import os
import time

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
            if 0 < len(value) <= 128 and all(byte in _ID_CHARACTERS for byte in value):
                return bytes(value)
            break
    return os.urandom(16).hex().encode()  # as uuid4().hex, at a fifth of its cost


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
            method = scope["method"]
            if method not in _METHODS:
                method = "other"
            route = route_of(scope)
            if self.count:
                # 0: no answer was started (the client went away, or the app failed before
                # answering and the server answered 500 itself).
                recorder.requests.observe((route, method, _STATUS.get(status, "0")), seconds)
            if self.log is not None:
                self.log.request(state, method, route, status, seconds)
