"""Export → import into an empty database → export again gives the same file, and the
imported site reads as the exported one did: every public page byte for byte, search,
former slugs answering 301. On both databases; importing the same file twice changes
nothing the second time."""

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, insert, select

from app.cache.store import ALL
from app.demo.loader import load
from app.models import Article, Language, Revision
from app.models.base import utcnow
from app.transfer.export import write
from app.transfer.load import Importer, Report, read_lines
from tests.builders import put_translation
from tests.conftest import Credential, _file_lock, empty_tables, make_key

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def export_bytes(app: FastAPI, **filters: Any) -> bytes:
    out = io.BytesIO()
    await write(app.state.db, out, now=NOW, **filters)
    return out.getvalue()


async def import_bytes(app: FastAPI, data: bytes, *, dry_run: bool = False) -> Report:
    importer = Importer(app.state.db, cache=app.state.response_cache, dry_run=dry_run)
    return await importer.run(read_lines(io.BytesIO(data)))


async def empty(app: FastAPI, languages: list[dict[str, Any]] | None) -> None:
    async with app.state.db.engine.begin() as conn:
        await empty_tables(conn)
        if languages:
            await conn.execute(insert(Language), languages)
    if app.state.response_cache is not None:  # emptied behind the ORM's back
        app.state.response_cache.purge({ALL})


async def load_demo(app: FastAPI) -> None:
    async with app.state.db.writer() as session, session.begin():
        await load(
            session, now=utcnow(), storage=app.state.media_storage, settings=app.state.settings
        )


# Where the demo's export is kept for the whole run (all xdist workers, both databases):
# set by `tests/transfer/conftest.py`.
SHARED: list[Path] = []


async def demo_file(app: FastAPI) -> bytes:
    """The demo's export, stored in the app's database. The first test of the run to ask
    loads the demo (its pictures take seconds to render) and keeps the export; every other
    one imports that file, on either database."""
    (folder,) = SHARED
    path = folder / "demo-export.jsonl"
    with _file_lock(folder / "demo-export.lock"):
        if not path.exists():
            await load_demo(app)
            data = await export_bytes(app)
            path.with_suffix(".partial").write_bytes(data)
            path.with_suffix(".partial").rename(path)
            return data
    data = path.read_bytes()
    report = await import_bytes(app, data)
    assert report.errors == [], report.errors
    return data


async def public_pages(client: httpx.AsyncClient) -> dict[str, Any]:
    """Every public article page of every language, by path."""
    pages: dict[str, Any] = {}
    for lang in ("ua", "en", "ru"):
        listing = await client.get(f"/v1/{lang}/articles", params={"limit": 100})
        assert listing.status_code == 200, listing.text
        for card in listing.json()["items"]:
            page = await client.get(card["path"])
            assert page.status_code == 200, page.text
            pages[card["path"]] = page.json()
    return pages


def body_lines(data: bytes) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in data.splitlines()]
    assert lines[0]["type"] == "header" and lines[-1]["type"] == "end"
    return lines


async def test_demo_round_trip_is_lossless(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    await demo_file(app)  # the demo, loaded (or imported, when another test loaded it)
    # A published version renamed: its old slug is kept and must survive the trip.
    story = (await client.get("/v1/en/articles")).json()["items"][0]
    article = (await client.get(f"/v1/admin/articles/{story['id']}", headers=admin.headers)).json()
    en = article["translations"]["en"]
    old_path = story["path"]
    await put_translation(
        client, admin, story["id"], "en",
        {"title": en["title"], "lead": en["lead"], "body_html": en["body_html"],
         "slug": "renamed-for-the-round-trip"},
    )  # fmt: skip
    before = await public_pages(client)
    first = await export_bytes(app)

    async with app.state.db.reader() as session:
        languages = [
            {c.key: getattr(row, c.key) for c in Language.__table__.columns}
            for row in await session.scalars(select(Language))
        ]
    await empty(app, languages)
    assert (await client.get("/v1/en/articles/renamed-for-the-round-trip")).status_code == 404

    report = await import_bytes(app, first)
    assert report.errors == [] and report.complete
    lines = body_lines(first)
    assert sum(report.created.values()) == len(lines) - 2 - len(languages)
    assert report.unchanged == {"language": len(languages)}

    again = await export_bytes(app)
    assert again == first  # the same header too: same time given, same schema
    assert await public_pages(client) == before
    moved = await client.get(old_path)
    assert moved.status_code == 301
    assert moved.headers["location"].endswith("/v1/en/articles/renamed-for-the-round-trip")
    # Found by search: the index was built as the versions were written.
    word = before[next(iter(before))]["title"].split()[0]
    lang = next(iter(before)).split("/")[2]
    found = await client.get(f"/v1/{lang}/articles", params={"q": word})
    assert found.status_code == 200 and found.json()["items"], found.text

    # The same file again: nothing to do, nothing written (no revision recorded).
    async with app.state.db.reader() as session:
        revisions = await session.scalar(select(func.count()).select_from(Revision))
    second = await import_bytes(app, first)
    assert second.errors == [] and second.created == {} and second.updated == {}
    assert sum(second.unchanged.values()) == len(lines) - 2
    async with app.state.db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Revision)) == revisions
    assert await export_bytes(app) == first


