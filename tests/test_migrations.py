"""Migrations run up, down and up again on each database, keep the content, and match
the models."""

import asyncio
import json
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from app import migrate
from app.auth import service as auth
from app.auth.service import Role
from app.config import Settings
from app.db import create_engine
from app.models import Base
from app.models.search import include_object
from tests import builders
from tests.builders import create_media, create_term
from tests.conftest import Credential, make_key, running_app
from tests.databases import fresh_database
from tests.demo_newsroom import DemoCopy, demo_database
from tests.search.test_index import pairs_vocabulary

__all__ = ["demo_database", "fresh_database"]  # the fixtures, imported for pytest

# Columns a migration is meant to rewrite on its way down and back up: 7d1e0c5a9b31
# gives Ukrainian its own analyser (`simple` -> `ukrainian`).
# 8c1f4e7a2d93 adds (and takes away) each search document's language lexeme, and
# 2b7e5d31c9a4 its `head`'s field marks.
REWRITES = {
    "7d1e0c5a9b31": frozenset({("languages", "text_search")}),
    "8c1f4e7a2d93": frozenset(("search_documents", c) for c in ("vector", "head", "pairs")),
    "2b7e5d31c9a4": frozenset({("search_documents", "head")}),
    # 8a4d2f6c1e37 marks SQLite's pairs by field (their tokens, at the same places).
    "8a4d2f6c1e37": frozenset({("search_fts_pairs", "term")}),
}
# Tables a migration fills on its way up: 3b8f2d6e4a10 indexes every translation.
FILLS = {"3b8f2d6e4a10": frozenset({("search_documents", "*"), ("search_fts", "*")})}
# Tables a migration must empty, both ways: e3a9c1f07b52 keys stored retry answers by the
# credential's id instead of a hash of the Authorization header (which is not kept), and
# the old rows held secrets in clear.
EMPTIES = {"e3a9c1f07b52": frozenset({("idempotency_keys", "*")})}
EMPTIED = frozenset().union(*EMPTIES.values())
# The search index, which must come back as the index writes it (4f7b2d9e1a63 fills
# SQLite's head table from the FTS5 table's lemmas, 9e4c1b7a3f20 its pairs table).
SEARCH = ("search_documents", "search_fts", "search_fts_head", "search_fts_pairs")
# What the index writes that a migration does not make: b2f7c4e91d05 adds SQLite's
# `alternatives_at` empty (NULL: snippets analyse such a hit's words), and an entry places
# its alternatives when it is next written (`newsdesk search-reindex`).
UNPLACED = frozenset({("search_documents", "alternatives_at")})
# Surrogate keys of derived rows: 3b8f2d6e4a10 rebuilds the search index on its way up.
DERIVED_KEYS = {"search_documents": {"id"}}
# What a round trip below 3b8e1f6a9c20 (media uploads) forgets: its downgrade drops the
# columns that make a record an upload, so an uploaded cover comes back as one registered
# by URL (its key as its url), with no renditions. The demo's covers are uploads.
UPLOADED = ("url", "renditions", "blurhash", "dominant_color")
# Every kind of content the round trip must carry (each must have rows at the start).
CONTENT = (
    "articles", "translations", "article_authors", "article_tags", "article_sources",
    "authors", "author_translations", "categories", "category_translations", "tags",
    "tag_translations", "media", "media_translations", "revisions", "slug_redirects",
    "users", "access_tokens", "api_keys", "preview_tokens", "idempotency_keys",
    "search_documents",
)  # fmt: skip
STATES = {"draft", "in_review", "scheduled", "published", "archived"}
PASSWORD = "correct horse battery staple"


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


# --- The content round trip -------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    columns: frozenset[str]
    rows: list[dict[str, Any]]

    def content(self, columns: frozenset[str]) -> Counter[str]:
        return Counter(
            json.dumps({c: row[c] for c in columns}, sort_keys=True, default=str)
            for row in self.rows
        )


Dump = dict[str, Table]


