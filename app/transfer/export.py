"""`newsdesk export`: every content object as a line of JSON, streamed.

Objects are read in batches by keyset (creation time, id) and let go after each batch, so
memory stays flat whatever the archive's size. On PostgreSQL the whole export reads one
snapshot (a repeatable-read transaction); on SQLite one read transaction does the same.
"""

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import IO, Any

from sqlalchemy import Select, and_, exists, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, selectinload

from app.articles import service as articles_service
from app.db import Database
from app.languages import service as languages
from app.models import (
    Article,
    Language,
    Media,
    Revision,
    SlugRedirect,
    Translation,
)
from app.taxonomy import service as taxonomy
from app.transfer.lines import FORMAT, VERSION, moment
from app.transfer.write import dump

BATCH = 200  # articles per batch: a few MB of text at most


def _translation(t: Translation, with_revisions: bool = False) -> dict[str, Any]:
    pending = t.pending
    line: dict[str, Any] = {
        "slug": t.slug,
        "title": t.title,
        "lead": t.lead,
        "body_html": t.body_html,
        "seo_title": t.seo_title,
        "seo_description": t.seo_description,
        "social_title": t.social_title,
        "social_description": t.social_description,
        "social_image_id": _id(t.social_image_id),
        "status": t.status,
        "publish_at": moment(t.publish_at),
        "published_at": moment(t.published_at),
        "expire_at": moment(t.expire_at),
        "expire_status": t.expire_status,
        "created_at": moment(t.created_at),
        "updated_at": moment(t.updated_at),
        "revised_at": moment(t.revised_at),
        "corrections": [
            {
                "number": c.number,
                "kind": c.kind,
                "text": c.text,
                "created_at": moment(c.created_at),
                "created_by": c.created_by,
            }
            for c in t.corrections
        ],
        "pending": None
        if pending is None
        else {
            "slug": pending.slug,
            "title": pending.title,
            "lead": pending.lead,
            "body_html": pending.body_html,
            "seo_title": pending.seo_title,
            "seo_description": pending.seo_description,
            "social_title": pending.social_title,
            "social_description": pending.social_description,
            "social_image_id": _id(pending.social_image_id),
            "saved_by": pending.saved_by,
            "saved_at": moment(pending.saved_at),
        },
    }
    if with_revisions:
        line["source_revision"] = t.source_revision
        if pending is not None:
            line["pending"]["revision"] = pending.revision
    return line


def revision_line(revision: Revision) -> dict[str, Any]:
    return {
        "number": revision.number,
        "language": revision.language,
        "action": revision.action,
        "actor": revision.actor,
        "created_at": moment(revision.created_at),
        "changed_fields": list(revision.changed_fields),
        "text_changed": revision.text_changed,
        "snapshot": revision.snapshot,
    }


