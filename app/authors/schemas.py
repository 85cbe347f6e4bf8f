"""Request and response shapes of authors: the taxonomy's terms with a bio."""

from typing import Annotated

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from app.kit import examples as ex
from app.kit.schema import Absent, LanguageMap, Paragraph, ReadSchema, Schema
from app.taxonomy.schemas import (
    LocalizedTerm,
    TermPage,
    TermRead,
    TermTranslationIn,
    TermTranslationRead,
    page_example,
)

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
        lang: {"name": name, "slug": ex.EARLIER_AUTHOR_SLUG[lang], "bio": None}
        for lang, name in ex.EARLIER_AUTHOR_NAME.items()
    },
    "created_at": "2026-02-09T12:31:02.177346Z",
    "updated_at": "2026-02-09T12:31:02.177346Z",
}


class AuthorTranslationIn(TermTranslationIn):
    bio: Paragraph = ""


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


class AuthorTranslationRead(TermTranslationRead):
    bio: Absent = Field(description="Plain text; null when none.")


class AuthorRead(TermRead):
    model_config = ConfigDict(json_schema_extra=ex.examples(_AUTHOR))

    translations: dict[str, AuthorTranslationRead]  # type: ignore[assignment]


class AuthorList(ReadSchema):
    model_config = ConfigDict(json_schema_extra=ex.examples({"items": [_AUTHOR, _EARLIER_AUTHOR]}))

    items: list[AuthorRead]


def _public(ident: str, name: dict[str, str], slug: dict[str, str], bio: str | None) -> JsonDict:
    return {
        **ex.ref(ident, name, slug, "ua"),
        "url": f"https://news.example/ua/authors/{slug['ua']}",
        "bio": bio,
    }


class LocalizedAuthor(LocalizedTerm):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                **_public(ex.AUTHOR_ID, ex.AUTHOR_NAME, ex.AUTHOR_SLUG, ex.AUTHOR_BIO["ua"]),
                "article_count": 132,
            }
        )
    )

    bio: Absent = Field(description="Plain text; null when none.")


class AuthorPage(TermPage):
    """An author's public page: what the list shows, with its URLs and language versions."""

    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                **page_example(ex.AUTHOR_ID, ex.AUTHOR_NAME, ex.AUTHOR_SLUG, "authors", "ua"),
                "article_count": 132,
                "bio": ex.AUTHOR_BIO["ua"],
            }
        )
    )

    bio: Absent = Field(description="Plain text; null when none.")


class LocalizedAuthorList(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                "items": [
                    {
                        **_public(
                            ex.AUTHOR_ID, ex.AUTHOR_NAME, ex.AUTHOR_SLUG, ex.AUTHOR_BIO["ua"]
                        ),
                        "article_count": 132,
                    },
                    {
                        **_public(
                            ex.EARLIER_AUTHOR_ID,
                            ex.EARLIER_AUTHOR_NAME,
                            ex.EARLIER_AUTHOR_SLUG,
                            None,
                        ),
                        "article_count": 58,
                    },
                ],
                "next_cursor": None,
            }
        )
    )

    items: list[LocalizedAuthor]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
