"""Every error is application/problem+json, with no internals."""

import httpx
from fastapi import FastAPI

from tests.builders import problem
from tests.conftest import Credential


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    body = problem(await client.get("/v1/nowhere/at/all"), 404)
    assert body["instance"] == "/v1/nowhere/at/all"


async def test_unknown_language_is_404(client: httpx.AsyncClient) -> None:
    body = problem(await client.get("/v1/xx/articles"), 404)
    assert "xx" in body["detail"]


async def test_method_not_allowed_is_a_problem(client: httpx.AsyncClient) -> None:
    r = await client.delete("/v1/languages")
    problem(r, 405)
    assert r.headers["allow"] == "GET, HEAD"


async def test_405_allows_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    # Starlette named only the methods of the first route at the path (found by schemathesis).
    article = "/v1/admin/articles/6f1c2d8e-0b4a-4c1e-9a57-3f2b8c9d0e1f"
    r = await client.options(article)
    problem(r, 405)
    assert r.headers["allow"] == "DELETE, GET, HEAD, PATCH"
    r = await client.put("/v1/auth/token")
    problem(r, 405)
    assert r.headers["allow"] == "DELETE, POST"


async def test_validation_error_lists_fields(client: httpx.AsyncClient) -> None:
    body = problem(await client.get("/v1/ua/articles?limit=0"), 422)
    assert body["errors"][0]["loc"] == ["query", "limit"]
    problem(await client.get("/v1/ua/articles?limit=101"), 422)
    problem(await client.get("/v1/ua/articles?limit=abc"), 422)


async def test_malformed_json_is_422(client: httpx.AsyncClient, admin: Credential) -> None:
    r = await client.post(
        "/v1/admin/tags",
        content=b'{"translations": ',
        headers={**admin.headers, "content-type": "application/json"},
    )
    problem(r, 422)


async def test_500_hides_internals(app: FastAPI, client: httpx.AsyncClient) -> None:
    @app.get("/boom-for-test")
    async def boom() -> None:
        raise RuntimeError("secret database password in a stack trace")

    r = await client.get("/boom-for-test")
    body = problem(r, 500)
    assert "secret" not in r.text and "Traceback" not in r.text
    assert body["title"] == "Internal server error"


async def test_head_answers_like_get_without_body(client: httpx.AsyncClient) -> None:
    get = await client.get("/v1/languages")
    head = await client.head("/v1/languages")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["content-type"] == get.headers["content-type"]


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = await client.get("/healthz")
    assert len(r.headers["x-request-id"]) == 32
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_readyz_reports_migrations_at_head(client: httpx.AsyncClient) -> None:
    r = await client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
