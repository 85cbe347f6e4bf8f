"""JSON Feed 1.1 documents (https://www.jsonfeed.org/version/1.1/).

The format's own rule for absent values holds here: a member with no value is left out,
never `null` nor `""` (its readers expect strings where a member is present).
"""

import json
from typing import Any

from app.feeds.entries import Entry, Feed
from app.feeds.xml import w3c

VERSION = "https://jsonfeed.org/version/1.1"
MEDIA_TYPE = "application/feed+json"


def json_feed(feed: Feed) -> bytes:
    document: dict[str, Any] = {
        "version": VERSION,
        "title": feed.title,
        "home_page_url": feed.link,
        "feed_url": feed.self_link,
        "description": feed.description,
        "language": feed.language,
        # The authors of an item that names none (JSON Feed 1.1, `authors`).
        "authors": [{"name": feed.site_name, "url": feed.link}],
        "items": [_item(entry, feed.language) for entry in feed.entries],
    }
    # Lone surrogates cannot be UTF-8: replaced rather than failing the whole feed.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "replace"
    )


def _item(entry: Entry, language: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.urn,
        "url": entry.link,
        "title": entry.title,
        "content_html": entry.content_html,
    }
    if entry.summary:
        item["summary"] = entry.summary
    if entry.image is not None:
        item["image"] = entry.image.url
    item["date_published"] = w3c(entry.published_at)
    item["date_modified"] = w3c(entry.updated_at)
    if entry.authors:
        item["authors"] = [{"name": name} for name in entry.authors]
    if entry.terms:
        item["tags"] = [term.name for term in entry.terms]
    item["language"] = language
    return item
