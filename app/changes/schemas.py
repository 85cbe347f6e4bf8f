"""The change feed's page."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.changes.record import EVENT_TYPES


class ChangeItem(BaseModel):
    """One change of one language version of an article, in commit order."""

    type: Literal["upsert", "delete"] = Field(
        description="`upsert`: the version is public as of this change (fetch it again); "
        "`delete`: it is not public any more (unpublished, archived or deleted)."
    )
    event: Literal[EVENT_TYPES] = Field(  # type: ignore[valid-type]
        description="What happened, as webhooks name it.", examples=["article.published"]
    )
    id: uuid.UUID = Field(description="The event's id (a webhook delivery's `webhook-id`).")
    article_id: uuid.UUID
    language: str = Field(examples=["en"])
    slug: str = Field(
        description="Its public slug (for a `delete`, the last one it had).",
        examples=["kyiv-metro-reopens"],
    )
    path: str = Field(examples=["/v1/en/articles/kyiv-metro-reopens"])
    url: str = Field(
        description="Where the public site shows it (`NEWSDESK_SITE_URL` and "
        "`NEWSDESK_ARTICLE_URL_PATTERN`).",
        examples=["https://news.example.com/en/kyiv-metro-reopens"],
    )
    previous_path: str | None = Field(
        default=None,
        description="An `upsert` that moved the version to a new slug: the path it had "
        "(now a redirect to `path`); a static copy removes or redirects that page.",
        examples=["/v1/en/articles/kyiv-metro-reopens-today"],
    )
    at: datetime = Field(description="When it took effect (a scheduled one: its time).")


class ChangePage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "type": "upsert",
                            "event": "article.published",
                            "id": "8f0e6c2d-4b1a-4e5f-9a7c-3b2d1e0f9a8b",
                            "article_id": "03ba464b-3c2e-4f7a-9d1e-6b5a4c3d2e1f",
                            "language": "en",
                            "slug": "kyiv-hosts-the-summit",
                            "path": "/v1/en/articles/kyiv-hosts-the-summit",
                            "url": "https://news.example.com/en/kyiv-hosts-the-summit",
                            "at": "2026-12-03T09:00:00Z",
                        },
                        {
                            "type": "delete",
                            "event": "article.archived",
                            "id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                            "article_id": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
                            "language": "ua",
                            "slug": "stara-novyna",
                            "path": "/v1/ua/articles/stara-novyna",
                            "url": "https://news.example.com/ua/stara-novyna",
                            "at": "2026-12-03T09:02:11Z",
                        },
                    ],
                    "next_cursor": "WyJjaGFuZ2VzIiw0Ml0",
                }
            ]
        }
    )

    items: list[ChangeItem]
    next_cursor: str = Field(
        description="Where the next read resumes: given on every page, an empty one "
        "included. Store it; a read from it returns every later change exactly once."
    )
