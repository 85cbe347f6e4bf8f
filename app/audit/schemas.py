import uuid
from datetime import datetime

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from app.kit import examples as ex
from app.kit.schema import ReadSchema

_PUBLISHED: JsonDict = {
    "id": "0b7f4f0e-52a1-4c55-9a3e-3f1d8e6c2a91",
    "at": "2026-11-25T16:45:03.114562Z",
    "actor": f"user:{ex.EDITOR_EMAIL}",
    "action": "publishTranslation",
    "object_type": "article",
    "object_id": ex.ARTICLE_ID,
    "language": "en",
    "request_id": "9c1e5b7d2f4a4e0b8d6c3a1f5e7b9d20",
    "changed_fields": [
        "publish_at",
        "published_at",
        "status",
        "updated_at",
        "articles.last_revision",
    ],
}
_FAILED_LOGIN: JsonDict = {
    "id": "5d2a8c41-7e36-4f0b-b9d1-2c6e4a8f1b37",
    "at": "2026-11-25T16:41:58.902217Z",
    "actor": f"user:{ex.AUTHOR_EMAIL}",
    "action": "createTokenFailed",
    "object_type": None,
    "object_id": None,
    "language": None,
    "request_id": "f3a09d6e1b2c4785a6d0e9c8b7a61f52",
    "changed_fields": [],
}


class AuditEntryRead(ReadSchema):
    model_config = ConfigDict(json_schema_extra=ex.examples(_PUBLISHED))

    id: uuid.UUID
    at: datetime = Field(description="When the change was committed (its transaction's time).")
    actor: str = Field(
        description="Who: `user:<e-mail>` (a login token; for a login attempt, the e-mail "
        "tried), `api_key:<key id>`, `cli:<command>`.",
        examples=[f"user:{ex.EDITOR_EMAIL}"],
    )
    action: str = Field(
        description="The operationId of the route (`publishTranslation`, `deleteTag`), "
        "`createTokenFailed` for a refused login, or the CLI command's.",
        examples=["publishTranslation"],
    )
    object_type: str | None = Field(
        description="What kind of object: `article`, `tag`, `user`, `api_key`, `language`…",
        examples=["article"],
    )
    object_id: str | None = Field(
        description="The object's id (a language's code).", examples=[ex.ARTICLE_ID]
    )
    language: str | None = Field(
        description="The language version the write was about, if one.", examples=["en"]
    )
    request_id: str | None = Field(
        description="The request's `X-Request-ID` (null for CLI writes).",
        examples=["9c1e5b7d2f4a4e0b8d6c3a1f5e7b9d20"],
    )
    changed_fields: list[str] = Field(
        description="Names of the fields the write set or changed (never their values).",
        examples=[["publish_at", "published_at", "status", "updated_at"]],
    )


class AuditList(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples(
            {
                "items": [_PUBLISHED, _FAILED_LOGIN],
                "next_cursor": "WyIyMDI2LTExLTI1VDE2OjQxOjU4LjkwMjIxNyswMDowMCIsIjVkMmE4YzQxN2Uz"
                "NjRmMGJiOWQxMmM2ZTRhOGYxYjM3Il0",
            }
        )
    )

    items: list[AuditEntryRead]
    next_cursor: str | None = Field(description="The next page's `cursor`; null on the last.")
