"""Public term pages (issue 18, item 1): a tag's, a category's and an author's page gives
its site URLs and its language versions, a slug from another language answers 301, and
the lists are cursor-paged with a site URL per item.

On a site at `https://news.example/` (trailing slash: joined without a double one) whose
tag pattern uses the BCP 47 tag, so the patterns are seen to be read per kind.
"""

import base64
import json
import uuid
from typing import Any

import httpx
import pytest

from app.config import Settings
from tests.builders import create_article, create_term, problem, publish, text
from tests.conftest import Credential

SITE = "https://news.example"
KINDS = ["tags", "categories", "authors"]
# Where the site shows each kind's page: `{bcp47}` for tags, `{lang}` for the others.
PAGE = {
    "tags": "/{bcp47}/topics/{slug}",
    "categories": "/{lang}/categories/{slug}",
    "authors": "/{lang}/people/{slug}",
}
BCP47 = {"ua": "uk", "en": "en", "ru": "ru"}
LABEL = {"tags": "tag", "categories": "category", "authors": "author"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "site_url": SITE + "/",
            "tag_url_pattern": PAGE["tags"],
            "category_url_pattern": PAGE["categories"],
            "author_url_pattern": PAGE["authors"],
        }
    )


def site(kind: str, lang: str, slug: str) -> str:
    return SITE + PAGE[kind].format(lang=lang, bcp47=BCP47[lang], slug=slug)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# One term ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_a_term_page_gives_its_urls_and_every_language_it_is_named_in(
    client: httpx.AsyncClient, admin: Credential, kind: str
) -> None:
    term = await create_term(client, admin, kind, ua="Київ", en="Kyiv", ru="Киев")
    slugs = {lang: t["slug"] for lang, t in term["translations"].items()}
    assert slugs == {"ua": "kyiv", "en": "kyiv", "ru": "kiev"}
    r = await client.get(f"/v1/en/{kind}/kyiv")
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["id"] == term["id"] and page["name"] == "Kyiv"
    assert page["url"] == page["canonical_url"] == site(kind, "en", "kyiv")
    # x-default: the site's default language (ua, the first by position).
    assert page["x_default_url"] == site(kind, "ua", "kyiv")
    assert page["alternates"] == [
        {
            "language": lang,
            "bcp47": BCP47[lang],
            "slug": slugs[lang],
            "path": f"/v1/{lang}/{kind}/{slugs[lang]}",
            "url": site(kind, lang, slugs[lang]),
            "current": lang == "en",
        }
        for lang in ("ua", "en", "ru")
    ]
    assert r.headers["link"] == ", ".join(
        [
            f'<{site(kind, "en", "kyiv")}>; rel="canonical"',
            f'<{site(kind, "ua", "kyiv")}>; rel="alternate"; hreflang="uk"',
            f'<{site(kind, "en", "kyiv")}>; rel="alternate"; hreflang="en"',
            f'<{site(kind, "ru", "kiev")}>; rel="alternate"; hreflang="ru"',
            f'<{site(kind, "ua", "kyiv")}>; rel="alternate"; hreflang="x-default"',
        ]
    )
    assert r.headers["content-language"] == "en"
    assert r.headers["cache-control"].startswith("public")
    assert f"{LABEL[kind]}-{term['id']}" in r.headers["surrogate-key"].split(" ")
    assert (
        await client.get(r.url, headers={"If-None-Match": r.headers["etag"]})
    ).status_code == 304


@pytest.mark.parametrize("kind", KINDS)
async def test_x_default_is_the_page_itself_without_a_name_in_the_default_language(
    client: httpx.AsyncClient, admin: Credential, kind: str
) -> None:
    await create_term(client, admin, kind, en="Sanctions", ru="Санкции")
    for lang, slug in (("en", "sanctions"), ("ru", "sanktsii")):
        page = (await client.get(f"/v1/{lang}/{kind}/{slug}")).json()
        assert page["x_default_url"] == page["url"] == site(kind, lang, slug)
        assert [(a["language"], a["current"]) for a in page["alternates"]] == [
            ("en", lang == "en"),
            ("ru", lang == "ru"),
        ]
    only = await create_term(client, admin, kind, en="Only English")
    r = await client.get(f"/v1/en/{kind}/only-english")
    assert [a["language"] for a in r.json()["alternates"]] == ["en"]
    assert r.headers["link"] == ", ".join(
        [
            f'<{site(kind, "en", "only-english")}>; rel="canonical"',
            f'<{site(kind, "en", "only-english")}>; rel="alternate"; hreflang="en"',
            f'<{site(kind, "en", "only-english")}>; rel="alternate"; hreflang="x-default"',
        ]
    )
    assert only["id"] == r.json()["id"]


