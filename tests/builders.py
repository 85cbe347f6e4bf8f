"""Small typed builders that make content through the admin API."""

from datetime import datetime
from typing import Any

import httpx

from tests.conftest import Credential


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert `response` is an RFC 9457 problem with `status`; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] and body["title"] and body["detail"]
    return body


async def create_term(
    client: httpx.AsyncClient, admin: Credential, kind: str, **names: str
) -> dict[str, Any]:
    """POST /v1/admin/{kind} with names per language (ua="НАТО", en="NATO")."""
    response = await client.post(
        f"/v1/admin/{kind}",
        json={"translations": {lang: {"name": name} for lang, name in names.items()}},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def create_media(
    client: httpx.AsyncClient, admin: Credential, **extra: Any
) -> dict[str, Any]:
    payload = {
        "url": "https://images.example.com/2026/11/summit.jpg",
        "width": 1600,
        "height": 900,
        "credit": "Getty Images",
        "translations": {
            "ua": {"caption": "Лідери на саміті НАТО", "alt": "Лідери на сцені"},
            "en": {"caption": "Leaders at the NATO summit", "alt": "Leaders on a stage"},
        },
        **extra,
    }
    response = await client.post("/v1/admin/media", json=payload, headers=admin.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def text(
    title: str, lead: str = "Lead paragraph.", body: str = "<p>Body text.</p>"
) -> dict[str, Any]:
    return {"title": title, "lead": lead, "body_html": body}


async def create_article(
    client: httpx.AsyncClient,
    admin: Credential,
    *,
    original: str = "ua",
    translations: dict[str, dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    payload = {
        "original_language": original,
        "translations": translations or {original: text("Стаття")},
        **fields,
    }
    response = await client.post("/v1/admin/articles", json=payload, headers=admin.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def publish(
    client: httpx.AsyncClient,
    admin: Credential,
    article_id: str,
    lang: str,
    at: datetime | None = None,
) -> dict[str, Any]:
    payload = {"publish_at": at.isoformat()} if at else {}
    response = await client.post(
        f"/v1/admin/articles/{article_id}/translations/{lang}/publish",
        json=payload,
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def published_article(
    client: httpx.AsyncClient,
    admin: Credential,
    title: str = "Стаття",
    lang: str = "ua",
    **fields: Any,
) -> dict[str, Any]:
    article = await create_article(
        client, admin, original=lang, translations={lang: text(title)}, **fields
    )
    await publish(client, admin, article["id"], lang)
    return article


async def put_translation(
    client: httpx.AsyncClient, admin: Credential, article_id: str, lang: str, body: dict[str, Any]
) -> httpx.Response:
    """PUT a language version: creates it, or replaces it with its current ETag."""
    path = f"/v1/admin/articles/{article_id}/translations/{lang}"
    current = await client.get(path, headers=admin.headers)
    headers = dict(admin.headers)
    if current.status_code == 200:
        headers["If-Match"] = current.headers["etag"]
    response = await client.put(path, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response
