"""Hostile uploads (issue 16, item 1): each is refused with a clear 4xx problem and leaves
nothing behind — no media row, no stored file, no file at all under the media directory
(temporary `.incoming-*` files included). And the types we do take come out as clean
renditions: decodable, with no EXIF, XMP, ICC profile or GPS position in any of them."""

import json
import random
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pyvips
from fastapi import FastAPI

from app.auth.service import Role
from app.config import Settings
from tests.builders import problem
from tests.conftest import Credential, make_key, running_app
from tests.media import hostile, images
from tests.media.test_upload import upload

MEDIA = "/v1/admin/media"
NOT_AN_IMAGE = "/problems/unsupported-image"  # 415
INVALID_IMAGE = "/problems/invalid-image"  # 422
VALIDATION = "/problems/validation-error"  # 422
TOO_LARGE = "/problems/payload-too-large"  # 413


async def assert_nothing_stored(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, media_dir: Path
) -> None:
    listed = await client.get(MEDIA, headers=admin.headers)
    assert listed.status_code == 200 and listed.json()["items"] == []
    assert list(app.state.media_storage.keys()) == []
    left = [p for p in media_dir.rglob("*") if not p.is_dir()]  # noqa: ASYNC240
    assert left == [], f"left behind: {left}"


async def refused(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin: Credential,
    settings: Settings,
    response: httpx.Response,
    status: int,
    kind: str | None,
) -> dict[str, Any]:
    body = problem(response, status)
    assert kind is None or body["type"] == kind, body
    await assert_nothing_stored(app, client, admin, Path(settings.media_dir))
    return body


async def post_file(
    client: httpx.AsyncClient, who: Credential, data: bytes, name: str = "photo.jpg",
    kind: str = "image/jpeg",
) -> httpx.Response:  # fmt: skip
    return await client.post(MEDIA, files={"file": (name, data, kind)}, headers=who.headers)


async def post_raw(
    client: httpx.AsyncClient, who: Credential, parts: list[hostile.Part]
) -> httpx.Response:
    body, content_type = hostile.multipart(parts)
    return await client.post(
        MEDIA, content=body, headers={**who.headers, "Content-Type": content_type}
    )


SVG_BARE = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
PHP = b"<?php system($_GET['c']); ?>"
JS = b"fetch('/v1/admin/api-keys').then(r => r.text()).then(alert)\n"

