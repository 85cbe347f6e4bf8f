"""RSS, Atom and JSON Feed of one language: the same items, read back by real parsers
(`feedparser` for RSS and Atom, the JSON Feed 1.1 JSON Schema for JSON Feed)."""

import json
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import httpx
import jsonschema_rs
import pytest

from tests.builders import create_article, create_media, create_term, problem, publish, text
from tests.conftest import Credential
from tests.media.images import photo

SITE = "http://localhost:8000"  # the `settings` fixture's default NEWSDESK_SITE_URL
CACHE_CONTROL = "public, max-age=30, stale-while-revalidate=300"
NS = {
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/",
    "atom": "http://www.w3.org/2005/Atom",
}
SCHEMA = json.loads((Path(__file__).parent / "jsonfeed-1.1.schema.json").read_text())
JSON_FEED = jsonschema_rs.Draft202012Validator(SCHEMA, validate_formats=True)

TITLE = "AT&T <script>x</script> «Київ»"
LEAD = 'Перший & "головний" абзац <b>не</b> розмітка ]]>'
BODY = (
    '<h2 id="shcho-stalosia">Що сталося</h2>'
    '<p>Текст &amp; <a href="https://example.com/x">посилання</a> і <strong>важливе</strong>.</p>'
)
FORMATS = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}


async def get(client: httpx.AsyncClient, path: str) -> httpx.Response:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == CACHE_CONTROL
    assert response.headers["etag"].startswith('"')
    return response


async def parsed(client: httpx.AsyncClient, lang: str, kind: str, query: str = "") -> Any:
    """The feed as its parser reads it (feedparser's dict, or the JSON document after the
    JSON Feed 1.1 schema accepted it)."""
    response = await get(client, f"/v1/{lang}/feed.{kind}{query}")
    assert response.headers["content-type"] == FORMATS[kind]
    if kind == "json":
        document = response.json()
        errors = [e.message for e in JSON_FEED.iter_errors(document)]
        assert not errors, errors
        return document
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == {"rss": "rss20", "atom": "atom10"}[kind]
    return feed


def titles(feed: Any) -> list[str]:
    items = feed["items"] if isinstance(feed, dict) and "version" in feed else feed.entries
    return [item["title"] for item in items]


