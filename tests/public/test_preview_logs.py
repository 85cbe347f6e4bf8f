"""Preview tokens never reach a log line (issue 13, item 13): a live `newsdesk serve`."""

import json
import logging
from pathlib import Path

import httpx
import pytest

from app.articles.preview import redact
from app.config import Settings
from app.main import create_app
from tests.conftest import live_server, run_cli


def test_the_request_log_shows_preview_requests_without_their_tokens(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    key = run_cli(cli_env, "create-api-key", "--name", "logs").strip()
    auth = {"Authorization": f"Bearer {key}"}
    log = tmp_path / "server.log"
    forged = "ndp_" + "x" * 43
    env = {**cli_env, "NEWSDESK_ACCESS_LOG": "true"}
    with live_server(env, output=log) as base, httpx.Client(base_url=base) as client:
        made = client.post(
            "/v1/admin/articles",
            json={
                "original_language": "en",
                "translations": {"en": {"title": "Draft", "lead": "L.", "body_html": "<p>B</p>"}},
            },
            headers=auth,
        )
        assert made.status_code == 201, made.text
        link = client.post(
            f"/v1/admin/articles/{made.json()['id']}/translations/en/preview", headers=auth
        ).json()
        assert client.get(link["path"]).status_code == 200
        assert client.get(f"/v1/en/preview/{forged}?utm={forged}").status_code in (404, 422)
    written = log.read_text()
    # The requests were logged (the request log: the route's template, never the path),
    # their tokens were not.
    lines = [json.loads(line) for line in written.splitlines() if line.startswith("{")]
    previews = [(line["status"], line["route"]) for line in lines if line.get("event") == "request"]
    assert (200, "/v1/{lang}/preview/{token}") in previews
    assert any(status in (404, 422) and "preview" in route for status, route in previews)
    assert link["token"] not in written
    assert link["token"][4:20] not in written
    assert forged not in written


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('"GET /v1/en/preview/ndp_aB3- HTTP/1.1"', '"GET /v1/en/preview/ndp_[redacted] HTTP/1.1"'),
        ("/v1/ru/preview/guessed-token?x=1", "/v1/ru/preview/ndp_[redacted]?x=1"),
        ("token ndp_abcdefghijklmnop in a message", "token ndp_[redacted] in a message"),
        # Paths that carry no token are left alone.
        ("POST /v1/admin/articles/1/translations/en/preview", None),
        ("DELETE /v1/admin/articles/1/translations/en/previews/2", None),
    ],
)  # fmt: skip
def test_redaction(line: str, expected: str | None) -> None:
    assert redact(line) == (expected or line)


def test_our_own_log_lines_are_redacted_too(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"))
    token = "ndp_" + "s" * 43
    with caplog.at_level(logging.INFO, logger="newsdesk.errors"):
        logging.getLogger("newsdesk.errors").info("error on GET %s", f"/v1/en/preview/{token}")
        logging.getLogger("newsdesk.errors").info(f"error on GET /v1/en/preview/{token}")
    assert caplog.messages == ["error on GET /v1/en/preview/ndp_[redacted]"] * 2
    assert token not in caplog.text
