"""search fts pairs: SQLite's two-word phrases from a table of neighbouring pairs

SQLite only: a third FTS5 table, `search_fts_pairs` (rowid = `search_documents.id`), holds
each field's pairs of neighbouring primary lemmas as one token `a_b` (`title_pairs`,
`lead_pairs`, `body_pairs`) and the document's `language` token, as `app.search.index` now
writes them. A query of two-word phrases is then one token's document list per variant,
where FTS5 checked the positions of both words in every document holding them (12.6 ms
for «"Kyiv NATO"» at 100k articles). `_` is a token character of this table alone, so a
pair is one token (lemmas are letters and digits).

The table is contentless (`content=''`): it keeps the index, not the text, which would
have been 2.9 GB at 100k articles (the file 3.1 -> 7.8 GB; the index alone is 0.6 GB).
FTS5 takes a contentless row out only when given the values it was written with, and a
trigger cannot make pairs: so the delete trigger copies a deleted document's primary
columns from `search_fts` into `search_fts_pairs_gone`, from which the index's next write
takes its pairs out (`app.search.index.forget_pairs`); until then its rowid, which no
document has, matches nothing a search reads. Filled here from `search_fts`, whose primary
columns hold each field's lemmas in order, one space apart. PostgreSQL: nothing (its
`pairs` column does this).

Revision ID: 9e4c1b7a3f20
Revises: 7d3a9f2c5e81
Create Date: 2026-12-05 12:00:00.000000
"""

import itertools
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e4c1b7a3f20"
down_revision: str | None = "7d3a9f2c5e81"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIELDS = ("title", "lead", "body")
BATCH = 2_000
TRIGGER = (
    "CREATE TRIGGER search_documents_delete AFTER DELETE ON search_documents BEGIN {more}"
    "DELETE FROM search_fts WHERE rowid = old.id; "
    "DELETE FROM search_fts_head WHERE rowid = old.id; END"
)
MORE = (
    "INSERT INTO search_fts_pairs_gone (id, title, lead, body, language) "
    "SELECT rowid, title, lead, body, language FROM search_fts WHERE rowid = old.id; "
)
INSERT = sa.text(
    "INSERT INTO search_fts_pairs (rowid, title_pairs, lead_pairs, body_pairs, language) "
    "VALUES (:rowid, :title, :lead, :body, :language)"
)


def _pairs(lemmas: str | None) -> str:
    """A field's pairs, as `app.search.documents.fts_pairs` makes them (fixed here: a
    migration must write what it wrote when it was made)."""
    return " ".join(map("_".join, itertools.pairwise((lemmas or "").split())))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute(
        "CREATE VIRTUAL TABLE search_fts_pairs USING fts5(title_pairs, lead_pairs, body_pairs, "
        "language, content = '', tokenize = \"unicode61 remove_diacritics 0 tokenchars '_'\")"
    )
    # No key: a document id may come back (SQLite reuses the highest) and go again.
    op.execute(
        "CREATE TABLE search_fts_pairs_gone "
        "(id INTEGER NOT NULL, title TEXT, lead TEXT, body TEXT, language TEXT)"
    )
    read = sa.text(
        "SELECT rowid, title, lead, body, language FROM search_fts "
        "WHERE rowid > :after ORDER BY rowid LIMIT :batch"
    )
    after = 0
    while rows := bind.execute(read, {"after": after, "batch": BATCH}).all():
        bind.execute(
            INSERT,
            [
                {
                    "rowid": row.rowid,
                    **{field: _pairs(getattr(row, field)) for field in FIELDS},
                    "language": row.language,
                }
                for row in rows
            ],
        )
        after = rows[-1].rowid
    op.execute("DROP TRIGGER IF EXISTS search_documents_delete")
    op.execute(TRIGGER.format(more=MORE))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS search_documents_delete")
    op.execute(TRIGGER.format(more=""))
    op.execute("DROP TABLE search_fts_pairs")
    op.execute("DROP TABLE search_fts_pairs_gone")
