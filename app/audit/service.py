"""The audit log's one read: entries newest first, filtered, keyset-paged."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import newest_first
from app.models import AuditEntry


async def page(
    session: AsyncSession,
    *,
    actor: str | None,
    action: str | None,
    object_id: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditEntry], str | None]:
    query = select(AuditEntry)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    return await newest_first(
        session, query, AuditEntry.at, AuditEntry.id, limit=limit, cursor=cursor
    )
