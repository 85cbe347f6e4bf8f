"""End to end: the `newsdesk` CLI migrates, makes a key, loads demo content, and a real
uvicorn serves it over TCP."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

NEWSDESK = [sys.executable, "-m", "app.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def cli_env(empty_database: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "NEWSDESK_DATABASE_URL": empty_database,
        "NEWSDESK_MEDIA_DIR": str(tmp_path),
    }


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [*NEWSDESK, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def server(cli_env: dict[str, str]) -> Iterator[str]:
    _run(cli_env, "migrate")
    _run(cli_env, "demo-data")
    port = _free_port()
    proc = subprocess.Popen(
        [*NEWSDESK, "serve", "--port", str(port)],
        env=cli_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_cli_and_live_server(server: str, cli_env: dict[str, str]) -> None:
    key = _run(cli_env, "create-api-key", "--name", "e2e", "--role", "admin").strip()
    assert key.startswith("nd_") and "\n" not in key

    with httpx.Client(base_url=server, timeout=10) as http:
        assert http.get("/readyz").json() == {"status": "ok"}
        assert http.get("/docs").status_code == 200
        ua = http.get("/v1/ua/articles").json()["items"]
        en = http.get("/v1/en/articles").json()["items"]
        ru = http.get("/v1/ru/articles").json()["items"]
        assert len(ua) == 6 and len(en) == 5 and len(ru) == 4
        # The demo's Russian draft and scheduled English version stay invisible.
        first = http.get(ua[0]["path"]).json()
        assert first["cover"]["credit"] and first["authors"]
        statuses = [
            (lang, t["status"])
            for a in http.get(
                "/v1/admin/articles", headers={"Authorization": f"Bearer {key}"}
            ).json()["items"]
            for lang, t in a["translations"].items()
        ]
        assert ("ru", "draft") in statuses and ("en", "scheduled") in statuses

        auth = {"Authorization": f"Bearer {key}"}
        created = http.post(
            "/v1/admin/articles",
            json={"original_language": "en", "translations": {"en": {"title": "Live story"}}},
            headers=auth,
        )
        assert created.status_code == 201, created.text
        published = http.post(
            f"/v1/admin/articles/{created.json()['id']}/translations/en/publish", headers=auth
        )
        assert published.status_code == 200
        assert http.get("/v1/en/articles/live-story").json()["title"] == "Live story"
        missing = http.get("/v1/en/articles/no-such-story")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
