"""search field marks: each title and lead lexeme of `head` again, marked by its field

PostgreSQL only: `head` gets every lexeme of its title again without position as
`^lexeme`, and of its lead as `+lexeme` (`^~lemma` for an alternative), as
`app.search.documents` now writes it, so that a search's title and lead tiers come from
the GIN index alone. A weight in a query (`'президент':A`) makes GIN recheck every
candidate's `head`: 150 ms for «президент» in Ukrainian titles at 100k articles, where
the marks take under a millisecond. The marks are derived here from the weights of each
lexeme's (capped) positions, as the Python code derives them. SQLite: nothing (FTS5 has
a column per field).

Revision ID: 2b7e5d31c9a4
Revises: 8af69b19ed2c
Create Date: 2026-12-05 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2b7e5d31c9a4"
down_revision: str | None = "8af69b19ed2c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UP = """
UPDATE search_documents AS d
SET head = d.head || coalesce(
    (SELECT array_to_tsvector(array_agg(m.mark || u.lexeme))
     FROM unnest(d.head) AS u, (VALUES ('^', 'A'), ('+', 'B')) AS m (mark, weight)
     WHERE m.weight = ANY(u.weights)),
    ''::tsvector)
"""
DOWN = """
UPDATE search_documents AS d
SET head = ts_delete(
    d.head,
    ARRAY(SELECT u.lexeme FROM unnest(d.head) AS u WHERE left(u.lexeme, 1) IN ('^', '+')))
"""
_INDEXES = {
    "ix_search_documents_vector": "vector",
    "ix_search_documents_head": "head",
    "ix_search_documents_pairs": "pairs",
}


def _rewrite(sql: str) -> None:
    """Every row's `head`, with the GIN indexes built again afterwards (a row rewritten
    is a new entry in each): one build each instead of an index update per row."""
    for name in _INDEXES:
        op.drop_index(name, table_name="search_documents")
    op.execute(sql)
    for name, column in _INDEXES.items():
        op.create_index(name, "search_documents", [column], postgresql_using="gin")
    op.execute("ANALYZE search_documents")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rewrite(UP)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rewrite(DOWN)
