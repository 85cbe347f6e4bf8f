"""Roles that may not publish never change what readers see (issue 13, item 1): their save
of a live version becomes its pending copy (issue 15, item 1), the rest stays 403."""

from datetime import timedelta

import httpx
import pytest

from app.models import utcnow
from tests.articles.test_permissions import _person
from tests.builders import create_article, problem, publish, text
from tests.conftest import Credential


@pytest.fixture
async def people(client: httpx.AsyncClient, admin: Credential) -> dict[str, Credential]:
    return {
        "alice": await _person(client, admin, "alice@newsroom.example", "author", []),
        "tanya": await _person(client, admin, "tanya@newsroom.example", "translator", ["en"]),
    }


async def _etag(client: httpx.AsyncClient, who: Credential, path: str) -> str:
    response = await client.get(path, headers=who.headers)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


@pytest.mark.parametrize("state", ["published", "scheduled"])
async def test_a_translator_cannot_change_a_live_version(
    client: httpx.AsyncClient, admin: Credential, people: dict[str, Credential], state: str
) -> None:
    tanya = people["tanya"]
    article = await create_article(
        client, admin, translations={"ua": text("Оригінал"), "en": text("Live English")}
    )
    base = f"/v1/admin/articles/{article['id']}"
    at = utcnow() + timedelta(days=1) if state == "scheduled" else None
    await publish(client, admin, article["id"], "en", at=at)
    etag = await _etag(client, tanya, f"{base}/translations/en")
    as_tanya = {**tanya.headers, "If-Match": etag}

    staged = await client.put(f"{base}/translations/en", json=text("Defaced"), headers=as_tanya)
    assert staged.status_code == 202, staged.text
    assert staged.json()["title"] == "Defaced"
    as_tanya = {**tanya.headers, "If-Match": staged.headers["etag"]}
    problem(await client.delete(f"{base}/translations/en", headers=as_tanya), 403)
    revisions = (await client.get(f"{base}/revisions", headers=tanya.headers)).json()["items"]
    made = next(r["number"] for r in revisions if r["language"] == "en")
    problem(await client.post(f"{base}/revisions/{made}/restore", headers=as_tanya), 403)
    for action in ("unpublish", "archive", "publish"):
        problem(await client.post(f"{base}/translations/en/{action}", headers=as_tanya), 403)

    # Nothing live changed: same version, same text, still live; the copy waits.
    current = await client.get(f"{base}/translations/en", headers=admin.headers)
    assert current.headers["etag"] == staged.headers["etag"]
    assert staged.headers["etag"].startswith(etag[:-1] + "-p")  # the live version: the same
    assert current.json()["title"] == "Live English"
    assert current.json()["has_pending_changes"] is True
    assert current.json()["status"] == state
    if state == "published":
        public = await client.get(f"/v1/en/articles/{current.json()['slug']}")
        assert public.json()["title"] == "Live English"

    # A draft in their language stays theirs to write and delete.
    await client.post(f"{base}/translations/en/unpublish", headers=admin.headers)
    etag = await _etag(client, tanya, f"{base}/translations/en")
    fixed = await client.put(
        f"{base}/translations/en",
        json=text("Draft fix"),
        headers={**tanya.headers, "If-Match": etag},
    )
    assert fixed.status_code == 200, fixed.text
    deleted = await client.delete(
        f"{base}/translations/en", headers={**tanya.headers, "If-Match": fixed.headers["etag"]}
    )
    assert deleted.status_code == 204


@pytest.mark.parametrize("state", ["published", "scheduled"])
async def test_an_author_cannot_change_their_live_article(
    client: httpx.AsyncClient, admin: Credential, people: dict[str, Credential], state: str
) -> None:
    alice = people["alice"]
    article = await create_article(
        client, alice, translations={"ua": text("Моя стаття"), "en": text("My draft")}
    )
    base = f"/v1/admin/articles/{article['id']}"
    at = utcnow() + timedelta(days=1) if state == "scheduled" else None
    await publish(client, admin, article["id"], "ua", at=at)
    ua_etag = await _etag(client, alice, f"{base}/translations/ua")
    article_etag = await _etag(client, alice, base)

    staged = await client.put(
        f"{base}/translations/ua",
        json=text("Підмінено"),
        headers={**alice.headers, "If-Match": ua_etag},
    )
    assert staged.status_code == 202, staged.text
    ua_etag = staged.headers["etag"]
    problem(
        await client.delete(
            f"{base}/translations/ua", headers={**alice.headers, "If-Match": ua_etag}
        ),
        403,
    )
    # The article's metadata shows on the live version, so it is live too.
    problem(
        await client.patch(
            base,
            json={"sources": [{"name": "Made up"}]},
            headers={**alice.headers, "If-Match": article_etag},
        ),
        403,
    )
    revisions = (await client.get(f"{base}/revisions", headers=alice.headers)).json()["items"]
    for revision in revisions:
        if revision["language"] in (None, "ua"):
            problem(
                await client.post(
                    f"{base}/revisions/{revision['number']}/restore",
                    headers={**alice.headers, "If-Match": "*"},
                ),
                403,
            )
    for action in ("unpublish", "archive"):
        problem(await client.post(f"{base}/translations/ua/{action}", headers=alice.headers), 403)
    problem(await client.delete(base, headers={**alice.headers, "If-Match": article_etag}), 403)

    after = (await client.get(base, headers=admin.headers)).json()
    assert after["sources"] == article["sources"]
    assert after["translations"]["ua"]["title"] == "Моя стаття"
    assert after["translations"]["ua"]["status"] == state
    assert after["translations"]["ua"]["has_pending_changes"] is True

    # Her draft language version is still hers to edit.
    en_etag = await _etag(client, alice, f"{base}/translations/en")
    edited = await client.put(
        f"{base}/translations/en",
        json=text("My better draft"),
        headers={**alice.headers, "If-Match": en_etag},
    )
    assert edited.status_code == 200, edited.text
