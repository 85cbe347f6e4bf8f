"""Slug redirects reveal nothing: only slugs of public versions answer 301 (issue 13, item 10).

A slug of another language's version, or a former slug, leads to this language's public
version only while the version that owns the slug is public. A draft's or an embargoed
version's slug answers the same 404 as a slug nobody ever had.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.builders import create_article, publish, text
from tests.conftest import Credential

# What differs between any two requests: nothing else may tell two 404s apart.
PER_REQUEST = {"x-request-id", "date"}


def _answer(response: httpx.Response) -> tuple[int, dict[str, str], bytes]:
    """The answer without what differs per request (its id, in the headers and the body)."""
    headers = {k: v for k, v in response.headers.items() if k.lower() not in PER_REQUEST}
    request_id = response.headers["x-request-id"].encode()
    body = response.content.replace(request_id, b"<request-id>")
    headers.pop("content-length", None)
    return response.status_code, headers, body


async def _translation(
    client: httpx.AsyncClient, admin: Credential, article_id: str, lang: str
) -> dict[str, Any]:
    r = await client.get(
        f"/v1/admin/articles/{article_id}/translations/{lang}", headers=admin.headers
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return {**body, "etag": r.headers["etag"]}


async def _put(
    client: httpx.AsyncClient, admin: Credential, article_id: str, lang: str, body: dict[str, Any]
) -> None:
    etag = (await _translation(client, admin, article_id, lang))["etag"]
    r = await client.put(
        f"/v1/admin/articles/{article_id}/translations/{lang}",
        json=body,
        headers={**admin.headers, "If-Match": etag},
    )
    assert r.status_code == 200, r.text


async def _transition(
    client: httpx.AsyncClient, admin: Credential, article_id: str, lang: str, action: str
) -> None:
    r = await client.post(
        f"/v1/admin/articles/{article_id}/translations/{lang}/{action}", headers=admin.headers
    )
    assert r.status_code == 200, r.text


async def _delete(client: httpx.AsyncClient, admin: Credential, article_id: str, lang: str) -> None:
    etag = (await _translation(client, admin, article_id, lang))["etag"]
    r = await client.delete(
        f"/v1/admin/articles/{article_id}/translations/{lang}",
        headers={**admin.headers, "If-Match": etag},
    )
    assert r.status_code == 204, r.text


async def test_the_slug_of_a_draft_or_embargoed_version_is_an_ordinary_404(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(
        client,
        admin,
        original="ru",
        translations={"ru": text("Киев"), "en": text("Secret merger"), "ua": text("Таємне")},
    )
    art = article["id"]
    await publish(client, admin, art, "ru")
    ru_path = f"/v1/ru/articles/{article['translations']['ru']['slug']}"
    # The English version is a draft: its slug is not a way to the Russian one.
    draft = await client.get("/v1/ru/articles/secret-merger")
    assert draft.status_code == 404, draft.headers.get("location")
    # Embargoed (scheduled for tomorrow): the same.
    await publish(client, admin, art, "ua", at=datetime.now(UTC) + timedelta(days=1))
    embargoed = await client.get("/v1/ru/articles/taiemne")
    assert embargoed.status_code == 404, embargoed.headers.get("location")
    # Public: now it redirects.
    await publish(client, admin, art, "en")
    r = await client.get("/v1/ru/articles/secret-merger")
    assert r.status_code == 301 and r.headers["location"] == ru_path
    # Nothing told the draft's 404 from that of a slug no version has: once the English
    # and Ukrainian versions are gone, the same URLs answer byte for byte the same.
    await _delete(client, admin, art, "en")
    await _delete(client, admin, art, "ua")
    assert _answer(await client.get("/v1/ru/articles/secret-merger")) == _answer(draft)
    assert _answer(await client.get("/v1/ru/articles/taiemne")) == _answer(embargoed)


async def test_a_former_slug_redirects_only_while_its_version_is_public(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(
        client, admin, original="ru", translations={"en": text("Working title"), "ru": text("Киев")}
    )
    art = article["id"]
    await publish(client, admin, art, "ru")
    ru_path = f"/v1/ru/articles/{article['translations']['ru']['slug']}"
    # A draft renamed: its former slug leads nowhere, in any language.
    await _put(client, admin, art, "en", {**text("Final title"), "slug": "final-title"})
    former = await client.get("/v1/ru/articles/working-title")
    assert former.status_code == 404, former.headers.get("location")
    assert (await client.get("/v1/en/articles/working-title")).status_code == 404
    # Published: the draft's former slug was never public, so it stays unknown (a redirect
    # would reveal the draft's old title).
    await publish(client, admin, art, "en")
    assert _answer(await client.get("/v1/ru/articles/working-title")) == _answer(former)
    assert (await client.get("/v1/en/articles/working-title")).status_code == 404
    # Renamed while public: that former slug redirects, here and in English.
    await _put(client, admin, art, "en", {**text("Final title, updated"), "slug": "final"})
    r = await client.get("/v1/ru/articles/final-title")
    assert r.status_code == 301 and r.headers["location"] == ru_path
    r = await client.get("/v1/en/articles/final-title")
    assert r.status_code == 301 and r.headers["location"] == "/v1/en/articles/final"
    # Taken down again: the former slug stops leading to the Russian version.
    await _transition(client, admin, art, "en", "unpublish")
    again = await client.get("/v1/ru/articles/final-title")
    assert again.status_code == 404, again.headers.get("location")
    status, headers, body = _answer(again)
    assert (status, headers, body.replace(b"final-title", b"working-title")) == _answer(former)


async def test_the_hot_lane_gives_the_same_answers(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    # The lane answers public pages itself; everything else (these 404s and 301s) is the
    # route's. A cached public page of the target changes nothing.
    article = await create_article(
        client,
        admin,
        original="ru",
        translations={"ru": text("Москва"), "en": text("Hidden draft")},
    )
    art = article["id"]
    await publish(client, admin, art, "ru")
    ru_path = f"/v1/ru/articles/{article['translations']['ru']['slug']}"
    assert (await client.get(ru_path)).status_code == 200
    assert (await client.get(ru_path)).status_code == 200  # now from the response cache
    for _ in range(2):
        r = await client.get("/v1/ru/articles/hidden-draft")
        assert r.status_code == 404, r.headers.get("location")
        assert "location" not in r.headers
