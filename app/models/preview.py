"""Preview tokens: read-only, expiring access to one translation's current draft."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, utcnow


class PreviewToken(IdMixin, Base):
    __tablename__ = "preview_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    translation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("translations.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
