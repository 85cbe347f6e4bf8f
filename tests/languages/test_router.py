"""Languages are data: added, changed and removed at run time, with no code change."""

import httpx

from tests.builders import create_article, problem, publish, text
from tests.conftest import Credential

POLISH = {"code": "pl", "bcp47": "pl", "name": "Polish", "native_name": "Polski",
          "fallbacks": ["en"]}  # fmt: skip


async def test_seeded_languages(client: httpx.AsyncClient) -> None:
    items = (await client.get("/v1/languages")).json()["items"]
    assert [(i["code"], i["bcp47"]) for i in items] == [("ua", "uk"), ("en", "en"), ("ru", "ru")]
    assert items[0]["native_name"] == "Українська"
    assert items[2]["fallbacks"] == ["ua", "en"]


async def test_a_new_language_works_at_once(client: httpx.AsyncClient, admin: Credential) -> None:
    r = await client.post("/v1/admin/languages", json=POLISH, headers=admin.headers)
    assert r.status_code == 201, r.text
    assert r.json()["text_search"] == "polish"  # from the BCP 47 tag
    assert [i["code"] for i in (await client.get("/v1/languages")).json()["items"]][-1] == "pl"
    assert (await client.get("/v1/pl/articles")).json()["items"] == []
    article = await create_article(client, admin, original="en", translations={"en": text("Hi")})
    r = await client.put(
        f"/v1/admin/articles/{article['id']}/translations/pl",
        json=text("Żółta łódź w Gdańsku"),
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["slug"] == "zolta-lodz-w-gdansku"
    await publish(client, admin, article["id"], "pl")
    page = await client.get("/v1/pl/articles")
    assert page.headers["content-language"] == "pl"
    assert [a["slug"] for a in page.json()["items"]] == ["zolta-lodz-w-gdansku"]
    # Searchable at once, stemmed by the Polish Snowball stemmer (łodzi → łódź).
    found = await client.get("/v1/pl/articles", params={"q": "Gdańsk żółtej"})
    assert [a["slug"] for a in found.json()["items"]] == ["zolta-lodz-w-gdansku"]
    # The language has content now: it cannot be deleted.
    problem(await client.delete("/v1/admin/languages/pl", headers=admin.headers), 409)


async def test_language_validation_and_conflicts(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    h = admin.headers
    problem(await client.post("/v1/admin/languages", json={**POLISH, "code": "ua"}, headers=h), 409)
    problem(
        await client.post("/v1/admin/languages", json={**POLISH, "bcp47": "uk"}, headers=h), 409
    )
    for bad in ({"code": "admin"}, {"code": "PL"}, {"fallbacks": ["xx"]}, {"fallbacks": ["pl"]},
                {"bcp47": "not a tag"}, {"name": ""}, {"extra": 1}):  # fmt: skip
        problem(await client.post("/v1/admin/languages", json={**POLISH, **bad}, headers=h), 422)
    assert len((await client.get("/v1/languages")).json()["items"]) == 3


async def test_update_and_delete(client: httpx.AsyncClient, admin: Credential) -> None:
    h = admin.headers
    await client.post("/v1/admin/languages", json=POLISH, headers=h)
    r = await client.patch("/v1/admin/languages/pl", json={"fallbacks": ["ua", "en"]}, headers=h)
    assert r.status_code == 200
    assert r.json()["fallbacks"] == ["ua", "en"]
    await client.patch("/v1/admin/languages/en", json={"fallbacks": ["pl"]}, headers=h)
    assert (await client.delete("/v1/admin/languages/pl", headers=h)).status_code == 204
    problem(await client.get("/v1/pl/articles"), 404)
    en = next(i for i in (await client.get("/v1/languages")).json()["items"] if i["code"] == "en")
    assert en["fallbacks"] == []  # no dangling fallback
    problem(await client.patch("/v1/admin/languages/pl", json={}, headers=h), 404)
    await create_article(client, admin)  # a Ukrainian draft is content too
    problem(await client.delete("/v1/admin/languages/ua", headers=h), 409)


async def test_negotiation_picks_the_best_public_version(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(
        client,
        admin,
        original="ua",
        translations={"ua": text("Оригінал"), "en": text("English"), "ru": text("Русский")},
    )
    art = article["id"]
    await publish(client, admin, art, "ua")
    await publish(client, admin, art, "en")  # ru stays a draft

    async def where(accept: str | None) -> str:
        headers = {"Accept-Language": accept} if accept is not None else {}
        r = await client.get(f"/v1/articles/{art}", headers=headers)
        assert r.status_code == 307, r.text
        assert "Accept-Language" in r.headers["vary"]
        return r.headers["location"]

    assert await where("en-GB,en;q=0.9") == "/v1/en/articles/english"
    assert await where("uk-UA") == "/v1/ua/articles/oryhinal"
    assert await where("de;q=1, en;q=0.5, uk;q=0.8") == "/v1/ua/articles/oryhinal"
    # Russian is a draft: its fallback list (ua, en) decides.
    assert await where("ru-RU") == "/v1/ua/articles/oryhinal"
    assert await where("fr") == "/v1/ua/articles/oryhinal"  # the original
    assert await where(None) == "/v1/ua/articles/oryhinal"
    assert await where("en;q=0, *") == "/v1/ua/articles/oryhinal"
    assert await where("garbage;;q=x,,") == "/v1/ua/articles/oryhinal"
    problem(await client.get("/v1/articles/6f1c6d0e-0000-4000-8000-000000000000"), 404)
    draft_only = await create_article(client, admin)
    problem(await client.get(f"/v1/articles/{draft_only['id']}"), 404)


async def test_names_fit_the_languages_table(client: httpx.AsyncClient, admin: Credential) -> None:
    # Names up to 200 characters passed validation into a 64-character column: a 500 on
    # PostgreSQL, silently stored on SQLite.
    h = admin.headers
    problem(
        await client.post("/v1/admin/languages", json={**POLISH, "name": "P" * 65}, headers=h), 422
    )
    r = await client.post("/v1/admin/languages", json={**POLISH, "name": "P" * 64}, headers=h)
    assert r.status_code == 201, r.text
    problem(
        await client.patch("/v1/admin/languages/pl", json={"native_name": "P" * 65}, headers=h),
        422,
    )
    got = {lang["code"]: lang for lang in (await client.get("/v1/languages")).json()["items"]}
    assert got["pl"]["name"] == "P" * 64 and got["pl"]["native_name"] == "Polski"


async def test_fallbacks_are_language_codes(client: httpx.AsyncClient, admin: Credential) -> None:
    # Found by schemathesis: a fallback with a NUL reached a query (500 on PostgreSQL).
    h = admin.headers
    base = {"code": "pl", "bcp47": "pl", "name": "Polish", "native_name": "Polski"}
    for fallbacks in (["e\x00n"], ["EN"], [""], ["en", "en"]):
        body = {**base, "fallbacks": fallbacks}
        problem(await client.post("/v1/admin/languages", json=body, headers=h), 422)
    problem(await client.patch("/v1/admin/languages/ua", json={"fallbacks": ["\x00"]},
                               headers=h), 422)  # fmt: skip
    assert [lang["code"] for lang in (await client.get("/v1/languages")).json()["items"]] == [
        "ua", "en", "ru",
    ]  # fmt: skip
    created = await client.post("/v1/admin/languages", json={**base, "fallbacks": ["en"]},
                                headers=h)  # fmt: skip
    assert created.status_code == 201 and created.json()["fallbacks"] == ["en"]
