"""Image uploads through HTTP with the S3 backend, against a real SeaweedFS, on both
databases: the files land in the bucket and readers fetch them from it by plain HTTP;
nothing is stored twice, deletes and failed transactions leave no object behind, and the
app serves nothing under /media/ (issue 16)."""

import io
import json
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import text

from app.config import Settings
from tests.builders import problem, published_article
from tests.conftest import NEWSDESK, Credential, make_key, run_cli, running_app
from tests.media import images
from tests.media.s3server import S3Server
from tests.media.test_upload import upload


@pytest.fixture
def settings(database_url: str, tmp_path: Path, s3_server: S3Server) -> Settings:
    """The app's settings with media in a bucket of this test's own (so a count of its
    objects is this test's alone)."""
    local = Settings(database_url=database_url, media_dir=tmp_path / "media")
    return s3_server.configure(local, bucket=s3_server.new_bucket())


def objects(s3_server: S3Server, app: FastAPI) -> list[str]:
    """Every object in the app's bucket, media key or not."""
    bucket = app.state.media_storage.bucket
    pages = s3_server.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


async def test_upload_to_s3_gives_a_cover_whose_files_readers_fetch_from_the_bucket(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, s3_server: S3Server
) -> None:
    # Small (the renditions' sizes have their own test, tests/media/test_upload.py): where
    # each file goes and how it is served is what counts here.
    media = await upload(
        client, admin, images.photo(700, 450, gps=True), credit="Reuters",
        translations=json.dumps({"ua": {"caption": "Порт", "alt": "Судно"}}),
    )  # fmt: skip
    bucket = app.state.media_storage.bucket
    where = f"{s3_server.endpoint_url.rstrip('/')}/{bucket}/"
    assert media["url"].startswith(where)
    assert objects(s3_server, app) == sorted(
        r["url"].removeprefix(where) for r in media["renditions"]
    )
    article = await published_article(client, admin, "Порт", cover_media_id=media["id"])
    page = await client.get(f"/v1/ua/articles/{article['translations']['ua']['slug']}")
    cover = page.json()["cover"]
    assert cover["renditions"] == media["renditions"]
    assert {r["crop"] for r in cover["renditions"]} == {None, "16:9", "4:3", "1:1"}
    async with httpx.AsyncClient(timeout=10) as reader:  # a browser, straight to the bucket
        for r in cover["renditions"]:
            assert r["url"].startswith(where)
            got = await reader.get(r["url"])
            assert got.status_code == 200, r["url"]
            assert got.headers["content-type"] == f"image/{r['format']}"
            assert got.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert b"NewsCam" not in got.content
            if r["format"] in ("jpeg", "webp"):
                picture = Image.open(io.BytesIO(got.content))
                assert (picture.width, picture.height) == (r["width"], r["height"])
                assert not picture.getexif(), f"{r['url']} carries EXIF"
    # With S3 storage the app serves no files: /media/ is not its to answer.
    key = cover["renditions"][0]["url"].removeprefix(where)
    problem(await client.get(f"/media/{key}"), 404)


async def test_same_bytes_stored_once_unused_delete_removes_objects_used_is_409(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, s3_server: S3Server
) -> None:
    data = images.photo(900, 600, seed=5)
    first = await upload(client, admin, data)
    stored = objects(s3_server, app)
    assert len(stored) == len(first["renditions"])
    second = await upload(client, admin, data, credit="AP")
    assert second["content_hash"] == first["content_hash"] and second["id"] != first["id"]
    assert objects(s3_server, app) == stored  # the same bytes: no object written again
    other = await upload(client, admin, images.photo(700, 500, seed=8))
    assert len(objects(s3_server, app)) == len(stored) + len(other["renditions"])

    await published_article(client, admin, "Used", cover_media_id=other["id"])
    r = await client.delete(f"/v1/admin/media/{other['id']}", headers=admin.headers)
    assert problem(r, 409)["articles"] == 1
    assert len(objects(s3_server, app)) == len(stored) + len(other["renditions"])

    r = await client.delete(f"/v1/admin/media/{first['id']}", headers=admin.headers)
    assert r.status_code == 204
    assert len(objects(s3_server, app)) == len(stored) + len(other["renditions"])  # shared
    r = await client.delete(f"/v1/admin/media/{second['id']}", headers=admin.headers)
    assert r.status_code == 204
    assert len(objects(s3_server, app)) == len(other["renditions"])  # the last user went
    assert not set(objects(s3_server, app)) & set(stored)


