"""Request and response shapes of tags and categories (authors: `app.authors.schemas`)."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Self, TypeVar

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from app.kit import examples as ex
from app.kit.schema import LanguageMap, Name, ReadSchema, Schema, Slug

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


class TermTranslationIn(Schema):
    name: Name = Field(examples=["NATO"])
    slug: Slug | None = Field(
        default=None, description="Derived from the name (transliterated) when not given."
    )


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


class TermTranslationRead(ReadSchema):
    name: str
    slug: str


class TermRead(ReadSchema):
    model_config = ConfigDict(json_schema_extra=ex.examples(_TAG, _CATEGORY))

    id: uuid.UUID
    translations: dict[str, TermTranslationRead]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, entity: Any) -> Self:
        return cls.model_validate(
            {
                "id": entity.id,
                "translations": {t.language: t for t in entity.translations},
                "created_at": entity.created_at,
                "updated_at": entity.updated_at,
            }
        )


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


Localized = TypeVar("Localized", bound=LocalizedTerm)


def localized(schema: type[Localized], ident: uuid.UUID, translation: Any, count: int) -> Localized:
    """A public view: the fields of `schema` the translation has, its id and article count."""
    fields = {k: getattr(translation, k) for k in schema.model_fields if hasattr(translation, k)}
    return schema.model_validate({**fields, "id": ident, "article_count": count})
