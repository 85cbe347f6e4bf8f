"""Social card fields of a language version (issue 18, item 3), as the management API
writes and reads them: `social_title`, `social_description` and `social_image_id` on PUT,
merge-patch, pending copies and revisions; the image must be a media record, and a media
record a version shows is not deleted behind its back."""

import json
import uuid
from typing import Any

import httpx
import pytest

from tests.builders import create_article, create_media, problem, publish, put_translation, text
from tests.conftest import Credential

MERGE = "application/merge-patch+json"


def _base(article_id: str, lang: str = "ua") -> str:
    return f"/v1/admin/articles/{article_id}/translations/{lang}"


async def _etag(client: httpx.AsyncClient, admin: Credential, path: str) -> str:
    response = await client.get(path, headers=admin.headers)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


async def _patch(
    client: httpx.AsyncClient, admin: Credential, path: str, body: dict[str, Any]
) -> httpx.Response:
    headers = {
        **admin.headers,
        "If-Match": await _etag(client, admin, path),
        "Content-Type": MERGE,
    }
    # ASCII JSON: a lone surrogate travels as its `\ud800` escape, as an attacker sends it.
    return await client.patch(path, content=json.dumps(body), headers=headers)


async def test_put_patch_and_read_the_social_fields(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    image = await create_media(client, admin)
    article = await create_article(client, admin)
    base = _base(article["id"])
    body = {
        **text("Стаття"),
        "social_title": "  Заголовок для соцмереж  ",
        "social_description": "Опис для соцмереж",
        "social_image_id": image["id"],
    }
    read = (await put_translation(client, admin, article["id"], "ua", body)).json()
    assert read["social_title"] == "Заголовок для соцмереж"  # one line: trimmed
    assert read["social_description"] == "Опис для соцмереж"
    assert read["social_image_id"] == image["id"]
    whole = await client.get(f"/v1/admin/articles/{article['id']}", headers=admin.headers)
    assert whole.json()["translations"]["ua"]["social_image_id"] == image["id"]

    # Merge patch: a member replaces, null removes, the rest stays.
    patched = await _patch(client, admin, base, {"social_title": "Інший", "social_image_id": None})
    assert patched.status_code == 200, patched.text
    assert patched.json()["social_title"] == "Інший"
    assert patched.json()["social_description"] == "Опис для соцмереж"
    assert patched.json()["social_image_id"] is None

    # A PUT without them clears them, as it does the SEO fields.
    cleared = (await put_translation(client, admin, article["id"], "ua", text("Стаття"))).json()
    assert cleared["social_title"] is None and cleared["social_description"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("social_title", "Нуль\x00тут"),
        ("social_title", "x" * 301),
        ("social_title", "   "),
        ("social_title", "два\nрядки"),
        ("social_description", "Опис\x00"),
        ("social_description", "д" * 501),
        ("social_description", "\ud800"),
        ("social_image_id", "not-a-uuid"),
        ("social_image_id", 42),
        ("social_title", ["a list"]),
    ],
)
async def test_hostile_values_are_refused(
    client: httpx.AsyncClient, admin: Credential, field: str, value: object
) -> None:
    article = await create_article(client, admin)
    path = _base(article["id"])
    headers = {
        **admin.headers,
        "If-Match": await _etag(client, admin, path),
        "Content-Type": "application/json",
    }
    body = json.dumps({**text("Стаття"), field: value})
    found = problem(await client.put(path, content=body, headers=headers), 422)
    assert any(e["loc"][:2] == ["body", field] for e in found["errors"]), found
    patched = await _patch(client, admin, path, {field: value})
    found = problem(patched, 422)
    assert any(e["loc"][:2] == ["body", field] for e in found["errors"]), found
    # Nothing was written.
    read = await client.get(path, headers=admin.headers)
    assert read.json()[field] is None


async def test_the_social_image_must_be_a_media_record(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin)
    other = await create_article(client, admin)
    path = _base(article["id"])
    # A made-up id, and the id of something that exists but is no media record.
    for ident in (str(uuid.uuid4()), other["id"]):
        headers = {**admin.headers, "If-Match": await _etag(client, admin, path)}
        body = {**text("Стаття"), "social_image_id": ident}
        found = problem(await client.put(path, json=body, headers=headers), 422)
        assert found["errors"] == [
            {"loc": ["body", "social_image_id"], "msg": "No such media", "type": "reference"}
        ]
        found = problem(await _patch(client, admin, path, {"social_image_id": ident}), 422)
        assert found["errors"][0]["loc"] == ["body", "social_image_id"]
    # A new version too (the create of a translation).
    created = await client.put(
        _base(article["id"], "en"),
        json={**text("Story"), "social_image_id": str(uuid.uuid4())},
        headers=admin.headers,
    )
    problem(created, 422)
    assert (await client.get(_base(article["id"], "en"), headers=admin.headers)).status_code == 404


