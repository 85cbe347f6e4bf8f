"""The shapes of import jobs (`/v1/admin/imports`)."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field, computed_field
from pydantic.config import JsonDict

from app.kit import examples as ex
from app.kit.schema import ReadSchema, Schema

_RUNNING: JsonDict = {
    "id": "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b",
    "status": "running",
    "dry_run": False,
    "filename": "newsdesk-export-20261203T120000Z.jsonl",
    "size_bytes": 48_211_904,
    "bytes_read": 12_052_976,
    "progress": 0.25,
    "lines": 9_214,
    "created": {
        "language": 3,
        "author": 41,
        "category": 12,
        "tag": 1_830,
        "media": 2_207,
        "article": 5_118,
    },
    "updated": {},
    "unchanged": {},
    "errors": [
        {
            "line": 4_471,
            "error": "invalid article: translations.en.title: String "
            "should have at most 300 characters",
        }
    ],
    "error_count": 1,
    "complete": False,
    "error": None,
    "created_by": f"user:{ex.EDITOR_EMAIL}",
    "created_at": "2026-12-03T12:04:11.203114Z",
    "finished_at": None,
}


class LineFailure(ReadSchema):
    line: int = Field(description="The line's number in the file, from 1.")
    error: str = Field(description="What is wrong with it; the line was not imported.")


class ImportJobRead(ReadSchema):
    model_config = ConfigDict(json_schema_extra=ex.examples(_RUNNING))

    id: uuid.UUID
    status: Literal["running", "succeeded", "failed"] = Field(
        description="`succeeded`: the file was read to its end (lines may have failed: "
        "`error_count`); `failed`: refused as a whole, or the server stopped (`error`)."
    )
    dry_run: bool = Field(description="Checked and reported only: nothing was stored.")
    filename: str | None = Field(description="The uploaded file's name, as sent.")
    size_bytes: int = Field(description="The file's size.")
    bytes_read: int = Field(description="How far the import has read, in bytes.")
    lines: int = Field(description="Lines read so far.")
    created: dict[str, int] = Field(description="Objects created, per type.")
    updated: dict[str, int] = Field(description="Objects updated, per type.")
    unchanged: dict[str, int] = Field(
        description="Objects already stored as the file says them, per type."
    )
    errors: list[LineFailure] = Field(
        description="The failed lines, the first 1,000 (`error_count` counts them all)."
    )
    error_count: int = Field(description="How many lines failed.")
    complete: bool = Field(
        description="The file's end line was read and its counts matched: the file was "
        "whole (a cut-off file is reported as a failed last line)."
    )
    error: str | None = Field(description="Why the job failed, if it did.")
    created_by: str = Field(description="Who sent it (as the audit log names actors).")
    created_at: datetime
    finished_at: datetime | None = Field(description="When it ended, if it has.")

    @computed_field(description="`bytes_read` / `size_bytes`, from 0 to 1.")  # type: ignore[prop-decorator]
    @property
    def progress(self) -> float:
        if self.status == "succeeded" or not self.size_bytes:
            return 1.0
        return round(min(self.bytes_read / self.size_bytes, 1.0), 4)


class ImportJobList(ReadSchema):
    model_config = ConfigDict(
        json_schema_extra=ex.examples({"items": [_RUNNING], "next_cursor": None})
    )

    items: list[ImportJobRead]
    next_cursor: str | None = Field(description="The next page's `cursor`; null on the last.")


class ImportUpload(Schema):
    """`POST /v1/admin/imports` as `multipart/form-data`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"file": "(the export's bytes)", "dry_run": "false"}],
        }
    )

    file: bytes = Field(
        json_schema_extra={"format": "binary"},
        description="A Newsdesk export (JSON Lines, docs/import-export.md), at most "
        "NEWSDESK_IMPORT_MAX_BYTES (1 GiB by default).",
    )
    dry_run: Literal["true", "false"] = Field(
        default="false", description="`true`: check every line and report; store nothing."
    )
