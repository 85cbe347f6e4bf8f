"""The issue's end-to-end story: a real Ukrainian news article, translated and published
per language, read per language with localized names and alternates, while its Russian
draft stays invisible everywhere."""

import httpx

from tests.builders import create_media, create_term, problem
from tests.conftest import Credential

BODY_UA = (
    "<p>Альянс провів найбільші за історію навчання з кіберзахисту.</p>"
    "<h2>Що відпрацювали</h2><p>Команди відбивали атаки на енергомережу.</p>"
    "<h2>Що далі</h2><p>Наступні навчання заплановано на весну.</p>"
)


async def test_trilingual_article_end_to_end(client: httpx.AsyncClient, admin: Credential) -> None:
    h = admin.headers
    author = (
        await client.post(
            "/v1/admin/authors",
            json={
                "translations": {
                    "ua": {"name": "Олена Коваленко", "bio": "Оглядачка з питань безпеки."},
                    "en": {"name": "Olena Kovalenko", "bio": "Security correspondent."},
                    "ru": {"name": "Елена Коваленко"},
                }
            },
            headers=h,
        )
    ).json()
    category = await create_term(client, admin, "categories", ua="Світ", en="World", ru="Мир")
    nato = await create_term(client, admin, "tags", ua="НАТО", en="NATO", ru="НАТО")
    cyber = await create_term(
        client, admin, "tags", ua="Кібербезпека", en="Cyber security", ru="Кибербезопасность"
    )
    osint = await create_term(client, admin, "tags", en="OSINT")  # no Ukrainian name
    photo = await create_media(client, admin)

    created = await client.post(
        "/v1/admin/articles",
        json={
            "original_language": "ua",
            "author_ids": [author["id"]],
            "category_id": category["id"],
            "tag_ids": [nato["id"], cyber["id"], osint["id"]],
            "cover_media_id": photo["id"],
            "sources": [{"name": "Financial Times", "url": "https://www.ft.com/"}],
            "translations": {
                "ua": {
                    "title": "НАТО провело навчання з кіберзахисту в Києві",
                    "lead": "Як пише Financial Times, у навчаннях взяли участь 30 країн.",
                    "body_html": BODY_UA,
                }
            },
        },
        headers=h,
    )
    assert created.status_code == 201, created.text
    article = created.json()
    assert created.headers["location"] == f"/v1/admin/articles/{article['id']}"
    assert created.headers["etag"]
    ua = article["translations"]["ua"]
    assert ua["slug"] == "nato-provelo-navchannia-z-kiberzakhystu-v-kyievi"
    assert ua["status"] == "draft" and ua["version"] == 1 and ua["public"] is False
    art_id = article["id"]

    for lang, title in (("en", "NATO holds cyber-defence drills in Kyiv"),
                        ("ru", "НАТО провело учения по киберзащите в Киеве")):  # fmt: skip
        r = await client.put(
            f"/v1/admin/articles/{art_id}/translations/{lang}",
            json={"title": title, "lead": "Lead.", "body_html": "<p>Text.</p><h2>Sub</h2>"},
            headers=h,
        )
        assert r.status_code == 201, r.text
        assert r.json()["source_revision"] == 2  # revision 1 made the article, 2 its ua text

    # Nothing is public yet.
    assert (await client.get("/v1/ua/articles")).json()["items"] == []
    problem(await client.get(f"/v1/ua/articles/{ua['slug']}"), 404)

    for lang in ("ua", "en"):
        r = await client.post(f"/v1/admin/articles/{art_id}/translations/{lang}/publish", headers=h)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "published" and r.json()["public"] is True

    page = await client.get("/v1/ua/articles")
    assert page.status_code == 200
    assert page.headers["content-language"] == "uk"
    [card] = page.json()["items"]
    assert card["title"] == "НАТО провело навчання з кіберзахисту в Києві"
    assert "body_html" not in card

    r = await client.get(f"/v1/ua/articles/{ua['slug']}")
    assert r.status_code == 200
    body = r.json()
    assert body["language"] == "ua" and body["original_language"] == "ua"
    # As sent, its headings with the ids derived from their text.
    assert body["body_html"] == BODY_UA.replace(
        "<h2>Що відпрацювали", '<h2 id="shcho-vidpratsiuvaly">Що відпрацювали'
    ).replace("<h2>Що далі", '<h2 id="shcho-dali">Що далі')
    assert body["authors"] == [
        {"id": author["id"], "name": "Олена Коваленко", "slug": "olena-kovalenko"}
    ]
    assert body["category"]["name"] == "Світ" and body["category"]["slug"] == "svit"
    # OSINT has no Ukrainian name, so it is not shown on Ukrainian pages.
    assert [t["name"] for t in body["tags"]] == ["НАТО", "Кібербезпека"]
    assert body["cover"] == {
        "id": photo["id"],
        "url": photo["url"],
        "width": 1600,
        "height": 900,
        "credit": "Getty Images",
        "caption": "Лідери на саміті НАТО",
        "alt": "Лідери на сцені",
        "renditions": [],  # registered by URL: nothing stored here
        "blurhash": None,
        "dominant_color": None,
    }
    assert body["sources"] == [{"name": "Financial Times", "url": "https://www.ft.com/"}]
    en_slug = "nato-holds-cyber-defence-drills-in-kyiv"
    ua_url = f"http://localhost:8000/ua/{body['slug']}"
    en_url = f"http://localhost:8000/en/{en_slug}"
    assert body["alternates"] == [
        {
            "language": "ua",
            "bcp47": "uk",
            "slug": body["slug"],
            "path": f"/v1/ua/articles/{body['slug']}",
            "url": ua_url,
            "current": True,
        },
        {
            "language": "en",
            "bcp47": "en",
            "slug": en_slug,
            "path": f"/v1/en/articles/{en_slug}",
            "url": en_url,
            "current": False,
        },
    ]
    assert (body["url"], body["canonical_url"], body["x_default_url"]) == (ua_url,) * 3
    assert r.headers["link"] == (
        f'<{ua_url}>; rel="canonical", <{ua_url}>; rel="alternate"; hreflang="uk", '
        f'<{en_url}>; rel="alternate"; hreflang="en", '
        f'<{ua_url}>; rel="alternate"; hreflang="x-default"'
    )
    assert r.headers["content-language"] == "uk"

    en = (await client.get(f"/v1/en/articles/{en_slug}")).json()
    assert [t["name"] for t in en["tags"]] == ["NATO", "Cyber security", "OSINT"]
    assert en["category"]["name"] == "World"
    assert en["cover"]["caption"] == "Leaders at the NATO summit"
    assert [(a["language"], a["current"]) for a in en["alternates"]] == [
        ("ua", False),
        ("en", True),
    ]
    assert en["alternates"][0]["bcp47"] == "uk"
    # The original's version is the x-default of every version; each is its own canonical.
    assert (en["canonical_url"], en["x_default_url"]) == (en_url, ua_url)

    # The Russian draft: in no list, no detail, no alternate, no count.
    assert (await client.get("/v1/ru/articles")).json()["items"] == []
    problem(
        await client.get("/v1/ru/articles/nato-provelo-ucheniia-po-kiberzashchite-v-kieve"), 404
    )
    ru_tags = (await client.get("/v1/ru/tags")).json()["items"]
    assert {t["name"]: t["article_count"] for t in ru_tags} == {
        "Кибербезопасность": 0,
        "НАТО": 0,
    }
    ru_author = (await client.get("/v1/ru/authors/elena-kovalenko")).json()
    assert ru_author["article_count"] == 0
    ua_author = (await client.get("/v1/ua/authors/olena-kovalenko")).json()
    assert ua_author["article_count"] == 1 and ua_author["bio"] == "Оглядачка з питань безпеки."

    # The admin API still sees the draft.
    r = await client.get(f"/v1/admin/articles/{art_id}", headers=h)
    assert r.status_code == 200, r.text
    admin_view = r.json()
    assert admin_view["translations"]["ru"]["status"] == "draft"
    assert admin_view["translations"]["en"]["status"] == "published"
