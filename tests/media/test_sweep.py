"""`newsdesk media-sweep`: unused files removed, used and young ones kept."""

import os
import time
from pathlib import Path

import httpx
from fastapi import FastAPI

from app.config import Settings
from tests.conftest import Credential, run_cli
from tests.media import images
from tests.media.test_upload import stored_files, upload

ORPHAN = "ab/" + "ab" * 32 + "/full-320.webp"
YOUNG = "cd/" + "cd" * 32 + "/full-320.webp"


async def test_sweep_removes_old_unused_files_only(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, settings: Settings
) -> None:
    media = await upload(client, admin, images.photo(500, 400))
    storage = app.state.media_storage
    storage.put(ORPHAN, b"left by a killed upload", "image/webp")
    storage.put(YOUNG, b"an upload in flight", "image/webp")
    hour_ago = time.time() - 7200
    os.utime(storage.path(ORPHAN), (hour_ago, hour_ago))
    temporary = Path(settings.media_dir) / "ab" / ".upload-x1"
    temporary.write_bytes(b"half")
    os.utime(temporary, (hour_ago, hour_ago))
    env = {
        **os.environ,
        "NEWSDESK_DATABASE_URL": settings.database_url,
        "NEWSDESK_MEDIA_DIR": str(settings.media_dir),
    }
    listed = run_cli(env, "media-sweep", "--dry-run").split()
    assert listed == [ORPHAN]
    assert storage.exists(ORPHAN)
    assert run_cli(env, "media-sweep").split() == [ORPHAN]
    assert not storage.exists(ORPHAN) and storage.exists(YOUNG)
    assert not temporary.exists()
    kept = {r["url"].split("/media/", 1)[1] for r in media["renditions"]}
    assert kept | {YOUNG} == set(stored_files(app))
    assert run_cli(env, "media-sweep", "--grace", "0").split() == [YOUNG]
    assert set(stored_files(app)) == kept
