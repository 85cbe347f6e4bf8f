"""`GET /v1/admin/export` and `/v1/admin/imports`: `newsdesk export` and `newsdesk import`
over HTTP, for operators without shell access (administrators only)."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from app.audit import hook as audit
from app.auth.deps import AdminDep
from app.db import Database, SessionDep
from app.errors import Unprocessable, UnsupportedMediaType, problem_responses
from app.kit.forms import invalid_part, read_form, the_file
from app.kit.openapi import headers
from app.kit.schema import LanguageKey, Timestamp
from app.languages import service as languages
from app.models import utcnow
from app.transfer import export, jobs
from app.transfer.schemas import ImportJobList, ImportJobRead, ImportUpload
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
    with_revisions: Annotated[
        bool,
        Query(description="Each article's revisions too (whole articles: not with `language`)."),
    ] = False,
) -> StreamingResponse:
    """Every language, author, category, tag, media record and article (each version with
    its state, correction notes, pending copy and former slugs), as `newsdesk export`
    writes them, read in one snapshot and streamed at flat memory. `newsdesk import`
    reads it back."""
    if language is not None:
        if with_revisions:
            raise Unprocessable.at(
                ["query", "with_revisions"],
                "Revisions are exported for whole articles: not with `language`.",
                msg="Not with language",
                type="combination",
            )
        await languages.require(session, [language], loc=("query", "language"))
    db: Database = request.app.state.db
    now = utcnow()

    async def body() -> AsyncIterator[bytes]:
        async with db.reader() as reader, reader.begin():
            await export.snapshot(reader)
            revision = await reader.run_sync(export.schema_revision)
            stream = export.lines(
                reader, schema_revision=revision, now=now, since=since, language=language,
                with_revisions=with_revisions,
            )  # fmt: skip
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


_UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {"$ref": "#/components/schemas/ImportUpload"},
            "encoding": {"file": {"contentType": f"{MEDIA_TYPE}, application/jsonl, "
                                  "application/octet-stream"}},
        }
    },
}  # fmt: skip
BODY_MODELS = (ImportUpload,)  # in the contract's components (app.main)
_PARTS = {"file", "dry_run"}


@router.post(
    "/imports",
    operation_id="createImport",
    summary="Import a JSON Lines export as a job",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportJobRead,
    responses={
        202: {"headers": headers("Location")},
        **problem_responses(409, 413, 415, 422),
    },
    openapi_extra={"requestBody": _UPLOAD},
)
async def create_import(
    request: Request, response: Response, session: SessionDep, principal: AdminDep
) -> ImportJobRead:
    """Upload a Newsdesk export (`multipart/form-data`: `file`, and `dry_run` "true" to
    check it only) and import it in the server as `newsdesk import` does: each object
    whole or not at all, ids kept, failed lines listed with their numbers. The answer is
    the job, at once; follow it at its `Location`. One import runs at a time (409 while
    another does). A file that does not start with an export's header of this format
    version is refused (422) before any job exists."""
    given = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if given != "multipart/form-data":
        raise UnsupportedMediaType(
            "Send the file as multipart/form-data (part `file`)"
            + (f"; not {given}." if given else ".")
        )
    form = await read_form(request, max_fields=1, max_part_size=1024)
    try:
        file = the_file(form, _PARTS, "the export")
        flags = form.getlist("dry_run")
        if len(flags) > 1 or any(f not in ("true", "false") for f in flags):
            raise invalid_part("dry_run", "`dry_run` is `true` or `false`, once.")
        upload = await jobs.keep(file.file, file.filename)
    finally:
        await form.close()
    job = await request.app.state.imports.start(
        session, upload, dry_run=flags == ["true"], actor=audit.actor_of(principal)
    )
    response.headers["Location"] = f"/v1/admin/imports/{job.id}"
    return ImportJobRead.model_validate(job)


@router.get(
    "/imports",
    operation_id="listImports",
    summary="List import jobs",
    response_model=ImportJobList,
    responses=problem_responses(422),
)
async def list_imports(
    session: SessionDep,
    _: AdminDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 20,
    cursor: Annotated[str | None, Query(max_length=200, description="From `next_cursor`.")] = None,
) -> ImportJobList:
    """The import jobs, newest first (a job that stopped being heard from, because its
    server stopped, shows as failed)."""
    found, next_cursor = await jobs.page(session, limit=limit, cursor=cursor)
    now = utcnow()
    return ImportJobList(
        items=[ImportJobRead.model_validate(jobs.seen(job, now)) for job in found],
        next_cursor=next_cursor,
    )


@router.get(
    "/imports/{import_id}",
    operation_id="getImport",
    summary="Get an import job",
    response_model=ImportJobRead,
    responses=problem_responses(404, 422),
)
async def get_import(
    import_id: Annotated[uuid.UUID, Path(description="The import job's id.")],
    session: SessionDep,
    _: AdminDep,
) -> ImportJobRead:
    """How far the import got: lines read, objects created, updated and unchanged per type,
    the failed lines with their numbers, and whether the file was whole."""
    return ImportJobRead.model_validate(jobs.seen(await jobs.get(session, import_id), utcnow()))
