"""Safe deletes: a tag, category, author or image that articles use answers 409 with how
many; `force=true` (editors and admins) removes it from each article, recording a
revision on each, and the public article stops showing it (issue 15, item 6)."""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.auth.service import Role
from app.cache.cache import ResponseCache
from tests.builders import (
    create_article,
    create_media,
    create_term,
    problem,
    published_article,
    text,
)
from tests.conftest import Credential, make_key


@dataclass(frozen=True)
class Kind:
    path: str  # /v1/admin/<path>
    field: str  # the article field that refers to it
    public: str  # the public article field that shows it


KINDS = {
    "tag": Kind("tags", "tag_ids", "tags"),
    "category": Kind("categories", "category_id", "category"),
    "author": Kind("authors", "author_ids", "authors"),
    "media": Kind("media", "cover_media_id", "cover"),
}


async def _make(client: httpx.AsyncClient, admin: Credential, kind: Kind, name: str) -> str:
    if kind.path == "media":
        ident: str = (await create_media(client, admin))["id"]
    else:
        ident = (await create_term(client, admin, kind.path, ua=name))["id"]
    return ident


def _refer(kind: Kind, ident: str, other: str) -> dict[str, Any]:
    """Article fields that use `ident` (and `other` too, for the list fields)."""
    if kind.field.endswith("_ids"):
        return {kind.field: [ident, other]}
    return {kind.field: ident}


def _shown(kind: Kind, public: dict[str, Any]) -> list[str]:
    """The ids the public article shows in the kind's field."""
    value = public[kind.public]
    if isinstance(value, list):
        return [item["id"] for item in value]
    return [] if value is None else [value["id"]]


async def _public(client: httpx.AsyncClient, article: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"/v1/ua/articles/{article['translations']['ua']['slug']}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _revisions(
    client: httpx.AsyncClient, admin: Credential, article: dict[str, Any]
) -> list[dict[str, Any]]:
    path = f"/v1/admin/articles/{article['id']}/revisions"
    items: list[dict[str, Any]] = (await client.get(path, headers=admin.headers)).json()["items"]
    return items


async def _two_users(
    client: httpx.AsyncClient, admin: Credential, kind: Kind
) -> tuple[str, str, list[dict[str, Any]]]:
    """The thing, another of its kind, and two articles using it (one public, one draft)."""
    used = await _make(client, admin, kind, "Вживаний")
    other = await _make(client, admin, kind, "Інший")
    live = await published_article(client, admin, "Жива", **_refer(kind, used, other))
    draft = await create_article(
        client, admin, translations={"ua": text("Чернетка")}, **_refer(kind, used, other)
    )
    return used, other, [live, draft]


@pytest.mark.parametrize("name", list(KINDS))
async def test_a_used_one_is_refused_with_the_count(
    client: httpx.AsyncClient, admin: Credential, name: str
) -> None:
    kind = KINDS[name]
    used, _, (live, draft) = await _two_users(client, admin, kind)
    before = await _public(client, live)
    assert used in _shown(kind, before)
    history = await _revisions(client, admin, draft)

    path = f"/v1/admin/{kind.path}/{used}"
    body = problem(await client.delete(path, headers=admin.headers), 409)
    assert body["articles"] == 2
    assert "2 articles" in body["detail"]
    problem(await client.delete(f"{path}?force=false", headers=admin.headers), 409)
    # Nothing changed: it exists, the articles still use it, no revision was made.
    assert (await client.get(path, headers=admin.headers)).status_code == 200
    assert _shown(kind, await _public(client, live)) == _shown(kind, before)
    assert await _revisions(client, admin, draft) == history


