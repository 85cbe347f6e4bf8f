"""The audit log: an entry per management write and login attempt, in the write's own
transaction, append-only, readable by administrators only."""

import asyncio
import os
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.auth.service import Role
from app.models import AuditEntry
from tests.builders import create_article, create_term, problem, publish
from tests.builders import text as translation
from tests.conftest import NEWSDESK, Credential, make_key, running_app

PASSWORD = "correct horse battery staple"
AUDIT = "/v1/admin/audit"


async def _entries(client: httpx.AsyncClient, admin: Credential, **query: Any) -> list[Any]:
    response = await client.get(AUDIT, params=query, headers=admin.headers)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


async def _raw_rows(app: FastAPI) -> list[str]:
    """Every stored entry, every column, as text (what a leaked secret would be in)."""
    async with app.state.db.reader() as session:
        rows = (await session.execute(select(AuditEntry.__table__))).all()
    return [" ".join(str(value) for value in row) for row in rows]


async def _key_id(client: httpx.AsyncClient, admin: Credential) -> str:
    """The id of the admin's own key: its entries' actor is `api_key:<id>`."""
    keys = (await client.get("/v1/admin/api-keys", headers=admin.headers)).json()["items"]
    prefix = admin.key[:10]
    return str(next(k["id"] for k in keys if k["prefix"] == prefix))


