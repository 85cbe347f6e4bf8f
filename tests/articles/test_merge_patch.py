"""PATCH of a translation as a JSON Merge Patch (RFC 7396), and the whole-body PUT
(issue 15, item 2)."""

import httpx
import pytest

from tests.articles.test_permissions import _person
from tests.builders import create_article, problem, publish, text
from tests.conftest import Credential

MERGE_PATCH = "application/merge-patch+json"
ORIGINAL = {
    **text("Метро відкрили", "Усі лінії працюють.", "<p>Потяги ходять.</p>"),
    "seo_title": "Київське метро відкрили",
    "seo_description": "Усі три лінії знову працюють.",
}


async def _translation(client: httpx.AsyncClient, admin: Credential) -> tuple[str, httpx.Response]:
    article = await create_article(client, admin, translations={"ua": ORIGINAL})
    base = f"/v1/admin/articles/{article['id']}/translations/ua"
    return base, await client.get(base, headers=admin.headers)


def _patch_headers(who: Credential, etag: str | None) -> dict[str, str]:
    headers = {**who.headers, "Content-Type": MERGE_PATCH}
    return headers if etag is None else {**headers, "If-Match": etag}


async def test_a_merge_patch_changes_only_what_it_names(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    base, current = await _translation(client, admin)
    patched = await client.patch(
        base,
        content='{"lead": "Червона лінія скорочена.", "seo_title": null}',
        headers=_patch_headers(admin, current.headers["etag"]),
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["lead"] == "Червона лінія скорочена."
    assert body["seo_title"] is None  # null removes an optional field
    assert body["title"] == ORIGINAL["title"]
    assert body["body_html"] == ORIGINAL["body_html"]
    assert body["seo_description"] == ORIGINAL["seo_description"]
    assert body["slug"] == current.json()["slug"]
    assert body["version"] == current.json()["version"] + 1
    assert patched.headers["etag"] != current.headers["etag"]

    # A new slug, and a title whose slug stays (`slug: null` is a PUT without a slug).
    renamed = await client.patch(
        base,
        json={"title": "Метро працює", "slug": "metro-pratsiuie"},
        headers=_patch_headers(admin, patched.headers["etag"]),
    )
    assert renamed.json()["slug"] == "metro-pratsiuie"
    kept = await client.patch(
        base, json={"slug": None}, headers=_patch_headers(admin, renamed.headers["etag"])
    )
    assert kept.status_code == 200, kept.text
    assert kept.json()["slug"] == "metro-pratsiuie"
    revisions = (await client.get(f"{base[: base.index('/translations')]}/revisions",
                                  headers=admin.headers)).json()["items"]  # fmt: skip
    assert revisions[-3]["changed_fields"] == ["lead", "seo_title"]


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        ('{"title": null}', "title"),
        ('{"lead": null}', "lead"),
        ('{"body_html": null}', "body_html"),
        ('{"subtitle": "x"}', "subtitle"),
        ('{"title": ""}', "title"),
        ('{"title": 5}', "title"),
        ('["title"]', None),
        ("{not json", None),
    ],
)
async def test_a_bad_patch_is_422_and_changes_nothing(
    client: httpx.AsyncClient, admin: Credential, patch: str, where: str | None
) -> None:
    base, current = await _translation(client, admin)
    refused = problem(
        await client.patch(
            base, content=patch, headers=_patch_headers(admin, current.headers["etag"])
        ),
        422,
    )
    if where is not None:
        assert ["body", where] in [e["loc"] for e in refused["errors"]]
    after = await client.get(base, headers=admin.headers)
    assert after.headers["etag"] == current.headers["etag"]
    assert after.json() == current.json()


async def test_a_patch_needs_the_media_type_and_if_match(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    base, current = await _translation(client, admin)
    etag = current.headers["etag"]
    for content_type in ("application/json", "text/plain", None):
        headers = {**admin.headers, "If-Match": etag}
        if content_type is not None:
            headers["Content-Type"] = content_type
        refused = problem(await client.patch(base, content='{"lead": "x"}', headers=headers), 415)
        assert MERGE_PATCH in refused["detail"]
    problem(await client.patch(base, json={"lead": "x"}, headers=_patch_headers(admin, None)), 428)
    stale = etag.replace("-v1", "-v0")
    problem(await client.patch(base, json={"lead": "x"}, headers=_patch_headers(admin, stale)), 412)
    # Credentials and the translation come before the type is looked at.
    problem(
        await client.patch(base, content='{"lead": "x"}', headers={"Content-Type": "text/plain"}),
        401,
    )
    missing = base.replace("/ua", "/en")
    as_text = {**admin.headers, "Content-Type": "text/plain", "If-Match": etag}
    problem(await client.patch(missing, content='{"lead": "x"}', headers=as_text), 404)
    after = await client.get(base, headers=admin.headers)
    assert after.json()["lead"] == ORIGINAL["lead"]
    assert after.headers["etag"] == etag


async def test_patch_follows_the_roles_and_the_live_rule(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    tanya = await _person(client, admin, "tanya@newsroom.example", "translator", ["en"])
    article = await create_article(
        client, admin, translations={"ua": ORIGINAL, "en": text("Metro reopens")}
    )
    base = f"/v1/admin/articles/{article['id']}/translations"
    ua = await client.get(f"{base}/ua", headers=admin.headers)
    problem(
        await client.patch(
            f"{base}/ua", json={"lead": "x"}, headers=_patch_headers(tanya, ua.headers["etag"])
        ),
        403,
    )
    en = await client.get(f"{base}/en", headers=tanya.headers)
    draft_fix = await client.patch(
        f"{base}/en",
        json={"lead": "Draft lead."},
        headers=_patch_headers(tanya, en.headers["etag"]),
    )
    assert draft_fix.status_code == 200, draft_fix.text  # a draft: changed at once
    await publish(client, admin, article["id"], "en")
    en = await client.get(f"{base}/en", headers=tanya.headers)
    staged = await client.patch(
        f"{base}/en", json={"lead": "Live lead?"}, headers=_patch_headers(tanya, en.headers["etag"])
    )
    assert staged.status_code == 202, staged.text
    assert staged.json()["lead"] == "Live lead?"
    assert staged.json()["changed_fields"] == ["lead"]
    public = await client.get(en.json()["path"])
    assert public.json()["lead"] == "Draft lead."


@pytest.mark.parametrize("left_out", ["title", "lead", "body_html"])
async def test_a_put_missing_a_required_field_is_422(
    client: httpx.AsyncClient, admin: Credential, left_out: str
) -> None:
    base, current = await _translation(client, admin)
    body = {k: v for k, v in ORIGINAL.items() if k != left_out}
    refused = problem(
        await client.put(
            base, json=body, headers={**admin.headers, "If-Match": current.headers["etag"]}
        ),
        422,
    )
    assert ["body", left_out] in [e["loc"] for e in refused["errors"]]
    after = await client.get(base, headers=admin.headers)
    assert after.json()[left_out] == current.json()[left_out]
    assert after.headers["etag"] == current.headers["etag"]
