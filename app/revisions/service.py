"""Numbered revisions of an article: every change of its metadata or of a translation.

Numbers come from `articles.last_revision`, bumped by one UPDATE ... RETURNING: the row
lock orders concurrent writers (translators of two languages wait for each other for a
moment) and neither fails, and the article's own `version` is untouched.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Article, Revision, Translation

TEXT_FIELDS = ("title", "lead", "body_html")
TRANSLATION_FIELDS = (
    "slug", "title", "lead", "body_html", "seo_title", "seo_description", "status", "publish_at",
    "expire_at", "expire_status", "social_title", "social_description", "social_image_id",
)  # fmt: skip


def jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """`values` as a snapshot stores them: ids as text (a snapshot is JSON)."""
    return {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in values.items()}


def translation_snapshot(translation: Translation) -> dict[str, Any]:
    """The version's fields and its correction notes (which no restore takes back)."""
    values = jsonable({field: getattr(translation, field) for field in TRANSLATION_FIELDS})
    for field in ("publish_at", "expire_at"):
        values[field] = values[field].isoformat() if values[field] else None
    values["corrections"] = [
        {"kind": c.kind, "text": c.text, "at": c.created_at.isoformat(), "by": c.created_by}
        for c in translation.corrections
    ]
    return values


def article_snapshot(article: Article) -> dict[str, Any]:
    return {
        "original_language": article.original_language,
        "author_ids": [str(a.author_id) for a in article.authors],
        "category_id": str(article.category_id) if article.category_id else None,
        "tag_ids": [str(t.tag_id) for t in article.tags],
        "cover_media_id": str(article.cover_media_id) if article.cover_media_id else None,
        "sources": [{"name": s.name, "url": s.url} for s in article.sources],
        "related_ids": [str(r.related_id) for r in article.related],
    }


def changed(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    if before is None:
        return sorted(after)
    return sorted(k for k in after if before.get(k) != after[k])


async def record(
    session: AsyncSession,
    article_id: uuid.UUID,
    *,
    actor: str,
    action: str,
    snapshot: dict[str, Any],
    changed_fields: Sequence[str],
    language: str | None = None,
    live: bool = True,
) -> Revision:
    """`live=False`: a change readers do not see yet (a pending copy): it does not count as
    a change of the text (freshness, `text_changed`)."""
    number = await session.scalar(
        update(Article)
        .where(Article.id == article_id)
        .values(last_revision=Article.last_revision + 1)
        .returning(Article.last_revision)
        .execution_options(synchronize_session=False)
    )
    assert number is not None
    revision = Revision(
        id=uuid.uuid4(),
        article_id=article_id,
        number=number,
        language=language,
        action=action,
        actor=actor,
        changed_fields=list(changed_fields),
        text_changed=live
        and language is not None
        and any(f in TEXT_FIELDS for f in changed_fields),
        snapshot=snapshot,
    )
    session.add(revision)
    await session.flush()
    return revision


async def latest_text_revision(
    session: AsyncSession, article_id: uuid.UUID, language: str
) -> int | None:
    number: int | None = await session.scalar(
        select(func.max(Revision.number)).where(
            Revision.article_id == article_id,
            Revision.language == language,
            Revision.text_changed.is_(True),
        )
    )
    return number


async def staleness(
    session: AsyncSession, articles: Iterable[Article]
) -> dict[tuple[uuid.UUID, str], list[str]]:
    """For each non-original translation: the original's text fields changed since it was
    made (empty when it is up to date)."""
    articles = list(articles)
    if not articles:
        return {}
    originals = {a.id: a.original_language for a in articles}
    rows = await session.execute(
        select(
            Revision.article_id, Revision.language, Revision.number, Revision.changed_fields
        ).where(Revision.article_id.in_(originals), Revision.text_changed.is_(True))
    )
    text_revisions: dict[uuid.UUID, list[tuple[int, list[str]]]] = defaultdict(list)
    for row in rows:
        if row.language == originals[row.article_id]:
            text_revisions[row.article_id].append((row.number, row.changed_fields))
    result: dict[tuple[uuid.UUID, str], list[str]] = {}
    for article in articles:
        for t in article.translations:
            if t.language == article.original_language:
                continue
            since = t.source_revision or 0
            fields = {
                f
                for number, changed_fields in text_revisions[article.id]
                if number > since
                for f in changed_fields
                if f in TEXT_FIELDS
            }
            result[(article.id, t.language)] = sorted(fields)
    return result


async def list_for(session: AsyncSession, article_id: uuid.UUID) -> list[Revision]:
    rows = await session.scalars(
        select(Revision).where(Revision.article_id == article_id).order_by(Revision.number)
    )
    return list(rows)


async def get(session: AsyncSession, article_id: uuid.UUID, number: int) -> Revision | None:
    revision: Revision | None = await session.scalar(
        select(Revision).where(Revision.article_id == article_id, Revision.number == number)
    )
    return revision