async def _dump(url: str) -> Dump:
    """Every row of every table (the search index by translation, not by rowid)."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: inspect(c).get_table_names())
            queries = {
                name: f'SELECT * FROM "{name}"'  # noqa: S608 (names from the inspector)
                for name in names
                if name != "alembic_version" and not name.startswith("search_fts")
            }
            for fts in ("search_fts", "search_fts_head"):  # SQLite's FTS5 tables: their
                if fts in names:  # rowid is a document id
                    queries[fts] = (
                        f"SELECT d.translation_id, f.* FROM {fts} f "  # noqa: S608 (fixed names)
                        "LEFT JOIN search_documents d ON d.id = f.rowid"
                    )
            if "search_fts_pairs" in names:  # contentless: its tokens, by FTS5's own table
                vocabulary = await pairs_vocabulary(conn)
                queries["search_fts_pairs"] = (
                    f'SELECT d.translation_id, v.term, v.col, v."offset" FROM {vocabulary} v '  # noqa: S608 (a fixed name)
                    "LEFT JOIN search_documents d ON d.id = v.doc"
                )
            dump: Dump = {}
            for name, query in queries.items():
                result = await conn.execute(text(query))
                columns = frozenset(result.keys()) - DERIVED_KEYS.get(name, set())
                rows = [{c: row[c] for c in columns} for row in result.mappings()]
                dump[name] = Table(columns, rows)
            return dump
    finally:
        await engine.dispose()


def _differences(
    before: Dump,
    after: Dump,
    *,
    ignore: frozenset[tuple[str, str]] = frozenset(),
    within: Dump | None = None,
) -> list[str]:
    """What changed in the tables and columns both dumps have (and `within` has)."""
    scope = within or before
    problems = []
    for name in sorted(before.keys() & after.keys() & scope.keys()):
        columns = before[name].columns & after[name].columns & scope[name].columns
        skipped = {column for table, column in ignore if table == name}
        if "*" in skipped:
            continue
        columns -= skipped
        old, new = before[name].content(columns), after[name].content(columns)
        if old != new:
            lost, gained = old - new, new - old
            example = next(iter(lost or gained))[:300]
            problems.append(
                f"{name}: {lost.total()} of {old.total()} rows lost, "
                f"{gained.total()} appeared; e.g. {example}"
            )
    return problems


def _describe(connection: Connection) -> dict[str, Any]:
    """The schema as the inspector sees it, in a comparable form."""
    found = inspect(connection)

    def norm(items: Any) -> list[str]:
        return sorted(json.dumps(item, sort_keys=True, default=str) for item in items)

    schema: dict[str, Any] = {}
    for name in found.get_table_names():
        if name.startswith("search_fts"):
            continue
        columns = found.get_columns(name)
        schema[name] = {
            "columns": norm(
                (c["name"], str(c["type"]), c["nullable"], c["default"]) for c in columns
            ),
            "primary key": found.get_pk_constraint(name),
            "foreign keys": norm(found.get_foreign_keys(name)),
            "indexes": norm(found.get_indexes(name)),
            "unique": norm(found.get_unique_constraints(name)),
            "checks": norm(found.get_check_constraints(name)),
        }
    if connection.dialect.name == "sqlite":
        triggers = connection.exec_driver_sql(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
        )
        schema["triggers"] = sorted(map(tuple, triggers))
    return schema


async def _schema(url: str) -> dict[str, Any]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_describe)
    finally:
        await engine.dispose()


POLISH = {"code": "pl", "bcp47": "pl", "name": "Polish", "native_name": "Polski",
          "fallbacks": ["en"]}  # fmt: skip
USERS = [
    {"email": "olena@newsroom.example", "display_name": "Olena", "role": "editor",
     "password": PASSWORD, "languages": []},
    {"email": "tanya@newsroom.example", "display_name": "Tanya", "role": "translator",
     "password": PASSWORD, "languages": ["en"]},
]  # fmt: skip
TITLES = {"ua": "Київ зустрічає зиму", "en": "Kyiv meets winter", "ru": "Киев встречает зиму",
          "pl": "Kijów i zima"}  # fmt: skip
SOURCES = [{"name": "Financial Times", "url": "https://www.ft.com/"}, {"name": "Reuters"}]


async def _populate(settings: Settings) -> None:
    """A newsroom's worth of everything, on top of the demo articles, through the API:
    translations in every state, a changed slug, users and their tokens, keys (one
    revoked), a preview link, an idempotent create, a fourth language."""
    async with running_app(settings) as (app, client):
        admin = await make_key(app)

        async def call(method: str, path: str, status: int, **kw: Any) -> dict[str, Any]:
            kw.setdefault("headers", admin.headers)
            response = await client.request(method, path, **kw)
            assert response.status_code == status, response.text
            body: dict[str, Any] = response.json() if response.content else {}
            return body

        await call("POST", "/v1/admin/languages", 201, json=POLISH)
        for user in USERS:
            await call("POST", "/v1/admin/users", 201, json=user)
        login = {"username": USERS[0]["email"], "password": PASSWORD}
        token = (await call("POST", "/v1/auth/token", 200, headers={}, data=login))["access_token"]
        editor = {"Authorization": f"Bearer {token}"}
        await call("POST", "/v1/admin/api-keys", 201, json={"name": "partner", "role": "editor"})
        old = await call("POST", "/v1/admin/api-keys", 201, json={"name": "old", "role": "author"})
        await call("DELETE", f"/v1/admin/api-keys/{old['id']}", 204)

        tag = await create_term(client, admin, "tags", ua="Кібербезпека", en="Cyber security")
        category = await create_term(client, admin, "categories", ua="Світ", en="World")
        author = await create_term(client, admin, "authors", ua="Олена Коваль", en="Olena Koval")
        media = await create_media(client, admin)
        article = {
            "original_language": "ua",
            "author_ids": [author["id"]],
            "category_id": category["id"],
            "tag_ids": [tag["id"]],
            "cover_media_id": media["id"],
            "sources": SOURCES,
            "translations": {lang: builders.text(title) for lang, title in TITLES.items()},
        }
        created = await call(
            "POST",
            "/v1/admin/articles",
            201,
            headers={**editor, "Idempotency-Key": "k1"},
            json=article,
        )
        base = f"/v1/admin/articles/{created['id']}/translations"
        await call("POST", f"{base}/ua/publish", 200, headers=editor, json={})
        renamed = {**builders.text(TITLES["ua"], body="<p>Нове.</p>"), "slug": "kyiv-i-zyma"}
        await call("PUT", f"{base}/ua", 200, headers={**editor, "If-Match": "*"}, json=renamed)
        await call("POST", f"{base}/en/submit", 200, headers=editor)
        await call("POST", f"{base}/ru/publish", 200, json={})
        await call("POST", f"{base}/ru/archive", 200)
        await call("POST", f"{base}/pl/preview", 201)

        later = {"original_language": "en", "translations": {"en": builders.text("Tomorrow")}}
        later_id = (await call("POST", "/v1/admin/articles", 201, json=later))["id"]
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        path = f"/v1/admin/articles/{later_id}/translations/en/publish"
        await call("POST", path, 200, json={"publish_at": tomorrow})


async def _public_pages(settings: Settings) -> dict[str, Any]:
    async with running_app(settings) as (_, client):
        pages = {}
        for path in ("/v1/ua/articles?limit=100", "/v1/en/articles?limit=100",
                     "/v1/ru/articles?limit=100", "/v1/en/tags", "/v1/ua/authors"):  # fmt: skip
            response = await client.get(path)
            assert response.status_code == 200, response.text
            pages[path] = response.json()
        return pages


def _steps() -> list[tuple[str, str]]:
    """(revision, the one below it), from the head down to the earliest revision."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    steps = []
    for revision in script.walk_revisions():
        if isinstance(revision.down_revision, str):
            steps.append((revision.revision, revision.down_revision))
    return steps


