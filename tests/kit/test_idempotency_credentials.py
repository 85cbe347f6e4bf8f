"""Idempotency-Key after authentication: no record nor replay without a valid credential,
records per credential (not per header text), replays only to the role that made them."""

import hashlib

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.auth.service import Role
from app.models import IdempotencyKey
from tests.builders import problem
from tests.conftest import Credential, make_key

TAG = {"translations": {"ua": {"name": "НАТО"}}}


async def _records(app: FastAPI) -> list[IdempotencyKey]:
    async with app.state.db.reader() as session:
        return list(await session.scalars(select(IdempotencyKey)))


async def _tags(client: httpx.AsyncClient, admin: Credential) -> int:
    return len((await client.get("/v1/admin/tags", headers=admin.headers)).json()["items"])


async def _key_id(client: httpx.AsyncClient, admin: Credential, who: Credential) -> str:
    keys = (await client.get("/v1/admin/api-keys", headers=admin.headers)).json()["items"]
    return str(next(k["id"] for k in keys if who.key.startswith(k["prefix"])))


async def test_no_valid_credential_no_record(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    # Junk credentials reserved keys (a row each) before the endpoint refused them.
    for authorization in (None, "Bearer junk", "Bearer nd_" + "x" * 43, "Basic YTpi"):
        headers = {"Idempotency-Key": "k"}
        if authorization:
            headers["Authorization"] = authorization
        r = await client.post("/v1/admin/tags", json=TAG, headers=headers)
        problem(r, 401)
        assert "idempotent-replayed" not in r.headers
    # A bad key too: the credential is refused first.
    r = await client.post(
        "/v1/admin/tags",
        json=TAG,
        headers={"Authorization": "Bearer junk", "Idempotency-Key": "x" * 300},
    )
    problem(r, 401)
    assert await _records(app) == []
    assert await _tags(client, admin) == 0


async def test_a_revoked_key_gets_its_401_not_the_replay(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    robot = await make_key(app, Role.admin)
    headers = {**robot.headers, "Idempotency-Key": "revoked"}
    first = await client.post("/v1/admin/tags", json=TAG, headers=headers)
    assert first.status_code == 201
    revoked = await client.delete(
        f"/v1/admin/api-keys/{await _key_id(client, admin, robot)}", headers=admin.headers
    )
    assert revoked.status_code == 204
    again = await client.post("/v1/admin/tags", json=TAG, headers=headers)
    problem(again, 401)
    assert "idempotent-replayed" not in again.headers
    assert "id" not in again.json()
    assert await _tags(client, admin) == 1


async def test_records_belong_to_the_credential_not_to_the_header_text(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    headers = {"Authorization": f"Bearer {admin.key}", "Idempotency-Key": "spelling"}
    first = await client.post("/v1/admin/tags", json=TAG, headers=headers)
    assert first.status_code == 201
    # The same credential, its scheme spelt otherwise: the same caller, so the replay.
    again = await client.post(
        "/v1/admin/tags", json=TAG,
        headers={"Authorization": f"bearer {admin.key}", "Idempotency-Key": "spelling"},
    )  # fmt: skip
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert await _tags(client, admin) == 1
    [record] = await _records(app)
    assert record.credential == f"api_key:{await _key_id(client, admin, admin)}"
    assert record.role == "admin"
    # Neither the secret nor its plain hash is a lookup handle for the request.
    plain = hashlib.sha256(admin.key.encode()).hexdigest()
    for value in (record.credential, record.request_hash):
        assert admin.key not in value and plain not in value


async def test_a_replay_needs_the_role_that_made_it(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    user = await client.post(
        "/v1/admin/users",
        json={"email": "ola@newsroom.example", "display_name": "Ola", "role": "admin",
              "password": "correct horse battery staple"},
        headers=admin.headers,
    )  # fmt: skip
    assert user.status_code == 201, user.text
    login = await client.post(
        "/v1/auth/token",
        data={"username": "ola@newsroom.example", "password": "correct horse battery staple"},
    )
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json()['access_token']}", "Idempotency-Key": "r"}
    first = await client.post("/v1/admin/tags", json=TAG, headers=headers)
    assert first.status_code == 201
    demoted = await client.patch(
        f"/v1/admin/users/{user.json()['id']}", json={"role": "author"}, headers=admin.headers
    )
    assert demoted.status_code == 200, demoted.text
    # Refused either way: the role no longer matches (403), or the token was revoked with
    # the role change (401); never the stored 201.
    again = await client.post("/v1/admin/tags", json=TAG, headers=headers)
    assert again.status_code in (401, 403), again.text
    problem(again, again.status_code)
    assert "idempotent-replayed" not in again.headers
    assert await _tags(client, admin) == 1
