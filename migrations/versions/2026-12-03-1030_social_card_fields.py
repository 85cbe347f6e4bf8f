"""social card fields: social_title, social_description and social_image_id per version

On `translations` and on their pending copies (`pending_translations`), each nullable:
null falls back to the SEO fields and the cover when the public article is read. The
image is a media record, set to null when that record is deleted. The downgrade drops the
columns (the social overrides are lost; nothing else is).

Revision ID: 8c4f2b7e9a15
Revises: 8e3b5d1c7a24
Create Date: 2026-12-03 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c4f2b7e9a15"
down_revision: str | None = "8e3b5d1c7a24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("translations", "pending_translations")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("social_title", sa.String(length=300), nullable=True))
            batch_op.add_column(
                sa.Column("social_description", sa.String(length=500), nullable=True)
            )
            batch_op.add_column(sa.Column("social_image_id", sa.Uuid(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_social_image_id_media"),
                "media",
                ["social_image_id"],
                ["id"],
                ondelete="SET NULL",
            )
            if table == "translations":
                batch_op.create_index(
                    batch_op.f("ix_translations_social_image_id"), ["social_image_id"]
                )


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "translations":
                batch_op.drop_index(batch_op.f("ix_translations_social_image_id"))
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_social_image_id_media"), type_="foreignkey"
            )
            batch_op.drop_column("social_image_id")
            batch_op.drop_column("social_description")
            batch_op.drop_column("social_title")
