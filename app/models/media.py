"""Media (images): one file, a caption and alt text per language.

A record is either registered by URL (`url`, `width`, `height` given; no renditions) or
uploaded (`content_hash` set): then `url` is a key of its largest whole rendition in the
original's family, and `renditions` lists every stored file as `[key, width, height,
format, crop]` (keys, not addresses: where readers fetch them is a setting,
`NEWSDESK_MEDIA_BASE_URL`, applied when a record is read).
"""

import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, IdMixin, TimestampMixin


class Media(IdMixin, TimestampMixin, Base):
    __tablename__ = "media"

    url: Mapped[str] = mapped_column(String(2048))
    width: Mapped[int]
    height: Mapped[int]
    credit: Mapped[str] = mapped_column(String(200), default="")
    # Uploads only (issue 16); None for images registered by URL.
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    format: Mapped[str | None] = mapped_column(String(8))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    focal_x: Mapped[float] = mapped_column(Float, default=0.5, server_default=text("0.5"))
    focal_y: Mapped[float] = mapped_column(Float, default=0.5, server_default=text("0.5"))
    renditions: Mapped[list[list[Any]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    blurhash: Mapped[str | None] = mapped_column(String(100))
    dominant_color: Mapped[str | None] = mapped_column(String(7))
    translations: Mapped[list["MediaTranslation"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="MediaTranslation.language"
    )


class MediaTranslation(Base):
    __tablename__ = "media_translations"

    media_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("media.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(ForeignKey("languages.code"), primary_key=True)
    caption: Mapped[str] = mapped_column(Text, default="")
    alt: Mapped[str] = mapped_column(String(500), default="")
