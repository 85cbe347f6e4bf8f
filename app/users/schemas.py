import uuid
from datetime import datetime
from typing import Annotated

import email_validator
from pydantic import EmailStr, Field, StringConstraints

from app.auth.service import Role
from app.kit.schema import InContract, LanguageKey, Name, ReadSchema, Schema


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


class UserCreate(Schema):
    email: Email = Field(examples=["olena@newsroom.example"])
    display_name: Name = Field(examples=["Olena Kovalenko"])
    role: Role
    password: Password = Field(description="At least 10 characters.")
    languages: list[LanguageKey] = Field(
        default_factory=list, description="For translators: the languages they may edit."
    )


class UserUpdate(Schema):
    display_name: Name | None = None
    role: Role | None = None
    active: bool | None = Field(default=None, description="false: every token stops at once.")
    languages: list[LanguageKey] | None = None
    password: Password | None = None


class UserRead(ReadSchema):
    id: uuid.UUID
    email: str
    display_name: str
    role: Role
    active: bool
    languages: list[str]
    created_at: datetime
    updated_at: datetime


class UserList(ReadSchema):
    items: list[UserRead]


class TokenRead(ReadSchema):
    access_token: str
    token_type: str = Field(examples=["bearer"])
    expires_in: int = Field(description="Seconds until the token expires.")
