"""Pure ASGI middleware: HEAD as GET, body size limit (request ids and security headers:
`app.ops.observe`)."""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem_response


class HeadAsGetMiddleware:
    """HEAD answers exactly like GET, headers included, without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        inner = {**scope, "method": "GET"}
        try:
            await self.app(inner, receive, send_without_body)
        finally:
            if "route" in inner:  # the route that answered, for the metrics
                scope["route"] = inner["route"]


class BodyLimitMiddleware:
    """Request bodies over `max_bytes` answer 413, checked while reading (chunked too).

    A declared Content-Length over the limit is refused before anything is read; a body
    that grows past it raises from `receive`, which FastAPI passes on as an HTTP error.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, uploads: dict[tuple[str, str], int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # (method, path) → the limit of the routes that take files (media uploads).
        self.uploads = uploads or {}

    @staticmethod
    def _too_large(limit: int) -> HTTPException:
        return HTTPException(413, f"The request body is over the limit of {limit} bytes.")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        limit = self.max_bytes
        if headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data"):
            limit = self.uploads.get((scope["method"], scope["path"]), limit)
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            exc = self._too_large(limit) if declared.isdigit() else HTTPException(400, "Bad length")
            response = problem_response(
                exc.status_code,
                "payload-too-large" if exc.status_code == 413 else "bad-request",
                "Payload too large" if exc.status_code == 413 else "Bad request",
                exc.detail,
            )
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise self._too_large(limit)
            return message

        await self.app(scope, limited_receive, send)
