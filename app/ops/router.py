"""Liveness and readiness probes."""

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from app.db import Database
from app.errors import problem_response, problem_responses
from app.migrate import head_revision
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
