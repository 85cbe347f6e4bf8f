"""The audit log (`/v1/admin/audit`): read-only, for administrators."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.audit import service
from app.audit.schemas import AuditEntryRead, AuditList
from app.auth.deps import AdminDep
from app.db import SessionDep
from app.errors import problem_responses
from app.kit.schema import QueryText, Timestamp

router = APIRouter(prefix="/v1/admin/audit", tags=["audit"], responses=problem_responses(401, 403))


@router.get(
    "",
    operation_id="listAuditEntries",
    summary="List the audit log",
    response_model=AuditList,
    responses=problem_responses(422),
)
async def list_audit_entries(
    session: SessionDep,
    _: AdminDep,
    actor: Annotated[
        QueryText | None,
        Query(max_length=200, description="Entries by this actor (`user:<e-mail>`, …)."),
    ] = None,
    action: Annotated[
        QueryText | None,
        Query(max_length=100, description="Entries of this action (an operationId)."),
    ] = None,
    object_id: Annotated[
        QueryText | None, Query(max_length=100, description="Entries about this object (id).")
    ] = None,
    since: Annotated[Timestamp | None, Query(description="Entries at or after this time.")] = None,
    until: Annotated[Timestamp | None, Query(description="Entries before this time.")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="From `next_cursor`.")] = None,
) -> AuditList:
    """Every write of the management API and every login attempt, newest first; the
    filters combine. Entries are never changed or deleted."""
    entries, next_cursor = await service.page(
        session, actor=actor, action=action, object_id=object_id, since=since,
        until=until, limit=limit, cursor=cursor,
    )  # fmt: skip
    return AuditList(
        items=[AuditEntryRead.model_validate(e) for e in entries], next_cursor=next_cursor
    )
