"""Liveness and readiness probes."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.db import Database
from app.migrate import head_revision

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="healthz", response_model=dict[str, str])
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="readyz",
    response_model=dict[str, str],
    responses={503: {"description": "Not ready", "model": dict[str, str]}},
)
async def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is at the migrations' head."""
    db: Database = request.app.state.db
    try:
        async with db.engine.connect() as conn:
            current = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception as exc:  # any failure to reach or read the database means not ready
        return JSONResponse({"status": "unavailable", "detail": type(exc).__name__}, 503)
    head = head_revision()
    if current != head:
        return JSONResponse({"status": "migrations pending", "detail": f"{current} != {head}"}, 503)
    return JSONResponse({"status": "ok"})
