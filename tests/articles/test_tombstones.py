"""Deleting an article leaves a tombstone: its public URLs (every language, former slugs
too) answer 410, it is gone from every public list, search, feed and sitemap, its
revisions stay readable by staff, its slugs stay reserved, writes to it are refused; a
purge (admins only) removes it for good (issue 15, item 6)."""

import httpx
import pytest
from fastapi import FastAPI

from app.auth.service import Role
from app.cache.cache import ResponseCache
from tests.builders import (
    create_article,
    create_term,
    problem,
    publish,
    put_translation,
    text,
)
from tests.conftest import Credential, make_key


async def _etag(client: httpx.AsyncClient, who: Credential, path: str) -> str:
    response = await client.get(path, headers=who.headers)
    assert response.status_code == 200, response.text
    etag: str = response.headers["etag"]
    return etag


async def _delete(
    client: httpx.AsyncClient, who: Credential, article_id: str, *, purge: bool = False
) -> httpx.Response:
    path = f"/v1/admin/articles/{article_id}"
    admin_path_etag = await _etag(client, who, path)
    return await client.delete(
        path,
        params={"purge": "true"} if purge else {},
        headers={**who.headers, "If-Match": admin_path_etag},
    )


async def _two_languages(client: httpx.AsyncClient, admin: Credential) -> dict[str, str]:
    """A public article in ua and en, tagged, whose ua slug was renamed once (a former
    slug); returns its id, the current and former slugs and the tag's slug."""
    tag = await create_term(client, admin, "tags", ua="Річка", en="River")
    article = await create_article(
        client,
        admin,
        translations={"ua": text("Пором через Дніпро", body="<p>пором</p>")},
        tag_ids=[tag["id"]],
    )
    ident = article["id"]
    await publish(client, admin, ident, "ua")
    await put_translation(client, admin, ident, "en", text("Dnipro ferry", body="<p>ferry</p>"))
    await publish(client, admin, ident, "en")
    former = article["translations"]["ua"]["slug"]
    renamed = await put_translation(
        client, admin, ident, "ua", {**text("Пором через Дніпро"), "slug": "porom-dnipro"}
    )
    assert renamed.json()["slug"] == "porom-dnipro"
    assert (await client.get(f"/v1/ua/articles/{former}")).status_code == 301
    en = (await client.get(f"/v1/admin/articles/{ident}", headers=admin.headers)).json()
    return {
        "id": ident,
        "ua": "porom-dnipro",
        "former": former,
        "en": en["translations"]["en"]["slug"],
        "tag": tag["translations"]["en"]["slug"],
    }


