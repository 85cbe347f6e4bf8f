"""Alembic environment: async engines for SQLite and PostgreSQL alike.

On SQLite every migration runs with foreign keys off. Batch mode rebuilds a table (copy,
DROP, rename), and with foreign keys on the DROP cascades: rebuilding `articles` deleted
every translation, tag, source and revision. SQLite ignores the pragma inside a
transaction, so it is set on the driver's connection before Alembic begins one; each
migration then ends with `PRAGMA foreign_key_check` and is rolled back if any row points
nowhere. See https://alembic.sqlalchemy.org/en/latest/batch.html (referencing foreign keys).
"""

import asyncio
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy.engine import Connection

from app.config import get_settings
from app.db import create_engine, is_sqlite
from app.migrate import MigrationError
from app.models import Base
from app.models.search import include_object

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def _sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    # The driver's own cursor: a SQLAlchemy execute would begin a transaction first.
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
        cursor.execute("PRAGMA foreign_keys")
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None or bool(row[0]) != on:
        raise MigrationError(
            "SQLite migrations need foreign keys off, which cannot be changed inside a "
            "transaction: pass a connection that has not begun one"
        )


@contextmanager
def _foreign_keys_off(connection: Connection) -> Iterator[None]:
    if connection.dialect.name != "sqlite":
        yield
        return
    _sqlite_foreign_keys(connection, on=False)
    try:
        yield
    finally:
        if not connection.in_transaction():
            _sqlite_foreign_keys(connection, on=True)


def _check_foreign_keys(
    ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any], run_args: Mapping[str, Any]
) -> None:
    """Run inside each migration's transaction: a dangling reference rolls it back."""
    assert ctx.connection is not None
    dangling = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if dangling:
        source = ", ".join(step.source_revision_ids) or "base"
        destination = ", ".join(step.destination_revision_ids) or "base"
        tables = ", ".join(sorted({row[0] for row in dangling}))
        raise MigrationError(
            f"after migrating from {source} to {destination}, {len(dangling)} references "
            f"point nowhere (in {tables}): that step was rolled back"
        )


# Held by the migrating transaction: several hosts starting at once (each image runs
# `newsdesk migrate` at start) migrate one after the other, the later ones finding the
# schema at head already, instead of racing to create the same tables.
_MIGRATION_LOCK = 7_301_964


def _configure(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
    with _foreign_keys_off(connection):
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
            include_object=include_object,
            on_version_apply=_check_foreign_keys if sqlite else None,
        )
        with context.begin_transaction():
            context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=is_sqlite(url),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
    else:
        asyncio.run(_run_async(_url()))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
