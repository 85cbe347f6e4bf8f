"""Run Alembic programmatically (the CLI, the tests and the Docker image all use this)."""

import asyncio
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import migrations

if TYPE_CHECKING:  # Alembic weighs 11 MB: a serving worker never imports it
    from alembic.config import Config
    from alembic.script import ScriptDirectory

_VERSIONS = Path(migrations.__file__).parent / "versions"
_REVISION = re.compile(r'^revision: str = "(\w+)"$', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision: str \| None = "(\w+)"$', re.MULTILINE)


class MigrationError(Exception):
    """A migration that cannot be run as asked (unknown revision, dangling references)."""


def alembic_config(database_url: str | None = None) -> "Config":
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    cfg.set_main_option(
        "file_template",
        "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s",
    )
    if database_url:
        cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str | None = None, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def current_revision(database_url: str) -> str | None:
    """The revision the database is at (None: no migration applied)."""
    from alembic.runtime.migration import MigrationContext

    from app.db import create_engine

    async def read() -> str | None:
        engine = create_engine(database_url, pool_size=1)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: MigrationContext.configure(sync).get_current_revision()
                )
        finally:
            await engine.dispose()

    return asyncio.run(read())


def _goes_down(script: "ScriptDirectory", current: str | None, target: str) -> bool:
    if target == "base" or target.startswith("-"):
        return True
    if target in ("head", "heads") or target.startswith("+") or current is None:
        return False
    wanted = script.get_revision(target)
    if wanted is None:
        raise MigrationError(f"unknown revision {target!r}")
    return wanted.revision in {r.revision for r in script.iterate_revisions(current, "base")}


def move(database_url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Move the schema up or down to `revision`: an id (or its unique start), `head`,
    `base`, or relative to the current one (`-1`, `+2`). Returns (from, to)."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    cfg = alembic_config(database_url)
    script = ScriptDirectory.from_config(cfg)
    before = current_revision(database_url)
    try:
        if _goes_down(script, before, revision):
            command.downgrade(cfg, revision)
        else:
            command.upgrade(cfg, revision)
    except (CommandError, RevisionError) as exc:
        known = ", ".join(r.revision for r in reversed(list(script.walk_revisions())))
        raise MigrationError(f"{exc} (the revisions, oldest first: {known})") from exc
    return before, current_revision(database_url)


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The latest migration (the readiness check's), read off the migration files.

    Every file states `revision` and `down_revision` in the form Alembic writes them; the
    head is the revision no other names as its predecessor (a test holds this equal to
    Alembic's own answer).
    """
    revisions: set[str] = set()
    predecessors: set[str] = set()
    for path in _VERSIONS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revisions.update(_REVISION.findall(source))
        predecessors.update(_DOWN_REVISION.findall(source))
    heads = revisions - predecessors
    return heads.pop() if len(heads) == 1 else None
