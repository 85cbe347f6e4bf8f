"""Management API shapes of articles and their translations."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from pydantic.config import JsonDict

from app.kit import examples as ex
from app.kit.embeds import Provider
from app.kit.removals import SanitizerWarning
from app.kit.schema import (
    JSON_NUMBER,
    Html,
    HttpUrl,
    InContract,
    LanguageKey,
    LanguageMap,
    LongLine,
    Name,
    Note,
    Paragraph,
    ReadSchema,
    Schema,
    Slug,
    Timestamp,
    Title,
)
from app.models import CorrectionKind, Status


def _translation_read(
    language: str,
    *,
    status: str,
    publish_at: str | None,
    created_at: str,
    updated_at: str,
    version: int,
    source_revision: int | None = None,
    outdated_fields: list[str] | None = None,
    seo: tuple[str | None, str | None] = (None, None),
    corrections: list[JsonDict] | None = None,
) -> JsonDict:
    stale: list[str] = outdated_fields or []
    notes: list[JsonDict] = corrections or []
    return {
        "language": language,
        "slug": ex.SLUG[language],
        "title": ex.TITLE[language],
        "lead": ex.LEAD[language],
        "body_html": ex.BODY_HTML[language],
        "seo_title": seo[0],
        "seo_description": seo[1],
        "outline": [dict(item) for item in ex.OUTLINE[language]],
        "embeds": [],
        "warnings": [],
        "social_title": None,
        "social_description": None,
        "social_image_id": None,
        "status": status,
        "public": publish_at is not None,
        "path": ex.path(language, ex.SLUG[language]),
        "publish_at": publish_at,
        "published_at": publish_at,
        "expire_at": None,
        "expire_status": None,
        "created_at": created_at,
        "updated_at": updated_at,
        "version": version,
        "word_count": ex.WORD_COUNT[language],
        "reading_time_minutes": 1,
        "source_revision": source_revision,
        "outdated": bool(stale),
        "outdated_fields": [*stale],
        "has_pending_changes": False,
        "revised_at": notes[-1]["at"] if notes else None,
        "corrections": [*notes],
    }


_SEO_EN = (
    "Kyiv metro reopens after overnight power cut",
    "All three metro lines are running again; at peak hours trains come every four minutes.",
)
_CORRECTION: JsonDict = {
    "id": ex.CORRECTION_ID,
    "kind": "correction",
    "text": ex.CORRECTION_TEXT_UA,
    "at": ex.UA_CORRECTED_AT,
    "by": f"user:{ex.EDITOR_EMAIL}",
}
# Revision 2 made the original; 6 corrected its body: the Russian draft predates that.
_READ_UA = _translation_read(
    "ua", status="published", publish_at=ex.UA_PUBLISHED_AT, created_at=ex.CREATED_AT,
    updated_at=ex.UA_CORRECTED_AT, version=4, corrections=[_CORRECTION],
)  # fmt: skip
_READ_EN = _translation_read(
    "en", status="published", publish_at=ex.EN_PUBLISHED_AT, created_at=ex.EN_CREATED_AT,
    updated_at=ex.EN_PUBLISHED_AT, version=2, source_revision=6, seo=_SEO_EN,
)  # fmt: skip
_READ_RU = _translation_read(
    "ru", status="draft", publish_at=None, created_at=ex.RU_CREATED_AT,
    updated_at=ex.RU_CREATED_AT, version=1, source_revision=2, outdated_fields=["body_html"],
)  # fmt: skip
_READS = {"ua": _READ_UA, "en": _READ_EN, "ru": _READ_RU}
_SUMMARY_FIELDS = (
    "slug", "title", "status", "public", "outdated", "publish_at", "published_at", "expire_at",
    "updated_at", "version",
)  # fmt: skip
# The article's metadata, as written (ArticleCreate) and as read back (ArticleRead).
_METADATA: JsonDict = {
    "original_language": ex.ORIGINAL,
    "author_ids": [ex.AUTHOR_ID],
    "category_id": ex.CATEGORY_ID,
    "tag_ids": [ex.TAG_TRANSPORT_ID, ex.TAG_KYIV_ID],
    "cover_media_id": ex.MEDIA_ID,
    "sources": [ex.SOURCE],
    "related_ids": [ex.EARLIER_ARTICLE_ID],
}
_ARTICLE: JsonDict = {
    "id": ex.ARTICLE_ID,
    **_METADATA,
    "created_at": ex.CREATED_AT,
    "updated_at": ex.CREATED_AT,
    "version": 1,
    "deleted_at": None,
    "deleted_by": None,
}
_PREVIEW_TOKEN = "ndp__emxa1zO33tUFm5e77o580j3gDZMNHQh91UEt0gObhY"  # noqa: S105 - an example
_PREVIEW_ID = "0b7d4c1e-5a2f-4e8b-9c3d-6f1a2b3c4d5e"


# Plain text and HTML, as the contract states them (issue 18, item 4).
PLAIN_TEXT = (
    "Plain text, stored exactly as given: markup is not interpreted, so `AT&T <b>` is kept "
    "as those characters, and every output escapes it (HTML, RSS, Atom). Control "
    "characters are refused (422)."
)
TITLE_TEXT = f"One line. {PLAIN_TEXT}"
LEAD_TEXT = f'May be empty (""); line breaks and tabs allowed. {PLAIN_TEXT}'
SEO_TEXT = f"One line; null: none. {PLAIN_TEXT}"
BODY_HTML = (
    "HTML, sanitized on write to an allowlist of tags, attributes and URL schemes "
    "(http, https, mailto, relative). Headings h2-h4 get an `id` derived from their text "
    "(transliterated like slugs, unique in the body; an id given is replaced): see "
    "`outline`. Embed codes of YouTube, Vimeo, X, Telegram, Facebook and Instagram (their "
    "iframes, blockquotes and scripts as pasted, or the post's URL alone in a paragraph) "
    'are kept in one script-free form, `<figure data-embed="<provider>" '
    'data-embed-id="<id>"><a href="<url>">…</a></figure>`: see `embeds`. Everything else '
    "is removed, and the write's answer lists what (`warnings`). Sanitizing is idempotent. "
    "At most 20,000 tags (`<`): more is refused (422)."
)


class OutlineItem(ReadSchema):
    """One heading of the body: a table of contents entry."""

    level: Annotated[int, Field(ge=2, le=4)] = Field(description="2, 3 or 4 (h2-h4).")
    text: str = Field(description="The heading's text (plain text).")
    id: str = Field(description="The heading's `id` in `body_html`: link it as `#<id>`.")


class EmbedItem(ReadSchema):
    """One embed kept in the body, as `<figure data-embed data-embed-id>`."""

    provider: Provider = Field(description="Whose player shows it.")
    id: str = Field(
        description="The post or video, checked against the provider's pattern: a YouTube "
        "or Vimeo video id (`76979871/8272103f6e` for an unlisted Vimeo video), X "
        "`account/status`, Telegram `channel/post`, Facebook `page/posts/id`, "
        "`page/videos/id` or `reel/id`, Instagram `p/code`, `reel/code` or `tv/code`.",
        examples=["dQw4w9WgXcQ"],
    )
    url: str = Field(
        description="The original's canonical URL.",
        examples=["https://www.youtube.com/watch?v=dQw4w9WgXcQ"],
    )


_WARNINGS = (
    "What the sanitizer removed from `body_html` in the write this answers (a tag, an "
    "attribute, a URL, an embed it does not allow), one entry per kind with its count; "
    "empty when nothing was removed, and on reads (warnings are not stored)."
)
_OUTLINE = "The body's h2-h4 headings in order, derived from `body_html` on write."
_EMBEDS = "The embeds kept in the body, in order, derived from `body_html` on write."


# This version's overrides for social cards (Open Graph, Twitter): plain text, one line.
SocialTitle = Annotated[Title, Field(max_length=300)]
SocialDescription = LongLine
_SOCIAL_TITLE = (
    "Plain text, one line, at most 300 characters: the title of social cards (`og:title`, "
    "`twitter:title`) when it should differ from the SEO title. Null: the public "
    "`social_title` falls back to `seo_title`, then `title`."
)
_SOCIAL_DESCRIPTION = (
    "Plain text, one line, at most 500 characters: the description of social cards "
    "(`og:description`, `twitter:description`). Null: the public `social_description` "
    "falls back to `seo_description`, then `lead`."
)
_SOCIAL_IMAGE = (
    "The id of a media record shown on social cards of this language version (`og:image`, "
    "`twitter:image`); an unknown id is refused (422). Null: the article's cover. Set to "
    "null when the media record is deleted (`deleteMedia` with `force=true`)."
)


class Source(Schema):
    name: Name = Field(description=f"The source's name. {PLAIN_TEXT}", examples=["Financial Times"])
    url: HttpUrl | None = Field(default=None, examples=["https://www.ft.com/"])


class TranslationIn(Schema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                "title": ex.TITLE["en"],
                "lead": ex.LEAD["en"],
                "body_html": ex.BODY_HTML["en"],
                "seo_title": _SEO_EN[0],
                "seo_description": _SEO_EN[1],
            }
        )
    )

    # All three are required: a write that leaves one out must not blank it (send "" for
    # an empty lead or body).
    title: Title = Field(
        description=TITLE_TEXT, examples=["Kyiv reopens the Podilskyi bridge metro line"]
    )
    lead: Paragraph = Field(description=LEAD_TEXT)
    body_html: Html = Field(description=BODY_HTML)
    slug: Slug | None = Field(
        default=None,
        description="Derived from the title (transliterated) when not given; unique per language.",
    )
    seo_title: Annotated[Title, Field(max_length=300)] | None = Field(
        default=None, description=SEO_TEXT
    )
    seo_description: LongLine | None = Field(default=None, description=SEO_TEXT)
    social_title: SocialTitle | None = Field(default=None, description=_SOCIAL_TITLE)
    social_description: SocialDescription | None = Field(
        default=None, description=_SOCIAL_DESCRIPTION
    )
    social_image_id: uuid.UUID | None = Field(default=None, description=_SOCIAL_IMAGE)


# An id named twice is refused (422), and the contract says so.
_UNIQUE = InContract((("uniqueItems", True),))
AuthorIds = Annotated[list[uuid.UUID], Field(max_length=20), _UNIQUE]
MAX_RELATED = 20
RelatedIds = Annotated[list[uuid.UUID], Field(max_length=MAX_RELATED), _UNIQUE]
_RELATED_DESCRIPTION = (
    "Related articles, in the order readers see them (other articles' ids, each once, at "
    f"most {MAX_RELATED}). The public article shows those public in its language as cards "
    "(`related`)."
)
TagIds = Annotated[list[uuid.UUID], Field(max_length=50), _UNIQUE]
Sources = Annotated[list[Source], Field(max_length=20)]


class ArticleCreate(Schema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                **_METADATA,
                "translations": {
                    "ua": {
                        "title": ex.TITLE["ua"],
                        "lead": ex.LEAD["ua"],
                        "body_html": ex.FIRST_BODY_HTML_UA,
                    }
                },
            }
        )
    )

    original_language: LanguageKey = Field(examples=["ua"])
    author_ids: AuthorIds = Field(default_factory=list, description="Ordered byline.")
    category_id: uuid.UUID | None = None
    tag_ids: TagIds = Field(default_factory=list)
    cover_media_id: uuid.UUID | None = None
    sources: Sources = Field(default_factory=list)
    related_ids: RelatedIds = Field(default_factory=list, description=_RELATED_DESCRIPTION)
    translations: Annotated[LanguageMap[TranslationIn], Field(min_length=1)] = Field(
        description="The first language versions; the original language's is required. "
        "Every translation starts as a draft."
    )


class ArticleUpdate(Schema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples({"author_ids": [ex.AUTHOR_ID, ex.EARLIER_AUTHOR_ID]})
    )

    original_language: LanguageKey | None = None
    author_ids: AuthorIds | None = None
    category_id: uuid.UUID | None = None
    tag_ids: TagIds | None = None
    cover_media_id: uuid.UUID | None = None
    sources: Sources | None = None
    related_ids: RelatedIds | None = Field(default=None, description=_RELATED_DESCRIPTION)


_PUBLISH_AT = (
    "When the version becomes public; omitted = now. A future time schedules it: it appears "
    "at that moment with no further action."
)
_EXPIRE_AT = (
    "When the version stops being public (a scheduled takedown: from then on it reads as "
    "unpublished, a draft, and its public URL answers 404); omitted = never (a publish "
    "replaces a takedown scheduled before). Must be after `publish_at` and in the future."
)


def _after_publish_at(expire_at: datetime | None, info: ValidationInfo) -> datetime | None:
    publish_at = info.data.get("publish_at")
    if expire_at is not None and publish_at is not None and expire_at <= publish_at:
        raise ValueError("expire_at must be after publish_at")
    return expire_at


class PublishIn(Schema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {"publish_at": "2026-11-26T09:00:00+02:00"},
            {"publish_at": "2026-11-26T09:00:00+02:00", "expire_at": "2026-12-26T09:00:00+02:00"},
            {},
        )
    )

    publish_at: Timestamp | None = Field(
        default=None, description=_PUBLISH_AT, examples=["2026-12-01T09:00:00Z"]
    )
    expire_at: Timestamp | None = Field(
        default=None, description=_EXPIRE_AT, examples=["2026-12-31T21:00:00Z"]
    )

    _expire_after_publish = field_validator("expire_at")(_after_publish_at)


class PublishManyIn(Schema):
    """Publish (or schedule) several language versions of one article: all or none."""

    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {"languages": [ex.ORIGINAL, "en"]},
            {"languages": [ex.ORIGINAL, "en"], "publish_at": "2026-11-26T09:00:00+02:00"},
        )
    )

    languages: Annotated[list[LanguageKey], Field(min_length=1, max_length=50), _UNIQUE] = Field(
        description="The language versions to publish, each named once."
    )
    publish_at: Timestamp | None = Field(
        default=None, description=_PUBLISH_AT, examples=["2026-12-01T09:00:00Z"]
    )
    expire_at: Timestamp | None = Field(
        default=None, description=_EXPIRE_AT, examples=["2026-12-31T21:00:00Z"]
    )

    @field_validator("languages")
    @classmethod
    def _each_once(cls, languages: list[str]) -> list[str]:
        if len(set(languages)) != len(languages):
            raise ValueError("a language is named twice")
        return languages

    _expire_after_publish = field_validator("expire_at")(_after_publish_at)


class TakedownIn(Schema):
    """The body of `unpublish` and `archive`: now, or at a later time."""

    model_config = ConfigDict(json_schema_extra=ex.examples({"at": "2026-12-31T21:00:00Z"}, {}))

    at: Timestamp | None = Field(
        default=None,
        description="When to take the version down; omitted or past = now. A future time "
        "schedules the takedown (the version's `expire_at`): it stays public until then.",
        examples=["2026-12-31T21:00:00Z"],
    )


class TransitionIn(Schema):
    """The body of a state transition that takes no options (submit)."""

    model_config = ConfigDict(json_schema_extra=ex.examples({}))


class CorrectionIn(Schema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples({"kind": "correction", "text": ex.CORRECTION_TEXT_UA})
    )

    kind: CorrectionKind = Field(
        description="`correction`: something published was wrong; `update`: the story "
        "moved on since publication."
    )
    text: Note = Field(
        description="Plain text, one line (no HTML: shown as text), up to 1,000 characters."
    )


class CorrectionRead(ReadSchema):
    model_config = ConfigDict(json_schema_extra=ex.examples(_CORRECTION))

    id: uuid.UUID
    kind: CorrectionKind
    text: str
    at: datetime = Field(description="When it was appended (the public `updated_at` moved).")
    by: str = Field(description="Who appended it (`user:<e-mail>` or `api_key:<name>`).")


class TranslationRead(ReadSchema):
    model_config = ConfigDict(json_schema_extra=ex.examples(_READ_EN, _READ_RU))

    language: str
    slug: str
    title: str = Field(description="Plain text, as written: escape it.")
    lead: str = Field(description="Plain text, as written: escape it.")
    body_html: str = Field(description="Sanitized HTML, with heading ids and embeds.")
    seo_title: str | None = Field(description="Plain text, as written: escape it.")
    seo_description: str | None = Field(description="Plain text, as written: escape it.")
    outline: list[OutlineItem] = Field(description=_OUTLINE)
    embeds: list[EmbedItem] = Field(description=_EMBEDS)
    warnings: list[SanitizerWarning] = Field(description=_WARNINGS)
    social_title: str | None = Field(description=_SOCIAL_TITLE)
    social_description: str | None = Field(description=_SOCIAL_DESCRIPTION)
    social_image_id: uuid.UUID | None = Field(description=_SOCIAL_IMAGE)
    status: Status = Field(
        description="`scheduled` reads as `published` once its time passed; a version taken "
        "down at its `expire_at` reads as its `expire_status`."
    )
    public: bool = Field(description="Visible on the public API right now.")
    path: str = Field(description="The public path of this version.")
    publish_at: datetime | None
    published_at: datetime | None = Field(description="First publication.")
    expire_at: datetime | None = Field(
        description="A scheduled takedown: the version stops being public then (null: never). "
        "Still shown after it happened, until the next change of publication state."
    )
    expire_status: Status | None = Field(
        description="What the version reads as from `expire_at` on: `draft` (unpublished: "
        "the public URL answers 404) or `archived` (410 Gone); `status` shows it once "
        "the time has passed."
    )
    created_at: datetime
    updated_at: datetime
    version: int
    word_count: int
    reading_time_minutes: int
    source_revision: int | None = Field(
        description="For a translation of another language: the article revision of the "
        "original's text it was made from."
    )
    outdated: bool = Field(
        description="The original's title, lead or body changed since this translation "
        "was made (always false for the original)."
    )
    outdated_fields: list[str] = Field(
        description="Which of the original's fields changed since.", examples=[["body_html"]]
    )
    has_pending_changes: bool = Field(
        description="A published or scheduled version carries a pending copy that readers "
        "do not see yet (`getPendingTranslation`; publish it with `publishPendingTranslation`)."
    )
    revised_at: datetime | None = Field(
        description="The last substantive change readers were told about (a correction or "
        "update note, published staged changes): the public `updated_at`, which falls back "
        "to `published_at`. Quick fixes, metadata and status changes do not move it."
    )
    corrections: list[CorrectionRead] = Field(
        description="Correction and update notes, oldest first; shown on the public article. "
        "Never changed or removed."
    )


# The English version's pending copy: an update of the lead and body, the title as it is.
_PENDING_LEAD_EN = (
    "All three lines of the capital’s metro are running again after an emergency power cut "
    "on Wednesday night; the Red line runs a reduced timetable until Friday."
)
_PENDING_BODY_EN = ex.BODY_HTML["en"] + "<p>The Red line runs every six minutes until Friday.</p>"
_PENDING_EN: JsonDict = {
    "language": "en",
    "slug": ex.SLUG["en"],
    "title": ex.TITLE["en"],
    "lead": _PENDING_LEAD_EN,
    "body_html": _PENDING_BODY_EN,
    "seo_title": _SEO_EN[0],
    "seo_description": _SEO_EN[1],
    "social_title": None,
    "social_description": None,
    "social_image_id": None,
    "word_count": 63,
    "reading_time_minutes": 1,
    "warnings": [],
    "status": "published",
    "changed_fields": ["lead", "body_html"],
    "saved_by": f"user:{ex.TRANSLATOR_EMAIL}",
    "saved_at": "2026-11-26T10:12:44.902311Z",
}


class PendingRead(ReadSchema):
    """The pending copy of a live version: what its next publication will show."""

    model_config = ConfigDict(json_schema_extra=ex.examples(_PENDING_EN))

    language: str
    slug: str = Field(description="The slug the version will have once the copy is published.")
    title: str
    lead: str
    body_html: str = Field(description="Sanitized, as it will be published.")
    seo_title: str | None
    seo_description: str | None
    social_title: str | None = Field(description=_SOCIAL_TITLE)
    social_description: str | None = Field(description=_SOCIAL_DESCRIPTION)
    social_image_id: uuid.UUID | None = Field(description=_SOCIAL_IMAGE)
    word_count: int
    reading_time_minutes: int
    warnings: list[SanitizerWarning] = Field(description=_WARNINGS)
    status: Status = Field(description="The live version's status (published or scheduled).")
    changed_fields: list[str] = Field(
        description="The fields where the copy differs from the live version.",
        examples=[["lead", "body_html"]],
    )
    saved_by: str = Field(description="Who saved it last (`user:<e-mail>` or `api_key:<name>`).")
    saved_at: datetime


class TranslationPatch(Schema):
    """A JSON Merge Patch (RFC 7396) of a translation: the fields given replace the current
    ones, `null` removes an optional one; `title`, `lead` and `body_html` cannot be removed."""

    model_config = ConfigDict(
        json_schema_extra=ex.examples({"lead": _PENDING_LEAD_EN}, {"seo_title": None})
    )

    # Left out = unchanged; never null (a field a translation must have). The default is
    # never read: only the fields sent (`model_fields_set`) are merged.
    title: Title = Field(default=None, description=TITLE_TEXT)  # type: ignore[assignment]
    lead: Paragraph = Field(default=None, description=LEAD_TEXT)  # type: ignore[assignment]
    body_html: Html = Field(default=None, description=BODY_HTML)  # type: ignore[assignment]
    slug: Slug | None = Field(
        default=None, description="`null` is the same as a PUT without a slug: it stays."
    )
    seo_title: Annotated[Title, Field(max_length=300)] | None = Field(
        default=None, description=SEO_TEXT
    )
    seo_description: LongLine | None = Field(default=None, description=SEO_TEXT)
    social_title: SocialTitle | None = Field(default=None, description=_SOCIAL_TITLE)
    social_description: SocialDescription | None = Field(
        default=None, description=_SOCIAL_DESCRIPTION
    )
    social_image_id: uuid.UUID | None = Field(default=None, description=_SOCIAL_IMAGE)


class ArticleRead(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples({**_ARTICLE, "translations": {**_READS}})
    )

    id: uuid.UUID
    original_language: str
    author_ids: list[uuid.UUID]
    category_id: uuid.UUID | None
    tag_ids: list[uuid.UUID]
    cover_media_id: uuid.UUID | None
    sources: list[Source]
    related_ids: list[uuid.UUID] = Field(description="Related articles, in order.")
    created_at: datetime
    updated_at: datetime
    version: int
    deleted_at: datetime | None = Field(
        description="Set when the article was deleted: a tombstone, read-only, its public "
        "URLs answering 410 (see `deleteArticle`).",
    )
    deleted_by: str | None = Field(
        description="Who deleted it (`user:<e-mail>` or `api_key:<name>`).",
    )
    translations: dict[str, TranslationRead]


class TranslationSummary(ReadSchema):
    slug: str
    title: str
    status: Status
    public: bool
    outdated: bool
    publish_at: datetime | None
    published_at: datetime | None
    expire_at: datetime | None
    updated_at: datetime
    version: int


class ArticleSummary(ReadSchema):
    id: uuid.UUID
    original_language: str
    created_at: datetime
    updated_at: datetime
    version: int
    deleted_at: datetime | None = Field(
        description="Set when the article was deleted: a tombstone, read-only, its public "
        "URLs answering 410 (see `deleteArticle`).",
    )
    deleted_by: str | None = Field(
        description="Who deleted it (`user:<e-mail>` or `api_key:<name>`).",
    )
    translations: dict[str, TranslationSummary]


class ArticleList(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                "items": [
                    {
                        **{k: _ARTICLE[k] for k in ArticleSummary.model_fields if k in _ARTICLE},
                        "translations": {
                            lang: {k: read[k] for k in _SUMMARY_FIELDS}
                            for lang, read in _READS.items()
                        },
                    }
                ],
                "next_cursor": None,
            }
        )
    )

    items: list[ArticleSummary]
    next_cursor: str | None


class PreviewIn(Schema):
    model_config = ConfigDict(json_schema_extra=ex.examples({"ttl_minutes": 2880}))

    ttl_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60), JSON_NUMBER] = Field(
        default=24 * 60, description="How long the link works (default 24 hours, at most 7 days)."
    )


class PreviewRead(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                "id": _PREVIEW_ID,
                "token": _PREVIEW_TOKEN,
                "expires_at": "2026-11-28T07:41:03.559871Z",
                "path": f"/v1/ru/preview/{_PREVIEW_TOKEN}",
            }
        )
    )

    id: uuid.UUID = Field(description="The link's id, to list or revoke it (`revokePreview`).")
    token: str = Field(
        description="Read-only access to this one translation's current text. Shown this once."
    )
    expires_at: datetime = Field(
        description="After `ttl_minutes`, or sooner when the credential that made the link "
        "expires. The link also stops working when it is revoked, when that credential is "
        "revoked, or when its user is deactivated."
    )
    path: str = Field(examples=["/v1/en/preview/ndp_…"])


_PREVIEW_LINK: JsonDict = {
    "id": _PREVIEW_ID,
    "created_by": "user:olena@newsroom.example",
    "created_at": "2026-11-27T07:41:03.559871Z",
    "expires_at": "2026-11-28T07:41:03.559871Z",
}


class PreviewLink(ReadSchema):
    """A preview link that still works, without its token (which is never kept)."""

    model_config = ConfigDict(json_schema_extra=ex.examples(_PREVIEW_LINK))

    id: uuid.UUID
    created_by: str = Field(description="Who made it (`user:<e-mail>` or `api_key:<name>`).")
    created_at: datetime
    expires_at: datetime


class PreviewList(ReadSchema):
    model_config = ConfigDict(json_schema_extra=ex.examples({"items": [_PREVIEW_LINK]}))

    items: list[PreviewLink] = Field(description="Oldest first.")
