"""Slug history (old URLs answer 301) and translation freshness (outdated translations)."""

import httpx

from tests.builders import create_article, problem, publish, put_translation, text
from tests.conftest import Credential


async def test_old_slug_redirects_and_stays_reserved(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin, translations={"ua": text("Стара назва")})
    art = article["id"]
    await publish(client, admin, art, "ua")
    await put_translation(client, admin, art, "ua", {**text("Нова назва"), "slug": "nova-nazva"})
    r = await client.get("/v1/ua/articles/stara-nazva")
    assert r.status_code == 301
    assert r.headers["location"] == "/v1/ua/articles/nova-nazva"
    assert (await client.get("/v1/ua/articles/nova-nazva")).status_code == 200
    # Another article cannot take the old slug: derived ones are numbered, given ones refused.
    other = await create_article(client, admin, translations={"ua": text("Стара назва")})
    assert other["translations"]["ua"]["slug"] == "stara-nazva-2"
    r = await client.post(
        "/v1/admin/articles",
        json={
            "original_language": "ua",
            "translations": {"ua": {**text("x"), "slug": "stara-nazva"}},
        },
        headers=admin.headers,
    )
    problem(r, 409)
    # The article itself may take its old slug back; the new one then redirects.
    await put_translation(client, admin, art, "ua", {**text("Стара назва"), "slug": "stara-nazva"})
    assert (await client.get("/v1/ua/articles/stara-nazva")).status_code == 200
    r = await client.get("/v1/ua/articles/nova-nazva")
    assert r.status_code == 301
    assert r.headers["location"] == "/v1/ua/articles/stara-nazva"


async def test_slug_of_another_language_redirects_to_this_language(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(
        client,
        admin,
        translations={"ua": text("Київ"), "en": text("Kyiv news"), "ru": text("Киев")},
    )
    art = article["id"]
    await publish(client, admin, art, "en")
    await publish(client, admin, art, "ua")
    r = await client.get("/v1/ua/articles/kyiv-news")
    assert r.status_code == 301
    assert r.headers["location"] == "/v1/ua/articles/kyiv"
    # No public Russian version: 404, never another language's text.
    problem(await client.get("/v1/ru/articles/kyiv-news"), 404)
    # A draft's own slug is a plain 404 (its existence is not revealed).
    problem(await client.get("/v1/ru/articles/kiev"), 404)


async def test_translation_becomes_outdated_when_the_original_text_changes(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin, translations={"ua": text("Оригінал")})
    art = article["id"]
    await put_translation(client, admin, art, "en", text("Original"))
    await put_translation(client, admin, art, "ru", text("Оригинал"))
    view = (await client.get(f"/v1/admin/articles/{art}", headers=admin.headers)).json()
    assert view["translations"]["en"]["outdated"] is False
    assert (
        view["translations"]["en"]["source_revision"]
        == view["translations"]["ru"]["source_revision"]
    )
    # Publishing or re-saving the original without text changes does not outdate anything.
    await publish(client, admin, art, "ua")
    await put_translation(client, admin, art, "ua", text("Оригінал"))
    view = (await client.get(f"/v1/admin/articles/{art}", headers=admin.headers)).json()
    assert [t["outdated"] for t in view["translations"].values()] == [False, False, False]

    await put_translation(client, admin, art, "ua", text("Оригінал", body="<p>Новий абзац.</p>"))
    await put_translation(
        client, admin, art, "ua", text("Оригінал (оновлено)", body="<p>Новий абзац.</p>")
    )
    view = (await client.get(f"/v1/admin/articles/{art}", headers=admin.headers)).json()
    en = view["translations"]["en"]
    assert en["outdated"] is True
    assert en["outdated_fields"] == ["body_html", "title"]
    assert view["translations"]["ua"]["outdated"] is False

    listed = await client.get("/v1/admin/articles?outdated=true&language=en", headers=admin.headers)
    assert [a["id"] for a in listed.json()["items"]] == [art]
    assert listed.json()["items"][0]["translations"]["en"]["outdated"] is True

    # The translator updates English: it is fresh again; Russian is still outdated.
    await put_translation(client, admin, art, "en", text("Original (updated)", body="<p>New.</p>"))
    translation = await client.get(
        f"/v1/admin/articles/{art}/translations/en", headers=admin.headers
    )
    assert translation.json()["outdated"] is False
    fresh = await client.get("/v1/admin/articles?outdated=true&language=en", headers=admin.headers)
    assert fresh.json()["items"] == []
    stale = await client.get("/v1/admin/articles?outdated=true&language=ru", headers=admin.headers)
    assert [a["id"] for a in stale.json()["items"]] == [art]
    not_outdated = await client.get(
        "/v1/admin/articles?outdated=false&language=en", headers=admin.headers
    )
    assert [a["id"] for a in not_outdated.json()["items"]] == [art]
