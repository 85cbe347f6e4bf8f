"""Rate limits (moving window) with the `limits` library: in memory for one process, or
in Redis (NEWSDESK_REDIS_URL) so that every worker and host shares the count."""

import asyncio
import hashlib
import logging
import math
import time
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from app.cache.middleware import ASKED
from app.config import Settings
from app.errors import problem_response
from app.ops import metrics
from app.ops.outage import OutageLog
from app.paths import Area, area_of

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.aio.strategies import MovingWindowRateLimiter

log = logging.getLogger("newsdesk.ratelimit")


# A Redis that does not answer in this long is down for the rate limits: requests are let
# through without asking it for `SKIP` seconds (a frozen Redis held every request for 20 s).
REDIS_TIMEOUT = 0.5
SKIP = 5.0


class RateLimits:
    """The rate limits of these settings (each a rate in the `limits` library's notation,
    None when off). Counting in memory (no `NEWSDESK_REDIS_URL`), the library (~1.5 MB of
    a worker) is imported at the first request a configured limit counts: an admin or auth
    request by default, so a worker serving public reads with no public limit never loads
    it, as it never loads nh3. With Redis the limiter is made at start, so that a URL the
    library refuses stops the app there, as before."""

    def __init__(self, settings: Settings) -> None:
        self.redis_url = settings.redis_url
        self._limiter: MovingWindowRateLimiter | None = None
        self._items: dict[str, RateLimitItem] = {}
        self.skip_until = 0.0  # monotonic: the shared store failed, not asked until then
        self.outages = OutageLog("the rate-limit store (Redis)")
        self.public = settings.rate_limit_public or None
        self.admin = settings.rate_limit_admin or None
        self.login = settings.rate_limit_login or None
        self.login_address = settings.rate_limit_login_address or None
        self.login_account = settings.rate_limit_login_account or None
        self.unauthenticated = settings.rate_limit_unauthenticated or None
        if self.redis_url:
            self._limiter = self._made()

    def _made(self) -> "MovingWindowRateLimiter":
        from limits.aio.strategies import MovingWindowRateLimiter
        from limits.storage import storage_from_string

        if self.redis_url:
            storage = storage_from_string(
                "async+" + self.redis_url,
                connect_timeout=REDIS_TIMEOUT,
                stream_timeout=REDIS_TIMEOUT,
            )
        else:
            storage = storage_from_string("async+memory://")
        return MovingWindowRateLimiter(storage)

    def _limited(self, rate: str) -> tuple["MovingWindowRateLimiter", "RateLimitItem"]:
        """The limiter (in memory, made at the first count) and the rate as the library
        reads it."""
        if self._limiter is None:
            self._limiter = self._made()
        item = self._items.get(rate)
        if item is None:
            from limits import parse

            item = self._items[rate] = parse(rate)
        return self._limiter, item

    def close(self) -> None:
        """Drop the Redis connections (memory storage has none; none before a count)."""
        client = getattr(
            getattr(getattr(self._limiter, "storage", None), "bridge", None), "storage", None
        )
        pool = getattr(client, "connection_pool", None)
        if pool is not None:
            pool.disconnect()

    async def hit(self, rate: str | None, *keys: str) -> int | None:
        """None when allowed (or `rate` is None: off); else the seconds until a retry can
        succeed."""
        if rate is None or time.monotonic() < self.skip_until:
            return None
        limiter, item = self._limited(rate)
        try:
            async with asyncio.timeout(2 * REDIS_TIMEOUT):  # the client's own, and a bound
                if await limiter.hit(item, *keys):
                    self.outages.recovered()
                    return None
                stats = await limiter.get_window_stats(item, *keys)
        except Exception as exc:  # the shared store is down: serve rather than fail requests
            self.skip_until = time.monotonic() + SKIP
            self.outages.refused_one(f"{type(exc).__name__}; requests let through unlimited")
            return None
        self.outages.recovered()
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def hit_public(self, scope: Scope) -> int | None:
        """A public read of the client's address (the TCP peer, or a trusted proxy's)."""
        client = scope.get("client")
        return await self.hit(self.public, "public", client[0] if client else "-")


def too_many(retry_after: int, detail: str) -> object:
    return problem_response(
        429, "rate-limited", "Too many requests", detail,
        headers={"Retry-After": str(retry_after)},
    )  # fmt: skip


class RateLimitMiddleware:
    """Public paths per client address; the management API per credential, and per
    address when a request carries none; every /v1/auth/ request per address.

    The client address is the TCP peer, or what a trusted proxy says it forwarded for
    (`NEWSDESK_TRUSTED_PROXIES`, applied by uvicorn before this runs). CORS preflights
    (OPTIONS) carry no credential by design and are not counted as unauthenticated.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limits: RateLimits | None = getattr(scope.get("app").state, "rate_limits", None)  # type: ignore[union-attr]
        if scope["type"] != "http" or limits is None:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        client = scope.get("client")
        address = client[0] if client else "-"
        retry: int | None = None
        limit = ""
        area = area_of(path)
        if area in (Area.ADMIN, Area.AUTH):
            auth = None
            if area is Area.ADMIN:
                auth = dict(scope["headers"]).get(b"authorization")
            if auth:
                credential = hashlib.sha256(auth).hexdigest()
                limit = "admin"
                retry = await limits.hit(limits.admin, limit, credential)
            elif scope["method"] != "OPTIONS":
                limit = "unauthenticated"
                retry = await limits.hit(limits.unauthenticated, limit, address)
        elif area is Area.PUBLIC and ASKED not in scope:  # else counted by app.cache.fast
            limit = "public"
            retry = await limits.hit_public(scope)
        if retry is not None:
            metrics.count(metrics.RATE_LIMITED, limit)
            response = too_many(retry, "Rate limit reached; retry after the given seconds.")
            await response(scope, receive, send)  # type: ignore[operator]
            return
        await self.app(scope, receive, send)
