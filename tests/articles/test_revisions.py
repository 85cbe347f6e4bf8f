"""Revisions: every change is numbered (who, when, what); any one can be restored."""

import httpx

from tests.builders import create_article, create_term, problem, publish, text
from tests.conftest import Credential


async def test_every_change_is_a_numbered_revision(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin, translations={"ua": text("Перша версія")})
    art = article["id"]
    base = f"/v1/admin/articles/{art}"
    etag = (await client.get(f"{base}/translations/ua", headers=admin.headers)).headers["etag"]
    await client.put(
        f"{base}/translations/ua",
        json=text("Друга версія"),
        headers={**admin.headers, "If-Match": etag},
    )
    await publish(client, admin, art, "ua")
    items = (await client.get(f"{base}/revisions", headers=admin.headers)).json()["items"]
    assert [(r["number"], r["action"], r["language"]) for r in items] == [
        (1, "create", None),
        (2, "create_translation", "ua"),
        (3, "replace_translation", "ua"),
        (4, "publish", "ua"),
    ]
    assert items[2]["changed_fields"] == ["title"]
    assert items[3]["changed_fields"] == ["publish_at", "status"]
    assert all(r["actor"] == "api_key:test-admin" for r in items)
    one = (await client.get(f"{base}/revisions/2", headers=admin.headers)).json()
    assert one["snapshot"]["title"] == "Перша версія"
    problem(await client.get(f"{base}/revisions/99", headers=admin.headers), 404)
    problem(await client.get(f"{base}/revisions/0", headers=admin.headers), 422)


async def test_restore_makes_a_new_revision(client: httpx.AsyncClient, admin: Credential) -> None:
    tag = await create_term(client, admin, "tags", ua="НАТО")
    article = await create_article(
        client, admin, translations={"ua": text("Перша версія", body="<p>Один</p>")}
    )
    art = article["id"]
    base = f"/v1/admin/articles/{art}"
    etag = (await client.get(f"{base}/translations/ua", headers=admin.headers)).headers["etag"]
    await client.put(
        f"{base}/translations/ua",
        json=text("Друга версія", body="<p>Два</p>"),
        headers={**admin.headers, "If-Match": etag},
    )
    r = await client.post(f"{base}/revisions/2/restore", headers=admin.headers)
    assert r.status_code == 200, r.text
    ua = r.json()["translations"]["ua"]
    assert ua["title"] == "Перша версія"
    assert ua["body_html"] == "<p>Один</p>"
    items = (await client.get(f"{base}/revisions", headers=admin.headers)).json()["items"]
    assert items[-1]["number"] == 4
    assert items[-1]["action"] == "replace_translation"

    # Metadata too: tags set, then restored to the revision without them.
    etag = (await client.get(base, headers=admin.headers)).headers["etag"]
    await client.patch(
        base, json={"tag_ids": [tag["id"]]}, headers={**admin.headers, "If-Match": etag}
    )
    r = await client.post(f"{base}/revisions/1/restore", headers=admin.headers)
    assert r.json()["tag_ids"] == []
    # A stale If-Match refuses the restore and changes nothing.
    problem(
        await client.post(
            f"{base}/revisions/3/restore", headers={**admin.headers, "If-Match": '"stale"'}
        ),
        412,
    )
    assert (await client.get(f"{base}/translations/ua", headers=admin.headers)).json()[
        "title"
    ] == "Перша версія"


async def test_a_long_credential_name_still_records_who(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    # A key's name may be 200 characters; "api_key:" + name used to overflow the revision's
    # 200-character actor column (a 500 on PostgreSQL).
    created = await client.post(
        "/v1/admin/api-keys", json={"name": "k" * 200, "role": "editor"}, headers=admin.headers
    )
    assert created.status_code == 201, created.text
    editor = Credential(created.json()["key"])
    article = await create_article(client, editor, translations={"ua": text("Довге ім'я")})
    items = (
        await client.get(f"/v1/admin/articles/{article['id']}/revisions", headers=editor.headers)
    ).json()["items"]
    assert items and all(r["actor"] == ("api_key:" + "k" * 200)[:200] for r in items)
