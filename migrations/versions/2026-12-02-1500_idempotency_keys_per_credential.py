"""idempotency keys: per credential id, the role, secret answers kept without the secret

The records were keyed by a hash of the Authorization header and some held secrets in
clear (new API keys, preview tokens) for 48 hours. They are short-lived answers to
retries, not content: both directions drop them (the table is rebuilt empty), so no
secret stays behind and no record of one shape is read as the other. A retry in flight
across the upgrade runs again.

Revision ID: e3a9c1f07b52
Revises: a8c3f1d7e250
Create Date: 2026-12-02 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e3a9c1f07b52"
down_revision: str | None = "a8c3f1d7e250"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _create(*, new: bool) -> None:
    columns = [
        sa.Column("credential", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        *([sa.Column("role", sa.String(length=16), nullable=False)] if new else []),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        *([sa.Column("shown_once", sa.Boolean(), nullable=False)] if new else []),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
    ]
    op.create_table(
        "idempotency_keys",
        *columns,
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("credential", "key", name=op.f("uq_idempotency_keys_credential_key")),
    )
    op.create_index(
        op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"], unique=False
    )


def _drop() -> None:
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")


def upgrade() -> None:
    _drop()
    _create(new=True)


def downgrade() -> None:
    _drop()
    _create(new=False)
