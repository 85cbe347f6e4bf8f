"""article creator

Revision ID: 05fbd411d339
Revises: fc95e7778993
Create Date: 2026-11-26 07:46:19.557734
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "05fbd411d339"
down_revision: str | None = "fc95e7778993"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_articles_created_by"), ["created_by"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_created_by"))
        batch_op.drop_column("created_by")
