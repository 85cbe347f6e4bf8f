"""The demo newsroom, loaded once per run on each database and copied for each test that
serves or migrates it.

Loading the demo (`app.demo.loader.load`, what `newsdesk demo-data` runs) costs seconds
of CPU, nearly all of it its pictures' renditions, and several tests need the whole demo
in a database of their own. The first of the run's processes to ask loads it, under a
file lock in the run's folder, into a template (a SQLite file, or a PostgreSQL database
that `CREATE DATABASE … TEMPLATE` copies) with its media folder beside it; each test then
gets a copy of both, as the loader left them. The tests of `newsdesk demo-data` itself
(tests/test_e2e_server.py, tests/media/test_s3_upload.py, tests/test_migrate_command.py)
still run the command.

The PostgreSQL template is dropped when the run ends (`drop_demo_template`, from the
conftest's `pytest_sessionfinish` in the process that ran or drove the workers).
"""

import asyncio
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.config import Settings
from app.demo.loader import demo_content, load
from app.main import create_app
from app.models import utcnow
from tests.conftest import (
    POSTGRES_URL,
    Credential,
    _file_lock,
    _run_directory,
    _sqlite_template,
    copy_sqlite,
    drop_postgres_database,
    make_key,
    new_postgres_database,
    running_app,
)

# Where, in the run's folder, the PostgreSQL template's name is written (its name alone: the
# server's URL may carry a password, which no file of the run keeps).
POSTGRES_NAME = "demo-postgres.name"


def _postgres_url(name: str) -> str:
    assert POSTGRES_URL is not None
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@dataclass(frozen=True)
class DemoCopy:
    """A database holding the demo newsroom, and the media folder of its files."""

    database_url: str
    media_dir: Path


async def _load(database_url: str, media_dir: Path) -> None:
    settings = Settings(database_url=database_url, media_dir=media_dir, worker_in_process=False)
    application = create_app(settings)
    async with (
        application.router.lifespan_context(application),
        application.state.db.writer() as session,
        session.begin(),
    ):
        storage = application.state.media_storage
        count = await load(session, now=utcnow(), storage=storage, settings=settings)
    assert count == len(demo_content()["articles"])


def _template(backend: str, run_dir: Path) -> DemoCopy:
    """The run's demo template of `backend`, loaded by the first process that asks."""
    media = run_dir / f"demo-media-{backend}"
    with _file_lock(run_dir / f"demo-{backend}.lock"):
        if backend == "sqlite":
            path = run_dir / "demo-template.db"
            if not path.exists():
                partial = path.with_suffix(".partial")
                partial.unlink(missing_ok=True)
                shutil.rmtree(media, ignore_errors=True)
                copy_sqlite(_sqlite_template(run_dir), partial)
                asyncio.run(_load(f"sqlite+aiosqlite:///{partial}", media))
                partial.rename(path)
            return DemoCopy(f"sqlite+aiosqlite:///{path}", media)
        named = run_dir / POSTGRES_NAME
        if not named.exists():
            shutil.rmtree(media, ignore_errors=True)
            url = new_postgres_database("newsdesk_demo", migrated=True)
            try:
                asyncio.run(_load(url, media))
            except BaseException:
                drop_postgres_database(url)
                raise
            named.write_text(str(make_url(url).database))
        return DemoCopy(_postgres_url(named.read_text()), media)


@contextmanager
def demo_copy(
    like: str, tmp_path_factory: pytest.TempPathFactory, where: Path
) -> Iterator[DemoCopy]:
    """A new database holding the demo newsroom, of the backend of `like` (a database
    URL, or "sqlite" or "postgres"), with its media folder under `where`; the database
    is dropped after."""
    backend = "sqlite" if like.startswith("sqlite") else "postgres"
    template = _template(backend, _run_directory(tmp_path_factory))
    media = where / "media"
    shutil.copytree(template.media_dir, media)
    if backend == "sqlite":
        path = where / "demo.db"
        copy_sqlite(Path(template.database_url.removeprefix("sqlite+aiosqlite:///")), path)
        yield DemoCopy(f"sqlite+aiosqlite:///{path}", media)
        return
    name = make_url(template.database_url).database
    url = new_postgres_database("newsdesk_demo_copy", migrated=False, template=name)
    try:
        yield DemoCopy(url, media)
    finally:
        drop_postgres_database(url)


@pytest.fixture
def demo_database(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> Iterator[DemoCopy]:
    """A database of its own holding the demo newsroom, of the session database's
    backend, its media folder `tmp_path / "media"` (where `cli_environment` puts it)."""
    with demo_copy(database_url, tmp_path_factory, tmp_path) as demo:
        yield demo


async def demo_admin(settings: Settings) -> Credential:
    """An admin API key made in the demo copy these settings name."""
    async with running_app(settings) as (application, _):
        return await make_key(application)


def drop_demo_template(run_dir: Path) -> None:
    """Drop the run's PostgreSQL demo template, if one was made."""
    named = run_dir / POSTGRES_NAME
    if named.exists():
        drop_postgres_database(_postgres_url(named.read_text()))
        named.unlink()
