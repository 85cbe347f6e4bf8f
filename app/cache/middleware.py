"""HTTP caching for public GETs, in front of the framework.

Every public GET that answers 200 with a `public` Cache-Control gets a strong ETag (a hash
of its bytes) and answers `If-None-Match` with 304 — with the cache on or off. With the
cache on (`NEWSDESK_CACHE=on`, the default), the serialized response is kept, keyed by
path and query, with the surrogate keys of its `Surrogate-Key` header, and the next
request for it is answered here, before routing, dependencies and the database.

Errors, previews (`private, no-store`) and the management API are never stored, never
get `public`, and pass through untouched.
"""

import hashlib
import time
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.cache.cache import ResponseCache
from app.cache.store import Entry, not_modified
from app.errors import problem_response
from app.kit.etags import MAX_IF_NONE_MATCH
from app.ops import metrics, outage
from app.ops.metrics import note_route, route_of
from app.paths import is_private

# The scope key `app.cache.fast` sets when it asked the cache for this request and missed
# (its value: the cache key), having applied the public rate limit: neither is done again.
ASKED = "newsdesk.cache_asked"


def cache_key(scope: Scope) -> str:
    """Path and query, the query's parameters in a fixed order."""
    query: bytes = scope.get("query_string", b"")
    if not query:
        return str(scope["path"])
    pairs = sorted(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
    return f"{scope['path']}?{urlencode(pairs)}"


def strong_etag(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def matches(if_none_match: bytes | None, etag: bytes) -> bool:
    """RFC 9110 §13.1.2: weak comparison; `*` matches any current representation."""
    if if_none_match is None:
        return False
    for candidate in if_none_match.split(b","):
        tag = candidate.strip()
        if tag == b"*" or tag.removeprefix(b"W/") == etag:
            return True
    return False


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


async def _answer(
    send: Send,
    status: int,
    headers: tuple[tuple[bytes, bytes], ...] | list[tuple[bytes, bytes]],
    body: bytes,
    etag: bytes,
    if_none_match: bytes | None,
    kept: tuple[tuple[bytes, bytes], ...] | None = None,
) -> None:
    """The response, or its 304 (`kept`: its headers, when already made)."""
    if matches(if_none_match, etag):
        kept = not_modified(headers) if kept is None else kept
        await send({"type": "http.response.start", "status": 304, "headers": list(kept)})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": status, "headers": list(headers)})
    await send({"type": "http.response.body", "body": body})


async def _send_entry(send: Send, entry: Entry, if_none_match: bytes | None) -> None:
    await _answer(send, entry.status, entry.headers, entry.body, entry.etag, if_none_match,
                  entry.not_modified)  # fmt: skip


async def _stale(scope: Scope, send: Send, entry: Entry, if_none_match: bytes | None) -> None:
    """While the database is down, what the cache holds rather than a 503 (RFC 5861's
    stale-if-error): at most NEWSDESK_CACHE_TTL_SECONDS old, as any cached answer."""
    note_route(scope, entry.route)
    metrics.count(metrics.CACHE_STALE)
    await _send_entry(send, entry, if_none_match)


class ResponseCacheMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or is_private(scope["path"]):
            await self.app(scope, receive, send)
            return
        cache: ResponseCache | None = getattr(scope["app"].state, "response_cache", None)
        if_none_match = _header(scope["headers"], b"if-none-match")
        if if_none_match is not None and len(if_none_match) > MAX_IF_NONE_MATCH:
            too_long = problem_response(
                422, "validation-error", "Invalid request",
                f"If-None-Match is over {MAX_IF_NONE_MATCH} characters.",
            )  # fmt: skip
            await too_long(scope, receive, send)
            return
        asked: str | None = scope.get(ASKED)
        key = asked or (cache_key(scope) if cache is not None else "")
        stale: Entry | None = None
        if cache is not None:
            entry = cache.lookup(key) if asked is None else None
            if entry is not None:
                note_route(scope, entry.route)
                await _send_entry(send, entry, if_none_match)
                return
            if not cache.bus.fresh():  # kept, but unvouched for: for a database outage only
                stale = cache.stale(key)
            generation, made = cache.generation, time.monotonic()

        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive, capture)
        except Exception as exc:
            if stale is None or start is not None or outage.reason(exc) is None:
                raise
            await _stale(scope, send, stale, if_none_match)  # the database is down
            return
        if start is None:
            return
        status: int = start["status"]
        if status == 503 and stale is not None:  # the route met the outage
            await _stale(scope, send, stale, if_none_match)
            return
        body = b"".join(chunks)
        headers: list[tuple[bytes, bytes]] = list(start.get("headers", []))
        cache_control = _header(headers, b"cache-control") or b""
        if status != 200 or not cache_control.startswith(b"public"):
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        etag = strong_etag(body)
        headers.append((b"etag", etag))
        # `no-cache` (the change feed's last page): revalidated by every client, so never
        # answered from here without asking the route.
        if cache is not None and b"no-cache" not in cache_control:
            surrogate = _header(headers, b"surrogate-key")
            if surrogate:
                await cache.save(
                    key,
                    generation,
                    status=status,
                    headers=tuple(headers),
                    body=body,
                    etag=etag,
                    keys=frozenset(surrogate.decode("latin-1").split()),
                    route=route_of(scope),
                    made=made,
                    # Read on a replica (app.replicas): as of the moment it had all of.
                    read_as_of=scope.get("state", {}).get("read_as_of"),
                )
        await _answer(send, status, headers, body, etag, if_none_match)
