"""Rate limits (moving window) with the `limits` library: in memory for one process, or
in Redis (NEWSDESK_REDIS_URL) so that every worker and host shares the count."""

import asyncio
import hashlib
import logging
import math
import time

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Receive, Scope, Send

from app.cache.middleware import ASKED
from app.config import Settings
from app.errors import problem_response
from app.ops import metrics
from app.ops.outage import OutageLog
from app.paths import Area, area_of

log = logging.getLogger("newsdesk.ratelimit")


def _item(limit: str | None) -> RateLimitItem | None:
    return parse(limit) if limit else None


# A Redis that does not answer in this long is down for the rate limits: requests are let
# through without asking it for `SKIP` seconds (a frozen Redis held every request for 20 s).
REDIS_TIMEOUT = 0.5
SKIP = 5.0


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        if settings.redis_url:
            storage = storage_from_string(
                "async+" + settings.redis_url,
                connect_timeout=REDIS_TIMEOUT,
                stream_timeout=REDIS_TIMEOUT,
            )
        else:
            storage = storage_from_string("async+memory://")
        self.limiter = MovingWindowRateLimiter(storage)
        self.skip_until = 0.0  # monotonic: the shared store failed, not asked until then
        self.outages = OutageLog("the rate-limit store (Redis)")
        self.public = parse(settings.rate_limit_public) if settings.rate_limit_public else None
        self.admin = parse(settings.rate_limit_admin) if settings.rate_limit_admin else None
        self.login = _item(settings.rate_limit_login)
        self.login_address = _item(settings.rate_limit_login_address)
        self.login_account = _item(settings.rate_limit_login_account)
        self.unauthenticated = _item(settings.rate_limit_unauthenticated)

    def close(self) -> None:
        """Drop the Redis connections (memory storage has none)."""
        client = getattr(getattr(self.limiter.storage, "bridge", None), "storage", None)
        pool = getattr(client, "connection_pool", None)
        if pool is not None:
            pool.disconnect()

    async def hit(self, item: RateLimitItem | None, *keys: str) -> int | None:
        """None when allowed; else the seconds until a retry can succeed."""
        if item is None or time.monotonic() < self.skip_until:
            return None
        try:
            async with asyncio.timeout(2 * REDIS_TIMEOUT):  # the client's own, and a bound
                if await self.limiter.hit(item, *keys):
                    self.outages.recovered()
                    return None
                stats = await self.limiter.get_window_stats(item, *keys)
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