def _id(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def article_line(
    article: Article,
    former: Sequence[SlugRedirect],
    languages: set[str] | None = None,
    revisions: Sequence[Revision] | None = None,
) -> dict[str, Any]:
    """The `article` line of a loaded article (`app.articles.service.get`'s options) and
    its former slugs; with `languages`, only those versions (and the original's); with
    `revisions` (all of the article's, in order), its history."""
    keep = None if languages is None else languages | {article.original_language}
    with_revisions = revisions is not None
    line: dict[str, Any] = {
        "type": "article",
        "id": str(article.id),
        "original_language": article.original_language,
        "category_id": _id(article.category_id),
        "cover_media_id": _id(article.cover_media_id),
        "author_ids": [str(a.author_id) for a in article.authors],
        "tag_ids": [str(t.tag_id) for t in article.tags],
        "related_ids": [str(r.related_id) for r in article.related],
        "sources": [{"name": s.name, "url": s.url} for s in article.sources],
        "created_by": article.created_by,
        "created_at": moment(article.created_at),
        "updated_at": moment(article.updated_at),
        "deleted_at": moment(article.deleted_at),
        "deleted_by": article.deleted_by,
        "translations": {
            t.language: _translation(t, with_revisions)
            for t in sorted(article.translations, key=lambda t: t.language)
            if keep is None or t.language in keep
        },
        "former_slugs": [
            {"language": r.language, "slug": r.slug, "created_at": moment(r.created_at)}
            for r in sorted(former, key=lambda r: (r.language, r.created_at, r.slug))
            if keep is None or r.language in keep
        ],
    }
    if revisions is not None:
        line["revisions"] = [revision_line(r) for r in revisions]
    return line


def language_line(language: Language) -> dict[str, Any]:
    return {
        "type": "language",
        "code": language.code,
        "bcp47": language.bcp47,
        "name": language.name,
        "native_name": language.native_name,
        "text_search": language.text_search,
        "fallbacks": list(language.fallbacks),
        "position": language.position,
    }


def term_line(kind: taxonomy.Kind, entity: Any) -> dict[str, Any]:
    def names(t: Any) -> dict[str, Any]:
        fields = {"name": t.name, "slug": t.slug}
        if kind is taxonomy.AUTHORS:
            fields["bio"] = t.bio
        return fields

    return {
        "type": kind.label,
        "id": str(entity.id),
        "created_at": moment(entity.created_at),
        "updated_at": moment(entity.updated_at),
        "translations": {t.language: names(t) for t in entity.translations},
    }


def media_line(media: Media) -> dict[str, Any]:
    return {
        "type": "media",
        "id": str(media.id),
        "url": media.url,
        "width": media.width,
        "height": media.height,
        "credit": media.credit,
        "content_hash": media.content_hash,
        "format": media.format,
        "size_bytes": media.size_bytes,
        "focal_point": [media.focal_x, media.focal_y],
        "renditions": [list(r) for r in media.renditions],
        "blurhash": media.blurhash,
        "dominant_color": media.dominant_color,
        "created_at": moment(media.created_at),
        "updated_at": moment(media.updated_at),
        "translations": {
            t.language: {"caption": t.caption, "alt": t.alt} for t in media.translations
        },
    }


async def _batches(
    session: AsyncSession, query: Select[Any], model: Any
) -> AsyncIterator[Sequence[Any]]:
    """`query`'s rows of `model` in (created_at, id) order, a batch at a time; each batch is
    let go of (expunged) before the next is read."""
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        page = query.order_by(model.created_at, model.id).limit(BATCH)
        if after is not None:
            page = page.where(tuple_(model.created_at, model.id) > after)
        rows = (await session.scalars(page)).unique().all()
        if not rows:
            return
        yield rows
        after = (rows[-1].created_at, rows[-1].id)
        session.expunge_all()


async def lines(
    session: AsyncSession,
    *,
    schema_revision: str | None,
    now: datetime,
    since: datetime | None = None,
    language: str | None = None,
    with_revisions: bool = False,
) -> AsyncIterator[dict[str, Any]]:
    """Every line of the export, header to end. `since`: only the articles changed since
    then (their article row or a version); `language`: only the articles with a version
    in it, with that version and the original's. Languages, terms and media are always
    whole (a few thousand rows at most, and what the articles name). `with_revisions`:
    each article's revisions too (whole articles only: not with `language`)."""
    if with_revisions and language is not None:
        raise ValueError("revisions are exported for whole articles: not with a language")
    counts: Counter[str] = Counter()
    filters: dict[str, Any] = {}
    if since is not None:
        filters["since"] = moment(since)
    if language is not None:
        filters["language"] = language
    if with_revisions:
        filters["with_revisions"] = True
    yield {
        "type": "header",
        "format": FORMAT,
        "version": VERSION,
        "schema_revision": schema_revision,
        "exported_at": moment(now),
        "filters": filters,
    }
    for row in await session.scalars(select(Language).order_by(Language.position, Language.code)):
        counts["language"] += 1
        yield language_line(row)
    for kind in (taxonomy.AUTHORS, taxonomy.CATEGORIES, taxonomy.TAGS):
        query = select(kind.entity).options(selectinload(kind.entity.translations))
        async for batch in _batches(session, query, kind.entity):
            for entity in batch:
                counts[kind.label] += 1
                yield term_line(kind, entity)
    query = select(Media).options(selectinload(Media.translations))
    async for batch in _batches(session, query, Media):
        for media in batch:
            counts["media"] += 1
            yield media_line(media)
    articles = select(Article).options(*articles_service.with_everything())  # type: ignore[arg-type]
    if since is not None:
        changed = exists().where(
            Translation.article_id == Article.id, Translation.updated_at >= since
        )
        articles = articles.where(or_(Article.updated_at >= since, changed))
    if language is not None:
        articles = articles.where(
            exists().where(
                and_(Translation.article_id == Article.id, Translation.language == language)
            )
        )
    wanted = None if language is None else {language}
    async for batch in _batches(session, articles, Article):
        former: dict[uuid.UUID, list[SlugRedirect]] = {a.id: [] for a in batch}
        for redirect in await session.scalars(
            select(SlugRedirect).where(SlugRedirect.article_id.in_(list(former)))
        ):
            former[redirect.article_id].append(redirect)
        history: dict[uuid.UUID, list[Revision]] | None = None
        if with_revisions:
            history = {a.id: [] for a in batch}
            for revision in await session.scalars(
                select(Revision)
                .where(Revision.article_id.in_(list(history)))
                .order_by(Revision.article_id, Revision.number)
            ):
                history[revision.article_id].append(revision)
        for article in batch:
            counts["article"] += 1
            revisions = None if history is None else history[article.id]
            yield article_line(article, former[article.id], wanted, revisions)
    yield {"type": "end", "counts": dict(sorted(counts.items()))}


async def write(
    db: Database,
    out: IO[bytes],
    *,
    now: datetime,
    since: datetime | None = None,
    language: str | None = None,
    with_revisions: bool = False,
    progress: Callable[[Counter[str]], None] = lambda _counts: None,
) -> Counter[str]:
    """Write the export to `out`, read in one snapshot; the lines written per type.
    An unknown `language` is a 422 (`AppError`) before anything is written."""
    counts: Counter[str] = Counter()
    async with db.reader() as session, session.begin():
        await snapshot(session)
        if language is not None:
            await languages.require(session, [language], loc=("query", "language"))
        revision = await session.run_sync(schema_revision)
        stream = lines(
            session,
            schema_revision=revision,
            now=now,
            since=since,
            language=language,
            with_revisions=with_revisions,
        )
        async for line in stream:
            out.write(dump(line))
            counts[line["type"]] += 1
            progress(counts)
    return counts


async def snapshot(session: AsyncSession) -> None:
    """Make the session's transaction read one snapshot throughout: PostgreSQL's default
    gives each statement its own; SQLite's read transaction already is one. Call it first."""
    if session.get_bind().dialect.name == "postgresql":
        await session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )


def schema_revision(sync_session: Session) -> str | None:
    """The database's migration, for the header."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(sync_session.connection()).get_current_revision()
