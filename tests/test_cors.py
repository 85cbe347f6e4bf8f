"""CORS from settings: listed origins only, credentials never with '*', headers exposed."""

import httpx

from app.config import Settings
from app.main import create_app


async def _preflight(settings: Settings, origin: str) -> httpx.Response:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/v1/languages", headers={"Origin": origin})


async def test_listed_origin_gets_cors_headers(settings: Settings) -> None:
    s = settings.model_copy(update={"cors_origins": ["https://site.example"]})
    r = await _preflight(s, "https://site.example")
    assert r.headers["access-control-allow-origin"] == "https://site.example"
    assert r.headers["access-control-allow-credentials"] == "true"
    exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "link", "location", "retry-after", "x-request-id"} <= exposed
    other = await _preflight(s, "https://evil.example")
    assert "access-control-allow-origin" not in other.headers


async def test_wildcard_never_allows_credentials(settings: Settings) -> None:
    r = await _preflight(settings.model_copy(update={"cors_origins": ["*"]}), "https://a.example")
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers


async def test_security_headers(settings: Settings) -> None:
    r = await _preflight(settings, "https://a.example")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