async def test_an_author_page_keeps_its_bio_and_counts_only_public_articles(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    r = await client.post(
        "/v1/admin/authors",
        json={"translations": {"ua": {"name": "Олена Коваленко", "bio": "Пише про Київ."}}},
        headers=admin.headers,
    )
    author = r.json()
    public = await create_article(
        client, admin, translations={"ua": text("Видно")}, author_ids=[author["id"]]
    )
    await publish(client, admin, public["id"], "ua")
    # A draft with the same byline: counted nowhere, its title nowhere.
    await create_article(
        client, admin, translations={"ua": text("Таємна чернетка")}, author_ids=[author["id"]]
    )
    r = await client.get("/v1/ua/authors/olena-kovalenko")
    page = r.json()
    assert page["bio"] == "Пише про Київ." and page["article_count"] == 1
    assert "chernetka" not in r.text and "Таємна" not in r.text


# Another language's slug ---------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_a_slug_from_another_language_moves_to_this_languages_page(
    client: httpx.AsyncClient, admin: Credential, kind: str
) -> None:
    await create_term(client, admin, kind, ua="Транспорт громадський", en="Public transport")
    r = await client.get(f"/v1/en/{kind}/transport-hromadskyi")
    assert r.status_code == 301
    assert r.headers["location"] == f"/v1/en/{kind}/public-transport"
    assert r.headers["cache-control"].startswith("public")
    assert r.headers["surrogate-key"] == kind
    assert (await client.get(r.headers["location"])).status_code == 200
    # No name in Russian: the term is not shown in Russian, by any of its slugs.
    for slug in ("transport-hromadskyi", "public-transport"):
        problem(await client.get(f"/v1/ru/{kind}/{slug}"), 404)
    problem(await client.get(f"/v1/en/{kind}/never-was"), 404)


