"""Pydantic building blocks: the input base class and the text types every write uses."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    Strict,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from app.kit.slugs import LEGACY_SLUG_PATTERN, MAX_SLUG_LENGTH, SLUG_PATTERN, is_legacy_slug

# Unicode's Cc (control) category is exactly U+0000-U+001F and U+007F-U+009F and Cs
# (surrogates) U+D800-U+DFFF, both fixed by Unicode's stability policy: one regular
# expression finds the first of them at C speed (a loop over `unicodedata.category` cost an
# import 6 % of its time).
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Multiline text keeps tabs and line breaks (U+0009, U+000A, U+000D).
_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def check_characters(value: str, *, multiline: bool = False) -> str:
    """`value` as it is; ValueError for a lone surrogate or a control character (NUL,
    which PostgreSQL text cannot hold, included); `multiline` allows line breaks and tabs."""
    found = (_FORBIDDEN_IN_TEXT if multiline else _FORBIDDEN).search(value)
    if found is None:
        return value
    if "\ud800" <= found[0] <= "\udfff":
        raise ValueError("text contains a lone surrogate")
    raise ValueError(f"text contains the control character U+{ord(found[0]):04X}")


def _clean(value: str, *, multiline: bool) -> str:
    return unicodedata.normalize("NFC", check_characters(value, multiline=multiline))


def _line(value: str) -> str:
    return _clean(value, multiline=False).strip()


def _text(value: str) -> str:
    return _clean(value, multiline=True)


class Schema(BaseModel):
    """Base of every request body: unknown fields are refused (no mass assignment)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ReadSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


@dataclass(frozen=True)
class InContract:
    """Adds JSON Schema keywords that a validator enforces in code, so the contract says it."""

    keywords: tuple[tuple[str, Any], ...]

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema.update(self.keywords)
        return schema


# What `_clean` and the stripping refuse, as patterns: control characters, and a line with
# nothing but spaces where a value is required.
_CONTROL = "\\u0000-\\u001f\\u007f-\\u009f"
_SPACE = " \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
LINE_PATTERN = f"^[^{_CONTROL}]*$"
NONBLANK_LINE_PATTERN = f"^[^{_CONTROL}]*[^{_CONTROL}{_SPACE}][^{_CONTROL}]*$"
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"


def _line_first(value: object) -> object:
    # Normalized before the lengths are checked: NFC can lengthen text (U+0958 is two
    # characters in NFC), and what is stored must fit its column.
    return _line(value) if isinstance(value, str) else value


def _bounded_line(max_length: int, min_length: int = 1) -> list[object]:
    pattern = NONBLANK_LINE_PATTERN if min_length else LINE_PATTERN
    return [
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        BeforeValidator(_line_first),
        InContract((("pattern", pattern),)),
    ]


# Text a query compares as it is (a login e-mail, a search): no control characters,
# not changed.
QueryText = Annotated[
    str, AfterValidator(check_characters), InContract((("pattern", LINE_PATTERN),))
]
# One line of text: trimmed, NFC, no control characters.
Name = Annotated[str, *_bounded_line(200)]
Title = Annotated[str, *_bounded_line(300)]
LongLine = Annotated[str, *_bounded_line(500, min_length=0)]
Note = Annotated[str, *_bounded_line(1000)]  # a short plain-text note shown to readers
# Running text: NFC, no control characters but line breaks and tabs.
_TEXT = InContract((("pattern", TEXT_PATTERN),))
Paragraph = Annotated[str, StringConstraints(max_length=5_000), AfterValidator(_text), _TEXT]
# An article body: at most 500,000 characters and 20,000 tags. Real bodies have hundreds
# of tags; the HTML parser's cost grows faster than linearly with deep nesting (60,000
# nested `<div>`s take it seconds), and a body is sanitized inside its write transaction.
MAX_BODY_TAGS = 20_000


