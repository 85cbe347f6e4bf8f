"""corrections and related articles

Correction and update notes on a language version (`corrections`), the version's last
substantive change (`translations.revised_at`, the public `updated_at`), and an article's
ordered list of related articles (`article_related`). Nothing existing is rewritten: the
new column starts empty (public `updated_at` then falls back to `published_at`).

Revision ID: 0d0a9a471f82
Revises: 7c4e2a9d1b63
Create Date: 2026-12-02 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0d0a9a471f82"
down_revision: str | None = "7c4e2a9d1b63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("translations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revised_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "corrections",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("kind IN ('correction', 'update')", name=op.f("ck_corrections_kind")),
        sa.ForeignKeyConstraint(
            ["article_id", "language"],
            ["translations.article_id", "translations.language"],
            name=op.f("fk_corrections_article_id_translations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
        sa.UniqueConstraint(
            "article_id",
            "language",
            "number",
            name=op.f("uq_corrections_article_id_language_number"),
        ),
    )
    op.create_table(
        "article_related",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("related_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_related_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["related_id"],
            ["articles.id"],
            name=op.f("fk_article_related_related_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "related_id", name=op.f("pk_article_related")),
    )
    op.create_index(
        op.f("ix_article_related_related_id"), "article_related", ["related_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_article_related_related_id"), table_name="article_related")
    op.drop_table("article_related")
    op.drop_table("corrections")
    with op.batch_alter_table("translations", schema=None) as batch_op:
        batch_op.drop_column("revised_at")
