"""Hostile and broken files give clear errors, with line numbers, and change nothing they
should not; a synthetic archive goes through another database and back unchanged (from
PostgreSQL through SQLite when PostgreSQL is on); the commands exit as documented."""

import asyncio
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app import migrate
from app.db import Database
from app.models import Article, Author, Correction
from app.transfer.export import write
from app.transfer.lines import VERSION
from app.transfer.load import Importer, LineError, read_lines
from tests.conftest import NEWSDESK
from tests.transfer.test_round_trip import NOW, demo_file, empty, export_bytes, import_bytes


def as_file(lines: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(line, ensure_ascii=False).encode() + b"\n" for line in lines)


def parsed(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.splitlines()]


async def count(app: FastAPI, model: Any) -> int:
    async with app.state.db.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_files_refused_as_a_whole(app: FastAPI) -> None:
    data = await demo_file(app)
    lines = parsed(data)
    header = lines[0]
    refused = {
        b"": "empty",
        b"not json at all\n": "line 1: not JSON",
        data.split(b"\n", 1)[1]: "not a Newsdesk export's header",
        as_file([{**header, "version": VERSION + 1}, *lines[1:]]): f"format version {VERSION + 1}",
        as_file([{**header, "format": "wordpress"}, *lines[1:]]): "line 1: invalid header",
    }
    for content, message in refused.items():
        with pytest.raises(LineError, match=message):
            await import_bytes(app, content)


async def test_bad_lines_fail_alone_with_their_numbers(app: FastAPI) -> None:
    data = await demo_file(app)
    lines = parsed(data)
    await empty(app, [_language(line) for line in lines if line["type"] == "language"])
    articles = [i for i, line in enumerate(lines) if line["type"] == "article"]
    authors = [i for i, line in enumerate(lines) if line["type"] == "author"]
    broken = [dict(line) for line in lines]
    first, second, third = articles[0], articles[1], articles[2]
    one = next(iter(broken[first]["translations"].values()))
    one["title"] = "x" * 301  # over the API's limit
    broken[second] = {**broken[second], "author_ids": ["00000000-0000-4000-8000-000000000000"]}
    version = next(iter(broken[third]["translations"].values()))
    version["title"] = "NUL \x00 inside"
    text = as_file(broken).splitlines(keepends=True)
    text[authors[0]] = b'{"type": "author", "id": \n'  # broken JSON
    text.insert(authors[1] + 1, text[authors[1]])  # the same author twice
    text.insert(4, b'{"type": "bookmark"}\n')  # an unknown type

    report = await import_bytes(app, b"".join(text))
    by_line = dict(report.errors)
    numbered = {n: m for n, m in by_line.items() if n != report.lines}
    assert numbered[5].startswith("unknown `type` 'bookmark'")
    assert numbered[authors[0] + 2].startswith("not JSON")
    assert "is on line" in numbered[authors[1] + 3]
    assert "title" in numbered[first + 3] and "300" in numbered[first + 3]
    assert "author" in numbered[second + 3]
    assert "title" in numbered[third + 3]
    # Everything else was imported; the failed articles are not there at all.
    assert await count(app, Author) == len(authors) - 1
    stored = await count(app, Article)
    assert stored == len(articles) - 3 - _naming(lines, lines[authors[0]]["id"], skip=articles[:3])


def _language(line: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if k != "type"}


def _naming(lines: list[dict[str, Any]], author: str, skip: list[int]) -> int:
    """Articles (other than those at `skip`) that name `author`: they fail too."""
    return sum(
        1
        for i, line in enumerate(lines)
        if line["type"] == "article" and i not in skip and author in line["author_ids"]
    )


async def test_a_cut_off_file_and_a_long_line(app: FastAPI) -> None:
    data = await demo_file(app)
    await empty(app, None)
    cut = data.rsplit(b"\n", 2)[0] + b"\n"  # the end line is gone
    report = await import_bytes(app, cut, dry_run=True)
    assert report.errors[-1][1] == "no end line: the file is cut off"
    assert not report.complete
    # An end line whose counts are not the file's: edited, or lines lost.
    *body, end = parsed(data)
    end["counts"]["article"] += 1
    report = await import_bytes(app, as_file([*body, end]), dry_run=True)
    assert "the end line counts" in report.errors[-1][1] and not report.complete
    # A line over the limit is skipped in pieces, and the next one read whole.
    long_line = b'{"type": "tag", "x": "' + b"a" * 5000 + b'"}\n'
    lines = data.splitlines(keepends=True)
    source = io.BytesIO(b"".join([lines[0], long_line, *lines[1:]]))
    read = list(read_lines(source, limit=1024))
    assert read[1] == (2, None)
    assert read[2] == (3, lines[1])
    report = await Importer(app.state.db, dry_run=True).run(
        read_lines(io.BytesIO(b"".join([lines[0], long_line, *lines[1:]])), limit=1024)
    )
    assert (2, "too long: skipped") in report.errors


