"""Staged edits of a live version (issue 15, item 1): a pending copy that readers never
see until an editor publishes it."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.auth.service import Role
from app.config import Settings
from app.models import utcnow
from tests.articles.test_permissions import _person
from tests.builders import create_article, problem, publish, text
from tests.cache.faults import cached, two_workers
from tests.conftest import Credential, make_key

LIVE = text("Метро відкрили", "Усі лінії працюють.", "<p>Потяги ходять щочотири хвилини.</p>")
STAGED = text(
    "Метро відкрили знову", "Червона лінія скорочена.", "<p>Синхрофазотрон зупинив потяги.</p>"
)
PUBLIC_PATHS = (
    "/v1/ua/articles",
    "/v1/ua/articles?q=синхрофазотрон",
    "/v1/ua/feed.rss",
    "/v1/sitemap.xml",
    "/v1/sitemaps/1.xml",
    "/v1/news-sitemap.xml",
)


@pytest.fixture
async def people(client: httpx.AsyncClient, admin: Credential) -> dict[str, Credential]:
    return {
        "alice": await _person(client, admin, "alice@newsroom.example", "author", []),
        "tanya": await _person(client, admin, "tanya@newsroom.example", "translator", ["en"]),
    }


async def _live_article(client: httpx.AsyncClient, who: Credential, admin: Credential) -> str:
    article = await create_article(
        client, who, translations={"ua": LIVE, "en": text("Metro reopens")}
    )
    await publish(client, admin, article["id"], "ua")
    await publish(client, admin, article["id"], "en")
    return str(article["id"])


async def _etag(client: httpx.AsyncClient, who: Credential, path: str) -> str:
    response = await client.get(path, headers=who.headers)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


async def _snapshot(client: httpx.AsyncClient, page: str) -> dict[str, tuple[int, bytes, str]]:
    answers = {}
    for path in (page, *PUBLIC_PATHS):
        r = await client.get(path)
        answers[path] = (r.status_code, r.content, r.headers.get("etag", ""))
    return answers


async def test_a_pending_copy_reaches_readers_only_when_an_editor_publishes_it(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    ident = await _live_article(client, admin, admin)
    base = f"/v1/admin/articles/{ident}/translations/ua"
    page = f"/v1/ua/articles/{(await client.get(base, headers=admin.headers)).json()['slug']}"
    link = (await client.post(f"{base}/preview", headers=admin.headers)).json()["path"]
    before = await _snapshot(client, page)
    assert {status for status, _, _ in before.values()} == {200}
    live = await client.get(base, headers=admin.headers)
    live_etag = live.headers["etag"]

    saved = await client.put(
        f"{base}/pending", json=STAGED, headers={**admin.headers, "If-Match": live_etag}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["title"] == "Метро відкрили знову"
    assert saved.json()["changed_fields"] == ["title", "lead", "body_html"]
    assert saved.json()["status"] == "published"

    # Readers: the same bytes and ETags everywhere (detail, lists, search, feeds, sitemaps).
    assert await _snapshot(client, page) == before
    found = await client.get("/v1/ua/articles", params={"q": "синхрофазотрон"})
    assert found.json()["items"] == []
    # Staff: the translation says so, and its ETag moved (the copy is part of it).
    read = await client.get(base, headers=admin.headers)
    assert read.json()["has_pending_changes"] is True
    assert read.json()["title"] == "Метро відкрили"
    assert read.headers["etag"] == saved.headers["etag"] != live_etag
    assert read.json()["version"] == live.json()["version"]  # the live row is untouched
    whole = await client.get(f"/v1/admin/articles/{ident}", headers=admin.headers)
    assert whole.json()["translations"]["ua"]["has_pending_changes"] is True
    assert whole.json()["translations"]["en"]["has_pending_changes"] is False
    # The preview shows the pending text.
    assert (await client.get(link)).json()["title"] == "Метро відкрили знову"

    # Publishing names the copy reviewed: missing → 428, the ETag before the copy → 412.
    problem(await client.post(f"{base}/pending/publish", headers=admin.headers), 428)
    stale = {**admin.headers, "If-Match": live_etag}
    problem(await client.post(f"{base}/pending/publish", headers=stale), 412)
    assert await _snapshot(client, page) == before

    editor = await make_key(app, Role.editor)
    published = await client.post(
        f"{base}/pending/publish", headers={**editor.headers, "If-Match": read.headers["etag"]}
    )
    assert published.status_code == 200, published.text
    assert published.json()["title"] == "Метро відкрили знову"
    assert published.json()["has_pending_changes"] is False
    assert published.json()["status"] == "published"
    shown = await client.get(page)
    assert shown.json()["title"] == "Метро відкрили знову"
    assert "Синхрофазотрон" in shown.json()["body_html"]
    found = await client.get("/v1/ua/articles", params={"q": "синхрофазотрон"})
    assert [i["id"] for i in found.json()["items"]] == [ident]
    problem(await client.get(f"{base}/pending", headers=admin.headers), 404)

    history = await client.get(f"/v1/admin/articles/{ident}/revisions", headers=admin.headers)
    actions = [(r["action"], r["changed_fields"]) for r in history.json()["items"]]
    assert ("stage_translation", ["body_html", "lead", "title"]) in [
        (a, sorted(f)) for a, f in actions
    ]
    assert actions[-1][0] == "publish_pending"
    assert sorted(actions[-1][1]) == ["body_html", "lead", "title"]


async def test_two_workers_serve_the_live_text_until_the_copy_is_published(
    settings: Settings, seeded_languages: list[dict[str, Any]]
) -> None:
    async with two_workers(settings, seeded_languages) as ((_, a), (b_app, b), admin):
        ident = await _live_article(a, admin, admin)
        base = f"/v1/admin/articles/{ident}/translations/ua"
        page = f"/v1/ua/articles/{(await a.get(base, headers=admin.headers)).json()['slug']}"
        held = await cached(b_app, b, page)
        held_list = await cached(b_app, b, "/v1/ua/articles")
        etag = await _etag(a, admin, base)
        saved = await a.put(
            f"{base}/pending", json=STAGED, headers={**admin.headers, "If-Match": etag}
        )
        assert saved.status_code == 200, saved.text
        # Nothing was purged: worker B still answers from its cache, the same bytes.
        again = await cached(b_app, b, page)
        assert again.content == held.content
        assert (await cached(b_app, b, "/v1/ua/articles")).content == held_list.content
        published = await a.post(
            f"{base}/pending/publish", headers={**admin.headers, "If-Match": saved.headers["etag"]}
        )
        assert published.status_code == 200, published.text
        assert (await b.get(page)).json()["title"] == "Метро відкрили знову"  # at once
        titles = [i["title"] for i in (await b.get("/v1/ua/articles")).json()["items"]]
        assert titles == ["Метро відкрили знову"]


async def test_authors_and_translators_save_live_versions_as_pending_copies(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, people: dict[str, Credential]
) -> None:
    alice, tanya = people["alice"], people["tanya"]
    ident = await _live_article(client, alice, admin)
    base = f"/v1/admin/articles/{ident}"
    en_page = (await client.get(f"{base}/translations/en", headers=admin.headers)).json()["path"]

    # The translator's PUT of the live English version: 202, the pending copy.
    etag = await _etag(client, tanya, f"{base}/translations/en")
    staged = await client.put(
        f"{base}/translations/en",
        json=text("Metro reopens, Red line cut"),
        headers={**tanya.headers, "If-Match": etag},
    )
    assert staged.status_code == 202, staged.text
    assert staged.json()["title"] == "Metro reopens, Red line cut"
    assert staged.json()["saved_by"].startswith("user:")
    assert (await client.get(en_page)).json()["title"] == "Metro reopens"
    # Her PATCH goes on editing the copy, not the live text.
    patched = await client.patch(
        f"{base}/translations/en",
        json={"lead": "Red line: every six minutes."},
        headers={
            **tanya.headers,
            "If-Match": staged.headers["etag"],
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert patched.status_code == 202, patched.text
    assert patched.json()["title"] == "Metro reopens, Red line cut"
    assert patched.json()["lead"] == "Red line: every six minutes."
    # Not in another language; she may not publish; she may read and discard her copy.
    as_tanya = {**tanya.headers, "If-Match": patched.headers["etag"]}
    ua_etag = await _etag(client, admin, f"{base}/translations/ua")
    problem(
        await client.put(
            f"{base}/translations/ua/pending",
            json=STAGED,
            headers={**tanya.headers, "If-Match": ua_etag},
        ),
        403,
    )
    problem(await client.post(f"{base}/translations/en/pending/publish", headers=as_tanya), 403)
    problem(await client.delete(f"{base}/translations/en", headers=as_tanya), 403)
    read = await client.get(f"{base}/translations/en/pending", headers=tanya.headers)
    assert read.json()["changed_fields"] == ["title", "lead"]
    discarded = await client.delete(f"{base}/translations/en/pending", headers=as_tanya)
    assert discarded.status_code == 204, discarded.text
    assert (await client.get(en_page)).json()["title"] == "Metro reopens"
    after = (await client.get(f"{base}/translations/en", headers=admin.headers)).json()
    assert after["has_pending_changes"] is False
    assert after["title"] == "Metro reopens"

    # The author's PUT of her own live original: 202; an editor publishes it.
    ua_etag = await _etag(client, alice, f"{base}/translations/ua")
    staged = await client.put(
        f"{base}/translations/ua", json=STAGED, headers={**alice.headers, "If-Match": ua_etag}
    )
    assert staged.status_code == 202, staged.text
    problem(
        await client.post(
            f"{base}/translations/ua/pending/publish",
            headers={**alice.headers, "If-Match": staged.headers["etag"]},
        ),
        403,
    )
    # Another author's article does not exist for her colleague.
    bob = await _person(client, admin, "bob@newsroom.example", "author", [])
    problem(await client.get(f"{base}/translations/ua/pending", headers=bob.headers), 404)
    editor = await make_key(app, Role.editor)
    published = await client.post(
        f"{base}/translations/ua/pending/publish",
        headers={**editor.headers, "If-Match": staged.headers["etag"]},
    )
    assert published.status_code == 200, published.text
    revisions = (await client.get(f"{base}/revisions", headers=admin.headers)).json()["items"]
    actions = [r["action"] for r in revisions]
    assert actions.count("stage_translation") == 3
    assert "discard_pending" in actions
    assert actions[-1] == "publish_pending"


async def test_only_a_live_version_has_a_pending_copy(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin, translations={"ua": LIVE})
    base = f"/v1/admin/articles/{article['id']}/translations/ua"
    etag = await _etag(client, admin, base)
    body = problem(
        await client.put(
            f"{base}/pending", json=STAGED, headers={**admin.headers, "If-Match": etag}
        ),
        409,
    )
    assert "draft" in body["detail"]
    problem(await client.get(f"{base}/pending", headers=admin.headers), 404)
    as_admin = {**admin.headers, "If-Match": etag}
    problem(await client.post(f"{base}/pending/publish", headers=as_admin), 404)
    problem(await client.delete(f"{base}/pending", headers=as_admin), 404)
    # Unknown fields and a missing If-Match are refused as on the translation PUT.
    await publish(client, admin, article["id"], "ua")
    etag = await _etag(client, admin, base)
    as_admin = {**admin.headers, "If-Match": etag}
    problem(await client.put(f"{base}/pending", json={**STAGED, "x": 1}, headers=as_admin), 422)
    problem(await client.put(f"{base}/pending", json=STAGED, headers=admin.headers), 428)
    read = await client.get(base, headers=admin.headers)
    assert read.json()["has_pending_changes"] is False
    assert read.headers["etag"] == etag


async def test_an_editor_edits_a_live_version_at_once_and_keeps_the_copy(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    ident = await _live_article(client, admin, admin)
    base = f"/v1/admin/articles/{ident}/translations/ua"
    editor = await make_key(app, Role.editor)
    etag = await _etag(client, editor, base)
    staged = await client.put(
        f"{base}/pending", json=STAGED, headers={**editor.headers, "If-Match": etag}
    )
    fixed = await client.put(
        base,
        json=text("Метро відкрили!", LIVE["lead"], LIVE["body_html"]),
        headers={**editor.headers, "If-Match": staged.headers["etag"]},
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["has_pending_changes"] is True
    shown = await client.get(f"/v1/ua/articles/{fixed.json()['slug']}")
    assert shown.json()["title"] == "Метро відкрили!"


async def test_publishing_a_copy_keeps_the_schedule_and_redirects_an_old_slug(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    ident = await _live_article(client, admin, admin)
    at = utcnow() + timedelta(days=1)
    await publish(client, admin, ident, "en", at=at)  # reschedule the English version
    base = f"/v1/admin/articles/{ident}/translations"
    etag = await _etag(client, admin, f"{base}/en")
    staged = await client.put(
        f"{base}/en/pending",
        json={**text("Metro reopens tonight"), "slug": "metro-reopens-tonight"},
        headers={**admin.headers, "If-Match": etag},
    )
    assert staged.json()["slug"] == "metro-reopens-tonight"
    done = await client.post(
        f"{base}/en/pending/publish", headers={**admin.headers, "If-Match": staged.headers["etag"]}
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "scheduled"
    assert done.json()["slug"] == "metro-reopens-tonight"
    assert done.json()["publish_at"].startswith(at.isoformat()[:19])

    # A published version's old slug answers 301 once its copy renamed it.
    ua = (await client.get(f"{base}/ua", headers=admin.headers)).json()
    staged = await client.put(
        f"{base}/ua/pending",
        json={**STAGED, "slug": "metro-vidkryly-znovu"},
        headers={**admin.headers, "If-Match": await _etag(client, admin, f"{base}/ua")},
    )
    await client.post(
        f"{base}/ua/pending/publish", headers={**admin.headers, "If-Match": staged.headers["etag"]}
    )
    moved = await client.get(ua["path"])
    assert moved.status_code == 301
    assert moved.headers["location"].endswith("/v1/ua/articles/metro-vidkryly-znovu")


async def test_a_copy_outlives_a_takedown_and_goes_with_its_version(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    ident = await _live_article(client, admin, admin)
    base = f"/v1/admin/articles/{ident}/translations"
    etag = await _etag(client, admin, f"{base}/en")
    staged = await client.put(
        f"{base}/en/pending",
        json=text("Metro reopens tonight"),
        headers={**admin.headers, "If-Match": etag},
    )
    assert staged.status_code == 200, staged.text
    # Unpublished, the version keeps its copy (to publish or discard later) but takes no new one.
    down = await client.post(f"{base}/en/unpublish", headers=admin.headers)
    assert down.json()["has_pending_changes"] is True
    as_admin = {**admin.headers, "If-Match": down.headers["etag"]}
    problem(await client.put(f"{base}/en/pending", json=STAGED, headers=as_admin), 409)
    assert (await client.get(f"{base}/en/pending", headers=admin.headers)).status_code == 200
    # Deleting the version, then the article, takes the copies along.
    await client.put(
        f"{base}/ua/pending",
        json=STAGED,
        headers={**admin.headers, "If-Match": await _etag(client, admin, f"{base}/ua")},
    )
    deleted = await client.delete(f"{base}/en", headers=as_admin)
    assert deleted.status_code == 204, deleted.text
    article_etag = await _etag(client, admin, f"/v1/admin/articles/{ident}")
    gone = await client.delete(
        f"/v1/admin/articles/{ident}", headers={**admin.headers, "If-Match": article_etag}
    )
    assert gone.status_code == 204, gone.text
    problem(await client.get(f"{base}/ua/pending", headers=admin.headers), 404)
