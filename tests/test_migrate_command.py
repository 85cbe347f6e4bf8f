"""`newsdesk migrate [--revision REV]`: the schema up or down to any revision, as a real
process, with the content kept and the public API answering as before."""

import asyncio
import sqlite3
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from app import migrate
from app.config import Settings
from app.demo.loader import demo_content
from tests.conftest import (
    NEWSDESK,
    POSTGRES_URL,
    drop_postgres_database,
    new_postgres_database,
    running_app,
)
from tests.databases import cli_environment, fresh_database
from tests.demo_newsroom import demo_copy
from tests.test_migrations import forget_revised, forget_uploads, uploaded_covers

__all__ = ["fresh_database"]  # the fixture, imported for pytest

EARLIEST = "c22fdbc973b6"
BEFORE_CREATOR = "fc95e7778993"  # below 05fbd411d339, whose downgrade rebuilds `articles`
CREATOR = "05fbd411d339"


def newsdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*NEWSDESK, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def moved(env: dict[str, str], *args: str) -> str:
    """Run `newsdesk migrate ARGS`, which must succeed; what it said on stderr."""
    done = newsdesk(env, "migrate", *args)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    return done.stderr.strip()


async def _public(settings: Settings) -> dict[str, Any]:
    async with running_app(settings) as (_, client):
        pages = {}
        for lang in ("ua", "en", "ru"):
            response = await client.get(f"/v1/{lang}/articles?limit=100")
            assert response.status_code == 200, response.text
            pages[lang] = response.json()
            for item in pages[lang]["items"]:
                response = await client.get(item["path"])
                assert response.status_code == 200, response.text
                pages[item["path"]] = response.json()
        return pages


def test_migrate_moves_the_schema_down_and_up_keeping_the_content(
    fresh_database: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url, head = fresh_database, migrate.head_revision()
    env = cli_environment(url, tmp_path)
    assert moved(env, "--revision", EARLIEST) == f"database migrated from base to {EARLIEST}"
    assert moved(env) == f"database migrated from {EARLIEST} to {head} (the latest)"
    # The content: the demo newsroom, as `newsdesk demo-data` loads it, copied from the
    # run's template (tests/demo_newsroom.py). Loading it here cost each database 11-15 s
    # of CPU, its pictures' renditions; the command itself is tested by
    # tests/test_e2e_server.py and tests/media/test_s3_upload.py.
    with demo_copy(url, tmp_path_factory, tmp_path) as demo:
        _down_and_up(demo.database_url, head, tmp_path)


def _down_and_up(url: str, head: str | None, tmp_path: Path) -> None:
    env = cli_environment(url, tmp_path)  # the demo's media folder: tmp_path / "media"
    settings = Settings(database_url=url, media_dir=tmp_path / "media")
    before = asyncio.run(_public(settings))
    assert len(before["ua"]["items"]) >= 5

    # Down past the migration whose rebuild of `articles` used to cascade, and back.
    assert moved(env, "--revision", BEFORE_CREATOR) == (
        f"database migrated from {head} to {BEFORE_CREATOR}"
    )
    assert migrate.current_revision(url) == BEFORE_CREATOR
    assert moved(env, "--revision", "+1") == f"database migrated from {BEFORE_CREATOR} to {CREATOR}"
    assert moved(env) == f"database migrated from {CREATOR} to {head} (the latest)"
    covers = uploaded_covers(before)
    assert covers, "the demo's covers are uploads"
    after = asyncio.run(_public(settings))
    # The demo story's correction and related article go below their migration.
    corrected = {
        a["id"] for a in demo_content()["articles"] if a.get("corrections") or a.get("related")
    }
    assert forget_revised(forget_uploads(after, covers), corrected) == forget_revised(
        forget_uploads(before, covers), corrected
    )
    assert (
        moved(env, "--revision", "head")
        == f"database already at {head} (the latest): nothing to do"
    )


def test_an_unknown_revision_is_a_clear_error_and_changes_nothing(
    fresh_database: str, tmp_path: Path
) -> None:
    url, head = fresh_database, migrate.head_revision()
    migrate.upgrade(url)
    env = cli_environment(url, tmp_path)
    errors = {
        "nope": "Can't locate revision identified by 'nope'",
        "-99": "Relative revision -99 didn't produce 99 migrations",
    }
    for wanted, said in errors.items():
        done = newsdesk(env, "migrate", "--revision", wanted)
        assert done.returncode == 2
        assert done.stderr.startswith(f"error: {said}"), done.stderr
        assert EARLIEST in done.stderr  # the revisions there are, to pick from
        assert "Traceback" not in done.stderr
        assert migrate.current_revision(url) == head


def test_a_step_that_leaves_dangling_references_on_sqlite_is_rolled_back(tmp_path: Path) -> None:
    # SQLite migrates with foreign keys off (a table rebuild must not cascade), so each
    # step ends with PRAGMA foreign_key_check instead.
    path = tmp_path / "dangling.db"
    url = f"sqlite+aiosqlite:///{path}"
    migrate.upgrade(url, BEFORE_CREATOR)
    with sqlite3.connect(path) as db:  # foreign keys are off on a plain connection
        db.execute(
            "INSERT INTO article_tags (article_id, tag_id, position) VALUES (?, ?, 0)",
            (uuid.uuid4().hex, uuid.uuid4().hex),
        )
    done = newsdesk(cli_environment(url, tmp_path), "migrate", "--revision", CREATOR)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: after migrating from {BEFORE_CREATOR} to {CREATOR}, 2 references point "
        "nowhere (in article_tags): that step was rolled back"  # the article and the tag
    )
    assert migrate.current_revision(url) == BEFORE_CREATOR
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(articles)")}
    assert "created_by" not in columns


@pytest.mark.skipif(POSTGRES_URL is None, reason="PostgreSQL's: NEWSDESK_TEST_POSTGRES_URL")
def test_hosts_starting_at_once_migrate_one_after_the_other(tmp_path: Path) -> None:
    """Each host's image runs `newsdesk migrate` at start: four at once on a new
    PostgreSQL database all succeed (an advisory lock orders them; without it all but one
    failed, racing to create the same tables), and the schema is at head. (Several hosts
    share a PostgreSQL database, not a SQLite file.)"""
    url = new_postgres_database("newsdesk_hosts", migrated=False)
    try:
        _migrate_at_once(url, tmp_path)
    finally:
        drop_postgres_database(url)


def _migrate_at_once(fresh_database: str, tmp_path: Path) -> None:
    env = cli_environment(fresh_database, tmp_path)
    runs = [
        subprocess.Popen(
            [*NEWSDESK, "migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    said = [run.communicate(timeout=120)[1] for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, said
    assert not [stderr for stderr in said if "Traceback" in stderr]
    assert migrate.current_revision(fresh_database) == migrate.head_revision()


def test_an_unreachable_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """What a container starting before its database says (the image runs `migrate`)."""
    from tests.live import free_port

    env = cli_environment(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/x", tmp_path)
    done = newsdesk(env, "migrate")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: the database cannot be reached (ConnectionRefusedError); nothing migrated"
    ]
