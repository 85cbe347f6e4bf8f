"""Pending copies: the staged next text of a published or scheduled translation.

A table of its own rather than columns of `translations`: saving a pending copy must not
touch the live row, so the public answers, their ETags, the response cache and the search
index (which follow that row's changes) never see it until it is published.
"""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class PendingTranslation(Base):
    __tablename__ = "pending_translations"

    translation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("translations.id", ondelete="CASCADE"), primary_key=True
    )
    # As sent: null keeps the live slug when the copy is published.
    slug: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    lead: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)  # sanitized, like the live body
    seo_title: Mapped[str | None] = mapped_column(String(300))
    seo_description: Mapped[str | None] = mapped_column(String(500))
    social_title: Mapped[str | None] = mapped_column(String(300))
    social_description: Mapped[str | None] = mapped_column(String(500))
    social_image_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("media.id", ondelete="SET NULL")
    )
    word_count: Mapped[int]
    reading_time_minutes: Mapped[int]
    saved_by: Mapped[str] = mapped_column(String(200))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The article revision that recorded this save: it tells one save from the next, in
    # the translation's ETag, so a publish names the very copy it was reviewed as.
    revision: Mapped[int]
