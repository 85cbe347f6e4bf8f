"""Articles (language-neutral) and their per-language translations."""

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, IdMixin, TimestampMixin, utcnow
from app.models.pending import PendingTranslation


class Status(enum.StrEnum):
    draft = "draft"
    in_review = "in_review"
    scheduled = "scheduled"
    published = "published"
    archived = "archived"


# Statuses whose translation is public once publish_at has passed (the visibility rule).
LIVE_STATUSES = (Status.published.value, Status.scheduled.value)


class Article(IdMixin, TimestampMixin, Base):
    __tablename__ = "articles"

    original_language: Mapped[str] = mapped_column(ForeignKey("languages.code"))
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    cover_media_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("media.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The last revision number handed out; bumped with a plain UPDATE (not the ORM), so
    # recording a revision never conflicts with the article's own version.
    last_revision: Mapped[int] = mapped_column(Integer, default=0)
    # Who created it ("user:<id>" or "api_key:<id>"): authors may edit only their own.
    created_by: Mapped[str | None] = mapped_column(String(64), index=True)
    # A tombstone: deleted by `deleted_by` (an actor) at `deleted_at`, kept so that its
    # public URLs answer 410, its slugs stay reserved and its revisions stay readable.
    deleted_at: Mapped[datetime | None]
    deleted_by: Mapped[str | None] = mapped_column(String(200))

    authors: Mapped[list["ArticleAuthor"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ArticleAuthor.position"
    )
    tags: Mapped[list["ArticleTag"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ArticleTag.position"
    )
    sources: Mapped[list["ArticleSource"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ArticleSource.position"
    )
    translations: Mapped[list["Translation"]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        back_populates="article",
        order_by="Translation.language",
    )
    related: Mapped[list["ArticleRelated"]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="ArticleRelated.position",
        foreign_keys="ArticleRelated.article_id",
    )

    __mapper_args__ = {"version_id_col": version}


class ArticleAuthor(Base):
    __tablename__ = "article_authors"
    # A card's byline in its order, from the index alone (app.public.reads).
    __table_args__ = (Index("ix_article_authors_in_order", "article_id", "position", "author_id"),)

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    # RESTRICT: an author with bylines cannot vanish from them silently.
    author_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authors.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)


class ArticleTag(Base):
    __tablename__ = "article_tags"
    # A card's tags in their order, from the index alone (app.public.reads).
    __table_args__ = (Index("ix_article_tags_in_order", "article_id", "position", "tag_id"),)

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)


class ArticleRelated(Base):
    """One entry of an article's ordered list of related articles."""

    __tablename__ = "article_related"

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    # CASCADE: a deleted article leaves the related lists it was on.
    related_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)


class ArticleSource(IdMixin, Base):
    __tablename__ = "article_sources"

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2048))


