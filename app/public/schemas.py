"""Public, localized article shapes: one language, only what is public in it."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class Cover(BaseModel):
    url: str
    width: int
    height: int
    credit: str = Field(examples=["Getty Images"])
    caption: str = Field(description="In this language; empty when not translated.")
    alt: str


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
    language: str = Field(examples=["en"])
    bcp47: str = Field(examples=["en"])
    slug: str
    path: str = Field(examples=["/v1/en/articles/kyiv-metro-reopens"])


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
    updated_at: datetime
    reading_time_minutes: int
    original_language: str


class ArticleCard(_ArticleFields):
    """An article in a list: everything but the body."""

    snippet: str | None = Field(
        default=None,
        description="Search results only (`q`): a short plain-text excerpt of the lead and "
        "body, HTML-escaped, with the matched words in `<mark>`; `…` marks a cut.",
        examples=["… після <mark>удару</mark> по енергетичній інфраструктурі …"],
    )


class PublicArticle(_ArticleFields):
    """One article in one language, with its public alternates in other languages."""

    body_html: str
    seo_title: str | None
    seo_description: str | None
    word_count: int
    sources: list[SourceRef]
    alternates: list[Alternate] = Field(
        description="The other languages this article is public in (hreflang alternates)."
    )


class ArticlePage(BaseModel):
    items: list[ArticleCard]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