async def test_management_writes_are_recorded_with_actor_object_and_fields(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    actor = f"api_key:{await _key_id(client, admin)}"
    created = await client.post(
        "/v1/admin/articles",
        json={"original_language": "ua", "translations": {"ua": translation("Міст")}},
        headers={**admin.headers, "X-Request-ID": "audit-create-1"},
    )
    assert created.status_code == 201, created.text
    article_id = created.json()["id"]
    tag = await create_term(client, admin, "tags", ua="НАТО")
    current = await client.get(f"/v1/admin/articles/{article_id}", headers=admin.headers)
    updated = await client.patch(
        f"/v1/admin/articles/{article_id}",
        json={"tag_ids": [tag["id"]]},
        headers={**admin.headers, "If-Match": current.headers["etag"]},
    )
    assert updated.status_code == 200, updated.text
    await publish(client, admin, article_id, "ua")
    # A tag in use: refused (409, no entry), then forced (one entry, the article's too).
    refused = await client.delete(f"/v1/admin/tags/{tag['id']}", headers=admin.headers)
    assert refused.status_code == 409, refused.text
    deleted = await client.delete(
        f"/v1/admin/tags/{tag['id']}", params={"force": "true"}, headers=admin.headers
    )
    assert deleted.status_code == 204, deleted.text
    user = await client.post(
        "/v1/admin/users",
        json={"email": "olena@newsroom.example", "display_name": "Olena", "role": "editor",
              "password": PASSWORD},
        headers=admin.headers,
    )  # fmt: skip
    assert user.status_code == 201, user.text

    entries = await _entries(client, admin)
    assert [e["action"] for e in entries] == [
        "createUser",
        "deleteTag",
        "publishTranslation",
        "updateArticle",
        "createTag",
        "createArticle",
    ]
    by_action = {e["action"]: e for e in entries}
    assert {e["actor"] for e in entries} == {actor}
    create = by_action["createArticle"]
    assert (create["object_type"], create["object_id"]) == ("article", article_id)
    assert create["request_id"] == "audit-create-1"
    assert "original_language" in create["changed_fields"]
    assert "translations.title" in create["changed_fields"]
    published = by_action["publishTranslation"]
    assert (published["object_type"], published["object_id"], published["language"]) == (
        "article", article_id, "ua",
    )  # fmt: skip
    assert {"status", "published_at"} <= set(published["changed_fields"])
    assert by_action["updateArticle"]["object_id"] == article_id
    assert "article_tags.tag_id" in by_action["updateArticle"]["changed_fields"]
    assert by_action["createTag"]["object_id"] == tag["id"]
    assert (by_action["deleteTag"]["object_type"], by_action["deleteTag"]["object_id"]) == (
        "tag", tag["id"],
    )  # fmt: skip
    made = by_action["createUser"]
    assert (made["object_type"], made["object_id"]) == ("user", user.json()["id"])
    assert "password_hash" in made["changed_fields"]  # the name only
    assert all(
        datetime.fromisoformat(e["at"]) > datetime.now(UTC) - timedelta(minutes=5) for e in entries
    )
    assert not any(PASSWORD in row for row in await _raw_rows(app))


async def test_no_secret_is_stored_for_a_new_api_key(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    response = await client.post(
        "/v1/admin/api-keys", json={"name": "wire-importer", "role": "author"},
        headers=admin.headers,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    secret = response.json()["key"]
    [entry] = await _entries(client, admin, action="createApiKey")
    assert (entry["object_type"], entry["object_id"]) == ("api_key", response.json()["id"])
    assert "key_hash" in entry["changed_fields"]
    async with app.state.db.reader() as session:
        key_hash = (
            await session.execute(
                text("SELECT key_hash FROM api_keys WHERE name = 'wire-importer'")
            )
        ).scalar_one()
    rows = await _raw_rows(app)
    assert rows
    assert not any(secret in row or secret[10:] in row or key_hash in row for row in rows)


async def test_logins_are_recorded_success_and_failure_without_the_password(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    made = await client.post(
        "/v1/admin/users",
        json={"email": "iryna@newsroom.example", "display_name": "Iryna", "role": "author",
              "password": PASSWORD},
        headers=admin.headers,
    )  # fmt: skip
    assert made.status_code == 201
    wrong = "not the password at all"
    failed = await client.post(
        "/v1/auth/token", data={"username": "Iryna@newsroom.example", "password": wrong}
    )
    problem(failed, 401)
    unknown = await client.post(
        "/v1/auth/token", data={"username": "x" * 250 + "@newsroom.example", "password": wrong}
    )
    problem(unknown, 401)
    ok = await client.post(
        "/v1/auth/token", data={"username": "iryna@newsroom.example", "password": PASSWORD}
    )
    assert ok.status_code == 200, ok.text

    [success] = await _entries(client, admin, action="createToken")
    assert success["actor"] == "user:iryna@newsroom.example"
    assert (success["object_type"], success["object_id"]) == ("user", made.json()["id"])
    assert success["request_id"] == ok.headers["x-request-id"]
    failures = await _entries(client, admin, action="createTokenFailed")
    assert [f["request_id"] for f in failures] == [
        unknown.headers["x-request-id"],
        failed.headers["x-request-id"],
    ]
    assert failures[1]["actor"] == "user:iryna@newsroom.example"
    assert failures[1]["changed_fields"] == []
    assert len(failures[0]["actor"]) == 200  # the e-mail tried, cut
    rows = await _raw_rows(app)
    token = ok.json()["access_token"]
    assert not any(PASSWORD in r or wrong in r or token in r for r in rows)
    # The user's own writes are theirs.
    mine = await create_article(
        client, Credential(token), translations={"ua": translation("Чернетка")}
    )
    [entry] = await _entries(client, admin, object_id=mine["id"])
    assert entry["actor"] == "user:iryna@newsroom.example"
    out = await client.delete("/v1/auth/token", headers=Credential(token).headers)
    assert out.status_code == 204
    [logout] = await _entries(client, admin, action="revokeToken")
    assert (logout["actor"], logout["changed_fields"]) == (
        "user:iryna@newsroom.example", ["revoked_at"],
    )  # fmt: skip


async def test_a_write_that_fails_after_a_flush_leaves_no_entry(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    await create_article(
        client,
        admin,
        translations={"ua": translation("Метро"), "en": {**translation("Metro"), "slug": "metro"}},
    )
    before = await _entries(client, admin)
    # The article and its ua version are flushed, then the en slug is found taken: 409.
    response = await client.post(
        "/v1/admin/articles",
        json={"original_language": "ua",
              "translations": {"ua": translation("Інше метро"),
                               "en": {**translation("Other metro"), "slug": "metro"}}},
        headers=admin.headers,
    )  # fmt: skip
    problem(response, 409)
    assert await _entries(client, admin) == before
    listed = (await client.get("/v1/admin/articles", headers=admin.headers)).json()["items"]
    assert len(listed) == 1
    # Refused before any change (a 422, a 403) leaves none either.
    author = await make_key(app, Role.author)
    refused = await client.post("/v1/admin/tags", json={"translations": {}}, headers=author.headers)
    assert refused.status_code in (403, 422)
    assert await _entries(client, admin) == before


async def test_a_write_that_changes_nothing_makes_no_entry(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    made = await client.post(
        "/v1/admin/api-keys", json={"name": "partner-site", "role": "editor"},
        headers=admin.headers,
    )  # fmt: skip
    key_id = made.json()["id"]
    for _ in range(2):  # the second revocation finds it revoked: a 204 that changes nothing
        revoked = await client.delete(f"/v1/admin/api-keys/{key_id}", headers=admin.headers)
        assert revoked.status_code == 204, revoked.text
    entries = await _entries(client, admin, object_id=key_id)
    assert [e["action"] for e in entries] == ["revokeApiKey", "createApiKey"]
    assert entries[0]["changed_fields"] == ["revoked_at"]


async def test_an_idempotent_replay_writes_no_second_entry(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    payload = {"translations": {"ua": {"name": "Енергетика"}}}
    headers = {**admin.headers, "Idempotency-Key": "tag-energy-1"}
    first = await client.post("/v1/admin/tags", json=payload, headers=headers)
    again = await client.post("/v1/admin/tags", json=payload, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    key = {"name": "partner-site", "role": "editor"}
    headers = {**admin.headers, "Idempotency-Key": "key-partner-1"}
    made = await client.post("/v1/admin/api-keys", json=key, headers=headers)
    replayed = await client.post("/v1/admin/api-keys", json=key, headers=headers)
    assert made.status_code == 201
    assert replayed.status_code == 409
    assert [e["action"] for e in await _entries(client, admin)] == ["createApiKey", "createTag"]


async def test_filters_combine_and_pages_follow_the_cursor(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    editor = await make_key(app, Role.editor)
    tags = [await create_term(client, admin, "tags", ua=f"Тег {n}") for n in range(5)]
    middle = datetime.now(UTC)
    by_editor = await create_term(client, editor, "tags", ua="Редакторський")
    await client.delete(f"/v1/admin/tags/{tags[0]['id']}", headers=admin.headers)
    admin_actor = f"api_key:{await _key_id(client, admin)}"

    everything = await _entries(client, admin)
    assert len(everything) == 7
    stamps = [(e["at"], e["id"]) for e in everything]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    mine = await _entries(client, admin, actor=admin_actor)
    assert len(mine) == 6 and by_editor["id"] not in {e["object_id"] for e in mine}
    about = await _entries(client, admin, object_id=tags[0]["id"])
    assert [e["action"] for e in about] == ["deleteTag", "createTag"]
    deleted = await _entries(client, admin, action="deleteTag", actor=admin_actor)
    assert [e["object_id"] for e in deleted] == [tags[0]["id"]]
    later = await _entries(client, admin, since=middle.isoformat())
    assert {e["object_id"] for e in later} == {by_editor["id"], tags[0]["id"]}
    earlier = await _entries(client, admin, until=middle.isoformat())
    assert [e["object_id"] for e in earlier] == [t["id"] for t in reversed(tags)]

    seen: list[str] = []
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(AUDIT, params=query, headers=admin.headers)).json()
        assert len(page["items"]) <= 3
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e["id"] for e in everything]

    problem(await client.get(AUDIT, params={"cursor": "nonsense"}, headers=admin.headers), 422)
    problem(await client.get(AUDIT, params={"since": "yesterday"}, headers=admin.headers), 422)
    problem(await client.get(AUDIT, params={"limit": 0}, headers=admin.headers), 422)
    problem(await client.get(AUDIT, params={"colour": "red"}, headers=admin.headers), 422)


@pytest.mark.parametrize("role", [Role.editor, Role.author, Role.translator])
async def test_only_administrators_read_the_log(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, role: Role
) -> None:
    await create_term(client, admin, "tags", ua="НАТО")
    other = await make_key(app, role)
    problem(await client.get(AUDIT, headers=other.headers), 403)
    problem(await client.get(AUDIT), 401)
    assert len(await _entries(client, admin)) == 1


async def test_no_route_changes_or_deletes_an_entry(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    await create_term(client, admin, "tags", ua="НАТО")
    [entry] = await _entries(client, admin)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for path in (AUDIT, f"{AUDIT}/{entry['id']}"):
            response = await client.request(method, path, json={}, headers=admin.headers)
            assert response.status_code in (404, 405), (method, path, response.status_code)
        collection = await client.request(method, AUDIT, json={}, headers=admin.headers)
        assert collection.status_code == 405
    assert await _entries(client, admin) == [entry]


async def test_the_database_refuses_to_change_or_delete_entries(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    await create_term(client, admin, "tags", ua="НАТО")
    [entry] = await _entries(client, admin)
    for statement in (
        "UPDATE audit_entries SET actor = 'someone:else'",
        "DELETE FROM audit_entries",
    ):
        async with app.state.db.writer() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text(statement))
            await session.rollback()
    assert await _entries(client, admin) == [entry]


async def test_an_article_with_entries_can_still_be_deleted(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin)
    path = f"/v1/admin/articles/{article['id']}"
    etag = (await client.get(path, headers=admin.headers)).headers["etag"]
    response = await client.delete(path, headers={**admin.headers, "If-Match": etag})
    assert response.status_code == 204, response.text
    about = await _entries(client, admin, object_id=article["id"])
    assert [e["action"] for e in about] == ["deleteArticle", "createArticle"]


async def test_cli_writes_are_recorded_as_the_command(
    cli_env: dict[str, str], settings: Any
) -> None:
    done = await asyncio.to_thread(
        subprocess.run,
        [*NEWSDESK, "create-user", "--email", "ops@newsroom.example", "--role", "admin"],
        env={**os.environ, **cli_env}, input=PASSWORD + "\n", capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    user_id = done.stdout.strip()
    async with running_app(settings) as (app, client):
        admin = await make_key(app)
        [entry] = await _entries(client, admin, actor="cli:create-user")
    assert (entry["action"], entry["object_type"], entry["object_id"]) == (
        "createUser", "user", user_id,
    )  # fmt: skip
    assert entry["request_id"] is None
    assert PASSWORD not in str(entry)


async def test_each_publish_is_an_entry_of_its_own(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin)
    await publish(client, admin, article["id"], "ua")
    await publish(client, admin, article["id"], "ua", at=datetime.now(UTC) + timedelta(days=1))
    entries = await _entries(client, admin, object_id=article["id"], action="publishTranslation")
    assert len(entries) == 2
    assert {e["language"] for e in entries} == {"ua"}
