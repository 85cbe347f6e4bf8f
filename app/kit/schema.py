"""Pydantic building blocks: the input base class and the text types every write uses."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from app.kit.slugs import MAX_SLUG_LENGTH, SLUG_PATTERN

_MULTILINE_OK = {"\n", "\r", "\t"}


def _clean(value: str, *, multiline: bool) -> str:
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cs":
            raise ValueError("text contains a lone surrogate")
        if category == "Cc" and not (multiline and ch in _MULTILINE_OK):
            raise ValueError(f"text contains the control character U+{ord(ch):04X}")
    return unicodedata.normalize("NFC", value)


def _line(value: str) -> str:
    return _clean(value, multiline=False).strip()


def _text(value: str) -> str:
    return _clean(value, multiline=True)


class Schema(BaseModel):
    """Base of every request body: unknown fields are refused (no mass assignment)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ReadSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _bounded_line(max_length: int, min_length: int = 1) -> list[object]:
    return [
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_line),
    ]


# One line of text: trimmed, NFC, no control characters.
Name = Annotated[str, *_bounded_line(200)]
Title = Annotated[str, *_bounded_line(300)]
LongLine = Annotated[str, *_bounded_line(500, min_length=0)]
# Running text: NFC, no control characters but line breaks and tabs.
Paragraph = Annotated[str, StringConstraints(max_length=5_000), AfterValidator(_text)]
Html = Annotated[str, StringConstraints(max_length=500_000), AfterValidator(_text)]
HttpUrl = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=2048, pattern=r"^(https?://[^\s]+|/[^\s]*)$"
    ),
    AfterValidator(_line),
]

LanguageKey = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,7}$"),
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
