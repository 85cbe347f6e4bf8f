"""Import jobs: a Newsdesk export uploaded to `POST /v1/admin/imports`, imported in the
server by the importer of `newsdesk import` (`app.transfer.load`), its progress written to
its `import_jobs` row for `GET /v1/admin/imports/{id}`.

The upload is copied to a file of the temporary folder and its first line checked before
the job exists (a file that is not a Newsdesk export of this version is a 422, and leaves
nothing behind). The job then runs as a task of the server process that took it: it writes
how far it got about once a second (`PROGRESS_SECONDS`), while its lines are committed in
the importer's batches. One runs at a time: the importer's batches would otherwise take
turns at the same writer (SQLite's) and double each other's work. A server that stops
cancels its jobs, which are marked failed; one that dies can mark nothing, so a running
job not heard from for `STALE` is taken for dead, and marked failed, when the jobs are
next read or a new one is started. The file is deleted when the job ends, however it ends.
"""

import asyncio
import contextlib
import logging
import os
import shutil
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import anyio
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.cache.cache import ResponseCache
from app.db import Database
from app.errors import Conflict, NotAnExport, NotFound
from app.kit.pagination import newest_first
from app.models import ImportJob, utcnow
from app.transfer.lines import MAX_LINE, VERSION, Header
from app.transfer.load import Importer, LineError, Report, parse, read_lines, target

log = logging.getLogger("newsdesk.imports")

MAX_ERRORS = 1000  # failed lines kept on the job (all are counted)
PROGRESS_SECONDS = 1.0
STALE = timedelta(minutes=2)
HEADER_BYTES = 64 * 1024  # a header line is far shorter
STOPPED = (
    "The server running the import stopped before it ended; importing the file again "
    "finishes it (what was imported is kept, and is not duplicated)."
)


@dataclass
class Upload:
    """An uploaded file, copied to the temporary folder."""

    path: Path
    size: int
    filename: str | None


async def keep(source: IO[bytes], filename: str | None) -> Upload:
    """Copy an upload out of the request (whose files go when it ends) and check that it
    starts with a Newsdesk export's header of this version: else 422, and no file left."""

    def copy() -> Upload:
        handle, name = tempfile.mkstemp(prefix="newsdesk-import-", suffix=".jsonl")
        path = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                shutil.copyfileobj(source, out, 1024 * 1024)
            return Upload(path=path, size=path.stat().st_size, filename=filename)
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    upload = await anyio.to_thread.run_sync(copy)
    try:
        await anyio.to_thread.run_sync(lambda: _check_header(upload.path))
    except BaseException:
        upload.path.unlink(missing_ok=True)
        raise
    return upload


def _check_header(path: Path) -> None:
    with path.open("rb") as source:  # the first line that is not blank, as the import reads
        first = next((raw for _, raw in read_lines(source, HEADER_BYTES) if raw is None
                      or raw.strip()), b"")  # fmt: skip
    problem = None
    if first is None:
        problem = "Line 1 is too long for a header: this is not a Newsdesk export."
    elif not first:
        problem = "The file is empty: a Newsdesk export starts with its header line."
    else:
        try:
            header = parse(first)
        except LineError as exc:
            problem = f"Line 1 is not a Newsdesk export's header: {exc}"
        else:
            if not isinstance(header, Header):
                problem = "Line 1 is not a Newsdesk export's header."
            elif header.version != VERSION:
                problem = (
                    f"The file is format version {header.version}: this Newsdesk reads "
                    f"version {VERSION}."
                )
    if problem is not None:
        raise NotAnExport(problem)


async def mark_stale(session: AsyncSession, now: datetime) -> None:
    """Running jobs not heard from for `STALE` ran in a server that is gone: failed."""
    await session.execute(
        update(ImportJob)
        .where(ImportJob.status == "running", ImportJob.heartbeat_at < now - STALE)
        .values(
            status="failed",
            finished_at=now,
            error=STOPPED,
        )
    )


def seen(job: ImportJob, now: datetime) -> dict[str, Any]:
    """A job as readers see it: a stale one as failed (`mark_stale` writes that when a job
    is next started; a read writes nothing)."""
    values = {c.key: getattr(job, c.key) for c in ImportJob.__table__.columns}
    if job.status == "running" and job.heartbeat_at < now - STALE:
        values.update(status="failed", finished_at=job.heartbeat_at, error=STOPPED)
    return values


async def get(session: AsyncSession, job_id: uuid.UUID) -> ImportJob:
    job = await session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(f"No import job {job_id}.")
    return job


async def page(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[ImportJob], str | None]:
    return await newest_first(
        session, select(ImportJob), ImportJob.created_at, ImportJob.id, limit=limit, cursor=cursor
    )


