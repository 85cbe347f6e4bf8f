"""search head vectors: title and lead terms apart, to rank by field cheaply

Revision ID: 3b8f2d6e4a10
Revises: 7d1e0c5a9b31
Create Date: 2026-11-26 08:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "3b8f2d6e4a10"
down_revision: str | None = "7d1e0c5a9b31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "search_documents",
        sa.Column("head", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")),
    )
    op.create_index(
        "ix_search_documents_head",
        "search_documents",
        ["head"],
        unique=False,
        postgresql_using="gin",
    )
    # Index what exists (with today's analysis, into the columns this revision has; later
    # migrations fill the columns they add).
    from app.search.index import rebuild

    rebuild(op.get_bind(), only=("vector", "head"))


def downgrade() -> None:
    op.drop_index("ix_search_documents_head", table_name="search_documents")
    # Natively on both (SQLite >= 3.35): a batch copy would lose the FTS trigger.
    op.execute("ALTER TABLE search_documents DROP COLUMN head")
