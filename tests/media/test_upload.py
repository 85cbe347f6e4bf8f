"""Image uploads through HTTP: renditions, public covers, delivery under /media/, and
deleting (issue 16). Local storage here; tests/media/test_s3_upload.py runs the same
path against a real S3-compatible server."""

import io
import json
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from PIL import Image

from tests.builders import problem, published_article
from tests.conftest import Credential
from tests.media import images


async def upload(
    client: httpx.AsyncClient,
    who: Credential,
    data: bytes,
    *,
    name: str = "photo.jpg",
    kind: str = "image/jpeg",
    status: int = 201,
    **parts: str,
) -> dict[str, Any]:
    r = await client.post(
        "/v1/admin/media", files={"file": (name, data, kind)}, data=parts, headers=who.headers
    )
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    return body


def stored_files(app: FastAPI) -> list[str]:
    return list(app.state.media_storage.keys())


async def test_upload_makes_renditions_served_under_media(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    data = images.photo(2400, 1600, orientation=6, gps=True)
    media = await upload(
        client, admin, data, credit="Getty Images", focal_point="0.25,0.75",
        translations=json.dumps({"en": {"caption": "Metro", "alt": "A train"}}),
    )  # fmt: skip
    assert media["source"] == "upload" and media["format"] == "jpeg"
    assert (media["width"], media["height"]) == (1600, 2400)  # orientation 6 applied
    assert media["focal_point"] == {"x": 0.25, "y": 0.75}
    assert media["translations"]["en"] == {"caption": "Metro", "alt": "A train"}
    assert media["blurhash"] and media["dominant_color"].startswith("#")
    renditions = media["renditions"]
    whole = sorted((r["width"], r["format"]) for r in renditions if r["crop"] is None)
    assert {w for w, _ in whole} == {320, 640, 960, 1280, 1600}  # never upscaled past 1600
    assert {f for _, f in whole} == {"avif", "webp", "jpeg"}
    assert {r["crop"] for r in renditions} == {None, "16:9", "4:3", "1:1"}
    for r in renditions:
        if r["crop"] == "16:9":
            assert abs(r["width"] / r["height"] - 16 / 9) < 0.01
    assert media["url"].startswith("http://localhost:8000/media/")
    assert media["url"].endswith("/full-1600.jpg")
    # Every file is there, with no metadata: no GPS, no EXIF at all.
    for r in renditions:
        path = "/media/" + r["url"].split("/media/", 1)[1]
        got = await client.get(path)
        assert got.status_code == 200, path
        assert got.headers["cache-control"] == "public, max-age=31536000, immutable"
        if r["format"] in ("jpeg", "webp"):
            picture = Image.open(io.BytesIO(got.content))
            assert (picture.width, picture.height) == (r["width"], r["height"])
            assert not picture.getexif(), f"{path} carries EXIF"
            assert b"NewsCam" not in got.content
    assert len(stored_files(app)) == len(renditions)


async def test_files_have_strong_etags_ranges_and_refuse_other_paths(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    media = await upload(client, admin, images.photo(800, 600))
    path = "/media/" + media["url"].split("/media/", 1)[1]
    first = await client.get(path)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert (await client.get(path, headers={"If-None-Match": etag})).status_code == 304
    part = await client.get(path, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == first.content[:10]
    assert first.headers["content-type"] == "image/jpeg"
    for bad in ("/media/../newsdesk.db", "/media/ab/" + "0" * 64 + "/x.jpg", "/media/%00",
                "/media/" + path[7:].upper()):  # fmt: skip
        problem(await client.get(bad), 404)
    problem(await client.delete(path), 405)


async def test_public_article_and_cards_carry_the_cover_renditions(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    media = await upload(
        client, admin, images.photo(1000, 700, fmt="PNG"), name="chart.png", kind="image/png",
        translations=json.dumps({"ua": {"caption": "Графік", "alt": "Лінії"}}),
    )  # fmt: skip
    assert media["format"] == "png"
    assert {r["format"] for r in media["renditions"]} == {"avif", "webp", "png"}
    article = await published_article(client, admin, "Обкладинка", cover_media_id=media["id"])
    slug = article["translations"]["ua"]["slug"]
    page = (await client.get(f"/v1/ua/articles/{slug}")).json()
    cover = page["cover"]
    assert cover["url"] == media["url"] and cover["caption"] == "Графік"
    assert cover["renditions"] == media["renditions"]
    assert cover["blurhash"] == media["blurhash"]
    assert cover["dominant_color"] == media["dominant_color"]
    cards = (await client.get("/v1/ua/articles")).json()["items"]
    assert cards[0]["cover"]["renditions"] == media["renditions"]
    found = (await client.get("/v1/ua/articles", params={"q": "Обкладинка"})).json()["items"]
    assert found and found[0]["cover"]["renditions"] == media["renditions"]


async def test_same_bytes_are_stored_once_and_delete_keeps_shared_files(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    data = images.photo(900, 600, seed=3)
    first = await upload(client, admin, data)
    files = stored_files(app)
    second = await upload(client, admin, data, credit="Reuters")
    assert second["id"] != first["id"] and second["content_hash"] == first["content_hash"]
    assert second["renditions"] == first["renditions"]
    assert stored_files(app) == files  # nothing stored twice
    other_focus = await upload(client, admin, data, focal_point="0.1,0.1")
    crops = {r["url"] for r in other_focus["renditions"] if r["crop"]}
    assert not crops & {r["url"] for r in first["renditions"]}  # new focus, new crop files
    assert len(stored_files(app)) == len(files) + len(crops)
    r = await client.delete(f"/v1/admin/media/{other_focus['id']}", headers=admin.headers)
    assert r.status_code == 204
    assert stored_files(app) == files  # its crops went; the shared files stayed
    await client.delete(f"/v1/admin/media/{first['id']}", headers=admin.headers)
    assert stored_files(app) == files
    await client.delete(f"/v1/admin/media/{second['id']}", headers=admin.headers)
    assert stored_files(app) == []


async def test_used_image_is_not_deleted_and_list_says_where_it_is_used(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    media = await upload(client, admin, images.photo(700, 500), credit="Reuters")
    unused = await upload(client, admin, images.photo(700, 500, seed=9), credit="AP")
    article = await published_article(client, admin, "Used", cover_media_id=media["id"])
    r = await client.delete(f"/v1/admin/media/{media['id']}", headers=admin.headers)
    assert problem(r, 409)["articles"] == 1
    listed = (await client.get("/v1/admin/media", headers=admin.headers)).json()
    by_id = {m["id"]: m for m in listed["items"]}
    assert by_id[media["id"]]["usage"] == {"count": 1, "article_ids": [article["id"]]}
    assert by_id[unused["id"]]["usage"] == {"count": 0, "article_ids": []}
    only = await client.get("/v1/admin/media", params={"used": "false"}, headers=admin.headers)
    assert [m["id"] for m in only.json()["items"]] == [unused["id"]]
    by_credit = await client.get("/v1/admin/media", params={"q": "reut"}, headers=admin.headers)
    assert [m["id"] for m in by_credit.json()["items"]] == [media["id"]]
    page = await client.get("/v1/admin/media", params={"limit": 1}, headers=admin.headers)
    rest = await client.get(
        "/v1/admin/media",
        params={"limit": 1, "cursor": page.json()["next_cursor"]},
        headers=admin.headers,
    )
    assert [m["id"] for m in page.json()["items"] + rest.json()["items"]] == [
        unused["id"], media["id"]
    ]  # fmt: skip
    assert rest.json()["next_cursor"] is None
    files = stored_files(app)
    await client.delete(f"/v1/admin/media/{unused['id']}", headers=admin.headers)
    assert len(stored_files(app)) == len(files) - len(unused["renditions"])


async def test_registration_by_url_still_works(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    r = await client.post(
        "/v1/admin/media",
        json={"url": "https://img.example/a.jpg", "width": 10, "height": 20},
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["source"] == "url" and r.json()["renditions"] == []
    assert r.json()["url"] == "https://img.example/a.jpg"
    r = await client.post(
        "/v1/admin/media", content=b"x", headers={**admin.headers, "Content-Type": "text/plain"}
    )
    problem(r, 415)


async def test_media_dir_holds_no_temporary_files_after_uploads(
    settings: Any, client: httpx.AsyncClient, admin: Credential
) -> None:
    await upload(client, admin, images.photo(400, 300))
    await upload(client, admin, images.SVG, name="x.svg", kind="image/svg+xml", status=415)
    hidden = [p for p in Path(settings.media_dir).rglob(".*") if p.is_file()]  # noqa: ASYNC240
    assert hidden == []


async def test_an_upload_retried_with_its_idempotency_key_is_replayed(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    data = images.noise_png()
    assert len(data) > 1024 * 1024  # the body is spooled to disk, not held in memory
    headers = {**admin.headers, "Idempotency-Key": "upload-1"}
    files = {"file": ("noise.png", data, "image/png")}
    # A retry sends the same bytes (the same multipart boundary too).
    request = client.build_request("POST", "/v1/admin/media", files=files, headers=headers)
    first = await client.send(request)
    assert first.status_code == 201, first.text
    again = await client.send(request)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    listed = (await client.get("/v1/admin/media", headers=admin.headers)).json()["items"]
    assert len(listed) == 1
    other = {"file": ("noise.png", data[:-1000] + b"\0" * 1000, "image/png")}
    problem(await client.post("/v1/admin/media", files=other, headers=headers), 422)


async def test_a_new_focal_point_makes_new_crops_and_removes_the_old(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    # Small (its renditions and crops are made twice): the sizes have their own test.
    media = await upload(client, admin, images.photo(1200, 500), focal_point="0.5,0.5")
    path = f"/v1/admin/media/{media['id']}"
    article = await published_article(client, admin, "Фокус", cover_media_id=media["id"])
    slug = article["translations"]["ua"]["slug"]
    r = await client.patch(path, json={"focal_point": {"x": 0.9, "y": 0.2}}, headers=admin.headers)
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed["focal_point"] == {"x": 0.9, "y": 0.2}
    whole = [x for x in media["renditions"] if x["crop"] is None]
    assert [x for x in changed["renditions"] if x["crop"] is None] == whole
    old_crops = {x["url"] for x in media["renditions"] if x["crop"]}
    new_crops = [x for x in changed["renditions"] if x["crop"]]
    assert new_crops and not old_crops & {x["url"] for x in new_crops}
    square = max((x for x in new_crops if x["crop"] == "1:1"), key=lambda x: x["width"])
    assert square["width"] == square["height"] == 500  # never upscaled past the original
    for x in new_crops:
        assert (await client.get("/media/" + x["url"].split("/media/", 1)[1])).status_code == 200
    stored = set(stored_files(app))
    assert not {u.split("/media/", 1)[1] for u in old_crops} & stored
    assert len(stored) == len(changed["renditions"])
    cover = (await client.get(f"/v1/ua/articles/{slug}")).json()["cover"]
    assert cover["renditions"] == changed["renditions"]  # the cached page was purged
    r = await client.patch(path, json={"url": "https://x.example/a.jpg"}, headers=admin.headers)
    problem(r, 422)
    bad = await client.patch(path, json={"focal_point": {"x": 1.5, "y": 0}}, headers=admin.headers)
    problem(bad, 422)


async def test_a_json_registration_that_is_not_utf8_is_a_problem_not_an_error(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    for body in (b"\xec\xa0\xff{}", b"{not json", b""):
        r = await client.post(
            "/v1/admin/media",
            content=body,
            headers={**admin.headers, "Content-Type": "application/json"},
        )
        problem(r, 422)
    assert (await client.get("/v1/admin/media", headers=admin.headers)).json()["items"] == []
