"""`GET /problems` and `GET /problems/{code}`: every problem `type` URI resolves.

A problem's `type` (`/problems/not-found`) is relative to the API's origin, so these two
live at the root, beside `/healthz`, not under `/v1/`. They change only with a release: the
answers are `public` (the response cache and a CDN keep them, with an ETag and 304s) and
carry the surrogate key `problems`, which nothing purges; a deploy does.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from app.errors import NotFound, problem_responses
from app.kit.etags import MAX_IF_NONE_MATCH
from app.kit.openapi import headers
from app.problems.catalogue import CATALOGUE, CODE_PATTERN, find
from app.problems.schemas import ProblemTypeList, ProblemTypeRead

router = APIRouter(tags=["problems"])
SURROGATE_KEY = "problems"

_CACHED: dict[str, Any] = {
    # The contract's finisher declares these for `/v1/` reads; these two are outside it.
    "openapi_extra": {
        "parameters": [
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": "ETags the client holds: 304 Not Modified when the current "
                "one is among them.",
                "schema": {"type": "string", "maxLength": MAX_IF_NONE_MATCH},
            }
        ]
    },
}


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"headers": headers("ETag", "Cache-Control", "Surrogate-Key")},
        304: {
            "description": "Not modified: the `If-None-Match` ETag is current.",
            "headers": headers("ETag", "Cache-Control"),
        },
        **problem_responses(*statuses),
    }


def _cacheable(request: Request, response: Response) -> None:
    response.headers["Cache-Control"] = request.app.state.settings.cache_control
    response.headers["Surrogate-Key"] = SURROGATE_KEY


ProblemCode = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=CODE_PATTERN,
        description="The last segment of a problem's `type` (`/problems/{code}`).",
        examples=["precondition-failed"],
    ),
]


@router.get(
    "/problems",
    operation_id="listProblemTypes",
    summary="List problem types",
    response_model=ProblemTypeList,
    responses=_responses(),
    **_CACHED,
)
async def list_problem_types(request: Request, response: Response) -> ProblemTypeList:
    """Every problem `type` the API can answer, with what it means and what to do."""
    _cacheable(request, response)
    return ProblemTypeList(items=[ProblemTypeRead.of(entry) for entry in CATALOGUE.values()])


@router.get(
    "/problems/{code}",
    operation_id="getProblemType",
    summary="Describe a problem type",
    response_model=ProblemTypeRead,
    responses=_responses(404),
    **_CACHED,
)
async def get_problem_type(
    code: ProblemCode, request: Request, response: Response
) -> ProblemTypeRead:
    """What a problem whose `type` is `/problems/{code}` means, and what to do about it."""
    entry = find(code)
    if entry is None:
        raise NotFound(f"No problem type '{code}': GET /problems lists them all.")
    _cacheable(request, response)
    return ProblemTypeRead.of(entry)
