"""Login limits hold back guessing without letting anyone lock a user out from elsewhere,
and traffic without a credential to /v1/admin and /v1/auth is limited per address."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from fastapi import FastAPI

from app.auth.service import Role
from app.config import Settings
from tests.builders import problem
from tests.conftest import make_key, running_app

PASSWORD = "correct horse battery staple"
EMAIL = "olena@newsroom.example"


@asynccontextmanager
async def addresses(app: FastAPI, *hosts: str) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One client per address, all on `app`."""
    async with AsyncExitStack() as stack:
        clients = []
        for host in hosts:
            transport = httpx.ASGITransport(
                app=app, client=(host, 40000), raise_app_exceptions=False
            )
            clients.append(
                await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url="http://test")
                )
            )
        yield clients


async def _user(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await make_key(app, Role.admin)
    r = await client.post(
        "/v1/admin/users",
        json={"email": EMAIL, "display_name": "O", "role": "editor", "password": PASSWORD},
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text


async def _login(client: httpx.AsyncClient, password: str = PASSWORD, email: str = EMAIL) -> int:
    r = await client.post("/v1/auth/token", data={"username": email, "password": password})
    if r.status_code != 200:
        problem(r, r.status_code)
    return r.status_code


async def test_failures_from_elsewhere_do_not_lock_the_user_out(
    app: FastAPI, settings: Settings
) -> None:
    async with running_app(settings, rate_limit_login="3/minute") as (other, client):
        await _user(other, client)
        async with addresses(other, "203.0.113.9", "198.51.100.7") as (attacker, olena):
            assert [await _login(attacker, "wrong password!") for _ in range(4)] == [
                401, 401, 401, 429,
            ]  # fmt: skip
            r = await attacker.post(
                "/v1/auth/token", data={"username": EMAIL, "password": PASSWORD}
            )
            problem(r, 429)  # the attacker's address is held back, right password or not
            assert 1 <= int(r.headers["retry-after"]) <= 60
            # Before: ten failures from anywhere refused the right password for a minute.
            assert await _login(olena) == 200


async def test_one_address_is_limited_over_every_account(app: FastAPI, settings: Settings) -> None:
    async with running_app(settings, rate_limit_login_address="3/minute") as (other, client):
        await _user(other, client)
        async with addresses(other, "203.0.113.9", "198.51.100.7") as (sprayer, olena):
            statuses = [
                await _login(sprayer, PASSWORD, f"user{i}@newsroom.example") for i in range(4)
            ]
            assert statuses == [401, 401, 401, 429]
            assert await _login(sprayer) == 429  # a real account too, from that address
            assert await _login(olena) == 200


async def test_the_account_limit_spares_addresses_the_user_logged_in_from(
    app: FastAPI, settings: Settings
) -> None:
    async with running_app(settings, rate_limit_login_account="4/minute") as (other, client):
        await _user(other, client)
        hosts = ("198.51.100.7", "203.0.113.1", "203.0.113.2", "203.0.113.3", "192.0.2.50")
        async with addresses(other, *hosts) as (olena, *botnet, travelling):
            assert await _login(olena) == 200  # a known address from now on
            # Guessing spread over addresses: each stays under its own limits, the account
            # limit stops the sum.
            tries = [await _login(bot, "wrong password!") for bot in botnet for _ in range(2)]
            assert tries == [401, 401, 401, 429, 429, 429]
            assert await _login(olena) == 200  # known: never held back by the account limit
            # An address the account never logged in from waits, right password or not:
            # the price of stopping distributed guessing (docs/operations.md, "Login limits").
            assert await _login(travelling) == 429


async def test_requests_without_a_credential_are_limited_per_address(
    app: FastAPI, settings: Settings
) -> None:
    async with running_app(settings, rate_limit_unauthenticated="3/minute") as (other, _):
        key = await make_key(other, Role.editor)
        async with addresses(other, "203.0.113.9", "198.51.100.7") as (anonymous, neighbour):
            for path in ("/v1/admin/articles", "/v1/admin/users", "/v1/admin/tags"):
                problem(await anonymous.get(path), 401)
            r = await anonymous.get("/v1/admin/articles")
            problem(r, 429)
            assert int(r.headers["retry-after"]) >= 1
            # Logins and log-outs come out of the same budget.
            assert await _login(anonymous) == 429
            problem(await anonymous.delete("/v1/auth/token", headers=key.headers), 429)
            # A credential has its own limit; another address its own budget.
            assert (
                await anonymous.get("/v1/admin/articles", headers=key.headers)
            ).status_code == 200
            problem(await neighbour.get("/v1/admin/articles"), 401)
            # CORS preflights carry no credential by design and do not count.
            preflight = await neighbour.options(
                "/v1/admin/articles",
                headers={"Origin": "https://x.example", "Access-Control-Request-Method": "GET"},
            )
            assert preflight.status_code != 429
            for _ in range(2):
                problem(await neighbour.get("/v1/admin/articles"), 401)
            problem(await neighbour.get("/v1/admin/articles"), 429)
