"""Sessions end when the terms of a login change, and on request ("log out everywhere")."""

import uuid
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.auth.service import TOKEN_PREFIX, hash_secret
from app.models import AccessToken, User, utcnow
from tests.builders import problem
from tests.conftest import Credential

PASSWORD = "correct horse battery staple"
EMAIL = "olena@newsroom.example"


async def _user(client: httpx.AsyncClient, admin: Credential, **fields: object) -> str:
    payload = {"email": EMAIL, "display_name": "Olena", "role": "translator",
               "languages": ["en"], "password": PASSWORD, **fields}  # fmt: skip
    r = await client.post("/v1/admin/users", json=payload, headers=admin.headers)
    assert r.status_code == 201, r.text
    ident: str = r.json()["id"]
    return ident


async def _session(client: httpx.AsyncClient, password: str = PASSWORD) -> dict[str, str]:
    r = await client.post("/v1/auth/token", data={"username": EMAIL, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def _works(client: httpx.AsyncClient, auth: dict[str, str]) -> bool:
    r = await client.get("/v1/admin/articles", headers=auth)
    assert r.status_code in (200, 401), r.text
    return r.status_code == 200


async def _patch(client: httpx.AsyncClient, admin: Credential, user: str, **change: object) -> None:
    r = await client.patch(f"/v1/admin/users/{user}", json=change, headers=admin.headers)
    assert r.status_code == 200, r.text


async def test_a_password_change_ends_every_session(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    user = await _user(client, admin)
    laptop, phone = await _session(client), await _session(client)
    assert await _works(client, laptop) and await _works(client, phone)
    await _patch(client, admin, user, password="a new passphrase, longer")
    assert not await _works(client, laptop)
    assert not await _works(client, phone)
    problem(
        await client.post("/v1/auth/token", data={"username": EMAIL, "password": PASSWORD}), 401
    )
    assert await _works(client, await _session(client, "a new passphrase, longer"))


async def test_reactivating_a_user_does_not_bring_old_tokens_back(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    user = await _user(client, admin)
    old = await _session(client)
    await _patch(client, admin, user, active=False)
    assert not await _works(client, old)
    await _patch(client, admin, user, active=True)
    assert not await _works(client, old)  # it came back before: only `active` was checked
    assert await _works(client, await _session(client))


async def test_role_and_language_changes_end_sessions_a_name_change_does_not(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    user = await _user(client, admin)
    auth = await _session(client)
    await _patch(client, admin, user, display_name="Olena K.", role="translator")  # unchanged
    assert await _works(client, auth)
    await _patch(client, admin, user, languages=["en", "ru"])
    assert not await _works(client, auth)
    auth = await _session(client)
    await _patch(client, admin, user, languages=["ru", "en"])  # the same set
    assert await _works(client, auth)
    await _patch(client, admin, user, role="editor")
    assert not await _works(client, auth)


async def test_log_out_everywhere(client: httpx.AsyncClient, admin: Credential) -> None:
    await _user(client, admin)
    laptop, phone = await _session(client), await _session(client)
    r = await client.delete("/v1/auth/tokens", headers=phone)
    assert r.status_code == 204, r.text
    assert not await _works(client, laptop)
    assert not await _works(client, phone)
    problem(await client.delete("/v1/auth/tokens", headers=phone), 401)
    problem(await client.delete("/v1/auth/tokens"), 401)
    assert await _works(client, await _session(client))  # logging in again works


async def test_an_admin_logs_a_user_out_everywhere(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    user = await _user(client, admin)
    auth = await _session(client)
    problem(await client.delete(f"/v1/admin/users/{user}/tokens", headers=auth), 403)
    problem(
        await client.delete(f"/v1/admin/users/{uuid.uuid4()}/tokens", headers=admin.headers), 404
    )
    assert await _works(client, auth)
    r = await client.delete(f"/v1/admin/users/{user}/tokens", headers=admin.headers)
    assert r.status_code == 204, r.text
    assert not await _works(client, auth)
    async with app.state.db.reader() as session:
        tokens = list(await session.scalars(select(AccessToken)))
        assert tokens and all(t.revoked_at is not None for t in tokens)


async def test_a_token_issued_in_an_older_generation_is_refused(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    # What a login that read the user just before a password change committed would
    # write: a token of the generation before. The change's UPDATE of token rows cannot
    # have seen it; the generation check refuses it.
    user = await _user(client, admin)
    await _patch(client, admin, user, password="a new passphrase, longer")
    secret = TOKEN_PREFIX + "raced-" + uuid.uuid4().hex
    async with app.state.db.writer() as session, session.begin():
        stored = await session.get(User, uuid.UUID(user))
        assert stored is not None and stored.token_generation == 1
        session.add(
            AccessToken(
                user_id=stored.id,
                token_hash=hash_secret(secret),
                expires_at=utcnow() + timedelta(hours=1),
                generation=0,
            )
        )
    assert not await _works(client, {"Authorization": f"Bearer {secret}"})


async def test_an_api_key_cannot_log_out(client: httpx.AsyncClient, admin: Credential) -> None:
    key = await client.post(
        "/v1/admin/api-keys", json={"name": "wire", "role": "editor"}, headers=admin.headers
    )
    created = key.json()
    auth = {"Authorization": f"Bearer {created['key']}"}
    for path in ("/v1/auth/token", "/v1/auth/tokens"):
        body = problem(await client.delete(path, headers=auth), 403)
        assert f"DELETE /v1/admin/api-keys/{created['id']}" in body["detail"]
    # Nothing was revoked, and nothing pretends it was.
    assert await _works(client, auth)
    assert (
        await client.delete(f"/v1/admin/api-keys/{created['id']}", headers=admin.headers)
    ).status_code == 204
    assert not await _works(client, auth)
