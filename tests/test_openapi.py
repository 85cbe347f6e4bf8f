"""The committed contract is exactly what the app serves."""

import json
import re
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from app.kit.openapi_links import add_links
from app.migrate import head_revision
from tests.builders import create_term, problem, text
from tests.conftest import Credential

CONTRACT = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"


async def test_served_contract_matches_the_committed_one(client: httpx.AsyncClient) -> None:
    served = (await client.get("/openapi.json")).json()
    committed = json.loads(CONTRACT.read_text(encoding="utf-8"))
    assert served == committed, "run scripts/openapi and commit openapi/openapi.json"


async def test_operation_ids_are_readable_and_errors_are_problems(
    client: httpx.AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    for expected in ("listArticles", "getArticle", "createArticle", "putTranslation",
                     "publishTranslation", "listLanguages"):  # fmt: skip
        assert expected in ids
    for item in spec["paths"].values():
        for op in item.values():
            for code, response in op["responses"].items():
                if code.startswith(("4", "5")):
                    assert list(response["content"]) == ["application/problem+json"], (op, code)


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, item in spec["paths"].items() for m, op in item.items()]


async def test_every_operation_is_described(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    tags = {t["name"] for t in spec["tags"] if t.get("description")}
    for method, path, op in _operations(spec):
        where = f"{method.upper()} {path}"
        assert op.get("summary") and op.get("description"), where
        assert len(op["tags"]) == 1 and op["tags"][0] in tags, where
        for parameter in op.get("parameters", []):
            assert parameter.get("description"), (where, parameter["name"])
        for code, response in op["responses"].items():
            assert "X-Request-ID" in response["headers"], (where, code)
        if path.startswith("/v1/") and not path.startswith("/v1/auth/"):
            assert "Retry-After" in op["responses"]["429"]["headers"], where
        if "requestBody" in op:
            assert "413" in op["responses"], where


# Creates whose resource has no URL of its own: a language is read in the list of
# languages; an API key is never shown again (only listed, without the key); a correction
# note is read in its translation's `corrections`.
NO_LOCATION = {"createLanguage", "createApiKey", "addCorrection"}


async def test_every_create_says_where_the_new_resource_is(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for _method, _path, op in _operations(spec):
        if "201" in op["responses"] and op["operationId"] not in NO_LOCATION:
            assert "Location" in op["responses"]["201"]["headers"], op["operationId"]


async def test_locations_of_created_resources_can_be_read(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    h = admin.headers
    creates = [
        ("/v1/admin/tags", {"translations": {"ua": {"name": "Метро"}}}),
        ("/v1/admin/categories", {"translations": {"en": {"name": "City"}}}),
        ("/v1/admin/authors", {"translations": {"en": {"name": "Jane Doe"}}}),
        (
            "/v1/admin/media",
            {"url": "https://images.example.com/a.jpg", "width": 10, "height": 10, "credit": "AP"},
        ),
        (
            "/v1/admin/users",
            {
                "email": "ed@newsroom.example",
                "display_name": "Ed",
                "role": "editor",
                "password": "correct horse battery",
            },
        ),
        ("/v1/admin/articles", {"original_language": "ua", "translations": {"ua": text("Метро")}}),
    ]
    for url, body in creates:
        created = await client.post(url, json=body, headers=h)
        assert created.status_code == 201, created.text
        read = await client.get(created.headers["location"], headers=h)
        assert read.status_code == 200, (url, read.text)
        assert read.json()["id"] == created.json()["id"]
    article = created.json()["id"]
    en = await client.put(
        f"/v1/admin/articles/{article}/translations/en", json=text("Metro"), headers=h
    )
    assert en.status_code == 201
    assert (await client.get(en.headers["location"], headers=h)).json()["language"] == "en"
    link = await client.post(f"/v1/admin/articles/{article}/translations/en/preview", headers=h)
    assert link.status_code == 201
    draft = await client.get(link.headers["location"])
    assert draft.status_code == 200 and draft.json()["title"] == "Metro"


async def test_a_database_that_is_behind_is_not_ready(client: httpx.AsyncClient, app: Any) -> None:
    assert (await client.get("/readyz")).json() == {"status": "ok"}
    async with app.state.db.engine.begin() as conn:
        await conn.execute(sa.text("UPDATE alembic_version SET version_num = 'old'"))
    try:
        body = problem(await client.get("/readyz"), 503)
        assert "Migrations pending" in body["detail"]
    finally:
        async with app.state.db.engine.begin() as conn:
            await conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"),
                               {"v": head_revision()})  # fmt: skip


async def test_header_examples_can_be_sent(client: httpx.AsyncClient) -> None:
    # An If-Match example with "…" could not be sent at all: header values are latin-1.
    spec = (await client.get("/openapi.json")).json()
    for item in spec["paths"].values():
        for op in item.values():
            for parameter in op.get("parameters", []):
                if parameter["in"] == "header":
                    for example in parameter["schema"].get("examples", []):
                        example.encode("latin-1")


async def test_text_patterns_refuse_what_the_api_refuses(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    # Control characters and blank names were refused (422) while the contract allowed them.
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    line = re.compile(schemas["AuthorTranslationIn"]["properties"]["name"]["pattern"])
    text = re.compile(schemas["AuthorTranslationIn"]["properties"]["bio"]["pattern"])
    cases = [
        ("Olena", "Covers\tsecurity.\nAnd defence.", 201),
        ("  Olena ", "", 201),
        ("   ", "", 422),
        ("\u3000", "", 422),
        ("Ole\x13na", "", 422),
        ("Ole\x85na", "", 422),
        ("Olena", "Bio\x0b", 422),
    ]
    for name, bio, status in cases:
        assert bool(line.search(name) and text.search(bio)) is (status == 201), (name, bio)
        r = await client.post(
            "/v1/admin/authors",
            json={"translations": {"en": {"name": name, "bio": bio}}},
            headers=admin.headers,
        )
        assert r.status_code == status, r.text


async def test_language_maps_and_id_lists_say_what_they_refuse(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    translations = schemas["TermUpdate"]["properties"]["translations"]
    assert translations["propertyNames"] == {"pattern": "^[a-z][a-z0-9-]{1,7}$"}
    assert translations["additionalProperties"]["anyOf"][0]["$ref"].endswith("TermTranslationIn")
    assert schemas["ArticleCreate"]["properties"]["author_ids"]["uniqueItems"] is True
    h = admin.headers
    body = {"translations": {"Not a language": {"name": "NATO"}}}
    problem(await client.post("/v1/admin/tags", json=body, headers=h), 422)
    author = await create_term(client, admin, "authors", en="Olena")
    article = {
        "original_language": "en",
        "author_ids": [author["id"], author["id"]],
        "translations": {"en": {"title": "Twice", "lead": "", "body_html": ""}},
    }
    problem(await client.post("/v1/admin/articles", json=article, headers=h), 422)


async def test_links_name_real_operations_and_parameters(client: httpx.AsyncClient) -> None:
    spec = add_links((await client.get("/openapi.json")).json())
    operations = {op["operationId"]: op for item in spec["paths"].values() for op in item.values()}
    linked = 0
    for op in operations.values():
        for response in op["responses"].values():
            for link in response.get("links", {}).values():
                target = operations[link["operationId"]]
                names = {p["name"] for p in target.get("parameters", [])}
                assert set(link.get("parameters", {})) <= names, link
                assert "parameters" in link or "requestBody" in target, link
                linked += 1
    assert linked >= 40
