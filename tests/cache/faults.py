"""Real faults for the invalidation bus: a Redis server of the test's own that it stops
and starts, and a TCP proxy in front of a real server that it pauses or cuts, as a
network does. Plus two workers (two apps, each with its own cache) on one database."""

import asyncio
import shutil
import struct
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import coredis
import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from tests.conftest import Credential, _reset, free_port, make_key, running_app


class RedisServer:
    """`redis-server` on a free port, without persistence: a restart forgets everything."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            pytest.fail("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no",
            stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        client = coredis.Redis.from_url(self.url, connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                await client.ping()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)
        client.connection_pool.disconnect()

    async def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            await self._process.wait()
            self._process = None


# PostgreSQL's ErrorResponse of a server shutting down (FATAL 57P01), as a backend sends it
# to each client before it closes the connection.
_SHUTDOWN_FIELDS = (
    b"".join(
        code + value + b"\0"
        for code, value in (
            (b"S", b"FATAL"),
            (b"V", b"FATAL"),
            (b"C", b"57P01"),
            (b"M", b"terminating connection due to administrator command"),
        )
    )
    + b"\0"
)
SHUTDOWN_ERROR = b"E" + struct.pack("!i", 4 + len(_SHUTDOWN_FIELDS)) + _SHUTDOWN_FIELDS


class Proxy:
    """A TCP forwarder to a real server. `pause` holds every byte (a network that stopped
    carrying packets), `resume` lets them through, `cut` closes every connection and
    refuses new ones until `reopen`; `send_down` writes bytes of its own to the clients
    whose first bytes held a marker (PostgreSQL's startup message names the connection's
    `application_name`), and holds what the server sends them after."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.port = free_port()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._first: dict[asyncio.StreamWriter, bytes] = {}  # a client's first KiB
        self._held: set[asyncio.StreamWriter] = set()

    async def reopen(self) -> None:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", self.port)

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def pause(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def send_down(self, marker: bytes, data: bytes) -> int:
        """`data` to each client whose first bytes held `marker`; the server's bytes to
        them are dropped from now on (their connections stay open). How many got it."""
        clients = [w for w, first in self._first.items() if marker in first]
        for client in clients:
            client.write(data)
            self._held.add(client)
        return len(clients)

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer, client=writer),
            self._pipe(up_reader, writer),
            return_exceptions=True,
        )

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        client: asyncio.StreamWriter | None = None,
    ) -> None:
        try:
            while data := await reader.read(65536):
                if client is not None and len(first := self._first.get(client, b"")) < 1024:
                    self._first[client] = first + data  # an SSL request, then the startup
                await self._flowing.wait()
                if writer in self._held:
                    continue
                writer.write(data)
                await writer.drain()
        finally:
            writer.transport.abort()
            self._writers.discard(writer)
            self._first.pop(writer, None)
            self._held.discard(writer)


@asynccontextmanager
async def redis_server() -> AsyncIterator[RedisServer]:
    server = RedisServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@asynccontextmanager
async def two_workers(
    settings: Settings,
    languages: list[dict[str, Any]],
    a: dict[str, Any] | None = None,
    b: dict[str, Any] | None = None,
) -> AsyncIterator[tuple[tuple[FastAPI, httpx.AsyncClient], tuple[FastAPI, httpx.AsyncClient],
                         Credential]]:  # fmt: skip
    """Workers A and B on one emptied database (B with its own setting `changes`), and an
    admin key."""
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(running_app(settings, **(a or {})))
        await _reset(first[0], languages)
        second = await stack.enter_async_context(running_app(settings, **(b or {})))
        yield first, second, await make_key(first[0])


async def cached(app: FastAPI, client: httpx.AsyncClient, url: str) -> httpx.Response:
    """GET until the worker answers from its cache (within 5 s)."""
    store = app.state.response_cache.store
    deadline = time.monotonic() + 5
    while True:
        hits = store.hits
        response = await client.get(url)
        if store.hits > hits:
            return response
        if time.monotonic() > deadline:
            pytest.fail(f"{url} never came from the cache: {response.status_code}")
        await asyncio.sleep(0.02)
