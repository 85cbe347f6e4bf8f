"""Articles and translations: the writes of the management API and their rules."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete as delete_
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.articles.schemas import ArticleCreate, ArticleUpdate, Source, TranslationIn
from app.errors import Conflict, NotFound, Unprocessable
from app.kit import html
from app.kit.slugs import slugify, unique_slug
from app.languages import service as languages
from app.models import (
    Article,
    ArticleAuthor,
    ArticleRelated,
    ArticleSource,
    ArticleTag,
    Author,
    Category,
    Media,
    Revision,
    SlugRedirect,
    Status,
    Tag,
    Translation,
    utcnow,
)
from app.revisions import service as revisions


def _with_everything() -> list[object]:
    return [
        selectinload(Article.authors),
        selectinload(Article.tags),
        selectinload(Article.sources),
        selectinload(Article.related),
        selectinload(Article.translations).selectinload(Translation.corrections),
    ]


async def get(session: AsyncSession, ident: uuid.UUID) -> Article:
    article: Article | None = await session.scalar(
        select(Article).options(*_with_everything()).where(Article.id == ident)  # type: ignore[arg-type]
    )
    if article is None:
        raise NotFound(f"No article {ident}.")
    return article


def translation_of(article: Article, language: str) -> Translation | None:
    return next((t for t in article.translations if t.language == language), None)


def require_translation(article: Article, language: str) -> Translation:
    translation = translation_of(article, language)
    if translation is None:
        raise NotFound(f"Article {article.id} has no '{language}' translation.")
    return translation


# References -----------------------------------------------------------------------------


async def _check_ids(
    session: AsyncSession,
    model: type[Author | Tag | Category | Media | Article],
    ids: Sequence[uuid.UUID],
    field: str,
) -> None:
    """Every id names an existing row; list fields report the index of each bad one."""
    if len(set(ids)) != len(ids):
        raise Unprocessable.at(
            ["body", field], f"{field} lists an id twice.", msg="Duplicate id", type="unique"
        )
    if not ids:
        return
    found = set(await session.scalars(select(model.id).where(model.id.in_(ids))))
    missing = [i for i, ident in enumerate(ids) if ident not in found]
    if missing:
        is_list = field.endswith("_ids")
        raise Unprocessable(
            f"{field} names something that does not exist.",
            errors=[
                {
                    "loc": ["body", field, i] if is_list else ["body", field],
                    "msg": f"No such {model.__name__.lower()}",
                    "type": "reference",
                }
                for i in missing
            ],
        )


async def _set_references(
    session: AsyncSession, article: Article, data: ArticleCreate | ArticleUpdate
) -> None:
    given = data.model_fields_set
    if "author_ids" in given and data.author_ids is not None:
        await _check_ids(session, Author, data.author_ids, "author_ids")
        article.authors = [
            ArticleAuthor(author_id=ident, position=i) for i, ident in enumerate(data.author_ids)
        ]
    if "tag_ids" in given and data.tag_ids is not None:
        await _check_ids(session, Tag, data.tag_ids, "tag_ids")
        article.tags = [
            ArticleTag(tag_id=ident, position=i) for i, ident in enumerate(data.tag_ids)
        ]
    if "category_id" in given:
        if data.category_id is not None:
            await _check_ids(session, Category, [data.category_id], "category_id")
        article.category_id = data.category_id
    if "cover_media_id" in given:
        if data.cover_media_id is not None:
            await _check_ids(session, Media, [data.cover_media_id], "cover_media_id")
        article.cover_media_id = data.cover_media_id
    if "sources" in given and data.sources is not None:
        article.sources = [_source(s, i) for i, s in enumerate(data.sources)]
    if "related_ids" in given and data.related_ids is not None:
        await _check_related(session, article, data.related_ids)
        article.related = [
            ArticleRelated(related_id=ident, position=i) for i, ident in enumerate(data.related_ids)
        ]


async def _check_related(session: AsyncSession, article: Article, ids: Sequence[uuid.UUID]) -> None:
    """Other existing articles, each once (an article is not related to itself)."""
    if article.id in ids:
        raise Unprocessable.at(
            ["body", "related_ids", list(ids).index(article.id)],
            "An article cannot be related to itself.",
            msg="The article itself",
            type="reference",
        )
    await _check_ids(session, Article, ids, "related_ids")


def _source(source: Source, position: int) -> ArticleSource:
    return ArticleSource(name=source.name, url=source.url, position=position)


# Articles -------------------------------------------------------------------------------


async def create(
    session: AsyncSession, data: ArticleCreate, *, actor: str, owner: str | None = None
) -> Article:
    await languages.require(session, [data.original_language], loc=("body",))
    if data.original_language not in data.translations:
        raise Unprocessable.at(
            ["body", "translations", data.original_language],
            "The original language's translation is required when creating an article.",
            msg="Missing the original language's translation",
            type="missing",
        )
    now = utcnow()
    article = Article(
        id=uuid.uuid4(),
        original_language=data.original_language,
        created_at=now,
        updated_at=now,
        last_revision=0,
        created_by=owner,
        authors=[],
        tags=[],
        sources=[],
        related=[],
        translations=[],
    )
    await _set_references(session, article, data)
    session.add(article)
    await session.flush()
    snapshot = revisions.article_snapshot(article)
    await revisions.record(
        session,
        article.id,
        actor=actor,
        action="create",
        snapshot=snapshot,
        changed_fields=revisions.changed(None, snapshot),
    )
    # The original first, so the other translations record the revision they are made from.
    ordered = sorted(data.translations.items(), key=lambda kv: kv[0] != data.original_language)
    for language, content in ordered:
        await put_translation(session, article, language, content, actor=actor)
    return article


async def update(
    session: AsyncSession, article: Article, data: ArticleUpdate, *, actor: str
) -> Article:
    before = revisions.article_snapshot(article)
    if data.original_language is not None and data.original_language != article.original_language:
        if translation_of(article, data.original_language) is None:
            raise Unprocessable.at(
                ["body", "original_language"],
                "The original language must be one the article has a translation in.",
                msg="No such translation",
                type="reference",
            )
        article.original_language = data.original_language
    await _set_references(session, article, data)
    article.updated_at = utcnow()
    await session.flush()
    after = revisions.article_snapshot(article)
    await revisions.record(
        session,
        article.id,
        actor=actor,
        action="update",
        snapshot=after,
        changed_fields=revisions.changed(before, after),
    )
    return article


async def delete(session: AsyncSession, article: Article) -> None:
    await session.delete(article)
    await session.flush()


# Translations ---------------------------------------------------------------------------


async def _slugs_in_use(
    session: AsyncSession, *, language: str, owner: uuid.UUID, slugs: list[str]
) -> set[str]:
    """Which of `slugs` other articles use in `language`, current or former (both stay
    reserved)."""
    current = select(Translation.slug).where(
        Translation.language == language,
        Translation.article_id != owner,
        Translation.slug.in_(slugs),
    )
    former = select(SlugRedirect.slug).where(
        SlugRedirect.language == language,
        SlugRedirect.article_id != owner,
        SlugRedirect.slug.in_(slugs),
    )
    return set(await session.scalars(current.union(former)))


async def _slug(
    session: AsyncSession,
    *,
    language: str,
    bcp47: str,
    wanted: str | None,
    title: str,
    owner: uuid.UUID,
) -> str:
    if wanted is not None:
        if await _slugs_in_use(session, language=language, owner=owner, slugs=[wanted]):
            raise Conflict(f"The slug '{wanted}' is taken in '{language}' by another article.")
        return wanted

    async def taken(candidates: list[str]) -> set[str]:
        return await _slugs_in_use(session, language=language, owner=owner, slugs=candidates)

    return await unique_slug(slugify(title, bcp47), taken)


async def _keep_old_slug(
    session: AsyncSession,
    article: Article,
    language: str,
    old: str,
    new: str,
    *,
    was_public: bool,
) -> None:
    """The old slug redirects to the new one — if readers ever saw it: a slug the version
    had only as a draft is forgotten, or publishing would reveal the draft's old title. A
    slug taken back stops redirecting."""
    await session.execute(
        delete_(SlugRedirect).where(SlugRedirect.language == language, SlugRedirect.slug == new)
    )
    if was_public:
        session.add(
            SlugRedirect(id=uuid.uuid4(), article_id=article.id, language=language, slug=old)
        )


async def put_translation(
    session: AsyncSession,
    article: Article,
    language: str,
    content: TranslationIn,
    *,
    actor: str,
) -> tuple[Translation, bool]:
    """Create the `language` translation, or replace its content; returns (row, created)."""
    lang = (await languages.require(session, [language], loc=("path", "lang")))[language]
    existing = translation_of(article, language)
    wanted = content.slug if content.slug is not None else (existing.slug if existing else None)
    slug = await _slug(
        session,
        language=language,
        bcp47=lang.bcp47,
        wanted=wanted,
        title=content.title,
        owner=article.id,
    )
    body = html.sanitize(content.body_html)
    words = html.word_count(content.title, content.lead, body)
    source_revision = (
        None
        if language == article.original_language
        else await revisions.latest_text_revision(session, article.id, article.original_language)
    )
    now = utcnow()
    fields = {
        "slug": slug,
        "title": content.title,
        "lead": content.lead,
        "body_html": body,
        "seo_title": content.seo_title,
        "seo_description": content.seo_description,
        "word_count": words,
        "reading_time_minutes": html.reading_time_minutes(words),
        "source_revision": source_revision,
        "updated_at": now,
    }
    before = revisions.translation_snapshot(existing) if existing is not None else None
    if existing is None:
        translation = Translation(
            id=uuid.uuid4(),
            article_id=article.id,
            language=language,
            created_at=now,
            status=Status.draft.value,
            corrections=[],
            **fields,
        )
        article.translations.append(translation)
    else:
        translation = existing
        if existing.slug != slug:
            await _keep_old_slug(
                session, article, language, existing.slug, slug,
                was_public=_went_live(existing, now),
            )  # fmt: skip
        for key, value in fields.items():
            setattr(existing, key, value)
    await session.flush()
    after = revisions.translation_snapshot(translation)
    await revisions.record(
        session,
        article.id,
        actor=actor,
        action="create_translation" if existing is None else "replace_translation",
        language=language,
        snapshot=after,
        changed_fields=revisions.changed(before, after),
    )
    return translation, existing is None


async def delete_translation(
    session: AsyncSession, article: Article, translation: Translation, *, actor: str
) -> None:
    if translation.language == article.original_language:
        raise Conflict(
            "The original language's translation cannot be deleted; delete the article instead "
            "or make another language the original first."
        )
    article.translations.remove(translation)
    await session.flush()
    await revisions.record(
        session,
        article.id,
        actor=actor,
        action="delete_translation",
        language=translation.language,
        snapshot={},
        changed_fields=[],
    )


# Publication state ----------------------------------------------------------------------


class Transition(Protocol):
    async def __call__(
        self, session: AsyncSession, translation: Translation, *, now: datetime, actor: str
    ) -> None: ...


def _went_live(translation: Translation, now: datetime) -> bool:
    return translation.published_at is not None and translation.published_at <= now


async def _recorded(
    session: AsyncSession, translation: Translation, before: dict[str, object], *, action: str,
    actor: str, now: datetime,
) -> None:  # fmt: skip
    translation.updated_at = now
    await session.flush()
    after = revisions.translation_snapshot(translation)
    await revisions.record(
        session,
        translation.article_id,
        actor=actor,
        action=action,
        language=translation.language,
        snapshot=after,
        changed_fields=revisions.changed(before, after),
    )


async def publish(
    session: AsyncSession,
    translation: Translation,
    *,
    at: datetime | None,
    now: datetime,
    actor: str,
) -> None:
    before = revisions.translation_snapshot(translation)
    publish_at = at or now
    translation.publish_at = publish_at
    translation.status = (Status.scheduled if publish_at > now else Status.published).value
    if not _went_live(translation, now):
        translation.published_at = publish_at
    await _recorded(session, translation, before, action="publish", actor=actor, now=now)


async def unpublish(
    session: AsyncSession, translation: Translation, *, now: datetime, actor: str
) -> None:
    before = revisions.translation_snapshot(translation)
    translation.status = Status.draft.value
    translation.publish_at = None
    if not _went_live(translation, now):
        translation.published_at = None
    await _recorded(session, translation, before, action="unpublish", actor=actor, now=now)


async def archive(
    session: AsyncSession, translation: Translation, *, now: datetime, actor: str
) -> None:
    before = revisions.translation_snapshot(translation)
    translation.status = Status.archived.value
    await _recorded(session, translation, before, action="archive", actor=actor, now=now)


async def submit(
    session: AsyncSession, translation: Translation, *, now: datetime, actor: str
) -> None:
    if translation.status != Status.draft:
        raise Conflict(
            f"Only a draft can be submitted for review; this one is {translation.status}."
        )
    before = revisions.translation_snapshot(translation)
    translation.status = Status.in_review.value
    await _recorded(session, translation, before, action="submit", actor=actor, now=now)


# Restoring a revision ------------------------------------------------------------------


async def restore(
    session: AsyncSession, article: Article, revision: Revision, *, actor: str
) -> Article:
    """Bring back the content of `revision`; the restore is itself a new revision."""
    snapshot = revision.snapshot
    if not snapshot:
        raise Conflict(f"Revision {revision.number} ({revision.action}) has nothing to restore.")
    if revision.language is None:
        await update(session, article, ArticleUpdate.model_validate(snapshot), actor=actor)
        return article
    content = TranslationIn.model_validate(
        {k: snapshot[k] for k in TranslationIn.model_fields if k in snapshot}
    )
    await put_translation(session, article, revision.language, content, actor=actor)
    return article