async def test_a_staged_copy_keeps_social_fields_apart_until_published(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    image = await create_media(client, admin)
    article = await create_article(client, admin)
    await publish(client, admin, article["id"], "ua")
    base = _base(article["id"])
    staged = {**text("Стаття"), "social_title": "Для соцмереж", "social_image_id": image["id"]}
    headers = {**admin.headers, "If-Match": await _etag(client, admin, base)}
    saved = await client.put(f"{base}/pending", json=staged, headers=headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["social_title"] == "Для соцмереж"
    assert saved.json()["social_image_id"] == image["id"]
    assert saved.json()["changed_fields"] == ["social_title", "social_image_id"]
    live = await client.get(base, headers=admin.headers)
    assert live.json()["social_title"] is None and live.json()["social_image_id"] is None
    # An unknown image in a copy: refused as well.
    headers = {**admin.headers, "If-Match": live.headers["etag"]}
    wrong = {**staged, "social_image_id": str(uuid.uuid4())}
    problem(await client.put(f"{base}/pending", json=wrong, headers=headers), 422)

    headers = {**admin.headers, "If-Match": live.headers["etag"]}
    published = await client.post(f"{base}/pending/publish", headers=headers)
    assert published.status_code == 200, published.text
    assert published.json()["social_title"] == "Для соцмереж"
    assert published.json()["social_image_id"] == image["id"]


async def test_a_revision_restore_brings_the_social_fields_back(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    image = await create_media(client, admin)
    article = await create_article(client, admin)
    ident = article["id"]
    social = {
        "social_title": "Соцзаголовок",
        "social_description": "Соцопис",
        "social_image_id": image["id"],
    }
    await put_translation(client, admin, ident, "ua", {**text("Стаття"), **social})
    await put_translation(client, admin, ident, "ua", text("Стаття"))
    history = await client.get(f"/v1/admin/articles/{ident}/revisions", headers=admin.headers)
    items = history.json()["items"]
    with_social = items[-2]
    assert sorted(with_social["changed_fields"]) == sorted(social)
    snapshot = await client.get(
        f"/v1/admin/articles/{ident}/revisions/{with_social['number']}", headers=admin.headers
    )
    assert {k: snapshot.json()["snapshot"][k] for k in social} == social
    restored = await client.post(
        f"/v1/admin/articles/{ident}/revisions/{with_social['number']}/restore",
        headers=admin.headers,
    )
    assert restored.status_code == 200, restored.text
    read = (await client.get(_base(ident), headers=admin.headers)).json()
    assert {k: read[k] for k in social} == social


async def _usage(client: httpx.AsyncClient, admin: Credential, media_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/admin/media/{media_id}", headers=admin.headers)
    assert response.status_code == 200, response.text
    usage: dict[str, Any] = response.json()["usage"]
    return usage


async def test_a_social_image_in_use_is_not_deleted_unless_forced(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    image = await create_media(client, admin)
    unused = await create_media(client, admin)
    shown = await create_article(client, admin)  # its live version shows it
    staged = await create_article(client, admin)  # only its pending copy does
    await put_translation(
        client, admin, shown["id"], "ua", {**text("Стаття"), "social_image_id": image["id"]}
    )
    await publish(client, admin, staged["id"], "ua")
    base = _base(staged["id"])
    headers = {**admin.headers, "If-Match": await _etag(client, admin, base)}
    body = {**text("Стаття"), "social_image_id": image["id"]}
    assert (await client.put(f"{base}/pending", json=body, headers=headers)).status_code == 200

    usage = await _usage(client, admin, image["id"])
    assert usage["count"] == 2
    assert set(usage["article_ids"]) == {shown["id"], staged["id"]}
    listed = await client.get("/v1/admin/media", params={"used": "true"}, headers=admin.headers)
    assert image["id"] in [m["id"] for m in listed.json()["items"]]
    assert unused["id"] not in [m["id"] for m in listed.json()["items"]]
    listed = await client.get("/v1/admin/media", params={"used": "false"}, headers=admin.headers)
    assert image["id"] not in [m["id"] for m in listed.json()["items"]]

    conflict = problem(
        await client.delete(f"/v1/admin/media/{image['id']}", headers=admin.headers), 409
    )
    assert conflict["articles"] == 2
    assert (await client.get(f"/v1/admin/media/{image['id']}", headers=admin.headers)).is_success

    forced = await client.delete(
        f"/v1/admin/media/{image['id']}", params={"force": "true"}, headers=admin.headers
    )
    assert forced.status_code == 204, forced.text
    problem(await client.get(f"/v1/admin/media/{image['id']}", headers=admin.headers), 404)
    assert (await client.get(_base(shown["id"]), headers=admin.headers)).json()[
        "social_image_id"
    ] is None
    pending = await client.get(f"{base}/pending", headers=admin.headers)
    assert pending.json()["social_image_id"] is None
    # The version that showed it records the change (a pending copy is not a version).
    history = await client.get(f"/v1/admin/articles/{shown['id']}/revisions", headers=admin.headers)
    last = history.json()["items"][-1]
    assert last["language"] == "ua" and last["changed_fields"] == ["social_image_id"]
