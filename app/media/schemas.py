"""Media records: an image's URL, size and credit, with caption and alt per language."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field

from app.kit.schema import HttpUrl, LanguageMap, LongLine, Name, Paragraph, ReadSchema, Schema


class MediaTranslationIn(Schema):
    caption: Paragraph = ""
    alt: LongLine = ""


class MediaCreate(Schema):
    url: HttpUrl = Field(examples=["https://images.example.com/2026/11/summit.jpg"])
    width: Annotated[int, Field(ge=1, le=100_000)] = Field(examples=[1600])
    height: Annotated[int, Field(ge=1, le=100_000)] = Field(examples=[900])
    credit: Annotated[Name, Field(max_length=200)] | None = Field(
        default=None, examples=["Getty Images"]
    )
    translations: LanguageMap[MediaTranslationIn] = Field(
        default_factory=dict,
        examples=[{"en": {"caption": "Leaders at the summit", "alt": "Leaders on a stage"}}],
    )


class MediaUpdate(Schema):
    url: HttpUrl | None = None
    width: Annotated[int, Field(ge=1, le=100_000)] | None = None
    height: Annotated[int, Field(ge=1, le=100_000)] | None = None
    credit: Name | None = None
    translations: LanguageMap[MediaTranslationIn | None] = Field(
        default_factory=dict,
        description="Languages to add or change; `null` removes that language's texts.",
    )


class MediaTranslationRead(ReadSchema):
    caption: str
    alt: str


class MediaRead(ReadSchema):
    id: uuid.UUID
    url: str
    width: int
    height: int
    credit: str
    translations: dict[str, MediaTranslationRead]
    created_at: datetime
    updated_at: datetime


class MediaList(ReadSchema):
    items: list[MediaRead]
