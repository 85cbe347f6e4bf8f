"""No lost updates: racing writers with one ETag — exactly one wins, on both databases."""

import anyio
import httpx

from tests.builders import create_article, text
from tests.conftest import Credential

WRITERS = 8


async def test_eight_racing_writers_exactly_one_wins(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin)
    path = f"/v1/admin/articles/{article['id']}/translations/en"
    etag = (await client.put(path, json=text("Start"), headers=admin.headers)).headers["etag"]
    statuses: list[int] = []

    async def write(i: int) -> None:
        r = await client.put(
            path, json=text(f"Writer {i}"), headers={**admin.headers, "If-Match": etag}
        )
        statuses.append(r.status_code)

    async with anyio.create_task_group() as tg:
        for i in range(WRITERS):
            tg.start_soon(write, i)
    assert sorted(statuses) == [200] + [412] * (WRITERS - 1)
    final = (await client.get(path, headers=admin.headers)).json()
    assert final["version"] == 2
    assert final["title"].startswith("Writer ")
    revisions = (
        await client.get(f"/v1/admin/articles/{article['id']}/revisions", headers=admin.headers)
    ).json()["items"]
    assert [r["action"] for r in revisions].count("replace_translation") == 1


async def test_racing_metadata_updates_exactly_one_wins(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin)
    path = f"/v1/admin/articles/{article['id']}"
    etag = (await client.get(path, headers=admin.headers)).headers["etag"]
    statuses: list[int] = []

    async def write(i: int) -> None:
        r = await client.patch(
            path,
            json={"sources": [{"name": f"Source {i}"}]},
            headers={**admin.headers, "If-Match": etag},
        )
        statuses.append(r.status_code)

    async with anyio.create_task_group() as tg:
        for i in range(WRITERS):
            tg.start_soon(write, i)
    assert sorted(statuses) == [200] + [412] * (WRITERS - 1)
    assert (await client.get(path, headers=admin.headers)).json()["version"] == 2
