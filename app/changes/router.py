"""The change feed: every change of public content, in commit order, from a cursor."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from app.changes import service
from app.changes.schemas import ChangePage
from app.db import SessionDep
from app.errors import Unprocessable, problem_responses
from app.kit.openapi import headers
from app.languages import service as languages

router = APIRouter(tags=["public"], responses=problem_responses(410, 422))

# A full page never changes (ids come in commit order); the last one grows.
FULL_PAGE = "public, max-age=86400, immutable"
LAST_PAGE = "public, no-cache"  # stored by no cache without asking (ETag, 304)
SURROGATE_KEY = "changes"


@router.get(
    "/v1/changes",
    operation_id="listChanges",
    summary="Every change of public content since a cursor",
    description="Every change of what the public API shows, oldest first, in commit "
    "order: `upsert` when a language version became public or changed, `delete` when it "
    "stopped being public (unpublished, archived, deleted). Read from no cursor to get the "
    "whole public site, then store `next_cursor` and read again from it: each change comes "
    "exactly once, none is missed, drafts never appear. A scheduled publication or "
    "takedown appears once its time has come. `Link: rel=next` names the next page.",
    response_model=ChangePage,
    responses={200: {"headers": headers("Link")}},
)
async def list_changes(
    request: Request,
    response: Response,
    session: SessionDep,
    cursor: Annotated[
        str | None,
        Query(max_length=200, description="`next_cursor` of the last page read; none: the start."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size.")] = 100,
    language: Annotated[
        str | None,
        Query(
            min_length=2,
            max_length=16,
            pattern=r"^[a-z0-9-]+$",
            description="Only this language's versions (its URL code).",
        ),
    ] = None,
) -> ChangePage:
    after = 0 if cursor is None else service.decode(cursor)
    if language is not None and await languages.get(session, language) is None:
        raise Unprocessable.at(
            ["query", "language"],
            f"Unknown language '{language}'. GET /v1/languages lists them.",
            msg="Unknown language",
            type="language",
        )
    page = await service.page(
        session, request.app.state.settings, after=after, limit=limit, language=language
    )
    following = service.encode(page.position)
    query = {"cursor": following, "limit": limit} | ({"language": language} if language else {})
    response.headers["Link"] = f'<{request.url.path}?{urlencode(query)}>; rel="next"'
    response.headers["Cache-Control"] = FULL_PAGE if page.full else LAST_PAGE
    response.headers["Surrogate-Key"] = SURROGATE_KEY
    return ChangePage.model_validate({"items": page.items, "next_cursor": following})