async def test_stored_notes_and_foreign_slugs_are_never_overwritten(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    data = await demo_file(app)
    lines = parsed(data)
    noted = next(
        line for line in lines
        if line["type"] == "article"
        and any(v["corrections"] for v in line["translations"].values())
    )  # fmt: skip
    version = next(v for v in noted["translations"].values() if v["corrections"])
    version["corrections"][0]["text"] = "Rewritten history."
    others = [line for line in lines if line["type"] == "article" and line["id"] != noted["id"]]
    thief = others[0]
    victim = next(o for o in others[1:] if set(o["translations"]) & set(thief["translations"]))
    shared = next(iter(set(thief["translations"]) & set(victim["translations"])))
    thief["translations"][shared]["slug"] = victim["translations"][shared]["slug"]

    report = await import_bytes(app, as_file(lines))
    messages = dict(report.errors)
    assert any("never changed" in m for m in messages.values()), messages
    assert any("taken" in m or "slug" in m for m in messages.values()), messages
    async with app.state.db.reader() as session:
        texts = set(await session.scalars(select(Correction.text)))
    assert "Rewritten history." not in texts
    page = await client.get(f"/v1/{shared}/articles/{victim['translations'][shared]['slug']}")
    if page.status_code == 200:
        assert page.json()["id"] == victim["id"]


async def test_through_another_database_and_back(app: FastAPI, tmp_path: Path) -> None:
    """From this database into a new SQLite file and back (from PostgreSQL to SQLite and
    back, when PostgreSQL is on): the same file each time."""
    first = await demo_file(app)
    other_url = f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
    await asyncio.to_thread(migrate.upgrade, other_url)
    other = Database(other_url, pool_size=1)
    try:
        report = await Importer(other).run(read_lines(io.BytesIO(first)))
        assert report.errors == [] and report.complete
        out = io.BytesIO()
        await write(other, out, now=NOW)
        assert out.getvalue() == first
    finally:
        await other.dispose()
    await empty(app, None)
    report = await Importer(app.state.db).run(read_lines(io.BytesIO(out.getvalue())))
    assert report.errors == [] and report.complete
    assert await export_bytes(app) == first


def test_the_commands(tmp_path: Path) -> None:
    """On a bench-data archive (drafts, schedules, takedowns, 700 terms): export, import
    into a new database, export again: the same lines; a bad line and a foreign file exit
    as documented. On SQLite only: the commands run the functions the tests above run on
    both databases."""
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    env = {**os.environ, "NEWSDESK_DATABASE_URL": f"sqlite+aiosqlite:///{first}",
           "NEWSDESK_MEDIA_DIR": str(tmp_path / "media")}  # fmt: skip
    elsewhere = {**env, "NEWSDESK_DATABASE_URL": f"sqlite+aiosqlite:///{second}"}

    def newsdesk(
        *args: str, stdin: bytes = b"", env: dict[str, str] = env
    ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*NEWSDESK, *args], env=env, input=stdin, capture_output=True, timeout=120,
            check=False,
        )  # fmt: skip

    assert newsdesk("migrate").returncode == 0
    shutil.copy(first, second)  # migrated and empty
    made = newsdesk("bench-data", "--articles", "12", "--seed", "3")
    assert made.returncode == 0, made.stderr
    exported = newsdesk("export", "-")
    assert exported.returncode == 0, exported.stderr
    assert b"exported 3 language" in exported.stderr and b"12 article" in exported.stderr
    lines = exported.stdout.splitlines()
    assert json.loads(lines[0])["type"] == "header" and json.loads(lines[-1])["type"] == "end"

    path = tmp_path / "archive.jsonl"
    path.write_bytes(exported.stdout)
    moved = newsdesk("import", str(path), env=elsewhere)
    assert moved.returncode == 0, moved.stderr
    assert b"0 failed" in moved.stderr
    back = newsdesk("export", "-", env=elsewhere)
    assert back.stdout.splitlines()[1:] == lines[1:]  # all but the header's time

    broken = [lines[0], b'{"type": "tag", "id": "not a uuid"}', lines[-1]]
    path.write_bytes(b"\n".join(broken) + b"\n")
    failed = newsdesk("import", str(path), "--dry-run")
    assert failed.returncode == 1
    assert b"line 2: invalid tag: id:" in failed.stderr
    assert b"dry run, nothing stored" in failed.stderr
    refused = newsdesk("import", "-", stdin=b'{"hello": "world"}\n')
    assert refused.returncode == 2 and b"error: line 1" in refused.stderr


async def test_media_lines_name_storage_keys_or_web_addresses(app: FastAPI) -> None:
    """A cover URL from a file reaches every frontend: `javascript:` and paths out of the
    media folder are refused."""
    at = "2026-01-01T00:00:00Z"
    header = {"type": "header", "format": "newsdesk", "version": VERSION, "exported_at": at}
    common = {"type": "media", "width": 10, "height": 10, "created_at": at, "updated_at": at}
    lines: list[dict[str, Any]] = [
        header,
        {**common, "id": "00000000-0000-4000-8000-000000000001", "url": "javascript:alert(1)"},
        {
            **common,
            "id": "00000000-0000-4000-8000-000000000002",
            "url": "../../etc/passwd",
            "content_hash": "a" * 64,
        },
        {
            **common,
            "id": "00000000-0000-4000-8000-000000000003",
            "url": "https://images.example.com/a.jpg",
            "renditions": [["x", 1, 1, "jpeg", None]],
        },
        {
            **common,
            "id": "00000000-0000-4000-8000-000000000004",
            "url": "https://images.example.com/b.jpg",
        },
        {"type": "end", "counts": {"media": 4}},
    ]
    report = await import_bytes(app, as_file(lines))
    errors = dict(report.errors)
    assert "pattern" in errors[2]
    assert "not a storage key: '../../etc/passwd'" in errors[3]
    assert "no renditions" in errors[4]
    assert report.created == {"media": 1} and report.complete
