"""Redis pub/sub: every worker on every host, in one channel per Redis database.

Redis pub/sub keeps nothing for a subscriber that is away, and the client reconnects
and subscribes again by itself, so a worker could miss purges without knowing. Hence:

- every message is numbered by a counter in Redis, in the same script that publishes
  it; each worker's heartbeat (every BEAT, on its own channel, on the same connection)
  carries the counter's value. A number that does not follow, or a heartbeat that
  counts more messages than arrived (a restarted Redis counts from 0 again), is a gap:
  the worker purges everything;
- the heartbeat also registers the worker (`newsdesk:cache:workers`) until LEASE after
  Redis's clock; the writer's script returns who is registered, and the writer waits
  until each of them acknowledged or reached that time. While the register is younger
  than LEASE (Redis started, or lost its data) the writer waits LEASE: a worker may
  still trust a lease it renewed before;
- a writer that cannot publish waits until LEASE after it first lost Redis (every other
  worker's lease has lapsed by then, if Redis is down for them too) and publishes the
  keys again once Redis answers.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import coredis
from coredis import exceptions
from coredis.commands.pubsub import PubSub
from coredis.retry import NoRetryPolicy, RetryPolicy

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
from app.cache.store import ALL

log = logging.getLogger("newsdesk.cache")

META = "newsdesk:cache:bus"  # hash: seq (messages numbered), since (when this hash was made)
WORKERS = "newsdesk:cache:workers"  # sorted set: worker -> Redis time its lease ends
TIMEOUT = 1.0  # seconds a command to Redis may take
UNSENT_MAX = 1000  # keys kept for publishing again; more is everything
LOST = (exceptions.ConnectionError, exceptions.TimeoutError)

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('HSETNX', KEYS[1], 'since', tostring(now))
"""
# KEYS: META, WORKERS; ARGV: channel, payload
PUBLISH = (
    _NOW
    + """
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('PUBLISH', ARGV[1], seq .. ' ' .. ARGV[2])
local live = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. tostring(now), '+inf', 'WITHSCORES')
return {tostring(now), redis.call('HGET', KEYS[1], 'since'), live}
"""
)
# KEYS: META, WORKERS; ARGV: the worker's channel, the worker, LEASE, the time it sent
# this, whether it is subscribed (then it registers: writers wait for it)
BEAT_SCRIPT = (
    _NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if ARGV[5] == '1' then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[2])
end
local seq = redis.call('HGET', KEYS[1], 'seq') or '0'
redis.call('PUBLISH', ARGV[1], 'beat ' .. ARGV[4] .. ' ' .. seq)
return seq
"""
)


class _Lost(RetryPolicy):
    """The subscriber's read policy: report a lost connection (and read no more) instead
    of coredis's silent reconnect and subscribe."""

    def __init__(self, lost: asyncio.Event) -> None:
        super().__init__(0, LOST)
        self.lost = lost

    async def delay(self, attempt_number: int) -> None:
        pass

    async def call_with_retries(
        self, func: Callable[..., Awaitable[Any]], *_args: Any, **_kwargs: Any
    ) -> Any:
        try:
            return await func()
        except LOST:
            self.lost.set()
            await asyncio.Event().wait()  # until the listener closes the subscriber


