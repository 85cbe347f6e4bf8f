"""Webhook subscriptions and their deliveries, as the management API shows them."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic.config import JsonDict

from app.changes.record import EVENT_TYPES
from app.kit.examples import examples
from app.kit.schema import Absent, Flag, LongLine, ReadSchema, Schema

DISABLED = "webhook.disabled"  # a subscription was disabled after a long run of failures
EventType = Literal[(*EVENT_TYPES, DISABLED)]  # type: ignore[valid-type]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,7}$")]


def _unique(values: list[Any] | None) -> list[Any] | None:
    """A value named twice counts once (the first place kept)."""
    return None if values is None else list(dict.fromkeys(values))


Events = Annotated[
    list[EventType],
    Field(min_length=1, max_length=20, description="A type named twice counts once."),
    AfterValidator(_unique),
]
Languages = (
    Annotated[list[Language], Field(min_length=1, max_length=16), AfterValidator(_unique)] | None
)
SubscriberUrl = Annotated[
    str,
    StringConstraints(max_length=2000, pattern=r"^https?://[^\s\x00-\x1f\x7f-\x9f]+$"),
]

Description = Annotated[LongLine, Field(max_length=200)]

_HOOK: JsonDict = {
    "id": "8d1c6f0e-2f7a-4c55-9f1e-3b9a2d4c7e10",
    "url": "https://frontend.example.com/api/revalidate",
    "description": "Next.js ISR of the English site",
    "events": ["article.published", "article.updated", "article.unpublished"],
    "languages": ["en"],
    "enabled": True,
    "created_at": "2026-12-03T08:00:00Z",
    "updated_at": "2026-12-03T08:00:00Z",
    "secret_rotated_at": None,
    "disabled_at": None,
    "disabled_reason": None,
}
_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7TVOeLNVFnM="  # noqa: S105 - an example


class WebhookCreate(Schema):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "url": "https://frontend.example.com/api/revalidate",
                "events": ["article.published", "article.updated", "article.unpublished"],
                "languages": ["en"],
            }
        )
    )

    url: SubscriberUrl = Field(
        description="Where deliveries are POSTed: http or https, no user name or password. "
        "Private, loopback and link-local addresses are refused unless "
        "`NEWSDESK_WEBHOOK_ALLOW_HOSTS` names them."
    )
    events: Events = Field(description="The event types to deliver.")
    languages: Languages = Field(
        default=None, description="Only events of these languages; null: every language."
    )
    enabled: Flag = True
    description: Description = ""


class WebhookUpdate(Schema):
    """The fields given change; a field left out or null stays, but for `languages`,
    where null means every language."""

    model_config = ConfigDict(json_schema_extra=examples({"enabled": True}, {"languages": None}))

    url: SubscriberUrl | None = None
    events: Events | None = None
    languages: Languages = None
    enabled: Flag | None = None
    description: Description | None = None


class WebhookRead(ReadSchema):
    model_config = ConfigDict(from_attributes=True, json_schema_extra=examples(_HOOK))

    id: uuid.UUID
    url: str
    description: Absent = Field(description="Null when none.")
    events: list[str]
    languages: list[str] | None
    enabled: bool
    created_at: datetime
    updated_at: datetime
    secret_rotated_at: datetime | None = Field(
        validation_alias=AliasChoices("rotated_at", "secret_rotated_at"),
        description="When the secret was last rotated.",
    )
    disabled_at: datetime | None = Field(
        description="When delivery failures disabled it (null: enabled, or disabled by hand)."
    )
    disabled_reason: str | None


class WebhookCreated(WebhookRead):
    model_config = ConfigDict(json_schema_extra=examples({**_HOOK, "secret": _SECRET}))

    secret: str = Field(
        description="The signing secret (Standard Webhooks `whsec_…`): shown only now. "
        "Verify each delivery with it, e.g. `standardwebhooks.Webhook(secret).verify(body, "
        "headers)`."
    )


class WebhookSecret(ReadSchema):
    model_config = ConfigDict(json_schema_extra=examples({"secret": _SECRET}))

    secret: str = Field(
        description="The new signing secret, shown only now. For 24 hours deliveries are "
        "signed with the new and the previous secret."
    )


class WebhookList(ReadSchema):
    model_config = ConfigDict(json_schema_extra=examples({"items": [_HOOK]}))

    items: list[WebhookRead]


_DELIVERY: JsonDict = {
    "id": "5b0c9e7a-1d2f-4e3a-9b8c-7d6e5f4a3b2c",
    "webhook_id": _HOOK["id"],
    "event_id": "msg_8f0e6c2d4b1a4e5f9a7c3b2d1e0f9a8b",
    "type": "article.published",
    "status": "pending",
    "attempts": 2,
    "response_status": 503,
    "duration_ms": 412,
    "error": "HTTP 503: upstream unavailable",
    "created_at": "2026-12-03T09:00:00.412000Z",
    "last_attempt_at": "2026-12-03T09:00:05.871000Z",
    "next_attempt_at": "2026-12-03T09:00:16.020000Z",
    "payload": {
        "id": "8f0e6c2d-4b1a-4e5f-9a7c-3b2d1e0f9a8b",
        "type": "article.published",
        "timestamp": "2026-12-03T09:00:00Z",
        "data": {
            "article_id": "03ba464b-3c2e-4f7a-9d1e-6b5a4c3d2e1f",
            "language": "en",
            "slug": "kyiv-hosts-the-summit",
            "path": "/v1/en/articles/kyiv-hosts-the-summit",
            "url": "https://news.example.com/en/kyiv-hosts-the-summit",
        },
    },
}


class DeliveryRead(ReadSchema):
    model_config = ConfigDict(from_attributes=True, json_schema_extra=examples(_DELIVERY))

    id: uuid.UUID
    webhook_id: uuid.UUID
    event_id: str = Field(description="The `webhook-id` header: the same on every attempt.")
    type: str = Field(examples=["article.published"])
    status: Literal["pending", "delivered", "failed"] = Field(
        description="`pending`: not delivered yet (retried until it is, for 24 hours); "
        "`delivered`: a 2xx answer; `failed`: retries gave up."
    )
    attempts: int
    response_status: int | None = Field(description="The last attempt's HTTP status.")
    duration_ms: int | None = Field(description="How long the last attempt took.")
    error: str | None = Field(description="Why the last attempt failed.")
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    payload: dict[str, Any] = Field(description="The body sent (the same on every attempt).")

    @field_validator("payload", mode="before")
    @classmethod
    def _parsed(cls, value: object) -> object:
        import json

        return json.loads(value) if isinstance(value, str) else value


class DeliveryPage(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=examples({"items": [_DELIVERY], "next_cursor": None})
    )

    items: list[DeliveryRead]
    next_cursor: str | None
