"""card parts in order: a card's byline, tags and alternates read from indexes alone

Every card (a list page's, a search page's, an article's related articles) reads its
article's authors and tags in their order, and its article's public versions (the
alternates). Their indexes held neither the order nor what the card shows: each byline
and tag row was looked up for its position and sorted, and each version's row was read
for its slug and visibility (on SQLite from the body's overflow pages, as the columns
after `body_html` are). These three indexes hold all of it, in order: the cards of a
search page at 100k articles, 1.06 -> 0.85 ms on SQLite and 1.36 -> 1.21 ms on
PostgreSQL (docs/benchmarks.md).

Revision ID: 5c2e8a7d1f90
Revises: 3b9d6e1f4a27
Create Date: 2026-12-07 15:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5c2e8a7d1f90"
down_revision: str | None = "3b9d6e1f4a27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_article_authors_in_order": ("article_authors", ["article_id", "position", "author_id"]),
    "ix_article_tags_in_order": ("article_tags", ["article_id", "position", "tag_id"]),
    "ix_translations_alternates": (
        "translations",
        ["article_id", "language", "slug", "status", "publish_at", "expire_at"],
    ),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
