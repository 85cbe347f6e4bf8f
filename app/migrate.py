"""Run Alembic programmatically (the CLI, the tests and the Docker image all use this)."""

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import migrations

if TYPE_CHECKING:  # Alembic weighs 11 MB: a serving worker never imports it
    from alembic.config import Config

_VERSIONS = Path(migrations.__file__).parent / "versions"
_REVISION = re.compile(r'^revision: str = "(\w+)"$', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision: str \| None = "(\w+)"$', re.MULTILINE)


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
