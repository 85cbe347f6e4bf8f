"""Migration 5d2c7e4a1f93 starts the change log with what is public: a feed read from no
cursor after an upgrade lists every public version once (`article.published`) and no
draft, and a version scheduled before the upgrade keeps its time to go public."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app import migrate
from app.config import Settings
from app.models import PublicState
from tests.builders import create_article, publish, text
from tests.conftest import make_key, running_app
from tests.databases import fresh_database

__all__ = ["fresh_database"]  # the fixture, imported for pytest
BEFORE = "3b8e1f6a9c20"


async def _content(settings: Settings, later: datetime) -> dict[str, str]:
    async with running_app(settings) as (app, client):
        admin = await make_key(app)
        both = await create_article(
            client, admin, translations={"ua": text("Стаття"), "en": text("Story")}
        )
        await publish(client, admin, both["id"], "ua")
        await publish(client, admin, both["id"], "en")
        draft = await create_article(client, admin, original="en", translations={"en": text("D")})
        scheduled = await create_article(
            client, admin, original="en", translations={"en": text("S")}
        )
        await publish(client, admin, scheduled["id"], "en", at=later)
        return {"both": both["id"], "draft": draft["id"], "scheduled": scheduled["id"]}


async def _after(settings: Settings) -> tuple[list[dict[str, Any]], list[PublicState]]:
    async with running_app(settings) as (app, client):
        items = (await client.get("/v1/changes")).json()["items"]
        async with app.state.db.reader() as session:
            states = list(await session.scalars(select(PublicState)))
        return items, states


def test_the_upgrade_seeds_the_log_with_what_is_public(fresh_database: str, tmp_path: Path) -> None:
    url = fresh_database
    migrate.move(url)
    settings = Settings(
        database_url=url, media_dir=tmp_path / "media", worker_in_process=False,
        secret_key_file=tmp_path / "secret",
    )  # fmt: skip
    later = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    ids = asyncio.run(_content(settings, later))
    migrate.move(url, BEFORE)
    migrate.move(url)
    items, states = asyncio.run(_after(settings))
    assert sorted((i["event"], i["article_id"], i["language"]) for i in items) == sorted(
        [("article.published", ids["both"], "ua"), ("article.published", ids["both"], "en")]
    )
    assert {(str(s.article_id), s.language, s.public, s.next_at) for s in states} == {
        (ids["both"], "ua", True, None),
        (ids["both"], "en", True, None),
        (ids["scheduled"], "en", False, later),
    }
