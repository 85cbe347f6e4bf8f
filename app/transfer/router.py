"""`GET /v1/admin/export`: the export of `newsdesk export`, streamed over HTTP, for
operators without shell access (administrators only)."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from app.auth.deps import AdminDep
from app.db import Database, SessionDep
from app.errors import problem_responses
from app.kit.schema import LanguageKey, Timestamp
from app.languages import service as languages
from app.models import utcnow
from app.transfer import export
from app.transfer.write import dump

router = APIRouter(prefix="/v1/admin", tags=["transfer"], responses=problem_responses(401, 403))
MEDIA_TYPE = "application/x-ndjson"


@router.get(
    "/export",
    operation_id="exportContent",
    summary="Export the content as JSON Lines",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The export, one JSON object per line, from a header line to an "
            "end line (docs/import-export.md). Streamed: a cut-off answer lacks the end line.",
            "content": {MEDIA_TYPE: {"schema": {"type": "string"}}},
        },
        **problem_responses(422),
    },
)
async def export_content(
    request: Request,
    session: SessionDep,
    _: AdminDep,
    since: Annotated[
        Timestamp | None,
        Query(description="Only the articles changed at or after this time (article or version)."),
    ] = None,
    language: Annotated[
        LanguageKey | None,
        Query(
            description="Only the articles with a version in this language: that version "
            "and the original's."
        ),
    ] = None,
) -> StreamingResponse:
    """Every language, author, category, tag, media record and article (each version with
    its state, correction notes, pending copy and former slugs), as `newsdesk export`
    writes them, read in one snapshot and streamed at flat memory. `newsdesk import`
    reads it back."""
    if language is not None:
        await languages.require(session, [language], loc=("query", "language"))
    db: Database = request.app.state.db
    now = utcnow()

    async def body() -> AsyncIterator[bytes]:
        async with db.reader() as reader, reader.begin():
            await export.snapshot(reader)
            revision = await reader.run_sync(export.schema_revision)
            stream = export.lines(
                reader, schema_revision=revision, now=now, since=since, language=language
            )
            async for line in stream:
                yield dump(line)

    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        body(),
        media_type=MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="newsdesk-export-{stamp}.jsonl"',
            "Cache-Control": "no-store",
        },
    )
