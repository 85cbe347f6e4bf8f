"""RSS 2.0, sitemap and Google News sitemap documents, built with ElementTree.

Text and attribute values go through ElementTree, which escapes them; nothing here joins
user text into markup. The dataclasses are the documents' content, already localized and
with absolute URLs.
"""

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/elements/1.1/"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"

# ElementTree's prefix registry is process-wide; these are the prefixes crawlers expect.
for _prefix, _uri in (("atom", ATOM), ("dc", DC), ("xhtml", XHTML), ("news", NEWS)):
    ET.register_namespace(_prefix, _uri)

# Characters XML 1.0 cannot carry at all (escaping does not help): dropped, so that stray
# data (an import, a U+FFFF) can never make a feed unparseable for every reader.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def rfc822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class FeedItem:
    title: str
    link: str
    guid: str
    published_at: datetime
    description: str
    creators: Sequence[str] = ()
    categories: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Feed:
    title: str
    link: str
    self_link: str
    description: str
    language: str
    last_build: datetime
    items: Sequence[FeedItem] = ()


@dataclass(frozen=True, slots=True)
class SitemapUrl:
    loc: str
    lastmod: datetime
    # (hreflang, href), the `x-default` one included.
    alternates: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True, slots=True)
class NewsUrl:
    loc: str
    publication: str
    language: str
    published_at: datetime
    title: str


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _NOT_XML.sub("", v) for k, v in attrib.items()})
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def _document(root: ET.Element) -> bytes:
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def _urlset() -> ET.Element:
    # Sitemap readers expect the sitemap namespace as the default one, unprefixed.
    # ElementTree's `default_namespace` refuses unprefixed attributes (hreflang), so the
    # declaration is written here and the sitemap elements are left unqualified.
    return ET.Element("urlset", {"xmlns": SITEMAP})


def rss(feed: Feed) -> bytes:
    root = ET.Element("rss", {"version": "2.0"})
    channel = _sub(root, "channel")
    _sub(channel, "title", feed.title)
    _sub(channel, "link", feed.link)
    _sub(channel, "description", feed.description)
    _sub(channel, "language", feed.language)
    _sub(channel, "lastBuildDate", rfc822(feed.last_build))
    _sub(channel, f"{{{ATOM}}}link", href=feed.self_link, rel="self", type="application/rss+xml")
    for entry in feed.items:
        item = _sub(channel, "item")
        _sub(item, "title", entry.title)
        _sub(item, "link", entry.link)
        _sub(item, "guid", entry.guid, isPermaLink="false")
        _sub(item, "pubDate", rfc822(entry.published_at))
        _sub(item, "description", entry.description)
        for creator in entry.creators:
            _sub(item, f"{{{DC}}}creator", creator)
        for category in entry.categories:
            _sub(item, "category", category)
    return _document(root)


def sitemap(urls: Sequence[SitemapUrl]) -> bytes:
    root = _urlset()
    for entry in urls:
        url = _sub(root, "url")
        _sub(url, "loc", entry.loc)
        _sub(url, "lastmod", w3c(entry.lastmod))
        for hreflang, href in entry.alternates:
            _sub(url, f"{{{XHTML}}}link", rel="alternate", hreflang=hreflang, href=href)
    return _document(root)


def news_sitemap(urls: Sequence[NewsUrl]) -> bytes:
    root = _urlset()
    for entry in urls:
        url = _sub(root, "url")
        _sub(url, "loc", entry.loc)
        news = _sub(url, f"{{{NEWS}}}news")
        publication = _sub(news, f"{{{NEWS}}}publication")
        _sub(publication, f"{{{NEWS}}}name", entry.publication)
        _sub(publication, f"{{{NEWS}}}language", entry.language)
        _sub(news, f"{{{NEWS}}}publication_date", w3c(entry.published_at))
        _sub(news, f"{{{NEWS}}}title", entry.title)
    return _document(root)
