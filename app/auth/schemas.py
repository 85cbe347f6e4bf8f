import uuid
from datetime import datetime

from pydantic import AwareDatetime, Field

from app.auth.service import Role
from app.kit.schema import Name, ReadSchema, Schema


class ApiKeyCreate(Schema):
    name: Name = Field(examples=["partner-site"])
    role: Role = Field(examples=["admin"])
    expires_at: AwareDatetime | None = Field(
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
