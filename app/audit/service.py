"""The audit log's one read: entries newest first, filtered, keyset-paged."""

from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import Cursor
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
    if cursor is not None:
        after = Cursor.decode(cursor)
        if after.rank is not None:
            raise Cursor.invalid()
        query = query.where(tuple_(AuditEntry.at, AuditEntry.id) < (after.at, after.id))
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit + 1)
    entries = list(await session.scalars(query))
    next_cursor = None
    if len(entries) > limit:
        entries = entries[:limit]
        next_cursor = Cursor(at=entries[-1].at, id=entries[-1].id).encode()
    return entries, next_cursor
