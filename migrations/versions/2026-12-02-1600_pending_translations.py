"""pending translations: the staged copy of a live translation

Revision ID: 5d2e8b7a4c16
Revises: e3a9c1f07b52
Create Date: 2026-12-02 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d2e8b7a4c16"
down_revision: str | None = "e3a9c1f07b52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_translations",
        sa.Column("translation_id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("lead", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("seo_title", sa.String(length=300), nullable=True),
        sa.Column("seo_description", sa.String(length=500), nullable=True),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("reading_time_minutes", sa.Integer(), nullable=False),
        sa.Column("saved_by", sa.String(length=200), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["translation_id"],
            ["translations.id"],
            name=op.f("fk_pending_translations_translation_id_translations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("translation_id", name=op.f("pk_pending_translations")),
    )


def downgrade() -> None:
    op.drop_table("pending_translations")
