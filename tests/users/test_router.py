"""Users, login and tokens: Argon2id, one answer for every failure, changes take effect at once."""

import re
import subprocess
import sys

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.models import AccessToken, User
from tests.builders import problem
from tests.conftest import Credential

PASSWORD = "correct horse battery staple"


async def _user(
    client: httpx.AsyncClient, admin: Credential, **fields: object
) -> dict[str, object]:
    payload = {"email": "Olena@Newsroom.example", "display_name": "Olena", "role": "editor",
               "password": PASSWORD, **fields}  # fmt: skip
    r = await client.post("/v1/admin/users", json=payload, headers=admin.headers)
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


async def _login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/v1/auth/token", data={"username": email, "password": password})


async def test_login_gives_a_working_token(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    user = await _user(client, admin)
    assert user["email"] == "olena@newsroom.example"
    assert "password" not in user and "password_hash" not in user
    r = await _login(client, "OLENA@newsroom.example", PASSWORD)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 12 * 3600
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    assert (await client.get("/v1/admin/articles", headers=auth)).status_code == 200
    async with app.state.db.reader() as session:
        stored = await session.scalar(select(User))
        assert stored is not None
        assert stored.password_hash.startswith("$argon2id$")
        token = await session.scalar(select(AccessToken))
        assert token is not None
        assert body["access_token"] not in token.token_hash


async def test_every_login_failure_looks_the_same(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    await _user(client, admin)
    wrong = await _login(client, "olena@newsroom.example", "not the password")
    unknown = await _login(client, "nobody@newsroom.example", PASSWORD)
    assert problem(wrong, 401)["detail"] == problem(unknown, 401)["detail"]
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"]
    problem(await client.post("/v1/auth/token", data={"username": "x"}), 422)


async def test_logout_deactivation_and_demotion_take_effect_at_once(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    user = await _user(client, admin, role="admin")
    token = (await _login(client, "olena@newsroom.example", PASSWORD)).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/v1/admin/users", headers=auth)).status_code == 200
    # Demoted to editor: the session ends on the next request; logged in again, user
    # management is refused.
    await client.patch(
        f"/v1/admin/users/{user['id']}", json={"role": "editor"}, headers=admin.headers
    )
    problem(await client.get("/v1/admin/users", headers=auth), 401)
    token = (await _login(client, "olena@newsroom.example", PASSWORD)).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    problem(await client.get("/v1/admin/users", headers=auth), 403)
    # Deactivated: the token stops working.
    await client.patch(
        f"/v1/admin/users/{user['id']}", json={"active": False}, headers=admin.headers
    )
    problem(await client.get("/v1/admin/articles", headers=auth), 401)
    problem(await _login(client, "olena@newsroom.example", PASSWORD), 401)
    # Reactivated, logged in again, then logged out: that token is revoked.
    await client.patch(
        f"/v1/admin/users/{user['id']}", json={"active": True}, headers=admin.headers
    )
    token = (await _login(client, "olena@newsroom.example", PASSWORD)).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert (await client.delete("/v1/auth/token", headers=auth)).status_code == 204
    problem(await client.get("/v1/admin/articles", headers=auth), 401)


async def test_user_validation(client: httpx.AsyncClient, admin: Credential) -> None:
    await _user(client, admin)
    h = admin.headers
    base = {"email": "a@b.example", "display_name": "A", "role": "translator", "password": PASSWORD}
    problem(await client.post("/v1/admin/users", json={**base, "email": "Olena@newsroom.example"},
                              headers=h), 409)  # fmt: skip
    for bad in ({"email": "not-an-email"}, {"role": "owner"}, {"password": "short"},
                {"languages": ["xx"]}, {"password_hash": "x"}):  # fmt: skip
        problem(await client.post("/v1/admin/users", json={**base, **bad}, headers=h), 422)
    users = (await client.get("/v1/admin/users", headers=h)).json()["items"]
    assert len(users) == 1


def test_cli_create_user_reads_the_password_from_stdin(empty_database: str) -> None:
    env = {"NEWSDESK_DATABASE_URL": empty_database, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "create-user", "--email", "t@newsroom.example",
         "--role", "translator", "--languages", "en,ru"],
        input=PASSWORD + "\n", env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip()) == 36  # the new user's id
    short = subprocess.run(
        [sys.executable, "-m", "app.cli", "create-user", "--email", "u@newsroom.example",
         "--role", "editor"],
        input="short\n", env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert short.returncode == 2


async def test_the_contract_says_which_logins_and_emails_are_refused(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    form = schemas["TokenRequest"]["properties"]
    # An empty username or password was refused as missing while the contract allowed "".
    assert form["username"]["minLength"] == form["password"]["minLength"] == 1
    problem(await _login(client, "", PASSWORD), 422)
    problem(await _login(client, "olena@newsroom.example", ""), 422)
    # email-validator refuses special-use domains (.test, .local, ...): the contract says so.
    email = re.compile(schemas["UserCreate"]["properties"]["email"]["pattern"])
    base = {"display_name": "A", "role": "translator", "password": PASSWORD}
    for address, status in (("x@newsroom.local", 422), ("x@b.TEST", 422), ("x@b.example", 201)):
        assert bool(email.search(address)) is (status == 201), address
        r = await client.post(
            "/v1/admin/users", json={**base, "email": address}, headers=admin.headers
        )
        assert r.status_code == status, r.text
