"""search fts head: SQLite's title and lead tiers from a small FTS5 table of their own

SQLite only: a second FTS5 table, `search_fts_head` (rowid = `search_documents.id`), holds
each document's title and lead columns again (`title`, `lead`, `title_alt`, `lead_alt`),
as `app.search.index` now writes them. A search's title and lead tiers are answered
from it: document lists of title and lead words only, where the FTS5 table's hold every
document with the word, body included, with all its positions (a two-word query's title
and lead listings at 100k articles: 3-10 ms -> 0.3-1.5 ms; a phrase's 4-5 ms -> about
1 ms). Filled here from the FTS5 table. The delete trigger takes a document's head along.
PostgreSQL: nothing (its `head` column does this).

Revision ID: 4f7b2d9e1a63
Revises: 2b7e5d31c9a4
Create Date: 2026-12-05 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "4f7b2d9e1a63"
down_revision: str | None = "2b7e5d31c9a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "title, lead, title_alt, lead_alt"
FILL = f"INSERT INTO search_fts_head (rowid, {COLUMNS}) SELECT rowid, {COLUMNS} FROM search_fts"  # noqa: S608 (fixed names)
TRIGGER = (
    "CREATE TRIGGER search_documents_delete AFTER DELETE ON search_documents "
    "BEGIN DELETE FROM search_fts WHERE rowid = old.id; {more}END"
)
MORE = "DELETE FROM search_fts_head WHERE rowid = old.id; "


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        f"CREATE VIRTUAL TABLE search_fts_head USING fts5({COLUMNS}, "
        "tokenize = 'unicode61 remove_diacritics 0')"
    )
    op.execute(FILL)
    op.execute("DROP TRIGGER IF EXISTS search_documents_delete")
    op.execute(TRIGGER.format(more=MORE))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS search_documents_delete")
    op.execute(TRIGGER.format(more=""))
    op.execute("DROP TABLE search_fts_head")
