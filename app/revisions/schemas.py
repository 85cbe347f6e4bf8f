from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from app.kit import examples as ex
from app.kit.schema import ReadSchema

_ALL_ARTICLE = ["author_ids", "category_id", "cover_media_id", "original_language", "sources",
                "tag_ids"]  # fmt: skip
_ALL_TRANSLATION = ["body_html", "expire_at", "expire_status", "lead", "publish_at",
                    "seo_description", "seo_title", "slug", "social_description",
                    "social_image_id", "social_title", "status", "title"]  # fmt: skip
# The metro story's history: (language, action, actor's e-mail, time, changed fields).
_HISTORY = [
    (None, "create", ex.AUTHOR_EMAIL, ex.CREATED_AT, _ALL_ARTICLE),
    ("ua", "create_translation", ex.AUTHOR_EMAIL, ex.CREATED_AT, _ALL_TRANSLATION),
    ("ua", "submit", ex.AUTHOR_EMAIL, "2026-11-26T06:52:08.116540Z", ["status"]),
    ("ua", "publish", ex.EDITOR_EMAIL, ex.UA_SCHEDULED_AT, ["publish_at", "status"]),
    ("ru", "create_translation", ex.TRANSLATOR_EMAIL, ex.RU_CREATED_AT, _ALL_TRANSLATION),
    ("ua", "replace_translation", ex.EDITOR_EMAIL, ex.UA_CORRECTED_AT, ["body_html"]),
    ("en", "create_translation", ex.TRANSLATOR_EMAIL, ex.EN_CREATED_AT, _ALL_TRANSLATION),
    ("en", "publish", ex.EDITOR_EMAIL, ex.EN_PUBLISHED_AT, ["publish_at", "status"]),
]
_REVISIONS: list[JsonDict] = [
    {
        "number": number,
        "language": language,
        "action": action,
        "actor": f"user:{email}",
        "created_at": at,
        "changed_fields": [*changed],
    }
    for number, (language, action, email, at, changed) in enumerate(_HISTORY, start=1)
]


class RevisionSummary(ReadSchema):
    model_config = ConfigDict(json_schema_extra=ex.examples(_REVISIONS[5]))

    number: int = Field(description="Per article, counting from 1.")
    language: str | None = Field(description="The translation changed; null for metadata.")
    action: str = Field(examples=["replace_translation"])
    actor: str = Field(examples=["api_key:newsroom"])
    created_at: datetime
    changed_fields: list[str]


class RevisionRead(RevisionSummary):
    # A translation's snapshot is its stored state: `scheduled` stays so after the time.
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                **_REVISIONS[5],
                "snapshot": {
                    "slug": ex.SLUG["ua"],
                    "title": ex.TITLE["ua"],
                    "lead": ex.LEAD["ua"],
                    "body_html": ex.BODY_HTML["ua"],
                    "seo_title": None,
                    "seo_description": None,
                    "social_title": None,
                    "social_description": None,
                    "social_image_id": None,
                    "status": "scheduled",
                    "publish_at": "2026-11-26T07:00:00+00:00",
                    "expire_at": None,
                    "expire_status": None,
                },
            }
        )
    )

    snapshot: dict[str, Any] = Field(description="The state right after this change.")


class RevisionList(ReadSchema):
    model_config = ConfigDict(json_schema_extra=ex.examples({"items": [*_REVISIONS]}))

    items: list[RevisionSummary]
