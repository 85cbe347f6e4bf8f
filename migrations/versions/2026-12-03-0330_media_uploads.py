"""media uploads

An uploaded image's content address (`content_hash`, SHA-256 of its bytes), type, size,
focal point, renditions (`[key, width, height, format, crop]` each), BlurHash and dominant
colour. Images registered by URL keep working: their new columns stay empty (no hash, no
renditions) and their focal point is the centre.

Downgrading forgets what only uploads have: an uploaded image then looks like one
registered by URL whose `url` is the storage key of its largest rendition (relative, so
covers point nowhere until the upgrade is applied again). The files stay in storage.

Revision ID: 3b8e1f6a9c20
Revises: 0d0a9a471f82
Create Date: 2026-12-03 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b8e1f6a9c20"
down_revision: str | None = "0d0a9a471f82"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("format", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("size_bytes", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("focal_x", sa.Float(), nullable=False, server_default=sa.text("0.5"))
        )
        batch_op.add_column(
            sa.Column("focal_y", sa.Float(), nullable=False, server_default=sa.text("0.5"))
        )
        batch_op.add_column(
            sa.Column("renditions", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("blurhash", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("dominant_color", sa.String(length=7), nullable=True))
        batch_op.create_index(batch_op.f("ix_media_content_hash"), ["content_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_content_hash"))
        for column in (
            "dominant_color",
            "blurhash",
            "renditions",
            "focal_y",
            "focal_x",
            "size_bytes",
            "format",
            "content_hash",
        ):
            batch_op.drop_column(column)
