"""Request and response shapes of tags, categories and authors."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from app.kit.schema import LanguageMap, Name, Paragraph, ReadSchema, Schema, Slug


class TermTranslationIn(Schema):
    name: Name = Field(examples=["NATO"])
    slug: Slug | None = Field(
        default=None, description="Derived from the name (transliterated) when not given."
    )


class AuthorTranslationIn(TermTranslationIn):
    bio: Paragraph = ""


class TermCreate(Schema):
    translations: Annotated[LanguageMap[TermTranslationIn], Field(min_length=1)] = Field(
        examples=[{"ua": {"name": "НАТО"}, "en": {"name": "NATO"}}]
    )


class TermUpdate(Schema):
    translations: LanguageMap[TermTranslationIn | None] = Field(
        description="Languages to add or change; `null` removes that language's name.",
        examples=[{"en": {"name": "NATO", "slug": "nato"}, "ru": None}],
    )


class AuthorCreate(Schema):
    translations: Annotated[LanguageMap[AuthorTranslationIn], Field(min_length=1)] = Field(
        examples=[{"en": {"name": "Jane Doe", "bio": "Covers security and defence."}}]
    )


class AuthorUpdate(Schema):
    translations: LanguageMap[AuthorTranslationIn | None]


class TermTranslationRead(ReadSchema):
    name: str
    slug: str


class AuthorTranslationRead(TermTranslationRead):
    bio: str


class TermRead(ReadSchema):
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
    translations: dict[str, AuthorTranslationRead]  # type: ignore[assignment]


class TermList(ReadSchema):
    items: list[TermRead]


class AuthorList(ReadSchema):
    items: list[AuthorRead]


# Public, localized views: one language, only names that exist in it.


class LocalizedTerm(ReadSchema):
    id: uuid.UUID
    name: str
    slug: str
    article_count: int = Field(description="Public articles in this language.")


class LocalizedAuthor(LocalizedTerm):
    bio: str


class LocalizedTermList(ReadSchema):
    items: list[LocalizedTerm]


class LocalizedAuthorList(ReadSchema):
    items: list[LocalizedAuthor]
