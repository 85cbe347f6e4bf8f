"""search index

Revision ID: 7d1e0c5a9b31
Revises: 58723c05f0ce
Create Date: 2026-11-26 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7d1e0c5a9b31"
down_revision: str | None = "58723c05f0ce"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("translation_id", sa.Uuid(), nullable=False),
        sa.Column("vector", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")),
        sa.ForeignKeyConstraint(
            ["translation_id"],
            ["translations.id"],
            name=op.f("fk_search_documents_translation_id_translations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("translation_id", name=op.f("uq_search_documents_translation_id")),
    )
    op.create_index(
        "ix_search_documents_vector",
        "search_documents",
        ["vector"],
        unique=False,
        postgresql_using="gin",
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "title, lead, body, title_alt, lead_alt, body_alt, "
            "tokenize = 'unicode61 remove_diacritics 0')"
        )
        # Deleting a translation cascades to its document, and the document takes its
        # terms along (FTS5 tables have no foreign keys of their own).
        op.execute(
            "CREATE TRIGGER search_documents_delete AFTER DELETE ON search_documents "
            "BEGIN DELETE FROM search_fts WHERE rowid = old.id; END"
        )
    # Ukrainian gets its own analyser (it used to share `simple`). Existing translations
    # are indexed by the next migration.
    op.execute("UPDATE languages SET text_search = 'ukrainian' WHERE code = 'ua'")


def downgrade() -> None:
    op.execute("UPDATE languages SET text_search = 'simple' WHERE text_search = 'ukrainian'")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS search_documents_delete")
        op.execute("DROP TABLE search_fts")
    op.drop_index("ix_search_documents_vector", table_name="search_documents")
    op.drop_table("search_documents")
