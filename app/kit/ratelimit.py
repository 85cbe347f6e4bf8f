"""Rate limits (moving window) with the `limits` library: in memory for one process, or
in Redis (NEWSDESK_REDIS_URL) so that every worker and host shares the count."""

import hashlib
import logging
import math
import time

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import Settings
from app.errors import problem_response

log = logging.getLogger("newsdesk.ratelimit")


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        uri = "async+memory://"
        if settings.redis_url:
            uri = "async+" + settings.redis_url
        self.limiter = MovingWindowRateLimiter(storage_from_string(uri))
        self.public = parse(settings.rate_limit_public) if settings.rate_limit_public else None
        self.admin = parse(settings.rate_limit_admin) if settings.rate_limit_admin else None
        self.login = parse(settings.rate_limit_login) if settings.rate_limit_login else None

    def close(self) -> None:
        """Drop the Redis connections (memory storage has none)."""
        client = getattr(getattr(self.limiter.storage, "bridge", None), "storage", None)
        pool = getattr(client, "connection_pool", None)
        if pool is not None:
            pool.disconnect()

    async def hit(self, item: RateLimitItem | None, *keys: str) -> int | None:
        """None when allowed; else the seconds until a retry can succeed."""
        if item is None:
            return None
        try:
            if await self.limiter.hit(item, *keys):
                return None
            stats = await self.limiter.get_window_stats(item, *keys)
        except Exception:  # the shared store is down: serve rather than fail every request
            log.exception("rate-limit store unavailable; request allowed")
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))


def too_many(retry_after: int, detail: str) -> object:
    return problem_response(
        429, "rate-limited", "Too many requests", detail,
        headers={"Retry-After": str(retry_after)},
    )  # fmt: skip


class RateLimitMiddleware:
    """Public paths per client address; the management API per credential."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limits: RateLimits | None = getattr(scope.get("app").state, "rate_limits", None)  # type: ignore[union-attr]
        if scope["type"] != "http" or limits is None:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        retry: int | None = None
        if path.startswith("/v1/admin/"):
            auth = dict(scope["headers"]).get(b"authorization")
            if auth:
                credential = hashlib.sha256(auth).hexdigest()
                retry = await limits.hit(limits.admin, "admin", credential)
        elif path.startswith("/v1/") and not path.startswith("/v1/auth/"):
            client = scope.get("client")
            retry = await limits.hit(limits.public, "public", client[0] if client else "-")
        if retry is not None:
            response = too_many(retry, "Rate limit reached; retry after the given seconds.")
            await response(scope, receive, send)  # type: ignore[operator]
            return
        await self.app(scope, receive, send)
