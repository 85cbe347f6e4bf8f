"""Webhook subscriptions, their deliveries, CDN purges on their way, and the delivery
worker's position in the change log."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, TimestampMixin, utcnow
from app.models.change import ChangeId


class Webhook(IdMixin, TimestampMixin, Base):
    __tablename__ = "webhooks"

    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[str]] = mapped_column(JSON)
    languages: Mapped[list[str] | None] = mapped_column(JSON)  # None: every language
    enabled: Mapped[bool] = mapped_column(default=True)
    # The signing secret is derived from the server's key and this salt, never stored
    # (`app.webhooks.secrets`); a rotation draws a new salt and keeps the last one for a
    # day, so that deliveries carry both signatures while subscribers switch.
    secret_salt: Mapped[str] = mapped_column(String(64))
    previous_salt: Mapped[str | None] = mapped_column(String(64))
    rotated_at: Mapped[datetime | None]
    # Says whether a worker derives the same secret (the same key) as at creation.
    key_check: Mapped[str] = mapped_column(String(32))
    # Changes up to this one happened before the subscription: it gets none of them.
    start_change_id: Mapped[int] = mapped_column(ChangeId, default=0)
    created_by: Mapped[str | None] = mapped_column(String(200))
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(300))


class WebhookDelivery(IdMixin, Base):
    """One event for one subscription: the exact body sent, and how its attempts went."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook", "webhook_id", "created_at", "id"),
        # One delivery per change and subscription, whatever two workers might do.
        UniqueConstraint("webhook_id", "change_id"),
    )

    webhook_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    change_id: Mapped[int | None] = mapped_column(ChangeId)
    event_id: Mapped[str] = mapped_column(String(64))  # webhook-id, the same on every retry
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)  # the exact bytes sent (UTF-8 JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Retries go on until `retry_window` after this (the event, or a redelivery).
    retry_from: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    response_status: Mapped[int | None]
    duration_ms: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(300))


class CdnPurge(Base):
    """Surrogate keys one commit changed, until the CDN purge endpoint took them."""

    __tablename__ = "cdn_purges"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(ChangeId, primary_key=True, autoincrement=True)
    keys: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    error: Mapped[str | None] = mapped_column(String(300))


class WorkerPosition(Base):
    """How far the delivery worker has turned the change log into deliveries."""

    __tablename__ = "worker_positions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    change_id: Mapped[int] = mapped_column(ChangeId, default=0)
