"""search phrase pairs: neighbouring lemmas as lexemes, so phrases need no full recheck

PostgreSQL only (SQLite's FTS5 matches phrases by its own positions): a `pairs` tsvector
with a GIN index, filled here from each document's `vector` — the pairs of primary
lemmas (not `~` alternatives) at neighbouring positions, exactly what
`app.search.documents` writes (it derives them from the same capped positions).

Revision ID: 5e2a9c4d7b18
Revises: 3d9a6f1c2b80
Create Date: 2026-12-04 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5e2a9c4d7b18"
down_revision: str | None = "3d9a6f1c2b80"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The pairs of one document, as `app.search.documents.Document.pairs` makes them: in order
# of first appearance, up to the one that would pass 1 MB (only made-up words come near).
FILL = """
UPDATE search_documents AS d SET pairs = found.pairs
FROM (
    SELECT s.id,
           coalesce(array_to_tsvector(array_agg(x.pair) FILTER (WHERE x.running <= 1000000)),
                    ''::tsvector) AS pairs
    FROM search_documents AS s
    LEFT JOIN LATERAL (
        SELECT pair, sum(octet_length(pair)) OVER (ORDER BY first) AS running
        FROM (
            SELECT a.lexeme || '_' || b.lexeme AS pair, min(a.at) AS first
            FROM (SELECT lexeme, unnest(positions) AS at FROM unnest(s.vector)
                  WHERE left(lexeme, 1) <> '~') AS a
            JOIN (SELECT lexeme, unnest(positions) AS at FROM unnest(s.vector)
                  WHERE left(lexeme, 1) <> '~') AS b ON b.at = a.at + 1
            GROUP BY 1
        ) AS distinct_pairs
    ) AS x ON true
    GROUP BY s.id
) AS found
WHERE found.id = d.id
"""


def upgrade() -> None:
    op.add_column(
        "search_documents",
        sa.Column("pairs", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FILL)  # before the index: one build, not an update per row
    op.create_index(
        "ix_search_documents_pairs",
        "search_documents",
        ["pairs"],
        unique=False,
        postgresql_using="gin",
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE search_documents")


def downgrade() -> None:
    op.drop_index("ix_search_documents_pairs", table_name="search_documents")
    # Natively on both (SQLite >= 3.35): a batch copy would lose the FTS trigger.
    op.execute("ALTER TABLE search_documents DROP COLUMN pairs")