@pytest.mark.usefixtures("steady_lease")
async def test_a_deleted_article_is_gone_from_every_public_path(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    art = await _two_languages(client, admin)
    cache: ResponseCache = app.state.response_cache
    hits = cache.store.hits
    for _ in range(2):  # cached before the delete
        for path in (f"/v1/ua/articles/{art['ua']}", f"/v1/en/articles/{art['en']}"):
            assert (await client.get(path)).status_code == 200
    assert cache.store.hits >= hits + 2
    assert (await client.get("/v1/en/articles", params={"q": "ferry"})).json()["items"]
    assert (await client.get(f"/v1/en/tags/{art['tag']}")).json()["article_count"] == 1
    preview = await client.post(
        f"/v1/admin/articles/{art['id']}/translations/en/preview", headers=admin.headers
    )
    assert (await client.get(preview.json()["path"])).status_code == 200

    editor = await make_key(app, Role.editor)
    deleted = await _delete(client, editor, art["id"])
    assert deleted.status_code == 204, deleted.text

    # Every public URL of it, in each language and the former slug: 410 Gone.
    for path in (
        f"/v1/ua/articles/{art['ua']}",
        f"/v1/en/articles/{art['en']}",
        f"/v1/ua/articles/{art['former']}",
    ):
        problem(await client.get(path), 410)
    problem(await client.get(f"/v1/articles/{art['id']}"), 410)
    # Absent from lists, search, feeds and sitemaps.
    for lang in ("ua", "en"):
        assert (await client.get(f"/v1/{lang}/articles")).json()["items"] == []
        feed = await client.get(f"/v1/{lang}/feed.rss")
        assert feed.status_code == 200
        assert art[lang] not in feed.text
    assert (await client.get("/v1/en/articles", params={"q": "ferry"})).json()["items"] == []
    assert (await client.get("/v1/ua/articles", params={"q": "пором"})).json()["items"] == []
    assert (await client.get(f"/v1/en/articles?tag={art['tag']}")).json()["items"] == []
    assert (await client.get(f"/v1/en/tags/{art['tag']}")).json()["article_count"] == 0
    problem(await client.get(preview.json()["path"]), 410)
    for sitemap in ("/v1/sitemaps/1.xml", "/v1/news-sitemap.xml"):
        answer = await client.get(sitemap)
        assert answer.status_code == 200
        assert art["ua"] not in answer.text and art["en"] not in answer.text


async def test_staff_read_a_tombstone_and_its_revisions_but_cannot_change_it(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    art = await _two_languages(client, admin)
    editor = await make_key(app, Role.editor)
    before = await client.get(f"/v1/admin/articles/{art['id']}/revisions", headers=editor.headers)
    count = len(before.json()["items"])
    assert (await _delete(client, editor, art["id"])).status_code == 204

    base = f"/v1/admin/articles/{art['id']}"
    shown = await client.get(base, headers=editor.headers)
    assert shown.status_code == 200
    body = shown.json()
    assert body["deleted_at"] is not None
    assert body["deleted_by"].startswith("api_key:")
    assert {t["status"] for t in body["translations"].values()} == {"archived"}
    assert not any(t["public"] for t in body["translations"].values())

    # Its revisions stay readable: the old ones and one "delete" per language version.
    revisions = await client.get(f"{base}/revisions", headers=editor.headers)
    assert revisions.status_code == 200
    items = revisions.json()["items"]
    assert len(items) == count + 2
    assert {(r["action"], r["language"]) for r in items[-2:]} == {
        ("delete", "ua"),
        ("delete", "en"),
    }
    first = await client.get(f"{base}/revisions/1", headers=editor.headers)
    assert first.status_code == 200 and first.json()["snapshot"]

    # Read-only: every write through its paths answers 410, and nothing changes.
    etag = shown.headers["etag"]
    h = {**editor.headers, "If-Match": etag}
    problem(await client.patch(base, json={"tag_ids": []}, headers=h), 410)
    problem(await client.put(f"{base}/translations/en", json=text("New"), headers=h), 410)
    problem(await client.put(f"{base}/translations/ru", json=text("Новое"), headers=h), 410)
    problem(await client.post(f"{base}/translations/ua/publish", headers=editor.headers), 410)
    problem(await client.delete(f"{base}/translations/en", headers=h), 410)
    problem(await client.post(f"{base}/revisions/1/restore", headers=editor.headers), 410)
    problem(await client.post(f"{base}/translations/ua/preview", headers=editor.headers), 410)
    problem(await client.delete(base, headers=h), 410)  # already deleted
    after = await client.get(base, headers=editor.headers)
    assert after.headers["etag"] == etag
    assert set(after.json()["translations"]) == {"ua", "en"}
    problem(await client.get(f"/v1/ua/articles/{art['ua']}"), 410)


async def test_the_admin_list_hides_tombstones_unless_asked(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    kept = await create_article(client, admin, translations={"ua": text("Лишається")})
    gone = await create_article(client, admin, translations={"ua": text("Видалена")})
    assert (await _delete(client, admin, gone["id"])).status_code == 204

    default = await client.get("/v1/admin/articles", headers=admin.headers)
    assert [a["id"] for a in default.json()["items"]] == [kept["id"]]
    assert default.json()["items"][0]["deleted_at"] is None
    only = await client.get("/v1/admin/articles?deleted=true", headers=admin.headers)
    assert [a["id"] for a in only.json()["items"]] == [gone["id"]]
    assert only.json()["items"][0]["deleted_at"] is not None
    problem(await client.get("/v1/admin/articles?deleted=maybe", headers=admin.headers), 422)


async def test_a_tombstone_keeps_its_slugs_reserved(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    art = await _two_languages(client, admin)
    assert (await _delete(client, admin, art["id"])).status_code == 204
    for slug in (art["ua"], art["former"]):
        r = await client.post(
            "/v1/admin/articles",
            json={
                "original_language": "ua",
                "translations": {"ua": {**text("Інша"), "slug": slug}},
            },
            headers=admin.headers,
        )
        problem(r, 409)
    # A slug derived from the same title steps around it.
    other = await create_article(client, admin, translations={"ua": text("Пором через Дніпро")})
    assert other["translations"]["ua"]["slug"] not in (art["ua"], art["former"])


async def test_a_draft_never_public_stays_404_after_delete(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    """A slug readers never saw reveals nothing: 404, as before the delete."""
    draft = await create_article(client, admin, translations={"ua": text("Чернетка")})
    slug = draft["translations"]["ua"]["slug"]
    assert (await _delete(client, admin, draft["id"])).status_code == 204
    problem(await client.get(f"/v1/ua/articles/{slug}"), 404)


@pytest.mark.parametrize("role", [Role.author, Role.translator])
async def test_authors_and_translators_cannot_delete(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, role: Role
) -> None:
    article = await create_article(client, admin)
    who = await make_key(app, role)
    path = f"/v1/admin/articles/{article['id']}"
    etag = await _etag(client, admin, path)
    for params in ({}, {"purge": "true"}):
        r = await client.delete(path, params=params, headers={**who.headers, "If-Match": etag})
        assert r.status_code in (403, 404), r.text  # an author does not see others' articles
        problem(r, r.status_code)
    assert (await client.get(path, headers=admin.headers)).json()["deleted_at"] is None


async def test_purge_is_for_admins_and_removes_it_for_good(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    art = await _two_languages(client, admin)
    editor = await make_key(app, Role.editor)
    base = f"/v1/admin/articles/{art['id']}"

    # An editor cannot purge, live or tombstone.
    problem(await _delete(client, editor, art["id"], purge=True), 403)
    assert (await client.get(f"/v1/ua/articles/{art['ua']}")).status_code == 200
    assert (await _delete(client, editor, art["id"])).status_code == 204
    problem(await _delete(client, editor, art["id"], purge=True), 403)
    assert (await client.get(base, headers=admin.headers)).status_code == 200

    # The purge needs the tombstone's current ETag.
    stale = await client.delete(
        base, params={"purge": "true"}, headers={**admin.headers, "If-Match": '"article-x-v1"'}
    )
    problem(stale, 412)
    assert (await _delete(client, admin, art["id"], purge=True)).status_code == 204
    problem(await client.get(base, headers=admin.headers), 404)
    problem(await client.get(f"{base}/revisions", headers=admin.headers), 404)
    for path in (
        f"/v1/ua/articles/{art['ua']}",
        f"/v1/en/articles/{art['en']}",
        f"/v1/ua/articles/{art['former']}",
        f"/v1/articles/{art['id']}",
    ):
        problem(await client.get(path), 404)
    # Its slugs are free again.
    again = await create_article(
        client, admin, translations={"ua": {**text("Новий пором"), "slug": art["ua"]}}
    )
    assert again["translations"]["ua"]["slug"] == art["ua"]


async def test_a_live_article_is_purged_in_one_call(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin, translations={"ua": text("Одразу")})
    await publish(client, admin, article["id"], "ua")
    slug = article["translations"]["ua"]["slug"]
    assert (await client.get(f"/v1/ua/articles/{slug}")).status_code == 200
    assert (await _delete(client, admin, article["id"], purge=True)).status_code == 204
    problem(await client.get(f"/v1/ua/articles/{slug}"), 404)
    problem(await client.get(f"/v1/admin/articles/{article['id']}", headers=admin.headers), 404)
