"""The `json_ld` of a public article: a schema.org NewsArticle that a real JSON-LD
processor (pyld) expands, with what Google asks of a news article.

There is no network here, so schema.org's context document is served from a local copy
of what matters for expansion: the `@vocab` (every term is a schema.org property) and the
properties whose values are IRIs. Expanding with it checks that the object is valid
JSON-LD whose every property lands in the schema.org vocabulary, with nothing dropped.
"""

from typing import Any

import httpx
import pytest
from pyld import jsonld

from app.config import Settings
from tests.builders import create_article, create_term, publish, put_translation, text
from tests.conftest import Credential, running_app
from tests.media.images import photo

SCHEMA = "http://schema.org/"
_CONTEXT = {
    "@context": {
        "@vocab": SCHEMA,
        "url": {"@id": "schema:url", "@type": "@id"},
        "schema": SCHEMA,
    }
}
LOGO = "https://news.example/logo-600x60.png"


def _loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    return {"contextUrl": None, "documentUrl": url, "document": _CONTEXT}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"site_url": "https://news.example", "publisher_logo_url": LOGO}
    )


def _expand(document: dict[str, Any]) -> dict[str, Any]:
    expanded = jsonld.expand(document, {"documentLoader": _loader})
    assert len(expanded) == 1
    node: dict[str, Any] = expanded[0]
    return node


def _value(node: dict[str, Any], name: str) -> Any:
    values = node[SCHEMA + name]
    assert len(values) == 1, values
    return values[0].get("@value", values[0].get("@id", values[0]))


async def _story(client: httpx.AsyncClient, admin: Credential) -> dict[str, Any]:
    """A Ukrainian original with an English translation, an author, a category, two tags,
    an uploaded cover (with its crops) and a correction; a Russian draft."""
    author = await client.post(
        "/v1/admin/authors",
        json={
            "translations": {
                "ua": {"name": "Олена Коваленко"},
                "en": {"name": "Olena Kovalenko"},
                "ru": {"name": "Елена Коваленко"},
            }
        },
        headers=admin.headers,
    )
    assert author.status_code == 201, author.text
    category = await create_term(client, admin, "categories", ua="Україна", en="Ukraine")
    tags = [
        await create_term(client, admin, "tags", ua="Транспорт", en="Transport"),
        await create_term(client, admin, "tags", ua="Київ", en="Kyiv"),
    ]
    upload = await client.post(
        "/v1/admin/media",
        files={"file": ("metro.jpg", photo(2400, 1600), "image/jpeg")},
        headers=admin.headers,
    )
    assert upload.status_code == 201, upload.text
    title = "Київ відновлює рух метро після нічного знеструмлення: " + "дуже " * 20 + "довго"
    article = await create_article(
        client,
        admin,
        translations={
            "ua": text(title, "Усі три лінії знову працюють.", "<p>Текст новини.</p>"),
            "ru": text("Киев возобновляет движение метро"),
        },
        author_ids=[author.json()["id"]],
        category_id=category["id"],
        tag_ids=[tag["id"] for tag in tags],
        cover_media_id=upload.json()["id"],
    )
    await publish(client, admin, article["id"], "ua")
    await put_translation(
        client, admin, article["id"], "en", text("Kyiv restores metro service", "All lines run.")
    )
    await publish(client, admin, article["id"], "en")
    note = await client.post(
        f"/v1/admin/articles/{article['id']}/translations/ua/corrections",
        json={"kind": "correction", "text": "Виправлено інтервал руху."},
        headers=admin.headers,
    )
    assert note.status_code == 201, note.text
    return article


