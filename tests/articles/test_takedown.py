"""Scheduled takedown (issue 15, item 4): `expire_at` on publish, `unpublish`/`archive`
with a later `at`, and the one visibility rule `publish_at <= now < expire_at` on every
public path (detail, lists, search, feeds, sitemaps, counts, alternates, the response
cache), with 404 after an unpublish and 410 after an archive. Times are a few seconds
ahead: each test sleeps once, until its takedown has passed."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from tests.articles.test_permissions import _person
from tests.builders import create_article, create_term, problem, publish, text
from tests.cache.faults import cached
from tests.conftest import Credential

AHEAD = timedelta(
    seconds=6
)  # room for the checks before it on a loaded machine (feeds read bodies)


def _path(article: dict[str, Any], lang: str) -> str:
    return f"/v1/admin/articles/{article['id']}/translations/{lang}"


async def _until(moment: datetime) -> None:
    """Sleep until just after `moment`."""
    await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 0.05)


def _titles(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def _tag_count(client: httpx.AsyncClient, slug: str) -> int:
    tags = (await client.get("/v1/ua/tags")).json()["items"]
    count: int = next(t["article_count"] for t in tags if t["slug"] == slug)
    return count


async def _alternates(client: httpx.AsyncClient, path: str) -> list[str]:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return [a["language"] for a in response.json()["alternates"] if not a["current"]]


async def test_an_expiring_version_is_public_until_expire_at_then_gone_everywhere(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    tag = await create_term(client, admin, "tags", ua="Транспорт", en="Transport")
    article = await create_article(
        client,
        admin,
        translations={
            "ua": text("Подільський міст закрито", "Ремонт триватиме тиждень."),
            "en": text("Podilskyi bridge closed", "Repairs will take a week."),
        },
        tag_ids=[tag["id"]],
    )
    await publish(client, admin, article["id"], "en")
    en_page = f"/v1/en/articles/{article['translations']['en']['slug']}"
    ua_slug = article["translations"]["ua"]["slug"]
    page = f"/v1/ua/articles/{ua_slug}"

    expire_at = datetime.now(UTC) + AHEAD
    published = await client.post(
        f"{_path(article, 'ua')}/publish",
        json={"expire_at": expire_at.isoformat()},
        headers=admin.headers,
    )
    assert published.status_code == 200, published.text
    read = published.json()
    assert (read["status"], read["public"], read["expire_status"]) == ("published", True, "draft")
    assert datetime.fromisoformat(read["expire_at"]) == expire_at

    # Public until then, on every path; the page and the list come from the cache.
    assert (await cached(app, client, page)).status_code == 200
    assert _titles(await cached(app, client, "/v1/ua/articles")) == ["Подільський міст закрито"]
    assert _titles(await client.get("/v1/ua/articles", params={"q": "Подільський"})) == [
        "Подільський міст закрито"
    ]
    assert "Подільський міст закрито" in (await client.get("/v1/ua/feed.rss")).text
    assert ua_slug in (await client.get("/v1/sitemaps/1.xml")).text
    assert ua_slug in (await client.get("/v1/news-sitemap.xml")).text
    assert await _tag_count(client, tag["translations"]["ua"]["slug"]) == 1
    assert await _alternates(client, en_page) == ["ua"]
    assert datetime.now(UTC) < expire_at, "the machine is too slow for this test's timing"

    await _until(expire_at)
    # Gone everywhere, with no write: the cached page and list are not served any more.
    problem(await client.get(page), 404)
    assert _titles(await client.get("/v1/ua/articles")) == []
    assert _titles(await client.get("/v1/ua/articles", params={"q": "Подільський"})) == []
    assert "Подільський міст закрито" not in (await client.get("/v1/ua/feed.rss")).text
    assert ua_slug not in (await client.get("/v1/sitemaps/1.xml")).text
    assert ua_slug not in (await client.get("/v1/news-sitemap.xml")).text
    assert await _tag_count(client, tag["translations"]["ua"]["slug"]) == 0
    assert await _alternates(client, en_page) == []
    assert (await client.get(en_page)).status_code == 200  # the other language stays
    # The admin read shows what it turned into, and when.
    admin_read = (await client.get(_path(article, "ua"), headers=admin.headers)).json()
    assert (admin_read["status"], admin_read["public"]) == ("draft", False)
    assert datetime.fromisoformat(admin_read["expire_at"]) == expire_at
    listed = await client.get(
        "/v1/admin/articles", params={"status": "draft", "language": "ua"}, headers=admin.headers
    )
    assert [a["id"] for a in listed.json()["items"]] == [article["id"]]
    listed = await client.get(
        "/v1/admin/articles", params={"status": "published"}, headers=admin.headers
    )
    assert [a["translations"]["ua"]["status"] for a in listed.json()["items"]] == ["draft"]


async def test_after_its_time_an_unpublish_answers_404_and_an_archive_410(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    down = await create_article(client, admin, translations={"ua": text("Знімуть о пів на")})
    archived = await create_article(client, admin, translations={"ua": text("Заархівують")})
    for article in (down, archived):
        await publish(client, admin, article["id"], "ua")
    at = datetime.now(UTC) + AHEAD
    for article, action in ((down, "unpublish"), (archived, "archive")):
        r = await client.post(
            f"{_path(article, 'ua')}/{action}", json={"at": at.isoformat()}, headers=admin.headers
        )
        assert r.status_code == 200, r.text
        # Still public until `at`; the takedown is shown.
        assert (r.json()["status"], r.json()["public"]) == ("published", True)
        assert r.json()["expire_status"] == ("draft" if action == "unpublish" else "archived")
    pages = {
        "unpublish": f"/v1/ua/articles/{down['translations']['ua']['slug']}",
        "archive": f"/v1/ua/articles/{archived['translations']['ua']['slug']}",
    }
    for path in pages.values():
        assert (await client.get(path)).status_code == 200
    assert len(_titles(await client.get("/v1/ua/articles"))) == 2

    await _until(at)
    problem(await client.get(pages["unpublish"]), 404)
    problem(await client.get(pages["archive"]), 410)
    assert _titles(await client.get("/v1/ua/articles")) == []
    statuses = [
        (await client.get(_path(a, "ua"), headers=admin.headers)).json()["status"]
        for a in (down, archived)
    ]
    assert statuses == ["draft", "archived"]
    # No longer live: a translator may write it again (only publishers change live text).
    translator = await _person(client, admin, "taras@newsroom.example", "translator", ["ua"])
    current = await client.get(_path(down, "ua"), headers=admin.headers)
    r = await client.put(
        _path(down, "ua"),
        json=text("Виправлена чернетка"),
        headers={**translator.headers, "If-Match": current.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["title"]) == ("draft", "Виправлена чернетка")
    # The next transition starts from what it reads as: a draft can be submitted again,
    # and a republish shows it without the old takedown.
    submitted = await client.post(f"{_path(down, 'ua')}/submit", headers=admin.headers)
    assert submitted.status_code == 200, submitted.text
    assert (submitted.json()["status"], submitted.json()["expire_at"]) == ("in_review", None)
    again = await publish(client, admin, archived["id"], "ua")
    assert (again["status"], again["expire_at"], again["expire_status"]) == (
        "published",
        None,
        None,
    )
    assert (await client.get(pages["archive"])).status_code == 200


async def test_takedown_times_past_absent_and_refused(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin, translations={"ua": text("Часи зняття")})
    path = _path(article, "ua")
    now = datetime.now(UTC)
    # A takedown later of a version that is not live: nothing to take down (409).
    for action in ("unpublish", "archive"):
        r = await client.post(
            f"{path}/{action}", json={"at": (now + timedelta(hours=1)).isoformat()},
            headers=admin.headers,
        )  # fmt: skip
        problem(r, 409)
    # Scheduled for tomorrow: a takedown before it would never let it appear (422).
    tomorrow = now + timedelta(days=1)
    await publish(client, admin, article["id"], "ua", at=tomorrow)
    r = await client.post(
        f"{path}/unpublish", json={"at": (now + timedelta(hours=1)).isoformat()},
        headers=admin.headers,
    )  # fmt: skip
    assert problem(r, 422)["errors"][0]["loc"] == ["body", "at"]
    # After it: scheduled, with the takedown recorded in a revision.
    r = await client.post(
        f"{path}/archive", json={"at": (tomorrow + timedelta(days=7)).isoformat()},
        headers=admin.headers,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["expire_status"]) == ("scheduled", "archived")
    revisions = await client.get(
        f"/v1/admin/articles/{article['id']}/revisions", headers=admin.headers
    )
    last = revisions.json()["items"][-1]
    assert (last["action"], last["language"]) == ("archive", "ua")
    assert last["changed_fields"] == ["expire_at", "expire_status"]
    # A past `at` (or none) acts now.
    r = await client.post(
        f"{path}/unpublish", json={"at": (now - timedelta(minutes=5)).isoformat()},
        headers=admin.headers,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["publish_at"], r.json()["expire_at"]) == (
        "draft", None, None,
    )  # fmt: skip


async def test_publish_times_are_checked(client: httpx.AsyncClient, admin: Credential) -> None:
    article = await create_article(client, admin, translations={"ua": text("Перевірка часу")})
    path = f"{_path(article, 'ua')}/publish"
    now = datetime.now(UTC)
    for body, field in (
        ({"publish_at": now.isoformat(), "expire_at": now.isoformat()}, "expire_at"),
        ({"publish_at": (now + timedelta(hours=2)).isoformat(),
          "expire_at": (now + timedelta(hours=1)).isoformat()}, "expire_at"),
        ({"expire_at": (now - timedelta(seconds=1)).isoformat()}, "expire_at"),
        ({"publish_at": (now - timedelta(days=2)).isoformat(),
          "expire_at": (now - timedelta(days=1)).isoformat()}, "expire_at"),
    ):  # fmt: skip
        body_ = problem(await client.post(path, json=body, headers=admin.headers), 422)
        assert body_["errors"][0]["loc"][:2] == ["body", field], body_
    read = (await client.get(_path(article, "ua"), headers=admin.headers)).json()
    assert (read["status"], read["version"], read["expire_at"]) == ("draft", 1, None)
    # A publish replaces a takedown scheduled before.
    later = now + timedelta(days=3)
    r = await client.post(path, json={"expire_at": later.isoformat()}, headers=admin.headers)
    assert datetime.fromisoformat(r.json()["expire_at"]) == later
    r = await client.post(path, json={}, headers=admin.headers)
    assert (r.json()["expire_at"], r.json()["expire_status"]) == (None, None)


async def test_unknown_fields_in_any_transition_body_are_refused(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin, translations={"ua": text("Суворі тіла")})
    await publish(client, admin, article["id"], "ua")
    before = (await client.get(_path(article, "ua"), headers=admin.headers)).json()
    for action, body in (
        ("publish", {"publish_at": None, "when": "now"}),
        ("unpublish", {"reason": "legal"}),
        ("unpublish", {"at": None, "publish_at": None}),
        ("archive", {"expire_at": "2030-01-01T00:00:00Z"}),
        ("submit", {"note": "please"}),
        ("unpublish", ["at"]),
    ):
        r = await client.post(f"{_path(article, 'ua')}/{action}", json=body, headers=admin.headers)
        problem(r, 422)
    r = await client.post(
        f"/v1/admin/articles/{article['id']}/publish",
        json={"languages": ["ua"], "expire": None},
        headers=admin.headers,
    )
    problem(r, 422)
    after = (await client.get(_path(article, "ua"), headers=admin.headers)).json()
    assert after == before
    assert (await client.get(f"/v1/ua/articles/{before['slug']}")).status_code == 200


async def test_only_publishers_schedule_a_takedown(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    author = await _person(client, admin, "olha@newsroom.example", "author", [])
    translator = await _person(client, admin, "taras@newsroom.example", "translator", ["ua"])
    editor = await _person(client, admin, "ivan@newsroom.example", "editor", [])
    made = await client.post(
        "/v1/admin/articles",
        json={"original_language": "ua", "translations": {"ua": text("Авторська")}},
        headers=author.headers,
    )
    assert made.status_code == 201, made.text
    article = made.json()
    await publish(client, admin, article["id"], "ua")
    at = {"at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}
    for who in (author, translator):
        for action in ("unpublish", "archive"):
            r = await client.post(f"{_path(article, 'ua')}/{action}", json=at, headers=who.headers)
            problem(r, 403)
        r = await client.post(
            f"{_path(article, 'ua')}/publish",
            json={"expire_at": at["at"]},
            headers=who.headers,
        )
        problem(r, 403)
    r = await client.post(f"{_path(article, 'ua')}/archive", json=at, headers=editor.headers)
    assert r.status_code == 200, r.text
    assert r.json()["expire_status"] == "archived"
    # While it is live (a takedown ahead), the author's save only stages a pending copy.
    r = await client.put(
        _path(article, "ua"), json=text("Змінена"), headers={**author.headers, "If-Match": "*"}
    )
    assert r.status_code == 202, r.text
    live = await client.get(_path(article, "ua"), headers=admin.headers)
    assert live.json()["title"] != "Змінена"
    assert live.json()["has_pending_changes"] is True
