"""The change feed's page."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

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
    at: datetime = Field(description="When it took effect (a scheduled one: its time).")


class ChangePage(BaseModel):
    items: list[ChangeItem]
    next_cursor: str = Field(
        description="Where the next read resumes: given on every page, an empty one "
        "included. Store it; a read from it returns every later change exactly once."
    )
