"""Request and response shapes of tags and categories (authors: `app.authors.schemas`)."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Self, TypeVar

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict, JsonValue

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

_SITE = "https://news.example"
_ORDER = ("ua", "en", "ru")
_BCP47 = {"ua": "uk", "en": "en", "ru": "ru"}


def _public(
    ident: str, name: dict[str, str], slug: dict[str, str], plural: str, language: str
) -> JsonDict:
    """A term as its public list shows it in `language` (without its count)."""
    return {
        **ex.ref(ident, name, slug, language),
        "url": f"{_SITE}/{language}/{plural}/{slug[language]}",
    }


def page_example(
    ident: str, name: dict[str, str], slug: dict[str, str], plural: str, language: str
) -> JsonDict:
    """A term's public page in `language`: the list's fields and its alternates."""
    alternates: list[JsonValue] = [
        {
            "language": code,
            "bcp47": _BCP47[code],
            "slug": slug[code],
            "path": f"/v1/{code}/{plural}/{slug[code]}",
            "url": f"{_SITE}/{code}/{plural}/{slug[code]}",
            "current": code == language,
        }
        for code in _ORDER
    ]
    url = f"{_SITE}/{language}/{plural}/{slug[language]}"
    return {
        **_public(ident, name, slug, plural, language),
        "canonical_url": url,
        "x_default_url": f"{_SITE}/{_ORDER[0]}/{plural}/{slug[_ORDER[0]]}",
        "alternates": alternates,
    }


class LocalizedTerm(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                **_public(
                    ex.TAG_TRANSPORT_ID, ex.TAG_TRANSPORT_NAME, ex.TAG_TRANSPORT_SLUG, "tags", "ua"
                ),
                "article_count": 87,
            }
        )
    )

    id: uuid.UUID
    name: str
    slug: str
    article_count: int = Field(description="Public articles in this language.")
    url: str = Field(
        description="This term's page on the public site in this language: `NEWSDESK_SITE_URL` "
        "followed by the kind's pattern (`NEWSDESK_TAG_URL_PATTERN`, "
        "`NEWSDESK_CATEGORY_URL_PATTERN` or `NEWSDESK_AUTHOR_URL_PATTERN`) filled with "
        "`{lang}`, `{bcp47}` and `{slug}`.",
        examples=[f"{_SITE}/ua/tags/transport"],
    )


class TermAlternate(ReadSchema):
    """One language in which a term has a name, the current one included."""

    language: str = Field(description="The language's URL code.", examples=["en"])
    bcp47: str = Field(description="Its BCP 47 tag, for `hreflang`.", examples=["en"])
    slug: str = Field(description="The term's slug in that language.", examples=["transport"])
    path: str = Field(
        description="The term's page in this API in that language.",
        examples=["/v1/en/tags/transport"],
    )
    url: str = Field(
        description="The term's page on the public site in that language.",
        examples=[f"{_SITE}/en/tags/transport"],
    )
    current: bool = Field(description="True for the language of this response.")


class TermPage(LocalizedTerm):
    """A term's public page: what its list shows, with its URLs and language versions."""

    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                **page_example(
                    ex.TAG_TRANSPORT_ID, ex.TAG_TRANSPORT_NAME, ex.TAG_TRANSPORT_SLUG, "tags", "ua"
                ),
                "article_count": 87,
            }
        )
    )

    canonical_url: str = Field(
        description="The URL search engines should index for this page: its own `url` "
        "(a term page has one URL per language).",
        examples=[f"{_SITE}/ua/tags/transport"],
    )
    x_default_url: str = Field(
        description="The page for readers whose language none of the alternates matches "
        '(`hreflang="x-default"`): the term in the site\'s default language (the first '
        "language by position) when it has a name there, else this page's `url`.",
        examples=[f"{_SITE}/ua/tags/transport"],
    )
    alternates: list[TermAlternate] = Field(
        description="Every language in which the term has a name, in the site's language "
        "order, this one included (`current: true`). Sent as `Link` headers too."
    )


class LocalizedTermList(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                "items": [
                    {
                        **_public(ex.TAG_KYIV_ID, ex.TAG_KYIV_NAME, ex.TAG_KYIV_SLUG, "tags", "ua"),
                        "article_count": 214,
                    },
                    {
                        **_public(
                            ex.TAG_TRANSPORT_ID,
                            ex.TAG_TRANSPORT_NAME,
                            ex.TAG_TRANSPORT_SLUG,
                            "tags",
                            "ua",
                        ),
                        "article_count": 87,
                    },
                ],
                "next_cursor": None,
            }
        )
    )

    items: list[LocalizedTerm]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


Localized = TypeVar("Localized", bound=LocalizedTerm)


def localized(
    schema: type[Localized], ident: uuid.UUID, translation: Any, count: int, **extra: Any
) -> Localized:
    """A public view: the fields of `schema` the translation has, its id and article count,
    and the `extra` fields (its URLs)."""
    fields = {k: getattr(translation, k) for k in schema.model_fields if hasattr(translation, k)}
    return schema.model_validate({**fields, **extra, "id": ident, "article_count": count})
