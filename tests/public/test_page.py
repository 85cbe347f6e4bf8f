"""A frontend builds the seed's news page from one public call per language.

The page: headline, photo with caption and credit, author (with a link to their page),
lead, body with subheadings (a table of contents) and an embedded video, its source, a
ua/en/ru switcher, canonical and hreflang links, social-card meta tags and structured
data. Everything comes from `GET /v1/{lang}/articles/{slug}` — one call per language, and
none for the switcher — and every field is checked here on both databases.
"""

import json
from html import escape
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.public.schemas import ArticlePage
from tests.builders import create_term, publish
from tests.conftest import Credential
from tests.media.images import photo

SITE = "https://news.example"
LANGUAGES = ("ua", "en", "ru")
BCP47 = {"ua": "uk", "en": "en", "ru": "ru"}
YOUTUBE = "dQw4w9WgXcQ"

STORY = {
    "ua": {
        "title": "Київ відновлює рух метро",
        "lead": "Усі три лінії знову працюють після нічного знеструмлення.",
        "heading": "Що сталося",
        "second": "Коли все запрацює",
        "caption": "Потяг на станції «Хрещатик»",
        "author": "Олена Коваленко",
        "author_slug": "olena-kovalenko",
    },
    "en": {
        "title": "Kyiv restores metro service",
        "lead": "All three lines run again after a night-time power cut.",
        "heading": "What happened",
        "second": "When everything works again",
        "caption": "A train at Khreshchatyk station",
        "author": "Olena Kovalenko",
        "author_slug": "olena-kovalenko",
    },
    "ru": {
        "title": "Киев возобновляет движение метро",
        "lead": "Все три линии снова работают после ночного отключения света.",
        "heading": "Что случилось",
        "second": "Когда всё заработает",
        "caption": "Поезд на станции «Крещатик»",
        "author": "Елена Коваленко",
        "author_slug": "elena-kovalenko",
    },
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"site_url": SITE, "publisher_logo_url": f"{SITE}/logo.png"})


def _body(lang: str) -> str:
    story = STORY[lang]
    return (
        f"<p>{story['lead']}</p>"
        f"<h2>{story['heading']}</h2><p>Текст / text.</p>"
        f'<iframe src="https://www.youtube.com/embed/{YOUTUBE}" allowfullscreen></iframe>'
        f"<h3>{story['second']}</h3><p>Ще текст / more text.</p>"
    )


