"""preview links remember the credential that made them

A link stops working when that credential is revoked or expires, or its user is
deactivated. Links made before this revision name no credential and stop working (they
live seven days at most); the rows are kept, so a downgrade gives them back.

Revision ID: a8c3f1d7e250
Revises: 3e8d1f6a9c20
Create Date: 2026-12-02 14:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a8c3f1d7e250"
down_revision: str | None = "3e8d1f6a9c20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # preview_tokens is referenced by no table: SQLite's copy-and-rename cascades nowhere.
    with op.batch_alter_table("preview_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_key_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("access_token_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_preview_tokens_api_key_id_api_keys"),
            "api_keys",
            ["api_key_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_preview_tokens_access_token_id_access_tokens"),
            "access_tokens",
            ["access_token_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(
            batch_op.f("ix_preview_tokens_api_key_id"), ["api_key_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_preview_tokens_access_token_id"), ["access_token_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("preview_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_preview_tokens_access_token_id"))
        batch_op.drop_index(batch_op.f("ix_preview_tokens_api_key_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_preview_tokens_access_token_id_access_tokens"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_preview_tokens_api_key_id_api_keys"), type_="foreignkey"
        )
        batch_op.drop_column("access_token_id")
        batch_op.drop_column("api_key_id")
