"""`POST /v1/admin/imports`: an export uploaded and imported in the server as a job, with
its progress at `GET /v1/admin/imports/{id}`; administrators only; a file that is not an
export is refused before any job exists; one job runs at a time."""

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update

from app.auth.service import Role
from app.models import ApiKey, Article, AuditEntry, ImportJob, Language, utcnow
from app.transfer.jobs import STALE, STOPPED
from app.transfer.lines import VERSION
from tests.conftest import Credential, make_key, running_app
from tests.transfer.test_round_trip import body_lines, demo_file, empty, public_pages


async def languages_of(app: FastAPI) -> list[dict[str, Any]]:
    async with app.state.db.reader() as session:
        return [
            {c.key: getattr(row, c.key) for c in Language.__table__.columns}
            for row in await session.scalars(select(Language))
        ]


async def actor(app: FastAPI, key_name: str) -> str:
    """How the audit log names an API key: by its id."""
    async with app.state.db.reader() as session:
        return f"api_key:{await session.scalar(select(ApiKey.id).where(ApiKey.name == key_name))}"


async def articles_stored(app: FastAPI) -> int:
    async with app.state.db.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(Article)) or 0)


async def send(
    client: httpx.AsyncClient, who: Credential, data: bytes, **fields: str
) -> httpx.Response:
    return await client.post(
        "/v1/admin/imports",
        files={"file": ("export.jsonl", data, "application/x-ndjson")},
        data=fields,
        headers=who.headers,
    )


async def finished(client: httpx.AsyncClient, who: Credential, location: str) -> dict[str, Any]:
    """The job once it has ended (it runs in the app's event loop, beside this client)."""
    for _ in range(1200):
        job = await client.get(location, headers=who.headers)
        assert job.status_code == 200, job.text
        if job.json()["status"] != "running":
            return dict(job.json())
        await asyncio.sleep(0.05)
    raise AssertionError(f"{location} still running")


async def test_an_uploaded_export_is_imported_as_a_job(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    data = await demo_file(app)
    before = await public_pages(client)
    await empty(app, await languages_of(app))
    admin = await make_key(app)  # the credentials went with the rest
    assert await public_pages(client) == {}

    answer = await send(client, admin, data)
    assert answer.status_code == 202, answer.text
    location = answer.headers["location"]
    started = answer.json()
    assert location == f"/v1/admin/imports/{started['id']}"
    assert started["size_bytes"] == len(data) and started["filename"] == "export.jsonl"
    assert started["created_by"] == await actor(app, "test-admin") and started["dry_run"] is False

    job = await finished(client, admin, location)
    lines = body_lines(data)
    end = lines[-1]["counts"]
    assert job["status"] == "succeeded" and job["complete"] is True, job
    assert job["error_count"] == 0 and job["errors"] == [] and job["error"] is None
    assert job["lines"] == len(lines) and job["bytes_read"] == len(data)
    assert job["progress"] == 1.0 and job["finished_at"] is not None
    assert job["created"] == {k: v for k, v in end.items() if k != "language"}
    assert job["unchanged"] == {"language": end["language"]}
    # What readers see is back, through the response cache the job purged.
    assert await public_pages(client) == before

    # The same file again changes nothing; the jobs are listed newest first.
    again = await finished(client, admin, (await send(client, admin, data)).headers["location"])
    assert again["status"] == "succeeded" and again["created"] == again["updated"] == {}
    assert sum(again["unchanged"].values()) == len(lines) - 2
    listing = await client.get("/v1/admin/imports", params={"limit": 1}, headers=admin.headers)
    assert [j["id"] for j in listing.json()["items"]] == [again["id"]]
    rest = await client.get(
        "/v1/admin/imports",
        params={"cursor": listing.json()["next_cursor"]},
        headers=admin.headers,
    )
    assert [j["id"] for j in rest.json()["items"]] == [job["id"]]
    assert rest.json()["next_cursor"] is None

    # The audit log names who sent the file and what the job wrote, as that actor.
    async with app.state.db.reader() as session:
        actions = set(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.actor == started["created_by"])
            )
        )
    assert {"createImport", "importContent"} <= actions