class RedisBus(LeasedBus):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.client: coredis.Redis[bytes] = coredis.Redis.from_url(
            url, connect_timeout=TIMEOUT, stream_timeout=TIMEOUT,
            retry_policy=NoRetryPolicy(),
        )  # fmt: skip
        self.subscriber: coredis.Redis[bytes] = coredis.Redis.from_url(url, connect_timeout=TIMEOUT)
        db = self.client.connection_pool.connection_kwargs.get("db") or 0
        self.channel = f"newsdesk:cache:{db}"  # channels span databases; keys do not
        self.own = f"{self.channel}:{self.origin}"  # heartbeats, acknowledgements
        self._publish = self.client.register_script(PUBLISH)
        self._beat = self.client.register_script(BEAT_SCRIPT)
        self.seq: int | None = None  # the number of the last message received
        self.down_since: float | None = None  # monotonic; when this worker lost Redis
        self.unsent: set[str] = set()
        self.subscribed = False
        self._beat_now = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    async def published(self, purge: Purge) -> None:
        try:
            now, since, live = await self._send(purge.ident, purge.keys)
        except Exception:
            log.exception("could not publish a cache purge to Redis; sending it again later")
            self._keep(purge.keys)
            down = self.down_since = self.down_since or time.monotonic()
            await asyncio.sleep(max(0.0, down + LEASE + MARGIN - time.monotonic()))
            return
        self.down_since = None
        start = time.monotonic()
        deadlines = {w: start + until - now + MARGIN for w, until in live.items()}
        deadlines.pop(self.origin, None)
        if now < since + LEASE:  # who registered in Redis before it lost its data is unknown
            deadlines[""] = start + since + LEASE - now + MARGIN
        late = await self.acks.wait(purge.ident, deadlines) - {""}
        note_unacknowledged(late)

    async def _send(self, ident: int, keys: set[str]) -> tuple[float, float, dict[str, float]]:
        """Publish; Redis's time, when its register began, and the registered workers."""
        payload = encode(self.origin, ident, keys)
        reply = await self._publish(keys=[META, WORKERS], args=[self.channel, payload])
        now, since, flat = cast(list[Any], reply)
        live = {bytes(w).decode(): float(s) for w, s in zip(flat[::2], flat[1::2], strict=True)}
        return float(now), float(since), live

    def _keep(self, keys: set[str]) -> None:
        self.unsent |= keys
        if len(self.unsent) > UNSENT_MAX:
            self.unsent = {ALL}

    async def listen(self, deliver: Deliver) -> None:
        beats = asyncio.create_task(self._beats())
        try:
            while True:
                await self._subscribed(deliver)
                await asyncio.sleep(RETRY)
        finally:
            beats.cancel()

    async def _subscribed(self, deliver: Deliver) -> None:
        """One subscription, from connecting until it is lost."""
        lost = asyncio.Event()
        pubsub = PubSub[bytes](self.subscriber.connection_pool, retry_policy=_Lost(lost))
        try:
            connected = time.monotonic()
            await pubsub.subscribe(self.channel, self.own)
            confirmed = 0
            while confirmed < 2:  # then every heartbeat sent can come back
                message = await self._next(pubsub, lost, connected)
                confirmed += message["type"] == "subscribe"
            self.subscribed = True
            self._beat_now.set()
            while True:
                self._receive(await self._next(pubsub, lost, connected), deliver)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("Redis cache listener lost (%s); reconnecting", error or type(error))
        finally:
            self.subscribed = False
            self.lost(deliver)
            self.seq = None
            pubsub.close()

    async def _next(
        self, pubsub: PubSub[bytes], lost: asyncio.Event, connected: float
    ) -> dict[str, Any]:
        """The next message; raises when the connection is lost or heartbeats stop."""
        while True:
            if lost.is_set():
                raise exceptions.ConnectionError("the subscriber's connection was lost")
            message = await pubsub.get_message(timeout=BEAT)
            if message is not None:
                return dict(message)
            if time.monotonic() - max(connected, self.lease.until - LEASE) > 2 * LEASE:
                raise exceptions.TimeoutError("no heartbeat came back for two leases")

    def _receive(self, message: dict[str, Any], deliver: Deliver) -> None:
        if message["type"] != "message":
            return
        data = bytes(message["data"]).decode()
        if bytes(message["channel"]).decode() == self.channel:
            number, _, payload = data.partition(" ")
            seq = int(number)
            if self.seq is not None and seq != self.seq + 1:
                log.warning("cache purges were missed (%s to %s): purging everything",
                            self.seq, seq)  # fmt: skip
                deliver({ALL})
            self.seq = seq
            origin, ident, keys = decode(payload)
            if origin and origin != self.origin:
                deliver(keys)
                self._spawn(self.client.publish(f"{self.channel}:{origin}",
                                                f"ack {self.origin} {ident}"))  # fmt: skip
            return
        kind, _, rest = data.partition(" ")
        if kind == "beat":
            sent, _, number = rest.partition(" ")
            gap = self.seq != int(number)
            self.seq = int(number)
            self.beat_returned(float(sent), deliver, gap=gap)
        elif kind == "ack":
            worker, _, number = rest.partition(" ")
            self.acks.add(int(number), worker)

    async def _beats(self) -> None:
        """Every BEAT, subscribed or not: a heartbeat (registering this worker while it is
        subscribed), and the keys a failed publish left, once Redis answers again."""
        while True:
            sent = time.monotonic()
            self._beat_now.clear()
            try:
                await self._beat(
                    keys=[META, WORKERS],
                    args=[self.own, self.origin, LEASE, repr(sent), int(self.subscribed)],
                )
                self.down_since = None
                if self.unsent:
                    keys, self.unsent = self.unsent, set()
                    try:
                        await self._send(self.number(), keys)
                    except Exception:
                        self._keep(keys)
                        raise
            except Exception:
                self.down_since = self.down_since or sent
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, sent + BEAT - time.monotonic())):
                    await self._beat_now.wait()

    def _spawn(self, work: Awaitable[Any]) -> None:
        async def run() -> None:
            with contextlib.suppress(Exception):
                await work

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        with contextlib.suppress(Exception):  # no writer waits for this worker any more
            async with asyncio.timeout(TIMEOUT):
                await self.client.zrem(WORKERS, [self.origin])
        self.client.connection_pool.disconnect()
        self.subscriber.connection_pool.disconnect()
