"""Article bodies through the management API (issue 18, item 4): heading ids, the outline
and the embeds on the admin translation, and on every write that sanitizes a body, the
warnings saying what was removed; plain-text fields stored as written."""

from typing import Any

import httpx
from fastapi import FastAPI

from app.auth.service import Role
from tests.builders import create_article, problem, publish, text
from tests.conftest import Credential, make_key

MERGE_PATCH = "application/merge-patch+json"
HOSTILE = (
    '<h2 id="top">Що відомо</h2><p onclick="steal()">Текст <a href="javascript:alert(1)">'
    'тут</a></p><script>alert(1)</script><iframe src="https://evil.example/p"></iframe>'
    "<p>https://youtu.be/dQw4w9WgXcQ</p><h3>Що далі</h3>"
)
STORED = (
    '<h2 id="shcho-vidomo">Що відомо</h2><p>Текст <a rel="noopener noreferrer">тут</a></p>'
    '<figure data-embed="youtube" data-embed-id="dQw4w9WgXcQ"><a href="https://www.youtube'
    '.com/watch?v=dQw4w9WgXcQ" rel="noopener noreferrer">https://www.youtube.com/watch?v='
    'dQw4w9WgXcQ</a></figure><h3 id="shcho-dali">Що далі</h3>'
)
OUTLINE = [
    {"level": 2, "text": "Що відомо", "id": "shcho-vidomo"},
    {"level": 3, "text": "Що далі", "id": "shcho-dali"},
]
EMBEDS = [
    {
        "provider": "youtube",
        "id": "dQw4w9WgXcQ",
        "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    }
]
# (code, tag, attribute, url) of each warning HOSTILE gets.
REMOVED = [
    ("removed_attribute", "p", "onclick", None),
    ("removed_url", "a", "href", None),
    ("removed_tag", "script", None, None),
    ("removed_embed", None, None, "https://evil.example/p"),
    ("replaced_heading_id", "h2", "id", None),
]


def _said(warnings: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    for warning in warnings:
        assert warning["count"] >= 1 and warning["message"]
    return [(w["code"], w["tag"], w["attribute"], w["url"]) for w in warnings]


async def test_a_body_is_stored_with_heading_ids_outline_and_embeds(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(
        client, admin, translations={"ua": text("Метро", body=HOSTILE), "en": text("Metro")}
    )
    created = article["translations"]["ua"]
    assert created["body_html"] == STORED
    assert _said(created["warnings"]) == REMOVED
    assert article["translations"]["en"]["warnings"] == []  # a clean body: nothing said

    path = f"/v1/admin/articles/{article['id']}/translations/ua"
    read = (await client.get(path, headers=admin.headers)).json()
    assert read["body_html"] == STORED
    assert read["outline"] == OUTLINE and read["embeds"] == EMBEDS
    assert read["warnings"] == []  # not stored: a read says nothing
    whole = (await client.get(f"/v1/admin/articles/{article['id']}", headers=admin.headers)).json()
    assert whole["translations"]["ua"]["outline"] == OUTLINE
    # Title, lead and the two paragraphs: the embed's link is not counted as words.
    assert read["word_count"] == 1 + 2 + 2 + 2 + 2


async def test_every_write_that_sanitizes_a_body_says_what_it_removed(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await create_article(client, admin, translations={"ua": text("Метро")})
    path = f"/v1/admin/articles/{article['id']}/translations/ua"
    etag = (await client.get(path, headers=admin.headers)).headers["etag"]

    put = await client.put(
        path, json=text("Метро", body=HOSTILE), headers={**admin.headers, "If-Match": etag}
    )
    assert put.status_code == 200, put.text
    assert _said(put.json()["warnings"]) == REMOVED
    # Sending the stored body back: the same body, and nothing to say.
    again = await client.put(
        path, json=text("Метро", body=STORED), headers={**admin.headers, "If-Match": "*"}
    )
    assert again.json()["body_html"] == STORED and again.json()["warnings"] == []

    patched = await client.patch(
        path,
        json={"body_html": '<p style="color:red">Червоний</p>'},
        headers={**admin.headers, "Content-Type": MERGE_PATCH, "If-Match": "*"},
    )
    assert patched.status_code == 200, patched.text
    assert _said(patched.json()["warnings"]) == [("removed_attribute", "p", "style", None)]
    assert patched.json()["outline"] == [] and patched.json()["embeds"] == []
    # A patch of the lead re-sanitizes the stored body: nothing to say.
    lead = await client.patch(
        path,
        json={"lead": "Новий лід."},
        headers={**admin.headers, "Content-Type": MERGE_PATCH, "If-Match": "*"},
    )
    assert lead.json()["warnings"] == []

    # Restoring the revision the PUT made: its (sanitized) body comes back, said clean.
    revisions = (
        await client.get(f"/v1/admin/articles/{article['id']}/revisions", headers=admin.headers)
    ).json()["items"]
    number = next(r["number"] for r in revisions if r["action"] == "replace_translation")
    restored = await client.post(
        f"/v1/admin/articles/{article['id']}/revisions/{number}/restore", headers=admin.headers
    )
    assert restored.status_code == 200, restored.text
    ua = restored.json()["translations"]["ua"]
    assert ua["body_html"] == STORED and ua["outline"] == OUTLINE and ua["warnings"] == []


async def test_staged_and_pending_copies_say_what_was_removed(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    author = await make_key(app, Role.author)
    article = await create_article(client, author, translations={"ua": text("Метро")})
    await publish(client, admin, article["id"], "ua")
    path = f"/v1/admin/articles/{article['id']}/translations/ua"
    etag = (await client.get(path, headers=author.headers)).headers["etag"]

    staged = await client.put(
        path, json=text("Метро", body=HOSTILE), headers={**author.headers, "If-Match": etag}
    )
    assert staged.status_code == 202, staged.text
    assert staged.json()["body_html"] == STORED
    assert _said(staged.json()["warnings"]) == REMOVED
    pending = await client.get(f"{path}/pending", headers=author.headers)
    assert pending.json()["body_html"] == STORED and pending.json()["warnings"] == []

    saved = await client.put(
        f"{path}/pending",
        json=text("Метро", body="<p>Так<script>x</script></p>"),
        headers={**author.headers, "If-Match": pending.headers["etag"]},
    )
    assert saved.status_code == 200, saved.text
    assert _said(saved.json()["warnings"]) == [("removed_tag", "script", None, None)]

    published = await client.post(
        f"{path}/pending/publish", headers={**admin.headers, "If-Match": saved.headers["etag"]}
    )
    assert published.status_code == 200, published.text
    assert published.json()["body_html"] == "<p>Так</p>" and published.json()["warnings"] == []


async def test_an_idempotent_retry_replays_the_warnings(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    payload = {"original_language": "ua", "translations": {"ua": text("Метро", body=HOSTILE)}}
    headers = {**admin.headers, "Idempotency-Key": "body-1"}
    first = await client.post("/v1/admin/articles", json=payload, headers=headers)
    again = await client.post("/v1/admin/articles", json=payload, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert _said(again.json()["translations"]["ua"]["warnings"]) == REMOVED


async def test_titles_and_leads_are_plain_text_stored_as_written(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    title, lead = "AT&T <b>не</b> &amp; «Київстар»", "Лід із <script>alert(1)</script> текстом."
    article = await create_article(
        client,
        admin,
        translations={"ua": {**text(title, lead), "seo_title": "<i>SEO</i> & co"}},
    )
    ua = article["translations"]["ua"]
    assert (ua["title"], ua["lead"], ua["seo_title"]) == (title, lead, "<i>SEO</i> & co")
    assert ua["warnings"] == []  # only the body is sanitized
    for field, value in (("title", "Нуль\x00"), ("lead", "Дзвін\x07"), ("seo_title", "a\x1bb")):
        refused = await client.post(
            "/v1/admin/articles",
            json={"original_language": "ua", "translations": {"ua": {**text("T"), field: value}}},
            headers=admin.headers,
        )
        assert problem(refused, 422)["errors"][0]["loc"][-1] == field


async def test_a_body_of_more_than_20000_tags_is_refused_before_any_work(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    # 60,000 nested elements cost the HTML parser seconds: refused at the door, 422.
    hostile = {"title": "Вкладені", "lead": "", "body_html": "<div>" * 60_000}
    body = problem(
        await client.post(
            "/v1/admin/articles",
            json={"original_language": "ua", "translations": {"ua": hostile}},
            headers=admin.headers,
        ),
        422,
    )
    assert body["errors"][0]["loc"][-1] == "body_html"
    assert "20,000 tags" in body["errors"][0]["msg"]
    listed = await client.get("/v1/admin/articles", headers=admin.headers)
    assert listed.json()["items"] == []  # nothing stored
    # At the limit, it is taken.
    article = await create_article(
        client, admin, translations={"ua": text("Межа", body="<p>x</p>" * 10_000)}
    )
    assert article["id"]
