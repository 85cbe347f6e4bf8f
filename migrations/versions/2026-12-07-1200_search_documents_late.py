"""search documents late: SQLite's index of the entries published after they went live

A walked search tier's page on SQLite checks every public version newer than its last
hit whose entry is older than the rowids it read (`app.public.service._newest_scanned`),
in `ix_search_documents_newest` from the last hit's publication time on. That range ran
to the end of the language: past the present, through every version scheduled for later
(about 2,500 Ukrainian ones at 100k articles, 0.47 ms of each such search), none of them
public. A public version published in the future is one whose publication time is later
than the time it went live (`publish_at`): only an import writes one (the API sets the
first publication to the time it goes live, and keeps it; a live version given an earlier
`publish_at` is in this index too, published in the past). The check now reads the range
up to the present in the index of every entry, and past it in this one, of the entries
published after they went live: few, where the scheduled ones are none of them.

PostgreSQL: nothing (its copies are NULL; its tiers are listed by translation id).

Revision ID: 3b9d6e1f4a27
Revises: 8a4d2f6c1e37
Create Date: 2026-12-07 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b9d6e1f4a27"
down_revision: str | None = "8a4d2f6c1e37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_search_documents_late"
INDEXED = ["language", "published_at", "translation_id", "status", "publish_at", "expire_at", "id"]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(
            INDEX,
            "search_documents",
            INDEXED,
            unique=False,
            sqlite_where=sa.text("published_at > publish_at"),
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(INDEX, table_name="search_documents")
