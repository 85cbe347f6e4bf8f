"""Correction and update notes: appended by editors, shown in order on the public article,
recorded as revisions; public `updated_at` moves on a note, not on a quick fix, a metadata
or a status change (issue 15, item 5)."""

from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.auth.service import Role
from tests.articles.test_permissions import _person
from tests.builders import create_article, problem, publish, published_article, text
from tests.conftest import Credential, make_key

CORRECTION = {
    "kind": "correction",
    "text": "Виправлено: інтервал руху — до чотирьох хвилин, а не до п’яти.",
}
UPDATE = {"kind": "update", "text": "Оновлено: відновлено рух і на Сирецько-Печерській лінії."}


def _path(article: dict[str, Any], lang: str = "ua") -> str:
    return f"/v1/admin/articles/{article['id']}/translations/{lang}"


async def _public(client: httpx.AsyncClient, admin: Credential, article: dict[str, Any]) -> Any:
    slug = (await client.get(_path(article), headers=admin.headers)).json()["slug"]
    response = await client.get(f"/v1/ua/articles/{slug}")
    assert response.status_code == 200, response.text
    return response.json()


async def _revisions(client: httpx.AsyncClient, admin: Credential, article: dict[str, Any]) -> Any:
    path = f"/v1/admin/articles/{article['id']}/revisions"
    return (await client.get(path, headers=admin.headers)).json()["items"]


async def test_notes_show_in_order_on_the_public_article_and_in_the_admin_read(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await published_article(client, admin, "Київ відновлює рух метро")
    before = await _public(client, admin, article)
    assert before["corrections"] == []
    assert before["updated_at"] == before["published_at"]

    first = await client.post(
        f"{_path(article)}/corrections", json=CORRECTION, headers=admin.headers
    )
    assert first.status_code == 201, first.text
    second = await client.post(f"{_path(article)}/corrections", json=UPDATE, headers=admin.headers)
    assert second.status_code == 201, second.text
    note = first.json()
    assert {k: note[k] for k in ("kind", "text")} == CORRECTION
    assert note["by"].startswith("api_key:") and note["id"] and note["at"]

    page = await _public(client, admin, article)
    assert page["corrections"] == [
        {**CORRECTION, "at": first.json()["at"]},
        {**UPDATE, "at": second.json()["at"]},
    ]
    assert page["updated_at"] == second.json()["at"]
    # The list card says the same.
    card = (await client.get("/v1/ua/articles")).json()["items"][0]
    assert card["updated_at"] == page["updated_at"]

    admin_read = (await client.get(_path(article), headers=admin.headers)).json()
    assert [c["id"] for c in admin_read["corrections"]] == [note["id"], second.json()["id"]]
    assert admin_read["revised_at"] == second.json()["at"]

    # Each note is a revision whose snapshot lists the notes so far.
    added = [r for r in await _revisions(client, admin, article) if r["action"] == "add_correction"]
    assert [r["changed_fields"] for r in added] == [["corrections"], ["corrections"]]
    path = f"/v1/admin/articles/{article['id']}/revisions/{added[-1]['number']}"
    snapshot = (await client.get(path, headers=admin.headers)).json()["snapshot"]
    assert [(c["kind"], c["text"]) for c in snapshot["corrections"]] == [
        (CORRECTION["kind"], CORRECTION["text"]),
        (UPDATE["kind"], UPDATE["text"]),
    ]


async def test_updated_at_ignores_quick_fixes_metadata_and_status_changes(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await published_article(client, admin, "Київ відновлює рух метро")
    start = await _public(client, admin, article)
    slug = start["slug"]
    h = admin.headers

    async def quick_fix(title: str) -> None:
        etag = (await client.get(_path(article), headers=h)).headers["etag"]
        body = {**text(title), "slug": slug}
        r = await client.put(_path(article), json=body, headers={**h, "If-Match": etag})
        assert r.status_code == 200, r.text

    async def status_round_trip() -> None:
        for action in ("unpublish", "publish"):
            r = await client.post(f"{_path(article)}/{action}", headers=h)
            assert r.status_code == 200, r.text

    async def metadata() -> None:
        etag = (await client.get(f"/v1/admin/articles/{article['id']}", headers=h)).headers["etag"]
        r = await client.patch(
            f"/v1/admin/articles/{article['id']}",
            json={"sources": [{"name": "КМДА"}]},
            headers={**h, "If-Match": etag},
        )
        assert r.status_code == 200, r.text

    await quick_fix("Київ відновив рух метро")
    await metadata()
    await status_round_trip()
    page = await _public(client, admin, article)
    assert page["title"] == "Київ відновив рух метро"
    assert page["updated_at"] == start["updated_at"] == start["published_at"]
    # The admin's updated_at still means any change.
    admin_read = (await client.get(_path(article), headers=h)).json()
    assert datetime.fromisoformat(admin_read["updated_at"]) > datetime.fromisoformat(
        start["updated_at"]
    )

    noted = await client.post(f"{_path(article)}/corrections", json=UPDATE, headers=h)
    assert noted.status_code == 201, noted.text
    assert (await _public(client, admin, article))["updated_at"] == noted.json()["at"]
    await quick_fix("Київ відновив рух метро на всіх лініях")
    await status_round_trip()
    assert (await _public(client, admin, article))["updated_at"] == noted.json()["at"]


async def test_only_editors_and_admins_append_notes(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    alice = await _person(client, admin, "alice@newsroom.example", "author", [])
    tanya = await _person(client, admin, "tanya@newsroom.example", "translator", ["ua"])
    editor = await make_key(app, Role.editor)
    created = await client.post(
        "/v1/admin/articles",
        json={"original_language": "ua", "translations": {"ua": text("Стаття Аліси")}},
        headers=alice.headers,
    )
    assert created.status_code == 201, created.text
    article = created.json()
    await publish(client, admin, article["id"], "ua")
    # Neither the article's own author nor a translator of the language.
    for who in (alice, tanya):
        r = await client.post(f"{_path(article)}/corrections", json=CORRECTION, headers=who.headers)
        problem(r, 403)
    assert (await _public(client, admin, article))["corrections"] == []
    for who in (editor, admin):
        r = await client.post(f"{_path(article)}/corrections", json=UPDATE, headers=who.headers)
        assert r.status_code == 201, r.text
    assert len((await _public(client, admin, article))["corrections"]) == 2
    # Anonymous: 401.
    problem(await client.post(f"{_path(article)}/corrections", json=UPDATE), 401)


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "erratum", "text": "Виправлено."},
        {"kind": "correction"},
        {"kind": "correction", "text": ""},
        {"kind": "correction", "text": "   "},
        {"kind": "correction", "text": "x" * 1001},
        {"kind": "correction", "text": "Рядок\nдругий"},
        {"kind": "correction", "text": "Виправлено.", "at": "2026-11-26T08:05:27Z"},
        {"text": "Виправлено."},
    ],
    ids=["kind", "no-text", "empty", "blank", "too-long", "two-lines", "unknown-field", "no-kind"],
)
async def test_bad_notes_are_422_and_change_nothing(
    client: httpx.AsyncClient, admin: Credential, body: dict[str, Any]
) -> None:
    article = await published_article(client, admin)
    revisions = len(await _revisions(client, admin, article))
    etag = (await client.get(_path(article), headers=admin.headers)).headers["etag"]
    problem(
        await client.post(f"{_path(article)}/corrections", json=body, headers=admin.headers), 422
    )
    assert (await client.get(_path(article), headers=admin.headers)).headers["etag"] == etag
    assert (await _public(client, admin, article))["corrections"] == []
    assert len(await _revisions(client, admin, article)) == revisions


