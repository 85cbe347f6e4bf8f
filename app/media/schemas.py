"""Media records: an image's URL, size and credit, with caption and alt per language."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from app.kit import examples as ex
from app.kit.schema import (
    JSON_NUMBER,
    Absent,
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
    "source": "upload",
    "format": "jpeg",
    "size_bytes": 4_718_592,
    "content_hash": ex.COVER_HASH,
    "focal_point": {"x": 0.5, "y": 0.3},
    "renditions": ex.renditions(),  # type: ignore[dict-item]
    "blurhash": ex.COVER_BLURHASH,
    "dominant_color": ex.COVER_COLOR,
    "usage": {"count": 1, "article_ids": [ex.ARTICLE_ID]},
    "created_at": "2026-11-26T06:31:50.218466Z",
    "updated_at": "2026-11-26T07:38:12.650021Z",
}


Unit = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), JSON_NUMBER]


class FocalPoint(Schema):
    """The point crops keep in view, as fractions of the width (x, from the left) and the
    height (y, from the top) of the picture as shown (after its EXIF orientation)."""

    x: Unit = Field(examples=[0.5])
    y: Unit = Field(examples=[0.3])


def parse_focal_point(text: str) -> FocalPoint:
    """ "x,y" (the multipart part), each 0 to 1: "0.5,0.3"."""
    parts = text.split(",")
    if len(parts) != 2:
        raise ValueError('expected "x,y" with each from 0 to 1, e.g. "0.5,0.3"')
    try:
        return FocalPoint(x=float(parts[0]), y=float(parts[1]))
    except ValueError as exc:
        raise ValueError('expected "x,y" with each from 0 to 1, e.g. "0.5,0.3"') from exc


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
    focal_point: FocalPoint | None = None


class MediaUpload(Schema):
    """`POST /v1/admin/media` as `multipart/form-data`: the file and its texts."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "file": "(the image's bytes)",
                    "credit": ex.COVER_CREDIT,
                    "translations": '{"en": {"caption": "Leaders at the summit", '
                    '"alt": "Leaders on a stage"}}',
                    "focal_point": "0.5,0.3",
                }
            ]
        }
    )

    file: bytes = Field(
        json_schema_extra={"format": "binary"},
        description="The image: JPEG, PNG, WebP, GIF, AVIF or HEIC (decided from its bytes), "
        "at most NEWSDESK_MEDIA_MAX_BYTES (20 MiB by default). SVG is refused.",
    )
    credit: Annotated[Name, Field(max_length=200)] | None = Field(
        default=None, examples=["Getty Images"]
    )
    translations: str | None = Field(
        default=None,
        max_length=60_000,
        description="JSON text: caption and alt per language, as the JSON body's `translations`.",
    )
    focal_point: str | None = Field(
        default=None,
        max_length=40,
        pattern=r"^ *(0(\.[0-9]{1,6})?|1(\.0{1,6})?) *, *(0(\.[0-9]{1,6})?|1(\.0{1,6})?) *$",
        description='"x,y" from 0 to 1 (from the left and the top): what crops keep in view. '
        "Default the centre.",
        examples=["0.5,0.3"],
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
    focal_point: FocalPoint | None = Field(
        default=None,
        description="A new focal point; an upload's crops are made again around it "
        "(new files, new URLs).",
    )


class MediaTranslationRead(ReadSchema):
    caption: Absent = Field(description="Plain text; null when none.")
    alt: Absent = Field(description="Plain text; null when none.")


class Rendition(ReadSchema):
    """One stored file of an upload: for `srcset` (width) and `<picture>` (format)."""

    url: str
    width: int
    height: int
    format: Literal["webp", "jpeg", "png", "avif"]
    crop: Literal["16:9", "4:3", "1:1"] | None = Field(
        description="The crop around the focal point; null: the whole picture."
    )


class MediaUsage(ReadSchema):
    count: int = Field(
        description="Articles that show this image: as their cover, or as a language "
        "version's social image (a pending copy's too); tombstones too."
    )
    article_ids: list[uuid.UUID] = Field(description="The first 20 of them, newest first.")


class MediaRead(ReadSchema):
    model_config = ConfigDict(json_schema_extra=ex.examples(_MEDIA))

    id: uuid.UUID
    url: str = Field(
        description="Registered by URL: that URL. Uploaded: its largest whole rendition in "
        "the original's family (JPEG or PNG)."
    )
    width: int = Field(description="The picture's width as shown (after EXIF orientation).")
    height: int
    credit: Absent = Field(description="Plain text; null when none.")
    translations: dict[str, MediaTranslationRead]
    source: Literal["upload", "url"]
    format: str | None = Field(description="The uploaded file's type; null for a URL.")
    size_bytes: int | None = Field(description="The uploaded file's size.")
    content_hash: str | None = Field(description="SHA-256 of the uploaded file.")
    focal_point: FocalPoint
    renditions: list[Rendition] = Field(description="Empty for an image registered by URL.")
    blurhash: Absent = Field(description="A BlurHash (4×3) to show while loading.")
    dominant_color: Absent = Field(examples=["#5a6b7c"])
    usage: MediaUsage
    created_at: datetime
    updated_at: datetime


class MediaList(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples({"items": [_MEDIA], "next_cursor": None})
    )

    items: list[MediaRead]
    next_cursor: str | None = Field(description="The next page's `cursor`; null on the last.")
