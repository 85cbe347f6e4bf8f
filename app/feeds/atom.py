"""Atom 1.0 documents (RFC 4287), built with ElementTree like the RSS feed (`app.feeds.xml`).

Atom is the default namespace, written on the root by hand (as the sitemaps do), so its
elements are unprefixed: `<feed xmlns="http://www.w3.org/2005/Atom">`. `title` and
`summary` are `type="text"`; `content` is `type="html"`, the body carried escaped.
"""

import xml.etree.ElementTree as ET

from app.feeds.entries import Entry, Feed
from app.feeds.xml import ATOM, document, sub, w3c

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MEDIA_TYPE = "application/atom+xml"


def atom(feed: Feed) -> bytes:
    root = ET.Element("feed", {"xmlns": ATOM, XML_LANG: feed.language})
    sub(root, "id", feed.urn)
    sub(root, "title", feed.title, type="text")
    sub(root, "subtitle", feed.description, type="text")
    sub(root, "updated", w3c(feed.updated))
    sub(root, "link", rel="self", type=MEDIA_TYPE, href=feed.self_link)
    sub(root, "link", rel="alternate", type="text/html", href=feed.link)
    # RFC 4287 §4.1.1: an entry without an author of its own takes the feed's.
    author = sub(root, "author")
    sub(author, "name", feed.site_name)
    sub(author, "uri", feed.link)
    for entry in feed.entries:
        _entry(root, entry)
    return document(root)


def _entry(root: ET.Element, entry: Entry) -> None:
    element = sub(root, "entry")
    sub(element, "id", entry.urn)
    sub(element, "title", entry.title, type="text")
    sub(element, "published", w3c(entry.published_at))
    sub(element, "updated", w3c(entry.updated_at))
    sub(element, "link", rel="alternate", type="text/html", href=entry.link)
    for name in entry.authors:
        sub(sub(element, "author"), "name", name)
    for term in entry.terms:
        sub(element, "category", term=term.slug, label=term.name)
    if entry.image is not None:
        image = entry.image
        attributes = {"rel": "enclosure", "href": image.url}
        if image.media_type is not None:
            attributes["type"] = image.media_type
        if image.length is not None:
            attributes["length"] = str(image.length)
        if image.caption:
            attributes["title"] = image.caption
        sub(element, "link", **attributes)
    sub(element, "summary", entry.summary, type="text")
    sub(element, "content", entry.content_html, type="html")
