"""body outline and embeds: `translations.outline` and `translations.embeds`

Both derived from `body_html` on every write (issue 18, item 4). The upgrade re-sanitizes
every body, live and pending, in batches: headings get their ids, and the two columns are
filled from it (a body sanitized before has no embeds yet: they were removed then). It runs
the sanitizer of the code it ships with, which gives a sanitized body back unchanged but
for the ids. The downgrade drops the columns; the ids stay in the bodies (harmless: the
earlier sanitizer removes them at the next write).

Revision ID: 8e3b5d1c7a24
Revises: 5d2c7e4a1f93
Create Date: 2026-12-03 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.kit.html import clean_body

revision: str = "8e3b5d1c7a24"
down_revision: str | None = "5d2c7e4a1f93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
EMPTY = sa.text("'[]'")

translations = sa.table(
    "translations",
    sa.column("id", sa.Uuid()),
    sa.column("language", sa.String()),
    sa.column("body_html", sa.Text()),
    sa.column("outline", sa.JSON()),
    sa.column("embeds", sa.JSON()),
)
pending = sa.table(
    "pending_translations",
    sa.column("translation_id", sa.Uuid()),
    sa.column("body_html", sa.Text()),
)
languages = sa.table("languages", sa.column("code", sa.String()), sa.column("bcp47", sa.String()))


def upgrade() -> None:
    op.add_column(
        "translations", sa.Column("outline", sa.JSON(), server_default=EMPTY, nullable=False)
    )
    op.add_column(
        "translations", sa.Column("embeds", sa.JSON(), server_default=EMPTY, nullable=False)
    )
    bind = op.get_bind()
    tags: dict[str, str] = dict(bind.execute(sa.select(languages.c.code, languages.c.bcp47)).all())
    _backfill(bind, tags)


def _backfill(bind: sa.Connection, tags: dict[str, str]) -> None:
    """Each body re-sanitized, by keyset pages of BATCH translations (memory stays flat)."""
    after = None
    while True:
        query = (
            sa.select(translations.c.id, translations.c.language, translations.c.body_html)
            .order_by(translations.c.id)
            .limit(BATCH)
        )
        if after is not None:
            query = query.where(translations.c.id > after)
        rows = bind.execute(query).all()
        if not rows:
            return
        cleaned = {row.id: clean_body(row.body_html, tags.get(row.language, "und")) for row in rows}
        bind.execute(
            sa.update(translations)
            .where(translations.c.id == sa.bindparam("tid"))
            .values(
                body_html=sa.bindparam("body"),
                outline=sa.bindparam("outline_"),
                embeds=sa.bindparam("embeds_"),
            ),
            [
                {"tid": ident, "body": c.html, "outline_": c.outline, "embeds_": c.embeds}
                for ident, c in cleaned.items()
            ],
        )
        copies = bind.execute(
            sa.select(pending.c.translation_id, pending.c.body_html).where(
                pending.c.translation_id.in_(list(cleaned))
            )
        ).all()
        language = {row.id: row.language for row in rows}
        if copies:
            bind.execute(
                sa.update(pending)
                .where(pending.c.translation_id == sa.bindparam("tid"))
                .values(body_html=sa.bindparam("body")),
                [
                    {
                        "tid": copy.translation_id,
                        "body": clean_body(
                            copy.body_html, tags.get(language[copy.translation_id], "und")
                        ).html,
                    }
                    for copy in copies
                ],
            )
        after = rows[-1].id


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both databases (SQLite >= 3.35): no rebuild.
    op.drop_column("translations", "embeds")
    op.drop_column("translations", "outline")
