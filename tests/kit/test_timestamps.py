"""Every timestamp a request carries is bounded: years 0002-9998 as written (422 outside).

`published_after=9999-12-31T23:59:59-23:59` is the year 10000 in UTC, and
`0001-01-01T00:00:00+23:59` the year 0: converting them for the database raised
OverflowError, a 500 on both databases (issue 13, item 4). The bound keeps every moment's
UTC value within the years 1-9999 whatever its offset; the contract states it.
"""

from datetime import UTC, datetime

import httpx
import pytest

from app.kit.schema import TIMESTAMP_PATTERN
from tests.builders import create_article, problem, publish, text
from tests.conftest import Credential

OUT_OF_RANGE = [
    "9999-12-31T23:59:59-23:59",  # the year 10000 in UTC
    "0001-01-01T00:00:00+23:59",  # the year 0 in UTC
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "9999-01-01T00:00:00+01:00",
]
# The extremes of the bound, with the widest offsets: accepted, and nothing overflows.
EDGES = ["0002-01-01T00:00:00+23:59", "9998-12-31T23:59:59.999999-23:59"]


@pytest.mark.parametrize("name", ["published_after", "published_before"])
@pytest.mark.parametrize("value", OUT_OF_RANGE)
async def test_list_dates_out_of_range_are_422(
    client: httpx.AsyncClient, admin: Credential, name: str, value: str
) -> None:
    article = await create_article(client, admin)
    await publish(client, admin, article["id"], "ua")
    for params in ({name: value}, {name: value, "q": "стаття"}):
        body = problem(await client.get("/v1/ua/articles", params=params), 422)
        assert body["errors"][0]["loc"] == ["query", name]
        assert "0002" in body["errors"][0]["msg"]


@pytest.mark.parametrize("value", EDGES)
async def test_list_dates_at_the_edges_answer(
    client: httpx.AsyncClient, admin: Credential, value: str
) -> None:
    article = await create_article(client, admin)
    await publish(client, admin, article["id"], "ua")
    after = (await client.get("/v1/ua/articles", params={"published_after": value})).json()
    before = (await client.get("/v1/ua/articles", params={"published_before": value})).json()
    # One of the two holds the article: the year 2 is before it, the year 9998 after.
    assert len(after["items"]) + len(before["items"]) == 1


@pytest.mark.parametrize("value", OUT_OF_RANGE)
async def test_admin_timestamps_out_of_range_are_422(
    client: httpx.AsyncClient, admin: Credential, value: str
) -> None:
    article = await create_article(client, admin, translations={"ua": text("Стаття")})
    r = await client.post(
        f"/v1/admin/articles/{article['id']}/translations/ua/publish",
        json={"publish_at": value},
        headers=admin.headers,
    )
    assert problem(r, 422)["errors"][0]["loc"] == ["body", "publish_at"]
    got = await client.get(f"/v1/admin/articles/{article['id']}", headers=admin.headers)
    assert got.json()["translations"]["ua"]["status"] == "draft"
    r = await client.post(
        "/v1/admin/api-keys",
        json={"name": "wire", "role": "author", "expires_at": value},
        headers=admin.headers,
    )
    assert problem(r, 422)["errors"][0]["loc"] == ["body", "expires_at"]
    keys = (await client.get("/v1/admin/api-keys", headers=admin.headers)).json()["items"]
    assert [key["name"] for key in keys] == ["test-admin"]


@pytest.mark.parametrize("value", EDGES)
async def test_admin_timestamps_at_the_edges_are_kept(
    client: httpx.AsyncClient, admin: Credential, value: str
) -> None:
    article = await create_article(client, admin, translations={"ua": text("Стаття")})
    r = await client.post(
        f"/v1/admin/articles/{article['id']}/translations/ua/publish",
        json={"publish_at": value},
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    got = await client.get(f"/v1/admin/articles/{article['id']}", headers=admin.headers)
    stored = datetime.fromisoformat(got.json()["translations"]["ua"]["publish_at"])
    assert stored == datetime.fromisoformat(value)
    assert stored.astimezone(UTC).year in (1, 9999)  # a day's offset from the edge
    listing = (await client.get("/v1/ua/articles")).json()["items"]
    assert [item["id"] for item in listing] == ([article["id"]] if stored.year < 2026 else [])
    r = await client.post(
        "/v1/admin/api-keys",
        json={"name": "wire", "role": "author", "expires_at": value},
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text


async def test_the_contract_states_the_bound(client: httpx.AsyncClient) -> None:
    contract = (await client.get("/openapi.json")).json()
    parameters = contract["paths"]["/v1/{lang}/articles"]["get"]["parameters"]
    after = next(p for p in parameters if p["name"] == "published_after")["schema"]
    assert {"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN} in after["anyOf"]
    publish_at = contract["components"]["schemas"]["PublishIn"]["properties"]["publish_at"]
    assert any(s.get("pattern") == TIMESTAMP_PATTERN for s in publish_at["anyOf"])
