import uuid
from datetime import datetime

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from app.auth.service import Role
from app.kit.examples import examples
from app.kit.schema import Name, ReadSchema, Schema, Timestamp

# A key for the newswire importer (an author: it files drafts, an editor publishes them).
_KEY = "nd_YnYJevszWw5J4vNaWRPz5TN7hFcm99GolIZ6S5rLFZQ"
_WIRE_KEY: JsonDict = {
    "id": "34673688-2677-48ed-8d74-cf2507584388",
    "name": "wire-importer",
    "role": "author",
    "prefix": _KEY[:10],
    "created_at": "2026-11-20T13:04:51.873302Z",
    "expires_at": "2027-11-30T22:00:00Z",
    "revoked_at": None,
}
_REVOKED_KEY: JsonDict = {
    "id": "c2f03d94-e325-4493-a8dc-0f3bb4bf8797",
    "name": "partner-site",
    "role": "editor",
    "prefix": "nd_Qm4x7Tz",
    "created_at": "2026-06-01T09:12:40.517733Z",
    "expires_at": None,
    "revoked_at": "2026-10-14T15:27:06.094118Z",
}


class ApiKeyCreate(Schema):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {"name": "wire-importer", "role": "author", "expires_at": "2027-12-01T00:00:00+02:00"}
        )
    )

    name: Name = Field(examples=["partner-site"])
    role: Role = Field(examples=["admin"])
    expires_at: Timestamp | None = Field(
        default=None, description="After this moment the key is refused; null = never."
    )


class ApiKeyRead(ReadSchema):
    model_config = ConfigDict(json_schema_extra=examples(_WIRE_KEY))

    id: uuid.UUID
    name: str
    role: Role
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    model_config = ConfigDict(json_schema_extra=examples({**_WIRE_KEY, "key": _KEY}))

    key: str = Field(description="The key itself. It is shown this once and never again.")


class ApiKeyList(ReadSchema):
    model_config = ConfigDict(json_schema_extra=examples({"items": [_WIRE_KEY, _REVOKED_KEY]}))

    items: list[ApiKeyRead]
