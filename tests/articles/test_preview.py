"""Preview links: one translation's current draft, read-only, expiring, nothing else."""

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from app.models import PreviewToken
from tests.builders import create_article, problem, text
from tests.conftest import Credential


async def test_preview_shows_the_current_draft_and_nothing_else(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(
        client, admin, translations={"ua": text("Чернетка"), "en": text("Draft")}
    )
    base = f"/v1/admin/articles/{article['id']}/translations/en"
    r = await client.post(f"{base}/preview", headers=admin.headers)
    assert r.status_code == 201, r.text
    link = r.json()
    assert link["token"].startswith("ndp_")
    assert datetime.fromisoformat(link["expires_at"]) > datetime.now(UTC) + timedelta(hours=23)
    shown = await client.get(link["path"])
    assert shown.status_code == 200
    assert shown.json()["title"] == "Draft"
    assert shown.headers["cache-control"] == "private, no-store"
    assert shown.headers["content-language"] == "en"
    # The Ukrainian draft is not public: only the previewed version, where it will be.
    assert [(a["language"], a["current"]) for a in shown.json()["alternates"]] == [
        (shown.json()["language"], True)
    ]
    assert shown.json()["url"] == shown.json()["alternates"][0]["url"]
    # It follows the draft as it changes.
    etag = (await client.get(base, headers=admin.headers)).headers["etag"]
    await client.put(base, json=text("Draft v2"), headers={**admin.headers, "If-Match": etag})
    assert (await client.get(link["path"])).json()["title"] == "Draft v2"
    # It opens this translation only: not another language, not the public article.
    problem(await client.get(f"/v1/ua/preview/{link['token']}"), 404)
    problem(await client.get("/v1/en/articles/draft"), 404)
    problem(await client.get("/v1/en/preview/ndp_forged"), 404)
    # Once expired, it is gone.
    async with app.state.db.writer() as session, session.begin():
        await session.execute(
            update(PreviewToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    problem(await client.get(link["path"]), 404)


async def test_preview_ttl_is_bounded(client: httpx.AsyncClient, admin: Credential) -> None:
    article = await create_article(client, admin)
    base = f"/v1/admin/articles/{article['id']}/translations/ua/preview"
    problem(await client.post(base, json={"ttl_minutes": 0}, headers=admin.headers), 422)
    problem(await client.post(base, json={"ttl_minutes": 999999}, headers=admin.headers), 422)
    r = await client.post(base, json={"ttl_minutes": 5}, headers=admin.headers)
    assert datetime.fromisoformat(r.json()["expires_at"]) < datetime.now(UTC) + timedelta(minutes=6)
    problem(await client.post(base), 401)
