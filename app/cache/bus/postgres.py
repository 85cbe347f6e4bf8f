"""PostgreSQL `LISTEN/NOTIFY`: the purge is a NOTIFY inside the writing transaction, so it
is delivered exactly when the write commits, never for a rollback.

Each worker's listener connection is named in `application_name`, so the writing
transaction sees who listens (`pg_stat_activity`) in the statement that sends the NOTIFY.
After the commit the writer waits until each of them acknowledged on the writer's own
channel, or until LEASE after the commit: by then a listener that did not answer has
stopped trusting its cache. A heartbeat goes round through each listener's own channel
every BEAT; PostgreSQL delivers to a session in commit order.
"""

import asyncio
import logging
import time
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app.cache.bus.base import (
    BEAT,
    LEASE,
    MARGIN,
    RETRY,
    Deliver,
    LeasedBus,
    Purge,
    decode,
    encode,
    note_unacknowledged,
)
from app.ops import outage

log = logging.getLogger("newsdesk.cache")

CHANNEL = "newsdesk_cache"
NAME = "newsdesk-cache "  # + the worker's origin: the listener's application_name

_NOTIFY = text(
    "SELECT pg_notify(:channel, :payload), ARRAY(SELECT application_name FROM pg_stat_activity"
    " WHERE datname = current_database() AND application_name LIKE :listeners)"
)
_SEND = "SELECT pg_notify(m.c, m.p) FROM unnest($1::text[], $2::text[]) AS m(c, p)"


class PostgresBus(LeasedBus):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self.own = f"{CHANNEL}_{self.origin}"  # heartbeats and acknowledgements to this worker
        self._outbox: list[tuple[str, str]] = []
        self._wake = asyncio.Event()

    async def stage(self, session: AsyncSession, keys: set[str]) -> Purge:
        ident = self.number()
        payload = encode(self.origin, ident, keys)
        params = {"channel": CHANNEL, "payload": payload, "listeners": f"{NAME}%"}
        row = (await session.execute(_NOTIFY, params)).one()
        workers = frozenset(name.removeprefix(NAME) for name in row[1]) - {self.origin}
        return Purge(keys, ident, workers)

    async def published(self, purge: Purge) -> None:
        deadline = time.monotonic() + LEASE + MARGIN  # counted from after the commit
        late = await self.acks.wait(purge.ident, dict.fromkeys(purge.workers, deadline))
        note_unacknowledged(late)

    async def listen(self, deliver: Deliver) -> None:
        def on_purge(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
            origin, ident, keys = decode(payload)
            if origin and origin != self.origin:
                deliver(keys)
                self._send(f"{CHANNEL}_{origin}", f"ack {self.origin} {ident}")

        def on_own(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
            kind, _, rest = payload.partition(" ")
            if kind == "beat":
                self.beat_returned(float(rest), deliver)
            elif kind == "ack":
                worker, _, ident = rest.partition(" ")
                self.acks.add(int(ident), worker)

        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(
                    self.dsn, timeout=10, server_settings={"application_name": NAME + self.origin}
                )
                lost = asyncio.Event()

                def on_lost(_conn: Any, lost: asyncio.Event = lost) -> None:
                    lost.set()
                    self._wake.set()

                conn.add_termination_listener(on_lost)
                await conn.add_listener(self.own, on_own)
                await conn.add_listener(CHANNEL, on_purge)
                outage.log_success("the PostgreSQL cache listener")
                await self._talk(conn, lost)
                log.warning("PostgreSQL cache listener lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except asyncpg.InternalClientError as exc:
                # The server ended the connection (a shutdown's FATAL error) between two
                # sends: asyncpg still consumes that error when the next one starts, and
                # refuses it ("cannot switch to state ..."). Only this task uses the
                # connection, one operation at a time: it is lost, not misused.
                log.warning("PostgreSQL cache listener lost (%s); reconnecting", exc)
            except Exception as exc:  # reconnecting
                outage.log_failure(log, exc, "the PostgreSQL cache listener")
            finally:
                self.lost(deliver)
                if conn is not None and not conn.is_closed():
                    conn.terminate()
            await asyncio.sleep(RETRY)

    def _send(self, channel: str, payload: str) -> None:
        self._outbox.append((channel, payload))
        self._wake.set()

    async def _talk(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Send heartbeats and acknowledgements on the listening connection, until it is
        lost or its heartbeats stop coming back."""
        beat = 0.0
        connected = time.monotonic()
        while not lost.is_set():
            now = time.monotonic()
            if now - max(connected, self.lease.until - LEASE) > 2 * LEASE:
                return  # connected, yet no heartbeat came back for two leases
            if now >= beat:
                self._outbox.append((self.own, f"beat {now!r}"))
                beat = now + BEAT
            batch, self._outbox = self._outbox, []
            self._wake.clear()
            if batch:
                channels, payloads = zip(*batch, strict=True)
                await conn.execute(_SEND, list(channels), list(payloads), timeout=LEASE)
            if not self._outbox:
                try:
                    async with asyncio.timeout(max(0.0, beat - time.monotonic())):
                        await self._wake.wait()
                except TimeoutError:
                    pass