class Translation(IdMixin, Base):
    __tablename__ = "translations"
    __table_args__ = (
        UniqueConstraint("article_id", "language"),
        UniqueConstraint("language", "slug"),
        CheckConstraint(
            "status IN ('draft', 'in_review', 'scheduled', 'published', 'archived')",
            name="status",
        ),
        CheckConstraint("expire_status IN ('draft', 'archived')", name="expire_status"),
        # The public list: one language, newest first, keyset on (published_at, id); the
        # visibility columns ride along so the rule is checked in the index, without
        # reading rows (scheduled rows sort first and a row carries its whole body).
        Index(
            "ix_translations_public_list",
            *("language", "published_at", "id", "status", "publish_at", "expire_at"),
        ),
        # A search hit by id, with what the public list checks (visibility, order): read
        # from the index alone, never the row and its body (app.search.query).
        Index(
            "ix_translations_by_id",
            *("id", "language", "published_at", "status", "publish_at", "expire_at"),
        ),
        # An article's versions with what a card's alternates show and check (slug,
        # visibility), from the index alone: on SQLite the row's columns after the body are
        # read from its overflow pages (app.public.reads).
        Index(
            "ix_translations_alternates",
            *("article_id", "language", "slug", "status", "publish_at", "expire_at"),
        ),
        # When the next scheduled version goes public (the response cache's horizon). Partial:
        # on (status, publish_at) the planners preferred it to the article's own rows for
        # every `is_public` lookup by article (alternates), scanning all public versions.
        Index(
            "ix_translations_scheduled",
            "publish_at",
            sqlite_where=text("status = 'scheduled'"),
            postgresql_where=text("status = 'scheduled'"),
        ),
        # When the next scheduled takedown happens (the horizon's other half); partial, as
        # few versions ever have one.
        Index(
            "ix_translations_expiring",
            "expire_at",
            sqlite_where=text("expire_at IS NOT NULL"),
            postgresql_where=text("expire_at IS NOT NULL"),
        ),
    )

    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(ForeignKey("languages.code"))
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    lead: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    seo_title: Mapped[str | None] = mapped_column(String(300))
    seo_description: Mapped[str | None] = mapped_column(String(500))
    # Open Graph / Twitter card overrides of this version (null: the SEO fields, the cover).
    social_title: Mapped[str | None] = mapped_column(String(300))
    social_description: Mapped[str | None] = mapped_column(String(500))
    social_image_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("media.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=Status.draft.value)
    publish_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    # A scheduled takedown: from `expire_at` on, a live version is no longer public and
    # reads as `expire_status` (`draft`: unpublished, 404; `archived`: 410). Both or neither.
    expire_at: Mapped[datetime | None]
    expire_status: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    word_count: Mapped[int] = mapped_column(default=0)
    reading_time_minutes: Mapped[int] = mapped_column(default=1)
    # Derived from body_html on every write (`app.kit.html.clean_body`): its h2-h4 headings
    # [{"level", "text", "id"}] and its embeds [{"provider", "id", "url"}], in body order.
    outline: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    embeds: Mapped[list[dict[str, str]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    # For a translation of another language: the article revision of the original's text
    # it was made from. Newer revisions changing the original's text make it outdated.
    source_revision: Mapped[int | None]
    # The last substantive change readers are told about: a correction or update note
    # appended, or staged changes published (public `updated_at`; `app.articles.corrections`).
    revised_at: Mapped[datetime | None]

    article: Mapped[Article] = relationship(lazy="raise", back_populates="translations")
    # Read-only here: `app.articles.pending` writes the row itself, so that staging a copy
    # never makes the live row dirty (no version bump, no purge, no re-index).
    pending: Mapped["PendingTranslation | None"] = relationship(lazy="raise", viewonly=True)
    # Deleted with the translation (by the database when not loaded: ON DELETE CASCADE).
    corrections: Mapped[list["Correction"]] = relationship(
        lazy="raise",
        order_by="Correction.number",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __mapper_args__ = {"version_id_col": version}


class CorrectionKind(enum.StrEnum):
    correction = "correction"  # something published was wrong
    update = "update"  # the story moved on


class Correction(IdMixin, Base):
    """A correction or update note on one language version, shown to readers, in order.

    Append-only: no route changes or removes one (a wrong note is corrected by another).
    """

    __tablename__ = "corrections"
    __table_args__ = (
        UniqueConstraint("article_id", "language", "number"),
        ForeignKeyConstraint(
            ["article_id", "language"],
            ["translations.article_id", "translations.language"],
            ondelete="CASCADE",
        ),
        CheckConstraint("kind IN ('correction', 'update')", name="kind"),
    )

    article_id: Mapped[uuid.UUID]
    language: Mapped[str] = mapped_column(String(8))
    # 1, 2, ... per translation: the order readers see them in.
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class SlugRedirect(IdMixin, Base):
    """A slug a translation had before: reserved for its article, redirected to the new one."""

    __tablename__ = "slug_redirects"
    __table_args__ = (UniqueConstraint("language", "slug"),)

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(ForeignKey("languages.code"))
    slug: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Revision(IdMixin, Base):
    """One numbered change of an article's metadata or of one of its translations."""

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("article_id", "number"),
        Index("ix_revisions_freshness", "article_id", "language", "text_changed", "number"),
    )

    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int]
    language: Mapped[str | None] = mapped_column(ForeignKey("languages.code"))
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # True when a translation's title, lead or body changed (what freshness looks at).
    text_changed: Mapped[bool] = mapped_column(default=False)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
