"""Every answer carries the request id, the security headers and CORS — errors made by
middleware and 500s included — and the contract says what the API does (issue 13,
items 11, 12, 16)."""

import httpx
from fastapi import FastAPI

from app.config import Settings
from tests.builders import problem
from tests.conftest import Credential, running_app

ORIGIN = "https://site.example"


def _has_the_common_headers(response: httpx.Response, request_id: str) -> None:
    assert response.headers["x-request-id"] == request_id
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["access-control-allow-origin"] == ORIGIN
    if response.headers["content-type"] == "application/problem+json":
        assert response.json()["request_id"] == request_id


async def test_a_500_carries_the_request_id_security_and_cors_headers(settings: Settings) -> None:
    async with running_app(settings, cors_origins=[ORIGIN]) as (app, client):

        @app.get("/boom-for-test")
        async def boom() -> None:
            raise RuntimeError("secret database password in a stack trace")

        r = await client.get(
            "/boom-for-test", headers={"X-Request-ID": "req-500", "Origin": ORIGIN}
        )
        body = problem(r, 500)
        assert "secret" not in r.text
        _has_the_common_headers(r, "req-500")
        assert body["instance"] == "/boom-for-test"


async def test_every_problem_names_its_request(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    cases = [
        client.get("/v1/nowhere"),
        client.get("/v1/ua/articles?limit=0"),
        client.get("/v1/admin/tags"),
        client.delete("/v1/languages"),
        client.post(
            "/v1/admin/tags",
            content=b"x" * (app.state.settings.max_body_bytes + 1),
            headers={**admin.headers, "content-type": "application/json"},
        ),
    ]
    for n, request in enumerate(cases):
        response = await request
        assert response.headers["content-type"] == "application/problem+json"
        made_up = response.headers["x-request-id"]
        assert response.json()["request_id"] == made_up, response.text
        assert int(response.headers["content-length"]) == len(response.content), n
    sent = await client.get("/v1/nowhere", headers={"X-Request-ID": "mine-1"})
    assert sent.json()["request_id"] == "mine-1"


async def test_429_and_413_carry_cors_headers(settings: Settings) -> None:
    async with running_app(
        settings, cors_origins=[ORIGIN], rate_limit_public="1/minute", max_body_bytes=10
    ) as (_, client):
        headers = {"Origin": ORIGIN, "X-Request-ID": "req-429"}
        assert (await client.get("/v1/languages", headers=headers)).status_code == 200
        limited = await client.get("/v1/languages", headers=headers)
        problem(limited, 429)
        _has_the_common_headers(limited, "req-429")
        exposed = limited.headers["access-control-expose-headers"].lower()
        assert "retry-after" in exposed
        too_big = await client.post(
            "/v1/auth/token",
            content=b"username=someone%40example.com&password=x",
            headers={**headers, "content-type": "application/x-www-form-urlencoded"},
        )
        problem(too_big, 413)
        _has_the_common_headers(too_big, "req-429")


async def test_probes_refuse_unknown_parameters_as_the_contract_says(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    contract = app.openapi()
    for path in ("/healthz", "/readyz"):
        problem(await client.get(f"{path}?verbose=1"), 422)
        assert "422" in contract["paths"][path]["get"]["responses"]


async def test_the_contract_requires_if_match_where_the_api_does(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    contract = app.openapi()
    required = {
        ("/v1/admin/articles/{article_id}", "patch"),
        ("/v1/admin/articles/{article_id}", "delete"),
        ("/v1/admin/articles/{article_id}/translations/{lang}", "delete"),
    }
    for path, method in required:
        (if_match,) = [
            p for p in contract["paths"][path][method]["parameters"] if p["name"] == "if-match"
        ]
        assert if_match["required"] is True, (path, method)
        assert "x-newsdesk-required" not in if_match["schema"]
    put = contract["paths"]["/v1/admin/articles/{article_id}/translations/{lang}"]["put"]
    assert [p["required"] for p in put["parameters"] if p["name"] == "if-match"] == [False]
    # ...and the API answers 428 (not 422) when it is missing.
    article = await client.post(
        "/v1/admin/articles",
        json={"original_language": "en", "translations": {"en": {"title": "T", "lead": "",
              "body_html": ""}}},
        headers=admin.headers,
    )  # fmt: skip
    art = article.json()["id"]
    problem(await client.patch(f"/v1/admin/articles/{art}", json={}, headers=admin.headers), 428)
    problem(await client.delete(f"/v1/admin/articles/{art}", headers=admin.headers), 428)


async def test_every_401_declares_and_sends_www_authenticate(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    contract = app.openapi()
    unauthorized = [
        (path, method)
        for path, item in contract["paths"].items()
        for method, operation in item.items()
        if "401" in operation["responses"]
    ]
    assert len(unauthorized) > 20
    for path, method in unauthorized:
        declared = contract["paths"][path][method]["responses"]["401"]["headers"]
        assert "WWW-Authenticate" in declared, (path, method)
    assert contract["components"]["headers"]["WWW-Authenticate"]["required"] is True
    for response in (
        await client.get("/v1/admin/tags"),
        await client.get("/v1/admin/tags", headers={"Authorization": "Bearer nd_nope"}),
        await client.post("/v1/auth/token", data={"username": "a@b.example", "password": "x"}),
    ):
        problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
