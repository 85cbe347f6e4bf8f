"""People who log in, and the bearer tokens they get."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, TimestampMixin, utcnow


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-cased
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    # For translators: the language codes they may edit.
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    password_hash: Mapped[str] = mapped_column(String(200))
    # Tokens carry the generation they were issued in; raising it revokes them all, also
    # one a login in flight is issuing (it read the old generation with the old password).
    token_generation: Mapped[int] = mapped_column(default=0, server_default="0")


class AccessToken(IdMixin, Base):
    __tablename__ = "access_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # SHA-256 of the address the login came from: an address that logged in recently is
    # not held back by the per-account login limit (pseudonymous, not anonymous).
    address_hash: Mapped[str | None] = mapped_column(String(64))
