"""The delivery worker: scheduled changes, webhook deliveries and CDN purges.

One loop, run by every serving process (`NEWSDESK_WORKER_IN_PROCESS`, the default) or by
`newsdesk worker`; only the one that holds the job works, so two processes (or hosts)
never send one delivery at the same time. On PostgreSQL the job is a session advisory
lock on a connection the holder keeps open (released when it closes, however the process
dies); on SQLite, whose writers share one host, an exclusive lock on a file beside the
database (released by the kernel when the process dies). The others try again every
second and take over at once.

Each turn of the loop (every `NEWSDESK_WORKER_POLL_SECONDS`, and at once after a commit in
this process that recorded a change), in three loops side by side; at each poll one
statement (`Worker._look`) says which of them has work, and an idle sending or purging
loop waits for it (or looks itself, once in RECHECK_POLLS polls):

1. `settle_due`: versions whose scheduled publication or takedown has come are recorded
   in the change log (`app.changes.record`), at their own time.
2. Fan-out: the change log after the worker's position becomes one delivery per matching
   enabled subscription, and the position moves on, in one transaction: a crash repeats
   nothing and loses nothing.
3. Due deliveries are sent (signed, `app.webhooks.secrets`; through
   `app.webhooks.sender`), concurrently, and their outcome written: delivered, or the next
   attempt after an exponential backoff with jitter, or — once `webhook_retry_window` has
   passed since the event — failed, which disables the subscription (an audit entry, a
   warning and a `webhook.disabled` event to the subscriptions that asked for it).
4. CDN purges: the surrogate keys of due `CdnPurge` rows, batched, POSTed to
   `NEWSDESK_PURGE_URL`, retried the same way.

At-least-once: a delivery is marked only after its attempt, so a crash between the two
sends it again, with the same `webhook-id` (subscribers de-duplicate by it).
"""

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from sqlalchemy import delete, false, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.audit import hook as audit
from app.changes import record
from app.changes import service as changes_service
from app.config import Settings
from app.db import Database, is_sqlite
from app.errors import AppError
from app.models import (
    CdnPurge,
    ContentChange,
    PublicState,
    Webhook,
    WebhookDelivery,
    WorkerPosition,
    utcnow,
)
from app.ops import metrics, outage
from app.webhooks import secrets
from app.webhooks.schemas import DISABLED

if TYPE_CHECKING:
    # Imported where a delivery or a purge is made: every serving process runs a Worker,
    # only the one holding the job sends, and httpx costs the others ~5 MB.
    import httpx

    from app.webhooks import sender

log = logging.getLogger("newsdesk.worker")
LOCK_KEY = 0x4E44574B  # the PostgreSQL advisory lock of the job ("NDWK")
LOCK_RETRY = 1.0  # seconds between two tries to take the job
# An idle sending or purging loop looks for work itself once in this many polls; the
# look (`Worker._look`) asks for it at every poll and wakes it.
RECHECK_POLLS = 10
# Seconds a stopping worker lets the job's connection, being made, finish (`_connect`).
CONNECT_GRACE = 2.0
FAN_OUT_BATCH = 500
SEND_BATCH = 64
PER_SUBSCRIPTION = 8  # deliveries of one subscription in one batch, at most
KEPT = timedelta(days=30)  # how long the delivery log keeps a finished delivery
PRUNE_EVERY = 3600.0  # seconds
CONCURRENCY = 16
POSITION = "webhooks"
ACTOR = "worker"


class JobLock:
    """Who does the work; `hold` takes it if free, and says whether this process has it."""

    async def hold(self) -> bool:
        raise NotImplementedError

    async def release(self) -> None:
        """Give the job up."""