def test_every_step_down_and_back_up_keeps_the_content(demo_database: DemoCopy) -> None:
    url = demo_database.database_url
    assert migrate.current_revision(url) == migrate.head_revision()
    settings = Settings(database_url=url, media_dir=demo_database.media_dir)
    asyncio.run(_populate(settings))
    pages, schema = asyncio.run(_public_pages(settings)), asyncio.run(_schema(url))
    start = asyncio.run(_dump(url))
    assert [name for name in CONTENT if not start[name].rows] == []
    assert {row["status"] for row in start["translations"].rows} == STATES
    assert len(start["translations"].rows) >= 20 and len(start["languages"].rows) == 4

    # Down one migration at a time to the earliest: each keeps what it does not drop.
    steps = _steps()
    assert steps[0][0] == migrate.head_revision()
    dump = start
    for revision, below in steps:
        assert migrate.move(url, below) == (revision, below)
        lower = asyncio.run(_dump(url))
        ignore = REWRITES.get(revision, frozenset()) | EMPTIES.get(revision, frozenset())
        changed = _differences(dump, lower, ignore=ignore)
        assert changed == [], f"down from {revision} to {below}"
        dump = lower
    earliest = dump
    assert len(earliest["translations"].rows) == len(start["translations"].rows)

    # Back up one at a time: each keeps what it found.
    for revision, below in reversed(steps):
        assert migrate.move(url, "+1") == (below, revision)
        higher = asyncio.run(_dump(url))
        ignore = (
            REWRITES.get(revision, frozenset())
            | FILLS.get(revision, frozenset())
            | EMPTIES.get(revision, frozenset())
        )
        assert _differences(dump, higher, ignore=ignore) == [], f"up from {below} to {revision}"
        dump = higher

    # The core tables (all the earliest revision has) hold exactly what they held, the
    # search index is the same, the schema is the one the migrations made, and the public
    # API answers the same.
    assert _differences(start, dump, within=earliest, ignore=EMPTIED) == []
    search = {name: start[name] for name in SEARCH if name in start}
    assert all(table.rows for table in search.values()), "every index table has rows"
    assert _differences(start, dump, within=search, ignore=UNPLACED) == []
    assert asyncio.run(_schema(url)) == schema
    covers = uploaded_covers(pages)
    assert covers, "the demo's covers are uploads"
    after = asyncio.run(_public_pages(settings))
    rows = [*start["corrections"].rows, *start["article_related"].rows]
    corrected = {str(uuid.UUID(str(row["article_id"]))) for row in rows}
    assert corrected, "the demo's story has a correction and a related article"
    assert forget_revised(forget_uploads(after, covers), corrected) == forget_revised(
        forget_uploads(pages, covers), corrected
    )


