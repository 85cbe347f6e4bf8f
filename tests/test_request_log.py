"""Logs (issue 20, item 2): one JSON line per request from a live `newsdesk serve` (time,
request id, method, route template, status, duration, principal; never a credential or a
path), the process's own records as JSON with the request id they were logged in, text
when asked for, and lines that several workers' writes cannot interleave."""

import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.ops.logs import PIPE_BUF, JsonFormatter, RequestLog
from tests.conftest import api_key, live_server


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of a log written in JSON mode (each one must be JSON)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_live_server_logs_each_request_as_one_json_line(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    # The database is migrated already (the harness's copy of the migrated template), and
    # the key is made in this process: a `newsdesk` command is a process start.
    key = api_key(cli_env["NEWSDESK_DATABASE_URL"], "logs")
    password = "correct horse battery staple"
    log = tmp_path / "server.log"
    env = {**cli_env, "NEWSDESK_ACCESS_LOG": "true"}
    with live_server(env, output=log) as base, httpx.Client(base_url=base) as client:
        made = client.post(
            "/v1/admin/tags",
            json={"translations": {"en": {"name": "Logged"}}},
            headers={"Authorization": f"Bearer {key}", "X-Request-ID": "trace 1/ok"},
        )
        assert made.status_code == 201, made.text
        # An id a JSON line could not hold as it is (a quote, a backslash) is replaced.
        odd = client.get("/v1/languages", headers={"X-Request-ID": 'say "hi" \\ o'})
        assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])
        assert client.get("/v1/en/articles/no-such-article").status_code == 404
        refused = client.post(
            "/v1/auth/token", data={"username": "nobody@example.com", "password": password}
        )
        assert refused.status_code == 401
    lines = json_lines(log.read_text())  # every line, uvicorn's included, is JSON
    requests = [line for line in lines if line.get("event") == "request"]
    tag = next(line for line in requests if line["route"] == "/v1/admin/tags")
    assert tag["request_id"] == "trace 1/ok"  # as the client sent it
    assert tag["method"] == "POST" and tag["status"] == 201
    assert tag["level"] == "info"
    assert tag["duration_ms"] > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", tag["time"])
    assert re.fullmatch(r"api_key:[0-9a-f-]{36}", tag["principal"])
    missing = next(line for line in requests if line["status"] == 404)
    assert missing["route"] == "/v1/{lang}/articles/{slug}"
    assert "principal" not in missing
    assert len(missing["request_id"]) == 32  # made by the server
    assert any(line["route"] == "/v1/auth/token" and line["status"] == 401 for line in requests)
    started = [line for line in lines if "Application startup complete" in line.get("message", "")]
    assert started and started[0]["logger"] == "uvicorn.error"
    written = log.read_text()
    for secret in (key, key[-12:], password, "no-such-article"):
        assert secret not in written  # no credential, no path


def test_text_when_asked_for(cli_env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    env = {**cli_env, "NEWSDESK_LOG_FORMAT": "text", "NEWSDESK_ACCESS_LOG": "true"}
    with live_server(env, output=log) as base, httpx.Client(base_url=base) as client:
        assert client.get("/v1/languages", headers={"X-Request-ID": "abc-1"}).status_code == 200
    written = log.read_text()
    assert re.search(
        r"^\d\d:\d\d:\d\d\.\d{3} GET /v1/languages 200 [\d.]+ ms abc-1$", written, re.M
    )
    assert "INFO uvicorn.error: Application startup complete" in written
    assert not any(line.startswith("{") for line in written.splitlines())


def test_the_request_log_can_be_switched_off(cli_env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    env = {**cli_env, "NEWSDESK_ACCESS_LOG": "false"}
    with live_server(env, output=log) as base, httpx.Client(base_url=base) as client:
        assert client.get("/v1/languages").status_code == 200
    lines = json_lines(log.read_text())
    assert lines  # uvicorn's own records still
    assert not [line for line in lines if line.get("event") == "request"]


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    read, write = os.pipe()
    os.set_blocking(read, False)
    yield read, write
    os.close(read)
    os.close(write)


def _writes(read: int) -> list[bytes]:
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(read, 1 << 20)
        except BlockingIOError:
            return chunks
        chunks.append(chunk)


def test_lines_are_written_whole_in_pipe_sized_writes(pipe: tuple[int, int]) -> None:
    read, write = pipe
    writes: list[bytes] = []

    class Watched(RequestLog):
        def _write(self, data: bytes) -> None:
            writes.append(data)
            super()._write(data)

    log = Watched(as_json=True, fd=write)
    odd_ids = ["plain", "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", "with space", "x" * 128]
    for n in range(100):
        log.request({"request_id": odd_ids[n % 4]}, "GET", "/v1/{lang}/articles", 200, 0.0012)
    assert writes == []  # buffered
    log.flush()
    data = b"".join(_writes(read))
    assert data == b"".join(writes)
    lines = [json.loads(line) for line in data.decode().splitlines()]
    assert [line["request_id"] for line in lines] == [odd_ids[n % 4] for n in range(100)]
    assert all(line["duration_ms"] == 1.2 for line in lines)
    # Several writes, each of whole lines and at most PIPE_BUF bytes: a write that size
    # to a pipe is never split, so workers sharing the pipe cannot interleave lines.
    assert len(writes) > 1
    assert all(len(chunk) <= PIPE_BUF and chunk.endswith(b"\n") for chunk in writes)


async def test_an_unhandled_error_is_one_json_record_with_its_request_id(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    records: list[str] = []
    formatter = JsonFormatter()

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(formatter.format(record))

    handler = Keep()
    logger = logging.getLogger("newsdesk.errors")
    logger.addHandler(handler)

    @app.get("/test-failing", include_in_schema=False)
    async def fails() -> None:
        raise RuntimeError("a bug on purpose")

    try:
        response = await client.get("/test-failing", headers={"X-Request-ID": "rid-42"})
        assert response.status_code == 500
        assert response.json()["request_id"] == "rid-42"
    finally:
        logger.removeHandler(handler)
    (record,) = (json.loads(line) for line in records)
    assert record["request_id"] == "rid-42"
    assert record["level"] == "error" and record["logger"] == "newsdesk.errors"
    assert record["message"] == "unhandled error on GET /test-failing (request rid-42)"
    assert "RuntimeError: a bug on purpose" in record["exception"]