class _PostgresLock(JobLock):
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.conn: AsyncConnection | None = None

    async def hold(self) -> bool:
        if self.conn is not None:
            try:  # still connected: the lock lives as long as the connection
                await self.conn.execute(select(1))
                await self.conn.commit()
                return True
            except Exception:
                log.warning("the worker lost its database connection: the job is free again")
                await self.release()
                return False
        conn = await self._connect()
        try:
            held = bool(await conn.scalar(select(func.pg_try_advisory_lock(LOCK_KEY))))
            await conn.commit()
        except BaseException:
            await conn.invalidate()
            raise
        if not held:
            await conn.close()
            return False
        self.conn = conn
        log.info("this process delivers webhooks and purges now")
        return True

    async def _connect(self) -> AsyncConnection:
        """A connection of its own, made to the end even when the worker stops meanwhile
        (for up to CONNECT_GRACE) and then closed: asyncpg cancelled in the middle of its
        handshake leaves a future nobody reads, which Python prints at exit ("Future
        exception was never retrieved ... unexpected connection_lost() call", asyncpg
        issues 1211 and 464), and can leave the socket open."""
        connecting = asyncio.ensure_future(self.engine.connect())
        try:
            return await asyncio.shield(connecting)
        except asyncio.CancelledError:
            with contextlib.suppress(BaseException):
                async with asyncio.timeout(CONNECT_GRACE):
                    made = await connecting
                    await made.invalidate()  # as `release` does
                    await made.close()
            raise

    async def release(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            # Closed, not returned to the pool: the session lock goes with the connection.
            with contextlib.suppress(Exception):
                await conn.invalidate()
            with contextlib.suppress(Exception):
                await conn.close()


class _FileLock(JobLock):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    async def hold(self) -> bool:
        if self.fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self.fd = fd
        log.info("this process delivers webhooks and purges now")
        return True

    async def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def job_lock(db: Database) -> JobLock:
    if not is_sqlite(db.url):
        return _PostgresLock(db.engine)
    database = make_url(db.url).database
    if not database or database == ":memory:":
        return _FileLock(Path(f"/tmp/newsdesk-memory-{os.getpid()}.worker-lock"))  # noqa: S108
    return _FileLock(Path(f"{database}.worker-lock"))


@dataclass(frozen=True, slots=True)
class Sending:
    """What deliveries and purges are sent with; made at the first one."""

    deliveries: "httpx.AsyncClient"
    purges: "httpx.AsyncClient"
    policy: "sender.AddressPolicy"


@dataclass(frozen=True, slots=True)
class Attempt:
    delivery_id: Any
    at: datetime
    outcome: "sender.Outcome"


def backoff(settings: Settings, attempts: int) -> timedelta:
    """The wait before the next attempt after `attempts` failed ones: doubling from
    `webhook_retry_base_seconds` up to `webhook_retry_max_seconds`, jittered ±25 %."""
    base = settings.webhook_retry_base_seconds * 2 ** min(max(attempts - 1, 0), 30)
    seconds = min(base, settings.webhook_retry_max_seconds)
    return timedelta(seconds=seconds * random.uniform(0.75, 1.25))  # noqa: S311 - jitter


def payload(change: ContentChange, settings: Settings, tags: dict[str, str]) -> str:
    """The body of an event's deliveries (Standard Webhooks: type, timestamp, data)."""
    path, url = changes_service.place(settings, tags, change.language, change.slug)
    data = {
        "article_id": str(change.article_id),
        "language": change.language,
        "slug": change.slug,
        "path": path,
        "url": url,
    }
    if change.previous_slug is not None:
        before = changes_service.place(settings, tags, change.language, change.previous_slug)
        data |= {
            "previous_slug": change.previous_slug,
            "previous_path": before[0],
            "previous_url": before[1],
        }
    return json.dumps(
        {
            "id": str(change.event_id),
            "type": change.type,
            "timestamp": change.at.isoformat().replace("+00:00", "Z"),
            "data": data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def wants(webhook: Webhook, change: ContentChange) -> bool:
    return (
        change.id > webhook.start_change_id
        and change.type in webhook.events
        and (webhook.languages is None or change.language in webhook.languages)
    )


class Worker:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.lock = job_lock(db)
        self._sending: Sending | None = None
        self._events: dict[str, asyncio.Event] = {}  # each loop's wake-up, by its step's name
        self._stopping = False  # a batch under way starts no new attempt
        self._next_prune = 0.0  # time.monotonic() of the next pruning of the log
        self._key: bytes | None = None
        self._remove_listener: Callable[[], None] | None = None

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = secrets.server_key(self.settings)
        return self._key

    @property
    def sending(self) -> Sending:
        if self._sending is None:
            import httpx

            from app.webhooks import sender

            self._sending = Sending(
                deliveries=sender.make_client(),
                purges=httpx.AsyncClient(trust_env=False, follow_redirects=False),
                policy=sender.AddressPolicy(self.settings.webhook_allow_hosts),
            )
        return self._sending

    async def run(self) -> None:
        """Until cancelled: take the job when free; while holding it, run its three
        loops side by side (so a slow receiver never holds back a scheduled change or a
        purge), and check every `LOCK_RETRY` that the job is still this process's."""
        self._remove_listener = record.on_commit(self.wake)
        try:
            while True:
                if not await self._hold():
                    await asyncio.sleep(LOCK_RETRY)
                    continue
                self._stopping = False
                loops = [
                    asyncio.create_task(self._loop(step))
                    for step in (self.record_and_fan_out, self.send_due, self.purge_due)
                ]
                try:
                    held = True
                    while held:  # the lock's connection may die: look every second
                        await asyncio.sleep(LOCK_RETRY)
                        held = await self._hold()
                finally:
                    for loop in loops:
                        loop.cancel()
                    await asyncio.gather(*loops, return_exceptions=True)
        finally:
            await self.close()

    async def _hold(self) -> bool:
        try:
            held = await self.lock.hold()
        except Exception as exc:
            outage.log_failure(log, exc, "taking the delivery job")
            return False
        outage.log_success("taking the delivery job")
        return held

    def wake(self) -> None:
        """Look for work at once (a commit in this process recorded some)."""
        for event in self._events.values():
            event.set()

    async def _loop(self, step: Callable[[], Awaitable[bool]]) -> None:
        """`step` again and again: at once while it finds work, else after the poll
        interval or a wake-up. A stop (SIGTERM, shutdown, the job lost) lands between
        steps: a step under way runs to its end (its transactions are never left open,
        and a batch of deliveries starts no new attempt but finishes and records the ones
        under way, each bounded by the timeout, so nothing sent is sent again)."""
        event = asyncio.Event()
        self._events[step.__name__] = event
        # The sending and purging loops, idle, wait for the look (`record_and_fan_out`),
        # which asks whether they have work at every poll, or for a wake-up; their own
        # look is a safety net.
        idle = self.settings.worker_poll_seconds
        if step.__name__ != "record_and_fan_out":
            idle *= RECHECK_POLLS
        try:
            while True:
                running = asyncio.ensure_future(step())
                try:
                    busy = await asyncio.shield(running)
                    outage.log_success(f"the delivery worker's {step.__name__}")
                except asyncio.CancelledError:
                    self._stopping = True
                    with contextlib.suppress(Exception):
                        await running
                    raise
                except Exception as exc:  # it goes on
                    outage.log_failure(log, exc, f"the delivery worker's {step.__name__}")
                    busy = False
                if not busy:
                    # `asyncio.timeout`, not `wait_for`: on Python 3.11, `wait_for` can
                    # swallow a cancellation that lands as its timeout fires, and the loop
                    # would then poll forever after its stop (a test's teardown hung so).
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(idle):
                            await event.wait()
                    event.clear()
        finally:
            self._events.pop(step.__name__, None)
            outage.forget(f"the delivery worker's {step.__name__}")

    async def close(self) -> None:
        if self._remove_listener is not None:
            self._remove_listener()
            self._remove_listener = None
        with anyio.CancelScope(shield=True):
            await self.lock.release()
            if self._sending is not None:
                await self._sending.deliveries.aclose()
                await self._sending.purges.aclose()
                self._sending = None

    async def record_and_fan_out(self) -> bool:
        """Scheduled changes recorded, then the log turned into deliveries (and, once an
        hour, finished deliveries past `KEPT` forgotten). Whether either has work, and
        whether a delivery or a CDN purge is due (the other two loops woken if so), is
        one statement (`_look`): at every poll of an idle worker, that is all it runs."""
        due, behind, sending, purging = await self._look()
        for step, wanted in (("send_due", sending), ("purge_due", purging)):
            if wanted and (event := self._events.get(step)) is not None:
                event.set()
        # Each step goes straight to its write transaction, which reads again what it acts
        # on: the look has made the checks a step would otherwise make in a session first.
        settled = await self.settle_due() if due else False
        # Settling records changes: they are fanned out at once.
        fanned = await self.fan_out() if behind or settled else False
        if time.monotonic() >= self._next_prune:
            self._next_prune = time.monotonic() + PRUNE_EVERY
            await self.prune()
        return settled or fanned

    async def _look(self) -> tuple[bool, bool, bool, bool]:
        """Whether a scheduled change is due, whether the change log is past the fan-out's
        position, whether a delivery is due and whether a CDN purge is (False when none
        is sent): one statement in one session. Before, an idle poll ran five statements
        in four sessions, one for each loop (each session a checkout, and on PostgreSQL
        a pre-ping, BEGIN and ROLLBACK): about 1 ms of CPU each."""
        now = utcnow()
        due = select(PublicState.article_id).where(PublicState.next_at <= now).exists()
        top = select(func.max(ContentChange.id)).scalar_subquery()
        position = (
            select(WorkerPosition.change_id)
            .where(WorkerPosition.name == POSITION)
            .scalar_subquery()
        )
        sending = (
            select(WebhookDelivery.id)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
                Webhook.enabled.is_(True),
            )
            .exists()
        )
        purging = (
            select(CdnPurge.id).where(CdnPurge.next_attempt_at <= now).exists()
            if self.settings.purge_url is not None
            else false()
        )
        behind = func.coalesce(top, 0) > func.coalesce(position, 0)
        async with self.db.reader() as session:
            row = (await session.execute(select(due, behind, sending, purging))).one()
        return bool(row[0]), bool(row[1]), bool(row[2]), bool(row[3])

    async def prune(self) -> None:
        """The delivery log keeps finished deliveries for `KEPT`."""
        async with self.db.writer() as session, session.begin():
            await session.execute(
                delete(WebhookDelivery).where(
                    WebhookDelivery.status != "pending",
                    WebhookDelivery.created_at < utcnow() - KEPT,
                )
            )

    # 1. Scheduled changes ---------------------------------------------------------------

    async def settle_due(self) -> bool:
        """Record the scheduled changes that have come (the caller's look found one due:
        `record.settle_due` reads them again under the write lock)."""
        now = utcnow()
        async with self.db.writer() as session, session.begin():
            count = await session.run_sync(lambda s: record.settle_due(s, now))
        return count > 0

    # 2. Fan-out -------------------------------------------------------------------------

    async def fan_out(self) -> bool:
        """The changes past the fan-out's position turned into deliveries, a batch at a
        time (the caller's look found the log past it, or settling recorded some: the
        position is read again, locked, in the write transaction)."""
        async with self.db.writer() as session, session.begin():
            # Locked (PostgreSQL; SQLite's writer lock does it): two workers that both
            # believed they held the job would still not fan a change out twice.
            position = await session.get(
                WorkerPosition, POSITION, populate_existing=True, with_for_update=True
            )
            if position is None:
                position = WorkerPosition(name=POSITION, change_id=0)
                session.add(position)
            changes = list(
                await session.scalars(
                    select(ContentChange)
                    .where(ContentChange.id > position.change_id)
                    .order_by(ContentChange.id)
                    .limit(FAN_OUT_BATCH)
                )
            )
            if not changes:
                return False
            hooks = list(await session.scalars(select(Webhook).where(Webhook.enabled.is_(True))))
            tags = await changes_service.language_tags(session)
            now = utcnow()
            for change in changes:
                body: str | None = None
                for hook in hooks:
                    if not wants(hook, change):
                        continue
                    body = body or payload(change, self.settings, tags)
                    session.add(
                        WebhookDelivery(
                            webhook_id=hook.id, change_id=change.id, type=change.type,
                            event_id=f"msg_{change.event_id.hex}", payload=body,
                            created_at=now, retry_from=now, next_attempt_at=now,
                        )
                    )  # fmt: skip
            position.change_id = changes[-1].id
        self.wake()  # the sending loop: there may be deliveries now
        return True

    # 3. Deliveries ----------------------------------------------------------------------

    async def send_due(self) -> bool:
        now = utcnow()
        async with self.db.reader() as session:
            rows = (
                await session.execute(
                    select(WebhookDelivery, Webhook)
                    .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                    .where(
                        WebhookDelivery.status == "pending",
                        WebhookDelivery.next_attempt_at <= now,
                        Webhook.enabled.is_(True),
                    )
                    .order_by(
                        WebhookDelivery.next_attempt_at,
                        WebhookDelivery.change_id,
                        WebhookDelivery.id,
                    )
                    .limit(SEND_BATCH * 4)
                )
            ).all()
        if not rows:
            return False
        # In order for each subscription, several subscriptions at once; a few of each
        # per batch, so one with a backlog does not fill the batch for the others.
        queues: dict[Any, list[tuple[WebhookDelivery, Webhook]]] = {}
        for delivery, hook in rows:
            queue = queues.setdefault(hook.id, [])
            if len(queue) < PER_SUBSCRIPTION:
                queue.append((delivery, hook))
        limit = asyncio.Semaphore(CONCURRENCY)

        async def in_order(queue: list[tuple[WebhookDelivery, Webhook]]) -> list[Attempt]:
            """One subscription's deliveries in order, until one fails (the rest wait
            with it: a receiver that is down gets one attempt per backoff, not one per
            pending event)."""
            done: list[Attempt] = []
            async with limit:
                for delivery, hook in queue:
                    if self._stopping:
                        break
                    done.append(await self.attempt(delivery, hook))
                    if not done[-1].outcome.ok:
                        break
            return done

        done = await asyncio.gather(*(in_order(q) for q in queues.values()))
        await self.settle([attempt for queue in done for attempt in queue])
        return True

    async def attempt(self, delivery: WebhookDelivery, hook: Webhook) -> Attempt:
        """One attempt; never raises (but for cancellation): a failure is its outcome."""
        from app.webhooks import sender

        at = utcnow()
        try:
            return await self._attempt(delivery, hook, at)
        except Exception as exc:
            log.exception("webhook %s: the delivery could not be attempted", hook.id)
            detail = exc.detail if isinstance(exc, AppError) else type(exc).__name__
            return Attempt(delivery.id, at, sender.Outcome(None, 0, f"not sent: {detail}"[:300]))

    async def _attempt(self, delivery: WebhookDelivery, hook: Webhook, at: datetime) -> Attempt:
        from app.webhooks import sender

        try:
            keys = secrets.signing_secrets(self.key, hook, at)
        except secrets.KeyMismatch as exc:
            log.error("webhook %s: %s", hook.id, exc)
            return Attempt(delivery.id, at, sender.Outcome(None, 0, str(exc)[:300]))
        stamp = int(at.timestamp())
        headers = {
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": secrets.signature(
                keys, message_id=delivery.event_id, at=at, body=delivery.payload
            ),
            "content-type": "application/json",
        }
        outcome = await sender.deliver(
            self.sending.deliveries,
            hook.url,
            delivery.payload.encode(),
            headers,
            policy=self.sending.policy,
            timeout=self.settings.webhook_timeout_seconds,
            max_response_bytes=self.settings.webhook_max_response_bytes,
        )
        return Attempt(delivery.id, at, outcome)

    async def settle(self, attempts: list[Attempt]) -> None:
        """Write what the attempts came to, in one transaction."""
        answered = utcnow()  # after every attempt of the batch: the backoffs count from here
        window = timedelta(seconds=self.settings.webhook_retry_window_seconds)
        async with self.db.writer() as session, session.begin():
            disabled: list[Webhook] = []
            held: dict[Any, datetime] = {}
            found = await session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.id.in_([done.delivery_id for done in attempts]))
                .execution_options(populate_existing=True)
            )
            deliveries = {delivery.id: delivery for delivery in found}
            for done in attempts:
                delivery = deliveries.get(done.delivery_id)
                if delivery is None or delivery.status != "pending":
                    continue  # its subscription was deleted meanwhile
                outcome = done.outcome
                delivery.attempts += 1
                delivery.last_attempt_at = done.at
                delivery.response_status = outcome.status_code
                delivery.duration_ms = outcome.duration_ms
                delivery.error = None if outcome.error is None else outcome.error[:300]
                if outcome.ok:
                    delivery.status, delivery.next_attempt_at = "delivered", None
                elif done.at - delivery.retry_from >= window:
                    delivery.status, delivery.next_attempt_at = "failed", None
                    hook = await session.get(Webhook, delivery.webhook_id)
                    if hook is not None and hook.enabled:
                        self._disable(hook, done.at, outcome.error)
                        disabled.append(hook)
                else:
                    # From now, when every answer of the batch is in (or its wait gave up),
                    # not from when the attempt began: a receiver slower than the backoff
                    # was retried the moment it answered.
                    delivery.next_attempt_at = answered + backoff(self.settings, delivery.attempts)
                    held[delivery.webhook_id] = delivery.next_attempt_at
            # The subscription's other pending deliveries wait for its next attempt too,
            # and then go in the order of their changes.
            await session.flush()
            for webhook_id, until in held.items():
                await session.execute(
                    update(WebhookDelivery)
                    .where(
                        WebhookDelivery.webhook_id == webhook_id,
                        WebhookDelivery.status == "pending",
                        WebhookDelivery.next_attempt_at < until,
                    )
                    .values(next_attempt_at=until)
                )
            if disabled:
                await self._announce(session, disabled)
                await audit.record(session, actor=ACTOR, action="disableWebhook")

    def _disable(self, hook: Webhook, at: datetime, error: str | None) -> None:
        hours = self.settings.webhook_retry_window_seconds / 3600
        hook.enabled = False
        hook.disabled_at = hook.updated_at = at
        hook.disabled_reason = f"Deliveries failed for {hours:g} h (last: {error or 'no answer'})"[
            :300
        ]
        log.warning("webhook %s disabled: %s", hook.id, hook.disabled_reason)

    async def _announce(self, session: AsyncSession, disabled: list[Webhook]) -> None:
        """A `webhook.disabled` event to each enabled subscription that asked for it."""
        listeners = [
            h
            for h in await session.scalars(select(Webhook).where(Webhook.enabled.is_(True)))
            if DISABLED in h.events
        ]
        now = utcnow()
        for hook in disabled:
            event_id = f"msg_{os.urandom(16).hex()}"
            body = json.dumps(
                {
                    "id": event_id,
                    "type": DISABLED,
                    "timestamp": now.isoformat().replace("+00:00", "Z"),
                    # No receiver's words: other subscribers may be other parties.
                    "data": {"webhook_id": str(hook.id), "reason": "deliveries failed"},
                },
                separators=(",", ":"),
            )
            for listener in listeners:
                session.add(
                    WebhookDelivery(
                        webhook_id=listener.id, event_id=event_id, type=DISABLED, payload=body,
                        created_at=now, retry_from=now, next_attempt_at=now,
                    )
                )  # fmt: skip

    # 4. CDN purges ----------------------------------------------------------------------

    async def purge_due(self) -> bool:
        url = self.settings.purge_url
        if url is None:
            return False
        now = utcnow()
        async with self.db.reader() as session:
            rows = list(
                await session.scalars(
                    select(CdnPurge)
                    .where(CdnPurge.next_attempt_at <= now)
                    .order_by(CdnPurge.id)
                    .limit(100)
                )
            )
        if not rows:
            return False
        keys: set[str] = set()
        batch: list[CdnPurge] = []
        for row in rows:
            if batch and len(keys | set(row.keys)) > record.PURGE_BATCH:
                break
            keys |= set(row.keys)
            batch.append(row)
        outcome = await self._purge(url, sorted(keys))
        answered = utcnow()  # the backoff counts from here, as a delivery's does
        metrics.count(metrics.CDN_PURGES, "sent" if outcome.ok else "failed")
        window = timedelta(seconds=self.settings.webhook_retry_window_seconds)
        async with self.db.writer() as session, session.begin():
            ids = [row.id for row in batch]
            if outcome.ok:
                await session.execute(delete(CdnPurge).where(CdnPurge.id.in_(ids)))
                return True
            log.warning("CDN purge failed: %s", outcome.error or outcome.status_code)
            for row in await session.scalars(select(CdnPurge).where(CdnPurge.id.in_(ids))):
                row.attempts += 1
                row.error = (outcome.error or f"HTTP {outcome.status_code}")[:300]
                if now - row.created_at >= window:
                    log.error(
                        "CDN purge of %d key(s) given up after %d attempts",
                        len(row.keys),
                        row.attempts,
                    )
                    await session.delete(row)
                else:
                    row.next_attempt_at = answered + backoff(self.settings, row.attempts)
        return True

    async def _purge(self, url: str, keys: list[str]) -> "sender.Outcome":
        import httpx

        from app.webhooks import sender

        headers = {"Surrogate-Key": " ".join(keys), "Content-Type": "application/json"}
        if self.settings.purge_headers is not None:
            headers |= json.loads(self.settings.purge_headers.get_secret_value())
        body = json.dumps({"surrogate_keys": keys, "tags": keys}).encode()
        started = asyncio.get_running_loop().time()
        try:
            response = await self.sending.purges.post(
                url, content=body, headers=headers, timeout=self.settings.webhook_timeout_seconds
            )
            status: int | None = response.status_code
            error = None if response.is_success else f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            status, error = None, type(exc).__name__
        elapsed = int((asyncio.get_running_loop().time() - started) * 1000)
        return sender.Outcome(status, elapsed, error)