def uploaded_covers(answer: Any, found: set[str] | None = None) -> set[str]:
    """The ids of the covers with renditions (uploads) anywhere in `answer` (public JSON)."""
    found = set() if found is None else found
    if isinstance(answer, list):
        for item in answer:
            uploaded_covers(item, found)
    elif isinstance(answer, dict):
        if answer.get("renditions"):
            found.add(answer["id"])
        for value in answer.values():
            uploaded_covers(value, found)
    return found


def forget_uploads(answer: Any, covers: set[str]) -> Any:
    """`answer` without what a round trip below 3b8e1f6a9c20 loses of the uploaded `covers`
    (see `UPLOADED`); everything else stays to be compared."""
    if isinstance(answer, list):
        return [forget_uploads(item, covers) for item in answer]
    if not isinstance(answer, dict):
        return answer
    cover = "renditions" in answer and answer.get("id") in covers
    # A page's picks among the cover's files: the social card's file and the JSON-LD's crops.
    social = "type" in answer and "alt" in answer and answer.get("id") in covers
    shown = isinstance(answer.get("cover"), dict) and answer["cover"].get("id") in covers
    return {
        k: forget_uploads(v, covers) if not (shown and k == "json_ld") else _no_image(v)
        for k, v in answer.items()
        if not (cover and k in UPLOADED)
        and not (social and k in ("url", "width", "height", "type"))
    }


