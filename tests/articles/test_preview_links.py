"""Preview links can be listed and revoked, and die with their credential (issue 13, item 13)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from app.models import ApiKey, PreviewToken
from tests.builders import create_article, problem, text
from tests.conftest import Credential

PASSWORD = "correct horse battery staple"


async def _preview(
    client: httpx.AsyncClient, who: dict[str, str], article_id: str, lang: str, **body: Any
) -> dict[str, Any]:
    r = await client.post(
        f"/v1/admin/articles/{article_id}/translations/{lang}/preview", json=body, headers=who
    )
    assert r.status_code == 201, r.text
    link: dict[str, Any] = r.json()
    return link


async def _opens(client: httpx.AsyncClient, link: dict[str, Any]) -> bool:
    r = await client.get(link["path"])
    if r.status_code == 404:
        problem(r, 404)
        return False
    assert r.status_code == 200, r.text
    return True


async def _user_token(
    client: httpx.AsyncClient, admin: Credential, email: str, **fields: Any
) -> tuple[str, dict[str, str]]:
    r = await client.post(
        "/v1/admin/users",
        json={
            "email": email,
            "display_name": email,
            "role": "editor",
            "password": PASSWORD,
            **fields,
        },
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    login = await client.post("/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return r.json()["id"], {"Authorization": f"Bearer {login.json()['access_token']}"}


async def test_links_are_listed_without_tokens_and_revoked_at_once(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(
        client, admin, translations={"ua": text("Чернетка"), "en": text("Draft")}
    )
    base = f"/v1/admin/articles/{article['id']}/translations/en/previews"
    first = await _preview(client, admin.headers, article["id"], "en")
    second = await _preview(client, admin.headers, article["id"], "en", ttl_minutes=60)
    other = await _preview(client, admin.headers, article["id"], "ua")
    assert len({first["id"], second["id"], other["id"]}) == 3
    listed = await client.get(base, headers=admin.headers)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [item["id"] for item in items] == [first["id"], second["id"]]
    assert set(items[0]) == {"id", "created_by", "created_at", "expires_at"}
    assert items[0]["created_by"] == "api_key:test-admin"
    assert items[1]["expires_at"] == second["expires_at"]
    assert first["token"] not in listed.text and "ndp_" not in listed.text
    # Revoked: it opens nothing from the next request on; the others still work.
    r = await client.delete(f"{base}/{first['id']}", headers=admin.headers)
    assert r.status_code == 204 and r.content == b""
    assert not await _opens(client, first)
    assert await _opens(client, second) and await _opens(client, other)
    assert [i["id"] for i in (await client.get(base, headers=admin.headers)).json()["items"]] == [
        second["id"]
    ]
    # Gone for good; another translation's link is not this one's to revoke.
    problem(await client.delete(f"{base}/{first['id']}", headers=admin.headers), 404)
    problem(await client.delete(f"{base}/{other['id']}", headers=admin.headers), 404)
    assert await _opens(client, other)
    problem(await client.delete(f"{base}/not-an-id", headers=admin.headers), 422)
    problem(await client.get(base), 401)
    problem(await client.delete(f"{base}/{second['id']}"), 401)
    assert await _opens(client, second)


async def test_who_may_revoke_a_link(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin, translations={"ua": text("Чернетка")})
    art = article["id"]
    r = await client.put(
        f"/v1/admin/articles/{art}/translations/en", json=text("Draft"), headers=admin.headers
    )
    assert r.status_code == 201, r.text
    base = f"/v1/admin/articles/{art}/translations/en/previews"
    _, ru_translator = await _user_token(
        client, admin, "ru@newsroom.example", role="translator", languages=["ru"]
    )
    _, en_translator = await _user_token(
        client, admin, "en@newsroom.example", role="translator", languages=["en"]
    )
    by_admin = await _preview(client, admin.headers, art, "en")
    by_translator = await _preview(client, ru_translator, art, "en")
    # Not theirs, and not a version they may edit: refused, and the link still works.
    problem(await client.delete(f"{base}/{by_admin['id']}", headers=ru_translator), 403)
    assert await _opens(client, by_admin)
    # Their own link; and whoever may edit the English version may revoke any of its links.
    r = await client.delete(f"{base}/{by_translator['id']}", headers=ru_translator)
    assert r.status_code == 204
    r = await client.delete(f"{base}/{by_admin['id']}", headers=en_translator)
    assert r.status_code == 204
    assert not await _opens(client, by_admin) and not await _opens(client, by_translator)


async def test_a_link_dies_with_the_api_key_that_made_it(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    expires = datetime.now(UTC) + timedelta(hours=2)
    made = await client.post(
        "/v1/admin/api-keys",
        json={"name": "cms", "role": "editor", "expires_at": expires.isoformat()},
        headers=admin.headers,
    )
    assert made.status_code == 201, made.text
    key = {"Authorization": f"Bearer {made.json()['key']}"}
    article = await create_article(client, admin)
    # Asked for a day; the key expires in two hours, and so does the link.
    link = await _preview(client, key, article["id"], "ua")
    assert abs(datetime.fromisoformat(link["expires_at"]) - expires) < timedelta(seconds=1)
    other = await _preview(client, admin.headers, article["id"], "ua")
    assert await _opens(client, link)
    # The key expired (as if two hours passed): its link opens nothing.
    async with app.state.db.writer() as session, session.begin():
        await session.execute(
            update(ApiKey)
            .where(ApiKey.name == "cms")
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert not await _opens(client, link)
    async with app.state.db.writer() as session, session.begin():
        await session.execute(update(ApiKey).where(ApiKey.name == "cms").values(expires_at=None))
    assert await _opens(client, link)
    # Revoked: the same.
    r = await client.delete(f"/v1/admin/api-keys/{made.json()['id']}", headers=admin.headers)
    assert r.status_code == 204
    assert not await _opens(client, link)
    listed = await client.get(
        f"/v1/admin/articles/{article['id']}/translations/ua/previews", headers=admin.headers
    )
    assert [item["id"] for item in listed.json()["items"]] == [other["id"]]
    assert await _opens(client, other)


async def test_a_link_dies_with_the_login_that_made_it(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin)
    art = article["id"]
    user_id, olena = await _user_token(client, admin, "olena@newsroom.example")
    # A link made with a login lives no longer than the login (12 hours by default).
    link = await _preview(client, olena, art, "ua", ttl_minutes=7 * 24 * 60)
    expires = datetime.fromisoformat(link["expires_at"])
    assert expires < datetime.now(UTC) + timedelta(hours=12, seconds=5)
    assert expires > datetime.now(UTC) + timedelta(hours=11)
    assert await _opens(client, link)
    # The user deactivated: their link opens nothing.
    r = await client.patch(
        f"/v1/admin/users/{user_id}", json={"active": False}, headers=admin.headers
    )
    assert r.status_code == 200, r.text
    assert not await _opens(client, link)
    # Logged out: a link made with that token opens nothing.
    await client.patch(f"/v1/admin/users/{user_id}", json={"active": True}, headers=admin.headers)
    _, again = await _user_token(client, admin, "mykola@newsroom.example")
    second = await _preview(client, again, art, "ua")
    assert await _opens(client, second)
    assert (await client.delete("/v1/auth/token", headers=again)).status_code == 204
    assert not await _opens(client, second)
    # A new password ends every session of the user, and every link they made with one.
    user_id, ivan = await _user_token(client, admin, "ivan@newsroom.example")
    third = await _preview(client, ivan, art, "ua")
    assert await _opens(client, third)
    r = await client.patch(
        f"/v1/admin/users/{user_id}",
        json={"password": "a brand new passphrase"},
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    assert not await _opens(client, third)


async def test_a_link_that_names_no_credential_opens_nothing(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    # Links made before credentials were recorded: nothing vouches for them any more.
    article = await create_article(client, admin)
    link = await _preview(client, admin.headers, article["id"], "ua")
    async with app.state.db.writer() as session, session.begin():
        await session.execute(update(PreviewToken).values(api_key_id=None, access_token_id=None))
    assert not await _opens(client, link)
