import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Form
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import Field

from app.auth.service import Role
from app.kit.schema import Name, ReadSchema, Schema, Timestamp


class ApiKeyCreate(Schema):
    name: Name = Field(examples=["partner-site"])
    role: Role = Field(examples=["admin"])
    expires_at: Timestamp | None = Field(
        default=None, description="After this moment the key is refused; null = never."
    )


class ApiKeyRead(ReadSchema):
    id: uuid.UUID
    name: str
    role: Role
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The key itself. It is shown this once and never again.")


class ApiKeyList(ReadSchema):
    items: list[ApiKeyRead]


class LoginForm(OAuth2PasswordRequestForm):
    """The OAuth2 password form (Swagger UI's Authorize sends it); `username` is the e-mail.

    FastAPI's own form reads an empty `username` or `password` as missing (422) while its
    schema allows "": here the contract says they must not be empty.
    """

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form(min_length=1)],
        password: Annotated[str, Form(min_length=1, json_schema_extra={"format": "password"})],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )
