"""Pending copies: staged changes of a published or scheduled translation.

A pending copy is the next text of a live version, kept apart from it (its own table, see
`app.models.pending`): readers, the response cache and the search index see the live row
only. Saving one records a `stage_translation` revision that does not count as a change
of the text; `publish` applies it through `service.put_translation` (the same sanitizer,
slug rules, word count, index and purges as a PUT, revision `publish_pending`) and drops
it; `discard` drops it (revision `discard_pending`). Status and publication times stay.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.articles import corrections, service
from app.articles.schemas import TranslationIn
from app.articles.visibility import live_now
from app.errors import Conflict, NotFound
from app.kit.removals import SanitizerWarning
from app.languages import service as languages
from app.models import Article, PendingTranslation, Translation, utcnow
from app.revisions import service as revisions

# What a pending copy holds: the writable fields of a translation (`TranslationIn`).
FIELDS = (
    "slug", "title", "lead", "body_html", "seo_title", "seo_description",
    "social_title", "social_description", "social_image_id",
)  # fmt: skip


def snapshot(pending: PendingTranslation) -> dict[str, Any]:
    return {field: getattr(pending, field) for field in FIELDS}


def content(pending: PendingTranslation) -> TranslationIn:
    """The copy as the body of a translation PUT (a null slug keeps the live one)."""
    return TranslationIn.model_validate(snapshot(pending))


def changed_fields(translation: Translation, pending: PendingTranslation) -> list[str]:
    """The fields where the copy differs from the live version."""
    return [
        field
        for field in FIELDS
        if not (field == "slug" and pending.slug is None)
        and getattr(pending, field) != getattr(translation, field)
    ]


def require(translation: Translation) -> PendingTranslation:
    if translation.pending is None:
        raise NotFound(
            f"The '{translation.language}' version has no pending changes "
            "(save some with putPendingTranslation)."
        )
    return translation.pending


# Computed from the text, not part of what a revision of a staged copy records.
_DERIVED = frozenset({"word_count", "reading_time_minutes"})
# Derived from the body and kept on the live version only (computed again on publication).
_LIVE_ONLY = frozenset({"outline", "embeds"})


async def stage(
    session: AsyncSession,
    article: Article,
    translation: Translation,
    data: TranslationIn,
    *,
    actor: str,
) -> tuple[PendingTranslation, list[SanitizerWarning]]:
    """Save `data` as the pending copy of a live version (replacing an earlier one); also
    returns what the sanitizer removed from its body."""
    if not live_now(translation, utcnow()):
        raise Conflict(
            f"The '{translation.language}' version is {translation.status}: only a published "
            "or scheduled version keeps pending changes; edit this one directly."
        )
    if data.slug is not None and data.slug != translation.slug:
        await service.require_free_slug(
            session, language=translation.language, owner=article.id, slug=data.slug
        )
    await service.check_social_image(session, data)
    language = (await languages.require(session, [translation.language]))[translation.language]
    text, warnings = await service.text_fields(data, language.bcp47)
    values: dict[str, Any] = {"slug": data.slug}
    values.update((k, v) for k, v in text.items() if k not in _LIVE_ONLY)
    pending = translation.pending or PendingTranslation(translation_id=translation.id)
    for key, value in values.items():
        setattr(pending, key, value)
    pending.saved_by = actor
    pending.saved_at = utcnow()
    revision = await revisions.record(
        session,
        article.id,
        actor=actor,
        action="stage_translation",
        language=translation.language,
        snapshot=revisions.jsonable({k: v for k, v in values.items() if k not in _DERIVED}),
        changed_fields=changed_fields(translation, pending),
        live=False,
    )
    pending.revision = revision.number
    session.add(pending)
    await session.flush()
    set_committed_value(translation, "pending", pending)
    return pending, warnings


async def discard(
    session: AsyncSession, article: Article, translation: Translation, *, actor: str
) -> None:
    pending = require(translation)
    dropped = changed_fields(translation, pending)
    await session.delete(pending)
    set_committed_value(translation, "pending", None)
    await session.flush()
    await revisions.record(
        session,
        article.id,
        actor=actor,
        action="discard_pending",
        language=translation.language,
        snapshot={},
        changed_fields=dropped,
        live=False,
    )


async def publish(
    session: AsyncSession, article: Article, translation: Translation, *, actor: str
) -> service.Put:
    """Make the pending copy the live text, as a PUT would, in the request's transaction.

    This is the one function that publishes a pending copy (a substantive change)."""
    pending = require(translation)
    data = content(pending)
    await session.delete(pending)
    set_committed_value(translation, "pending", None)
    corrections.mark_revised(translation, at=utcnow())
    await session.flush()
    return await service.put_translation(
        session, article, translation.language, data, actor=actor, action="publish_pending"
    )
