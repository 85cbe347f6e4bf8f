"""Answers a client relies on (issue 13, item 9): the `outdated` filter, transition bodies,
whole-translation PUTs, strict JSON types and repeated query parameters."""

import httpx
import pytest

from tests.builders import (
    create_article,
    create_media,
    problem,
    published_article,
    put_translation,
    text,
)
from tests.conftest import Credential


async def _ids(client: httpx.AsyncClient, admin: Credential, query: str) -> set[str]:
    response = await client.get(f"/v1/admin/articles?{query}", headers=admin.headers)
    assert response.status_code == 200, response.text
    return {a["id"] for a in response.json()["items"]}


async def test_the_outdated_filter_lists_exactly_the_outdated_articles(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    # stale: its English was made before the Ukrainian text changed.
    stale = (await create_article(client, admin, translations={"ua": text("Стара")}))["id"]
    await put_translation(client, admin, stale, "en", text("Old"))
    await put_translation(client, admin, stale, "ua", text("Стара", body="<p>Нове.</p>"))
    # fresh: translated after its last change; english: an English original, fresh Russian.
    fresh = (await create_article(client, admin, translations={"ua": text("Свіжа")}))["id"]
    await put_translation(client, admin, fresh, "en", text("Fresh"))
    english = (await create_article(client, admin, original="en", translations={"en": text("E")}))[
        "id"
    ]
    await put_translation(client, admin, english, "ru", text("Р"))
    # alone: no translation at all, so neither outdated nor up to date.
    await create_article(client, admin, translations={"ua": text("Одна")})

    assert await _ids(client, admin, "outdated=true") == {stale}
    assert await _ids(client, admin, "outdated=false") == {fresh, english}
    assert await _ids(client, admin, "outdated=true&language=en") == {stale}
    assert await _ids(client, admin, "outdated=false&language=en") == {fresh}
    assert await _ids(client, admin, "outdated=false&language=ru") == {english}
    assert await _ids(client, admin, "outdated=true&language=ru") == set()


@pytest.mark.parametrize("action", ["unpublish", "archive", "submit"])
async def test_transitions_refuse_unknown_fields(
    client: httpx.AsyncClient, admin: Credential, action: str
) -> None:
    article = await published_article(client, admin, "Жива", lang="ua")
    base = f"/v1/admin/articles/{article['id']}/translations/ua"
    before = (await client.get(base, headers=admin.headers)).json()
    body = problem(
        await client.post(
            f"{base}/{action}", json={"unpublish_at": "2030-01-01T00:00:00Z"}, headers=admin.headers
        ),
        422,
    )
    assert body["errors"][0]["loc"] == ["body", "unpublish_at"]
    after = (await client.get(base, headers=admin.headers)).json()
    assert (after["status"], after["version"]) == (before["status"], before["version"])
    assert (await client.get(f"/v1/ua/articles/{before['slug']}")).status_code == 200
    # An empty body, or none, is still the plain transition.
    done = await client.post(f"{base}/{action}", json={}, headers=admin.headers)
    assert done.status_code == (409 if action == "submit" else 200), done.text


@pytest.mark.parametrize("missing", ["title", "lead", "body_html"])
async def test_a_put_must_carry_the_whole_translation(
    client: httpx.AsyncClient, admin: Credential, missing: str
) -> None:
    article = await create_article(
        client, admin, translations={"ua": text("Ціла", "Лід", "<p>Тіло</p>")}
    )
    path = f"/v1/admin/articles/{article['id']}/translations/ua"
    current = await client.get(path, headers=admin.headers)
    partial = {k: v for k, v in text("Нова", "Новий лід", "<p>Нове</p>").items() if k != missing}
    body = problem(
        await client.put(
            path, json=partial, headers={**admin.headers, "If-Match": current.headers["etag"]}
        ),
        422,
    )
    assert ["body", missing] in [e["loc"] for e in body["errors"]]
    again = await client.get(path, headers=admin.headers)
    assert again.json() == current.json()
    # Creating a translation, or an article, needs all three as well; "" is a value.
    problem(
        await client.put(
            f"/v1/admin/articles/{article['id']}/translations/en",
            json=partial,
            headers=admin.headers,
        ),
        422,
    )
    empty = await client.put(
        f"/v1/admin/articles/{article['id']}/translations/en",
        json={"title": "Title only", "lead": "", "body_html": ""},
        headers=admin.headers,
    )
    assert empty.status_code == 201, empty.text


@pytest.mark.parametrize("value", [0, 1, "true", "false", "0", None])
async def test_booleans_are_json_booleans(
    client: httpx.AsyncClient, admin: Credential, value: object
) -> None:
    created = await client.post(
        "/v1/admin/users",
        json={"email": "olena@newsroom.example", "display_name": "Olena", "role": "editor",
              "password": "correct horse battery staple"},
        headers=admin.headers,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    user = created.json()
    changed = await client.patch(
        f"/v1/admin/users/{user['id']}", json={"active": value}, headers=admin.headers
    )
    if value is None:  # null: "no change"
        assert changed.status_code == 200, changed.text
    else:
        assert problem(changed, 422)["errors"][0]["loc"] == ["body", "active"]
    after = await client.get(f"/v1/admin/users/{user['id']}", headers=admin.headers)
    assert after.json()["active"] is True


@pytest.mark.parametrize(
    "fields", [{"width": "1600"}, {"width": 1600.5}, {"height": True}, {"width": "1e3"}]
)
async def test_numbers_are_json_integers(
    client: httpx.AsyncClient, admin: Credential, fields: dict[str, object]
) -> None:
    media = await create_media(client, admin)
    changed = await client.patch(
        f"/v1/admin/media/{media['id']}", json=fields, headers=admin.headers
    )
    problem(changed, 422)
    after = await client.get(f"/v1/admin/media/{media['id']}", headers=admin.headers)
    assert (after.json()["width"], after.json()["height"]) == (1600, 900)
    article = await create_article(client, admin)
    preview = await client.post(
        f"/v1/admin/articles/{article['id']}/translations/ua/preview",
        json={"ttl_minutes": "60"},
        headers=admin.headers,
    )
    assert problem(preview, 422)["errors"][0]["loc"] == ["body", "ttl_minutes"]


@pytest.mark.parametrize(
    "query",
    [
        "tag=a&tag=b",
        "limit=5&limit=50",
        "cursor=x&cursor=y",
        "q=one&q=two",
        "category=a&category=a",
    ],
)
async def test_a_single_valued_parameter_given_twice_is_refused(
    client: httpx.AsyncClient, admin: Credential, query: str
) -> None:
    await published_article(client, admin, "Одна", lang="ua")
    name = query.split("=")[0]
    for path in ("/v1/ua/articles", "/v1/ua/feed.rss", "/v1/admin/articles"):
        if path != "/v1/ua/articles" and name not in ("limit", "q", "cursor", "tag", "category"):
            continue
        response = await client.get(f"{path}?{query}", headers=admin.headers)
        if response.status_code == 422 and any(
            e["type"] == "extra_forbidden" for e in response.json()["errors"]
        ):
            continue  # not a parameter of this path at all
        body = problem(response, 422)
        assert {"loc": ["query", name], "msg": "Given more than once",
                "type": "repeated_parameter"} in body["errors"]  # fmt: skip
    # The other order is refused alike (so no cache can answer one with the other).
    swapped = "&".join(reversed(query.split("&")))
    problem(await client.get(f"/v1/ua/articles?{swapped}"), 422)
