"""Authors: a name, slug and bio per language."""

import uuid

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, IdMixin, TimestampMixin


class Author(IdMixin, TimestampMixin, Base):
    __tablename__ = "authors"

    translations: Mapped[list["AuthorTranslation"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="AuthorTranslation.language"
    )


class AuthorTranslation(Base):
    __tablename__ = "author_translations"
    __table_args__ = (UniqueConstraint("language", "slug"),)

    author_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authors.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(ForeignKey("languages.code"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120))
    bio: Mapped[str] = mapped_column(Text, default="")
