"""Structured data for search engines: a schema.org `NewsArticle` per public version.

Built by the server from what the page shows, so every frontend embeds the same object in
`<script type="application/ld+json">` (escaping `<` as `\\u003c` when it does, as for any
JSON in HTML). It follows Google's article guidance: `headline` (at most 110 characters),
`image` (the cover's 16:9, 4:3 and 1:1 crops, the widest JPEG of each, when the media
pipeline made them; else the cover itself), `datePublished` and `dateModified`, `author`
(each a `Person` with the URL of their page), `publisher` with its logo, and
`mainEntityOfPage`. Language versions point at each other: the original lists its public
translations in `workTranslation`, and a translation names its original in
`translationOfWork` while that is public. Correction notes (not updates) are
`correction`s.
"""

from datetime import UTC, datetime
from typing import Any

from app.models import CorrectionKind
from app.public.schemas import Alternate, Cover, PublicArticle
from app.public.site import Site

CONTEXT = "https://schema.org"
HEADLINE_MAX = 110  # Google's limit for `headline`
CROPS = ("16:9", "4:3", "1:1")


def headline(title: str) -> str:
    """The title, cut at a word (with `…`) when longer than Google allows."""
    if len(title) <= HEADLINE_MAX:
        return title
    cut = title[: HEADLINE_MAX - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > HEADLINE_MAX // 2 else cut).rstrip(" ,;:–—-") + "…"


def _images(cover: Cover | None) -> list[dict[str, Any]]:
    if cover is None:
        return []
    images = []
    for crop in CROPS:
        sizes = [r for r in cover.renditions if r.crop == crop and r.format == "jpeg"]
        if sizes:
            widest = max(sizes, key=lambda r: r.width)
            images.append(_image(widest.url, widest.width, widest.height))
    return images or [_image(cover.url, cover.width, cover.height)]


def _image(url: str, width: int, height: int) -> dict[str, Any]:
    return {"@type": "ImageObject", "url": url, "width": width, "height": height}


def news_article(article: PublicArticle, site: Site) -> dict[str, Any]:
    """The `NewsArticle` of a public (or previewed) version, from its page."""
    current = next(a for a in article.alternates if a.current)
    url = article.url
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "NewsArticle",
        "@id": url,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "headline": headline(article.title),
        "description": article.seo_description or article.lead,
        "inLanguage": current.bcp47,
    }
    if article.published_at is not None:  # a preview of a version never published: none
        document["datePublished"] = _moment(article.published_at)
    document["dateModified"] = _moment(article.updated_at or article.published_at)
    document["isAccessibleForFree"] = True
    document["publisher"] = site.publisher()
    images = _images(article.cover)
    if images:
        document["image"] = images
    if article.authors:
        document["author"] = [
            {
                "@type": "Person",
                "name": author.name,
                "url": site.author_url(
                    language=article.language, bcp47=current.bcp47, slug=author.slug
                ),
            }
            for author in article.authors
        ]
    if article.category is not None:
        document["articleSection"] = article.category.name
    if article.tags:
        document["keywords"] = [tag.name for tag in article.tags]
    if article.word_count:
        document["wordCount"] = article.word_count
    corrections = [
        {"@type": "CorrectionComment", "text": note.text, "datePublished": _moment(note.at)}
        for note in article.corrections
        if note.kind == CorrectionKind.correction
    ]
    if corrections:
        document["correction"] = corrections
    if article.language == article.original_language:
        translations = [_version(a) for a in article.alternates if not a.current]
        if translations:
            document["workTranslation"] = translations
    else:
        source = next(
            (a for a in article.alternates if a.language == article.original_language), None
        )
        if source is not None:
            document["translationOfWork"] = _version(source)
    return document


def _version(alternate: Alternate) -> dict[str, Any]:
    return {"@type": "NewsArticle", "@id": alternate.url, "inLanguage": alternate.bcp47}


def _moment(value: datetime | None) -> str | None:
    """An RFC 3339 UTC time, as the API writes times (`Z`)."""
    if value is None:
        return None
    if value.utcoffset():  # stored times are UTC already; anything else is converted
        value = value.astimezone(UTC)
    return value.isoformat().replace("+00:00", "Z")