def _printable(name: str | None) -> str | None:
    """The name the client gave the file, as it is kept: no control or format characters
    (PostgreSQL's text takes no NUL), at most 255 characters."""
    if not name:
        return None
    kept = "".join(c for c in name if unicodedata.category(c)[0] != "C")[:255]
    return kept or None


class ImportJobs:
    """The import jobs of one running app."""

    def __init__(self, db: Database, cache: ResponseCache | None) -> None:
        self.db, self.cache = db, cache
        self.tasks: dict[uuid.UUID, asyncio.Task[None]] = {}

    async def start(
        self, session: AsyncSession, upload: Upload, *, dry_run: bool, actor: str
    ) -> ImportJob:
        """The job of `upload`, added to the request's `session`; it starts once that
        commits (a job that never commits never runs, and its file is deleted)."""
        now = utcnow()
        await mark_stale(session, now)
        running = await session.scalar(
            select(ImportJob.id).where(ImportJob.status == "running").limit(1)
        )
        if running is not None:
            raise Conflict(
                f"Import {running} is running: one import runs at a time. Follow it at "
                f"/v1/admin/imports/{running}, and send this file when it has ended."
            )
        job = ImportJob(
            id=uuid.uuid4(),
            status="running",
            dry_run=dry_run,
            filename=_printable(upload.filename),
            size_bytes=upload.size,
            bytes_read=0,
            lines=0,
            created={},
            updated={},
            unchanged={},
            errors=[],
            error_count=0,
            complete=False,
            created_by=actor,
            created_at=now,
            heartbeat_at=now,
        )
        session.add(job)
        await session.flush()
        task = asyncio.create_task(self._run(job.id, upload, dry_run=dry_run, actor=actor))
        self.tasks[job.id] = task
        task.add_done_callback(lambda _: self.tasks.pop(job.id, None))
        return job

    async def close(self) -> None:
        """Cancel the jobs still running (each marks itself failed) and wait for them."""
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _committed(self, job_id: uuid.UUID) -> bool:
        """Whether the request that made the job committed it (waits up to a minute)."""
        for _ in range(600):
            async with self.db.reader() as session:
                if await session.get(ImportJob, job_id) is not None:
                    return True
            await asyncio.sleep(0.1)
        return False

    async def _run(self, job_id: uuid.UUID, upload: Upload, *, dry_run: bool, actor: str) -> None:
        progress = _Progress(job_id)
        try:
            if not await self._committed(job_id):
                return
            ticker = asyncio.create_task(self._tick(progress))
            try:
                with upload.path.open("rb") as source:
                    async with target(self.db, dry_run=dry_run) as (into, rollback):
                        importer = Importer(
                            into,
                            cache=None if dry_run else self.cache,
                            dry_run=rollback,
                            actor=actor,
                        )
                        progress.report = importer.report

                        def tick() -> None:
                            progress.bytes_read = source.tell()

                        report = await importer.run(read_lines(source, MAX_LINE), tick)
                        progress.bytes_read = upload.size
            finally:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
            await self._write(progress, status="succeeded", report=report)
        except LineError as exc:
            await self._write(progress, status="failed", error=str(exc)[:1000])
        except asyncio.CancelledError:
            with anyio.CancelScope(shield=True):
                await self._write(progress, status="failed", error=STOPPED)
            raise
        except Exception:
            log.exception("import job %s failed", job_id)
            await self._write(
                progress,
                status="failed",
                error="The import stopped on an internal error (logged by the server); what "
                "was committed before it is kept.",
            )
        finally:
            upload.path.unlink(missing_ok=True)

    async def _tick(self, progress: "_Progress") -> None:
        while True:
            await asyncio.sleep(PROGRESS_SECONDS)
            try:
                await self._write(progress)
            except Exception:  # a busy database: the next tick writes it
                log.warning("import job %s: progress not written", progress.job_id)

    async def _write(
        self,
        progress: "_Progress",
        *,
        status: str | None = None,
        report: Report | None = None,
        error: str | None = None,
    ) -> None:
        values = progress.values()
        now = utcnow()
        values["heartbeat_at"] = now
        if status is not None:
            values.update(status=status, finished_at=now, error=error)
        if report is not None:
            values["complete"] = report.complete
        async with self.db.writer() as session, session.begin():
            await session.execute(
                update(ImportJob)
                .where(ImportJob.id == progress.job_id, ImportJob.status == "running")
                .values(**values)
            )


@dataclass
class _Progress:
    job_id: uuid.UUID
    bytes_read: int = 0
    report: Report | None = None

    def values(self) -> dict[str, Any]:
        report = self.report or Report()
        return {
            "bytes_read": self.bytes_read,
            "lines": report.lines,
            "created": dict(report.created),
            "updated": dict(report.updated),
            "unchanged": dict(report.unchanged),
            "errors": [{"line": n, "error": m} for n, m in report.errors[:MAX_ERRORS]],
            "error_count": len(report.errors),
        }
