"""Articles and translations: the writes of the management API and their rules."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol

import anyio.to_thread
from sqlalchemy import delete as delete_
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.articles import visibility
from app.articles.schemas import ArticleCreate, ArticleUpdate, Source, TranslationIn
from app.errors import Conflict, Gone, NotFound, Unprocessable
from app.kit import html
from app.kit.removals import SanitizerWarning
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


def with_everything() -> list[object]:
    """The loader options of a whole article: byline, tags, sources, related articles,
    versions with their pending copies and correction notes."""
    return [
        selectinload(Article.authors),
        selectinload(Article.tags),
        selectinload(Article.sources),
        selectinload(Article.related),
        selectinload(Article.translations).options(
            selectinload(Translation.pending), selectinload(Translation.corrections)
        ),
    ]


async def get(session: AsyncSession, ident: uuid.UUID) -> Article:
    article: Article | None = await session.scalar(
        select(Article).options(*with_everything()).where(Article.id == ident)  # type: ignore[arg-type]
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


async def set_references(
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
) -> tuple[Article, dict[str, list[SanitizerWarning]]]:
    """The new article, and what the sanitizer removed from each language's body."""
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
    await set_references(session, article, data)
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
    warnings = {}
    for language, content in ordered:
        put = await put_translation(session, article, language, content, actor=actor)
        warnings[language] = put.warnings
    return article, warnings


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
    await set_references(session, article, data)
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


async def delete(session: AsyncSession, article: Article, *, now: datetime, actor: str) -> None:
    """Leave a tombstone: every version archived (so the one visibility rule hides it
    everywhere public, and a version readers saw answers 410), the article marked deleted.
    The rows stay: slugs reserved, revisions readable. Each version records a revision.
    Pending copies go: a tombstone is read-only, so nobody could publish them. It leaves
    the related lists of other articles, as a purge would (their pages are purged)."""
    if article.deleted_at is not None:
        raise Gone(f"Article {article.id} is already deleted.")
    article.deleted_at, article.deleted_by = now, actor
    for entry in await session.scalars(
        select(ArticleRelated).where(ArticleRelated.related_id == article.id)
    ):
        await session.delete(entry)
    for translation in article.translations:
        if translation.pending is not None:
            await session.delete(translation.pending)
            set_committed_value(translation, "pending", None)
        before = revisions.translation_snapshot(translation)
        translation.status = Status.archived.value
        await recorded(session, translation, before, action="delete", actor=actor, now=now)
    await session.flush()


async def purge(session: AsyncSession, article: Article) -> None:
    """Remove the article for good: versions, revisions, former slugs, search documents."""
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


async def require_free_slug(
    session: AsyncSession, *, language: str, owner: uuid.UUID, slug: str
) -> None:
    """409 when another article uses `slug` in `language` (now or formerly)."""
    if await _slugs_in_use(session, language=language, owner=owner, slugs=[slug]):
        raise Conflict(f"The slug '{slug}' is taken in '{language}' by another article.")


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
        await require_free_slug(session, language=language, owner=owner, slug=wanted)
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


async def text_fields(
    content: TranslationIn, bcp47: str
) -> tuple[dict[str, Any], list[SanitizerWarning]]:
    """A translation body's text as stored (live or as a pending copy) — the HTML
    sanitized, its outline and embeds, word count and reading time — and what the sanitizer
    removed (the write's warnings, never stored). Sanitized in a worker thread: a 500 kB
    body of nothing but tags takes seconds to tokenize, which must not stall the loop."""
    body = await anyio.to_thread.run_sync(html.clean_body, content.body_html, bcp47)
    words = html.word_count(content.title, content.lead, body.html)
    fields = {
        "title": content.title,
        "lead": content.lead,
        "body_html": body.html,
        "outline": body.outline,
        "embeds": body.embeds,
        "seo_title": content.seo_title,
        "seo_description": content.seo_description,
        "social_title": content.social_title,
        "social_description": content.social_description,
        "social_image_id": content.social_image_id,
        "word_count": words,
        "reading_time_minutes": html.reading_time_minutes(words),
    }
    return fields, body.warnings


class Put(NamedTuple):
    """What `put_translation` did: the row, whether it was made, the body's warnings."""

    translation: Translation
    created: bool
    warnings: list[SanitizerWarning]


async def check_social_image(session: AsyncSession, content: TranslationIn) -> None:
    """422 when the version's social image names no media record."""
    if content.social_image_id is not None:
        await _check_ids(session, Media, [content.social_image_id], "social_image_id")


