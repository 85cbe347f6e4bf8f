"""Revisions, slug redirects, and the original's revision a translation was made from

Revision ID: c679cb2ec37b
Revises: c22fdbc973b6
Create Date: 2026-11-26 07:29:40.473953
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c679cb2ec37b"
down_revision: str | None = "c22fdbc973b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "revisions",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_fields", sa.JSON(), nullable=False),
        sa.Column("text_changed", sa.Boolean(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_revisions_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["language"], ["languages.code"], name=op.f("fk_revisions_language_languages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
        sa.UniqueConstraint("article_id", "number", name=op.f("uq_revisions_article_id_number")),
    )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_revisions_freshness",
            ["article_id", "language", "text_changed", "number"],
            unique=False,
        )

    op.create_table(
        "slug_redirects",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_slug_redirects_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["language"], ["languages.code"], name=op.f("fk_slug_redirects_language_languages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slug_redirects")),
        sa.UniqueConstraint("language", "slug", name=op.f("uq_slug_redirects_language_slug")),
    )
    with op.batch_alter_table("slug_redirects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_slug_redirects_article_id"), ["article_id"], unique=False
        )

    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_revision", sa.Integer(), nullable=False, server_default="0")
        )

    with op.batch_alter_table("translations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_revision", sa.Integer(), nullable=True))
        batch_op.drop_column("source_version")


def downgrade() -> None:
    with op.batch_alter_table("translations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_version", sa.INTEGER(), nullable=True))
        batch_op.drop_column("source_revision")

    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("last_revision")

    with op.batch_alter_table("slug_redirects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slug_redirects_article_id"))

    op.drop_table("slug_redirects")
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_index("ix_revisions_freshness")

    op.drop_table("revisions")
