"""article tombstones

`articles.deleted_at` and `articles.deleted_by`: deleting an article leaves it in place,
marked (its versions archived: public URLs answer 410, its slugs stay reserved, its
revisions stay readable); only a purge removes the row.

Columns are added and dropped in place (no table rebuild): downgrading keeps every
article, a tombstone then reading as an article whose versions are all archived.

Revision ID: 9c4f2a7d1e83
Revises: 5e7d2a9c4b13
Create Date: 2026-12-02 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c4f2a7d1e83"
down_revision: str | None = "5e7d2a9c4b13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("articles", sa.Column("deleted_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both databases (SQLite >= 3.35): no rebuild.
    op.drop_column("articles", "deleted_by")
    op.drop_column("articles", "deleted_at")
