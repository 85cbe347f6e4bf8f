"""Safe deletes of what articles refer to: tags, categories, authors and media.

A tag, category, author or image that articles use is not deleted behind their back:
the delete answers 409 with how many articles use it (`articles` in the problem). With
`force`, each of those articles first loses the reference through the articles service
(`service.update`), so every one of them gets a revision whose snapshot and
`changed_fields` show the reference gone, and its cached pages are purged by the flush.
Tombstones count too: they are articles, and their revisions keep the reference's trace.
An image is used as an article's cover and as a language version's social image (a
pending copy's too): `force` clears each use, a revision per language version.
"""

import uuid
from typing import Annotated, Any, Literal

from fastapi import Query
from sqlalchemy import CompoundSelect, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.articles import service
from app.articles.schemas import ArticleUpdate
from app.errors import Conflict, Problem
from app.models import Article, ArticleAuthor, ArticleTag, PendingTranslation, Translation, utcnow

Force = Annotated[
    bool,
    Query(
        description="`true`: delete even when articles use it — it is removed from each of "
        "them, and each records a revision. Otherwise such a delete answers 409 with the "
        "number of articles (`articles`)."
    ),
]

# The delete's 409, described in the contract.
IN_USE: dict[int | str, dict[str, Any]] = {
    409: {
        "model": Problem,
        "description": "Articles use it: the problem's `articles` says how many; "
        "`force=true` deletes it anyway.",
    }
}

# The article field that holds the reference (the name `ArticleUpdate` takes).
Field = Literal["tag_ids", "author_ids", "category_id", "cover_media_id"]


def _users(field: Field, ident: uuid.UUID) -> Select[uuid.UUID] | CompoundSelect[uuid.UUID]:
    """The ids of the articles that refer to `ident` through `field`."""
    if field == "tag_ids":
        return select(ArticleTag.article_id).where(ArticleTag.tag_id == ident)
    if field == "author_ids":
        return select(ArticleAuthor.article_id).where(ArticleAuthor.author_id == ident)
    if field == "category_id":
        return select(Article.id).where(Article.category_id == ident)
    return select(Article.id).where(Article.cover_media_id == ident).union(*_social_uses(ident))


def _social_uses(ident: uuid.UUID) -> tuple[Select[uuid.UUID], Select[uuid.UUID]]:
    """The ids of the articles with a language version, or its pending copy, whose social
    image is `ident`."""
    return (
        select(Translation.article_id).where(Translation.social_image_id == ident),
        select(Translation.article_id)
        .join(PendingTranslation, PendingTranslation.translation_id == Translation.id)
        .where(PendingTranslation.social_image_id == ident),
    )


async def _release_social(
    session: AsyncSession, article: Article, ident: uuid.UUID, *, actor: str
) -> None:
    """Each language version of `article` stops showing `ident` as its social image."""
    for translation in article.translations:
        if translation.social_image_id == ident:
            await service.clear_social_image(session, translation, actor=actor, now=utcnow())
        if translation.pending is not None and translation.pending.social_image_id == ident:
            translation.pending.social_image_id = None
    await session.flush()


def _without(article: Article, field: Field, ident: uuid.UUID) -> ArticleUpdate:
    """The metadata change that drops `ident` from `field`, the rest as it is."""
    if field == "tag_ids":
        return ArticleUpdate(tag_ids=[t.tag_id for t in article.tags if t.tag_id != ident])
    if field == "author_ids":
        return ArticleUpdate(
            author_ids=[a.author_id for a in article.authors if a.author_id != ident]
        )
    if field == "category_id":
        return ArticleUpdate(category_id=None)
    return ArticleUpdate(cover_media_id=None)


async def release(
    session: AsyncSession,
    field: Field,
    ident: uuid.UUID,
    *,
    label: str,
    force: bool,
    actor: str,
) -> list[uuid.UUID]:
    """Before deleting `ident`: 409 when articles use it, unless `force`, which removes it
    from each of them (a revision each). Returns the ids of the articles changed."""
    users = sorted(set(await session.scalars(_users(field, ident))))
    if not users:
        return []
    if not force:
        count = len(users)
        raise Conflict(
            f"The {label} is used by {count} article{'s' if count != 1 else ''}: remove it "
            "from them first, or delete with `force=true` to remove it from each of them "
            "(each records a revision).",
            articles=count,
        )
    for article_id in users:
        article = await service.get(session, article_id)
        if field == "cover_media_id":
            await _release_social(session, article, ident, actor=actor)
            if article.cover_media_id != ident:
                continue
        await service.update(session, article, _without(article, field, ident), actor=actor)
    return users
