"""A preview shows `published_at` as the public will see it: null before the first
publication (issue 13, item 17)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from tests.builders import create_article, publish, text
from tests.conftest import Credential


async def _preview(
    client: httpx.AsyncClient, admin: Credential, article_id: str, lang: str
) -> dict[str, Any]:
    r = await client.post(
        f"/v1/admin/articles/{article_id}/translations/{lang}/preview", headers=admin.headers
    )
    assert r.status_code == 201, r.text
    shown = await client.get(r.json()["path"])
    assert shown.status_code == 200, shown.text
    body: dict[str, Any] = shown.json()
    return body


async def test_a_never_published_draft_has_no_publication_time(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(
        client, admin, translations={"ua": text("Чернетка"), "en": text("Draft")}
    )
    art = article["id"]
    draft = await _preview(client, admin, art, "en")
    assert draft["title"] == "Draft"
    assert draft["published_at"] is None
    # Scheduled: when it will be published. Published: when it was, for good.
    at = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    await publish(client, admin, art, "en", at=at)
    scheduled = await _preview(client, admin, art, "en")
    assert datetime.fromisoformat(scheduled["published_at"]) == at
    await publish(client, admin, art, "ua")
    published = await _preview(client, admin, art, "ua")
    public = (await client.get(f"/v1/ua/articles/{published['slug']}")).json()
    assert published["published_at"] == public["published_at"] is not None


async def test_only_the_preview_schema_lets_published_at_be_null(app: FastAPI) -> None:
    document = app.openapi()
    schemas = document["components"]["schemas"]

    def response_schema(path: str) -> dict[str, Any]:
        ref = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        schema: dict[str, Any] = schemas[ref["schema"]["$ref"].rsplit("/", 1)[1]]
        return schema

    preview = response_schema("/v1/{lang}/preview/{token}")["properties"]["published_at"]
    assert {"type": "null"} in preview["anyOf"]
    article = response_schema("/v1/{lang}/articles/{slug}")
    assert article["properties"]["published_at"]["type"] == "string"
    assert "published_at" in article["required"]
