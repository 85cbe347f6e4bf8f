"""Media records: URL, size, credit, and caption/alt per language."""

import httpx
import pytest

from tests.builders import create_media, problem, published_article
from tests.conftest import Credential


async def test_media_crud(client: httpx.AsyncClient, admin: Credential) -> None:
    media = await create_media(client, admin)
    assert media["credit"] == "Getty Images"
    assert media["translations"]["en"]["alt"] == "Leaders on a stage"
    path = f"/v1/admin/media/{media['id']}"
    assert (await client.get(path, headers=admin.headers)).json() == media
    r = await client.patch(
        path,
        json={
            "credit": "Reuters",
            "translations": {"ru": {"caption": "Лидеры", "alt": "Сцена"}, "ua": None},
        },
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["credit"] == "Reuters"
    assert sorted(r.json()["translations"]) == ["en", "ru"]
    assert r.json()["width"] == 1600
    listed = (await client.get("/v1/admin/media", headers=admin.headers)).json()["items"]
    assert [m["id"] for m in listed] == [media["id"]]
    assert (await client.delete(path, headers=admin.headers)).status_code == 204
    problem(await client.get(path, headers=admin.headers), 404)


@pytest.mark.parametrize(
    "extra",
    [
        {"url": "javascript:alert(1)"},
        {"url": "ftp://example.com/x.jpg"},
        {"width": 0},
        {"height": -5},
        {"translations": {"xx": {"caption": "?"}}},
        {"translations": {"en": {"caption": "bell\x07"}}},
        {"uploaded_by": "me"},
    ],
)
async def test_bad_media_is_refused(
    client: httpx.AsyncClient, admin: Credential, extra: dict[str, object]
) -> None:
    payload = {"url": "https://x.example/a.jpg", "width": 10, "height": 10, **extra}
    problem(await client.post("/v1/admin/media", json=payload, headers=admin.headers), 422)
    assert (await client.get("/v1/admin/media", headers=admin.headers)).json()["items"] == []


async def test_cover_without_caption_in_a_language_reads_null(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    media = await create_media(client, admin, translations={"en": {"caption": "Only English"}})
    article = await published_article(client, admin, "Стаття", cover_media_id=media["id"])
    body = (await client.get(f"/v1/ua/articles/{article['translations']['ua']['slug']}")).json()
    assert (body["cover"]["caption"], body["cover"]["alt"]) == (None, None)  # absent: null
    assert body["cover"]["credit"] == "Getty Images"
    # Deleting the image (forced: an article uses it) leaves the article without a cover.
    deleted = await client.delete(
        f"/v1/admin/media/{media['id']}?force=true", headers=admin.headers
    )
    assert deleted.status_code == 204, deleted.text
    body = (await client.get(f"/v1/ua/articles/{article['translations']['ua']['slug']}")).json()
    assert body["cover"] is None
