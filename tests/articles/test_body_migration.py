"""Migration 8e3b5d1c7a24 re-sanitizes every body it finds: headings get their ids, and
`outline` and `embeds` are filled, for live versions and their pending copies; the
downgrade drops the two columns and keeps every body."""

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from app import migrate
from app.config import Settings
from app.db import create_engine
from tests.builders import create_article, publish
from tests.builders import text as content
from tests.conftest import make_key, running_app
from tests.databases import fresh_database

__all__ = ["fresh_database"]  # the fixture, imported for pytest
BEFORE = "5d2c7e4a1f93"
# A body as the earlier sanitizer stored it: no ids, a YouTube URL alone in a paragraph.
OLD_BODY = "<h2>Що відомо</h2><p>Текст.</p><p>https://youtu.be/dQw4w9WgXcQ</p><h2>Що відомо</h2>"
NEW_BODY = (
    '<h2 id="shcho-vidomo">Що відомо</h2><p>Текст.</p><figure data-embed="youtube" '
    'data-embed-id="dQw4w9WgXcQ"><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ" '
    'rel="noopener noreferrer">https://www.youtube.com/watch?v=dQw4w9WgXcQ</a></figure>'
    '<h2 id="shcho-vidomo-2">Що відомо</h2>'
)
PENDING_OLD = "<h3>Далі</h3><p>Ще.</p>"


async def _content(settings: Settings) -> tuple[str, str]:
    async with running_app(settings) as (app, client):
        admin = await make_key(app)
        live = await create_article(client, admin, translations={"ua": content("Метро")})
        await publish(client, admin, live["id"], "ua")
        path = f"/v1/admin/articles/{live['id']}/translations/ua"
        etag = (await client.get(path, headers=admin.headers)).headers["etag"]
        staged = await client.put(
            f"{path}/pending",
            json=content("Метро", body="<p>Пізніше.</p>"),
            headers={**admin.headers, "If-Match": etag},
        )
        assert staged.status_code == 200, staged.text
        draft = await create_article(client, admin, translations={"en": content("Metro")},
                                     original="en")  # fmt: skip
        return str(live["id"]), str(draft["id"])


async def _old_bodies(url: str) -> set[str]:
    """Write bodies as the earlier sanitizer left them; the columns it had."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE translations SET body_html = :b"), {"b": OLD_BODY})
            await conn.execute(
                text("UPDATE pending_translations SET body_html = :b"), {"b": PENDING_OLD}
            )
            columns = await conn.run_sync(lambda c: inspect(c).get_columns("translations"))
            return {column["name"] for column in columns}
    finally:
        await engine.dispose()


async def _after(settings: Settings, ids: tuple[str, str]) -> list[dict[str, Any]]:
    async with running_app(settings) as (app, client):
        admin = await make_key(app)
        reads = []
        for ident, lang in zip(ids, ("ua", "en"), strict=True):
            path = f"/v1/admin/articles/{ident}/translations/{lang}"
            reads.append((await client.get(path, headers=admin.headers)).json())
        pending = await client.get(
            f"/v1/admin/articles/{ids[0]}/translations/ua/pending", headers=admin.headers
        )
        reads.append(pending.json())
        return reads


def test_the_upgrade_gives_every_body_its_ids_outline_and_embeds(
    fresh_database: str, tmp_path: Path
) -> None:
    url = fresh_database
    migrate.move(url)
    settings = Settings(
        database_url=url, media_dir=tmp_path / "media", worker_in_process=False,
        secret_key_file=tmp_path / "secret",
    )  # fmt: skip
    ids = asyncio.run(_content(settings))
    assert migrate.move(url, BEFORE) == (migrate.head_revision(), BEFORE)
    columns = asyncio.run(_old_bodies(url))
    assert "body_html" in columns and not {"outline", "embeds"} & columns

    migrate.move(url)
    live, draft, pending = asyncio.run(_after(settings, ids))
    for read in (live, draft):
        assert read["body_html"] == NEW_BODY
        assert read["outline"] == [
            {"level": 2, "text": "Що відомо", "id": "shcho-vidomo"},
            {"level": 2, "text": "Що відомо", "id": "shcho-vidomo-2"},
        ]
        assert read["embeds"] == [
            {
                "provider": "youtube",
                "id": "dQw4w9WgXcQ",
                "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            }
        ]
    assert pending["body_html"] == '<h3 id="dali">Далі</h3><p>Ще.</p>'

    # Down and up again: the bodies stay as they are (sanitizing is idempotent).
    migrate.move(url, BEFORE)
    migrate.move(url)
    assert asyncio.run(_after(settings, ids)) == [live, draft, pending]
