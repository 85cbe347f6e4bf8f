"""Admin CRUD of tags, categories and authors: names and slugs per language."""

import httpx
import pytest

from tests.builders import create_term, problem, published_article
from tests.conftest import Credential


@pytest.mark.parametrize("kind", ["tags", "categories", "authors"])
async def test_crud_round_trip(client: httpx.AsyncClient, admin: Credential, kind: str) -> None:
    created = await create_term(client, admin, kind, ua="Кібербезпека", en="Cyber security")
    assert created["translations"]["ua"]["slug"] == "kiberbezpeka"
    assert created["translations"]["en"]["slug"] == "cyber-security"
    path = f"/v1/admin/{kind}/{created['id']}"
    assert (await client.get(path, headers=admin.headers)).json() == created
    listed = (await client.get(f"/v1/admin/{kind}", headers=admin.headers)).json()["items"]
    assert [t["id"] for t in listed] == [created["id"]]
    r = await client.patch(
        path,
        json={
            "translations": {"en": {"name": "Cybersecurity"}, "ua": None, "ru": {"name": "Кибер"}}
        },
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    names = {lang: t["name"] for lang, t in r.json()["translations"].items()}
    assert names == {"en": "Cybersecurity", "ru": "Кибер"}
    # A renamed entry keeps its slug: public URLs stay stable.
    assert r.json()["translations"]["en"]["slug"] == "cyber-security"
    assert r.json()["translations"]["ru"]["slug"] == "kiber"
    assert (await client.delete(path, headers=admin.headers)).status_code == 204
    problem(await client.get(path, headers=admin.headers), 404)


async def test_slug_clash_is_numbered_or_409(client: httpx.AsyncClient, admin: Credential) -> None:
    first = await create_term(client, admin, "tags", ua="Київ")
    second = await create_term(client, admin, "tags", ua="Київ")
    assert first["translations"]["ua"]["slug"] == "kyiv"
    assert second["translations"]["ua"]["slug"] == "kyiv-2"
    r = await client.patch(
        f"/v1/admin/tags/{second['id']}",
        json={"translations": {"ua": {"name": "Київ", "slug": "kyiv"}}},
        headers=admin.headers,
    )
    problem(r, 409)


@pytest.mark.parametrize(
    "payload",
    [
        {"translations": {}},
        {"translations": {"xx": {"name": "X"}}},
        {"translations": {"ua": {"name": ""}}},
        {"translations": {"ua": {"name": "x" * 201}}},
        {"translations": {"ua": {"name": "ok", "slug": "Not Ascii"}}},
        {"translations": {"ua": {"name": "ok"}}, "id": "6f1c6d0e-0000-4000-8000-000000000000"},
        {"translations": {"ua": {"name": "ok", "bio": "tags have no bio"}}},
    ],
)
async def test_bad_tag_payloads_change_nothing(
    client: httpx.AsyncClient, admin: Credential, payload: dict[str, object]
) -> None:
    problem(await client.post("/v1/admin/tags", json=payload, headers=admin.headers), 422)
    assert (await client.get("/v1/admin/tags", headers=admin.headers)).json()["items"] == []


async def test_author_bio_per_language(client: httpx.AsyncClient, admin: Credential) -> None:
    r = await client.post(
        "/v1/admin/authors",
        json={"translations": {"en": {"name": "Jane Doe", "bio": "Covers defence."}}},
        headers=admin.headers,
    )
    assert r.status_code == 201
    assert r.json()["translations"]["en"] == {
        "name": "Jane Doe",
        "slug": "jane-doe",
        "bio": "Covers defence.",
    }
    page = (await client.get("/v1/en/authors/jane-doe")).json()
    assert page["bio"] == "Covers defence."


async def test_an_author_with_bylines_cannot_be_deleted(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    author = await create_term(client, admin, "authors", ua="Олена")
    await published_article(client, admin, author_ids=[author["id"]])
    problem(await client.delete(f"/v1/admin/authors/{author['id']}", headers=admin.headers), 409)
    assert (
        await client.get(f"/v1/admin/authors/{author['id']}", headers=admin.headers)
    ).status_code == 200


async def test_deleting_a_tag_by_force_removes_it_from_articles(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    tag = await create_term(client, admin, "tags", ua="НАТО")
    article = await published_article(client, admin, "Стаття", tag_ids=[tag["id"]])
    path = f"/v1/admin/tags/{tag['id']}"
    assert problem(await client.delete(path, headers=admin.headers), 409)["articles"] == 1
    assert (await client.delete(f"{path}?force=true", headers=admin.headers)).status_code == 204
    body = (await client.get(f"/v1/ua/articles/{article['translations']['ua']['slug']}")).json()
    assert body["tags"] == []


async def test_lengths_count_the_stored_nfc_text(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    # U+0958 is two characters in NFC: 150 of them passed the 200-character limit and then
    # overflowed the 200-character column (a 500 on PostgreSQL).
    h = admin.headers
    body = {"translations": {"en": {"name": "\u0958" * 150}}}
    problem(await client.post("/v1/admin/tags", json=body, headers=h), 422)
    body = {"translations": {"en": {"name": "\u0958" * 100}}}
    r = await client.post("/v1/admin/tags", json=body, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["translations"]["en"]["name"] == "\u0915\u093c" * 100
