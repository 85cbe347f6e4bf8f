"""the schedule index only holds scheduled versions

On (status, publish_at) both planners used it for every `is_public` lookup by article
(an article's alternates), reading every public version instead of the article's three.

Revision ID: 7b1e5c93a2d4
Revises: 4d2e8a1c7f90
Create Date: 2026-11-26 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7b1e5c93a2d4"
down_revision: str | None = "4d2e8a1c7f90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEDULED = sa.text("status = 'scheduled'")


def upgrade() -> None:
    op.drop_index("ix_translations_schedule", table_name="translations")
    op.create_index(
        "ix_translations_scheduled",
        "translations",
        ["publish_at"],
        unique=False,
        sqlite_where=SCHEDULED,
        postgresql_where=SCHEDULED,
    )


def downgrade() -> None:
    op.drop_index("ix_translations_scheduled", table_name="translations")
    op.create_index(
        "ix_translations_schedule", "translations", ["status", "publish_at"], unique=False
    )
