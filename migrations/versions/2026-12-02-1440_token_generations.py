"""token generations and login addresses

`users.token_generation` and `access_tokens.generation`: a token is valid only in its
user's current generation, so a password, role or language change, a deactivation and
"log out everywhere" revoke every token at once. `access_tokens.address_hash`: where a
login came from (hashed), so the per-account login limit spares known addresses.

Columns are added and dropped in place (no table rebuild): downgrading keeps every user
and token.

Revision ID: 3e8d1f6a9c20
Revises: 7b1e5c93a2d4
Create Date: 2026-12-02 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3e8d1f6a9c20"
down_revision: str | None = "7b1e5c93a2d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("token_generation", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "access_tokens",
        sa.Column("generation", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("access_tokens", sa.Column("address_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both databases (SQLite >= 3.35): no rebuild, no cascade.
    op.drop_column("access_tokens", "address_hash")
    op.drop_column("access_tokens", "generation")
    op.drop_column("users", "token_generation")
