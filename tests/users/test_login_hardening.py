"""The login answer is never cached, and password hashes follow the current Argon2 policy."""

import uuid

import httpx
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import select

from app.auth.service import hash_password
from app.models import User
from tests.builders import problem
from tests.conftest import Credential

PASSWORD = "correct horse battery staple"
EMAIL = "olena@newsroom.example"
# What an older release (or a cheaper policy) wrote: 8 KiB, one pass.
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


async def _login(client: httpx.AsyncClient, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/v1/auth/token", data={"username": EMAIL, "password": password})


async def _stored_hash(app: FastAPI) -> str:
    async with app.state.db.reader() as session:
        found: str | None = await session.scalar(
            select(User.password_hash).where(User.email == EMAIL)
        )
        assert found is not None
        return found


async def test_the_token_answer_is_never_stored_by_a_cache(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    r = await client.post(
        "/v1/admin/users",
        json={"email": EMAIL, "display_name": "O", "role": "editor", "password": PASSWORD},
        headers=admin.headers,
    )
    assert r.status_code == 201
    r = await _login(client)
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["pragma"] == "no-cache"
    spec = (await client.get("/openapi.json")).json()
    declared = spec["paths"]["/v1/auth/token"]["post"]["responses"]["200"]["headers"]
    assert {"Cache-Control", "Pragma"} <= set(declared)


async def test_a_below_policy_hash_is_rehashed_at_login(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    old = CHEAP.hash(PASSWORD)
    assert PasswordHasher().check_needs_rehash(old)
    async with app.state.db.writer() as session, session.begin():
        session.add(User(id=uuid.uuid4(), email=EMAIL, display_name="Olena", role="editor",
                         active=True, languages=[], password_hash=old))  # fmt: skip
    # A failed login changes nothing (the password it had was wrong).
    problem(await _login(client, "not the password at all"), 401)
    assert await _stored_hash(app) == old
    r = await _login(client)
    assert r.status_code == 200, r.text
    new = await _stored_hash(app)
    assert new != old and new.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(new)
    assert PasswordHasher().verify(new, PASSWORD)
    # The same password still logs in, and a current hash is left as it is.
    assert (await _login(client)).status_code == 200
    assert await _stored_hash(app) == new
    current = await hash_password("another passphrase")
    assert not PasswordHasher().check_needs_rehash(current)