async def clear_social_image(
    session: AsyncSession, translation: Translation, *, actor: str, now: datetime
) -> None:
    """The version no longer shows its social image (its media record is being deleted);
    recorded as a revision, like any change of the version's fields."""
    before = revisions.translation_snapshot(translation)
    translation.social_image_id = None
    await recorded(session, translation, before, action="replace_translation", actor=actor, now=now)


async def put_translation(
    session: AsyncSession,
    article: Article,
    language: str,
    content: TranslationIn,
    *,
    actor: str,
    action: str = "replace_translation",
    state: Mapping[str, Any] | None = None,
) -> Put:
    """Create the `language` translation, or replace its content.
    `action`: the revision's name for a replacement (a published pending copy is one).
    `state`: other columns to write with it (an import's status, schedule and times),
    in the same statement rather than an update after it."""
    lang = (await languages.require(session, [language], loc=("path", "lang")))[language]
    await check_social_image(session, content)
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
    source_revision = (
        None
        if language == article.original_language
        else await revisions.latest_text_revision(session, article.id, article.original_language)
    )
    now = utcnow()
    text, warnings = await text_fields(content, lang.bcp47)
    fields = {
        "slug": slug,
        **text,
        "source_revision": source_revision,
        "updated_at": now,
        **(state or {}),
    }
    before = revisions.translation_snapshot(existing) if existing is not None else None
    if existing is None:
        translation = Translation(
            id=uuid.uuid4(),
            article_id=article.id,
            language=language,
            corrections=[],
            **{"created_at": now, "status": Status.draft.value, **fields},
        )
        set_committed_value(translation, "pending", None)
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
        action="create_translation" if existing is None else action,
        language=language,
        snapshot=after,
        changed_fields=revisions.changed(before, after),
    )
    return Put(translation, existing is None, warnings)


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


def _settle(translation: Translation, now: datetime) -> None:
    """A takedown whose time has passed becomes the stored state (a draft or archived), so
    a transition starts from what the version reads as."""
    if not visibility.is_expired(translation, now):
        return
    translation.status = translation.expire_status or Status.draft.value
    if translation.status == Status.draft:
        translation.publish_at = None
    translation.expire_at = None
    translation.expire_status = None


def _check_expire_at(expire_at: datetime | None, now: datetime) -> None:
    """An expiry must lie ahead (the schema already checks it follows `publish_at`)."""
    if expire_at is not None and expire_at <= now:
        raise Unprocessable.at(
            ["body", "expire_at"],
            "expire_at must be in the future: the version would never be public.",
            msg="Not in the future",
            type="value",
        )


async def recorded(
    session: AsyncSession, translation: Translation, before: dict[str, object], *, action: str,
    actor: str, now: datetime,
) -> None:  # fmt: skip
    """Stamp `translation` changed at `now` and record the revision `action` made of it."""
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


def _set_published(
    translation: Translation, *, publish_at: datetime, expire_at: datetime | None, now: datetime
) -> None:
    """The publication fields of a publish: the schedule given replaces the one before."""
    translation.publish_at = publish_at
    translation.status = (Status.scheduled if publish_at > now else Status.published).value
    if not _went_live(translation, now):
        translation.published_at = publish_at
    translation.expire_at = expire_at
    translation.expire_status = None if expire_at is None else Status.draft.value
    translation.updated_at = now


async def publish(
    session: AsyncSession,
    translation: Translation,
    *,
    at: datetime | None,
    expire_at: datetime | None = None,
    now: datetime,
    actor: str,
) -> None:
    _check_expire_at(expire_at, now)
    _settle(translation, now)
    before = revisions.translation_snapshot(translation)
    _set_published(translation, publish_at=at or now, expire_at=expire_at, now=now)
    await recorded(session, translation, before, action="publish", actor=actor, now=now)


PUBLISH_LANGUAGES = "publish_languages"  # the one revision of a multi-language publish