async def test_the_news_article_expands_and_has_what_google_asks_for(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await _story(client, admin)
    ua_slug = (await client.get("/v1/ua/articles")).json()["items"][0]["slug"]
    ua = (await client.get(f"/v1/ua/articles/{ua_slug}")).json()
    document = ua["json_ld"]
    assert document["@context"] == "https://schema.org"
    assert document["@type"] == "NewsArticle"
    node = _expand(document)
    assert node["@type"] == [SCHEMA + "NewsArticle"]
    assert node["@id"] == ua["url"] == "https://news.example/ua/" + ua_slug
    # Google's required and recommended NewsArticle properties.
    headline = _value(node, "headline")
    assert len(headline) <= 110 and headline.endswith("…")
    assert ua["title"].startswith(headline[:-1].rstrip())
    assert _value(node, "description") == "Усі три лінії знову працюють."
    assert _value(node, "inLanguage") == "uk"
    assert _value(node, "datePublished") == ua["published_at"]
    assert _value(node, "dateModified") == ua["updated_at"] != ua["published_at"]
    assert _value(node, "isAccessibleForFree") is True
    page = node[SCHEMA + "mainEntityOfPage"][0]
    assert page["@id"] == ua["canonical_url"] and page["@type"] == [SCHEMA + "WebPage"]
    authors = node[SCHEMA + "author"]
    assert [(_value(a, "name"), _value(a, "url")) for a in authors] == [
        ("Олена Коваленко", "https://news.example/ua/authors/olena-kovalenko")
    ]
    assert authors[0]["@type"] == [SCHEMA + "Person"]
    publisher = node[SCHEMA + "publisher"][0]
    assert _value(publisher, "name") == "Newsdesk"
    assert _value(publisher[SCHEMA + "logo"][0], "url") == LOGO
    images = node[SCHEMA + "image"]
    crops = {r["url"]: r["crop"] for r in ua["cover"]["renditions"]}
    assert [crops[_value(i, "url")] for i in images] == ["16:9", "4:3", "1:1"]
    for image in images:
        width, height = _value(image, "width"), _value(image, "height")
        assert width * height >= 50_000  # Google: at least 50K pixels
    assert _value(node, "articleSection") == "Україна"
    assert [k["@value"] for k in node[SCHEMA + "keywords"]] == ["Транспорт", "Київ"]
    correction = node[SCHEMA + "correction"][0]
    assert _value(correction, "text") == "Виправлено інтервал руху."
    # The original links its public translations (not the Russian draft).
    en_url = next(a["url"] for a in ua["alternates"] if a["language"] == "en")
    assert [t["@id"] for t in node[SCHEMA + "workTranslation"]] == [en_url]
    assert SCHEMA + "translationOfWork" not in node

    en = await client.get(next(a["path"] for a in ua["alternates"] if a["language"] == "en"))
    en_node = _expand(en.json()["json_ld"])
    assert _value(en_node, "inLanguage") == "en"
    assert [t["@id"] for t in en_node[SCHEMA + "translationOfWork"]] == [ua["url"]]
    assert SCHEMA + "workTranslation" not in en_node
    assert SCHEMA + "correction" not in en_node  # the note is on the Ukrainian version
    assert [_value(a, "url") for a in en_node[SCHEMA + "author"]] == [
        "https://news.example/en/authors/olena-kovalenko"
    ]
    assert article["id"]


async def test_a_cover_registered_by_url_is_the_image_and_no_logo_is_invented(
    client: httpx.AsyncClient, admin: Credential, settings: Settings
) -> None:
    media = await client.post(
        "/v1/admin/media",
        json={"url": "https://images.example.com/a.jpg", "width": 1600, "height": 900},
        headers=admin.headers,
    )
    assert media.status_code == 201, media.text
    article = await create_article(
        client,
        admin,
        translations={"en": text("Short <b>title</b> & more")},
        original="en",
        cover_media_id=media.json()["id"],
    )
    await publish(client, admin, article["id"], "en")
    page = (await client.get("/v1/en/articles")).json()["items"][0]
    document = (await client.get(page["path"])).json()["json_ld"]
    node = _expand(document)
    assert _value(node, "headline") == "Short <b>title</b> & more"  # text, as given
    assert [_value(i, "url") for i in node[SCHEMA + "image"]] == [
        "https://images.example.com/a.jpg"
    ]
    assert SCHEMA + "author" not in node  # no byline: no invented author
    assert SCHEMA + "workTranslation" not in node and SCHEMA + "translationOfWork" not in node
    assert document["publisher"]["logo"]["url"] == LOGO
    async with running_app(settings, publisher_logo_url=None) as (_, plain):
        unset = (await plain.get(page["path"])).json()["json_ld"]["publisher"]
    assert unset == {
        "@type": "NewsMediaOrganization",
        "name": "Newsdesk",
        "url": "https://news.example/",
    }
