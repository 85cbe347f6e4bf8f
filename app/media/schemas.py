"""Media records: an image's URL, size and credit, with caption and alt per language."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from app.kit import examples as ex
from app.kit.schema import (
    JSON_NUMBER,
    HttpUrl,
    LanguageMap,
    LongLine,
    Name,
    Paragraph,
    ReadSchema,
    Schema,
)


def _texts(*languages: str) -> JsonDict:
    return {
        lang: {"caption": ex.COVER_CAPTION[lang], "alt": ex.COVER_ALT[lang]} for lang in languages
    }


_MEDIA: JsonDict = {
    "id": ex.MEDIA_ID,
    "url": ex.COVER_URL,
    "width": ex.COVER_WIDTH,
    "height": ex.COVER_HEIGHT,
    "credit": ex.COVER_CREDIT,
    "translations": _texts("ua", "en", "ru"),
    "created_at": "2026-11-26T06:31:50.218466Z",
    "updated_at": "2026-11-26T07:38:12.650021Z",
}


class MediaTranslationIn(Schema):
    caption: Paragraph = ""
    alt: LongLine = ""


class MediaCreate(Schema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                "url": ex.COVER_URL,
                "width": ex.COVER_WIDTH,
                "height": ex.COVER_HEIGHT,
                "credit": ex.COVER_CREDIT,
                "translations": _texts("ua", "en"),
            }
        )
    )

    url: HttpUrl = Field(examples=["https://images.example.com/2026/11/summit.jpg"])
    width: Annotated[int, Field(ge=1, le=100_000), JSON_NUMBER] = Field(examples=[1600])
    height: Annotated[int, Field(ge=1, le=100_000), JSON_NUMBER] = Field(examples=[900])
    credit: Annotated[Name, Field(max_length=200)] | None = Field(
        default=None, examples=["Getty Images"]
    )
    translations: LanguageMap[MediaTranslationIn] = Field(
        default_factory=dict,
        examples=[{"en": {"caption": "Leaders at the summit", "alt": "Leaders on a stage"}}],
    )


class MediaUpdate(Schema):
    model_config = ConfigDict(json_schema_extra=ex.examples({"translations": _texts("ru")}))

    url: HttpUrl | None = None
    width: Annotated[int, Field(ge=1, le=100_000), JSON_NUMBER] | None = None
    height: Annotated[int, Field(ge=1, le=100_000), JSON_NUMBER] | None = None
    credit: Name | None = None
    translations: LanguageMap[MediaTranslationIn | None] = Field(
        default_factory=dict,
        description="Languages to add or change; `null` removes that language's texts.",
    )


class MediaTranslationRead(ReadSchema):
    caption: str
    alt: str


class MediaRead(ReadSchema):
    model_config = ConfigDict(json_schema_extra=ex.examples(_MEDIA))

    id: uuid.UUID
    url: str
    width: int
    height: int
    credit: str
    translations: dict[str, MediaTranslationRead]
    created_at: datetime
    updated_at: datetime


class MediaList(ReadSchema):
    model_config = ConfigDict(json_schema_extra=ex.examples({"items": [_MEDIA]}))

    items: list[MediaRead]
