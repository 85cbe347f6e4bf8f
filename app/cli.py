"""The `newsdesk` command: serve, migrate, credentials and content."""

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, TypeVar

import typer

# Only what the commands' signatures need is imported here. `newsdesk serve --workers N`
# runs the `newsdesk` script again in each worker (its module is `app.launch`, which imports
# nothing), but run as `python -m app.cli`, this module is what each worker runs again, and
# uvicorn kills a worker that does not answer its health check in time (issue 20). Each
# command imports what it uses.
from app.auth.roles import Role
from app.config import SettingsError, get_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.media.storage import Storage
    from app.transfer.load import Report
    from app.transfer.wordpress import WordPressReport

cli = typer.Typer(
    help="Newsdesk: the content backend of a trilingual news site.", no_args_is_help=True
)
T = TypeVar("T")


def _in_transaction(
    work: Callable[["AsyncSession"], Awaitable[T]],
    *,
    audit_as: tuple[str, str] | None = None,
    storage: "Storage | None" = None,
) -> T:
    """Run `work` in one transaction; with `audit_as` (command, action), its writes get an
    audit entry by `cli:<command>` in that transaction. With `storage`, media files the
    work wrote go again if the transaction rolls back (as `app.db.get_session` does)."""
    from app.audit import hook as audit
    from app.db import Database
    from app.errors import AppError
    from app.media import cleanup

    async def run() -> T:
        settings = get_settings()
        db = Database(
            settings.database_url, pool_size=1, record_purges=settings.purge_url is not None
        )
        try:
            async with db.writer() as session:
                try:
                    async with session.begin():
                        done = await work(session)
                        if audit_as is not None:
                            command, action = audit_as
                            await audit.record(session, actor=f"cli:{command}", action=action)
                except BaseException:
                    await cleanup.settle(session, storage, committed=False)
                    raise
                await cleanup.settle(session, storage, committed=True)
                return done
        finally:
            await db.dispose()

    try:
        return asyncio.run(run())
    except AppError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from exc


