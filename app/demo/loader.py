"""Loads the demo newsroom (`demo.json`) through the same services the API uses."""

import json
import uuid
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.articles import service as articles
from app.articles.schemas import ArticleCreate, TranslationIn
from app.media import service as media
from app.media.schemas import MediaCreate
from app.models import Article
from app.taxonomy import service as taxonomy

ACTOR = "cli:demo-data"


def demo_content() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("app.demo").joinpath("demo.json").read_text(encoding="utf-8")
    )
    return data


async def load(session: AsyncSession, *, now: datetime) -> int:
    """Load the demo articles unless the database already has articles; returns the count."""
    if await session.scalar(select(func.count()).select_from(Article)):
        return 0
    data = demo_content()
    ids: dict[str, uuid.UUID] = {}
    for kind, key in ((taxonomy.AUTHORS, "authors"), (taxonomy.CATEGORIES, "categories"),
                      (taxonomy.TAGS, "tags")):  # fmt: skip
        for item in data[key]:
            entity = await taxonomy.create(session, kind, item["translations"])
            ids[f"{key}:{item['key']}"] = entity.id
    for item in data["media"]:
        record = await media.create(
            session, MediaCreate.model_validate({k: v for k, v in item.items() if k != "key"})
        )
        ids[f"media:{item['key']}"] = record.id
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
    article = await articles.create(
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
