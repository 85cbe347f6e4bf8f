"""The sitemap index and its pages, checked against the sitemap protocol
(https://www.sitemaps.org/protocol.html): pages of `sitemap_page_size` URLs (3 here),
oldest first, stable while the archive grows, public versions only."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.config import Settings
from tests.builders import create_article, problem, publish, text
from tests.conftest import Credential

SITE = "http://localhost:8000"
SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
NS = {"sm": SM, "xhtml": "http://www.w3.org/1999/xhtml"}
W3C = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
PAGE = re.compile(r"http://test/v1/sitemaps/(\d+)\.xml")
SIZE = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"sitemap_page_size": SIZE})


async def document(client: httpx.AsyncClient, path: str, root: str) -> ET.Element:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    assert response.headers["surrogate-key"] == "sitemap"
    assert response.headers["etag"].startswith('"')
    assert len(response.content) <= 50 * 1024 * 1024  # the protocol's size limit
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    element = ET.fromstring(response.content)  # noqa: S314 - our own response
    assert element.tag == f"{{{SM}}}{root}"
    return element


async def index(client: httpx.AsyncClient) -> list[tuple[int, str | None]]:
    """(page number, lastmod) of each index entry, checked against the protocol."""
    root = await document(client, "/v1/sitemap.xml", "sitemapindex")
    entries = []
    for entry in root:
        assert entry.tag == f"{{{SM}}}sitemap"
        assert {child.tag for child in entry} <= {f"{{{SM}}}loc", f"{{{SM}}}lastmod"}
        loc = entry.findtext("sm:loc", namespaces=NS) or ""
        match = PAGE.fullmatch(loc)
        assert match, loc
        lastmod = entry.findtext("sm:lastmod", namespaces=NS)
        assert lastmod is None or W3C.fullmatch(lastmod)
        entries.append((int(match[1]), lastmod))
    assert [number for number, _ in entries] == list(range(1, len(entries) + 1))
    return entries


async def page(client: httpx.AsyncClient, number: int) -> list[tuple[str, dict[str, str]]]:
    """(loc, {hreflang: href}) of each URL of a page, checked against the protocol."""
    root = await document(client, f"/v1/sitemaps/{number}.xml", "urlset")
    urls = []
    for url in root:
        assert url.tag == f"{{{SM}}}url"
        loc = url.findtext("sm:loc", namespaces=NS) or ""
        assert loc.startswith(f"{SITE}/") and len(loc) < 2048
        assert W3C.fullmatch(url.findtext("sm:lastmod", namespaces=NS) or "")
        links = url.findall("xhtml:link", NS)
        assert all(link.get("rel") == "alternate" for link in links)
        alternates = {link.get("hreflang") or "": link.get("href") or "" for link in links}
        assert len(alternates) == len(links)  # one per language
        assert alternates[next(k for k, v in alternates.items() if v == loc)] == loc  # itself
        urls.append((loc, alternates))
    assert len(urls) <= SIZE
    return urls


async def every_url(client: httpx.AsyncClient) -> list[str]:
    return [loc for number, _ in await index(client) for loc, _ in await page(client, number)]


async def story(
    client: httpx.AsyncClient, admin: Credential, title: str, at: datetime, **more: str
) -> dict[str, Any]:
    translations = {"ua": text(title), **{lang: text(t) for lang, t in more.items()}}
    article = await create_article(client, admin, translations=translations)
    for lang in translations:
        await publish(client, admin, article["id"], lang, at=at)
    return article


async def test_an_empty_site_has_one_empty_page(client: httpx.AsyncClient) -> None:
    assert await index(client) == [(1, None)]
    assert await page(client, 1) == []
    problem(await client.get("/v1/sitemaps/2.xml"), 404)


async def test_pages_hold_every_public_version_oldest_first(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    start = datetime.now(UTC) - timedelta(days=10)
    await story(client, admin, "Перша", start, en="First")
    for day in range(1, 6):
        await story(client, admin, f"День {day}", start + timedelta(days=day))
    # Never listed: a draft, a version scheduled for tomorrow, an archived one.
    await create_article(client, admin, translations={"ua": text("Чернетка")})
    await story(client, admin, "Завтра", datetime.now(UTC) + timedelta(days=1))
    archived = await story(client, admin, "Знята", start + timedelta(hours=1))
    r = await client.post(
        f"/v1/admin/articles/{archived['id']}/translations/ua/archive",
        json={},
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text

    entries = await index(client)
    assert [number for number, _ in entries] == [1, 2, 3]
    assert all(lastmod is not None for _, lastmod in entries)
    first, second, third = [await page(client, n) for n in (1, 2, 3)]
    # Published at the same moment: the two versions of the first story go by id.
    assert {loc for loc, _ in first[:2]} == {f"{SITE}/ua/persha", f"{SITE}/en/first"}
    assert first[2][0] == f"{SITE}/ua/den-1"
    assert [loc for loc, _ in second] == [f"{SITE}/ua/den-{d}" for d in (2, 3, 4)]
    assert [loc for loc, _ in third] == [f"{SITE}/ua/den-5"]
    both = {"uk": f"{SITE}/ua/persha", "en": f"{SITE}/en/first", "x-default": f"{SITE}/ua/persha"}
    assert first[0][1] == first[1][1] == both
    assert third[0][1] == {"uk": f"{SITE}/ua/den-5", "x-default": f"{SITE}/ua/den-5"}
    every = await every_url(client)
    assert len(every) == len(set(every)) == 7
    assert not any(slug in " ".join(every) for slug in ("chernetka", "zavtra", "zniata"))
    problem(await client.get("/v1/sitemaps/4.xml"), 404)


async def test_earlier_pages_stay_the_same_as_the_archive_grows(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    start = datetime.now(UTC) - timedelta(days=10)
    for day in range(4):
        await story(client, admin, f"День {day}", start + timedelta(days=day))
    before = await client.get("/v1/sitemaps/1.xml")
    await story(client, admin, "Новина", datetime.now(UTC) - timedelta(minutes=1))
    after = await client.get("/v1/sitemaps/1.xml")
    assert after.content == before.content
    assert after.headers["etag"] == before.headers["etag"]
    again = await client.get(
        "/v1/sitemaps/1.xml", headers={"If-None-Match": before.headers["etag"]}
    )
    assert again.status_code == 304
    assert [loc for loc, _ in await page(client, 2)] == [f"{SITE}/ua/den-3", f"{SITE}/ua/novyna"]


async def test_a_page_number_is_checked(client: httpx.AsyncClient) -> None:
    for wrong in ("0", "-1", "x", "1.5", "%00", "1000001", "99999999999999999999999", "١"):
        problem(await client.get(f"/v1/sitemaps/{wrong}.xml"), 422)
    problem(await client.get("/v1/sitemaps/1.xml?page=2"), 422)
    problem(await client.get("/v1/sitemap.xml?lang=ua"), 422)
