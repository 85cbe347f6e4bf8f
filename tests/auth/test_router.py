"""Bearer API keys: required on admin paths, stored hashed, revocable at once."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from app.auth.service import Role
from app.models import ApiKey
from tests.builders import problem
from tests.conftest import Credential, make_key


async def test_admin_paths_need_credentials(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/admin/articles")
    problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = await client.get("/v1/admin/articles", headers={"Authorization": "Bearer nd_wrong"})
    problem(r, 401)
    assert 'error="invalid_token"' in r.headers["www-authenticate"]


async def test_non_admin_role_is_forbidden(app: FastAPI, client: httpx.AsyncClient) -> None:
    editor = await make_key(app, Role.editor)
    problem(await client.get("/v1/admin/api-keys", headers=editor.headers), 403)


async def test_key_is_shown_once_stored_hashed_and_revocable(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    r = await client.post(
        "/v1/admin/api-keys", json={"name": "partner", "role": "admin"}, headers=admin.headers
    )
    assert r.status_code == 201, r.text
    created = r.json()
    key = created["key"]
    assert key.startswith("nd_") and created["prefix"] == key[:10]
    async with app.state.db.reader() as session:
        stored = await session.scalar(select(ApiKey).where(ApiKey.name == "partner"))
        assert stored is not None and key not in (stored.key_hash, stored.prefix + "x")
        assert len(stored.key_hash) == 64
    listing = (await client.get("/v1/admin/api-keys", headers=admin.headers)).json()["items"]
    assert all("key" not in item for item in listing)
    partner = {"Authorization": f"Bearer {key}"}
    assert (await client.get("/v1/admin/articles", headers=partner)).status_code == 200
    r = await client.delete(f"/v1/admin/api-keys/{created['id']}", headers=admin.headers)
    assert r.status_code == 204
    problem(await client.get("/v1/admin/articles", headers=partner), 401)


async def test_key_roles_are_validated(client: httpx.AsyncClient, admin: Credential) -> None:
    r = await client.post(
        "/v1/admin/api-keys", json={"name": "x", "role": "superuser"}, headers=admin.headers
    )
    problem(r, 422)


async def test_editors_manage_content_but_not_people(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    editor = await make_key(app, Role.editor)
    r = await client.post(
        "/v1/admin/articles",
        json={
            "original_language": "en",
            "translations": {"en": {"title": "By an editor", "lead": "", "body_html": ""}},
        },
        headers=editor.headers,
    )
    assert r.status_code == 201
    publish = f"/v1/admin/articles/{r.json()['id']}/translations/en/publish"
    assert (await client.post(publish, headers=editor.headers)).status_code == 200
    tag = await client.post(
        "/v1/admin/tags", json={"translations": {"en": {"name": "X"}}}, headers=editor.headers
    )
    assert tag.status_code == 201
    for method, path in (("GET", "/v1/admin/users"), ("GET", "/v1/admin/api-keys"),
                         ("POST", "/v1/admin/languages")):  # fmt: skip
        problem(await client.request(method, path, json={}, headers=editor.headers), 403)
    # A translator can read the article but never publish it.
    translator = await make_key(app, Role.translator)
    problem(await client.post(publish, headers=translator.headers), 403)


async def test_expired_keys_are_refused(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    r = await client.post(
        "/v1/admin/api-keys",
        json={"name": "temp", "role": "editor", "expires_at": later},
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    temp = {"Authorization": f"Bearer {r.json()['key']}"}
    assert (await client.get("/v1/admin/tags", headers=temp)).status_code == 200
    # Its time comes (moved, not waited for: a loaded machine may take a second to answer).
    async with app.state.db.writer() as session, session.begin():
        await session.execute(
            update(ApiKey)
            .where(ApiKey.id == uuid.UUID(r.json()["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    problem(await client.get("/v1/admin/tags", headers=temp), 401)
