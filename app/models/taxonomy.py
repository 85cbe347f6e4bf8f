"""Tags and categories: language-neutral rows with a name and slug per language."""

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, IdMixin, TimestampMixin


class Tag(IdMixin, TimestampMixin, Base):
    __tablename__ = "tags"

    translations: Mapped[list["TagTranslation"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="TagTranslation.language"
    )


class TagTranslation(Base):
    __tablename__ = "tag_translations"
    __table_args__ = (UniqueConstraint("language", "slug"),)

    tag_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(ForeignKey("languages.code"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120))


class Category(IdMixin, TimestampMixin, Base):
    __tablename__ = "categories"

    translations: Mapped[list["CategoryTranslation"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="CategoryTranslation.language"
    )


class CategoryTranslation(Base):
    __tablename__ = "category_translations"
    __table_args__ = (UniqueConstraint("language", "slug"),)

    category_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(ForeignKey("languages.code"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120))