def _body(value: str) -> str:
    value = _text(value)
    if value.count("<") > MAX_BODY_TAGS:
        raise ValueError(f"at most {MAX_BODY_TAGS:,} tags (`<`) in a body")
    return value


Html = Annotated[
    str,
    StringConstraints(max_length=500_000),
    AfterValidator(_body),
    _TEXT,
]
HttpUrl = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=2048,
        pattern=r"^(https?://[^\s\x00-\x1f\x7f-\x9f]+|/[^\s\x00-\x1f\x7f-\x9f]*)$",
    ),
    AfterValidator(_line),
]


def _json_number(value: object) -> object:
    # JSON Schema's `integer` is any number without a fraction (`5.0` too), never a string
    # or a boolean — both of which Pydantic's lax mode would turn into an int.
    if isinstance(value, str | bool):
        raise ValueError("expected a JSON number")
    return value


# JSON's own types only: `0`, `1`, `"true"` are not booleans and `"5"` or `true` not counts
# (Pydantic's lax mode takes them; a body saying `"active": 0` must not deactivate anyone).
Flag = Annotated[bool, Strict()]
# Last in an `Annotated[int, Field(ge=..., le=...), JSON_NUMBER]`, so that the bounds stay
# the contract's `minimum`/`maximum`.
JSON_NUMBER = BeforeValidator(_json_number)

LanguageKey = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,7}$"),
]

V = TypeVar("V")
# Keys that are not language codes are refused; `additionalProperties` says so in the contract
# (a pattern-keyed dict alone only describes the keys that match).
LanguageMap = Annotated[dict[LanguageKey, V], InContract((("additionalProperties", False),))]

_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")


def _rfc3339(value: object) -> object:
    # Pydantic alone also takes Unix times (`0.5`) and a space for the `T`: not what the
    # contract's `format: date-time` promises, and not what a client should come to rely on.
    if isinstance(value, datetime) or (isinstance(value, str) and _RFC3339.fullmatch(value)):
        return value
    raise ValueError("expected an RFC 3339 date-time with its offset, e.g. 2026-12-01T09:00:00Z")


# Years 0002-9998 as written: the moment in UTC (an offset is less than a day) then stays
# within the years 1-9999 that Python and the databases hold; 9999-12-31T23:59:59-23:59
# would not. Stated in the contract as a pattern on the year.
MIN_YEAR, MAX_YEAR = 2, 9998
TIMESTAMP_PATTERN = (
    "^(000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-"
)


def _in_years(value: datetime) -> datetime:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"the year must be from {MIN_YEAR:04d} to {MAX_YEAR:04d}")
    return value


# A moment in time, as RFC 3339 text with an offset, in the years 0002-9998.
Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339),
    AfterValidator(_in_years),
    InContract((("pattern", TIMESTAMP_PATTERN),)),
]

Slug = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_SLUG_LENGTH,
        pattern=SLUG_PATTERN,
        description="ASCII, lower case, words joined by hyphens.",
        examples=["kyiv-metro-reopens"],
    ),
]


def _legacy(value: str) -> str:
    if not is_legacy_slug(value):
        raise ValueError(
            "a slug, or another system's: lower case (NFC), no spaces, slashes, `?`, `#`, "
            "`%`, control or format characters"
        )
    return value


LegacySlug = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_SLUG_LENGTH,
        pattern=LEGACY_SLUG_PATTERN,
        description="A slug, or one another system gave the page (as WordPress keeps "
        "Cyrillic ones): kept as a former slug so old links still redirect.",
        examples=["kyiv-metro-reopens", "метро-києва-знову-працює"],
    ),
    AfterValidator(_legacy),
]


def _absent(value: Any) -> Any:
    return None if value == "" else value


# A text a response may lack: stored as "" where the column predates the rule, answered
# as null (absent values are null, never "", across the contract).
Absent = Annotated[str | None, BeforeValidator(_absent)]
