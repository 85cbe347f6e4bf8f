"""Media (images): one file, a caption and alt text per language."""

import uuid

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, IdMixin, TimestampMixin


class Media(IdMixin, TimestampMixin, Base):
    __tablename__ = "media"

    url: Mapped[str] = mapped_column(String(2048))
    width: Mapped[int]
    height: Mapped[int]
    credit: Mapped[str] = mapped_column(String(200), default="")
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
