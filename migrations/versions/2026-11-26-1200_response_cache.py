"""response cache: the SQLite invalidation table and the schedule index

Revision ID: 4d2e8a1c7f90
Revises: 9c4a7e2b5d18
Create Date: 2026-11-26 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4d2e8a1c7f90"
down_revision: str | None = "9c4a7e2b5d18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cache_invalidations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("keys", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cache_invalidations")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_cache_invalidations_created_at"),
        "cache_invalidations",
        ["created_at"],
        unique=False,
    )
    op.create_index(
        "ix_translations_schedule", "translations", ["status", "publish_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_translations_schedule", table_name="translations")
    op.drop_index(op.f("ix_cache_invalidations_created_at"), table_name="cache_invalidations")
    op.drop_table("cache_invalidations")
