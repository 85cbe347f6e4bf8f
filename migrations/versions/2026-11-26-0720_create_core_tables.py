"""create core tables

Revision ID: c22fdbc973b6
Revises:
Create Date: 2026-11-26 07:16:03.164258
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c22fdbc973b6"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


LANGUAGES = [
    {
        "code": "ua",
        "bcp47": "uk",
        "name": "Ukrainian",
        "native_name": "Українська",
        "text_search": "simple",
        "fallbacks": ["en"],
        "position": 1,
    },
    {
        "code": "en",
        "bcp47": "en",
        "name": "English",
        "native_name": "English",
        "text_search": "english",
        "fallbacks": [],
        "position": 2,
    },
    {
        "code": "ru",
        "bcp47": "ru",
        "name": "Russian",
        "native_name": "Русский",
        "text_search": "russian",
        "fallbacks": ["ua", "en"],
        "position": 3,
    },
]


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "authors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authors")),
    )
    op.create_table(
        "categories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
    )
    op.create_table(
        "languages",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("bcp47", sa.String(length=35), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("native_name", sa.String(length=64), nullable=False),
        sa.Column("text_search", sa.String(length=32), nullable=False),
        sa.Column("fallbacks", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_languages")),
        sa.UniqueConstraint("bcp47", name=op.f("uq_languages_bcp47")),
    )
    op.create_table(
        "media",
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("credit", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
    )
    op.create_table(
        "articles",
        sa.Column("original_language", sa.String(length=8), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=True),
        sa.Column("cover_media_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_articles_category_id_categories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cover_media_id"],
            ["media.id"],
            name=op.f("fk_articles_cover_media_id_media"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["original_language"],
            ["languages.code"],
            name=op.f("fk_articles_original_language_languages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_articles_category_id"), ["category_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_articles_cover_media_id"), ["cover_media_id"], unique=False
        )

    op.create_table(
        "author_translations",
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["authors.id"],
            name=op.f("fk_author_translations_author_id_authors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["language"], ["languages.code"], name=op.f("fk_author_translations_language_languages")
        ),
        sa.PrimaryKeyConstraint("author_id", "language", name=op.f("pk_author_translations")),
        sa.UniqueConstraint("language", "slug", name=op.f("uq_author_translations_language_slug")),
    )
    op.create_table(
        "category_translations",
        sa.Column("category_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_category_translations_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["language"],
            ["languages.code"],
            name=op.f("fk_category_translations_language_languages"),
        ),
        sa.PrimaryKeyConstraint("category_id", "language", name=op.f("pk_category_translations")),
        sa.UniqueConstraint(
            "language", "slug", name=op.f("uq_category_translations_language_slug")
        ),
    )
    op.create_table(
        "media_translations",
        sa.Column("media_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("alt", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["language"], ["languages.code"], name=op.f("fk_media_translations_language_languages")
        ),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media.id"],
            name=op.f("fk_media_translations_media_id_media"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("media_id", "language", name=op.f("pk_media_translations")),
    )
    op.create_table(
        "tag_translations",
        sa.Column("tag_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["language"], ["languages.code"], name=op.f("fk_tag_translations_language_languages")
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"],
            ["tags.id"],
            name=op.f("fk_tag_translations_tag_id_tags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tag_id", "language", name=op.f("pk_tag_translations")),
        sa.UniqueConstraint("language", "slug", name=op.f("uq_tag_translations_language_slug")),
    )
    op.create_table(
        "article_authors",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_authors_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["authors.id"],
            name=op.f("fk_article_authors_author_id_authors"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("article_id", "author_id", name=op.f("pk_article_authors")),
    )
    with op.batch_alter_table("article_authors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_authors_author_id"), ["author_id"], unique=False
        )

    op.create_table(
        "article_sources",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_sources_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_sources")),
    )
    with op.batch_alter_table("article_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_sources_article_id"), ["article_id"], unique=False
        )

    op.create_table(
        "article_tags",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("tag_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_tags_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_article_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("article_id", "tag_id", name=op.f("pk_article_tags")),
    )
    with op.batch_alter_table("article_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_tags_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "translations",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("lead", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("seo_title", sa.String(length=300), nullable=True),
        sa.Column("seo_description", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("reading_time_minutes", sa.Integer(), nullable=False),
        sa.Column("source_version", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'in_review', 'scheduled', 'published', 'archived')",
            name=op.f("ck_translations_status"),
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_translations_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["language"], ["languages.code"], name=op.f("fk_translations_language_languages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translations")),
        sa.UniqueConstraint(
            "article_id", "language", name=op.f("uq_translations_article_id_language")
        ),
        sa.UniqueConstraint("language", "slug", name=op.f("uq_translations_language_slug")),
    )
    with op.batch_alter_table("translations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_translations_public_list", ["language", "published_at", "id"], unique=False
        )

    languages = sa.table(
        "languages",
        sa.column("code", sa.String),
        sa.column("bcp47", sa.String),
        sa.column("name", sa.String),
        sa.column("native_name", sa.String),
        sa.column("text_search", sa.String),
        sa.column("fallbacks", sa.JSON),
        sa.column("position", sa.Integer),
    )
    op.bulk_insert(languages, LANGUAGES)


def downgrade() -> None:
    with op.batch_alter_table("translations", schema=None) as batch_op:
        batch_op.drop_index("ix_translations_public_list")

    op.drop_table("translations")
    with op.batch_alter_table("article_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_tags_tag_id"))

    op.drop_table("article_tags")
    with op.batch_alter_table("article_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_sources_article_id"))

    op.drop_table("article_sources")
    with op.batch_alter_table("article_authors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_authors_author_id"))

    op.drop_table("article_authors")
    op.drop_table("tag_translations")
    op.drop_table("media_translations")
    op.drop_table("category_translations")
    op.drop_table("author_translations")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_cover_media_id"))
        batch_op.drop_index(batch_op.f("ix_articles_category_id"))

    op.drop_table("articles")
    op.drop_table("tags")
    op.drop_table("media")
    op.drop_table("languages")
    op.drop_table("categories")
    op.drop_table("authors")
    op.drop_table("api_keys")
