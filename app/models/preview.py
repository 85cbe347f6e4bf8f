"""Preview tokens: read-only, expiring access to one translation's current draft.

A link is only as good as the credential that made it: exactly one of `api_key_id` and
`access_token_id` names that credential, and the link opens nothing once it is revoked or
expired, or its user deactivated (`app.articles.preview`). Links made before the
credential was recorded have neither and open nothing.
"""

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
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), index=True
    )
    access_token_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("access_tokens.id", ondelete="CASCADE"), index=True
    )
