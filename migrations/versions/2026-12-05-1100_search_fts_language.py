"""search fts language: SQLite's FTS5 tables hold each document's language

SQLite only: `search_fts` and `search_fts_head` each get a last column, `language`, holding
the document's language as one token (`app.search.documents.fts_language`), as
`app.search.index` now writes them. A search's tiers then ask FTS5 for the page's language
alone (`... AND {language} : ua`): hits in other languages used to be listed too, and each
looked up in `search_documents` and `translations` only to be dropped (a two-word query with
3,000 hits in every language read all of them to keep its language's thousand). FTS5 tables
take no new column: each is made again under a new name, filled from the old one (the
terms are the same; only the language is new), and renamed. PostgreSQL: nothing (its
tsvectors hold the language's lexeme since 8c1f4e7a2d93).

Revision ID: 7d3a9f2c5e81
Revises: 4f7b2d9e1a63
Create Date: 2026-12-05 11:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7d3a9f2c5e81"
down_revision: str | None = "4f7b2d9e1a63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENIZE = "tokenize = 'unicode61 remove_diacritics 0'"
TABLES = {
    "search_fts": "title, lead, body, title_alt, lead_alt, body_alt",
    "search_fts_head": "title, lead, title_alt, lead_alt",
}
TRIGGER = (
    "CREATE TRIGGER search_documents_delete AFTER DELETE ON search_documents "
    "BEGIN DELETE FROM search_fts WHERE rowid = old.id; "
    "DELETE FROM search_fts_head WHERE rowid = old.id; END"
)
# The language's token, as `fts_language` makes it.
LANGUAGE = "replace(t.language, '-', '0')"


def _remake(with_language: bool) -> None:
    """Each FTS5 table made again, with or without the `language` column, and filled
    from the old one. The delete trigger names the tables: it goes first, comes back last."""
    op.execute("DROP TRIGGER IF EXISTS search_documents_delete")
    for name, columns in TABLES.items():
        new = f"{name}_remade"
        if with_language:
            op.execute(f"CREATE VIRTUAL TABLE {new} USING fts5({columns}, language, {TOKENIZE})")
            op.execute(
                f"INSERT INTO {new} (rowid, {columns}, language) "  # noqa: S608 (fixed names)
                f"SELECT f.rowid, {', '.join('f.' + c for c in columns.split(', '))}, {LANGUAGE} "
                f"FROM {name} AS f JOIN search_documents AS d ON d.id = f.rowid "
                "JOIN translations AS t ON t.id = d.translation_id"
            )
        else:
            op.execute(f"CREATE VIRTUAL TABLE {new} USING fts5({columns}, {TOKENIZE})")
            op.execute(
                f"INSERT INTO {new} (rowid, {columns}) SELECT rowid, {columns} FROM {name}"  # noqa: S608 (fixed names)
            )
        op.execute(f"DROP TABLE {name}")
        op.execute(f"ALTER TABLE {new} RENAME TO {name}")
    op.execute(TRIGGER)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _remake(with_language=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _remake(with_language=False)
