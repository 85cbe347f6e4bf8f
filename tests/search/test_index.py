"""`newsdesk search-reindex`: a pool of worker processes writes exactly the index one
process writes, on every database, and a log gets its progress."""

import asyncio
import os
import re
import sys
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.benchdata.load import generate
from app.config import Settings
from app.search.index import BATCH


async def _cli(url: str, *args: str) -> str:
    env = {"NEWSDESK_DATABASE_URL": url, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "search-reindex", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return err.decode()


async def _index_content(conn: AsyncConnection) -> dict[Any, tuple[Any, ...]]:
    """Every document by translation, the SQLite rowids (the FTS5 table's keys) included."""
    if conn.dialect.name == "postgresql":
        sql = "SELECT translation_id, vector::text, head::text, pairs::text FROM search_documents"
        return {row[0]: tuple(row[1:]) for row in await conn.execute(text(sql))}
    sql = (
        "SELECT d.translation_id, d.id, d.alternatives_at, f.title, f.lead, f.body, "
        "f.title_alt, f.lead_alt, f.body_alt, h.* FROM search_documents d "
        "JOIN search_fts f ON f.rowid = d.id JOIN search_fts_head h ON h.rowid = d.id"
    )
    pairs = await sqlite_pairs(conn)
    return {row[0]: (*row[1:], pairs.get(row[0])) for row in await conn.execute(text(sql))}


async def pairs_vocabulary(conn: AsyncConnection) -> str:
    """SQLite: FTS5's vocabulary table of the pairs table (each token: term, document,
    column, offset), made for this connection; its name."""
    await conn.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.pairs_vocab "
            "USING fts5vocab(main, search_fts_pairs, instance)"
        )
    )
    return "temp.pairs_vocab"


async def sqlite_pairs(conn: AsyncConnection) -> dict[Any, tuple[tuple[int, int, str], ...]]:
    """SQLite: each translation's tokens in the contentless pairs table (column, position,
    pair), read through FTS5's vocabulary table: the table keeps no text to compare."""
    vocabulary = await pairs_vocabulary(conn)
    found: dict[Any, list[tuple[int, int, str]]] = {}
    rows = await conn.execute(
        text(
            f'SELECT d.translation_id, v.col, v."offset", v.term FROM {vocabulary} v '  # noqa: S608 (a fixed name)
            "JOIN search_documents d ON d.id = v.doc"
        )
    )
    for translation, field, at, pair in rows:
        found.setdefault(translation, []).append((field, at, pair))
    return {translation: tuple(sorted(tokens)) for translation, tokens in found.items()}


async def _segments(engine: Any) -> list[int] | None:
    """SQLite: how many segments each FTS5 table's index is in (a page's rowid in the
    table's `_data` shadow table carries its segment's id above bit 37); None on
    PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return None
    async with engine.connect() as conn:
        return [
            await conn.scalar(
                text(f"SELECT count(DISTINCT id >> 37) FROM {name}_data WHERE id >= (1 << 37)")  # noqa: S608 (fixed names)
            )
            for name in ("search_fts", "search_fts_head", "search_fts_pairs")
        ]


async def test_workers_write_the_index_one_process_writes(app: FastAPI, settings: Settings) -> None:
    await generate(settings.database_url, articles=300)  # about 700 translations
    engine = app.state.db.engine
    async with engine.connect() as conn:
        translations = await conn.scalar(text("SELECT count(*) FROM translations"))
    assert translations > BATCH  # batches for both workers

    contents = {}
    for jobs in ("1", "2"):
        err = await _cli(settings.database_url, "--jobs", jobs)
        assert f"indexed {translations} translations in " in err
        async with engine.connect() as conn:
            contents[jobs] = await _index_content(conn)
    assert len(contents["1"]) == translations
    assert contents["2"] == contents["1"]
    assert await _segments(engine) in (None, [1, 1, 1])  # SQLite: each FTS5 index merged

    # Progress, when stderr is not a terminal: a line per 10% with the rate and time left.
    lines = re.findall(r"^indexing: ([\d,]+)/([\d,]+) translations \((\d+)%\)(.*)$", err, re.M)
    assert lines[0] == ("0", f"{translations:,}", "0", "")
    assert lines[-1][:3] == (f"{translations:,}", f"{translations:,}", "100")
    assert all(re.fullmatch(r", [\d,]+/s, .+ left", line[3]) for line in lines[1:])

    # One language only: its documents rewritten as they were, the others untouched.
    err = await _cli(settings.database_url, "--language", "ua", "--jobs", "2")
    async with engine.connect() as conn:
        ua = await conn.scalar(text("SELECT count(*) FROM translations WHERE language='ua'"))
        assert f"indexed {ua} translations" in err
        after = await _index_content(conn)
    assert after == contents["1"]  # SQLite's rowids kept as well
