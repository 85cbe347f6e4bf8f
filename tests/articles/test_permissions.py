"""Roles enforced on the object, on every path: the attacks of issue 4."""

import httpx
import pytest
from fastapi import FastAPI

from app.auth.service import Role
from tests.builders import create_term, problem, text
from tests.conftest import Credential, make_key

PASSWORD = "correct horse battery staple"


async def _person(
    client: httpx.AsyncClient, admin: Credential, email: str, role: str, languages: list[str]
) -> Credential:
    r = await client.post(
        "/v1/admin/users",
        json={"email": email, "display_name": email, "role": role, "password": PASSWORD,
              "languages": languages},
        headers=admin.headers,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    token = await client.post("/v1/auth/token", data={"username": email, "password": PASSWORD})
    return Credential(token.json()["access_token"])


async def _new_article(client: httpx.AsyncClient, who: Credential, title: str) -> dict[str, object]:
    r = await client.post(
        "/v1/admin/articles",
        json={"original_language": "ua", "translations": {"ua": text(title)}},
        headers=who.headers,
    )
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


@pytest.fixture
async def people(client: httpx.AsyncClient, admin: Credential) -> dict[str, Credential]:
    return {
        "alice": await _person(client, admin, "alice@newsroom.example", "author", []),
        "bob": await _person(client, admin, "bob@newsroom.example", "author", []),
        "tanya": await _person(client, admin, "tanya@newsroom.example", "translator", ["en"]),
    }


async def test_authors_see_and_edit_only_their_own_articles(
    client: httpx.AsyncClient, admin: Credential, people: dict[str, Credential]
) -> None:
    alice, bob = people["alice"], people["bob"]
    mine = await _new_article(client, alice, "Чернетка Аліси")
    theirs = await _new_article(client, bob, "Чернетка Боба")
    base = f"/v1/admin/articles/{theirs['id']}"
    # By id, on every path: it does not exist for Alice.
    for method, path in (
        ("GET", base), ("PATCH", base), ("DELETE", base),
        ("GET", f"{base}/translations/ua"), ("PUT", f"{base}/translations/en"),
        ("DELETE", f"{base}/translations/ua"), ("POST", f"{base}/translations/ua/submit"),
        ("POST", f"{base}/translations/ua/publish"), ("GET", f"{base}/revisions"),
        ("GET", f"{base}/revisions/1"), ("POST", f"{base}/revisions/1/restore"),
    ):  # fmt: skip
        r = await client.request(
            method, path, json=text("x"), headers={**alice.headers, "If-Match": "*"}
        )
        problem(r, 404)
    # Nor in lists, whatever the filter.
    for query in ("", "?status=draft", "?language=ua", "?outdated=false"):
        items = (await client.get(f"/v1/admin/articles{query}", headers=alice.headers)).json()
        assert [a["id"] for a in items["items"]] == (
            [mine["id"]] if "outdated" not in query else []
        )
    # Her own: edit and submit yes, publish no.
    own = f"/v1/admin/articles/{mine['id']}"
    etag = (await client.get(f"{own}/translations/ua", headers=alice.headers)).headers["etag"]
    r = await client.put(
        f"{own}/translations/ua", json=text("Оновлено"), headers={**alice.headers, "If-Match": etag}
    )
    assert r.status_code == 200
    assert (await client.post(f"{own}/translations/ua/submit", headers=alice.headers)).json()[
        "status"
    ] == "in_review"
    for action in ("publish", "unpublish", "archive"):
        problem(await client.post(f"{own}/translations/ua/{action}", headers=alice.headers), 403)
    problem(await client.delete(own, headers={**alice.headers, "If-Match": "*"}), 403)
    # Bob's draft is untouched by all of that.
    check = (await client.get(base, headers=admin.headers)).json()
    assert check["translations"]["ua"]["title"] == "Чернетка Боба"
    assert check["version"] == 1


async def test_translators_write_only_their_languages(
    client: httpx.AsyncClient, admin: Credential, people: dict[str, Credential]
) -> None:
    tanya = people["tanya"]
    article = await _new_article(client, admin, "Оригінал")
    base = f"/v1/admin/articles/{article['id']}"
    assert (await client.get(base, headers=tanya.headers)).status_code == 200
    r = await client.put(f"{base}/translations/en", json=text("English"), headers=tanya.headers)
    assert r.status_code == 201
    assert (
        await client.post(f"{base}/translations/en/submit", headers=tanya.headers)
    ).status_code == 200
    problem(
        await client.put(f"{base}/translations/ru", json=text("Рус"), headers=tanya.headers), 403
    )
    ua_etag = (await client.get(f"{base}/translations/ua", headers=tanya.headers)).headers["etag"]
    problem(
        await client.put(
            f"{base}/translations/ua",
            json=text("Змінено"),
            headers={**tanya.headers, "If-Match": ua_etag},
        ),
        403,
    )
    problem(await client.post(f"{base}/translations/en/publish", headers=tanya.headers), 403)
    etag = (await client.get(base, headers=tanya.headers)).headers["etag"]
    problem(
        await client.patch(base, json={"sources": []}, headers={**tanya.headers, "If-Match": etag}),
        403,
    )
    problem(await client.post("/v1/admin/articles", json={"original_language": "en",
            "translations": {"en": text("x")}}, headers=tanya.headers), 403)  # fmt: skip
    assert sorted((await client.get(base, headers=admin.headers)).json()["translations"]) == [
        "en",
        "ua",
    ]


@pytest.mark.parametrize("role", [Role.author, Role.translator])
async def test_low_roles_on_every_staff_write_route(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, role: Role
) -> None:
    low = await make_key(app, role)
    tag = await create_term(client, admin, "tags", ua="НАТО")
    routes = [
        ("POST", "/v1/admin/tags", {"translations": {"ua": {"name": "X"}}}),
        ("PATCH", f"/v1/admin/tags/{tag['id']}", {"translations": {}}),
        ("DELETE", f"/v1/admin/tags/{tag['id']}", None),
        ("POST", "/v1/admin/categories", {"translations": {"ua": {"name": "X"}}}),
        ("POST", "/v1/admin/authors", {"translations": {"ua": {"name": "X"}}}),
        ("POST", "/v1/admin/media", {"url": "https://x.example/a.jpg", "width": 1, "height": 1}),
        ("POST", "/v1/admin/users", {}),
        ("GET", "/v1/admin/users", None),
        ("POST", "/v1/admin/api-keys", {"name": "x", "role": "admin"}),
        ("POST", "/v1/admin/languages", {}),
        ("DELETE", "/v1/admin/languages/ru", None),
    ]
    for method, path, body in routes:
        problem(await client.request(method, path, json=body, headers=low.headers), 403)
    # Reading what they need to write articles is fine.
    assert (await client.get("/v1/admin/tags", headers=low.headers)).status_code == 200
    assert len((await client.get("/v1/admin/tags", headers=admin.headers)).json()["items"]) == 1
