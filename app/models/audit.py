"""The audit log: one row per write of the management API, per login and per CLI write.

Append-only: no route changes or deletes a row, and the database refuses UPDATE and
DELETE on the table (triggers made by the migration). No foreign keys: an entry outlives
what it names (a purged article, a deleted user). See `app.audit`.
"""

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, utcnow

ACTOR_LENGTH = 200


class AuditEntry(IdMixin, Base):
    __tablename__ = "audit_entries"
    # Newest first, alone or within one actor, object or action (the list's filters).
    __table_args__ = (
        Index("ix_audit_entries_at_id", "at", "id"),
        Index("ix_audit_entries_actor_at", "actor", "at"),
        Index("ix_audit_entries_object_id_at", "object_id", "at"),
        Index("ix_audit_entries_action_at", "action", "at"),
    )

    at: Mapped[datetime] = mapped_column(default=utcnow)
    # "user:<e-mail>", "api_key:<key id>", "cli:<command>": who, never a secret.
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    action: Mapped[str] = mapped_column(String(100))  # the route's operationId
    object_type: Mapped[str | None] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str | None] = mapped_column(String(35))
    request_id: Mapped[str | None] = mapped_column(String(128))
    # Names of the columns the write set or changed, never their values.
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
