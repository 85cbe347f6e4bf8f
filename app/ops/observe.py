"""The outermost middleware: each HTTP request timed once, for the metrics
(`app.ops.metrics`) and the request log (`app.ops.logs`)."""

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.ops.logs import REQUEST, RequestLog
from app.ops.metrics import RECORDER, route_of

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STATUS = {code: str(code) for code in range(100, 600)}


class ObserveMiddleware:
    """Counts every request by route template, method and status (unless `count` is
    false: NEWSDESK_METRICS), and logs it (`log`: None when NEWSDESK_ACCESS_LOG is off)."""

    def __init__(self, app: ASGIApp, log: RequestLog | None = None, count: bool = True) -> None:
        self.app = app
        self.log = log
        self.count = count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = scope.setdefault("state", {})
        status = 0

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        recorder = RECORDER
        recorder.in_flight += 1
        token = REQUEST.set(state)
        try:
            await self.app(scope, receive, send_status)
        finally:
            REQUEST.reset(token)
            recorder.in_flight -= 1
            seconds = time.perf_counter() - started
            method = scope["method"]
            if method not in _METHODS:
                method = "other"
            route = route_of(scope)
            # 0: no answer was started (the client went away, or the app failed before
            # answering and the server answered 500 itself).
            if self.count:
                recorder.requests.observe((route, method, _STATUS.get(status, "0")), seconds)
            if self.log is not None:
                self.log.request(state, method, route, status, seconds)
