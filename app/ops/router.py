"""Liveness and readiness probes, and the Prometheus metrics."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import text

from app.auth.deps import bearer, get_principal, oauth2, require_admin
from app.db import Database, SessionDep
from app.errors import NotFound, problem_response, problem_responses
from app.migrate import head_revision
from app.ops import metrics, outage
from app.ops.schemas import Health
from app.webhooks import lag

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="healthz", summary="Liveness check", response_model=Health)
async def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


READY_TIMEOUT = 5.0
REDIS_READY_TIMEOUT = 1.0


def _not_ready(detail: str) -> Response:
    return problem_response(
        503, "not-ready", "Not ready", detail, headers={"Retry-After": str(outage.RETRY_AFTER)}
    )


async def _redis_answers(request: Request) -> str | None:
    """None when Redis answers a PING in time (or the server does not use it); else why."""
    url = request.app.state.settings.redis_url
    if not url:
        return None
    import coredis  # only when Redis is configured

    client: coredis.Redis[bytes] = coredis.Redis.from_url(
        url, connect_timeout=REDIS_READY_TIMEOUT, stream_timeout=REDIS_READY_TIMEOUT
    )
    try:
        async with asyncio.timeout(2 * REDIS_READY_TIMEOUT):
            await client.ping()
    except Exception as exc:
        return type(exc).__name__
    finally:
        client.connection_pool.disconnect()
    return None


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Readiness check",
    response_model=Health,
    responses=problem_responses(503),
)
async def readyz(request: Request) -> Health | Response:
    """The database answers (within its timeouts) and its schema is at the migrations'
    head; and Redis answers, when the server uses it."""
    db: Database = request.app.state.db
    limit = db.timeouts.connect + db.timeouts.statement if db.timeouts else READY_TIMEOUT
    try:
        async with asyncio.timeout(limit):  # a frozen server answers nothing at all
            async with db.engine.connect() as conn:
                current = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception as exc:  # any failure to reach or read the database means not ready
        why = outage.reason(exc) or type(exc).__name__
        return _not_ready(f"The database is unavailable ({why}).")
    redis = await _redis_answers(request)
    if redis is not None:
        return _not_ready(f"Redis is unavailable ({redis}).")
    head = head_revision()
    if current != head:
        return problem_response(
            503, "not-ready", "Not ready", f"Migrations pending: at {current}, head is {head}."
        )
    return Health(status="ok")


async def _may_read_metrics(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    token: Annotated[str | None, Depends(oauth2)],
) -> None:
    """An administrator's credential, unless NEWSDESK_METRICS_PUBLIC is on; 404 when the
    metrics are off."""
    settings = request.app.state.settings
    if not settings.metrics:
        raise NotFound("Metrics are off on this server (NEWSDESK_METRICS=false).")
    if settings.metrics_public:
        return
    await require_admin(await get_principal(request, session, credentials, token))


@router.get(
    "/metrics",
    operation_id="getMetrics",
    summary="Prometheus metrics",
    dependencies=[Depends(_may_read_metrics)],
    response_class=Response,
    responses={
        200: {
            "description": "The metrics in Prometheus's text exposition format (0.0.4).",
            "content": {
                "text/plain": {
                    "schema": {"type": "string"},
                    "example": "# HELP newsdesk_http_requests_total HTTP requests answered, "
                    "by route template, method and status.\n"
                    "# TYPE newsdesk_http_requests_total counter\n"
                    'newsdesk_http_requests_total{method="GET",route="/v1/{lang}/articles/'
                    '{slug}",status="200"} 1027.0\n',
                }
            },
        },
        **problem_responses(401, 403, 404),
    },
)
async def get_metrics(request: Request) -> Response:
    """Requests by route template, method and status (count and latency histogram),
    requests in flight, the response cache (lookups, evictions, bytes), purges, rate-limit
    refusals, search latency per language and the database pools, summed over the
    server's worker processes. Needs an administrator's credential unless
    `NEWSDESK_METRICS_PUBLIC=true`. Scrape it every 15 s or more; `docs/operations.md`
    lists each metric."""
    await lag.sample(request.app.state.db)
    return Response(
        metrics.exposition(),
        media_type=metrics.CONTENT_TYPE,
        headers={"Cache-Control": "no-store"},
    )
