"""public list index covers visibility

Revision ID: 9c4a7e2b5d18
Revises: 3b8f2d6e4a10
Create Date: 2026-11-26 09:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9c4a7e2b5d18"
down_revision: str | None = "3b8f2d6e4a10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_translations_public_list", table_name="translations")
    op.create_index(
        "ix_translations_public_list",
        "translations",
        ["language", "published_at", "id", "status", "publish_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_translations_public_list", table_name="translations")
    op.create_index(
        "ix_translations_public_list",
        "translations",
        ["language", "published_at", "id"],
        unique=False,
    )
