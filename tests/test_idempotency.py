"""Idempotency-Key on creating POSTs: a retry gets the first response, nothing twice."""

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import anyio
import httpx
from fastapi import FastAPI
from sqlalchemy import update

from app.auth.service import Role
from app.models import IdempotencyKey, utcnow
from tests.builders import problem, text
from tests.conftest import Credential, make_key

ARTICLE = {"original_language": "ua", "translations": {"ua": text("Одна стаття")}}


async def _count(client: httpx.AsyncClient, admin: Credential) -> int:
    r = await client.get("/v1/admin/articles", headers=admin.headers)
    return len(r.json()["items"])


async def test_retry_with_the_same_key_replays_the_first_response(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    headers = {**admin.headers, "Idempotency-Key": "create-1"}
    first = await client.post("/v1/admin/articles", json=ARTICLE, headers=headers)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    again = await client.post("/v1/admin/articles", json=ARTICLE, headers=headers)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert await _count(client, admin) == 1
    # The same key with another body is refused.
    other = {**ARTICLE, "translations": {"ua": text("Інша стаття")}}
    problem(await client.post("/v1/admin/articles", json=other, headers=headers), 422)
    assert await _count(client, admin) == 1


async def test_keys_are_per_credential(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    second = await make_key(app, Role.admin)
    for cred in (admin, second):
        r = await client.post(
            "/v1/admin/articles", json=ARTICLE, headers={**cred.headers, "Idempotency-Key": "k"}
        )
        assert r.status_code == 201
        assert "idempotent-replayed" not in r.headers
    assert await _count(client, admin) == 2


async def test_errors_are_not_remembered(client: httpx.AsyncClient, admin: Credential) -> None:
    # Only a create that was made is remembered: an error leaves nothing, so the retry runs
    # again, and the corrected request may use the same key.
    headers = {**admin.headers, "Idempotency-Key": "bad"}
    bad = {"original_language": "xx", "translations": {"xx": text("x")}}
    first = await client.post("/v1/admin/articles", json=bad, headers=headers)
    problem(first, 422)
    again = await client.post("/v1/admin/articles", json=bad, headers=headers)
    problem(again, 422)
    assert "idempotent-replayed" not in again.headers
    fixed = await client.post("/v1/admin/articles", json=ARTICLE, headers=headers)
    assert fixed.status_code == 201
    assert "idempotent-replayed" not in fixed.headers
    replay = await client.post("/v1/admin/articles", json=ARTICLE, headers=headers)
    assert replay.headers["idempotent-replayed"] == "true"
    assert await _count(client, admin) == 1


async def test_concurrent_retries_create_once(client: httpx.AsyncClient, admin: Credential) -> None:
    headers = {**admin.headers, "Idempotency-Key": "race"}
    statuses: list[int] = []

    async def send() -> None:
        r = await client.post("/v1/admin/tags", json={"translations": {"ua": {"name": "Т"}}},
                              headers=headers)  # fmt: skip
        statuses.append(r.status_code)

    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(send)
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    tags = (await client.get("/v1/admin/tags", headers=admin.headers)).json()["items"]
    assert len(tags) == 1


async def test_bad_keys_and_big_bodies(client: httpx.AsyncClient, admin: Credential) -> None:
    r = await client.post(
        "/v1/admin/articles", json=ARTICLE, headers={**admin.headers, "Idempotency-Key": "x" * 300}
    )
    problem(r, 422)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(1100):
            yield b" " * 1024

    r = await client.post(
        "/v1/admin/tags",
        content=chunks(),
        headers={**admin.headers, "Idempotency-Key": "big", "content-type": "application/json"},
    )
    problem(r, 413)
    assert await _count(client, admin) == 0


async def test_the_contract_says_which_keys_are_taken(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    spec = (await client.get("/openapi.json")).json()
    header = next(
        p
        for p in spec["paths"]["/v1/admin/articles"]["post"]["parameters"]
        if p["name"] == "idempotency-key"
    )
    pattern = re.compile(next(s for s in header["schema"]["anyOf"] if "pattern" in s)["pattern"])
    for key, status in ((b"\xa0key", 422), (b"key\xad", 422), (b"k\xe9y-1", 201)):
        assert bool(pattern.search(key.decode("latin-1"))) is (status == 201), key
        r = await client.post(
            "/v1/admin/articles",
            json=ARTICLE,
            headers={
                b"Authorization": admin.headers["Authorization"].encode(),
                b"Idempotency-Key": key,
            },
        )
        assert r.status_code == status, r.text
    assert await _count(client, admin) == 1


async def test_a_create_whose_answer_was_lost_says_so(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    # A worker that dies between the create's commit and the recording of its answer
    # leaves the record unanswered: "in progress" for a moment, then "answer lost" (the
    # create was made), never a second create.
    headers = {**admin.headers, "Idempotency-Key": "lost"}
    first = await client.post("/v1/admin/articles", json=ARTICLE, headers=headers)
    assert first.status_code == 201
    for age, kind in ((timedelta(0), "in-progress"), (timedelta(minutes=2), "answer-lost")):
        async with app.state.db.writer() as session, session.begin():
            await session.execute(
                update(IdempotencyKey).values(status_code=None, created_at=utcnow() - age)
            )
        r = await client.post("/v1/admin/articles", json=ARTICLE, headers=headers)
        assert problem(r, 409)["type"] == f"/problems/idempotency-{kind}"
    assert await _count(client, admin) == 1