@pytest.mark.usefixtures("steady_lease")
@pytest.mark.parametrize("name", list(KINDS))
async def test_force_by_an_editor_removes_it_with_a_revision_on_each_article(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, name: str
) -> None:
    kind = KINDS[name]
    used, other, articles = await _two_users(client, admin, kind)
    live = articles[0]
    cache: ResponseCache = app.state.response_cache
    hits = cache.store.hits
    for _ in range(2):  # the page and the list, cached before the delete
        await _public(client, live)
        assert (await client.get("/v1/ua/articles")).status_code == 200
    assert cache.store.hits >= hits + 2
    counts = [len(await _revisions(client, admin, a)) for a in articles]
    editor = await make_key(app, Role.editor)

    path = f"/v1/admin/{kind.path}/{used}"
    r = await client.delete(f"{path}?force=true", headers=editor.headers)
    assert r.status_code == 204, r.text
    problem(await client.get(path, headers=admin.headers), 404)

    expected: Any = [other] if kind.field.endswith("_ids") else None
    for article, count in zip(articles, counts, strict=True):
        revisions = await _revisions(client, admin, article)
        assert len(revisions) == count + 1
        last = revisions[-1]
        assert last["action"] == "update" and last["changed_fields"] == [kind.field]
        assert last["actor"].startswith("api_key:")
        one = await client.get(
            f"/v1/admin/articles/{article['id']}/revisions/{last['number']}",
            headers=admin.headers,
        )
        assert one.json()["snapshot"][kind.field] == expected
        current = await client.get(f"/v1/admin/articles/{article['id']}", headers=admin.headers)
        assert current.json()[kind.field] == expected
    # The public article and its card no longer show it (their cached pages were purged).
    shown = _shown(kind, await _public(client, live))
    assert used not in shown
    assert shown == ([other] if kind.field.endswith("_ids") else [])
    cards = (await client.get("/v1/ua/articles")).json()["items"]
    assert [_shown(kind, card) for card in cards] == [shown]


@pytest.mark.parametrize("name", list(KINDS))
@pytest.mark.parametrize("role", [Role.author, Role.translator])
async def test_authors_and_translators_cannot_delete_or_force(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential, name: str, role: Role
) -> None:
    kind = KINDS[name]
    used, _, (live, _draft) = await _two_users(client, admin, kind)
    unused = await _make(client, admin, kind, "Нічий")
    who = await make_key(app, role)
    for ident in (used, unused):
        for query in ("", "?force=true"):
            path = f"/v1/admin/{kind.path}/{ident}"
            problem(await client.delete(f"{path}{query}", headers=who.headers), 403)
            assert (await client.get(path, headers=admin.headers)).status_code == 200
    assert used in _shown(kind, await _public(client, live))


@pytest.mark.parametrize("name", list(KINDS))
@pytest.mark.parametrize("query", ["", "?force=true"])
async def test_an_unused_one_is_deleted_as_before(
    client: httpx.AsyncClient, admin: Credential, name: str, query: str
) -> None:
    kind = KINDS[name]
    ident = await _make(client, admin, kind, "Нічий")
    path = f"/v1/admin/{kind.path}/{ident}"
    assert (await client.delete(f"{path}{query}", headers=admin.headers)).status_code == 204
    problem(await client.get(path, headers=admin.headers), 404)


async def test_force_is_strict_and_a_tombstone_counts(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    """`force` takes a boolean; a deleted article still uses the tag (its revisions keep
    the trace), so it counts and a force records a revision on it too."""
    tag = await create_term(client, admin, "tags", ua="Архів")
    article = await published_article(client, admin, "Видалена", tag_ids=[tag["id"]])
    base = f"/v1/admin/articles/{article['id']}"
    etag = (await client.get(base, headers=admin.headers)).headers["etag"]
    assert (
        await client.delete(base, headers={**admin.headers, "If-Match": etag})
    ).status_code == 204
    path = f"/v1/admin/tags/{tag['id']}"
    problem(await client.delete(f"{path}?force=perhaps", headers=admin.headers), 422)
    assert problem(await client.delete(path, headers=admin.headers), 409)["articles"] == 1
    assert (await client.delete(f"{path}?force=true", headers=admin.headers)).status_code == 204
    revisions = await _revisions(client, admin, article)
    assert revisions[-1]["changed_fields"] == ["tag_ids"]
    assert (await client.get(base, headers=admin.headers)).json()["tag_ids"] == []
