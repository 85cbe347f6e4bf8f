from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from app.kit.examples import examples
from app.kit.schema import InContract, LanguageKey, Name, ReadSchema, Schema
from app.search.analysis import analysers


def _known_analyser(name: str) -> str:
    if name not in analysers():
        raise ValueError(f"unknown text_search '{name}'; one of: {', '.join(analysers())}")
    return name


def _analyser_names(schema: JsonDict) -> None:
    schema["enum"] = list(analysers())  # when the contract is made, not at import


TextSearch = Annotated[
    str,
    AfterValidator(_known_analyser),
    Field(
        json_schema_extra=_analyser_names,
        description="How search analyses this language: `ukrainian` and `russian` "
        "(dictionary lemmatization), a Snowball stemmer (`english`, `polish`, `german`, "
        "...), or `simple` (case folding only). Changing it re-indexes the language.",
    ),
]


# The three languages as the migrations seed them, and a fourth added at run time.
_SEEDED: list[JsonDict] = [
    {"code": "ua", "bcp47": "uk", "name": "Ukrainian", "native_name": "Українська",
     "fallbacks": ["en"], "text_search": "ukrainian"},
    {"code": "en", "bcp47": "en", "name": "English", "native_name": "English",
     "fallbacks": [], "text_search": "english"},
    {"code": "ru", "bcp47": "ru", "name": "Russian", "native_name": "Русский",
     "fallbacks": ["ua", "en"], "text_search": "russian"},
]  # fmt: skip
_POLISH: JsonDict = {
    "code": "pl", "bcp47": "pl", "name": "Polish", "native_name": "Polski", "fallbacks": ["en"],
}  # fmt: skip


class LanguageRead(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=examples(_SEEDED[0], {**_POLISH, "text_search": "polish"})
    )

    code: str = Field(description="The code in URLs.", examples=["ua"])
    bcp47: str = Field(description="BCP 47 tag for browsers and crawlers.", examples=["uk"])
    name: str = Field(examples=["Ukrainian"])
    native_name: str = Field(examples=["Українська"])
    fallbacks: list[str] = Field(
        description="Language codes to try, in order, when negotiating.", examples=[["en"]]
    )
    text_search: str = Field(
        description="How search analyses this language (see `LanguageCreate`).",
        examples=["ukrainian"],
    )


class LanguageList(ReadSchema):
    model_config = ConfigDict(json_schema_extra=examples({"items": [*_SEEDED]}))

    items: list[LanguageRead]


# Each fallback may be named once (422 otherwise), and the contract says so.
_UNIQUE = InContract((("uniqueItems", True),))
# The languages table keeps names in 64 characters.
LanguageName = Annotated[Name, Field(max_length=64)]
LANGUAGE_CODE = r"^[a-z]{2,3}(-[a-z0-9]{2,4})?$"
BCP47_TAG = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"


class LanguageCreate(Schema):
    model_config = ConfigDict(json_schema_extra=examples(_POLISH))

    code: Annotated[str, StringConstraints(pattern=LANGUAGE_CODE)] = Field(
        description="The code in URLs (2–3 lower-case letters, optional -subtag).",
        examples=["pl"],
    )
    bcp47: Annotated[str, StringConstraints(pattern=BCP47_TAG, max_length=35)] = Field(
        examples=["pl"]
    )
    name: LanguageName = Field(examples=["Polish"])
    native_name: LanguageName = Field(examples=["Polski"])
    fallbacks: Annotated[list[LanguageKey], Field(max_length=10), _UNIQUE] = Field(
        default_factory=list, examples=[["en"]]
    )
    text_search: TextSearch | None = Field(
        default=None,
        description="Default: the analyser of the BCP 47 tag's language when there is "
        "one (`pl` → `polish`), else `simple`.",
    )


class LanguageUpdate(Schema):
    model_config = ConfigDict(json_schema_extra=examples({"fallbacks": ["en", "ua"]}))

    bcp47: Annotated[str, StringConstraints(pattern=BCP47_TAG, max_length=35)] | None = None
    name: LanguageName | None = None
    native_name: LanguageName | None = None
    fallbacks: Annotated[list[LanguageKey], Field(max_length=10), _UNIQUE] | None = None
    text_search: TextSearch | None = None
