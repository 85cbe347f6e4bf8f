"""Test harness: every test runs against real databases built by the migrations.

SQLite always; PostgreSQL too when NEWSDESK_TEST_POSTGRES_URL is set (then an
unreachable server is an error, never a skip). Each test gets a freshly emptied database
(the migrated schema with its seeded languages) and an httpx client on the ASGI app;
tests of the real process run the `newsdesk` CLI and a live uvicorn (`live_server`).
"""

import asyncio
import faulthandler
import fcntl
import functools
import hashlib
import os
import sqlite3
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies import models as fastapi_models
from httpx._config import create_ssl_context as make_ssl_context
from httpx._transports import default as httpx_transports
from sqlalchemy import Integer, String, insert, literal, select, text, union_all
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

import migrations
from app import migrate
from app.auth import service as auth
from app.auth.service import Role
from app.cache.bus import base as bus_base
from app.config import Settings
from app.db import Database
from app.main import create_app
from app.models import AuditEntry, Base, Language
from tests.live import NEWSDESK, free_port, newsdesk_serve

__all__ = ["NEWSDESK", "free_port"]  # imported from here by many tests


# A test still running after this many seconds has every thread's stack written to its
# captured standard error (fd 2), shown with it if it fails: CI has stalled a write of an
# in-process app for 5-17 s (docs/testing.md), and a failure then says where each thread
# was. The whole run's own dump, for a test that hangs, is pyproject's faulthandler_timeout.
STACKS_AFTER = 8.0


# Where those stacks are also kept, a file per process (`<path>.gw0` …), for passing tests
# too: `.ci/run` sets it and lists the tests found there at the end of its run.
SLOW_STACKS = os.environ.get("NEWSDESK_TEST_SLOW_STACKS")


def _dump_stacks(test: str) -> None:
    faulthandler.dump_traceback(file=2)
    if SLOW_STACKS:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        with open(f"{SLOW_STACKS}.{worker}", "a", encoding="utf-8") as out:
            out.write(f"\n== {test} still running after {STACKS_AFTER:g} s ({time.ctime()})\n")
            out.flush()
            faulthandler.dump_traceback(file=out)


