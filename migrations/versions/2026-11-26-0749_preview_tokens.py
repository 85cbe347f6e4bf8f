"""preview tokens

Revision ID: 58723c05f0ce
Revises: 05fbd411d339
Create Date: 2026-11-26 07:49:40.008016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "58723c05f0ce"
down_revision: str | None = "05fbd411d339"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "preview_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("translation_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["translation_id"],
            ["translations.id"],
            name=op.f("fk_preview_tokens_translation_id_translations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preview_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_preview_tokens_token_hash")),
    )
    with op.batch_alter_table("preview_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_preview_tokens_translation_id"), ["translation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("preview_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_preview_tokens_translation_id"))

    op.drop_table("preview_tokens")
