"""What the buses share: the message, the base class, the lease and the writer's wait."""

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.cache.store import ALL

LEASE = 2.0  # seconds a worker trusts its cache after sending a heartbeat that came back
BEAT = 0.5  # seconds between two heartbeats
MARGIN = 0.1  # seconds more a writer waits: two hosts' clocks run at slightly different rates
RETRY = 1.0  # seconds before a lost listener connects again
MAX_PAYLOAD = 7000  # bytes; PostgreSQL refuses NOTIFY payloads over 8000
KEPT_ACKS = 1000  # acknowledgements that came too late, kept at most

Deliver = Callable[[set[str]], None]


@dataclass(slots=True)
class Purge:
    """One commit's purge on its way: its keys, its number on this worker (a row id on
    SQLite), and the workers listening when it was sent (PostgreSQL)."""

    keys: set[str]
    ident: int = 0
    workers: frozenset[str] = field(default_factory=frozenset)


def encode(origin: str, ident: int, keys: Iterable[str]) -> str:
    """The message: which worker purged (it purged itself already), its number, what."""
    message = {"origin": origin, "id": ident, "keys": sorted(keys)}
    payload = json.dumps(message, separators=(",", ":"))
    if len(payload.encode()) > MAX_PAYLOAD:
        return json.dumps({**message, "keys": [ALL]}, separators=(",", ":"))
    return payload


def decode(payload: str | bytes) -> tuple[str, int, set[str]]:
    try:
        message = json.loads(payload)
        origin, ident, keys = str(message["origin"]), int(message["id"]), message["keys"]
        return origin, ident, {k for k in keys if isinstance(k, str)}
    except (ValueError, TypeError, KeyError):
        return "", 0, {ALL}


class Bus:
    """`stage` runs inside the writing transaction, `published` after its commit and
    before the write answers, `listen` for the life of the worker. `fresh` says, on every
    cache lookup and without any I/O, whether the cache may be used."""

    def __init__(self) -> None:
        self.origin = uuid.uuid4().hex
        self.ready = asyncio.Event()  # verified connected once (a starting worker waits)

    def fresh(self) -> bool:
        raise NotImplementedError

    async def stage(self, session: AsyncSession, keys: set[str]) -> Purge:
        return Purge(keys)

    async def published(self, purge: Purge) -> None:
        """Returns once no other worker can serve what the purge names."""

    async def listen(self, deliver: Deliver) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        """Release connections."""


class Lease:
    """Until when this worker may trust its cache: LEASE after it sent the last heartbeat
    that came back through the bus. The bus delivers in order, so whatever it carried
    before that heartbeat has reached this worker."""

    def __init__(self) -> None:
        self.until = 0.0  # time.monotonic()

    def valid(self) -> bool:
        return time.monotonic() < self.until

    def end(self) -> None:
        self.until = 0.0

    def renew(self, sent: float) -> None:
        self.until = max(self.until, sent + LEASE)


class LeasedBus(Bus):
    """A bus between hosts (PostgreSQL, Redis): a heartbeat renews the lease, a writer
    waits for every other worker's acknowledgement, or until its lease is over."""

    def __init__(self) -> None:
        super().__init__()
        self.lease = Lease()
        self.acks = Acks()
        self._sent = 0

    def fresh(self) -> bool:
        return self.lease.valid()

    def number(self) -> int:
        self._sent += 1
        return self._sent

    def beat_returned(self, sent: float, deliver: Deliver, *, gap: bool = False) -> None:
        """A heartbeat sent at `sent` came back. After a lapse or a gap, purges may have
        been lost: everything goes before the cache is trusted again."""
        if gap or not self.lease.valid():
            deliver({ALL})
        self.lease.renew(sent)
        self.ready.set()

    def lost(self, deliver: Deliver) -> None:
        """The connection is gone: nothing is served from the cache until a heartbeat
        comes back, and then everything is purged first (`beat_returned`). The entries
        stay meanwhile: while the database is down too, they are what readers get rather
        than a 503 (`app.cache.middleware`, stale-if-error)."""
        self.lease.end()


log = logging.getLogger("newsdesk.cache")
# What a writer logs when it stopped waiting for some workers' acknowledgement of a purge
# and answered once their leases were over (`note_unacknowledged`).
UNACKNOWLEDGED = "cache purge not acknowledged by %d worker(s) within %ss"


def note_unacknowledged(late: set[str]) -> None:
    """The workers `Acks.wait` found late, if any, logged as one warning."""
    if late:
        log.warning(UNACKNOWLEDGED, len(late), LEASE)


class Acks:
    """Acknowledgements of this worker's purges, by purge number."""

    def __init__(self) -> None:
        self._seen: dict[int, set[str]] = {}
        self._changed = asyncio.Event()

    def add(self, ident: int, worker: str) -> None:
        self._seen.setdefault(ident, set()).add(worker)
        if len(self._seen) > KEPT_ACKS:  # late ones, for purges no longer waited for
            del self._seen[min(self._seen)]
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, ident: int, deadlines: dict[str, float]) -> set[str]:
        """Wait until each worker acknowledged or reached its deadline (monotonic);
        the workers that did not acknowledge."""
        try:
            while True:
                seen = self._seen.get(ident, set())
                now = time.monotonic()
                waiting = {w: d for w, d in deadlines.items() if w not in seen and d > now}
                if not waiting:
                    return set(deadlines) - seen
                changed = self._changed
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(waiting.values()) - now):
                        await changed.wait()
        finally:
            self._seen.pop(ident, None)
