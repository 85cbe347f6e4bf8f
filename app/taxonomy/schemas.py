"""Request and response shapes of tags, categories and authors."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from app.kit import examples as ex
from app.kit.schema import LanguageMap, Name, Paragraph, ReadSchema, Schema, Slug

_TAG: JsonDict = {
    "id": ex.TAG_TRANSPORT_ID,
    "translations": ex.names(ex.TAG_TRANSPORT_NAME, ex.TAG_TRANSPORT_SLUG),
    "created_at": ex.TAXONOMY_CREATED_AT,
    "updated_at": ex.TAXONOMY_CREATED_AT,
}
_CATEGORY: JsonDict = {
    "id": ex.CATEGORY_ID,
    "translations": ex.names(ex.CATEGORY_NAME, ex.CATEGORY_SLUG),
    "created_at": "2026-01-15T10:02:44.615092Z",
    "updated_at": "2026-01-15T10:02:44.615092Z",
}
_AUTHOR: JsonDict = {
    "id": ex.AUTHOR_ID,
    "translations": {
        lang: {"name": ex.AUTHOR_NAME[lang], "slug": ex.AUTHOR_SLUG[lang], "bio": bio}
        for lang, bio in ex.AUTHOR_BIO.items()
    },
    "created_at": "2026-02-09T12:30:18.004571Z",
    "updated_at": "2026-05-21T07:48:51.339860Z",
}
_EARLIER_AUTHOR: JsonDict = {
    "id": ex.EARLIER_AUTHOR_ID,
    "translations": {
        lang: {"name": name, "slug": ex.EARLIER_AUTHOR_SLUG[lang], "bio": ""}
        for lang, name in ex.EARLIER_AUTHOR_NAME.items()
    },
    "created_at": "2026-02-09T12:31:02.177346Z",
    "updated_at": "2026-02-09T12:31:02.177346Z",
}


class TermTranslationIn(Schema):
    name: Name = Field(examples=["NATO"])
    slug: Slug | None = Field(
        default=None, description="Derived from the name (transliterated) when not given."
    )


class AuthorTranslationIn(TermTranslationIn):
    bio: Paragraph = ""


class TermCreate(Schema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {"translations": {lang: {"name": n} for lang, n in ex.TAG_TRANSPORT_NAME.items()}}
        )
    )

    translations: Annotated[LanguageMap[TermTranslationIn], Field(min_length=1)] = Field(
        examples=[{"ua": {"name": "НАТО"}, "en": {"name": "NATO"}}]
    )


class TermUpdate(Schema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {"translations": {"en": {"name": "Public transport", "slug": "public-transport"}}}
        )
    )

    translations: LanguageMap[TermTranslationIn | None] = Field(
        description="Languages to add or change; `null` removes that language's name.",
        examples=[{"en": {"name": "NATO", "slug": "nato"}, "ru": None}],
    )


class AuthorCreate(Schema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                "translations": {
                    lang: {"name": ex.AUTHOR_NAME[lang], "bio": ex.AUTHOR_BIO[lang]}
                    for lang in ("ua", "en")
                }
            }
        )
    )

    translations: Annotated[LanguageMap[AuthorTranslationIn], Field(min_length=1)] = Field(
        examples=[{"en": {"name": "Jane Doe", "bio": "Covers security and defence."}}]
    )


class AuthorUpdate(Schema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {"translations": {"ru": {"name": ex.AUTHOR_NAME["ru"], "bio": ex.AUTHOR_BIO["ru"]}}}
        )
    )

    translations: LanguageMap[AuthorTranslationIn | None]


class TermTranslationRead(ReadSchema):
    name: str
    slug: str


class AuthorTranslationRead(TermTranslationRead):
    bio: str


class TermRead(ReadSchema):
    model_config = ConfigDict(json_schema_extra=ex.examples(_TAG, _CATEGORY))

    id: uuid.UUID
    translations: dict[str, TermTranslationRead]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, entity: Any) -> "TermRead":
        return cls.model_validate(
            {
                "id": entity.id,
                "translations": {t.language: t for t in entity.translations},
                "created_at": entity.created_at,
                "updated_at": entity.updated_at,
            }
        )


class AuthorRead(TermRead):
    model_config = ConfigDict(json_schema_extra=ex.examples(_AUTHOR))

    translations: dict[str, AuthorTranslationRead]  # type: ignore[assignment]


class TermList(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                "items": [
                    {
                        "id": ex.TAG_KYIV_ID,
                        "translations": ex.names(ex.TAG_KYIV_NAME, ex.TAG_KYIV_SLUG),
                        "created_at": "2026-01-15T10:05:31.882903Z",
                        "updated_at": "2026-01-15T10:05:31.882903Z",
                    },
                    _TAG,
                ]
            }
        )
    )

    items: list[TermRead]


class AuthorList(ReadSchema):
    model_config = ConfigDict(json_schema_extra=ex.examples({"items": [_AUTHOR, _EARLIER_AUTHOR]}))

    items: list[AuthorRead]


# Public, localized views: one language, only names that exist in it.


class LocalizedTerm(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                **ex.ref(ex.TAG_TRANSPORT_ID, ex.TAG_TRANSPORT_NAME, ex.TAG_TRANSPORT_SLUG, "ua"),
                "article_count": 87,
            }
        )
    )

    id: uuid.UUID
    name: str
    slug: str
    article_count: int = Field(description="Public articles in this language.")


class LocalizedAuthor(LocalizedTerm):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                **ex.ref(ex.AUTHOR_ID, ex.AUTHOR_NAME, ex.AUTHOR_SLUG, "ua"),
                "article_count": 132,
                "bio": ex.AUTHOR_BIO["ua"],
            }
        )
    )

    bio: str


class LocalizedTermList(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                "items": [
                    {
                        **ex.ref(ex.TAG_KYIV_ID, ex.TAG_KYIV_NAME, ex.TAG_KYIV_SLUG, "ua"),
                        "article_count": 214,
                    },
                    {
                        **ex.ref(
                            ex.TAG_TRANSPORT_ID, ex.TAG_TRANSPORT_NAME, ex.TAG_TRANSPORT_SLUG, "ua"
                        ),
                        "article_count": 87,
                    },
                ]
            }
        )
    )

    items: list[LocalizedTerm]


class LocalizedAuthorList(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                "items": [
                    {
                        **ex.ref(ex.AUTHOR_ID, ex.AUTHOR_NAME, ex.AUTHOR_SLUG, "ua"),
                        "article_count": 132,
                        "bio": ex.AUTHOR_BIO["ua"],
                    },
                    {
                        **ex.ref(
                            ex.EARLIER_AUTHOR_ID,
                            ex.EARLIER_AUTHOR_NAME,
                            ex.EARLIER_AUTHOR_SLUG,
                            "ua",
                        ),
                        "article_count": 58,
                        "bio": "",
                    },
                ]
            }
        )
    )

    items: list[LocalizedAuthor]
