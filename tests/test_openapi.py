"""The committed contract is exactly what the app serves."""

import json
from pathlib import Path

import httpx

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