async def upload_cover(client: httpx.AsyncClient, admin: Credential) -> dict[str, Any]:
    r = await client.post(
        "/v1/admin/media",
        files={"file": ("kyiv.jpg", photo(900, 600), "image/jpeg")},  # 25 files, not 45
        data={
            "credit": "Фото: Reuters & AP",
            "translations": json.dumps(
                {"ua": {"caption": "Станція <Хрещатик> & «люди»", "alt": "Люди на пероні"}}
            ),
        },
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    media: dict[str, Any] = r.json()
    return media


async def newsroom(client: httpx.AsyncClient, admin: Credential) -> dict[str, Any]:
    """One full story public in Ukrainian, and one version each that is a draft, scheduled,
    archived and public only in English: none of those may show in the Ukrainian feeds."""
    olena = await create_term(client, admin, "authors", ua="Олена Коваленко", en="Helen Kovalenko")
    ivan = await create_term(client, admin, "authors", ua="Іван Петренко", en="Ivan Petrenko")
    metro = await create_term(client, admin, "tags", ua="Метро", en="Metro")
    city = await create_term(client, admin, "categories", ua="Місто", en="City")
    cover = await upload_cover(client, admin)
    story = await create_article(
        client,
        admin,
        translations={"ua": text(TITLE, lead=LEAD, body=BODY), "en": text("Kyiv metro")},
        author_ids=[olena["id"], ivan["id"]],
        tag_ids=[metro["id"]],
        category_id=city["id"],
        cover_media_id=cover["id"],
    )
    await publish(client, admin, story["id"], "ua", at=datetime.now(UTC) - timedelta(hours=2))
    await create_article(client, admin, translations={"ua": text("Чернетка")})
    scheduled = await create_article(client, admin, translations={"ua": text("Завтрашня")})
    await publish(client, admin, scheduled["id"], "ua", at=datetime.now(UTC) + timedelta(days=1))
    archived = await create_article(
        client, admin, translations={"ua": text("Знята")}, author_ids=[olena["id"]]
    )
    await publish(client, admin, archived["id"], "ua")
    r = await client.post(
        f"/v1/admin/articles/{archived['id']}/translations/ua/archive",
        json={},
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    english = await create_article(
        client, admin, original="en", translations={"en": text("Only English")}
    )
    await publish(client, admin, english["id"], "en")
    page = (await client.get(f"/v1/ua/articles/{story['translations']['ua']['slug']}")).json()
    return {"story": story, "page": page, "cover": cover, "olena": olena, "metro": metro}


async def test_rss_carries_the_full_story(client: httpx.AsyncClient, admin: Credential) -> None:
    made = await newsroom(client, admin)
    page, cover = made["page"], made["cover"]
    feed = await parsed(client, "ua", "rss")
    assert titles(feed) == [TITLE]  # no draft, nothing scheduled or archived, no English
    entry = feed.entries[0]
    assert entry.link == f"{SITE}/ua/{page['slug']}"
    assert entry.summary == LEAD
    assert entry.content[0].type == "text/html" and "Що сталося" in entry.content[0].value
    assert [t.term for t in entry.tags] == ["Місто", "Метро"]
    # The largest whole rendition is the enclosure, with the byte size of its file.
    image = await client.get(page["cover"]["url"])
    assert image.status_code == 200
    assert entry.enclosures == [
        {"href": page["cover"]["url"], "length": str(len(image.content)), "type": "image/jpeg"}
    ]
    largest = max(
        (r for r in page["cover"]["renditions"] if r["crop"] is None and r["format"] == "jpeg"),
        key=lambda r: r["width"],
    )
    assert largest["url"] == page["cover"]["url"]
    assert entry.media_content == [
        {
            "url": largest["url"],
            "medium": "image",
            "type": "image/jpeg",
            "width": str(largest["width"]),
            "height": str(largest["height"]),
            "filesize": str(len(image.content)),
        }
    ]
    assert entry.media_credit == [{"content": cover["credit"]}]

    # What feedparser smooths over, read exactly: escaped text, the body as stored, one
    # `dc:creator` per author.
    item = ET.fromstring((await client.get("/v1/ua/feed.rss")).content).find("channel/item")  # noqa: S314
    assert item is not None
    assert item.findtext("title") == TITLE and item.findtext("description") == LEAD
    assert item.findtext("content:encoded", namespaces=NS) == page["body_html"]
    assert [c.text for c in item.iterfind("dc:creator", NS)] == ["Олена Коваленко", "Іван Петренко"]
    description = item.find("media:content/media:description", NS)
    assert description is not None and description.get("type") == "plain"
    assert description.text == "Станція <Хрещатик> & «люди»"


async def test_atom_carries_the_same_story(client: httpx.AsyncClient, admin: Credential) -> None:
    made = await newsroom(client, admin)
    page, story = made["page"], made["story"]
    feed = await parsed(client, "ua", "atom")
    assert feed.feed.id.startswith("urn:uuid:")
    assert feed.feed.title == "Newsdesk (Українська)"
    assert feed.feed.language == "uk"
    assert feed.feed.link == SITE  # rel=alternate
    assert [link.rel for link in feed.feed.links] == ["self", "alternate"]
    assert feed.feed.links[0].href == "http://test/v1/ua/feed.atom"
    assert titles(feed) == [TITLE]
    entry = feed.entries[0]
    assert entry.id == f"urn:uuid:{uuid.uuid5(uuid.UUID(story['id']), 'ua')}"
    assert entry.title_detail.type == "text/plain"
    assert entry.summary == LEAD and entry.summary_detail.type == "text/plain"
    assert entry.content[0].type == "text/html" and "Що сталося" in entry.content[0].value
    assert [a.name for a in entry.authors] == ["Олена Коваленко", "Іван Петренко"]
    assert [(t.term, t.label) for t in entry.tags] == [
        ("misto", "Місто"),
        (made["metro"]["translations"]["ua"]["slug"], "Метро"),
    ]
    links = {link.rel: link for link in entry.links}
    assert links["alternate"].href == f"{SITE}/ua/{page['slug']}"
    image = await client.get(page["cover"]["url"])
    assert links["enclosure"].href == page["cover"]["url"]
    assert links["enclosure"].type == "image/jpeg"
    assert links["enclosure"].length == str(len(image.content))
    published = datetime.fromisoformat(entry.published)
    assert published == datetime.fromisoformat(page["published_at"]).replace(microsecond=0)
    assert datetime.fromisoformat(entry.updated) >= published

    raw = ET.fromstring((await client.get("/v1/ua/feed.atom")).content)  # noqa: S314
    assert raw.tag == f"{{{NS['atom']}}}feed"
    content = raw.find("atom:entry/atom:content", NS)
    assert content is not None and content.get("type") == "html"
    assert content.text == page["body_html"]
    assert raw.findtext("atom:entry/atom:title", namespaces=NS) == TITLE


async def test_json_feed_carries_the_same_story(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    made = await newsroom(client, admin)
    page, story = made["page"], made["story"]
    feed = await parsed(client, "ua", "json")
    assert feed["language"] == "uk"
    assert feed["home_page_url"] == SITE
    assert feed["feed_url"] == "http://test/v1/ua/feed.json"
    assert feed["authors"] == [{"name": "Newsdesk", "url": SITE}]
    assert feed["items"] == [
        {
            "id": f"urn:uuid:{uuid.uuid5(uuid.UUID(story['id']), 'ua')}",
            "url": f"{SITE}/ua/{page['slug']}",
            "title": TITLE,
            "content_html": page["body_html"],
            "summary": LEAD,
            "image": page["cover"]["url"],
            "date_published": feed["items"][0]["date_published"],
            "date_modified": feed["items"][0]["date_modified"],
            "authors": [{"name": "Олена Коваленко"}, {"name": "Іван Петренко"}],
            "tags": ["Місто", "Метро"],
            "language": "uk",
        }
    ]
    published = datetime.fromisoformat(feed["items"][0]["date_published"])
    assert published == datetime.fromisoformat(page["published_at"]).replace(microsecond=0)


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
async def test_every_format_lists_the_same_items_and_filters(
    client: httpx.AsyncClient, admin: Credential, kind: str
) -> None:
    made = await newsroom(client, admin)
    olena = made["olena"]["translations"]["ua"]["slug"]
    other = await create_article(client, admin, translations={"ua": text("Інша")})
    await publish(client, admin, other["id"], "ua")
    assert titles(await parsed(client, "ua", kind)) == ["Інша", TITLE]
    assert titles(await parsed(client, "ua", kind, f"?author={olena}")) == [TITLE]
    # Author slugs are per language: the English slug names nobody in Ukrainian.
    english = made["olena"]["translations"]["en"]["slug"]
    assert titles(await parsed(client, "ua", kind, f"?author={english}")) == []
    assert titles(await parsed(client, "en", kind, f"?author={english}")) == []  # a draft
    assert titles(await parsed(client, "ua", kind, f"?author={olena}&tag=metro")) == [TITLE]
    assert titles(await parsed(client, "ua", kind, f"?author={olena}&category=nope")) == []
    assert titles(await parsed(client, "en", kind)) == ["Only English"]


async def test_a_cover_registered_by_url_has_no_enclosure_length_to_invent(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    cover = await create_media(client, admin)
    article = await create_article(
        client, admin, translations={"ua": text("Саміт")}, cover_media_id=cover["id"]
    )
    await publish(client, admin, article["id"], "ua")
    rss = await parsed(client, "ua", "rss")
    entry = rss.entries[0]
    assert entry.enclosures == []  # RSS needs a length, and none is known
    assert entry.media_content == [
        {
            "url": cover["url"],
            "medium": "image",
            "type": "image/jpeg",
            "width": "1600",
            "height": "900",
        }
    ]
    atom = await parsed(client, "ua", "atom")
    enclosure = [link for link in atom.entries[0].links if link.rel == "enclosure"]
    assert [(e.href, e.type, e.get("length")) for e in enclosure] == [
        (cover["url"], "image/jpeg", None)
    ]
    assert (await parsed(client, "ua", "json"))["items"][0]["image"] == cover["url"]


async def test_markup_and_odd_text_survive_every_format(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    title = "Tom & Jerry <script>alert('x')</script> \"q\" ]]> «Київ» 🇺🇦"
    article = await create_article(
        client, admin, original="en", translations={"en": text(title, lead="a < b && c > d")}
    )
    await publish(client, admin, article["id"], "en")
    for kind in ("rss", "atom"):
        response = await client.get(f"/v1/en/feed.{kind}")
        assert b"<script>" not in response.content
        assert titles(await parsed(client, "en", kind)) == [title]
    raw = (await client.get("/v1/en/feed.json")).content
    assert titles(await parsed(client, "en", "json")) == [title]
    assert "Київ".encode() in raw  # UTF-8, not \\u escapes


async def test_what_xml_cannot_carry_is_dropped_not_fatal(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    # Non-characters pass the write checks (they are no control characters), but XML 1.0
    # has no way to carry them: the XML feeds drop them, JSON carries them.
    title = "Odd\ufffe \uffffend"
    article = await create_article(client, admin, original="en", translations={"en": text(title)})
    await publish(client, admin, article["id"], "en")
    for kind in ("rss", "atom"):
        assert titles(await parsed(client, "en", kind)) == ["Odd end"]
    assert titles(await parsed(client, "en", "json")) == [title]


async def test_feeds_answer_with_their_keys_and_problems(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    made = await newsroom(client, admin)
    for kind in ("rss", "atom", "json"):
        response = await get(client, f"/v1/ua/feed.{kind}")
        assert response.headers["content-language"] == "uk"
        shown = set(response.headers["surrogate-key"].split())
        assert {
            "list-ua",
            "lists",
            f"article-{made['story']['id']}",
            f"author-{made['olena']['id']}",
            f"media-{made['cover']['id']}",
            "authors",
        } <= shown
        again = await client.get(
            f"/v1/ua/feed.{kind}", headers={"If-None-Match": response.headers["etag"]}
        )
        assert again.status_code == 304
        problem(await client.get(f"/v1/xx/feed.{kind}"), 404)
        for query in (
            "?author=" + "a" * 121,
            "?author=%00",
            "?author=олена",
            "?author=a&author=b",
            "?tag=NOT%20A%20SLUG",
            "?limit=5",
        ):
            problem(await client.get(f"/v1/ua/feed.{kind}{query}"), 422)
        r = await client.get(f"/v1/uk/feed.{kind}?author=olena")
        assert (r.status_code, r.headers["location"]) == (308, f"/v1/ua/feed.{kind}?author=olena")


def test_the_schema_refuses_what_the_spec_refuses() -> None:
    """The hand-written schema is no rubber stamp."""
    good = {"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": []}
    assert JSON_FEED.is_valid(good)
    item = {"id": "1", "content_html": "<p>x</p>", "date_published": "2026-12-01T10:00:00Z"}
    assert JSON_FEED.is_valid({**good, "items": [item]})
    for wrong in (
        {**good, "version": "https://jsonfeed.org/version/1"},
        {**good, "items": [{"id": "1"}]},  # no content
        {**good, "items": [{**item, "date_published": "yesterday"}]},
        {**good, "items": [{**item, "authors": [{}]}]},
        {**good, "items": [{**item, "summary": None}]},
        {**good, "home_page": "https://example.com/"},  # misspelt
    ):
        assert not JSON_FEED.is_valid(wrong), wrong
    assert re.fullmatch(SCHEMA["$defs"]["language"]["pattern"], "uk")
