"""RSS 2.0, sitemap index, sitemap and Google News sitemap documents, built with ElementTree.

Text and attribute values go through ElementTree, which escapes them; nothing here joins
user text into markup (a body's HTML is carried as escaped text, as `content:encoded` and
Atom's `type="html"` want it). The dataclasses are the documents' content, already
localized and with absolute URLs.
"""

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

from app.feeds.entries import Feed, Image

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
MEDIA = "http://search.yahoo.com/mrss/"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"

# ElementTree's prefix registry is process-wide; these are the prefixes crawlers expect.
_PREFIXES = (
    ("atom", ATOM), ("content", CONTENT), ("dc", DC), ("media", MEDIA), ("xhtml", XHTML),
    ("news", NEWS),
)  # fmt: skip
for _prefix, _uri in _PREFIXES:
    ET.register_namespace(_prefix, _uri)

# Characters XML 1.0 cannot carry at all (escaping does not help): dropped, so that stray
# data (an import, a U+FFFF) can never make a feed unparseable for every reader.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def rfc822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class SitemapUrl:
    loc: str
    lastmod: datetime
    # (hreflang, href), the `x-default` one included.
    alternates: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True, slots=True)
class SitemapPage:
    """One entry of a sitemap index."""

    loc: str
    lastmod: datetime | None  # None: an empty page


@dataclass(frozen=True, slots=True)
class NewsUrl:
    loc: str
    publication: str
    language: str
    published_at: datetime
    title: str


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    """A child element; its text and attribute values are escaped, and what XML cannot
    carry at all is dropped."""
    element = ET.SubElement(parent, tag, {k: _NOT_XML.sub("", v) for k, v in attrib.items()})
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def document(root: ET.Element) -> bytes:
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written


def _urlset() -> ET.Element:
    # Sitemap readers expect the sitemap namespace as the default one, unprefixed.
    # ElementTree's `default_namespace` refuses unprefixed attributes (hreflang), so the
    # declaration is written here and the sitemap elements are left unqualified.
    return ET.Element("urlset", {"xmlns": SITEMAP})


def rss(feed: Feed) -> bytes:
    root = ET.Element("rss", {"version": "2.0"})
    channel = sub(root, "channel")
    sub(channel, "title", feed.title)
    sub(channel, "link", feed.link)
    sub(channel, "description", feed.description)
    sub(channel, "language", feed.language)
    sub(channel, "lastBuildDate", rfc822(feed.updated))
    sub(channel, f"{{{ATOM}}}link", href=feed.self_link, rel="self", type="application/rss+xml")
    for entry in feed.entries:
        item = sub(channel, "item")
        sub(item, "title", entry.title)
        sub(item, "link", entry.link)
        sub(item, "guid", entry.guid, isPermaLink="false")
        sub(item, "pubDate", rfc822(entry.published_at))
        sub(item, "description", entry.summary)
        sub(item, f"{{{CONTENT}}}encoded", entry.content_html)
        for creator in entry.authors:
            sub(item, f"{{{DC}}}creator", creator)
        for term in entry.terms:
            sub(item, "category", term.name)
        if entry.image is not None:
            _image(item, entry.image)
    return document(root)


def _image(item: ET.Element, image: Image) -> None:
    # RSS requires an enclosure's length; a cover whose byte size is not known (registered
    # by URL) goes without one, and `media:content` (where it is optional) still names it.
    if image.length is not None and image.media_type is not None:
        sub(item, "enclosure", url=image.url, length=str(image.length), type=image.media_type)
    attributes = {"url": image.url, "medium": "image"}
    attributes |= {"width": str(image.width), "height": str(image.height)}
    if image.media_type is not None:
        attributes["type"] = image.media_type
    if image.length is not None:
        attributes["fileSize"] = str(image.length)
    content = sub(item, f"{{{MEDIA}}}content", **attributes)
    if image.credit:
        sub(content, f"{{{MEDIA}}}credit", image.credit)
    if image.caption:
        sub(content, f"{{{MEDIA}}}description", image.caption, type="plain")


def sitemap_index(pages: Sequence[SitemapPage]) -> bytes:
    root = ET.Element("sitemapindex", {"xmlns": SITEMAP})
    for page in pages:
        entry = sub(root, "sitemap")
        sub(entry, "loc", page.loc)
        if page.lastmod is not None:
            sub(entry, "lastmod", w3c(page.lastmod))
    return document(root)


def sitemap(urls: Sequence[SitemapUrl]) -> bytes:
    """A sitemap page. Written as text rather than through ElementTree, and each article's
    alternates written once for all its versions (the versions of one article share one
    `alternates` object): a page holds up to 50,000 URLs and some 200,000 alternates, which
    ElementTree took 4.3 s to write for 43,000 URLs. Every value is escaped (`_text`,
    `_attribute`)."""
    parts = [
        "<?xml version='1.0' encoding='utf-8'?>\n",
        f'<urlset xmlns="{SITEMAP}" xmlns:xhtml="{XHTML}">',
    ]
    written: dict[int, str] = {}  # by id() of `alternates`, which `urls` keeps alive
    for entry in urls:
        links = written.get(id(entry.alternates))
        if links is None:
            links = written[id(entry.alternates)] = "".join(
                f'<xhtml:link rel="alternate" hreflang={_attribute(hreflang)} '
                f"href={_attribute(href)} />"
                for hreflang, href in entry.alternates
            )
        parts.append(
            f"<url><loc>{_text(entry.loc)}</loc><lastmod>{w3c(entry.lastmod)}</lastmod>"
            f"{links}</url>"
        )
    parts.append("</urlset>")
    return "".join(parts).encode()


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value))


def _attribute(value: str) -> str:
    """The value quoted and escaped (`<`, `&`, quotes, and white space kept as written)."""
    return quoteattr(_NOT_XML.sub("", value))


def news_sitemap(urls: Sequence[NewsUrl]) -> bytes:
    root = _urlset()
    for entry in urls:
        url = sub(root, "url")
        sub(url, "loc", entry.loc)
        news = sub(url, f"{{{NEWS}}}news")
        publication = sub(news, f"{{{NEWS}}}publication")
        sub(publication, f"{{{NEWS}}}name", entry.publication)
        sub(publication, f"{{{NEWS}}}language", entry.language)
        sub(news, f"{{{NEWS}}}publication_date", w3c(entry.published_at))
        sub(news, f"{{{NEWS}}}title", entry.title)
    return document(root)
