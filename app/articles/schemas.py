"""Management API shapes of articles and their translations."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field

from app.kit.schema import (
    Html,
    HttpUrl,
    InContract,
    LanguageKey,
    LanguageMap,
    LongLine,
    Name,
    Paragraph,
    ReadSchema,
    Schema,
    Slug,
    Timestamp,
    Title,
)
from app.models import Status


class Source(Schema):
    name: Name = Field(examples=["Financial Times"])
    url: HttpUrl | None = Field(default=None, examples=["https://www.ft.com/"])


class TranslationIn(Schema):
    title: Title = Field(examples=["Kyiv reopens the Podilskyi bridge metro line"])
    lead: Paragraph = ""
    body_html: Html = Field(
        default="",
        description="HTML; sanitized on write to an allowlist of tags, attributes and schemes.",
    )
    slug: Slug | None = Field(
        default=None,
        description="Derived from the title (transliterated) when not given; unique per language.",
    )
    seo_title: Annotated[Title, Field(max_length=300)] | None = None
    seo_description: LongLine | None = None


# An id named twice is refused (422), and the contract says so.
_UNIQUE = InContract((("uniqueItems", True),))
AuthorIds = Annotated[list[uuid.UUID], Field(max_length=20), _UNIQUE]
TagIds = Annotated[list[uuid.UUID], Field(max_length=50), _UNIQUE]
Sources = Annotated[list[Source], Field(max_length=20)]


class ArticleCreate(Schema):
    original_language: LanguageKey = Field(examples=["ua"])
    author_ids: AuthorIds = Field(default_factory=list, description="Ordered byline.")
    category_id: uuid.UUID | None = None
    tag_ids: TagIds = Field(default_factory=list)
    cover_media_id: uuid.UUID | None = None
    sources: Sources = Field(default_factory=list)
    translations: Annotated[LanguageMap[TranslationIn], Field(min_length=1)] = Field(
        description="The first language versions; the original language's is required. "
        "Every translation starts as a draft."
    )


class ArticleUpdate(Schema):
    original_language: LanguageKey | None = None
    author_ids: AuthorIds | None = None
    category_id: uuid.UUID | None = None
    tag_ids: TagIds | None = None
    cover_media_id: uuid.UUID | None = None
    sources: Sources | None = None


class PublishIn(Schema):
    publish_at: Timestamp | None = Field(
        default=None,
        description="When the translation becomes public; omitted = now. A future time "
        "schedules it: it appears at that moment with no further action.",
        examples=["2026-12-01T09:00:00Z"],
    )


class TranslationRead(ReadSchema):
    language: str
    slug: str
    title: str
    lead: str
    body_html: str
    seo_title: str | None
    seo_description: str | None
    status: Status = Field(description="`scheduled` reads as `published` once its time passed.")
    public: bool = Field(description="Visible on the public API right now.")
    path: str = Field(description="The public path of this version.")
    publish_at: datetime | None
    published_at: datetime | None = Field(description="First publication.")
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


class ArticleRead(ReadSchema):
    id: uuid.UUID
    original_language: str
    author_ids: list[uuid.UUID]
    category_id: uuid.UUID | None
    tag_ids: list[uuid.UUID]
    cover_media_id: uuid.UUID | None
    sources: list[Source]
    created_at: datetime
    updated_at: datetime
    version: int
    translations: dict[str, TranslationRead]


class TranslationSummary(ReadSchema):
    slug: str
    title: str
    status: Status
    public: bool
    outdated: bool
    publish_at: datetime | None
    published_at: datetime | None
    updated_at: datetime
    version: int


class ArticleSummary(ReadSchema):
    id: uuid.UUID
    original_language: str
    created_at: datetime
    updated_at: datetime
    version: int
    translations: dict[str, TranslationSummary]


class ArticleList(ReadSchema):
    items: list[ArticleSummary]
    next_cursor: str | None


class PreviewIn(Schema):
    ttl_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] = Field(
        default=24 * 60, description="How long the link works (default 24 hours, at most 7 days)."
    )


class PreviewRead(ReadSchema):
    token: str = Field(description="Read-only access to this one translation's current text.")
    expires_at: datetime
    path: str = Field(examples=["/v1/en/preview/ndp_…"])
