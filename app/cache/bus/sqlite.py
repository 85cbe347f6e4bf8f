"""SQLite: every worker is on the one host that holds the database file.

The keys go into the `cache_invalidations` table inside the writing transaction, and
every worker reads the new rows every POLL seconds (at once when it finds itself behind).
The writing transaction also stores its row's id in the mark: eight bytes of a file next
to the database (`<database>-cache`), mapped into every worker's memory. It does so while
it holds SQLite's write lock, so the mark follows the commits in order. A cache lookup
compares the mark with the last row its worker applied: behind, it is a miss. So once a
write has committed, no worker serves what it purged, and no writer waits for anyone.
The mark also spares the reads: a worker reads the table when the mark is past what it
applied, and otherwise only every CHECK seconds (an idle worker's five reads a second cost
1.5% of a core through the session's connection). At those reads it also checks that the
mark's file is still the one it mapped: deleted or put back under running workers, it is
mapped again and the cache emptied.

Row ids are consecutive (AUTOINCREMENT; a rolled-back id is handed out again), so a
reader that finds one missing (rows are kept KEEP seconds) purges everything. A mark
ahead of every committed id (a rolled-back write, a database file put back) is set back
to the last id under the write lock.
"""

import asyncio
import ctypes
import logging
import mmap
import os
import time

from sqlalchemy import delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.cache.bus.base import Bus, Deliver, Purge, decode, encode
from app.cache.store import ALL
from app.models import CacheInvalidation
from app.ops import outage

log = logging.getLogger("newsdesk.cache")

POLL = 0.2  # seconds between two looks at the mark (a read of the table when it is ahead)
CHECK = 5.0  # seconds between two reads of the table while the mark says nothing is new
KEEP = 60.0  # seconds a row is kept for workers to read
AHEAD = 1.0  # seconds the mark may stay ahead of the rows (a commit under way) before repair
PAUSE = 0.01  # seconds between two reads while the mark is ahead (a commit under way)

_LAST_ID = text("SELECT seq FROM sqlite_sequence WHERE name = 'cache_invalidations'")


class Mark:
    """The id of the last purge written, shared by every worker through a mapped file
    (an anonymous mapping for an in-memory database). Aligned 8-byte loads and stores."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._file: tuple[int, int] | None = None  # the mapped file's device and inode
        if path is None:
            self._map = mmap.mmap(-1, 8)
        else:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                found = os.fstat(fd)
                if found.st_size < 8:
                    os.ftruncate(fd, 8)
                self._map = mmap.mmap(fd, 8)
                self._file = (found.st_dev, found.st_ino)
            finally:
                os.close(fd)
        self._value = ctypes.c_int64.from_buffer(self._map)

    def replaced(self) -> bool:
        """Whether the path names another file than the one mapped (deleted, or put
        back): the processes that opened it since write their marks there."""
        if self.path is None or self._file is None:
            return False
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return True
        return (found.st_dev, found.st_ino) != self._file

    def read(self) -> int:
        return self._value.value

    def write(self, ident: int) -> None:
        self._value.value = ident

    def close(self) -> None:
        del self._value
        self._map.close()


def mark_path(database: str | None) -> str | None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-cache"


class SqliteBus(Bus):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__()
        self.engine = engine
        self.mark = Mark(mark_path(engine.url.database))
        self.applied = 0  # the last row id this worker has applied
        self.connected = False
        self._wake = asyncio.Event()
        self._ahead: float | None = None  # monotonic; since when the mark is ahead of the rows
        self._read_at = -CHECK  # monotonic; the last read of the table

    def fresh(self) -> bool:
        if self.connected and self.mark.read() <= self.applied:
            return True
        self._wake.set()
        return False

    async def stage(self, session: AsyncSession, keys: set[str]) -> Purge:
        now = time.time()
        row = CacheInvalidation
        ident = await session.scalar(
            insert(row).values(keys=encode(self.origin, 0, keys), created_at=now).returning(row.id)
        )
        assert ident is not None
        await session.execute(delete(row).where(row.created_at < now - KEEP))
        self.mark.write(ident)  # under the write lock: in commit order
        return Purge(keys, ident)

    async def published(self, purge: Purge) -> None:
        if self.applied == purge.ident - 1:  # this worker purged itself and missed nothing
            self.applied = purge.ident

    async def listen(self, deliver: Deliver) -> None:
        while True:
            self._wake.clear()
            try:
                if self._due():
                    await self._poll(deliver)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # purging and retrying
                outage.log_failure(log, exc, "the SQLite cache listener")
                self.connected = False
                deliver({ALL})
            else:
                outage.log_success("the SQLite cache listener")
            if self.connected and self.mark.read() > self.applied:
                await asyncio.sleep(PAUSE)
            try:
                async with asyncio.timeout(POLL):
                    await self._wake.wait()
            except TimeoutError:
                pass

    def _due(self) -> bool:
        """Whether to read the table now: not connected yet, the mark past the last row
        applied (a purge written since), or CHECK seconds since the last read (the table
        still read now and then: a failure to read it is logged, as when writes come)."""
        return (
            not self.connected
            or self.mark.read() > self.applied
            or time.monotonic() - self._read_at >= CHECK
        )

    async def _poll(self, deliver: Deliver) -> None:
        if self.mark.replaced():
            # The file was deleted or replaced under the running workers: the mark this
            # worker read no longer moves, and purges were read only at CHECK. The new
            # file is mapped, and everything purged (what it missed is unknown).
            log.warning("the cache purge mark's file %s was replaced: mapped again, "
                        "purging everything", self.mark.path)  # fmt: skip
            self.mark.close()
            self.mark = Mark(self.mark.path)
            deliver({ALL})
        mark = self.mark.read()  # before the rows: whatever it names is committed or under way
        self._read_at = time.monotonic()
        row = CacheInvalidation
        async with self.engine.connect() as conn:
            if not self.connected:
                self.applied = await _last_id(conn)
                deliver({ALL})
                self.connected = True
                self.ready.set()
            rows = await conn.execute(
                select(row.id, row.keys).where(row.id > self.applied).order_by(row.id)
            )
            for ident, payload in rows:
                if ident <= self.applied:  # applied meanwhile by this worker's own write
                    continue
                if ident != self.applied + 1:
                    log.warning("cache purges were missed (%s to %s): purging everything",
                                self.applied, ident)  # fmt: skip
                    deliver({ALL})
                origin, _, keys = decode(payload)
                if origin != self.origin:
                    deliver(keys)
                self.applied = ident
        await self._repair(mark)

    async def _repair(self, mark: int) -> None:
        """A mark ahead of the rows for AHEAD: set it back to the last id committed."""
        if mark <= self.applied:
            self._ahead = None
            return
        now = time.monotonic()
        if self._ahead is None:
            self._ahead = now
        if now - self._ahead < AHEAD:
            return
        engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        async with engine.begin() as conn:  # no write is under way meanwhile
            last = await _last_id(conn)
            if self.mark.read() > last:
                log.warning("cache purge mark %s ahead of the last purge %s: set back",
                            self.mark.read(), last)  # fmt: skip
                self.mark.write(last)
        self._ahead = None

    async def close(self) -> None:
        self.connected = False  # `fresh` reads the mark no more
        self.mark.close()


async def _last_id(conn: AsyncConnection) -> int:
    return int(await conn.scalar(_LAST_ID) or 0)
