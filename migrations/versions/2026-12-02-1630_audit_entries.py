"""audit log: audit_entries, append-only (the database refuses UPDATE and DELETE)

One row per write of the management API, per login attempt and per CLI write. No
foreign keys (an entry outlives what it names). Triggers on both databases refuse any
UPDATE or DELETE of a row; the downgrade drops them with the table.

Revision ID: 7c4e2a9d1b63
Revises: 9c4f2a7d1e83
Create Date: 2026-12-02 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c4e2a9d1b63"
down_revision: str | None = "9c4f2a7d1e83"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFUSED = "audit_entries is append-only"


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("object_type", sa.String(length=50), nullable=True),
        sa.Column("object_id", sa.String(length=100), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("changed_fields", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index("ix_audit_entries_at_id", "audit_entries", ["at", "id"], unique=False)
    op.create_index("ix_audit_entries_actor_at", "audit_entries", ["actor", "at"], unique=False)
    op.create_index(
        "ix_audit_entries_object_id_at", "audit_entries", ["object_id", "at"], unique=False
    )
    op.create_index("ix_audit_entries_action_at", "audit_entries", ["action", "at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_REFUSED}' USING ERRCODE = 'insufficient_privilege'; "
            "END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries "
            "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()"
        )
    else:
        for event in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER audit_entries_append_only_{event} BEFORE {event.upper()} "
                f"ON audit_entries BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("DROP TRIGGER audit_entries_append_only ON audit_entries")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER audit_entries_append_only_{event}")
    op.drop_index("ix_audit_entries_action_at", table_name="audit_entries")
    op.drop_index("ix_audit_entries_object_id_at", table_name="audit_entries")
    op.drop_index("ix_audit_entries_actor_at", table_name="audit_entries")
    op.drop_index("ix_audit_entries_at_id", table_name="audit_entries")
    op.drop_table("audit_entries")
    if postgres:
        op.execute("DROP FUNCTION audit_entries_append_only()")
