"""The committed contract is exactly what the app serves."""

import json
import re
from pathlib import Path

import httpx

from app.kit.openapi_links import add_links
from tests.builders import create_term, problem
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
    assert schemas["TermUpdate"]["properties"]["translations"]["additionalProperties"] is False
    assert schemas["ArticleCreate"]["properties"]["author_ids"]["uniqueItems"] is True
    h = admin.headers
    body = {"translations": {"Not a language": {"name": "NATO"}}}
    problem(await client.post("/v1/admin/tags", json=body, headers=h), 422)
    author = await create_term(client, admin, "authors", en="Olena")
    article = {
        "original_language": "en",
        "author_ids": [author["id"], author["id"]],
        "translations": {"en": {"title": "Twice"}},
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