# (file bytes, name, declared type, status, problem type)
NOT_IMAGES: dict[str, tuple[Callable[[], bytes], str, str, int, str]] = {
    "svg-prolog-as-jpeg": (lambda: images.SVG, "photo.jpg", "image/jpeg", 415, NOT_AN_IMAGE),
    "svg-bare-as-jpeg": (lambda: SVG_BARE, "photo.jpg", "image/jpeg", 415, NOT_AN_IMAGE),
    "svg-as-svg": (lambda: images.SVG, "x.svg", "image/svg+xml", 415, NOT_AN_IMAGE),
    "html": (lambda: images.HTML, "page.html", "text/html", 415, NOT_AN_IMAGE),
    "html-as-png": (lambda: images.HTML, "photo.png", "image/png", 415, NOT_AN_IMAGE),
    # Under 32 bytes the type is not decided while copying; the markup scan answers first.
    "php-as-png": (lambda: PHP, "shell.png", "image/png", 422, INVALID_IMAGE),
    "js-as-png": (lambda: JS, "x.png", "image/png", 415, NOT_AN_IMAGE),
    "empty": (lambda: b"", "photo.jpg", "image/jpeg", 422, INVALID_IMAGE),
    "random": (
        lambda: random.Random(1).randbytes(4096),
        "photo.jpg",
        "image/jpeg",
        415,
        NOT_AN_IMAGE,
    ),
    "jpeg-magic-only": (lambda: b"\xff\xd8\xff", "photo.jpg", "image/jpeg", 422, INVALID_IMAGE),
    # Polyglots: valid images that are also a page, a script or an archive.
    "jpeg-html": (images.polyglot_jpeg, "photo.jpg", "image/jpeg", 422, INVALID_IMAGE),
    "jpeg-zip": (images.jpeg_with_zip, "photo.jpg", "image/jpeg", 422, INVALID_IMAGE),
    "gif-js": (hostile.gif_js_polyglot, "a.gif", "image/gif", 422, INVALID_IMAGE),
    "gif-js-comment": (
        hostile.gif_js_comment_polyglot,
        "a.gif",
        "image/gif",
        422,
        INVALID_IMAGE,
    ),
    "png-html-text": (hostile.png_with_html_text, "a.png", "image/png", 422, INVALID_IMAGE),
    # Damaged files.
    "truncated-jpeg": (
        lambda: hostile.truncated(hostile.noise(200, 150)),
        "a.jpg",
        "image/jpeg",
        422,
        INVALID_IMAGE,
    ),
    "truncated-png": (
        lambda: hostile.truncated(images.photo(200, 150, fmt="PNG")),
        "a.png",
        "image/png",
        422,
        INVALID_IMAGE,
    ),
    "truncated-webp": (
        lambda: hostile.truncated(hostile.webp()),
        "a.webp",
        "image/webp",
        422,
        INVALID_IMAGE,
    ),
    "truncated-avif": (
        lambda: hostile.truncated(hostile.avif()),
        "a.avif",
        "image/avif",
        422,
        INVALID_IMAGE,
    ),
    "jpeg-corrupt-middle": (
        hostile.jpeg_corrupt_middle,
        "a.jpg",
        "image/jpeg",
        422,
        INVALID_IMAGE,
    ),
    # Decompression bombs: the header says more pixels than MAX_PIXELS.
    "png-bomb": (images.png_bomb, "a.png", "image/png", 422, INVALID_IMAGE),
    "jpeg-huge-header": (
        lambda: hostile.jpeg_claiming(60_000, 60_000),
        "a.jpg",
        "image/jpeg",
        422,
        INVALID_IMAGE,
    ),
    "gif-huge-frame": (
        lambda: hostile.gif_claiming(60_000, 60_000, frame=True),
        "a.gif",
        "image/gif",
        422,
        INVALID_IMAGE,
    ),
}


async def test_hostile_files_are_refused_and_nothing_is_stored(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, settings: Settings
) -> None:
    """One app for every case (each checked for leftovers after its answer): a test per
    case would spend most of its time making apps."""
    for case, (make, name, kind, status, problem_type) in NOT_IMAGES.items():
        r = await post_file(client, admin, make(), name, kind)
        assert r.status_code == status, (case, r.text)
        body = await refused(app, client, admin, settings, r, status, problem_type)
        assert "image" in body["detail"].lower() or "file" in body["detail"].lower(), case