async def test_a_changed_line_updates_instead_of_duplicating(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    data = await demo_file(app)
    lines = body_lines(data)
    article = next(line for line in lines if line["type"] == "article"
                   and line["translations"].get("en", {}).get("status") == "published")  # fmt: skip
    en = article["translations"]["en"]
    en["title"] = "A title changed in the file"
    en["body_html"] = "<p>New body.</p><script>alert(1)</script>"
    changed = b"".join(json.dumps(line).encode() + b"\n" for line in lines)

    report = await import_bytes(app, changed)
    assert report.errors == []
    assert report.updated == {"article": 1}
    async with app.state.db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Article)) == sum(
            1 for line in lines if line["type"] == "article"
        )
    page = await client.get(f"/v1/en/articles/{en['slug']}")
    assert page.status_code == 200
    assert page.json()["title"] == "A title changed in the file"
    assert "<script" not in page.json()["body_html"]  # through the sanitizer


async def test_dry_run_stores_nothing(app: FastAPI) -> None:
    data = await demo_file(app)
    await empty(app, None)  # no languages either: every text line needs one
    lines = data.splitlines()
    report = await import_bytes(app, b"\n".join(lines) + b"\n", dry_run=True)
    assert report.errors == [] and report.complete  # the languages come first in the file
    assert report.created["article"] == sum(1 for line in lines if b'"type":"article"' in line)
    async with app.state.db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Article)) == 0
        assert await session.scalar(select(func.count()).select_from(Language)) == 0


async def test_revisions_come_along_when_asked(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    await demo_file(app)
    # An original edited after its translations were made: they read as outdated, which
    # rests on the revision numbers the file must keep.
    story = (await client.get("/v1/en/articles")).json()["items"][0]
    ident = story["id"]
    article = (await client.get(f"/v1/admin/articles/{ident}", headers=admin.headers)).json()
    original = article["original_language"]
    text = article["translations"][original]
    await put_translation(
        client, admin, ident, original,
        {"title": text["title"] + " (updated)", "lead": text["lead"],
         "body_html": text["body_html"], "slug": text["slug"]},
    )  # fmt: skip
    before = (await client.get(f"/v1/admin/articles/{ident}", headers=admin.headers)).json()
    assert any(t["outdated"] for t in before["translations"].values())
    history = (
        await client.get(f"/v1/admin/articles/{ident}/revisions", headers=admin.headers)
    ).json()

    first = await export_bytes(app, with_revisions=True)
    lines = body_lines(first)
    assert lines[0]["filters"] == {"with_revisions": True}
    stories = [line for line in lines if line["type"] == "article"]
    assert stories and all(line["revisions"] for line in stories)
    plain = body_lines(await export_bytes(app))
    assert not any("revisions" in line for line in plain if line["type"] == "article")

    async with app.state.db.reader() as session:
        languages = [
            {c.key: getattr(row, c.key) for c in Language.__table__.columns}
            for row in await session.scalars(select(Language))
        ]
    await empty(app, languages)
    report = await import_bytes(app, first)
    assert report.errors == [] and report.complete
    assert await export_bytes(app, with_revisions=True) == first
    again = await import_bytes(app, first)
    assert again.created == again.updated == {} and again.errors == []

    admin = await make_key(app)
    after = (await client.get(f"/v1/admin/articles/{ident}", headers=admin.headers)).json()
    for lang, version in before["translations"].items():
        got = after["translations"][lang]
        assert (got["outdated"], got["outdated_fields"], got["source_revision"]) == (
            version["outdated"], version["outdated_fields"], version["source_revision"]
        ), lang  # fmt: skip
    assert (
        await client.get(f"/v1/admin/articles/{ident}/revisions", headers=admin.headers)
    ).json() == history
    # Revisions go with whole articles: not with a language filter.
    with pytest.raises(ValueError, match="whole articles"):
        await export_bytes(app, with_revisions=True, language="ua")
    refused = await client.get(
        "/v1/admin/export", params={"with_revisions": "true", "language": "ua"},
        headers=admin.headers,
    )  # fmt: skip
    assert refused.status_code == 422, refused.text
