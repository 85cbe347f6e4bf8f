"""Idempotency-Key on creating POSTs, shared by every worker through the database.

A retry with the same key and request gets the first answer again, marked
`Idempotent-Replayed: true`; the same key with another request → 422. How it holds:

- Who. The caller is authenticated first (`app.auth.service.authenticate`): a missing,
  unknown, expired or revoked credential goes on to the endpoint's 401 and never reserves
  nor replays a key. Records belong to the credential (the id of the API key or of the
  user's token, never the secret), and are replayed only while it has the role it had
  (else 403).
- When. The route's dependency inserts the record in the request's own transaction, so it
  exists only if the write committed: an error, a rollback, a killed worker or a lost
  database leave nothing, and the retry runs again. The answer is recorded after that
  commit and before the client sees a byte of it (the response is held until then), so a
  retry made after an answer finds it. A record without an answer is a write committed an
  instant ago (409, retry), or one whose worker died in that instant (409
  `idempotency-answer-lost` after `ANSWER_GRACE`: it was made, look it up).
- What. Status, `Content-Type`, `Location`, `ETag` and body, kept `TTL`. Requests are
  compared by an HMAC keyed with the bearer secret, so the stored digest cannot be tested
  against guesses of a password in the body. An answer carrying a secret (a new API key)
  is kept without it, and its retry answers 409 saying what was created.
"""

import asyncio
import hashlib
import hmac
import json
import logging
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

import anyio
from fastapi import Depends, Header, Request
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth.service import Principal, authenticate
from app.db import Database, SessionDep
from app.errors import AppError, problem_response
from app.models import IdempotencyKey, utcnow

TTL = timedelta(hours=48)
# No create takes this long: a record still unanswered after it lost its answer.
ANSWER_GRACE = timedelta(minutes=1)
# How long a retry that meets the first request in flight waits for its answer (seconds).
WAIT = 2.0
_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout expired
SWEEP_EVERY = 60.0  # seconds between one worker's deletions of expired records
HEADER = b"idempotency-key"
_KEPT_HEADERS = {b"content-type", b"location", b"etag"}
_SCOPE_KEY = "newsdesk.idempotency"
log = logging.getLogger("newsdesk")


class _InFlight(AppError):
    status, code, title = 409, "idempotency-in-progress", "Request in progress"


@dataclass
class _Reservation:
    """The record the middleware asks the route to insert in its transaction."""

    credential: str
    key: str
    request_hash: str
    role: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    secret_fields: tuple[str, ...] = ()
    inserted: bool = False  # by this request: committed with its write, or rolled back
    taken: bool = False  # by another request, committed or still running

    async def insert(self, session: AsyncSession, *, secret_fields: tuple[str, ...]) -> None:
        now = utcnow()
        this_key = (IdempotencyKey.credential == self.credential, IdempotencyKey.key == self.key)
        await session.execute(
            delete(IdempotencyKey).where(*this_key, IdempotencyKey.created_at < now - TTL)
        )
        # Another request's row, even uncommitted, makes the insert wait until that request
        # commits or rolls back: on SQLite for the one writer's lock (its busy timeout), on
        # PostgreSQL on the unique index, for at most WAIT (no pile of waiting connections).
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            await session.execute(text(f"SET LOCAL lock_timeout = '{int(WAIT * 1000)}ms'"))
        try:
            await session.execute(
                insert(IdempotencyKey).values(
                    id=self.id, credential=self.credential, key=self.key,
                    request_hash=self.request_hash, role=self.role, status_code=None,
                    headers=[], body=b"", shown_once=False, created_at=now,
                )
            )  # fmt: skip
        except DBAPIError as exc:
            if not isinstance(exc, IntegrityError) and _sqlstate(exc) != _LOCK_NOT_AVAILABLE:
                raise
            self.taken = True
            raise _InFlight(
                "The first request with this Idempotency-Key is still running; retry later."
            ) from None
        if postgres:
            await session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
        self.inserted, self.secret_fields = True, secret_fields


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._swept = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key_bytes = _header(scope, HEADER)
        token = _bearer(_header(scope, b"authorization"))
        if key_bytes is None or token is None:
            await self.app(scope, receive, send)
            return
        db: Database = scope["app"].state.db
        key = key_bytes.decode("latin-1")
        async with db.reader() as session:
            principal = await authenticate(session, token)
            valid = 1 <= len(key) <= 255 and key.isprintable()
            record = await _find(session, principal, key) if principal and valid else None
        if principal is None:
            # Not a caller: the endpoint answers its 401; nothing is reserved or replayed.
            await self.app(scope, receive, send)
            return
        if not valid:
            await problem_response(
                422, "validation-error", "Invalid request",
                "Idempotency-Key must be 1 to 255 printable characters.",
            )(scope, receive, send)  # fmt: skip
            return
        body = _Body(token, scope)
        try:
            await self._with_body(scope, receive, send, body, db, key, principal, record)
        finally:
            body.close()

    async def _with_body(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        body: "_Body",
        db: Database,
        key: str,
        principal: Principal,
        record: IdempotencyKey | None,
    ) -> None:
        try:
            await body.read_from(receive)
        except HTTPException as exc:  # the body limit, raised while reading
            await problem_response(
                exc.status_code, "payload-too-large", "Payload too large", exc.detail
            )(scope, receive, send)
            return
        request_hash = body.digest
        if record is not None:
            if record.status_code is None and hmac.compare_digest(
                record.request_hash, request_hash
            ):
                record = await _wait_for_answer(db, record.credential, key) or record
            await _answer(record, request_hash, principal)(scope, receive, send)
            return
        reservation = _Reservation(_credential(principal), key, request_hash, principal.role.value)
        scope[_SCOPE_KEY] = reservation
        held: list[Message] = []

        async def hold(message: Message) -> None:
            # Decided before the endpoint runs: the route reserved the key, or met it taken.
            if reservation.inserted or reservation.taken:
                held.append(message)
            else:
                await send(message)

        await self.app(scope, body.replaying(receive), hold)
        if reservation.taken:
            record = await _wait_for_answer(db, reservation.credential, key)
            if record is not None:
                await _answer(record, request_hash, principal)(scope, receive, send)
                return
        elif reservation.inserted:
            await _record(db, reservation, held)
        for message in held:
            await send(message)
        if reservation.inserted and time.monotonic() - self._swept > SWEEP_EVERY:
            self._swept = time.monotonic()
            await _sweep(db)


