"""Real faults for the invalidation bus: a Redis server of the test's own that it stops
and starts, and a TCP proxy in front of a real server that it pauses or cuts, as a
network does. Plus two workers (two apps, each with its own cache) on one database."""

import asyncio
import shutil
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


class Proxy:
    """A TCP forwarder to a real server. `pause` holds every byte (a network that stopped
    carrying packets), `resume` lets them through, `cut` closes every connection and
    refuses new ones until `reopen`."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.port = free_port()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

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

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        finally:
            writer.transport.abort()
            self._writers.discard(writer)


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
