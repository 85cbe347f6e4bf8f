"""search fts pairs marked: SQLite's pairs of a title and of a lead have tokens of their own

The pairs table held a pair as one token `a_b` whatever its field, so a phrase's title
and lead tiers were that token's whole document list filtered by column: FTS5 read every
body with the pair to find the titles with it (8.7 ms to find none of «"Дарина
Соколова"» at 100k articles: the pair is in 143,367 bodies). A title's pair is now `_a_b`
and a lead's `__a_b` (`app.search.documents.PAIR_MARKS`; lemmas are letters and digits,
so no token is two fields'), and a query names each field's token: the title and lead
tiers read their own short lists.

The table is contentless, so it is made again and filled from `search_fts`'s primary
columns (as `9e4c1b7a3f20` filled it; about 2 minutes at 100k articles, writes wait,
reads go on, and phrase searches find nothing until it is done). The rows of deleted
documents waiting in `search_fts_pairs_gone` go: the new table never held them. The
downgrade makes the unmarked table again the same way. PostgreSQL: nothing (its `pairs`
column has no fields; its field tiers read `head`).

Revision ID: 8a4d2f6c1e37
Revises: 5c0e7d2a9b14
Create Date: 2026-12-07 11:00:00.000000
"""

import itertools
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8a4d2f6c1e37"
down_revision: str | None = "5c0e7d2a9b14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIELDS = ("title", "lead", "body")
# Fixed here: a migration must write what it wrote when it was made.
MARKS = {"title": "_", "lead": "__", "body": ""}
UNMARKED = dict.fromkeys(FIELDS, "")
BATCH = 2_000
CREATE = (
    "CREATE VIRTUAL TABLE search_fts_pairs USING fts5(title_pairs, lead_pairs, body_pairs, "
    "language, content = '', tokenize = \"unicode61 remove_diacritics 0 tokenchars '_'\")"
)
INSERT = sa.text(
    "INSERT INTO search_fts_pairs (rowid, title_pairs, lead_pairs, body_pairs, language) "
    "VALUES (:rowid, :title, :lead, :body, :language)"
)
READ = sa.text(
    "SELECT rowid, title, lead, body, language FROM search_fts "
    "WHERE rowid > :after ORDER BY rowid LIMIT :batch"
)


def _pairs(lemmas: str | None, mark: str) -> str:
    return " ".join(mark + "_".join(pair) for pair in itertools.pairwise((lemmas or "").split()))


def _rebuild(marks: dict[str, str]) -> None:
    bind = op.get_bind()
    op.execute("DROP TABLE search_fts_pairs")
    op.execute(CREATE)
    op.execute("DELETE FROM search_fts_pairs_gone")
    after = 0
    while rows := bind.execute(READ, {"after": after, "batch": BATCH}).all():
        bind.execute(
            INSERT,
            [
                {
                    "rowid": row.rowid,
                    **{field: _pairs(getattr(row, field), marks[field]) for field in FIELDS},
                    "language": row.language,
                }
                for row in rows
            ],
        )
        after = rows[-1].rowid
    # One segment, as `b2f7c4e91d05` left it (searches read fewer b-trees).
    op.execute("INSERT INTO search_fts_pairs (search_fts_pairs) VALUES ('optimize')")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(MARKS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(UNMARKED)
