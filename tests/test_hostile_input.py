"""Hostile input is refused with a problem, and changes nothing."""

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.builders import problem
from tests.conftest import Credential

JSON = {"content-type": "application/json"}


async def _tags(client: httpx.AsyncClient, admin: Credential) -> list[object]:
    items: list[object] = (await client.get("/v1/admin/tags", headers=admin.headers)).json()[
        "items"
    ]
    return items


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"translations": {"ua": {"name": "\xff\xfe"}}}', 422),  # invalid UTF-8
        (b"[" * 50_000 + b"]" * 50_000, 422),  # nested far deeper than any real payload
        (b'{"translations": {"ua": {"name": "\\ud800"}}}', 422),  # lone surrogate
        (b'{"translations": {"ua": {"name": "a\\u0000b"}}}', 422),  # NUL
        (b'{"translations": {"ua": {"name": "ok"}}, "id": "x"}', 422),  # unknown field
        (b'{"translations": ', 422),  # truncated JSON
    ],
)
async def test_bad_bodies_are_refused(
    client: httpx.AsyncClient, admin: Credential, body: bytes, status: int
) -> None:
    r = await client.post("/v1/admin/tags", content=body, headers={**admin.headers, **JSON})
    problem(r, status)
    assert await _tags(client, admin) == []


async def test_bodies_over_the_limit_are_413_also_when_chunked(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    big = b'{"translations": {"ua": {"name": "' + b"x" * (1024 * 1024) + b'"}}}'
    problem(
        await client.post("/v1/admin/tags", content=big, headers={**admin.headers, **JSON}), 413
    )

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(1100):
            yield b" " * 1024  # no Content-Length: the limit is checked while reading

    r = await client.post("/v1/admin/tags", content=chunks(), headers={**admin.headers, **JSON})
    problem(r, 413)
    assert await _tags(client, admin) == []


async def test_an_unreadable_body_is_a_validation_problem(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    # FastAPI answered 400 "There was an error parsing the body", a status no operation
    # declares (found by schemathesis on PATCH /v1/admin/authors/{id}).
    author = (
        await client.post(
            "/v1/admin/authors",
            json={"translations": {"en": {"name": "Olena"}}},
            headers=admin.headers,
        )
    ).json()
    r = await client.patch(
        f"/v1/admin/authors/{author['id']}",
        content=b'{"translations": {"en": {"name": "\xff"}}}',  # not UTF-8
        headers={**admin.headers, **JSON},
    )
    body = problem(r, 422)
    assert body["errors"] == [{"loc": ["body"], "msg": "Invalid JSON body", "type": "json_invalid"}]
    got = await client.get(f"/v1/admin/authors/{author['id']}", headers=admin.headers)
    assert got.json()["translations"]["en"]["name"] == "Olena"
