"""change log and webhooks: content_changes, public_states, webhooks, deliveries, purges

The change log (`content_changes`) starts with what is public at the upgrade: one
`article.published` per public language version, oldest publication first, so a change
feed read from an empty cursor rebuilds the public site; `public_states` starts with every
public or scheduled version (a scheduled one goes live through the delivery worker).
The downgrade drops the tables (webhooks, their deliveries and the log are lost).

Revision ID: 5d2c7e4a1f93
Revises: 3b8e1f6a9c20
Create Date: 2026-12-03 07:00:00.000000
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "5d2c7e4a1f93"
down_revision: str | None = "3b8e1f6a9c20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ChangeId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "content_changes",
        sa.Column("id", ChangeId, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("previous_slug", sa.String(length=120), nullable=True),
        sa.Column("at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_changes")),
        sa.UniqueConstraint("event_id", name=op.f("uq_content_changes_event_id")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_content_changes_language_id", "content_changes", ["language", "id"])
    op.create_table(
        "public_states",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=True),
        sa.Column("next_at", When, nullable=True),
        sa.PrimaryKeyConstraint("article_id", "language", name=op.f("pk_public_states")),
    )
    op.create_index(op.f("ix_public_states_next_at"), "public_states", ["next_at"])
    op.create_table(
        "webhooks",
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("secret_salt", sa.String(length=64), nullable=False),
        sa.Column("previous_salt", sa.String(length=64), nullable=True),
        sa.Column("rotated_at", When, nullable=True),
        sa.Column("key_check", sa.String(length=32), nullable=False),
        sa.Column("start_change_id", ChangeId, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("disabled_at", When, nullable=True),
        sa.Column("disabled_reason", sa.String(length=300), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("webhook_id", sa.Uuid(), nullable=False),
        sa.Column("change_id", ChangeId, nullable=True),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("retry_from", When, nullable=False),
        sa.Column("next_attempt_at", When, nullable=True),
        sa.Column("last_attempt_at", When, nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name=op.f("fk_webhook_deliveries_webhook_id_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "webhook_id", "change_id", name=op.f("uq_webhook_deliveries_webhook_id_change_id")
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_webhook_deliveries_webhook", "webhook_deliveries", ["webhook_id", "created_at", "id"]
    )
    op.create_table(
        "cdn_purges",
        sa.Column("id", ChangeId, autoincrement=True, nullable=False),
        sa.Column("keys", sa.JSON(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", When, nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cdn_purges")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_cdn_purges_next_attempt_at"), "cdn_purges", ["next_attempt_at"])
    op.create_table(
        "worker_positions",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("change_id", ChangeId, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_positions")),
    )
    _seed()


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _stored(value: datetime | None, dialect: str) -> datetime | None:
    """As the app's UTC column stores it: naive UTC text on SQLite."""
    if value is None or dialect != "sqlite":
        return value
    return value.replace(tzinfo=None)


def _seed() -> None:
    """The log and the states of what is public or scheduled now."""
    bind = op.get_bind()
    dialect = bind.dialect.name
    now = datetime.now(UTC)
    translations = sa.table(
        "translations",
        sa.column("article_id", sa.Uuid()),
        sa.column("language", sa.String()),
        sa.column("slug", sa.String()),
        sa.column("status", sa.String()),
        sa.column("publish_at", When),
        sa.column("published_at", When),
        sa.column("expire_at", When),
    )
    articles = sa.table("articles", sa.column("id", sa.Uuid()), sa.column("deleted_at", When))
    rows = bind.execute(
        sa.select(translations)
        .join(articles, articles.c.id == translations.c.article_id)
        .where(
            translations.c.status.in_(("published", "scheduled")),
            translations.c.publish_at.is_not(None),
            articles.c.deleted_at.is_(None),
        )
        .order_by(translations.c.published_at, translations.c.article_id)
    ).all()
    changes: list[dict[str, object]] = []
    states: list[dict[str, object]] = []
    for row in rows:
        publish_at, expire_at = _aware(row.publish_at), _aware(row.expire_at)
        assert publish_at is not None
        if expire_at is not None and expire_at <= now:
            continue  # taken down already
        public = publish_at <= now
        next_at = expire_at if public else publish_at
        states.append(
            {
                "article_id": row.article_id,
                "language": row.language,
                "public": public,
                "slug": row.slug if public else None,
                "next_at": _stored(next_at, dialect),
            }
        )
        if public:
            changes.append(
                {
                    "event_id": uuid.uuid4(),
                    "type": "article.published",
                    "article_id": row.article_id,
                    "language": row.language,
                    "slug": row.slug,
                    "at": _stored(_aware(row.published_at) or publish_at, dialect),
                }
            )
    change_table = sa.table(
        "content_changes",
        sa.column("event_id", sa.Uuid()),
        sa.column("article_id", sa.Uuid()),
        *(sa.column(n, sa.String()) for n in ("type", "language", "slug")),
        sa.column("at", When),
    )
    state_table = sa.table(
        "public_states",
        sa.column("article_id", sa.Uuid()),
        sa.column("public", sa.Boolean()),
        *(sa.column(n, sa.String()) for n in ("language", "slug")),
        sa.column("next_at", When),
    )
    if changes:
        bind.execute(change_table.insert(), changes)
    if states:
        bind.execute(state_table.insert(), states)


def downgrade() -> None:
    for table in (
        "worker_positions",
        "cdn_purges",
        "webhook_deliveries",
        "webhooks",
        "public_states",
        "content_changes",
    ):
        op.drop_table(table)