async def test_a_slug_of_two_terms_moves_by_the_language_order(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    # `nato` is one tag's Ukrainian slug and another's Russian slug: Ukrainian comes first.
    first = await create_term(client, admin, "tags", ua="НАТО", en="North Atlantic")
    await create_term(client, admin, "tags", ru="Нато", en="Other")
    assert first["translations"]["ua"]["slug"] == "nato"
    r = await client.get("/v1/en/tags/nato")
    assert r.status_code == 301
    assert r.headers["location"] == "/v1/en/tags/north-atlantic"


async def test_a_renamed_slug_reaches_the_cached_pages_of_the_other_languages(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    tag = await create_term(client, admin, "tags", ua="Енергетика", en="Energy")
    first = (await client.get("/v1/ua/tags/enerhetyka")).json()
    assert first["alternates"][1]["slug"] == "energy"
    r = await client.patch(
        f"/v1/admin/tags/{tag['id']}",
        json={"translations": {"en": {"name": "Energy", "slug": "energy-sector"}}},
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    again = (await client.get("/v1/ua/tags/enerhetyka")).json()
    assert again["alternates"][1]["slug"] == "energy-sector"
    assert again["alternates"][1]["url"] == site("tags", "en", "energy-sector")
    # The old English slug is no term's: terms keep no former slugs.
    problem(await client.get("/v1/en/tags/energy"), 404)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "slug",
    ["київ", "%00", "a%00b", "a" * 500, "Kyiv", "kyiv--metro", "%E2%80%AE", "..%2F..%2Fetc", "-"],
)
async def test_hostile_slugs_answer_a_problem(
    client: httpx.AsyncClient, kind: str, slug: str
) -> None:
    r = await client.get(f"/v1/ua/{kind}/{slug}")
    assert r.status_code in (404, 422), r.text
    problem(r, r.status_code)


# Lists ---------------------------------------------------------------------------------


async def _walk(client: httpx.AsyncClient, path: str, limit: int) -> list[dict[str, Any]]:
    """Every item of a list, page by page through `next_cursor`, checking the Link."""
    items: list[dict[str, Any]] = []
    r = await client.get(path, params={"limit": limit})
    while True:
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        if body["next_cursor"] is None:
            assert "link" not in r.headers
            return items
        assert len(body["items"]) == limit
        link = r.headers["link"]
        assert link.startswith(f"<{path}?") and link.endswith('>; rel="next"')
        r = await client.get(link[1 : link.index(">")])
        assert (
            r.json()["items"]
            == (
                await client.get(path, params={"limit": limit, "cursor": body["next_cursor"]})
            ).json()["items"]
        )


@pytest.mark.parametrize("kind", KINDS)
async def test_lists_are_cursor_paged_by_name_and_each_item_has_its_url(
    client: httpx.AsyncClient, admin: Credential, kind: str
) -> None:
    # Two terms of the same name: their order is by id, and no page loses or repeats one.
    for name in ("Delta", "Alpha", "Echo", "Charlie", "Bravo", "Charlie"):
        await create_term(client, admin, kind, en=name)
    await create_term(client, admin, kind, ua="Лише українською")
    whole = (await client.get(f"/v1/en/{kind}", params={"limit": 100})).json()
    assert whole["next_cursor"] is None
    names = [item["name"] for item in whole["items"]]
    assert names == ["Alpha", "Bravo", "Charlie", "Charlie", "Delta", "Echo"]
    charlies = [item["id"] for item in whole["items"] if item["name"] == "Charlie"]
    assert charlies == sorted(charlies, key=lambda i: uuid.UUID(i).hex)
    for item in whole["items"]:
        assert item["url"] == site(kind, "en", item["slug"])
    for limit in (1, 2, 4):
        assert await _walk(client, f"/v1/en/{kind}", limit) == whole["items"]


async def test_a_page_is_stable_when_terms_are_added_before_it(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    for name in ("Bravo", "Charlie", "Delta", "Echo"):
        await create_term(client, admin, "tags", en=name)
    first = (await client.get("/v1/en/tags", params={"limit": 2})).json()
    assert [t["name"] for t in first["items"]] == ["Bravo", "Charlie"]
    await create_term(client, admin, "tags", en="Alpha")
    await create_term(client, admin, "tags", en="Zulu")
    rest = (
        await client.get("/v1/en/tags", params={"limit": 10, "cursor": first["next_cursor"]})
    ).json()
    assert [t["name"] for t in rest["items"]] == ["Delta", "Echo", "Zulu"]


async def test_a_list_pages_by_fifty_unless_asked(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    for n in range(51):
        await create_term(client, admin, "categories", en=f"Section {n:02d}")
    r = await client.get("/v1/en/categories")
    body = r.json()
    assert len(body["items"]) == 50 and body["next_cursor"] is not None
    assert r.headers["link"].startswith("</v1/en/categories?cursor=")
    last = (await client.get(f"/v1/en/categories?cursor={body['next_cursor']}")).json()
    assert [t["name"] for t in last["items"]] == ["Section 50"]
    assert last["next_cursor"] is None


async def _cursor(client: httpx.AsyncClient, path: str) -> str:
    cursor: str = (await client.get(path, params={"limit": 1})).json()["next_cursor"]
    assert cursor
    return cursor


async def test_a_cursor_the_api_did_not_write_for_this_list_is_a_problem(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    for name in ("Alpha", "Bravo"):
        await create_term(client, admin, "tags", ua=name, en=name)
        await create_term(client, admin, "categories", en=name)
        await create_article(client, admin, original="en", translations={"en": text(name)})
    tags_en = await _cursor(client, "/v1/en/tags")
    good = json.loads(base64.urlsafe_b64decode(tags_en + "=" * (-len(tags_en) % 4)))
    assert (await client.get("/v1/en/tags", params={"cursor": tags_en})).status_code == 200

    def forged(**changes: Any) -> str:
        return b64(json.dumps({**good, **changes}).encode())

    article = b64(json.dumps(["2026-01-01T00:00:00+00:00", uuid.uuid4().hex]).encode())
    bad: list[tuple[str, str]] = [
        ("/v1/en/categories", tags_en),  # another kind's
        ("/v1/ua/tags", tags_en),  # another language's
        ("/v1/en/tags", article),  # an article list's shape
        ("/v1/en/tags", "not base64 at all!"),
        ("/v1/en/tags", b64(b"\xff\xfe")),
        ("/v1/en/tags", b64(b"[]")),
        ("/v1/en/tags", b64(b"null")),
        ("/v1/en/tags", b64(b"[" * 800)),
        ("/v1/en/tags", forged(n="a\x00b")),
        ("/v1/en/tags", b64(json.dumps({**good, "n": "x"}).replace('"x"', '"\\ud800"').encode())),
        ("/v1/en/tags", forged(n="x" * 201)),
        ("/v1/en/tags", forged(n="")),
        ("/v1/en/tags", forged(n=5)),
        ("/v1/en/tags", forged(i="not-a-uuid")),
        ("/v1/en/tags", forged(i=12)),
        ("/v1/en/tags", forged(extra=1)),
        ("/v1/en/tags", "\u043a\u0438\u0457\u0432"),
        ("/v1/en/tags", "\x00"),
        ("/v1/en/tags", "A" * 1201),
        ("/v1/en/tags", ""),
    ]
    for path, cursor in bad:
        body = problem(await client.get(path, params={"cursor": cursor}), 422)
        assert body["errors"][0]["loc"] == ["query", "cursor"], (path, cursor, body)
    # Any name within the limits is a position, even one no term has.
    anywhere = b64(json.dumps({**good, "n": "ÿ" * 200}, ensure_ascii=False).encode())
    assert (await client.get("/v1/en/tags", params={"cursor": anywhere})).json()["items"] == []


async def test_the_longest_names_make_cursors_within_the_limit(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    # 200 characters of 4 bytes each in UTF-8: the longest position a cursor holds.
    longest = ["\U0001f600" * 200, "\U0001f600" * 199 + "\U0001f601", "\U0010fffd" * 200]
    for name in longest:
        await create_term(client, admin, "authors", en=name)
    walked = await _walk(client, "/v1/en/authors", 1)
    assert [a["name"] for a in walked] == longest


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=abc",
        "limit=1e3",
        "limit=1&limit=2",
        "cursor=a&cursor=b",
    ],
)
async def test_bad_list_parameters_are_a_problem(
    client: httpx.AsyncClient, kind: str, query: str
) -> None:
    problem(await client.get(f"/v1/ua/{kind}?{query}"), 422)
