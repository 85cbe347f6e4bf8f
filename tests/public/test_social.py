"""Social card values on the public article (issue 18, item 3): `social_title`,
`social_description` and `social_image`, each with its fallback, so a frontend copies them
into `og:*` and `twitter:*` meta tags; the image in the size large cards want. Read
through the hot lane and the preview alike; cached pages follow the image's changes."""

from typing import Any

import httpx

from tests.builders import create_article, create_media, publish, put_translation, text
from tests.conftest import Credential
from tests.media.images import photo

SOCIAL_KEYS = {"id", "url", "width", "height", "alt", "type"}


async def _page(client: httpx.AsyncClient, article_id: str, lang: str = "ua") -> httpx.Response:
    read = await client.get(f"/v1/{lang}/articles/{article_id}")  # by id: 30x to the slug
    if read.status_code in (301, 302, 303, 307, 308):
        read = await client.get(read.headers["location"])
    assert read.status_code == 200, read.text
    return read


async def _upload(
    client: httpx.AsyncClient, admin: Credential, picture: bytes, name: str, mime: str
) -> dict[str, Any]:
    response = await client.post(
        "/v1/admin/media",
        files={"file": (name, picture, mime)},
        data={"translations": '{"ua": {"alt": "Потяг метро"}}'},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _slug_page(
    client: httpx.AsyncClient, admin: Credential, article_id: str, lang: str = "ua"
) -> str:
    read = await client.get(
        f"/v1/admin/articles/{article_id}/translations/{lang}", headers=admin.headers
    )
    return f"/v1/{lang}/articles/{read.json()['slug']}"


async def _read(
    client: httpx.AsyncClient, admin: Credential, article_id: str, lang: str = "ua"
) -> dict[str, Any]:
    response = await client.get(await _slug_page(client, admin, article_id, lang))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_each_step_of_the_fallback_chain(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    cover = await create_media(client, admin)
    article = await create_article(
        client,
        admin,
        translations={"ua": text("Заголовок", "Лід статті.")},
        cover_media_id=cover["id"],
    )
    ident = article["id"]
    await publish(client, admin, ident, "ua")

    # Nothing set: the title, the lead, the cover (registered by URL: its own file).
    page = await _read(client, admin, ident)
    assert page["social_title"] == "Заголовок"
    assert page["social_description"] == "Лід статті."
    assert page["social_image"] == {
        "id": cover["id"],
        "url": "https://images.example.com/2026/11/summit.jpg",
        "width": 1600,
        "height": 900,
        "alt": "Лідери на сцені",
        "type": None,  # registered by URL: nobody looked at the file
    }

    # The SEO texts come next.
    seo = {"seo_title": "SEO-заголовок", "seo_description": "SEO-опис."}
    await put_translation(client, admin, ident, "ua", {**text("Заголовок", "Лід статті."), **seo})
    page = await _read(client, admin, ident)
    assert (page["social_title"], page["social_description"]) == ("SEO-заголовок", "SEO-опис.")

    # Then the social texts and image themselves.
    image = await create_media(
        client,
        admin,
        url="https://images.example.com/2026/11/card.png",
        width=1200,
        height=630,
        translations={"en": {"alt": "A card"}},
    )
    social = {
        "social_title": "Соцзаголовок",
        "social_description": "Соцопис.",
        "social_image_id": image["id"],
    }
    await put_translation(
        client, admin, ident, "ua", {**text("Заголовок", "Лід статті."), **seo, **social}
    )
    page = await _read(client, admin, ident)
    assert (page["social_title"], page["social_description"]) == ("Соцзаголовок", "Соцопис.")
    assert page["social_image"]["id"] == image["id"] != page["cover"]["id"] == cover["id"]
    assert page["social_image"]["url"] == "https://images.example.com/2026/11/card.png"
    assert page["social_image"]["alt"] is None  # no Ukrainian alt text: null, never ""
    assert page["seo_title"] == "SEO-заголовок"  # the SEO fields are still served as set

    # An empty lead with nothing else set: "" (a string; the meta tag is left empty).
    bare = await create_article(client, admin, translations={"ua": text("Голий", "")})
    await publish(client, admin, bare["id"], "ua")
    page = await _read(client, admin, bare["id"])
    assert page["social_title"] == "Голий"
    assert page["social_description"] == ""
    assert page["social_image"] is None


async def test_the_image_is_the_16_9_jpeg_large_cards_want(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    big = await _upload(client, admin, photo(2400, 1600), "big.jpg", "image/jpeg")
    small = await _upload(client, admin, photo(1000, 800, seed=3), "small.jpg", "image/jpeg")
    clear = await _upload(
        client, admin, photo(900, 600, fmt="PNG", mode="RGBA"), "logo.png", "image/png"
    )
    article = await create_article(
        client,
        admin,
        translations={"ua": text("Метро"), "en": text("Metro")},
        cover_media_id=big["id"],
    )
    ident = article["id"]
    await publish(client, admin, ident, "ua")
    await publish(client, admin, ident, "en")

    # The smallest 16:9 JPEG at least 1200 wide: 1280×720 (there are 960 and 1920 too).
    crops = [r for r in big["renditions"] if r["crop"] == "16:9" and r["format"] == "jpeg"]
    assert {r["width"] for r in crops} >= {960, 1280, 1920}
    page = await _read(client, admin, ident)
    image = page["social_image"]
    assert set(image) == SOCIAL_KEYS
    assert (image["width"], image["height"], image["type"]) == (1280, 720, "image/jpeg")
    assert image["url"] == next(r["url"] for r in crops if r["width"] == 1280)
    assert image["alt"] == "Потяг метро"
    assert (await _read(client, admin, ident, "en"))["social_image"]["alt"] is None

    # None as wide as 1200: the widest 16:9 JPEG.
    await put_translation(
        client, admin, ident, "en", {**text("Metro"), "social_image_id": small["id"]}
    )
    en = await _read(client, admin, ident, "en")
    assert en["social_image"]["id"] == small["id"]
    assert (en["social_image"]["width"], en["social_image"]["height"]) == (1000, 562)
    assert en["social_image"]["type"] == "image/jpeg"
    ua = await _read(client, admin, ident)
    assert ua["social_image"]["id"] == big["id"]  # per language: the other keeps the cover

    # A transparent PNG has no JPEG: the record's own file, as PNG.
    await put_translation(
        client, admin, ident, "en", {**text("Metro"), "social_image_id": clear["id"]}
    )
    en = await _read(client, admin, ident, "en")
    assert en["social_image"]["url"] == clear["url"]
    assert (en["social_image"]["width"], en["social_image"]["height"]) == (900, 600)
    assert en["social_image"]["type"] == "image/png"


async def test_the_page_names_the_social_image_and_follows_its_changes(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    cover = await create_media(client, admin)
    image = await create_media(client, admin, url="https://images.example.com/card.jpg")
    article = await create_article(
        client,
        admin,
        translations={
            "ua": {**text("Стаття"), "social_image_id": image["id"]},
            "en": text("Story"),
        },
        cover_media_id=cover["id"],
    )
    ident = article["id"]
    await publish(client, admin, ident, "ua")
    await publish(client, admin, ident, "en")
    ua_page = await _slug_page(client, admin, ident)
    en_page = await _slug_page(client, admin, ident, "en")
    changes = await client.get("/v1/changes")
    cursor = changes.json()["next_cursor"]

    first = await client.get(ua_page)
    keys = first.headers["surrogate-key"].split()
    assert f"media-{image['id']}" in keys and f"media-{cover['id']}" in keys
    assert f"media-{image['id']}" not in (await client.get(en_page)).headers["surrogate-key"]
    again = await client.get(ua_page)  # from the response cache
    assert again.content == first.content

    patched = await client.patch(
        f"/v1/admin/media/{image['id']}",
        json={"translations": {"ua": {"caption": "Новий підпис", "alt": "Новий опис"}}},
        headers=admin.headers,
    )
    assert patched.status_code == 200, patched.text
    fresh = await client.get(ua_page)
    assert fresh.json()["social_image"]["alt"] == "Новий опис"
    assert fresh.headers["etag"] != first.headers["etag"]
    # The change feed: the version that shows it changed; the other did not.
    feed = await client.get("/v1/changes", params={"cursor": cursor})
    events = [(i["event"], i["article_id"], i["language"]) for i in feed.json()["items"]]
    assert events == [("article.updated", ident, "ua")]


async def test_a_staged_social_edit_stays_unseen_until_published(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    image = await create_media(client, admin)
    article = await create_article(client, admin, translations={"ua": text("Стаття", "Лід.")})
    ident = article["id"]
    await publish(client, admin, ident, "ua")
    page = await _slug_page(client, admin, ident)
    before = await client.get(page)
    base = f"/v1/admin/articles/{ident}/translations/ua"
    link = (await client.post(f"{base}/preview", headers=admin.headers)).json()["path"]

    live = await client.get(base, headers=admin.headers)
    staged = {
        **text("Стаття", "Лід."),
        "social_title": "Новий соцзаголовок",
        "social_description": "Новий соцопис.",
        "social_image_id": image["id"],
    }
    saved = await client.put(
        f"{base}/pending", json=staged, headers={**admin.headers, "If-Match": live.headers["etag"]}
    )
    assert saved.status_code == 200, saved.text
    unchanged = await client.get(page)
    assert unchanged.content == before.content
    assert unchanged.json()["social_title"] == "Стаття"
    assert unchanged.json()["social_image"] is None
    # The preview shows what the publication will.
    preview = (await client.get(link)).json()
    assert preview["social_title"] == "Новий соцзаголовок"
    assert preview["social_description"] == "Новий соцопис."
    assert preview["social_image"]["id"] == image["id"]

    etag = (await client.get(base, headers=admin.headers)).headers["etag"]
    published = await client.post(
        f"{base}/pending/publish", headers={**admin.headers, "If-Match": etag}
    )
    assert published.status_code == 200, published.text
    shown = (await client.get(page)).json()
    assert shown["social_title"] == "Новий соцзаголовок"
    assert shown["social_description"] == "Новий соцопис."
    assert shown["social_image"]["id"] == image["id"]


async def test_a_draft_never_shows_its_social_fields(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(
        client,
        admin,
        translations={
            "ua": text("Опубліковано"),
            "en": {**text("Draft"), "social_title": "Secret draft social title"},
        },
    )
    await publish(client, admin, article["id"], "ua")
    page = await client.get(await _slug_page(client, admin, article["id"]))
    assert "Secret draft" not in page.text
    listing = await client.get("/v1/en/articles")
    assert "Secret draft" not in listing.text
    draft = await client.get(await _slug_page(client, admin, article["id"], "en"))
    assert draft.status_code == 404
