"""End to end: the `newsdesk` CLI migrates, makes a key, loads demo content, and a real
uvicorn serves it over TCP."""

from pathlib import Path
from typing import Any

import httpx

from tests.conftest import run_cli
from tests.live import create_article


def _demo_covers_load(http: httpx.Client, cards: list[dict[str, Any]]) -> None:
    """Every demo cover was uploaded (renditions in every crop and format) and every file
    of the first article's cover is served by the app; cards carry the same renditions."""
    for card in cards:
        cover = card["cover"]
        assert cover["alt"] and cover["caption"], card["path"]
        assert {r["crop"] for r in cover["renditions"]} == {None, "16:9", "4:3", "1:1"}
        assert {r["format"] for r in cover["renditions"]} >= {"webp", "jpeg"}
    cover = http.get(cards[0]["path"]).json()["cover"]
    assert cover["url"].endswith(".jpg") and cover["blurhash"]
    for rendition in cover["renditions"]:
        path = "/media/" + rendition["url"].split("/media/", 1)[1]
        got = http.get(path)
        assert got.status_code == 200, path
        assert got.headers["content-type"] == f"image/{rendition['format']}"
        assert got.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_cli_and_live_server(server: str, cli_env: dict[str, str]) -> None:
    key = run_cli(cli_env, "create-api-key", "--name", "e2e", "--role", "admin").strip()
    assert key.startswith("nd_") and "\n" not in key

    with httpx.Client(base_url=server, timeout=10) as http:
        assert http.get("/readyz").json() == {"status": "ok"}
        assert http.get("/docs").status_code == 200
        ua = http.get("/v1/ua/articles").json()["items"]
        en = http.get("/v1/en/articles").json()["items"]
        ru = http.get("/v1/ru/articles").json()["items"]
        assert len(ua) == 8 and len(en) == 6 and len(ru) == 4
        # The demo's Russian draft and scheduled English version stay invisible.
        first = http.get(ua[0]["path"]).json()
        assert first["cover"]["credit"] and first["authors"]
        _demo_covers_load(http, [card for card in ua if card["cover"]])  # one has none
        # Loading again changes nothing: no article, no file.
        files = sorted(Path(cli_env["NEWSDESK_MEDIA_DIR"]).rglob("*"))
        assert len([f for f in files if f.is_file()]) > 100
        run_cli(cli_env, "demo-data")
        assert sorted(Path(cli_env["NEWSDESK_MEDIA_DIR"]).rglob("*")) == files
        assert len(http.get("/v1/ua/articles").json()["items"]) == 8
        statuses = [
            (lang, t["status"])
            for a in http.get(
                "/v1/admin/articles", headers={"Authorization": f"Bearer {key}"}
            ).json()["items"]
            for lang, t in a["translations"].items()
        ]
        assert ("ru", "draft") in statuses and ("en", "scheduled") in statuses

        auth = {"Authorization": f"Bearer {key}"}
        created = create_article(http, auth, "en", "Live story")
        assert created.status_code == 201, created.text
        published = http.post(
            f"/v1/admin/articles/{created.json()['id']}/translations/en/publish", headers=auth
        )
        assert published.status_code == 200
        assert http.get("/v1/en/articles/live-story").json()["title"] == "Live story"
        missing = http.get("/v1/en/articles/no-such-story")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
