import uuid
from datetime import datetime
from typing import Annotated

import email_validator
from pydantic import ConfigDict, EmailStr, Field, StringConstraints
from pydantic.config import JsonDict

from app.auth.service import Role
from app.kit import examples as ex
from app.kit.schema import Flag, InContract, LanguageKey, Name, ReadSchema, Schema


def _any_case(word: str) -> str:
    return "".join(f"[{c}{c.upper()}]" for c in word)


# What email-validator refuses beyond `format: email`, said in the contract: a quoted local
# part, an IP-literal or dotless domain, and special-use names (.test, .local, ...).
_SPECIAL_USE = "|".join(_any_case(d) for d in email_validator.SPECIAL_USE_DOMAIN_NAMES)
EMAIL_PATTERN = (
    r'^[^\s@"]+@(?!(?:[^@]*\.)?(?:' + _SPECIAL_USE + r")$)[^\s@\[\].]+(?:\.[^\s@\[\].]+)+$"
)
Email = Annotated[EmailStr, InContract((("pattern", EMAIL_PATTERN),))]

Password = Annotated[str, StringConstraints(min_length=10, max_length=1024)]


_TRANSLATOR: JsonDict = {
    "email": ex.TRANSLATOR_EMAIL,
    "display_name": "Mariia Bondar",
    "role": "translator",
    "languages": ["en", "ru"],
}
_TRANSLATOR_READ: JsonDict = {
    "id": "6a493d17-999b-4e86-8d9b-29aeb12fc2e5",
    **_TRANSLATOR,
    "active": True,
    "created_at": "2026-09-01T08:00:14.402219Z",
    "updated_at": "2026-09-01T08:00:14.402219Z",
}
_AUTHOR_READ: JsonDict = {
    "id": "7037a1e2-f267-478b-a5cf-3892aa38526a",
    "email": ex.AUTHOR_EMAIL,
    "display_name": ex.AUTHOR_NAME["en"],
    "role": "author",
    "active": True,
    "languages": [],
    "created_at": "2026-02-09T12:29:55.731840Z",
    "updated_at": "2026-02-09T12:29:55.731840Z",
}


class UserCreate(Schema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples({**_TRANSLATOR, "password": "correct horse battery staple"})
    )

    email: Email = Field(examples=["olena@newsroom.example"])
    display_name: Name = Field(examples=["Olena Kovalenko"])
    role: Role
    password: Password = Field(description="At least 10 characters.")
    languages: list[LanguageKey] = Field(
        default_factory=list, description="For translators: the languages they may edit."
    )


class UserUpdate(Schema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples({"role": "editor", "languages": []}, {"active": False})
    )

    display_name: Name | None = None
    role: Role | None = None
    active: Flag | None = Field(default=None, description="false: every token stops at once.")
    languages: list[LanguageKey] | None = None
    password: Password | None = None


class UserRead(ReadSchema):
    model_config = ConfigDict(json_schema_extra=ex.examples(_TRANSLATOR_READ))

    id: uuid.UUID
    email: str
    display_name: str
    role: Role
    active: bool
    languages: list[str]
    created_at: datetime
    updated_at: datetime


class UserList(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples({"items": [_AUTHOR_READ, _TRANSLATOR_READ]})
    )

    items: list[UserRead]
