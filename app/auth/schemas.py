"""The login form and the token it answers (OAuth2 password grant)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.kit import examples as ex
from app.kit.schema import QueryText, ReadSchema


class TokenRead(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                "access_token": "ndu_JGnUgiffl28MqSctWzNDB06XIhgYUv2fXMk4-nTl5Yk",
                "token_type": "bearer",
                "expires_in": 43200,
            }
        )
    )

    access_token: str
    token_type: str = Field(examples=["bearer"])
    expires_in: int = Field(description="Seconds until the token expires.")


class TokenRequest(BaseModel):
    """The OAuth2 password grant (RFC 6749 §4.3), as a form: the e-mail goes in `username`."""

    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {"grant_type": "password", "username": ex.EDITOR_EMAIL, "password": "correct horse"}
        )
    )

    grant_type: Literal["password"] | None = Field(
        default=None, description="`password`, when sent."
    )
    username: QueryText = Field(
        min_length=1, max_length=320, description="The user's e-mail address."
    )
    password: str = Field(min_length=1, max_length=1024, json_schema_extra={"format": "password"})
    scope: str = Field(default="", max_length=1000, description="Ignored: roles decide.")
    client_id: str | None = Field(default=None, max_length=200, description="Ignored.")
    client_secret: str | None = Field(default=None, max_length=200, description="Ignored.")
