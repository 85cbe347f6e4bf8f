from datetime import datetime
from typing import Any

from pydantic import Field

from app.kit.schema import ReadSchema


class RevisionSummary(ReadSchema):
    number: int = Field(description="Per article, counting from 1.")
    language: str | None = Field(description="The translation changed; null for metadata.")
    action: str = Field(examples=["replace_translation"])
    actor: str = Field(examples=["api_key:newsroom"])
    created_at: datetime
    changed_fields: list[str]


class RevisionRead(RevisionSummary):
    snapshot: dict[str, Any] = Field(description="The state right after this change.")


class RevisionList(ReadSchema):
    items: list[RevisionSummary]
