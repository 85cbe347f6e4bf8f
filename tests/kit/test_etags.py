"""If-Match compares entity tags strongly (RFC 9110 §13.1.1): a weak tag never matches."""

import httpx

from tests.builders import create_article, problem
from tests.conftest import Credential


async def test_a_weak_tag_in_if_match_never_matches(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin)
    path = f"/v1/admin/articles/{article['id']}"
    etag = (await client.get(path, headers=admin.headers)).headers["etag"]
    assert etag.startswith('"')
    for if_match in (f"W/{etag}", f'"other", W/{etag}'):
        r = await client.patch(
            path, json={"sources": []}, headers={**admin.headers, "If-Match": if_match}
        )
        body = problem(r, 412)
        assert "weak" in body["detail"] and r.headers["etag"] == etag
    assert (await client.get(path, headers=admin.headers)).headers["etag"] == etag  # unchanged
    for strong in ("{etag}", '"other", {etag}', "*"):
        if_match = strong.format(etag=etag)
        r = await client.patch(
            path, json={"sources": []}, headers={**admin.headers, "If-Match": if_match}
        )
        assert r.status_code == 200, r.text
        etag = r.headers["etag"]
