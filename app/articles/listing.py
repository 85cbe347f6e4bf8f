"""The admin list of articles: every state, filters, keyset pagination on creation time."""

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.articles.schemas import ArticleSummary
from app.articles.views import article_summary
from app.articles.visibility import expired, is_public
from app.kit.pagination import newest_first
from app.models import (
    LIVE_STATUSES,
    Article,
    ArticleAuthor,
    Language,
    Revision,
    Status,
    Translation,
)
from app.revisions import service as revisions
from app.search import query as search
from app.search.analysis import analyzer_for


def _status_is(status: Status, now: datetime) -> ColumnElement[bool]:
    """The status as the admin API shows it (`scheduled` turns `published` on time, a live
    version taken down at its `expire_at` turns into its `expire_status`)."""
    if status is Status.published:
        return is_public(now)
    if status is Status.scheduled:
        return and_(Translation.status.in_(LIVE_STATUSES), Translation.publish_at > now)
    if status in (Status.draft, Status.archived):
        return or_(Translation.status == status.value, expired(now, status))
    return Translation.status == status.value


def _outdated() -> ColumnElement[bool]:
    """The translation is not the original, and the original's text changed since."""
    # Correlated to the translation and article of the enclosing query, explicitly: left
    # to itself, the inner query put `articles` in its own FROM and matched every article.
    changed_since = (
        select(Revision.id)
        .where(
            Revision.article_id == Translation.article_id,
            Revision.language == Article.original_language,
            Revision.text_changed.is_(True),
            Revision.number > func.coalesce(Translation.source_revision, 0),
        )
        .correlate_except(Revision)
    )
    return and_(Translation.language != Article.original_language, changed_since.exists())


async def _matches(session: AsyncSession, q: str, language: str | None) -> ColumnElement[bool]:
    """The translation matches `q`, analysed by its own language's rules."""
    languages = select(Language.code, Language.text_search)
    if language is not None:
        languages = languages.where(Language.code == language)
    dialect = session.get_bind().dialect.name
    await search.plan_for_values(session)
    matches = [
        and_(
            Translation.language == code,
            Translation.id.in_(  # each language's values named apart: `q0_`, `q1_`, …
                search.matching_ids(
                    search.parse(q, analyzer_for(text_search)), dialect, prefix=f"q{n}_"
                )
            ),
        )
        for n, (code, text_search) in enumerate((await session.execute(languages)).all())
    ]
    return or_(false(), *matches)


async def admin_page(
    session: AsyncSession,
    *,
    now: datetime,
    status: Status | None,
    language: str | None,
    outdated: bool | None,
    author: uuid.UUID | None,
    q: str | None = None,
    deleted: bool = False,
    visible: ColumnElement[bool],
    limit: int,
    cursor: str | None,
) -> tuple[list[ArticleSummary], str | None]:
    tombstone = Article.deleted_at.is_not(None)
    query = (
        select(Article)
        .options(selectinload(Article.translations))
        .where(visible, tombstone if deleted else ~tombstone)
    )
    conditions: list[ColumnElement[bool]] = []
    if status is not None:
        conditions.append(_status_is(status, now))
    if language is not None:
        conditions.append(Translation.language == language)
    if outdated is not None:
        conditions.append(
            _outdated()
            if outdated
            else and_(Translation.language != Article.original_language, ~_outdated())
        )
    if q is not None:
        conditions.append(await _matches(session, q, language))
    if conditions:
        query = query.where(exists().where(Translation.article_id == Article.id, *conditions))
    if author is not None:
        query = query.where(
            exists().where(
                ArticleAuthor.article_id == Article.id, ArticleAuthor.author_id == author
            )
        )
    articles, next_cursor = await newest_first(
        session, query, Article.created_at, Article.id, limit=limit, cursor=cursor
    )
    staleness = await revisions.staleness(session, articles)
    return [article_summary(a, now, staleness) for a in articles], next_cursor
