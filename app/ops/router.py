"""Liveness and readiness probes, and the Prometheus metrics."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import text

from app.auth.deps import bearer, get_principal, oauth2, require_admin
from app.db import Database, SessionDep
from app.errors import NotFound, problem_response, problem_responses
from app.migrate import head_revision
from app.ops import metrics
from app.ops.schemas import Health

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="healthz", summary="Liveness check", response_model=Health)
async def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Readiness check",
    response_model=Health,
    responses=problem_responses(503),
)
async def readyz(request: Request) -> Health | Response:
    """The database answers and its schema is at the migrations' head."""
    db: Database = request.app.state.db
    try:
        async with db.engine.connect() as conn:
            current = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception as exc:  # any failure to reach or read the database means not ready
        return problem_response(
            503, "not-ready", "Not ready", f"The database is unavailable ({type(exc).__name__})."
        )
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
    await require_admin(await get_principal(session, credentials, token))


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
async def get_metrics() -> Response:
    """Requests by route template, method and status (count and latency histogram),
    requests in flight, the response cache (lookups, evictions, bytes), purges, rate-limit
    refusals, search latency per language and the database pools, summed over the
    server's worker processes. Needs an administrator's credential unless
    `NEWSDESK_METRICS_PUBLIC=true`. Scrape it every 15 s or more; `docs/operations.md`
    lists each metric."""
    return Response(
        metrics.exposition(),
        media_type=metrics.CONTENT_TYPE,
        headers={"Cache-Control": "no-store"},
    )
