"""scheduled takedown: expire_at and what a version turns into then

Visibility becomes `publish_at <= now < expire_at`; the public list's covering index
carries `expire_at` too, so the rule is still checked in the index without reading rows.

Revision ID: 5e7d2a9c4b13
Revises: 5d2e8b7a4c16
Create Date: 2026-12-02 16:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e7d2a9c4b13"
down_revision: str | None = "5d2e8b7a4c16"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXPIRING = sa.text("expire_at IS NOT NULL")
LIST_BEFORE = ["language", "published_at", "id", "status", "publish_at"]


def upgrade() -> None:
    with op.batch_alter_table("translations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expire_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("expire_status", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_translations_expire_status"), "expire_status IN ('draft', 'archived')"
        )
    op.drop_index("ix_translations_public_list", table_name="translations")
    op.create_index(
        "ix_translations_public_list",
        "translations",
        [*LIST_BEFORE, "expire_at"],
        unique=False,
    )
    op.create_index(
        "ix_translations_expiring",
        "translations",
        ["expire_at"],
        unique=False,
        sqlite_where=EXPIRING,
        postgresql_where=EXPIRING,
    )


def downgrade() -> None:
    op.drop_index("ix_translations_expiring", table_name="translations")
    op.drop_index("ix_translations_public_list", table_name="translations")
    op.create_index("ix_translations_public_list", "translations", LIST_BEFORE, unique=False)
    with op.batch_alter_table("translations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_translations_expire_status"), type_="check")
        batch_op.drop_column("expire_status")
        batch_op.drop_column("expire_at")