async def test_pictures_whose_pixels_spell_a_mark_are_not_polyglots(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    """Marks the polyglot scan once matched in image data by chance (a 4-byte `<svg` or
    `PK\\x03\\x04` in any case: once per ~240 MiB of random bytes, so 1 in 12 photos of
    20 MB were refused) are taken when they are only pixel values."""
    for text in (b"<sVg\x07", b"<svg\x00x", b"pK\x03\x04\xff", b"PK\x03\x04\xff\xff",
                 b"PK\x05\x06\x01\x02", b"<html\x01"):  # fmt: skip
        data = hostile.png_spelling(text)
        assert text in data
        media = await upload(client, admin, data, name="a.png", kind="image/png")
        assert media["format"] == "png", text


async def test_a_screen_bigger_than_its_frame_is_not_a_bomb(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    """A GIF's logical screen of 60000² around a 1×1 frame: libvips shows the frame, so
    nothing big is ever decoded (taken, at 1×1)."""
    media = await upload(client, admin, hostile.gif_claiming(60_000, 60_000), name="a.gif",
                         kind="image/gif")  # fmt: skip
    assert (media["width"], media["height"]) == (1, 1)


# --- File names --------------------------------------------------------------------------

BAD_NAMES = [
    b"../../etc/passwd.jpg",
    b"..\\x.jpg",
    b"/abs.jpg",
    b"a/b.jpg",
    b"photo\x00.jpg",
    b"photo\x01.jpg",
    b"photo\x1b[31m.jpg",
    b"photo\x7f.jpg",
    b"a\r\nb.jpg",
    b"x" * 296 + b".jpg",
    b"..",
]


async def test_file_names_that_leave_a_directory_are_refused(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, settings: Settings
) -> None:
    for name in BAD_NAMES:
        r = await post_raw(client, admin, [(b"file", name, b"image/jpeg", images.photo(64, 48))])
        assert r.status_code == 422, (name, r.text)
        body = await refused(app, client, admin, settings, r, 422, VALIDATION)
        where = ["body"] if b"\n" in name else ["body", "file"]  # a broken header: no part
        assert body["errors"][0]["loc"][: len(where)] == where, (name, body)


async def test_plain_unicode_file_names_are_fine(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    for name in ("фото 1.jpg", "📷 кадр.jpeg", "日本語.png", "x" * 251 + ".jpg",
                 "wait...what.jpg", ".hidden.jpg"):  # fmt: skip
        r = await post_raw(
            client, admin, [(b"file", name.encode(), b"image/jpeg", images.photo(64, 48))]
        )
        assert r.status_code == 201, (name, r.text)


# --- Over-size bodies --------------------------------------------------------------------


@pytest.fixture
async def small_app(
    settings: Settings, app: FastAPI
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, Credential]]:
    """An app whose uploads may be 64 KiB at most (the database emptied by `app`)."""
    async with running_app(settings, media_max_bytes=64 * 1024) as (small, client):
        yield small, client, await make_key(small)


async def _chunks(data: bytes, size: int = 16 * 1024) -> AsyncIterator[bytes]:
    for at in range(0, len(data), size):
        yield data[at : at + size]


async def test_over_size_upload_is_413_and_nothing_is_stored(
    small_app: tuple[FastAPI, httpx.AsyncClient, Credential], settings: Settings
) -> None:
    """Over NEWSDESK_MEDIA_MAX_BYTES: a file a little over (the body passes the
    middleware's limit, which adds room for the form; the file copy stops it) and one far
    over (the middleware stops the body), declared by Content-Length or sent chunked."""
    app, client, admin = small_app
    a_little, far = hostile.noise(400, 300), hostile.noise(900, 600)
    assert 100 * 1024 < len(a_little) < 64 * 1024 + 256 * 1024 < 400 * 1024 < len(far)
    for data, chunked in ((a_little, False), (a_little, True), (far, False), (far, True)):
        request = client.build_request("POST", MEDIA, files={"file": ("a.jpg", data, "image/jpeg")})
        body = request.read()
        headers = {**admin.headers, "Content-Type": request.headers["content-type"]}
        if chunked:
            r = await client.post(MEDIA, content=_chunks(body), headers=headers)
            assert "content-length" not in r.request.headers
        else:
            r = await client.post(MEDIA, content=body, headers=headers)
        # The middleware's 413 of a chunked body has another type (see the xfail below).
        kind = None if chunked and data is far else TOO_LARGE
        await refused(app, client, admin, settings, r, 413, kind)


async def test_json_registration_keeps_the_one_mib_body_limit(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, settings: Settings
) -> None:
    """The upload limit is raised for multipart bodies only: a JSON body of 1.5 MiB is 413."""
    body = json.dumps(
        {"url": "https://img.example/a.jpg", "width": 1, "height": 1, "credit": "x" * 1_500_000}
    ).encode()
    headers = {**admin.headers, "Content-Type": "application/json"}
    for chunked in (False, True):
        content: bytes | AsyncIterator[bytes] = _chunks(body) if chunked else body
        r = await client.post(MEDIA, content=content, headers=headers)
        await refused(app, client, admin, settings, r, 413, None if chunked else TOO_LARGE)
    # A multipart content type on a path that takes no files keeps the 1 MiB limit too.
    request = client.build_request(
        "POST", "/v1/admin/tags", files={"file": ("a.jpg", b"\xff" * 1_200_000, "image/jpeg")}
    )
    r = await client.post(
        "/v1/admin/tags", content=request.read(),
        headers={**admin.headers, "Content-Type": request.headers["content-type"]},
    )  # fmt: skip
    problem(r, 413)


async def test_a_chunked_body_over_the_limit_is_the_same_problem(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    body = json.dumps({"url": "https://img.example/a.jpg", "credit": "x" * 1_500_000}).encode()
    r = await client.post(
        MEDIA, content=_chunks(body), headers={**admin.headers, "Content-Type": "application/json"}
    )
    assert problem(r, 413)["type"] == TOO_LARGE


# --- Form abuse --------------------------------------------------------------------------

JPEG = images.photo(64, 48)
FILE: hostile.Part = (b"file", b"a.jpg", b"image/jpeg", JPEG)


def _text(name: str, value: str | bytes) -> hostile.Part:
    return (name.encode(), None, None, value.encode() if isinstance(value, str) else value)


FORMS: dict[str, list[hostile.Part]] = {
    "two-files": [FILE, (b"file", b"b.jpg", b"image/jpeg", images.photo(64, 48, seed=2))],
    "no-file": [_text("credit", "AP")],
    "nothing": [],
    "file-as-text": [_text("file", JPEG)],
    "unknown-part": [FILE, _text("owner", "admin")],
    "unknown-file-part": [(b"avatar", b"a.jpg", b"image/jpeg", JPEG), FILE],
    "credit-twice": [FILE, _text("credit", "AP"), _text("credit", "Reuters")],
    "credit-nul": [FILE, _text("credit", "A\x00P")],
    "credit-as-file": [FILE, (b"credit", b"c.txt", b"text/plain", b"AP")],
    "credit-too-long": [FILE, _text("credit", "x" * 201)],
    "translations-not-json": [FILE, _text("translations", "{en: caption}")],
    "translations-not-object": [FILE, _text("translations", "[1, 2]")],
    "translations-string": [FILE, _text("translations", '"caption"')],
    "translations-unknown-language": [FILE, _text("translations", '{"xx": {"caption": "c"}}')],
    "translations-unknown-field": [FILE, _text("translations", '{"en": {"title": "t"}}')],
    "translations-nested-wrong": [FILE, _text("translations", '{"en": "caption"}')],
}
FOCAL_POINTS = ["2,0", "-0.1,0.5", "nan,0.5", "inf,0", "1e400,0", "0.5", "0.5,0.5,0.5", "",
                "0.5;0.5", " , "]  # fmt: skip
for _focal in FOCAL_POINTS:
    FORMS[f"focal-{_focal!r}"] = [FILE, _text("focal_point", _focal)]


async def test_form_abuse_is_422_and_nothing_is_stored(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, settings: Settings
) -> None:
    for case, parts in FORMS.items():
        r = await post_raw(client, admin, parts)
        assert r.status_code == 422, (case, r.text)
        body = await refused(app, client, admin, settings, r, 422, VALIDATION)
        assert body["errors"] and body["errors"][0]["loc"][0] == "body", (case, body)


async def test_a_well_formed_form_with_every_part_is_taken(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    """The control for the cases above: the same encoder, every part right → 201."""
    r = await post_raw(client, admin, [
        FILE, _text("credit", "AP"), _text("focal_point", " 1 , 0 "),
        _text("translations", '{"en": {"caption": "c", "alt": "a"}}'),
    ])  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["focal_point"] == {"x": 1.0, "y": 0.0}


async def test_other_content_types_are_415(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, settings: Settings
) -> None:
    others = ("text/plain", "application/octet-stream", "image/jpeg",
              "application/x-www-form-urlencoded", "multipart/mixed; boundary=x", "")  # fmt: skip
    for content_type in others:
        r = await client.post(
            MEDIA, content=JPEG, headers={**admin.headers, "Content-Type": content_type}
        )
        assert r.status_code == 415, (content_type, r.text)
        await refused(app, client, admin, settings, r, 415, "/problems/unsupported-media-type")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_multipart_without_boundary_or_broken_is_a_problem(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, settings: Settings
) -> None:
    for content_type, content in (
        ("multipart/form-data", JPEG),
        ("multipart/form-data; boundary=zzz", JPEG),
        ("multipart/form-data; boundary=newsdesk-hostile-boundary",
         hostile.multipart([FILE])[0][:-40]),  # no closing boundary
    ):  # fmt: skip
        r = await client.post(
            MEDIA, content=content, headers={**admin.headers, "Content-Type": content_type}
        )
        await refused(app, client, admin, settings, r, 422, VALIDATION)


async def test_upload_needs_an_editor(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, settings: Settings
) -> None:
    nobody = await client.post(MEDIA, files={"file": ("a.jpg", JPEG, "image/jpeg")})
    await refused(app, client, admin, settings, nobody, 401, "/problems/unauthorized")
    forged = await post_file(client, Credential("nd_not-a-key"), JPEG)
    await refused(app, client, admin, settings, forged, 401, "/problems/unauthorized")
    for role in (Role.translator, Role.author):
        r = await post_file(client, await make_key(app, role), JPEG)
        await refused(app, client, admin, settings, r, 403, "/problems/forbidden")


# --- Types we take -----------------------------------------------------------------------

# (bytes, format of the record, rendition family besides webp/avif, width, height)
ACCEPTED: dict[str, tuple[Callable[[], bytes], str, str, int, int]] = {
    "gif": (lambda: images.photo(160, 120, fmt="GIF"), "gif", "png", 160, 120),
    "gif-animated": (hostile.animated_gif, "gif", "png", 160, 120),
    "webp-lossy": (hostile.webp, "webp", "jpeg", 200, 150),
    "webp-lossless-alpha": (
        lambda: hostile.webp(lossless=True, alpha=True),
        "webp",
        "png",
        200,
        150,
    ),
    "webp-exif-gps": (
        lambda: images.photo(200, 150, fmt="WEBP", gps=True),
        "webp",
        "jpeg",
        200,
        150,
    ),
    "avif-exif-gps": (hostile.avif, "avif", "jpeg", 200, 150),
    "jpeg-grey": (hostile.grey_jpeg, "jpeg", "jpeg", 200, 150),
    "jpeg-cmyk": (hostile.cmyk_jpeg, "jpeg", "jpeg", 200, 150),
    "jpeg-icc-gps": (hostile.jpeg_with_icc_and_gps, "jpeg", "jpeg", 240, 160),
    "png-16bit-icc": (hostile.png16, "png", "png", 200, 150),
    "png-exif-gps": (
        lambda: images.photo(200, 150, fmt="PNG", gps=True),
        "png",
        "png",
        200,
        150,
    ),
}
METADATA = ("exif-data", "xmp-data", "icc-profile-data", "iptc-data", "gif-comment",
            "png-comment-0-Comment")  # fmt: skip


@pytest.mark.parametrize("group", [0, 1])
async def test_accepted_types_give_clean_decodable_renditions(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, group: int
) -> None:
    """Every rendition of each type decodes whole, at its stated size, in sRGB or grey,
    with no metadata: no EXIF, XMP, ICC profile, IPTC, comment, GPS. (Two groups: the
    cases take a few seconds, so two workers share them.)"""
    for case in list(ACCEPTED)[group::2]:
        make, fmt, own, width, height = ACCEPTED[case]
        media = await upload(client, admin, make(), name="photo.bin", kind="application/x-what")
        assert media["format"] == fmt
        assert (media["width"], media["height"]) == (width, height)
        formats = {r["format"] for r in media["renditions"]}
        assert formats == {"avif", "webp", own}, formats
        for r in media["renditions"]:
            got = await client.get("/media/" + r["url"].split("/media/", 1)[1])
            assert got.status_code == 200
            image = pyvips.Image.new_from_buffer(got.content, "")
            assert (image.width, image.height) == (r["width"], r["height"]), r
            image.copy_memory()  # every pixel decodes
            carried = [f for f in image.get_fields() if f in METADATA or "exif" in f or "xmp" in f]
            assert carried == [], f"{r['url']} carries {carried}"
            assert b"NewsCam" not in got.content and b"GPS" not in got.content
            assert image.interpretation in ("srgb", "b-w"), r
        if case == "gif-animated":  # the first frame (red), not the pages stacked
            assert media["dominant_color"][1:3] > "c0" and media["dominant_color"][5:7] < "40"


def test_heic_cannot_be_written_here() -> None:
    """HEIC (HEVC in HEIF) needs an HEVC encoder this libvips lacks, so no HEIC upload is
    tested; this fails (and says so) the day it has one, so the test gets written."""
    with pytest.raises(pyvips.Error):
        pyvips.Image.black(8, 8).heifsave_buffer(compression="hevc")
