"""The interactive docs need no internet (issue 18, item 7): /docs (Swagger UI) and /redoc
load their scripts and styles from this server, never from a CDN."""

import re

import httpx
import pytest

pytestmark = pytest.mark.anyio
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_load_everything_from_this_server(
    client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "cdn.jsdelivr.net" not in html and "fonts.googleapis.com" not in html
    assets = ASSET.findall(html)
    scripts = [a for a in assets if a.endswith(".js")]
    assert scripts, "the page loads its script"
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not served by this server"
        fetched = await client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 1000, asset
    assert "/openapi.json" in html  # the contract it renders, from here too