async def publish_languages(
    session: AsyncSession,
    article: Article,
    languages_: Sequence[str],
    *,
    at: datetime | None,
    expire_at: datetime | None,
    now: datetime,
    actor: str,
) -> list[Translation]:
    """Publish (or schedule) these language versions together: every check runs before
    anything changes, and the request's one transaction holds every change (a failure
    rolls back all of them). One article-level revision names each language's change."""
    await languages.require(session, languages_, loc=("body", "languages"))
    missing = [i for i, code in enumerate(languages_) if translation_of(article, code) is None]
    if missing:
        raise Unprocessable(
            "The article has no version in some of these languages; nothing was published.",
            errors=[
                {
                    "loc": ["body", "languages", i],
                    "msg": f"No '{languages_[i]}' translation",
                    "type": "reference",
                }
                for i in missing
            ],
        )
    _check_expire_at(expire_at, now)
    chosen = [require_translation(article, code) for code in languages_]
    befores: dict[str, dict[str, object]] = {}
    for translation in chosen:
        _settle(translation, now)
        befores[translation.language] = revisions.translation_snapshot(translation)
        _set_published(translation, publish_at=at or now, expire_at=expire_at, now=now)
    # The article's ETag names this change too (a second call with the same If-Match: 412).
    article.updated_at = now
    await session.flush()
    afters = {t.language: revisions.translation_snapshot(t) for t in chosen}
    await revisions.record(
        session,
        article.id,
        actor=actor,
        action=PUBLISH_LANGUAGES,
        snapshot={"languages": list(languages_), "translations": afters},
        changed_fields=[
            f"{language}.{field}"
            for language, after in sorted(afters.items())
            for field in revisions.changed(befores[language], after)
        ],
    )
    return chosen


async def _takedown_later(
    session: AsyncSession, translation: Translation, *, at: datetime, into: Status,
    action: str, now: datetime, actor: str,
) -> None:  # fmt: skip
    """Schedule the takedown of a live version for `at` (a future time)."""
    if not visibility.live_now(translation, now):
        status = visibility.effective_status(translation, now)
        raise Conflict(
            f"The '{translation.language}' version is {status}: only a published or "
            "scheduled version can be taken down later."
        )
    if translation.publish_at is not None and at <= translation.publish_at:
        raise Unprocessable.at(
            ["body", "at"],
            "The takedown must come after the version's publish_at; to cancel a scheduled "
            "publication, unpublish it now.",
            msg="Not after publish_at",
            type="value",
        )
    before = revisions.translation_snapshot(translation)
    translation.expire_at = at
    translation.expire_status = into.value
    await recorded(session, translation, before, action=action, actor=actor, now=now)


async def unpublish(
    session: AsyncSession,
    translation: Translation,
    *,
    at: datetime | None = None,
    now: datetime,
    actor: str,
) -> None:
    _settle(translation, now)
    if at is not None and at > now:
        await _takedown_later(
            session, translation, at=at, into=Status.draft, action="unpublish", now=now,
            actor=actor,
        )  # fmt: skip
        return
    before = revisions.translation_snapshot(translation)
    translation.status = Status.draft.value
    translation.publish_at = None
    translation.expire_at = translation.expire_status = None
    if not _went_live(translation, now):
        translation.published_at = None
    await recorded(session, translation, before, action="unpublish", actor=actor, now=now)


async def archive(
    session: AsyncSession,
    translation: Translation,
    *,
    at: datetime | None = None,
    now: datetime,
    actor: str,
) -> None:
    _settle(translation, now)
    if at is not None and at > now:
        await _takedown_later(
            session, translation, at=at, into=Status.archived, action="archive", now=now,
            actor=actor,
        )  # fmt: skip
        return
    before = revisions.translation_snapshot(translation)
    translation.status = Status.archived.value
    translation.expire_at = translation.expire_status = None
    await recorded(session, translation, before, action="archive", actor=actor, now=now)


async def submit(
    session: AsyncSession, translation: Translation, *, now: datetime, actor: str
) -> None:
    _settle(translation, now)
    if translation.status != Status.draft:
        raise Conflict(
            f"Only a draft can be submitted for review; this one is {translation.status}."
        )
    before = revisions.translation_snapshot(translation)
    translation.status = Status.in_review.value
    await recorded(session, translation, before, action="submit", actor=actor, now=now)


# Restoring a revision ------------------------------------------------------------------


async def restore(
    session: AsyncSession, article: Article, revision: Revision, *, actor: str
) -> dict[str, list[SanitizerWarning]]:
    """Bring back the content of `revision`; the restore is itself a new revision. Returns
    what the sanitizer removed from the restored body (by language; none for metadata)."""
    snapshot = revision.snapshot
    if not snapshot or revision.action == PUBLISH_LANGUAGES:
        raise Conflict(f"Revision {revision.number} ({revision.action}) has nothing to restore.")
    if revision.language is None:
        await update(session, article, ArticleUpdate.model_validate(snapshot), actor=actor)
        return {}
    content = TranslationIn.model_validate(
        {k: snapshot[k] for k in TranslationIn.model_fields if k in snapshot}
    )
    put = await put_translation(session, article, revision.language, content, actor=actor)
    return {revision.language: put.warnings}
