"""Answers that carry a secret (a new API key, a preview link, a login token) are never
stored, in any table; a retry of an API key's create says what was made, not the key."""

import json
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from tests.builders import problem
from tests.builders import text as article_text
from tests.conftest import Credential

PASSWORD = "correct horse battery staple 42"


def _cells(connection: Connection) -> list[tuple[str, str]]:
    """Every value of every table as text (bytes decoded, JSON dumped)."""
    out = []
    for table in inspect(connection).get_table_names():
        for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 - the catalog's names
            for value in row:
                if isinstance(value, bytes | memoryview):
                    value = bytes(value).decode("latin-1")
                elif isinstance(value, dict | list):
                    value = json.dumps(value)
                out.append((table, str(value)))
    return out


async def test_no_secret_is_stored_in_clear_anywhere(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    def keyed(key: str, **headers: str) -> dict[str, str]:
        return {**admin.headers, "Idempotency-Key": key, **headers}

    # A new API key, created with an Idempotency-Key, then retried.
    made = await client.post(
        "/v1/admin/api-keys", json={"name": "wire", "role": "editor"}, headers=keyed("api-key")
    )
    assert made.status_code == 201
    api_key = made.json()["key"]
    # A user (a password in the body) and a login token.
    user = await client.post(
        "/v1/admin/users",
        json={"email": "ola@newsroom.example", "display_name": "Ola", "role": "editor",
              "password": PASSWORD},
        headers=keyed("user"),
    )  # fmt: skip
    assert user.status_code == 201
    login = await client.post(
        "/v1/auth/token",
        data={"username": "ola@newsroom.example", "password": PASSWORD},
        headers={"Idempotency-Key": "login"},
    )
    assert login.status_code == 200
    token = login.json()["access_token"]

    # A preview link of a new article.
    article = await client.post(
        "/v1/admin/articles",
        json={"original_language": "ua", "translations": {"ua": article_text("Чернетка")}},
        headers=keyed("article"),
    )
    assert article.status_code == 201
    preview = await client.post(
        f"/v1/admin/articles/{article.json()['id']}/translations/ua/preview",
        json={}, headers=keyed("preview"),
    )  # fmt: skip
    assert preview.status_code == 201
    preview_token = preview.json()["token"]

    secrets = {"API key": api_key, "login token": token, "preview token": preview_token,
               "password": PASSWORD}  # fmt: skip
    async with app.state.db.engine.connect() as conn:
        cells = await conn.run_sync(_cells)
    assert {table for table, _ in cells} >= {"idempotency_keys", "api_keys", "preview_tokens"}
    found: list[Any] = [
        (name, table)
        for table, value in cells
        for name, secret in secrets.items()
        # the secret, or its random part alone (after a prefix such as `nd_`)
        if secret in value or secret.split("_", 1)[-1] in value
    ]
    assert found == []

    # A preview is no idempotent create: its retry makes a second link, nothing replayed.
    again = await client.post(
        f"/v1/admin/articles/{article.json()['id']}/translations/ua/preview",
        json={}, headers=keyed("preview"),
    )  # fmt: skip
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    assert again.json()["token"] != preview_token

    # The retry of the key's create: what was made, not the key, and no second key.
    retry = await client.post(
        "/v1/admin/api-keys", json={"name": "wire", "role": "editor"}, headers=keyed("api-key")
    )
    body = problem(retry, 409)
    assert body["type"] == "/problems/idempotency-secret-not-replayed"
    assert retry.headers["idempotent-replayed"] == "true"
    assert body["created"]["id"] == made.json()["id"]
    assert body["created"]["prefix"] == made.json()["prefix"]
    assert "key" not in body["created"] and api_key not in retry.text
    keys = (await client.get("/v1/admin/api-keys", headers=admin.headers)).json()["items"]
    assert len(keys) == 2  # the admin's and the one made: the retry made none
    assert (await client.get("/v1/admin/tags", headers={"Authorization": f"Bearer {api_key}"})
            ).status_code == 200  # fmt: skip
