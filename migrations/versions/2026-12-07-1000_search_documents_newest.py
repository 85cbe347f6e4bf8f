"""search documents newest: SQLite's index of the search documents by publication time

A search tier with many hits (1,000 or more in the page's language) was paged on SQLite by
walking the language's newest-first index and testing each version against the tier's
hits, listed whole first: 4.7 ms for a word in 9,067 titles at 100k articles, whatever the
page. Its page now reads the tier's highest FTS5 rowids first (FTS5 stops when its reader
does) and checks them: every public version newer than the page's last hit whose entry
is older than the rowids read is looked up (`app.public.service`). That check finds the
language's versions newer than a time in this index of the entries' copies of their
translation's language and times (kept by the triggers of `1f166a3f298d`).

PostgreSQL: nothing (its copies are NULL; its tiers are listed by translation id).

Revision ID: 5c0e7d2a9b14
Revises: 1f166a3f298d
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5c0e7d2a9b14"
down_revision: str | None = "1f166a3f298d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_search_documents_newest"
INDEXED = ["language", "published_at", "translation_id", "status", "publish_at", "expire_at", "id"]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(INDEX, "search_documents", INDEXED, unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(INDEX, table_name="search_documents")
