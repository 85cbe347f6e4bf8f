"""RSS feed, sitemap and Google News sitemap: parsed back, public versions only (the other
feed formats: test_formats.py; the sitemap index and its paging: test_sitemaps.py)."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

from tests.builders import create_article, create_term, problem, publish, published_article, text
from tests.conftest import Credential

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "dc": "http://purl.org/dc/elements/1.1/",
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
SITE = "http://localhost:8000"  # the `settings` fixture's default NEWSDESK_SITE_URL
CACHE_CONTROL = "public, max-age=30, stale-while-revalidate=300"


def parse(response: httpx.Response, media_type: str) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert response.headers["cache-control"] == CACHE_CONTROL
    return ET.fromstring(response.content)  # noqa: S314 - our own response, not untrusted input


async def feed(client: httpx.AsyncClient, path: str = "/v1/ua/feed.rss") -> ET.Element:
    return parse(await client.get(path), "application/rss+xml")


def titles(rss: ET.Element) -> list[str | None]:
    return [item.findtext("title") for item in rss.iterfind("channel/item")]


async def test_feed_lists_public_articles_newest_first(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    nato = await create_term(client, admin, "tags", ua="НАТО", en="NATO")
    world = await create_term(client, admin, "categories", ua="Світ", en="World")
    author = await create_term(client, admin, "authors", ua="Олена Коваленко", en="Olena")
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    older = await create_article(client, admin, translations={"ua": text("Давня")})
    await publish(client, admin, older["id"], "ua", at=hour_ago - timedelta(days=1))
    newer = await create_article(
        client,
        admin,
        translations={"ua": text("Свіжа", lead="Головне."), "en": text("Fresh")},
        tag_ids=[nato["id"]],
        category_id=world["id"],
        author_ids=[author["id"]],
    )
    await publish(client, admin, newer["id"], "ua", at=hour_ago)
    await create_article(client, admin, translations={"ua": text("Чернетка")})
    scheduled = await create_article(client, admin, translations={"ua": text("Завтрашня")})
    await publish(client, admin, scheduled["id"], "ua", at=datetime.now(UTC) + timedelta(days=1))

    response = await client.get("/v1/ua/feed.rss")
    assert response.headers["content-language"] == "uk"
    rss = parse(response, "application/rss+xml")
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel is not None
    assert channel.findtext("language") == "uk"
    assert channel.findtext("link") == SITE
    assert channel.findtext("title") == "Newsdesk (Українська)"
    assert parsedate_to_datetime(channel.findtext("lastBuildDate") or "").tzinfo is not None
    self_link = channel.find("atom:link", NS)
    assert self_link is not None and self_link.get("rel") == "self"
    assert self_link.get("href") == "http://test/v1/ua/feed.rss"
    assert titles(rss) == ["Свіжа", "Давня"]  # no draft, nothing scheduled
    item = channel.find("item")
    assert item is not None
    assert item.findtext("link") == f"{SITE}/ua/{newer['translations']['ua']['slug']}"
    guid = item.find("guid")
    assert guid is not None and guid.get("isPermaLink") == "false"
    assert guid.text == f"{newer['id']}:ua"
    published = parsedate_to_datetime(item.findtext("pubDate") or "")
    assert abs(published - hour_ago) < timedelta(seconds=1)
    assert item.findtext("description") == "Головне."
    assert [c.text for c in item.iterfind("dc:creator", NS)] == ["Олена Коваленко"]
    assert [c.text for c in item.iterfind("category")] == ["Світ", "НАТО"]

    assert titles(await feed(client, "/v1/ua/feed.rss?tag=nato")) == ["Свіжа"]
    assert titles(await feed(client, "/v1/ua/feed.rss?category=svit")) == ["Свіжа"]
    assert titles(await feed(client, "/v1/ua/feed.rss?category=world")) == []
    assert titles(await feed(client, "/v1/en/feed.rss")) == []  # English is still a draft


async def test_feed_guid_survives_a_slug_change(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await published_article(client, admin, "Story", lang="en")
    before = (await feed(client, "/v1/en/feed.rss")).find("channel/item")
    assert before is not None
    path = f"/v1/admin/articles/{article['id']}/translations/en"
    etag = (await client.get(path, headers=admin.headers)).headers["etag"]
    r = await client.put(
        path,
        json={**text("Story"), "slug": "renamed-story"},
        headers={**admin.headers, "If-Match": etag},
    )
    assert r.status_code == 200, r.text
    after = (await feed(client, "/v1/en/feed.rss")).find("channel/item")
    assert after is not None
    assert after.findtext("link") == f"{SITE}/en/renamed-story"
    assert after.findtext("link") != before.findtext("link")
    assert after.findtext("guid") == before.findtext("guid") == f"{article['id']}:en"


async def test_feed_holds_the_latest_50(client: httpx.AsyncClient, admin: Credential) -> None:
    start = datetime.now(UTC) - timedelta(days=1)
    for i in range(51):
        article = await create_article(
            client, admin, translations={"en": text(f"N{i}")}, original="en"
        )
        await publish(client, admin, article["id"], "en", at=start + timedelta(minutes=i))
    assert titles(await feed(client, "/v1/en/feed.rss")) == [f"N{i}" for i in range(50, 0, -1)]


async def test_feed_escapes_markup_in_text(client: httpx.AsyncClient, admin: Credential) -> None:
    title = "Tom & Jerry <script>alert(\"x\")</script> 'quoted'"
    lead = 'a < b && c > d ]]> "end"'
    article = await create_article(
        client, admin, original="en", translations={"en": text(title, lead=lead)}
    )
    await publish(client, admin, article["id"], "en")
    response = await client.get("/v1/en/feed.rss")
    assert b"<script>" not in response.content
    item = parse(response, "application/rss+xml").find("channel/item")
    assert item is not None
    assert (item.findtext("title"), item.findtext("description")) == (title, lead)


async def test_feed_errors_are_problems(client: httpx.AsyncClient) -> None:
    problem(await client.get("/v1/xx/feed.rss"), 404)
    problem(await client.get("/v1/ua/feed.rss?limit=5"), 422)
    problem(await client.get("/v1/ua/feed.rss?tag=NOT A SLUG"), 422)
    problem(await client.get("/v1/sitemap.xml?lang=ua"), 422)
    problem(await client.get("/v1/news-sitemap.xml?page=2"), 422)
    r = await client.get("/v1/uk/feed.rss?tag=nato")
    assert (r.status_code, r.headers["location"]) == (308, "/v1/ua/feed.rss?tag=nato")


def alternates(url: ET.Element) -> dict[str | None, str | None]:
    links = url.findall("xhtml:link", NS)
    assert all(link.get("rel") == "alternate" for link in links)
    return {link.get("hreflang"): link.get("href") for link in links}


async def test_sitemap_lists_public_versions_with_alternates(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    first = await create_article(
        client,
        admin,
        translations={"ua": text("Саміт"), "en": text("Summit"), "ru": text("Черновик")},
    )
    for lang in ("ua", "en"):
        await publish(client, admin, first["id"], lang)
    # The English original is scheduled: no x-default until it is public.
    second = await create_article(
        client, admin, original="en", translations={"en": text("Later"), "ua": text("Пізніше")}
    )
    await publish(client, admin, second["id"], "ua")
    await publish(client, admin, second["id"], "en", at=datetime.now(UTC) + timedelta(hours=2))

    index = parse(await client.get("/v1/sitemap.xml"), "application/xml")
    assert index.tag == f"{{{NS['sm']}}}sitemapindex"
    assert [loc.text for loc in index.iterfind("sm:sitemap/sm:loc", NS)] == [
        "http://test/v1/sitemaps/1.xml"
    ]
    response = await client.get("/v1/sitemaps/1.xml")
    urlset = parse(response, "application/xml")
    assert urlset.tag == f"{{{NS['sm']}}}urlset"
    urls = {url.findtext("sm:loc", namespaces=NS): url for url in urlset.findall("sm:url", NS)}
    samit, summit, piznishe = f"{SITE}/ua/samit", f"{SITE}/en/summit", f"{SITE}/ua/piznishe"
    assert set(urls) == {samit, summit, piznishe}
    expected = {"uk": samit, "en": summit, "x-default": samit}
    assert alternates(urls[samit]) == alternates(urls[summit]) == expected
    assert alternates(urls[piznishe]) == {"uk": piznishe}
    lastmod = urls[samit].findtext("sm:lastmod", namespaces=NS) or ""
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", lastmod)
    # Neither the Russian draft nor the scheduled original leaks, not even as an alternate.
    assert b"chernovik" not in response.content and b"/en/later" not in response.content


async def test_news_sitemap_holds_the_last_48_hours(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    recent = await create_article(client, admin, translations={"ua": text("Свіжа & нова")})
    await publish(client, admin, recent["id"], "ua", at=datetime.now(UTC) - timedelta(hours=1))
    old = await create_article(client, admin, translations={"ua": text("Стара")})
    await publish(client, admin, old["id"], "ua", at=datetime.now(UTC) - timedelta(days=3))
    await create_article(client, admin, translations={"ua": text("Чернетка")})

    urlset = parse(await client.get("/v1/news-sitemap.xml"), "application/xml")
    urls = urlset.findall("sm:url", NS)
    assert [u.findtext("sm:loc", namespaces=NS) for u in urls] == [f"{SITE}/ua/svizha-and-nova"]
    news = urls[0].find("news:news", NS)
    assert news is not None
    assert news.findtext("news:publication/news:name", namespaces=NS) == "Newsdesk"
    assert news.findtext("news:publication/news:language", namespaces=NS) == "uk"
    assert news.findtext("news:title", namespaces=NS) == "Свіжа & нова"
    date = news.findtext("news:publication_date", namespaces=NS) or ""
    assert datetime.fromisoformat(date) < datetime.now(UTC) - timedelta(minutes=59)
