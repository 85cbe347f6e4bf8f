"""What left the public site and what is on it: the change log (an outbox) and the last
public state of each language version it was computed from (`app.changes.record`)."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

# A 64-bit counter on PostgreSQL; SQLite's INTEGER PRIMARY KEY (the rowid) is 64-bit too.
ChangeId = BigInteger().with_variant(Integer(), "sqlite")


class ContentChange(Base):
    """One change of what the public API shows, in commit order (`id`): the change feed
    and the webhooks' outbox. Written in the transaction of the change it records."""

    __tablename__ = "content_changes"
    # AUTOINCREMENT: an id never comes back, so "after id N" is a cursor that holds.
    __table_args__ = (
        Index("ix_content_changes_language_id", "language", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(ChangeId, primary_key=True, autoincrement=True)
    # The event's id: the `webhook-id` of every delivery of it, and `id` in its payload.
    event_id: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4, unique=True)
    type: Mapped[str] = mapped_column(String(40))  # article.published, ...
    article_id: Mapped[uuid.UUID]  # no foreign key: a purged article's deletion stays
    language: Mapped[str] = mapped_column(String(8))
    slug: Mapped[str] = mapped_column(String(120))
    # An `article.updated` that moved the version to a new slug: the one it had.
    previous_slug: Mapped[str | None] = mapped_column(String(120))
    at: Mapped[datetime]  # when it took effect (a scheduled one: its time)


class PublicState(Base):
    """The public state of one language version as the change log last recorded it; and,
    in `next_at`, when time alone changes it next (a scheduled publication or takedown)."""

    __tablename__ = "public_states"

    article_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    public: Mapped[bool] = mapped_column(default=False)
    slug: Mapped[str | None] = mapped_column(String(120))  # the last public one
    next_at: Mapped[datetime | None] = mapped_column(index=True)
