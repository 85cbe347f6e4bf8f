"""Loads the demo newsroom (`demo.json`) through the same services the API uses.

Its cover pictures (`images/`, drawn by `app.demo.make_images`) are uploaded through the
path of `POST /v1/admin/media` (`app.media.upload.store`) into the storage the settings
name, so the demo site's covers load, with their renditions, on local disk or S3.
"""

import json
import uuid
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

import anyio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.articles import service as articles
from app.articles.schemas import ArticleCreate, TranslationIn
from app.config import Settings
from app.media import links, upload
from app.media.schemas import MediaTranslationIn, parse_focal_point
from app.media.storage import Storage
from app.models import Article
from app.taxonomy import service as taxonomy

ACTOR = "cli:demo-data"


def demo_content() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("app.demo").joinpath("demo.json").read_text(encoding="utf-8")
    )
    return data


async def load(
    session: AsyncSession, *, now: datetime, storage: Storage, settings: Settings
) -> int:
    """Load the demo articles unless the database already has articles; returns the count.

    The pictures' files are written to `storage` before the transaction commits: the
    caller removes them if it rolls back (`app.media.cleanup.settle`)."""
    if await session.scalar(select(func.count()).select_from(Article)):
        return 0
    links.use(storage)  # outside a request: where readers fetch the files
    limit = anyio.CapacityLimiter(upload.RENDERING)
    data = demo_content()
    ids: dict[str, uuid.UUID] = {}
    # The pictures first: the slowest step, and the one that meets the storage, so a
    # storage that cannot be written fails the load before anything else is done.
    images = resources.files("app.demo").joinpath("images")
    for item in data["media"]:
        with images.joinpath(item["image"]).open("rb") as source:
            record = await upload.store(
                session,
                storage,
                source,
                incoming=settings.media_dir / ".incoming",
                max_bytes=settings.media_max_bytes,
                limit=limit,
                credit=item["credit"],
                translations={
                    lang: MediaTranslationIn.model_validate(texts)
                    for lang, texts in item["translations"].items()
                },
                focal=parse_focal_point(item["focal_point"]),
            )
        ids[f"media:{item['key']}"] = record.id
    for kind, key in ((taxonomy.AUTHORS, "authors"), (taxonomy.CATEGORIES, "categories"),
                      (taxonomy.TAGS, "tags")):  # fmt: skip
        for item in data[key]:
            entity = await taxonomy.create(session, kind, item["translations"])
            ids[f"{key}:{item['key']}"] = entity.id
    for item in data["articles"]:
        await _article(session, item, ids, now)
    return len(data["articles"])


async def _article(
    session: AsyncSession, item: dict[str, Any], ids: dict[str, uuid.UUID], now: datetime
) -> None:
    texts = {
        lang: TranslationIn(title=t["title"], lead=t["lead"], body_html=t["body_html"])
        for lang, t in item["translations"].items()
    }
    article, _ = await articles.create(
        session,
        ArticleCreate(
            original_language=item["original_language"],
            author_ids=[ids[f"authors:{k}"] for k in item["authors"]],
            category_id=ids[f"categories:{item['category']}"],
            tag_ids=[ids[f"tags:{k}"] for k in item["tags"]],
            cover_media_id=ids[f"media:{item['cover']}"] if item.get("cover") else None,
            sources=item.get("sources", []),
            translations=texts,
        ),
        actor=ACTOR,
    )
    for lang, t in item["translations"].items():
        translation = articles.require_translation(article, lang)
        if t["status"] == "published":
            at = now - timedelta(hours=t["hours_ago"])
            await articles.publish(session, translation, at=at, now=now, actor=ACTOR)
        elif t["status"] == "scheduled":
            at = now + timedelta(hours=t["hours_from_now"])
            await articles.publish(session, translation, at=at, now=now, actor=ACTOR)