async def test_a_dry_run_stores_nothing_and_reports_everything(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    data = await demo_file(app)
    await empty(app, await languages_of(app))
    admin = await make_key(app)  # the credentials went with the rest
    lines = body_lines(data)
    # One bad line more, before the end line (whose counts say it): reported alone.
    bad = {"type": "tag", "id": str(uuid.uuid4()), "surplus": 1}
    end = {**lines[-1], "counts": {**lines[-1]["counts"], "tag": lines[-1]["counts"]["tag"] + 1}}
    broken = b"".join(json.dumps(line).encode() + b"\n" for line in [*lines[:-1], bad, end])
    answer = await send(client, admin, broken, dry_run="true")
    assert answer.status_code == 202, answer.text
    job = await finished(client, admin, answer.headers["location"])
    assert job["status"] == "succeeded" and job["dry_run"] is True and job["complete"], job
    assert job["created"]["article"] == lines[-1]["counts"]["article"]
    assert job["error_count"] == 1
    (failure,) = job["errors"]
    assert failure["line"] == len(lines) and "surplus" in failure["error"]
    assert await articles_stored(app) == 0
    assert await public_pages(client) == {}


async def test_files_that_are_not_an_export_are_refused_before_a_job(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    header = {"type": "header", "format": "newsdesk", "version": VERSION,
              "exported_at": "2026-12-01T12:00:00.000000Z"}  # fmt: skip
    refused = {
        b"": "empty",
        b"\n\n": "empty",
        b"not json\n": "not JSON",
        b'{"type": "article"}\n': "not a Newsdesk export's header",
        json.dumps({**header, "version": VERSION + 1}).encode() + b"\n": "format version",
        json.dumps({**header, "format": "wordpress"}).encode() + b"\n": "invalid header",
        b"x" * 70_000: "too long",
    }
    for data, message in refused.items():
        answer = await send(client, admin, data)
        assert answer.status_code == 422, (data[:40], answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert message in answer.text, (message, answer.text)
    bad_forms: list[dict[str, Any]] = [
        {"files": {"dry_run": (None, "false")}},  # no file
        {"files": {"file": ("a.jsonl", b"{}")}, "data": {"dry_run": "yes"}},
        {"files": {"file": ("a.jsonl", b"{}")}, "data": {"other": "x"}},
        {"files": [("file", ("a.jsonl", b"{}")), ("file", ("b.jsonl", b"{}"))]},
    ]
    for form in bad_forms:
        answer = await client.post("/v1/admin/imports", headers=admin.headers, **form)
        assert answer.status_code == 422, (form, answer.text)
    not_a_form = await client.post(
        "/v1/admin/imports",
        content=json.dumps(header),
        headers={**admin.headers, "content-type": "application/x-ndjson"},
    )
    assert not_a_form.status_code == 415, not_a_form.text
    listing = await client.get("/v1/admin/imports", headers=admin.headers)
    assert listing.json() == {"items": [], "next_cursor": None}


async def test_only_administrators_import(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    data = await demo_file(app)
    editor = await make_key(app, Role.editor)
    assert (await client.post("/v1/admin/imports", files={"file": data})).status_code == 401
    assert (await send(client, editor, data)).status_code == 403
    assert (await client.get("/v1/admin/imports", headers=editor.headers)).status_code == 403
    missing = await client.get(f"/v1/admin/imports/{uuid.uuid4()}", headers=admin.headers)
    assert missing.status_code == 404
    assert (await client.get("/v1/admin/imports/nope", headers=admin.headers)).status_code == 422


async def test_one_job_at_a_time_and_a_dead_servers_job_fails(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    data = await demo_file(app)
    now = utcnow()
    other = ImportJob(
        id=uuid.uuid4(), status="running", size_bytes=10, created_by="user:someone",
        created_at=now, heartbeat_at=now, bytes_read=0, lines=0, created={}, updated={},
        unchanged={}, errors=[], error_count=0, complete=False, dry_run=False,
    )  # fmt: skip
    async with app.state.db.writer() as session, session.begin():
        session.add(other)
    busy = await send(client, admin, data)
    assert busy.status_code == 409, busy.text
    assert str(other.id) in busy.json()["detail"]

    # Its server stops heartbeating: read as failed at once, marked so by the next start.
    async with app.state.db.writer() as session, session.begin():
        await session.execute(
            update(ImportJob)
            .where(ImportJob.id == other.id)
            .values(heartbeat_at=now - STALE - timedelta(seconds=1))
        )
    read = (await client.get(f"/v1/admin/imports/{other.id}", headers=admin.headers)).json()
    assert read["status"] == "failed" and read["error"] == STOPPED
    answer = await send(client, admin, data)
    assert answer.status_code == 202, answer.text
    assert (await finished(client, admin, answer.headers["location"]))["status"] == "succeeded"
    async with app.state.db.reader() as session:
        stored = await session.get(ImportJob, other.id)
        assert stored is not None and stored.status == "failed" and stored.error == STOPPED


async def test_a_file_over_the_limit_is_413(settings: Any, admin: Credential) -> None:
    async with running_app(settings, import_max_bytes=2048) as (_, client):
        answer = await send(client, admin, b"{}\n" * 100_000)
        assert answer.status_code == 413, answer.text


async def test_what_is_kept_of_the_upload_is_printable(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    """A file name with control and format characters (PostgreSQL's text takes no NUL) is
    kept without them; the job's lines are reported, not stored, when they hold a NUL."""
    data = await demo_file(app)
    lines = body_lines(data)
    actor_nul = {**lines[-2]}
    assert actor_nul["type"] == "article"
    if actor_nul["translations"]:  # one version gets a correction by a NUL-named actor
        lang, version = next(iter(actor_nul["translations"].items()))
        version = {**version, "corrections": [
            {"number": 1, "kind": "correction", "text": "Fixed.",
             "created_at": "2026-11-01T00:00:00.000000Z", "created_by": "user:\u0000x"}
        ]}  # fmt: skip
        actor_nul["translations"] = {**actor_nul["translations"], lang: version}
    file = b"".join(
        json.dumps(line).encode() + b"\n" for line in [*lines[:-2], actor_nul, lines[-1]]
    )
    answer = await client.post(
        "/v1/admin/imports",
        files={"file": ("a\x01b\u200e\u0085.jsonl", file, "application/x-ndjson")},
        headers=admin.headers,
    )
    assert answer.status_code == 202, answer.text
    job = await finished(client, admin, answer.headers["location"])
    assert job["filename"] == "a%01b.jsonl"  # httpx escapes \x01; the rest is dropped
    assert job["status"] == "succeeded", job
    assert job["error_count"] == 1 and "created_by" in job["errors"][0]["error"], job