def _header(scope: Scope, name: bytes) -> bytes | None:
    """The first value, as `Request.headers` (so the endpoint sees the same credential)."""
    return next((v for k, v in scope.get("headers", []) if k.lower() == name), None)


def _bearer(authorization: bytes | None) -> str | None:
    if authorization is None:
        return None
    scheme, credentials = get_authorization_scheme_param(authorization.decode("latin-1"))
    return credentials if scheme.lower() == "bearer" and credentials else None


def _credential(principal: Principal) -> str:
    return f"{principal.kind}:{principal.id}"


async def _find(session: AsyncSession, principal: Principal, key: str) -> IdempotencyKey | None:
    """The credential's unexpired record of this key."""
    return await session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.credential == _credential(principal),
            IdempotencyKey.key == key,
            IdempotencyKey.created_at >= utcnow() - TTL,
        )
    )


async def _wait_for_answer(db: Database, credential: str, key: str) -> IdempotencyKey | None:
    """The record of the request that holds the key, once answered (or as it is after WAIT)."""
    deadline = time.monotonic() + WAIT
    while True:
        async with db.reader() as session:
            record = await session.scalar(
                select(IdempotencyKey).where(
                    IdempotencyKey.credential == credential, IdempotencyKey.key == key
                )
            )
        if (
            record is None
            or record.status_code is not None
            or record.created_at < utcnow() - ANSWER_GRACE
            or time.monotonic() > deadline
        ):
            return record
        await asyncio.sleep(0.05)


async def _record(db: Database, reservation: _Reservation, held: list[Message]) -> None:
    """Store the answer of a request whose record committed with its write."""
    start = held[0] if held and held[0]["type"] == "http.response.start" else None
    if start is None or start["status"] >= 500:
        return  # a failure after the commit: the record stays unanswered (answer lost)
    status: int = start["status"]
    kept = [
        [k.decode("latin-1"), v.decode("latin-1")]
        for k, v in start.get("headers", [])
        if k.lower() in _KEPT_HEADERS
    ]
    body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
    shown_once = bool(reservation.secret_fields) and 200 <= status < 300
    if shown_once:  # no header either: a `Location` may hold a secret too (preview links)
        kept, body = [], _without(body, reservation.secret_fields)
    try:
        async with db.writer() as session, session.begin():
            # No row when the request rolled back (a 4xx): then nothing is remembered.
            await session.execute(
                update(IdempotencyKey)
                .where(IdempotencyKey.id == reservation.id, IdempotencyKey.status_code.is_(None))
                .values(status_code=status, headers=kept, body=body, shown_once=shown_once)
            )
    except Exception:  # the write is made: its client gets its answer all the same
        log.exception("the answer to Idempotency-Key %r was not recorded", reservation.key)


def _without(body: bytes, fields: tuple[str, ...]) -> bytes:
    """A JSON object's body without its secret members (nothing when it is not one)."""
    try:
        document = json.loads(body)
    except ValueError:
        return b""
    if not isinstance(document, dict):
        return b""
    return json.dumps({k: v for k, v in document.items() if k not in fields}).encode()


async def _sweep(db: Database) -> None:
    try:
        async with db.writer() as session, session.begin():
            await session.execute(
                delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - TTL)
            )
    except Exception:  # housekeeping; expired records are ignored by every read anyway
        log.exception("expired idempotency keys were not deleted")