async def test_an_upload_whose_transaction_fails_leaves_no_object(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, s3_server: S3Server
) -> None:
    # A language code of the right shape that the database does not have: the form is
    # valid, the renditions are made and written, and the insert then fails on it
    # (`app.media.service.create_upload` checks languages in the transaction).
    data = images.photo(800, 600, seed=11)
    r = await client.post(
        "/v1/admin/media",
        files={"file": ("photo.jpg", data, "image/jpeg")},
        data={"translations": json.dumps({"de": {"caption": "Hafen", "alt": "Schiff"}})},
        headers=admin.headers,
    )
    assert problem(r, 422)["errors"][0]["loc"] == ["body", "translations", "de"]
    assert objects(s3_server, app) == []
    made = await upload(client, admin, data)  # the same file, now accepted: it is an image
    assert len(objects(s3_server, app)) == len(made["renditions"]) > 0


async def test_media_base_url_names_where_readers_fetch_files(
    app: FastAPI, settings: Settings, s3_server: S3Server
) -> None:
    base = "https://cdn.example/news/"
    async with running_app(settings, media_base_url=base.rstrip("/")) as (cdn, client):
        who = await make_key(cdn)
        media = await upload(client, who, images.photo(700, 500, seed=4))
    assert media["url"].startswith(base)
    urls = [r["url"] for r in media["renditions"]]
    assert all(u.startswith(base) for u in urls)
    # What follows the base is the object's key in the bucket (a CDN maps one to the other).
    assert sorted(u.removeprefix(base) for u in urls) == objects(s3_server, app)


async def test_demo_data_uploads_its_pictures_to_the_bucket(
    cli_env: dict[str, str], settings: Settings, s3_server: S3Server
) -> None:
    bucket = settings.s3_bucket
    env = {**cli_env, **s3_server.settings_env(bucket=bucket)}
    run_cli(env, "demo-data")
    async with running_app(settings) as (app, client):
        stored = objects(s3_server, app)
        cards = (await client.get("/v1/ua/articles")).json()["items"]
        assert len(cards) == 8
        cards = [card for card in cards if card["cover"]]  # the contract's earlier story has none
        keys = {r["url"] for card in cards for r in card["cover"]["renditions"]}
        where = f"{s3_server.endpoint_url.rstrip('/')}/{bucket}/"
        assert sorted(k.removeprefix(where) for k in keys) == stored
        async with httpx.AsyncClient(timeout=10) as reader:
            for r in cards[0]["cover"]["renditions"]:
                got = await reader.get(r["url"])
                assert got.status_code == 200, r["url"]
                assert got.headers["content-type"] == f"image/{r['format']}"
    run_cli(env, "demo-data")  # skipped: the articles exist; nothing written again
    async with running_app(settings) as (app, _):
        assert objects(s3_server, app) == stored


async def test_demo_data_that_fails_leaves_no_object(
    cli_env: dict[str, str], settings: Settings, s3_server: S3Server
) -> None:
    # The demo's texts are in ua, en and ru; without ru the load fails after its first
    # picture's files are written (the language is checked with the record), and the
    # command's rollback must take them away.
    env = {**cli_env, **s3_server.settings_env(bucket=settings.s3_bucket)}
    async with running_app(settings) as (app, _):
        async with app.state.db.engine.begin() as conn:
            await conn.execute(text("DELETE FROM languages WHERE code = 'ru'"))
        done = await anyio.run_process([*NEWSDESK, "demo-data"], env=env, check=False)
        assert done.returncode == 2, done.stderr
        assert b"Unknown language code(s): ru" in done.stderr
        assert objects(s3_server, app) == []