def _no_image(json_ld: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in json_ld.items() if k != "image"}


# What a round trip below 0d0a9a471f82 (correction notes, related articles) forgets: its
# downgrade drops the notes, `revised_at` and the links, so a corrected version's
# `updated_at` falls back to its first publication (and so do the JSON-LD's). The demo's
# metro story has both.
CORRECTED = ("updated_at", "corrections", "related")
CORRECTED_JSON_LD = ("dateModified", "correction")


def forget_revised(answer: Any, articles: set[str]) -> Any:
    """`answer` without what that round trip forgets of these articles (`CORRECTED`)."""
    if isinstance(answer, list):
        return [forget_revised(item, articles) for item in answer]
    if not isinstance(answer, dict):
        return answer
    if answer.get("id") not in articles:
        return {k: forget_revised(v, articles) for k, v in answer.items()}
    kept = {k: forget_revised(v, articles) for k, v in answer.items() if k not in CORRECTED}
    if isinstance(kept.get("json_ld"), dict):
        kept["json_ld"] = {k: v for k, v in kept["json_ld"].items() if k not in CORRECTED_JSON_LD}
    return kept


async def _key_answers(settings: Settings, *keys: str) -> list[int]:
    """The status of an admin read made with each key (200: it works, 401: it does not)."""
    async with running_app(settings) as (_, client):
        return [
            (await client.get("/v1/admin/articles", headers=Credential(key).headers)).status_code
            for key in keys
        ]


async def _keys(settings: Settings) -> tuple[str, str]:
    """A working API key, and one that expired an hour ago."""
    async with running_app(settings) as (app, _):
        async with app.state.db.writer() as session, session.begin():
            _, live = await auth.create_api_key(session, name="live", role=Role.admin)
            _, expired = await auth.create_api_key(
                session,
                name="expired",
                role=Role.admin,
                expires_at=datetime.now(UTC) - timedelta(hours=1),
            )
        return live, expired


def test_an_expired_api_key_stays_dead_below_the_revision_that_added_expiry(
    fresh_database: str, tmp_path: Path
) -> None:
    url = fresh_database
    migrate.upgrade(url)
    settings = Settings(database_url=url, media_dir=tmp_path / "media")
    live, expired = asyncio.run(_keys(settings))
    assert asyncio.run(_key_answers(settings, live, expired)) == [200, 401]
    migrate.move(url, "5f41607e028f")  # below fc95e7778993: no expiry column
    migrate.move(url)
    assert asyncio.run(_key_answers(settings, live, expired)) == [200, 401]


async def _heads(url: str) -> dict[int, list[str]]:
    """Each search document's `head`, as its sorted lexemes with their positions."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT id, head::text FROM search_documents"))
            return {ident: sorted(head.split(" ")) for ident, head in rows}
    finally:
        await engine.dispose()


@pytest.mark.postgres_only
def test_field_marks_made_by_the_migration_are_the_index_s(demo_database: DemoCopy) -> None:
    """2b7e5d31c9a4 derives `head`'s marked lexemes from its positions' weights in SQL;
    below it there are none, and back up every `head` is again what the index wrote."""
    url = demo_database.database_url
    written = asyncio.run(_heads(url))
    marked = [lexeme for head in written.values() for lexeme in head if lexeme[1] in "^+"]
    assert len(written) >= 20 and len(marked) > 100
    assert any(lexeme.startswith("'^~") for lexeme in marked)
    migrate.move(url, "8af69b19ed2c")
    below = asyncio.run(_heads(url))
    assert below.keys() == written.keys()
    assert [lexeme for head in below.values() for lexeme in head if lexeme[1] in "^+"] == []
    migrate.move(url)
    assert asyncio.run(_heads(url)) == written


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
