"""Rate limits answer 429 with Retry-After; shared across workers through Redis."""

import os

import pytest
from fastapi import FastAPI

from app.auth.service import Role
from app.config import Settings
from tests.builders import problem
from tests.conftest import make_key, running_app

REDIS_URL = os.environ.get("NEWSDESK_TEST_REDIS_URL")


async def test_public_limit_per_address(app: FastAPI, settings: Settings) -> None:
    async with running_app(settings, rate_limit_public="3/minute") as (_, client):
        for _ in range(3):
            assert (await client.get("/v1/languages")).status_code == 200
        r = await client.get("/v1/ua/articles")
        problem(r, 429)
        assert 1 <= int(r.headers["retry-after"]) <= 60
        # Health probes are not rate limited.
        assert (await client.get("/healthz")).status_code == 200


async def test_admin_limit_per_credential(app: FastAPI, settings: Settings) -> None:
    async with running_app(settings, rate_limit_admin="2/minute") as (other_app, client):
        first = await make_key(other_app, Role.admin)
        second = await make_key(other_app, Role.admin)
        for _ in range(2):
            assert (await client.get("/v1/admin/tags", headers=first.headers)).status_code == 200
        problem(await client.get("/v1/admin/tags", headers=first.headers), 429)
        assert (await client.get("/v1/admin/tags", headers=second.headers)).status_code == 200


async def test_login_limit_per_account_from_one_address(app: FastAPI, settings: Settings) -> None:
    # Other addresses are not held back: tests/auth/test_login_limits.py.
    async with running_app(settings, rate_limit_login="2/minute") as (other_app, client):
        admin = await make_key(other_app, Role.admin)
        password = "correct horse battery staple"
        await client.post(
            "/v1/admin/users",
            json={"email": "a@newsroom.example", "display_name": "A", "role": "editor",
                  "password": password},
            headers=admin.headers,
        )  # fmt: skip
        form = {"username": "a@newsroom.example", "password": "wrong password!"}
        for _ in range(2):
            problem(await client.post("/v1/auth/token", data=form), 401)
        # From this address, even the right password is refused until the window passes.
        r = await client.post("/v1/auth/token", data={**form, "password": password})
        problem(r, 429)
        assert int(r.headers["retry-after"]) >= 1


@pytest.mark.skipif(not REDIS_URL, reason="NEWSDESK_TEST_REDIS_URL is not set (CI sets it)")
async def test_limits_are_shared_through_redis(app: FastAPI, settings: Settings) -> None:
    redis = REDIS_URL
    async with (
        running_app(settings, rate_limit_admin="3/minute", redis_url=redis) as (one, first),
        running_app(settings, rate_limit_admin="3/minute", redis_url=redis) as (_, second),
    ):
        key = await make_key(one, Role.admin)  # both apps use the same database
        for client in (first, second, first):
            assert (await client.get("/v1/admin/tags", headers=key.headers)).status_code == 200
        problem(await second.get("/v1/admin/tags", headers=key.headers), 429)


def test_a_redis_url_the_library_refuses_stops_the_app_at_start(settings: Settings) -> None:
    """Counting in memory, the `limits` library loads at the first count (a reading worker
    never loads it); with Redis the limiter is made at start, so a URL it cannot use is
    an error there, not on each admin request later."""
    from limits.errors import ConfigurationError

    from app.ratelimit import RateLimits

    with pytest.raises(ConfigurationError):
        RateLimits(settings.model_copy(update={"redis_url": "http://127.0.0.1:1/0"}))
    assert RateLimits(settings.model_copy(update={"redis_url": None}))._limiter is None
