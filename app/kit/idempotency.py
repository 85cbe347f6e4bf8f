"""Idempotency-Key on creating POSTs (management API), shared by every worker via the DB.

The first request with a key reserves it (a row with no status yet), runs, and stores its
response; a retry with the same key and body gets that response again, marked
`Idempotent-Replayed: true`; the same key with another body → 422; a retry while the
first is still running → 409. Keys are per credential and kept for `TTL`.
"""

import hashlib
import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import Database
from app.errors import problem_response
from app.models import IdempotencyKey, utcnow

TTL = timedelta(hours=48)
HEADER = b"idempotency-key"
_KEPT_HEADERS = {b"content-type", b"location", b"etag"}


def _problem(status: int, code: str, title: str, detail: str) -> Any:
    return problem_response(status, code, title, detail)


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", []))
        key_bytes = headers.get(HEADER)
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or key_bytes is None
            or not scope["path"].startswith("/v1/admin/")
            or b"authorization" not in headers
        ):
            await self.app(scope, receive, send)
            return
        key = key_bytes.decode("latin-1")
        if not 1 <= len(key) <= 255 or not key.isprintable():
            await _problem(
                422, "validation-error", "Invalid request",
                "Idempotency-Key must be 1 to 255 printable characters.",
            )(scope, receive, send)  # fmt: skip
            return
        try:
            body = await _read_body(receive)
        except HTTPException as exc:  # the body limit, raised while reading
            await _problem(exc.status_code, "payload-too-large", "Payload too large", exc.detail)(
                scope, receive, send
            )
            return
        credential = hashlib.sha256(headers[b"authorization"]).hexdigest()
        request_hash = hashlib.sha256(
            scope["path"].encode() + b"\n" + scope.get("query_string", b"") + b"\n" + body
        ).hexdigest()
        db: Database = scope["app"].state.db
        row_id = uuid.uuid4()
        existing = await self._reserve(db, row_id, credential, key, request_hash)
        if existing is not None:
            await self._answer_existing(existing, request_hash)(scope, receive, send)
            return

        status: int | None = None
        kept: list[list[str]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                kept.extend(
                    [k.decode("latin-1"), v.decode("latin-1")]
                    for k, v in message.get("headers", [])
                    if k.lower() in _KEPT_HEADERS
                )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        replayed = False

        async def replay_receive() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        try:
            await self.app(scope, replay_receive, capture)
        finally:
            async with db.writer() as session, session.begin():
                if status is None or status >= 500:
                    # A failure is not an answer: the key is free for a retry.
                    await session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row_id))
                else:
                    await session.execute(
                        update(IdempotencyKey)
                        .where(IdempotencyKey.id == row_id)
                        .values(status_code=status, headers=kept, body=b"".join(chunks))
                    )

    async def _reserve(
        self, db: Database, row_id: uuid.UUID, credential: str, key: str, request_hash: str
    ) -> IdempotencyKey | None:
        """Reserve the key; the existing (unexpired) record when it is taken."""
        now = utcnow()
        async with db.writer() as session, session.begin():
            await session.execute(
                delete(IdempotencyKey).where(IdempotencyKey.created_at < now - TTL)
            )
            found = await session.scalar(
                select(IdempotencyKey).where(
                    IdempotencyKey.credential == credential, IdempotencyKey.key == key
                )
            )
            if found is not None:
                return found
            session.add(
                IdempotencyKey(
                    id=row_id, credential=credential, key=key, request_hash=request_hash,
                    status_code=None, headers=[], body=b"", created_at=now,
                )
            )  # fmt: skip
            try:
                await session.flush()
            except IntegrityError:
                # Another worker reserved it between our read and our insert.
                await session.rollback()
                async with db.reader() as again:
                    return await again.scalar(
                        select(IdempotencyKey).where(
                            IdempotencyKey.credential == credential, IdempotencyKey.key == key
                        )
                    )
        return None

    def _answer_existing(self, record: IdempotencyKey, request_hash: str) -> Any:
        if record.request_hash != request_hash:
            return _problem(
                422, "idempotency-key-reused", "Idempotency key reused",
                "This Idempotency-Key was used with a different request body.",
            )  # fmt: skip
        if record.status_code is None:
            return _problem(
                409, "idempotency-in-progress", "Request in progress",
                "The first request with this Idempotency-Key is still running; retry later.",
            )  # fmt: skip
        return _Stored(record.status_code, record.headers, record.body)


class _Stored:
    def __init__(self, status: int, headers: list[list[str]], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers]
        headers += [
            (b"content-length", str(len(self.body)).encode()),
            (b"idempotent-replayed", b"true"),
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def idempotency_key_header(
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=255,
            # What the middleware takes: printable characters (`str.isprintable`, latin-1).
            pattern=r"^[\x20-\x7e\xa1-\xac\xae-\xff]+$",
            description="Makes this create safe to retry: a retry with the same key and body "
            "gets the first response (`Idempotent-Replayed: true`); another body → 422. "
            "Keys are per credential and kept 48 hours.",
        ),
    ] = None,
) -> None:
    """Documents the header; IdempotencyMiddleware does the work."""


IDEMPOTENT = Depends(idempotency_key_header)
