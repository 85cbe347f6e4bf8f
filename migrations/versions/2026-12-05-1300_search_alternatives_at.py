"""search alternatives at: where SQLite's alternative lemmas are, for snippets

SQLite's FTS5 columns hold each word's primary lemma in order, and its alternatives
(`lead_alt`, `body_alt`) without positions, so a hit whose query lemma is only an
alternative reading of its word («Києві»: `кий` first, `київ` second) had its words
analysed for its snippet (0.17 against 0.06 ms a hit; 10 ms a page for «квітні Яременко»
at 100k articles). `search_documents.alternatives_at` holds, for each alternative of
`lead_alt` then `body_alt`, in order, the number of its word (lead and body words counted
from 0), as `app.search.index` now writes it. NULL until the entry is written again
(`newsdesk search-reindex`): such a hit is analysed as before. PostgreSQL leaves it NULL
(its `vector` places every alternative).

SQLite also merges each FTS5 table's index into one segment (FTS5's `optimize`): the
migrations that filled them (`7d3a9f2c5e81`, `9e4c1b7a3f20`) and `newsdesk search-reindex`
wrote them in one transaction, which leaves many segments, each read by every query
(listing the title tier of «президента» in Russian at 100k articles: 10.9 ms, 1.9 ms
merged). About 25 s at 100k articles; `search-reindex` now merges at its end.

Revision ID: b2f7c4e91d05
Revises: 9e4c1b7a3f20
Create Date: 2026-12-05 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b2f7c4e91d05"
down_revision: str | None = "9e4c1b7a3f20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


FTS_TABLES = ("search_fts", "search_fts_head", "search_fts_pairs")


def upgrade() -> None:
    op.add_column("search_documents", sa.Column("alternatives_at", sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        for name in FTS_TABLES:
            op.execute(f"INSERT INTO {name} ({name}) VALUES ('optimize')")  # noqa: S608 (fixed names)


def downgrade() -> None:
    # Not in batch mode: SQLite would copy the table, and its delete trigger go with it.
    op.drop_column("search_documents", "alternatives_at")
