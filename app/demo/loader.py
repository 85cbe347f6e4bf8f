"""Loads the demo newsroom (`demo.json`) through the same services the API uses.

Its cover pictures (`images/`, drawn by `app.demo.make_images`) are uploaded through the
path of `POST /v1/admin/media` (`app.media.upload.store`) into the storage the settings
name, so the demo site's covers load, with their renditions, on local disk or S3.

Most of the demo is dated relative to the load (`hours_ago`), so the site looks fresh.
The contract's example story (`app.kit.examples`: "Київ відновлює рух метро", the day
before's article, their author, terms and cover) is loaded as the examples show it: with
their fixed `id`s and slugs, absolute publication times, the correction of the Ukrainian
text and the Russian draft left outdated by it, so every example request of the contract
answers against `scripts/serve` (`tests/test_demo_examples.py`).
"""

import contextlib
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

import anyio
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.articles import corrections, pending
from app.articles import service as articles
from app.articles.schemas import ArticleCreate, CorrectionIn, TranslationIn
from app.config import Settings
from app.media import links, upload
from app.media.schemas import MediaTranslationIn, parse_focal_point
from app.media.storage import Storage
from app.models import Article, Author, Category, Correction, Media, Tag
from app.taxonomy import service as taxonomy

ACTOR = "cli:demo-data"


@contextlib.contextmanager
def fixed_id(session: AsyncSession, model: type[Any], ident: str | None) -> Iterator[None]:
    """The one `model` row the block creates is inserted with `ident` instead of the random
    id its service chose: the services pick ids themselves (as they must for the API),
    and the ids of the contract's examples are fixed. The row's children (translations,
    links) follow it, as their keys are set from the relationship at the INSERT."""
    if ident is None:
        yield
        return
    wanted, given = uuid.UUID(ident), list[object]()

    def assign(sync_session: Session, _context: Any, _instances: Any) -> None:
        for obj in sync_session.new:
            if type(obj) is model and not given:
                obj.id = wanted
                given.append(obj)

    event.listen(session.sync_session, "before_flush", assign)
    try:
        yield
    finally:
        event.remove(session.sync_session, "before_flush", assign)
    if not given:
        raise RuntimeError(f"no {model.__name__} was created for the fixed id {ident}")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


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
        with (
            images.joinpath(item["image"]).open("rb") as source,
            fixed_id(session, Media, item.get("id")),
        ):
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
    for kind, key, model in ((taxonomy.AUTHORS, "authors", Author),
                             (taxonomy.CATEGORIES, "categories", Category),
                             (taxonomy.TAGS, "tags", Tag)):  # fmt: skip
        for item in data[key]:
            with fixed_id(session, model, item.get("id")):
                entity = await taxonomy.create(session, kind, item["translations"])
                await session.flush()
            ids[f"{key}:{item['key']}"] = entity.id
    for item in data["articles"]:  # an article after those it names as related
        await _article(session, item, ids, now)
    return len(data["articles"])


def _text(t: dict[str, Any]) -> TranslationIn:
    fields = ("title", "lead", "body_html", "slug", "seo_title", "seo_description")
    return TranslationIn.model_validate({k: t[k] for k in fields if k in t})


async def _publish(
    session: AsyncSession, article: Article, lang: str, t: dict[str, Any], now: datetime
) -> None:
    """Publish as the data says: at a fixed time, or hours before or after the load."""
    if t["status"] == "published" and "published_at" in t:
        at = _at(t["published_at"])
    elif t["status"] == "published":
        at = now - timedelta(hours=t["hours_ago"])
    elif t["status"] == "scheduled":
        at = now + timedelta(hours=t["hours_from_now"])
    else:
        return
    translation = articles.require_translation(article, lang)
    await articles.publish(session, translation, at=at, now=now, actor=ACTOR)


async def _article(
    session: AsyncSession, item: dict[str, Any], ids: dict[str, uuid.UUID], now: datetime
) -> None:
    with fixed_id(session, Article, item.get("id")):
        article, _ = await articles.create(
            session,
            ArticleCreate(
                original_language=item["original_language"],
                author_ids=[ids[f"authors:{k}"] for k in item["authors"]],
                category_id=ids[f"categories:{item['category']}"],
                tag_ids=[ids[f"tags:{k}"] for k in item["tags"]],
                cover_media_id=ids[f"media:{item['cover']}"] if item.get("cover") else None,
                sources=item.get("sources", []),
                related_ids=[ids[f"articles:{k}"] for k in item.get("related", [])],
                translations={lang: _text(t) for lang, t in item["translations"].items()},
            ),
            actor=ACTOR,
        )
    if "key" in item:
        ids[f"articles:{item['key']}"] = article.id
    for lang, t in item["translations"].items():
        await _publish(session, article, lang, t, now)
    # A public text corrected later: its new body, then the note readers see (at its time).
    for note in item.get("corrections", []):
        lang = note["language"]
        t = {**item["translations"][lang], "body_html": note["body_html"]}
        await articles.put_translation(session, article, lang, _text(t), actor=ACTOR)
        with fixed_id(session, Correction, note.get("id")):
            await corrections.append(
                session,
                article,
                articles.require_translation(article, lang),
                CorrectionIn(kind=note["kind"], text=note["text"]),
                actor=ACTOR,
                now=_at(note["at"]),
            )
    # Translations made after the corrections (so not outdated by them).
    for lang, t in item.get("later_translations", {}).items():
        await articles.put_translation(session, article, lang, _text(t), actor=ACTOR)
        await _publish(session, article, lang, t, now)
    # Changes to a live version saved for its next publication (what readers do not see).
    for lang, changes in item.get("pending", {}).items():
        translation = articles.require_translation(article, lang)
        live = item.get("later_translations", {}).get(lang) or item["translations"][lang]
        await pending.stage(session, article, translation, _text({**live, **changes}), actor=ACTOR)
