"""Publishing several language versions at once (issue 15, item 3):
`POST /v1/admin/articles/{id}/publish` — all or none, one revision, editors only."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.articles.test_permissions import _person
from tests.builders import create_article, problem, text
from tests.conftest import Credential

TRANSLATIONS = {
    "ua": text("Метро знову працює", "Усі три лінії відкриті."),
    "en": text("Metro runs again", "All three lines are open."),
    "ru": text("Метро снова работает", "Все три линии открыты."),
}


async def _article(client: httpx.AsyncClient, admin: Credential) -> dict[str, Any]:
    return await create_article(client, admin, translations=TRANSLATIONS)


async def _state(
    client: httpx.AsyncClient, admin: Credential, article: dict[str, Any]
) -> tuple[str, dict[str, Any], int]:
    """The article's ETag, its translations and its number of revisions."""
    base = f"/v1/admin/articles/{article['id']}"
    read = await client.get(base, headers=admin.headers)
    revisions = await client.get(f"{base}/revisions", headers=admin.headers)
    return read.headers["etag"], read.json()["translations"], len(revisions.json()["items"])


async def test_publishes_the_chosen_languages_in_one_revision(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await _article(client, admin)
    etag, _, revisions = await _state(client, admin, article)
    r = await client.post(
        f"/v1/admin/articles/{article['id']}/publish",
        json={"languages": ["ua", "en"]},
        headers={**admin.headers, "If-Match": etag},
    )
    assert r.status_code == 200, r.text
    read = r.json()
    assert {lang: t["status"] for lang, t in read["translations"].items()} == {
        "en": "published", "ru": "draft", "ua": "published",
    }  # fmt: skip
    assert read["translations"]["ua"]["publish_at"] == read["translations"]["en"]["publish_at"]
    assert r.headers["etag"] != etag
    for lang in ("ua", "en"):
        slug = read["translations"][lang]["slug"]
        assert (await client.get(f"/v1/{lang}/articles/{slug}")).status_code == 200
    ru_page = f"/v1/ru/articles/{read['translations']['ru']['slug']}"
    assert (await client.get(ru_page)).status_code == 404
    # One revision for the call, naming each language's change.
    items = (
        await client.get(f"/v1/admin/articles/{article['id']}/revisions", headers=admin.headers)
    ).json()["items"]
    assert len(items) == revisions + 1
    last = items[-1]
    assert (last["action"], last["language"]) == ("publish_languages", None)
    assert last["changed_fields"] == ["en.publish_at", "en.status", "ua.publish_at", "ua.status"]
    full = await client.get(
        f"/v1/admin/articles/{article['id']}/revisions/{last['number']}", headers=admin.headers
    )
    snapshot = full.json()["snapshot"]
    assert snapshot["languages"] == ["ua", "en"]
    assert {lang: s["status"] for lang, s in snapshot["translations"].items()} == {
        "en": "published", "ua": "published",
    }  # fmt: skip
    # It has no content to restore.
    restore = await client.post(
        f"/v1/admin/articles/{article['id']}/revisions/{last['number']}/restore",
        headers={**admin.headers, "If-Match": r.headers["etag"]},
    )
    problem(restore, 409)
    # The old ETag is stale now.
    again = await client.post(
        f"/v1/admin/articles/{article['id']}/publish",
        json={"languages": ["ru"]},
        headers={**admin.headers, "If-Match": etag},
    )
    problem(again, 412)


async def test_schedules_with_a_takedown(client: httpx.AsyncClient, admin: Credential) -> None:
    article = await _article(client, admin)
    publish_at = datetime.now(UTC) + timedelta(days=1)
    expire_at = publish_at + timedelta(days=30)
    r = await client.post(
        f"/v1/admin/articles/{article['id']}/publish",
        json={
            "languages": ["en", "ru", "ua"],
            "publish_at": publish_at.isoformat(),
            "expire_at": expire_at.isoformat(),
        },
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    for t in r.json()["translations"].values():
        assert (t["status"], t["public"], t["expire_status"]) == ("scheduled", False, "draft")
        assert datetime.fromisoformat(t["publish_at"]) == publish_at
        assert datetime.fromisoformat(t["expire_at"]) == expire_at
    assert (await client.get("/v1/ua/articles")).json()["items"] == []


async def test_all_or_none(client: httpx.AsyncClient, admin: Credential) -> None:
    article = await create_article(
        client, admin, translations={k: TRANSLATIONS[k] for k in ("ua", "en")}
    )
    # `ua` is live already, with a takedown ahead: a refused call must leave that too.
    r = await client.post(
        f"/v1/admin/articles/{article['id']}/translations/ua/publish",
        json={"expire_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()},
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    before = await _state(client, admin, article)
    now = datetime.now(UTC)
    other = await create_article(client, admin, translations={"ua": text("Без перекладу")})
    refused: list[tuple[dict[str, Any], int, list[Any] | None]] = [
        ({"languages": ["ua", "xx"]}, 422, ["body", "languages", "xx"]),
        ({"languages": ["ua", "en", "ru"]}, 422, ["body", "languages", 2]),
        ({"languages": ["en", "en"]}, 422, None),
        ({"languages": []}, 422, None),
        ({"languages": ["ua", "en"], "publish_at": now.isoformat(),
          "expire_at": (now - timedelta(hours=1)).isoformat()}, 422, None),
        ({"languages": ["en"], "expire_at": (now - timedelta(hours=1)).isoformat()}, 422,
         ["body", "expire_at"]),
        ({"languages": ["ua", "en"], "status": "published"}, 422, None),
    ]  # fmt: skip
    for body, status, loc in refused:
        r = await client.post(
            f"/v1/admin/articles/{article['id']}/publish", json=body, headers=admin.headers
        )
        answer = problem(r, status)
        if loc is not None:
            assert answer["errors"][0]["loc"] == loc, answer
    stale = await client.post(
        f"/v1/admin/articles/{article['id']}/publish",
        json={"languages": ["en"]},
        headers={**admin.headers, "If-Match": (await _state(client, admin, other))[0]},
    )
    problem(stale, 412)
    assert await _state(client, admin, article) == before
    assert (await client.get("/v1/en/articles")).json()["items"] == []
    problem(
        await client.post(
            "/v1/admin/articles/6f1c2d8e-0b4a-4c1e-9a57-3f2b8c9d0e1f/publish",
            json={"languages": ["ua"]},
            headers=admin.headers,
        ),
        404,
    )


async def test_only_editors_and_admins(client: httpx.AsyncClient, admin: Credential) -> None:
    author = await _person(client, admin, "olha@newsroom.example", "author", [])
    translator = await _person(client, admin, "taras@newsroom.example", "translator", ["en"])
    editor = await _person(client, admin, "ivan@newsroom.example", "editor", [])
    made = await client.post(
        "/v1/admin/articles",
        json={"original_language": "ua", "translations": TRANSLATIONS},
        headers=author.headers,
    )
    assert made.status_code == 201, made.text
    article = made.json()
    before = await _state(client, admin, article)
    for who, languages in ((author, ["ua", "en"]), (translator, ["en"])):
        r = await client.post(
            f"/v1/admin/articles/{article['id']}/publish",
            json={"languages": languages},
            headers=who.headers,
        )
        problem(r, 403)
    assert await _state(client, admin, article) == before
    r = await client.post(
        f"/v1/admin/articles/{article['id']}/publish",
        json={"languages": ["en", "ua"]},
        headers=editor.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["translations"]["en"]["public"] is True
    assert r.json()["translations"]["ua"]["public"] is True