def _answer(record: IdempotencyKey, request_hash: str, principal: Principal) -> Any:
    """What a request finds when its key already has a record."""
    if not hmac.compare_digest(record.request_hash, request_hash):
        return problem_response(
            422, "idempotency-key-reused", "Idempotency key reused",
            "This Idempotency-Key was used with a different request.",
        )  # fmt: skip
    if record.role != principal.role:
        return problem_response(
            403, "forbidden", "Forbidden",
            "The credential's role changed since this Idempotency-Key was first used; "
            "its answer is not replayed.",
        )  # fmt: skip
    if record.status_code is None:
        if record.created_at < utcnow() - ANSWER_GRACE:
            return problem_response(
                409, "idempotency-answer-lost", "Answer lost",
                "The first request with this Idempotency-Key was carried out, but the server "
                "stopped before recording its answer: look up what it created instead of "
                "retrying with a new key.",
            )  # fmt: skip
        return problem_response(
            409, "idempotency-in-progress", "Request in progress",
            "The first request with this Idempotency-Key is still running; retry later.",
        )  # fmt: skip
    if record.shown_once:
        return problem_response(
            409, "idempotency-secret-not-replayed", "Secret shown once",
            f"The first request with this Idempotency-Key succeeded ({record.status_code}), "
            "and its answer held a secret, which is shown only once and never stored. "
            "`created` is what it created, without the secret; if the secret was lost, "
            "revoke that and create another.",
            headers={"Idempotent-Replayed": "true"},
            created=json.loads(record.body) if record.body else None,
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


_IN_MEMORY = 1024 * 1024  # a body larger than this (an image upload) waits on disk
_CHUNK = 64 * 1024


class _Body:
    """A request body read ahead of the app: its digest (`_digest`'s, computed as it
    arrives) and its bytes, spooled to a temporary file past `_IN_MEMORY`, so an upload of
    many megabytes is never held whole in memory."""

    def __init__(self, token: str, scope: Scope) -> None:
        self._hmac = hmac.new(
            token.encode(), scope["path"].encode() + b"\n" + scope.get("query_string", b"") + b"\n",
            hashlib.sha256,
        )  # fmt: skip
        self.file = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)  # noqa: SIM115  # closed by close()

    @property
    def digest(self) -> str:
        return self._hmac.hexdigest()

    async def read_from(self, receive: Receive) -> None:
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            self._hmac.update(chunk)
            if self.file._rolled:  # type: ignore[attr-defined]  # on disk: off the loop
                await anyio.to_thread.run_sync(self.file.write, chunk)
            else:
                self.file.write(chunk)
            if not message.get("more_body", False):
                self.file.seek(0)
                return

    def replaying(self, receive: Receive) -> Receive:
        """`receive` that gives the app the body read, then the connection's messages."""
        done = False

        async def replay() -> Message:
            nonlocal done
            if done:
                return await receive()
            chunk = self.file.read(_CHUNK)
            more = len(chunk) == _CHUNK and self.file.tell() < self._size()
            done = not more
            return {"type": "http.request", "body": chunk, "more_body": more}

        return replay

    def _size(self) -> int:
        position = self.file.tell()
        self.file.seek(0, 2)
        end = self.file.tell()
        self.file.seek(position)
        return end

    def close(self) -> None:
        self.file.close()


_PATTERN = r"^[\x20-\x7e\xa1-\xac\xae-\xff]+$"  # `str.isprintable` in latin-1, as checked


def _dependency(description: str, *, secret_fields: tuple[str, ...] = ()) -> Any:
    async def idempotency_key(
        request: Request,
        session: SessionDep,
        idempotency_key: Annotated[
            str | None,
            Header(min_length=1, max_length=255, pattern=_PATTERN, description=description),
        ] = None,
    ) -> None:
        """Documents the header; reserves the key in the request's transaction."""
        reservation = request.scope.get(_SCOPE_KEY)
        if isinstance(reservation, _Reservation):
            await reservation.insert(session, secret_fields=secret_fields)

    return Depends(idempotency_key)


_COMMON = (
    "Keys are per credential, checked first: a refused token or API key gets its 401, "
    "never a replay, and one whose role changed since gets 403. Kept 48 hours. Only a "
    "create that was made is remembered: after an error, the retry runs again."
)
IDEMPOTENT = _dependency(
    "Makes this create safe to retry: a retry with the same key and body gets the first "
    "response (`Idempotent-Replayed: true`); another body → 422; while the first still "
    f"runs, a few seconds' wait for its answer, then 409. {_COMMON}"
)


def secret_once(field: str) -> Any:
    """The dependency of a create whose response shows a secret (`field`) once."""
    return _dependency(
        "Makes this create safe to retry: a retry with the same key and body creates nothing "
        "more and answers 409 (`Idempotent-Replayed: true`, type "
        "`idempotency-secret-not-replayed`) with what was created in `created`, but never the "
        "secret, which is shown only once and not stored; another body → 422. " + _COMMON,
        secret_fields=(field,),
    )


IDEMPOTENT_SECRET = secret_once("key")
