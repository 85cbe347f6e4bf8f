"""Migrations run up, down and up again on each database, and match the models."""

import asyncio
import subprocess
import sys
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from app import migrate
from app.db import create_engine
from app.models import Base
from app.models.search import include_object


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    return list(compare_metadata(context, Base.metadata))


async def _inspect(url: str) -> tuple[list[Any], set[str], int]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            languages = await conn.scalar(text("SELECT count(*) FROM languages"))
            return diff, tables, int(languages or 0)
    finally:
        await engine.dispose()


def test_upgrade_downgrade_upgrade_matches_models(database_url: str) -> None:
    # The session database is at head; go all the way down and back up.
    migrate.downgrade(database_url, "base")
    _, tables, _ = asyncio.run(_inspect_tables_only(database_url))
    assert tables <= {"alembic_version"}
    migrate.upgrade(database_url, "head")
    diff, tables, languages = asyncio.run(_inspect(database_url))
    assert diff == []
    assert {"articles", "translations", "languages", "tags", "media"} <= tables
    assert languages == 3


async def _inspect_tables_only(url: str) -> tuple[None, set[str], None]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            return None, tables, None
    finally:
        await engine.dispose()


def test_the_head_read_off_the_files_is_alembics() -> None:
    from alembic.script import ScriptDirectory

    migrate.head_revision.cache_clear()
    expected = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    assert expected is not None
    assert migrate.head_revision() == expected


def test_a_serving_worker_does_not_load_alembic_or_redis_clients() -> None:
    # Memory per worker: each weighs over 10 MB and the app needs neither to serve.
    code = (
        "import sys, app.main; "
        "print(sorted(m for m in ('alembic', 'coredis', 'beartype') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
