"""Public, localized article shapes: one language, only what is public in it."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from app.articles.schemas import EmbedItem, OutlineItem
from app.kit import examples as ex
from app.media.schemas import Rendition
from app.models import CorrectionKind

# Where the examples' site shows an article (NEWSDESK_SITE_URL and the default pattern).
_SITE = "https://news.example"


def _alternate(language: str, slug: str, *, current: bool) -> JsonDict:
    return {
        "language": language,
        "bcp47": {"ua": "uk"}.get(language, language),
        "slug": slug,
        "path": ex.path(language, slug),
        "url": f"{_SITE}/{language}/{slug}",
        "current": current,
    }


# The Ukrainian original and its English translation are public; the Russian is a draft.
_METRO_ALTERNATES = [
    _alternate("ua", ex.SLUG["ua"], current=True),
    _alternate("en", ex.SLUG["en"], current=False),
]
_METRO_CARD: JsonDict = {
    "id": ex.ARTICLE_ID,
    "language": "ua",
    "slug": ex.SLUG["ua"],
    "path": ex.path("ua", ex.SLUG["ua"]),
    "title": ex.TITLE["ua"],
    "lead": ex.LEAD["ua"],
    "cover": {
        "id": ex.MEDIA_ID,
        "url": ex.COVER_URL,
        "width": ex.COVER_WIDTH,
        "height": ex.COVER_HEIGHT,
        "credit": ex.COVER_CREDIT,
        "caption": ex.COVER_CAPTION["ua"],
        "alt": ex.COVER_ALT["ua"],
        "renditions": ex.renditions(),  # type: ignore[dict-item]
        "blurhash": ex.COVER_BLURHASH,
        "dominant_color": ex.COVER_COLOR,
    },
    "authors": [ex.ref(ex.AUTHOR_ID, ex.AUTHOR_NAME, ex.AUTHOR_SLUG, "ua")],
    "category": ex.ref(ex.CATEGORY_ID, ex.CATEGORY_NAME, ex.CATEGORY_SLUG, "ua"),
    "tags": [
        ex.ref(ex.TAG_TRANSPORT_ID, ex.TAG_TRANSPORT_NAME, ex.TAG_TRANSPORT_SLUG, "ua"),
        ex.ref(ex.TAG_KYIV_ID, ex.TAG_KYIV_NAME, ex.TAG_KYIV_SLUG, "ua"),
    ],
    "published_at": ex.UA_PUBLISHED_AT,
    "updated_at": ex.UA_CORRECTED_AT,
    "reading_time_minutes": 1,
    "original_language": ex.ORIGINAL,
    "url": f"{_SITE}/ua/{ex.SLUG['ua']}",
    "alternates": _METRO_ALTERNATES,  # type: ignore[dict-item]
}
_METRO_URL = f"{_SITE}/ua/{ex.SLUG['ua']}"
_METRO_JSON_LD: JsonDict = {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    "@id": _METRO_URL,
    "url": _METRO_URL,
    "mainEntityOfPage": {"@type": "WebPage", "@id": _METRO_URL},
    "headline": ex.TITLE["ua"],
    "description": ex.LEAD["ua"],
    "inLanguage": "uk",
    "datePublished": ex.UA_PUBLISHED_AT,
    "dateModified": ex.UA_CORRECTED_AT,
    "isAccessibleForFree": True,
    "publisher": {
        "@type": "NewsMediaOrganization",
        "name": "Newsdesk",
        "url": f"{_SITE}/",
        "logo": {"@type": "ImageObject", "url": f"{_SITE}/logo-600x60.png"},
    },
    "image": [
        {
            "@type": "ImageObject",
            "url": ex.COVER_URL,
            "width": ex.COVER_WIDTH,
            "height": ex.COVER_HEIGHT,
        }
    ],
    "author": [
        {
            "@type": "Person",
            "name": ex.AUTHOR_NAME["ua"],
            "url": f"{_SITE}/ua/authors/{ex.AUTHOR_SLUG['ua']}",
        }
    ],
    "articleSection": ex.CATEGORY_NAME["ua"],
    "keywords": [ex.TAG_TRANSPORT_NAME["ua"], ex.TAG_KYIV_NAME["ua"]],
    "wordCount": ex.WORD_COUNT["ua"],
    "correction": [
        {
            "@type": "CorrectionComment",
            "text": ex.CORRECTION_TEXT_UA,
            "datePublished": ex.UA_CORRECTED_AT,
        }
    ],
    "workTranslation": [
        {"@type": "NewsArticle", "@id": f"{_SITE}/en/{ex.SLUG['en']}", "inLanguage": "en"}
    ],
}
_EARLIER_SLUG = "ukrzaliznytsia-pryznachyla-dodatkovi-potiahy-do-lvova"
_EARLIER_CARD: JsonDict = {
    "id": ex.EARLIER_ARTICLE_ID,
    "language": "ua",
    "slug": _EARLIER_SLUG,
    "path": ex.path("ua", _EARLIER_SLUG),
    "title": "Укрзалізниця призначила додаткові потяги до Львова",
    "lead": "На новорічні свята зі столиці курсуватимуть ще чотири нічні потяги.",
    "cover": None,
    "authors": [ex.ref(ex.EARLIER_AUTHOR_ID, ex.EARLIER_AUTHOR_NAME, ex.EARLIER_AUTHOR_SLUG, "ua")],
    "category": ex.ref(ex.CATEGORY_ID, ex.CATEGORY_NAME, ex.CATEGORY_SLUG, "ua"),
    "tags": [ex.ref(ex.TAG_TRANSPORT_ID, ex.TAG_TRANSPORT_NAME, ex.TAG_TRANSPORT_SLUG, "ua")],
    "published_at": "2026-11-25T16:45:00Z",
    "updated_at": "2026-11-25T16:45:00Z",
    "reading_time_minutes": 2,
    "original_language": "ua",
    "url": f"{_SITE}/ua/{_EARLIER_SLUG}",
    "alternates": [_alternate("ua", _EARLIER_SLUG, current=True)],
}


class Cover(BaseModel):
    id: uuid.UUID = Field(description="The media record's id.")
    url: str
    width: int
    height: int
    credit: str | None = Field(examples=["Getty Images"], description="Null when none.")
    caption: str | None = Field(
        description="Plain text, in this language; null when not translated."
    )
    alt: str | None = Field(description="In this language; null when not translated.")
    renditions: list[Rendition] = Field(
        description="Every stored width, format and crop, for `srcset` and `<picture>`; "
        "empty for an image registered by URL."
    )
    blurhash: str | None = Field(description="A BlurHash (4×3) to show while loading.")
    dominant_color: str | None = Field(examples=["#5a6b7c"])


class SocialImage(BaseModel):
    """The picture of social cards, in the size they want: copy it into `og:image`
    (`og:image:width`, `og:image:height`, `og:image:alt`, `og:image:type`) and
    `twitter:image` with `twitter:card` = `summary_large_image`."""

    id: uuid.UUID = Field(description="The media record's id.")
    url: str = Field(
        description="The 16:9 crop JPEG whose width is the smallest at least 1200 pixels "
        "(else the widest 16:9 JPEG), else the whole picture's JPEG chosen alike, else the "
        "record's own URL (an image registered by URL)."
    )
    width: int = Field(examples=[1200], description="Of the file at `url`, in pixels.")
    height: int = Field(examples=[675], description="Of the file at `url`, in pixels.")
    alt: str | None = Field(description="In this language; null when not translated.")
    type: str | None = Field(
        examples=["image/jpeg"], description="The file's MIME type; null when unknown."
    )


class TermRef(BaseModel):
    id: uuid.UUID
    name: str
    slug: str


class AuthorRef(TermRef):
    pass


class SourceRef(BaseModel):
    name: str = Field(examples=["Financial Times"])
    url: str | None = Field(examples=["https://www.ft.com/"])


class Alternate(BaseModel):
    """One public language version of the article: where the API serves it (`path`) and
    where the site shows it (`url`), for a language switcher and hreflang."""

    language: str = Field(examples=["en"])
    bcp47: str = Field(
        examples=["en"], description="The language's BCP 47 tag, for `hreflang` and `lang`."
    )
    slug: str
    path: str = Field(examples=["/v1/en/articles/kyiv-metro-reopens"])
    url: str = Field(
        description="The site URL of this version (`NEWSDESK_SITE_URL` + "
        "`NEWSDESK_ARTICLE_URL_PATTERN`).",
        examples=["https://news.example/en/kyiv-metro-reopens"],
    )
    current: bool = Field(description="This is the version being read.")


class _ArticleFields(BaseModel):
    id: uuid.UUID
    language: str = Field(examples=["ua"])
    slug: str
    path: str
    title: str
    lead: str
    cover: Cover | None
    authors: list[AuthorRef]
    category: TermRef | None
    tags: list[TermRef]
    published_at: datetime = Field(description="First publication of this language version.")
    updated_at: datetime = Field(
        description="The last substantive change: the latest correction or update note (or "
        "published staged changes), else the first publication. Quick fixes, metadata and "
        "status changes do not move it."
    )
    reading_time_minutes: int
    original_language: str
    url: str = Field(
        description="Where the public site shows this version (`NEWSDESK_SITE_URL` + "
        "`NEWSDESK_ARTICLE_URL_PATTERN`)."
    )
    alternates: list[Alternate] = Field(
        description="Every language this article is public in, this one included "
        "(`current`), in the languages' order: a language switcher and hreflang links "
        "with no further call."
    )


class ArticleCard(_ArticleFields):
    """An article in a list: everything but the body."""

    snippet: str | None = Field(
        default=None,
        description="Search results only (`q`): a short plain-text excerpt of the lead and "
        "body, HTML-escaped, with the matched words in `<mark>`; `…` marks a cut.",
        examples=["… після <mark>удару</mark> по енергетичній інфраструктурі …"],
    )


class CorrectionNote(BaseModel):
    kind: CorrectionKind = Field(
        description="`correction`: something published was wrong; `update`: the story moved on."
    )
    text: str = Field(description="Plain text (escape it when rendering).")
    at: datetime


class PublicArticle(_ArticleFields):
    """One article in one language, with its public alternates (itself included)."""

    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                **_METRO_CARD,
                "body_html": ex.BODY_HTML["ua"],
                "seo_title": None,
                "seo_description": None,
                "social_title": ex.TITLE["ua"],
                "social_description": ex.LEAD["ua"],
                "social_image": {
                    "id": ex.MEDIA_ID,
                    "url": ex.COVER_URL,
                    "width": ex.COVER_WIDTH,
                    "height": ex.COVER_HEIGHT,
                    "alt": ex.COVER_ALT["ua"],
                    "type": "image/jpeg",
                },
                "word_count": ex.WORD_COUNT["ua"],
                "outline": ex.OUTLINE["ua"],  # type: ignore[dict-item]
                "embeds": [],
                "sources": [ex.SOURCE],
                "canonical_url": f"{_SITE}/ua/{ex.SLUG['ua']}",
                "x_default_url": f"{_SITE}/ua/{ex.SLUG['ua']}",
                "json_ld": _METRO_JSON_LD,
                "corrections": [
                    {"kind": "correction", "text": ex.CORRECTION_TEXT_UA, "at": ex.UA_CORRECTED_AT}
                ],
                "related": [_EARLIER_CARD],
            }
        )
    )

    body_html: str
    seo_title: str | None
    seo_description: str | None
    social_title: str = Field(
        description="For `og:title` and `twitter:title`: the version's social title, else "
        "its `seo_title`, else its `title`. Plain text (escape it in the attribute)."
    )
    social_description: str = Field(
        description="For `og:description` and `twitter:description`: the version's social "
        "description, else its `seo_description`, else its `lead` (may be empty). Plain text."
    )
    social_image: SocialImage | None = Field(
        description="For `og:image` and `twitter:image` (`twitter:card` = "
        "`summary_large_image`): the version's social image, else the article's cover, in "
        "the rendition social cards want; null when the article has neither."
    )
    word_count: int
    outline: list[OutlineItem] = Field(
        description="The body's h2-h4 headings in order, each with the `id` it carries in "
        "`body_html`: a table of contents (`#<id>` links) with no parsing."
    )
    embeds: list[EmbedItem] = Field(
        description="The embeds in the body, in order (YouTube, Vimeo, X, Telegram, Facebook, "
        'Instagram), each kept in `body_html` as `<figure data-embed="<provider>" '
        'data-embed-id="<id>">` with a link to the original: swap in the provider\'s player '
        "(or leave the link)."
    )
    sources: list[SourceRef]
    canonical_url: str = Field(
        description="The canonical URL of this page: the version's own site URL (each "
        "language version is its own canonical page; the others are its alternates)."
    )
    x_default_url: str = Field(
        description="The `x-default` hreflang URL: the original language's version when "
        "it is public, else the first public version in the languages' order."
    )
    json_ld: dict[str, Any] = Field(
        description="A schema.org `NewsArticle` for this page's JSON-LD script element "
        "(`application/ld+json`; escape `<` as `\\u003c` when embedding it): headline "
        "(at most 110 characters), description, language, dates, authors "
        "with their pages, the publisher (`NEWSDESK_SITE_NAME`, `NEWSDESK_SITE_URL`, "
        "`NEWSDESK_PUBLISHER_LOGO_URL`), the cover's 16:9, 4:3 and 1:1 crops, corrections, "
        "and the other language versions (`workTranslation` / `translationOfWork`)."
    )
    corrections: list[CorrectionNote] = Field(
        description="Correction and update notes on this language version, oldest first."
    )
    related: list[ArticleCard] = Field(
        description="Related articles public in this language, as list cards, in the "
        "editors' order (the others are left out)."
    )


class PreviewArticle(PublicArticle):
    """A translation by preview link, as it will look when published."""

    published_at: datetime | None = Field(  # type: ignore[assignment]
        description="First publication of this language version (for a scheduled one, when "
        "it will be); null while it has never been published."
    )


class ArticlePage(BaseModel):
    # The first page of `?limit=2`: more follow.
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                "items": [_METRO_CARD, _EARLIER_CARD],
                "next_cursor": "WyIyMDI2LTExLTI1VDE2OjQ1OjAwKzAwOjAwIiwiNTBmMDcxOWY4OWU1NDk5"
                "NDgxMWJhNmU5ZmEwMDE0YTEiXQ",
            }
        )
    )

    items: list[ArticleCard]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