@contextlib.contextmanager
def _metrics_folder(workers: int) -> Iterator[None]:
    """Several workers: prometheus_client's multiprocess mode, each worker's values in a
    folder all of them read from (`/metrics` sums them). A fresh folder each start,
    removed at the end; or the operator's PROMETHEUS_MULTIPROC_DIR, emptied of the last
    run's files first (a counter must not start from a dead server's values)."""
    import shutil
    import tempfile

    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if workers == 1 and not given:
        yield
        return
    if given:
        for stale in Path(given).glob("*.db"):
            stale.unlink(missing_ok=True)
        yield
        return
    folder = tempfile.mkdtemp(prefix="newsdesk-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder  # the workers inherit it
    try:
        yield
    finally:
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]
        shutil.rmtree(folder, ignore_errors=True)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the API with uvicorn (run `newsdesk migrate` first)."""
    import uvicorn

    from app.ops import logs
    from app.ops.protocol import GuardedHttpToolsProtocol

    settings = get_settings()
    limits = (settings.rate_limit_public, settings.rate_limit_admin, settings.rate_limit_login,
              settings.rate_limit_login_address, settings.rate_limit_login_account,
              settings.rate_limit_unauthenticated)  # fmt: skip
    if workers > 1 and not settings.redis_url and any(limits):
        typer.echo(
            f"warning: without NEWSDESK_REDIS_URL each of the {workers} workers counts the "
            f"rate limits alone: a client may get up to {workers} times each limit",
            err=True,
        )
    from app.ops import connections

    for warning in connections.warnings(settings, workers):
        typer.echo(warning, err=True)
    trusted = settings.trusted_proxies
    with _metrics_folder(workers):
        uvicorn.run(
            "app.main:app",
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
            # Records as JSON lines (or text on a terminal); the request log in place of
            # uvicorn's access log.
            log_config=logs.logging_config(
                settings.log_level, as_json=logs.json_mode(settings.log_format)
            ),
            access_log=False,
            http=GuardedHttpToolsProtocol,  # head/body timeouts and the head size limit
            ws="none",  # no WebSocket routes: no upgrade to offer
            # X-Forwarded-For is believed only from the proxies the settings name.
            proxy_headers=bool(trusted),
            forwarded_allow_ips=trusted or None,
            timeout_keep_alive=settings.server_keep_alive_timeout,
            limit_concurrency=settings.server_limit_concurrency,
            backlog=settings.server_backlog,
            timeout_graceful_shutdown=settings.server_graceful_shutdown_timeout,
            timeout_worker_healthcheck=settings.server_worker_healthcheck_timeout,
        )


@cli.command()
def worker() -> None:
    """Deliver webhooks and CDN purges, and record scheduled changes, as a process of its
    own (set NEWSDESK_WORKER_IN_PROCESS=false for the serving processes then). Several may
    run: one at a time holds the job. Stops on SIGTERM or Ctrl-C."""
    import signal

    from app.db import Database
    from app.ops import logs
    from app.webhooks.worker import Worker

    settings = get_settings()
    logs.configure(settings.log_level, as_json=logs.json_mode(settings.log_format))

    async def run() -> None:
        db = Database(
            settings.database_url,
            pool_size=2,
            record_purges=settings.purge_url is not None,
        )
        task = asyncio.create_task(Worker(settings, db).run())
        loop = asyncio.get_running_loop()
        for sign in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sign, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            pass
        finally:
            await db.dispose()

    typer.echo("newsdesk worker: delivering (Ctrl-C stops)", err=True)
    asyncio.run(run())


@cli.command()
def migrate(
    revision: Annotated[
        str,
        typer.Option(
            "--revision",
            help="Where to: a revision id, `head`, `base`, or relative (`-1`, `+1`).",
        ),
    ] = "head",
) -> None:
    """Move the database schema up or down to a migration (default: up to the latest)."""
    from app import migrate as migrations
    from app.ops.outage import reason

    try:
        before, after = migrations.move(get_settings().database_url, revision)
    except migrations.MigrationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except Exception as exc:  # the database not there (yet): one line, not a traceback
        why = reason(exc)
        if why is None:
            raise
        typer.echo(f"error: the database cannot be reached ({why}); nothing migrated", err=True)
        raise typer.Exit(2) from exc
    head = " (the latest)" if after is not None and after == migrations.head_revision() else ""
    where = f"{after or 'base'}{head}"
    if before == after:
        typer.echo(f"database already at {where}: nothing to do", err=True)
    else:
        typer.echo(f"database migrated from {before or 'base'} to {where}", err=True)


@cli.command("create-api-key")
def create_api_key(
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
    role: Annotated[Role, typer.Option(help="The key's role.")] = Role.admin,
) -> None:
    """Create an API key and print it (alone, on stdout; it is not shown again)."""
    from app.auth import service as auth

    async def work(session: "AsyncSession") -> str:
        _, secret = await auth.create_api_key(session, name=name, role=role)
        return secret

    typer.echo(_in_transaction(work, audit_as=("create-api-key", "createApiKey")))


@cli.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(help="The user's e-mail (their login).")],
    role: Annotated[Role, typer.Option(help="The user's role.")],
    languages: Annotated[
        str, typer.Option(help="For translators: language codes, comma-separated (en,ru).")
    ] = "",
    name: Annotated[str, typer.Option(help="Display name (default: from the e-mail).")] = "",
) -> None:
    """Create a user; the password is read from standard input (never an argument)."""
    import sys

    from app.auth import service as auth

    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 10:
        typer.echo("the password (on stdin) must have at least 10 characters", err=True)
        raise typer.Exit(2)
    codes = [c.strip() for c in languages.split(",") if c.strip()]

    async def work(session: "AsyncSession") -> str:
        from app.languages import service as language_service

        await language_service.require(session, codes, loc=("languages",))
        user = await auth.create_user(
            session, email=email, password=password, role=role, display_name=name,
            languages=codes,
        )  # fmt: skip
        return str(user.id)

    typer.echo(_in_transaction(work, audit_as=("create-user", "createUser")))


@cli.command("demo-data")
def demo_data() -> None:
    """Load demo articles in ua/en/ru with their cover pictures, uploaded to the media
    storage (skipped when the database already has articles)."""
    from app.demo.loader import load
    from app.media import storage as media_storage
    from app.models import utcnow

    settings = get_settings()
    storage = media_storage.from_settings(settings)
    storage.check()

    async def work(session: "AsyncSession") -> int:
        return await load(session, now=utcnow(), storage=storage, settings=settings)

    count = _in_transaction(work, audit_as=("demo-data", "loadDemoData"), storage=storage)
    typer.echo(
        f"loaded {count} demo articles" if count else "articles exist: demo skipped", err=True
    )


@cli.command("media-sweep")
def media_sweep(
    grace: Annotated[
        int,
        typer.Option(min=0, help="Leave files younger than this many seconds (uploads in flight)."),
    ] = 3600,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the unused files; remove nothing.")
    ] = False,
) -> None:
    """Remove stored image files that no media record uses (left by killed processes)."""
    from app.media import storage as media_storage
    from app.media.sweep import sweep

    storage = media_storage.from_settings(get_settings())

    async def work(session: "AsyncSession") -> list[str]:
        swept = await sweep(session, storage, grace_seconds=grace, dry_run=dry_run)
        if swept.temporary:
            typer.echo(f"removed {swept.temporary} temporary files", err=True)
        return swept.unused

    unused = _in_transaction(work)
    for key in unused:
        typer.echo(key)
    typer.echo(
        f"{len(unused)} unused files" + (" (dry run: nothing removed)" if dry_run else " removed"),
        err=True,
    )


@cli.command("search-reindex")
def search_reindex(
    language: Annotated[
        str | None, typer.Option(help="Only this language's translations (default: all).")
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Processes analysing the texts (default: one per CPU core; 1: this one).",
        ),
    ] = None,
) -> None:
    """Rebuild the search index (after an analyser or a language's text_search changed)."""
    import time

    from app.kit.progress import counting
    from app.search.analysis import for_archives
    from app.search.index import rebuild

    for_archives()
    workers = jobs or os.cpu_count() or 1
    started = time.monotonic()

    async def work(session: "AsyncSession") -> int:
        from app.languages import service as language_service

        if language is not None:
            await language_service.require(session, [language], loc=("language",))
        connection = await session.connection()
        with counting("indexing", unit="translations") as progress:
            return await connection.run_sync(
                lambda sync: rebuild(sync, language=language, progress=progress, jobs=workers)
            )

    count = _in_transaction(work)
    seconds = time.monotonic() - started
    typer.echo(f"indexed {count} translations in {seconds:.1f} s (--jobs {workers})", err=True)


@cli.command("bench-data")
def bench_data(
    articles: Annotated[
        int, typer.Option(min=1, max=2_000_000, help="How many articles to generate.")
    ],
    seed: Annotated[int, typer.Option(help="The same seed writes the same archive.")] = 1,
    append: Annotated[
        bool, typer.Option("--append", help="Add to a database that has articles already.")
    ] = False,
) -> None:
    """Generate a synthetic news archive in ua/en/ru for benchmarks (run `migrate` first)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from app.benchdata.load import Refused, generate
    from app.search.analysis import for_archives

    for_archives()

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("articles", total=articles)
        try:
            report = asyncio.run(
                generate(
                    get_settings().database_url,
                    articles=articles,
                    seed=seed,
                    append=append,
                    progress=lambda done: progress.update(task, completed=done),
                )
            )
        except Refused as exc:
            progress.stop()
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
    typer.echo(report.timings(), err=True)
    typer.echo(report.summary(), err=True)


@cli.command("export")
def export_content(
    file: Annotated[str, typer.Argument(help="Where to write the JSON Lines (`-`: stdout).")],
    since: Annotated[
        datetime | None,
        typer.Option(
            help="Only articles changed since then (RFC 3339, e.g. 2026-11-01T00:00:00Z)."
        ),
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="Only articles with a version in this language.")
    ] = None,
    with_revisions: Annotated[
        bool,
        typer.Option(
            "--with-revisions", help="Each article's revisions too (not with --language)."
        ),
    ] = False,
) -> None:
    """Export every language, author, category, tag, media record and article as JSON
    Lines (docs/import-export.md), streamed at constant memory."""
    import sys
    from collections import Counter

    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from app.db import Database
    from app.errors import AppError
    from app.models import utcnow
    from app.transfer.export import write

    if since is not None and since.tzinfo is None:
        typer.echo("error: --since needs a time zone (e.g. 2026-11-01T00:00:00Z)", err=True)
        raise typer.Exit(2)
    if with_revisions and language is not None:
        typer.echo("error: revisions go with whole articles: not with --language", err=True)
        raise typer.Exit(2)
    console = Console(stderr=True)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())

    async def run(out: IO[bytes]) -> Counter[str]:
        db = Database(get_settings().database_url, pool_size=1)
        try:
            with Progress(*columns, console=console, transient=True,
                          disable=not console.is_terminal) as bar:  # fmt: skip
                task = bar.add_task("exporting", total=None)

                def progress(counts: Counter[str]) -> None:
                    if counts["article"] % 100 == 1:
                        bar.update(task, description=f"{counts['article']:,} articles")

                return await write(
                    db, out, now=utcnow(), since=since, language=language,
                    with_revisions=with_revisions, progress=progress,
                )  # fmt: skip
        finally:
            await db.dispose()

    try:
        if file == "-":
            counts = asyncio.run(run(sys.stdout.buffer))
            sys.stdout.buffer.flush()
        else:
            with open(file, "wb") as out:
                counts = asyncio.run(run(out))
    except AppError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from exc
    shown = {k: v for k, v in counts.items() if k not in ("header", "end")}
    typer.echo("exported " + ", ".join(f"{v:,} {k}" for k, v in shown.items()), err=True)


@cli.command("import")
def import_content(
    file: Annotated[str, typer.Argument(help="A Newsdesk export (JSON Lines; `-`: stdin).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every line and report; store nothing.")
    ] = False,
) -> None:
    """Import a Newsdesk export: each object whole or not at all, ids kept (importing the
    same file again changes nothing). Exits 1 when any line failed, naming each."""
    import sys

    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from app.db import Database
    from app.search.analysis import for_archives
    from app.transfer.load import Importer, LineError, read_lines, target

    for_archives()

    source = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115
    console = Console(stderr=True)
    try:

        async def run() -> "Report":
            settings = get_settings()
            db = Database(
                settings.database_url, pool_size=1, record_purges=settings.purge_url is not None
            )
            try:
                columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
                with Progress(*columns, console=console, transient=True,
                              disable=not console.is_terminal) as progress:  # fmt: skip
                    task = progress.add_task("importing", total=None)
                    async with target(db, dry_run=dry_run) as (into, rollback):
                        importer = Importer(into, dry_run=rollback)

                        def tick() -> None:
                            if importer.report.lines % 100 == 0:
                                lines = importer.report.lines
                                progress.update(task, description=f"line {lines:,}")

                        return await importer.run(read_lines(source), tick)
            finally:
                await db.dispose()

        try:
            report = asyncio.run(run())
        except LineError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    for number, message in report.errors:
        typer.echo(f"line {number}: {message}", err=True)
    typer.echo(
        ("dry run, nothing stored: " if dry_run else "imported ") + report.summary(), err=True
    )
    if report.errors:
        raise typer.Exit(1)


@cli.command("import-wordpress")
def import_wordpress(
    file: Annotated[str, typer.Argument(help="A WordPress export (WXR 1.2, Tools → Export).")],
    language_map: Annotated[
        str,
        typer.Option(
            help="WordPress (Polylang/WPML) language codes to Newsdesk's: wordpress=newsdesk, "
            "comma-separated; `ua` maps to `ua` unless given."
        ),
    ] = "uk=ua,en=en,ru=ru",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Convert and check everything; store nothing.")
    ] = False,
    report: Annotated[
        str | None, typer.Option(help="Also write the report to this file (UTF-8 text).")
    ] = None,
) -> None:
    """Import a WordPress site (Polylang or WPML): each translation group becomes one
    article with a version per language (docs/wordpress.md). Exits 1 when any object
    failed, 2 when the file is refused (nothing written)."""
    from pathlib import Path

    from app.db import Database
    from app.search.analysis import for_archives
    from app.transfer.wordpress import Refused, import_file, parse_language_map

    for_archives()

    try:
        languages = parse_language_map(language_map)
    except ValueError as exc:
        typer.echo(f"error: --language-map: {exc}", err=True)
        raise typer.Exit(2) from exc

    async def run() -> "WordPressReport":
        settings = get_settings()
        db = Database(
            settings.database_url, pool_size=1, record_purges=settings.purge_url is not None
        )
        try:
            return await import_file(db, Path(file), language_map=languages, dry_run=dry_run)
        finally:
            await db.dispose()

    try:
        outcome = asyncio.run(run())
    except (Refused, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    lines = outcome.render()
    summary = ("dry run, nothing stored: " if dry_run else "imported ") + outcome.lines.summary()
    for line in lines:
        typer.echo(line, err=True)
    typer.echo(summary, err=True)
    if report is not None:
        Path(report).write_text("\n".join([*lines, summary]) + "\n", encoding="utf-8")
    if outcome.failed:
        raise typer.Exit(1)


def main() -> None:
    try:
        cli()
    except SettingsError as exc:  # one line per variable, never a traceback
        typer.echo(f"newsdesk: invalid settings\n{exc}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
