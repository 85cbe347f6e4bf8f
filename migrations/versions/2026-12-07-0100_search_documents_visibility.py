"""search documents visibility: SQLite's search documents carry what a page reads

A search tier with few hits (under 1,000 in the page's language) is paged by looking each
hit up: its search document for the translation's id, then `ix_translations_by_id` for
what the visibility rule and the order read, then a sort. At 100k articles that cost
2.5 ms for 1,000 hits on SQLite, most of it the lookups by the translation's 32-character
id. SQLite's search documents now carry the translation's language, status, publication,
takedown and scheduled times, kept by triggers in the writing transaction (an entry made,
a translation's columns changed), and `ix_search_documents_public` holds them by the
entry's id, the FTS5 rowid: the page takes the newest of its hits from that index alone,
then looks up only those (0.49 ms for the same 1,000 hits).

PostgreSQL leaves the columns NULL: its tiers are listed by translation id, and its page
statements look each up in `ix_translations_by_id` as before.

A later migration that rebuilds `translations` or `search_documents` in batch mode (a copy
of the table) must drop these triggers first and make them again after (SQLite refuses to
rename a table a trigger names), and one that writes translations with foreign keys off
must write their documents' copies too (the triggers copy on an update of a translation
and on a new document, not on a new translation whose document is kept).

Revision ID: 1f166a3f298d
Revises: b2f7c4e91d05
Create Date: 2026-12-07 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1f166a3f298d"
down_revision: str | None = "b2f7c4e91d05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COPIED = ("language", "status", "publish_at", "published_at", "expire_at")
TYPES = {
    "language": sa.String(8),
    "status": sa.String(16),
    "publish_at": sa.DateTime(timezone=True),
    "published_at": sa.DateTime(timezone=True),
    "expire_at": sa.DateTime(timezone=True),
}
INDEX = "ix_search_documents_public"
INDEXED = ["id", "language", "published_at", "status", "publish_at", "expire_at", "translation_id"]
TRIGGERS = {
    # An entry takes its translation's columns when made (the index writes new entries by
    # translation id alone; `app.search.index`) ...
    "search_documents_made": """
        CREATE TRIGGER search_documents_made AFTER INSERT ON search_documents BEGIN
          UPDATE search_documents
          SET (language, status, publish_at, published_at, expire_at) = (
            SELECT language, status, publish_at, published_at, expire_at FROM translations
            WHERE translations.id = new.translation_id)
          WHERE id = new.id;
        END""",
    # ... and every change of them after, whatever makes it (publish, schedule, take down,
    # an import, a bulk update), in the same transaction.
    "translations_visibility_copied": """
        CREATE TRIGGER translations_visibility_copied
        AFTER UPDATE OF language, status, publish_at, published_at, expire_at ON translations
        BEGIN
          UPDATE search_documents
          SET (language, status, publish_at, published_at, expire_at) =
            (new.language, new.status, new.publish_at, new.published_at, new.expire_at)
          WHERE translation_id = new.id;
        END""",
}
FILL = """
    UPDATE search_documents
    SET (language, status, publish_at, published_at, expire_at) = (
      SELECT language, status, publish_at, published_at, expire_at FROM translations
      WHERE translations.id = search_documents.translation_id)"""


def upgrade() -> None:
    for name in COPIED:
        op.add_column("search_documents", sa.Column(name, TYPES[name], nullable=True))
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(FILL)
    for trigger in TRIGGERS.values():
        op.execute(trigger)
    op.create_index(INDEX, "search_documents", INDEXED, unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.drop_index(INDEX, table_name="search_documents")
    # Not in batch mode: SQLite would copy the table, and its delete trigger go with it.
    for name in reversed(COPIED):
        op.drop_column("search_documents", name)
