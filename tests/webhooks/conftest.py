"""A real receiver, and the delivery worker running beside the app under test."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from app.config import Settings
from app.webhooks.worker import Worker
from tests.webhooks.receiver import Receiver, receiving


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Deliveries may reach the test's receiver on 127.0.0.1; retries come quickly; a
    test's `@pytest.mark.settings(...)` changes more."""
    marker = request.node.get_closest_marker("settings")
    return settings.model_copy(
        update={
            "webhook_allow_hosts": ["127.0.0.1"],
            "webhook_timeout_seconds": 1.0,
            "webhook_retry_base_seconds": 0.2,
            "webhook_retry_max_seconds": 0.5,
            "worker_poll_seconds": 0.1,
            **(marker.kwargs if marker else {}),
        }
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as r:
        yield r


@pytest.fixture
async def worker(app: FastAPI) -> AsyncIterator[Worker]:
    """The delivery loop on the app's database, for the test's duration."""
    runner = Worker(app.state.settings, app.state.db)
    task = asyncio.create_task(runner.run())
    try:
        yield runner
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def wait_until(check: Any, seconds: float = 15.0) -> Any:
    """Poll `check()` (sync or async) until it returns something truthy."""
    try:
        async with asyncio.timeout(seconds):
            while True:
                value = check()
                if asyncio.iscoroutine(value):
                    value = await value
                if value:
                    return value
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"not so after {seconds} s") from None
