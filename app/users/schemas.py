import uuid
from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field, StringConstraints

from app.auth.service import Role
from app.kit.schema import LanguageKey, Name, ReadSchema, Schema

Password = Annotated[str, StringConstraints(min_length=10, max_length=1024)]


class UserCreate(Schema):
    email: EmailStr = Field(examples=["olena@newsroom.example"])
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