async def test_the_text_is_kept_as_plain_text(client: httpx.AsyncClient, admin: Credential) -> None:
    article = await published_article(client, admin)
    note = {"kind": "update", "text": "Додано <script>alert(1)</script> & «цитату»"}
    r = await client.post(f"{_path(article)}/corrections", json=note, headers=admin.headers)
    assert r.status_code == 201, r.text
    # Stored and shown as text: a reader's page escapes it like any other text field.
    assert (await _public(client, admin, article))["corrections"][0]["text"] == note["text"]


async def test_a_never_published_version_takes_no_notes(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin)
    r = await client.post(f"{_path(article)}/corrections", json=CORRECTION, headers=admin.headers)
    problem(r, 409)
    assert (await client.get(_path(article), headers=admin.headers)).json()["corrections"] == []
    problem(
        await client.post(
            f"{_path(article, 'en')}/corrections", json=CORRECTION, headers=admin.headers
        ),
        404,
    )


async def test_a_stale_if_match_is_412(client: httpx.AsyncClient, admin: Credential) -> None:
    article = await published_article(client, admin)
    etag = (await client.get(_path(article), headers=admin.headers)).headers["etag"]
    r = await client.post(
        f"{_path(article)}/corrections",
        json=CORRECTION,
        headers={**admin.headers, "If-Match": etag},
    )
    assert r.status_code == 201, r.text
    stale = await client.post(
        f"{_path(article)}/corrections", json=UPDATE, headers={**admin.headers, "If-Match": etag}
    )
    problem(stale, 412)
    assert len((await _public(client, admin, article))["corrections"]) == 1


async def test_notes_go_with_their_translation(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(
        client, admin, translations={"ua": text("Оригінал"), "en": text("English")}
    )
    await publish(client, admin, article["id"], "en")
    r = await client.post(f"{_path(article, 'en')}/corrections", json=UPDATE, headers=admin.headers)
    assert r.status_code == 201, r.text
    etag = (await client.get(_path(article, "en"), headers=admin.headers)).headers["etag"]
    deleted = await client.delete(_path(article, "en"), headers={**admin.headers, "If-Match": etag})
    assert deleted.status_code == 204, deleted.text
    # A new English version starts without the old one's notes.
    r = await client.put(_path(article, "en"), json=text("English again"), headers=admin.headers)
    assert r.status_code == 201, r.text
    assert r.json()["corrections"] == []
