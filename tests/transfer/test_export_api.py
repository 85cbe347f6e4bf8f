"""`GET /v1/admin/export`: the command's export over HTTP, for administrators only."""

import json

import httpx
from fastapi import FastAPI

from app.auth.service import Role
from tests.conftest import Credential, make_key
from tests.transfer.test_round_trip import demo_file, export_bytes


async def test_administrators_download_the_export(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    await demo_file(app)
    answer = await client.get("/v1/admin/export", headers=admin.headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/x-ndjson"
    assert answer.headers["content-disposition"].startswith(
        'attachment; filename="newsdesk-export-'
    )
    assert answer.headers["cache-control"] == "no-store"
    got = answer.content.splitlines()
    expected = (await export_bytes(app)).splitlines()
    assert json.loads(got[0])["exported_at"] != json.loads(expected[0])["exported_at"]
    assert got[1:] == expected[1:]

    ua = await client.get("/v1/admin/export", params={"language": "ua"}, headers=admin.headers)
    articles = [json.loads(line) for line in ua.content.splitlines()]
    kept = [line for line in articles if line["type"] == "article"]
    assert kept and all("ua" in line["translations"] for line in kept)
    assert json.loads(ua.content.splitlines()[0])["filters"] == {"language": "ua"}

    later = await client.get(
        "/v1/admin/export", params={"since": "2999-01-01T00:00:00Z"}, headers=admin.headers
    )
    end = json.loads(later.content.splitlines()[-1])
    assert end["type"] == "end" and "article" not in end["counts"]


async def test_only_administrators_and_good_parameters(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    assert (await client.get("/v1/admin/export")).status_code == 401
    editor = await make_key(app, Role.editor)
    assert (await client.get("/v1/admin/export", headers=editor.headers)).status_code == 403
    for params in ({"language": "xx"}, {"since": "yesterday"}, {"since": "2026-01-01T00:00:00"}):
        answer = await client.get("/v1/admin/export", params=params, headers=admin.headers)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
