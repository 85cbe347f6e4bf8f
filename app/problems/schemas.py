"""What `GET /problems/{code}` and `GET /problems` answer: catalogue entries."""

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from app.kit.examples import examples
from app.problems.catalogue import ProblemType

_PRECONDITION_FAILED: JsonDict = {
    "type": "/problems/precondition-failed",
    "code": "precondition-failed",
    "title": "Precondition failed",
    "statuses": [412],
    "description": "The `If-Match` ETag is not the resource's current one: somebody changed "
    "it since you read it (or the tag is weak, which never matches). `current_version` and "
    "the `ETag` header give the current version.",
    "what_to_do": "Read the resource again, reapply your change, and send the new ETag in "
    "`If-Match`.",
    "members": ["current_version"],
}


class ProblemTypeRead(BaseModel):
    """One problem type of the catalogue: what a problem with this `type` means and what
    a client should do about it."""

    model_config = ConfigDict(json_schema_extra=examples(_PRECONDITION_FAILED))

    type: str = Field(
        description="The URI problems of this type carry in `type` (relative to the API's "
        "origin; it resolves to this entry).",
        examples=["/problems/precondition-failed"],
    )
    code: str = Field(description="The last segment of `type`.", examples=["precondition-failed"])
    title: str = Field(
        description="The `title` every problem of this type carries.",
        examples=["Precondition failed"],
    )
    statuses: list[int] = Field(
        description="The HTTP statuses a problem of this type is answered with.", examples=[[412]]
    )
    description: str = Field(description="When the API answers it.")
    what_to_do: str = Field(description="What the client (or the operator) should do.")
    members: list[str] = Field(
        description="Members the problem carries besides `type`, `title`, `status`, "
        "`detail`, `instance` and `request_id`; `[]` when none.",
        examples=[["current_version"]],
    )

    @classmethod
    def of(cls, entry: ProblemType) -> "ProblemTypeRead":
        return cls(
            type=entry.type,
            code=entry.code,
            title=entry.title,
            statuses=list(entry.statuses),
            description=entry.description,
            what_to_do=entry.what_to_do,
            members=list(entry.members),
        )


class ProblemTypeList(BaseModel):
    """Every problem type the API can answer, in the catalogue's order."""

    model_config = ConfigDict(json_schema_extra=examples({"items": [_PRECONDITION_FAILED]}))

    items: list[ProblemTypeRead]