@contextmanager
def _stacks_if_still_running(label: str) -> Iterator[None]:
    """Every thread's stack (`_dump_stacks`) if the block still runs after STACKS_AFTER.
    A timer thread of its own: faulthandler's one timer is pytest's (faulthandler_timeout)."""
    timer = threading.Timer(STACKS_AFTER, _dump_stacks, args=(label,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


@pytest.fixture(autouse=True)
def _stacks_when_slow(request: pytest.FixtureRequest) -> Iterator[None]:
    with _stacks_if_still_running(request.node.nodeid):
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """The same stacks for the teardown of a module's fixtures or (the last test of a
    process: `nextitem` None) the session's: they come after the fixture's timer above is
    off, and CI has paused such teardowns of trivial PostgreSQL tests (a worker's last) for
    ~11.4 s with no stack to show for it. A SeaweedFS stopped (tests/media/s3server.py), a
    test database dropped, live servers of a module stopped are torn down there."""
    if nextitem is not None and nextitem.parent is item.parent:
        return (yield)  # the function's fixtures alone: the fixture's timer saw them
    with _stacks_if_still_running(f"{item.nodeid} (teardown)"):
        return (yield)


def fastapi_callable_caches() -> list["functools._lru_cache_wrapper[bool]"]:
    """FastAPI's caches of what kind each endpoint and dependency is (generator,
    coroutine), keyed by the callable itself, up to 4,096 each. An app's docs endpoints are
    closures over the app (fastapi-offline), so every app a test makes stays alive in them:
    ~24,000 objects an app, ~450 apps before the first falls out, over a gigabyte and
    full collections of seconds in a worker of the suite. A serving process makes one app."""
    return [
        value
        for name, value in vars(fastapi_models).items()
        if name.endswith("_callable_cached") and hasattr(value, "cache_clear")
    ]


def forget_apps() -> None:
    """FastAPI forgets the callables it has classified, so the apps made so far can be
    freed (tests/test_harness.py counts them)."""
    for cache in fastapi_callable_caches():
        cache.cache_clear()


@pytest.fixture(autouse=True)
def _forget_apps() -> Iterator[None]:
    yield
    forget_apps()


def _redis_database_per_worker() -> None:
    """Under pytest-xdist, each worker (gw0, gw1, ...) uses a Redis database of its own
    (the URL's number + 1 + the worker's): rate-limit keys live in one database, and the
    cache bus's channel is named after it, so workers never see each other's."""
    url = os.environ.get("NEWSDESK_TEST_REDIS_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = (base + 1 + int(worker.removeprefix("gw"))) % 16
    os.environ["NEWSDESK_TEST_REDIS_URL"] = urlunsplit(parts._replace(path=f"/{number}"))


_redis_database_per_worker()


def _one_ssl_context() -> None:
    """Test clients that choose no SSL context share httpx's default one. httpx makes one
    for every client, even of an http:// URL (the CA bundle read and parsed: ~25 ms of
    CPU, where the client itself takes under 1 ms), and the tests of live servers make
    clients by the thousand: in the stacks of slow tests, the main thread was often there.
    The same bundle and settings, made once; a client given `verify`, a certificate or
    `trust_env=False` gets its own as before."""
    shared = make_ssl_context()

    def create_ssl_context(
        verify: ssl.SSLContext | str | bool = True,
        cert: Any = None,
        trust_env: bool = True,
    ) -> ssl.SSLContext:
        if verify is True and cert is None and trust_env:
            return shared
        return make_ssl_context(verify=verify, cert=cert, trust_env=trust_env)

    # The name the transports call it by (not re-exported: hence the module's dict).
    vars(httpx_transports)["create_ssl_context"] = create_ssl_context


_one_ssl_context()
# No request log from the apps and servers of the tests (a line per request of thousands,
# into pytest's output): the tests of the log itself switch it on.
os.environ.setdefault("NEWSDESK_ACCESS_LOG", "false")
# A sitemap changes at the first request after a write (the tests of the refresh window,
# tests/cache/test_sitemap_refresh.py, set one).
os.environ.setdefault("NEWSDESK_SITEMAP_REFRESH_SECONDS", "0")
# A serving process waits 1.5 s / 3 s / 3 s for the database (connect, statement, pool)
# before answering 503; on a CI machine loaded by the suite's own servers a commit may
# take longer, and these tests are not about outages: they get room. The outage tests
# (tests/test_outages.py) set the production values.
os.environ.setdefault("NEWSDESK_DATABASE_CONNECT_TIMEOUT_SECONDS", "10")
os.environ.setdefault("NEWSDESK_DATABASE_STATEMENT_TIMEOUT_SECONDS", "30")
os.environ.setdefault("NEWSDESK_DATABASE_POOL_TIMEOUT_SECONDS", "30")
POSTGRES_URL = os.environ.get("NEWSDESK_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgres"] if POSTGRES_URL else [])]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A `postgres_only` test is about PostgreSQL itself: its SQLite case is not a test."""
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and "sqlite" in (
            callspec.params.get("database_url"),
            callspec.params.get("fresh_database"),
        )
        (drop if on_sqlite and item.get_closest_marker("postgres_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.hookimpl(tryfirst=True)  # before pytest's own may remove the folder it reads
def pytest_sessionfinish(session: pytest.Session) -> None:
    """The process that ran the tests, or drove the workers that did, drops what the run
    made for all of them on the PostgreSQL server (`tests/demo_newsroom.py`)."""
    factory = getattr(session.config, "_tmp_path_factory", None)  # pytest's tmp_path plugin
    if POSTGRES_URL is None or os.environ.get("PYTEST_XDIST_WORKER") or factory is None:
        return
    from tests.demo_newsroom import drop_demo_template

    drop_demo_template(factory.getbasetemp())


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def _plain_pg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_admin(dsn: str, *statements: str) -> None:
    """Run statements on the URL's database — made first, from the server's `postgres`
    database, when the URL names one that does not exist yet."""
    try:
        conn = await asyncpg.connect(dsn, timeout=10)
    except asyncpg.InvalidCatalogNameError:
        name = make_url(dsn).database
        server = await asyncpg.connect(
            make_url(dsn).set(database="postgres").render_as_string(hide_password=False),
            timeout=10,
        )
        try:
            await server.execute(f'CREATE DATABASE "{name}"')
        except asyncpg.DuplicateDatabaseError:
            pass  # another test process made it meanwhile
        finally:
            await server.close()
        conn = await asyncpg.connect(dsn, timeout=10)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _schema_id() -> str:
    """Names the migrated schema: the head revision and a digest of every migration file
    (an edited migration makes a new template even under the same head)."""
    digest = hashlib.sha256()
    for path in sorted((Path(migrations.__file__).parent / "versions").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{migrate.head_revision()}_{digest.hexdigest()[:8]}"


def _run_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this run shared by all its xdist workers (each has a base temp of its
    own inside it), or this process's own base temp when it runs alone."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sqlite_template(run_dir: Path) -> Path:
    """The migrated SQLite database of this run, made by the first worker that asks."""
    template = run_dir / f"newsdesk-template-{_schema_id()}.db"
    with _file_lock(run_dir / "newsdesk-template.lock"):
        if not template.exists():
            partial = template.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            migrate.upgrade(f"sqlite+aiosqlite:///{partial}")
            partial.rename(template)
    return template


def copy_sqlite(template: Path, path: Path) -> None:
    """A consistent copy of a SQLite database (the backup API: the WAL included)."""
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(path)) as copy:
        source.backup(copy)


async def _postgres_template(admin_dsn: str) -> str:
    """The name of the migrated template database, made once on this server for this
    schema (by whichever test process gets the advisory lock first; later runs reuse it)."""
    assert POSTGRES_URL is not None
    name = f"newsdesk_template_{_schema_id()}"
    server = await asyncpg.connect(
        make_url(admin_dsn).set(database="postgres").render_as_string(hide_password=False),
        timeout=10,
    )
    try:
        await server.execute("SELECT pg_advisory_lock(hashtext('newsdesk_template'))")
        try:
            if not await server.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                partial = f"{name}_partial"
                await server.execute(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)')
                await server.execute(f'CREATE DATABASE "{partial}"')
                url = make_url(POSTGRES_URL or admin_dsn).set(database=partial)
                await asyncio.to_thread(migrate.upgrade, url.render_as_string(hide_password=False))
                await server.execute(f'ALTER DATABASE "{partial}" RENAME TO "{name}"')
        finally:
            await server.execute("SELECT pg_advisory_unlock(hashtext('newsdesk_template'))")
    finally:
        await server.close()
    return name


def new_postgres_database(prefix: str, *, migrated: bool, template: str | None = None) -> str:
    """A new PostgreSQL database (dropped by `drop_postgres_database`): a copy of the
    migrated template, of the database named `template`, or empty."""
    assert POSTGRES_URL is not None
    admin_dsn = _plain_pg_dsn(POSTGRES_URL)
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    async def create() -> None:
        source = template or (await _postgres_template(admin_dsn) if migrated else None)
        copied = f' TEMPLATE "{source}"' if source else ""
        await _pg_admin(admin_dsn, f'CREATE DATABASE "{name}"{copied}')

    asyncio.run(create())
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    assert POSTGRES_URL is not None
    name = make_url(url).database
    asyncio.run(
        _pg_admin(_plain_pg_dsn(POSTGRES_URL), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    )


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty database of one backend for the whole session: a copy of the
    run's template (migrated once per run on SQLite, once per schema on PostgreSQL)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "newsdesk.db"
        copy_sqlite(_sqlite_template(_run_directory(tmp_path_factory)), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    url = new_postgres_database("newsdesk_test", migrated=True)
    try:
        yield url
    finally:
        drop_postgres_database(url)


@pytest.fixture(scope="session")
def seeded_languages(database_url: str) -> list[dict[str, Any]]:
    """The language rows as the migrations left them, restored before each test."""

    async def read() -> list[dict[str, Any]]:
        app = create_app(Settings(database_url=database_url, worker_in_process=False))
        async with app.router.lifespan_context(app), app.state.db.reader() as session:
            rows = await session.scalars(select(Language))
            return [
                {c.key: getattr(row, c.key) for c in Language.__table__.columns} for row in rows
            ]

    return asyncio.run(read())


# Per dialect, the SQL of `_tables_with_rows`: each test's app has an engine of its own,
# whose statement cache is empty, and building and compiling the statement anew cost
# ~20 ms a test.
_WITH_ROWS: dict[str, str] = {}


async def _tables_with_rows(conn: AsyncConnection) -> set[str]:
    """The tables that hold a row, from one statement (a test writes to a few of ~30)."""
    sql = _WITH_ROWS.get(conn.dialect.name)
    if sql is None:
        checks = union_all(
            *(
                select(literal(t.name, String)).where(
                    select(literal(1, Integer)).select_from(t).exists()
                )
                for t in Base.metadata.sorted_tables
            )
        )
        compiled = checks.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        sql = _WITH_ROWS[conn.dialect.name] = str(compiled)
    return set((await conn.exec_driver_sql(sql)).scalars())


async def empty_tables(conn: AsyncConnection) -> None:
    """Empty every table that holds a row, row by row (found by one statement first: a
    TRUNCATE of all ~30 cost 0.2 s a test on PostgreSQL, a DELETE from each 0.1 s on
    SQLite). The audit log's append-only guards are set aside: PostgreSQL's are row
    triggers, which TRUNCATE passes; SQLite's refuse every DELETE, so they are dropped
    while the log is emptied and made again."""
    full = await _tables_with_rows(conn)
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name in full]
    audit = AuditEntry.__tablename__
    if conn.dialect.name == "postgresql":
        for table in tables:
            if table.name != audit:
                await conn.execute(table.delete())
        if audit in full:
            await conn.execute(text(f'TRUNCATE "{audit}"'))
        return
    guards = (
        await conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                 "AND name LIKE '%append_only%'")
        )
    ).all() if audit in full else []  # fmt: skip
    for name, _ in guards:
        await conn.execute(text(f'DROP TRIGGER "{name}"'))
    for table in tables:
        await conn.execute(table.delete())
    for _, sql in guards:
        await conn.execute(text(sql))


async def _reset(app: FastAPI, languages: list[dict[str, Any]]) -> None:
    # IMMEDIATE (SQLite): `empty_tables` reads before it writes (see tests/contract/test_fuzz.py).
    async with app.state.db.engine.execution_options(sqlite_begin="IMMEDIATE").begin() as conn:
        await empty_tables(conn)
        await conn.execute(insert(Language), languages)


def reset_database(database_url: str, seeded_languages: list[dict[str, Any]]) -> None:
    """Empty the database (back to the migrated schema and its seeded languages)."""

    async def reset() -> None:
        application = create_app(Settings(database_url=database_url, worker_in_process=False))
        async with application.router.lifespan_context(application):
            await _reset(application, seeded_languages)

    asyncio.run(reset())


@pytest.fixture
def empty_database(database_url: str, seeded_languages: list[dict[str, Any]]) -> str:
    """For tests without an app in-process: the database emptied, its URL returned."""
    reset_database(database_url, seeded_languages)
    return database_url


def run_cli(env: dict[str, str], *args: str) -> str:
    """Run `newsdesk ARGS` with this environment; its stdout (it must succeed)."""
    done = subprocess.run(
        [*NEWSDESK, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def new_api_key(database_url: str, name: str, role: Role = Role.admin) -> str:
    """A new API key of this role in this database (the secret), made in this process.

    For tests of live servers that need a key, not a test of `newsdesk create-api-key`
    (tests/test_e2e_server.py runs that): the command is a process start, ~1.2 s of CPU
    importing the app, where this takes a few milliseconds. The same service call the
    command makes; the command adds an audit entry, which none of these tests reads."""
    db = Database(database_url, pool_size=1)
    try:
        async with db.writer() as session, session.begin():
            _, secret = await auth.create_api_key(session, name=name, role=role)
    finally:
        await db.dispose()
    return secret


def api_key(database_url: str, name: str, role: Role = Role.admin) -> str:
    """`new_api_key`, for a test that is not a coroutine."""
    return asyncio.run(new_api_key(database_url, name, role))


@contextmanager
def live_server(env: dict[str, str], *, output: Path | None = None) -> Iterator[str]:
    """`newsdesk serve` on a free port, as a real process: its base URL once it is healthy.

    With `output`, the server's stdout and stderr (its logs) are written to that file;
    by default they are discarded."""
    with newsdesk_serve(env, output=output) as server:
        yield server.base


@pytest.fixture
def cli_env(empty_database: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a `newsdesk` process on the emptied test database."""
    return {
        **os.environ,
        "NEWSDESK_DATABASE_URL": empty_database,
        "NEWSDESK_MEDIA_DIR": str(tmp_path),
        "NEWSDESK_SECRET_KEY_FILE": str(tmp_path / "newsdesk-secret"),
    }


@pytest.fixture
def server(cli_env: dict[str, str]) -> Iterator[str]:
    """The CLI migrates and loads the demo newsroom; then a live uvicorn serves it."""
    run_cli(cli_env, "migrate")
    run_cli(cli_env, "demo-data")
    with live_server(cli_env) as base:
        yield base


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # The delivery worker runs where a test starts it (tests/webhooks), not in every app.
    return Settings(
        database_url=database_url,
        media_dir=tmp_path / "media",
        secret_key_file=tmp_path / "newsdesk-secret",
        worker_in_process=False,
    )


@pytest.fixture
def steady_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    """For a test that counts answers from one in-process worker's cache: a lease on the
    cache that a late heartbeat does not end. Under the suite's load a heartbeat can come
    back later than the 2-s lease, and the lapse rightly empties the cache
    (`LeasedBus.beat_returned`), so the hit the test counts never comes. Lapses and
    gaps have their own tests (tests/cache/test_bus_gaps.py), with the real lease."""
    monkeypatch.setattr(bus_base, "LEASE", 60.0)


@pytest.fixture
async def app(settings: Settings, seeded_languages: list[dict[str, Any]]) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        await _reset(application, seeded_languages)
        yield application


@asynccontextmanager
async def running_app(
    settings: Settings, **changes: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """An app on these settings (with `changes`), its lifespan running, and a client on it;
    the database is left as it is."""
    application = create_app(settings.model_copy(update=changes))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield application, client


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@dataclass
class Credential:
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


async def make_key(app: FastAPI, role: Role = Role.admin) -> Credential:
    async with app.state.db.writer() as session, session.begin():
        _, secret = await auth.create_api_key(session, name=f"test-{role}", role=role)
    return Credential(secret)


@pytest.fixture
async def admin(app: FastAPI) -> Credential:
    return await make_key(app, Role.admin)