async def _seed(client: httpx.AsyncClient, admin: Credential) -> dict[str, Any]:
    author = await client.post(
        "/v1/admin/authors",
        json={"translations": {lang: {"name": STORY[lang]["author"]} for lang in LANGUAGES}},
        headers=admin.headers,
    )
    assert author.status_code == 201, author.text
    category = await create_term(
        client, admin, "categories", ua="Україна", en="Ukraine", ru="Украина"
    )
    upload = await client.post(
        "/v1/admin/media",
        files={"file": ("metro.jpg", photo(2400, 1600), "image/jpeg")},
        data={
            "credit": "Getty Images",
            "translations": json.dumps(
                {
                    "ua": {"caption": STORY["ua"]["caption"], "alt": "Потяг"},
                    "en": {"caption": STORY["en"]["caption"], "alt": "A train"},
                    "ru": {"caption": STORY["ru"]["caption"], "alt": "Поезд"},
                }
            ),
        },
        headers=admin.headers,
    )
    assert upload.status_code == 201, upload.text
    created = await client.post(
        "/v1/admin/articles",
        json={
            "original_language": "ua",
            "translations": {
                lang: {
                    "title": STORY[lang]["title"],
                    "lead": STORY[lang]["lead"],
                    "body_html": _body(lang),
                }
                for lang in LANGUAGES
            },
            "author_ids": [author.json()["id"]],
            "category_id": category["id"],
            "cover_media_id": upload.json()["id"],
            "sources": [
                {"name": "Kyiv City State Administration", "url": "https://kyivcity.gov.ua/"}
            ],
        },
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    article: dict[str, Any] = created.json()
    for lang in LANGUAGES:
        await publish(client, admin, article["id"], lang)
    return article


class _Head(HTMLParser):
    """The `<head>` a template renders from the response, read back as a browser would."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []
        self.meta: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "link":
            self.links.append(attributes)
        elif tag == "meta":
            self.meta[attributes.get("property") or attributes.get("name") or ""] = attributes[
                "content"
            ]


def _render_head(page: dict[str, Any]) -> str:
    """What a page template writes from the response alone (escaping as it must)."""
    lines = [f'<link rel="canonical" href="{escape(page["canonical_url"])}">']
    lines += [
        f'<link rel="alternate" hreflang="{a["bcp47"]}" href="{escape(a["url"])}">'
        for a in page["alternates"]
    ]
    lines.append(f'<link rel="alternate" hreflang="x-default" href="{page["x_default_url"]}">')
    lines.append(f'<meta property="og:title" content="{escape(page["social_title"])}">')
    lines.append(f'<meta property="og:description" content="{escape(page["social_description"])}">')
    lines.append(f'<meta property="og:url" content="{escape(page["url"])}">')
    if page["social_image"] is not None:
        lines.append(f'<meta property="og:image" content="{escape(page["social_image"]["url"])}">')
    return "\n".join(lines)


async def test_one_call_per_language_gives_the_whole_page(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await _seed(client, admin)
    slugs = {lang: article["translations"][lang]["slug"] for lang in LANGUAGES}
    urls = {lang: f"{SITE}/{lang}/{slugs[lang]}" for lang in LANGUAGES}
    for lang in LANGUAGES:
        story = STORY[lang]
        response = await client.get(f"/v1/{lang}/articles/{slugs[lang]}")  # the one call
        assert response.status_code == 200, response.text
        page = response.json()
        # Headline, lead, byline with the author's page, category, source.
        assert (page["title"], page["lead"]) == (story["title"], story["lead"])
        assert [a["name"] for a in page["authors"]] == [story["author"]]
        assert page["sources"] == [
            {"name": "Kyiv City State Administration", "url": "https://kyivcity.gov.ua/"}
        ]
        # The photo with its caption and credit in this language.
        cover = page["cover"]
        assert (cover["caption"], cover["credit"]) == (story["caption"], "Getty Images")
        assert {r["crop"] for r in cover["renditions"]} >= {None, "16:9", "4:3", "1:1"}
        # The switcher, canonical and hreflang: no further call.
        assert page["url"] == page["canonical_url"] == urls[lang]
        assert page["x_default_url"] == urls["ua"]  # the original
        assert [
            (a["language"], a["bcp47"], a["url"], a["current"]) for a in page["alternates"]
        ] == [(other, BCP47[other], urls[other], other == lang) for other in LANGUAGES]
        assert [a["path"] for a in page["alternates"]] == [
            f"/v1/{other}/articles/{slugs[other]}" for other in LANGUAGES
        ]
        link = response.headers["link"]
        assert f'<{urls[lang]}>; rel="canonical"' in link
        for other in LANGUAGES:
            assert f'<{urls[other]}>; rel="alternate"; hreflang="{BCP47[other]}"' in link
        assert f'<{urls["ua"]}>; rel="alternate"; hreflang="x-default"' in link
        assert response.headers["content-language"] == BCP47[lang]
        # Body with subheadings that carry ids, and the outline for a table of contents.
        assert page["outline"] == [
            {"level": 2, "text": story["heading"], "id": page["outline"][0]["id"]},
            {"level": 3, "text": story["second"], "id": page["outline"][1]["id"]},
        ]
        for entry in page["outline"]:
            assert f'id="{entry["id"]}"' in page["body_html"]
        # The embedded video: kept in one script-free form and listed.
        assert page["embeds"] == [
            {
                "provider": "youtube",
                "id": YOUTUBE,
                "url": f"https://www.youtube.com/watch?v={YOUTUBE}",
            }
        ]
        assert "<iframe" not in page["body_html"] and "<script" not in page["body_html"]
        # Social card: fallbacks to the title, the lead and the cover.
        assert page["social_title"] == story["title"]
        assert page["social_description"] == story["lead"]
        assert page["social_image"]["id"] == cover["id"]
        assert page["social_image"]["url"].startswith("http")
        head = _Head()
        head.feed(_render_head(page))
        assert head.meta["og:title"] == story["title"]
        assert head.meta["og:url"] == urls[lang]
        assert sorted(str(h["hreflang"]) for h in head.links if h["rel"] == "alternate") == sorted(
            [*BCP47.values(), "x-default"]
        )
        # Structured data for this version.
        ld = page["json_ld"]
        assert (ld["@type"], ld["headline"], ld["inLanguage"]) == (
            "NewsArticle",
            story["title"],
            BCP47[lang],
        )
        assert ld["author"] == [
            {
                "@type": "Person",
                "name": story["author"],
                "url": f"{SITE}/{lang}/authors/{story['author_slug']}",
            }
        ]
        if lang == "ua":
            assert [t["@id"] for t in ld["workTranslation"]] == [urls["en"], urls["ru"]]
        else:
            assert ld["translationOfWork"]["@id"] == urls["ua"]
    # The list card carries the same switcher.
    card = (await client.get("/v1/en/articles")).json()["items"][0]
    assert [a["url"] for a in card["alternates"]] == [urls[lang] for lang in LANGUAGES]
    # List and search pages are written from their cards' fields, not their models
    # (`app.public.reads.CardPage`): the bytes are what the models write, an uploaded
    # cover's renditions, the byline and the category included.
    for lang in LANGUAGES:
        pages = []
        for params in ({}, {"q": STORY[lang]["title"]}, {"q": "x", "limit": "1"}):
            response = await client.get(f"/v1/{lang}/articles", params=params)
            assert response.status_code == 200, response.text
            written = ArticlePage.model_validate_json(response.content).model_dump_json()
            assert response.content == written.encode(), params
            pages.append(response.json()["items"])
        listed, found, none = pages
        assert listed[0]["cover"]["renditions"] and listed[0]["category"] and listed[0]["authors"]
        assert found[0]["snippet"] and listed[0]["snippet"] is None and none == []
